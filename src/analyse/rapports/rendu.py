"""Production des rapports : papermill → HTML (nbconvert, code masqué) et PDF (nbconvert → Typst).

Le notebook exécuté ne montre que ses sorties (titres, textes, graphiques, tableaux) ;
les flux d'erreur et d'avertissement sont retirés. Le document ajoute une page de couverture
et un sommaire. Le HTML (écran) suit ``ressources/rapport.css`` ; le PDF est composé par Typst
(exportateur nbconvert ``exportateur_typst``, gabarits ``gabarits_typst/analyse/``, style
``ressources/analyse.typ``). Les bibliothèques lourdes sont importées à l'usage.

Accessibilité : chaque PDF est balisé PDF/UA-1 (ISO 14289-1) par Typst — arbre de structure,
en-têtes de tableau avec ``/Scope`` (de ligne : retouche ``balisage_pdf``), en-têtes et pieds de page en artefacts, langue
``fr``, titre affiché (``DisplayDocTitle``), signets suivant les titres, identification
PDF/UA dans le XMP — et embarque en pièces jointes les CSV derrière ses graphiques et ses
tableaux (voir ``pieces_jointes_du_document`` et ``analyse.rapports.accessibilite``).
"""

from __future__ import annotations

import copy
import csv
import datetime
import functools
import html
import io
import logging
import re
import shutil
import tempfile
import threading
import unicodedata
import uuid
from base64 import b64decode
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

from analyse import config
from analyse.formatage import aujourd_hui_fr, neutraliser_formule, retirer_controles_bidi
from analyse.rapports.gabarits import rendre

MIME_META = "application/vnd.analyse.rapport+json"
TITRE_EDITION = "Baromètre Expérience Citoyen"
MENTION_DEMO = "Données fictives de démonstration"
AUTEUR = "Observatoire de la qualité de l’accueil des services publics"
VARIANTE_PDF = "pdf/ua-1"
TAILLE_MAX_JOINTE = 5 * 1024 * 1024  # octets : un CSV écrit par le notebook au-delà reste à côté du PDF
ETIQUETTES_MASQUEES = {"parameters", "injected-parameters", "masquer"}


class MetaRapport:
    """Informations de couverture émises par un notebook (invisibles dans le rendu).

    >>> MetaRapport(sous_titre="10e édition")._repr_mimebundle_()[MIME_META]["sous_titre"]
    '10e édition'
    """

    def __init__(self, **meta):
        self.meta = {k: v for k, v in meta.items() if v is not None}

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {MIME_META: self.meta}

    def __repr__(self) -> str:
        return ""


def declarer_couverture(titre=None, sous_titre=None, demo=None, date=None) -> MetaRapport:
    """À appeler dans un notebook : transmet titre, sous-titre et mention de démonstration
    (titre et sous-titre sans contrôle bidirectionnel).

    >>> declarer_couverture(demo=True).meta, declarer_couverture("Fiche \u202eX").meta
    ({'demo': True}, {'titre': 'Fiche X'})
    """
    titre, sous_titre = (retirer_controles_bidi(t) if isinstance(t, str) else t for t in (titre, sous_titre))
    return MetaRapport(titre=titre, sous_titre=sous_titre, demo=demo, date=date)


def declarer_pieces_jointes(chemins) -> MetaRapport:
    """À appeler dans un notebook : fichiers (CSV) à joindre au PDF, chemins absolus.

    S'ajoute aux CSV que le notebook écrit dans le dossier de sortie (joints d'office).

    >>> declarer_pieces_jointes([Path("/tmp/a.csv")]).meta
    {'pieces_jointes': ['/tmp/a.csv']}
    """
    return MetaRapport(pieces_jointes=[str(Path(c).resolve()) for c in chemins])


# --------------------------------------------------------------------------- exécution


def choisir_noyau() -> str:
    """Noyau Jupyter : ``config.NOM_NOYAU`` s'il est installé, sinon ``python3``.

    >>> choisir_noyau() in {config.NOM_NOYAU, "python3"}
    True
    """
    from jupyter_client.kernelspec import KernelSpecManager

    return config.NOM_NOYAU if config.NOM_NOYAU in KernelSpecManager().find_kernel_specs() else "python3"


@contextmanager
def _journaux_silencieux(*noms: str):
    anciens = {nom: logging.getLogger(nom).level for nom in noms}
    for nom in noms:
        logging.getLogger(nom).setLevel(logging.ERROR)
    try:
        yield
    finally:
        for nom, niveau in anciens.items():
            logging.getLogger(nom).setLevel(niveau)


