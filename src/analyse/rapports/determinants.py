"""Rapport « Déterminants de la satisfaction » : chargement, calculs, tableaux, graphiques et textes.

Le notebook ``notebooks/rapport_determinants.ipynb`` n'appelle que ce module (et
``formatage``) ; les statistiques sont dans ``analyse.statistiques.determinants``. Le rapport ne nomme
aucune structure : il ne publie que des agrégats nationaux (tous les agrégats couvrent au
moins ``Parametres.taille_min_agregat`` structures). Le vocabulaire reste celui de
l'association (« va de pair avec », « est associé à ») : ce ne sont pas des effets causaux.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analyse import config
from analyse.config import resoudre_chemin
from analyse.donnees import stockage
from analyse.donnees.codes import DETERMINANTS, libelle
from analyse.formatage import BlocHTML, ecrire_csv, intervalle_fr, nombre_fr
from analyse.rapports.gabarits import rendre
from analyse.rapports.graphiques import (
    GRIS,
    PALETTE,
    TAILLE,
    formateur_fr,
    habiller,
    ligne_source,
    nouvelle_figure,
)
from analyse.statistiques import determinants, verdicts

TITRE = "Déterminants de la satisfaction des usagers"
NOM_FICHIER = "rapport_determinants"
COULEURS_MODELES = {"mco_grappes": PALETTE["bleu"], "logit_ordinal": PALETTE["vermillon"], "mixte": PALETTE["vert"]}
MARQUEURS_MODELES = {"mco_grappes": "o", "logit_ordinal": "s", "mixte": "^"}
COULEURS_DETERMINANTS = dict(
    zip(
        DETERMINANTS,
        [PALETTE[c] for c in ("bleu", "orange", "vert", "vermillon", "bleu_ciel", "pourpre", "noir")] + ["#999999"],
    )
)
MARQUEURS_DETERMINANTS = dict(zip(DETERMINANTS, "osD^vP*X"))
LIBELLES_CIBLES = {
    "satisfaction_moyenne": "Satisfaction moyenne (enquête, 0 à 10)",
    "note_avis_moyenne": "Note moyenne des avis en ligne (1 à 5)",
}


# --------------------------------------------------------------------------- chargement


def annees_enquete(donnees: Path | str = "data") -> list[int]:
    """Éditions dont l'enquête en ligne est préparée (liste vide si aucune).

    >>> annees_enquete("/dossier/absent")
    []
    """
    try:
        table = stockage.lire(resoudre_chemin(donnees), "enquete", colonnes=["annee"])
    except FileNotFoundError:
        return []
    return sorted(int(a) for a in table["annee"].unique())


def choisir_annees(donnees: Path | str = "data", annees=None) -> list[int]:
    """Éditions à empiler : celles demandées, sinon toutes celles qui ont une enquête.

    Lève ``FileNotFoundError`` (message en français) si aucune édition demandée n'a d'enquête.

    >>> choisir_annees("/dossier/absent")
    Traceback (most recent call last):
    FileNotFoundError: Aucune enquête en ligne préparée dans /dossier/absent/processed : lancez d'abord « analyse preparer ».
    """
    disponibles = annees_enquete(donnees)
    if not disponibles:
        raise FileNotFoundError(
            f"Aucune enquête en ligne préparée dans {config.dossier_processed(resoudre_chemin(donnees))} : "
            "lancez d'abord « analyse preparer »."
        )
    if annees in (None, [], ()):
        return disponibles
    demandees = sorted({int(a) for a in ([annees] if np.isscalar(annees) else annees)})
    absentes = [a for a in demandees if a not in disponibles]
    if absentes:
        raise FileNotFoundError(
            f"Pas d'enquête en ligne préparée pour l'édition ou les éditions {', '.join(map(str, absentes))} "
            f"(éditions disponibles : {', '.join(map(str, disponibles))})."
        )
    return demandees


def _lire(donnees: Path, table: str, annees: list[int]) -> pd.DataFrame:
    try:
        t = stockage.lire(donnees, table)
    except FileNotFoundError:
        return pd.DataFrame(columns=["annee", "structure_id"])
    return t[t["annee"].isin(annees)].reset_index(drop=True)


def charger_tables(donnees: Path | str = "data", annees=None) -> dict:
    """Tables utiles au rapport, limitées aux éditions empilées : enquete, scores, avis (+ ``annees``).

    >>> charger_tables("/dossier/absent")
    Traceback (most recent call last):
    FileNotFoundError: Aucune enquête en ligne préparée dans /dossier/absent/processed : lancez d'abord « analyse preparer ».
    """
    racine = resoudre_chemin(donnees)
    choisies = choisir_annees(racine, annees)
    tables = {nom: _lire(racine, nom, choisies) for nom in ("enquete", "scores", "avis")}
    tables["annees"] = choisies
    return tables


# --------------------------------------------------------------------------- calculs


def effectifs(tables: dict, repondants: pd.DataFrame) -> pd.DataFrame:
    """Répondants, répondants complets et structures par édition (plus une ligne « Ensemble »).

    >>> e = pd.DataFrame({"annee": [2022, 2022], "structure_id": ["a", "b"]})
    >>> effectifs({"enquete": e}, e.iloc[:1])["repondants_complets"].tolist()
    [1, 1]
    """
    enquete = tables["enquete"]
    lignes = []
    for annee, g in enquete.groupby("annee", sort=True):
        complets = repondants[repondants["annee"] == annee]
        lignes.append(
            {
                "edition": str(annee),
                "repondants": len(g),
                "repondants_complets": len(complets),
                "structures": int(complets["structure_id"].nunique()),
            }
        )
    lignes.append(
        {
            "edition": "Ensemble",
            "repondants": len(enquete),
            "repondants_complets": len(repondants),
            "structures": int(repondants["structure_id"].nunique()),
        }
    )
    table = pd.DataFrame(lignes)
    table["part_complets_pct"] = 100 * table["repondants_complets"] / table["repondants"].where(table["repondants"] > 0)
    return table


def calculer(tables: dict, parametres: config.Parametres = config.PARAMETRES) -> dict:
    """Tous les résultats du rapport, à partir de ``charger_tables``.

    Clés : effectifs, importance, dominance, relations, conditionnelle, modeles,
    structures_<cible>, lien, performance, matrice, stabilite.

    >>> sorted(calculer.__annotations__)[:1]
    ['parametres']
    """
    p = parametres
    repondants = determinants.preparer_repondants(tables["enquete"])
    if repondants["structure_id"].nunique() < p.taille_min_agregat:
        raise ValueError(
            f"Moins de {p.taille_min_agregat} structures avec des répondants complets : "
            "rapport non publiable (confidentialité)."
        )
    importance = determinants.importance_nationale(repondants, p.n_bootstrap, p.graine, p.niveau_confiance)
    dominance = determinants.analyser_dominance(
        repondants, determinants.CIBLE_REPONDANT, determinants.PREDICTEURS_PERCUS
    )
    structures = determinants.preparer_structures(tables["scores"], tables["enquete"], tables["avis"])
    resultats = {
        "annees": list(tables["annees"]),
        "effectifs": effectifs(tables, repondants),
        "importance": importance,
        "dominance": dominance,
        "relations": determinants.relations_dominance(dominance),
        "conditionnelle": table_conditionnelle(dominance),
        "modeles": determinants.comparer_modeles(repondants, niveau=p.niveau_confiance),
        "structures_satisfaction": determinants.modele_structures(
            structures, "satisfaction_moyenne", p.niveau_confiance
        ),
        "structures_avis": determinants.modele_structures(structures, "note_avis_moyenne", p.niveau_confiance),
        "lien": determinants.lien_audit_percu(structures, taille_min=p.taille_min_agregat, niveau=p.niveau_confiance),
        "performance": determinants.performance_nationale(structures, p.taille_min_agregat),
        "stabilite": determinants.stabilite_editions(
            repondants, p.n_bootstrap, p.graine, p.niveau_confiance, p.taille_min_agregat
        ),
    }
    resultats["ecarts_matrice"] = determinants.ecarts_moyenne_determinants(structures, resultats["performance"])
    resultats["matrice"] = determinants.matrice_nationale(
        importance, resultats["performance"], resultats["ecarts_matrice"]
    )
    return resultats


def table_conditionnelle(dominance: dict) -> pd.DataFrame:
    """Dominance conditionnelle au format long : déterminant, nombre d'autres déterminants, gain de R².

    >>> d = {"conditionnelle": pd.DataFrame([[0.3, 0.1]], index=pd.Index(["attente"], name="predicteur"), columns=[0, 1])}
    >>> table_conditionnelle(d)["gain_r2"].tolist()
    [0.3, 0.1]
    """
    cond = dominance["conditionnelle"]
    longue = (
        cond.rename_axis(index="determinant", columns="autres_determinants").stack().rename("gain_r2").reset_index()
    )
    longue.insert(1, "libelle", longue["determinant"].map(libelle))
    longue["autres_determinants"] = longue["autres_determinants"].astype(int)
    return longue


def exporter_tableaux(resultats: dict, dossier: Path | str) -> list[Path]:
    """Écrit les tableaux derrière chaque graphique (CSV pour Excel français) dans ``dossier``.

    >>> exporter_tableaux({}, __import__("tempfile").mkdtemp())
    []
    """
    tableaux = {
        "effectifs": resultats.get("effectifs"),
        "importance_relative": resultats.get("importance"),
        "dominance_conditionnelle": resultats.get("conditionnelle"),
        "dominance_relations": resultats.get("relations"),
        "comparaison_modeles": resultats.get("modeles"),
        "lien_audit_percu": resultats.get("lien"),
        "matrice_importance_performance": resultats.get("matrice"),
        "stabilite_editions": resultats.get("stabilite"),
    }
    for cle in ("structures_satisfaction", "structures_avis"):
        if cle in resultats:
            tableaux[f"modele_{cle}"] = resultats[cle]["coefficients"]
    return [ecrire_csv(t, dossier, nom) for nom, t in tableaux.items() if t is not None]


def dossier_sortie(sortie: Path | str = "rapports") -> Path:
    """Dossier du rapport : ``<sortie>/determinants``.

    >>> dossier_sortie("/tmp/rapports").as_posix()
    '/tmp/rapports/determinants'
    """
    return resoudre_chemin(sortie) / "determinants"


def dossier_tableaux(sortie: Path | str = "rapports") -> Path:
    """Dossier des tableaux CSV du rapport : ``<sortie>/determinants/tableaux``.

    >>> dossier_tableaux("/tmp/rapports").as_posix()
    '/tmp/rapports/determinants/tableaux'
    """
    return dossier_sortie(sortie) / "tableaux"


# --------------------------------------------------------------------------- textes courts


def periode(annees) -> str:
    """Éditions empilées, en toutes lettres.

    >>> periode([2017, 2018, 2022]), periode([2022])
    ('éditions 2017, 2018 et 2022', 'édition 2022')
    """
    annees = [str(a) for a in sorted(annees)]
    if len(annees) == 1:
        return f"édition {annees[0]}"
    return f"éditions {', '.join(annees[:-1])} et {annees[-1]}"


def source(annees, demo: bool = False) -> str:
    """Ligne de source placée sous chaque graphique et tableau.

    >>> source([2021, 2022])
    "Source : Baromètre Expérience Citoyen, enquête en ligne et audits, éditions 2021 et 2022 ; calculs de l'observatoire"
    """
    return ligne_source(f"enquête en ligne et audits, {periode(annees)}", demo)


def couverture(tables: dict, demo: bool = False):
    """Informations de couverture (sous-titre, mention de démonstration), transmises au rendu PDF.

    >>> couverture({"annees": [2021, 2022]}).meta["sous_titre"]
    'Importance relative, modèles et priorités – éditions 2021 et 2022'
    """
    from analyse.rapports.rendu import declarer_couverture

    return declarer_couverture(
        titre=TITRE, sous_titre=f"Importance relative, modèles et priorités – {periode(tables['annees'])}", demo=demo
    )


def _pct(x, decimales: int = 1) -> str:
    return f"{nombre_fr(x, decimales)}\u00a0%"


def _insecable(texte: str) -> str:
    return texte.replace(" ", "\u00a0")


def _liste(mots: list[str]) -> str:
    mots = list(mots)
    return mots[0] if len(mots) == 1 else f"{', '.join(mots[:-1])} et {mots[-1]}"


def _trie(importance: pd.DataFrame) -> pd.DataFrame:
    return importance.sort_values("part", ascending=False).reset_index(drop=True)


def introduction(resultats: dict, demo: bool = False) -> BlocHTML:
    """Paragraphe d'introduction : données, modèle, principaux constats.

    >>> callable(introduction)
    True
    """
    imp = _trie(resultats["importance"])
    return rendre(
        "determinants_introduction.html.j2",
        periode=periode(resultats["annees"]),
        tot=resultats["effectifs"].iloc[-1],
        r2=imp["r2"].iloc[0],
        r2_ic_bas=imp["r2_ic_bas"].iloc[0],
        r2_ic_haut=imp["r2_ic_haut"].iloc[0],
        deux=imp.head(2).to_dict("records"),
        demo=demo,
    )


# --------------------------------------------------------------------------- graphiques


def titre_importance(importance: pd.DataFrame) -> str:
    """Titre qui énonce le déterminant le plus associé à la satisfaction et s'il se détache.

    >>> t = pd.DataFrame({"libelle": ["Courtoisie", "Attente"], "part": [0.1, 0.05], "part_pct": [30.0, 15.0],
    ...                   "ic_bas": [0.09, 0.04], "ic_haut": [0.11, 0.06]})
    >>> titre_importance(t).replace("\xa0", " ")
    'Courtoisie pèse le plus dans la satisfaction (30 % du R² expliqué), nettement devant Attente (15 %)'
    """
    imp = _trie(importance)
    premier, second = imp.iloc[0], imp.iloc[1]
    net = verdicts.verdict_devance(premier["ic_bas"], premier["ic_haut"], second["ic_bas"], second["ic_haut"]).phrase
    return (
        f"{premier['libelle']} pèse le plus dans la satisfaction ({_pct(premier['part_pct'], 0)} du R² expliqué), "
        f"{net} {second['libelle']} ({_pct(second['part_pct'], 0)})"
    )


def graphique_importance(importance: pd.DataFrame, source_: str | None = None) -> Figure:
    """Barres horizontales : part du R² expliqué par déterminant (%), intervalles bootstrap à 95 %.

    >>> t = pd.DataFrame({"libelle": ["A", "B"], "part": [0.1, 0.05], "part_pct": [60.0, 40.0], "pct_ic_bas": [55.0, 35.0],
    ...                   "pct_ic_haut": [65.0, 45.0], "ic_bas": [0.09, 0.04], "ic_haut": [0.11, 0.06], "r2": 0.15})
    >>> isinstance(graphique_importance(t), Figure)
    True
    """
    imp = importance.sort_values("part")
    fig, ax = nouvelle_figure((TAILLE[0], max(2.6, 1.1 + 0.34 * len(imp))))
    y = np.arange(len(imp))
    ax.barh(y, imp["part_pct"], color=PALETTE["bleu"], height=0.62, zorder=2)
    erreurs = np.vstack([imp["part_pct"] - imp["pct_ic_bas"], imp["pct_ic_haut"] - imp["part_pct"]])
    ax.errorbar(imp["part_pct"], y, xerr=erreurs, fmt="none", ecolor=PALETTE["noir"], capsize=2.5, lw=1, zorder=3)
    for yi, haut, v in zip(y, imp["pct_ic_haut"], imp["part_pct"]):
        ax.annotate(_pct(v), (haut, yi), xytext=(4, 0), textcoords="offset points", va="center", fontsize=7.5)
    ax.set_yticks(y, list(imp["libelle"]))
    ax.set_xlim(0, imp["pct_ic_haut"].max() * 1.18)
    ax.set_xlabel("Part du R² expliqué (%)")
    ax.xaxis.set_major_formatter(formateur_fr())
    ax.xaxis.grid(True, zorder=0)
    note = (
        f"Décomposition LMG (Shapley) du R² = {nombre_fr(imp['r2'].iloc[0], 3)} ; intervalles bootstrap à 95 % "
        "(structures rééchantillonnées)."
    )
    habiller(fig, titre_importance(importance), source_, note)
    return fig


def titre_dominance(dominance: dict) -> str:
    """Titre qui dit si le premier déterminant domine les autres à toute taille de modèle.

    >>> cond = pd.DataFrame([[0.3, 0.1], [0.2, 0.05]], index=["courtoisie", "attente"], columns=[0, 1])
    >>> titre_dominance({"generale": pd.Series({"courtoisie": 0.2, "attente": 0.12}), "conditionnelle": cond})
    'Courtoisie apporte le plus de R² quel que soit le nombre d’autres déterminants dans le modèle'
    """
    premier = dominance["generale"].idxmax()
    cond = dominance["conditionnelle"]
    if (cond.drop(index=premier) < cond.loc[premier]).all(axis=None):
        return f"{libelle(premier)} apporte le plus de R² quel que soit le nombre d’autres déterminants dans le modèle"
    return f"{libelle(premier)} domine en moyenne, mais pas à toutes les tailles de modèle"


def graphique_dominance(dominance: dict, source_: str | None = None) -> Figure:
    """Dominance conditionnelle : gain moyen de R² de chaque déterminant selon le nombre d'autres déterminants.

    >>> cond = pd.DataFrame([[0.3, 0.1], [0.2, 0.05]], index=["courtoisie", "attente"], columns=[0, 1])
    >>> isinstance(graphique_dominance({"generale": pd.Series({"courtoisie": 0.2, "attente": 0.12}), "conditionnelle": cond}), Figure)
    True
    """
    cond = dominance["conditionnelle"]
    ordre = dominance["generale"].sort_values(ascending=False).index
    fig, ax = nouvelle_figure((TAILLE[0], 3.9))
    x = np.array(cond.columns, dtype=int)
    for d in ordre:
        ax.plot(
            x,
            100 * cond.loc[d].to_numpy(dtype=float),
            marker=MARQUEURS_DETERMINANTS.get(d, "o"),
            ms=4,
            lw=1.3,
            color=COULEURS_DETERMINANTS.get(d, GRIS),
            label=libelle(d),
        )
    ax.set_xticks(x, [str(v) for v in x])
    ax.set_xlabel("Nombre d'autres déterminants déjà dans le modèle")
    ax.set_ylabel("Gain moyen de R² (points de %)")
    ax.yaxis.set_major_formatter(formateur_fr())
    ax.yaxis.grid(True, zorder=0)
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=7, frameon=False, ncols=2, loc="upper right")
    habiller(
        fig,
        titre_dominance(dominance),
        source_,
        "À gauche : R² du déterminant seul ; la moyenne de chaque courbe sur les tailles de modèle donne sa part LMG.",
    )
    return fig


def graphique_modeles(modeles: pd.DataFrame, source_: str | None = None) -> Figure:
    """Coefficients des trois modèles, rapportés au plus fort de chaque modèle (= 100), par déterminant.

    >>> m = pd.DataFrame({"modele": ["mco_grappes"] * 2, "libelle_modele": "MCO", "terme": ["attente", "courtoisie"],
    ...                   "libelle": ["Attente", "Courtoisie"], "coefficient": [0.2, 0.4], "rang": [2, 1]})
    >>> isinstance(graphique_modeles(m), Figure)
    True
    """
    m = modeles.copy()
    m["relatif"] = 100 * m["coefficient"] / m.groupby("modele")["coefficient"].transform("max")
    ordre = m[m["modele"] == m["modele"].iloc[0]].sort_values("coefficient")["terme"].tolist()
    position = {t: i for i, t in enumerate(ordre)}
    noms = list(dict.fromkeys(m["modele"]))
    fig, ax = nouvelle_figure((TAILLE[0], max(2.8, 1.3 + 0.36 * len(ordre))))
    decalage = np.linspace(-0.22, 0.22, len(noms)) if len(noms) > 1 else [0.0]
    for k, nom in enumerate(noms):
        s = m[m["modele"] == nom]
        y = s["terme"].map(position).to_numpy() + decalage[k]
        ax.scatter(
            s["relatif"],
            y,
            s=26,
            marker=MARQUEURS_MODELES.get(nom, "o"),
            color=COULEURS_MODELES.get(nom, GRIS),
            label=determinants.NOMS_MODELES.get(nom, nom),
            zorder=3,
        )
    ax.set_yticks(range(len(ordre)), [libelle(t) for t in ordre])
    ax.set_xlabel("Coefficient, en % du plus fort coefficient du modèle")
    ax.set_xlim(min(0, m["relatif"].min() - 5), 108)
    ax.xaxis.set_major_formatter(formateur_fr(0))
    ax.xaxis.grid(True, zorder=0)
    ax.legend(fontsize=7, frameon=False, loc="lower left", bbox_to_anchor=(0, 1.01), ncols=1)
    habiller(fig, titre_modeles(modeles), source_)
    return fig


def titre_modeles(modeles: pd.DataFrame) -> str:
    """Titre qui dit si les modèles classent les déterminants de la même façon.

    >>> m = pd.DataFrame({"modele": ["a", "a", "b", "b"], "terme": ["x", "y", "x", "y"], "rang": [1, 2, 1, 2]})
    >>> titre_modeles(m)
    'Les trois modèles classent les déterminants exactement dans le même ordre'
    """
    rangs = modeles.pivot_table(index="terme", columns="modele", values="rang")
    if (rangs.nunique(axis=1) == 1).all():
        return "Les trois modèles classent les déterminants exactement dans le même ordre"
    accord = 0
    for k in range(1, len(rangs) + 1):
        tetes = [set(rangs.index[rangs[c] <= k]) for c in rangs.columns]
        if all(t == tetes[0] for t in tetes):
            accord = k
        else:
            break
    if accord >= 2:
        return f"Les trois modèles s'accordent sur les {accord} premiers déterminants ; l'ordre diffère ensuite"
    return "Les modèles ne classent pas les déterminants dans le même ordre : le classement est à lire avec prudence"


def graphique_structures(resultats: dict, source_: str | None = None) -> Figure:
    """Lien audit–perception : variation de la satisfaction perçue moyenne pour +10 points de score d'audit.

    Une série par mesure perçue (enquête, avis en ligne si présents), intervalles à 95 %.

    >>> callable(graphique_structures)
    True
    """
    series = [
        (c, resultats[c])
        for c in ("structures_satisfaction", "structures_avis")
        if resultats.get(c) and resultats[c]["n_observations"] > 0
    ]
    ordre = [d for d in DETERMINANTS if d in set(series[0][1]["coefficients"]["terme"])] if series else []
    fig, ax = nouvelle_figure((TAILLE[0], max(2.8, 1.4 + 0.36 * len(ordre))))
    couleurs = (PALETTE["bleu"], PALETTE["orange"])
    decalage = (-0.15, 0.15) if len(series) > 1 else (0.0,)
    for k, (cle, res) in enumerate(series):
        c = res["coefficients"].set_index("terme").reindex(ordre)
        y = np.arange(len(ordre)) + decalage[k]
        ax.errorbar(
            c["coefficient"],
            y,
            xerr=np.vstack([c["coefficient"] - c["ic_bas"], c["ic_haut"] - c["coefficient"]]),
            fmt="o",
            ms=4,
            color=couleurs[k],
            ecolor=couleurs[k],
            capsize=2,
            lw=1,
            label=f"{LIBELLES_CIBLES[res['cible']]}, R² = {nombre_fr(res['r2'], 2)}",
        )
    ax.axvline(0, color=GRIS, lw=0.8)
    ax.set_yticks(range(len(ordre)), [libelle(d) for d in ordre])
    ax.invert_yaxis()
    ax.set_xlabel("Écart de la mesure perçue pour +10 points de score d'audit")
    ax.xaxis.set_major_formatter(formateur_fr(2))
    ax.xaxis.grid(True, zorder=0)
    if series:
        ax.legend(fontsize=7, frameon=False, loc="lower left", bbox_to_anchor=(0, 1.01), ncols=1)
    note = "Régression par structure et édition, effets d'édition, erreurs robustes par structure ; à scores des autres déterminants égaux."
    habiller(fig, titre_structures(resultats), source_, note)
    return fig


def titre_structures(resultats: dict) -> str:
    """Titre qui dit quels scores d'audit vont de pair avec la satisfaction perçue.

    >>> c = pd.DataFrame({"terme": ["attente"], "libelle": ["Temps d'attente"], "coefficient": [0.2], "ic_bas": [0.1], "ic_haut": [0.3]})
    >>> titre_structures({"structures_satisfaction": {"n_observations": 50, "coefficients": c, "r2": 0.3}})
    "À autres scores égaux, les structures mieux auditées en temps d'attente ont des usagers plus satisfaits (R² = 0,30)"
    """
    res = resultats.get("structures_satisfaction")
    if not res or res["n_observations"] == 0:
        return "Trop peu de structures pour relier scores d'audit et satisfaction perçue"
    c = res["coefficients"]
    positives = [
        verdicts.verdict_association(k, b, h).mot == "positive"
        for k, b, h in zip(c["coefficient"], c["ic_bas"], c["ic_haut"])
    ]
    nets = c[positives].sort_values("coefficient", ascending=False)
    if nets.empty:
        return (
            f"Aucun score d'audit ne se détache nettement dans la satisfaction perçue (R² = {nombre_fr(res['r2'], 2)})"
        )
    noms = [n.lower() for n in nets["libelle"].head(2)]
    return (
        f"À autres scores égaux, les structures mieux auditées en {' et en '.join(noms)} "
        f"ont des usagers plus satisfaits (R² = {nombre_fr(res['r2'], 2)})"
    )


def graphique_lien(lien: pd.DataFrame, source_: str | None = None) -> Figure:
    """Satisfaction perçue moyenne par classe de score d'audit global (chaque classe ≥ 5 structures).

    >>> l = pd.DataFrame({"classe": [1, 2], "n_structures": [50, 50], "score_audit_moyen": [55.0, 75.0], "moyenne": [6.8, 7.3],
    ...                   "ic_bas": [6.6, 7.1], "ic_haut": [7.0, 7.5]})
    >>> isinstance(graphique_lien(l), Figure)
    True
    """
    fig, ax = nouvelle_figure((TAILLE[0], 3.2))
    ax.errorbar(
        lien["score_audit_moyen"],
        lien["moyenne"],
        yerr=np.vstack([lien["moyenne"] - lien["ic_bas"], lien["ic_haut"] - lien["moyenne"]]),
        fmt="o-",
        color=PALETTE["bleu"],
        ecolor=PALETTE["noir"],
        capsize=3,
        lw=1.3,
    )
    for x, y, h in zip(lien["score_audit_moyen"], lien["moyenne"], lien["ic_haut"]):
        ax.annotate(nombre_fr(y, 2), (x, h), xytext=(0, 3), textcoords="offset points", ha="center", fontsize=7.5)
    ax.set_xlabel("Score d'audit global moyen de la classe (points sur 100)")
    ax.set_ylabel("Satisfaction moyenne (sur 10)")
    ax.xaxis.set_major_formatter(formateur_fr())
    ax.yaxis.set_major_formatter(formateur_fr())
    ax.yaxis.grid(True, zorder=0)
    n = int(lien["n_structures"].min()) if len(lien) else 0
    titre = (
        "Pas assez de structures pour former des classes"
        if lien.empty
        else (
            f"De la classe la moins bien auditée à la mieux auditée, la satisfaction passe de "
            f"{nombre_fr(lien['moyenne'].iloc[0], 1)} à {nombre_fr(lien['moyenne'].iloc[-1], 1)} sur 10"
        )
    )
    habiller(
        fig,
        titre,
        source_,
        f"Classes de même effectif selon le score d'audit global (au moins {n} structures par classe) ; "
        "intervalles à 95 %.",
    )
    return fig


def graphique_matrice(matrice: pd.DataFrame, source_: str | None = None) -> Figure:
    """Matrice importance–performance nationale : score d'audit moyen × part du R² expliqué.

    >>> m = pd.DataFrame({"determinant": ["attente", "courtoisie"], "libelle": ["Temps d'attente", "Courtoisie"], "importance_pct": [60.0, 40.0],
    ...                   "performance": [55.0, 80.0], "reference": [67.5, 67.5], "quadrant": ["Priorité", "Acquis"]})
    >>> isinstance(graphique_matrice(m), Figure)
    True
    """
    m = matrice.dropna(subset=["performance"]).assign(lecture=lambda d: lectures_matrice(d))
    fig, ax = nouvelle_figure((TAILLE[0], 4.0))
    ref_x, ref_y = float(m["reference"].iloc[0]), 100 / len(matrice)
    ax.axvline(ref_x, color=GRIS, ls="--", lw=0.9)
    ax.axhline(ref_y, color=GRIS, ls="--", lw=0.9)
    for lecture, g in m.groupby("lecture", sort=False):
        couleur, marque = STYLE_LECTURES.get(lecture, (GRIS, "o"))
        ax.scatter(g["performance"], g["importance_pct"], s=42, color=couleur, marker=marque, label=lecture, zorder=3)
    _etiqueter(ax, m)
    ecart_x = max(5.0, (m["performance"].max() - m["performance"].min()) * 0.15)
    ax.set_xlim(m["performance"].min() - ecart_x, m["performance"].max() + 2.2 * ecart_x)
    ax.set_xlabel("Performance : score d'audit moyen du déterminant (points sur 100)")
    ax.set_ylabel("Importance : part du R² expliqué (%)")
    ax.xaxis.set_major_formatter(formateur_fr())
    ax.yaxis.set_major_formatter(formateur_fr())
    ax.legend(fontsize=7, frameon=False, loc="lower left", bbox_to_anchor=(0, 1.01), ncols=4)
    habiller(
        fig,
        titre_matrice(matrice),
        source_,
        f"Pointillés : importance moyenne ({_pct(ref_y)}) et moyenne des scores d'audit des déterminants ({nombre_fr(ref_x)}).",
    )
    return fig


def _etiqueter(ax, m: pd.DataFrame) -> None:
    """Étiquette chaque point ; une étiquette trop proche d'une précédente passe sous son point."""
    places = []
    etendue_x = max(1.0, float(m["performance"].max() - m["performance"].min()))
    etendue_y = max(0.1, float(m["importance_pct"].max() - m["importance_pct"].min()))
    for _, r in m.sort_values("importance_pct", ascending=False).iterrows():
        x, y = r["performance"], r["importance_pct"]
        proche = any(abs(x - px) < 0.15 * etendue_x and abs(y - py) < 0.06 * etendue_y for px, py in places)
        ax.annotate(r["libelle"], (x, y), xytext=(5, -9 if proche else 3), textcoords="offset points", fontsize=7.5)
        places.append((x, y))


