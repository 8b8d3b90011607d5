"""Schémas des tables préparées (``processed/<table>/``), vérifiés avant écriture.

Une table = un schéma : colonnes, types, codes autorisés, bornes. Les mêmes
grandeurs portent le même nom de colonne dans toutes les tables.
"""

from __future__ import annotations

import pandera.pandas as pa
from pandera.pandas import Check, Column, DataFrameSchema

from .codes import (
    CANAUX,
    CERTIFICATIONS,
    DETERMINANTS,
    ETAPES,
    NIVEAUX_SCORE,
    SCENARIOS,
    TYPES_REPONSE,
    TYPES_STRUCTURE,
)

_ANNEE = Column("int64", Check.in_range(1990, 2100))
_TEXTE = Column(str, nullable=True, coerce=True)
_ID = Column(str, Check.str_length(min_value=1), coerce=True)
_DATE = Column("datetime64[ns]", nullable=True)


def _code(codes, nullable=False):
    return Column(str, Check.isin(list(codes)), nullable=nullable, coerce=True)


def _certifications_valides(serie):
    autorises = set(CERTIFICATIONS)
    return serie.map(lambda v: all(c in autorises for c in v.split("|") if c))


EDITIONS = DataFrameSchema(
    {
        "annee": _ANNEE,
        "numero": Column("int64", Check.ge(1)),
        "debut_terrain": _DATE,
        "fin_terrain": _DATE,
        "libelle": _TEXTE,
    },
    unique=["annee"],
    strict=True,
)

PARTICIPANTS = DataFrameSchema(
    {
        "annee": _ANNEE,
        "structure_id": _ID,
        "nom": Column(str, coerce=True),
        "type_structure": _code(TYPES_STRUCTURE),
        "sous_type": _TEXTE,
        "population": Column("Int64", Check.ge(0), nullable=True),
        "code_geo": _TEXTE,
        "region": _TEXTE,
        "certifications": Column(str, Check(_certifications_valides), coerce=True),
        "certifie": Column(bool),
        "classe_population": _TEXTE,
    },
    unique=["annee", "structure_id"],
    strict=True,
)

GRILLE = DataFrameSchema(
    {
        "annee": _ANNEE,
        "code_question": _ID,
        "libelle": _TEXTE,
        "canal": _code(CANAUX),
        "etape": _code(ETAPES),
        "determinant": _code(DETERMINANTS),
        "type_reponse": _code(TYPES_REPONSE),
        "points_max": Column(float, Check.ge(0)),
        "bareme": _TEXTE,
        "indicateur": _TEXTE,
    },
    unique=["annee", "code_question"],
    strict=True,
)

CONTACTS = DataFrameSchema(
    {
        "annee": _ANNEE,
        "id_contact": _ID,
        "structure_id": _ID,
        "canal": _code(CANAUX),
        "scenario": _code(SCENARIOS),
        "date_contact": Column("datetime64[ns]"),
        "vague": Column("Int64", nullable=True),
        "enqueteur": _TEXTE,
        "points": Column(float, Check.ge(0)),
        "points_max": Column(float, Check.ge(0)),
        "n_reponses": Column("int64", Check.ge(0)),
        "score": Column(float, Check.in_range(0, 100), nullable=True),
    },
    unique=["annee", "id_contact"],
    strict=True,
)

REPONSES = DataFrameSchema(
    {
        "annee": _ANNEE,
        "id_contact": _ID,
        "structure_id": _ID,
        "canal": _code(CANAUX),
        "code_question": _ID,
        "indicateur": _TEXTE,
        "determinant": _code(DETERMINANTS),
        "etape": _code(ETAPES),
        "type_reponse": _code(("oui_non", "echelle4", "nombre")),
        "valeur": Column(float),
        "points": Column(float, Check.ge(0)),
        "points_max": Column(float, Check.ge(0)),
    },
    strict=True,
)

TEXTES_AUDIT = DataFrameSchema(
    {
        "annee": _ANNEE,
        "id_contact": _ID,
        "structure_id": _ID,
        "canal": _code(CANAUX),
        "code_question": _ID,
        "indicateur": _TEXTE,
        "texte": Column(str, coerce=True),
    },
    strict=True,
)

_NOTES = {
    f"note_{d}": Column("Int64", Check.in_range(1, 5), nullable=True) for d in DETERMINANTS
}

ENQUETE = DataFrameSchema(
    {
        "annee": _ANNEE,
        "id_reponse": _ID,
        "structure_id": _ID,
        "date_reponse": Column("datetime64[ns]"),
        "canal": _code(CANAUX, nullable=True),
        "satisfaction": Column("Int64", Check.in_range(0, 10)),
        **_NOTES,
        "commentaire": _TEXTE,
    },
    unique=["annee", "id_reponse"],
    strict=True,
)

AVIS = DataFrameSchema(
    {
        "annee": _ANNEE,
        "id_avis": _ID,
        "structure_id": _ID,
        "plateforme": _TEXTE,
        "date_avis": Column("datetime64[ns]"),
        "note": Column("Int64", Check.in_range(1, 5)),
        "texte": _TEXTE,
        "date_reponse": _DATE,
        "delai_reponse_jours": Column(float, Check.ge(0), nullable=True),
    },
    unique=["annee", "id_avis"],
    strict=True,
)

