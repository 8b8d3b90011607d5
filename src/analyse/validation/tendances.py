"""Simulations à vérité connue des tests de tendance et de rupture de l'étude des tendances.

Les séries simulées ont la forme des séries nationales du baromètre : dix éditions (2012–2022,
sans 2019), une estimation par édition avec une erreur d'échantillonnage connue (écart-type
``ECART_ECHANTILLONNAGE`` points, l'ordre de grandeur de la moyenne nationale) et une variation
propre à chaque édition (auditeurs, scénarios, terrain) d'écart-type σ = 1 point, sous des formes
que l'estimateur ne suppose pas : marche aléatoire sans dérive, chocs indépendants, AR(1).
Les taux mesurés ici (fausses tendances, fausses ruptures, puissance, datation) sont ceux de
``benchmarks/RESULTATS.md`` ; ``tests/test_tendances.py`` en lance une version courte.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analyse.statistiques import tendances

ANNEES = np.array([2012, 2013, 2014, 2015, 2016, 2017, 2018, 2020, 2021, 2022], dtype=float)
ECART_ECHANTILLONNAGE = 0.35
SCENARIOS_TENDANCE = ("marche", "chocs", "ar1", "tendance_chocs", "tendance_marche")


def variation_editions(rng: np.random.Generator, forme: str, n: int = len(ANNEES), rho: float = 0.5) -> np.ndarray:
    """Variation d'édition de variance 1 (marche : pas de variance 1 par année écoulée).

    >>> variation_editions(np.random.default_rng(0), "chocs").shape
    (10,)
    """
    if forme == "chocs":
        return rng.standard_normal(n)
    if forme == "marche":
        pas = np.sqrt(np.r_[1.0, np.diff(ANNEES[:n])])
        return np.cumsum(rng.standard_normal(n) * pas)
    if forme == "ar1":
        return tendances._bruit_ar1(rng, 1, n, rho)[0]
    raise ValueError(f"Forme de variation d'édition inconnue : {forme!r} (attendu : chocs, marche, ar1).")


def simuler_serie(rng: np.random.Generator, forme: str, pente: float = 0.0, rupture: tuple | None = None):
    """(valeurs, variances) d'une série d'éditions : pente σ/an + variation d'édition + rupture
    éventuelle ``(année, saut)`` + erreur d'échantillonnage connue.

    >>> y, v = simuler_serie(np.random.default_rng(0), "chocs", pente=1.0)
    >>> len(y), round(float(v[0]), 4)
    (10, 0.1225)
    """
    x = ANNEES - ANNEES[0]
    y = pente * x + variation_editions(rng, forme)
    if rupture is not None:
        y = y + rupture[1] * (ANNEES >= rupture[0])
    v = np.full(len(x), ECART_ECHANTILLONNAGE**2)
    return 70 + y + rng.normal(0, ECART_ECHANTILLONNAGE, len(x)), v


def taux_tendance(forme: str, pente: float = 0.0, n_series: int = 1000, graine: int = 17) -> dict:
    """Part des séries où une tendance est déclarée, par le test des éditions (méta-régression
    robuste) et, pour comparaison, par l'ancien tau de Kendall sur les points.

    >>> sorted(taux_tendance("chocs", n_series=5))
    ['kendall', 'meta_regression']
    """
    rng = np.random.default_rng([graine, SCENARIOS_TENDANCE.index(forme) if forme in SCENARIOS_TENDANCE else 9])
    nouveau, ancien = [], []
    for _ in range(n_series):
        y, v = simuler_serie(rng, forme, pente)
        nouveau.append(tendances.mesurer_tendance_editions(ANNEES, y, v)["p_valeur"] < 0.05)
        ancien.append(tendances.mesurer_tendance(ANNEES, y)["p_valeur"] < 0.05)
    return {"meta_regression": float(np.mean(nouveau)), "kendall": float(np.mean(ancien))}


def taux_rupture(
    forme: str,
    pente: float = 0.0,
    rupture: tuple | None = None,
    n_series: int = 1000,
    graine: int = 18,
    rho: float = 0.5,
) -> dict:
    """Part des séries où une rupture est retenue, et retenue à la bonne édition.

    >>> sorted(taux_rupture("chocs", n_series=3))
    ['a_son_edition', 'retenue']
    """
    rng = np.random.default_rng([graine, int(1000 * pente) % 997, int(rupture[0]) if rupture else 0])
    retenues, placees = [], []
    for _ in range(n_series):
        x = ANNEES - ANNEES[0]
        y = (
            70
            + pente * x
            + (variation_editions(rng, forme, rho=rho) if forme == "ar1" else variation_editions(rng, forme))
        )
        if rupture is not None:
            y = y + rupture[1] * (ANNEES >= rupture[0])
        r = tendances.detecter_rupture(ANNEES, y)
        retenues.append(r["retenue"])
        placees.append(r["retenue"] and rupture is not None and r["annee"] == rupture[0])
    return {"retenue": float(np.mean(retenues)), "a_son_edition": float(np.mean(placees))}


def couverture_moyenne_strate(n_structures: int, n_series: int = 2000, graine: int = 19, niveau: float = 0.95) -> dict:
    """Couverture de l'intervalle de la moyenne des participants d'une petite strate : scores de
    structure tirés d'une loi bêta asymétrique (moyenne 68, écart-type ≈ 12, bornée à 100), loin de
    la loi normale que suppose le t de Student. Compare le t de Student (méthode de l'étude) au
    bootstrap percentile (ancienne méthode).

    >>> sorted(couverture_moyenne_strate(5, n_series=10))
    ['bootstrap_percentile', 'student']
    """
    from analyse import config

    rng = np.random.default_rng([graine, n_structures])
    a, b = 9.0, 4.2  # moyenne 100 a / (a + b) ≈ 68,2 ; asymétrie vers le bas
    vraie = 100 * a / (a + b)
    parametres = config.Parametres(n_bootstrap=400, taille_min_agregat=1)
    scores = 100 * rng.beta(a, b, (n_series, n_structures))
    panel = pd.DataFrame(
        {
            "annee": np.repeat(np.arange(n_series), n_structures),  # une « édition » par réplique
            "structure_id": np.tile([f"s{i}" for i in range(n_structures)], n_series),
            "score": scores.ravel(),
        }
    )
    r = tendances.moyenne_participants(panel, parametres)
    student = (r["ic_bas"] <= vraie) & (vraie <= r["ic_haut"])
    tirages = rng.integers(0, n_structures, (400, n_structures))
    boot = scores[:, tirages].mean(axis=2)
    bas, haut = np.quantile(boot, [(1 - niveau) / 2, (1 + niveau) / 2], axis=1)
    bootstrap = (bas <= vraie) & (vraie <= haut)
    return {"student": float(np.mean(student)), "bootstrap_percentile": float(np.mean(bootstrap))}


def simuler_panel(rng: np.random.Generator, forme: str, n_structures: int = 200, pente: float = 0.0):
    """Panel structures × éditions au format de ``calculer_series`` : effets de structure (écart-type
    7), bruit de structure-édition (3,5), un quart du panel renouvelé à chaque édition, et des
    effets d'édition θ (pente + variation d'édition de forme ``forme``, σ = 1).

    >>> simuler_panel(np.random.default_rng(0), "marche", 20)["annee"].nunique()
    10
    """
    theta = pente * (ANNEES - ANNEES[0]) + variation_editions(rng, forme)
    u = rng.normal(0, 7, 3 * n_structures)
    presents = rng.choice(3 * n_structures, n_structures, replace=False)
    lignes = []
    for t, annee in enumerate(ANNEES.astype(int)):
        if t:
            sortants = rng.choice(len(presents), n_structures // 4, replace=False)
            libres = np.setdiff1d(np.arange(3 * n_structures), presents)
            presents = np.r_[np.delete(presents, sortants), rng.choice(libres, n_structures // 4, replace=False)]
        scores = 65 + theta[t] + u[presents] + rng.normal(0, 3.5, len(presents))
        lignes.append(pd.DataFrame({"annee": annee, "structure_id": [f"S{i}" for i in presents], "score": scores}))
    return pd.concat(lignes, ignore_index=True)


def taux_tendance_panels(forme: str, pente: float = 0.0, n_panels: int = 200, graine: int = 23) -> pd.DataFrame:
    """De bout en bout : panels simulés → trois séries de l'étude (``calculer_series``, intervalles
    compris) → test de tendance sur chaque série, variances lues sur les intervalles comme dans
    ``analyser_series``. Part des séries déclarées en tendance, par méthode, et ancien Kendall.

    >>> taux_tendance_panels("chocs", n_panels=2).shape[0]
    3
    """
    from analyse import config

    rng = np.random.default_rng([graine, SCENARIOS_TENDANCE.index(forme), int(100 * pente)])
    parametres = config.Parametres(n_bootstrap=100)
    lignes = []
    for _ in range(n_panels):
        series = tendances.calculer_series(simuler_panel(rng, forme, pente=pente), parametres=parametres)
        for methode, d in series.groupby("methode"):
            d = d.sort_values("annee")
            r = tendances.mesurer_tendance_editions(d["annee"], d["valeur"], tendances.variances_intervalles(d))
            k = tendances.mesurer_tendance(d["annee"], d["valeur"])
            lignes.append(
                {"methode": methode, "meta_regression": r["p_valeur"] < 0.05, "kendall": k["p_valeur"] < 0.05}
            )
    return pd.DataFrame(lignes).groupby("methode")[["meta_regression", "kendall"]].mean().reset_index()


# --------------------------------------------------------------------------- plafond de puissance


def _complement_orthogonal(base: np.ndarray) -> np.ndarray:
    """Base orthonormée (n × (n − k)) de l'orthogonal des colonnes de ``base``."""
    n, k = base.shape
    q, _ = np.linalg.qr(np.column_stack([base, np.eye(n)]))
    return q[:, k:]


