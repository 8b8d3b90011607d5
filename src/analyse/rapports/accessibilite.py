"""Vérification d'accessibilité des publications : un sous-ensemble de PDF/UA-1 et du RGAA.

``verifier_pdf`` lit un PDF avec pikepdf et renvoie la liste de ses manquements (vide si
tout va bien) : balisage (``/MarkInfo /Marked true``, ``/StructTreeRoot``), langue
(``/Lang``), titre et ``DisplayDocTitle``, identification PDF/UA dans le XMP
(``pdfuaid:part``), texte alternatif de chaque ``Figure``, cellules d'en-tête ``TH`` dans
chaque ``Table``, signets dès 4 pages, pièces jointes dès qu'il y a une figure.
``verifier_html`` contrôle la version HTML : ``lang``, un seul ``h1``, niveaux de titres
sans saut, ``alt`` des images, en-têtes des tableaux.

Ce n'est pas un validateur complet (veraPDF, PAC) : voir ``benchmarks/RESULTATS.md``.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

PAGES_SIGNETS = 4  # à partir de ce nombre de pages, les signets sont exigés
PROFONDEUR_MAX = 200  # garde-fou contre un arbre de structure cyclique
# Textes alternatifs qui ne disent rien : celui que nbconvert pose d'office sur une image sans alt,
# et les noms génériques.
ALTERNATIVES_GENERIQUES = {"no description has been provided for this image", "graphique", "image", "figure"}


def alternative_utile(texte: str) -> bool:
    """Vrai si le texte alternatif n'est ni vide ni générique.

    >>> alternative_utile("No description has been provided for this image"), alternative_utile("Score : 70.")
    (False, True)
    """
    return bool(texte.strip()) and texte.strip().lower().rstrip(".") not in ALTERNATIVES_GENERIQUES


# --------------------------------------------------------------------------- PDF


def _elements_structure(racine) -> list:
    """Éléments de structure (dictionnaires ``/S``) de l'arbre, en profondeur, sans boucle."""
    import pikepdf

    vus, elements, pile = set(), [], [(racine, 0)]
    while pile:
        noeud, profondeur = pile.pop()
        if isinstance(noeud, pikepdf.Array):
            pile.extend((n, profondeur) for n in reversed(list(noeud)))
            continue
        if not isinstance(noeud, pikepdf.Dictionary) or profondeur > PROFONDEUR_MAX:
            continue
        cle = noeud.objgen if noeud.is_indirect else None
        if cle is not None and cle in vus:
            continue
        if cle is not None:
            vus.add(cle)
        if "/S" in noeud:
            elements.append(noeud)
        if "/K" in noeud:
            pile.append((noeud.K, profondeur + 1))
    return elements


def _type(element) -> str:
    return str(element.get("/S", ""))


def _descendants(element) -> list:
    return _elements_structure(element.get("/K")) if "/K" in element else []


def _manquements_structure(pdf) -> list[str]:
    racine = pdf.Root.get("/StructTreeRoot")
    if racine is None:
        return ["arbre de structure absent (/StructTreeRoot) : PDF non balisé"]
    manquements = []
    elements = _elements_structure(racine.get("/K"))
    figures = [e for e in elements if _type(e) == "/Figure"]
    sans_alt = [e for e in figures if not alternative_utile(str(e.get("/Alt", "")))]
    if sans_alt:
        manquements.append(f"{len(sans_alt)} figure(s) sur {len(figures)} sans texte alternatif utile (/Alt)")
    tableaux = [e for e in elements if _type(e) == "/Table"]
    sans_th = [t for t in tableaux if not any(_type(d) == "/TH" for d in _descendants(t))]
    if sans_th:
        manquements.append(f"{len(sans_th)} tableau(x) sur {len(tableaux)} sans cellule d'en-tête (TH)")
    return manquements


def _a_des_figures(pdf) -> bool:
    racine = pdf.Root.get("/StructTreeRoot")
    return racine is not None and any(_type(e) == "/Figure" for e in _elements_structure(racine.get("/K")))


def _titre(pdf) -> str:
    titre = str(pdf.docinfo.get("/Title", "")) if pdf.trailer.get("/Info") is not None else ""
    if not titre.strip():
        with pdf.open_metadata() as xmp:
            titre = str(xmp.get("dc:title", "") or "")
    return titre.strip()


