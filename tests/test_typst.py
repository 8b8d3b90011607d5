"""Balisage Typst : sous-ensemble HTML des gabarits traduit, échappement, Markdown, DataFrames, déterminisme."""

import re
from importlib import resources

import nbformat
import pandas as pd
import pikepdf
import pytest
from pypdf import PdfReader

from analyse.balisage_typst import (
    BALISES_TRADUITES,
    CLASSES_SANS_EFFET,
    CLASSES_TRADUITES,
    MIME_TYPST,
    echapper,
    html_vers_typst,
)
from analyse.formatage import BlocHTML
from analyse.rapports import rendu
from analyse.rapports.accessibilite import _attributs, _elements_structure, _type, verifier_pdf
from analyse.rapports.exportateur_typst import markdown_typst

GABARITS = sorted((resources.files("analyse") / "gabarits").glob("*.html.j2"))


def _balises_et_classes(texte: str) -> tuple[set[str], set[str]]:
    sans_jinja = re.sub(r"\{#.*?#\}", "", texte, flags=re.S)
    balises = set(re.findall(r"<([a-z][a-z0-9]*)", sans_jinja))
    classes = set()
    for valeur in re.findall(r'class="([^"]*)"', sans_jinja):
        classes |= set(re.sub(r"[\w-]*\{\{.*?\}\}", " ", valeur).split())  # sans les classes calculées
    return balises, classes


def test_toutes_les_balises_et_classes_des_gabarits_sont_traduites():
    assert len(GABARITS) >= 40
    balises, classes = set(), set()
    for gabarit in GABARITS:
        b, c = _balises_et_classes(gabarit.read_text(encoding="utf-8"))
        balises |= b
        classes |= c
    assert {"table", "caption", "th", "figure", "img", "q", "code", "strong"} <= balises  # l'énumération lit bien
    assert balises - BALISES_TRADUITES == set()
    assert classes - CLASSES_TRADUITES - CLASSES_SANS_EFFET == set()
    # classe calculée d'un paragraphe (gabarits.paragraphe) : celles que le code passe
    assert {"note"} <= CLASSES_TRADUITES


def test_une_balise_inconnue_garde_son_texte():
    assert html_vers_typst("<details><summary>Résumé</summary>Texte</details>").strip() == "Résumé\n\nTexte"


TEXTE_PIEGE = 'Score #1 : 50 % (a*b) [x] 1/2 -- <ok> @ref $5 ~ _t_ `c` = + \\ // /* "q" 1. fin'


def test_echappement_rend_le_texte_tel_quel_dans_le_pdf(tmp_path):
    """Oracle : le lecteur PDF retrouve exactement le texte échappé (aucune syntaxe Typst interprétée)."""
    source = '#import "/analyse.typ": *\n#show: rapport.with(titre: "Essai")\n' + echapper(TEXTE_PIEGE) + "\n"
    pdf = rendu.typst_vers_pdf(source, tmp_path / "echappement.pdf")
    assert " ".join(PdfReader(pdf).pages[0].extract_text().split()) == TEXTE_PIEGE


def test_bloc_maison_offre_sa_representation_typst():
    bloc = BlocHTML('<p class="note">Lu <strong>50 %</strong> &lt;x&gt;</p>')
    assert bloc._repr_mimebundle_() == {MIME_TYPST: '#classe("note")[Lu #strong[50 %] \\<x\\>]\n\n'}
    assert bloc._repr_html_() == bloc.contenu  # le HTML reste celui de l'écran


def test_tableau_de_dataframe_a_vrais_en_tetes(tmp_path):
    df = pd.DataFrame({"Canal": ["Courriel", "Courrier"], "Score": [68.5, 54.0]}, index=["a", "b"])
    typst = html_vers_typst(df.to_html())
    assert "entete: ([], [Canal], [Score], )" in typst
    assert "[#entete-ligne[a]]" in typst  # l'index du DataFrame libelle ses lignes
    chemin = rendu.fragment_vers_pdf("<h2>Données</h2>" + df.to_html(), tmp_path / "dataframe.pdf", "Essai")
    assert verifier_pdf(chemin) == []
    with pikepdf.open(chemin) as pdf:
        entetes = [e for e in _elements_structure(pdf.Root.StructTreeRoot.K) if _type(e) == "/TH"]
        portees = [str(a.Scope) for e in entetes for a in _attributs(e) if "/Scope" in a]
    assert portees == ["/Column"] * 3 + ["/Row"] * 2  # l'index « a », « b » : en-têtes de ligne (balisage_pdf)


