"""Balisage Typst : échappement et traduction du sous-ensemble HTML des rapports.

Les sections des rapports sont des fragments HTML issus des gabarits Jinja2
(``analyse/gabarits/*.html.j2``) ; leur représentation Typst (type MIME ``text/x-typst``,
voir ``formatage.BlocHTML``) en est la traduction par ``html_vers_typst``. Le sous-ensemble
de balises est fermé (``BALISES_TRADUITES``, ``CLASSES_TRADUITES``) : un test énumère les
balises et classes des gabarits et vérifie qu'elles y figurent. Les tableaux d'un DataFrame
pandas (``to_html``) passent par la même traduction.

Les fonctions Typst appelées (``tableau``, ``graphique``, ``classe``, ``entete-ligne``) sont
définies par le gabarit du document (``gabarits_typst/analyse/index.typ.j2``). Une image
embarquée reste un URI ``data:`` dans le texte Typst ; ``extraire_fichiers`` en fait des
fichiers avant la compilation.

Chaque tableau transmet aussi à ``tableau`` la forme de son corps (``lignes-corps`` : en-têtes
de ligne, relus après la compilation par ``rapports.balisage_pdf``) et, par colonne, ses plus
longs textes et morceaux insécables (``mesures`` : Typst en tire des largeurs de colonnes qui
ne font jamais déborder un texte sur la colonne voisine). Un intervalle « [bas ; haut] » et son
estimation sont insécables (``intervalles_insecables``).
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

MIME_TYPST = "text/x-typst"

# Caractères qui ont un sens en balisage Typst : échappés par une barre oblique inverse.
_SPECIAUX = set('\\#*_`$@<>[]~/=-+"')
BALISES_VIDES = {"img", "br", "hr", "meta", "input", "link", "col", "wbr"}
BALISES_IGNOREES = {"style", "script", "head", "title", "meta", "link", "colgroup", "col"}
BALISES_TRANSPARENTES = {"html", "body", "main", "section", "nav", "article", "header", "footer", "span", "div"}
BALISES_EN_LIGNE = {"strong", "b", "em", "i", "code", "q", "a", "br", "sup", "sub", "small", "abbr", "wbr"}
BALISES_BLOC = {
    "p",
    "ul",
    "ol",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "caption",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "figure",
    "figcaption",
    "img",
    "blockquote",
    "pre",
    "hr",
}
BALISES_TRADUITES = BALISES_TRANSPARENTES | BALISES_EN_LIGNE | BALISES_BLOC | BALISES_IGNOREES
# Classes qui changent la mise en page Typst (fonction ``classe`` du gabarit) ; les autres
# classes des gabarits (``CLASSES_SANS_EFFET``) ne servent qu'à l'écran ou sont lues ici par balise.
CLASSES_TRADUITES = {
    "note",
    "source",
    "avertissement",
    "synthese",
    "citations",
    "extraits",
    "donnees",
    "donnees-csv",
    "empreinte",
    "mention-demo",
    "provenance",
    "url",
}
CLASSES_SANS_EFFET = {
    "tableau",
    "graphique",
    "nombre",
    "dataframe",
    "couverture",
    "organisme",
    "sous-titre",
    "date",
    "sommaire",
    "titre-sommaire",
    "contenu",
}


def echapper(texte: str) -> str:
    r"""Texte brut en balisage Typst : chaque caractère spécial est échappé.

    >>> echapper("Score #1 : 50 % (a*b) [x] 1/2 -- <ok>")
    'Score \\#1 : 50 % (a\\*b) \\[x\\] 1\\/2 \\-\\- \\<ok\\>'
    """
    return "".join("\\" + c if c in _SPECIAUX else c for c in texte)


def chaine(texte: str) -> str:
    r"""Littéral de chaîne Typst (guillemets compris).

    >>> chaine('Il dit "oui"\n')
    '"Il dit \\"oui\\"\\n"'
    """
    corps = texte.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "").replace("\t", " ")
    return f'"{corps}"'


def contenu(texte_typst: str) -> str:
    """Bloc de contenu Typst ``[…]`` autour d'un balisage déjà traduit.

    >>> contenu("a")
    '[a]'
    """
    return f"[{texte_typst}]"


# --------------------------------------------------------------------------- arbre HTML


@dataclass
class Noeud:
    """Élément HTML lu : balise, attributs, enfants (nœuds ou textes)."""

    balise: str
    attributs: dict = field(default_factory=dict)
    enfants: list = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set((self.attributs.get("class") or "").split())


class _Lecteur(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.racine = Noeud("racine")
        self._pile = [self.racine]

    def handle_starttag(self, balise, attributs):
        noeud = Noeud(balise, {k: (v if v is not None else "") for k, v in attributs})
        self._pile[-1].enfants.append(noeud)
        if balise not in BALISES_VIDES:
            self._pile.append(noeud)

    def handle_startendtag(self, balise, attributs):
        self._pile[-1].enfants.append(Noeud(balise, {k: (v if v is not None else "") for k, v in attributs}))

    def handle_endtag(self, balise):
        for i in range(len(self._pile) - 1, 0, -1):  # tolère une balise non fermée
            if self._pile[i].balise == balise:
                del self._pile[i:]
                return

    def handle_data(self, texte):
        self._pile[-1].enfants.append(texte)


def lire_html(fragment: str) -> Noeud:
    """Arbre d'un fragment HTML.

    >>> lire_html("<p>a<br>b</p>").enfants[0].enfants
    ['a', Noeud(balise='br', attributs={}, enfants=[]), 'b']
    """
    lecteur = _Lecteur()
    lecteur.feed(fragment)
    lecteur.close()
    return lecteur.racine


def texte_brut(noeud) -> str:
    """Texte d'un nœud, espaces regroupées.

    >>> texte_brut(lire_html("<p>a <b>b</b>\\n c</p>"))
    'a b c'
    """
    if isinstance(noeud, str):
        return " ".join(noeud.split())
    morceaux = []
    _textes(noeud, morceaux)
    return " ".join("".join(morceaux).split())


def _textes(noeud, morceaux: list) -> None:
    for enfant in noeud.enfants:
        if isinstance(enfant, str):
            morceaux.append(enfant)
        elif enfant.balise not in BALISES_IGNOREES:
            _textes(enfant, morceaux)


# --------------------------------------------------------------------------- en ligne

# Intervalle écrit « [bas ; haut] » (formatage.intervalle_fr), précédé ou non de son estimation
# (« +3,5 [-13,7 ; 20,7] », colonne « Écart » des fiches) : les espaces ordinaires y sont les
# seuls endroits où Typst pourrait couper la ligne (l'espace fine avant « ; » est insécable).
_INTERVALLE = re.compile(r"(?:[+\-−]?\d[\d\u202f,.]*\s)?\[[^\[\];]{1,30};[^\[\];]{1,30}\]")


def intervalles_insecables(texte: str) -> str:
    """Espaces insécables dans chaque intervalle « [bas ; haut] » et entre l'estimation et son
    intervalle : l'ensemble ne se coupe pas en fin de ligne.

    >>> intervalles_insecables("écart +3,5 [-13,7\\u202f; 20,7] (non établi)")
    'écart +3,5\\xa0[-13,7\\u202f;\\xa020,7] (non établi)'
    >>> intervalles_insecables("score [58,7\\u202f; 74,6] ; note [a] et [b ; c]")
    'score [58,7\\u202f;\\xa074,6] ; note [a] et [b\\xa0;\\xa0c]'
    """
    return _INTERVALLE.sub(lambda m: m[0].replace(" ", "\u00a0"), texte)


def _texte(texte: str) -> str:
    """Texte d'un nœud en balisage Typst : espaces regroupées, intervalles insécables, échappé."""
    return echapper(intervalles_insecables(re.sub(r"\s+", " ", texte)))


