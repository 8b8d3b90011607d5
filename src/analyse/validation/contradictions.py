"""Compteur de phrases de fiche qui contredisent leurs propres tableaux (second lecteur).

Le contrôle lit les textes rendus d'une fiche (synthèse, tableaux par niveau, priorités,
titres des figures ; sans PDF) comme les lirait un statisticien, et recalcule lui-même, à
partir des nombres que la fiche imprime (scores, intervalles, moyennes nationales), les
intervalles qui décident : écart au national (écart ± 1,96·√(e² + e²ₙₐₜ)), seuil dans
l'intervalle du score, borne de quartile dans l'intervalle, différence entre les deux
dernières participations (éditions indépendantes). Il n'utilise pas
``analyse.statistiques.verdicts`` : c'est un oracle indépendant de la règle qu'il contrôle.

Règles (une contradiction par phrase fautive) :

- ``ecart`` : « au-dessus » / « en dessous » / « point fort » alors que l'intervalle de
  l'écart contient 0 ;
- ``priorite`` : déterminant dit prioritaire ou « en retrait » sans que son retrait soit
  établi, sauf si la phrase dit « non établi » ;
- ``seuil`` : seuil « atteint » / « non atteint » / « en dessous du seuil » alors que le
  seuil est dans l'intervalle du score ;
- ``quartile`` : un seul quart affirmé alors qu'une borne de quartile est dans l'intervalle ;
- ``evolution`` : un changement imprimé (hausse, baisse ou écart chiffré sans « stable »)
  alors que l'intervalle de la différence contient 0.
"""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
from scipy.stats import norm

Z = float(norm.ppf(0.975))
REGLES = ("ecart", "priorite", "seuil", "quartile", "evolution")
_UNITES = re.compile(r"<(li|p|h3|tr)\b[^>]*>(.*?)</\1>", re.S)
_BALISES = re.compile(r"<[^>]+>")
_QUART_AFFIRME = re.compile(r"dans le (premier|deuxième|troisième|quart supérieur|1er|2e|3e|4e)\b")
_ECART_CHIFFRE = re.compile(r"[+-]\d+,\d")


def unites_texte(bloc) -> list[str]:
    """Phrases élémentaires d'un bloc HTML (paragraphes, puces, titres, lignes de tableau), sans balises.

    >>> unites_texte("<p>Un <strong>mot</strong></p><ul><li>deux</li></ul>")
    ['Un mot', 'deux']
    """
    return [" ".join(html.unescape(_BALISES.sub(" ", contenu)).split()) for _, contenu in _UNITES.findall(str(bloc))]


def _contient_zero(bas, haut) -> bool:
    return bool(bas <= 0 <= haut)


def intervalles_ecarts(fiche: dict) -> dict[str, tuple[float, float]]:
    """Intervalle de l'écart au national recalculé pour chaque libellé (minuscules) et ``global``.

    >>> t = pd.DataFrame({"libelle": ["Attente"], "score": [70.0], "erreur_type": [1.0],
    ...     "score_national": [65.0], "ic_bas_national": [64.0], "ic_haut_national": [66.0]})
    >>> {k: tuple(round(v, 1) for v in b) for k, b in intervalles_ecarts({"determinant": t}).items()}
    {'attente': (2.8, 7.2)}
    """
    sortie = {}
    for niveau in ("canal", "determinant", "etape"):
        t = fiche.get(niveau)
        if t is None or t.empty:
            continue
        e_nat = (t["ic_haut_national"] - t["ic_bas_national"]) / (2 * Z)
        demi = Z * np.sqrt(t["erreur_type"] ** 2 + e_nat**2)
        ecart = t["score"] - t["score_national"]
        for lib, e, d in zip(t["libelle"], ecart, demi):
            if pd.notna(e) and pd.notna(d):
                sortie.setdefault(str(lib).lower(), (float(e - d), float(e + d)))
    g, nat = fiche.get("global"), fiche.get("national")
    if g is not None and nat is not None and not nat.get("supprime", True):
        e_nat = (nat["ic_haut"] - nat["ic_bas"]) / (2 * Z)
        demi = Z * np.sqrt(g["erreur_type"] ** 2 + e_nat**2)
        ecart = g["score"] - nat["score"]
        sortie["global"] = (float(ecart - demi), float(ecart + demi))
    return sortie


