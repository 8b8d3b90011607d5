"""Style maison des graphiques : palette lisible par les daltoniens, titres qui disent le constat.

Chaque graphique est une ``matplotlib.figure.Figure`` créée sans pyplot (rendu Agg,
jamais affichée automatiquement) : titre qui énonce le résultat, unités sur les axes,
virgule décimale sur les graduations, ligne de source sous le graphique.
"""

from __future__ import annotations

import base64
import html
import io
import textwrap
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from analyse.formatage import BlocHTML, nombre_fr

# Palette Okabe-Ito (Okabe et Ito, 2008), sûre pour les daltoniens.
PALETTE = {
    "bleu": "#0072B2",
    "orange": "#E69F00",
    "vert": "#009E73",
    "vermillon": "#D55E00",
    "bleu_ciel": "#56B4E9",
    "pourpre": "#CC79A7",
    "jaune": "#F0E442",
    "noir": "#000000",
}
GRIS = "#595959"
TAILLE = (6.3, 3.6)  # pouces : largeur utile d'une page A4
RESOLUTION = 150  # points par pouce des PNG
UNITE_SCORE = "Score moyen (points sur 100)"
NOTE_FRAGILE = "Groupe fragile (moins de 10 structures)"


def appliquer_style() -> None:
    """Applique le style maison à matplotlib (polices, palette, grille, fond blanc).

    >>> appliquer_style(); matplotlib.rcParams["axes.spines.top"]
    False
    """
    matplotlib.rcParams.update({
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "axes.titlesize": 10.5,
        "axes.labelsize": 9,
        "axes.labelcolor": GRIS,
        "axes.edgecolor": GRIS,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": False,
        "grid.color": "#d9d9d9",
        "grid.linewidth": 0.6,
        "xtick.color": GRIS,
        "ytick.color": GRIS,
        "axes.prop_cycle": matplotlib.cycler(color=list(PALETTE.values())),
        "figure.facecolor": "white",
        "savefig.facecolor": "white",
        "axes.formatter.use_locale": False,
    })


def formateur_fr(decimales: int | None = None) -> FuncFormatter:
    """Formateur de graduations à la française (virgule décimale).

    >>> formateur_fr()(2.5, 0)
    '2,5'
    """
    def _formater(valeur, _position):
        d = decimales if decimales is not None else (0 if float(valeur).is_integer() else 1)
        return nombre_fr(valeur, d)

    return FuncFormatter(_formater)


def nouvelle_figure(taille=TAILLE, lignes: int = 1, colonnes: int = 1, partage: bool = False):
    """Figure au style maison (toile Agg, sans pyplot) et ses axes.

    Avec ``lignes = colonnes = 1`` renvoie ``(fig, ax)`` ; sinon ``(fig, axes)``
    (tableau 2D de petits multiples, axes partagés si ``partage``).

    >>> fig, ax = nouvelle_figure()
    >>> isinstance(fig, Figure)
    True
    """
    appliquer_style()
    fig = Figure(figsize=taille, layout="constrained")
    FigureCanvasAgg(fig)
    if lignes == colonnes == 1:
        return fig, fig.add_subplot()
    return fig, fig.subplots(lignes, colonnes, sharex=partage, sharey=partage, squeeze=False)


def ligne_source(perimetre: str, demo: bool = False, origine: str = "Baromètre Expérience Citoyen") -> str:
    """Ligne de source placée sous chaque graphique et tableau (mention des données fictives).

    >>> ligne_source("édition 2022", demo=True)
    "Source : Baromètre Expérience Citoyen, édition 2022 (données fictives de démonstration) ; calculs de l'observatoire"
    """
    fictif = " (données fictives de démonstration)" if demo else ""
    return f"Source : {origine}, {perimetre}{fictif} ; calculs de l'observatoire"


def habiller(fig, titre: str, source: str | None, note: str | None = None, largeur: int = 110) -> None:
    """Titre qui énonce le constat en haut, note et ligne de source en pied de figure.

    >>> fig, ax = nouvelle_figure()
    >>> habiller(fig, "Le téléphone en tête", "Source : observatoire")
    """
    fig.suptitle("\n".join(textwrap.wrap(titre, 72)), x=0.01, ha="left", fontweight="bold", fontsize=10.5)
    pied = "\n".join(textwrap.fill(t, largeur) for t in (note, source) if t)
    if pied:
        fig.supxlabel(pied, x=0.01, ha="left", fontsize=7.5, color=GRIS)