# Lecture de chaque point (mot de ``verdicts.verdict_priorite``) → (couleur, marqueur).
STYLE_LECTURES = {
    "priorité": (PALETTE["vermillon"], "o"),
    "à surveiller": (PALETTE["vermillon"], "D"),
    "atout à préserver": (PALETTE["vert"], "o"),
    "second plan": (PALETTE["bleu"], "s"),
    "acquis": (PALETTE["bleu"], "o"),
    "écart non établi": (GRIS, "^"),
}


def lectures_matrice(matrice: pd.DataFrame) -> list[str]:
    """Mot de chaque déterminant de la matrice, tel que la règle commune le donne (« non publiée »
    sans verdict : pas d'intervalle, pas de mot).

    >>> from analyse.statistiques.verdicts import verdict_ecart, verdict_priorite
    >>> lectures_matrice(pd.DataFrame({"verdict": [verdict_priorite(True, verdict_ecart(-4.0, -7.0, -1.0)), None]}))
    ['priorité', 'non publiée']
    """
    if "verdict" not in matrice:
        return ["non publiée"] * len(matrice)
    return [v.mot if v is not None else "non publiée" for v in matrice["verdict"]]


def _libelles_lus(matrice: pd.DataFrame, mot: str) -> list[str]:
    return [lib.lower() for lib, lu in zip(matrice["libelle"], lectures_matrice(matrice)) if lu == mot]


