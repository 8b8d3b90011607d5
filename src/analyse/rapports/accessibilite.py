"""Vérification d'accessibilité des publications : un sous-ensemble de PDF/UA-1 et du RGAA.

``verifier_pdf`` lit un PDF avec pikepdf et renvoie la liste de ses manquements (vide si
tout va bien) : balisage (``/MarkInfo /Marked true``, ``/StructTreeRoot``), langue
(``/Lang``), titre et ``DisplayDocTitle``, identification PDF/UA dans le XMP
(``pdfuaid:part``), texte alternatif de chaque ``Figure``, cellules d'en-tête ``TH`` dans
chaque ``Table``, portée de chaque ``TH`` (``/Scope`` valide ; un en-tête de ligne ouvre sa
ligne), en-tête de colonnes redessiné (en artefact) sur chaque page de suite d'un tableau
coupé, signets dès 4 pages, pièces jointes dès qu'il y a une figure.
``verifier_publication`` compare aussi les en-têtes de ligne du PDF à ceux du HTML voisin.
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


# --------------------------------------------------------------------------- lecture d'aide technique
# Ce que lit une aide technique : l'arbre de structure depuis sa racine, et les flux de contenu
# des pages. Un contenu marqué (MCID) que la racine n'atteint pas est muet ; un texte dessiné
# hors contenu marqué, sans être un artefact, n'a pas de place dans l'ordre de lecture.

OPERATEURS_TEXTE = {"Tj", "TJ", "'", '"'}


def _attributs(element) -> list:
    import pikepdf

    attributs = element.get("/A")
    if attributs is None:
        return []
    return [
        a
        for a in (attributs if isinstance(attributs, pikepdf.Array) else [attributs])
        if isinstance(a, pikepdf.Dictionary)
    ]


PORTEES = {"/Row", "/Column", "/Both"}  # valeurs de /Scope d'un TH (ISO 32000-1, 14.8.5.7)


def _portee(element) -> str | None:
    """Valeur de ``/Scope`` d'un élément (attributs ``/A``), ``None`` s'il n'en a pas."""
    for attribut in _attributs(element):
        if "/Scope" in attribut:
            return str(attribut.Scope)
    return None


def _a_une_portee(element) -> bool:
    return _portee(element) is not None


def _est_entete_de_ligne(cellule) -> bool:
    return _type(cellule) == "/TH" and _portee(cellule) in ("/Row", "/Both")


def _entetes_de_ligne_mal_places(elements) -> int:
    """TH de ligne précédés, dans leur TR, d'une cellule qui n'est pas un en-tête de ligne.

    Un en-tête de ligne ouvre sa ligne ; plusieurs en-têtes de ligne successifs (niveaux d'un
    index multiple) sont admis tant qu'aucune autre cellule ne les précède.
    """
    mal_places = 0
    for ligne in (e for e in elements if _type(e) == "/TR"):
        autre_avant = False
        for cellule in _enfants(ligne):
            if _est_entete_de_ligne(cellule):
                mal_places += autre_avant
            else:
                autre_avant = True
    return mal_places


def _contenus_marques_de_l_arbre(racine) -> set[tuple]:
    """(page, MCID) de chaque contenu marqué atteint depuis la racine de structure."""
    import pikepdf

    page_racine = racine.get("/Pg")
    atteints, vus, pile = set(), set(), [(racine.get("/K"), page_racine.objgen if page_racine is not None else None, 0)]
    while pile:
        noeud, page, profondeur = pile.pop()
        if noeud is None or profondeur > PROFONDEUR_MAX:
            continue
        if isinstance(noeud, pikepdf.Array):
            pile.extend((n, page, profondeur) for n in noeud)
        elif isinstance(noeud, int) or (
            isinstance(noeud, pikepdf.Object) and noeud._type_code == pikepdf.ObjectType.integer
        ):
            if page is not None:
                atteints.add((page, int(noeud)))
        elif isinstance(noeud, pikepdf.Dictionary):
            cle = noeud.objgen if noeud.is_indirect else None
            if cle is not None and cle in vus:
                continue
            if cle is not None:
                vus.add(cle)
            page_noeud = noeud.get("/Pg")
            page = page_noeud.objgen if page_noeud is not None else page
            if str(noeud.get("/Type", "")) == "/MCR":
                atteints.add((page, int(noeud.MCID)))
            elif "/K" in noeud:
                pile.append((noeud.K, page, profondeur + 1))
    return atteints


