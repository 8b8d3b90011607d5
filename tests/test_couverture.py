"""Banc de couverture, version rapide : les intervalles de structure tiennent leur promesse.

Quatre répliques d'une édition 2022 simulée (350 structures, 1 à 6 contacts par canal, site
internet toujours à 1 contact, écarts au modèle modérés de la démonstration ``ECARTS_DEMO`` ;
scénarios plus durs : ``test_couverture_ecarts.py``) passent par la vraie préparation. L'ancienne méthode (bootstrap
des contacts de la structure) couvrait environ 60 % (global) et 40 % (canaux) : les seuils
ci-dessous ne peuvent pas être atteints par chance. Répliques à graines fixes : déterministe.
"""

import pytest

from analyse.validation.couverture import mesurer_couverture, resumer_couverture


@pytest.fixture(scope="module")
def detail():
    return mesurer_couverture(4, annee=2022, graine=2012)


def test_couverture_du_score_global(detail):
    r = resumer_couverture(detail[detail["niveau"] == "global"], ["niveau"]).iloc[0]
    assert r["n"] == 4 * 350
    assert 0.93 <= r["couverture"] <= 0.985
    assert 0.7 <= r["rapport_largeur"] <= 1.3


def test_couverture_de_chaque_canal(detail):
    resume = resumer_couverture(detail[detail["niveau"] == "canal"], ["modalite"])
    assert set(resume["modalite"]) >= {"telephone", "site_internet", "courrier"}
    assert (resume["couverture"] >= 0.91).all(), resume
    assert (resume["rapport_largeur"] <= 1.3).all(), resume


@pytest.mark.parametrize("niveau", ["determinant", "etape"])
def test_couverture_des_determinants_et_etapes(detail, niveau):
    resume = resumer_couverture(detail[detail["niveau"] == niveau], ["niveau"]).iloc[0]
    assert 0.92 <= resume["couverture"] <= 0.985
    assert resume["rapport_largeur"] <= 1.3


def test_canal_a_un_seul_contact_couvert(detail):
    un = detail[(detail["niveau"] == "canal") & (detail["n_contacts"] == 1)]
    assert len(un) > 1000 and un["couvert"].mean() >= 0.91 and (un["largeur"] > 0).all()


def test_fragile_informe(detail):
    """Jamais allumé pour toutes les structures, mais allumé pour certaines (canaux à 1 contact)."""
    part = detail.groupby("niveau")["fragile"].mean()
    assert part["global"] < 0.5 and 0.05 < part["canal"] < 0.95


def test_couverture_des_intervalles_de_rang(detail):
    """Intervalles de rang du palmarès (catégories de 20) : le rang vrai y est au moins 90 fois
    sur 100, lauréats compris (l'ancien bootstrap des contacts les rendait bien trop étroits)."""
    from analyse.validation.couverture import couverture_rangs

    resume = couverture_rangs(detail).set_index("population")
    assert (resume["couverture"] >= 0.90).all(), resume