def titre_matrice(matrice: pd.DataFrame) -> str:
    """Titre qui nomme les priorités nationales établies (importants, retrait établi sur la
    moyenne des déterminants), sinon ce qui reste à surveiller.

    >>> from analyse.statistiques.verdicts import verdict_ecart, verdict_priorite
    >>> v = verdict_priorite(True, verdict_ecart(-4.0, -7.0, -1.0))
    >>> titre_matrice(pd.DataFrame({"libelle": ["Temps d'attente"], "verdict": [v]}))
    "Priorité nationale : temps d'attente, important et en retrait établi sur la moyenne des déterminants"
    >>> v = verdict_priorite(True, verdict_ecart(-1.0, -3.0, 1.0))
    >>> titre_matrice(pd.DataFrame({"libelle": ["Temps d'attente"], "verdict": [v]}))
    "Aucune priorité nationale établie ; à surveiller : temps d'attente (retrait non établi)"
    """
    return verdicts.phrase_priorites(
        _libelles_lus(matrice, "priorité"), _libelles_lus(matrice, "à surveiller"), determinants.REFERENCE_MATRICE
    )


def graphique_stabilite(stabilite: pd.DataFrame, source_: str | None = None) -> Figure:
    """Part du R² expliqué par déterminant, édition par édition, avec intervalles à 95 %.

    >>> s = pd.DataFrame({"annee": [2021, 2022], "determinant": "attente", "libelle": "Attente", "part_pct": [20.0, 22.0],
    ...                   "pct_ic_bas": [18.0, 20.0], "pct_ic_haut": [22.0, 24.0], "part": [0.1, 0.11]})
    >>> isinstance(graphique_stabilite(s), Figure)
    True
    """
    fig, ax = nouvelle_figure((TAILLE[0], 3.9))
    annees = sorted(stabilite["annee"].unique())
    position = {a: i for i, a in enumerate(annees)}
    ordre = stabilite.groupby("determinant")["part"].mean().sort_values(ascending=False).index
    decalage = np.linspace(-0.25, 0.25, len(ordre)) if len(ordre) > 1 else [0.0]
    for k, d in enumerate(ordre):
        s = stabilite[stabilite["determinant"] == d].sort_values("annee")
        x = s["annee"].map(position).to_numpy() + decalage[k]
        ax.errorbar(
            x,
            s["part_pct"],
            yerr=np.vstack([s["part_pct"] - s["pct_ic_bas"], s["pct_ic_haut"] - s["part_pct"]]),
            fmt="-",
            marker=MARQUEURS_DETERMINANTS.get(d, "o"),
            ms=3.5,
            lw=1,
            capsize=1.5,
            color=COULEURS_DETERMINANTS.get(d, GRIS),
            label=libelle(d),
        )
    ax.set_xticks(range(len(annees)), [str(a) for a in annees])
    ax.set_xlabel("Édition")
    ax.set_ylabel("Part du R² expliqué (%)")
    ax.yaxis.set_major_formatter(formateur_fr())
    ax.yaxis.grid(True, zorder=0)
    ax.legend(fontsize=6.5, frameon=False, loc="lower left", bbox_to_anchor=(0, 1.01), ncols=4)
    habiller(fig, titre_stabilite(stabilite), source_)
    return fig


