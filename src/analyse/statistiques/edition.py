"""Agrégats nationaux du rapport d'édition (fonctions pures DataFrame → DataFrame).

Méthode (``shared/specs/methodologie.md``) : un score national ou de strate est la
moyenne des scores des structures du groupe (chaque participant compte une fois),
avec un intervalle t de Student sur les structures (couverture vérifiée dès 5 structures). Un groupe de moins de
``Parametres.min_structures_groupe`` structures est signalé fragile ; un agrégat de
moins de ``Parametres.taille_min_agregat`` structures est supprimé (confidentialité).
Les indicateurs opérationnels sont des proportions avec intervalle de Wilson à 95 %
(exact de Clopper–Pearson pour une seule structure) ; les quantiles des scores ont un
intervalle sans hypothèse de loi, entre deux statistiques d'ordre.
"""

from __future__ import annotations

import operator
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from analyse import config
from analyse.config import resoudre_chemin
from analyse.donnees.codes import (
    CANAUX,
    CLASSES_POPULATION,
    DETERMINANTS,
    ETAPES,
    TYPES_STRUCTURE,
    libelle,
)
from analyse.donnees.stockage import lire_table
from analyse.formatage import nombre_fr
from analyse.statistiques import verdicts

# Indicateurs opérationnels, définis comme des données : pour chacun, des
# alternatives (code ``indicateur`` harmonisé, opérateur, seuil) ; la première
# présente dans l'édition est utilisée.
INDICATEURS_OPERATIONNELS = (
    {
        "code": "part_appels_decroches_5_sonneries",
        "libelle": "Appels décrochés en 5 sonneries au plus",
        "canal": "telephone",
        "alternatives": (
            ("TEL_DECROCHE_5_SONNERIES", "==", 1.0),
            ("TEL_NB_SONNERIES", "<=", 5.0),
        ),
    },
    {
        "code": "part_repondeur_hors_ouverture",
        "libelle": "Répondeur en dehors des heures d'ouverture",
        "canal": "telephone",
        "alternatives": (("TEL_REPONDEUR_HORS_OUVERTURE", "==", 1.0),),
    },
    {
        "code": "part_courriels_repondus",
        "libelle": "Courriels ayant reçu une réponse",
        "canal": "courriel",
        "alternatives": (("COURRIEL_REPONSE_RECUE", "==", 1.0),),
    },
    {
        "code": "part_courriers_repondus_7_jours",
        "libelle": "Courriers ayant reçu une réponse sous 7 jours",
        "canal": "courrier",
        "alternatives": (("COURRIER_REPONSE_7_JOURS", "==", 1.0),),
    },
)

_OPERATEURS = {"==": operator.eq, "<=": operator.le, ">=": operator.ge, "<": operator.lt, ">": operator.gt}
_TEXTE_OPERATEURS = {"==": "=", "<=": "≤", ">=": "≥", "<": "<", ">": ">"}

ANNEXE_METHODE = (
    "Les scores nationaux et de strate sont des moyennes de structures ; leur intervalle à 95 % est un "
    "intervalle t de Student sur les structures, dont la couverture est vérifiée par simulation dès 5 structures. Les "
    "proportions opérationnelles ont un intervalle de Wilson corrigé de l'effet de plan, les réponses d'une même "
    "structure n'étant pas indépendantes ; les quartiles et déciles ont un intervalle sans hypothèse de loi entre "
    "deux statistiques d'ordre. Un groupe de moins de 10 structures est signalé fragile."
)
PHRASE_GROUPE_FRAGILE = "Groupe fragile : moins de 10 structures, moyenne peu précise."

LIBELLES_CERTIFICATION = {True: "Structures certifiées", False: "Structures non certifiées"}
TYPES_COLLECTIVITES = ("commune", "mairie_annexe", "epci", "departement", "region")

_COLONNES_AGREGAT = [
    "niveau",
    "modalite",
    "libelle",
    "n_structures",
    "score",
    "ic_bas",
    "ic_haut",
    "fragile",
    "supprime",
    "methode_ic",
]


# --------------------------------------------------------------------------- chargement


