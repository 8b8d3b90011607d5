"""Palmarès : catégories d'au moins 5 structures, 3 lauréats nommés au plus, intervalles de rang."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analyse import config
from analyse.rapports import palmares as rapport_palmares
from analyse.statistiques import edition, palmares
from test_fiche import ANNEE, donnees_demo


def test_fusion_des_petites_classes():
    p = pd.DataFrame({"structure_id": [f"s{i}" for i in range(14)], "type_structure": "commune", "certifie": False,
                      "classe_population": ["< 2 000"] * 6 + ["2 000–9 999"] * 2 + ["10 000–19 999"] * 6})
    cat = palmares.categories_palmares(p)
    effectifs = cat.groupby("categorie").size()
    assert (effectifs >= config.PARAMETRES.taille_min_agregat).all() and effectifs.sum() == 14
    assert len(effectifs) == 2


def test_type_trop_petit_supprime():
    p = pd.DataFrame({"structure_id": list("abcd"), "type_structure": "region", "certifie": True,
                      "classe_population": "≥ 100 000"})
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
    assert (laureats.groupby("categorie").size() <= palmares.N_LAUREATS).all()
    scores = tables["scores"].query("niveau == 'global'").set_index("structure_id")["score"]
    membres = palmares.categories_palmares(tables["participants"])
    for categorie, groupe in laureats.groupby("categorie"):
        meilleurs = scores[membres.loc[membres["categorie"] == categorie, "structure_id"]].nlargest(len(groupe))
        assert set(groupe["structure_id"]) == set(meilleurs.index)
    texte = str(rapport_palmares.bloc_palmares(resultat, "Source"))
    nommes = {n for n in tables["participants"]["nom"] if n in texte}
    assert nommes == set(laureats["nom"])
    assert not any(s in texte for s in tables["participants"]["structure_id"])