def _en_ligne(noeud) -> str:
    """Balisage Typst du contenu en ligne d'un nœud (espaces regroupées)."""
    morceaux = []
    for enfant in noeud.enfants:
        if isinstance(enfant, str):
            morceaux.append(_texte(enfant))
        else:
            morceaux.append(_element_en_ligne(enfant))
    return "".join(morceaux)


def _element_en_ligne(n: Noeud) -> str:
    if n.balise in BALISES_IGNOREES:
        return ""
    interieur = _en_ligne(n) if n.balise not in ("br", "img") else ""
    if n.balise in ("strong", "b"):
        return f"#strong[{interieur}]"
    if n.balise in ("em", "i"):
        return f"#emph[{interieur}]"
    if n.balise == "code":
        return f"#raw({chaine(texte_brut(n))})"
    if n.balise == "q":
        return f"#quote[{interieur}]"
    if n.balise == "br":
        return "#linebreak()"
    if n.balise == "sup":
        return f"#super[{interieur}]"
    if n.balise == "sub":
        return f"#sub[{interieur}]"
    if n.balise == "a":
        return _lien(n, interieur)
    if n.balise == "img":
        return _image(n)
    if n.balise == "span" and n.classes & CLASSES_TRADUITES:
        return f"#classe({chaine(sorted(n.classes & CLASSES_TRADUITES)[0])})[{interieur}]"
    if n.balise in BALISES_BLOC:  # bloc placé en ligne (cellule de tableau, élément de liste)
        return _bloc(n).strip()
    return interieur


