"""Fiche de structure : calculs (mêmes chiffres que processed/scores), priorités, bonnes pratiques."""

from __future__ import annotations

import html
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analyse.donnees import stockage
from analyse.donnees.codes import DETERMINANTS
from analyse.formatage import nombre_fr
from analyse.rapports import fiche
from analyse.statistiques import pratiques

ANNEE = 2022
_DONNEES: dict = {}


def donnees_demo(tmp_path_factory) -> Path:
    """Petite démo (échelle 0,1 ; éditions 2021 et 2022) préparée une fois par session de tests."""
    if "racine" not in _DONNEES:
        from analyse import cli
        from analyse.demo.editions import generer_demo

        racine = tmp_path_factory.mktemp("demo_fiches")
        generer_demo(racine, echelle=0.1, annees=[2021, 2022])
        assert cli.main(["preparer", "--toutes", "--donnees", str(racine), "--bootstrap", "100"]) == 0
        _DONNEES["racine"] = racine
    return _DONNEES["racine"]


@pytest.fixture(scope="module")
def donnees(tmp_path_factory):
    return donnees_demo(tmp_path_factory)


def test_catalogue_des_bonnes_pratiques():
    catalogue = pratiques.charger_pratiques()
    mises_en_avant = catalogue[catalogue["mise_en_avant"]]
    assert set(mises_en_avant["code"]) == {
        "projet_transversal",
        "evaluation_continue",
        "canaux_ecoute",
        "renfort_telephonique",
    }
    assert {d for ds in catalogue["determinants"] for d in ds.split("|")} <= set(DETERMINANTS)
    assert catalogue["description"].str.len().min() > 60
    # chaque déterminant est traité par au moins une pratique
    assert all(not pratiques.pratiques_pour(d).empty for d in DETERMINANTS)


def test_chiffres_de_la_fiche_egaux_aux_scores(donnees):
    scores = stockage.lire(donnees, "scores", annee=ANNEE)
    sid = scores["structure_id"].iloc[0]
    f = fiche.calculer_fiche(ANNEE, sid, donnees)
    propres = scores[scores["structure_id"] == sid].set_index(["niveau", "modalite"])["score"]
    assert f["global"]["score"] == pytest.approx(propres[("global", "")])
    for niveau in ("canal", "determinant", "etape"):
        for _, ligne in f[niveau].iterrows():
            assert ligne["score"] == pytest.approx(propres[(niveau, ligne["modalite"])])
    assert f["national"]["score"] == pytest.approx(scores.loc[scores["niveau"] == "global", "score"].mean())
    assert nombre_fr(f["global"]["score"]) in str(fiche.bloc_synthese(f))


def test_priorites_reliees_aux_pratiques(donnees):
    sid = stockage.lire(donnees, "participants", annee=ANNEE)["structure_id"].iloc[1]
    f = fiche.calculer_fiche(ANNEE, sid, donnees)
    m = f["priorites"]
    assert set(m["modalite"]) <= set(DETERMINANTS)
    assert (m.loc[m["priorite"], "ecart"] < 0).all()
    texte = html.unescape(str(fiche.bloc_priorites(f)))  # les gabarits échappent aussi « ' »
    for _, ligne in m[m["priorite"]].head(fiche.N_PRIORITES).iterrows():
        assert ligne["libelle"] in texte
        assert pratiques.pratiques_pour(ligne["modalite"])["pratique"].iloc[0] in texte


def test_importance_nationale_lmg_et_repli_sur_toutes_les_editions(donnees):
    from analyse.statistiques import determinants

    table = fiche.importance_nationale(ANNEE, donnees)
    attendu = determinants.importance_nationale(annee=ANNEE, donnees=donnees).set_index("determinant")["importance"]
    assert list(table["determinant"]) == list(attendu.index)
    assert np.allclose(table["importance"], attendu.to_numpy())
    assert (table["source"] == f"enquête en ligne de l'édition {ANNEE}").all()
    sans_enquete = fiche.importance_nationale(1990, donnees)  # édition sans enquête : toutes les éditions
    assert sans_enquete["source"].str.contains("toutes les éditions").all()
    assert sans_enquete["importance"].notna().all()


def test_points_de_vigilance_sans_priorite(donnees):
    sid = stockage.lire(donnees, "participants", annee=ANNEE)["structure_id"].iloc[1]
    f = fiche.calculer_fiche(ANNEE, sid, donnees)
    m = f["priorites"].copy()
    m["priorite"] = False
    m["quadrant"] = ["Second plan"] + ["Acquis"] * (len(m) - 1)
    texte = html.unescape(str(fiche.bloc_priorites({**f, "priorites": m})))
    assert "Point de vigilance 1" in texte and "Priorité 1" not in texte
    assert pratiques.pratiques_pour(m["modalite"].iloc[0])["pratique"].iloc[0] in texte


def test_cache_relit_une_donnee_modifiee(donnees, tmp_path):
    copie = tmp_path / "copie"
    shutil.copytree(donnees / "processed", copie / "processed")
    premier = fiche.charger_donnees_fiche(ANNEE, copie)
    assert fiche.charger_donnees_fiche(ANNEE, copie) is premier  # cache
    fichier = next((copie / "processed" / "scores" / f"annee={ANNEE}").glob("*.parquet"))
    table = pd.read_parquet(fichier)
    table.to_parquet(fichier)  # nouvelle date de modification
    assert fiche.charger_donnees_fiche(ANNEE, copie) is not premier


def test_structure_absente_ou_sans_score(donnees):
    with pytest.raises(KeyError, match="n'a pas participé"):
        fiche.calculer_fiche(ANNEE, "INCONNUE", donnees)


def test_comparaison_au_national_tient_compte_des_deux_incertitudes():
    from analyse.rapports.fiche import _comparer

    propres = pd.DataFrame(
        {
            "niveau": "canal",
            "modalite": ["telephone", "courriel", "courrier"],
            "score": [80.0, 80.0, 50.0],
            "ic_bas": [76.0, 50.0, 46.0],
            "ic_haut": [84.0, 100.0, 54.0],
            "n_contacts": [5, 1, 4],
            "fragile": [False, True, False],
            "erreur_type": [2.0, 16.0, 2.0],
        }
    )
    nationaux = pd.DataFrame(
        {
            "modalite": ["telephone", "courriel", "courrier"],
            "score": [70.0, 65.0, 60.0],
            "ic_bas": [69.0, 64.0, 59.0],
            "ic_haut": [71.0, 66.0, 61.0],
            "n_structures": 300,
            "supprime": False,
        }
    )
    table = _comparer(propres, nationaux, "canal", ("telephone", "courriel", "courrier")).set_index("modalite")
    assert table["comparaison"].to_dict() == {
        "telephone": "au-dessus",
        "courriel": "non établi",
        "courrier": "en dessous",
    }
