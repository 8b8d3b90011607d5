"""Couverture des intervalles « complémentaires » : importance LMG, proportions d'une structure,
quantiles nationaux, effet de composition des tendances.

Chaque fonction simule des données de vérité connue aux tailles réelles du baromètre (mesurées
sur la démonstration : 175 à 350 structures avec enquête, 3 à 34 répondants complets par
structure, médiane 16 ; 1 à 6 contacts par indicateur opérationnel ; 185 à 350 structures par
édition), recalcule les intervalles avec les fonctions du paquet et compte la couverture.
Mêmes graines → mêmes nombres.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from analyse import config
from analyse.donnees.codes import DETERMINANTS
from analyse.statistiques import determinants as det, edition, tendances

# Modèle génératif de l'enquête (mêmes paramètres que la démonstration, ``analyse.demo.editions``).
BETA = {
    "qualite_reponse": 0.42,
    "courtoisie": 0.33,
    "attente": 0.26,
    "reactivite": 0.21,
    "personnalisation": 0.16,
    "accessibilite": 0.12,
    "transfert": 0.08,
    "reclamations": 0.04,
}
SEUILS_NOTES = np.array([-1.4, -0.5, 0.4, 1.3])


def _tailles_structures(rng, n_structures: int) -> np.ndarray:
    """Répondants complets par structure comme la démo : 15 à 60 répondants, 43 % complets (0,9⁸)."""
    return np.maximum(rng.binomial(rng.integers(15, 61, n_structures), 0.9**8), 3)


def simuler_repondants(rng, tailles) -> pd.DataFrame:
    """Répondants groupés par structure : huit notes 1–5 et satisfaction 0–10.

    Niveau de chaque déterminant propre à la structure (part commune et part propre), humeur
    du répondant, effet structure sur la satisfaction : les réponses d'une structure sont
    corrélées, comme dans l'enquête réelle.
    """
    tailles = np.asarray(tailles)
    g = len(tailles)
    niveaux = 60 + 8 * rng.normal(size=(g, 1)) + 8 * rng.normal(size=(g, len(DETERMINANTS)))
    effets = rng.normal(0, 0.35, g)
    ligne = np.repeat(np.arange(g), tailles)
    n = len(ligne)
    latent = (niveaux[ligne] - 60) / 15 + 0.7 * rng.normal(size=(n, 1)) + 0.7 * rng.normal(size=(n, len(DETERMINANTS)))
    notes = 1 + np.searchsorted(SEUILS_NOTES, latent)
    brut = 1.3 + notes @ np.array([BETA[d] for d in DETERMINANTS]) + effets[ligne] + rng.normal(0, 1.1, n)
    table = pd.DataFrame(notes.astype(float), columns=[f"note_{d}" for d in DETERMINANTS])
    table.insert(0, "satisfaction", np.clip(np.rint(brut), 0, 10))
    table.insert(0, "structure_id", ligne)
    table.insert(1, "annee", 2022)
    return table


def parts_lmg_vraies(n_structures: int = 40_000, par_structure: int = 50, graine: int = 1) -> pd.Series:
    """Parts LMG de la population (très grand échantillon simulé : 2 millions de répondants par défaut)."""
    rng = np.random.default_rng(graine)
    population = simuler_repondants(rng, np.full(n_structures, par_structure))
    return det.lmg(population, det.CIBLE_REPONDANT, det.PREDICTEURS_PERCUS)


def couverture_lmg(
    repliques: int,
    n_structures: int = 350,
    n_bootstrap: int = 1000,
    graine: int = 2012,
    vraies: pd.Series | None = None,
) -> pd.DataFrame:
    """Une ligne par réplique, déterminant et quantité imprimée (part LMG, part en % du R², rang, R²) :
    valeur vraie, estimée et intervalle de ``importance_nationale``."""
    vraies = parts_lmg_vraies() if vraies is None else vraies
    vrais = {
        "part": vraies,
        "part_pct": 100 * vraies / vraies.sum(),
        "rang": (-vraies).rank(method="first").astype(int),
        "r2": pd.Series(vraies.sum(), index=vraies.index),
    }
    colonnes = {
        "part": ("part", "ic_bas", "ic_haut"),
        "part_pct": ("part_pct", "pct_ic_bas", "pct_ic_haut"),
        "rang": ("rang", "rang_bas", "rang_haut"),
        "r2": ("r2", "r2_ic_bas", "r2_ic_haut"),
    }
    lignes = []
    for r in range(repliques):
        rng = np.random.default_rng([graine, r])
        echantillon = simuler_repondants(rng, _tailles_structures(rng, n_structures))
        table = det.importance_nationale(echantillon, n_bootstrap=n_bootstrap, graine=graine + r)
        for quantite, (estime, bas, haut) in colonnes.items():
            morceau = table if quantite != "r2" else table.head(1)
            lignes.append(
                pd.DataFrame(
                    {
                        "replique": r,
                        "quantite": quantite,
                        "determinant": morceau["determinant"].to_numpy(),
                        "vrai": morceau["determinant"].map(vrais[quantite]).to_numpy(dtype=float),
                        "estime": morceau[estime].to_numpy(dtype=float),
                        "ic_bas": morceau[bas].to_numpy(dtype=float),
                        "ic_haut": morceau[haut].to_numpy(dtype=float),
                        "n_observations": morceau["n_observations"].to_numpy(),
                    }
                )
            )
    return _marquer(pd.concat(lignes, ignore_index=True))


def _marquer(detail: pd.DataFrame) -> pd.DataFrame:
    return detail.assign(
        couvert=(detail["ic_bas"] <= detail["vrai"]) & (detail["vrai"] <= detail["ic_haut"]),
        largeur=detail["ic_haut"] - detail["ic_bas"],
    )


# --------------------------------------------------------------------------- proportions d'une structure


def couverture_proportion_exacte(n: int, p: float, niveau: float = 0.95, methode: str | None = None) -> float:
    """Couverture exacte (somme sur la loi binomiale) de l'intervalle d'une structure à ``n`` contacts.

    ``methode`` : méthode de ``statsmodels`` ; par défaut, celle de ``edition.intervalle_structure``.

    >>> round(couverture_proportion_exacte(1, 0.88, methode="wilson"), 2)
    0.88
    """
    x = np.arange(n + 1)
    if methode is None:
        bornes = np.array([edition.intervalle_structure(k, n, niveau) for k in x])
        bas, haut = bornes[:, 0], bornes[:, 1]
    else:
        from statsmodels.stats.proportion import proportion_confint

        bas, haut = proportion_confint(x, n, alpha=1 - niveau, method=methode)
    return float((stats.binom.pmf(x, n, p) * ((bas <= p) & (p <= haut))).sum())


def couverture_proportions(
    tailles=range(1, 7),
    proportions=(0.6, 0.7, 0.8, 0.88, 0.95),
    methodes=("wilson", "jeffreys", "beta"),
    niveau: float = 0.95,
) -> pd.DataFrame:
    """Couverture exacte et largeur moyenne par méthode, nombre de contacts et proportion vraie."""
    from statsmodels.stats.proportion import proportion_confint

    lignes = []
    for methode in methodes:
        for n in tailles:
            x = np.arange(n + 1)
            bas, haut = proportion_confint(x, n, alpha=1 - niveau, method=methode)
            for p in proportions:
                poids = stats.binom.pmf(x, n, p)
                lignes.append(
                    {
                        "methode": methode,
                        "contacts": n,
                        "p_vrai": p,
                        "couverture": float((poids * ((bas <= p) & (p <= haut))).sum()),
                        "largeur_moyenne": float((poids * (haut - bas)).sum()),
                    }
                )
    return pd.DataFrame(lignes)


def couverture_proportion_simulee(
    repliques: int, n: int, moyenne: float, icc: float, graine: int = 2012, niveau: float = 0.95
) -> float:
    """Couverture simulée de ``edition.intervalle_structure`` quand la proportion vraie de la
    structure varie d'une structure à l'autre (loi bêta de moyenne ``moyenne`` et corrélation ``icc``)."""
    rng = np.random.default_rng(graine)
    a = moyenne * (1 / icc - 1)
    b = (1 - moyenne) * (1 / icc - 1)
    p = rng.beta(a, b, repliques)
    x = rng.binomial(n, p)
    bornes = np.array([edition.intervalle_structure(k, n, niveau) for k in range(n + 1)])
    return float(((bornes[x, 0] <= p) & (p <= bornes[x, 1])).mean())


# --------------------------------------------------------------------------- quantiles nationaux

QUANTILES = {"1er décile": 0.1, "1er quartile": 0.25, "Médiane": 0.5, "3e quartile": 0.75, "9e décile": 0.9}
LOI_SCORES = stats.beta(7.0, 3.0, scale=100)  # scores globaux : moyenne 70, écart type ≈ 14, asymétrie à gauche


def couverture_distribution(repliques: int, n_structures: int = 350, graine: int = 2012) -> pd.DataFrame:
    """Quantiles et part des performantes de ``edition.distribution_scores`` contre la loi vraie des scores."""
    parametres = config.PARAMETRES
    vrais = {nom: float(LOI_SCORES.ppf(q)) for nom, q in QUANTILES.items()}
    nom_part = None
    lignes = []
    rng = np.random.default_rng(graine)
    for r in range(repliques):
        x = LOI_SCORES.rvs(n_structures, random_state=rng)
        scores = pd.DataFrame({"structure_id": np.arange(n_structures), "niveau": "global", "modalite": "", "score": x})
        table = edition.distribution_scores(scores, parametres)
        nom_part = table["statistique"].iloc[-1]
        vrais[nom_part] = 100 * float(LOI_SCORES.sf(parametres.seuil_performance))
        lignes.append(table.assign(replique=r, vrai=table["statistique"].map(vrais)))
    detail = pd.concat(lignes, ignore_index=True)
    return _marquer(detail)


# --------------------------------------------------------------------------- effet de composition


def _panel_composition(rng, n_population: int, annees, selection) -> tuple[pd.DataFrame, np.ndarray]:
    """Structures i.i.d. : niveau propre u, propension à participer liée à u (sélection variable selon
    l'édition), effets d'édition θ et bruit. Renvoie le panel observé et les effets θ."""
    theta = np.r_[0.0, np.cumsum(rng.normal(0, 1.5, len(annees) - 1))]
    u = rng.normal(0, 7, n_population)
    propension = rng.normal(0, 1, n_population)
    presences = (
        propension[:, None]
        + np.asarray(selection)[None, :] * u[:, None] / 7
        + rng.normal(0, 0.7, (n_population, len(annees)))
        > _seuils_presence(selection)[None, :]
    )
    i, t = np.nonzero(presences)
    score = 65 + theta[t] + u[i] + rng.normal(0, 3.5, len(i))
    panel = pd.DataFrame({"annee": np.asarray(annees)[t], "structure_id": i, "score": score})
    return panel, theta


ANNEES_COMPOSITION = (2012, 2013, 2014, 2015, 2016, 2017)
SELECTION_COMPOSITION = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)  # les bonnes structures participent de plus en plus
# Part de la population (700 structures) qui participe : 189 à 350 structures par édition, comme la démo.
PARTS_PRESENCE = (0.27, 0.29, 0.30, 0.33, 0.46, 0.50)
POPULATION_COMPOSITION = 700


def _seuils_presence(selection) -> np.ndarray:
    """Seuils de la propension latente (écart type √(1 + s² + 0,49)) donnant les parts ``PARTS_PRESENCE``."""
    ecart = np.sqrt(1.49 + np.asarray(selection, dtype=float) ** 2)
    return -stats.norm.ppf(PARTS_PRESENCE) * ecart


def composition_vraie(
    annees=ANNEES_COMPOSITION, selection=SELECTION_COMPOSITION, n: int = 2_000_000, graine: int = 1
) -> np.ndarray:
    """Effet de composition vrai E[u | présente en t] − E[u | présente à l'ancrage] (très grand échantillon)."""
    rng = np.random.default_rng(graine)
    u = rng.normal(0, 7, n)
    propension = rng.normal(0, 1, n)
    moyennes = []
    for s, seuil in zip(selection, _seuils_presence(selection)):
        present = propension + s * u / 7 + rng.normal(0, 0.7, n) > seuil
        moyennes.append(u[present].mean())
    return np.asarray(moyennes) - moyennes[0]


def couverture_composition(
    repliques: int, n_population: int = POPULATION_COMPOSITION, n_bootstrap: int = 1000, graine: int = 2012
) -> pd.DataFrame:
    """Effets de composition (``tendances.effets_composition``) contre la vérité, éditions après l'ancrage."""
    vrai = dict(zip(ANNEES_COMPOSITION, composition_vraie()))
    parametres = config.Parametres(n_bootstrap=n_bootstrap, graine=graine)
    lignes = []
    for r in range(repliques):
        rng = np.random.default_rng([graine, r])
        panel, _ = _panel_composition(rng, n_population, ANNEES_COMPOSITION, SELECTION_COMPOSITION)
        table = tendances.effets_composition(panel, parametres=parametres)
        table = table[table["annee"] > ANNEES_COMPOSITION[0]]
        lignes.append(
            table.assign(
                replique=r,
                vrai=table["annee"].map(vrai),
                n_participants=table["annee"].map(panel.groupby("annee").size()),
            )
        )
    detail = pd.concat(lignes, ignore_index=True)
    return _marquer(detail)


def resumer(detail: pd.DataFrame, par) -> pd.DataFrame:
    """Couverture, largeur médiane et écart quadratique moyen à la vérité par groupe."""
    estimee = next(c for c in ("estime", "valeur", "effet") if c in detail)
    detail = detail.assign(erreur2=(detail[estimee] - detail["vrai"]) ** 2)
    resume = detail.groupby(par, sort=False).agg(
        n=("couvert", "size"),
        couverture=("couvert", "mean"),
        largeur_mediane=("largeur", "median"),
        erreur2=("erreur2", "mean"),
    )
    resume["ecart_vrai"] = np.sqrt(resume.pop("erreur2"))
    resume["rapport_largeur"] = resume["largeur_mediane"] / (2 * 1.96 * resume["ecart_vrai"])
    return resume.reset_index()


def _scores_audit_simules(rng, n_structures: int) -> pd.DataFrame:
    """Scores d'audit par structure × édition, loin d'un modèle normal : qualité de structure de
    Student à 4 degrés (queues lourdes), sensibilité propre à chaque déterminant, bruit
    asymétrique, scores tronqués à [0, 100] (empilés à 100), 1 à 3 éditions par structure,
    15 % de cases manquantes et 60 % pour les réclamations."""
    centres = np.linspace(58, 82, len(DETERMINANTS))
    charges = np.linspace(6, 14, len(DETERMINANTS))
    editions = rng.integers(1, 4, n_structures)
    ids = np.repeat(np.arange(n_structures), editions)
    qualite = rng.standard_t(4, n_structures)[ids]
    bruit = 8 * (rng.gamma(2.0, 1.0, (len(ids), len(DETERMINANTS))) - 2.0) / np.sqrt(2.0)
    X = np.clip(centres + charges * qualite[:, None] + bruit, 0, 100)
    manque = rng.random(X.shape) < np.where(np.array(DETERMINANTS) == "reclamations", 0.6, 0.15)
    X[manque] = np.nan
    table = pd.DataFrame(X, columns=[f"score_{d}" for d in DETERMINANTS])
    return table.assign(structure_id=[f"s{i}" for i in ids])


def ecarts_vrais_matrice(n_structures: int = 400_000, graine: int = 3) -> pd.Series:
    """Vrais écarts à la moyenne des déterminants du modèle de ``_scores_audit_simules``."""
    scores = _scores_audit_simules(np.random.default_rng(graine), n_structures)
    moyennes = scores[[f"score_{d}" for d in DETERMINANTS]].mean().to_numpy()
    return pd.Series(moyennes - moyennes.mean(), index=list(DETERMINANTS))


def couverture_ecarts_matrice(n_structures: int, repliques: int = 400, graine: int = 41, niveau: float = 0.95):
    """Couverture, par déterminant, de l'intervalle de l'écart à la moyenne des déterminants de la
    matrice nationale (``det.ecarts_moyenne_determinants``), aux tailles réelles.

    >>> couverture_ecarts_matrice(30, repliques=3).shape
    (8, 3)
    """
    vrais = ecarts_vrais_matrice()
    z = stats.norm.ppf(0.5 + niveau / 2)
    rng = np.random.default_rng([graine, n_structures])
    dedans = []
    for _ in range(repliques):
        scores = _scores_audit_simules(rng, n_structures)
        e = det.ecarts_moyenne_determinants(scores, det.performance_nationale(scores, 1)).set_index("determinant")
        dedans.append((e["ecart"] - vrais).abs() <= z * e["erreur_type"])
    couverture = pd.concat(dedans, axis=1).mean(axis=1)
    return pd.DataFrame({"determinant": couverture.index, "structures": n_structures, "couverture": couverture.values})
