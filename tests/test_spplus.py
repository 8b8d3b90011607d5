"""Import des exports publics Services Publics + tels que publiés : deux formes d'en-têtes,
correspondance ajoutée par l'utilisateur, colonnes obligatoires manquantes dites d'un coup,
une expérience = un signal par structure citée participante, réponse et délai de CETTE
structure, thèmes rapportés aux déterminants, rien de perdu (lues = acceptées + rejetées)."""

import pandas as pd
import pytest

from analyse.chaine import preparer_edition
from analyse.config import Parametres
from analyse.donnees.lecture import ErreurDonnees
from analyse.ecoute.spplus import (
    charger_correspondance_colonnes,
    charger_structures,
    completer_structures,
    experiences_vers_signaux,
    importer_experiences,
    importer_indicateurs,
    importer_referentiel,
    themes_longs,
)
from fabrique import _ecrire_csv, ecrire_edition
from spplus_publie import ecrire_exports, ecrire_publie, ecrire_structures

P = Parametres(n_bootstrap=20)
PARTICIPANTS = {"00101", "00102", "00103"}
FORMES = ("libelles", "api")


@pytest.fixture(params=FORMES)
def exports(request, tmp_path):
    chemins = ecrire_exports(tmp_path, request.param)
    chemins["correspondance"] = ecrire_structures(tmp_path / "spplus_structures.csv")
    return chemins


def _structures(exports):
    referentiel = importer_referentiel(exports["structures"]).table
    return completer_structures(charger_structures(exports["correspondance"]), referentiel)


def _experiences(exports, **kw):
    return importer_experiences(
        exports["experiences"], _structures(exports), 2022, structures_connues=PARTICIPANTS, **kw
    )


def _motifs(imp):
    r = imp.rejets.table_rejets()
    return dict(zip(r["ligne"], r["motif"]))


def test_une_experience_un_signal_par_structure_participante(exports):
    imp = _experiences(exports)
    t = imp.table
    assert list(zip(t["id_experience"], t["rang"], t["structure_id"])) == [
        ("1001", 1, "00101"),  # par code SP+
        ("1001", 2, "00102"),  # par intitulé (sans casse ni accents)
        ("1002", 1, "00101"),  # la préfecture (rang 2) ne participe pas au baromètre
        ("1003", 1, "00102"),  # code seul : intitulé trouvé par le référentiel exporté
    ]
    s = experiences_vers_signaux(t, 2022)
    assert s["id_signal"].tolist() == ["SPP-1001-1", "SPP-1001-2", "SPP-1002-1", "SPP-1003-1"]
    assert s["id_signal"].is_unique


def test_reponse_et_delai_de_cette_structure(exports):
    s = experiences_vers_signaux(_experiences(exports).table, 2022).set_index("id_signal")
    assert s["repondu"].tolist() == [True, False, False, True]  # 1002 : seule la préfecture a répondu
    assert s["delai_reponse_jours"].tolist()[0] == 10.0 and s["delai_reponse_jours"].tolist()[3] == 10.0
    assert s["delai_reponse_jours"].iloc[1:3].isna().all() and s["date_reponse"].iloc[1:3].isna().all()
    assert s.loc["SPP-1001-1", "date_signal"] == pd.Timestamp("2022-03-15")  # « Ecrit le »
    assert s.loc["SPP-1002-1", "date_signal"] == pd.Timestamp("2022-04-01")  # horodatage ISO avec décalage
    assert s.loc["SPP-1001-1", "date_publication"] == pd.Timestamp("2022-06-01")  # gardée à part


