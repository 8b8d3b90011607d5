"""Schémas des tables préparées (``processed/<table>/``), vérifiés avant écriture.

Une table = un schéma : colonnes, types, codes autorisés, bornes. Les mêmes
grandeurs portent le même nom de colonne dans toutes les tables.
"""

from __future__ import annotations

import pandera.pandas as pa
from pandera.pandas import Check, Column, DataFrameSchema

from analyse.donnees.codes import (
    CANAUX,
    CERTIFICATIONS,
    DETERMINANTS,
    ETAPES,
    NIVEAUX_SCORE,
    SCENARIOS,
    TYPES_REPONSE,
    TYPES_STRUCTURE,
)

COL_ANNEE = Column("int64", Check.in_range(1990, 2100))
COL_TEXTE = Column(str, nullable=True, coerce=True)
COL_ID = Column(str, Check.str_length(min_value=1), coerce=True)
COL_DATE = Column("datetime64[ns]", nullable=True)


def colonne_code(codes, nullable=False):
    return Column(str, Check.isin(list(codes)), nullable=nullable, coerce=True)


def _certifications_valides(serie):
    autorises = set(CERTIFICATIONS)
    return serie.map(lambda v: all(c in autorises for c in v.split("|") if c))


EDITIONS = DataFrameSchema(
    {
        "annee": COL_ANNEE,
        "numero": Column("int64", Check.ge(1)),
        "debut_terrain": COL_DATE,
        "fin_terrain": COL_DATE,
        "libelle": COL_TEXTE,
    },
    unique=["annee"],
    strict=True,
)

PARTICIPANTS = DataFrameSchema(
    {
        "annee": COL_ANNEE,
        "structure_id": COL_ID,
        "nom": Column(str, coerce=True),
        "type_structure": colonne_code(TYPES_STRUCTURE),
        "sous_type": COL_TEXTE,
        "population": Column("Int64", Check.ge(0), nullable=True),
        "code_geo": COL_TEXTE,
        "region": COL_TEXTE,
        "certifications": Column(str, Check(_certifications_valides), coerce=True),
        "certifie": Column(bool),
        "classe_population": COL_TEXTE,
    },
    unique=["annee", "structure_id"],
    strict=True,
)

GRILLE = DataFrameSchema(
    {
        "annee": COL_ANNEE,
        "code_question": COL_ID,
        "libelle": COL_TEXTE,
        "canal": colonne_code(CANAUX),
        "etape": colonne_code(ETAPES),
        "determinant": colonne_code(DETERMINANTS),
        "type_reponse": colonne_code(TYPES_REPONSE),
        "points_max": Column(float, Check.ge(0)),
        "bareme": COL_TEXTE,
        "indicateur": COL_TEXTE,
    },
    unique=["annee", "code_question"],
    strict=True,
)

CONTACTS = DataFrameSchema(
    {
        "annee": COL_ANNEE,
        "id_contact": COL_ID,
        "structure_id": COL_ID,
        "canal": colonne_code(CANAUX),
        "scenario": colonne_code(SCENARIOS),
        "date_contact": Column("datetime64[ns]"),
        "vague": Column("Int64", nullable=True),
        "enqueteur": COL_TEXTE,
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
        "annee": COL_ANNEE,
        "id_contact": COL_ID,
        "structure_id": COL_ID,
        "canal": colonne_code(CANAUX),
        "code_question": COL_ID,
        "indicateur": COL_TEXTE,
        "determinant": colonne_code(DETERMINANTS),
        "etape": colonne_code(ETAPES),
        "type_reponse": colonne_code(("oui_non", "echelle4", "nombre")),
        "valeur": Column(float),
        "points": Column(float, Check.ge(0)),
        "points_max": Column(float, Check.ge(0)),
    },
    strict=True,
)

TEXTES_AUDIT = DataFrameSchema(
    {
        "annee": COL_ANNEE,
        "id_contact": COL_ID,
        "structure_id": COL_ID,
        "canal": colonne_code(CANAUX),
        "code_question": COL_ID,
        "indicateur": COL_TEXTE,
        "texte": Column(str, coerce=True),
    },
    strict=True,
)

_NOTES = {f"note_{d}": Column("Int64", Check.in_range(1, 5), nullable=True) for d in DETERMINANTS}

ENQUETE = DataFrameSchema(
    {
        "annee": COL_ANNEE,
        "id_reponse": COL_ID,
        "structure_id": COL_ID,
        "date_reponse": Column("datetime64[ns]"),
        "canal": colonne_code(CANAUX, nullable=True),
        "satisfaction": Column("Int64", Check.in_range(0, 10)),
        **_NOTES,
        "commentaire": COL_TEXTE,
    },
    unique=["annee", "id_reponse"],
    strict=True,
)

AVIS = DataFrameSchema(
    {
        "annee": COL_ANNEE,
        "id_avis": COL_ID,
        "structure_id": COL_ID,
        "plateforme": COL_TEXTE,
        "date_avis": Column("datetime64[ns]"),
        "note": Column("Int64", Check.in_range(1, 5)),
        "texte": COL_TEXTE,
        "date_reponse": COL_DATE,
        "delai_reponse_jours": Column(float, Check.ge(0), nullable=True),
    },
    unique=["annee", "id_avis"],
    strict=True,
)

SCORES = DataFrameSchema(
    {
        "annee": COL_ANNEE,
        "structure_id": COL_ID,
        "niveau": colonne_code(NIVEAUX_SCORE),
        "modalite": Column(str, coerce=True),
        "score": Column(float, Check.in_range(0, 100)),
        "ic_bas": Column(float, Check.in_range(0, 100)),
        "ic_haut": Column(float, Check.in_range(0, 100)),
        "n_contacts": Column("int64", Check.ge(1)),
        "fragile": Column(bool),
        # erreur type d'échantillonnage du score (avant troncature de l'intervalle à [0, 100])
        "erreur_type": Column(float, Check.ge(0), required=False),
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
        "annee": COL_ANNEE,
        "fichier": Column(str, coerce=True),
        "ligne": Column("int64", Check.ge(1)),
        "colonne": Column(str, coerce=True),
        "motif": Column(str, coerce=True),
        "valeur": COL_TEXTE,
    },
    strict=True,
)

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


def enregistrer(schemas: dict) -> None:
    """Ajoute les schémas d'une étape supérieure (ex. ``analyse.ecoute.schemas``) au registre."""
    SCHEMAS.update(schemas)


def valider(nom_table: str, table):
    """Vérifie une table préparée contre son schéma ; lève une erreur en français sinon."""
    try:
        return SCHEMAS[nom_table].validate(table, lazy=True)
    except pa.errors.SchemaErrors as erreur:
        resume = erreur.failure_cases.head(10).to_string()
        raise ValueError(f"La table préparée « {nom_table} » ne respecte pas son schéma :\n{resume}") from None
