"""Déterminants de la satisfaction : importance relative, modèles, matrice importance–performance.

Méthode (``shared/specs/methodologie.md``, section « Determinants of satisfaction ») :

- au niveau du répondant (enquête en ligne), la satisfaction (0–10) est expliquée par les
  huit notes perçues (1–5) ; l'importance relative est la décomposition **LMG / Shapley**
  du R² d'une régression linéaire (mêmes valeurs que R ``relaimpo``, type « lmg », et
  ``domir``), avec des intervalles bootstrap qui rééchantillonnent des structures entières ;
- trois modèles de robustesse : moindres carrés avec erreurs robustes par grappe
  (structure), logit ordinal (``OrderedModel``) et modèle mixte à constante aléatoire par
  structure (``MixedLM``) ;
- au niveau de la structure, la satisfaction perçue moyenne (enquête, avis en ligne) est
  mise en regard des scores d'audit par déterminant, éditions empilées avec effets
  d'édition et erreurs robustes par structure ;
- la matrice importance–performance croise l'importance nationale et les scores d'une
  structure pour classer ses priorités.

Les R² de tous les sous-modèles (2^p) sont calculés à partir de la matrice des produits
croisés centrés, sans réestimer de régression ; le bootstrap par grappes agrège des
statistiques suffisantes par structure, ce qui rend mille réplications quasi instantanées.
Ce sont des **associations**, pas des effets causaux.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from functools import lru_cache

import numpy as np
import pandas as pd

from analyse.donnees.codes import DETERMINANTS, libelle
from analyse.formatage import nombre_fr
from analyse.statistiques import verdicts

CIBLE_REPONDANT = "satisfaction"
COLONNE_GRAPPE = "structure_id"
COLONNE_EDITION = "annee"
PREDICTEURS_PERCUS = {d: [f"note_{d}"] for d in DETERMINANTS}
PREDICTEURS_AUDIT = {d: [f"score_{d}"] for d in DETERMINANTS}
NOMS_MODELES = {
    "mco_grappes": "Moindres carrés, erreurs robustes par structure",
    "logit_ordinal": "Logit ordinal",
    "mixte": "Modèle mixte (constante aléatoire par structure)",
}
QUADRANTS = ("Priorité", "Second plan", "Atout à préserver", "Acquis", "Non évalué")
_COLONNES_MODELES = [
    "modele",
    "libelle_modele",
    "terme",
    "libelle",
    "coefficient",
    "erreur_type",
    "ic_bas",
    "ic_haut",
    "p_valeur",
    "rang",
    "n_observations",
    "n_structures",
    "convergence",
]


# --------------------------------------------------------------------------- préparation

ANNEXE_METHODE = (
    "L'importance relative des déterminants est la décomposition LMG (Shapley) du R², avec des intervalles "
    "bootstrap par structures. Au niveau des structures, les éditions sont empilées avec des effets d'édition "
    "et des erreurs robustes groupées par structure ; un déterminant absent de la grille d'une édition sort du "
    "modèle plutôt que l'édition. Le lien audit–perçu compte chaque structure une fois (erreurs robustes aux "
    "grappes), même vue à plusieurs éditions. Les scores d'audit d'une structure reposent sur quelques contacts : "
    "leur erreur d'échantillonnage, connue, atténue les pentes du modèle par structure ; leur fiabilité est "
    "indiquée, et les pentes sont corrigées par calibration de régression quand c'est possible."
)


def normaliser_predicteurs(predicteurs) -> dict[str, list[str]]:
    """Prédicteurs sous forme {nom du groupe : colonnes} (une liste simple = un groupe par colonne).

    Un groupe reçoit une seule part de R², quel que soit son nombre de colonnes.

    >>> normaliser_predicteurs(["am", "vs"])
    {'am': ['am'], 'vs': ['vs']}
    >>> normaliser_predicteurs({"moteur": ["cyl", "carb"], "am": "am"})
    {'moteur': ['cyl', 'carb'], 'am': ['am']}
    """
    if isinstance(predicteurs, str):
        predicteurs = [predicteurs]
    if isinstance(predicteurs, Mapping):
        groupes = {str(k): ([v] if isinstance(v, str) else list(v)) for k, v in predicteurs.items()}
    else:
        groupes = {str(p): [p] for p in predicteurs}
    if not groupes or any(not v for v in groupes.values()):
        raise ValueError("Il faut au moins un prédicteur, et aucun groupe vide.")
    colonnes = [c for v in groupes.values() for c in v]
    if len(set(colonnes)) != len(colonnes):
        raise ValueError(f"Une colonne apparaît dans plusieurs groupes de prédicteurs : {colonnes}")
    return groupes


def _colonnes_absentes(donnees: pd.DataFrame, colonnes) -> None:
    absentes = [c for c in colonnes if c not in donnees.columns]
    if absentes:
        raise KeyError(
            f"Colonne(s) absente(s) des données : {', '.join(absentes)} "
            f"(colonnes présentes : {', '.join(map(str, donnees.columns))})"
        )


def _lignes_completes(donnees: pd.DataFrame, colonnes, autres=()) -> pd.DataFrame:
    _colonnes_absentes(donnees, [*colonnes, *autres])
    table = donnees[[*dict.fromkeys([*colonnes, *autres])]].dropna()
    sortie = table[list(autres)].copy() if autres else pd.DataFrame(index=table.index)
    for c in colonnes:
        sortie[c] = pd.to_numeric(table[c]).astype(float)
    return sortie


def preparer_repondants(enquete: pd.DataFrame) -> pd.DataFrame:
    """Répondants complets de l'enquête : satisfaction et huit notes en réels, structure, édition.

    Seuls les répondants qui ont donné la satisfaction et les huit notes sont gardés
    (analyse en cas complets, comme R ``relaimpo``).

    >>> e = pd.DataFrame({"structure_id": ["a", "b"], "annee": 2022, "satisfaction": pd.array([8, None], "Int64")}
    ...                  | {f"note_{d}": pd.array([4, 3], "Int64") for d in DETERMINANTS})
    >>> len(preparer_repondants(e))
    1
    """
    colonnes = [CIBLE_REPONDANT, *[c for v in PREDICTEURS_PERCUS.values() for c in v]]
    return _lignes_completes(enquete, colonnes, (COLONNE_GRAPPE, COLONNE_EDITION)).reset_index(drop=True)


# --------------------------------------------------------------------------- R² de tous les sous-modèles


def _produits_croises(z: np.ndarray) -> np.ndarray:
    zc = z - z.mean(axis=0)
    return zc.T @ zc


def _positions(groupes: dict, colonnes: list[str]) -> list[np.ndarray]:
    """Positions (dans la matrice cible + colonnes) des colonnes de chaque groupe."""
    rang = {c: i + 1 for i, c in enumerate(colonnes)}
    return [np.array([rang[c] for c in v]) for v in groupes.values()]


def _r2_sous_ensembles(cov: np.ndarray, positions: list[np.ndarray]) -> np.ndarray:
    """R² des 2^p sous-modèles (masque binaire des groupes) ; ``cov`` : (..., m, m), cible en 0."""
    p = len(positions)
    lot = cov.shape[:-2]
    syy = cov[..., 0, 0]
    r2 = np.zeros(lot + (1 << p,))
    for masque in range(1, 1 << p):
        cols = np.concatenate([positions[j] for j in range(p) if masque >> j & 1])
        sxx = cov[..., cols[:, None], cols[None, :]]
        sxy = cov[..., cols, 0][..., None]
        try:
            beta = np.linalg.solve(sxx, sxy)
        except np.linalg.LinAlgError:  # colonnes colinéaires : pseudo-inverse
            beta = np.linalg.pinv(sxx) @ sxy
        r2[..., masque] = (sxy * beta).sum(axis=(-2, -1)) / syy
    return r2


@lru_cache(maxsize=16)
def _plan_shapley(p: int):
    """Pour chaque prédicteur j : masques sans j, masques avec j, taille, poids de Shapley."""
    masques = np.arange(1 << p)
    tailles = np.array([bin(m).count("1") for m in masques])
    poids_taille = np.array([math.factorial(k) * math.factorial(p - k - 1) / math.factorial(p) for k in range(p)])
    plan = []
    for j in range(p):
        sans = masques[(masques >> j & 1) == 0]
        plan.append((sans, sans | (1 << j), tailles[sans], poids_taille[tailles[sans]]))
    return plan


def _parts_shapley(r2: np.ndarray, p: int) -> np.ndarray:
    parts = np.empty(r2.shape[:-1] + (p,))
    for j, (sans, avec, _, poids) in enumerate(_plan_shapley(p)):
        parts[..., j] = (r2[..., avec] - r2[..., sans]) @ poids
    return parts


def _conditionnelle(r2: np.ndarray, p: int) -> np.ndarray:
    """Contribution moyenne de chaque prédicteur selon le nombre d'autres prédicteurs (p × p)."""
    sortie = np.empty((p, p))
    for j, (sans, avec, tailles, _) in enumerate(_plan_shapley(p)):
        gain = r2[avec] - r2[sans]
        sortie[j] = [gain[tailles == k].mean() for k in range(p)]
    return sortie