def test_rien_de_perdu_et_motifs(exports):
    imp = _experiences(exports)
    bilan = imp.rejets.bilan()
    assert (bilan.lues, bilan.acceptees, bilan.rejetees) == (9, 3, 6)
    motifs = _motifs(imp)  # numéros de ligne physiques : l'expérience 1001 occupe les lignes 2 à 5
    assert "aucune structure citée" in motifs[8]  # préfecture seule
    assert "date invalide" in motifs[9]
    assert "ressenti illisible" in motifs[10]
    assert "en double" in motifs[11]
    assert "aucune structure citée" in motifs[12]  # rattachée mais non participante
    assert "antérieure" in motifs[13]
    assert "valeur de thème inconnue" in motifs[6]  # signalée, la ligne reste acceptée
    assert imp.colonnes_inconnues == []


def test_textes_multilignes_et_reponse_non_gardee(exports):
    s = experiences_vers_signaux(_experiences(exports).table, 2022)
    texte = s["texte"].iloc[0]
    assert texte.startswith("Renvoyé partout\nRenvoyé de service en service ;\npersonne ne sait.")
    assert "J'ai abandonné." in texte
    assert "Durand" not in " ".join(s["texte"].dropna())


def test_themes_rapportes_aux_determinants(exports):
    t = _experiences(exports).table
    themes = themes_longs(t, 2022)
    assert themes.query("id_signal == 'SPP-1001-1'")[["theme", "determinant", "polarite"]].values.tolist() == [
        ["reactivite", "reactivite", "negatif"],
        ["relation", "courtoisie", "negatif"],
    ]
    lignes_1002 = themes.query("id_signal == 'SPP-1002-1'")
    assert lignes_1002["theme"].tolist() == ["relation", "simplicite"]  # « Plutôt bien » ignoré, signalé
    s = experiences_vers_signaux(t, 2022).set_index("id_signal")
    assert s.loc["SPP-1001-1", "determinants"] == "courtoisie|reactivite"
    assert s.loc["SPP-1001-1", "origine_determinant"] == "themes"
    assert s.loc["SPP-1003-1", "origine_determinant"] != "themes"  # sans thème : le lexique


def test_sans_referentiel_le_code_seul_ne_suffit_pas(exports):
    imp = importer_experiences(
        exports["experiences"], charger_structures(exports["correspondance"]), 2022, structures_connues=PARTICIPANTS
    )
    assert "1003" not in set(imp.table["id_experience"])
    assert "aucune structure citée" in _motifs(imp)[7]


def test_resultats_par_structure(exports):
    imp = importer_indicateurs(exports["indicateurs"], _structures(exports), 2022, structures_connues=PARTICIPANTS)
    t = imp.table
    assert t["structure_id"].tolist() == ["00101", "00101"]
    assert t["indicateur"].tolist() == ["IND-27", "IND-12"]
    assert t["titre_indicateur"].tolist() == [
        "Taux de satisfaction des usagers",
        "Délai moyen de réponse aux courriels",
    ]
    assert t["valeur"].tolist() == [87.5, 3.5] and t["reseau"].tolist() == ["Communes"] * 2
    motifs = _motifs(imp)
    assert "valeur illisible" in motifs[4] and "sans correspondance" in motifs[5]
    assert imp.colonnes_inconnues == []  # toutes les colonnes publiées sont lues


def test_referentiel_lu_sans_rien_perdre(exports):
    imp = importer_referentiel(exports["structures"])
    assert imp.table["code_spplus"].tolist() == ["3Tn8gzTdcz", "Ev12345678", "9Xq2pLmNoP"]
    bilan = imp.rejets.bilan()
    assert (bilan.lues, bilan.acceptees, bilan.rejetees) == (4, 3, 1)
    assert imp.colonnes_inconnues in (["Adresse"], ["adresse"])


def test_toutes_les_colonnes_obligatoires_manquantes_dites_ensemble(tmp_path):
    chemin = ecrire_publie(tmp_path / "e.csv", ["ID expérience", "Description"], [["1", "x"]])
    with pytest.raises(ErreurDonnees) as erreur:
        importer_experiences(chemin, pd.DataFrame(columns=["structure_id", "code_spplus", "nom_normalise"]))
    message = str(erreur.value)
    assert "3 colonne(s) obligatoire(s)" in message
    for colonne in ("date_ecrit", "ressenti", "structure_1"):
        assert f"« {colonne} »" in message


