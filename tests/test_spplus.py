"""Import des exports publics Services Publics + : correspondance des en-têtes (un en-tête
renommé = une ligne à ajouter), colonnes inconnues signalées, lignes illisibles rejetées,
rattachement des structures par la table ``spplus_structures.csv``."""

import pandas as pd
import pytest

from analyse.chaine import preparer_edition
from analyse.config import Parametres
from analyse.donnees.lecture import ErreurDonnees
from analyse.ecoute.spplus import (
    charger_correspondance_colonnes,
    charger_structures,
    importer_experiences,
    importer_indicateurs,
)
from fabrique import _ecrire_csv, ecrire_edition

P = Parametres(n_bootstrap=20)
ENTETES_EXPERIENCES = [
    "id",
    "statut",
    "date",
    "description",
    "ressenti",
    "structure",
    "reponse de la structure",
    "canal de contact",
]
EXPERIENCES = [
    (
        "1001",
        "publiée",
        "2022-03-15T10:22:00",
        "Renvoyé de service en service, personne ne sait.",
        "Négatif",
        "MAIRIE DE ZÉBRINVILLE",
        "Nous sommes désolés, contactez M. Pierre Durand",
        "téléphone",
    ),
    ("1002", "publiée", "16/03/2022", "Agent très aimable, merci.", "positif", "Mairie de Zébrinville", "", "guichet"),
    ("1003", "publiée", "2022-04-01", "Rien à signaler", "Neutre", "Mairie d'Èvrevasque", "", ""),
    # illisibles
    ("1004", "publiée", "2022-13-01", "Date impossible", "positif", "Mairie de Zébrinville", "", ""),
    ("1005", "publiée", "2022-04-02", "Ressenti inconnu", "mitigé", "Mairie de Zébrinville", "", ""),
    ("1006", "publiée", "2022-04-03", "Structure inconnue", "négatif", "Préfecture du Nord", "", ""),
    ("1002", "publiée", "2022-04-04", "Identifiant en double", "positif", "Mairie de Zébrinville", "", ""),
]
ENTETES_INDICATEURS = [
    "Code SP+",
    "Type",
    "Nom",
    "Code postal",
    "Ville",
    "Code indicateur",
    "Valeur",
    "Fréquence",
    "Date de mise à jour",
]
INDICATEURS = [
    (
        "SPP-77",
        "Mairie",
        "Mairie de Zébrinville",
        "99001",
        "Zébrinville",
        "DELAI_REPONSE_COURRIEL",
        "3,5",
        "annuelle",
        "2022-06-30",
    ),
    (
        "SPP-77",
        "Mairie",
        "Mairie de Zébrinville",
        "99001",
        "Zébrinville",
        "TAUX_SATISFACTION",
        "87,5 %",
        "semestrielle",
        "30/06/2022",
    ),
    (
        "SPP-78",
        "Mairie",
        "Mairie d'Èvrevasque",
        "99002",
        "Èvrevasque",
        "TAUX_SATISFACTION",
        "n.d.",
        "annuelle",
        "2022-06-30",
    ),
    (
        "SPP-99",
        "Préfecture",
        "Préfecture du Nord",
        "59000",
        "Lille",
        "TAUX_SATISFACTION",
        "90",
        "annuelle",
        "2022-06-30",
    ),
]
STRUCTURES = [("00101", "SPP-77", "Mairie de Zébrinville"), ("00102", "", "Mairie d'Evrevasque")]


@pytest.fixture
def fichiers(tmp_path):
    _ecrire_csv(tmp_path / "experiences.csv", EXPERIENCES, ENTETES_EXPERIENCES, sep=",")
    _ecrire_csv(tmp_path / "indicateurs.csv", INDICATEURS, ENTETES_INDICATEURS, encodage="cp1252")
    _ecrire_csv(tmp_path / "structures.csv", STRUCTURES, ["structure_id", "code_spplus", "nom_spplus"])
    return tmp_path


def _motif(imp, ligne):
    r = imp.rejets.table_rejets()
    return r.loc[r["ligne"] == ligne, "motif"].item()


def test_experiences_importees_et_rattachees(fichiers):
    imp = importer_experiences(fichiers / "experiences.csv", fichiers / "structures.csv", 2022)
    t = imp.table.set_index("id_experience")
    assert list(t.index) == ["1001", "1002", "1003"]
    assert t["structure_id"].tolist() == ["00101", "00101", "00102"]  # nom sans casse ni accents
    assert t["ressenti"].tolist() == ["negatif", "positif", "neutre"]
    assert t.loc["1001", "date"] == pd.Timestamp("2022-03-15") and bool(t.loc["1001", "repondu"])
    assert imp.colonnes_inconnues == ["canal de contact"]
    assert "date invalide" in _motif(imp, 5)
    assert "ressenti illisible" in _motif(imp, 6)
    assert "sans correspondance" in _motif(imp, 7)
    assert "en double" in _motif(imp, 8)
    entete = imp.rejets.table_rejets().query("ligne == 1")
    assert entete["colonne"].tolist() == ["canal de contact"] and "colonne inconnue" in entete["motif"].item()
    bilan = imp.rejets.bilan()
    assert (bilan.lues, bilan.acceptees, bilan.rejetees) == (7, 3, 4)


