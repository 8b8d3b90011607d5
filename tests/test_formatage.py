"""Mise en forme française : nombres, pourcentages, dates, intervalles, tableaux, CSV."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analyse.formatage import (
    ESPACE_MILLIERS,
    date_fr,
    ecrire_csv,
    intervalle_fr,
    nombre_fr,
    pourcent_fr,
)
from analyse.rapports.gabarits import tableau_html


@pytest.mark.parametrize(
    ("valeur", "decimales", "attendu"),
    [
        (68.456, 1, "68,5"),
        (68.44, 1, "68,4"),
        (1234, 0, f"1{ESPACE_MILLIERS}234"),
        (1234567.891, 2, f"1{ESPACE_MILLIERS}234{ESPACE_MILLIERS}567,89"),
        (-3.25, 1, "-3,2"),
        (-0.01, 1, "0,0"),
        (0, 0, "0"),
        (np.float64(72.5), 1, "72,5"),
        (np.int64(40), 0, "40"),
    ],
)
def test_nombre_fr(valeur, decimales, attendu):
    assert nombre_fr(valeur, decimales) == attendu


@pytest.mark.parametrize("manquant", [None, float("nan"), np.nan, pd.NA])
def test_nombre_fr_valeur_manquante(manquant):
    assert nombre_fr(manquant) == "–"


def test_pourcent_fr():
    assert pourcent_fr(0.685) == "68,5\u00a0%"
    assert pourcent_fr(0.93, 0) == "93\u00a0%"


@pytest.mark.parametrize(
    ("date", "attendu"),
    [
        ("2026-11-28", "28 novembre 2026"),
        (dt.date(2026, 1, 1), "1er janvier 2026"),
        (dt.datetime(2022, 8, 15, 10, 30), "15 août 2022"),
        (pd.Timestamp("2021-02-03"), "3 février 2021"),
        (dt.date(2020, 12, 31), "31 décembre 2020"),
    ],
)
def test_date_fr(date, attendu):
    assert date_fr(date) == attendu


def test_intervalle_fr():
    assert intervalle_fr(66.14, 70.31) == "[66,1 ; 70,3]"
    assert intervalle_fr(np.nan, 70) == "–"


def test_tableau_html_formate_a_la_francaise():
    df = pd.DataFrame({"Canal": ["Courriel <test>"], "Score": [68.46], "Structures": [1234], "Fragile": [True]})
    t = tableau_html(df, "Scores par canal", source="Source : essai")
    contenu = t._repr_html_()
    assert "<table><caption>Scores par canal</caption>" in contenu  # la légende ne quitte pas le tableau
    assert '<th scope="col">Score</th>' in contenu
    assert '<th scope="row">Courriel &lt;test&gt;</th>' in contenu
    assert '<td class="nombre">68,5</td>' in contenu
    assert f'<td class="nombre">1{ESPACE_MILLIERS}234</td>' in contenu
    assert "<td>oui</td>" in contenu
    assert '<p class="source">Source : essai</p>' in contenu


def test_ecrire_csv_pour_excel_francais(tmp_path):
    chemin = ecrire_csv(pd.DataFrame({"canal": ["Téléphone"], "score": [68.5]}), tmp_path / "t", "scores")
    brut = chemin.read_bytes()
    assert brut.startswith(b"\xef\xbb\xbf")
    assert brut.decode("utf-8-sig").splitlines() == ["canal;score", "Téléphone;68,5000"]
