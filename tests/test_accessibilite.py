"""Accessibilité des publications : vérificateur PDF/UA, textes alternatifs, pièces jointes, mise en page, contraste."""

import csv
import io
import re
import shutil
import subprocess
from importlib import resources

import pandas as pd
import pikepdf
import pytest

from analyse import config
from analyse.rapports import graphiques, rendu
from analyse.rapports.accessibilite import (
    CONTRASTE_GRAPHIQUE,
    CONTRASTE_TEXTE,
    PAGES_SIGNETS,
    _descendants,
    _elements_structure,
    _type,
    contraste,
    verifier_html,
    verifier_pdf,
)

CANAUX = pd.DataFrame(
    {
        "libelle": ["Téléphone", "Courriel", "Courrier"],
        "score": [77.2, 63.0, 48.5],
        "ic_bas": [74.0, 60.1, 44.0],
        "ic_haut": [80.1, 66.0, 53.0],
        "fragile": [False, False, True],
        "supprime": [False, False, False],
    }
)


def _tableau(n_lignes: int = 4, legende: str = "Scores par canal") -> str:
    lignes = "".join(f'<tr><td>Canal {i}</td><td class="nombre">{60 + i},5</td></tr>' for i in range(n_lignes))
    return (
        f'<div class="tableau"><table><caption>{legende}</caption><thead><tr><th scope="col">Canal</th>'
        f'<th scope="col">Score</th></tr></thead><tbody>{lignes}</tbody></table></div>'
    )


def _figure() -> str:
    fig = graphiques.barres_intervalles(CANAUX, graphiques.titre_constat(CANAUX), "Source : essai", reference=63.9)
    return str(graphiques.figure_html(fig, "Score moyen par canal."))


def _pieces_jointes(chemin) -> dict[str, bytes]:
    with pikepdf.open(chemin) as pdf:
        return {nom: fichier.get_file().read_bytes() for nom, fichier in pdf.attachments.items()}


def _elements(chemin, type_):
    with pikepdf.open(chemin) as pdf:
        return [
            (dict(e.items()), [_type(d) for d in _elements_structure(e.get("/K"))])
            for e in _elements_structure(pdf.Root.StructTreeRoot.K)
            if _type(e) == type_
        ]


# --------------------------------------------------------------------------- vérificateur


def _pdf_brut(chemin):
    """PDF d'une page de texte, sans balisage ni métadonnées (fabriqué avec pikepdf)."""
    pdf = pikepdf.new()
    police = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
    )
    page = pdf.add_blank_page(page_size=(595, 842))
    page.obj.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=police))
    page.obj.Contents = pdf.make_stream(b"BT /F1 12 Tf 72 720 Td (Bonjour) Tj ET")
    pdf.save(chemin)
    return chemin


def test_un_pdf_non_balise_est_signale(tmp_path):
    chemin = _pdf_brut(tmp_path / "non-conforme-brut.pdf")
    manquements = " | ".join(verifier_pdf(chemin))
    for attendu in ("/MarkInfo", "/Lang", "titre du document absent", "DisplayDocTitle", "pdfuaid", "/StructTreeRoot"):
        assert attendu in manquements


def _document_d_essai(tmp_path, nom="essai.pdf", lignes=4):
    sections = "".join(f"<h2>Section {i}</h2><p>Texte {i}.</p>" for i in range(4))
    return rendu.fragment_vers_pdf(
        sections + _figure() + _tableau(lignes), tmp_path / nom, "Rapport d'essai", "Sous-titre", date="1er mars 2026"
    )


