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

    # Phrases de la synthèse : signées, avec intervalle, et « non établi » dit en clair.
    assert "Tendance sur la période, testée contre la variation" in texte
    assert "stable aux erreurs" in texte or "hausse de" in texte or "baisse de" in texte
    assert "rupture établie" in texte  # « rupture établie … » ou « pas de rupture établie … »
    assert "significative" not in texte  # ancien vocabulaire, lu sur la seule valeur p

    with open(dossier / "series_nationales.csv", encoding="utf-8-sig") as f:
        lecteur = csv.reader(f, delimiter=";")
        entetes = next(lecteur)
        lignes = list(lecteur)
    assert entetes == ["annee", "methode", "niveau", "modalite", "valeur", "ic_bas", "ic_haut"]
    assert {ligne[1] for ligne in lignes} == {"moyenne_participants", "panel_chaine", "effets_fixes"}
    assert {"national", "canal", "determinant", "type_structure", "classe_population", "certifie"} <= {
        ligne[2] for ligne in lignes
    }


# --- Issue 17 : phrases signées, avec l'intervalle dont elles découlent ------------------------


def test_phrases_de_tendance_signees_avec_intervalle():
    def phrase(pente, bas, haut):
        return rapport_tendances._phrase_test({"pente_an": pente, "pente_bas": bas, "pente_haut": haut})

    hausse, baisse = phrase(1.5, 0.5, 2.5), phrase(-1.5, -2.5, -0.5)
    assert hausse != baisse
    assert hausse.startswith("hausse de +1,50") and "[+0,50\u202f; +2,50]" in hausse
    assert baisse.startswith("baisse de -1,50") and "[-2,50\u202f; -0,50]" in baisse
    assert phrase(1.5, -0.2, 3.2).startswith("pas de tendance établie, stable aux erreurs")


def test_titre_des_series_garde_le_signe_et_l_intervalle():
    import pandas as pd

    def titre(ecart):
        s = pd.DataFrame(
            {
                "annee": [2012, 2022] * 2,
                "methode": ["moyenne_participants"] * 2 + ["effets_fixes"] * 2,
                "niveau": "national",
                "modalite": "ensemble",
                "valeur": [68.0, 68.0 + ecart, 68.0, 68.0 + ecart],
                "ic_bas": [67.5, 67.5 + ecart, 68.0, 67.6 + ecart],
                "ic_haut": [68.5, 68.5 + ecart, 68.0, 68.4 + ecart],
            }
        )
        return rapport_tendances.titre_series({"series": s, "annees": [2012, 2022]})

    assert titre(1.5) != titre(-1.5)
    assert "progresse de 1,5 point [+0,8\u202f; +2,2]" in titre(1.5) and "recule de 1,5 point" in titre(-1.5)
    assert "évolution non établie" in titre(0.3)


def test_rupture_non_etablie_dite_en_clair():
    t = {
        "rupture": 2020,
        "rupture_apres": 2018,
        "ecart_rupture": -3.4,
        "p_rupture_ajustee": 0.4,
        "rupture_retenue": False,
    }
    phrase = rapport_tendances._verdict_rupture(t).phrase
    assert phrase.startswith("pas de rupture établie") and "entre 2018 et 2020" in phrase and "-3,4" in phrase