def _partie_pdfua(pdf) -> str:
    with pdf.open_metadata() as xmp:
        return str(xmp.get("pdfuaid:part", "") or "").strip()


def _pieces_jointes(pdf) -> int:
    noms = pdf.Root.get("/Names")
    if noms is None or "/EmbeddedFiles" not in noms:
        return 0
    import pikepdf

    return len(pikepdf.NameTree(noms.EmbeddedFiles))


def _manquements_document(pdf) -> list[str]:
    manquements = []
    marquage = pdf.Root.get("/MarkInfo")
    if marquage is None or not bool(marquage.get("/Marked", False)):
        manquements.append("document non marqué comme balisé (/MarkInfo /Marked true)")
    if not str(pdf.Root.get("/Lang", "")).strip():
        manquements.append("langue du document absente (/Lang)")
    if not _titre(pdf):
        manquements.append("titre du document absent (/Title ou dc:title)")
    preferences = pdf.Root.get("/ViewerPreferences")
    if preferences is None or not bool(preferences.get("/DisplayDocTitle", False)):
        manquements.append("le lecteur n'affiche pas le titre (/ViewerPreferences /DisplayDocTitle true)")
    if _partie_pdfua(pdf) != "1":
        manquements.append("identification PDF/UA-1 absente du XMP (pdfuaid:part = 1)")
    return manquements


def _manquements_navigation(pdf) -> list[str]:
    manquements = []
    if len(pdf.pages) >= PAGES_SIGNETS:
        signets = pdf.Root.get("/Outlines")
        if signets is None or "/First" not in signets:
            manquements.append(f"{len(pdf.pages)} pages sans signets (/Outlines)")
    if _a_des_figures(pdf) and _pieces_jointes(pdf) == 0:
        manquements.append("graphiques sans données jointes (aucune pièce jointe /EmbeddedFiles)")
    return manquements


def verifier_pdf(chemin: Path | str) -> list[str]:
    """Manquements d'accessibilité d'un PDF (liste vide si le sous-ensemble vérifié est respecté).

    >>> verifier_pdf("/absent.pdf")
    Traceback (most recent call last):
    FileNotFoundError: PDF introuvable : /absent.pdf
    """
    chemin = Path(chemin)
    if not chemin.exists():
        raise FileNotFoundError(f"PDF introuvable : {chemin}")
    import pikepdf

    with pikepdf.open(chemin) as pdf:
        return _manquements_document(pdf) + _manquements_structure(pdf) + _manquements_navigation(pdf)


# --------------------------------------------------------------------------- HTML


