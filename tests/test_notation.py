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
    variance_intra_mise_en_commun,
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
    contacts = pd.DataFrame(
        {
            "id_contact": ["a", "b", "c", "d", "e"],
            "structure_id": ["S1", "S1", "S1", "S2", "S2"],
            "canal": ["telephone", "telephone", "courriel", "telephone", "courriel"],
        }
    )
    reponses = pd.DataFrame(
        {
            "id_contact": ["a", "a", "b", "c", "d", "e"],
            "determinant": ["courtoisie", "attente", "courtoisie", "reactivite", "courtoisie", "reactivite"],
            "etape": ["accueil", "acces", "accueil", "suivi", "accueil", "suivi"],
            "points": [2.0, 1.0, 0.0, 3.0, 4.0, 0.0],
            "points_max": [2.0, 2.0, 2.0, 4.0, 4.0, 2.0],
        }
    )
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
    scores = scores_structures(scores_contacts(contacts, reponses), reponses, 2022, Parametres())
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
    parametres = Parametres(poids_canaux={"telephone": 3, "courriel": 1})
    scores = scores_structures(scores_contacts(contacts, reponses), reponses, 2022, parametres)
    globaux = scores.loc[scores["niveau"] == "global"].set_index("structure_id")["score"]
    assert globaux["S1"] == pytest.approx((3 * 37.5 + 75) / 4)


def _edition_aleatoire(n=60, graine=1):
    rng = np.random.default_rng(graine)
    contacts = pd.DataFrame(
        {
            "id_contact": [f"c{i}" for i in range(n)],
            "structure_id": [f"S{i % 4}" for i in range(n)],
            "canal": np.where(np.arange(n) % 3 == 0, "courriel", "telephone"),
        }
    )
    reponses = pd.DataFrame(
        {
            "id_contact": np.repeat(contacts["id_contact"], 3).to_numpy(),
            "determinant": np.tile(["courtoisie", "attente", "reactivite"], n),
            "etape": np.tile(["accueil", "acces", "suivi"], n),
            "points": rng.integers(0, 5, 3 * n).astype(float),
            "points_max": 4.0,
        }
    )
    return scores_contacts(contacts, reponses), reponses


def test_intervalles_deterministes_et_contenant_le_score():
    contacts, reponses = _edition_aleatoire()
    a = scores_structures(contacts, reponses, 2022)
    pd.testing.assert_frame_equal(a, scores_structures(contacts, reponses, 2022))
    assert (a["ic_bas"] <= a["score"]).all() and (a["score"] <= a["ic_haut"]).all()
    assert (a["ic_haut"] > a["ic_bas"]).all()
    assert a[["ic_bas", "ic_haut"]].stack().between(0, 100).all()


def test_un_seul_contact_a_un_intervalle_non_nul_venant_des_autres_structures():
    """Un canal à 1 contact reçoit la variance intra-structure mise en commun du canal :
    demi-largeur z·σ, σ² estimé sur les structures à plusieurs contacts."""
    contacts = pd.DataFrame(
        {
            "id_contact": list("abcde"),
            "structure_id": ["S1", "S1", "S2", "S2", "S3"],
            "canal": "courriel",
            "score": [60.0, 80.0, 50.0, 70.0, 65.0],
        }
    )
    reponses = pd.DataFrame(
        {
            "id_contact": list("abcde"),
            "determinant": "courtoisie",
            "etape": "accueil",
            "points": [3.0, 4.0, 2.5, 3.5, 3.25],
            "points_max": 5.0,
        }
    )
    scores = scores_structures(contacts, reponses, 2022).set_index(["structure_id", "niveau", "modalite"])
    # σ² par groupe : Σ(x − x̄)² / Σ(n − 1) = 200 à mi-échelle, modulé par le niveau (h(m))
    sigma2 = variance_intra_mise_en_commun(
        np.array([60.0, 80.0, 50.0, 70.0, 65.0]), np.ones(5), np.array([0, 2, 4]), np.zeros(3, dtype=int)
    )
    assert 150 < sigma2[2] < 250
    s3 = scores.loc[("S3", "canal", "courriel")]
    assert s3["ic_haut"] - s3["score"] == pytest.approx(1.959964 * np.sqrt(sigma2[2]), rel=1e-5)
    s1 = scores.loc[("S1", "canal", "courriel")]
    assert s1["ic_haut"] - s1["score"] == pytest.approx(1.959964 * np.sqrt(sigma2[0] / 2), rel=1e-5)
    assert scores.loc[("S3", "determinant", "courtoisie"), "ic_haut"] > 65.0


def test_scores_ponctuels_inchanges_par_la_methode_d_intervalle():
    contacts, reponses = _edition_aleatoire()
    scores = scores_structures(contacts, reponses, 2022)
    canal = scores[scores["niveau"] == "canal"].set_index(["structure_id", "modalite"])["score"]
    attendu = contacts.groupby(["structure_id", "canal"])["score"].mean()
    np.testing.assert_allclose(canal.to_numpy(), attendu.loc[canal.index].to_numpy())


def test_fragile_selon_la_largeur_et_jamais_pour_tous():
    contacts, reponses = _edition_aleatoire(n=120)
    largeur = scores_structures(contacts, reponses, 2022).eval("ic_haut - ic_bas")
    seuil = float(largeur.median())
    scores = scores_structures(contacts, reponses, 2022, Parametres(largeur_fragile=seuil))
    assert (scores["fragile"] == (largeur > seuil)).all()
    assert 0 < scores["fragile"].sum() < len(scores)
    assert not scores.loc[scores["niveau"] == "global", "fragile"].any()
    assert scores_structures(contacts, reponses, 2022, Parametres(largeur_fragile=1.0))["fragile"].all()


def test_variance_plus_forte_a_mi_echelle_qu_aux_extremes():
    """Même dispersion observée, niveau différent : la variance attribuée suit h(m) = (m + a)(100 − m + a)."""
    x = np.array([45.0, 55.0, 40.0, 60.0, 92.0, 96.0, 50.0, 95.0])
    v = variance_intra_mise_en_commun(x, np.ones(8), np.array([0, 2, 4, 6, 7]), np.zeros(5, dtype=int))
    assert v[0] == pytest.approx(v[1]) and v[0] > v[2]  # groupes à 50 contre groupe à 94
    assert v[3] > v[4]  # un seul contact : à 50 plus dispersé qu'à 95
