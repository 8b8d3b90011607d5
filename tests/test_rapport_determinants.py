"""Rapport « Déterminants de la satisfaction » : aides du rapport et rendu PDF de bout en bout."""

import pandas as pd
import pytest
from markupsafe import escape
from pypdf import PdfReader

from analyse import cli, config
from analyse.demo import editions as demo
from analyse.donnees import stockage
from analyse.rapports import determinants as rd


def _texte(pdf):
    return "\n".join(page.extract_text() or "" for page in PdfReader(pdf).pages)


@pytest.fixture(scope="module")
def petite_demo(tmp_path_factory):
    racine = tmp_path_factory.mktemp("demo_rapport_determinants")
    demo.generer_demo(racine, echelle=0.3, annees=[2021, 2022])
    assert cli.main(["preparer", "--toutes", "--donnees", str(racine), "--bootstrap", "50"]) == 0
    return racine


def test_choix_des_editions(petite_demo):
    assert rd.annees_enquete(petite_demo) == [2021, 2022]
    assert rd.choisir_annees(petite_demo) == [2021, 2022]
    assert rd.choisir_annees(petite_demo, [2022]) == [2022]
    with pytest.raises(FileNotFoundError, match="édition ou les éditions 2015"):
        rd.choisir_annees(petite_demo, [2015, 2022])


def test_textes_et_titres():
    assert rd.periode([2022]) == "édition 2022"
    assert "données fictives" in rd.source([2021, 2022], demo=True)
    stabilite = pd.DataFrame(
        {"annee": [2021, 2021, 2022, 2022], "libelle": ["A", "B", "A", "B"], "part": [0.1, 0.2, 0.3, 0.1]}
    )
    assert rd.titre_stabilite(stabilite).startswith("Le déterminant en tête change")


def test_une_seule_edition_sans_stabilite(petite_demo):
    tables = rd.charger_tables(petite_demo, [2022])
    resultats = rd.calculer(tables, config.preparer_parametres({"n_bootstrap": 100}))
    assert "une seule édition" in str(rd.bloc_stabilite(resultats, "Source"))
    assert resultats["effectifs"]["edition"].tolist() == ["2022", "Ensemble"]
    assert (resultats["lien"]["n_structures"] >= 5).all()
    synthese = str(rd.synthese(resultats))
    assert "Par quoi commencer" in synthese or "À préserver" in synthese


@pytest.mark.integration
def test_rapport_determinants_de_bout_en_bout(petite_demo, tmp_path):
    sortie = tmp_path / "rapports"
    pdf = rd.rapport_determinants(petite_demo, sortie, parametres_methode={"n_bootstrap": 200})

    assert pdf == sortie / "determinants" / "rapport_determinants.pdf" and pdf.exists()
    assert (sortie / "determinants" / "rapport_determinants.html").exists()
    texte = _texte(pdf)
    assert "Déterminants de la" in texte and "satisfaction des usagers" in texte
    assert "Données fictives de démonstration" in texte
    assert "Traceback" not in texte and "Warning" not in texte and "Error" not in texte
    for titre in (
        "Importance relative des déterminants",
        "Dominance",
        "Robustesse",
        "Qualité auditée et qualité perçue",
        "Matrice importance",
        "Par quoi commencer",
        "Stabilité",
        "Annexe méthodologique",
    ):
        assert titre in texte
    # Confidentialité : aucune structure nommée.
    noms = stockage.lire(petite_demo, "participants")["nom"].dropna().unique()
    assert not [n for n in noms if n in texte]
    tableaux = sortie / "determinants" / "tableaux"
    for nom in (
        "importance_relative",
        "dominance_conditionnelle",
        "dominance_relations",
        "comparaison_modeles",
        "lien_audit_percu",
        "matrice_importance_performance",
        "stabilite_editions",
        "effectifs",
        "modele_structures_satisfaction",
    ):
        assert (tableaux / f"{nom}.csv").exists(), nom
    importance = pd.read_csv(tableaux / "importance_relative.csv", sep=";", decimal=",", encoding="utf-8-sig")
    assert len(importance) == 8 and (importance["n_bootstrap"] == 200).all()


def test_matrice_nationale_chaque_lecture_suit_son_intervalle(petite_demo):
    """Issue 17 : « priorité », « atout à préserver »… seulement quand l'intervalle de l'écart à la
    moyenne des déterminants l'établit ; le titre et la synthèse ne nomment que ceux-là."""
    tables = rd.charger_tables(petite_demo, [2021, 2022])
    resultats = rd.calculer(tables, config.preparer_parametres({"n_bootstrap": 100}))
    m = resultats["matrice"].dropna(subset=["performance"])
    table = rd.tableau_matrice(m)
    for lecture, bas, haut in zip(table["Lecture"], m["ecart_bas"], m["ecart_haut"]):
        if lecture in ("priorité", "second plan"):
            assert haut < 0
        elif lecture in ("atout à préserver", "acquis"):
            assert bas > 0
        else:
            assert lecture in ("à surveiller", "écart non établi")
    assert table["Écart à la moyenne des déterminants (points, IC à 95 %)"].str.contains(r"\[").all()
    etablies = set(m.loc[table["Lecture"].eq("priorité").to_numpy(), "libelle"].str.lower())
    titre = rd.titre_matrice(m)
    for libelle in m["libelle"].str.lower():
        assert (libelle in titre.split(" ; ")[0] and titre.startswith("Priorité")) == (libelle in etablies)
    synthese = str(rd.synthese(resultats))
    for lecture, libelle in zip(table["Lecture"], m["libelle"]):
        if lecture in ("priorité", "à surveiller", "atout à préserver"):
            assert str(escape(libelle)) in synthese