def _log_densite_direction(U: np.ndarray, a: np.ndarray) -> np.ndarray:
    """log de la densité (à une constante près) de la direction ``U`` des résidus quand ils suivent
    N(a, I) à une échelle inconnue : log ∫ exp(−|r·u − a|²/2) r^(d−1) dr, par quadrature."""
    from scipy.special import logsumexp

    d = U.shape[1]
    r = np.linspace(1e-6, 30.0, 1500)
    exposant = -0.5 * (r[None, :] ** 2 - 2 * r[None, :] * (U @ a)[:, None] + a @ a) + (d - 1) * np.log(r[None, :])
    return logsumexp(exposant, axis=1) + np.log(r[1] - r[0])


def _rapport_neyman_pearson(Y: np.ndarray, Q: np.ndarray, directions: np.ndarray, v0_inverse: np.ndarray):
    """log du rapport de vraisemblance de la direction des résidus (invariante par niveau, pente
    et échelle) : rupture d'une des ``directions`` (dates équiprobables) contre bruit AR(1)."""
    from scipy.special import logsumexp

    W = Y @ Q
    U = W / np.linalg.norm(W, axis=1, keepdims=True)
    par_date = np.column_stack([_log_densite_direction(U, a) for a in directions.T])
    nulle = -0.5 * U.shape[1] * np.log(np.einsum("ij,jk,ik->i", U, v0_inverse, U))
    return logsumexp(par_date, axis=1) - np.log(directions.shape[1]) - nulle


