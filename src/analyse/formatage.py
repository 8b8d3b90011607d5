"""Mise en forme française des nombres, dates, intervalles et cellules de tableau des rapports.

Règles (``shared/GUIDE.md``) : virgule décimale (``68,5``), espace fine insécable
(U+202F) comme séparateur de milliers (``1 234``) et avant « % : ; ! ? » (``typographie_fr``),
dates en toutes lettres (``28 novembre 2026``), accords au pluriel à partir de 2
(``accorder``), sans dépendre de la locale du système.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from pathlib import Path

import pandas as pd

ESPACE_MILLIERS = "\u202f"  # espace fine insécable
ESPACE_FINE = "\u202f"  # avant % : ; ! ? et » (après «)
ESPACE_INSECABLE = "\u00a0"
MOINS = "\u2212"  # signe moins typographique (−3,3)
VALEUR_MANQUANTE = "–"

MOIS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def _manquant(x) -> bool:
    if x is None or x is pd.NA or x is pd.NaT:
        return True
    try:
        return bool(math.isnan(x))
    except (TypeError, ValueError):
        return False


def nombre_fr(x, decimales: int = 1) -> str:
    """Nombre au format français : virgule décimale, espace fine pour les milliers.

    >>> nombre_fr(68.456)
    '68,5'
    >>> nombre_fr(1234, 0) == "1\u202f234"
    True
    """
    if _manquant(x):
        return VALEUR_MANQUANTE
    texte = f"{float(x):,.{decimales}f}"
    texte = texte.replace(",", "\x00").replace(".", ",").replace("\x00", ESPACE_MILLIERS)
    if texte.lstrip("-").strip("0,\u202f") == "":  # évite « -0,0 »
        texte = texte.lstrip("-")
    return texte


def pourcent_fr(proportion, decimales: int = 1) -> str:
    """Proportion (entre 0 et 1) écrite en pourcentage français.

    >>> pourcent_fr(0.685)
    '68,5\u202f%'
    """
    if _manquant(proportion):
        return VALEUR_MANQUANTE
    return f"{nombre_fr(100 * float(proportion), decimales)}{ESPACE_FINE}%"


def date_fr(date) -> str:
    """Date en toutes lettres, sans dépendre de la locale (« 1er » pour le premier du mois).

    >>> date_fr("2026-11-28")
    '28 novembre 2026'
    >>> date_fr(_dt.date(2026, 1, 1))
    '1er janvier 2026'
    """
    if _manquant(date):
        return VALEUR_MANQUANTE
    d = pd.Timestamp(date)
    jour = "1er" if d.day == 1 else str(d.day)
    return f"{jour} {MOIS[d.month - 1]} {d.year}"


def mois_fr(mois) -> str:
    """Mois en toutes lettres : « juin 2022 ».

    >>> mois_fr(pd.Timestamp("2022-06-01"))
    'juin 2022'
    """
    return date_fr(mois).split(" ", 1)[1]


def intervalle_fr(bas, haut, decimales: int = 1) -> str:
    """Intervalle de confiance au format français.

    >>> intervalle_fr(66.14, 70.31)
    '[66,1\u202f; 70,3]'
    """
    if _manquant(bas) or _manquant(haut):
        return VALEUR_MANQUANTE
    return f"[{nombre_fr(bas, decimales)}{ESPACE_FINE}; {nombre_fr(haut, decimales)}]"


# Espace (ordinaire ou insécable) avant une ponctuation haute, après « ; groupes de milliers.
_AVANT_PONCTUATION = re.compile(r"[ \u00a0]+(?=[%:;!?»])")
_APRES_GUILLEMET = re.compile(r"«[ \u00a0]+")
_MILLIERS = re.compile(r"(?<![\d,.])(\d{1,3})((?:[ \u00a0]\d{3})+)(?![\d,])")


def typographie_fr(texte: str) -> str:
    """Espaces fines insécables (U+202F) où le français les veut : avant % : ; ! ? », après «,
    entre les groupes de milliers (« 10 000–19 999 »). Idempotente ; « :// » n'est pas touché.

    >>> typographie_fr("Part : 95 % (10 000–19 999 habitants) ; « oui » !") == (
    ...     "Part\u202f: 95\u202f% (10\u202f000–19\u202f999 habitants)\u202f; «\u202foui\u202f»\u202f!")
    True
    """
    texte = _AVANT_PONCTUATION.sub(ESPACE_FINE, texte)
    texte = _APRES_GUILLEMET.sub("«" + ESPACE_FINE, texte)
    return _MILLIERS.sub(lambda m: m.group(1) + re.sub(r"[ \u00a0]", ESPACE_FINE, m.group(2)), texte)


# Balises, commentaires et blocs dont le texte n'est pas de la prose (styles, scripts, code).
_NON_PROSE = re.compile(r"(<(style|script|pre|code)\b.*?</\2\s*>|<!--.*?-->|<[^>]*>)", re.S | re.I)


def typographie_html(fragment: str) -> str:
    """``typographie_fr`` appliquée au seul texte d'un fragment HTML (ni balises, ni attributs,
    ni styles, scripts ou code).

    >>> typographie_html('<p title="a : b">Part : 95 %</p><style>@page :first {}</style>') == (
    ...     '<p title="a : b">Part\u202f: 95\u202f%</p><style>@page :first {}</style>')
    True
    """
    morceaux = _NON_PROSE.split(fragment)
    # split renvoie : texte, balise, nom du bloc (ou None), texte, …
    return "".join(
        typographie_fr(m) if i % 3 == 0 else (m if i % 3 == 1 else "") for i, m in enumerate(morceaux) if m is not None
    )


def forme_accordee(n, singulier: str, pluriel: str | None = None) -> str:
    """Le mot seul, au singulier ou au pluriel selon ``n`` (pluriel à partir de 2, en valeur absolue).

    >>> forme_accordee(1.9, "point"), forme_accordee(2, "point"), forme_accordee(3, "canal", "canaux")
    ('point', 'points', 'canaux')
    """
    if _manquant(n) or abs(float(n)) < 2:
        return singulier
    return pluriel or " ".join(m if m[-1:] in "sxz" else m + "s" for m in singulier.split(" "))


def accorder(n, singulier: str, pluriel: str | None = None, decimales: int | None = None) -> str:
    """Nombre à la française suivi du mot accordé (règle française : pluriel à partir de 2).

    ``pluriel`` : forme plurielle si ce n'est pas chaque mot suivi de « s » ; ``decimales`` :
    par défaut 0 pour un entier, 1 sinon. L'accord suit le nombre tel qu'il est écrit
    (1,96 écrit « 2,0 » prend le pluriel).

    >>> accorder(16, "catégorie"), accorder(1.1, "point"), accorder(2.5, "point")
    ('16 catégories', '1,1 point', '2,5 points')
    >>> accorder(0, "groupe fragile"), accorder(1234, "structure"), accorder(1.96, "point")
    ('0 groupe fragile', '1\u202f234 structures', '2,0 points')
    """
    if decimales is None:
        decimales = 0 if float(n).is_integer() else 1
    return f"{nombre_fr(n, decimales)} {forme_accordee(round(float(n), decimales), singulier, pluriel)}"


def delai_fr(mediane, bas, haut, decimales: int = 0, unite: str = "j") -> str:
    """Délai médian de Kaplan–Meier et son intervalle ; une borne infinie ou une médiane que la
    courbe n'atteint pas s'écrit « non atteinte ».

    >>> delai_fr(12.0, 8.0, float("inf"))
    '12 j [8\u202f; non atteinte]'
    >>> delai_fr(float("nan"), 30.0, float("inf"))
    'non atteinte [30\u202f; non atteinte]'
    >>> delai_fr(10.0, float("nan"), float("nan"))
    '10 j [intervalle non calculable]'
    """
    non_atteinte = "non atteinte"
    texte = non_atteinte if _manquant(mediane) else f"{nombre_fr(mediane, decimales)} {unite}"
    if _manquant(bas) and _manquant(haut):
        return f"{texte} [intervalle non calculable]"
    b = VALEUR_MANQUANTE if _manquant(bas) else nombre_fr(bas, decimales)
    h = non_atteinte if _manquant(haut) or math.isinf(haut) else nombre_fr(haut, decimales)
    return f"{texte} [{b}{ESPACE_FINE}; {h}]"


def aujourd_hui_fr() -> str:
    """Date du jour en toutes lettres.

    >>> len(aujourd_hui_fr()) > 8
    True
    """
    return date_fr(_dt.date.today())


def couper_texte(texte: str, longueur: int) -> str:
    """Texte plafonné à ``longueur`` caractères, coupé entre deux mots et terminé par « … ».

    >>> couper_texte("Accueil très aimable, réponse claire et rapide.", 25)
    'Accueil très aimable…'
    >>> couper_texte("Court.", 25)
    'Court.'
    """
    if len(texte) <= longueur:
        return texte
    coupe = texte[: longueur - 1]  # place pour « … »
    if not texte[longueur - 1].isspace() and " " in coupe:
        coupe = coupe.rsplit(" ", 1)[0]  # pas de mot coupé en deux
    return coupe.rstrip(" ,;:") + "…"


class BlocHTML:
    """Fragment HTML affichable dans un notebook (et repris tel quel dans le PDF).

    >>> BlocHTML("<p>Bonjour</p>")._repr_html_()
    '<p>Bonjour</p>'
    """

    def __init__(self, contenu: str):
        self.contenu = contenu

    def _repr_html_(self) -> str:
        return self.contenu

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        """Représentation Typst (``text/x-typst``) à côté du HTML : celle du PDF.

        >>> BlocHTML("<p>50 %</p>")._repr_mimebundle_()["text/x-typst"].strip()
        '50 %'
        """
        from analyse.balisage_typst import MIME_TYPST, html_vers_typst

        return {MIME_TYPST: html_vers_typst(self.contenu)}

    def __html__(self) -> str:
        """Fragment déjà HTML : inséré tel quel (sans échappement) dans un gabarit Jinja2."""
        return self.contenu

    def __str__(self) -> str:
        return self.contenu

    def __repr__(self) -> str:  # pragma: no cover - affichage console
        return f"BlocHTML({len(self.contenu)} caractères)"


_INTERVALLE_TEXTE = re.compile(r"^\[[^\]]+[ \u202f\u00a0]; [^\]]+\]$")
# Nombre écrit, signé ou non (« +7,6 », « −3,3 », « -1,0 »), éventuellement suivi de « % ».
_NOMBRE_TEXTE = re.compile(r"^[+\-\u2212]?[\d\u202f\u00a0]+(,\d+)?([\u202f\u00a0 ]?%)?$")


def cellule_fr(valeur, decimales: int = 1) -> tuple[str, bool]:
    """Texte français (non échappé) d'une cellule de tableau et vrai si elle est numérique.

    Entiers sans décimale, décimaux à ``decimales`` chiffres, booléens « oui » / « non »,
    dates en toutes lettres ; un intervalle écrit ne se coupe pas (espaces insécables).

    >>> cellule_fr(68.46), cellule_fr(True), cellule_fr("[1,0 ; 2,0]"), cellule_fr("+7,6")[1]
    (('68,5', True), ('oui', False), ('[1,0\u202f;\xa02,0]', False), True)
    """
    if _manquant(valeur):
        return VALEUR_MANQUANTE, False
    if isinstance(valeur, (bool,)) or type(valeur).__name__ == "bool_":
        return ("oui" if valeur else "non"), False
    if isinstance(valeur, (int,)) or (hasattr(valeur, "dtype") and valeur.dtype.kind in "iu"):
        return nombre_fr(valeur, 0), True
    if isinstance(valeur, float) or (hasattr(valeur, "dtype") and valeur.dtype.kind == "f"):
        return nombre_fr(valeur, decimales), True
    if isinstance(valeur, (_dt.date, pd.Timestamp)):
        return date_fr(valeur), False
    texte = str(valeur)
    if _NOMBRE_TEXTE.match(texte):
        return typographie_fr(texte), True
    if _INTERVALLE_TEXTE.match(texte):
        return typographie_fr(texte).replace(" ", ESPACE_INSECABLE), False
    return typographie_fr(texte), False


# Injection de formules (OWASP « CSV Injection ») : un tableur exécute une cellule texte qui
# commence par l'un de ces caractères ; on la préfixe d'une apostrophe. Les nombres écrits
# (« -3,3 », « +7,6 », « 1 234,5 », « -2 % ») ne sont pas des formules et restent tels quels.
DEBUTS_DE_FORMULE = ("=", "+", "-", "@", "\t", "\r")
_NOMBRE_ECRIT = re.compile(r"[+-]?\d{1,3}(?:[ \u00a0\u202f]?\d{3})*(?:\d+)?(?:[.,]\d+)?(?:[ \u00a0\u202f]?%)?")


def neutraliser_formule(valeur):
    """Cellule de CSV sans formule exécutable : un texte qui commence par ``=``, ``+``, ``-``,
    ``@``, une tabulation ou un retour chariot est préfixé d'une apostrophe, sauf s'il écrit
    un nombre. Les valeurs non textuelles sont rendues telles quelles.

    >>> neutraliser_formule("=SOMME(A1:A9)"), neutraliser_formule("-3,3"), neutraliser_formule(-2)
    ("'=SOMME(A1:A9)", '-3,3', -2)
    """
    if not isinstance(valeur, str) or not valeur.startswith(DEBUTS_DE_FORMULE):
        return valeur
    return valeur if _NOMBRE_ECRIT.fullmatch(valeur) else "'" + valeur


def neutraliser_formules(df: pd.DataFrame) -> pd.DataFrame:
    """Copie d'un tableau dont les cellules et les en-têtes texte ne peuvent plus être pris
    pour des formules par un tableur (``neutraliser_formule``).

    >>> neutraliser_formules(pd.DataFrame({"nom": ["@SUM(A1)", "Brest"], "ecart": [-2.5, 1.0]})).to_dict("list")
    {'nom': ["'@SUM(A1)", 'Brest'], 'ecart': [-2.5, 1.0]}
    """
    sortie = df.rename(columns=lambda c: neutraliser_formule(c) if isinstance(c, str) else c)
    for position in range(sortie.shape[1]):
        serie = sortie.iloc[:, position]
        if serie.dtype == object or pd.api.types.is_string_dtype(serie.dtype):
            sortie.isetitem(position, serie.map(neutraliser_formule, na_action="ignore"))
    return sortie


def ecrire_csv(df: pd.DataFrame, dossier: Path | str, nom: str) -> Path:
    """Écrit un tableau CSV pour Excel français (``;``, virgule décimale, UTF-8 avec BOM, fins
    de ligne CRLF : une cellule qui contient un retour chariot est ainsi mise entre guillemets).

    Décimales arrondies à 4 chiffres ; booléens écrits « oui » / « non » ; cellules texte
    neutralisées contre l'injection de formules (``neutraliser_formule``).

    >>> import tempfile
    >>> chemin = ecrire_csv(pd.DataFrame({"score": [68.5]}), tempfile.mkdtemp(), "essai")
    >>> chemin.read_bytes()[:3] == b"\\xef\\xbb\\xbf"
    True
    """
    dossier = Path(dossier)
    dossier.mkdir(parents=True, exist_ok=True)
    chemin = dossier / f"{nom}.csv"
    sortie = df.copy()
    for colonne in sortie.columns:
        if sortie[colonne].dtype == bool:
            sortie[colonne] = sortie[colonne].map({True: "oui", False: "non"})
    sortie = neutraliser_formules(sortie)
    sortie.to_csv(
        chemin, sep=";", decimal=",", index=False, encoding="utf-8-sig", float_format="%.4f", lineterminator="\r\n"
    )
    return chemin


# Contrôles bidirectionnels (Unicode « Bidi_Control ») : invisibles, ils retournent l'ordre
# d'affichage d'un titre, d'un signet ou d'un nom de fichier (« rapport‮fdp.exe »).
CONTROLES_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_TABLE_SANS_BIDI = dict.fromkeys(map(ord, CONTROLES_BIDI))


def retirer_controles_bidi(texte: str) -> str:
    """Texte sans caractère de contrôle bidirectionnel (U+202A–202E, U+2066–2069, U+200E,
    U+200F, U+061C), à appliquer aux titres, signets et noms de fichiers.

    >>> retirer_controles_bidi("Rapport \u202eFDP.exe")
    'Rapport FDP.exe'
    """
    return str(texte).translate(_TABLE_SANS_BIDI)
