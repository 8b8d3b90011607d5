"""Mise en forme française : nombres, pourcentages, dates, intervalles, tableaux, CSV."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from analyse.formatage import (
    ESPACE_MILLIERS,
    accorder,
    cellule_fr,
    date_fr,
    ecrire_csv,
    intervalle_fr,
    nombre_fr,
    pourcent_fr,
    typographie_fr,
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
    assert pourcent_fr(0.685) == "68,5\u202f%"  # espace fine insécable : « 95 / % » ne se coupe plus
    assert pourcent_fr(0.93, 0) == "93\u202f%"


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
    assert intervalle_fr(66.14, 70.31) == "[66,1\u202f; 70,3]"
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
    assert '<p class="source">Source\u202f: essai</p>' in contenu  # espace fine insécable avant « : »


def test_ecrire_csv_pour_excel_francais(tmp_path):
    chemin = ecrire_csv(pd.DataFrame({"canal": ["Téléphone"], "score": [68.5]}), tmp_path / "t", "scores")
    brut = chemin.read_bytes()
    assert brut.startswith(b"\xef\xbb\xbf")
    assert brut.decode("utf-8-sig").splitlines() == ["canal;score", "Téléphone;68,5000"]


@pytest.mark.parametrize(
    ("n", "mot", "attendu"),
    [
        (16, "catégorie", "16 catégories"),
        (1.1, "point", "1,1 point"),
        (2.5, "point", "2,5 points"),
        (1, "participation", "1 participation"),
        (0, "groupe fragile", "0 groupe fragile"),
        (2, "groupe fragile", "2 groupes fragiles"),
        (1.96, "point", "2,0 points"),  # l'accord suit le nombre écrit
        (-3.0, "point", "-3 points"),
        (12_000, "réponse", f"12{ESPACE_MILLIERS}000 réponses"),
    ],
)
def test_accorder_regle_francaise(n, mot, attendu):
    assert accorder(n, mot) == attendu


def test_accorder_pluriel_irregulier():
    assert accorder(3, "canal", "canaux") == "3 canaux"
    assert accorder(1, "canal", "canaux") == "1 canal"


@pytest.mark.parametrize(
    ("texte", "attendu"),
    [
        ("95 %", "95\u202f%"),
        ("Score : 68", "Score\u202f: 68"),
        ("a ; b ! c ?", "a\u202f; b\u202f! c\u202f?"),
        ("« oui »", "«\u202foui\u202f»"),
        ("10 000–19 999 habitants", "10\u202f000–19\u202f999 habitants"),
        ("1 234 567", "1\u202f234\u202f567"),
        ("https://exemple.fr", "https://exemple.fr"),
        ("en 2012 et 2021", "en 2012 et 2021"),
        ("68,5 123", "68,5 123"),  # pas un nombre à milliers
    ],
)
def test_typographie_fr(texte, attendu):
    assert typographie_fr(texte) == attendu
    assert typographie_fr(attendu) == attendu  # idempotente


@pytest.mark.parametrize("texte", ["+7,6", "−3,3", "-3,3", "12,5\u202f%", "+2", f"1{ESPACE_MILLIERS}234"])
def test_cellules_signees_sont_numeriques(texte):
    assert cellule_fr(texte) == (texte, True)


def test_cellules_signees_meme_classe_dans_un_tableau():
    t = str(tableau_html(pd.DataFrame({"Canal": ["A", "B"], "Écart": ["+7,6", "−3,3"]}), "Écarts"))
    assert '<td class="nombre">+7,6</td>' in t
    assert '<td class="nombre">−3,3</td>' in t
