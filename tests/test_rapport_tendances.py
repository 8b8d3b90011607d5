"""Rapport de tendances de bout en bout sur les dix éditions de démonstration."""

import csv

import nbformat
import pytest
from pypdf import PdfReader

from analyse import config
from analyse.donnees import stockage
from analyse.rapports import tendances as rapport_tendances
from fabrique import demo_dix_editions


def _texte(pdf):
    return "\n".join(page.extract_text() or "" for page in PdfReader(pdf).pages)


def test_notebook_mince_sans_sorties():
    nb = nbformat.read(config.NOTEBOOKS / "rapport_tendances.ipynb", as_version=4)
    codes = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in codes[0].metadata.get("tags", [])
    assert all(not c.outputs and c.execution_count is None for c in codes)
    assert not any("def " in c.source or "class " in c.source for c in codes)


def test_rapport_absent_message_francais(tmp_path):
    with pytest.raises(FileNotFoundError, match="Moins de deux éditions préparées"):
        rapport_tendances.rapport_tendances(tmp_path, tmp_path / "rapports")


@pytest.mark.integration
def test_rapport_tendances_de_bout_en_bout(tmp_path_factory, tmp_path):
    donnees = demo_dix_editions(tmp_path_factory)
    sortie = tmp_path / "rapports"
    pdf = rapport_tendances.rapport_tendances(donnees, sortie, parametres_methode={"n_bootstrap": 200})

    dossier = sortie / "tendances"
    assert pdf == dossier / "rapport_tendances.pdf" and pdf.exists()
    assert (dossier / "rapport_tendances.html").exists()
    texte = _texte(pdf)
    assert "Tendances" in texte and "Données fictives de démonstration" in texte
    for interdit in ("Traceback", "Warning", "Error", "def ", "import "):
        assert interdit not in texte
    for attendu in (
        "Synthèse",
        "Effet de composition",
        "Indicateurs harmonisés",
        "Ruptures et tests de tendance",
        "Dynamique de participation",
        "Chiffres publiés",
    ):
        assert attendu in texte
    noms = set(stockage.lire(donnees, "participants")["nom"])
    assert len(noms) > 100 and not any(n in texte for n in noms)  # aucune structure nommée

    with open(dossier / "series_nationales.csv", encoding="utf-8-sig") as f:
        lecteur = csv.reader(f, delimiter=";")
        entetes = next(lecteur)
        lignes = list(lecteur)
    assert entetes == ["annee", "methode", "niveau", "modalite", "valeur", "ic_bas", "ic_haut"]
    assert {ligne[1] for ligne in lignes} == {"moyenne_participants", "panel_chaine", "effets_fixes"}
    assert {"national", "canal", "determinant", "type_structure", "classe_population", "certifie"} <= {
        ligne[2] for ligne in lignes
    }