def charger_edition(annee: int, donnees: Path | str = "data") -> dict[str, pd.DataFrame]:
    """Tables préparées d'une édition : editions, participants, contacts, reponses, scores.

    Lève ``FileNotFoundError`` (message en français) si l'édition n'est pas préparée.

    >>> charger_edition(2022, "/dossier/absent")
    Traceback (most recent call last):
    FileNotFoundError: Aucune table préparée « participants » ou « scores » pour l'édition 2022 dans /dossier/absent/processed : lancez d'abord la préparation de l'édition.
    """
    noms = ("editions", "participants", "contacts", "reponses", "scores")
    tables = {nom: lire_table(donnees, nom, annee) for nom in noms}
    if tables["participants"].empty or tables["scores"].empty:
        raise FileNotFoundError(
            f"Aucune table préparée « participants » ou « scores » pour l'édition {annee} "
            f"dans {config.dossier_processed(resoudre_chemin(donnees))} : "
            "lancez d'abord la préparation de l'édition."
        )
    return tables


# --------------------------------------------------------------------------- effectifs


def _ordre(valeurs: pd.Series, ordre: tuple) -> pd.Series:
    rang = {v: i for i, v in enumerate(ordre)}
    return valeurs.map(lambda v: rang.get(v, len(rang)))


def effectifs_par_type(participants: pd.DataFrame) -> pd.DataFrame:
    """Nombre et part des participants par type de structure.

    >>> p = pd.DataFrame({"structure_id": ["a", "b", "c"], "type_structure": ["commune", "commune", "epci"]})
    >>> effectifs_par_type(p)[["type_structure", "n_structures"]].values.tolist()
    [['commune', 2], ['epci', 1]]
    """
    n = participants.groupby("type_structure").size().rename("n_structures").reset_index()
    n["libelle"] = n["type_structure"].map(libelle)
    n["part_pct"] = 100 * n["n_structures"] / n["n_structures"].sum()
    n = n.sort_values("type_structure", key=lambda s: _ordre(s, TYPES_STRUCTURE))
    return n[["type_structure", "libelle", "n_structures", "part_pct"]].reset_index(drop=True)


def effectifs_par_classe(participants: pd.DataFrame) -> pd.DataFrame:
    """Nombre de structures territoriales par classe de population (croisé par type).

    >>> p = pd.DataFrame({"type_structure": ["commune", "epci"], "classe_population": ["< 2 000", "≥ 100 000"]})
    >>> effectifs_par_classe(p)["Total"].tolist()
    [1, 1]
    """
    territoriales = participants.dropna(subset=["classe_population"])
    croise = pd.crosstab(territoriales["classe_population"], territoriales["type_structure"])
    croise = croise[[t for t in TYPES_STRUCTURE if t in croise.columns]]
    croise.columns = [libelle(t) for t in croise.columns]
    croise["Total"] = croise.sum(axis=1)
    croise = croise.sort_index(key=lambda s: _ordre(s, tuple(c for _, c in CLASSES_POPULATION)))
    croise.index.name = "classe_population"
    return croise.reset_index()


# --------------------------------------------------------------------------- bootstrap


def intervalle_bootstrap(valeurs, n_bootstrap: int, graine: int, niveau: float = 0.95) -> tuple[float, float]:
    """Intervalle percentile de la moyenne, par rééchantillonnage des valeurs (structures).

    >>> intervalle_bootstrap([50, 60, 70, 80], 200, 1) == intervalle_bootstrap([50, 60, 70, 80], 200, 1)
    True
    """
    x = np.asarray(valeurs, dtype=float)
    if len(x) == 0:
        return (np.nan, np.nan)
    tirages = np.random.default_rng(graine).integers(0, len(x), size=(n_bootstrap, len(x)))
    moyennes = x[tirages].mean(axis=1)
    alpha = (1 - niveau) / 2
    return float(np.quantile(moyennes, alpha)), float(np.quantile(moyennes, 1 - alpha))


