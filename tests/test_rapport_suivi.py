"""Tableau de bord de suivi : rendu PDF de bout en bout sur une petite démonstration, confidentialité."""

import json

import nbformat
import pandas as pd
import pytest
from pypdf import PdfReader

from analyse.cli import main
from analyse.config import NOTEBOOKS
from analyse.demo.editions import generer_demo
from analyse.donnees.stockage import lire
from analyse.rapports import suivi as rs


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    racine = tmp_path_factory.mktemp("demo_rapport_suivi")
    generer_demo(racine, echelle=0.3, annees=[2021, 2022])
    assert main(["preparer", "--toutes", "--donnees", str(racine), "--bootstrap", "50"]) == 0
    return racine, json.loads((racine / "verite_demo.json").read_text(encoding="utf-8"))["ecoute"]


def test_notebook_mince_sans_sorties():
    nb = nbformat.read(NOTEBOOKS / "rapport_suivi.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", [])
    for cellule in code:
        assert not cellule.get("outputs") and cellule.get("execution_count") is None
        assert "def " not in cellule.source and "class " not in cellule.source
        assert len([ligne for ligne in cellule.source.splitlines() if ligne.strip()]) <= 10


def test_rapport_de_bout_en_bout(demo, tmp_path):
    racine, verite = demo
    ident = verite["structure_degradee"]
    pdf = rs.rapport_suivi(ident, racine, tmp_path)
    assert pdf == tmp_path / "suivi" / f"suivi_{ident}.pdf" and pdf.with_suffix(".html").exists()
    texte = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    participants = lire(racine, "participants", 2022).set_index("structure_id")
    assert participants.loc[ident, "nom"] in texte.replace("\n", " ")
    for autre in participants.index.drop(ident):  # aucune autre structure nommée
        assert participants.loc[autre, "nom"] not in texte
    assert "Données fictives de démonstration" in texte
    assert "juin 2022" in texte  # la dégradation plantée est signalée dès son mois
    assert "ETP" in texte and "Erlang" in texte
    assert "Précision" in texte and "Rappel" in texte
    for interdit in ("Traceback", "Warning", "import ", "def ", "@exemple.fr", "Fermenthal", "Brasdelune"):
        assert interdit not in texte, interdit
    tableaux = list((tmp_path / "suivi" / f"suivi_{ident}_tableaux").glob("*.csv"))
    assert {"carte_p.csv", "dimensionnement.csv", "lien_audit.csv"} <= {t.name for t in tableaux}


def test_rapport_sans_journal_d_appels(demo, tmp_path):
    racine, verite = demo
    ident = verite["structures"][3]
    pdf = rs.rapport_suivi(ident, racine, tmp_path, annee=2022, parametres_suivi={"delai_cible_jours": 10})
    texte = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Aucun journal d’appels" in texte.replace("\n", " ") and "appels mystères" in texte


def test_parametres_inconnus_refuses(demo, tmp_path):
    racine, verite = demo
    with pytest.raises(ValueError, match="inconnu"):
        rs.rapport_suivi(verite["structures"][0], racine, tmp_path, parametres_suivi={"vitesse": 3})


def test_demo_spplus_telle_que_publiee(demo):
    """La démo écrit ses exports SP+ sous la forme publiée ; chaque expérience est rattachée aux bonnes
    structures, avec réponse et délai de première réponse justes (vérité de la démo)."""
    racine, verite = demo
    brut = (racine / "raw/2022/spplus_experiences.csv").read_bytes()
    assert brut.startswith(b"\xef\xbb\xbfID exp") and b"\r\n" in brut and b"Intitul\xc3\xa9 structure 2" in brut
    attendu = {v["id_signal"]: v for v in verite["spplus"]["signaux"]}
    s = lire(racine, "signaux")
    s = s[s["origine"] == "services_publics_plus"].set_index("id_signal")
    assert set(s.index) == set(attendu) and any(i.endswith("-2") for i in attendu)
    for ident, v in attendu.items():
        assert s.loc[ident, "structure_id"] == v["structure_id"]
        assert bool(s.loc[ident, "repondu"]) == v["repondu"]
        assert (
            (s.loc[ident, "delai_reponse_jours"] == v["delai_premiere_reponse_jours"])
            if v["repondu"]
            else (pd.isna(s.loc[ident, "delai_reponse_jours"]))
        )


def test_export_spplus_ecrit_a_la_main_jusqu_au_tableau_de_bord(tmp_path):
    """Bout en bout : des exports écrits à la main d'après la liste publiée passent « analyse preparer »
    et apparaissent dans le tableau de bord (« analyse rapports suivi »)."""
    from fabrique import ecrire_edition
    from spplus_publie import ecrire_exports, ecrire_structures

    racine = ecrire_edition(tmp_path / "donnees")
    ecrire_exports(racine / "raw/2022", "libelles")
    ecrire_structures(racine / "raw/spplus_structures.csv")
    assert main(["preparer", "--annee", "2022", "--donnees", str(racine), "--bootstrap", "20"]) == 0
    sortie = tmp_path / "rapports"
    assert main(["rapports", "suivi", "--structure", "00101", "--donnees", str(racine), "--sortie", str(sortie)]) == 0
    pages = PdfReader(sortie / "suivi/suivi_00101.pdf").pages
    texte = " ".join(p.extract_text() for p in pages).replace("‐ ", "")
    texte = " ".join(texte.split())  # blancs (espaces fines et insécables, fins de ligne) réduits
    # 00101 est citée par 1001 (a répondu, 10 jours) et 1002 (en attente ; seule la préfecture a répondu)
    assert "2 expériences d’usagers citent la structure" in texte
    assert "a répondu à 1 d’entre elles" in texte and "taux de réponse 50 %" in texte
    # une seule réponse, l'autre expérience a 0 jour d'ancienneté à l'extraction : pas d'intervalle honnête
    assert "Délai médian de première réponse : 10 j [intervalle non calculable]" in texte
    assert "Taux de satisfaction des usagers" in texte  # titre original de l'indicateur
    assert "Relation Courtoisie 1 0 1" in texte  # thème rapporté à son déterminant (1001 négatif, 1002 positif)
    assert "Accessibilité Accessibilité 0 0 0" in texte
