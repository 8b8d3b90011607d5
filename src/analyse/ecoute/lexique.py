"""Classement transparent des textes libres par déterminant : un lexique français éditable.

Le lexique (``ressources/lexique_determinants.csv``) liste, pour chacun des huit
déterminants, des termes de trois types, comparés au texte normalisé (minuscules,
sans accents, ponctuation et apostrophes remplacées par des espaces) :

- ``mot`` : un mot entier (``file``) ;
- ``racine`` : un début de mot (``attend`` reconnaît « attendre », « attendu ») ;
- ``expression`` : une suite de mots entiers (``de service en service``).

Un texte est rattaché à tout déterminant dont au moins un terme apparaît (seuil
réglable) ; le déterminant principal est celui qui a le plus de termes distincts
(à égalité, l'ordre des déterminants du contrat). Aucun modèle n'est téléchargé :
tout est dans le fichier, que l'on corrige d'une ligne. Précision et rappel sont
mesurés sur un échantillon étiqueté à la main (``ressources/textes_etiquetes.csv``),
coupé en deux parties : ``developpement`` (ses erreurs ont servi à corriger le lexique)
et ``controle`` (jamais regardée pour régler le lexique : ses chiffres sont ceux à citer).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from analyse.donnees.codes import DETERMINANTS
from analyse.donnees.lecture import ErreurDonnees, lire_table

TYPES_TERMES = ("mot", "racine", "expression")
_NON_MOT = re.compile(r"[^0-9a-z]+")


def chemin_ressource(nom: str) -> Path:
    """Chemin d'un fichier de ``analyse/ressources``.

    >>> chemin_ressource("lexique_determinants.csv").name
    'lexique_determinants.csv'
    """
    return Path(str(resources.files("analyse") / "ressources" / nom))


def normaliser_texte(texte) -> str:
    """Texte comparable : minuscules, sans accents, mots séparés par une espace.

    >>> normaliser_texte("L'attente : interminable !")
    'l attente interminable'
    """
    if texte is None or (not isinstance(texte, str) and pd.isna(texte)):
        return ""
    t = unicodedata.normalize("NFKD", str(texte).casefold())
    t = "".join(c for c in t if not unicodedata.combining(c)).replace("œ", "oe").replace("æ", "ae")
    return _NON_MOT.sub(" ", t).strip()


def charger_lexique(chemin: Path | str | None = None) -> pd.DataFrame:
    """Lexique (déterminant, type, terme normalisé) ; le fichier du paquet par défaut.

    Un déterminant ou un type inconnu, un terme vide : erreur qui dit la ligne.

    >>> charger_lexique().query("determinant == 'attente'").shape[0] > 5
    True
    """
    chemin = Path(chemin) if chemin is not None else chemin_ressource("lexique_determinants.csv")
    table = lire_table(chemin, chemin.name)
    table.exiger_colonnes(("determinant", "type", "terme"))
    d = table.donnees
    for colonne, autorises in (("determinant", DETERMINANTS), ("type", TYPES_TERMES)):
        fautes = ~d[colonne].isin(autorises)
        if fautes.any():
            i = int(np.flatnonzero(fautes.to_numpy())[0])
            raise ErreurDonnees(
                table.fichier,
                f"valeur « {d[colonne].iloc[i]} » inconnue (attendu : {', '.join(autorises)})",
                ligne=int(table.lignes[i]),
                colonne=colonne,
            )
    termes = d["terme"].map(normaliser_texte)
    vides = termes == ""
    if vides.any():
        i = int(np.flatnonzero(vides.to_numpy())[0])
        raise ErreurDonnees(table.fichier, "terme vide", ligne=int(table.lignes[i]), colonne="terme")
    lexique = pd.DataFrame({"determinant": d["determinant"], "type": d["type"], "terme": termes})
    return lexique.drop_duplicates(ignore_index=True)


@lru_cache(maxsize=8)
def _motifs(cle: tuple) -> dict:
    """Une expression régulière par déterminant (compilée une fois par lexique)."""
    par_determinant = {}
    for determinant, type_terme, terme in cle:
        corps = re.escape(terme)
        motif = rf"\b{corps}\w*" if type_terme == "racine" else rf"\b{corps}\b"
        par_determinant.setdefault(determinant, []).append((terme, re.compile(motif)))
    return par_determinant


def _cle(lexique: pd.DataFrame) -> tuple:
    return tuple(map(tuple, lexique[["determinant", "type", "terme"]].to_numpy()))


def termes_trouves(texte, lexique: pd.DataFrame | None = None) -> dict:
    """Termes du lexique présents dans un texte, par déterminant (pour expliquer un classement).

    >>> termes_trouves("Une attente interminable au guichet")["attente"]
    ['attente', 'interminabl']
    """
    lexique = charger_lexique() if lexique is None else lexique
    norme = normaliser_texte(texte)
    trouves = {}
    for determinant, motifs in _motifs(_cle(lexique)).items():
        presents = [terme for terme, motif in motifs if motif.search(norme)]
        if presents:
            trouves[determinant] = presents
    return trouves


def classer_texte(texte, lexique: pd.DataFrame | None = None, seuil: int = 1) -> list[str]:
    """Déterminants d'un texte, du plus au moins appuyé (liste vide si aucun).

    >>> classer_texte("Renvoyé de service en service, et quelle attente !")
    ['transfert', 'attente']
    """
    trouves = termes_trouves(texte, lexique)
    retenus = [(len(t), -DETERMINANTS.index(d), d) for d, t in trouves.items() if len(t) >= seuil]
    return [d for _, _, d in sorted(retenus, reverse=True)]


def classer_textes(textes: pd.Series, lexique: pd.DataFrame | None = None, seuil: int = 1) -> pd.DataFrame:
    """Classement d'une série de textes : ``determinants`` (liste ``|``) et ``determinant`` principal.

    >>> classer_textes(pd.Series(["Agent très aimable", "RAS"])).to_dict("list")
    {'determinants': ['courtoisie', ''], 'determinant': ['courtoisie', None]}
    """
    lexique = charger_lexique() if lexique is None else lexique
    listes = [classer_texte(t, lexique, seuil) for t in textes]
    principal = pd.Series([l[0] if l else None for l in listes], index=textes.index, dtype=object)
    return pd.DataFrame({"determinants": ["|".join(l) for l in listes], "determinant": principal}, index=textes.index)


def _ensembles(serie: pd.Series) -> list[set]:
    return [set(filter(None, str(v).split("|"))) if isinstance(v, str) else set() for v in serie]


def mesurer_classement(etiquettes: pd.Series, predictions: pd.Series) -> pd.DataFrame:
    """Précision, rappel et F1 par déterminant, puis micro- et macro-moyennes.

    ``etiquettes`` et ``predictions`` : listes ``|`` de déterminants, texte par texte.
    Précision = VP / (VP + FP), rappel = VP / (VP + FN) ; indéfinis (NaN) si le
    dénominateur est nul.

    >>> m = mesurer_classement(pd.Series(["attente", "courtoisie|attente"]), pd.Series(["attente", "courtoisie"]))
    >>> m.set_index("determinant").loc["attente", ["precision", "rappel"]].tolist()
    [1.0, 0.5]
    """
    vraies, predites = _ensembles(etiquettes), _ensembles(predictions)
    lignes = []
    for d in DETERMINANTS:
        vp = sum(d in v and d in p for v, p in zip(vraies, predites))
        fp = sum(d not in v and d in p for v, p in zip(vraies, predites))
        fn = sum(d in v and d not in p for v, p in zip(vraies, predites))
        lignes.append({"determinant": d, "support": vp + fn, "vp": vp, "fp": fp, "fn": fn})
    table = pd.DataFrame(lignes)
    table = _ajouter_taux(table)
    micro = table[["support", "vp", "fp", "fn"]].sum()
    ligne_micro = _ajouter_taux(pd.DataFrame([{"determinant": "micro", **micro.to_dict()}]))
    ligne_macro = pd.DataFrame(
        [
            {
                "determinant": "macro",
                **micro.to_dict(),
                "precision": table["precision"].mean(),
                "rappel": table["rappel"].mean(),
                "f1": table["f1"].mean(),
            }
        ]
    )
    return pd.concat([table, ligne_micro, ligne_macro], ignore_index=True)


def _ajouter_taux(table: pd.DataFrame) -> pd.DataFrame:
    vp, fp, fn = (table[c].astype(float) for c in ("vp", "fp", "fn"))
    table["precision"] = (vp / (vp + fp)).where(vp + fp > 0)
    table["rappel"] = (vp / (vp + fn)).where(vp + fn > 0)
    somme = table["precision"] + table["rappel"]
    table["f1"] = (2 * table["precision"] * table["rappel"] / somme).where(somme > 0)
    return table


def charger_echantillon(chemin: Path | str | None = None) -> pd.DataFrame:
    """Échantillon étiqueté à la main : ``id_texte``, ``texte``, ``determinants`` (liste ``|``, vide = aucun)
    et ``partie`` (``developpement`` ou ``controle`` ; ``controle`` si la colonne manque).

    >>> len(charger_echantillon()) >= 100
    True
    """
    chemin = Path(chemin) if chemin is not None else chemin_ressource("textes_etiquetes.csv")
    table = lire_table(chemin, chemin.name)
    table.exiger_colonnes(("id_texte", "texte", "determinants"))
    d = table.donnees
    inconnus = sorted({x for e in _ensembles(d["determinants"]) for x in e} - set(DETERMINANTS))
    if inconnus:
        raise ErreurDonnees(table.fichier, f"déterminant(s) inconnu(s) : {', '.join(inconnus)}", colonne="determinants")
    partie = d["partie"].fillna("controle") if "partie" in d else pd.Series("controle", index=d.index)
    return pd.DataFrame(
        {"id_texte": d["id_texte"], "texte": d["texte"], "determinants": d["determinants"].fillna(""), "partie": partie}
    )


def evaluer_lexique(
    echantillon: pd.DataFrame | None = None,
    lexique: pd.DataFrame | None = None,
    seuil: int = 1,
    partie: str | None = "controle",
) -> pd.DataFrame:
    """Précision et rappel du lexique sur un échantillon étiqueté (celui du paquet par défaut).

    ``partie`` : ``controle`` (défaut), ``developpement`` ou ``None`` pour tout l'échantillon.

    >>> evaluer_lexique().iloc[-2]["determinant"]
    'micro'
    """
    echantillon = charger_echantillon() if echantillon is None else echantillon
    if partie is not None and "partie" in echantillon:
        echantillon = echantillon[echantillon["partie"] == partie]
    predictions = classer_textes(echantillon["texte"], lexique, seuil)["determinants"]
    return mesurer_classement(echantillon["determinants"], predictions)
