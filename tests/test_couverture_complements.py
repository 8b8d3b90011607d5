"""Couverture des intervalles complémentaires, version rapide (graines fixes, < 60 s sur un cœur).

Importance LMG des déterminants, proportions d'une structure dans la fiche, quantiles nationaux,
effet de composition des tendances : chaque intervalle à 95 % est recalculé sur des données
simulées de vérité connue, aux tailles réelles du baromètre (``analyse.validation.complements``).
Les seuils (≥ 91 à 93 % sur plusieurs centaines d'intervalles) ne peuvent pas être atteints par
chance par une méthode qui couvrirait 85 % ; la version longue est ``benchmarks/bench_couverture_complements.py``.
"""

import numpy as np
import pandas as pd
import pytest

from analyse import config
from analyse.statistiques import determinants as det, edition
from analyse.validation import complements as c


@pytest.fixture(scope="module")
def vraies():
    return c.parts_lmg_vraies(n_structures=20_000, par_structure=50)


@pytest.mark.parametrize("n_structures, repliques", [(350, 40), (175, 30)])
def test_couverture_importance_lmg(vraies, n_structures, repliques):
    """Parts LMG, parts en % du R² et R² : bootstrap percentile par structures ≈ 95 % (mesuré :
    94,7 % à 350 et 175 structures sur 1 200 intervalles) ; largeur proche de l'écart vrai."""
    detail = c.couverture_lmg(repliques, n_structures, n_bootstrap=500, vraies=vraies)
    resume = c.resumer(detail, ["quantite"]).set_index("quantite")
    for quantite in ("part", "part_pct"):
        assert resume.loc[quantite, "n"] == 8 * repliques
        assert 0.91 <= resume.loc[quantite, "couverture"] <= 0.99, resume
        assert 0.75 <= resume.loc[quantite, "rapport_largeur"] <= 1.3, resume
    assert resume.loc["rang", "couverture"] >= 0.91, resume
    assert resume.loc["r2", "couverture"] >= 0.85, resume
    par_determinant = c.resumer(detail[detail["quantite"] == "part"], ["determinant"])
    assert (par_determinant["couverture"] >= 0.8).all(), par_determinant


@pytest.mark.parametrize("n", range(1, 7))
def test_proportion_d_une_structure_couvre_toujours(n):
    """Clopper–Pearson : couverture exacte ≥ 95 % à toute proportion vraie, de 1 à 6 contacts."""
    proportions = np.linspace(0.01, 0.99, 99)
    couvertures = [c.couverture_proportion_exacte(n, p) for p in proportions]
    assert min(couvertures) >= 0.95


def test_wilson_sous_couvrait_une_structure():
    """Ce qui a motivé le changement : Wilson à 1 contact pour une proportion vraie de 0,88 (décroché)."""
    assert c.couverture_proportion_exacte(1, 0.88, methode="wilson") < 0.9
    assert min(c.couverture_proportion_exacte(n, 0.95, methode="wilson") for n in (2, 3)) < 0.91


def test_proportion_heterogene_entre_structures():
    """Proportion vraie variable d'une structure à l'autre (moyenne 0,88, corrélation 0,09 : effet de plan de la démo)."""
    assert c.couverture_proportion_simulee(20_000, 4, 0.88, 0.094) >= 0.95
    assert c.couverture_proportion_simulee(20_000, 1, 0.62, 0.05) >= 0.95


def test_la_fiche_utilise_l_intervalle_exact():
    reponses = pd.DataFrame({"structure_id": "a", "indicateur": "TEL_DECROCHE_5_SONNERIES", "valeur": [1.0]})
    seuil_un = config.Parametres(taille_min_agregat=1)
    ligne = (
        edition.indicateurs_operationnels(reponses, seuil_un).set_index("code").loc["part_appels_decroches_5_sonneries"]
    )
    assert ligne["ic_bas"] == pytest.approx(0.025) and ligne["ic_haut"] == 1.0


@pytest.mark.parametrize("n_structures", [350, 185])
def test_couverture_des_quantiles_nationaux(n_structures):
    """Quantiles (statistiques d'ordre) et part des performantes (Wilson, structures indépendantes)."""
    detail = c.couverture_distribution(400, n_structures)
    resume = c.resumer(detail, ["statistique"])
    assert len(resume) == 6 and (resume["n"] == 400).all()
    assert (resume["couverture"] >= 0.92).all() and (resume["couverture"] <= 0.99).all(), resume
    assert (resume["rapport_largeur"] <= 1.3).all(), resume


def test_quantile_sans_minimum_ni_maximum():
    """Petit groupe : l'intervalle exigerait une valeur extrême individuelle, il reste vide."""
    assert np.isnan(edition.intervalle_quantile(np.arange(8.0), 0.1)[0])
    bas, haut = edition.intervalle_quantile(np.arange(350.0), 0.1)
    assert 0 < bas < 35 < haut < 349


def test_couverture_de_l_effet_de_composition():
    """Effet de composition (participation sélective croissante, 189 à 350 structures par édition) :
    intervalle bootstrap ≈ 95 % pour la chaîne et les effets fixes (mesuré : 94,4 % sur 1 500)."""
    detail = c.couverture_composition(100, n_bootstrap=300)
    resume = c.resumer(detail, ["methode"]).set_index("methode")
    assert (resume["n"] == 500).all()
    assert (resume["couverture"] >= 0.92).all() and (resume["couverture"] <= 0.985).all(), resume
    assert resume["rapport_largeur"].between(0.75, 1.3).all(), resume
    assert abs((detail["effet"] - detail["vrai"]).mean()) < 0.05  # sans biais


def test_le_test_lmg_distingue_un_bootstrap_qui_ignore_les_structures(vraies):
    """Contrôle : le même test, répondants rééchantillonnés un à un (grappes ignorées), sous-couvre."""

    couverts = []
    for r in range(40):
        rng = np.random.default_rng([2012, r])
        echantillon = c.simuler_repondants(rng, c._tailles_structures(rng, 350))
        echantillon["structure_id"] = np.arange(len(echantillon))
        table = det.importance_nationale(echantillon, n_bootstrap=500, graine=2012 + r)
        vrai = table["determinant"].map(vraies)
        couverts += list((table["ic_bas"] <= vrai) & (vrai <= table["ic_haut"]))
    assert np.mean(couverts) < 0.91


@pytest.mark.parametrize("n_structures", [30, 350])
def test_couverture_des_ecarts_de_la_matrice_nationale(n_structures):
    """Écart d'un déterminant à la moyenne des déterminants : couverture ≥ 93 % pour chacun,
    données loin du modèle (queues lourdes, scores empilés à 100, structures répétées)."""
    cv = c.couverture_ecarts_matrice(n_structures, repliques=400)
    assert cv["couverture"].min() >= 0.90 and cv["couverture"].mean() >= 0.93