def intervalle_evolution(trajectoire: pd.DataFrame, annee: int) -> tuple[float, float] | None:
    """Intervalle de la différence entre l'édition et la participation précédente (indépendance).

    >>> t = pd.DataFrame({"annee": [2021, 2022], "score": [60.0, 70.0], "ic_bas": [56.08, 66.08], "ic_haut": [63.92, 73.92]})
    >>> [round(v, 1) for v in intervalle_evolution(t, 2022)]
    [4.5, 15.5]
    """
    avant = trajectoire[trajectoire["annee"] < annee]
    actuelle = trajectoire[trajectoire["annee"] == annee]
    if avant.empty or actuelle.empty:
        return None
    a, b = avant.iloc[-1], actuelle.iloc[0]
    e = np.hypot((a["ic_haut"] - a["ic_bas"]) / (2 * Z), (b["ic_haut"] - b["ic_bas"]) / (2 * Z))
    d = float(b["score"] - a["score"])
    return d - Z * float(e), d + Z * float(e)


def _libelles_cites(unite: str, libelles) -> list[str]:
    """Libellés cités dans la phrase, dans l'ordre du texte ; un libellé contenu dans un plus long
    cité (« traitement » dans « traitement des réclamations ») n'est pas compté.

    >>> _libelles_cites("Accueil physique et attente", ["accueil", "accueil physique", "attente"])
    ['accueil physique', 'attente']
    """
    bas = unite.lower()
    cites = [lib for lib in libelles if lib != "global" and lib in bas]
    cites = [lib for lib in cites if not any(lib != autre and lib in autre for autre in cites)]
    return sorted(cites, key=bas.index)


def _fautes(cites, intervalles: dict) -> tuple[int, int]:
    """(affirmations, affirmations contredites) : une par libellé cité."""
    return len(cites), sum(_contient_zero(*intervalles[lib]) for lib in cites)


def _regle_ecart(unite: str, ecarts: dict, dans_tableau: bool) -> tuple[int, int]:
    if "non établi" in unite:
        return 0, 0
    if dans_tableau:  # ligne de tableau : le libellé en tête, le mot de comparaison dans une cellule
        lib = next((k for k in ecarts if k != "global" and unite.lower().startswith(k)), None)
        mot = re.search(r"(^|\s)(au-dessus|en dessous)(\s|$)", unite)
        return _fautes([lib], ecarts) if lib and mot else (0, 0)
    if re.search(r"(au-dessus|en dessous) de la moyenne nationale", unite) and "ce score" in unite.lower():
        return _fautes(["global"], ecarts) if "global" in ecarts else (0, 0)
    if "point fort" in unite:
        return _fautes(_libelles_cites(unite.split("point fort")[0], ecarts)[-1:], ecarts)
    return 0, 0


def _regle_priorite(unite: str, ecarts: dict) -> tuple[int, int]:
    bas = unite.lower()
    if "non établi" in bas or not ("priorit" in bas or "en retrait" in bas or "sous la moyenne" in bas):
        return 0, 0
    if "en retrait" in bas and "priorit" not in bas:  # « X : le plus en retrait » : le libellé qui précède
        return _fautes(_libelles_cites(bas.split("en retrait")[0].split(";")[-1], ecarts)[-1:], ecarts)
    return _fautes(_libelles_cites(bas, ecarts), ecarts)


def _regle_seuil(unite: str, g: dict | None, seuil: float) -> tuple[int, int]:
    bas = unite.lower()
    if g is None or "seuil" not in bas or "non établi" in bas:
        return 0, 0
    if not re.search(r"\b(atteint|non atteint|en dessous du seuil)\b", bas):
        return 0, 0
    return 1, int(g["ic_bas"] <= seuil <= g["ic_haut"])


def _regle_quartile(unite: str, g: dict | None, position: dict) -> tuple[int, int]:
    if g is None or not position or "entre le" in unite or not _QUART_AFFIRME.search(unite):
        return 0, 0
    return 1, int(any(g["ic_bas"] <= position[b] <= g["ic_haut"] for b in ("q1", "mediane", "q3")))