class _LecteurHTML(HTMLParser):
    """Relève la langue, les titres, les images et les tableaux d'un document HTML."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lang = None
        self.titres: list[int] = []
        self.images_sans_alt = 0
        self.tableaux: list[dict] = []
        self._profondeur_tableau = 0

    def handle_starttag(self, balise, attributs):
        attributs = dict(attributs)
        if balise == "html":
            self.lang = attributs.get("lang")
        elif re.fullmatch(r"h[1-6]", balise):
            self.titres.append(int(balise[1]))
        elif balise == "img" and not alternative_utile(attributs.get("alt") or ""):
            self.images_sans_alt += 1
        elif balise == "table":
            self._profondeur_tableau += 1
            self.tableaux.append({"th": 0})
        elif balise == "th" and self.tableaux:
            self.tableaux[-1]["th"] += 1

    def handle_endtag(self, balise):
        if balise == "table":
            self._profondeur_tableau -= 1


def _sauts_de_niveau(niveaux: list[int]) -> list[str]:
    sauts, precedent = [], 0
    for niveau in niveaux:
        if niveau > precedent + 1:
            sauts.append(f"h{precedent}→h{niveau}" if precedent else f"premier titre h{niveau}")
        precedent = niveau
    return sauts


def verifier_html(document: str) -> list[str]:
    """Manquements d'accessibilité d'un document HTML (langue, titres, images, tableaux).

    >>> verifier_html('<html lang="fr"><h1>T</h1><h2>A</h2><img src="x" alt="Un graphique"></html>')
    []
    >>> verifier_html('<html><h1>T</h1><h3>A</h3><img src="x"></html>')
    ['langue absente (<html lang>)', 'saut de niveau de titre : h1→h3', '1 image(s) sans texte alternatif utile (alt)']
    """
    lecteur = _LecteurHTML()
    lecteur.feed(document)
    manquements = []
    if not (lecteur.lang or "").strip():
        manquements.append("langue absente (<html lang>)")
    if lecteur.titres.count(1) != 1:
        manquements.append(f"{lecteur.titres.count(1)} titre(s) h1 au lieu d'un seul")
    manquements += [f"saut de niveau de titre : {s}" for s in _sauts_de_niveau(lecteur.titres)]
    if lecteur.images_sans_alt:
        manquements.append(f"{lecteur.images_sans_alt} image(s) sans texte alternatif utile (alt)")
    sans_th = sum(1 for t in lecteur.tableaux if t["th"] == 0)
    if sans_th:
        manquements.append(f"{sans_th} tableau(x) sans cellule d'en-tête (<th>)")
    return manquements


def verifier_publication(chemin_pdf: Path | str) -> list[str]:
    """Manquements d'un PDF et, s'il existe à côté, de son HTML (préfixés « HTML : »).

    >>> verifier_publication.__name__
    'verifier_publication'
    """
    chemin_pdf = Path(chemin_pdf)
    manquements = verifier_pdf(chemin_pdf)
    chemin_html = chemin_pdf.with_suffix(".html")
    if chemin_html.exists():
        manquements += [f"HTML : {m}" for m in verifier_html(chemin_html.read_text(encoding="utf-8"))]
    return manquements


def verifier_dossier(dossier: Path | str) -> dict[Path, list[str]]:
    """Manquements de chaque PDF d'un dossier de rapports (récursivement), par chemin.

    >>> verifier_dossier("/dossier/absent")
    {}
    """
    return {chemin: verifier_publication(chemin) for chemin in sorted(Path(dossier).rglob("*.pdf"))}


def main(arguments: list[str] | None = None) -> int:
    """``python -m analyse.rapports.accessibilite DOSSIER`` : 0 si tous les PDF passent, 1 sinon."""
    import sys

    dossier = Path((arguments if arguments is not None else sys.argv[1:] or ["rapports"])[0])
    resultats = verifier_dossier(dossier)
    fautes = {c: m for c, m in resultats.items() if m}
    for chemin, manquements in fautes.items():
        print(f"{chemin} : {' ; '.join(manquements)}")
    print(
        f"Accessibilité (PDF/UA-1, sous-ensemble vérifié) : {len(resultats)} PDF dans {dossier}, "
        f"{len(fautes)} en faute."
    )
    return 1 if fautes else 0


# --------------------------------------------------------------------------- contraste

CONTRASTE_TEXTE = 4.5  # WCAG 2.1 AA, critère 1.4.3 (texte courant)
CONTRASTE_GRAPHIQUE = 3.0  # WCAG 2.1 AA, critère 1.4.11 (éléments graphiques porteurs d'information)


def luminance(couleur: str) -> float:
    """Luminance relative d'une couleur ``#rrggbb`` ou ``#rgb`` (définition WCAG 2.1).

    >>> luminance("#ffffff"), luminance("#000")
    (1.0, 0.0)
    """
    code = couleur.lstrip("#")
    if len(code) == 3:
        code = "".join(c * 2 for c in code)
    if not re.fullmatch(r"[0-9a-fA-F]{6}", code):
        raise ValueError(f"Couleur illisible : {couleur!r} (attendu #rrggbb)")
    canaux = [int(code[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    r, v, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in canaux)
    return 0.2126 * r + 0.7152 * v + 0.0722 * b


def contraste(texte: str, fond: str) -> float:
    """Rapport de contraste WCAG entre deux couleurs (de 1 à 21).

    >>> round(contraste("#000000", "#ffffff"), 1), round(contraste("#595959", "#ffffff"), 2)
    (21.0, 7.0)
    """
    clair, fonce = sorted((luminance(texte), luminance(fond)), reverse=True)
    return (clair + 0.05) / (fonce + 0.05)


if __name__ == "__main__":
    raise SystemExit(main())
