"""Erlang C comparé à des exemples publiés et refaits à la main."""

import math

import pandas as pd
import pytest

from analyse.statistiques import erlang


def test_petit_exemple_refait_a_la_main():
    """A = 2 erlangs, N = 3 agents : somme A^k/k! (k < 3) = 1 + 2 + 2 = 5 ; terme d'attente
    A^N/N! · N/(N − A) = 8/6 · 3 = 4 ; C = 4 / (5 + 4) = 4/9 ≈ 0,4444 (manuels de files d'attente)."""
    assert erlang.probabilite_attente(2, 3) == pytest.approx(4 / 9, abs=1e-12)


def test_exemple_call_centre_helper():
    """Exemple chiffré de Call Centre Helper, « Erlang C Formula – Made Simple With an Easy Worked
    Example » : 100 appels par demi-heure, durée moyenne de traitement 180 s, objectif 80 % des
    appels décrochés en 20 s. Trafic A = 200 × 180 / 3600 = 10 erlangs. Valeurs publiées :
    11 agents -> probabilité d'attendre 68,21 %, niveau de service 39 % ; 14 agents -> 17,41 %,
    88,84 %, attente moyenne 7,8 s ; 14 agents est le premier effectif qui atteint 80 %."""
    a = erlang.trafic_erlangs(200, 180)
    assert a == 10
    assert erlang.probabilite_attente(a, 11) == pytest.approx(0.6821, abs=5e-5)
    assert erlang.niveau_service(a, 11, 180, 20) == pytest.approx(0.39, abs=5e-3)
    assert erlang.probabilite_attente(a, 14) == pytest.approx(0.1741, abs=5e-5)
    assert erlang.niveau_service(a, 14, 180, 20) == pytest.approx(0.8884, abs=5e-5)
    assert erlang.attente_moyenne(a, 14, 180) == pytest.approx(7.8, abs=0.05)
    assert erlang.agents_necessaires(a, 180, 20, 0.80) == 14
    assert erlang.niveau_service(a, 13, 180, 20) < 0.80


def test_erlang_b_et_formule_directe_concordent():
    """La récurrence stable donne la formule directe avec factorielles."""
    for a, n in ((0.5, 1), (3.7, 6), (25.0, 30)):
        somme = sum(a**k / math.factorial(k) for k in range(n))
        terme = a**n / math.factorial(n) * n / (n - a)
        assert erlang.probabilite_attente(a, n) == pytest.approx(terme / (somme + terme), rel=1e-10)


def test_cas_limites():
    assert erlang.probabilite_attente(0, 1) == 0 and erlang.agents_necessaires(0, 180) == 0
    assert erlang.probabilite_attente(3, 3) == 1 and erlang.niveau_service(3, 2, 180, 20) == 0
    assert erlang.attente_moyenne(3, 3, 180) == math.inf
    assert erlang.agents_necessaires(10, 180, 20, 0.80, occupation_max=0.6) == 17  # 10 / 17 ≤ 0,6


def test_dimensionner_et_etp():
    charge = pd.DataFrame(
        {"appels_par_heure": [200.0, 0.0], "duree_moyenne_secondes": [180.0, 180.0], "agents_actuels": [12, 1]}
    )
    d = erlang.dimensionner(charge, 20, 0.80)
    assert d["agents_necessaires"].tolist() == [14, 0] and d["renfort_agents"].tolist() == [2, 0]
    assert d["niveau_service_cible"].iloc[0] >= 0.80 > d["niveau_service_actuel"].iloc[0]
    assert erlang.equivalent_temps_plein(35) == 1.0
