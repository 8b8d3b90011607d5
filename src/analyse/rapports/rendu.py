"""Production des rapports PDF : papermill → HTML (nbconvert, code masqué) → PDF (WeasyPrint).

Le notebook exécuté ne montre que ses sorties (titres, textes, graphiques, tableaux) ;
les flux d'erreur et d'avertissement sont retirés. Le document final ajoute une page
de couverture, un sommaire paginé et une feuille de style d'impression A4
(``ressources/rapport.css``). Les bibliothèques lourdes sont importées à l'usage.
"""

from __future__ import annotations

import copy
import gc
import html
import logging
import re
import shutil
import tempfile
import threading
import uuid
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from analyse import config
from analyse.formatage import aujourd_hui_fr

MIME_META = "application/vnd.analyse.rapport+json"
TITRE_EDITION = "Baromètre Expérience Citoyen"
MENTION_DEMO = "Données fictives de démonstration"
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
    """À appeler dans un notebook : transmet titre, sous-titre et mention de démonstration.

    >>> declarer_couverture(demo=True).meta
    {'demo': True}
    """
    return MetaRapport(titre=titre, sous_titre=sous_titre, demo=demo, date=date)


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
                str(notebook), str(sortie_ipynb), parameters=parametres, kernel_name=choisir_noyau(),
                cwd=str(dossier_travail or sortie_ipynb.parent), progress_bar=False, log_output=False,
                extra_arguments=["--IPKernelApp.log_level=ERROR"],
            )
    except papermill.PapermillExecutionError as erreur:
        raise RuntimeError(
            f"L'exécution du notebook {notebook.name} a échoué (cellule {erreur.exec_count}) : "
            f"{erreur.ename} : {erreur.evalue}. Notebook exécuté conservé : {sortie_ipynb}"
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
            meta.update(sortie.get("data", {}).get(MIME_META, {}))
    return meta


def _sortie_gardee(sortie) -> bool:
    if sortie.get("output_type") == "error":
        return False
    if sortie.get("output_type") == "stream":
        return sortie.get("name") != "stderr"
    return MIME_META not in sortie.get("data", {})


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
            if not cellule.outputs:
                continue  # une cellule sans sortie ne laisse pas de bloc vide dans la page
        cellules.append(cellule)
    nb.cells = cellules
    return nb


_EXPORTATEURS: dict = {}


def notebook_vers_html(nb) -> str:
    """Fragment HTML des sorties d'un notebook (gabarit ``basic``, sans code ni invites).

    >>> notebook_vers_html({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}).strip()
    ''
    """
    cle = threading.get_ident()
    if cle not in _EXPORTATEURS:  # créer l'exportateur coûte ~0,4 s : un par fil suffit
        from nbconvert import HTMLExporter

        _EXPORTATEURS[cle] = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                                          exclude_output_prompt=True, exclude_anchor_links=True)
    with _journaux_silencieux("traitlets", "nbconvert"):
        corps, _ = _EXPORTATEURS[cle].from_notebook_node(nettoyer_notebook(nb))
    return corps


def _texte_brut(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).replace("¶", "").strip()


def numeroter_titres(corps: str) -> tuple[str, list[tuple[int, str, str]]]:
    """Donne un identifiant stable à chaque titre h2/h3 ; renvoie aussi la liste (niveau, id, texte).

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
    """Sommaire paginé (les numéros de page sont posés par WeasyPrint).

    >>> 'href="#section-1"' in sommaire_html([(2, "section-1", "Score")])
    True
    """
    lignes = "".join(
        f'<li class="niveau-{n}"><a href="#{i}">{html.escape(t, quote=False)}</a></li>' for n, i, t in titres
    )
    return f'<nav class="sommaire"><p class="titre-sommaire">Sommaire</p><ul>{lignes}</ul></nav>'


def feuille_de_style(demo: bool = False) -> str:
    """Feuille de style d'impression (``ressources/rapport.css``), plus le pied « démo » si besoin.

    >>> "@page" in feuille_de_style()
    True
    """
    css = (resources.files("analyse") / "ressources" / "rapport.css").read_text(encoding="utf-8")
    if demo:
        css += f'\n@page {{ @bottom-left {{ content: "{MENTION_DEMO}"; color: #D55E00; }} }}\n'
    return css


def document_html(corps: str, titre: str, sous_titre: str = "", date: str | None = None, demo: bool = False) -> str:
    """Document HTML complet : couverture, sommaire, contenu et style d'impression.

    >>> "Données fictives" in document_html("<h2>A</h2>", "Titre", demo=True)
    True
    """
    corps, titres = numeroter_titres(corps)
    mention = f'<p class="mention-demo">{MENTION_DEMO}</p>' if demo else ""
    e = lambda t: html.escape(t, quote=False)  # noqa: E731
    couverture = (
        '<section class="couverture"><p class="organisme">Observatoire de la qualité de l’accueil des services publics</p>'
        f'<h1>{e(titre)}</h1><p class="sous-titre">{e(sous_titre)}</p>{mention}'
        f'<p class="date">{e(date or aujourd_hui_fr())}</p></section>'
    )
    return (
        f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>{e(titre)}</title>'
        f"<style>{feuille_de_style(demo)}</style></head><body>{couverture}{sommaire_html(titres)}"
        f'<main class="contenu">{corps}</main></body></html>'
    )


def html_vers_pdf(document: str, chemin_pdf: Path | str, base_url: str | None = None) -> Path:
    """Imprime un document HTML en PDF avec WeasyPrint.

    >>> import tempfile; html_vers_pdf("<p>Bonjour</p>", Path(tempfile.mkdtemp()) / "a.pdf").exists()
    True
    """
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # avertissements d'installation (HarfBuzz-Subset)
        import weasyprint

    chemin_pdf = Path(chemin_pdf)
    chemin_pdf.parent.mkdir(parents=True, exist_ok=True)
    gc.disable()  # WeasyPrint crée beaucoup d'objets : le ramasse-miettes coûte ~20 % du rendu
    try:
        with _journaux_silencieux("weasyprint", "fontTools"):
            weasyprint.HTML(string=document, base_url=base_url or str(chemin_pdf.parent)).write_pdf(str(chemin_pdf))
    finally:
        gc.enable()
    return chemin_pdf


# --------------------------------------------------------------------------- rapports


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
) -> dict[str, Path]:
    """Exécute un notebook et écrit ``<nom_fichier>.html`` et ``<nom_fichier>.pdf``.

    Les informations de couverture non fournies viennent du notebook (``declarer_couverture``).

    >>> sorted(produire_rapport.__annotations__)[:2]
    ['date', 'demo']
    """
    dossier = Path(dossier_sortie)
    dossier.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rapport_") as temporaire:
        execute = executer_notebook(notebook, parametres, Path(temporaire) / f"{nom_fichier}.ipynb", dossier)
        meta = lire_meta(execute)
        corps = notebook_vers_html(execute)
        chemins = {}
        if garder_ipynb:
            chemins["ipynb"] = Path(shutil.copy(execute, dossier / f"{nom_fichier}.ipynb"))
    document = document_html(
        corps,
        titre=titre or meta.get("titre", TITRE_EDITION),
        sous_titre=sous_titre if sous_titre is not None else meta.get("sous_titre", ""),
        date=date or meta.get("date"),
        demo=bool(demo if demo is not None else meta.get("demo", False)),
    )
    chemins["html"] = dossier / f"{nom_fichier}.html"
    chemins["html"].write_text(document, encoding="utf-8")
    chemins["pdf"] = html_vers_pdf(document, dossier / f"{nom_fichier}.pdf")
    return chemins