def titre_stabilite(stabilite: pd.DataFrame) -> str:
    """Titre qui dit si le déterminant en tête est le même à chaque édition.

    >>> s = pd.DataFrame({"annee": [2021, 2021, 2022, 2022], "libelle": ["A", "B", "A", "B"], "part": [0.2, 0.1, 0.3, 0.1]})
    >>> titre_stabilite(s)
    'A en tête à chacune des 2 éditions'
    """
    tetes = stabilite.loc[stabilite.groupby("annee")["part"].idxmax(), "libelle"]
    if tetes.nunique() == 1:
        return f"{tetes.iloc[0]} en tête à chacune des {len(tetes)} éditions"
    return f"Le déterminant en tête change selon l'édition ({_liste(sorted(set(tetes)))})"


# --------------------------------------------------------------------------- tableaux prêts à afficher


def tableau_importance(importance: pd.DataFrame) -> pd.DataFrame:
    """Parts LMG, parts du R² expliqué et rangs avec leurs intervalles.

    >>> t = pd.DataFrame({"libelle": ["A"], "part": [0.1], "ic_bas": [0.09], "ic_haut": [0.11], "part_pct": [50.0],
    ...                   "pct_ic_bas": [45.0], "pct_ic_haut": [55.0], "rang": [1], "rang_bas": [1], "rang_haut": [2]})
    >>> tableau_importance(t)["Rang (IC)"].item()
    '1\xa0(1\xa0à\xa02)'
    """
    imp = _trie(importance)
    return pd.DataFrame(
        {
            "Déterminant": imp["libelle"],
            "Part de R² (points de %)": 100 * imp["part"],
            "IC à 95 %": [intervalle_fr(100 * b, 100 * h, 2) for b, h in zip(imp["ic_bas"], imp["ic_haut"])],
            "Part du R² expliqué (%)": imp["part_pct"],
            "IC à 95 % (%)": [intervalle_fr(b, h) for b, h in zip(imp["pct_ic_bas"], imp["pct_ic_haut"])],
            "Rang (IC)": [
                f"{r}\u00a0({b}\u00a0à\u00a0{h})" if b != h else f"{r}"
                for r, b, h in zip(imp["rang"], imp["rang_bas"], imp["rang_haut"])
            ],
        }
    )


