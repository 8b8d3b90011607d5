"""En-têtes de ligne des PDF (retouche pikepdf après Typst), ce que le vérificateur en lit, mise en page d'une fiche.

Oracles : le HTML de la même fiche (ses ``<th scope="row">``), poppler (``pdfinfo
-struct-text``, second lecteur), et des pannes injectées dans un PDF conforme.
"""

from __future__ import annotations

import io
import logging
import shutil
import subprocess

import pandas as pd
import pikepdf
import pytest

from analyse.donnees import stockage
from analyse.rapports import balisage_pdf, lot, rendu
from analyse.rapports.accessibilite import (
    _attributs,
    _elements_structure,
    _type,
    comparer_entetes_de_ligne,
    entetes_de_ligne_html,
    entetes_de_ligne_pdf,
    verifier_pdf,
    verifier_publication,
)
from test_fiche import ANNEE, donnees_demo

# Un DataFrame à index (en-têtes de ligne) et une table maison à en-têtes de ligne déclarés.
SCORES = pd.DataFrame(
    {"Score": [77.2, 63.0, 48.5], "Contacts": [40, 35, 12]}, index=["Téléphone", "Courriel", "Courrier"]
)
MAISON = (
    '<table><caption>Scores par étape</caption><thead><tr><th scope="col">Étape</th><th scope="col">Score</th>'
    '<th scope="col">Écart</th></tr></thead><tbody>'
    + "".join(
        f'<tr><th scope="row">Étape {i}</th><td class="nombre">{60 + i},5</td><td>+{i},1 [−0,2 ; {i},5]</td></tr>'
        for i in range(4)
    )
    + "</tbody></table>"
)
CORPS = "<h2>Scores</h2>" + SCORES.to_html() + "<h2>Étapes</h2>" + MAISON


def _portees(chemin) -> list[str]:
    with pikepdf.open(chemin) as pdf:
        return [
            str(a.Scope)
            for e in _elements_structure(pdf.Root.StructTreeRoot.K)
            if _type(e) == "/TH"
            for a in _attributs(e)
            if "/Scope" in a
        ]


def _source_typst(corps: str = CORPS) -> str:
    couverture = rendu.donnees_couverture("Essai", date="1er mars 2026")
    return rendu.notebook_vers_typst(rendu.notebook_d_un_fragment(corps), couverture)


# --------------------------------------------------------------------------- fiche réelle


@pytest.fixture(scope="module")
def fiche(tmp_path_factory):
    """Une fiche de structure (démo), rendue avec la retouche, et la même sans (témoin fautif)."""
    donnees = donnees_demo(tmp_path_factory)
    structure = stockage.lire(donnees, "participants", annee=ANNEE)["structure_id"].iloc[0]
    dossier = tmp_path_factory.mktemp("fiche_entetes")
    nb = lot.executer_fiche(ANNEE, structure, donnees, dossier, moteur=None, dossier=dossier)
    avec = lot.rendre_pdf(nb, dossier / "fiche.pdf")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(balisage_pdf, "baliser_entetes_ligne", lambda pdf, plan, nom="PDF": 0)
        sans = lot.rendre_pdf(nb, dossier / "non-conforme-fiche-sans-retouche.pdf")
    return avec, sans


def test_fiche_autant_d_en_tetes_de_ligne_que_son_html(fiche):
    avec, sans = fiche
    html = entetes_de_ligne_html(avec.with_suffix(".html").read_text(encoding="utf-8"))
    assert html >= 10  # tableaux maison (canaux, étapes, déterminants) et leur première colonne

    # Sans la retouche, Typst laisse ces cellules en TD : le PDF seul passe, la comparaison échoue.
    assert verifier_pdf(sans) == []
    assert entetes_de_ligne_pdf(sans) == 0
    attendu = f"en-têtes de ligne : {html} dans le HTML (th de ligne), 0 dans le PDF (TH /Scope /Row)"
    assert comparer_entetes_de_ligne(sans, sans.with_suffix(".html").read_text(encoding="utf-8")) == [attendu]
    assert attendu in verifier_publication(sans)

    # Avec : autant de TH /Row que de th de ligne dans le HTML, et rien d'autre à redire.
    assert entetes_de_ligne_pdf(avec) == html
    assert verifier_publication(avec) == []
    assert _portees(avec).count("/Row") == html