def _proprietes(operandes, ressources) -> dict:
    """Dictionnaire de propriétés d'un BDC (en ligne, ou nommé dans /Properties)."""
    import pikepdf

    if len(operandes) < 2:
        return {}
    proprietes = operandes[1]
    if isinstance(proprietes, pikepdf.Name) and ressources is not None and "/Properties" in ressources:
        proprietes = ressources.Properties.get(str(proprietes))
    return proprietes if isinstance(proprietes, pikepdf.Dictionary) else {}


def _police(nom, ressources):
    """Police nommée par ``Tf`` : son objet (identité indépendante du nom local à la page)."""
    polices = ressources.get("/Font") if ressources is not None else None
    police = polices.get(str(nom)) if polices is not None else None
    if police is not None and police.is_indirect:
        return police.objgen
    return str(nom)


def _octets_dessines(operandes, op: str) -> bytes:
    """Codes de glyphes d'un opérateur de texte (les nombres d'un TJ, des crénages, sont omis)."""
    import pikepdf

    if op == "TJ":
        return b"".join(bytes(o) for o in operandes[0] if isinstance(o, pikepdf.String))
    return bytes(operandes[-1]) if operandes and isinstance(operandes[-1], pikepdf.String) else b""


def _noter_texte(pile: list, police, octets: bytes, releve: dict) -> None:
    """Range un texte dessiné : artefact, contenu marqué (par MCID) ou texte libre."""
    if any(artefact for artefact, _ in pile):
        releve["artefacts"].add((police, octets))
    elif any(marque is not None for _, marque in pile):
        mcid = next(m for _, m in reversed(pile) if m is not None)
        releve["textes"].setdefault(mcid, []).append((police, octets))
    else:
        releve["texte_libre"] += 1


def _lire_flux(objet, ressources, pile: list, releve: dict, profondeur: int = 0) -> None:
    """Parcourt un flux de contenu : MCID rencontrés, textes par MCID, textes des artefacts et
    textes dessinés hors contenu marqué. ``pile`` : (artefact, MCID ou ``-1`` pour une marque
    sans MCID, ``None`` hors balisage) par séquence de contenu marqué ouverte."""
    import pikepdf

    polices = [None]
    for operandes, operateur in pikepdf.parse_content_stream(objet):
        op = str(operateur)
        if op == "BDC":
            proprietes = _proprietes(operandes, ressources)
            mcid = proprietes.get("/MCID") if proprietes else None
            artefact = str(operandes[0]) == "/Artifact"
            pile.append((artefact, int(mcid) if mcid is not None else None))
            if mcid is not None:
                releve["mcid"].add(int(mcid))
        elif op == "BMC":
            pile.append((str(operandes[0]) == "/Artifact", None))
        elif op == "EMC":
            if pile:
                pile.pop()
        elif op == "Tf" and operandes:
            polices[-1] = _police(operandes[0], ressources)
        elif op == "q":
            polices.append(polices[-1])
        elif op == "Q" and len(polices) > 1:
            polices.pop()
        elif op in OPERATEURS_TEXTE:
            _noter_texte(pile, polices[-1], _octets_dessines(operandes, op), releve)
        elif op == "Do" and profondeur < 5 and ressources is not None and "/XObject" in ressources:
            forme = ressources.XObject.get(str(operandes[0]))
            if forme is not None and str(forme.get("/Subtype", "")) == "/Form":
                _lire_flux(forme, forme.get("/Resources", ressources), pile, releve, profondeur + 1)


def lire_pages(pdf) -> list[dict]:
    """Pour chaque page : MCID de ses flux, textes dessinés par MCID et en artefact (police,
    codes de glyphes), nombre de textes dessinés hors contenu marqué."""
    releves = []
    for page in pdf.pages:
        releve = {"page": page.obj.objgen, "mcid": set(), "texte_libre": 0, "textes": {}, "artefacts": set()}
        _lire_flux(page.obj, page.obj.get("/Resources"), [], releve)
        releves.append(releve)
    return releves


def _enfants(element) -> list:
    import pikepdf

    k = element.get("/K")
    noeuds = list(k) if isinstance(k, pikepdf.Array) else [k]
    return [n for n in noeuds if isinstance(n, pikepdf.Dictionary) and "/S" in n]


def _pages_de(element, numeros: dict) -> set[int]:
    return {numeros[page] for page, _ in _contenus_marques_de_l_arbre(element) if page in numeros}


def _a_une_legende(tableau) -> bool:
    return any(_type(e) == "/Caption" for e in _enfants(tableau))