def tableau_dominance(resultats: dict) -> pd.DataFrame:
    """Pour chaque déterminant : R² seul, part LMG, et déterminants qu'il domine complètement.

    >>> d = {"generale": pd.Series({"a": 0.2, "b": 0.1}), "conditionnelle": pd.DataFrame([[0.3, 0.1], [0.15, 0.05]], index=["a", "b"], columns=[0, 1])}
    >>> r = pd.DataFrame({"dominant": ["a"], "domine": ["b"], "complete": [True], "conditionnelle": [True]})
    >>> tableau_dominance({"dominance": d, "relations": r})["Domine complètement"].tolist()
    ['b', '–']
    """
    dom, rel = resultats["dominance"], resultats["relations"]
    ordre = dom["generale"].sort_values(ascending=False).index

    def _domines(d, colonne):
        noms = [libelle(x) for x in rel.loc[(rel["dominant"] == d) & rel[colonne], "domine"]]
        return ", ".join(noms) if noms else "–"

    return pd.DataFrame(
        {
            "Déterminant": [libelle(d) for d in ordre],
            "R² seul (%)": [100 * dom["conditionnelle"].loc[d].iloc[0] for d in ordre],
            "Part LMG (points de %)": [100 * dom["generale"][d] for d in ordre],
            "Domine complètement": [_domines(d, "complete") for d in ordre],
        }
    )


