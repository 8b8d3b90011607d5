"""Palmarès : présentation (tableaux des lauréats et phrase de synthèse)."""

from __future__ import annotations

import html

import pandas as pd

from analyse.formatage import BlocHTML, intervalle_fr, nombre_fr
from analyse.rapports.gabarits import tableau_html
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
    if categories.empty:
        return BlocHTML("<p>Aucune catégorie ne compte assez de structures pour établir un palmarès.</p>")
    blocs = []
    for _, c in categories.iterrows():
        t = laureats[laureats["categorie"] == c["categorie"]]
        table = pd.DataFrame({
            "Rang": [_ordinal(r) for r in t["rang"]],
            "Structure": t["nom"],
            "Score global": t["score"],
            "IC à 95 %": [intervalle_fr(b, h) for b, h in zip(t["ic_bas"], t["ic_haut"])],
            "Rang : intervalle à 95 %": [_intervalle_rang(b, h) for b, h in zip(t["rang_bas"], t["rang_haut"])],
        })
        blocs.append(str(tableau_html(
            table, f"{c['categorie']} ({nombre_fr(c['n_structures'], 0)} structures, moyenne {nombre_fr(c['score_moyen'])})",
            source)))
    note = ("<p class=\"note\">Seuls les trois premiers de chaque catégorie sont nommés ; les autres participants ne sont "
            "ni cités ni classés. Un intervalle de rang large, ou qui recouvre celui d'un autre lauréat, signale un "
            "ordre incertain : l'écart de score n'est alors pas net. Catégories de moins de 5 structures fusionnées "
            "avec la classe de population voisine, ou supprimées.</p>")
    return BlocHTML(note + "".join(blocs))


def phrase_palmares(palmares: dict) -> BlocHTML:
    """Phrase d'introduction : nombre de catégories et méthode des intervalles de rang.

    >>> "catégorie" in str(phrase_palmares({"categories": pd.DataFrame({"categorie": ["A"]}), "laureats": pd.DataFrame()}))
    True
    """
    n = len(palmares["categories"])
    return BlocHTML(
        f"<p>Le palmarès distingue {n} catégorie(s) : type de structure croisé avec la classe de population, "
        "structures certifiées et autres services publics. L'intervalle de rang à 95 % vient d'un bootstrap des "
        "contacts de chaque structure (au sein de chaque canal), le rang étant recalculé dans la catégorie à "
        f"chaque réplication.</p>".replace("{n}", html.escape(str(n))))
