"""Style maison des graphiques : palette lisible par les daltoniens, titres qui disent le constat.

Chaque graphique est une ``matplotlib.figure.Figure`` créée sans pyplot (rendu Agg,
jamais affichée automatiquement) : titre qui énonce le résultat, unités sur les axes,
virgule décimale sur les graduations, ligne de source sous le graphique.

Accessibilité : chaque constructeur attache à sa figure un texte alternatif d'une ou deux
phrases tiré des mêmes données que le dessin (``decrire``) et ces données en tableau ;
``figure_html`` les reprend (attribut ``alt`` de l'image, lien CSV dans le HTML, pièce
jointe dans le PDF). Une figure construite ailleurs est décrite d'après ce qu'elle dessine
(``decrire_dessin`` : barres, courbes, points).
"""

from __future__ import annotations

import base64
import io
import re
import textwrap
import unicodedata
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Patch
from matplotlib.text import Annotation, Text
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter

from analyse.formatage import BlocHTML, accorder, neutraliser_formules, nombre_fr, typographie_fr
from analyse.rapports.descriptions import (
    decrire_series,
    donnees_series,
    plafonner,
    poser_categories as poser_categories,
    series_dessinees,
)
from analyse.rapports.gabarits import rendre

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
# Couleurs qui dessinent seules des données (barres, points, lignes de référence) : contraste
# d'au moins 3:1 sur le fond blanc (WCAG 1.4.11). Les autres teintes de la palette ne servent
# qu'en remplissage bordé d'une de celles-ci ou en aplat sous un texte noir.
COULEURS_TRAITS = ("bleu", "vermillon", "vert", "noir")
COULEURS_TEXTE = (GRIS, "#000000")  # graduations, étiquettes, source : 4,5:1 au moins
TAILLE = (6.3, 3.6)  # pouces : largeur utile d'une page A4
RESOLUTION = 150  # points par pouce des PNG
UNITE_SCORE = "Score moyen (points sur 100)"
NOTE_FRAGILE = "Groupe fragile (moins de 10 structures)"
MAX_ENUMERES = 10  # au-delà, le texte alternatif cite les extrêmes et renvoie aux données jointes
# Au-delà de 4 séries, chacune a aussi son marqueur et son style de ligne (couleur, marqueur, style uniques).
MARQUEURS = ("o", "s", "^", "D", "v", "P", "X", "*")
STYLES_LIGNE = ("-", "--", ":", "-.")