def tableau_modeles(modeles: pd.DataFrame, importance: pd.DataFrame) -> pd.DataFrame:
    """Comparaison des modèles : coefficient [IC] (rang) de chaque modèle et rang LMG.

    >>> m = pd.DataFrame({"modele": ["mco_grappes"], "terme": ["attente"], "coefficient": [0.2], "ic_bas": [0.1], "ic_haut": [0.3], "rang": [1]})
    >>> i = pd.DataFrame({"determinant": ["attente"], "libelle": ["Temps d'attente"], "rang": [1], "part": [0.1]})
    >>> tableau_modeles(m, i).columns.tolist()
    ['Déterminant', 'Rang LMG', 'Moindres carrés (points par point de note)']
    """
    entetes = {
        "mco_grappes": "Moindres carrés (points par point de note)",
        "logit_ordinal": "Logit ordinal (log-rapport de chances)",
        "mixte": "Modèle mixte (points par point de note)",
    }
    imp = _trie(importance)
    table = pd.DataFrame({"Déterminant": imp["libelle"], "Rang LMG": imp["rang"]})
    for nom in dict.fromkeys(modeles["modele"]):
        s = modeles[modeles["modele"] == nom].set_index("terme").reindex(imp["determinant"])
        table[entetes.get(nom, nom)] = [
            _insecable(f"{nombre_fr(c, 3)} {intervalle_fr(b, h, 3)}") + f" ({r})"
            for c, b, h, r in zip(s["coefficient"], s["ic_bas"], s["ic_haut"], s["rang"])
        ]
    return table


