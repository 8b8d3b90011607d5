"""Textes alternatifs des graphiques, lus dans ce que la figure dessine, et leurs données en tableau.

Un lecteur aveugle reçoit le titre-constat puis, pour chaque série, son vrai nom (étiquette
de l'artiste, de son conteneur d'intervalles ou de l'entrée de légende qui lui ressemble,
titre de la case d'un petit multiple), ses catégories (libellés de l'axe, mois en toutes
lettres : ``poser_categories``) et ses valeurs ; une carte de chaleur est résumée par ses
extrêmes. Le texte est plafonné (``LONGUEUR_MAX``) ; les données complètes partent dans
le CSV joint, avec les mêmes libellés (``donnees_dessin``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from analyse.formatage import nombre_fr

LONGUEUR_MAX = 300  # caractères du texte alternatif, avant « Données complètes : … »
MAX_ENUMERES = 6  # au-delà, une série est résumée par ses extrêmes
COLONNES = ("Série", "Catégorie", "Valeur", "Unité")


@dataclass
class Serie:
    """Une série lisible : nom, catégories (libellés) et valeurs, unité de l'axe des valeurs."""

    nom: str
    categories: list[str]
    valeurs: list[float]
    unite: str = ""
    ordonnee: bool = False  # catégories dans un ordre naturel (mois, éditions, nombres)
    carte: bool = False  # carte de chaleur (catégorie « ligne, colonne »)
    axe_categories: str = ""  # nom d'un axe numérique des catégories (« 49,2 → 5,8 »), sinon vide
    valeurs_y: list[float] | None = None  # nuage étiqueté : seconde coordonnée de chaque point
    unite_y: str = ""


def poser_categories(ax, axe: str, libelles, courts=None, pas: int = 1, **options) -> None:
    """Graduations 0, 1, 2… d'un axe de catégories, dont le libellé complet sert à la description.

    ``libelles`` : libellé complet de chaque position (« février 2021 ») ; ``courts`` : libellés
    affichés (« févr. »), un sur ``pas`` ; ``options`` : passées à ``set_xticks``/``set_yticks``.

    >>> from analyse.rapports.graphiques import nouvelle_figure
    >>> fig, ax = nouvelle_figure()
    >>> poser_categories(ax, "x", ["janvier 2021", "février 2021"], ["janv.", "févr."], pas=2)
    >>> [t.get_text() for t in ax.get_xticklabels()], ax.categories_x
    (['janv.'], ['janvier 2021', 'février 2021'])
    """
    libelles = [str(t) for t in libelles]
    courts = libelles if courts is None else [str(t) for t in courts]
    positions = np.arange(len(libelles))
    regler = ax.set_xticks if axe == "x" else ax.set_yticks
    regler(positions[::pas], courts[::pas], **options)
    setattr(ax, f"categories_{axe}", libelles)
    setattr(ax, f"categories_{axe}_ordonnees", True)


# --------------------------------------------------------------------------- lecture des axes


def _texte(t: str) -> str:
    return " ".join(str(t).split())


def _numerique(texte: str) -> bool:
    return bool(re.fullmatch(r"[−\-+]?[\d\s\u202f\u00a0]*[,.]?\d*\s*%?", texte.strip()))


def _nombre_lu(texte: str) -> float | None:
    try:
        return float(re.sub(r"[\s\u202f\u00a0%]", "", texte).replace(",", ".").replace("−", "-"))
    except ValueError:
        return None


def _meme_nombre(texte: str, position: float) -> bool:
    """Vrai si la graduation écrit sa propre position (à la précision affichée) : axe numérique."""
    lu = _nombre_lu(texte)
    decimales = len(texte.split(",")[1].rstrip(" %")) if "," in texte else 0
    return lu is not None and abs(lu - position) <= 0.5 * 10**-decimales + 1e-9


def _annee(v: float) -> bool:
    return float(v).is_integer() and 1900 <= v <= 2100


def _valeur_axe(v: float) -> str:
    """Position numérique écrite : entier tel quel (années), sinon une ou deux décimales."""
    v = float(v)
    if v.is_integer():
        return str(int(v))
    return nombre_fr(v, 1 if abs(v) >= 1 else 2)