def _complete(r2: np.ndarray, p: int) -> np.ndarray:
    """Matrice de dominance complète : 1 si la ligne domine la colonne, 0 si l'inverse, NaN sinon."""
    masques = np.arange(1 << p)
    sortie = np.full((p, p), np.nan)
    for i in range(p):
        for j in range(i + 1, p):
            communs = masques[((masques >> i & 1) == 0) & ((masques >> j & 1) == 0)]
            a, b = r2[communs | (1 << i)], r2[communs | (1 << j)]
            if np.all(a > b):
                sortie[i, j], sortie[j, i] = 1.0, 0.0
            elif np.all(a < b):
                sortie[i, j], sortie[j, i] = 0.0, 1.0
    return sortie


def _preparer_matrice(donnees, cible, predicteurs, autres=()):
    groupes = normaliser_predicteurs(predicteurs)
    colonnes = [c for v in groupes.values() for c in v]
    if cible in colonnes:
        raise ValueError(f"La cible « {cible} » figure aussi parmi les prédicteurs.")
    table = _lignes_completes(donnees, [cible, *colonnes], autres)
    if len(table) <= len(colonnes) + 1:
        raise ValueError(f"Trop peu d'observations complètes ({len(table)}) pour {len(colonnes)} prédicteurs.")
    return groupes, colonnes, table


def analyser_dominance(donnees: pd.DataFrame, cible: str, predicteurs) -> dict:
    """Analyse de dominance complète d'une régression linéaire (Budescu ; Azen et Budescu).

    Renvoie un dictionnaire : ``r2`` (modèle complet), ``n_observations``, ``generale``
    (parts LMG, qui somment au R²), ``conditionnelle`` (contribution moyenne selon le nombre
    d'autres prédicteurs dans le modèle, colonnes 0 … p−1) et ``complete`` (booléen nullable :
    vrai si la ligne domine complètement la colonne, vide si la relation est indéterminée).

    >>> d = pd.DataFrame({"y": [1.0, 2, 3, 5, 4, 6], "a": [1.0, 2, 3, 4, 5, 6], "b": [0.0, 1, 0, 1, 0, 1]})
    >>> r = analyser_dominance(d, "y", ["a", "b"])
    >>> bool(np.isclose(r["generale"].sum(), r["r2"]))
    True
    """
    groupes, colonnes, table = _preparer_matrice(donnees, cible, predicteurs)
    p = len(groupes)
    r2 = _r2_sous_ensembles(_produits_croises(table[[cible, *colonnes]].to_numpy()), _positions(groupes, colonnes))
    noms = list(groupes)
    generale = pd.Series(_parts_shapley(r2, p), index=pd.Index(noms, name="predicteur"), name="part")
    conditionnelle = pd.DataFrame(
        _conditionnelle(r2, p), index=generale.index, columns=pd.Index(range(p), name="autres_predicteurs")
    )
    complete = pd.DataFrame(_complete(r2, p), index=generale.index, columns=noms).astype("boolean")
    return {
        "r2": float(r2[-1]),
        "n_observations": int(len(table)),
        "generale": generale,
        "conditionnelle": conditionnelle,
        "complete": complete,
    }


def lmg(donnees: pd.DataFrame, cible: str, predicteurs) -> pd.Series:
    """Parts LMG (valeurs de Shapley) du R² d'une régression linéaire de ``cible`` sur ``predicteurs``.

    ``predicteurs`` : liste de colonnes, ou dictionnaire {groupe : colonnes} (une part par
    groupe). Exact sur tous les sous-modèles ; les parts somment au R² du modèle complet
    (aussi dans ``serie.attrs["r2"]``). Mêmes valeurs que R ``relaimpo::calc.relimp(type="lmg")``.

    >>> d = pd.DataFrame({"y": [1.0, 2, 3, 5, 4, 6], "a": [1.0, 2, 3, 4, 5, 6], "b": [0.0, 1, 0, 1, 0, 1]})
    >>> lmg(d, "y", ["a", "b"]).round(3).to_dict()
    {'a': 0.794, 'b': 0.144}
    """
    resultat = analyser_dominance(donnees, cible, predicteurs)
    parts = resultat["generale"]
    parts.attrs.update(r2=resultat["r2"], n_observations=resultat["n_observations"])
    return parts


def dominance_conditionnelle(donnees: pd.DataFrame, cible: str, predicteurs) -> pd.DataFrame:
    """Contribution moyenne au R² de chaque prédicteur selon le nombre d'autres prédicteurs (0 … p−1).

    La première colonne est le R² du prédicteur seul ; la moyenne d'une ligne est sa part LMG.

    >>> d = pd.DataFrame({"y": [1.0, 2, 3, 5, 4, 6], "a": [1.0, 2, 3, 4, 5, 6], "b": [0.0, 1, 0, 1, 0, 1]})
    >>> dominance_conditionnelle(d, "y", ["a", "b"]).shape
    (2, 2)
    """
    return analyser_dominance(donnees, cible, predicteurs)["conditionnelle"]


def dominance_complete(donnees: pd.DataFrame, cible: str, predicteurs) -> pd.DataFrame:
    """Dominance complète : vrai si la ligne apporte plus de R² que la colonne dans tous les sous-modèles.

    >>> d = pd.DataFrame({"y": [1.0, 2, 3, 5, 4, 6], "a": [1.0, 2, 3, 4, 5, 6], "b": [0.0, 1, 0, 1, 0, 1]})
    >>> bool(dominance_complete(d, "y", ["a", "b"]).loc["a", "b"])
    True
    """
    return analyser_dominance(donnees, cible, predicteurs)["complete"]


def _vrai(valeur) -> bool:
    return False if pd.isna(valeur) else bool(valeur)