def _lien(n: Noeud, interieur: str) -> str:
    cible = n.attributs.get("href", "")
    if "donnees-csv" in n.classes:  # données d'un graphique : pièce jointe du PDF (voir rendu)
        nom = n.attributs.get("download", "")
        return f'#classe("donnees-csv")[{echapper(f"Données du graphique : pièce jointe « {nom} » de ce PDF.")}]'
    if not cible or cible.startswith(("#", "data:")):
        return interieur
    lien = f"#link({chaine(cible)})[{interieur}]"
    return f'#classe("url")[{lien}]' if "url" in n.classes else lien


def _image(n: Noeud, largeur: str | None = None) -> str:
    source = n.attributs.get("src", "")
    if not source.startswith("data:image/"):
        return echapper(n.attributs.get("alt", ""))  # image externe : son texte seul
    options = f", width: {largeur}" if largeur else ""
    return f"#image({chaine(source)}, alt: {chaine(' '.join(n.attributs.get('alt', '').split()))}{options})"


# --------------------------------------------------------------------------- blocs


def _blocs(noeud) -> str:
    """Balisage des enfants d'un nœud : les textes et éléments en ligne consécutifs font un paragraphe."""
    morceaux, ligne = [], []

    def _vider():
        texte = "".join(ligne).strip()
        if texte:
            morceaux.append(texte + "\n\n")
        ligne.clear()

    for enfant in noeud.enfants:
        if isinstance(enfant, str):
            ligne.append(_texte(enfant))
        elif enfant.balise in BALISES_EN_LIGNE or (enfant.balise == "span" and not enfant.classes & {"bloc"}):
            ligne.append(_element_en_ligne(enfant))
        else:
            _vider()
            morceaux.append(_bloc(enfant))
    _vider()
    return "".join(morceaux)


def _bloc(n: Noeud) -> str:
    if n.balise in BALISES_IGNOREES:
        return ""
    traduction = _TRADUCTIONS_BLOC.get(n.balise)
    if traduction is not None:
        return traduction(n)
    interieur = _blocs(n)
    classes = sorted(n.classes & CLASSES_TRADUITES)
    if classes and interieur.strip():
        return f"#classe({chaine(classes[0])})[\n{interieur}]\n\n"
    return interieur


def _paragraphe(n: Noeud) -> str:
    texte = _en_ligne(n).strip()
    if not texte:
        return ""
    classes = sorted(n.classes & CLASSES_TRADUITES)
    if classes:
        return f"#classe({chaine(classes[0])})[{texte}]\n\n"
    return texte + "\n\n"


def _titre(n: Noeud) -> str:
    # Contrôles bidirectionnels : retirés de tout le source par rendu.notebook_vers_typst.
    # h1 et h2 du corps : niveau 1 (le titre du document est sur la couverture), h3 : 2…
    niveau = max(1, int(n.balise[1]) - 1)
    return f"#heading(level: {niveau})[{_en_ligne(n).strip()}]\n\n"


def _liste(n: Noeud) -> str:
    elements = [c for c in n.enfants if isinstance(c, Noeud) and c.balise == "li"]
    if not elements:
        return ""
    fonction = "enum" if n.balise == "ol" else "list"
    return f"#{fonction}(\n" + "".join(f"  [{_blocs(e).strip()}],\n" for e in elements) + ")\n\n"


def _figure(n: Noeud) -> str:
    images = _trouver(n, "img")
    legendes = _trouver(n, "figcaption")
    if not images:
        return _blocs(n)
    legende = f"[{_en_ligne(legendes[0]).strip()}]" if legendes else "none"
    donnees = [c for c in _trouver(n, "p") if "donnees" in c.classes]
    suite = f"[{_en_ligne(donnees[0]).strip()}]" if donnees else "none"
    return f"#graphique({_image(images[0], '100%')[1:]}, legende: {legende}, donnees: {suite})\n\n"