class EchecExecution(RuntimeError):
    """Échec d'exécution d'un notebook : l'erreur papermill (``origine``) et le notebook exécuté gardé."""

    def __init__(self, message: str, origine=None, notebook_execute: Path | None = None):
        super().__init__(message)
        self.origine = origine
        self.notebook_execute = notebook_execute


def executer_notebook(notebook: Path | str, parametres: dict, sortie_ipynb: Path | str, dossier_travail=None) -> Path:
    """Exécute un notebook avec papermill ; lève une erreur en français s'il échoue.

    Le dossier de travail est ``dossier_travail`` (ou celui de ``sortie_ipynb``).

    >>> executer_notebook("absent.ipynb", {}, "/tmp/x.ipynb")
    Traceback (most recent call last):
    FileNotFoundError: Notebook introuvable : absent.ipynb
    """
    notebook, sortie_ipynb = Path(notebook), Path(sortie_ipynb)
    if not notebook.exists():
        raise FileNotFoundError(f"Notebook introuvable : {notebook}")
    import papermill

    sortie_ipynb.parent.mkdir(parents=True, exist_ok=True)
    try:
        with _journaux_silencieux("papermill", "traitlets", "asyncio"):
            papermill.execute_notebook(
                str(notebook),
                str(sortie_ipynb),
                parameters=parametres,
                kernel_name=choisir_noyau(),
                cwd=str(dossier_travail or sortie_ipynb.parent),
                progress_bar=False,
                log_output=False,
                extra_arguments=["--IPKernelApp.log_level=ERROR"],
            )
    except papermill.PapermillExecutionError as erreur:
        raise EchecExecution(
            f"L'exécution du notebook {notebook.name} a échoué (cellule {erreur.exec_count}) : "
            f"{erreur.ename} : {erreur.evalue}. Notebook exécuté conservé : {sortie_ipynb}",
            origine=erreur,
            notebook_execute=sortie_ipynb,
        ) from None
    return sortie_ipynb


# --------------------------------------------------------------------------- HTML


def _lire_notebook(nb):
    import nbformat

    if isinstance(nb, (str, Path)):
        return nbformat.read(str(nb), as_version=4)
    nb = nbformat.from_dict(copy.deepcopy(dict(nb)))
    for cellule in nb.get("cells", []):
        cellule.setdefault("id", uuid.uuid4().hex[:8])  # identifiant exigé par nbformat ≥ 4.5
    return nb


def lire_meta(nb) -> dict:
    """Informations de couverture émises par le notebook exécuté (``declarer_couverture``).

    >>> lire_meta({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    {}
    """
    meta = {}
    for cellule in _lire_notebook(nb).cells:
        for sortie in cellule.get("outputs", []):
            nouveau = dict(sortie.get("data", {}).get(MIME_META, {}))
            jointes = meta.get("pieces_jointes", []) + list(nouveau.pop("pieces_jointes", []))
            meta.update(nouveau)
            if jointes:
                meta["pieces_jointes"] = jointes
    return meta


def _sortie_gardee(sortie) -> bool:
    if sortie.get("output_type") == "error":
        return False
    if sortie.get("output_type") == "stream":
        return sortie.get("name") != "stderr"
    return MIME_META not in sortie.get("data", {})


CHAMP_ALTERNATIVE = "texte_alternatif"  # métadonnée de cellule : texte alternatif de ses images


def _decrire_images(cellule) -> None:
    """Reporte la métadonnée ``texte_alternatif`` de la cellule sur ses images (``alt`` de nbconvert)."""
    texte = " ".join(str(cellule.get("metadata", {}).get(CHAMP_ALTERNATIVE, "")).split())
    if not texte:
        return
    for sortie in cellule.outputs:
        for type_mime in sortie.get("data", {}):
            if type_mime.startswith("image/"):
                sortie.setdefault("metadata", {}).setdefault(type_mime, {}).setdefault("alt", texte)