def _tableaux_coupes(elements, numeros: dict) -> int:
    """Suites de tableau : un tableau sans légende qui reprend à la page suivant la fin du précédent.

    Un tableau coupé par la mise en page doit rester un seul élément ``Table`` (légende et
    en-tête une fois) ; une suite séparée est un second tableau, sans légende, pour l'aide technique.
    """
    tableaux = [(t, _pages_de(t, numeros)) for t in elements if _type(t) == "/Table"]
    coupes = 0
    for (avant, pages_avant), (apres, pages_apres) in zip(tableaux, tableaux[1:]):
        if pages_avant and pages_apres and not _a_une_legende(apres) and _a_une_legende(avant):
            coupes += min(pages_apres) == max(pages_avant) + 1
    return coupes


def _entetes_de_colonnes(tableau) -> list:
    return [
        cellule
        for section in _enfants(tableau)
        if _type(section) == "/THead"
        for ligne in _enfants(section)
        for cellule in _enfants(ligne)
        if _type(cellule) == "/TH"
    ]


def _suites_sans_entete(elements, pages: list[dict], numeros: dict) -> int:
    """Pages de suite d'un tableau coupé où l'en-tête de colonnes n'est pas redessiné.

    L'en-tête (``THead``) est lu sur sa page dans les flux de contenu (police et codes de
    glyphes de ses contenus marqués) ; sur chaque autre page du tableau, ces mêmes textes doivent
    être dessinés, en artefact (la répétition n'entre pas dans l'ordre de lecture).
    """
    manquantes = 0
    for tableau in (e for e in elements if _type(e) == "/Table"):
        pages_tableau = _pages_de(tableau, numeros)
        entetes = _entetes_de_colonnes(tableau)
        if len(pages_tableau) < 2 or not entetes:
            continue
        textes, pages_entete = set(), set()
        for entete in entetes:
            for page, mcid in _contenus_marques_de_l_arbre(entete):
                if page in numeros:
                    pages_entete.add(numeros[page])
                    textes.update(pages[numeros[page]]["textes"].get(mcid, []))
        textes = {t for t in textes if t[1]}
        if textes:
            manquantes += sum(1 for p in pages_tableau - pages_entete if not textes <= pages[p]["artefacts"])
    return manquantes


def _manquements_entetes(elements) -> list[str]:
    """Portée des TH : présente, valide (/Row, /Column, /Both), en-têtes de ligne en tête de ligne."""
    manquements = []
    entetes = [e for e in elements if _type(e) == "/TH"]
    sans_portee = [e for e in entetes if not _a_une_portee(e)]
    if sans_portee:
        manquements.append(f"{len(sans_portee)} cellule(s) d'en-tête TH sur {len(entetes)} sans /Scope")
    invalides = [e for e in entetes if _a_une_portee(e) and _portee(e) not in PORTEES]
    if invalides:
        manquements.append(f"{len(invalides)} TH à /Scope invalide (attendu /Row, /Column ou /Both)")
    mal_places = _entetes_de_ligne_mal_places(elements)
    if mal_places:
        manquements.append(
            f"{mal_places} en-tête(s) de ligne (TH /Row) précédé(s) dans leur TR d'une cellule qui n'en est pas un"
        )
    return manquements


def _manquements_lecture(pdf) -> list[str]:
    """Ce qu'une aide technique ne lirait pas : portée des TH, contenus orphelins, texte hors balisage."""
    racine = pdf.Root.get("/StructTreeRoot")
    if racine is None:
        return []
    elements = _elements_structure(racine.get("/K"))
    manquements = _manquements_entetes(elements)
    atteints = _contenus_marques_de_l_arbre(racine)
    pages = lire_pages(pdf)
    orphelins = sum(len({m for m in p["mcid"] if (p["page"], m) not in atteints}) for p in pages)
    if orphelins:
        manquements.append(f"{orphelins} contenu(s) marqué(s) (MCID) hors de l'arbre de structure")
    libres = sum(p["texte_libre"] for p in pages)
    if libres:
        manquements.append(f"{libres} texte(s) dessiné(s) hors contenu marqué sans être des artefacts")
    numeros = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
    coupes = _tableaux_coupes(elements, numeros)
    if coupes:
        manquements.append(f"{coupes} tableau(x) coupé(s) en deux éléments Table, la suite sans légende")
    suites = _suites_sans_entete(elements, pages, numeros)
    if suites:
        manquements.append(f"{suites} page(s) de suite d'un tableau coupé sans son en-tête de colonnes répété")
    manquements += _manquements_sommaire(elements, len(pdf.pages))
    return manquements