def test_markdown_par_mistune():
    typst = markdown_typst(
        "# Étude\n\n## Partie\n\nTexte *a* **b** `code` [lien](https://exemple.fr).\n\n"
        "1. un\n2. deux\n\n| Canal | Score |\n|---|--:|\n| Courriel | 68,5 |\n\n```python\nx = 1\n```"
    )
    assert "#heading(level: 1)[Étude]" in typst and "#heading(level: 1)[Partie]" in typst
    assert '#emph[a] #strong[b] #raw("code") #link("https://exemple.fr")[lien]' in typst
    assert "#enum(\n  [un],\n  [deux],\n)" in typst
    assert "entete: ([Canal], table.cell(align: right)[Score], )" in typst
    assert '#raw(block: true, "x = 1")' in typst


def test_notebook_en_typst_choisit_la_representation_typst():
    cellule = nbformat.v4.new_code_cell("")
    cellule.outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": "<p>HTML</p>", MIME_TYPST: "Version Typst"}),
        nbformat.v4.new_output("stream", name="stdout", text="journal\n"),
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("## Titre"), cellule])
    source = rendu.notebook_vers_typst(nb, rendu.donnees_couverture("Essai"))
    assert "Version Typst" in source and "HTML" not in source.split("#sommaire()")[1]
    assert '#raw(block: true, "journal\\n")' in source and "#heading(level: 1)[Titre]" in source


@pytest.mark.parametrize("demo", [False, True])
def test_mention_demo_et_pdf_identique_d_une_execution_a_l_autre(tmp_path, demo):
    corps = "<h2>A</h2><p>Texte</p>"
    a = rendu.fragment_vers_pdf(corps, tmp_path / "a.pdf", "Essai", demo=demo).read_bytes()
    b = rendu.fragment_vers_pdf(corps, tmp_path / "b.pdf", "Essai", demo=demo).read_bytes()
    assert a == b
    texte = " ".join(p.extract_text() for p in PdfReader(tmp_path / "a.pdf").pages)
    assert ("Données fictives de démonstration" in texte) is demo


def _lignes_coupant_un_intervalle(chemin) -> list[str]:
    """Lignes du texte extrait (pypdf) où un intervalle « [bas ; haut] » s'ouvre sans se fermer."""
    lignes = [ligne for page in PdfReader(chemin).pages for ligne in page.extract_text().splitlines()]
    return [ligne for ligne in lignes if ligne.count("[") > ligne.count("]")]


def _tableau_html(titre: str, legende: str, colonnes: list[str], lignes: str) -> str:
    """Section HTML : titre, tableau avec légende, en-têtes de colonnes et lignes déjà écrites."""
    entete = "".join(f'<th scope="col">{c}</th>' for c in colonnes)
    return (
        f"<h2>{titre}</h2><table><caption>{legende}</caption><thead><tr>{entete}</tr></thead>"
        f"<tbody>{lignes}</tbody></table>"
    )