def intervalle_student(valeurs, niveau: float = 0.95) -> tuple[float, float]:
    """Intervalle t de la moyenne (loi de Student à n − 1 degrés), pour les petits groupes.

    >>> [round(v, 2) for v in intervalle_student([60, 65, 70, 75, 80])]
    [60.18, 79.82]
    """
    x = np.asarray(valeurs, dtype=float)
    if len(x) < 2:
        return (np.nan, np.nan)
    demi = stats.t.ppf(0.5 + niveau / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x))
    return float(x.mean() - demi), float(x.mean() + demi)


def agreger_groupe(valeurs, parametres: config.Parametres = config.PARAMETRES) -> dict:
    """Moyenne, intervalle, effectif, drapeaux « fragile » et « supprime ».

    Intervalle t de Student sur les structures du groupe, quelle que soit sa taille : sa
    couverture est vérifiée de 5 à 50 structures (≈ 95 %), alors que le bootstrap percentile
    sous-couvre (≈ 84 % à 5 structures, 90 % à 10, encore 93 % à 50 ; ``tests/test_edition.py``).
    Un groupe de moins de ``taille_min_agregat`` structures est supprimé (score vide) ; un
    groupe de moins de ``min_structures_groupe`` structures est fragile.

    >>> agreger_groupe([60, 70, 80])["supprime"]
    True
    >>> [round(v, 2) for v in (agreger_groupe([60, 65, 70, 75, 80])[k] for k in ("ic_bas", "ic_haut"))]
    [60.18, 79.82]
    """
    x = pd.Series(valeurs, dtype=float).dropna()
    n = int(len(x))
    resultat = {"n_structures": n, "fragile": n < parametres.min_structures_groupe}
    if n < parametres.taille_min_agregat:
        return resultat | {"score": np.nan, "ic_bas": np.nan, "ic_haut": np.nan, "supprime": True, "methode_ic": ""}
    bas, haut = intervalle_student(x, parametres.niveau_confiance)
    return resultat | {
        "score": float(x.mean()),
        "ic_bas": bas,
        "ic_haut": haut,
        "supprime": False,
        "methode_ic": "student",
    }


def _agreger(groupes, niveau: str, parametres, libelles=None) -> pd.DataFrame:
    lignes = []
    for modalite, valeurs in groupes:
        nom = (libelles or {}).get(modalite, libelle(str(modalite)))
        lignes.append({"niveau": niveau, "modalite": modalite, "libelle": nom} | agreger_groupe(valeurs, parametres))
    return pd.DataFrame(lignes, columns=_COLONNES_AGREGAT)


def _scores_globaux(scores: pd.DataFrame) -> pd.DataFrame:
    return scores.loc[scores["niveau"] == "global", ["structure_id", "score"]]


def score_national(scores: pd.DataFrame, parametres: config.Parametres = config.PARAMETRES) -> pd.DataFrame:
    """Score national : moyenne des scores globaux des structures, avec intervalle bootstrap.

    >>> s = pd.DataFrame({"structure_id": list("abcdef"), "niveau": "global", "modalite": "", "score": [60, 65, 70, 75, 80, 85.0]})
    >>> score_national(s)["score"].item()
    72.5
    """
    globaux = _scores_globaux(scores)
    return _agreger([("ensemble", globaux["score"])], "national", parametres, {"ensemble": "Ensemble des structures"})


def scores_nationaux(
    scores: pd.DataFrame, niveau: str, parametres: config.Parametres = config.PARAMETRES
) -> pd.DataFrame:
    """Scores nationaux par modalité d'un niveau (``canal``, ``determinant`` ou ``etape``).

    >>> s = pd.DataFrame({"structure_id": list("abcde"), "niveau": "canal", "modalite": "courriel", "score": [60, 65, 70, 75, 80.0]})
    >>> scores_nationaux(s, "canal")[["modalite", "score"]].values.tolist()
    [['courriel', 70.0]]
    """
    ordre = {"canal": CANAUX, "determinant": DETERMINANTS, "etape": ETAPES}.get(niveau, ())
    sous = scores[scores["niveau"] == niveau]
    modalites = sorted(sous["modalite"].unique(), key=lambda m: (ordre.index(m) if m in ordre else len(ordre), m))
    groupes = [(m, sous.loc[sous["modalite"] == m, "score"]) for m in modalites]
    return _agreger(groupes, niveau, parametres)