def styles_series(n: int) -> list[dict]:
    """Styles de ``n`` séries tous distincts : couleur contrastée, puis marqueur et style de ligne.

    Quatre couleurs à 3:1 au moins sur blanc ; chaque groupe de quatre séries change de marqueur
    et de style de ligne : aucune paire de séries ne se distingue par la couleur seule au-delà de 4.

    >>> [tuple(s.values()) for s in styles_series(6)][4]
    ('#0072B2', 's', '--')
    >>> len({tuple(s.values()) for s in styles_series(11)})
    11
    """
    couleurs = [PALETTE[c] for c in COULEURS_TRAITS]
    return [
        {
            "color": couleurs[k % len(couleurs)],
            "marker": MARQUEURS[(k // len(couleurs)) % len(MARQUEURS)],
            "ls": STYLES_LIGNE[(k // len(couleurs)) % len(STYLES_LIGNE)],
        }
        for k in range(n)
    ]


def appliquer_style() -> None:
    """Applique le style maison à matplotlib (polices, palette, grille, fond blanc).

    >>> appliquer_style(); matplotlib.rcParams["axes.spines.top"]
    False
    """
    matplotlib.rcParams.update(
        {
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
        }
    )


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
    titre = envelopper(fig, typographie_fr(titre), 10.5, "bold", largeur_max=72)
    fig.suptitle(titre, x=0.01, ha="left", fontweight="bold", fontsize=10.5)
    pied = "\n".join(envelopper(fig, typographie_fr(t), 7.5, largeur_max=largeur) for t in (note, source) if t)
    if pied:
        fig.supxlabel(pied, x=0.01, ha="left", fontsize=7.5, color=GRIS)


def envelopper(fig: Figure, texte: str, taille: float, graisse: str = "normal", largeur_max: int = 110) -> str:
    r"""Texte coupé en lignes qui tiennent dans la largeur de la figure (mesurées, marge de 3 %).

    >>> fig, _ = nouvelle_figure()
    >>> lignes = envelopper(fig, "Les cohortes entrées depuis 2020 débutent à 64,6 en moyenne, contre 68,1 pour les précédentes", 10.5, "bold").split("\n")
    >>> len(lignes), lignes[-1]
    (2, '68,1 pour les précédentes')
    """
    rendu = fig.canvas.get_renderer()
    police = FontProperties(family=matplotlib.rcParams["font.family"], size=taille, weight=graisse)
    disponible = 0.97 * fig.get_figwidth() * fig.dpi
    for largeur in range(largeur_max, 19, -2):
        lignes = textwrap.wrap(texte, largeur, break_long_words=False) or [texte]
        if max(rendu.get_text_width_height_descent(ligne, police, ismath=False)[0] for ligne in lignes) <= disponible:
            return "\n".join(lignes)
    return "\n".join(textwrap.wrap(texte, 20))


def _legende(ax, poignees) -> None:
    ax.legend(
        handles=poignees,
        loc="lower left",
        bbox_to_anchor=(0, 1.01),
        ncols=len(poignees),
        fontsize=7.5,
        frameon=False,
        borderaxespad=0.2,
        handlelength=1.8,
    )


def _couper(texte: str, largeur: int = 16) -> str:
    texte = typographie_fr(str(texte))  # « 10 000–19 999 » ne se coupe pas dans un groupe de chiffres
    return "\n".join(textwrap.wrap(texte, largeur, break_long_words=False)) or texte


def _publiables(agregats: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    if "supprime" not in agregats:
        return agregats, None
    masques = int(agregats["supprime"].sum())
    groupes = accorder(
        masques, "groupe de moins de 5 structures non publié", "groupes de moins de 5 structures non publiés"
    )
    note = f"{groupes} (secret)." if masques else None
    return agregats[~agregats["supprime"].astype(bool)], note


def titre_constat(
    agregats: pd.DataFrame, col_score: str = "score", facteur: float = 1.0, unite: str = "sur 100"
) -> str:
    """Titre qui énonce le constat : meilleur et moins bon groupe, écart établi ou non
    (``statistiques.verdicts.verdict_ecart_groupes``, paire extrême corrigée de Bonferroni).

    >>> a = pd.DataFrame({"libelle": ["Téléphone", "Courrier"], "score": [78.2, 55.1], "ic_bas": [75.0, 51.0], "ic_haut": [81.0, 59.0], "supprime": [False, False]})
    >>> titre_constat(a)
    'Téléphone en tête (78,2 sur 100), Courrier en retrait (55,1) : écart établi (+23,1 points, IC à 95 % [18,1\\u202f; 28,1])'
    """
    from analyse.statistiques.verdicts import erreur_type_intervalle, titre_tete_retrait, verdict_ecart_groupes

    a, _ = _publiables(agregats)
    a = a.dropna(subset=[col_score]).sort_values(col_score, ascending=False)
    if a.empty:
        return "Aucun résultat publiable (moins de 5 structures par groupe)"
    haut, bas = a.iloc[0], a.iloc[-1]
    v_haut, v_bas = nombre_fr(facteur * haut[col_score]), nombre_fr(facteur * bas[col_score])
    if len(a) == 1:
        return f"{haut['libelle']} : {v_haut} {unite}"
    verdict = verdict_ecart_groupes(
        haut["libelle"],
        bas["libelle"],
        facteur * (haut[col_score] - bas[col_score]),
        facteur * erreur_type_intervalle(haut["ic_bas"], haut["ic_haut"]),
        facteur * erreur_type_intervalle(bas["ic_bas"], bas["ic_haut"]),
        len(a),
    )
    return titre_tete_retrait(haut["libelle"], f"{v_haut} {unite}", bas["libelle"], v_bas, verdict)


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
    return (
        f"De {nombre_fr(facteur * bas[col_score])} {unite} ({bas['libelle']}) à "
        f"{nombre_fr(facteur * haut[col_score])} {unite} ({haut['libelle']}) selon l’indicateur"
    )


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


def _poignee_reference(reference: float, libelle_reference: str):
    """Entrée de légende de la ligne de référence (tirets vermillon, valeur entre parenthèses)."""
    return matplotlib.lines.Line2D(
        [], [], color=PALETTE["vermillon"], ls="--", label=f"{libelle_reference} ({nombre_fr(reference)})"
    )


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
            barre.set(facecolor=PALETTE["bleu_ciel"], hatch="///", edgecolor=PALETTE["bleu"])  # contour contrasté
    ax.errorbar(
        x,
        a[col_score],
        yerr=_moustaches(a, col_score, 1.0),
        fmt="none",
        ecolor=PALETTE["noir"],
        capsize=3,
        lw=1,
        zorder=3,
    )
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
        poignees.append(_poignee_reference(reference, libelle_reference))
    if fragiles.any():
        poignees.append(
            Patch(facecolor=PALETTE["bleu_ciel"], hatch="///", edgecolor=PALETTE["bleu"], label=NOTE_FRAGILE)
        )
    if poignees:
        _legende(ax, poignees)
    habiller(fig, titre, source, note)
    decrire(
        fig,
        alternative_intervalles(a, unite, col_score, 1.0, reference, libelle_reference, note),
        donnees_intervalles(a, unite, col_score, 1.0),
    )
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
    ax.errorbar(
        valeurs, y, xerr=_moustaches(a, col_score, facteur), fmt="none", ecolor=GRIS, lw=1.4, capsize=2.5, zorder=2
    )
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
        poignees.append(_poignee_reference(reference, libelle_reference))
    if fragiles.any():
        poignees.append(
            matplotlib.lines.Line2D(
                [],
                [],
                marker="o",
                ls="none",
                markerfacecolor="white",
                markeredgecolor=PALETTE["bleu"],
                label=NOTE_FRAGILE,
            )
        )
    if poignees:
        _legende(ax, poignees)
    habiller(fig, titre, source, note)
    decrire(
        fig,
        alternative_intervalles(a, unite, col_score, facteur, reference, libelle_reference, note),
        donnees_intervalles(a, unite, col_score, facteur),
    )
    return fig


def barres_effectifs(
    effectifs: pd.DataFrame, titre: str, source: str | None = None, col: str = "n_structures"
) -> Figure:
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
    decrire(
        fig,
        alternative_effectifs(e, col),
        pd.DataFrame({"Groupe": e["libelle"].to_numpy(), "Nombre de structures": e[col].to_numpy()})[::-1],
    )
    return fig


def png(fig: Figure, resolution: int = RESOLUTION) -> bytes:
    """Image PNG d'une figure (150 points par pouce par défaut).

    >>> png(Figure())[:4] == b"\\x89PNG"
    True
    """
    finir(fig)
    tampon = io.BytesIO()
    fig.savefig(tampon, format="png", dpi=resolution)
    return tampon.getvalue()


def finir(fig: Figure) -> Figure:
    r"""Dernière main avant le dessin : espaces fines insécables dans tous les textes (titres, axes,
    graduations, légendes, étiquettes) ; étiquettes de valeurs au-dessus des lignes de référence
    et des marqueurs, sur un fond blanc qui les garde lisibles.

    >>> fig, ax = nouvelle_figure(); _ = ax.set_ylabel("Part (%)"); _ = ax.set_xticks([0], ["10 000–19 999"])
    >>> finir(fig) is fig, ax.xaxis.get_major_formatter()(0, 0)
    (True, '10\u202f000–19\u202f999')
    """
    for ax in fig.axes:
        for axe in (ax.xaxis, ax.yaxis):
            formateur = axe.get_major_formatter()
            if not getattr(formateur, "typographie", False) and not isinstance(formateur, NullFormatter):
                axe.set_major_formatter(FuncFormatter(lambda x, pos, f=formateur: typographie_fr(f(x, pos))))
                axe.get_major_formatter().typographie = True
        for etiquette in ax.texts:
            if isinstance(etiquette, Annotation) and etiquette.get_bbox_patch() is None:
                etiquette.set_bbox(
                    {"boxstyle": "square,pad=0.1", "facecolor": "white", "edgecolor": "none", "alpha": 0.85}
                )
                etiquette.set_zorder(max(etiquette.get_zorder(), 6))
    for texte in fig.findobj(Text):
        contenu = texte.get_text()
        if contenu:
            texte.set_text(typographie_fr(contenu))
    return fig


def enregistrer_png(fig: Figure, chemin: Path | str, resolution: int = RESOLUTION) -> Path:
    """Enregistre une figure en PNG.

    >>> import tempfile; enregistrer_png(Figure(), Path(tempfile.mkdtemp()) / "f.png").suffix
    '.png'
    """
    chemin = Path(chemin)
    chemin.parent.mkdir(parents=True, exist_ok=True)
    chemin.write_bytes(png(fig, resolution))
    return chemin


# --------------------------------------------------------------------------- textes alternatifs


def decrire(fig: Figure, alternative: str, donnees: pd.DataFrame | None = None) -> Figure:
    """Attache à la figure son texte alternatif et le tableau de ses données (repris par ``figure_html``).

    >>> decrire(Figure(), "Trois barres.").texte_alternatif
    'Trois barres.'
    """
    fig.texte_alternatif = alternative
    fig.donnees_graphique = donnees
    return fig


def _enumeration(libelles, valeurs) -> str:
    paires = [f"{l} {v}".strip() for l, v in zip(libelles, valeurs)]
    if len(paires) > MAX_ENUMERES:
        paires = paires[:5] + ["…"] + paires[-3:]
    return ", ".join(paires)


def _unite_courte(unite: str) -> str:
    return re.sub(r"\s*\(.*\)\s*$", "", unite).strip() or unite


def alternative_intervalles(
    a: pd.DataFrame,
    unite: str = UNITE_SCORE,
    col_score: str = "score",
    facteur: float = 1.0,
    reference: float | None = None,
    libelle_reference: str = "Moyenne nationale",
    note: str | None = None,
) -> str:
    """Texte alternatif d'un graphique de scores : valeurs du plus haut au plus bas, référence.

    >>> a = pd.DataFrame({"libelle": ["Courrier", "Téléphone"], "score": [48.5, 77.2], "ic_bas": [45.0, 75.0], "ic_haut": [52.0, 79.0]})
    >>> alternative_intervalles(a, reference=63.9)
    'Score moyen par groupe, du plus élevé au plus bas : Téléphone 77,2, Courrier 48,5 ; moyenne nationale 63,9. Intervalles de confiance à 95 % dans les données jointes.'
    """
    a = a.dropna(subset=[col_score]).sort_values(col_score, ascending=False)
    if a.empty:
        return "Graphique vide : aucun groupe publiable (moins de 5 structures par groupe)."
    valeurs = [nombre_fr(facteur * v) for v in a[col_score]]
    texte = f"{_unite_courte(unite)} par groupe, du plus élevé au plus bas : {_enumeration(a['libelle'], valeurs)}"
    if reference is not None:
        texte += f" ; {libelle_reference.lower()} {nombre_fr(reference)}"
    suite = "Intervalles de confiance à 95 % dans les données jointes."
    if "fragile" in a and a["fragile"].astype(bool).any():
        suite = f"{accorder(int(a['fragile'].astype(bool).sum()), 'groupe fragile')} (moins de 10 structures). " + suite
    if note:
        suite = f"{note} {suite}"
    return f"{texte}. {suite}"


def donnees_intervalles(
    a: pd.DataFrame, unite: str = UNITE_SCORE, col_score: str = "score", facteur: float = 1.0
) -> pd.DataFrame:
    """Tableau des données d'un graphique de scores (valeur, bornes de l'intervalle, fragilité).

    >>> d = donnees_intervalles(pd.DataFrame({"libelle": ["A"], "score": [0.5], "ic_bas": [0.4], "ic_haut": [0.6]}), "Part (%)", facteur=100)
    >>> list(d.columns), [float(v) for v in d.iloc[0, 1:]]
    (['Groupe', 'Part (%)', 'IC 95 % bas', 'IC 95 % haut'], [50.0, 40.0, 60.0])
    """
    donnees = pd.DataFrame(
        {
            "Groupe": a["libelle"].to_numpy(),
            unite: (facteur * a[col_score].astype(float)).round(4).to_numpy(),
            "IC 95 % bas": (facteur * a["ic_bas"].astype(float)).round(4).to_numpy(),
            "IC 95 % haut": (facteur * a["ic_haut"].astype(float)).round(4).to_numpy(),
        }
    )
    if "fragile" in a:
        donnees["Fragile (moins de 10 structures)"] = (
            a["fragile"].astype(bool).map({True: "oui", False: "non"}).to_numpy()
        )
    return donnees


def alternative_effectifs(e: pd.DataFrame, col: str = "n_structures") -> str:
    """Texte alternatif d'un graphique d'effectifs : effectif de chaque groupe et total.

    >>> alternative_effectifs(pd.DataFrame({"libelle": ["Régions", "Communes"], "n_structures": [3, 120]}))
    'Nombre de structures participantes par type : Communes 120, Régions 3 ; total 123.'
    """
    e = e.sort_values(col, ascending=False)
    valeurs = [nombre_fr(n, 0) for n in e[col]]
    return (
        f"Nombre de structures participantes par type : {_enumeration(e['libelle'], valeurs)} ; "
        f"total {nombre_fr(int(e[col].sum()), 0)}."
    )


def decrire_dessin(fig: Figure) -> tuple[str, pd.DataFrame | None]:
    """Texte alternatif et données d'une figure construite sans ``decrire`` : ce qu'elle dessine.

    Séries nommées comme dans la légende, catégories de l'axe (``poser_categories``), cartes de
    chaleur résumées par leurs extrêmes (``analyse.rapports.descriptions``).

    >>> fig, ax = nouvelle_figure()
    >>> _ = ax.bar([0, 1], [70.0, 55.5]); _ = ax.set_xticks([0, 1], ["Courriel", "Courrier"]); _ = ax.set_ylabel("Score")
    >>> decrire_dessin(fig)[0]
    'Score : Courriel 70,0, Courrier 55,5.'
    """
    series, references = series_dessinees(fig)
    if not series:
        return "", None
    return decrire_series(titre_figure(fig), series, references), donnees_series(series)


def titre_figure(fig: Figure) -> str:
    """Titre (constat) de la figure, sur une ligne.

    >>> fig, _ = nouvelle_figure(); habiller(fig, "Le téléphone en tête", None); titre_figure(fig)
    'Le téléphone en tête'
    """
    return " ".join(fig._suptitle.get_text().split()) if fig._suptitle is not None else ""


def _nom_donnees(texte: str) -> str:
    """Nom du CSV d'un graphique, tiré de sa légende (stable d'une édition à l'autre).

    >>> _nom_donnees("Scores par classe (50 000–99 999 habitants)")
    'graphique-scores-par-classe-50-000-99-999-habitants.csv'
    """
    decompose = unicodedata.normalize("NFKD", texte)
    sans_accents = "".join(c for c in decompose if not unicodedata.combining(c))
    ascii_ = "".join(c if c.isascii() else " " for c in sans_accents).lower()
    return "graphique-" + (re.sub(r"[^a-z0-9]+", "-", ascii_).strip("-")[:50].strip("-") or "donnees") + ".csv"


def csv_donnees(donnees: pd.DataFrame) -> bytes:
    r"""Données d'un graphique en CSV pour Excel français (« ; », virgule décimale, UTF-8 avec BOM),
    cellules texte neutralisées contre l'injection de formules.

    >>> csv_donnees(pd.DataFrame({"Groupe": ["A"], "Score": [68.5]}))
    b'\xef\xbb\xbfGroupe;Score\r\nA;68,5\r\n'
    """
    return (
        neutraliser_formules(donnees)
        .to_csv(sep=";", decimal=",", index=False, lineterminator="\r\n")
        .encode("utf-8-sig")
    )


def lien_donnees(donnees: pd.DataFrame, nom: str) -> str:
    """Lien de téléchargement des données (HTML) ; ``rendu`` en fait une pièce jointe du PDF.

    >>> lien_donnees(pd.DataFrame({"a": [1]}), "g.csv").startswith('<a class="donnees-csv" download="g.csv"')
    True
    """
    code = base64.b64encode(csv_donnees(donnees)).decode("ascii")
    return str(rendre("lien_donnees.html.j2", nom_donnees=nom, csv=code)).strip()


def figure_html(
    fig: Figure, legende: str | None = None, alternative: str | None = None, resolution: int = RESOLUTION
) -> BlocHTML:
    """Figure HTML autonome (PNG embarqué) avec légende, texte alternatif et données jointes.

    Le texte alternatif est ``alternative``, sinon celui attaché par le constructeur
    (``decrire``), sinon la description de ce qui est dessiné (``decrire_dessin``), précédée
    du titre-constat ; il est plafonné à ~300 caractères puis renvoie aux données complètes,
    jointes avec les mêmes libellés : lien CSV sous la légende (HTML), pièce jointe du PDF.
    ``resolution`` : points par pouce du PNG.

    >>> fig = decrire(Figure(), "Trois barres.", pd.DataFrame({"x": [1]}))
    >>> bloc = str(figure_html(fig, "Légende"))
    >>> 'alt="Trois barres. Données complètes : graphique-legende.csv."' in bloc and "data:text/csv" in bloc
    True
    """
    donnees_png = base64.b64encode(png(fig, resolution)).decode("ascii")  # dessine : graduations lisibles
    titre = titre_figure(fig)
    donnees = getattr(fig, "donnees_graphique", None)
    texte = alternative or getattr(fig, "texte_alternatif", None)
    if texte:
        texte = plafonner(texte)
    else:
        texte, donnees = decrire_dessin(fig)
        texte = texte or (titre.rstrip(".") + "." if titre else legende) or "Graphique sans données lisibles."
    nom, csv = None, None
    if donnees is not None and not donnees.empty:
        nom = _nom_donnees(legende or titre or "")
        texte = f"{texte} Données complètes : {nom}."
        csv = base64.b64encode(csv_donnees(donnees)).decode("ascii")
    return rendre("figure.html.j2", png=donnees_png, alternative=texte, legende=legende, nom_donnees=nom, csv=csv)