def _trouver(n: Noeud, balise: str) -> list[Noeud]:
    trouves = []
    for enfant in n.enfants:
        if isinstance(enfant, Noeud):
            if enfant.balise == balise:
                trouves.append(enfant)
            elif enfant.balise != "table":
                trouves.extend(_trouver(enfant, balise))
    return trouves


def _bloc_brut(n: Noeud) -> str:
    return f"#raw(block: true, {chaine(''.join(_textes_bruts(n)))})\n\n"


def _textes_bruts(n) -> list[str]:
    morceaux = []
    _textes(n, morceaux)
    return morceaux


def _citation(n: Noeud) -> str:
    return f"#quote(block: true)[\n{_blocs(n)}]\n\n"


# --------------------------------------------------------------------------- tableaux


def _lignes(n: Noeud) -> list[tuple[Noeud, bool]]:
    """Lignes ``tr`` du tableau (sans tableau imbriqué) et vrai si elles sont dans ``thead``."""
    lignes = []
    for enfant in n.enfants:
        if not isinstance(enfant, Noeud):
            continue
        if enfant.balise == "tr":
            lignes.append((enfant, False))
        elif enfant.balise in ("thead", "tbody", "tfoot"):
            lignes += [
                (tr, enfant.balise == "thead") for tr in enfant.enfants if isinstance(tr, Noeud) and tr.balise == "tr"
            ]
    return lignes


def _cellule(c: Noeud, dans_entete: bool) -> str:
    options = []
    for attribut, nom in (("colspan", "colspan"), ("rowspan", "rowspan")):
        valeur = c.attributs.get(attribut, "1")
        if valeur.isdigit() and int(valeur) > 1:
            options.append(f"{nom}: {int(valeur)}")
    if "nombre" in c.classes:
        options.append("align: right")
    interieur = _en_ligne(c).strip()
    if c.balise == "th" and not dans_entete:
        interieur = f"#entete-ligne[{interieur}]"  # en-tête de ligne : TH /Row posé par rapports.balisage_pdf
    return f"table.cell({', '.join(options)})[{interieur}]" if options else f"[{interieur}]"


def _largeur(cellules: list[Noeud]) -> int:
    return sum(
        int(c.attributs.get("colspan", "1")) if c.attributs.get("colspan", "1").isdigit() else 1 for c in cellules
    )


# Où Typst peut couper un texte de cellule : espace ordinaire (pas les insécables), et après un
# trait d'union suivi d'une lettre (« Saint-Malo », mais pas « -0,2 »).
_COUPURE = re.compile(r"[ \t\n]+|(?<=[-‐])(?=[^\d\s])")


def _extremes(textes: list[str]) -> tuple[str, str]:
    """Plus long morceau insécable et plus long texte d'une colonne (largeurs minimale et naturelle)."""
    morceaux = [m for t in textes for m in _COUPURE.split(t) if m]
    return max(morceaux, key=len, default=""), max(textes, key=len, default="")


def _mesures(lignes: list[tuple[Noeud, bool]], colonnes: int) -> str:
    """Textes à mesurer par colonne, pour que Typst ne donne jamais à une colonne moins que son
    plus long morceau insécable (il partage sinon la place sans le savoir, et le texte déborde
    sur la colonne voisine) : (mot, texte) les plus longs de l'en-tête, puis du corps.
    Les cellules sur plusieurs colonnes ne comptent pas ; les ``rowspan`` décalent les suivantes."""
    textes = [([], []) for _ in range(colonnes)]
    reste: dict[int, int] = {}
    for tr, dans_entete in lignes:
        occupees = {x for x, r in reste.items() if r > 0}
        x = 0
        for c in (c for c in tr.enfants if isinstance(c, Noeud) and c.balise in ("th", "td")):
            while x in occupees:
                x += 1
            etendue = [
                int(c.attributs.get(a, "1")) if c.attributs.get(a, "1").isdigit() else 1 for a in ("colspan", "rowspan")
            ]
            if etendue[0] == 1 and x < colonnes:
                textes[x][0 if dans_entete else 1].append(intervalles_insecables(texte_brut(c)))
            for k in range(etendue[0]):
                if etendue[1] > 1:
                    reste[x + k] = etendue[1]
            x += max(1, etendue[0])
        for x in occupees:
            reste[x] -= 1
    return (
        "("
        + "".join(
            "(" + ", ".join(chaine(t) for t in (*_extremes(entete), *_extremes(corps))) + "), "
            for entete, corps in textes
        )
        + ")"
    )