def nettoyer_notebook(nb):
    """Copie du notebook sans cellules de paramètres, flux d'erreur ni métadonnées de couverture.

    >>> len(nettoyer_notebook({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).cells)
    0
    """
    nb = _lire_notebook(nb)
    cellules = []
    for cellule in nb.cells:
        if ETIQUETTES_MASQUEES & set(cellule.get("metadata", {}).get("tags", [])):
            continue
        if cellule.cell_type == "code":
            cellule.outputs = [s for s in cellule.outputs if _sortie_gardee(s)]
            _decrire_images(cellule)
            if not cellule.outputs:
                continue  # une cellule sans sortie ne laisse pas de bloc vide dans la page
        cellules.append(cellule)
    nb.cells = cellules
    return nb


_EXPORTATEURS: dict = {}


def _exportateur_html():
    """HTMLExporter (gabarit ``basic``, sans code) sans préprocesseurs ni passe BeautifulSoup.

    Le notebook arrive déjà nettoyé (``nettoyer_notebook``) : les préprocesseurs par défaut de
    nbconvert n'y changent rien mais revalident le notebook après chacun. La passe BeautifulSoup
    de ``HTMLExporter`` pose un « alt » générique sur les images qui n'en ont pas (que
    ``accessibilite.verifier_html`` refuse de toute façon) et des ``tabindex`` sur des blocs du
    gabarit « lab » absents de « basic » ; elle coûtait la moitié de l'export d'une fiche.
    """
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ExportateurHTML(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            resources = self._init_resources(resources)
            self.register_filter("highlight_code", self.filters.get("highlight_code", Highlight2HTML(parent=self)))
            self.register_filter(
                "filter_data_type",
                WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources),
            )
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return ExportateurHTML(
        template_name="basic",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
        default_preprocessors=[],
    )


def notebook_vers_html(nb) -> str:
    """Fragment HTML des sorties d'un notebook (gabarit ``basic``, sans code ni invites).

    >>> notebook_vers_html({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).strip()
    ''
    """
    cle = threading.get_ident()
    if cle not in _EXPORTATEURS:  # créer l'exportateur coûte ~0,4 s : un par fil suffit
        _EXPORTATEURS[cle] = _exportateur_html()
    with _journaux_silencieux("traitlets", "nbconvert"):
        corps, _ = _EXPORTATEURS[cle].from_notebook_node(nettoyer_notebook(nb))
    return corps


def _texte_brut(fragment: str) -> str:
    return retirer_controles_bidi(html.unescape(re.sub(r"<[^>]+>", "", fragment))).replace("¶", "").strip()


def numeroter_titres(corps: str) -> tuple[str, list[tuple[int, str, str]]]:
    """Donne un identifiant stable à chaque titre h2/h3 ; renvoie aussi la liste (niveau, id, texte).
    Les titres (et donc les signets du PDF) perdent leurs contrôles bidirectionnels.

    >>> numeroter_titres('<h2 id="x">Score <a class="anchor-link">¶</a></h2>')
    ('<h2 id="section-1">Score</h2>', [(2, 'section-1', 'Score')])
    """
    titres = []

    def _remplacer(m):
        niveau, texte = int(m.group(1)), _texte_brut(m.group(3))
        ident = f"section-{len(titres) + 1}"
        titres.append((niveau, ident, texte))
        return f'<h{niveau} id="{ident}">{html.escape(texte, quote=False)}</h{niveau}>'

    corps = re.sub(r"<h([23])(\s[^>]*)?>(.*?)</h\1>", _remplacer, corps, flags=re.S)
    return corps, titres


def sommaire_html(titres: list[tuple[int, str, str]]) -> str:
    """Sommaire du document HTML (liens vers les titres).

    Son titre est un ``h2`` (niveau sous le ``h1`` de couverture, signet du PDF).

    >>> 'href="#section-1"' in sommaire_html([(2, "section-1", "Score")])
    True
    """
    return str(rendre("sommaire.html.j2", titres=titres))


def feuille_de_style(demo: bool = False) -> str:
    """Feuille de style d'impression (``ressources/rapport.css``), plus le pied « démo » si besoin.

    >>> "@page" in feuille_de_style()
    True
    """
    css = (resources.files("analyse") / "ressources" / "rapport.css").read_text(encoding="utf-8")
    if demo:
        css += f'\n@page {{ @bottom-left {{ content: "{MENTION_DEMO}"; color: #B34700; }} }}\n'
    return css


def titre_document(titre: str, sous_titre: str = "") -> str:
    """Titre du document (``<title>``, affiché par le lecteur PDF) : titre et sous-titre.

    >>> titre_document("Fiche", "Mairie d'Ys")
    "Fiche – Mairie d'Ys"
    """
    return f"{titre} – {sous_titre}" if sous_titre else titre