def test_document_du_rendu_conforme_avec_signets_alt_et_pieces_jointes(tmp_path):
    chemin = _document_d_essai(tmp_path)

    assert verifier_pdf(chemin) == []
    with pikepdf.open(chemin) as pdf:
        assert str(pdf.Root.Lang) == "fr" and len(pdf.pages) >= 3
        assert str(pdf.docinfo.Title) == "Rapport d'essai – Sous-titre"
        with pdf.open_outline() as signets:
            titres = [s.title for s in signets.root] + [e.title for s in signets.root for e in s.children]
        assert "Section 3" in titres and "Section 0" in titres
    ((attributs, _),) = _elements(chemin, "/Figure")
    assert str(attributs["/Alt"]).startswith("Score moyen par groupe, du plus élevé au plus bas : Téléphone 77,2")
    jointes = _pieces_jointes(chemin)
    assert {"tableau-01-scores-par-canal.csv"} < set(jointes) and any(n.startswith("graphique-") for n in jointes)


def test_image_sans_alternative_refusee_par_la_mise_en_page(tmp_path):
    image = graphiques.base64.b64encode(graphiques.png(graphiques.Figure((1, 1)), resolution=20)).decode()
    with pytest.raises(RuntimeError, match="mise en page Typst"):
        rendu.fragment_vers_pdf(f'<img src="data:image/png;base64,{image}"/>', tmp_path / "sans-alt.pdf", "Essai")


# Injection de pannes : un PDF conforme du rendu, abîmé d'une seule façon, doit être signalé.


def _abimer(source, cible, abimer):
    with pikepdf.open(source) as pdf:
        abimer(pdf)
        pdf.save(cible)
    return verifier_pdf(cible)


def _elements_de(pdf, type_):
    return [e for e in _elements_structure(pdf.Root.StructTreeRoot.K) if _type(e) == type_]


def test_pannes_injectees_signalees(tmp_path):
    sain = _document_d_essai(tmp_path, lignes=90)  # assez long pour que sommaire et signets soient exigés
    with pikepdf.open(sain) as pdf:
        assert len(pdf.pages) >= PAGES_SIGNETS
    assert verifier_pdf(sain) == []

    def sans_alt(pdf):
        for figure in _elements_de(pdf, "/Figure"):
            del figure["/Alt"]

    def sans_portee(pdf):
        for entete in _elements_de(pdf, "/TH"):
            del entete["/A"]

    def tableau_sans_entete(pdf):
        for entete in _elements_de(pdf, "/TH"):
            entete.S = pikepdf.Name.TD

    def branche_orpheline(pdf):  # une section détachée de la racine : son contenu marqué devient muet
        racine = pdf.Root.StructTreeRoot.K
        document = racine[0] if isinstance(racine, pikepdf.Array) else racine
        enfants = document.K
        del enfants[len(enfants) - 1]

    def texte_libre(pdf):  # texte dessiné sans balise ni artefact
        page = pdf.pages[-1]
        police = next(iter(page.obj.Resources.Font.keys()))
        page.contents_add(pdf.make_stream(f"BT {police} 9 Tf 72 72 Td <0001> Tj ET".encode()), prepend=False)

    def sommaire_sans_toc(pdf):
        for toc in _elements_de(pdf, "/TOC"):
            toc.S = pikepdf.Name.L

    def sans_signets(pdf):
        del pdf.Root["/Outlines"]

    def sans_langue(pdf):
        del pdf.Root["/Lang"]

    def sans_titre_affiche(pdf):
        pdf.Root.ViewerPreferences.DisplayDocTitle = False

    def sans_xmp_ua(pdf):
        with pdf.open_metadata() as xmp:
            del xmp["pdfuaid:part"]

    attendus = {
        sans_alt: "sans texte alternatif utile (/Alt)",
        sans_portee: "sans /Scope",
        tableau_sans_entete: "sans cellule d'en-tête (TH)",
        branche_orpheline: "hors de l'arbre de structure",
        texte_libre: "hors contenu marqué sans être des artefacts",
        sommaire_sans_toc: "sommaire non balisé en TOC",
        sans_xmp_ua: "pdfuaid:part = 1",
        sans_signets: "sans signets (/Outlines)",
        sans_langue: "langue du document absente (/Lang)",
        sans_titre_affiche: "DisplayDocTitle",
    }
    for abimer, attendu in attendus.items():
        manquements = _abimer(sain, tmp_path / f"non-conforme-{abimer.__name__}.pdf", abimer)
        assert any(attendu in m for m in manquements), (abimer.__name__, manquements)


