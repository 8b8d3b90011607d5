"""Notebooks des chercheurs en PDF (``analyse rapports notebook``), prise en main et études d'exemple."""

from __future__ import annotations

import json

import nbformat
import pandas as pd
import papermill
import pytest
from pypdf import PdfReader

from analyse import cli, config
from analyse.demo import editions as demo
from analyse.rapports import notebook as rn

PRISE_EN_MAIN = config.NOTEBOOKS / "prise_en_main.ipynb"
ETUDES = sorted(rn.DOSSIER_ETUDES.glob("*.ipynb"))


def _textes(pdf):
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(pdf).pages]


def _ecrire_notebook(chemin, *sources, parametres="x = 1"):
    cellules = [nbformat.v4.new_code_cell(parametres, metadata={"tags": ["parameters"]})]
    cellules += [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nbformat.v4.new_notebook(cells=cellules), str(chemin))
    return chemin


@pytest.fixture(scope="module")
def petite_demo(tmp_path_factory):
    racine = tmp_path_factory.mktemp("demo_etudes") / "data"
    demo.generer_demo(racine, echelle=0.4, annees=[2020, 2022])
    assert cli.main(["preparer", "--toutes", "--donnees", str(racine), "--bootstrap", "50"]) == 0
    return racine


# --------------------------------------------------------------------------- sans noyau


def test_parametres_de_la_ligne_de_commande():
    assert rn.lire_parametres([("annee", "2022"), ("annees", "[2020, 2022]"), ("titre", "Délais")]) == {
        "annee": 2022,
        "annees": [2020, 2022],
        "titre": "Délais",
    }


def test_parametre_inconnu_refuse_en_francais(tmp_path, capsys):
    nb = _ecrire_notebook(tmp_path / "etude.ipynb", "y = x + 1")
    attendu = r"Paramètre\(s\) inconnu\(s\) pour etude.ipynb : anee \(paramètres déclarés : x\)"
    with pytest.raises(ValueError, match=attendu):
        rn.rapport_notebook(nb, {"anee": 2022}, sortie=tmp_path)
    assert cli.main(["rapports", "notebook", str(nb), "-p", "anee", "2022", "--sortie", str(tmp_path)]) == 2
    erreur = capsys.readouterr().err
    assert "Paramètre(s) inconnu(s)" in erreur and "Traceback" not in erreur


def test_notebook_absent_et_commande_sans_notebook(tmp_path, capsys):
    assert cli.main(["rapports", "notebook", str(tmp_path / "absent.ipynb")]) == 2
    assert "Notebook introuvable" in capsys.readouterr().err
    assert cli.main(["rapports", "notebook"]) == 2
    assert "--liste" in capsys.readouterr().err


def test_liste_des_etudes(capsys):
    assert ETUDES, "notebooks/etudes/ doit contenir au moins une étude d'exemple"
    assert cli.main(["rapports", "notebook", "--liste"]) == 0
    sortie = capsys.readouterr().out
    for etude in ETUDES:
        assert f"notebooks/etudes/{etude.name} — {rn.titre_notebook(etude)}" in sortie
    assert "paramètres : donnees = None, annee = None" in sortie


def test_make_etudes_construit_les_notebooks_du_dossier_etudes():
    makefile = (config.RACINE / "Makefile").read_text(encoding="utf-8")
    assert "ETUDES := $(sort $(wildcard notebooks/etudes/*.ipynb))" in makefile
    assert "$(ANALYSE) rapports notebook $(ETUDES) --donnees $(DONNEES) --sortie $(SORTIE)/etudes" in makefile


def test_message_echec_nomme_la_cellule_sans_trace(tmp_path):
    nb = _ecrire_notebook(tmp_path / "etude.ipynb", "import math", "y = math.sqrt(x)\nz = y / 0")
    origine = papermill.PapermillExecutionError(
        3, 4, "y = math.sqrt(x)\nz = y / 0", "ZeroDivisionError", "float division by zero", ["trace"]
    )
    try:
        try:
            raise origine
        except papermill.PapermillExecutionError:
            raise RuntimeError("échec") from None
    except RuntimeError as erreur:
        message = rn.message_echec(nb, erreur)
    assert message == (
        "Le notebook etude.ipynb a échoué à la cellule de code n° 3 « y = math.sqrt(x) ; z = y / 0 » : "
        "division par zéro (ZeroDivisionError : float division by zero)."
    )