def test_correspondance_utilisateur_ajoutee_et_gagnante(tmp_path):
    chemin = tmp_path / "correspondance_spplus.csv"
    chemin.write_text(
        "export;colonne;entete;obligatoire\nexperiences;ressenti;Humeur de l'usager;oui\nexperiences;titre;statut;non\n",
        encoding="utf-8",
    )
    c = charger_correspondance_colonnes(chemin).query("export == 'experiences'").set_index("cle")["colonne"]
    assert c["humeur_de_l_usager"] == "ressenti"  # ajoutée
    assert c["id_experience"] == "id_experience"  # le paquet reste
    assert c["statut"] == "titre"  # la ligne de l'utilisateur gagne


def test_structures_sans_code_ni_nom_refusees(tmp_path):
    _ecrire_csv(tmp_path / "s.csv", [("00101", "", "")], ["structure_id", "code_spplus", "nom_spplus"])
    with pytest.raises(ErreurDonnees, match="ni nom_spplus"):
        charger_structures(tmp_path / "s.csv")


@pytest.mark.parametrize("forme", FORMES)
def test_preparation_d_une_edition(tmp_path, forme):
    racine = ecrire_edition(tmp_path / "donnees")
    ecrire_exports(racine / "raw/2022", forme)
    with pytest.raises(ErreurDonnees, match="spplus_structures.csv"):
        preparer_edition(racine, 2022, P)
    ecrire_structures(racine / "raw/spplus_structures.csv")
    (racine / "raw/correspondance_spplus.csv").write_text(  # ajoutée au paquet (ne le remplace pas)
        "export;colonne;entete;obligatoire\nexperiences;ressenti;Humeur de l'usager;oui\n", encoding="utf-8"
    )
    edition = preparer_edition(racine, 2022, P)
    s = edition.tables["signaux"]
    assert s["id_signal"].tolist() == ["SPP-1001-1", "SPP-1001-2", "SPP-1002-1", "SPP-1003-1"]
    assert s["repondu"].tolist() == [True, False, False, True]
    assert set(s["origine"]) == {"services_publics_plus"} and set(s["source"]) == {"avis_en_ligne"}
    assert len(edition.tables["indicateurs_spplus"]) == 2
    assert set(edition.tables["themes_spplus"]["id_signal"]) == {"SPP-1001-1", "SPP-1001-2", "SPP-1002-1"}
    for b in edition.bilans:
        assert b.lues == b.acceptees + b.rejetees
    fichiers = {b.fichier for b in edition.bilans}
    assert {f"raw/2022/spplus_{x}.csv" for x in ("experiences", "indicateurs", "referentiel")} <= fichiers


def test_suivi_spplus_dans_la_fiche(tmp_path):
    """La fiche de la structure reprend le suivi SP+ : taux de réponse, délai de première réponse, thèmes."""
    from analyse.cli import main
    from analyse.rapports import fiche

    racine = ecrire_edition(tmp_path / "donnees")
    ecrire_exports(racine / "raw/2022", "api")
    ecrire_structures(racine / "raw/spplus_structures.csv")
    assert main(["preparer", "--annee", "2022", "--donnees", str(racine), "--bootstrap", "20"]) == 0
    f = fiche.calculer_fiche(2022, "00102", racine)
    assert f["spplus"]["n"] == 2 and f["spplus"]["n_repondues"] == 1  # 1001 (rang 2, sans réponse) et 1003
    html = str(fiche.bloc_usagers(f)).replace("\u00a0", " ").replace("\u202f", " ")
    assert "Services Publics + : 2 expériences" in html and "taux de réponse 50 %" in html
    assert "sans équivalent" in html  # tableau des thèmes rapportés aux déterminants
