"""Conventions d'écriture des fichiers de démonstration, édition par édition (encodage, séparateur…)."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Convention:
    """Conventions d'écriture d'une édition (ce que le prestataire a produit)."""

    encodage: str
    separateur: str
    decimale: str
    format_date: str
    milliers: str
    fin_ligne: str
    casse_mixte: bool = False
    jeton_manquant: str = ""  # jeton écrit pour une réponse sans objet (une fois sur deux)


_FR_BOM = dict(encodage="utf-8-sig", separateur=";", decimale=",", format_date="%d/%m/%Y", fin_ligne="\r\n")
_FR_1252 = dict(encodage="cp1252", separateur=";", decimale=",", format_date="%d/%m/%Y", fin_ligne="\r\n")
_ISO = dict(encodage="utf-8", separateur=",", decimale=".", format_date="%Y-%m-%d", milliers="", fin_ligne="\n")
CONVENTIONS = {
    2012: Convention(**_FR_1252, milliers=" "),
    2013: Convention(**_FR_BOM, milliers="\u00a0"),
    2014: Convention(**_ISO),
    2015: Convention(**_FR_BOM, milliers=" ", jeton_manquant="Sans objet"),
    2016: Convention(**_ISO, casse_mixte=True),
    2017: Convention(**_FR_1252, milliers="\u00a0"),
    2018: Convention(**_ISO, jeton_manquant="NA"),
    2020: Convention(**_FR_BOM, milliers="\u00a0", casse_mixte=True),
    2021: Convention(**_ISO, jeton_manquant="NC"),
    2022: Convention(**_FR_BOM, milliers=" ", jeton_manquant="Sans objet"),
}
CONVENTION_EDITIONS = Convention(**_FR_BOM, milliers=" ")