def relations_dominance(resultat: dict) -> pd.DataFrame:
    """Relations de dominance deux à deux (complète, conditionnelle, générale), une ligne par paire.

    ``resultat`` vient de ``analyser_dominance``. Chaque ligne nomme le prédicteur qui domine
    en général (part LMG la plus forte) et dit si la dominance est aussi conditionnelle
    (à chaque taille de modèle) et complète (dans chaque sous-modèle).

    >>> d = pd.DataFrame({"y": [1.0, 2, 3, 5, 4, 6], "a": [1.0, 2, 3, 4, 5, 6], "b": [0.0, 1, 0, 1, 0, 1]})
    >>> relations_dominance(analyser_dominance(d, "y", ["a", "b"]))[["dominant", "domine", "complete"]].values.tolist()
    [['a', 'b', True]]
    """
    generale, cond, comp = resultat["generale"], resultat["conditionnelle"], resultat["complete"]
    noms = list(generale.index)
    lignes = []
    for k, i in enumerate(noms):
        for j in noms[k + 1 :]:
            dominant, domine = (i, j) if generale[i] >= generale[j] else (j, i)
            lignes.append(
                {
                    "dominant": dominant,
                    "domine": domine,
                    "ecart_part": float(generale[dominant] - generale[domine]),
                    "conditionnelle": bool((cond.loc[dominant] > cond.loc[domine]).all()),
                    "complete": _vrai(comp.loc[dominant, domine]),
                }
            )
    return pd.DataFrame(lignes, columns=["dominant", "domine", "ecart_part", "conditionnelle", "complete"])


# --------------------------------------------------------------------------- bootstrap par grappes


def _statistiques_grappes(z: np.ndarray, codes: np.ndarray, n_grappes: int):
    """Effectif, sommes et produits croisés par grappe (données centrées globalement)."""
    zc = z - z.mean(axis=0)
    m = zc.shape[1]
    effectifs = np.bincount(codes, minlength=n_grappes).astype(float)
    sommes = np.column_stack([np.bincount(codes, zc[:, a], n_grappes) for a in range(m)])
    produits = np.empty((n_grappes, m, m))
    for a in range(m):
        for b in range(a, m):
            produits[:, a, b] = produits[:, b, a] = np.bincount(codes, zc[:, a] * zc[:, b], n_grappes)
    return effectifs, sommes, produits


def _covariances_bootstrap(effectifs, sommes, produits, n_bootstrap: int, graine: int) -> np.ndarray:
    """Produits croisés centrés de ``n_bootstrap`` échantillons de grappes tirées avec remise."""
    g = len(effectifs)
    tirages = np.random.default_rng(graine).multinomial(g, np.full(g, 1 / g), size=n_bootstrap).astype(float)
    n = tirages @ effectifs
    s = tirages @ sommes
    q = np.tensordot(tirages, produits, axes=(1, 0))
    return q - s[:, :, None] * s[:, None, :] / n[:, None, None]


def _rangs(parts: np.ndarray) -> np.ndarray:
    """Rang décroissant (1 = plus forte part) sur la dernière dimension."""
    return (-parts).argsort(axis=-1).argsort(axis=-1) + 1


def intervalles_lmg(
    donnees: pd.DataFrame,
    cible: str,
    predicteurs,
    grappe: str = COLONNE_GRAPPE,
    n_bootstrap: int = 1000,
    graine: int = 2012,
    niveau: float = 0.95,
) -> pd.DataFrame:
    """Parts LMG avec intervalles bootstrap percentiles, en rééchantillonnant des grappes entières.

    Une ligne par prédicteur (ou groupe) : ``part`` (part du R²), ``ic_bas``/``ic_haut``,
    ``part_pct`` (part du R² expliqué, en %) et son intervalle, ``rang`` (1 = plus forte) et
    l'intervalle de rang, ``r2`` et son intervalle, ``n_observations``, ``n_structures``.

    >>> rng = np.random.default_rng(1)
    >>> d = pd.DataFrame({"a": rng.normal(size=300), "b": rng.normal(size=300), "structure_id": np.repeat(np.arange(30), 10)})
    >>> d["y"] = d["a"] + 0.3 * d["b"] + rng.normal(size=300)
    >>> t = intervalles_lmg(d, "y", ["a", "b"], n_bootstrap=200, graine=1)
    >>> t["rang"].tolist(), bool((t["ic_bas"] < t["part"]).all())
    ([1, 2], True)
    """
    groupes, colonnes, table = _preparer_matrice(donnees, cible, predicteurs, (grappe,))
    p, positions = len(groupes), _positions(groupes, colonnes)
    z = table[[cible, *colonnes]].to_numpy()
    codes, uniques = pd.factorize(table[grappe])
    r2 = _r2_sous_ensembles(_produits_croises(z), positions)
    parts = _parts_shapley(r2, p)
    cov = _covariances_bootstrap(*_statistiques_grappes(z, codes, len(uniques)), n_bootstrap, graine)
    r2_b = _r2_sous_ensembles(cov, positions)
    parts_b = _parts_shapley(r2_b, p)
    pct_b = 100 * parts_b / r2_b[:, -1:]
    rangs_b = _rangs(parts_b)
    alpha = (1 - niveau) / 2
    q = lambda x, **k: np.quantile(x, [alpha, 1 - alpha], axis=0, **k)  # noqa: E731
    (bas, haut), (pct_bas, pct_haut) = q(parts_b), q(pct_b)
    rang_bas, rang_haut = (
        np.quantile(rangs_b, alpha, axis=0, method="lower"),
        np.quantile(rangs_b, 1 - alpha, axis=0, method="higher"),
    )
    r2_bas, r2_haut = q(r2_b[:, -1])
    return pd.DataFrame(
        {
            "predicteur": list(groupes),
            "part": parts,
            "ic_bas": bas,
            "ic_haut": haut,
            "part_pct": 100 * parts / r2[-1],
            "pct_ic_bas": pct_bas,
            "pct_ic_haut": pct_haut,
            "rang": _rangs(parts),
            "rang_bas": rang_bas.astype(int),
            "rang_haut": rang_haut.astype(int),
            "r2": r2[-1],
            "r2_ic_bas": r2_bas,
            "r2_ic_haut": r2_haut,
            "n_observations": len(table),
            "n_structures": len(uniques),
            "n_bootstrap": n_bootstrap,
        }
    )


def importance_nationale(
    repondants: pd.DataFrame | None = None,
    n_bootstrap: int = 1000,
    graine: int = 2012,
    niveau: float = 0.95,
    *,
    annee=None,
    donnees=None,
) -> pd.DataFrame:
    """Importance relative des huit déterminants perçus dans la satisfaction (LMG, bootstrap par structure).

    ``repondants`` vient de ``preparer_repondants`` ; à défaut, l'enquête préparée est lue
    dans ``donnees`` (édition ``annee``, ou toutes les éditions si ``annee`` est ``None``) :
    c'est l'appel des rapports par structure. Colonnes ``determinant``, ``libelle``,
    ``importance`` (= ``part``, part LMG du R²) et celles de ``intervalles_lmg`` ;
    ``n_bootstrap=0`` donne les parts seules, sans intervalles.

    >>> importance_nationale(annee=1900, donnees="/dossier/absent")
    Traceback (most recent call last):
    FileNotFoundError: Aucune réponse à l'enquête en ligne préparée dans /dossier/absent (édition 1900).
    """
    if repondants is None:
        repondants = _lire_repondants(donnees, annee)
    if n_bootstrap == 0:  # parts seules, sans intervalles (fiches par structure : rapide)
        parts = lmg(repondants, CIBLE_REPONDANT, PREDICTEURS_PERCUS)
        return pd.DataFrame(
            {
                "determinant": parts.index,
                "libelle": parts.index.map(libelle),
                "importance": parts.to_numpy(),
                "part": parts.to_numpy(),
            }
        )
    table = intervalles_lmg(
        repondants, CIBLE_REPONDANT, PREDICTEURS_PERCUS, COLONNE_GRAPPE, n_bootstrap, graine, niveau
    )
    table.insert(1, "libelle", table["predicteur"].map(libelle))
    table.insert(2, "importance", table["part"])
    return table.rename(columns={"predicteur": "determinant"})


