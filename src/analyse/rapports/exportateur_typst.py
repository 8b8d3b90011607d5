"""Exportateur nbconvert vers Typst : le notebook exécuté devient un document Typst.

``ExportateurTypst`` est un ``TemplateExporter`` (conception propre de nbconvert) dont les
gabarits Jinja2 sont dans ``analyse/gabarits_typst/analyse/`` ; il choisit pour chaque sortie
la représentation Typst de l'objet (``text/x-typst``, offerte par les tableaux, figures et
sections de la maison), sinon la traduction de son HTML (``balisage_typst.html_vers_typst`` :
DataFrames, ``IPython.display.HTML``), sinon l'image ou le texte. Les cellules Markdown passent
par ``mistune`` (``RenduTypst``, un renderer mistune qui écrit du Typst).

Texte alternatif d'une image que le notebook affiche sans passer par ``graphiques.figure_html`` :
le champ ``texte_alternatif`` des métadonnées de la cellule (voir ``notebooks/prise_en_main.ipynb``),
reporté sur ses images par ``rendu.nettoyer_notebook`` (même texte dans le HTML et le PDF).
"""

from __future__ import annotations

import functools
from importlib import resources

import mistune
from nbconvert.exporters import TemplateExporter
from traitlets import default

from analyse.balisage_typst import MIME_TYPST, chaine, echapper, html_vers_typst

PRIORITE = [MIME_TYPST, "text/html", "image/png", "image/jpeg", "text/markdown", "text/plain"]


class ImageSansAlternative(ValueError):
    """Une cellule affiche une image sans texte alternatif (exigé en PDF/UA-1)."""


# --------------------------------------------------------------------------- Markdown


class RenduTypst(mistune.BaseRenderer):
    """Renderer mistune qui écrit du balisage Typst (titres, listes, liens, code, tableaux).

    >>> print(markdown_typst("## Résultats\\n\\nUn *score* de **50 %**.").strip())
    #heading(level: 1)[Résultats]
    <BLANKLINE>
    Un #emph[score] de #strong[50 %].
    """

    NAME = "typst"

    def render_token(self, token, state):
        fonction = getattr(self, token["type"], None)
        if fonction is None:
            return ""
        attributs = token.get("attrs", {})
        if "raw" in token:
            return fonction(token["raw"], **attributs)
        if "children" in token:
            return fonction(self.render_tokens(token["children"], state), **attributs)
        return fonction(**attributs)

    def text(self, texte: str) -> str:
        return echapper(texte)

    def emphasis(self, texte: str) -> str:
        return f"#emph[{texte}]"

    def strong(self, texte: str) -> str:
        return f"#strong[{texte}]"

    def link(self, texte: str, url: str, title=None) -> str:
        return f"#link({chaine(url)})[{texte}]"

    def image(self, texte: str, url: str, title=None) -> str:
        return texte  # image externe : son texte seul (une image de notebook est une sortie)

    def codespan(self, texte: str) -> str:
        return f"#raw({chaine(texte)})"

    def linebreak(self) -> str:
        return "#linebreak()\n"

    def softbreak(self) -> str:
        return " "

    def inline_html(self, html: str) -> str:
        return "#linebreak()" if html.strip().lower().startswith("<br") else ""

    def paragraph(self, texte: str) -> str:
        return texte.strip() + "\n\n"

    def heading(self, texte: str, level: int, **attrs) -> str:
        # « # » (titre du notebook) et « ## » : niveau 1 ; la couverture porte le titre du document
        return f"#heading(level: {max(1, level - 1)})[{texte.strip()}]\n\n"

    def blank_line(self) -> str:
        return ""

    def thematic_break(self) -> str:
        return "#line(length: 100%)\n\n"

    def block_text(self, texte: str) -> str:
        return texte

    def block_code(self, code: str, info=None, **attrs) -> str:
        return f"#raw(block: true, {chaine(code.rstrip())})\n\n"

    def block_quote(self, texte: str) -> str:
        return f"#quote(block: true)[\n{texte}]\n\n"

    def block_html(self, html: str) -> str:
        return html_vers_typst(html)

    def block_error(self, texte: str) -> str:
        return texte

    def list(self, texte: str, ordered: bool, **attrs) -> str:
        return f"#{'enum' if ordered else 'list'}(\n{texte})\n\n"

    def list_item(self, texte: str) -> str:
        return f"  [{texte.strip()}],\n"

    def table(self, texte: str) -> str:
        return f"#tableau(legende: none,\n{texte})\n\n"

    def table_head(self, texte: str) -> str:
        return f"  entete: ({texte}),\n"

    def table_body(self, texte: str) -> str:
        return f"  corps: ({texte}),\n"

    def table_row(self, texte: str) -> str:
        return texte

    def table_cell(self, texte: str, align=None, head: bool = False) -> str:
        return f"table.cell(align: right)[{texte}], " if align == "right" else f"[{texte}], "


@functools.cache
def _markdown():
    return mistune.create_markdown(renderer=RenduTypst(), plugins=["table", "strikethrough"])


def markdown_typst(source: str) -> str:
    """Cellule Markdown en Typst (mistune).

    >>> markdown_typst("- un\\n- deux").strip()
    '#list(\\n  [un],\\n  [deux],\\n)'
    """
    return _markdown()(source).strip() + "\n"


# --------------------------------------------------------------------------- exportateur


def alternative_sortie(sortie, type_mime: str, cellule) -> str:
    """Texte alternatif d'une image de sortie : métadonnée ``alt`` de la sortie (celle que lit le
    HTML de nbconvert, posée par ``rendu.nettoyer_notebook`` depuis la cellule) ; erreur sinon.

    >>> alternative_sortie({"metadata": {"image/png": {"alt": "Deux barres."}}}, "image/png", {})
    'Deux barres.'
    """
    metadonnees = sortie.get("metadata", {})
    texte = " ".join(str(metadonnees.get(type_mime, {}).get("alt") or metadonnees.get("alt") or "").split())
    if not texte:
        raise ImageSansAlternative(
            f"La cellule exécutée n° {cellule.get('execution_count')} affiche une image sans texte alternatif : "
            "ajoutez « texte_alternatif » à ses métadonnées, ou affichez la figure avec graphiques.figure_html "
            "(texte tiré des données)."
        )
    return texte


class ExportateurTypst(TemplateExporter):
    """Exportateur nbconvert : notebook exécuté → document Typst (gabarit ``analyse``)."""

    export_from_notebook = "Typst"
    output_mimetype = "text/x-typst"

    @default("file_extension")
    def _file_extension_default(self):
        return ".typ"

    @default("template_name")
    def _template_name_default(self):
        return "analyse"

    @default("template_file")
    def _template_file_default(self):
        return "index.typ.j2"

    @default("extra_template_basedirs")
    def _extra_template_basedirs_default(self):
        return [str(resources.files("analyse") / "gabarits_typst")]

    @default("raw_mimetypes")
    def _raw_mimetypes_default(self):
        return [MIME_TYPST]

    def default_filters(self):
        yield from super().default_filters()
        yield "typst_chaine", chaine
        yield "typst_echapper", echapper
        yield "markdown_typst", markdown_typst
        yield "html_typst", html_vers_typst
        yield "alternative_sortie", alternative_sortie

    @property
    def default_config(self):
        from traitlets.config import Config

        c = Config({"NbConvertBase": {"display_data_priority": PRIORITE}})
        if super().default_config:
            c2 = super().default_config.copy()
            c2.merge(c)
            c = c2
        return c