def _regle_evolution(unite: str, intervalle) -> tuple[int, int]:
    bas = unite.lower()
    if intervalle is None or not ("évolution" in bas or "depuis" in bas) or "stable" in bas or "non établi" in bas:
        return 0, 0
    if not ("participation" in bas or "score global" in bas):
        return 0, 0
    change = "hausse" in bas or "baisse" in bas or bool(_ECART_CHIFFRE.search(unite))
    return (1, int(_contient_zero(*intervalle))) if change else (0, 0)


def textes_fiche(fiche: dict) -> dict[str, list[str]]:
    """Textes rendus d'une fiche (sans figure ni PDF), découpés en phrases élémentaires.

    >>> callable(textes_fiche)
    True
    """
    from analyse.rapports import fiche as rapport

    textes = {
        "synthese": unites_texte(rapport.bloc_synthese(fiche)),
        "priorites": unites_texte(rapport.bloc_priorites(fiche)),
        "titres": [rapport.titre_determinants(fiche), rapport.titre_trajectoire(fiche)],
        "tableaux": [],
    }
    for niveau in ("canal", "determinant", "etape"):
        textes["tableaux"] += unites_texte(rapport.tableau_niveau(fiche, niveau))
    return textes


def affirmations_fiche(fiche: dict, textes: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """Affirmations comparatives de la fiche, règle par règle, et combien contredisent ses tableaux.

    Une ligne par (partie, phrase, règle) qui affirme quelque chose : ``affirmations``
    (libellés ou verdicts affirmés dans la phrase) et ``contradictions`` (ceux que
    l'intervalle recalculé ne soutient pas).

    >>> affirmations_fiche({"global": None}, {"synthese": ["Seuil : atteint."]}).empty
    True
    """
    textes = textes_fiche(fiche) if textes is None else textes
    ecarts = intervalles_ecarts(fiche)
    g = fiche.get("global")
    seuil = fiche["parametres"].seuil_performance if "parametres" in fiche else 75.0
    position = fiche.get("position") or {}
    evolution = intervalle_evolution(fiche["trajectoire"], fiche["annee"]) if "trajectoire" in fiche else None
    lignes = []
    for partie, unites in textes.items():
        for unite in unites:
            decomptes = {
                "ecart": _regle_ecart(unite, ecarts, partie == "tableaux"),
                "priorite": (0, 0) if partie == "tableaux" else _regle_priorite(unite, ecarts),
                "seuil": _regle_seuil(unite, g, seuil),
                "quartile": _regle_quartile(unite, g, position),
                "evolution": _regle_evolution(unite, evolution),
            }
            lignes += [
                {"regle": r, "partie": partie, "texte": unite, "affirmations": n, "contradictions": k}
                for r, (n, k) in decomptes.items()
                if n
            ]
    return pd.DataFrame(lignes, columns=["regle", "partie", "texte", "affirmations", "contradictions"])


def contradictions_fiche(fiche: dict, textes: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """Phrases de la fiche qui contredisent ses propres tableaux (lignes d'``affirmations_fiche``).

    >>> contradictions_fiche({"global": None}, {"synthese": ["Seuil : atteint."]}).empty
    True
    """
    a = affirmations_fiche(fiche, textes)
    return a[a["contradictions"] > 0].reset_index(drop=True)


def compter_contradictions(annee: int, donnees, structures=None) -> pd.DataFrame:
    """Affirmations et contradictions de toutes les fiches d'une édition (``affirmations_fiche`` par structure).

    >>> callable(compter_contradictions)
    True
    """
    from analyse.donnees.stockage import lire
    from analyse.rapports import fiche as rapport

    ids = structures if structures is not None else lire(donnees, "participants", annee=annee)["structure_id"]
    morceaux = []
    for sid in ids:
        f = rapport.calculer_fiche(annee, sid, donnees)
        morceaux.append(affirmations_fiche(f).assign(structure_id=sid))
    return pd.concat(morceaux, ignore_index=True) if morceaux else pd.DataFrame()