def abaisser_titres(corps: str) -> str:
    """Un seul ``h1`` par document (celui de la couverture) : un ``h1`` du corps (titre d'un
    notebook de chercheur) devient ``h2``, les autres titres restent à leur niveau (pas de saut).

    >>> abaisser_titres('<h1 id="a">Étude</h1><h2>Données</h2>')
    '<h2 id="a">Étude</h2><h2>Données</h2>'
    >>> abaisser_titres("<h2>Déjà bon</h2>")
    '<h2>Déjà bon</h2>'
    """
    return re.sub(r"<(/?)h1(?=[\s>])", r"<\1h2", corps)


def document_html(corps: str, titre: str, sous_titre: str = "", date: str | None = None, demo: bool = False) -> str:
    """Document HTML complet : couverture, sommaire, contenu et style d'impression ; titre,
    sous-titre et titres de section sans contrôle bidirectionnel (titre et signets du PDF).

    >>> "Données fictives" in document_html("<h2>A</h2>", "Titre", demo=True)
    True
    """
    from markupsafe import Markup

    titre, sous_titre = retirer_controles_bidi(titre), retirer_controles_bidi(sous_titre or "")

    corps, titres = numeroter_titres(abaisser_titres(corps))
    return str(
        rendre(
            "document.html.j2",
            titre=titre,
            sous_titre=sous_titre,
            titre_document=titre_document(titre, sous_titre),
            auteur=AUTEUR,
            mention_demo=MENTION_DEMO if demo else None,
            date=date or aujourd_hui_fr(),
            style=Markup(feuille_de_style(demo)),
            titres=titres,
            corps=Markup(corps),
        )
    )


def _arguments_html(couverture: dict) -> dict:
    return {
        "titre": couverture["titre"],
        "sous_titre": couverture["sous_titre"],
        "date": couverture["date"],
        "demo": couverture["mention_demo"] is not None,
    }


# --------------------------------------------------------------------------- pièces jointes


@dataclass(frozen=True)
class PieceJointe:
    """Fichier embarqué dans le PDF (nom affiché, contenu, description).

    >>> PieceJointe("a.csv", b"x;y").nom
    'a.csv'
    """

    nom: str
    contenu: bytes
    description: str = ""


# Lien de données d'un graphique (``graphiques.lien_donnees``) : un téléchargement dans le HTML,
# une pièce jointe dans le PDF. nbconvert peut réordonner les attributs : on les lit un à un.
MOTIF_LIEN_DONNEES = re.compile(r'<a (?=[^>]*class="donnees-csv")(?P<attributs>[^>]*)>.*?</a>', re.S)
MOTIF_ATTRIBUT = re.compile(r'([a-z-]+)="([^"]*)"')
PREFIXE_CSV = "data:text/csv;charset=utf-8;base64,"


def nom_de_fichier(texte: str, longueur: int = 50) -> str:
    """Nom de fichier ASCII tiré d'un texte (accents et contrôles bidirectionnels retirés, tirets).

    >>> nom_de_fichier("Scores par déterminant (2022)"), nom_de_fichier("2 000–9 999 habitants")
    ('scores-par-determinant-2022', '2-000-9-999-habitants')
    """
    texte = retirer_controles_bidi(texte)
    decompose = "".join(c for c in unicodedata.normalize("NFKD", texte) if not unicodedata.combining(c))
    ascii_ = "".join(c if c.isascii() else " " for c in decompose).lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_).strip("-")[:longueur].strip("-") or "donnees"


def extraire_donnees_graphiques(document: str) -> tuple[str, list[PieceJointe]]:
    r"""Retire les liens de données des graphiques : texte « pièce jointe » pour le PDF, et les CSV.

    >>> lien = ('<a class="donnees-csv" download="f.csv" '
    ...         'href="data:text/csv;charset=utf-8;base64,YTtiCg==" title="Données">Données</a>')
    >>> doc, jointes = extraire_donnees_graphiques(lien)
    >>> doc, jointes[0].nom, jointes[0].contenu
    ('<span class="donnees-csv">Données du graphique : pièce jointe « f.csv » de ce PDF.</span>', 'f.csv', b'a;b\n')
    """
    jointes = []

    def _remplacer(m):
        attributs = dict(MOTIF_ATTRIBUT.findall(m["attributs"]))
        lien, nom = attributs.get("href", ""), html.unescape(attributs.get("download", ""))
        if not (nom and lien.startswith(PREFIXE_CSV)):
            return m.group(0)
        jointes.append(PieceJointe(nom, b64decode(lien[len(PREFIXE_CSV) :]), html.unescape(attributs.get("title", ""))))
        return f'<span class="donnees-csv">Données du graphique : pièce jointe « {html.escape(nom)} » de ce PDF.</span>'

    return MOTIF_LIEN_DONNEES.sub(_remplacer, document), jointes