def test_pdf_weasyprint_d_avant_typst_en_faute():
    """Témoin négatif : l'étude d'exemple imprimée par WeasyPrint 70 (tests/donnees/README.md)."""
    manquements = verifier_pdf(config.RACINE / "tests" / "donnees" / "etude_weasyprint_70.pdf")
    assert "22 cellule(s) d'en-tête TH sur 22 sans /Scope" in manquements
    assert any("hors de l'arbre de structure" in m for m in manquements)
    assert "sommaire non balisé en TOC" in manquements


def test_tableau_coupe_reste_un_seul_tableau_legende_et_entete_repete(tmp_path):
    from pypdf import PdfReader

    from analyse.rapports.accessibilite import _a_une_legende, _pages_de

    chemin = rendu.fragment_vers_pdf("<h2>Long</h2>" + _tableau(120, "Tableau long"), tmp_path / "long.pdf", "Essai")
    assert verifier_pdf(chemin) == []
    with pikepdf.open(chemin) as pdf:
        numeros = {p.obj.objgen: i for i, p in enumerate(pdf.pages)}
        (tableau,) = _elements_de(pdf, "/Table")
        pages = sorted(_pages_de(tableau, numeros))
        assert len(pages) >= 2 and _a_une_legende(tableau)
        assert all(e.get("/A") is not None for e in _elements_de(pdf, "/TH"))
    lecteur = PdfReader(chemin)
    for page in pages:  # l'en-tête se répète en haut de chaque page du tableau
        assert "Canal Score" in lecteur.pages[page].extract_text(), page


def test_sommaire_balise_toc_sans_points_de_conduite(tmp_path):
    chemin = _document_d_essai(tmp_path)
    with pikepdf.open(chemin) as pdf:
        (sommaire,) = _elements_de(pdf, "/TOC")
        entrees = [e for e in _descendants(sommaire) if _type(e) == "/TOCI"]
        assert len(entrees) == 4
        assert all(sum(_type(d) == "/Link" for d in _descendants(e)) == 1 for e in entrees)


def test_second_lecteur_poppler(tmp_path):
    """Lecture indépendante de l'arbre de structure par poppler (pdfinfo -struct-text)."""
    if shutil.which("pdfinfo") is None:
        pytest.fail("poppler (pdfinfo) absent : lancez « make axe » (outils/installer_axe.sh).")
    chemin = _document_d_essai(tmp_path)
    arbre = subprocess.run(["pdfinfo", "-struct-text", str(chemin)], capture_output=True, text=True).stdout
    assert "TOC" in arbre and "TOCI" in arbre and ". . ." not in arbre and "...." not in arbre
    assert arbre.count("/Scope /Column") == arbre.count("TH ") or arbre.count("/Scope") >= 2
    assert "Caption" in arbre and "Figure" in arbre
    ancien = subprocess.run(
        ["pdfinfo", "-struct-text", str(config.RACINE / "tests" / "donnees" / "etude_weasyprint_70.pdf")],
        capture_output=True,
        text=True,
    ).stdout
    assert "/Scope" not in ancien and "TOC" not in ancien


def test_verifier_html():
    assert verifier_html(rendu.document_html("<h2>A</h2><h3>B</h3>" + _figure() + _tableau(), "T")) == []
    assert verifier_html('<html lang="fr"><h1>A</h1><h1>B</h1><table><tr><td>x</td></tr></table></html>') == [
        "2 titre(s) h1 au lieu d'un seul",
        "1 tableau(x) sans cellule d'en-tête (<th>)",
    ]
    nbconvert = '<img src="x" alt="No description has been provided for this image"/>'
    assert verifier_html(f'<html lang="fr"><h1>A</h1>{nbconvert}</html>') == [
        "1 image(s) sans texte alternatif utile (alt)"
    ]