def test_second_lecteur_poppler_lit_les_en_tetes_de_ligne(fiche, tmp_path):
    """poppler (``pdfinfo -struct-text``) lit les mêmes TH /Row, et plus d'avertissement /Suspects."""
    if shutil.which("pdfinfo") is None:
        pytest.skip("poppler (pdfinfo) absent : « make axe » l'installe (outils/installer_axe.sh).")
    avec, sans = fiche
    html = entetes_de_ligne_html(avec.with_suffix(".html").read_text(encoding="utf-8"))
    lu = subprocess.run(["pdfinfo", "-struct-text", str(avec)], capture_output=True, text=True, errors="replace")
    assert lu.stdout.count("/Scope /Row") == html and lu.stdout.count("/Scope /Column") > 0
    assert "Suspects" not in lu.stderr, lu.stderr
    temoin = subprocess.run(
        ["pdfinfo", "-struct-text", str(sans)], capture_output=True, text=True, errors="replace"
    ).stdout
    assert "/Scope /Row" not in temoin
    # l'avertissement venait du « /Suspects false » que Typst écrit dans /MarkInfo (retiré par la retouche)
    brut = rendu.typst_vers_pdf(_source_typst(), tmp_path / "brut.pdf", retoucher=False)
    avertissement = subprocess.run(["pdfinfo", str(brut)], capture_output=True, text=True, errors="replace").stderr
    assert "Suspects object is wrong type (boolean)" in avertissement
    retouche = rendu.typst_vers_pdf(_source_typst(), tmp_path / "retouche.pdf")
    assert subprocess.run(["pdfinfo", str(retouche)], capture_output=True, text=True, errors="replace").stderr == ""


# --------------------------------------------------------------------------- retouche


def test_retouche_ne_touche_que_les_en_tetes_de_ligne_et_garde_pdfua(tmp_path):
    source = _source_typst()
    brut = rendu.typst_vers_pdf(source, tmp_path / "brut.pdf", retoucher=False)
    retouche = rendu.typst_vers_pdf(source, tmp_path / "retouche.pdf")
    assert _portees(brut) == ["/Column"] * 6  # Typst seul : colonnes (index vide, Score, Contacts ; 3 maison)
    assert _portees(retouche) == ["/Column"] * 3 + ["/Row"] * 3 + ["/Column"] * 3 + ["/Row"] * 4
    assert verifier_pdf(retouche) == []
    with pikepdf.open(brut) as avant, pikepdf.open(retouche) as apres:
        assert avant.Root.Metadata.read_bytes() == apres.Root.Metadata.read_bytes()  # XMP (pdfuaid) intact
        assert "/Suspects" in avant.Root.MarkInfo and "/Suspects" not in apres.Root.MarkInfo
        assert bool(apres.Root.MarkInfo.Marked)
        for page_avant, page_apres in zip(avant.pages, apres.pages):  # flux recopiés, non recompressés
            assert page_avant.Contents.read_raw_bytes() == page_apres.Contents.read_raw_bytes()
        # chaque cellule de la ligne cite son en-tête de ligne, enregistré dans /IDTree
        identifiants = pikepdf.NameTree(apres.Root.StructTreeRoot.IDTree)
        lignes = [e for e in _elements_structure(apres.Root.StructTreeRoot.K) if _type(e) == "/TR"]
        ligne = next(tr for tr in lignes if "/Row" in [str(a.get("/Scope")) for a in _attributs(tr.K[0])])
        ident = str(ligne.K[0].ID)
        assert identifiants[ident].objgen == ligne.K[0].objgen
        assert all(ident in [str(h) for a in _attributs(c) for h in a.get("/Headers", [])] for c in list(ligne.K)[1:])
    # déterministe : même source, mêmes octets
    assert rendu.typst_vers_pdf(source, tmp_path / "encore.pdf").read_bytes() == retouche.read_bytes()


def test_forme_inattendue_rien_n_est_touche_et_c_est_dit(tmp_path, caplog):
    source = _source_typst()
    octets = rendu.typst_vers_pdf(source, tmp_path / "brut.pdf", retoucher=False).read_bytes()
    plan = balisage_pdf.plan_des_tableaux(source)
    assert plan == [["HDD"] * 3, ["HDD"] * 4]

    def baliser(plan):
        with pikepdf.open(io.BytesIO(octets)) as pdf:
            return balisage_pdf.baliser_entetes_ligne(pdf, plan, "essai.pdf")

    with caplog.at_level(logging.WARNING, logger=balisage_pdf.__name__):
        assert baliser(plan) == 7 and not caplog.records
        assert baliser([plan[0], ["HDD"] * 5]) == 3  # 2e tableau : 4 lignes dans le PDF, 5 annoncées
        assert "tableau 2 : 4 ligne(s) dans le PDF, 5 dans le source" in caplog.text
        assert baliser([["HDDD"] * 3, plan[1]]) == 4  # 1er tableau : 3 cellules par ligne, pas 4
        assert "ligne 1 : 3 cellule(s) dans le PDF, 4 dans le source" in caplog.text
        assert baliser([*plan, None]) == 0  # un tableau de plus dans le source : rien n'est touché
        assert "2 tableau(x) dans le PDF, 3 dans le source" in caplog.text