def test_un_fichier_qui_n_est_pas_un_notebook_refuse_sans_citer_son_contenu(tmp_path, capsys):
    faux = tmp_path / "faux.ipynb"
    faux.write_text("mot de passe : hunter2\n", encoding="utf-8")
    assert cli.main(["rapports", "notebook", str(faux), "--sortie", str(tmp_path / "sortie")]) == 2
    erreur = capsys.readouterr().err
    assert "faux.ipynb » n'est pas un notebook Jupyter lisible" in erreur and "hunter2" not in erreur


def test_donnees_verifiees_avant_tout_noyau(tmp_path, capsys, monkeypatch):
    from analyse.rapports import rendu

    def interdit(*args, **kwargs):
        raise AssertionError("un noyau a démarré")

    monkeypatch.setattr(rendu, "executer_notebook", interdit)
    nb = _ecrire_notebook(tmp_path / "etude.ipynb", "1 + 1")
    absent = tmp_path / "absent"
    assert cli.main(["rapports", "notebook", str(nb), "--donnees", str(absent), "--sortie", str(tmp_path)]) == 2
    assert f"Dossier de données introuvable : {absent}" in capsys.readouterr().err
    (tmp_path / "vide").mkdir()
    assert cli.main(["rapports", "notebook", str(nb), "--donnees", str(tmp_path / "vide")]) == 2
    assert "Aucune édition préparée" in capsys.readouterr().err


@pytest.mark.parametrize("chemin", [PRISE_EN_MAIN, *ETUDES], ids=lambda c: c.name)
def test_notebooks_commites_sans_sorties_ni_fonctions(chemin):
    nb = nbformat.read(str(chemin), as_version=4)
    codes = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in codes)
    assert not any(ligne.lstrip().startswith(("def ", "class ")) for c in codes for ligne in c.source.splitlines())
    assert any("parameters" in c.metadata.get("tags", []) for c in codes)
    assert nb.metadata["kernelspec"]["name"] == config.NOM_NOYAU


def test_prise_en_main_renvoie_au_dictionnaire():
    texte = json.dumps(nbformat.read(str(PRISE_EN_MAIN), as_version=4).cells, ensure_ascii=False)
    assert "../docs/dictionnaire-donnees.md" in texte and "analyse rapports notebook" in texte


# --------------------------------------------------------------------------- avec noyau (papermill)


@pytest.mark.integration
def test_erreur_d_execution_nomme_la_cellule(tmp_path, capsys):
    nb = _ecrire_notebook(tmp_path / "etude.ipynb", "import math", "y = math.sqrt(x)\nz = y / 0")
    assert cli.main(["rapports", "notebook", str(nb), "--sortie", str(tmp_path / "sortie")]) == 1
    erreur = capsys.readouterr().err
    assert "cellule de code n° 3, ligne 2, « y = math.sqrt(x) ; z = y / 0 »" in erreur
    assert "division par zéro (ZeroDivisionError" in erreur and "Traceback" not in erreur
    assert not (tmp_path / "sortie" / "etude.pdf").exists()
    garde = tmp_path / "sortie" / "etude.echec.ipynb"
    assert f"Notebook exécuté conservé : {garde}" in erreur
    sorties = [s for c in nbformat.read(str(garde), as_version=4).cells for s in c.get("outputs", [])]
    assert any(s.get("ename") == "ZeroDivisionError" for s in sorties)


@pytest.mark.integration
def test_prise_en_main_executee_et_rendue_en_pdf(petite_demo, tmp_path, monkeypatch):
    monkeypatch.delenv("ANALYSE_DONNEES", raising=False)
    produits = rn.rapport_notebook(PRISE_EN_MAIN, donnees=petite_demo, sortie=tmp_path)
    pages = _textes(produits["pdf"])
    assert "Prendre en main l'espace d'analyse" in pages[0] and "Données fictives de démonstration" in pages[0]
    tout = " ".join(pages)
    for titre in (
        "Charger les tables en un appel",
        "Un indicateur personnalisé par strate",
        "Comparer les éditions sur des indicateurs harmonisés",
        "Réponse à la question",
        "Rendre ce notebook en PDF",
    ):
        assert titre in tout
    reponse = next(p for p in pages if "Welch" in p)
    assert "2020" in reponse and "2022" in reponse
    assert any(v in reponse for v in ("plus vite", "moins vite", "pas d'écart établi"))
    assert "Provenance du document" in pages[-1] and f"pandas = {pd.__version__}" in pages[-1]
    assert str(petite_demo) not in tout and str(tmp_path) not in tout


