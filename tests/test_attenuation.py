"""Atténuation des pentes du modèle par structure : fiabilité énoncée, pentes corrigées (issue 17)."""

import numpy as np

from analyse.statistiques import determinants
from analyse.validation import attenuation


def test_calibration_de_regression_corrige_l_atténuation_simulee():
    """Scores d'audit à erreur hétérogène connue (1 à 6 contacts) : pentes naïves atténuées de
    12 à 41 %, pentes corrigées à ±4 % de la vérité, intervalle bootstrap couvrant (banc : 94 à 95,5 %)."""
    r = attenuation.mesurer_attenuation(n_repliques=30, n_structures=350, n_bootstrap=80).set_index("terme")
    assert (r["fiabilite"].between(0.45, 0.7)).all()
    assert r.loc[["attente", "courtoisie"], "rapport_naif"].max() < 0.75  # sans correction : nettement atténuées
    assert r["rapport_corrige"].between(0.92, 1.08).all()
    assert (r["couvert"] >= 0.85).all()


def test_modele_structures_enonce_la_fiabilite_et_corrige():
    table = attenuation.simuler_structures(np.random.default_rng(3), 300).rename(columns={"y": "satisfaction_moyenne"})
    table[["score_attente", "score_courtoisie", "score_accessibilite"]] *= 10  # le modèle divise par 10
    m = determinants.modele_structures(table, "satisfaction_moyenne")
    c = m["coefficients"].set_index("terme")
    assert {"fiabilite", "coefficient_corrige", "ic_bas_corrige", "ic_haut_corrige"} <= set(c.columns)
    assert np.allclose(c["coefficient"], c["coefficient_naif"])  # même estimation naïve que le modèle publié
    assert (c["coefficient_corrige"].abs() > c["coefficient"].abs()).loc[["attente", "courtoisie"]].all()
    assert "Fiabilité des scores d’audit" in m["note"] and "calibration de régression" in m["note"]