def tableau_structures(resultats: dict) -> pd.DataFrame:
    """Coefficients des modèles par structure (pour +10 points d'audit) : une colonne par mesure perçue.

    >>> tableau_structures({}).empty
    True
    """
    colonnes = {}
    for cle in ("structures_satisfaction", "structures_avis"):
        res = resultats.get(cle)
        if not res or res["n_observations"] == 0:
            continue
        c = res["coefficients"].set_index("terme")
        colonnes[LIBELLES_CIBLES[res["cible"]]] = {
            t: _insecable(f"{nombre_fr(v, 3)} {intervalle_fr(b, h, 3)}")
            for t, v, b, h in zip(c.index, c["coefficient"], c["ic_bas"], c["ic_haut"])
        }
    if not colonnes:
        return pd.DataFrame()
    termes = [d for d in DETERMINANTS if any(d in v for v in colonnes.values())]
    table = pd.DataFrame({"Score d'audit (+10 points)": [libelle(t) for t in termes]})
    for nom, valeurs in colonnes.items():
        table[f"{nom} : écart [IC à 95 %]"] = [valeurs.get(t, "–") for t in termes]
    return table


def resume_structures(resultats: dict) -> pd.DataFrame:
    """Tailles d'échantillon et R² des modèles par structure.

    >>> resume_structures({}).empty
    True
    """
    lignes = []
    for cle in ("structures_satisfaction", "structures_avis"):
        res = resultats.get(cle)
        if not res or res["n_observations"] == 0:
            continue
        part_edition = float(res["lmg"].get("edition", 0.0))
        lignes.append(
            {
                "Mesure perçue": LIBELLES_CIBLES[res["cible"]],
                "Structures": res["n_structures"],
                "Structures × éditions": res["n_observations"],
                "Éditions": res["n_editions"],
                "R²": res["r2"],
                "Part du R² due aux éditions (%)": 100 * part_edition / res["r2"] if res["r2"] else np.nan,
            }
        )
    return pd.DataFrame(lignes)


def tableau_lien(lien: pd.DataFrame) -> pd.DataFrame:
    """Satisfaction moyenne par classe de score d'audit, prêt à afficher.

    >>> tableau_lien(pd.DataFrame({"classe": [1], "n_structures": [9], "score_audit_moyen": [60.0], "moyenne": [7.0], "ic_bas": [6.8], "ic_haut": [7.2]})).columns[0]
    'Classe de score d’audit'
    """
    return pd.DataFrame(
        {
            "Classe de score d’audit": [
                f"{c}e classe" if c > 1 else "1re classe (scores les plus bas)" for c in lien["classe"]
            ],
            "Structures": lien["n_structures"],
            "Score d'audit moyen": lien["score_audit_moyen"],
            "Satisfaction moyenne (sur 10)": lien["moyenne"],
            "IC à 95 %": [intervalle_fr(b, h, 2) for b, h in zip(lien["ic_bas"], lien["ic_haut"])],
        }
    )


def tableau_matrice(matrice: pd.DataFrame) -> pd.DataFrame:
    """Matrice importance–performance nationale, classée par l'aide à la décision (importance ×
    écart) ; l'écart porte son intervalle et la lecture vient de la règle commune.

    >>> from analyse.statistiques.verdicts import verdict_ecart, verdict_priorite
    >>> v = verdict_priorite(True, verdict_ecart(-5.0, -8.0, -2.0))
    >>> m = pd.DataFrame({"libelle": ["A"], "importance_pct": [20.0], "performance": [60.0], "ecart_reference": [-5.0],
    ...                   "ecart_bas": [-8.0], "ecart_haut": [-2.0], "verdict": [v], "rang": [1], "n_structures": [40]})
    >>> tableau_matrice(m)[["Écart à la moyenne des déterminants (points, IC à 95 %)", "Lecture"]].values.tolist()
    [['-5,0\\xa0[-8,0\\u202f;\\xa0-2,0]', 'priorité']]
    """
    ecarts = [
        _insecable(f"{verdicts.signe_fr(e)} {verdicts.intervalle_signe(b, h)}") if pd.notna(b) else verdicts.signe_fr(e)
        for e, b, h in zip(
            matrice["ecart_reference"], matrice.get("ecart_bas", np.nan), matrice.get("ecart_haut", np.nan)
        )
    ]
    return pd.DataFrame(
        {
            "Rang": matrice["rang"],
            "Déterminant": matrice["libelle"],
            "Importance (% du R² expliqué)": matrice["importance_pct"],
            "Score d'audit moyen": matrice["performance"],
            "Écart à la moyenne des déterminants (points, IC à 95 %)": ecarts,
            "Lecture": lectures_matrice(matrice),
            "Structures": matrice["n_structures"],
        }
    )


