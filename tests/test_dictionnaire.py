"""Dictionnaire des données : généré depuis les schémas, tenu à jour, chaque colonne expliquée."""

from __future__ import annotations

import re

import pandera.pandas as pa

import analyse.ecoute  # noqa: F401 (enregistre les schémas des tables d'écoute)
from analyse import config
from analyse.donnees import dictionnaire
from analyse.donnees.schemas import SCHEMAS


def test_fichier_commite_egal_a_la_generation():
    commite = dictionnaire.FICHIER.read_text(encoding="utf-8")
    assert commite == dictionnaire.generer(), "docs/dictionnaire-donnees.md est périmé : lancez « make dictionnaire »"


def test_chaque_colonne_a_une_signification_et_chaque_signification_une_colonne():
    assert dictionnaire.colonnes_sans_signification() == []
    existantes = {n for s in SCHEMAS.values() for n in s.columns} | {
        f"{t}.{n}" for t, s in SCHEMAS.items() for n in s.columns
    }
    assert sorted(set(dictionnaire.COLONNES) - existantes) == []
    assert set(dictionnaire.TABLES) == set(SCHEMAS)


def test_toutes_les_tables_et_colonnes_figurent():
    texte = dictionnaire.generer()
    for table in (*config.TABLES, *SCHEMAS):
        assert f"## `{table}`" in texte
    for table, schema in SCHEMAS.items():
        section = texte.split(f"## `{table}`")[1].split("\n## ")[0]
        assert re.findall(r"^\| `(\w+)` \|", section, re.M) == list(schema.columns)


def test_types_codes_et_bornes_viennent_des_schemas():
    section = dictionnaire.section_table("participants", SCHEMAS["participants"])
    assert "| `type_structure` | texte |  | Type de structure | `commune` (Communes), `mairie_annexe`" in section
    assert "| `population` | entier | habitants |" in section and "| ≥ 0 | oui |" in section
    assert "Clé : `annee`, `structure_id` (unique)." in section
    scores = dictionnaire.section_table("scores", SCHEMAS["scores"])
    assert "| `score` | décimal | points sur 100 | Score de la structure" in scores and "de 0 à 100" in scores


def test_colonne_nouvelle_sans_signification_signalee():
    schemas = {"essai": pa.DataFrameSchema({"annee": SCHEMAS["scores"].columns["annee"], "inedite": pa.Column(float)})}
    assert dictionnaire.colonnes_sans_signification(schemas) == ["essai.inedite"]
    assert "| `inedite` | décimal |  | (à documenter) |" in dictionnaire.generer(schemas)


def test_lie_depuis_le_readme():
    assert "docs/dictionnaire-donnees.md" in (config.RACINE / "README.md").read_text(encoding="utf-8")
