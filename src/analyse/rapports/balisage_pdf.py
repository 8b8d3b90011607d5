"""Retouches du balisage d'un PDF Typst : en-têtes de ligne (``TH /Scope /Row``), ``/MarkInfo``.

Typst 0.15 balise en ``TH /Scope /Column`` les cellules de ``table.header`` mais ne sait pas
baliser un en-tête de ligne sans sa fonction expérimentale ``a11y-extras``, que la liaison
Python ``typst`` n'active pas : le ``<th scope="row">`` du HTML devient un ``TD``. La
traduction Typst des tableaux (``balisage_typst._tableau``) écrit donc la forme du corps de
chaque tableau (argument ``lignes-corps`` : une ligne par ``tr``, ``H`` en-tête de ligne,
``D`` donnée) ; ``plan_des_tableaux`` la relit dans le source, et ``baliser_entetes_ligne``
transforme en ``TH`` de portée ``/Row`` les cellules ``H`` — et elles seules — du n-ième
``Table`` de l'arbre de structure (Typst garde l'ordre des tableaux du source). Chaque
en-tête de ligne reçoit un identifiant (``/ID``, inscrit dans ``/IDTree``) que les cellules
à sa droite citent dans leurs ``/Headers``, à côté des en-têtes de colonne posés par Typst.

Si la forme lue dans le PDF (nombre de tableaux, de lignes, de cellules par ligne) n'est pas
celle du source, le tableau n'est pas touché et un avertissement le dit.

``retoucher_pdf`` applique ces retouches et enregistre sans recompresser les flux, avec un
identifiant de fichier tiré du contenu : même source, mêmes octets. Il retire aussi
``/Suspects false`` de ``/MarkInfo`` (valeur par défaut ; poppler la prend pour une erreur,
« Suspects object is wrong type (boolean) »). Les métadonnées XMP (``pdfuaid``) ne sont pas
touchées.
"""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

_JOURNAL = logging.getLogger(__name__)

# Appel de la fonction ``tableau`` du style maison, hors texte échappé (``\#tableau``).
_ELEMENTS_MAX = 1_000_000  # garde-fou contre un arbre de structure démesuré ou cyclique
_APPEL_TABLEAU = re.compile(r'(?<!\\)#tableau\((?:lignes-corps: "(?P<forme>[HD ]*)")?')


def plan_des_tableaux(source: str) -> list[list[str] | None]:
    """Forme du corps de chaque tableau du source Typst, dans l'ordre (``None`` : pas d'en-tête de ligne).

    >>> plan_des_tableaux('#tableau(lignes-corps: "HDD HDD", legende: none)\\n\\\\#tableau(\\n#tableau(legende: none)')
    [['HDD', 'HDD'], None]
    """
    return [m["forme"].split(" ") if m["forme"] is not None else None for m in _APPEL_TABLEAU.finditer(source)]


# --------------------------------------------------------------------------- arbre de structure


def _type(element) -> str:
    return str(element.get("/S", ""))


def _enfants(element) -> list:
    import pikepdf

    k = element.get("/K")
    noeuds = list(k) if isinstance(k, pikepdf.Array) else [k]
    return [n for n in noeuds if isinstance(n, pikepdf.Dictionary) and "/S" in n]


def tableaux(pdf) -> list:
    """Éléments ``Table`` de l'arbre de structure, dans l'ordre du document (parcours en profondeur).

    Le parcours ne descend pas dans un tableau (les rapports n'en imbriquent pas ; un tableau
    imbriqué manquerait au compte, et ``baliser_entetes_ligne`` ne toucherait alors à rien).
    """
    import pikepdf

    trouves, vus, pile = [], set(), [pdf.Root.StructTreeRoot.get("/K")]
    while pile:
        noeud = pile.pop()
        if isinstance(noeud, pikepdf.Array):
            pile.extend(reversed(noeud))
            continue
        if not isinstance(noeud, pikepdf.Dictionary) or len(vus) > _ELEMENTS_MAX:
            continue
        if noeud.is_indirect:
            if noeud.objgen in vus:
                continue
            vus.add(noeud.objgen)
        if noeud.get("/S") == pikepdf.Name.Table:
            trouves.append(noeud)
        elif "/K" in noeud:
            pile.append(noeud.K)
    return trouves