# --------------------------------------------------------------------------- textes alternatifs et données


def test_texte_alternatif_tire_des_donnees_et_non_du_titre():
    fig = graphiques.barres_intervalles(CANAUX, graphiques.titre_constat(CANAUX), reference=63.9)
    assert fig.texte_alternatif == (
        "Score moyen par groupe, du plus élevé au plus bas : Téléphone 77,2, Courriel 63,0, Courrier 48,5 ; "
        "moyenne nationale 63,9. 1 groupe fragile (moins de 10 structures). "
        "Intervalles de confiance à 95 % dans les données jointes."
    )
    autre = CANAUX.assign(score=[75.0, 62.0, 50.0])
    assert graphiques.points_intervalles(autre, "Titre").texte_alternatif != fig.texte_alternatif
    assert (
        "Téléphone 75,0, Courriel 62,0, Courrier 50,0" in graphiques.points_intervalles(autre, "Titre").texte_alternatif
    )


def test_groupes_secrets_absents_du_texte_et_des_donnees():
    a = CANAUX.assign(supprime=[False, False, True])
    fig = graphiques.barres_intervalles(a, "Titre")
    assert "Courrier" not in fig.texte_alternatif and "Courrier" not in set(fig.donnees_graphique["Groupe"])
    assert "1 groupe de moins de 5 structures non publié (secret)." in fig.texte_alternatif


def test_donnees_du_graphique_jointes_au_pdf_identiques_au_dessin(tmp_path):
    bloc = _figure()
    alt = re.search(r'alt="([^"]*)"', bloc).group(1)
    assert "Données complètes : graphique-" in alt
    _, jointes = rendu.extraire_donnees_graphiques(bloc)
    lignes = list(csv.reader(io.StringIO(jointes[0].contenu.decode("utf-8-sig")), delimiter=";"))
    assert lignes[0][:4] == ["Groupe", graphiques.UNITE_SCORE, "IC 95 % bas", "IC 95 % haut"]
    assert [l[:2] for l in lignes[1:]] == [["Téléphone", "77,2"], ["Courriel", "63,0"], ["Courrier", "48,5"]]


def test_figure_construite_ailleurs_decrite_d_apres_son_dessin():
    fig, ax = graphiques.nouvelle_figure()
    ax.plot([2020, 2021, 2022], [61.0, 63.5, 65.0], label="Score national")
    ax.set_xticks([2020, 2021, 2022], ["2020", "2021", "2022"])
    ax.set_ylabel("Score (points sur 100)")
    graphiques.habiller(fig, "Le score progresse", None)
    alt = re.search(r'alt="([^"]*)"', str(graphiques.figure_html(fig, "Légende"))).group(1)
    assert alt.startswith(
        "Le score progresse. Score (points sur 100) – Score national : 2020 61,0, 2021 63,5, 2022 65,0."
    )


def test_alternative_fournie_prioritaire():
    fig = graphiques.barres_effectifs(pd.DataFrame({"libelle": ["Communes", "Régions"], "n_structures": [30, 10]}), "T")
    assert fig.texte_alternatif == "Nombre de structures participantes par type : Communes 30, Régions 10 ; total 40."
    assert 'alt="Texte imposé. Données' in str(graphiques.figure_html(fig, "L", alternative="Texte imposé."))


# --------------------------------------------------------------------------- mise en page


LIGNE = "Phrase de remplissage assez longue pour occuper une ligne entière de la page du rapport. "


def _remplissage(n: int) -> str:
    return "".join(f"<p>{LIGNE}</p>" for _ in range(n))


