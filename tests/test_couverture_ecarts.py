"""Banc de couverture hors du modèle, version rapide (version complète :
``benchmarks/bench_couverture_ecarts.py``, résultats dans ``benchmarks/RESULTATS.md``).

Trois répliques d'une édition 2022 simulée (350 structures) dans le scénario « combine » :
structures de constance différente (σ_contact × exp(0,5 z)), site internet 1,75 fois plus
bruité, 10 % de contacts parfaits (score 100), 20 % de structures à un contact par canal.
Les intervalles passent par la vraie préparation. Avec la variance seulement mise en commun
(méthode d'avant l'issue 17), ces mêmes répliques couvrent le site internet à 86,0 % et les
canaux du cinquième le plus erratique à 86,2 %, avec des largeurs égales à celles des autres
structures ; la méthode modérée donne 96,3 %, 93,7 % et 1,10 fois. Les seuils sont les cibles
(global ≥ 93 %, site ≥ 90 %) ou un à deux points dessous là où les effectifs sont plus petits
(autres canaux ≥ 89 %, erratiques ≥ 88 %) ; les valeurs mesurées les dépassent d'au moins 3 points.
Graines fixes : déterministe.
"""

import pytest

from analyse.validation.couverture import mesurer_couverture, resumer_couverture


@pytest.fixture(scope="module")
def detail():
    return mesurer_couverture(3, annee=2022, graine=2012, ecarts="combine")


def test_couverture_globale_hors_modele(detail):
    r = resumer_couverture(detail[detail["niveau"] == "global"], ["niveau"]).iloc[0]
    assert r["n"] == 3 * 350
    assert r["couverture"] >= 0.93
    assert r["rapport_largeur"] <= 1.3


def test_chaque_canal_couvert_site_bruite_compris(detail):
    resume = resumer_couverture(detail[detail["niveau"] == "canal"], ["modalite"]).set_index("modalite")
    assert resume.loc["site_internet", "couverture"] >= 0.90, resume
    assert (resume["couverture"] >= 0.89).all(), resume
    assert (resume["rapport_largeur"] <= 1.3).all(), resume


def test_cinquieme_le_plus_erratique_couvert(detail):
    erratiques = detail[detail["erratique"]]
    assert erratiques["structure_id"].nunique() == 70
    canal = erratiques.loc[erratiques["niveau"] == "canal", "couvert"]
    glob = erratiques.loc[erratiques["niveau"] == "global", "couvert"]
    assert canal.mean() >= 0.88 and glob.mean() >= 0.88


def test_intervalles_plus_larges_pour_les_structures_erratiques(detail):
    """La largeur suit la constance propre de la structure (variance modérée, pas seulement commune) :
    au téléphone (4 à 6 contacts), les structures erratiques ont des intervalles plus larges."""
    telephone = detail[(detail["niveau"] == "canal") & (detail["modalite"] == "telephone")]
    largeur = telephone.groupby("erratique")["largeur"].median()
    assert largeur[True] > 1.05 * largeur[False], largeur
