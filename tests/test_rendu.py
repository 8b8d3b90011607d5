"""Route PDF : papermill → nbconvert → Typst, de bout en bout sur une petite édition synthétique."""

import re

import pandas as pd
import pikepdf
import pytest
from pypdf import PdfReader

from analyse.rapports import rendu
from analyse.rapports.edition import rapport_edition
from conftest_rapport import creer_donnees_synthetiques

A4 = (595.28, 841.89)  # points


def _texte(pdf):
    return "\n".join(page.extract_text() or "" for page in PdfReader(pdf).pages)


def test_numeroter_titres_et_sommaire():
    corps, titres = rendu.numeroter_titres(
        '<h2 id="a">Canaux<a class="anchor-link" href="#a">¶</a></h2><h3>Détail</h3>'
    )
    assert titres == [(2, "section-1", "Canaux"), (3, "section-2", "Détail")]
    assert '<h3 id="section-2">Détail</h3>' in corps
    assert 'href="#section-2"' in rendu.sommaire_html(titres)


def test_nettoyer_notebook_retire_parametres_stderr_et_meta():
    nb = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {
                "cell_type": "code",
                "metadata": {"tags": ["parameters"]},
                "source": "annee = 2022",
                "outputs": [],
                "execution_count": 1,
            },
            {
                "cell_type": "code",
                "metadata": {},
                "source": "x",
                "execution_count": 2,
                "outputs": [
                    {"output_type": "stream", "name": "stderr", "text": "UserWarning: attention"},
                    {
                        "output_type": "display_data",
                        "metadata": {},
                        "data": {rendu.MIME_META: {"demo": True}, "text/plain": ""},
                    },
                    {"output_type": "display_data", "metadata": {}, "data": {"text/html": "<p>Visible</p>"}},
                ],
            },
        ],
    }
    propre = rendu.nettoyer_notebook(nb)
    assert len(propre.cells) == 1 and len(propre.cells[0].outputs) == 1
    assert rendu.lire_meta(nb) == {"demo": True}
    html = rendu.notebook_vers_html(nb)
    assert "Visible" in html and "UserWarning" not in html and "annee = 2022" not in html


def test_pdf_sans_mention_demo(tmp_path):
    pdf = rendu.fragment_vers_pdf(
        "<h2>Résultats</h2><p>Texte</p>", tmp_path / "essai.pdf", "Titre d'essai", "Sous-titre", date="2 mars 2026"
    )
    texte = _texte(pdf)
    assert "Titre d'essai" in texte and "2 mars 2026" in texte
    assert "Données fictives" not in texte


@pytest.mark.integration
def test_rapport_edition_de_bout_en_bout(tmp_path):
    donnees = creer_donnees_synthetiques(tmp_path / "donnees", annee=2020, demo=True)
    sortie = tmp_path / "rapports"
    pdf = rapport_edition(2020, donnees, sortie, parametres_methode={"n_bootstrap": 200})

    assert pdf == sortie / "2020" / "rapport_edition_2020.pdf" and pdf.exists()
    assert (sortie / "2020" / "rapport_edition_2020.html").exists()
    lecteur = PdfReader(pdf)
    n_pages = len(lecteur.pages)
    assert n_pages >= 6
    for page in lecteur.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4, abs=1)

    texte = _texte(pdf)
    assert "Baromètre Expérience Citoyen" in texte
    assert "Rapport national" in texte and "terrain 2020" in texte
    assert "Données fictives de démonstration" in texte
    assert f"Page 2 / {n_pages}" in texte and f"Page {n_pages} / {n_pages}" in texte
    assert "Sommaire" in texte and "Annexe méthodologique" in texte
    assert "banquedesterritoires" in re.sub(r"\s", "", texte)  # chiffres publiés de l'édition 2020 (URL coupée)
    for interdit in (
        "Traceback",
        "Warning",
        "Error",
        "import ",
        "def ",
        "edition.",
        "graphiques.",
        "formatage.",
        ">>>",
    ):
        assert interdit not in texte, interdit
    assert re.search(r"\d+,\d", texte)  # virgule décimale

    csv = sorted((sortie / "2020" / "tableaux").glob("*.csv"))
    assert {c.stem for c in csv} >= {
        "canaux",
        "determinants",
        "strates_type",
        "strates_classe",
        "indicateurs",
        "comparaison",
    }
    premier = csv[0].read_bytes()
    assert premier.startswith(b"\xef\xbb\xbf") and b";" in premier

    # Accessibilité : PDF/UA-1 balisé, et les CSV écrits par le notebook voyagent avec le PDF.
    from analyse.rapports.accessibilite import verifier_publication

    assert verifier_publication(pdf) == []
    with pikepdf.open(pdf) as lu:
        jointes = {n: f.get_file().read_bytes() for n, f in lu.attachments.items()}
    assert {f"{c.stem}.csv" for c in csv} <= set(jointes)
    assert jointes["canaux.csv"] == (sortie / "2020" / "tableaux" / "canaux.csv").read_bytes()
    assert any(n.startswith("graphique-") for n in jointes)