def tableau_stabilite(stabilite: pd.DataFrame) -> pd.DataFrame:
    """Part du R² expliqué [IC] par déterminant (lignes) et édition (colonnes).

    >>> s = pd.DataFrame({"annee": [2022], "determinant": ["attente"], "libelle": ["Attente"], "part": [0.1], "part_pct": [20.0], "pct_ic_bas": [18.0], "pct_ic_haut": [22.0], "r2": [0.6], "n_structures": [40]})
    >>> tableau_stabilite(s).columns.tolist()
    ['Déterminant', '2022']
    """
    ordre = stabilite.groupby("libelle")["part"].mean().sort_values(ascending=False).index
    table = pd.DataFrame({"Déterminant": list(ordre)})
    for annee, g in stabilite.groupby("annee"):
        g = g.set_index("libelle").reindex(ordre)
        table[str(annee)] = [
            _insecable(f"{nombre_fr(v)} {intervalle_fr(b, h)}")
            for v, b, h in zip(g["part_pct"], g["pct_ic_bas"], g["pct_ic_haut"])
        ]
    return table


def tableau_effectifs(effectifs_: pd.DataFrame) -> pd.DataFrame:
    """Effectifs par édition, prêt à afficher.

    >>> tableau_effectifs(pd.DataFrame({"edition": ["2022"], "repondants": [10], "repondants_complets": [5], "structures": [5], "part_complets_pct": [50.0]})).columns[0]
    'Édition'
    """
    return pd.DataFrame(
        {
            "Édition": effectifs_["edition"],
            "Répondants": effectifs_["repondants"],
            "Répondants complets": effectifs_["repondants_complets"],
            "Part complète (%)": effectifs_["part_complets_pct"],
            "Structures": effectifs_["structures"],
        }
    )


def bloc_stabilite(resultats: dict, source_: str):
    """Graphique et tableau de stabilité, ou une phrase s'il n'y a qu'une édition.

    >>> "une seule édition" in str(bloc_stabilite({"stabilite": pd.DataFrame({"annee": [2022]})}, "Source"))
    True
    """
    from analyse.rapports.graphiques import figure_html

    stab = resultats["stabilite"]
    if stab.empty or stab["annee"].nunique() < 2:
        return rendre("determinants_stabilite.html.j2", figure=None, table=None, source=source_)
    figure = figure_html(
        graphique_stabilite(stab, source_),
        "Part du R² expliqué par chaque déterminant, édition par édition, intervalles bootstrap à 95 %.",
    )
    return rendre("determinants_stabilite.html.j2", figure=figure, table=tableau_stabilite(stab), source=source_)


# --------------------------------------------------------------------------- synthèse et annexe


def synthese(resultats: dict) -> BlocHTML:
    """Résumé en français simple : sur quoi une structure peut porter ses efforts en premier.

    >>> callable(synthese)
    True
    """
    imp, mat = _trie(resultats["importance"]), resultats["matrice"]
    lu = pd.Series(lectures_matrice(mat), index=mat.index)
    return rendre(
        "determinants_synthese.html.j2",
        trois=imp.head(3).to_dict("records"),
        prio=_lignes_lues(mat[lu == "priorité"]),
        surveiller=_lignes_lues(mat[lu == "à surveiller"]),
        atouts=_lignes_lues(mat[lu == "atout à préserver"]),
    )


def _lignes_lues(matrice: pd.DataFrame) -> list[dict]:
    """Lignes de la matrice avec leur écart chiffré (écart signé, unité, intervalle)."""
    return [
        r | {"chiffres": verdicts.chiffres_ecart(r["ecart_reference"], r["ecart_bas"], r["ecart_haut"])}
        for r in matrice.to_dict("records")
    ]


def annexe(resultats: dict, parametres: config.Parametres = config.PARAMETRES) -> BlocHTML:
    """Annexe méthodologique : modèles, tailles d'échantillon, précautions de lecture.

    >>> callable(annexe)
    True
    """
    notes = [
        resultats[cle].get("note", "")
        for cle in ("structures_satisfaction", "structures_avis")
        if isinstance(resultats.get(cle), dict)
    ]
    return rendre(
        "determinants_annexe.html.j2",
        p=parametres,
        periode=periode(resultats["annees"]),
        tot=resultats["effectifs"].iloc[-1],
        choix=determinants.ANNEXE_METHODE,
        notes_modeles=sorted({n for n in notes if n}),
        bootstrap_reduit=int(resultats["importance"]["n_bootstrap"].iloc[0]) < 1000,
    )


def tableau_modeles_resume(modeles: pd.DataFrame) -> pd.DataFrame:
    """Modèles ajustés : observations, structures, convergence.

    >>> tableau_modeles_resume(pd.DataFrame({"modele": ["mixte"], "libelle_modele": ["Mixte"], "n_observations": [10], "n_structures": [5], "convergence": [True]})).columns.tolist()
    ['Modèle', 'Répondants', 'Structures', 'Convergence']
    """
    t = modeles.drop_duplicates("modele")
    return pd.DataFrame(
        {
            "Modèle": t["libelle_modele"],
            "Répondants": t["n_observations"],
            "Structures": t["n_structures"],
            "Convergence": t["convergence"],
        }
    ).reset_index(drop=True)


# --------------------------------------------------------------------------- rapport


def rapport_determinants(
    donnees: Path | str = "data", sortie: Path | str = "rapports", annees=None, parametres_methode: dict | None = None
) -> Path:
    """Rapport « Déterminants de la satisfaction » : ``<sortie>/determinants/rapport_determinants.pdf`` (+ HTML, CSV).

    ``annees`` : éditions à empiler (par défaut toutes celles qui ont une enquête en ligne).
    Les chemins relatifs partent de la racine du projet.

    >>> rapport_determinants("/dossier/absent")
    Traceback (most recent call last):
    FileNotFoundError: Aucune enquête en ligne préparée dans /dossier/absent/processed : lancez d'abord « analyse preparer ».
    """
    from analyse.rapports.rendu import produire_rapport

    donnees, sortie = resoudre_chemin(donnees), resoudre_chemin(sortie)
    choisies = choisir_annees(donnees, annees)
    parametres = {
        "annees": [int(a) for a in choisies],
        "donnees": str(donnees),
        "sortie": str(sortie),
        "parametres_methode": dict(parametres_methode or {}),
    }
    chemins = produire_rapport(
        config.NOTEBOOKS / f"{NOM_FICHIER}.ipynb", parametres, dossier_sortie(sortie), NOM_FICHIER, titre=TITRE
    )
    return chemins["pdf"]