def scores_par_strate(
    scores: pd.DataFrame,
    participants: pd.DataFrame,
    strate: str,
    parametres: config.Parametres = config.PARAMETRES,
) -> pd.DataFrame:
    """Scores globaux moyens par strate : ``type_structure``, ``classe_population`` ou ``certifie``.

    >>> s = pd.DataFrame({"structure_id": list("abcde"), "niveau": "global", "modalite": "", "score": [60, 65, 70, 75, 80.0]})
    >>> p = pd.DataFrame({"structure_id": list("abcde"), "type_structure": "commune", "certifie": [True] * 5, "classe_population": "< 2 000"})
    >>> scores_par_strate(s, p, "type_structure")["score"].tolist()
    [70.0]
    """
    table = _scores_globaux(scores).merge(participants[["structure_id", strate]], on="structure_id")
    table = table.dropna(subset=[strate])
    if strate == "certifie":
        ordre, libelles = (True, False), LIBELLES_CERTIFICATION
    elif strate == "classe_population":
        ordre, libelles = tuple(c for _, c in CLASSES_POPULATION), None
    else:
        ordre, libelles = TYPES_STRUCTURE, None
    modalites = [m for m in ordre if m in set(table[strate])]
    groupes = [(m, table.loc[table[strate] == m, "score"]) for m in modalites]
    return _agreger(groupes, strate, parametres, libelles)


def score_collectivites(scores: pd.DataFrame, participants: pd.DataFrame, parametres=config.PARAMETRES) -> pd.DataFrame:
    """Score moyen des collectivités territoriales (tous types sauf « autres services publics »).

    >>> s = pd.DataFrame({"structure_id": list("ab"), "niveau": "global", "modalite": "", "score": [60, 80.0]})
    >>> p = pd.DataFrame({"structure_id": list("ab"), "type_structure": ["commune", "epci"]})
    >>> bool(score_collectivites(s, p)["supprime"].item())
    True
    """
    ids = participants.loc[participants["type_structure"].isin(TYPES_COLLECTIVITES), "structure_id"]
    globaux = _scores_globaux(scores)
    valeurs = globaux.loc[globaux["structure_id"].isin(ids), "score"]
    return _agreger(
        [("collectivites", valeurs)], "type_structure", parametres, {"collectivites": "Collectivités territoriales"}
    )


def intervalle_quantile(valeurs, q: float, niveau: float = 0.95) -> tuple[float, float]:
    """Intervalle sans hypothèse de loi du quantile ``q`` : deux statistiques d'ordre x₍ₗ₎ ≤ x₍ᵤ₎.

    Le nombre de valeurs sous le quantile vrai suit une loi binomiale (n, q) : l et u sont
    pris à α/2 de chaque queue, ce qui garantit une couverture d'au moins ``niveau`` pour une
    loi continue. Aucune valeur individuelle extrême n'est publiée : si l'intervalle exige
    le minimum ou le maximum (petits groupes), il est vide.

    >>> intervalle_quantile(np.arange(1.0, 101.0), 0.5)
    (40.0, 61.0)
    >>> intervalle_quantile([1.0, 2, 3, 4, 5], 0.5)
    (nan, nan)
    """
    x = np.sort(np.asarray(valeurs, dtype=float))
    n = len(x)
    alpha = (1 - niveau) / 2
    bas = int(stats.binom.ppf(alpha, n, q))  # P(B ≤ l − 1) ≤ α/2
    haut = int(stats.binom.ppf(1 - alpha, n, q)) + 1  # P(B ≥ u) ≤ α/2
    if n == 0 or bas < 2 or haut > n - 1:
        return (np.nan, np.nan)
    return float(x[bas - 1]), float(x[haut - 1])