def _lire_repondants(donnees, annee) -> pd.DataFrame:
    from analyse import config
    from analyse.donnees import stockage

    racine = config.RACINE / "data" if donnees is None else donnees
    try:
        enquete = stockage.lire(racine, "enquete", annee=annee)
    except FileNotFoundError:
        enquete = pd.DataFrame()
    if enquete.empty:
        quand = f" (édition {annee})" if annee is not None else ""
        raise FileNotFoundError(f"Aucune réponse à l'enquête en ligne préparée dans {racine}{quand}.")
    return preparer_repondants(enquete)


def stabilite_editions(
    repondants: pd.DataFrame, n_bootstrap: int = 1000, graine: int = 2012, niveau: float = 0.95, taille_min: int = 5
) -> pd.DataFrame:
    """Parts LMG édition par édition, avec intervalles (éditions de moins de ``taille_min`` structures omises).

    >>> stabilite_editions(pd.DataFrame(columns=["annee", "structure_id"])).empty
    True
    """
    tables = []
    for annee, sous in repondants.groupby(COLONNE_EDITION, sort=True):
        if sous[COLONNE_GRAPPE].nunique() < taille_min:
            continue
        table = importance_nationale(sous, n_bootstrap, graine, niveau)
        table.insert(0, COLONNE_EDITION, int(annee))
        tables.append(table)
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()


# --------------------------------------------------------------------------- modèles du répondant


def _formule(cible: str, colonnes, effets) -> str:
    termes = list(colonnes) + [f"C({e})" for e in effets]
    return f"{cible} ~ {' + '.join(termes)}"


def _effets_utiles(donnees: pd.DataFrame, effets) -> list[str]:
    return [e for e in (effets or ()) if e in donnees.columns and donnees[e].nunique() > 1]


def modele_mco_grappes(
    donnees: pd.DataFrame, cible: str, predicteurs, grappe: str = COLONNE_GRAPPE, effets=(COLONNE_EDITION,)
):
    """Moindres carrés avec erreurs robustes par grappe (correction de petit échantillon, t à G−1 ddl).

    ``effets`` : colonnes catégorielles ajoutées en effets fixes (l'édition, si elle varie).
    Renvoie le résultat ``statsmodels``.

    >>> import statsmodels.api as sm
    >>> g = sm.datasets.grunfeld.load_pandas().data.iloc[:200]
    >>> round(float(modele_mco_grappes(g, "invest", ["value", "capital"], "firm", ()).bse["value"]), 5)
    0.01589
    """
    import statsmodels.formula.api as smf

    groupes = normaliser_predicteurs(predicteurs)
    colonnes = [c for v in groupes.values() for c in v]
    effets = [e for e in (effets or ()) if e in donnees.columns]
    table = _lignes_completes(donnees, [cible, *colonnes], (grappe, *effets))
    effets = _effets_utiles(table, effets)
    codes = pd.factorize(table[grappe])[0]
    return smf.ols(_formule(cible, colonnes, effets), table).fit(
        cov_type="cluster", cov_kwds={"groups": codes, "use_correction": True, "df_correction": True}, use_t=True
    )


def _matrice_effets(table: pd.DataFrame, colonnes, effets) -> pd.DataFrame:
    x = table[list(colonnes)].copy()
    for e in effets:
        indicatrices = pd.get_dummies(table[e].astype(str), prefix=e, drop_first=True, dtype=float)
        x = pd.concat([x, indicatrices], axis=1)
    return x


def modele_ordinal(
    donnees: pd.DataFrame,
    cible: str,
    predicteurs,
    grappe: str | None = COLONNE_GRAPPE,
    effets=(COLONNE_EDITION,),
    distribution: str = "logit",
):
    """Modèle ordinal (``statsmodels`` ``OrderedModel``, logit par défaut) de ``cible`` sur ``predicteurs``.

    Erreurs robustes par grappe si ``grappe`` est donnée. Les seuils sur l'échelle latente
    sont donnés par ``seuils_ordinaux``.

    >>> callable(modele_ordinal)
    True
    """
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    groupes = normaliser_predicteurs(predicteurs)
    colonnes = [c for v in groupes.values() for c in v]
    autres = tuple(e for e in (effets or ()) if e in donnees.columns) + ((grappe,) if grappe else ())
    table = _lignes_completes(donnees, colonnes, (cible, *dict.fromkeys(autres)))
    effets = _effets_utiles(table, [e for e in (effets or ()) if e in table.columns])
    y = table[cible]
    if not isinstance(y.dtype, pd.CategoricalDtype):
        y = (
            pd.Categorical(y, ordered=True)
            if y.dtype == object or pd.api.types.is_string_dtype(y)
            else pd.to_numeric(y).astype(int)
        )
    modele = OrderedModel(y, _matrice_effets(table, colonnes, effets), distr=distribution)
    options = {"cov_type": "cluster", "cov_kwds": {"groups": pd.factorize(table[grappe])[0]}} if grappe else {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return modele.fit(method="bfgs", disp=False, maxiter=2000, **options)


def seuils_ordinaux(resultat) -> np.ndarray:
    """Seuils du modèle ordinal sur l'échelle latente (comme R ``polr`` : ``zeta``).

    >>> callable(seuils_ordinaux)
    True
    """
    return np.asarray(resultat.model.transform_threshold_params(np.asarray(resultat.params)))[1:-1]


def modele_mixte(
    donnees: pd.DataFrame, cible: str, predicteurs, grappe: str = COLONNE_GRAPPE, effets=(COLONNE_EDITION,)
):
    """Modèle linéaire mixte avec constante aléatoire par structure (``MixedLM``, REML).

    >>> callable(modele_mixte)
    True
    """
    import statsmodels.formula.api as smf

    groupes = normaliser_predicteurs(predicteurs)
    colonnes = [c for v in groupes.values() for c in v]
    effets = [e for e in (effets or ()) if e in donnees.columns]
    table = _lignes_completes(donnees, [cible, *colonnes], (grappe, *effets))
    effets = _effets_utiles(table, effets)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return smf.mixedlm(_formule(cible, colonnes, effets), table, groups=table[grappe]).fit(reml=True)


def _convergence(resultat) -> bool:
    if hasattr(resultat, "converged"):
        return bool(resultat.converged)
    retours = getattr(resultat, "mle_retvals", None) or {}
    return bool(retours.get("converged", True))


def coefficients(
    resultat, termes: dict, modele: str, grappe_n: int | None = None, niveau: float = 0.95
) -> pd.DataFrame:
    """Tableau net des coefficients d'un modèle pour les termes demandés ({nom : colonne du modèle}).

    >>> import statsmodels.api as sm
    >>> g = sm.datasets.grunfeld.load_pandas().data.iloc[:200]
    >>> r = modele_mco_grappes(g, "invest", ["value", "capital"], "firm", ())
    >>> coefficients(r, {"value": "value"}, "mco_grappes")["rang"].tolist()
    [1]
    """
    params, bse, pvals = resultat.params, resultat.bse, resultat.pvalues
    ic = resultat.conf_int(alpha=1 - niveau)
    lignes = []
    for nom, col in termes.items():
        lignes.append(
            {
                "modele": modele,
                "libelle_modele": NOMS_MODELES.get(modele, modele),
                "terme": nom,
                "libelle": libelle(nom),
                "coefficient": float(params[col]),
                "erreur_type": float(bse[col]),
                "ic_bas": float(ic.loc[col].iloc[0]),
                "ic_haut": float(ic.loc[col].iloc[1]),
                "p_valeur": float(pvals[col]),
            }
        )
    table = pd.DataFrame(lignes)
    table["rang"] = table["coefficient"].rank(ascending=False, method="min").astype(int)
    table["n_observations"] = int(resultat.nobs)
    table["n_structures"] = grappe_n
    table["convergence"] = _convergence(resultat)
    return table[_COLONNES_MODELES]


def comparer_modeles(repondants: pd.DataFrame, modeles=tuple(NOMS_MODELES), niveau: float = 0.95) -> pd.DataFrame:
    """Coefficients des huit notes perçues dans chaque modèle (format long, un rang par modèle).

    Modèles : ``mco_grappes`` (points de satisfaction par point de note), ``logit_ordinal``
    (log-rapport de chances par point de note) et ``mixte`` (points de satisfaction, constante
    aléatoire par structure). Effets d'édition si plusieurs éditions sont empilées.

    >>> comparer_modeles(pd.DataFrame(), modeles=()).columns[0]
    'modele'
    """
    termes = {d: v[0] for d, v in PREDICTEURS_PERCUS.items()}
    n_structures = int(repondants[COLONNE_GRAPPE].nunique()) if len(repondants) else 0
    ajuster = {"mco_grappes": modele_mco_grappes, "logit_ordinal": modele_ordinal, "mixte": modele_mixte}
    tables = [
        coefficients(ajuster[m](repondants, CIBLE_REPONDANT, PREDICTEURS_PERCUS), termes, m, n_structures, niveau)
        for m in modeles
    ]
    return pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=_COLONNES_MODELES)


