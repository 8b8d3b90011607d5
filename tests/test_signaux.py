"""Canaux d'écoute : ``signaux.csv`` et ``appels.csv`` suivent les conventions du contrat
(encodages, séparateurs, virgules décimales, deux formats de date), chaque ligne fautive
est rejetée avec son motif et rien ne se perd."""

import pandas as pd
import pytest

from analyse.chaine import preparer_edition
from analyse.cli import main
from analyse.config import Parametres
from analyse.donnees.lecture import ErreurDonnees
from analyse.donnees.stockage import lire
from analyse.ecoute.signaux import convertir_horodatages, lire_echelle, periode_fichier, polarite_depuis_note
from fabrique import _ecrire_csv, ecrire_edition

P = Parametres(n_bootstrap=20)
COLONNES_SIGNAUX = [
    "id_signal",
    "structure_id",
    "date_signal",
    "source",
    "canal",
    "note",
    "echelle",
    "polarite",
    "determinant",
    "date_reponse",
    "texte",
]
SIGNAUX = [
    (
        "S1",
        "00101",
        "2022-03-02",
        "reclamation",
        "courrier",
        "",
        "",
        "",
        "",
        "2022-03-20",
        "Aucune réponse à ma réclamation, écrire à odile.fermenthal@exemple.fr",
    ),
    (
        "S2",
        "00101",
        "2022-03-05",
        "enquete_satisfaction",
        "site_internet",
        "9",
        "0-10",
        "",
        "",
        "",
        "Accueil très aimable",
    ),
    ("S3", "00102", "2022-04-10", "avis_en_ligne", "", "2", "1-5", "", "", "", "Attente interminable"),
    ("S4", "00101", "2022-04-11", "elu", "reunion", "", "", "Négatif", "transfert", "", "Renvoyés partout"),
    ("S5", "00101", "2022-05-01", "conseil_ecole", "reunion", "3,5", "1-5", "", "", "", ""),
    # lignes fautives
    ("S6", "00101", "31/02/2022", "elu", "", "", "", "", "", "", ""),
    ("S7", "00101", "2022-05-03", "pigeon_voyageur", "", "", "", "", "", "", ""),
    ("S8", "99999", "2022-05-03", "elu", "", "", "", "", "", "", ""),
    ("S9", "00101", "2022-05-03", "avis_en_ligne", "", "7", "1-5", "", "", "", ""),
    ("S10", "00101", "2022-05-03", "avis_en_ligne", "", "4", "", "", "", "", ""),
    ("S11", "00101", "2022-05-03", "reclamation", "", "", "", "", "", "2022-05-01", ""),
    ("S1", "00101", "2022-05-03", "reclamation", "", "", "", "", "", "", ""),
    ("S12", "00101", "2021-12-31", "elu", "", "", "", "", "", "", ""),
    ("S13", "00101", "2022-05-03", "elu", "", "", "", "furieux", "", "", ""),
    ("S14", "00101", "2022-05-03", "elu", "", "", "", "", "ponctualite", "", ""),
    ("S15", "00101", "2022-05-03", "elu", "pigeon", "", "", "", "", "", ""),
]
MOTIFS_SIGNAUX = {
    "S6": "date invalide",
    "S7": "source invalide",
    "S8": "structure inconnue",
    "S9": "note hors de son échelle",
    "S10": "échelle manquante",
    "S11": "antérieure au signal",
    "S12": "hors de la période",
    "S13": "polarité invalide",
    "S14": "déterminant invalide",
    "S15": "canal invalide",
}
COLONNES_APPELS = ["id_appel", "structure_id", "debut_appel", "attente_secondes", "issue", "duree_secondes", "poste"]
APPELS = [
    ("C1", "00101", "2022-03-07 09:05", "12", "repondu", "185", "P1"),
    ("C2", "00101", "2022-03-07 09:12:30", "75,5", "abandonne", "", ""),
    ("C3", "00101", "08/03/2022 14:01", "3", "Répondu", "240", "P2"),
    # fautives
    ("C4", "00101", "2022-03-07", "3", "repondu", "240", "P2"),
    ("C5", "00101", "2022-03-07 10:00", "-1", "repondu", "240", "P2"),
    ("C6", "00101", "2022-03-07 10:00", "3", "occupe", "240", "P2"),
    ("C7", "00101", "2022-03-07 10:00", "3", "repondu", "", "P2"),
    ("C8", "00101", "2022-03-07 10:00", "3", "abandonne", "60", ""),
]
MOTIFS_APPELS = {
    "C4": "horodatage invalide",
    "C5": "attente invalide",
    "C6": "issue invalide",
    "C7": "durée de conversation manquante",
    "C8": "appel abandonné",
}


@pytest.fixture
def racine(tmp_path):
    r = ecrire_edition(tmp_path)
    _ecrire_csv(r / "raw/2022/signaux.csv", SIGNAUX, COLONNES_SIGNAUX)
    _ecrire_csv(r / "raw/2022/appels.csv", APPELS, COLONNES_APPELS)
    return r


def _motifs(edition, fichier):
    rejets = edition.tables["rejets"]
    return rejets.loc[rejets["fichier"].str.endswith(fichier)]