def distribution_scores(scores: pd.DataFrame, parametres: config.Parametres = config.PARAMETRES) -> pd.DataFrame:
    """Quantiles des scores globaux (intervalle par statistiques d'ordre) et part des structures
    performantes (Wilson 95 %).

    Aucune valeur individuelle (minimum, maximum) n'est publiée.

    >>> s = pd.DataFrame({"structure_id": list("abcdef"), "niveau": "global", "modalite": "", "score": [60, 65, 70, 75, 80, 85.0]})
    >>> distribution_scores(s).set_index("statistique").loc["Médiane", "valeur"]
    np.float64(72.5)
    """
    x = _scores_globaux(scores)["score"].dropna()
    if len(x) < parametres.taille_min_agregat:
        return pd.DataFrame(columns=["statistique", "valeur", "ic_bas", "ic_haut"])
    quantiles = {"1er décile": 0.1, "1er quartile": 0.25, "Médiane": 0.5, "3e quartile": 0.75, "9e décile": 0.9}
    lignes = []
    for nom, q in quantiles.items():
        bas, haut = intervalle_quantile(x, q, parametres.niveau_confiance)
        lignes.append({"statistique": nom, "valeur": float(x.quantile(q)), "ic_bas": bas, "ic_haut": haut})
    performantes = int((x >= parametres.seuil_performance).sum())
    bas, haut = intervalle_wilson(performantes, len(x), parametres.niveau_confiance)
    lignes.append(
        {
            "statistique": f"Part des structures performantes (≥ {nombre_fr(parametres.seuil_performance, 0)}), en %",
            "valeur": 100 * performantes / len(x),
            "ic_bas": 100 * bas,
            "ic_haut": 100 * haut,
        }
    )
    return pd.DataFrame(lignes, columns=["statistique", "valeur", "ic_bas", "ic_haut"])


def comparer_au_national(
    score, erreur_type, score_national, ic_bas_national, ic_haut_national, niveau: float = 0.95
) -> np.ndarray:
    """« au-dessus », « en dessous » ou « non établi » : l'écart à la moyenne nationale est-il établi ?

    Règle unique de ``statistiques.verdicts`` : intervalle de l'écart = écart ± z·√(erreur type²
    de la structure + erreur type² nationale), celle-ci déduite de l'intervalle national ;
    « non établi » s'il contient 0, « non publiée » si la moyenne nationale ne l'est pas. Sans
    ajustement de multiplicité (la fiche ajuste ses comparaisons ensemble, méthode de Holm).

    >>> comparer_au_national([80.0, 66.0, 50.0], [3.0, 3.0, 3.0], 65.0, 64.0, 66.0).tolist()
    ['au-dessus', 'non établi', 'en dessous']
    """
    score, erreur_type = np.atleast_1d(np.asarray(score, dtype=float)), np.asarray(erreur_type, dtype=float)
    ecart = score - np.asarray(score_national, dtype=float)
    erreur_nationale = verdicts.erreur_type_intervalle(ic_bas_national, ic_haut_national, niveau)
    bas, haut = verdicts.intervalle_ecart(ecart, erreur_type, erreur_nationale, niveau=niveau)
    bas, haut = np.broadcast_to(bas, ecart.shape), np.broadcast_to(haut, ecart.shape)
    return np.array([verdicts.verdict_ecart(e, b, h).mot for e, b, h in zip(ecart, bas, haut)], dtype=object)


# --------------------------------------------------------------------------- proportions


def intervalle_wilson(succes: int, n: int, niveau: float = 0.95) -> tuple[float, float]:
    """Intervalle de Wilson d'une proportion (mêmes valeurs que R ``binom.confint``).

    >>> [round(v, 4) for v in intervalle_wilson(18, 20)]
    [0.699, 0.9721]
    """
    if n == 0:
        return (np.nan, np.nan)
    bas, haut = proportion_confint(succes, n, alpha=1 - niveau, method="wilson")
    return float(bas), float(haut)