def _tableau(n: Noeud) -> str:
    lignes = _lignes(n)
    if not lignes:
        return ""
    if not any(entete for _, entete in lignes):  # sans thead : les premières lignes tout en th
        nouvelles, debut = [], True
        for tr, _ in lignes:
            cellules = [c for c in tr.enfants if isinstance(c, Noeud) and c.balise in ("th", "td")]
            debut = debut and bool(cellules) and all(c.balise == "th" for c in cellules)
            nouvelles.append((tr, debut))
        lignes = nouvelles
    entete, corps, colonnes, forme = [], [], 1, []
    for tr, dans_entete in lignes:
        cellules = [c for c in tr.enfants if isinstance(c, Noeud) and c.balise in ("th", "td")]
        colonnes = max(colonnes, _largeur(cellules))
        (entete if dans_entete else corps).extend(_cellule(c, dans_entete) for c in cellules)
        if not dans_entete:
            forme.append("".join("H" if c.balise == "th" else "D" for c in cellules))
    legendes = [c for c in n.enfants if isinstance(c, Noeud) and c.balise == "caption"]
    legende = f"[{_en_ligne(legendes[0]).strip()}]" if legendes else "none"
    # Forme du corps (une ligne par « tr », H : en-tête de ligne, D : donnée), relue après la
    # compilation par rapports.balisage_pdf : Typst ne sait pas baliser un en-tête de ligne.
    lignes_corps = f"lignes-corps: {chaine(' '.join(forme))}, " if any("H" in f for f in forme) else ""
    return (
        f"#tableau({lignes_corps}legende: {legende}, colonnes: {colonnes}, mesures: {_mesures(lignes, colonnes)},\n"
        f"  entete: ({''.join(e + ', ' for e in entete)}),\n"
        f"  corps: ({''.join(c + ', ' for c in corps)}),\n)\n\n"
    )


_TRADUCTIONS_BLOC = {
    "p": _paragraphe,
    **{f"h{i}": _titre for i in range(1, 7)},
    "ul": _liste,
    "ol": _liste,
    "table": _tableau,
    "figure": _figure,
    "img": lambda n: _image(n, "100%") + "\n\n",
    "pre": _bloc_brut,
    "blockquote": _citation,
    "hr": lambda n: "#line(length: 100%)\n\n",
}


def html_vers_typst(fragment: str) -> str:
    """Balisage Typst d'un fragment HTML du sous-ensemble des rapports (ou d'un DataFrame).

    >>> print(html_vers_typst('<h2>Score</h2><p class="note">Lu <strong>50 %</strong></p>').strip())
    #heading(level: 1)[Score]
    <BLANKLINE>
    #classe("note")[Lu #strong[50 %]]
    >>> "#tableau(legende: [Scores]" in html_vers_typst(
    ...     '<table><caption>Scores</caption><tr><th scope="col">A</th></tr><tr><td>1</td></tr></table>')
    True
    """
    return _blocs(lire_html(fragment))


# --------------------------------------------------------------------------- fichiers embarqués

_URI_DONNEES = re.compile(
    r'"data:(?P<type>[a-z]+/[a-z0-9.+-]+)(?:;[a-z-]+=[^;,"]*)*;base64,(?P<code>[A-Za-z0-9+/=\s]*)"'
)
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/svg+xml": "svg", "image/gif": "gif", "text/csv": "csv"}


def extraire_fichiers(source: str, dossier: str = "fichiers") -> tuple[str, dict[str, bytes]]:
    """Remplace chaque URI ``data:…;base64`` d'un texte Typst par un chemin de fichier ; renvoie les fichiers.

    Le nom vient de l'empreinte du contenu : même document, mêmes noms.

    >>> texte, fichiers = extraire_fichiers('#image("data:image/png;base64,iVBO", alt: "x")')
    >>> texte, list(fichiers.values())
    ('#image("/fichiers/449ba17f2a44989a.png", alt: "x")', [b'\\x89PN'])
    """
    fichiers = {}

    def _remplacer(m):
        octets = base64.b64decode("".join(m["code"].split()))
        nom = f"{dossier}/{hashlib.sha256(octets).hexdigest()[:16]}.{_EXTENSIONS.get(m['type'], 'bin')}"
        fichiers[nom] = octets
        return chaine("/" + nom)

    return _URI_DONNEES.sub(_remplacer, source), fichiers
