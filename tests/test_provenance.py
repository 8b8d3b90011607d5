"""Provenance des documents : chemins relatifs, empreinte des données, versions des bibliothèques."""

from __future__ import annotations

import json
from pathlib import Path

import numpy
import pandas as pd
import pytest

from analyse.rapports import lot, provenance as prov
from conftest_rapport import creer_donnees_synthetiques


@pytest.fixture()
def racine(tmp_path):
    racine = tmp_path / "serveur" / "data"
    creer_donnees_synthetiques(racine, annee=2022)
    return racine


def test_provenance_sans_chemin_absolu(racine, tmp_path):
    p = prov.provenance(racine, {"donnees": str(racine), "sortie": str(tmp_path / "rapports"), "annee": 2022})
    texte = json.dumps(p, ensure_ascii=False)
    assert str(tmp_path) not in texte and '"/' not in texte
    assert p["donnees"] == "…/data"
    assert p["parametres"] == {"donnees": "data", "sortie": "…/rapports", "annee": 2022}
    assert p["demo"] is True


def test_versions_des_bibliotheques_qui_font_les_nombres(racine):
    versions = prov.provenance(racine)["bibliotheques"]
    assert set(versions) == {"pandas", "numpy", "statsmodels", "scipy"}
    assert versions["pandas"] == pd.__version__ and versions["numpy"] == numpy.__version__


def test_empreinte_stable_et_sensible_aux_donnees(racine):
    avant = prov.empreinte_donnees(racine)
    assert prov.empreinte_donnees(racine) == avant
    fichier = next((racine / "processed" / "scores" / "annee=2022").glob("*.parquet"))
    scores = pd.read_parquet(fichier)
    scores.loc[0, "score"] = scores.loc[0, "score"] / 2
    scores.to_parquet(fichier, index=False)
    assert prov.empreinte_donnees(racine) != avant
    assert prov.empreinte_donnees(racine, tables=["participants"]) == prov.empreinte_donnees(
        racine, tables=["participants"], annees=[2022]
    )


def test_page_provenance_html(racine):
    page = prov.page_provenance(prov.provenance(racine, {"annee": 2022}, notebook=Path(__file__)))
    assert "Provenance du document" in page and f"pandas = {pd.__version__}" in page
    assert "annee = 2022" in page and "tests/test_provenance.py" in page
    assert str(racine) not in page


def test_page_provenance_des_fiches_en_lot_sans_chemin_absolu(tmp_path):
    provenance = {
        "parametres": {
            "annee": 2022,
            "structure_id": "S1",
            "donnees": str(tmp_path / "data"),
            "sortie": str(tmp_path / "rapports"),
        },
        "empreinte_donnees": "a" * 64,
        "empreinte_notebook": "b" * 64,
        "version": "0.1.0+abc",
    }
    page = lot.page_provenance(provenance)
    assert str(tmp_path) not in page
    assert "donnees = data" in page and "structure_id = S1" in page
    assert f"pandas = {pd.__version__}" in page and "a" * 64 in page