# --------------------------------------------------------------------------- niveau de la structure


def preparer_structures(
    scores: pd.DataFrame,
    enquete: pd.DataFrame,
    avis: pd.DataFrame | None = None,
    min_repondants: int = 5,
    min_avis: int = 3,
) -> pd.DataFrame:
    """Une ligne par structure et édition : scores d'audit par déterminant et satisfaction perçue moyenne.

    Colonnes : ``score_global``, ``score_<determinant>`` (0–100), ``satisfaction_moyenne``
    (0–10, structures d'au moins ``min_repondants`` répondants), ``n_repondants``,
    ``note_avis_moyenne`` (1–5, au moins ``min_avis`` avis), ``n_avis`` et
    ``erreur_type_<determinant>`` (erreur d'échantillonnage du score d'audit, si connue).

    >>> s = pd.DataFrame({"annee": 2022, "structure_id": "a", "niveau": ["global", "determinant"], "modalite": ["", "attente"], "score": [70.0, 60.0]})
    >>> e = pd.DataFrame({"annee": 2022, "structure_id": ["a"] * 5, "satisfaction": [6, 7, 8, 7, 7]})
    >>> preparer_structures(s, e)[["score_attente", "satisfaction_moyenne"]].values.tolist()
    [[60.0, 7.0]]
    """
    cles = [COLONNE_EDITION, COLONNE_GRAPPE]
    det = scores[scores["niveau"] == "determinant"].pivot_table(index=cles, columns="modalite", values="score")
    det.columns = [f"score_{c}" for c in det.columns]
    glob = scores[scores["niveau"] == "global"].set_index(cles)["score"].rename("score_global")
    morceaux = [glob, det]
    if "erreur_type" in scores:
        erreurs = scores[scores["niveau"] == "determinant"].pivot_table(
            index=cles, columns="modalite", values="erreur_type"
        )
        erreurs.columns = [f"erreur_type_{c}" for c in erreurs.columns]
        morceaux.append(erreurs)
    table = pd.concat(morceaux, axis=1)
    for d in DETERMINANTS:
        for prefixe in ("score_", "erreur_type_"):
            if f"{prefixe}{d}" not in table:
                table[f"{prefixe}{d}"] = np.nan
    satisf = (
        pd.to_numeric(enquete["satisfaction"])
        .astype(float)
        .groupby([enquete[c] for c in cles])
        .agg(["mean", "count"])
        .rename(columns={"mean": "satisfaction_moyenne", "count": "n_repondants"})
    )
    satisf.loc[satisf["n_repondants"] < min_repondants, "satisfaction_moyenne"] = np.nan
    table = table.join(satisf, how="left")
    if avis is not None and not avis.empty:
        notes = (
            pd.to_numeric(avis["note"])
            .astype(float)
            .groupby([avis[c] for c in cles])
            .agg(["mean", "count"])
            .rename(columns={"mean": "note_avis_moyenne", "count": "n_avis"})
        )
        notes.loc[notes["n_avis"] < min_avis, "note_avis_moyenne"] = np.nan
        table = table.join(notes, how="left")
    else:
        table["note_avis_moyenne"], table["n_avis"] = np.nan, 0
    table[["n_repondants", "n_avis"]] = table[["n_repondants", "n_avis"]].fillna(0).astype(int)
    colonnes = [
        "score_global",
        *[f"score_{d}" for d in DETERMINANTS],
        "satisfaction_moyenne",
        "n_repondants",
        "note_avis_moyenne",
        "n_avis",
        *[f"erreur_type_{d}" for d in DETERMINANTS],
    ]
    return table[colonnes].reset_index()


