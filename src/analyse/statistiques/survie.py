"""Délais avec leur censure et leur incertitude : courbe de Kaplan–Meier (``statsmodels``,
``SurvfuncRight``), médiane et son intervalle, part traitée dans un délai cible.

Un délai est « censuré » quand la réponse n'est pas encore arrivée (réclamation ouverte,
contact d'audit resté sans réponse) : on sait seulement qu'il dépasse l'ancienneté du cas.
L'ignorer raccourcit les délais ; le compter comme « en retard » allonge ceux des cas
récents. La courbe de survie S(t) = P(délai > t) de Kaplan–Meier tient compte des deux.

- Médiane : premier délai où S(t) ≤ 1/2 (milieu du palier quand S vaut exactement 1/2,
  comme R ``survfit``) ; « non atteinte » quand la courbe ne descend pas à 1/2.
- Intervalle de la médiane (Brookmeyer–Crowley) : délais t où l'intervalle ponctuel de S(t)
  contient 1/2, avec la variance de Greenwood sur l'échelle log(−log) ; la borne haute est
  « non atteinte » (infinie) quand l'intervalle de S contient 1/2 jusqu'au dernier délai observé.
  Pas d'intervalle sous ``MIN_REPONSES_INTERVALLE`` réponses observées.
- Part dans le délai cible : 1 − S(cible), intervalle log(−log) de Greenwood ; sans aucune
  réponse avant la cible, borne haute exacte 1 − (α/2)^(1/n) sur les n cas suivis jusque-là ;
  quand tous les cas suivis ont répondu avant la cible, borne basse exacte (α/2)^(1/r) sur
  les r réponses.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

NIVEAU = 0.95
# En dessous de 5 réponses, l'intervalle de Brookmeyer–Crowley couvre mal (mesuré : 34 % à 1–2 réponses,
# 86 % à 3–4, 96 % à 5–6 ; ``benchmarks/RESULTATS.md``) et aucun intervalle exact à 95 % de la médiane
# ne tient entre les délais observés (il faut au moins 6 valeurs) : l'intervalle est alors dit non calculable.
MIN_REPONSES_INTERVALLE = 5


def _nettoyer(durees, observes) -> tuple[np.ndarray, np.ndarray]:
    durees = np.asarray(durees, dtype=float)
    observes = np.asarray(observes, dtype=bool)
    garde = ~np.isnan(durees)
    return durees[garde], observes[garde]


def courbe_km(durees, observes):
    """Courbe de Kaplan–Meier (``SurvfuncRight``) ; ``None`` sans aucun cas.

    >>> c = courbe_km([2, 4, 6, 30, 30], [True, True, True, False, False])
    >>> c.surv_times.tolist(), c.surv_prob.round(2).tolist()
    ([2.0, 4.0, 6.0], [0.8, 0.6, 0.4])
    """
    from statsmodels.duration.survfunc import SurvfuncRight

    durees, observes = _nettoyer(durees, observes)
    if not len(durees):
        return None
    return SurvfuncRight(durees, observes.astype(int))


def _mediane(courbe) -> float:
    probas, temps = courbe.surv_prob, courbe.surv_times
    sous = np.flatnonzero(probas <= 0.5 + 1e-12)
    if not len(sous):
        return np.nan
    i = sous[0]
    if np.isclose(probas[i], 0.5) and i + 1 < len(temps):  # palier à 1/2 : milieu, comme R survfit
        return float((temps[i] + temps[i + 1]) / 2)
    return float(temps[i])


def mediane_km(
    durees, observes, niveau: float = NIVEAU, methode: str = "cloglog", min_reponses: int = MIN_REPONSES_INTERVALLE
) -> dict:
    """Médiane de Kaplan–Meier et son intervalle : ``mediane``, ``ic_bas``, ``ic_haut``, ``n``, ``n_reponses``.

    NaN pour la médiane quand elle n'est pas atteinte ; ``ic_haut`` infini quand la borne haute
    n'est pas atteinte. ``methode`` : transformation de ``SurvfuncRight.quantile_ci``
    (``cloglog`` = log(−log), celle des rapports ; ``log`` = celle de R ``survfit`` par défaut).
    Moins de ``min_reponses`` réponses observées : pas d'intervalle (NaN).

    >>> m = mediane_km([9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161], [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0], methode="log")
    >>> float(m["mediane"]), float(m["ic_bas"]), float(m["ic_haut"])  # R : survfit(Surv(time, status) ~ x, aml)
    (31.0, 18.0, inf)
    """
    durees, observes = _nettoyer(durees, observes)
    resultat = {"mediane": np.nan, "ic_bas": np.nan, "ic_haut": np.nan, "n": len(durees), "n_reponses": 0}
    courbe = courbe_km(durees, observes)
    if courbe is None:
        return resultat
    resultat["n_reponses"] = int(observes.sum())
    if not observes.any():
        resultat["ic_haut"] = np.inf
        return resultat
    resultat["mediane"] = _mediane(courbe)
    if resultat["n_reponses"] < min_reponses:
        return resultat
    with np.errstate(divide="ignore", invalid="ignore"):
        bas, haut = courbe.quantile_ci(0.5, alpha=1 - niveau, method=methode)
    resultat["ic_bas"], resultat["ic_haut"] = float(bas), float(haut)
    return resultat


def part_dans_delai(durees, observes, cible: float, niveau: float = NIVEAU) -> dict:
    """Part des cas traités en au plus ``cible`` : 1 − S(cible) lue sur la courbe de Kaplan–Meier.

    Un cas encore ouvert depuis moins de ``cible`` n'est pas compté en retard : il sort du
    suivi à son ancienneté. Renvoie ``part``, ``ic_bas``, ``ic_haut``, ``n``.

    >>> p = part_dans_delai([2, 4, 20, 3, 3], [True, True, True, False, False], cible=15)
    >>> round(p["part"], 2)  # S = 4/5 après 2 jours, puis × 1/2 à 4 jours (2 cas encore suivis)
    0.6
    """
    durees, observes = _nettoyer(durees, observes)
    resultat = {"part": np.nan, "ic_bas": np.nan, "ic_haut": np.nan, "n": len(durees)}
    courbe = courbe_km(durees, observes)
    if courbe is None:
        return resultat
    z = norm.ppf(0.5 + niveau / 2)
    avant = np.flatnonzero(courbe.surv_times <= cible)
    if not len(avant):  # aucune réponse avant la cible
        suivis = int((durees >= cible).sum())
        haut = 1 - ((1 - niveau) / 2) ** (1 / suivis) if suivis else np.nan
        return resultat | {"part": 0.0, "ic_bas": 0.0, "ic_haut": float(haut)}
    s, se = float(courbe.surv_prob[avant[-1]]), float(courbe.surv_prob_se[avant[-1]])
    resultat["part"] = 1 - s
    if s <= 0:  # tous les cas suivis répondus avant la cible : borne basse exacte sur les réponses
        reponses = int((observes & (durees <= cible)).sum())
        return resultat | {"ic_bas": float(((1 - niveau) / 2) ** (1 / reponses)), "ic_haut": 1.0}
    if s >= 1 or se <= 0:
        return resultat
    ecart = z * se / (s * abs(np.log(s)))
    s_bas, s_haut = s ** np.exp(ecart), s ** np.exp(-ecart)  # intervalle log(−log) de S
    return resultat | {"ic_bas": float(1 - s_haut), "ic_haut": float(1 - s_bas)}
