"""Palmarès : présentation (tableaux des lauréats et phrase de synthèse)."""

from __future__ import annotations

import pandas as pd

from analyse.formatage import BlocHTML, intervalle_fr
from analyse.rapports.gabarits import rendre
from analyse.statistiques.palmares import (
    ANNEXE_METHODE,
    PHRASE_EX_AEQUO,
    calculer_palmares,  # noqa: F401 (API du notebook)
)
from analyse.statistiques.verdicts import verdict_rang


def _ordinal(rang: int) -> str:
    return "1er" if rang == 1 else f"{rang}e"


def _intervalle_rang(bas: int, haut: int) -> str:
    return _ordinal(bas) if bas == haut else f"{_ordinal(bas)} à {_ordinal(haut)}"


def bloc_palmares(palmares: dict, source: str) -> BlocHTML:
    """Section du rapport national : un tableau des 3 lauréats par catégorie, rien sur les autres.

    >>> "Aucune catégorie" in str(bloc_palmares({"categories": pd.DataFrame(), "laureats": pd.DataFrame()}, "Source"))
    True
    """
    categories, laureats = palmares["categories"], palmares["laureats"]
    return rendre(
        "palmares.html.j2",
        source=source,
        phrase_ex_aequo=PHRASE_EX_AEQUO,
        categories=[
            {
                "categorie": c["categorie"],
                "n_structures": c["n_structures"],
                "score_moyen": c["score_moyen"],
                "table": tableau_laureats(laureats[laureats["categorie"] == c["categorie"]]),
            }
            for _, c in categories.iterrows()
        ],
    )


def tableau_laureats(t: pd.DataFrame) -> pd.DataFrame:
    """Tableau des lauréats d'une catégorie : rang (ex aequo quand les intervalles de rang se
    recouvrent), nom, score, intervalles de score et de rang.

    >>> t = pd.DataFrame({"rang": [1, 2], "nom": ["Mairie A", "Mairie B"], "score": [80.0, 79.0],
    ...     "ic_bas": [78.0, 77.0], "ic_haut": [82.0, 81.0], "rang_bas": [1, 1], "rang_haut": [2, 2],
    ...     "rang_affiche": [1, 1], "ex_aequo": [True, True]})
    >>> tableau_laureats(t)[["Rang", "Rang : intervalle à 95 %"]].values.tolist()
    [['1er ex aequo', '1er à 2e'], ['1er ex aequo', '1er à 2e']]
    """
    rangs = t["rang_affiche"] if "rang_affiche" in t else t["rang"]
    ex_aequo = t["ex_aequo"] if "ex_aequo" in t else pd.Series(False, index=t.index)
    return pd.DataFrame(
        {
            "Rang": [
                verdict_rang(int(r), int(b), int(h), bool(e)).mot
                for r, b, h, e in zip(rangs, t["rang_bas"], t["rang_haut"], ex_aequo)
            ],
            "Structure": t["nom"],
            "Score global": t["score"],
            "IC à 95 %": [intervalle_fr(b, h) for b, h in zip(t["ic_bas"], t["ic_haut"])],
            "Rang : intervalle à 95 %": [_intervalle_rang(b, h) for b, h in zip(t["rang_bas"], t["rang_haut"])],
        }
    )


def phrase_palmares(palmares: dict) -> BlocHTML:
    """Phrase d'introduction : nombre de catégories et méthode des intervalles de rang.

    >>> "catégorie" in str(phrase_palmares({"categories": pd.DataFrame({"categorie": ["A"]}), "laureats": pd.DataFrame()}))
    True
    """
    return rendre("palmares_phrase.html.j2", n=len(palmares["categories"]), methode=ANNEXE_METHODE)
