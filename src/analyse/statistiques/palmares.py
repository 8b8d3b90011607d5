"""Palmarès d'une édition : lauréats par catégorie, avec intervalles de rang bootstrap.

Règles (``shared/specs/methodologie.md``, « Palmarès and confidentiality ») :

- catégories : type de structure × classe de population (structures territoriales),
  « Structures certifiées » et « Autres services publics » ;
- une catégorie de moins de ``taille_min_agregat`` structures est fusionnée avec la classe
  de population voisine du même type ; un type entier trop petit est supprimé ;
- seuls les 3 premiers de chaque catégorie sont nommés ; les autres ne sont jamais
  listés ni classés ;
- chaque lauréat porte un intervalle de rang à 95 %, issu de la même incertitude que les
  scores : scores globaux simulés selon leur erreur type (``notation``, variance
  intra-structure mise en commun), rangs recalculés dans la catégorie à chaque tirage ;
- des lauréats dont les intervalles de rang se recouvrent sont ex aequo (``ex_aequo``,
  ``rang_affiche`` commun, ordre alphabétique dans le groupe) ; une égalité de score pour la
  3e place fait entrer tous les ex aequo (``egalite``), jamais départagés en silence.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from analyse import config
from analyse.donnees.codes import CLASSES_POPULATION, TYPES_STRUCTURE, libelle

N_LAUREATS = 3
ANNEXE_METHODE = (
    "L'intervalle de rang à 95 % d'un lauréat vient de 1 000 tirages des scores globaux de sa catégorie, "
    "chacun selon son propre intervalle (même incertitude que les scores), le rang étant recalculé à chaque "
    "tirage. Des lauréats dont les intervalles de rang se recouvrent sont présentés ex aequo, par ordre "
    "alphabétique ; une égalité de score pour la 3e place fait entrer les structures à égalité."
)
PHRASE_EX_AEQUO = "Ex aequo : intervalles de rang qui se recouvrent ; ordre alphabétique."
TYPES_TERRITORIAUX = ("commune", "mairie_annexe", "epci", "departement", "region")
ORDRE_CLASSES = tuple(c for _, c in CLASSES_POPULATION)


def _fusionner_classes(effectifs: list[tuple[str, int]], minimum: int) -> list[list[str]]:
    """Regroupe des classes ordonnées voisines jusqu'à ce que chaque groupe atteigne ``minimum``."""
    groupes = [[c] for c, _ in effectifs]
    tailles = [n for _, n in effectifs]
    while len(groupes) > 1 and min(tailles) < minimum:
        i = tailles.index(min(tailles))
        j = i + 1 if i + 1 < len(groupes) and (i == 0 or tailles[i + 1] <= tailles[i - 1]) else i - 1
        a, b = sorted((i, j))
        groupes[a : b + 1] = [groupes[a] + groupes[b]]
        tailles[a : b + 1] = [tailles[a] + tailles[b]]
    return groupes


def _libelle_classes(classes: list[str]) -> str:
    if len(classes) == 1:
        return f"{classes[0]} habitants"
    bas = classes[0].split("–")[0].replace("< ", "moins de ").replace("≥ ", "")
    haut = classes[-1]
    if haut.startswith("≥"):
        return f"{bas} habitants et plus" if not bas.startswith("moins") else "toutes tailles"
    return f"{bas} à {haut.split('–')[-1].replace('< ', '')} habitants".replace("moins de 2 000 à", "moins de")