SCORES = DataFrameSchema(
    {
        "annee": _ANNEE,
        "structure_id": _ID,
        "niveau": _code(NIVEAUX_SCORE),
        "modalite": Column(str, coerce=True),
        "score": Column(float, Check.in_range(0, 100)),
        "ic_bas": Column(float, Check.in_range(0, 100)),
        "ic_haut": Column(float, Check.in_range(0, 100)),
        "n_contacts": Column("int64", Check.ge(1)),
        "fragile": Column(bool),
    },
    checks=[
        Check(lambda d: (d["ic_bas"] <= d["score"] + 1e-9).all(), error="ic_bas > score"),
        Check(lambda d: (d["score"] <= d["ic_haut"] + 1e-9).all(), error="score > ic_haut"),
        Check(
            lambda d: ((d["niveau"] == "global") == (d["modalite"] == "")).all(),
            error="modalite vide si et seulement si niveau global",
        ),
    ],
    unique=["annee", "structure_id", "niveau", "modalite"],
    strict=True,
)

REJETS = DataFrameSchema(
    {
        "annee": _ANNEE,
        "fichier": Column(str, coerce=True),
        "ligne": Column("int64", Check.ge(1)),
        "colonne": Column(str, coerce=True),
        "motif": Column(str, coerce=True),
        "valeur": _TEXTE,
    },
    strict=True,
)

def _listes_determinants(serie):
    return serie.map(lambda v: all(d in DETERMINANTS for d in v.split("|") if d))


def _schemas_ecoute() -> dict:
    """Schémas des tables des canaux d'écoute (``analyse.signaux``, ``analyse.spplus``)."""
    from .signaux import CANAUX_SIGNAL, ISSUES_APPEL, ORIGINES, POLARITES, SOURCES

    signaux = DataFrameSchema(
        {
            "annee": _ANNEE,
            "id_signal": _ID,
            "structure_id": _ID,
            "date_signal": Column("datetime64[ns]"),
            "source": _code(SOURCES),
            "canal": _code(CANAUX_SIGNAL, nullable=True),
            "origine": _code(ORIGINES),
            "note_100": Column(float, Check.in_range(0, 100), nullable=True),
            "polarite": _code(POLARITES, nullable=True),
            "origine_polarite": _code(("fichier", "note", "source"), nullable=True),
            "determinant": _code(DETERMINANTS, nullable=True),
            "determinants": Column(str, Check(_listes_determinants), coerce=True),
            "origine_determinant": _code(("fichier", "lexique"), nullable=True),
            "date_reponse": _DATE,
            "delai_reponse_jours": Column(float, Check.ge(0), nullable=True),
            "repondu": Column(bool),
            "texte": _TEXTE,
        },
        unique=["annee", "id_signal"],
        strict=True,
    )
    appels = DataFrameSchema(
        {
            "annee": _ANNEE,
            "id_appel": _ID,
            "structure_id": _ID,
            "debut_appel": Column("datetime64[ns]"),
            "jour_semaine": Column("int64", Check.in_range(0, 6)),
            "heure": Column("int64", Check.in_range(0, 23)),
            "attente_secondes": Column(float, Check.ge(0)),
            "issue": _code(ISSUES_APPEL),
            "duree_secondes": Column(float, Check.ge(0), nullable=True),
            "poste": _TEXTE,
        },
        unique=["annee", "id_appel"],
        strict=True,
    )
    indicateurs = DataFrameSchema(
        {
            "annee": _ANNEE,
            "structure_id": _ID,
            "code_spplus": _ID,
            "type_spplus": _TEXTE,
            "nom_spplus": _TEXTE,
            "code_postal": _TEXTE,
            "ville": _TEXTE,
            "indicateur": _ID,
            "valeur": Column(float),
            "frequence": _TEXTE,
            "date_maj": _DATE,
        },
        strict=True,
    )
    return {"signaux": signaux, "appels": appels, "indicateurs_spplus": indicateurs}


SCHEMAS = {
    "editions": EDITIONS,
    "participants": PARTICIPANTS,
    "grille": GRILLE,
    "contacts": CONTACTS,
    "reponses": REPONSES,
    "textes_audit": TEXTES_AUDIT,
    "enquete": ENQUETE,
    "avis": AVIS,
    "scores": SCORES,
    "rejets": REJETS,
}
SCHEMAS.update(_schemas_ecoute())


def valider(nom_table: str, table):
    """Vérifie une table préparée contre son schéma ; lève une erreur en français sinon."""
    try:
        return SCHEMAS[nom_table].validate(table, lazy=True)
    except pa.errors.SchemaErrors as erreur:
        resume = erreur.failure_cases.head(10).to_string()
        raise ValueError(
            f"La table préparée « {nom_table} » ne respecte pas son schéma :\n{resume}"
        ) from None