class _Axe:
    """Libellés d'un axe : catégories posées, sinon graduations textuelles, sinon valeurs numériques."""

    def __init__(self, ax, axe: str):
        self.nom = _texte(ax.get_xlabel() if axe == "x" else ax.get_ylabel())
        jumeaux = [ax, *(a for a in ax.figure.axes if a is not ax and _jumeaux(a, ax, axe))]
        self.categories = next(
            (getattr(a, f"categories_{axe}") for a in jumeaux if hasattr(a, f"categories_{axe}")), None
        )
        self.positions, self.textes = np.array([]), []
        for a in jumeaux:
            graduations = a.get_xticklabels() if axe == "x" else a.get_yticklabels()
            paires = [
                (float(p), _texte(t.get_text()))
                for p, t in zip(a.get_xticks() if axe == "x" else a.get_yticks(), graduations)
            ]
            paires = [(p, t) for p, t in paires if t]
            if paires:
                self.positions, self.textes = np.array([p for p, _ in paires]), [t for _, t in paires]
                break
        self.textuel = self.categories is not None or any(
            not _numerique(t) or not _meme_nombre(t, p) for p, t in zip(self.positions, self.textes)
        )
        self.ordonne = self.categories is not None or not self.textuel
        self.continu = not self.textuel and not all(_annee(p) for p in self.positions)

    def nommer(self, position: float) -> str:
        if self.categories is not None:
            i = int(round(position))
            if 0 <= i < len(self.categories) and abs(position - i) < 0.5:
                return self.categories[i]
        if self.textuel and len(self.positions):
            i = int(np.argmin(np.abs(self.positions - position)))
            ecarts = np.diff(np.sort(self.positions))
            tolerance = 0.5 * float(ecarts.min()) if len(ecarts) else 0.5
            if abs(self.positions[i] - position) <= tolerance + 1e-9:
                return self.textes[i]
        return _valeur_axe(position)


def _jumeaux(a, ax, axe: str) -> bool:
    partages = ax.get_shared_x_axes() if axe == "x" else ax.get_shared_y_axes()
    return partages.joined(a, ax) and a.get_position().bounds == ax.get_position().bounds


def _visible(ax) -> bool:
    return ax.get_visible() and getattr(ax, "_colorbar", None) is None


# --------------------------------------------------------------------------- noms des séries


def _couleur(c) -> str | None:
    try:
        return to_hex(c, keep_alpha=False)
    except (ValueError, TypeError):
        return None


def _premiere_couleur(couleurs) -> str | None:
    couleurs = np.asarray(couleurs)
    if couleurs.size == 0:
        return None
    return _couleur(couleurs.reshape(-1, couleurs.shape[-1])[0] if couleurs.ndim > 1 else couleurs)


def _signature(artiste) -> dict:
    """Couleurs, style de ligne et marqueur d'un artiste ou d'une entrée de légende."""
    nom = type(artiste).__name__
    if nom == "Line2D":
        style, marqueur = artiste.get_linestyle(), str(artiste.get_marker())
        trait = style not in ("None", "none", "")
        signature = {"couleur": _couleur(artiste.get_color()) if trait else None, "ligne": style}
        if marqueur not in ("None", "none", ""):  # entrée de légende sans marqueur : le trait suffit
            signature.update(
                marqueur=marqueur,
                face=_couleur(artiste.get_markerfacecolor()),
                bord=_couleur(artiste.get_markeredgecolor()),
            )
        return signature
    if nom in ("Rectangle", "Patch"):
        return {"face": _couleur(artiste.get_facecolor()), "bord": _couleur(artiste.get_edgecolor())}
    if nom == "PathCollection":
        return {"face": _premiere_couleur(artiste.get_facecolor()), "bord": _premiere_couleur(artiste.get_edgecolor())}
    return {}


def _ressemblance(a: dict, b: dict) -> int:
    """Nombre de traits communs (couleur, style, marqueur) ; -1 si l'un d'eux diffère (hors bord)."""
    communs = [k for k in a if k in b and a[k] is not None and b[k] is not None]
    if any(a[k] != b[k] for k in communs if k != "bord"):
        return -1
    return sum(a[k] == b[k] for k in communs)


def _entrees_legende(fig: Figure) -> list[tuple[dict, str]]:
    legendes = [ax.get_legend() for ax in fig.axes] + list(fig.legends)
    entrees = []
    for legende in filter(None, legendes):
        for poignee, texte in zip(legende.legend_handles, legende.get_texts()):
            if poignee is not None and texte.get_text().strip():
                entrees.append((_signature(poignee), _texte(texte.get_text())))
    return entrees


def _nom(artiste, etiquette: str, entrees, titre_axe: str) -> str:
    """Vrai nom d'une série : son étiquette, sinon l'entrée de légende qui lui ressemble, préfixé du titre de la case."""
    nom = "" if not etiquette or etiquette.startswith("_") else _texte(etiquette)
    if not nom and artiste is not None:
        signature = _signature(artiste)
        scores = [(_ressemblance(signature, s), t) for s, t in entrees]
        scores = [(n, t) for n, t in scores if n > 0]
        if scores:
            nom = max(scores, key=lambda x: x[0])[1]
    return " – ".join(t for t in (titre_axe, nom) if t)