def categories_palmares(participants: pd.DataFrame, parametres: config.Parametres = config.PARAMETRES) -> pd.DataFrame:
    """Appartenance des structures aux catégories du palmarès (une structure peut être dans deux catégories).

    Colonnes : structure_id, categorie, ordre. Les catégories de moins de ``taille_min_agregat``
    structures sont fusionnées (classes voisines) ou supprimées.

    >>> p = pd.DataFrame({"structure_id": list("abcdefg"), "type_structure": "commune", "certifie": False,
    ...                   "classe_population": ["< 2 000"] * 5 + ["≥ 100 000"] * 2})
    >>> categories_palmares(p)["categorie"].unique().tolist()
    ['Communes – toutes tailles']
    """
    minimum = parametres.taille_min_agregat
    lignes = []
    for rang_type, type_structure in enumerate(TYPES_STRUCTURE):
        du_type = participants[participants["type_structure"] == type_structure]
        if len(du_type) < minimum:
            continue
        if type_structure not in TYPES_TERRITORIAUX:
            lignes += [(s, libelle(type_structure), (rang_type, 0)) for s in du_type["structure_id"]]
            continue
        classes = du_type["classe_population"].astype(object).where(du_type["classe_population"].notna(), None)
        effectifs = [(c, int((classes == c).sum())) for c in ORDRE_CLASSES if (classes == c).any()]
        for k, groupe in enumerate(_fusionner_classes(effectifs, minimum)):
            membres = du_type.loc[classes.isin(groupe), "structure_id"]
            if len(membres) >= minimum:
                nom = f"{libelle(type_structure)} – {_libelle_classes(groupe)}"
                lignes += [(s, nom, (rang_type, k)) for s in membres]
    certifiees = participants.loc[participants["certifie"].astype(bool), "structure_id"]
    if len(certifiees) >= minimum:
        lignes += [(s, "Structures certifiées", (len(TYPES_STRUCTURE), 0)) for s in certifiees]
    return pd.DataFrame(lignes, columns=["structure_id", "categorie", "ordre"])


def repliques_scores(globaux: pd.DataFrame, n_tirages: int, graine: int, niveau: float = 0.95) -> np.ndarray:
    """Scores globaux simulés (structures × tirages) : score + erreur type × N(0, 1).

    L'erreur type est la colonne ``erreur_type`` de la table ``scores`` ; à défaut, la
    demi-largeur de l'intervalle divisée par z.

    >>> g = pd.DataFrame({"score": [80.0, 60.0], "erreur_type": [2.0, 0.0]})
    >>> r = repliques_scores(g, 500, 1)
    >>> r.shape, bool(r[1].std() == 0 and 3 < 2 * r[0].std() < 5)
    ((2, 500), True)
    """
    if "erreur_type" in globaux and globaux["erreur_type"].notna().all():
        erreur = globaux["erreur_type"].to_numpy(dtype=float)
    else:
        z = float(stats.norm.ppf(0.5 + niveau / 2))
        erreur = (globaux["ic_haut"] - globaux["ic_bas"]).to_numpy(dtype=float) / (2 * z)
    tirages = np.random.default_rng(graine).standard_normal((len(globaux), n_tirages))
    return globaux["score"].to_numpy(dtype=float)[:, None] + erreur[:, None] * tirages


def marquer_ex_aequo(tete: pd.DataFrame) -> pd.DataFrame:
    """Lauréats (triés par rang) dont les intervalles de rang se recouvrent, de proche en proche :
    ``ex_aequo`` vrai, ``rang_affiche`` = meilleur rang du groupe, ordre alphabétique dans le groupe.

    >>> t = pd.DataFrame({"nom": ["B", "A", "C"], "rang": [1, 2, 3], "rang_bas": [1, 1, 3], "rang_haut": [2, 2, 5]})
    >>> marquer_ex_aequo(t)[["nom", "rang_affiche", "ex_aequo"]].values.tolist()
    [['A', 1, True], ['B', 1, True], ['C', 3, False]]
    """
    tete = tete.sort_values(["rang", "nom"], kind="stable").reset_index(drop=True)
    chevauche = tete["rang_bas"].to_numpy()[1:] <= tete["rang_haut"].cummax().to_numpy()[:-1]
    groupe = np.cumsum(np.r_[True, ~chevauche])
    taille = pd.Series(groupe).map(pd.Series(groupe).value_counts()).to_numpy()
    tete = tete.assign(
        _groupe=groupe, ex_aequo=taille > 1, rang_affiche=tete.groupby(groupe)["rang"].transform("min").astype(int)
    )
    return tete.sort_values(["_groupe", "nom"], kind="stable").drop(columns="_groupe").reset_index(drop=True)