def _manquements_sommaire(elements, pages: int) -> list[str]:
    if pages < PAGES_SIGNETS:
        return []
    sommaires = [e for e in elements if _type(e) == "/TOC"]
    if not sommaires:
        return ["sommaire non balisé en TOC"]
    entrees = [e for e in elements if _type(e) == "/TOCI"]
    multiples = [e for e in entrees if sum(1 for d in _descendants(e) if _type(d) == "/Link") > 1]
    if multiples:
        return [f"{len(multiples)} entrée(s) de sommaire (TOCI) à plusieurs liens"]
    return []


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
        return (
            _manquements_document(pdf)
            + _manquements_structure(pdf)
            + _manquements_lecture(pdf)
            + _manquements_navigation(pdf)
        )


# --------------------------------------------------------------------------- HTML


class _LecteurHTML(HTMLParser):
    """Relève la langue, les titres, les images et les tableaux d'un document HTML."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lang = None
        self.titres: list[int] = []
        self.images_sans_alt = 0
        self.tableaux: list[dict] = []
        self.entetes_de_ligne = 0
        self._profondeur_tableau = 0
        self._dans_thead = False
        self._ligne: dict | None = None

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
            if self._ligne is not None:
                self._ligne["th"].append((attributs.get("scope") or "").lower())
        elif balise == "td" and self._ligne is not None:
            self._ligne["td"] = True
        elif balise == "thead":
            self._dans_thead = True
        elif balise == "tr":
            self._ligne = {"th": [], "td": False}

    def handle_endtag(self, balise):
        if balise == "table":
            self._profondeur_tableau -= 1
        elif balise == "thead":
            self._dans_thead = False
        elif balise == "tr" and self._ligne is not None:
            if not self._dans_thead:  # th d'une ligne de données : scope « row », ou implicite
                self.entetes_de_ligne += sum(
                    1
                    for portee in self._ligne["th"]
                    if portee in ("row", "rowgroup") or (not portee and self._ligne["td"])
                )
            self._ligne = None


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


def entetes_de_ligne_html(document: str) -> int:
    """En-têtes de ligne d'un document HTML : ``th`` hors ``thead`` de portée ``row`` (ou
    ``rowgroup``), ou sans portée dans une ligne qui a des cellules de données.

    >>> entetes_de_ligne_html('<table><thead><tr><th></th><th scope="col">A</th></tr></thead>'
    ...                       '<tr><th scope="row">x</th><td>1</td></tr><tr><th>y</th><td>2</td></tr></table>')
    2
    """
    lecteur = _LecteurHTML()
    lecteur.feed(document)
    return lecteur.entetes_de_ligne


def entetes_de_ligne_pdf(chemin: Path | str) -> int:
    """Cellules ``TH`` de portée ``/Row`` (ou ``/Both``) de l'arbre de structure d'un PDF."""
    import pikepdf

    with pikepdf.open(chemin) as pdf:
        racine = pdf.Root.get("/StructTreeRoot")
        if racine is None:
            return 0
        return sum(1 for e in _elements_structure(racine.get("/K")) if _est_entete_de_ligne(e))


def comparer_entetes_de_ligne(chemin_pdf: Path | str, document: str) -> list[str]:
    """Le PDF a-t-il autant d'en-têtes de ligne (TH /Row) que le HTML du même rapport ?

    Le PDF seul ne dit pas qu'une première colonne d'en-têtes visuels a été balisée en TD ;
    le HTML, écrit de la même source, le dit.
    """
    html, pdf = entetes_de_ligne_html(document), entetes_de_ligne_pdf(chemin_pdf)
    if html == pdf:
        return []
    return [f"en-têtes de ligne : {html} dans le HTML (th de ligne), {pdf} dans le PDF (TH /Scope /Row)"]


def verifier_publication(chemin_pdf: Path | str) -> list[str]:
    """Manquements d'un PDF et, s'il existe à côté, de son HTML (préfixés « HTML : »), dont
    l'écart entre leurs en-têtes de ligne (``comparer_entetes_de_ligne``).

    >>> verifier_publication.__name__
    'verifier_publication'
    """
    chemin_pdf = Path(chemin_pdf)
    manquements = verifier_pdf(chemin_pdf)
    chemin_html = chemin_pdf.with_suffix(".html")
    if chemin_html.exists():
        document = chemin_html.read_text(encoding="utf-8")
        manquements += comparer_entetes_de_ligne(chemin_pdf, document)
        manquements += [f"HTML : {m}" for m in verifier_html(document)]
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