def intervalle_structure(succes: int, n: int, niveau: float = 0.95) -> tuple[float, float]:
    """Intervalle exact de Clopper–Pearson d'une proportion mesurée sur une seule structure.

    Une structure n'a que 1 à 6 contacts par indicateur : l'intervalle de Wilson y sous-couvre
    nettement aux proportions courantes (couverture exacte 88 % pour une proportion vraie de
    0,88 à 1 contact, 80 à 86 % au pire de 1 à 6 contacts), Jeffreys aussi (86 % au pire) ;
    Clopper–Pearson couvre au moins le niveau nominal pour toute proportion vraie
    (``tests/test_couverture_complements.py``).

    >>> [round(v, 4) for v in intervalle_structure(1, 1)]
    [0.025, 1.0]
    """
    if n == 0:
        return (np.nan, np.nan)
    bas, haut = proportion_confint(succes, n, alpha=1 - niveau, method="beta")
    return float(bas), float(haut)


def _condition_texte(code: str, op: str, seuil: float) -> str:
    if op == "==" and seuil == 1.0:
        return f"{code} = Oui"
    return f"{code} {_TEXTE_OPERATEURS[op]} {nombre_fr(seuil, 0)}"


def effet_de_plan(succes_par_structure, n_par_structure) -> float:
    """Effet de plan d'une proportion de réponses groupées par structure (≥ 1).

    Rapport de la variance « grappes » de l'estimateur ratio, (G/(G−1)) Σ (y_g − p n_g)² / n²,
    à la variance binomiale p(1 − p)/(n − 1) (mêmes corrections de petit échantillon, d'où
    exactement 1 avec une réponse par structure) ; jamais sous 1.

    >>> round(effet_de_plan([5, 0, 5, 0], [5, 5, 5, 5]), 2)
    6.33
    >>> effet_de_plan([1, 0, 1, 0], [1, 1, 1, 1])
    1.0
    """
    y, m = np.asarray(succes_par_structure, dtype=float), np.asarray(n_par_structure, dtype=float)
    G, n = len(y), m.sum()
    if G < 2 or n < 2:
        return 1.0
    p = y.sum() / n
    if p in (0.0, 1.0):
        return 1.0
    variance_grappes = G / (G - 1) * np.sum((y - p * m) ** 2) / n**2
    return float(max(1.0, variance_grappes / (p * (1 - p) / (n - 1))))


def intervalle_wilson_grappes(
    succes_par_structure, n_par_structure, niveau: float = 0.95
) -> tuple[float, float, float]:
    """Intervalle de Wilson sur l'effectif efficace n / effet de plan (réponses groupées par
    structure) ; renvoie (bas, haut, effet de plan).

    >>> bas, haut, deff = intervalle_wilson_grappes([5, 0, 5, 0, 5, 0], [5] * 6)
    >>> deff > 1 and haut - bas > 0.5
    True
    """
    y, m = np.asarray(succes_par_structure, dtype=float), np.asarray(n_par_structure, dtype=float)
    n = m.sum()
    if n == 0:
        return (np.nan, np.nan, np.nan)
    deff = effet_de_plan(y, m)
    bas, haut = proportion_confint(y.sum() / deff, n / deff, alpha=1 - niveau, method="wilson")
    return float(bas), float(haut), deff


def _proportion(reponses: pd.DataFrame, definition: dict, parametres) -> dict:
    ligne = {"code": definition["code"], "libelle": definition["libelle"], "canal": libelle(definition["canal"])}
    presents = set(reponses["indicateur"].dropna()) if "indicateur" in reponses else set()
    for code, op, seuil in definition["alternatives"]:
        if code not in presents:
            continue
        sous = reponses[(reponses["indicateur"] == code) & reponses["valeur"].notna()]
        reussite = _OPERATEURS[op](sous["valeur"], seuil).astype(float)
        succes = int(reussite.sum())
        n, n_structures = int(len(sous)), int(sous["structure_id"].nunique())
        ligne |= {
            "indicateur_utilise": code,
            "condition": _condition_texte(code, op, seuil),
            "n_reponses": n,
            "n_succes": succes,
            "n_structures": n_structures,
        }
        if n_structures < parametres.taille_min_agregat:
            return ligne | {"statut": "secret (moins de 5 structures)"}
        if n_structures == 1:  # fiche d'une structure : quelques contacts, intervalle exact
            (bas, haut), deff = intervalle_structure(succes, n, parametres.niveau_confiance), 1.0
            return ligne | {
                "proportion": succes / n,
                "ic_bas": bas,
                "ic_haut": haut,
                "effet_plan": deff,
                "statut": "disponible",
            }
        par_structure = reussite.groupby(sous["structure_id"].to_numpy()).agg(["sum", "size"])
        bas, haut, deff = intervalle_wilson_grappes(
            par_structure["sum"], par_structure["size"], parametres.niveau_confiance
        )
        return ligne | {
            "proportion": succes / n,
            "ic_bas": bas,
            "ic_haut": haut,
            "effet_plan": deff,
            "statut": "disponible",
        }
    return ligne | {"statut": "non disponible"}