def test_intervalle_et_son_estimation_jamais_coupes_en_fin_de_ligne(tmp_path, monkeypatch):
    """Tableau « Scores par canal de contact » d'une fiche : la colonne « Écart » est étroite."""
    from analyse import balisage_typst
    from analyse.formatage import intervalle_fr

    colonnes = ["Canal", "Score de la structure", "IC à 95 %", "Moyenne nationale", "Écart (IC à 95 %)"]
    colonnes += ["Comparaison au national", "Contacts", "Fragile"]
    canaux = ["Téléphone", "Accueil physique", "Courriel", "Courrier", "Site internet", "Réseaux sociaux"]
    lignes = "".join(
        f'<tr><th scope="row">{canal}</th><td class="nombre">6{i},5</td><td>{intervalle_fr(50 + i, 70 + i)}</td>'
        f'<td class="nombre">61,9</td><td>+{i},5 {intervalle_fr(-13.7 - i, 20.7 + i)}</td><td>non établi</td>'
        f'<td class="nombre">{i}</td><td>non</td></tr>'
        for i, canal in enumerate(canaux)
    )
    corps = _tableau_html("Canaux", "Scores", colonnes, lignes)
    assert _lignes_coupant_un_intervalle(rendu.fragment_vers_pdf(corps, tmp_path / "intervalles.pdf", "Essai")) == []
    # témoin : sans espaces insécables, Typst coupe l'écart après « ; » dans cette colonne étroite
    monkeypatch.setattr(balisage_typst, "intervalles_insecables", lambda texte: texte)
    assert _lignes_coupant_un_intervalle(rendu.fragment_vers_pdf(corps, tmp_path / "temoin.pdf", "Essai"))


# --------------------------------------------------------------------------- mise en page des tableaux et figures


def _mots_qui_se_chevauchent(chemin) -> list[tuple[str, str]]:
    """Paires de mots dessinés l'un sur l'autre (boîtes de ``pdftotext -bbox``, poppler) sur une même ligne."""
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("poppler (pdftotext) absent : « make axe » l'installe (outils/installer_axe.sh).")
    html = subprocess.run(["pdftotext", "-bbox", str(chemin), "-"], capture_output=True, text=True).stdout
    paires = []
    for page in html.split("<page ")[1:]:
        mots = [
            (float(x0), float(y0), float(x1), float(y1), m)
            for x0, y0, x1, y1, m in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', page
            )
        ]
        for i, a in enumerate(mots):
            for b in mots[i + 1 :]:
                if a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5:
                    paires.append((a[4], b[4]))
    return paires


def test_colonne_jamais_plus_etroite_que_son_plus_long_mot(tmp_path, monkeypatch):
    """Tableau des tendances : 7 colonnes, intervalles insécables, « Intercommunalités » ; Typst,
    qui partage la place sans connaître ces largeurs minimales, faisait déborder le texte."""
    from analyse import balisage_typst

    colonnes = ["Série", "Pente moyenne (pts/an) [IC]", "Tendance (moyenne)", "Rupture (moyenne)"]
    colonnes += ["Pente effets fixes (pts/an) [IC]", "Tendance (effets fixes)", "Rupture (effets fixes)"]
    series = ["Intercommunalités", "Régions", "Structures non certifiées", "≥ 100 000 habitants"]
    lignes = "".join(
        f'<tr><th scope="row">{serie}</th><td>-0,{i}8 [-27,18 ; +26,81]</td><td>stable</td><td>2020 (non établie)</td>'
        f"<td>-0,{i}2 [-15,53 ; +15,30]</td><td>stable</td><td>2021 (non établie)</td></tr>"
        for i, serie in enumerate(series)
    )
    corps = _tableau_html("Tendances", "Pentes", colonnes, lignes)
    assert _mots_qui_se_chevauchent(rendu.fragment_vers_pdf(corps, tmp_path / "colonnes.pdf", "Essai")) == []
    monkeypatch.setattr(balisage_typst, "_mesures", lambda lignes, colonnes: "none")  # témoin : largeurs de Typst
    assert _mots_qui_se_chevauchent(rendu.fragment_vers_pdf(corps, tmp_path / "temoin-colonnes.pdf", "Essai"))


def test_figure_jamais_separee_de_sa_legende(tmp_path):
    """Une figure qui commence en bas de page part entière, avec sa légende, sur la page suivante."""
    from test_accessibilite import _figure, _pages_par_type, _remplissage

    for n in range(24, 40, 2):  # différentes places de la figure en bas de page
        chemin = rendu.fragment_vers_pdf(
            "<h2>Essai</h2>" + _remplissage(n) + _figure(), tmp_path / f"f-{n}.pdf", "Essai"
        )
        pages = [p for t, p in _pages_par_type(chemin, {"/Figure", "/Caption"})]
        assert len(pages) == 2 and pages[0] == pages[1], f"figure et légende séparées ({n} paragraphes avant)"