def test_texte_qui_cite_tableau_n_entre_pas_dans_le_plan():
    source = _source_typst('<p>#tableau(lignes-corps: "HD")</p>' + MAISON)
    assert balisage_pdf.plan_des_tableaux(source) == [["HDD"] * 4]


# --------------------------------------------------------------------------- vérificateur


def _abimer(source, cible, abimer):
    with pikepdf.open(source) as pdf:
        abimer(pdf)
        pdf.save(cible)
    return verifier_pdf(cible)


def test_pannes_de_portee_signalees(tmp_path):
    sain = rendu.typst_vers_pdf(_source_typst(), tmp_path / "sain.pdf")
    assert verifier_pdf(sain) == []

    def _entetes(pdf):
        return [e for e in _elements_structure(pdf.Root.StructTreeRoot.K) if _type(e) == "/TH"]

    def portee_invalide(pdf):
        for a in _attributs(_entetes(pdf)[0]):
            if "/Scope" in a:
                a.Scope = pikepdf.Name("/Diagonale")

    def entete_de_ligne_en_fin_de_ligne(pdf):
        ligne = next(
            e for e in _elements_structure(pdf.Root.StructTreeRoot.K) if _type(e) == "/TR" and e.K[0].S == "/TH"
        )
        derniere = ligne.K[len(ligne.K) - 1]
        derniere.S = pikepdf.Name.TH
        derniere.A = pikepdf.Array([pikepdf.Dictionary(O=pikepdf.Name.Table, Scope=pikepdf.Name.Row)])

    def portee_de_colonne_retiree(pdf):
        for entete in _entetes(pdf):
            del entete["/A"]

    attendus = {
        portee_invalide: "1 TH à /Scope invalide (attendu /Row, /Column ou /Both)",
        entete_de_ligne_en_fin_de_ligne: "1 en-tête(s) de ligne (TH /Row) précédé(s) dans leur TR d'une cellule qui n'en est pas un",
        portee_de_colonne_retiree: "13 cellule(s) d'en-tête TH sur 13 sans /Scope",
    }
    for abimer, attendu in attendus.items():
        manquements = _abimer(sain, tmp_path / f"non-conforme-{abimer.__name__}.pdf", abimer)
        assert attendu in manquements, (abimer.__name__, manquements)


def _tableau_long(repeter: str) -> str:
    lignes = "".join(f"[Canal {i}], [{60 + i},5], " for i in range(120))
    return (
        '#import "/analyse.typ": *\n#show: rapport.with(titre: "Essai")\n= Long\n'
        f"#figure(kind: table, caption: [Tableau long], table(columns: 2, "
        f"table.header(repeat: {repeter}, [Canal], [Score de la structure]), {lignes}))\n"
    )


def test_en_tete_non_repete_d_un_tableau_coupe_signale(tmp_path):
    """L'en-tête répété est lu dans les flux de contenu : Typst le redessine en artefact."""
    repete = rendu.typst_vers_pdf(_tableau_long("true"), tmp_path / "repete.pdf")
    assert verifier_pdf(repete) == []
    fautif = rendu.typst_vers_pdf(_tableau_long("false"), tmp_path / "non-conforme-entete-non-repete.pdf")
    with pikepdf.open(fautif) as pdf:
        suites = len(pdf.pages) - 1  # le tableau commence page 1 et remplit les suivantes
    assert suites >= 2
    assert verifier_pdf(fautif) == [f"{suites} page(s) de suite d'un tableau coupé sans son en-tête de colonnes répété"]


def test_figure_des_determinants_suit_le_tableau_des_canaux_sans_page_a_moitie_vide(fiche):
    """Le titre « Déterminants » et sa figure tiennent sous le tableau des canaux (page 3) au lieu
    de passer ensemble à la page suivante en laissant le bas de la page vide."""
    from analyse.rapports.accessibilite import _pages_de

    avec, _ = fiche
    with pikepdf.open(avec) as pdf:
        numeros = {p.obj.objgen: i for i, p in enumerate(pdf.pages)}
        elements = _elements_structure(pdf.Root.StructTreeRoot.K)
        canaux = next(e for e in elements if _type(e) == "/Table")
        determinants = next(e for e in elements if _type(e) == "/Figure")
        assert max(_pages_de(canaux, numeros)) == min(_pages_de(determinants, numeros))


def test_aucun_mot_de_la_fiche_ne_chevauche_un_autre(fiche):
    """poppler (``pdftotext -bbox``) : aucun texte de tableau ne déborde sur la colonne voisine."""
    from test_typst import _mots_qui_se_chevauchent

    avec, _ = fiche
    assert _mots_qui_se_chevauchent(avec) == []