def test_signaux_acceptes_et_enrichis(racine):
    edition = preparer_edition(racine, 2022, P)
    s = edition.tables["signaux"].set_index("id_signal")
    assert list(s.index) == ["S1", "S2", "S3", "S4", "S5"]
    assert s.loc["S1", "polarite"] == "negatif" and s.loc["S1", "origine_polarite"] == "source"
    assert s.loc["S1", "delai_reponse_jours"] == 18 and bool(s.loc["S1", "repondu"])
    assert "[courriel masqué]" in s.loc["S1", "texte"] and "fermenthal" not in s.loc["S1", "texte"]
    assert s.loc["S1", "determinants"].split("|") == ["reactivite", "reclamations"]  # égalité : ordre du contrat
    assert s.loc["S1", "determinant"] == "reactivite" and s.loc["S1", "origine_determinant"] == "lexique"
    assert s.loc["S2", "note_100"] == pytest.approx(90.0) and s.loc["S2", "polarite"] == "positif"
    assert s.loc["S2", "determinant"] == "courtoisie"
    assert s.loc["S3", "note_100"] == pytest.approx(25.0) and s.loc["S3", "polarite"] == "negatif"
    assert s.loc["S4", "polarite"] == "negatif" and s.loc["S4", "determinant"] == "transfert"
    assert s.loc["S4", "origine_determinant"] == "fichier"
    assert s.loc["S5", "note_100"] == pytest.approx(62.5) and s.loc["S5", "polarite"] == "positif"
    assert s.loc["S5", "texte"] is None and s.loc["S5", "determinant"] is None


def test_signaux_fautifs_rejetes_avec_leur_motif(racine):
    edition = preparer_edition(racine, 2022, P)
    rejets = _motifs(edition, "signaux.csv")
    assert len(rejets) == len(MOTIFS_SIGNAUX) + 1  # + l'identifiant en double
    lignes = {l[0]: i + 2 for i, l in enumerate(SIGNAUX) if l[0] not in ("S1",) or i == 0}
    for ident, motif in MOTIFS_SIGNAUX.items():
        r = rejets.loc[rejets["ligne"] == lignes[ident]]
        assert len(r) == 1 and motif in r["motif"].item(), (ident, r["motif"].tolist())
    assert rejets["motif"].str.contains("en double").sum() == 1
    bilan = next(b for b in edition.bilans if b.fichier.endswith("signaux.csv"))
    assert (bilan.lues, bilan.acceptees, bilan.rejetees) == (len(SIGNAUX), 5, len(SIGNAUX) - 5)


def test_appels(racine):
    edition = preparer_edition(racine, 2022, P)
    a = edition.tables["appels"].set_index("id_appel")
    assert list(a.index) == ["C1", "C2", "C3"]
    assert a.loc["C2", "attente_secondes"] == 75.5 and a.loc["C2", "issue"] == "abandonne"
    assert pd.isna(a.loc["C2", "duree_secondes"]) and a.loc["C3", "issue"] == "repondu"
    assert (a.loc["C1", "jour_semaine"], a.loc["C1", "heure"]) == (0, 9)
    assert a.loc["C1", "poste"].startswith("PST-") and "P1" not in a.loc["C1", "poste"]
    rejets = _motifs(edition, "appels.csv")
    for ident, motif in MOTIFS_APPELS.items():
        ligne = [l[0] for l in APPELS].index(ident) + 2
        assert motif in rejets.loc[rejets["ligne"] == ligne, "motif"].item(), ident


@pytest.mark.parametrize("sep, encodage, dates_fr", [(",", "cp1252", True), (";", "utf-8-sig", False)])
def test_conventions_du_contrat(tmp_path, sep, encodage, dates_fr):
    r = ecrire_edition(tmp_path, sep=sep, encodage=encodage, dates_fr=dates_fr)
    _ecrire_csv(r / "raw/2022/signaux.csv", SIGNAUX[:5], COLONNES_SIGNAUX, sep, encodage, dates_fr)
    s = preparer_edition(r, 2022, P).tables["signaux"]
    assert len(s) == 5 and s["date_signal"].min() == pd.Timestamp("2022-03-02")
    assert s.set_index("id_signal").loc["S5", "note_100"] == pytest.approx(62.5)


def test_colonne_obligatoire_absente(tmp_path):
    r = ecrire_edition(tmp_path)
    _ecrire_csv(r / "raw/2022/signaux.csv", [l[:3] for l in SIGNAUX[:2]], COLONNES_SIGNAUX[:3])
    with pytest.raises(ErreurDonnees, match="source"):
        preparer_edition(r, 2022, P)


def test_sans_fichiers_facultatifs_rien_ne_change(tmp_path):
    edition = preparer_edition(ecrire_edition(tmp_path), 2022, P)
    assert not {"signaux", "appels", "indicateurs_spplus"} & set(edition.tables)


def test_ecriture_parquet_par_la_cli(racine):
    assert main(["preparer", "--annee", "2022", "--donnees", str(racine), "--bootstrap", "20"]) == 0
    assert len(lire(racine, "signaux", 2022)) == 5 and len(lire(racine, "appels", 2022)) == 3


def test_conversions():
    h, ko = convertir_horodatages(pd.Series(["07/03/2022 9h05", "2022-03-07 25:00", None]))
    assert str(h[0]) == "2022-03-07 09:05:00" and ko.tolist() == [False, True, False]
    bas, haut, ko = lire_echelle(pd.Series(["0-10", "10"]))
    assert (bas[0], haut[0]) == (0, 10) and ko.tolist() == [False, True]
    assert polarite_depuis_note(pd.Series([39.9, 40.0, 60.0, 60.1])).tolist() == [
        "negatif",
        "neutre",
        "neutre",
        "positif",
    ]
    debut, fin = periode_fichier(2022, pd.DataFrame({"annee": [2021, 2022]}))
    assert (debut, fin.date()) == (pd.Timestamp("2022-01-01"), pd.Timestamp("2022-12-31").date())