def modele_structures(
    structures: pd.DataFrame, cible: str = "satisfaction_moyenne", niveau: float = 0.95, par_points: float = 10.0
) -> dict:
    """Satisfaction perçue moyenne d'une structure expliquée par ses scores d'audit par déterminant.

    Éditions empilées avec effets d'édition, erreurs robustes par structure (t à G−1 ddl).
    Les coefficients sont exprimés pour ``par_points`` points de score d'audit. Renvoie
    ``coefficients`` (tableau net ; avec les erreurs d'échantillonnage des scores d'audit, la
    fiabilité de chaque score et la pente corrigée de l'atténuation, voir ``corriger_attenuation``),
    ``r2``, ``n_observations``, ``n_structures``, ``n_editions``, ``lmg`` (parts du R², l'édition
    formant un groupe à part) et ``note`` (phrases pour l'annexe, dont la fiabilité).

    >>> modele_structures(pd.DataFrame(columns=["annee", "structure_id", "satisfaction_moyenne"]))["n_observations"]
    0
    """
    colonnes, exclus = determinants_communs(structures, cible)
    table = structures.dropna(subset=[cible, *colonnes]) if len(structures) else structures
    note = note_determinants_exclus(exclus)
    vide = {
        "coefficients": pd.DataFrame(columns=_COLONNES_MODELES),
        "r2": np.nan,
        "n_observations": 0,
        "n_structures": 0,
        "n_editions": 0,
        "lmg": pd.Series(dtype=float),
        "cible": cible,
        "determinants_exclus": exclus,
        "note": note,
    }
    if len(table) <= len(colonnes) + 5 or table[COLONNE_GRAPPE].nunique() < 5:
        return vide
    table = table.copy()
    presents = [c for c in colonnes if table[c].nunique() > 1]
    for c in presents:
        table[c] = table[c] / par_points
    predicteurs = {c.removeprefix("score_"): [c] for c in presents}
    resultat = modele_mco_grappes(table, cible, predicteurs)
    coefs = coefficients(
        resultat, {k: v[0] for k, v in predicteurs.items()}, "structures", int(table[COLONNE_GRAPPE].nunique()), niveau
    )
    groupes_lmg = dict(predicteurs)
    indicatrices = pd.get_dummies(table[COLONNE_EDITION].astype(str), prefix="edition", drop_first=True, dtype=float)
    if indicatrices.shape[1]:
        table = pd.concat([table, indicatrices], axis=1)
        groupes_lmg["edition"] = list(indicatrices.columns)
    parts = lmg(table, cible, groupes_lmg)
    attenuation = corriger_attenuation(table, presents, cible, par_points, niveau=niveau)
    if len(attenuation):
        coefs = coefs.merge(attenuation, on="terme", how="left")
    note = " ".join(n for n in (note, note_attenuation(attenuation)) if n)
    return {
        "coefficients": coefs,
        "r2": float(resultat.rsquared),
        "n_observations": int(resultat.nobs),
        "n_structures": int(table[COLONNE_GRAPPE].nunique()),
        "n_editions": int(table[COLONNE_EDITION].nunique()),
        "lmg": parts,
        "cible": cible,
        "determinants_exclus": exclus,
        "note": note,
    }


def _centrer_par_edition(valeurs: np.ndarray, editions: np.ndarray) -> np.ndarray:
    codes, inverse = np.unique(editions, return_inverse=True)
    sommes = np.zeros((len(codes), valeurs.shape[1]))
    np.add.at(sommes, inverse, valeurs)
    effectifs = np.bincount(inverse, minlength=len(codes))[:, None]
    return valeurs - (sommes / effectifs)[inverse]


def _pentes_calibrees(X, y, variances, editions) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pentes naïves, pentes corrigées, fiabilités) après effets d'édition. Calibration de
    régression : β = (SXX − SUU)⁻¹ SXy, SUU = Σ des variances d'erreur connues (diagonale)."""
    Xc = _centrer_par_edition(X, editions)
    yc = _centrer_par_edition(y[:, None], editions)[:, 0]
    _, inverse, effectifs = np.unique(editions, return_inverse=True, return_counts=True)
    sxx = Xc.T @ Xc
    suu = np.diag((variances * (1 - 1 / effectifs[inverse])[:, None]).sum(axis=0))
    sxy = Xc.T @ yc
    naives = np.linalg.solve(sxx, sxy)
    corrigee = sxx - suu
    if np.any(np.linalg.eigvalsh(corrigee) <= 0):
        return naives, np.full(len(naives), np.nan), 1 - np.diag(suu) / np.diag(sxx)
    return naives, np.linalg.solve(corrigee, sxy), 1 - np.diag(suu) / np.diag(sxx)


def corriger_attenuation(
    table: pd.DataFrame,
    colonnes,
    cible: str,
    par_points: float = 10.0,
    n_bootstrap: int = 200,
    graine: int = 2012,
    niveau: float = 0.95,
) -> pd.DataFrame:
    """Fiabilité des scores d'audit et pentes corrigées de l'atténuation (calibration de régression).

    Un score d'audit de structure repose sur quelques contacts : il vaut le vrai niveau plus une
    erreur d'échantillonnage de variance connue (``erreur_type_<d>`` au carré). Cette erreur
    atténue la pente du modèle par structure d'un facteur voisin de la **fiabilité** du score
    (part de sa variance entre structures, à édition donnée, qui n'est pas de l'échantillonnage).
    Correction : β = (SXX − SUU)⁻¹ SXy après effets d'édition, SUU = somme des variances
    d'erreur (erreurs supposées indépendantes d'un déterminant à l'autre). Intervalle : bootstrap
    percentile sur les structures. ``table`` : colonnes ``colonnes`` déjà divisées par
    ``par_points`` ; vide si les erreurs types manquent.

    >>> corriger_attenuation(pd.DataFrame({"annee": [2022], "structure_id": ["a"], "y": [1.0], "score_attente": [6.0]}),
    ...     ["score_attente"], "y").empty
    True
    """
    erreurs = [c.replace("score_", "erreur_type_", 1) for c in colonnes]
    if not colonnes or any(e not in table or table[e].isna().all() for e in erreurs):
        return pd.DataFrame()
    t = table.dropna(subset=[cible, *colonnes, *erreurs])
    if t[COLONNE_GRAPPE].nunique() < 5:
        return pd.DataFrame()
    X = t[list(colonnes)].to_numpy(dtype=float)
    y = t[cible].to_numpy(dtype=float)
    V = (t[erreurs].to_numpy(dtype=float) / par_points) ** 2
    editions = t[COLONNE_EDITION].to_numpy()
    naives, corrigees, fiabilites = _pentes_calibrees(X, y, V, editions)
    structures, grappe = np.unique(t[COLONNE_GRAPPE].to_numpy(), return_inverse=True)
    lignes_par_structure = [np.flatnonzero(grappe == g) for g in range(len(structures))]
    rng = np.random.default_rng([graine, 17])
    repliques = np.full((n_bootstrap, len(colonnes)), np.nan)
    for b in range(n_bootstrap if np.isfinite(corrigees).all() else 0):
        tirage = np.concatenate([lignes_par_structure[g] for g in rng.integers(0, len(structures), len(structures))])
        try:
            repliques[b] = _pentes_calibrees(X[tirage], y[tirage], V[tirage], editions[tirage])[1]
        except np.linalg.LinAlgError:
            continue
    alpha = (1 - niveau) / 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        bas, haut = np.nanquantile(repliques, [alpha, 1 - alpha], axis=0)
    return pd.DataFrame(
        {
            "terme": [c.removeprefix("score_") for c in colonnes],
            "fiabilite": fiabilites,
            "coefficient_naif": naives,
            "coefficient_corrige": corrigees,
            "ic_bas_corrige": np.where(np.isnan(corrigees), np.nan, bas),
            "ic_haut_corrige": np.where(np.isnan(corrigees), np.nan, haut),
        }
    )


def note_attenuation(attenuation: pd.DataFrame) -> str:
    """Phrase d'annexe : fiabilité des scores d'audit et atténuation des pentes par structure.

    >>> a = pd.DataFrame({"terme": ["attente", "courtoisie"], "fiabilite": [0.58, 0.78],
    ...     "coefficient_naif": [0.1, 0.2], "coefficient_corrige": [0.16, 0.25]})
    >>> note_attenuation(a)[-34:]
    ' ic_bas_corrige, ic_haut_corrige).'
    """
    if attenuation is None or attenuation.empty:
        return ""
    f = attenuation["fiabilite"]
    texte = (
        "Fiabilité des scores d’audit par déterminant (part de leur variance entre structures, à édition donnée, qui "
        f"ne tient pas à l’échantillonnage des contacts) : de {nombre_fr(f.min(), 2)} à {nombre_fr(f.max(), 2)}. "
        "Les pentes du modèle par structure sont donc atténuées vers zéro : une pente estimée sur un seul score le "
        f"serait de {nombre_fr(100 * (1 - f.max()), 0)} à {nombre_fr(100 * (1 - f.min()), 0)} %."
    )
    if attenuation["coefficient_corrige"].notna().all():
        return texte + (
            " Les pentes corrigées par calibration de régression, avec leur intervalle bootstrap sur les structures, "
            "figurent dans le tableau CSV du modèle (colonnes coefficient_corrige, ic_bas_corrige, ic_haut_corrige)."
        )
    return texte + (
        " La correction conjointe (calibration de régression) n’est pas calculable ici : une fois l’erreur "
        "d’échantillonnage retirée, les vrais scores des déterminants sont trop liés entre eux pour séparer leurs "
        "pentes. Les pentes publiées sont donc des minorants en valeur absolue, à lire comme des associations."
    )