class _LecteurTableaux(HTMLParser):
    """Lit les ``<table>`` d'un document : légende et cellules de chaque ligne (texte brut)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tableaux: list[dict] = []
        self._pile = 0
        self._cellule: list[str] | None = None
        self._legende: list[str] | None = None

    def handle_starttag(self, balise, attributs):
        if balise == "table":
            self._pile += 1
            if self._pile == 1:
                self.tableaux.append({"legende": "", "lignes": []})
        elif self._pile == 1 and balise == "tr":
            self.tableaux[-1]["lignes"].append([])
        elif self._pile == 1 and balise in ("td", "th"):
            self._cellule = []
        elif self._pile == 1 and balise == "caption":
            self._legende = []

    def handle_endtag(self, balise):
        if balise == "table":
            self._pile -= 1
        elif self._pile == 1 and balise in ("td", "th") and self._cellule is not None:
            if self.tableaux[-1]["lignes"]:
                self.tableaux[-1]["lignes"][-1].append(" ".join("".join(self._cellule).split()))
            self._cellule = None
        elif self._pile == 1 and balise == "caption" and self._legende is not None:
            self.tableaux[-1]["legende"] = " ".join("".join(self._legende).split())
            self._legende = None

    def handle_data(self, texte):
        if self._cellule is not None:
            self._cellule.append(texte)
        elif self._legende is not None:
            self._legende.append(texte)


def csv_francais(lignes: list[list[str]]) -> bytes:
    r"""CSV pour Excel français : séparateur « ; », UTF-8 avec BOM, cellules neutralisées contre
    l'injection de formules (``formatage.neutraliser_formule``).

    >>> csv_francais([["Canal", "Score"], ["Courriel", "68,5"], ["=1+1", "-2,5"]])
    b"\xef\xbb\xbfCanal;Score\r\nCourriel;68,5\r\n'=1+1;-2,5\r\n"
    """
    tampon = io.StringIO()
    csv.writer(tampon, delimiter=";").writerows([[neutraliser_formule(c) for c in ligne] for ligne in lignes])
    return tampon.getvalue().encode("utf-8-sig")


def tableaux_du_document(document: str) -> list[PieceJointe]:
    r"""Chaque tableau du document en CSV (texte des cellules tel qu'affiché), nommé d'après sa légende.

    >>> t = tableaux_du_document("<table><caption>Scores</caption><tr><th>Canal</th></tr><tr><td>Courriel</td></tr></table>")
    >>> t[0].nom, t[0].contenu.decode("utf-8-sig")
    ('tableau-01-scores.csv', 'Canal\r\nCourriel\r\n')
    """
    if "<table" not in document:
        return []
    lecteur = _LecteurTableaux()
    lecteur.feed(document)
    jointes = []
    for numero, tableau in enumerate((t for t in lecteur.tableaux if t["lignes"]), start=1):
        legende = tableau["legende"] or f"Tableau {numero}"
        jointes.append(
            PieceJointe(
                f"tableau-{numero:02d}-{nom_de_fichier(legende, 40)}.csv",
                csv_francais([l for l in tableau["lignes"] if l]),
                f"Données du tableau « {legende} »",
            )
        )
    return jointes


def fichiers_joints(chemins) -> list[PieceJointe]:
    """Pièces jointes lues sur disque (nom = nom du fichier).

    >>> fichiers_joints([])
    []
    """
    return [PieceJointe(Path(c).name, Path(c).read_bytes(), f"Tableau de données {Path(c).stem}") for c in chemins]


def pieces_jointes_du_document(document: str, pieces_jointes=()) -> tuple[str, list[PieceJointe]]:
    """Document pour le PDF et ses pièces jointes : CSV des graphiques, des tableaux, fichiers fournis.

    Les noms en double reçoivent un suffixe ; un contenu identique n'est joint qu'une fois.

    >>> pieces_jointes_du_document("<p>x</p>")
    ('<p>x</p>', [])
    """
    document, graphiques = extraire_donnees_graphiques(document)
    uniques, noms, contenus = [], set(), set()
    for piece in [*graphiques, *tableaux_du_document(document), *pieces_jointes]:
        if (piece.nom, piece.contenu) in contenus:
            continue
        contenus.add((piece.nom, piece.contenu))
        nom, racine, suffixe, n = piece.nom, Path(piece.nom).stem, Path(piece.nom).suffix, 1
        while nom in noms:
            n += 1
            nom = f"{racine}-{n}{suffixe}"
        noms.add(nom)
        uniques.append(PieceJointe(nom, piece.contenu, piece.description))
    return document, uniques


# --------------------------------------------------------------------------- PDF


def date_des_pieces_jointes() -> datetime.datetime:
    """Date posée sur les pièces jointes : minuit (UTC) du jour, comme la date de couverture.

    Deux impressions du même document le même jour donnent le même PDF, octet pour octet.

    >>> date_des_pieces_jointes().hour
    0
    """
    return datetime.datetime.combine(datetime.date.today(), datetime.time(0), tzinfo=datetime.UTC)


def _exportateur_typst():
    cle = threading.get_ident()
    if cle not in _EXPORTATEURS_TYPST:  # un exportateur par fil, comme pour le HTML
        from analyse.rapports.exportateur_typst import ExportateurTypst

        _EXPORTATEURS_TYPST[cle] = ExportateurTypst(
            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True, default_preprocessors=[]
        )
    return _EXPORTATEURS_TYPST[cle]


_EXPORTATEURS_TYPST: dict = {}
_COMPILATEURS: dict = {}


def donnees_couverture(titre: str, sous_titre: str = "", date: str | None = None, demo: bool = False) -> dict:
    """Couverture d'un rapport, commune au HTML et au PDF : titre, sous-titre, auteur, mention, date.

    >>> donnees_couverture("Fiche", "Mairie d'Ys", date="7 décembre 2026", demo=True)["mention_demo"]
    'Données fictives de démonstration'
    """
    titre, sous_titre = retirer_controles_bidi(titre), retirer_controles_bidi(sous_titre or "")
    return {
        "titre": titre,
        "sous_titre": sous_titre or "",
        "titre_document": titre_document(titre, sous_titre or ""),
        "auteur": AUTEUR,
        "mention_demo": MENTION_DEMO if demo else None,
        "date": date or aujourd_hui_fr(),
    }


def notebook_vers_typst(nb, couverture: dict, annexe_html: str = "", jointes=()) -> str:
    """Document Typst d'un notebook exécuté (exportateur nbconvert ``ExportateurTypst``).

    ``couverture`` : ``donnees_couverture`` ; ``annexe_html`` : fragment ajouté en fin de document
    (page de provenance) ; ``jointes`` : dictionnaires ``nom``, ``chemin`` (dans la racine de
    compilation), ``description`` des pièces jointes.

    >>> source = notebook_vers_typst({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5},
    ...                              donnees_couverture("Titre"))
    >>> "#couverture(" in source and "#sommaire()" in source
    True
    """
    from analyse.balisage_typst import html_vers_typst

    analyse = couverture | {
        "jour": date_des_pieces_jointes(),
        "annexe": html_vers_typst(annexe_html) if annexe_html else "",
        "jointes": list(jointes),
    }
    with _journaux_silencieux("traitlets", "nbconvert"):
        source, _ = _exportateur_typst().from_notebook_node(nettoyer_notebook(nb), resources={"analyse": analyse})
    return retirer_controles_bidi(source)  # titres, signets et texte : aucun contrôle bidirectionnel


def _compilateur():
    cle = threading.get_ident()
    if cle not in _COMPILATEURS:  # polices chargées une fois par fil
        import typst

        _COMPILATEURS[cle] = typst.Compiler(ignore_system_fonts=True)
    return _COMPILATEURS[cle]


def typst_vers_pdf(
    source: str, chemin_pdf: Path | str, fichiers: dict[str, bytes] | None = None, retoucher: bool = True
) -> Path:
    r"""Compile un document Typst en PDF/UA-1 balisé ; ``fichiers`` : chemin relatif → contenu.

    Les URI ``data:`` du source (images) deviennent des fichiers ; le style maison
    (``ressources/analyse.typ``) est posé à la racine. Police embarquée, date fixée au jour :
    même document, même PDF octet pour octet. Le PDF de Typst est ensuite retouché
    (``balisage_pdf.retoucher_pdf`` : en-têtes de ligne en ``TH /Scope /Row``) ;
    ``retoucher=False`` garde le PDF de Typst tel quel (témoin des essais).

    >>> import tempfile
    >>> source = '#import "/analyse.typ": *\n#show: rapport.with(titre: "Essai")\nBonjour'
    >>> typst_vers_pdf(source, Path(tempfile.mkdtemp()) / "a.pdf").read_bytes()[:5]
    b'%PDF-'
    """
    import typst

    from analyse.balisage_typst import extraire_fichiers
    from analyse.rapports.balisage_pdf import plan_des_tableaux, retoucher_pdf

    source, images = extraire_fichiers(source)
    chemin_pdf = Path(chemin_pdf)
    chemin_pdf.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="typst_") as racine:
        racine = Path(racine)
        (racine / "analyse.typ").write_text(_style_typst(), encoding="utf-8")
        for nom, contenu in (images | dict(fichiers or {})).items():
            (racine / nom).parent.mkdir(parents=True, exist_ok=True)
            (racine / nom).write_bytes(contenu)
        (racine / "document.typ").write_text(source, encoding="utf-8")
        try:
            octets = _compilateur().compile(
                input=str(racine / "document.typ"),
                root=str(racine),
                pdf_standards=["ua-1"],
                timestamp=date_des_pieces_jointes(),
            )
        except typst.TypstError as erreur:
            raise RuntimeError(f"La mise en page Typst de {chemin_pdf.name} a échoué : {erreur.message}") from None
    if not retoucher:
        chemin_pdf.write_bytes(octets)
        return chemin_pdf
    return retoucher_pdf(octets, chemin_pdf, plan_des_tableaux(source))


@functools.cache
def _style_typst() -> str:
    return (resources.files("analyse") / "ressources" / "analyse.typ").read_text(encoding="utf-8")


def publier_pdf(
    nb, document: str, chemin_pdf: Path | str, couverture: dict, annexe_html: str = "", pieces_jointes=()
) -> Path:
    """PDF/UA-1 d'un notebook exécuté (Typst), avec en pièces jointes les CSV de son HTML ``document``.

    Pièces jointes : CSV des graphiques et des tableaux du document HTML (le même contenu),
    plus ``pieces_jointes`` (objets ``PieceJointe`` ou chemins de fichiers).

    >>> callable(publier_pdf)
    True
    """
    fournies = [p if isinstance(p, PieceJointe) else fichiers_joints([p])[0] for p in pieces_jointes]
    _, jointes = pieces_jointes_du_document(document, fournies)
    fichiers = {f"jointes/{i:03d}.csv": p.contenu for i, p in enumerate(jointes)}
    decrites = [
        {"nom": p.nom, "chemin": f"/jointes/{i:03d}.csv", "description": p.description} for i, p in enumerate(jointes)
    ]
    source = notebook_vers_typst(nb, couverture, annexe_html, decrites)
    return typst_vers_pdf(source, chemin_pdf, fichiers)


def notebook_d_un_fragment(corps: str):
    """Notebook exécuté d'une seule sortie : le fragment HTML et sa représentation Typst.

    >>> notebook_d_un_fragment("<p>x</p>").cells[0].outputs[0].data["text/x-typst"].strip()
    'x'
    """
    import nbformat

    from analyse.formatage import BlocHTML

    bloc = BlocHTML(corps)
    cellule = nbformat.v4.new_code_cell("")
    cellule.outputs = [nbformat.v4.new_output("display_data", data={"text/html": corps, **bloc._repr_mimebundle_()})]
    nb = nbformat.v4.new_notebook()
    nb.cells = [cellule]
    return nb


def fragment_vers_pdf(
    corps: str,
    chemin_pdf: Path | str,
    titre: str,
    sous_titre: str = "",
    date: str | None = None,
    demo: bool = False,
    pieces_jointes=(),
) -> Path:
    """PDF d'un fragment HTML du sous-ensemble des rapports, par la route des notebooks (essais, bancs).

    >>> import tempfile
    >>> fragment_vers_pdf("<h2>A</h2><p>Texte</p>", Path(tempfile.mkdtemp()) / "a.pdf", "Essai").suffix
    '.pdf'
    """
    couverture = donnees_couverture(titre, sous_titre, date, demo)
    document = document_html(corps, **_arguments_html(couverture))
    return publier_pdf(notebook_d_un_fragment(corps), document, chemin_pdf, couverture, pieces_jointes=pieces_jointes)


# --------------------------------------------------------------------------- rapports


def _etat_csv(dossier: Path) -> dict[Path, int]:
    return {c: c.stat().st_mtime_ns for c in sorted(dossier.rglob("*.csv"))}


def csv_ecrits(avant: dict[Path, int], apres: dict[Path, int]) -> list[Path]:
    """CSV créés ou réécrits entre deux états du dossier de sortie (chemin → date de modification).

    >>> csv_ecrits({Path("a.csv"): 1}, {Path("a.csv"): 1, Path("b.csv"): 2})
    [PosixPath('b.csv')]
    """
    return [c for c, date in apres.items() if avant.get(c) != date]


def joignables(chemins, taille_max: int = TAILLE_MAX_JOINTE) -> list[Path]:
    """CSV assez petits pour voyager dans le PDF ; les autres sont signalés et restent à côté.

    >>> joignables([])
    []
    """
    gardes = []
    for chemin in map(Path, chemins):
        if chemin.stat().st_size <= taille_max:
            gardes.append(chemin)
        else:
            logging.getLogger(__name__).warning(
                "%s (%d octets) n'est pas joint au PDF : plus de %d octets.", chemin, chemin.stat().st_size, taille_max
            )
    return gardes


def produire_rapport(
    notebook: Path | str,
    parametres: dict,
    dossier_sortie: Path | str,
    nom_fichier: str,
    titre: str | None = None,
    sous_titre: str | None = None,
    date: str | None = None,
    demo: bool | None = None,
    garder_ipynb: bool = False,
    pieces_jointes=(),
) -> dict[str, Path]:
    """Exécute un notebook et écrit ``<nom_fichier>.html`` et ``<nom_fichier>.pdf``.

    Les informations de couverture non fournies viennent du notebook (``declarer_couverture``).
    Le PDF embarque les CSV que le notebook a écrits dans ``dossier_sortie`` (jusqu'à
    ``TAILLE_MAX_JOINTE`` chacun), ceux qu'il a déclarés (``declarer_pieces_jointes``) et
    les fichiers ``pieces_jointes``.

    >>> sorted(produire_rapport.__annotations__)[:2]
    ['date', 'demo']
    """
    dossier = Path(dossier_sortie)
    dossier.mkdir(parents=True, exist_ok=True)
    avant = _etat_csv(dossier)
    with tempfile.TemporaryDirectory(prefix="rapport_") as temporaire:
        try:
            execute = executer_notebook(notebook, parametres, Path(temporaire) / f"{nom_fichier}.ipynb", dossier)
        except EchecExecution as erreur:  # le notebook exécuté (jusqu'à l'erreur) reste à côté des rapports
            garde = dossier / f"{nom_fichier}.echec.ipynb"
            shutil.copy(erreur.notebook_execute, garde)
            raise EchecExecution(
                str(erreur).replace(str(erreur.notebook_execute), str(garde)), erreur.origine, garde
            ) from None
        meta = lire_meta(execute)
        execute_nb = _lire_notebook(execute)
        corps = notebook_vers_html(execute_nb)
        chemins = {}
        if garder_ipynb:
            chemins["ipynb"] = Path(shutil.copy(execute, dossier / f"{nom_fichier}.ipynb"))
    joints = dict.fromkeys(
        [
            *joignables(csv_ecrits(avant, _etat_csv(dossier))),
            *map(Path, meta.get("pieces_jointes", [])),
            *map(Path, pieces_jointes),
        ]
    )
    couverture = donnees_couverture(
        titre or meta.get("titre", TITRE_EDITION),
        sous_titre if sous_titre is not None else meta.get("sous_titre", ""),
        date=date or meta.get("date"),
        demo=bool(demo if demo is not None else meta.get("demo", False)),
    )
    document = document_html(corps, **_arguments_html(couverture))
    chemins["pdf"] = publier_pdf(
        execute_nb, document, dossier / f"{nom_fichier}.pdf", couverture, pieces_jointes=list(joints)
    )
    chemins["html"] = dossier / f"{nom_fichier}.html"  # écrit après le PDF : jamais l'un sans l'autre
    chemins["html"].write_text(document, encoding="utf-8")
    return chemins
