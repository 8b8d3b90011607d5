"""Palmarès : présentation (tableaux des lauréats et phrase de synthèse)."""

from __future__ import annotations

import pandas as pd

from analyse.formatage import BlocHTML, intervalle_fr
from analyse.rapports.gabarits import rendre
from analyse.statistiques.palmares import calculer_palmares  # noqa: F401 (API du notebook)


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
    return rendre("palmares.html.j2", source=source, categories=[
        {"categorie": c["categorie"], "n_structures": c["n_structures"], "score_moyen": c["score_moyen"],
         "table": tableau_laureats(laureats[laureats["categorie"] == c["categorie"]])}
        for _, c in categories.iterrows()])


def tableau_laureats(t: pd.DataFrame) -> pd.DataFrame:
    """Tableau des lauréats d'une catégorie : rang, nom, score, intervalles de score et de rang.

    >>> t = pd.DataFrame({"rang": [1], "nom": ["Mairie"], "score": [80.0], "ic_bas": [78.0], "ic_haut": [82.0],
    ...                   "rang_bas": [1], "rang_haut": [2]})
    >>> tableau_laureats(t)["Rang : intervalle à 95 %"].tolist()
    ['1er à 2e']
    """
    return pd.DataFrame({
        "Rang": [_ordinal(r) for r in t["rang"]],
        "Structure": t["nom"],
        "Score global": t["score"],
        "IC à 95 %": [intervalle_fr(b, h) for b, h in zip(t["ic_bas"], t["ic_haut"])],
        "Rang : intervalle à 95 %": [_intervalle_rang(b, h) for b, h in zip(t["rang_bas"], t["rang_haut"])],
    })


def phrase_palmares(palmares: dict) -> BlocHTML:
    """Phrase d'introduction : nombre de catégories et méthode des intervalles de rang.

    >>> "catégorie" in str(phrase_palmares({"categories": pd.DataFrame({"categorie": ["A"]}), "laureats": pd.DataFrame()}))
    True
    """
    return rendre("palmares_phrase.html.j2", n=len(palmares["categories"]))
