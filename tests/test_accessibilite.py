"""Accessibilité des publications : vérificateur PDF/UA, textes alternatifs, pièces jointes, mise en page, contraste."""

import csv
import io
import re
from importlib import resources

import pandas as pd
import pikepdf
import pytest

from analyse.rapports import graphiques, rendu
from analyse.rapports.accessibilite import (
    CONTRASTE_GRAPHIQUE,
    CONTRASTE_TEXTE,
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


def test_un_pdf_non_balise_est_signale(tmp_path):
    import weasyprint

    chemin = tmp_path / "non-conforme-brut.pdf"
    weasyprint.HTML(string="<p>Bonjour</p>").write_pdf(chemin)
    manquements = " | ".join(verifier_pdf(chemin))
    for attendu in ("/MarkInfo", "/Lang", "titre du document absent", "DisplayDocTitle", "pdfuaid", "/StructTreeRoot"):
        assert attendu in manquements


def test_document_du_rendu_conforme_avec_signets_alt_et_pieces_jointes(tmp_path):
    sections = "".join(f"<h2>Section {i}</h2><p>Texte {i}.</p>" for i in range(4))
    document = rendu.document_html(
        sections + _figure() + _tableau(), "Rapport d'essai", "Sous-titre", date="1er mars 2026"
    )
    chemin = rendu.html_vers_pdf(document, tmp_path / "essai.pdf")

    assert verifier_pdf(chemin) == []
    with pikepdf.open(chemin) as pdf:
        assert str(pdf.Root.Lang) == "fr" and len(pdf.pages) >= 4
        assert str(pdf.docinfo.Title) == "Rapport d'essai – Sous-titre"
        with pdf.open_outline() as signets:
            titres = [s.title for s in signets.root] + [e.title for s in signets.root for e in s.children]
        assert "Rapport d'essai" in titres and "Section 3" in titres and "Sommaire" in titres
    ((attributs, _),) = _elements(chemin, "/Figure")
    assert str(attributs["/Alt"]).startswith("Score moyen par groupe, du plus élevé au plus bas : Téléphone 77,2")
    jointes = _pieces_jointes(chemin)
    assert {"tableau-01-scores-par-canal.csv"} < set(jointes) and any(n.startswith("graphique-") for n in jointes)


def test_figure_sans_alternative_et_tableau_sans_entete_signales(tmp_path):
    document = rendu.document_html(
        '<img src="data:image/png;base64,'
        + graphiques.base64.b64encode(graphiques.png(graphiques.Figure((1, 1)))).decode()
        + '"/><table><tr><td>a</td></tr></table>',
        "Essai",
    )
    chemin = rendu.html_vers_pdf(document, tmp_path / "non-conforme-alt.pdf")
    manquements = verifier_pdf(chemin)
    assert "1 figure(s) sur 1 sans texte alternatif utile (/Alt)" in manquements
    assert "1 tableau(x) sur 1 sans cellule d'en-tête (TH)" in manquements
    assert "graphiques sans données jointes (aucune pièce jointe /EmbeddedFiles)" not in manquements  # tableau joint


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


def test_legende_jamais_separee_de_son_tableau(tmp_path):
    """Un tableau qui commence en bas de page part entier sur la page suivante avec sa légende."""
    for hauteur in range(205, 245, 6):  # différentes places de la légende en bas de page
        corps = f'<h2>Essai</h2><div style="height:{hauteur}mm"></div>' + _tableau(12, "Tableau en bas de page")
        chemin = rendu.html_vers_pdf(rendu.document_html(corps, "Essai"), tmp_path / f"bas-{hauteur}.pdf")
        for _, descendants in _elements(chemin, "/Table"):
            if "/Caption" in descendants:
                assert "/TD" in descendants, f"légende seule en bas de page (espace de {hauteur} mm)"
        assert verifier_pdf(chemin) == []


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


def _pages_des_elements(chemin, types) -> list[tuple[str, int]]:
    with pikepdf.open(chemin) as pdf:
        pages = {p.objgen: i for i, p in enumerate(pdf.pages)}
        return [
            (_type(e), pages[e.Pg.objgen])
            for e in _elements_structure(pdf.Root.StructTreeRoot.K)
            if _type(e) in types and "/Pg" in e
        ]


def test_titre_jamais_seul_en_bas_de_page(tmp_path):
    texte = "<p>" + "Phrase de constat assez longue pour remplir une ligne entière du rapport. " * 6 + "</p>"
    for hauteur in range(215, 250, 5):
        corps = f'<h2>Essai</h2><div style="height:{hauteur}mm"></div><h3>Intertitre</h3>{texte}'
        chemin = rendu.html_vers_pdf(rendu.document_html(corps, "Essai"), tmp_path / f"titre-{hauteur}.pdf")
        elements = _pages_des_elements(chemin, {"/H3", "/P"})
        page_titre = next(page for type_, page in elements if type_ == "/H3")
        assert (page_titre, "/P") in [(page, t) for t, page in elements], f"intertitre seul (espace de {hauteur} mm)"


def test_texte_long_plafonne(tmp_path):
    from pypdf import PdfReader

    long = '<p class="texte-long">' + "Commentaire d'usager très long. " * 400 + "</p><p>Suite du texte.</p>"
    chemin = rendu.html_vers_pdf(rendu.document_html("<h2>Verbatims</h2>" + long, "Essai"), tmp_path / "long.pdf")
    pages = PdfReader(chemin).pages
    texte = "\n".join(page.extract_text() for page in pages)
    assert len(pages) == 3  # couverture, sommaire, puis la section et son texte plafonné sur une page
    assert "Suite du texte." in texte and texte.count("Commentaire") < 25  # six lignes gardées sur ~70