def test_entete_renomme_une_ligne_a_ajouter(fichiers, tmp_path):
    entetes = ["id", "statut", "date", "description", "Humeur de l'usager", "structure", "reponse de la structure"]
    _ecrire_csv(tmp_path / "renomme.csv", [l[:7] for l in EXPERIENCES[:2]], entetes)
    with pytest.raises(ErreurDonnees, match="ressenti"):
        importer_experiences(tmp_path / "renomme.csv", fichiers / "structures.csv")
    correspondance = charger_correspondance_colonnes()
    ajout = pd.DataFrame(
        {"export": ["experiences"], "colonne": ["ressenti"], "cle": ["humeur_de_l'usager"], "obligatoire": [True]}
    )
    imp = importer_experiences(
        tmp_path / "renomme.csv",
        fichiers / "structures.csv",
        correspondance=pd.concat([correspondance, ajout], ignore_index=True),
    )
    assert imp.table["ressenti"].tolist() == ["negatif", "positif"] and imp.colonnes_inconnues == []


def test_correspondance_editable_depuis_un_fichier(fichiers, tmp_path):
    chemin = tmp_path / "correspondance.csv"
    from analyse.ecoute.lexique import chemin_ressource

    lignes = chemin_ressource("correspondance_spplus.csv").read_text(encoding="utf-8")
    chemin.write_text(lignes + "experiences;ressenti;Humeur de l'usager;oui\n", encoding="utf-8")
    c = charger_correspondance_colonnes(chemin)
    assert c.query('cle == "humeur_de_l\'usager"')["colonne"].item() == "ressenti"


def test_indicateurs(fichiers):
    imp = importer_indicateurs(fichiers / "indicateurs.csv", fichiers / "structures.csv", 2022)
    t = imp.table
    assert t["structure_id"].tolist() == ["00101", "00101"]
    assert t["valeur"].tolist() == [3.5, 87.5]
    assert t["date_maj"].tolist() == [pd.Timestamp("2022-06-30")] * 2
    assert t["ville"].tolist() == ["Zébrinville"] * 2  # Windows-1252 décodé
    assert "valeur illisible" in _motif(imp, 4)
    assert "sans correspondance" in _motif(imp, 5)
    assert imp.colonnes_inconnues == []


def test_structures_sans_code_ni_nom_refusees(tmp_path):
    _ecrire_csv(tmp_path / "s.csv", [("00101", "", "")], ["structure_id", "code_spplus", "nom_spplus"])
    with pytest.raises(ErreurDonnees, match="ni nom_spplus"):
        charger_structures(tmp_path / "s.csv")


def test_preparation_d_une_edition(fichiers, tmp_path):
    racine = ecrire_edition(tmp_path / "donnees")
    _ecrire_csv(racine / "raw/2022/spplus_experiences.csv", EXPERIENCES, ENTETES_EXPERIENCES, sep=",")
    _ecrire_csv(racine / "raw/2022/spplus_indicateurs.csv", INDICATEURS, ENTETES_INDICATEURS)
    with pytest.raises(ErreurDonnees, match="spplus_structures.csv"):
        preparer_edition(racine, 2022, P)
    _ecrire_csv(racine / "raw/spplus_structures.csv", STRUCTURES, ["structure_id", "code_spplus", "nom_spplus"])
    edition = preparer_edition(racine, 2022, P)
    s = edition.tables["signaux"]
    assert s["id_signal"].tolist() == ["SPP-1001", "SPP-1002", "SPP-1003"]
    assert set(s["origine"]) == {"services_publics_plus"} and set(s["source"]) == {"avis_en_ligne"}
    assert s["determinant"].iloc[0] == "transfert" and s["polarite"].tolist() == ["negatif", "positif", "neutre"]
    assert "Durand" not in " ".join(s["texte"].dropna())  # la réponse de la structure n'est pas gardée
    assert len(edition.tables["indicateurs_spplus"]) == 2
    for b in edition.bilans:
        assert b.lues == b.acceptees + b.rejetees
    fichiers_rejets = set(edition.tables["rejets"]["fichier"])
    assert {"raw/2022/spplus_experiences.csv", "raw/2022/spplus_indicateurs.csv"} <= fichiers_rejets
