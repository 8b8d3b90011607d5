"""Délais de réponse aux réclamations : vérité connue, censure administrative, couverture.

Modèle génératif (différent de l'estimateur, qui ne suppose aucune loi) : des structures
reçoivent des réclamations (loi de Poisson, 5 par mois en moyenne, dates uniformes dans le
mois) pendant 12 mois ; le délai de réponse est ⌈X⌉ jours, X suivant une loi gamma de forme
1,5 dont l'échelle donne P(délai ≤ 15 j) = 0,65 (médiane vraie : 11 jours). Le suivi s'arrête
à la fin de la série (plus ``marge`` jours) : une réclamation sans réponse à cette date est
censurée à son ancienneté, comme dans ``analyse.statistiques.suivi.delais_reclamations``.

Mesures : couverture de l'intervalle à 95 % de la médiane de Kaplan–Meier (Brookmeyer–Crowley,
log(−log)), part des bornes hautes non atteintes, biais de la part dans le délai lue sur la
courbe (et de l'ancien calcul qui compte les réclamations ouvertes comme en retard), biais du
chiffre annuel tiré de la courbe annuelle (et de la médiane des médianes mensuelles).
Mêmes graines → mêmes nombres.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from scipy.optimize import brentq

from analyse.statistiques.suivi import ParametresSuivi, delais_annuels, delais_reclamations

FORME = 1.5
CIBLE = 15
PART_VRAIE = 0.65
MOIS = 12


def echelle_gamma(part: float = PART_VRAIE, cible: float = CIBLE, forme: float = FORME) -> float:
    """Échelle de la loi gamma qui donne P(⌈X⌉ ≤ cible) = ``part``.

    >>> round(echelle_gamma(), 2)
    9.14
    """
    return brentq(lambda s: stats.gamma.cdf(cible, forme, scale=s) - part, 0.1, 500)


def verites(echelle: float, forme: float = FORME, cible: float = CIBLE) -> dict:
    """Médiane vraie du délai en jours entiers (plus petit k avec P(⌈X⌉ ≤ k) ≥ 1/2) et part vraie dans la cible.

    >>> verites(echelle_gamma())
    {'mediane': 11.0, 'part': 0.65}
    """
    mediane = float(np.ceil(stats.gamma.ppf(0.5, forme, scale=echelle)))
    return {"mediane": mediane, "part": round(float(stats.gamma.cdf(cible, forme, scale=echelle)), 6)}


def simuler_structure(rng, echelle: float, par_mois: float = 5.0, marge: int = 0, annee: int = 2022) -> tuple:
    """Réclamations d'une structure sur 12 mois (délai NaN si encore ouvertes à la fin du suivi) et fin du suivi."""
    n = rng.poisson(par_mois, MOIS)
    mois = np.repeat(np.arange(MOIS), n)
    debut = pd.Timestamp(f"{annee}-01-01")
    jours_mois = pd.date_range(debut, periods=MOIS, freq="MS")
    longueur = jours_mois.days_in_month.to_numpy()[mois]
    dates = jours_mois[mois] + pd.to_timedelta(np.floor(rng.random(len(mois)) * longueur), unit="D")
    delais = np.ceil(rng.gamma(FORME, echelle, len(mois)))
    fin = pd.Timestamp(f"{annee}-12-31") + pd.Timedelta(days=marge)
    repondu = (dates + pd.to_timedelta(delais, unit="D")) <= fin
    return pd.DataFrame(
        {
            "date_signal": dates,
            "source": "reclamation",
            "repondu": np.asarray(repondu),
            "delai_reponse_jours": np.where(repondu, delais, np.nan),
        }
    ), fin


def _couvre(bas, haut, vraie) -> bool:
    return bool(pd.notna(bas) and bas <= vraie and (np.isinf(haut) or (pd.notna(haut) and vraie <= haut)))


def simuler(n_structures: int, graine: int = 2012, par_mois: float = 5.0, marge: int = 0) -> dict:
    """Tables mensuelle et annuelle des estimations, avec la vérité, pour ``n_structures`` structures.

    >>> r = simuler(2, graine=1)
    >>> sorted(r), int(r["annuel"]["n"].sum()) > 0
    (['annuel', 'mensuel', 'verite'], True)
    """
    rng = np.random.default_rng(graine)
    echelle = echelle_gamma()
    verite = verites(echelle)
    parametres = ParametresSuivi(delai_cible_jours=CIBLE)
    mensuels, annuels = [], []
    for k in range(n_structures):
        s, fin = simuler_structure(rng, echelle, par_mois, marge)
        m = delais_reclamations(s, parametres, fin)
        ouvertes_en_retard = s.assign(mois=s["date_signal"].dt.to_period("M").dt.to_timestamp())
        naif = ouvertes_en_retard.groupby("mois")["delai_reponse_jours"].apply(lambda d: (d <= CIBLE).mean())
        m["part_naive"] = m["mois"].map(naif).to_numpy()
        a = delais_annuels(s, parametres, fin)
        a["mediane_des_medianes"] = m["delai_median_jours"].median()
        a["part_naive"] = float((s["delai_reponse_jours"] <= CIBLE).mean())
        mensuels.append(m.assign(structure=k))
        annuels.append(a.assign(structure=k))
    return {
        "mensuel": pd.concat(mensuels, ignore_index=True),
        "annuel": pd.concat(annuels, ignore_index=True),
        "verite": verite,
    }


def resumer(table: pd.DataFrame, verite: dict) -> dict:
    """Couverture et biais sur une table d'estimations (mensuelle ou annuelle).

    >>> t = pd.DataFrame({"delai_median_jours": [10.0], "delai_ic_bas": [8.0], "delai_ic_haut": [np.inf],
    ...     "part_dans_delai": [0.6], "part_ic_bas": [0.4], "part_ic_haut": [0.8], "part_naive": [0.5]})
    >>> resumer(t, {"mediane": 11.0, "part": 0.65})["couverture_mediane"]
    1.0
    """
    med, part = verite["mediane"], verite["part"]
    couvre_med = [_couvre(b, h, med) for b, h in zip(table["delai_ic_bas"], table["delai_ic_haut"])]
    couvre_part = [_couvre(b, h, part) for b, h in zip(table["part_ic_bas"], table["part_ic_haut"])]
    return {
        "n": int(len(table)),
        "couverture_mediane": float(np.mean(couvre_med)),
        "borne_haute_non_atteinte": float(np.isinf(table["delai_ic_haut"]).mean()),
        "mediane_non_atteinte": float(table["delai_median_jours"].isna().mean()),
        "intervalle_non_calculable": float(table["delai_ic_bas"].isna().mean()),
        "couverture_part": float(np.mean(couvre_part)),
        "part_moyenne": float(table["part_dans_delai"].mean()),
        "biais_part": float(table["part_dans_delai"].mean() - part),
        "biais_part_naive": float(table["part_naive"].mean() - part),
    }