def indicateurs_operationnels(
    reponses: pd.DataFrame,
    parametres: config.Parametres = config.PARAMETRES,
    definitions: tuple = INDICATEURS_OPERATIONNELS,
) -> pd.DataFrame:
    """Proportions des indicateurs opérationnels avec intervalles de Wilson corrigés de l'effet
    de plan (réponses groupées par structure, colonne ``effet_plan``) ; pour une seule
    structure (fiche), intervalle exact de Clopper–Pearson (``intervalle_structure``).

    Chaque définition utilise la première alternative présente dans l'édition ;
    « non disponible » si aucune ne l'est.

    >>> r = pd.DataFrame({"structure_id": list("abcde") * 4, "indicateur": "COURRIEL_REPONSE_RECUE", "valeur": [1.0] * 18 + [0.0] * 2})
    >>> float(round(indicateurs_operationnels(r).set_index("code").loc["part_courriels_repondus", "proportion"], 2))
    0.9
    """
    colonnes = [
        "code",
        "libelle",
        "canal",
        "indicateur_utilise",
        "condition",
        "n_reponses",
        "n_succes",
        "n_structures",
        "proportion",
        "ic_bas",
        "ic_haut",
        "effet_plan",
        "statut",
    ]
    return pd.DataFrame([_proportion(reponses, d, parametres) for d in definitions], columns=colonnes)


# --------------------------------------------------------------------------- chiffres publiés


def charger_chiffres_publies() -> pd.DataFrame:
    """Chiffres publiés des éditions passées (copie embarquée dans le paquet).

    >>> int(charger_chiffres_publies().query("annee_terrain == 2018 and indicateur == 'score_national'")["valeur"].item() * 10)
    685
    """
    fichier = resources.files("analyse") / "ressources" / "chiffres_publies.csv"
    with fichier.open("r", encoding="utf-8") as flux:
        return pd.read_csv(flux, sep=";", dtype={"modalite": str, "precision": str, "remarque": str})


def _ajouter(lignes: list, indicateur: str, agregats: pd.DataFrame, correspondance=None) -> None:
    for _, a in agregats.iterrows():
        modalite = (correspondance or {}).get(a["modalite"], a["modalite"])
        lignes.append(
            {
                "indicateur": indicateur,
                "modalite": str(modalite),
                "valeur_calculee": a["score"],
                "ic_bas": a["ic_bas"],
                "ic_haut": a["ic_haut"],
                "n_structures": a["n_structures"],
            }
        )