# --------------------------------------------------------------------------- séries dessinées


def _series_barres(ax, ax_x, ax_y, entrees, titre) -> list[Serie]:
    series = []
    for conteneur in ax.containers:
        if type(conteneur).__name__ != "BarContainer" or not conteneur.patches:
            continue
        horizontal = getattr(conteneur, "orientation", "vertical") == "horizontal"
        cats, vals = [], []
        for barre in conteneur.patches:
            if horizontal:
                cats.append(ax_y.nommer(barre.get_y() + barre.get_height() / 2))
                vals.append(barre.get_width())
            else:
                cats.append(ax_x.nommer(barre.get_x() + barre.get_width() / 2))
                vals.append(barre.get_height())
        axe_cat, axe_val = (ax_y, ax_x) if horizontal else (ax_x, ax_y)
        nom = _nom(conteneur.patches[0], conteneur.get_label(), entrees, titre)
        series.append(Serie(nom, cats, vals, axe_val.nom, axe_cat.ordonne))
    return series


def _orientation(ax_x: _Axe, ax_y: _Axe) -> bool:
    """Vrai si les catégories sont en ordonnée (points ou intervalles horizontaux)."""
    return ax_y.textuel and not ax_x.textuel


def _serie_xy(nom, x, y, ax_x, ax_y) -> Serie | None:
    x, y = np.asarray(x, float), np.asarray(y, float)
    garde = np.isfinite(x) & np.isfinite(y)
    if not garde.any():
        return None
    x, y = x[garde], y[garde]
    if _orientation(ax_x, ax_y):
        return Serie(nom, [ax_y.nommer(v) for v in y], list(x), ax_x.nom, ax_y.ordonne)
    axe_numerique = ax_x.nom if ax_x.continu else ""
    return Serie(nom, [ax_x.nommer(v) for v in x], list(y), ax_y.nom, ax_x.ordonne, axe_categories=axe_numerique)


def _series_intervalles(ax, ax_x, ax_y, entrees, titre, consommees: set) -> list[Serie]:
    series = []
    for conteneur in ax.containers:
        if type(conteneur).__name__ != "ErrorbarContainer":
            continue
        ligne, chapeaux, _ = conteneur.lines
        consommees.update(id(c) for c in chapeaux)
        if ligne is None:
            continue
        consommees.add(id(ligne))
        serie = _serie_xy(
            _nom(ligne, conteneur.get_label(), entrees, titre), ligne.get_xdata(), ligne.get_ydata(), ax_x, ax_y
        )
        if serie:
            series.append(serie)
    return series


def _series_lignes(ax, ax_x, ax_y, entrees, titre, consommees: set) -> list[Serie]:
    series = []
    for ligne in ax.get_lines():
        if id(ligne) in consommees or ligne.get_transform() is not ax.transData or len(ligne.get_xdata()) == 0:
            continue
        serie = _serie_xy(
            _nom(ligne, ligne.get_label(), entrees, titre), ligne.get_xdata(), ligne.get_ydata(), ax_x, ax_y
        )
        if serie:
            series.append(serie)
    return series


def _etiquettes_points(ax) -> dict:
    """Étiquettes posées sur des points (``annotate``) : position → texte."""
    return {
        (round(float(t.xy[0]), 6), round(float(t.xy[1]), 6)): _texte(t.get_text())
        for t in ax.texts
        if hasattr(t, "xy") and _texte(t.get_text()) and not _numerique(_texte(t.get_text()))
    }


def _series_points(ax, ax_x, ax_y, entrees, titre) -> list[Serie]:
    series, etiquettes = [], _etiquettes_points(ax)
    for nuage in ax.collections:
        if type(nuage).__name__ != "PathCollection" or nuage.get_offset_transform() is not ax.transData:
            continue
        points = np.asarray(nuage.get_offsets(), float).reshape(-1, 2)
        points = points[np.isfinite(points).all(axis=1)]
        if not len(points):
            continue
        nom = _nom(nuage, nuage.get_label(), entrees, titre)
        noms = [etiquettes.get((round(x, 6), round(y, 6))) for x, y in points]
        if all(noms) and not (ax_x.textuel or ax_y.textuel):
            # nuage étiqueté (matrice) : catégorie = étiquette du point, ses deux coordonnées
            series.append(
                Serie(nom, noms, list(points[:, 0]), ax_x.nom, valeurs_y=list(points[:, 1]), unite_y=ax_y.nom)
            )
            continue
        serie = _serie_xy(nom, points[:, 0], points[:, 1], ax_x, ax_y)
        if serie:
            series.append(serie)
    return series