def determinants_communs(structures: pd.DataFrame, cible: str) -> tuple[list[str], list[str]]:
    """Colonnes ``score_<déterminant>`` mesurées dans toutes les éditions où ``cible`` existe
    (au moins la moitié des structures de chaque édition), et déterminants exclus.

    Une édition dont la grille n'a pas un déterminant n'est donc jamais retirée en silence :
    c'est le déterminant qui sort du modèle, et ``note_determinants_exclus`` le dit.

    >>> s = pd.DataFrame({"annee": [2012, 2013], "y": [1.0, 2.0], "score_attente": [50.0, 60.0],
    ...                   "score_transfert": [np.nan, 70.0]})
    >>> determinants_communs(s, "y")
    (['score_attente'], ['transfert'])
    """
    presentes = [f"score_{d}" for d in DETERMINANTS if f"score_{d}" in structures]
    avec_cible = structures[structures[cible].notna()] if cible in structures else structures.iloc[:0]
    if avec_cible.empty:
        return presentes, []
    part = avec_cible.groupby(COLONNE_EDITION)[presentes].agg(lambda c: c.notna().mean()).min()
    gardees = [c for c in presentes if part[c] >= 0.5]
    return gardees, [c.removeprefix("score_") for c in presentes if c not in gardees]


def note_determinants_exclus(exclus) -> str:
    """Phrase du rapport sur les déterminants sortis du modèle faute d'être mesurés à chaque édition.

    >>> note_determinants_exclus(["transfert"])
    'Déterminant absent de la grille d’au moins une édition, donc hors du modèle (toutes les éditions sont gardées) : transfert.'
    >>> note_determinants_exclus([])
    ''
    """
    if not exclus:
        return ""
    return (
        "Déterminant absent de la grille d’au moins une édition, donc hors du modèle (toutes les éditions "
        f"sont gardées) : {', '.join(exclus)}."
    )


def moyenne_grappes(valeurs, grappes) -> tuple[float, float]:
    """Moyenne et erreur type robuste aux grappes : √(G/(G−1) · Σ_g (Σ_{i∈g} (yᵢ − ȳ))²) / n.

    >>> m, e = moyenne_grappes([1.0, 1.0, 3.0, 3.0], ["a", "a", "b", "b"])
    >>> m, round(e, 3)
    (2.0, 1.0)
    """
    y = pd.Series(np.asarray(valeurs, dtype=float))
    g = np.asarray(grappes)
    moyenne = float(y.mean())
    sommes = (y - moyenne).groupby(g).sum().to_numpy()
    G, n = len(sommes), len(y)
    if G < 2:
        return moyenne, np.nan
    return moyenne, float(math.sqrt(G / (G - 1) * np.sum(sommes**2)) / n)