def lignes_du_corps(tableau) -> list:
    """Lignes ``TR`` du corps d'un tableau (``TBody``, ``TFoot`` ou ``TR`` directs), dans l'ordre."""
    lignes = []
    for enfant in _enfants(tableau):
        if _type(enfant) == "/TR":
            lignes.append(enfant)
        elif _type(enfant) in ("/TBody", "/TFoot"):
            lignes += [tr for tr in _enfants(enfant) if _type(tr) == "/TR"]
    return lignes


def _cellules(ligne) -> list:
    return [c for c in _enfants(ligne) if _type(c) in ("/TD", "/TH")]


def _ecart_de_forme(lignes: list[list], forme: list[str]) -> str | None:
    """Description de la première différence entre les lignes du PDF (leurs cellules) et la forme du source."""
    if len(lignes) != len(forme):
        return f"{len(lignes)} ligne(s) dans le PDF, {len(forme)} dans le source"
    for numero, (cellules, attendu) in enumerate(zip(lignes, forme), start=1):
        if len(cellules) != len(attendu):
            return f"ligne {numero} : {len(cellules)} cellule(s) dans le PDF, {len(attendu)} dans le source"
        if any(_type(c) != "/TD" for c, code in zip(cellules, attendu) if code == "H"):
            return f"ligne {numero} : en-tête de ligne déjà balisé autrement qu'en TD"
    return None


def _attribut_tableau(pdf, cellule):
    """Dictionnaire d'attributs ``/O /Table`` de la cellule (créé s'il manque)."""
    import pikepdf

    attributs = cellule.get("/A")
    liste = [] if attributs is None else list(attributs) if isinstance(attributs, pikepdf.Array) else [attributs]
    for attribut in liste:
        if isinstance(attribut, pikepdf.Dictionary) and attribut.get("/O") == pikepdf.Name.Table:
            return attribut
    attribut = pikepdf.Dictionary(O=pikepdf.Name.Table)
    cellule.A = pikepdf.Array([*liste, attribut])
    return cellule.A[len(liste)]


def _etendue(attribut) -> int:
    valeur = attribut.get("/RowSpan", 1)
    return max(1, int(valeur)) if isinstance(valeur, int) or str(valeur).isdigit() else 1


def _baliser_tableau(pdf, lignes: list[list], forme: list[str], numero: int, identifiants) -> int:
    """Cellules ``H`` en ``TH /Scope /Row`` (avec ``/ID``), citées dans les ``/Headers`` à leur droite."""
    import pikepdf

    poses = 0
    for i, (cellules, codes) in enumerate(zip(lignes, forme)):
        for j, (cellule, code) in enumerate(zip(cellules, codes)):
            if code != "H":
                continue
            attribut = _attribut_tableau(pdf, cellule)
            cellule.S = pikepdf.Name.TH
            attribut.Scope = pikepdf.Name.Row
            ident = pikepdf.String(f"Analyse-T{numero}-L{i + 1}-C{j + 1}")
            if cellule.is_indirect:  # seul un objet indirect peut figurer dans /IDTree
                cellule.ID = ident
                identifiants[str(ident)] = cellule
            poses += 1
            couvertes = [cellules[j + 1 :]] + lignes[i + 1 : i + _etendue(attribut)]
            for autre in (c for rangee in couvertes for c in rangee):
                entetes = _attribut_tableau(pdf, autre)
                if isinstance(entetes.get("/Headers"), pikepdf.Array):
                    entetes.Headers.append(ident)
                else:
                    entetes.Headers = pikepdf.Array([ident])
    return poses


