"""Gabarits Jinja2 des rapports : un seul environnement, échappement automatique.

Les fonctions de calcul renvoient des données (tables, dictionnaires) ; les gabarits
(``analyse/gabarits/*.html.j2``) les mettent en HTML et portent le libellé français :
un texte se corrige dans le gabarit, sans toucher au Python. Tout texte inséré est
échappé, sauf un fragment déjà HTML (``BlocHTML``, ``Markup``).

Filtres disponibles dans les gabarits : ``nombre_fr``, ``pourcent_fr``, ``intervalle_fr``
(``{{ bas | intervalle_fr(haut) }}``), ``date_fr``, ``mois_fr``, ``ecart_fr`` (signe explicite),
``points`` (« 68,5 points sur 100 »), ``pct`` (valeur déjà en pour cent),
``liste_fr`` (« a, b et c »), ``accorder`` (``{{ n | accorder("catégorie") }}`` : « 16 catégories »),
``accord`` (le mot seul : ``{{ n | accord("point") }}``), ``typographie_fr`` (espaces fines,
appliquées de toute façon au texte rendu). Test : ``x is manquant`` (None ou NaN). Fonction globale :
``tableau(df, legende, …)``.
"""

from __future__ import annotations

import functools

import pandas as pd
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from analyse.formatage import (
    ESPACE_FINE,
    BlocHTML,
    accorder,
    cellule_fr,
    date_fr,
    forme_accordee,
    intervalle_fr,
    mois_fr,
    nombre_fr,
    pourcent_fr,
    typographie_fr,
    typographie_html,
)


def ecart_fr(x, decimales: int = 1) -> str:
    """Écart signé à la française (« +2,5 », « -1,0 », « – » si absent).

    >>> ecart_fr(2.46), ecart_fr(-1.0), ecart_fr(float("nan"))
    ('+2,5', '-1,0', '–')
    """
    if pd.isna(x):
        return "–"
    return ("+" if x > 0 else "") + nombre_fr(x, decimales)


def points(x) -> str:
    """Score écrit « 68,5 points sur 100 ».

    >>> points(68.46)
    '68,5 points sur 100'
    """
    return f"{nombre_fr(x)} points sur 100"


def pct(x, decimales: int = 1) -> str:
    """Valeur déjà en pour cent écrite à la française (« 12,5 % », espace fine insécable).

    >>> pct(12.46)
    '12,5\u202f%'
    """
    return f"{nombre_fr(x, decimales)}{ESPACE_FINE}%"


def liste_fr(mots) -> str:
    """Énumération française : « a », « a et b », « a, b et c ».

    >>> liste_fr(["accueil", "attente", "courtoisie"])
    'accueil, attente et courtoisie'
    """
    mots = [str(m) for m in mots]
    return mots[0] if len(mots) == 1 else f"{', '.join(mots[:-1])} et {mots[-1]}"


@functools.cache
def environnement() -> Environment:
    """L'environnement Jinja2 unique des rapports (échappement automatique, variables strictes).

    >>> environnement().autoescape
    True
    """
    env = Environment(
        loader=PackageLoader("analyse", "gabarits"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
    )
    env.filters.update(
        nombre_fr=nombre_fr,
        pourcent_fr=pourcent_fr,
        intervalle_fr=intervalle_fr,
        date_fr=date_fr,
        mois_fr=mois_fr,
        ecart_fr=ecart_fr,
        points=points,
        pct=pct,
        liste_fr=liste_fr,
        accorder=accorder,
        accord=forme_accordee,
        typographie_fr=typographie_fr,
    )
    env.tests["manquant"] = lambda x: x is None or (not isinstance(x, str) and bool(pd.isna(x)))
    env.globals.update(tableau=lambda *args, **kwargs: Markup(tableau_html(*args, **kwargs).contenu))
    return env


def rendre(nom: str, /, **donnees) -> BlocHTML:
    """Rend le gabarit ``analyse/gabarits/<nom>`` avec ces données, en typographie française
    (espaces fines insécables dans le texte : ``typographie_html``).

    >>> str(rendre("paragraphe.html.j2", texte="Score < 50", classe=None))
    '<p>Score &lt; 50</p>'
    """
    return BlocHTML(typographie_html(environnement().get_template(nom).render(**donnees).strip()))


def paragraphe(texte: str, classe: str | None = None) -> BlocHTML:
    """Paragraphe HTML (le texte est échappé).

    >>> str(paragraphe("Score < 50", "note"))
    '<p class="note">Score &lt; 50</p>'
    """
    return rendre("paragraphe.html.j2", texte=texte, classe=classe)


def cellules(
    df: pd.DataFrame, decimales: int | dict = 1, colonnes_url: tuple = (), entete_ligne: bool = True
) -> list[list[dict]]:
    """Cellules d'un tableau : texte français, numérique ou non, lien, en-tête de ligne.

    >>> cellules(pd.DataFrame({"Canal": ["Courriel"], "Score": [68.46]}))[0][1]
    {'texte': '68,5', 'nombre': True, 'entete': False, 'url': False}
    """
    lignes = []
    for valeurs in df.itertuples(index=False, name=None):
        ligne = []
        for i, (colonne, valeur) in enumerate(zip(df.columns, valeurs)):
            dec = decimales.get(colonne, 1) if isinstance(decimales, dict) else decimales
            texte, numerique = cellule_fr(valeur, dec)
            ligne.append(
                {
                    "texte": texte,
                    "nombre": numerique,
                    "entete": entete_ligne and i == 0,
                    "url": colonne in colonnes_url and texte.startswith("http"),
                }
            )
        lignes.append(ligne)
    return lignes


def tableau_html(
    df: pd.DataFrame,
    legende: str,
    source: str | None = None,
    decimales: int | dict = 1,
    colonnes_url: tuple = (),
    note: str | None = None,
    entete_ligne: bool = True,
) -> BlocHTML:
    """Tableau HTML accessible à la française : légende dans ``<caption>``, en-têtes ``<th scope>``.

    ``decimales`` : un entier pour toutes les colonnes décimales, ou un dictionnaire
    colonne → décimales. Les colonnes de ``colonnes_url`` deviennent des liens. La première
    colonne libelle la ligne (``<th scope="row">``) sauf ``entete_ligne=False``.

    >>> t = str(tableau_html(pd.DataFrame({"Canal": ["Courriel"], "Score": [68.46]}), "Scores"))
    >>> "<caption>Scores</caption>" in t and '<th scope="row">Courriel</th>' in t and "68,5" in t
    True
    """
    return rendre(
        "tableau.html.j2",
        colonnes=[typographie_fr(str(c)) for c in df.columns],
        legende=typographie_fr(legende),
        source=typographie_fr(source) if source else source,
        note=typographie_fr(note) if note else note,
        lignes=cellules(df, decimales, colonnes_url, entete_ligne),
    )