def _legende(ax, poignees) -> None:
    ax.legend(handles=poignees, loc="lower left", bbox_to_anchor=(0, 1.01), ncols=len(poignees),
              fontsize=7.5, frameon=False, borderaxespad=0.2, handlelength=1.8)


def _couper(texte: str, largeur: int = 16) -> str:
    return "\n".join(textwrap.wrap(str(texte), largeur)) or str(texte)


def _publiables(agregats: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    if "supprime" not in agregats:
        return agregats, None
    masques = int(agregats["supprime"].sum())
    note = f"{masques} groupe(s) de moins de 5 structures non publié(s) (secret)." if masques else None
    return agregats[~agregats["supprime"].astype(bool)], note


def titre_constat(agregats: pd.DataFrame, col_score: str = "score", facteur: float = 1.0, unite: str = "sur 100") -> str:
    """Titre qui énonce le constat : meilleur et moins bon groupe, écart net ou non.

    >>> a = pd.DataFrame({"libelle": ["Téléphone", "Courrier"], "score": [78.2, 55.1], "ic_bas": [75.0, 51.0], "ic_haut": [81.0, 59.0], "supprime": [False, False]})
    >>> titre_constat(a)
    'Téléphone en tête (78,2 sur 100), Courrier en retrait (55,1) : écart net'
    """
    a, _ = _publiables(agregats)
    a = a.dropna(subset=[col_score]).sort_values(col_score, ascending=False)
    if a.empty:
        return "Aucun résultat publiable (moins de 5 structures par groupe)"
    haut, bas = a.iloc[0], a.iloc[-1]
    v_haut, v_bas = nombre_fr(facteur * haut[col_score]), nombre_fr(facteur * bas[col_score])
    if len(a) == 1:
        return f"{haut['libelle']} : {v_haut} {unite}"
    if haut["ic_bas"] > bas["ic_haut"]:
        return f"{haut['libelle']} en tête ({v_haut} {unite}), {bas['libelle']} en retrait ({v_bas}) : écart net"
    return f"Écarts peu marqués : de {v_bas} ({bas['libelle']}) à {v_haut} {unite} ({haut['libelle']}), intervalles qui se recouvrent"


def titre_etendue(agregats: pd.DataFrame, col_score: str = "score", facteur: float = 100.0, unite: str = "%") -> str:
    """Titre qui énonce l'étendue des valeurs (indicateurs opérationnels en proportions).

    >>> a = pd.DataFrame({"libelle": ["Appels décrochés", "Courriers répondus"], "score": [0.925, 0.625]})
    >>> titre_etendue(a)
    'De 62,5 % (Courriers répondus) à 92,5 % (Appels décrochés) selon l’indicateur'
    """
    a, _ = _publiables(agregats)
    a = a.dropna(subset=[col_score]).sort_values(col_score)
    if a.empty:
        return "Aucun indicateur opérationnel publiable pour cette édition"
    bas, haut = a.iloc[0], a.iloc[-1]
    if len(a) == 1:
        return f"{haut['libelle']} : {nombre_fr(facteur * haut[col_score])} {unite}"
    return (f"De {nombre_fr(facteur * bas[col_score])} {unite} ({bas['libelle']}) à "
            f"{nombre_fr(facteur * haut[col_score])} {unite} ({haut['libelle']}) selon l’indicateur")


def titre_effectifs(effectifs: pd.DataFrame, col: str = "n_structures") -> str:
    """Titre qui énonce le type de structure le plus représenté.

    >>> titre_effectifs(pd.DataFrame({"libelle": ["Communes", "Régions"], "n_structures": [30, 10]}))
    'Les communes représentent 75 % des 40 participants'
    """
    total = int(effectifs[col].sum())
    premier = effectifs.sort_values(col, ascending=False).iloc[0]
    part = nombre_fr(100 * premier[col] / total, 0)
    return f"Les {premier['libelle'].lower()} représentent {part} % des {nombre_fr(total, 0)} participants"


def _moustaches(a: pd.DataFrame, col_score: str, facteur: float) -> np.ndarray:
    return np.vstack([facteur * (a[col_score] - a["ic_bas"]), facteur * (a["ic_haut"] - a[col_score])])


def barres_intervalles(
    agregats: pd.DataFrame,
    titre: str,
    source: str | None = None,
    unite: str = UNITE_SCORE,
    col_score: str = "score",
    reference: float | None = None,
    libelle_reference: str = "Moyenne nationale",
) -> Figure:
    """Barres verticales avec intervalles de confiance (scores par canal, par strate…).

    Les groupes supprimés (secret) sont retirés ; les groupes fragiles sont hachurés.

    >>> a = pd.DataFrame({"libelle": ["Courriel"], "score": [70.0], "ic_bas": [65.0], "ic_haut": [75.0], "fragile": [False], "supprime": [False]})
    >>> isinstance(barres_intervalles(a, "Titre"), Figure)
    True
    """
    a, note = _publiables(agregats)
    fig, ax = nouvelle_figure()
    x = np.arange(len(a))
    fragiles = a["fragile"].astype(bool).to_numpy() if "fragile" in a else np.zeros(len(a), bool)
    barres = ax.bar(x, a[col_score], color=PALETTE["bleu"], width=0.6, zorder=2)
    for barre, fragile in zip(barres, fragiles):
        if fragile:
            barre.set(facecolor=PALETTE["bleu_ciel"], hatch="///", edgecolor="white")
    ax.errorbar(x, a[col_score], yerr=_moustaches(a, col_score, 1.0), fmt="none", ecolor=PALETTE["noir"], capsize=3, lw=1, zorder=3)
    for xi, haut, valeur in zip(x, a["ic_haut"], a[col_score]):
        ax.annotate(nombre_fr(valeur), (xi, haut), xytext=(0, 3), textcoords="offset points", ha="center", fontsize=8)
    ax.set_xticks(x, [_couper(t, 12) for t in a["libelle"]])
    ax.set_ylim(0, 100 if a["ic_haut"].max() <= 95 else 105)
    ax.set_ylabel(unite)
    ax.yaxis.set_major_formatter(formateur_fr())
    ax.yaxis.grid(True, zorder=0)
    poignees = []
    if reference is not None:
        ax.axhline(reference, color=PALETTE["vermillon"], ls="--", lw=1.2, zorder=4)
        poignees.append(matplotlib.lines.Line2D([], [], color=PALETTE["vermillon"], ls="--",
                                                label=f"{libelle_reference} ({nombre_fr(reference)})"))
    if fragiles.any():
        poignees.append(Patch(facecolor=PALETTE["bleu_ciel"], hatch="///", edgecolor="white", label=NOTE_FRAGILE))
    if poignees:
        _legende(ax, poignees)
    habiller(fig, titre, source, note)
    return fig


def points_intervalles(
    agregats: pd.DataFrame,
    titre: str,
    source: str | None = None,
    unite: str = UNITE_SCORE,
    col_score: str = "score",
    facteur: float = 1.0,
    reference: float | None = None,
    libelle_reference: str = "Moyenne nationale",
    trier: bool = True,
) -> Figure:
    """Points horizontaux et intervalles (déterminants, strates, proportions ×100 avec ``facteur``).

    Les groupes fragiles sont des points creux ; les groupes supprimés sont retirés.

    >>> a = pd.DataFrame({"libelle": ["A", "B"], "score": [70.0, 60.0], "ic_bas": [65.0, 50.0], "ic_haut": [75.0, 70.0], "fragile": [False, True], "supprime": [False, False]})
    >>> len(points_intervalles(a, "Titre").axes)
    1
    """
    a, note = _publiables(agregats)
    a = a.dropna(subset=[col_score])
    if trier:
        a = a.sort_values(col_score)
    hauteur = max(2.4, 0.9 + 0.32 * len(a))
    fig, ax = nouvelle_figure((TAILLE[0], hauteur))
    y = np.arange(len(a))
    valeurs = facteur * a[col_score].to_numpy(dtype=float)
    fragiles = a["fragile"].astype(bool).to_numpy() if "fragile" in a else np.zeros(len(a), bool)
    ax.errorbar(valeurs, y, xerr=_moustaches(a, col_score, facteur), fmt="none", ecolor=GRIS, lw=1.4, capsize=2.5, zorder=2)
    ax.scatter(valeurs[~fragiles], y[~fragiles], s=38, color=PALETTE["bleu"], zorder=3)
    ax.scatter(valeurs[fragiles], y[fragiles], s=38, facecolor="white", edgecolor=PALETTE["bleu"], lw=1.4, zorder=3)
    for xi, yi, haut in zip(valeurs, y, facteur * a["ic_haut"].to_numpy(dtype=float)):
        ax.annotate(nombre_fr(xi), (haut, yi), xytext=(4, 0), textcoords="offset points", va="center", fontsize=7.5)
    ax.set_yticks(y, [_couper(t, 34) for t in a["libelle"]])
    ax.set_xlim(0, 105)
    ax.set_xlabel(unite)
    ax.xaxis.set_major_formatter(formateur_fr())
    ax.xaxis.grid(True, zorder=0)
    poignees = []
    if reference is not None:
        ax.axvline(reference, color=PALETTE["vermillon"], ls="--", lw=1.2, zorder=1)
        poignees.append(matplotlib.lines.Line2D([], [], color=PALETTE["vermillon"], ls="--",
                                                label=f"{libelle_reference} ({nombre_fr(reference)})"))
    if fragiles.any():
        poignees.append(matplotlib.lines.Line2D([], [], marker="o", ls="none", markerfacecolor="white",
                                                markeredgecolor=PALETTE["bleu"], label=NOTE_FRAGILE))
    if poignees:
        _legende(ax, poignees)
    habiller(fig, titre, source, note)
    return fig


def barres_effectifs(effectifs: pd.DataFrame, titre: str, source: str | None = None, col: str = "n_structures") -> Figure:
    """Barres horizontales d'effectifs (participants par type de structure).

    >>> e = pd.DataFrame({"libelle": ["Communes", "Régions"], "n_structures": [120, 3]})
    >>> isinstance(barres_effectifs(e, "Titre"), Figure)
    True
    """
    e = effectifs.sort_values(col)
    fig, ax = nouvelle_figure((TAILLE[0], max(2.2, 0.9 + 0.32 * len(e))))
    y = np.arange(len(e))
    ax.barh(y, e[col], color=PALETTE["vert"], height=0.6, zorder=2)
    for yi, n in zip(y, e[col]):
        ax.annotate(nombre_fr(n, 0), (n, yi), xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set_yticks(y, list(e["libelle"]))
    ax.set_xlabel("Nombre de structures participantes")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(formateur_fr(0))
    ax.set_xlim(0, max(1, e[col].max()) * 1.12)
    ax.xaxis.grid(True, zorder=0)
    habiller(fig, titre, source)
    return fig


def png(fig: Figure, resolution: int = RESOLUTION) -> bytes:
    """Image PNG d'une figure (150 points par pouce par défaut).

    >>> png(Figure())[:4] == b"\\x89PNG"
    True
    """
    tampon = io.BytesIO()
    fig.savefig(tampon, format="png", dpi=resolution)
    return tampon.getvalue()


def enregistrer_png(fig: Figure, chemin: Path | str, resolution: int = RESOLUTION) -> Path:
    """Enregistre une figure en PNG.

    >>> import tempfile; enregistrer_png(Figure(), Path(tempfile.mkdtemp()) / "f.png").suffix
    '.png'
    """
    chemin = Path(chemin)
    chemin.parent.mkdir(parents=True, exist_ok=True)
    chemin.write_bytes(png(fig, resolution))
    return chemin


def figure_html(fig: Figure, legende: str | None = None, alternative: str | None = None) -> BlocHTML:
    """Figure HTML autonome (PNG embarqué) avec légende, affichable dans le notebook et le PDF.

    >>> "<figure" in str(figure_html(Figure(), "Légende"))
    True
    """
    donnees = base64.b64encode(png(fig)).decode("ascii")
    titre = fig._suptitle.get_text() if fig._suptitle is not None else ""
    texte_alt = html.escape(alternative or legende or titre or "Graphique")
    legende_html = f"<figcaption>{html.escape(legende, quote=False)}</figcaption>" if legende else ""
    return BlocHTML(f'<figure class="graphique"><img src="data:image/png;base64,{donnees}" '
                    f'alt="{texte_alt}"/>{legende_html}</figure>')