def _series_cartes(ax, ax_x, ax_y, titre) -> list[Serie]:
    series = []
    for image in ax.images:
        valeurs = np.ma.masked_invalid(np.ma.asarray(image.get_array(), dtype=float))
        if valeurs.ndim != 2:
            continue
        barre = getattr(image, "colorbar", None)
        unite = _texte(barre.ax.get_ylabel() or barre.ax.get_xlabel()) if barre is not None else ""
        lignes = [ax_y.nommer(i) for i in range(valeurs.shape[0])]
        colonnes = [ax_x.nommer(j) for j in range(valeurs.shape[1])]
        cats, vals = [], []
        for i, ligne in enumerate(lignes):
            for j, colonne in enumerate(colonnes):
                cats.append(f"{ligne}, {colonne}")
                vals.append(np.nan if np.ma.is_masked(valeurs[i, j]) else float(valeurs[i, j]))
        nom = titre or unite or "Carte de chaleur"
        series.append(Serie(nom, cats, vals, unite, False, carte=True))
    return series


def _references(ax, entrees) -> list[str]:
    """Lignes de référence (horizontales ou verticales) nommées : « Moyenne nationale (65,0) »."""
    textes = []
    for ligne in ax.get_lines():
        if ligne.get_transform() is ax.transData:
            continue
        x, y = np.asarray(ligne.get_xdata(), float), np.asarray(ligne.get_ydata(), float)
        valeur = y[0] if len(set(y)) == 1 else x[0] if len(set(x)) == 1 else None
        nom = _nom(ligne, ligne.get_label(), entrees, "")
        if nom and valeur is not None:
            textes.append(nom if re.search(r"\d", nom) else f"{nom} {_valeur_axe(valeur)}")
    return textes


def series_dessinees(fig: Figure) -> tuple[list[Serie], list[str]]:
    """Séries lisibles d'une figure (barres, intervalles, courbes, points, cartes) et lignes de référence."""
    entrees = _entrees_legende(fig)
    series, references = [], []
    axes = [ax for ax in fig.axes if _visible(ax)]
    for ax in axes:
        ax_x, ax_y = _Axe(ax, "x"), _Axe(ax, "y")
        titre = _texte(ax.get_title(loc="left") or ax.get_title())
        consommees: set = set()
        series += _series_barres(ax, ax_x, ax_y, entrees, titre)
        series += _series_intervalles(ax, ax_x, ax_y, entrees, titre, consommees)
        series += _series_lignes(ax, ax_x, ax_y, entrees, titre, consommees)
        series += _series_points(ax, ax_x, ax_y, entrees, titre)
        series += _series_cartes(ax, ax_x, ax_y, titre)
        references += [r for r in _references(ax, entrees) if r not in references]
    _nommer_anonymes(series, fig)
    return series, references


def _nommer_anonymes(series: list[Serie], fig: Figure) -> None:
    """Série sans nom ni entrée de légende : l'unité de son axe (jamais un numéro de série)."""
    for s in series:
        if not s.nom:
            s.nom = s.unite or "Valeur"


# --------------------------------------------------------------------------- texte et données


def _nombre(valeurs: list[float]) -> list[str]:
    finies = [v for v in valeurs if np.isfinite(v)]
    entieres = all(float(v).is_integer() for v in finies)
    petites = finies and max(abs(v) for v in finies) < 1
    d = 0 if entieres else (2 if petites else 1)
    return [nombre_fr(v, d) for v in valeurs]


