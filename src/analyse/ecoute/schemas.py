"""Schémas (pandera) des tables des canaux d'écoute, ajoutés au registre de ``analyse.donnees.schemas``."""

from __future__ import annotations

from pandera.pandas import Check, Column, DataFrameSchema

from analyse.donnees import schemas
from analyse.donnees.codes import DETERMINANTS, THEMES_SPPLUS
from analyse.donnees.schemas import COL_ANNEE, COL_DATE, COL_ID, COL_TEXTE, colonne_code
from analyse.ecoute.signaux import CANAUX_SIGNAL, ISSUES_APPEL, ORIGINES, POLARITES, SOURCES


def _listes_determinants(serie):
    return serie.map(lambda v: all(d in DETERMINANTS for d in v.split("|") if d))


def schemas_ecoute() -> dict:
    """Schémas des tables des canaux d'écoute (``analyse.ecoute.signaux``, ``analyse.ecoute.spplus``)."""
    signaux = DataFrameSchema(
        {
            "annee": COL_ANNEE,
            "id_signal": COL_ID,
            "structure_id": COL_ID,
            "date_signal": Column("datetime64[ns]"),
            "source": colonne_code(SOURCES),
            "canal": colonne_code(CANAUX_SIGNAL, nullable=True),
            "origine": colonne_code(ORIGINES),
            "note_100": Column(float, Check.in_range(0, 100), nullable=True),
            "polarite": colonne_code(POLARITES, nullable=True),
            "origine_polarite": colonne_code(("fichier", "note", "source"), nullable=True),
            "determinant": colonne_code(DETERMINANTS, nullable=True),
            "determinants": Column(str, Check(_listes_determinants), coerce=True),
            "origine_determinant": colonne_code(("fichier", "themes", "lexique"), nullable=True),
            "date_reponse": COL_DATE,
            "date_publication": COL_DATE,
            "delai_reponse_jours": Column(float, Check.ge(0), nullable=True),
            "repondu": Column(bool),
            "texte": COL_TEXTE,
        },
        unique=["annee", "id_signal"],
        strict=True,
    )
    appels = DataFrameSchema(
        {
            "annee": COL_ANNEE,
            "id_appel": COL_ID,
            "structure_id": COL_ID,
            "debut_appel": Column("datetime64[ns]"),
            "jour_semaine": Column("int64", Check.in_range(0, 6)),
            "heure": Column("int64", Check.in_range(0, 23)),
            "attente_secondes": Column(float, Check.ge(0)),
            "issue": colonne_code(ISSUES_APPEL),
            "duree_secondes": Column(float, Check.ge(0), nullable=True),
            "poste": COL_TEXTE,
        },
        unique=["annee", "id_appel"],
        strict=True,
    )
    indicateurs = DataFrameSchema(
        {
            "annee": COL_ANNEE,
            "structure_id": COL_ID,
            "code_spplus": COL_ID,
            "type_spplus": COL_TEXTE,
            "reseau": COL_TEXTE,
            "nom_spplus": COL_TEXTE,
            "code_postal": COL_TEXTE,
            "ville": COL_TEXTE,
            "indicateur": COL_ID,
            "titre_indicateur": COL_TEXTE,
            "valeur": Column(float),
            "frequence": COL_TEXTE,
            "date_maj": COL_DATE,
        },
        strict=True,
    )
    themes = DataFrameSchema(
        {
            "annee": COL_ANNEE,
            "id_signal": COL_ID,
            "structure_id": COL_ID,
            "date_signal": Column("datetime64[ns]"),
            "theme": colonne_code(tuple(THEMES_SPPLUS)),
            "determinant": colonne_code(DETERMINANTS, nullable=True),
            "polarite": colonne_code(POLARITES),
        },
        unique=["annee", "id_signal", "theme"],
        strict=True,
    )
    return {"signaux": signaux, "appels": appels, "indicateurs_spplus": indicateurs, "themes_spplus": themes}


schemas.enregistrer(schemas_ecoute())
