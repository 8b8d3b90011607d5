"""Intégration : démonstration réduite -> préparation (CLI) -> rapport (papermill -> PDF).

Vérifie aussi, sur les données préparées, qu'on retrouve les vérités plantées par la
démonstration (niveaux nationaux, canaux, certification) et les lignes fautives plantées.
"""

import csv
import io
import json

import pandas as pd
import pytest
from pypdf import PdfReader

from analyse.cli import main
from analyse.config import Parametres
from analyse.demo.editions import ANNEES as ANNEES_DEMO, generer_demo
from analyse.donnees.lecture import decoder, lire_table
from analyse.donnees.stockage import lire
from analyse.formatage import nombre_fr
from analyse.statistiques import edition as ed
from fabrique import demo_dix_editions

pytestmark = pytest.mark.integration
ANNEES = tuple(ANNEES_DEMO)


@pytest.fixture(scope="module")
def racine(tmp_path_factory):
    return demo_dix_editions(tmp_path_factory)


@pytest.fixture(scope="module")
def verite(racine):
    return json.loads((racine / "verite_demo.json").read_text(encoding="utf-8"))


def _enregistrements(chemin) -> int:
    """Compte indépendant des enregistrements non vides d'un fichier brut."""
    if chemin.suffix == ".xlsx":
        return len(lire_table(chemin))
    texte, _ = decoder(chemin.read_bytes(), str(chemin))
    separateur = ";" if texte.split("\n", 1)[0].count(";") >= texte.split("\n", 1)[0].count(",") else ","
    lignes = [l for l in csv.reader(io.StringIO(texte, newline=""), delimiter=separateur) if any(c.strip() for c in l)]
    return len(lignes) - 1


FICHIERS = {"participants": "participants.csv", "contacts": "audits.*", "enquete": "enquete.csv", "avis": "avis.csv"}


@pytest.mark.parametrize("annee", ANNEES)
@pytest.mark.parametrize("table, motif", FICHIERS.items())
def test_rien_ne_se_perd(racine, annee, table, motif):
    chemins = list((racine / "raw" / str(annee)).glob(motif))
    if not chemins:  # fichier facultatif absent : aucune ligne préparée pour cette édition
        assert lire(racine, table, annee=annee).empty
        return
    (chemin,) = chemins
    rejets = lire(racine, "rejets", annee=annee)
    rejetees = (rejets["fichier"] == f"raw/{annee}/{chemin.name}").sum()
    acceptees = len(lire(racine, table, annee=annee))
    assert _enregistrements(chemin) == acceptees + rejetees
    assert acceptees > 0


def test_lignes_fautives_plantees_toutes_rejetees(racine, verite):
    rejets = lire(racine, "rejets")
    rejets["nom"] = rejets["fichier"].str.rsplit("/", n=1).str[-1]
    plantes = pd.DataFrame(verite["rejets_plantes"]).rename(columns={"fichier": "nom"})
    trouves = rejets.merge(plantes, on=["annee", "nom", "ligne"], how="outer", indicator=True)
    assert (trouves["_merge"] == "both").all(), trouves.loc[trouves["_merge"] != "both"]
    assert (trouves["colonne_x"] == trouves["colonne_y"]).all()


@pytest.mark.parametrize("annee", ANNEES)
def test_niveaux_nationaux_plantes_retrouves(racine, verite, annee):
    scores = lire(racine, "scores", annee=annee)
    attendu = verite["niveaux_attendus"][str(annee)]
    national = ed.score_national(scores).iloc[0]
    assert national["ic_bas"] <= attendu["national"] <= national["ic_haut"]
    assert abs(national["score"] - attendu["national"]) < 2
    canaux = ed.scores_nationaux(scores, "canal").set_index("modalite")
    for canal, niveau in attendu["canal"].items():
        assert canaux.loc[canal, "ic_bas"] <= niveau <= canaux.loc[canal, "ic_haut"], canal


@pytest.mark.parametrize("annee", ANNEES)
def test_effet_de_certification_retrouve(racine, verite, annee):
    scores = lire(racine, "scores", annee=annee)
    participants = lire(racine, "participants", annee=annee)
    strates = ed.scores_par_strate(scores, participants, "certifie").set_index("modalite")
    attendu = verite["niveaux_attendus"][str(annee)]
    assert strates.loc[True, "ic_bas"] <= attendu["certifie"] <= strates.loc[True, "ic_haut"]
    assert strates.loc[False, "ic_bas"] <= attendu["non_certifie"] <= strates.loc[False, "ic_haut"]
    assert strates.loc[True, "score"] - strates.loc[False, "score"] > 4


def test_demo_et_preparation_deterministes(racine, tmp_path):
    autre = tmp_path / "bis"
    generer_demo(autre, annees=[2020])
    for nom in ("participants.csv", "audits.csv", "enquete.csv", "avis.csv"):
        assert (autre / "raw/2020" / nom).read_bytes() == (racine / "raw/2020" / nom).read_bytes()
    assert main(["preparer", "--annee", "2020", "--donnees", str(autre), "--bootstrap", "200"]) == 0
    for table in ("scores", "contacts", "reponses", "rejets"):
        chemin = f"processed/{table}/annee=2020/part-0.parquet"
        assert (autre / chemin).read_bytes() == (racine / chemin).read_bytes(), table


def test_rapport_edition_de_bout_en_bout(racine, tmp_path):
    sortie = tmp_path / "rapports"
    assert main(["rapports", "edition", "--annee", "2020", "--donnees", str(racine), "--sortie", str(sortie)]) == 0
    pdf = sortie / "2020" / "rapport_edition_2020.pdf"
    texte = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    national = ed.score_national(lire(racine, "scores", annee=2020), Parametres()).iloc[0]
    assert "Données fictives de démonstration" in texte
    assert nombre_fr(national["score"]) in texte
    assert "banquedesterritoires" in texte.replace("\n", "")  # chiffre publié de 2020 et sa source
    for interdit in ("Traceback", "Warning", "import ", "ENQ", "def "):
        assert interdit not in texte
    tableaux = list((sortie / "2020" / "tableaux").glob("*.csv"))
    assert len(tableaux) >= 8