def resumer(serie: Serie, complet: bool = False) -> str:
    """Une série en une phrase : toutes ses valeurs si elle est courte (ou ``complet``), sinon ses extrêmes.

    >>> resumer(Serie("Part de négatifs", ["janvier 2021", "février 2021"], [8.0, 12.0], ordonnee=True))
    'Part de négatifs : janvier 2021 8, février 2021 12'
    >>> s = Serie("Appels par heure", [f"lundi, {h} h" for h in range(8, 16)], [3, 5, 9, 4, 2, 1, 6, 7], carte=True)
    >>> resumer(s)
    'Appels par heure : maximum 9 (lundi, 10 h), minimum 1 (lundi, 13 h)'
    >>> resumer(Serie("Priorité", ["Attente"], [66.5], valeurs_y=[18.0]))
    'Priorité : Attente (66,5 ; 18)'
    """
    paires = [(c, v) for c, v in zip(serie.categories, serie.valeurs) if np.isfinite(v)]
    if not paires:
        return f"{serie.nom} : aucune valeur"
    textes = _nombre([v for _, v in paires])
    if serie.valeurs_y is not None:
        textes_y = _nombre(serie.valeurs_y)
        return f"{serie.nom} : " + ", ".join(f"{c} ({x} ; {y})" for (c, _), x, y in zip(paires, textes, textes_y))
    fleche = " →" if serie.axe_categories else ""
    if (complet or len(paires) <= MAX_ENUMERES) and not serie.carte:
        return f"{serie.nom} : " + ", ".join(f"{c}{fleche} {t}" for (c, _), t in zip(paires, textes))
    i_max = max(range(len(paires)), key=lambda i: paires[i][1])
    i_min = min(range(len(paires)), key=lambda i: paires[i][1])
    morceaux = []
    if serie.ordonnee:
        morceaux.append(f"de {textes[0]} ({paires[0][0]}) à {textes[-1]} ({paires[-1][0]})")
    morceaux += [f"maximum {textes[i_max]} ({paires[i_max][0]})", f"minimum {textes[i_min]} ({paires[i_min][0]})"]
    vides = sum(1 for v in serie.valeurs if not np.isfinite(v))
    if serie.carte and vides:
        morceaux.append(f"{vides} {'cases' if vides >= 2 else 'case'} sans valeur")
    return f"{serie.nom} : " + ", ".join(morceaux)


def plafonner(texte: str, longueur: int = LONGUEUR_MAX) -> str:
    """Texte plafonné à ``longueur`` caractères, coupé après une énumération complète et terminé par « … ».

    >>> plafonner("A : 1, B : 2 ; C : 3", 16)
    'A : 1, B : 2…'
    """
    if len(texte) <= longueur:
        return texte
    coupe = texte[: longueur - 1]
    fins = [coupe.rfind(separateur) for separateur in (" ; ", ", ")]
    fin = max(fins) if max(fins) > 0 else coupe.rfind(" ")
    return coupe[: fin if fin > 0 else len(coupe)].rstrip(" ,;:.") + "…"


def _entete(series: list[Serie]) -> str:
    """Unité commune des valeurs (et axe numérique des catégories), dite une fois avant les séries."""
    if any(s.carte for s in series):
        return ""
    if all(s.valeurs_y is not None for s in series):
        return f"{series[0].unite} ; {series[0].unite_y} – "
    unites = {s.unite for s in series}
    if len(unites) != 1 or "" in unites or series[0].nom == series[0].unite:
        return ""
    selon = {s.axe_categories for s in series}
    return f"{unites.pop()}" + (f" selon {selon.pop()}" if len(selon) == 1 and "" not in selon else "") + " – "


def decrire_series(titre: str, series: list[Serie], references: list[str]) -> str:
    """Texte alternatif : titre-constat, unité, une phrase par série, références ; plafonné.

    Chaque série est énumérée en entier si le tout tient dans ``LONGUEUR_MAX``, sinon résumée
    par ses extrêmes (et ses bornes si les catégories sont ordonnées).

    >>> decrire_series("Hausse en 2022", [Serie("Téléphone", ["2021", "2022"], [70.0, 75.5], "Score moyen (sur 100)")], [])
    'Hausse en 2022. Score moyen (sur 100) – Téléphone : 2021 70,0, 2022 75,5.'
    """
    titre = titre.rstrip(".") + ". " if titre else ""
    suite = " ; " + ", ".join(references) if references else ""
    essais = [(complet, entete) for complet in (True, False) for entete in (_entete(series), "")]
    for complet, entete in essais:  # le plus complet qui tient : unité omise avant de résumer
        texte = f"{titre}{entete}{' ; '.join(resumer(s, complet) for s in series)}{suite}".strip()
        if len(texte) < LONGUEUR_MAX:
            break
    return plafonner(texte + ".").replace("….", "…")


def donnees_series(series: list[Serie]) -> pd.DataFrame:
    """Données d'une figure en long (Série, Catégorie, Valeur, Unité), mêmes libellés que le texte.

    >>> donnees_series([Serie("A", ["février 2021"], [12.0], "%")]).to_dict("records")
    [{'Série': 'A', 'Catégorie': 'février 2021', 'Valeur': 12.0, 'Unité': '%'}]
    """
    lignes = [
        {"Série": s.nom, "Catégorie": c, "Valeur": round(float(v), 4), "Unité": unite}
        for s in series
        for valeurs, unite in ((s.valeurs, s.unite), (s.valeurs_y or [], s.unite_y))
        for c, v in zip(s.categories, valeurs)
        if np.isfinite(v)
    ]
    return pd.DataFrame(lignes, columns=list(COLONNES))