def plafond_rupture(
    saut: float = -5.0,
    rho: float = 0.5,
    fausses: float = 0.10,
    pente: float = 1.0,
    n_nulle: int = 40000,
    n_series: int = 8000,
    graine: int = 31,
    candidates: np.ndarray | None = None,
) -> dict:
    """Plafond de puissance d'un test de rupture, quelle que soit sa construction (lemme de
    Neyman–Pearson) : parmi les tests insensibles au niveau, à la pente et à l'échelle de la série
    (tous les tests raisonnables, le sup-F compris) qui gardent au plus ``fausses`` de fausses
    ruptures sous tendance + bruit AR(1) ``rho``, le plus puissant contre « saut de ``saut`` σ à
    une édition tirée au hasard parmi les candidates, bruit indépendant » retient au plus ces parts
    de séries. Puissance par édition de rupture (et moyenne, la quantité que ce test maximise).
    Le signe et la taille du saut lui sont connus : aucun test réel ne fait mieux.

    >>> r = plafond_rupture(n_nulle=500, n_series=100)
    >>> list(r)[:2], 0 <= r["moyenne"] <= 1
    ([2014, 2015], True)
    """
    base, cand, indices = tendances._modele_marches(ANNEES, 2)
    if candidates is not None:
        cand, indices = cand[:, candidates], indices[candidates]
    Q = _complement_orthogonal(base)
    n = len(ANNEES)
    covariance = rho ** np.abs(np.subtract.outer(np.arange(n), np.arange(n)))
    v0_inverse = np.linalg.inv(Q.T @ covariance @ Q)
    directions = saut * (Q.T @ cand)
    rng = np.random.default_rng([graine, int(100 * rho), int(100 * abs(saut))])
    nulle = tendances._bruit_ar1(rng, n_nulle, n, rho)
    seuil = np.quantile(_rapport_neyman_pearson(nulle, Q, directions, v0_inverse), 1 - fausses)
    x = ANNEES - ANNEES[0]
    puissances = {}
    for j, i in enumerate(indices):
        Y = pente * x + saut * cand[:, j] + rng.standard_normal((n_series, n))
        puissances[int(ANNEES[i])] = float(np.mean(_rapport_neyman_pearson(Y, Q, directions, v0_inverse) > seuil))
    return puissances | {"moyenne": float(np.mean(list(puissances.values())))}