def valeurs_comparables(resultats: dict) -> pd.DataFrame:
    """Valeurs calculées sous les codes (indicateur, modalité) des chiffres publiés.

    >>> valeurs_comparables({"participants": pd.DataFrame({"structure_id": ["a"]})})["indicateur"].tolist()
    ['nb_structures']
    """
    lignes = [
        {
            "indicateur": "nb_structures",
            "modalite": "ensemble",
            "valeur_calculee": float(len(resultats["participants"])),
            "n_structures": len(resultats["participants"]),
        }
    ]
    if "national" in resultats:
        _ajouter(lignes, "score_national", resultats["national"])
    if "canaux" in resultats:
        _ajouter(lignes, "score_canal", resultats["canaux"])
    for cle in ("strates_type", "collectivites"):
        if cle in resultats:
            _ajouter(lignes, "score_type", resultats[cle])
    if "strates_certification" in resultats:
        _ajouter(
            lignes, "score_certification", resultats["strates_certification"], {True: "certifie", False: "non_certifie"}
        )
    if "strates_classe" in resultats:
        classes = {c: c.replace(" ", "").replace("–", "-") for _, c in CLASSES_POPULATION}
        _ajouter(lignes, "score_strate", resultats["strates_classe"], classes)
    if "indicateurs" in resultats:
        for _, i in resultats["indicateurs"].iterrows():
            lignes.append(
                {
                    "indicateur": i["code"],
                    "modalite": _code_canal(i["code"]),
                    "valeur_calculee": 100 * i["proportion"],
                    "ic_bas": 100 * i["ic_bas"],
                    "ic_haut": 100 * i["ic_haut"],
                    "n_structures": i["n_structures"],
                }
            )
    return pd.DataFrame(lignes)


def _code_canal(code: str) -> str:
    return next(d["canal"] for d in INDICATEURS_OPERATIONNELS if d["code"] == code)


def comparer_chiffres_publies(annee: int, calculees: pd.DataFrame, publies: pd.DataFrame | None = None) -> pd.DataFrame:
    """Chiffres publiés d'une édition face aux valeurs recalculées (écart en points).

    >>> c = pd.DataFrame({"indicateur": ["score_national"], "modalite": ["ensemble"], "valeur_calculee": [68.0], "ic_bas": [66.0], "ic_haut": [70.0], "n_structures": [231]})
    >>> comparer_chiffres_publies(2018, c).query("indicateur == 'score_national'")["ecart"].round(1).item()
    -0.5
    """
    publies = charger_chiffres_publies() if publies is None else publies
    publies = publies[publies["annee_terrain"] == int(annee)]
    table = publies.merge(calculees, on=["indicateur", "modalite"], how="left")
    table["ecart"] = table["valeur_calculee"] - table["valeur"]
    dedans = (table["valeur"] >= table["ic_bas"]) & (table["valeur"] <= table["ic_haut"])
    table["dans_intervalle"] = dedans.astype(object).where(table["ic_bas"].notna(), None)
    colonnes = [
        "indicateur",
        "modalite",
        "valeur",
        "unite",
        "precision",
        "valeur_calculee",
        "ic_bas",
        "ic_haut",
        "n_structures",
        "ecart",
        "dans_intervalle",
        "source",
        "remarque",
    ]
    return table[colonnes].rename(columns={"valeur": "valeur_publiee"}).reset_index(drop=True)


# --------------------------------------------------------------------------- ensemble


def calculer_edition(tables: dict, parametres: config.Parametres = config.PARAMETRES) -> dict[str, pd.DataFrame]:
    """Tous les agrégats du rapport d'édition, à partir des tables de ``charger_edition``.

    >>> sorted(calculer_edition.__annotations__)[:1]
    ['parametres']
    """
    scores, participants = tables["scores"], tables["participants"]
    annee = int(participants["annee"].iloc[0])
    resultats = {
        "participants": participants,
        "effectifs_type": effectifs_par_type(participants),
        "effectifs_classe": effectifs_par_classe(participants),
        "national": score_national(scores, parametres),
        "distribution": distribution_scores(scores, parametres),
        "canaux": scores_nationaux(scores, "canal", parametres),
        "determinants": scores_nationaux(scores, "determinant", parametres),
        "etapes": scores_nationaux(scores, "etape", parametres),
        "strates_type": scores_par_strate(scores, participants, "type_structure", parametres),
        "strates_classe": scores_par_strate(scores, participants, "classe_population", parametres),
        "strates_certification": scores_par_strate(scores, participants, "certifie", parametres),
        "collectivites": score_collectivites(scores, participants, parametres),
        "indicateurs": indicateurs_operationnels(tables["reponses"], parametres),
    }
    resultats["comparaison"] = comparer_chiffres_publies(annee, valeurs_comparables(resultats))
    return resultats


# --------------------------------------------------------------------------- textes


# --------------------------------------------------------------------------- appui au notebook