def _pages_par_type(chemin, types) -> list[tuple[str, set[int]]]:
    """(type, pages de son contenu marqué) de chaque élément de structure de ces types, dans l'ordre."""
    from analyse.rapports.accessibilite import _pages_de

    with pikepdf.open(chemin) as pdf:
        numeros = {p.obj.objgen: i for i, p in enumerate(pdf.pages)}
        return [
            (_type(e), _pages_de(e, numeros))
            for e in _elements_structure(pdf.Root.StructTreeRoot.K)
            if _type(e) in types
        ]


def test_legende_jamais_separee_de_son_tableau(tmp_path):
    """Un tableau court qui commence en bas de page part entier sur la page suivante avec sa légende."""
    for n in range(30, 48, 3):  # différentes places de la légende en bas de page
        corps = "<h2>Essai</h2>" + _remplissage(n) + _tableau(12, "Tableau en bas de page")
        chemin = rendu.fragment_vers_pdf(corps, tmp_path / f"bas-{n}.pdf", "Essai")
        elements = _pages_par_type(chemin, {"/Caption", "/TD"})
        legende = next(pages for t, pages in elements if t == "/Caption")
        cellules = set().union(*(pages for t, pages in elements if t == "/TD"))
        assert legende == cellules, f"légende et tableau séparés ({n} paragraphes avant)"


def test_titre_jamais_seul_en_bas_de_page(tmp_path):
    texte = "<p>" + LIGNE * 6 + "</p>"
    for n in range(36, 50, 2):
        corps = "<h2>Essai</h2>" + _remplissage(n) + f"<h3>Intertitre</h3>{texte}"
        chemin = rendu.fragment_vers_pdf(corps, tmp_path / f"titre-{n}.pdf", "Essai")
        elements = _pages_par_type(chemin, {"/H2", "/P"})
        (page_titre,) = next(pages for t, pages in elements if t == "/H2")
        suite = [pages for t, pages in elements if t == "/P"][-1]
        assert page_titre == min(suite), f"intertitre seul en bas de page ({n} paragraphes avant)"


def test_fin_de_tableau_coupe_jamais_sous_un_quart_de_page(tmp_path):
    """Un tableau plus long qu'une page ne laisse pas sa dernière page remplie à moins d'un quart."""
    par_page = None
    for n in range(0, 40, 4):
        corps = "<h2>Essai</h2>" + _remplissage(n) + _tableau(70, "Tableau long")
        chemin = rendu.fragment_vers_pdf(corps, tmp_path / f"reste-{n}.pdf", "Essai")
        lignes = [min(pages) for t, pages in _pages_par_type(chemin, {"/TR"}) if pages]
        comptes = {page: lignes.count(page) for page in set(lignes)}
        par_page = max(par_page or 0, max(comptes.values()))
        derniere = comptes[max(comptes)]
        assert derniere >= 0.25 * par_page or len(comptes) == 1, (n, comptes)


# --------------------------------------------------------------------------- contraste


def _paires_css(css: str) -> list[tuple[str, str, str]]:
    """(sélecteur, couleur du texte, couleur du fond) pour chaque règle qui fixe une couleur."""
    noms = {"white": "#ffffff", "black": "#000000"}
    couleur = r"(#[0-9a-fA-F]{3,6}\b|white|black)"
    paires = []
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    for selecteur, declarations in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        selecteur = selecteur.split(";")[-1].strip()
        texte = re.search(r"(?<![-\w])color\s*:\s*" + couleur, declarations)
        fond = re.search(r"background(?:-color)?\s*:\s*" + couleur, declarations)
        if not (texte or fond):
            continue
        sur_couverture = selecteur.startswith(".couverture")
        texte = noms.get(texte[1], texte[1]) if texte else ("#ffffff" if sur_couverture else "#1a1a1a")
        fond = noms.get(fond[1], fond[1]) if fond else ("#0072B2" if sur_couverture else "#ffffff")
        paires.append((selecteur, texte, fond))
    return paires