@pytest.mark.integration
@pytest.mark.parametrize("etude", ETUDES, ids=lambda c: c.name)
def test_etudes_construites_par_la_commande(etude, petite_demo, tmp_path, capsys):
    assert (
        cli.main(
            [
                "rapports",
                "notebook",
                str(etude),
                "--donnees",
                str(petite_demo),
                "--sortie",
                str(tmp_path),
                "-p",
                "annee",
                "2020",
            ]
        )
        == 0
    )
    pdf = tmp_path / f"{etude.stem}.pdf"
    assert str(pdf) in capsys.readouterr().out
    pages = _textes(pdf)
    assert rn.titre_notebook(etude) in pages[0] and "Données fictives de démonstration" in pages[0]
    assert "Édition 2020" in pages[0]
    assert "Provenance du document" in pages[-1] and "annee = 2020" in pages[-1]
    assert not any("import " in p for p in pages)  # code masqué


@pytest.mark.parametrize(
    "contenu", [b"root:x:0:0:ligne-confidentielle\n", b"\x89PNG\r\n\x1a\n\x00\x00", b'{"cells": 3}']
)
def test_fichier_qui_n_est_pas_un_notebook_sans_citer_son_contenu(tmp_path, capsys, contenu):
    """Issue 16 : l'erreur était en anglais et citait le début du fichier."""
    faux = tmp_path / "faux.ipynb"
    faux.write_bytes(contenu)
    assert cli.main(["rapports", "notebook", str(faux), "--sortie", str(tmp_path / "sortie")]) == 2
    erreur = capsys.readouterr().err
    assert "n'est pas un notebook Jupyter lisible" in erreur and "faux.ipynb" in erreur
    assert "confidentielle" not in erreur and "root" not in erreur and "PNG" not in erreur and "cells" not in erreur
    assert "Notebook does not appear" not in erreur


@pytest.mark.integration
def test_notebook_de_chercheur_dataframe_et_figure_decrite(petite_demo, tmp_path):
    """Markdown, DataFrame en vrai tableau à en-têtes, figure matplotlib décrite par la métadonnée de cellule."""
    import pikepdf

    from analyse.rapports.accessibilite import _elements_structure, _type, verifier_pdf

    chemin = _ecrire_notebook(
        tmp_path / "recherche.ipynb",
        "import pandas as pd\npd.DataFrame({'Canal': ['Courriel', 'Courrier'], 'Score': [68.5, 54.0]})",
        "import matplotlib.pyplot as plt\nfrom IPython.display import display\n"
        "fig, ax = plt.subplots()\nax.bar(['Courriel', 'Courrier'], [68.5, 54.0])\ndisplay(fig)\nplt.close(fig)",
    )
    nb = nbformat.read(str(chemin), as_version=4)
    nb.cells.insert(
        1, nbformat.v4.new_markdown_cell("# Recherche\n\n## Scores\n\nUn **constat** et une liste :\n\n- a\n- b")
    )
    nb.cells[-1].metadata["texte_alternatif"] = "Barres : Courriel 68,5, Courrier 54,0."
    nbformat.write(nb, str(chemin))
    pdf = rn.rapport_notebook(chemin, donnees=petite_demo, sortie=tmp_path / "sortie")["pdf"]

    assert verifier_pdf(pdf) == []
    with pikepdf.open(pdf) as lu:
        elements = _elements_structure(lu.Root.StructTreeRoot.K)
        figures = [str(e.Alt) for e in elements if _type(e) == "/Figure"]
        entetes = [e for e in elements if _type(e) == "/TH"]
        assert figures == ["Barres : Courriel 68,5, Courrier 54,0."]
        assert len(entetes) >= 2 and all("/A" in e for e in entetes)
        assert {"/L", "/LI", "/Strong"} <= {_type(e) for e in elements}

    del nb.cells[-1].metadata["texte_alternatif"]
    nbformat.write(nb, str(chemin))
    assert 'alt="Barres : Courriel 68,5, Courrier 54,0."' in pdf.with_suffix(".html").read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="cellule exécutée n° 3 affiche une image sans texte alternatif"):
        rn.rapport_notebook(chemin, donnees=petite_demo, sortie=tmp_path / "sans-alt")
    assert not any((tmp_path / "sans-alt").glob("recherche.*"))