def test_pdf_ua_balise_avec_langue_titre_et_xmp(tmp_path):
    pdf = rendu.fragment_vers_pdf(
        "<h2>Résultats</h2><p>Texte</p>", tmp_path / "ua.pdf", "Fiche", "Mairie d'Ys", date="2 mars 2026"
    )
    with pikepdf.open(pdf) as lu:
        assert str(lu.Root.Lang) == "fr" and bool(lu.Root.MarkInfo.Marked)
        assert bool(lu.Root.ViewerPreferences.DisplayDocTitle)
        assert str(lu.docinfo.Title) == "Fiche – Mairie d'Ys"
        with lu.open_metadata() as xmp:
            assert xmp["pdfuaid:part"] == "1" and xmp["dc:title"] == "Fiche – Mairie d'Ys"


def test_pieces_jointes_fournies_tableaux_et_doublons(tmp_path):
    fichier = tmp_path / "scores.csv"
    fichier.write_bytes("Canal;Score\nCourriel;68,5\n".encode("utf-8-sig"))
    tableau = "<table><caption>Scores</caption><tr><th>Canal</th></tr><tr><td>Courriel</td></tr></table>"
    pdf = rendu.fragment_vers_pdf(tableau + tableau, tmp_path / "joint.pdf", "Essai", pieces_jointes=[fichier, fichier])
    with pikepdf.open(pdf) as lu:
        noms = sorted(lu.attachments)
    assert noms == ["scores.csv", "tableau-01-scores.csv", "tableau-02-scores.csv"]


def test_csv_ecrits_et_pieces_declarees_par_le_notebook(tmp_path):
    ancien, neuf = tmp_path / "ancien.csv", tmp_path / "neuf.csv"
    ancien.write_text("a")
    avant = rendu._etat_csv(tmp_path)
    neuf.write_text("b")
    assert rendu.csv_ecrits(avant, rendu._etat_csv(tmp_path)) == [neuf]
    nb = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {},
        "cells": [
            {
                "cell_type": "code",
                "metadata": {},
                "source": "",
                "execution_count": 1,
                "outputs": [
                    {"output_type": "display_data", "metadata": {}, "data": {rendu.MIME_META: m, "text/plain": ""}}
                ],
            }
            for m in (
                rendu.declarer_pieces_jointes([ancien]).meta,
                {"demo": True},
                rendu.declarer_pieces_jointes([neuf]).meta,
            )
        ],
    }
    assert rendu.lire_meta(nb) == {"pieces_jointes": [str(ancien), str(neuf)], "demo": True}


def test_gros_csv_non_joint_et_signale(tmp_path, caplog):
    petit, gros = tmp_path / "petit.csv", tmp_path / "gros.csv"
    petit.write_text("a;b\n")
    gros.write_text("a;b\n" * 100)
    assert rendu.joignables([petit, gros], taille_max=50) == [petit]
    assert "gros.csv (400 octets) n'est pas joint au PDF" in caplog.text


def test_pdf_avec_pieces_jointes_reproductible(tmp_path):
    tableau = "<table><caption>T</caption><tr><th>x</th></tr><tr><td>1</td></tr></table>"
    premier = rendu.fragment_vers_pdf(tableau + _figure_essai(), tmp_path / "a.pdf", "T", date="1er mars 2026")
    second = rendu.fragment_vers_pdf(tableau + _figure_essai(), tmp_path / "b.pdf", "T", date="1er mars 2026")
    premier, second = premier.read_bytes(), second.read_bytes()
    assert premier == second
    with pikepdf.open(tmp_path / "a.pdf") as lu:
        assert sorted(lu.attachments) == ["graphique-essai.csv", "tableau-01-t.csv"]


def _figure_essai() -> str:
    from analyse.rapports import graphiques

    fig = graphiques.barres_effectifs(pd.DataFrame({"libelle": ["Communes", "Régions"], "n_structures": [30, 10]}), "T")
    return str(graphiques.figure_html(fig, "Essai", resolution=40))
