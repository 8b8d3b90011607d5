"""Palmarès : catégories d'au moins 5 structures, 3 lauréats nommés au plus, intervalles de rang."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analyse import config
from analyse.rapports import palmares as rapport_palmares
from analyse.statistiques import edition, palmares
from test_fiche import ANNEE, donnees_demo


def test_fusion_des_petites_classes():
    p = pd.DataFrame(
        {
            "structure_id": [f"s{i}" for i in range(14)],
            "type_structure": "commune",
            "certifie": False,
            "classe_population": ["< 2 000"] * 6 + ["2 000–9 999"] * 2 + ["10 000–19 999"] * 6,
        }
    )
    cat = palmares.categories_palmares(p)
    effectifs = cat.groupby("categorie").size()
    assert (effectifs >= config.PARAMETRES.taille_min_agregat).all() and effectifs.sum() == 14
    assert len(effectifs) == 2


def test_type_trop_petit_supprime():
    p = pd.DataFrame(
        {"structure_id": list("abcd"), "type_structure": "region", "certifie": True, "classe_population": "≥ 100 000"}
    )
    assert palmares.categories_palmares(p).empty


def test_intervalles_de_rang_encadrent_le_rang():
    rng = np.random.default_rng(1)
    scores = pd.Series([80.0, 70.0, 60.0, 50.0, 40.0], index=list("abcde"))
    repliques = scores.to_numpy()[:, None] + rng.normal(0, 8, (5, 500))
    r = palmares.intervalles_de_rang(scores, repliques)
    assert (r["rang_bas"] <= r["rang"]).all() and (r["rang"] <= r["rang_haut"]).all()
    assert r["rang"].tolist() == [1, 2, 3, 4, 5]


def test_palmares_ne_nomme_que_les_laureats(tmp_path_factory):
    donnees = donnees_demo(tmp_path_factory)
    tables = edition.charger_edition(ANNEE, donnees)
    resultat = palmares.calculer_palmares(tables, config.Parametres(n_bootstrap=200))
    categories, laureats = resultat["categories"], resultat["laureats"]
    assert not categories.empty
    assert (categories["n_structures"] >= config.PARAMETRES.taille_min_agregat).all()
    sans_egalite = laureats[~laureats["egalite"]]
    assert (sans_egalite.groupby("categorie").size() <= palmares.N_LAUREATS).all()
    scores = tables["scores"].query("niveau == 'global'").set_index("structure_id")["score"]
    membres = palmares.categories_palmares(tables["participants"])
    for categorie, groupe in laureats.groupby("categorie"):
        meilleurs = scores[membres.loc[membres["categorie"] == categorie, "structure_id"]].nlargest(len(groupe))
        assert set(groupe["structure_id"]) == set(meilleurs.index)
    texte = str(rapport_palmares.bloc_palmares(resultat, "Source"))
    nommes = {n for n in tables["participants"]["nom"] if n in texte}
    assert nommes == set(laureats["nom"])
    assert not any(s in texte for s in tables["participants"]["structure_id"])


def test_egalite_pour_la_3e_place_non_tranchee_et_ex_aequo():
    """Deux structures à égalité pour la 3e place sont toutes deux lauréates ; des intervalles de
    rang qui se recouvrent donnent des ex aequo (même rang affiché, ordre alphabétique)."""
    n = 8
    ids = [f"S{i}" for i in range(n)]
    participants = pd.DataFrame(
        {
            "structure_id": ids,
            "nom": [f"Structure {c}" for c in "HGFEDCBA"],
            "type_structure": "autre_service_public",
            "certifie": False,
            "classe_population": None,
        }
    )
    score = [90.0, 89.5, 80.0, 80.0, 60.0, 50.0, 40.0, 30.0]
    scores = pd.DataFrame(
        {
            "structure_id": ids,
            "niveau": "global",
            "modalite": "",
            "score": score,
            "ic_bas": [s - 3 for s in score],
            "ic_haut": [s + 3 for s in score],
            "erreur_type": 3 / 1.96,
        }
    )
    laureats = palmares.calculer_palmares({"participants": participants, "scores": scores})["laureats"]
    assert set(laureats["structure_id"]) == {"S0", "S1", "S2", "S3"}
    assert laureats.set_index("structure_id").loc[["S2", "S3"], "egalite"].all()
    premiers = laureats[laureats["structure_id"].isin(["S0", "S1"])]
    assert premiers["ex_aequo"].all() and (premiers["rang_affiche"] == 1).all()
    assert premiers["nom"].tolist() == sorted(premiers["nom"])


def test_intervalles_de_rang_issus_des_erreurs_types():
    """Rangs simulés selon l'erreur type des scores : un écart de 0,5 point avec une erreur type de
    1,5 ne sépare pas deux structures ; un écart de 30 points, si."""
    g = pd.DataFrame({"score": [90.0, 89.5, 60.0], "erreur_type": 1.5}, index=["a", "b", "c"])
    r = palmares.intervalles_de_rang(g["score"], palmares.repliques_scores(g, 2000, 1))
    assert r["rang_bas"].tolist() == [1, 1, 3] and r["rang_haut"].tolist() == [2, 2, 3]