@pytest.mark.parametrize("demo", [False, True])
def test_contraste_de_la_feuille_de_style(demo):
    paires = _paires_css(rendu.feuille_de_style(demo))
    assert len(paires) >= 10  # la lecture de la feuille de style trouve bien les règles colorées
    faibles = [(s, t, f, round(contraste(t, f), 2)) for s, t, f in paires if contraste(t, f) < CONTRASTE_TEXTE]
    assert faibles == []


def test_lecture_des_paires_css_detecte_un_contraste_faible():
    assert _paires_css(".x { color: #E69F00; }") == [(".x", "#E69F00", "#ffffff")]
    assert contraste("#E69F00", "#ffffff") < CONTRASTE_TEXTE


def test_contraste_des_couleurs_des_graphiques():
    for couleur in graphiques.COULEURS_TEXTE:
        assert contraste(couleur, "#ffffff") >= CONTRASTE_TEXTE, couleur
    for nom in graphiques.COULEURS_TRAITS:
        assert contraste(graphiques.PALETTE[nom], "#ffffff") >= CONTRASTE_GRAPHIQUE, nom
    # Les groupes fragiles (aplat bleu ciel, trop clair seul) sont bordés et hachurés de bleu.
    fig = graphiques.barres_intervalles(CANAUX, "Titre")
    fragile = fig.axes[0].patches[2]
    assert matplotlib_hex(fragile.get_edgecolor()) == graphiques.PALETTE["bleu"].lower()


def matplotlib_hex(rgba) -> str:
    from matplotlib.colors import to_hex

    return to_hex(rgba)


def test_css_embarquee_dans_le_paquet():
    css = (resources.files("analyse") / "ressources" / "rapport.css").read_text(encoding="utf-8")
    assert ".tableau caption, .tableau thead { break-after: avoid; }" in css


def test_series_sans_etiquette_nommees_par_la_legende_et_annees_sans_separateur():
    """Motif des tendances : courbes sans étiquette, légende faite d'entrées à part (même couleur et style)."""
    from matplotlib.lines import Line2D

    fig, ax = graphiques.nouvelle_figure()
    ax.plot([2012, 2022], [68.4, 65.0], "-", color=graphiques.PALETTE["bleu"])
    ax.plot([2012, 2022], [68.4, 66.2], "--", color=graphiques.PALETTE["vermillon"])
    poignees = [
        Line2D([], [], ls="-", color=graphiques.PALETTE["bleu"], label="Moyenne des participants"),
        Line2D([], [], ls="--", color=graphiques.PALETTE["vermillon"], label="À structures comparables"),
    ]
    ax.legend(handles=poignees)
    texte, donnees = graphiques.decrire_dessin(fig)
    assert texte == "Moyenne des participants : 2012 68,4, 2022 65,0 ; À structures comparables : 2012 68,4, 2022 66,2."
    assert "série" not in texte and len(donnees) == 4


def test_points_sur_etiquettes_d_ordonnee_comme_dans_la_fiche():
    """Motif de la fiche : points de la structure et de la moyenne nationale par déterminant."""
    fig, ax = graphiques.nouvelle_figure()
    ax.scatter([87.0, 62.5], [0, 1], label="Structure (IC à 95 %)")
    ax.scatter([73.4, 66.0], [0, 1], marker="D", label="Moyenne nationale")
    ax.set_yticks([0, 1], ["Courtoisie", "Réactivité"])
    ax.set_xlabel("Score (points sur 100)")
    graphiques.habiller(fig, "Courtoisie : point fort.", None)
    alt = re.search(r'alt="([^"]*)"', str(graphiques.figure_html(fig, "Légende", resolution=50))).group(1)
    assert alt.startswith(
        "Courtoisie : point fort. Score (points sur 100) – Structure (IC à 95 %) : Courtoisie 87,0, "
        "Réactivité 62,5 ; Moyenne nationale : Courtoisie 73,4, Réactivité 66,0."
    )