def intervalles_de_rang(scores: pd.Series, repliques: np.ndarray, niveau: float = 0.95) -> pd.DataFrame:
    """Rang observé (1 = meilleur) et intervalle de rang percentile dans un groupe.

    >>> s = pd.Series([90.0, 50.0], index=["a", "b"])
    >>> intervalles_de_rang(s, np.array([[89, 91, 90], [49, 51, 50.0]]))[["rang", "rang_bas", "rang_haut"]].values.tolist()
    [[1, 1, 1], [2, 2, 2]]
    """
    rangs = (-repliques).argsort(axis=0).argsort(axis=0) + 1
    alpha = (1 - niveau) / 2
    return pd.DataFrame(
        {
            "structure_id": scores.index,
            "score": scores.to_numpy(),
            "rang": scores.rank(ascending=False, method="min").astype(int).to_numpy(),
            "rang_bas": np.floor(np.quantile(rangs, alpha, axis=1)).astype(int),
            "rang_haut": np.ceil(np.quantile(rangs, 1 - alpha, axis=1)).astype(int),
        }
    )


def calculer_palmares(tables: dict, parametres: config.Parametres = config.PARAMETRES) -> dict[str, pd.DataFrame]:
    """Palmarès d'une édition : ``categories`` (effectifs et moyenne) et ``laureats`` (3 par catégorie).

    ``tables`` : participants, contacts, scores de l'édition (``edition.charger_edition``).

    >>> sorted(calculer_palmares.__annotations__)[:1]
    ['parametres']
    """
    participants, scores = tables["participants"], tables["scores"]
    membres = categories_palmares(participants, parametres)
    globaux = scores[scores["niveau"] == "global"].set_index("structure_id")
    repliques = repliques_scores(globaux, parametres.n_bootstrap, parametres.graine, parametres.niveau_confiance)
    ligne_de = {s: i for i, s in enumerate(globaux.index)}
    noms = participants.set_index("structure_id")["nom"]
    resume, laureats = [], []
    for (ordre, categorie), groupe in membres.groupby(["ordre", "categorie"], sort=True):
        sids = [s for s in groupe["structure_id"] if s in globaux.index and s in ligne_de]
        if len(sids) < parametres.taille_min_agregat:
            continue
        observe = globaux.loc[sids, "score"]
        rangs = intervalles_de_rang(observe, repliques[[ligne_de[s] for s in sids]], parametres.niveau_confiance)
        resume.append({"categorie": categorie, "n_structures": len(sids), "score_moyen": float(observe.mean())})
        tete = rangs[rangs["rang"] <= N_LAUREATS].assign(nom=lambda d: [str(noms.get(x, x)) for x in d["structure_id"]])
        tete = marquer_ex_aequo(tete.assign(egalite=tete["rang"].duplicated(keep=False)))
        for _, r in tete.iterrows():
            laureats.append(
                {
                    "categorie": categorie,
                    "rang": int(r["rang"]),
                    "structure_id": r["structure_id"],
                    "nom": r["nom"],
                    "score": r["score"],
                    "ic_bas": globaux.loc[r["structure_id"], "ic_bas"],
                    "ic_haut": globaux.loc[r["structure_id"], "ic_haut"],
                    "rang_bas": int(r["rang_bas"]),
                    "rang_haut": int(r["rang_haut"]),
                    "n_structures": len(sids),
                    "rang_affiche": int(r["rang_affiche"]),
                    "ex_aequo": bool(r["ex_aequo"]),
                    "egalite": bool(r["egalite"]),
                }
            )
    return {
        "categories": pd.DataFrame(resume, columns=["categorie", "n_structures", "score_moyen"]),
        "laureats": pd.DataFrame(
            laureats,
            columns=[
                "categorie",
                "rang",
                "structure_id",
                "nom",
                "score",
                "ic_bas",
                "ic_haut",
                "rang_bas",
                "rang_haut",
                "n_structures",
                "rang_affiche",
                "ex_aequo",
                "egalite",
            ],
        ),
    }