def lien_audit_percu(
    structures: pd.DataFrame,
    cible: str = "satisfaction_moyenne",
    n_classes: int = 5,
    taille_min: int = 5,
    niveau: float = 0.95,
) -> pd.DataFrame:
    """Satisfaction perçue moyenne par classe de score d'audit global (quantiles), chaque classe ≥ ``taille_min`` structures.

    Une structure vue à plusieurs éditions forme une grappe : l'intervalle t utilise l'erreur
    type robuste aux grappes (``moyenne_grappes``) et G − 1 degrés de liberté (G structures).
    Aucune structure n'est montrée isolément : seules des moyennes de classes sont publiées.

    >>> s = pd.DataFrame({"annee": 2022, "structure_id": list("abcdefghij"), "score_global": np.arange(10.0) * 5 + 40,
    ...                   "satisfaction_moyenne": np.linspace(6, 8, 10)})
    >>> lien_audit_percu(s, n_classes=2)["n_structures"].tolist()
    [5, 5]
    """
    from scipy import stats

    table = structures.dropna(subset=["score_global", cible])
    n_classes = max(1, min(n_classes, table[COLONNE_GRAPPE].nunique() // max(taille_min, 1)))
    if table.empty or n_classes < 1:
        return pd.DataFrame(columns=["classe", "n_structures", "score_audit_moyen", "moyenne", "ic_bas", "ic_haut"])
    rangs = table["score_global"].rank(method="first")
    table = table.assign(classe=pd.qcut(rangs, n_classes, labels=False) + 1)
    lignes = []
    for classe, g in table.groupby("classe"):
        n = g[COLONNE_GRAPPE].nunique()
        if n < taille_min:
            continue
        moyenne, et = moyenne_grappes(g[cible], g[COLONNE_GRAPPE])
        t = stats.t.ppf(1 - (1 - niveau) / 2, n - 1)
        lignes.append(
            {
                "classe": int(classe),
                "n_structures": int(n),
                "score_audit_min_classe": float(g["score_global"].min()),
                "score_audit_moyen": float(g["score_global"].mean()),
                "moyenne": float(moyenne),
                "ic_bas": float(moyenne - t * et),
                "ic_haut": float(moyenne + t * et),
            }
        )
    return pd.DataFrame(lignes).drop(columns="score_audit_min_classe")


# --------------------------------------------------------------------------- importance–performance


def priorites_structure(importance: pd.Series, performance: pd.Series, reference=None) -> pd.DataFrame:
    """Priorités classées d'une structure : importance nationale × ses propres scores par déterminant.

    ``importance`` : déterminant → importance nationale (parts LMG) ; ``performance`` :
    déterminant → score de la structure (0–100) ; ``reference`` : score de référence par
    déterminant (série, par exemple la moyenne nationale) ou un nombre ; par défaut la
    moyenne des scores de la structure. Un déterminant est « important » si sa part dépasse
    la part moyenne. Quadrants : « Priorité » (important, sous la référence), « Atout à
    préserver » (important, au-dessus), « Second plan » (moins important, sous la référence),
    « Acquis » (moins important, au-dessus), « Non évalué » (pas de score). Le classement
    suit les quadrants puis l'indice de priorité = part relative × écart sous 100.

    >>> imp = pd.Series({"attente": 0.10, "courtoisie": 0.05, "transfert": 0.02})
    >>> perf = pd.Series({"attente": 55.0, "courtoisie": 80.0, "transfert": 40.0})
    >>> priorites_structure(imp, perf)[["determinant", "quadrant", "rang"]].values.tolist()
    [['attente', 'Priorité', 1], ['transfert', 'Second plan', 2], ['courtoisie', 'Acquis', 3]]
    >>> len(priorites_structure(pd.Series(dtype=float), perf))  # aucune importance : table vide
    0
    """
    importance = pd.Series(importance, dtype=float).dropna()
    performance = pd.Series(performance, dtype=float).reindex(importance.index)
    if importance.empty:  # aucune importance disponible (édition sans enquête) : rien à classer
        return pd.DataFrame(
            columns=[
                "determinant",
                "libelle",
                "importance",
                "importance_pct",
                "performance",
                "reference",
                "ecart_reference",
                "quadrant",
                "indice_priorite",
                "rang",
            ]
        )
    if reference is None:
        reference = performance.mean()
    reference = (
        pd.Series(reference, index=importance.index, dtype=float)
        if np.isscalar(reference)
        else pd.Series(reference, dtype=float).reindex(importance.index)
    )
    part_pct = 100 * importance / importance.sum()
    important = part_pct > 100 / len(importance)
    sous = performance < reference
    quadrant = np.select(
        [performance.isna(), important & sous, ~important & sous, important & ~sous],
        ["Non évalué", "Priorité", "Second plan", "Atout à préserver"],
        "Acquis",
    )
    table = pd.DataFrame(
        {
            "determinant": importance.index,
            "libelle": [libelle(d) for d in importance.index],
            "importance": importance.to_numpy(),
            "importance_pct": part_pct.to_numpy(),
            "performance": performance.to_numpy(),
            "reference": reference.to_numpy(),
            "ecart_reference": (performance - reference).to_numpy(),
            "quadrant": quadrant,
            "indice_priorite": (part_pct * (100 - performance) / 100).to_numpy(),
        }
    )
    ordre = table["quadrant"].map({q: i for i, q in enumerate(QUADRANTS)})
    table = table.assign(_ordre=ordre).sort_values(["_ordre", "indice_priorite"], ascending=[True, False])
    table = table.drop(columns="_ordre").reset_index(drop=True)
    table["rang"] = pd.array(np.where(table["quadrant"] == "Non évalué", None, np.arange(1, len(table) + 1)), "Int64")
    return table


def performance_nationale(structures: pd.DataFrame, taille_min: int = 5) -> pd.DataFrame:
    """Score d'audit moyen par déterminant sur les structures × éditions (groupes < ``taille_min`` structures omis).

    >>> s = pd.DataFrame({"structure_id": list("abcde"), "score_attente": [50.0, 60, 70, 80, 90]})
    >>> performance_nationale(s).query("determinant == 'attente'")["score"].item()
    70.0
    """
    lignes = []
    for d in DETERMINANTS:
        col = f"score_{d}"
        if col not in structures:
            continue
        valeurs = structures.dropna(subset=[col])
        n = valeurs[COLONNE_GRAPPE].nunique()
        if n >= taille_min:
            lignes.append(
                {"determinant": d, "libelle": libelle(d), "score": float(valeurs[col].mean()), "n_structures": int(n)}
            )
    return pd.DataFrame(lignes, columns=["determinant", "libelle", "score", "n_structures"])


def _residus_par_grappe(structures: pd.DataFrame, colonnes: list[str]) -> np.ndarray:
    """Somme par structure de (x − moyenne) / effectif, colonne par colonne (0 si manquant) :
    l'influence de chaque structure sur chaque moyenne nationale."""
    X = structures[colonnes].to_numpy(dtype=float)
    observe = ~np.isnan(X)
    R = np.where(observe, (X - np.nanmean(X, axis=0)) / observe.sum(axis=0), 0.0)
    return pd.DataFrame(R).groupby(structures[COLONNE_GRAPPE].to_numpy()).sum().to_numpy()


def ecarts_moyenne_determinants(structures: pd.DataFrame, performance: pd.DataFrame) -> pd.DataFrame:
    """Écart du score d'audit moyen de chaque déterminant à la moyenne des déterminants, avec son
    erreur type robuste aux grappes (structures vues à plusieurs éditions ; méthode delta sur les
    fonctions d'influence, facteur G/(G − 1)) : la moyenne de référence dépend des mêmes
    structures, ce que la covariance entre déterminants prend en compte.

    >>> s = pd.DataFrame({"structure_id": list("abcdef"), "score_attente": [50.0, 60, 70, 55, 65, 58],
    ...                   "score_courtoisie": [80.0, 85, 75, 90, 82, 88]})
    >>> e = ecarts_moyenne_determinants(s, performance_nationale(s))
    >>> e["ecart"].round(2).tolist(), bool((e["erreur_type"] > 0).all())
    ([11.83, -11.83], True)
    """
    dets = performance["determinant"].tolist()
    if not dets:
        return pd.DataFrame(columns=["determinant", "ecart", "erreur_type"])
    scores = performance["score"].to_numpy(dtype=float)
    contraste = np.eye(len(dets)) - 1 / len(dets)
    influence = _residus_par_grappe(structures, [f"score_{d}" for d in dets]) @ contraste.T
    g = influence.shape[0]
    variance = g / max(g - 1, 1) * np.sum(influence**2, axis=0)
    return pd.DataFrame({"determinant": dets, "ecart": contraste @ scores, "erreur_type": np.sqrt(variance)})


def matrice_nationale(
    importance: pd.DataFrame, performance: pd.DataFrame, ecarts: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Matrice importance–performance nationale (référence : moyenne des scores d'audit des huit
    déterminants). Le quadrant place le point (aide à la décision) ; avec ``ecarts``
    (:func:`ecarts_moyenne_determinants`), chaque déterminant reçoit son intervalle d'écart
    (``ecart_bas``, ``ecart_haut``) et sa lecture ``verdict`` par la règle commune
    (``verdicts.verdict_priorite``, comparaisons ajustées par Holm sur les déterminants).

    >>> imp = pd.DataFrame({"determinant": ["attente", "courtoisie"], "part": [0.1, 0.05]})
    >>> perf = pd.DataFrame({"determinant": ["attente", "courtoisie"], "score": [55.0, 80.0], "n_structures": [9, 9]})
    >>> matrice_nationale(imp, perf)["quadrant"].tolist()
    ['Priorité', 'Acquis']
    >>> e = pd.DataFrame({"determinant": ["attente", "courtoisie"], "ecart": [-12.5, 12.5], "erreur_type": [9.0, 2.0]})
    >>> [v.mot for v in matrice_nationale(imp, perf, e)["verdict"]]
    ['à surveiller', 'acquis']
    """
    perf = performance.set_index("determinant")["score"]
    table = priorites_structure(importance.set_index("determinant")["part"], perf, float(perf.mean()))
    table = table.merge(performance[["determinant", "n_structures"]], on="determinant", how="left")
    return table if ecarts is None else _lire_ecarts_matrice(table, ecarts)


def _lire_ecarts_matrice(table: pd.DataFrame, ecarts: pd.DataFrame) -> pd.DataFrame:
    """Intervalles et verdicts de la matrice nationale (règle unique de ``verdicts``)."""
    table = table.merge(ecarts[["determinant", "erreur_type"]], on="determinant", how="left")
    evalues = table["performance"].notna() & table["erreur_type"].notna()
    lus = iter(
        verdicts.verdicts_comparaisons(
            table.loc[evalues, "ecart_reference"],
            table.loc[evalues, "erreur_type"],
            reference=REFERENCE_MATRICE,
        )
    )
    importants = table["quadrant"].isin(["Priorité", "Atout à préserver"])
    table["verdict"] = [
        verdicts.verdict_priorite(bool(i), next(lus), REFERENCE_MATRICE) if e else None
        for i, e in zip(importants, evalues)
    ]
    table["ecart_bas"] = [v.bas if v is not None else np.nan for v in table["verdict"]]
    table["ecart_haut"] = [v.haut if v is not None else np.nan for v in table["verdict"]]
    return table


REFERENCE_MATRICE = "la moyenne des déterminants"
