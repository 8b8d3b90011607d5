"""Règles de notation : chaque type de réponse, bornes du barème, réponses sans objet."""

import numpy as np
import pandas as pd
import pytest

from analyse.config import Parametres
from analyse.donnees.notation import (
    lire_bareme,
    points_echelle4,
    points_nombre,
    points_oui_non,
    points_reponses,
    scores_contacts,
    scores_structures,
)


def test_oui_non():
    assert points_oui_non([1, 0], 4).tolist() == [4.0, 0.0]


def test_echelle4():
    assert points_echelle4([1, 2, 3, 4], 3).tolist() == [0.0, 1.0, 2.0, 3.0]


def test_bareme_exemple_du_contrat():
    bareme = lire_bareme("3:4|5:2")
    assert points_nombre([2, 3, 4, 5, 5.01, 8], bareme).tolist() == [4, 4, 2, 2, 0, 0]


def test_bareme_bornes_et_decimales():
    bareme = lire_bareme(" 1 : 3 | 3,5 : 1 ")
    assert bareme == [(1.0, 3.0), (3.5, 1.0)]
    assert points_nombre([0, 1, 1.5, 3.5, 3.6], bareme).tolist() == [3, 3, 1, 1, 0]


@pytest.mark.parametrize("bareme", ["3-4", "3:4|2:1", "a:4", "3:4|3:2", ""])
def test_bareme_invalide(bareme):
    with pytest.raises(ValueError):
        lire_bareme(bareme)


def test_sans_valeur_non_notee():
    assert np.isnan(points_nombre([np.nan], [(3, 4)])[0])
    assert np.isnan(points_reponses("texte", ["x"], 0)).all()


def _contacts_reponses():
    contacts = pd.DataFrame({
        "id_contact": ["a", "b", "c", "d", "e"],
        "structure_id": ["S1", "S1", "S1", "S2", "S2"],
        "canal": ["telephone", "telephone", "courriel", "telephone", "courriel"],
    })
    reponses = pd.DataFrame({
        "id_contact": ["a", "a", "b", "c", "d", "e"],
        "determinant": ["courtoisie", "attente", "courtoisie", "reactivite", "courtoisie", "reactivite"],
        "etape": ["accueil", "acces", "accueil", "suivi", "accueil", "suivi"],
        "points": [2.0, 1.0, 0.0, 3.0, 4.0, 0.0],
        "points_max": [2.0, 2.0, 2.0, 4.0, 4.0, 2.0],
    })
    return contacts, reponses


def test_score_contact_somme_des_points():
    contacts, reponses = _contacts_reponses()
    notes = scores_contacts(contacts, reponses).set_index("id_contact")
    assert notes.loc["a", "score"] == pytest.approx(75.0)
    assert notes.loc["b", "score"] == 0.0
    assert notes.loc["c", "score"] == 75.0


def test_contact_sans_reponse_notee_n_a_pas_de_score():
    contacts, reponses = _contacts_reponses()
    contacts = pd.concat([contacts, pd.DataFrame({"id_contact": ["f"], "structure_id": ["S2"], "canal": ["courrier"]})])
    notes = scores_contacts(contacts, reponses).set_index("id_contact")
    assert np.isnan(notes.loc["f", "score"]) and notes.loc["f", "n_reponses"] == 0


def test_scores_structure_selon_la_methodologie():
    contacts, reponses = _contacts_reponses()
    scores = scores_structures(scores_contacts(contacts, reponses), reponses, 2022, Parametres(n_bootstrap=300))
    s = scores.set_index(["structure_id", "niveau", "modalite"])["score"]
    # canal = moyenne des contacts ; global = moyenne des canaux
    assert s["S1", "canal", "telephone"] == pytest.approx((75 + 0) / 2)
    assert s["S1", "canal", "courriel"] == pytest.approx(75)
    assert s["S1", "global", ""] == pytest.approx((37.5 + 75) / 2)
    # déterminant = 100 ΣP/ΣM tous canaux confondus
    assert s["S1", "determinant", "courtoisie"] == pytest.approx(100 * 2 / 4)
    assert s["S1", "etape", "suivi"] == pytest.approx(75)
    assert s["S2", "global", ""] == pytest.approx((100 + 0) / 2)


def test_poids_des_canaux():
    contacts, reponses = _contacts_reponses()
    parametres = Parametres(n_bootstrap=50, poids_canaux={"telephone": 3, "courriel": 1})
    scores = scores_structures(scores_contacts(contacts, reponses), reponses, 2022, parametres)
    globaux = scores.loc[scores["niveau"] == "global"].set_index("structure_id")["score"]
    assert globaux["S1"] == pytest.approx((3 * 37.5 + 75) / 4)


def test_bootstrap_deterministe_et_intervalle_contenant_le_score():
    rng = np.random.default_rng(1)
    n = 60
    contacts = pd.DataFrame({"id_contact": [f"c{i}" for i in range(n)],
                             "structure_id": [f"S{i % 4}" for i in range(n)],
                             "canal": np.where(np.arange(n) % 3 == 0, "courriel", "telephone")})
    reponses = pd.DataFrame({"id_contact": np.repeat(contacts["id_contact"], 3).to_numpy(),
                             "determinant": np.tile(["courtoisie", "attente", "reactivite"], n),
                             "etape": np.tile(["accueil", "acces", "suivi"], n),
                             "points": rng.integers(0, 5, 3 * n).astype(float), "points_max": 4.0})
    contacts = scores_contacts(contacts, reponses)
    p = Parametres(n_bootstrap=500, graine=7)
    a = scores_structures(contacts, reponses, 2022, p)
    b = scores_structures(contacts, reponses, 2022, p)
    pd.testing.assert_frame_equal(a, b)
    assert (a["ic_bas"] <= a["score"]).all() and (a["score"] <= a["ic_haut"]).all()
    assert (a.loc[a["niveau"] == "global", "ic_haut"] > a.loc[a["niveau"] == "global", "ic_bas"]).all()
    c = scores_structures(contacts, reponses, 2022, Parametres(n_bootstrap=500, graine=8))
    assert not np.allclose(a["ic_bas"], c["ic_bas"])


def test_bootstrap_en_blocs_identique_a_un_seul_bloc(monkeypatch):
    """Le découpage mémoire en blocs ne change pas les estimations ponctuelles ni la validité."""
    import analyse.donnees.notation as notation

    contacts, reponses = _contacts_reponses()
    contacts = scores_contacts(contacts, reponses)
    un_bloc = scores_structures(contacts, reponses, 2022, Parametres(n_bootstrap=100))
    monkeypatch.setattr(notation, "_OCTETS_PAR_BLOC", 1)
    blocs = scores_structures(contacts, reponses, 2022, Parametres(n_bootstrap=100))
    pd.testing.assert_series_equal(un_bloc["score"], blocs["score"])
    assert (blocs["ic_bas"] <= blocs["score"]).all()


def test_fragile_moins_de_3_contacts():
    contacts, reponses = _contacts_reponses()
    scores = scores_structures(scores_contacts(contacts, reponses), reponses, 2022, Parametres(n_bootstrap=20))
    assert scores.loc[scores["niveau"] == "canal", "fragile"].all()