def baliser_entetes_ligne(pdf, plan: list[list[str] | None], nom: str = "PDF") -> int:
    """Balise en ``TH /Scope /Row`` les en-têtes de ligne du plan (``plan_des_tableaux``) ; renvoie leur nombre.

    Rien n'est touché si le PDF n'a pas autant de tableaux que le source ; un tableau dont la
    forme diffère du plan reste tel quel. Dans les deux cas, un avertissement le dit.
    """

    racine = pdf.Root.get("/StructTreeRoot")
    if racine is None or not any(plan):
        return 0
    elements = tableaux(pdf)
    if len(elements) != len(plan):
        _JOURNAL.warning(
            "%s : %d tableau(x) dans le PDF, %d dans le source ; en-têtes de ligne non balisés.",
            nom,
            len(elements),
            len(plan),
        )
        return 0
    identifiants, poses = {}, 0
    for numero, (tableau, forme) in enumerate(zip(elements, plan), start=1):
        if forme is None:
            continue
        lignes = [_cellules(ligne) for ligne in lignes_du_corps(tableau)]
        ecart = _ecart_de_forme(lignes, forme)
        if ecart is not None:
            _JOURNAL.warning("%s, tableau %d : %s ; en-têtes de ligne non balisés.", nom, numero, ecart)
            continue
        poses += _baliser_tableau(pdf, lignes, forme, numero, identifiants)
    _inscrire_identifiants(pdf, racine, identifiants)
    return poses


def _inscrire_identifiants(pdf, racine, identifiants: dict) -> None:
    """Ajoute les identifiants à ``/IDTree`` : d'un bloc si l'arbre est une seule feuille ``/Names``
    (celui de Typst ; insérer un à un coûte 0,1 ms chacun), sinon par ``pikepdf.NameTree``."""
    import pikepdf

    if not identifiants:
        return
    if "/IDTree" not in racine:
        racine.IDTree = pdf.make_indirect(pikepdf.Dictionary(Names=pikepdf.Array()))
    arbre = racine.IDTree
    if "/Kids" in arbre or not isinstance(arbre.get("/Names"), pikepdf.Array):
        noms = pikepdf.NameTree(arbre)
        for cle, element in identifiants.items():
            noms[cle] = element
        return
    existants = list(arbre.Names)
    paires = [(bytes(existants[i]), existants[i], existants[i + 1]) for i in range(0, len(existants) - 1, 2)]
    paires += [(cle.encode(), pikepdf.String(cle), element) for cle, element in identifiants.items()]
    paires.sort(key=lambda p: p[0])
    arbre.Names = pikepdf.Array([objet for _, cle, element in paires for objet in (cle, element)])
    if "/Limits" in arbre:
        arbre.Limits = pikepdf.Array([paires[0][1], paires[-1][1]])


def retirer_suspects_faux(pdf) -> None:
    """Retire ``/Suspects false`` de ``/MarkInfo`` (valeur par défaut que poppler lit comme une erreur)."""
    marquage = pdf.Root.get("/MarkInfo")
    if marquage is not None and "/Suspects" in marquage and not bool(marquage.Suspects):
        del marquage["/Suspects"]


def retoucher_pdf(octets: bytes, chemin_pdf: Path | str, plan: list[list[str] | None]) -> Path:
    """Écrit en ``chemin_pdf`` le PDF ``octets`` retouché (en-têtes de ligne, ``/MarkInfo``).

    Flux recopiés sans décompression ni recompression ; identifiant de fichier tiré du
    contenu (``deterministic_id``) : mêmes octets en entrée, mêmes octets en sortie.
    """
    import pikepdf

    chemin_pdf = Path(chemin_pdf)
    with pikepdf.open(io.BytesIO(octets)) as pdf:
        baliser_entetes_ligne(pdf, plan, chemin_pdf.name)
        retirer_suspects_faux(pdf)
        pdf.save(
            chemin_pdf,
            stream_decode_level=pikepdf.StreamDecodeLevel.none,
            object_stream_mode=pikepdf.ObjectStreamMode.generate,
            fix_metadata_version=False,
            deterministic_id=True,
        )
    return chemin_pdf
