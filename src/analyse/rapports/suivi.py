"""Tableau de bord de l'écoute usagers d'une structure : graphiques, tableaux, textes, rendu PDF.

Les calculs sont dans ``analyse.statistiques.suivi`` ; ce module les met en forme (style maison de
``analyse.rapports.graphiques``, nombres à la française de ``analyse.formatage``) et produit le
rapport par la route commune de ``analyse.rapports.rendu`` (papermill → HTML → PDF) dans
``<sortie>/suivi/``. Confidentialité : seule la structure concernée est nommée ; les
comparaisons portent sur des moyennes d'au moins 5 structures ; les textes libres sont
masqués (``analyse.donnees.confidentialite``) avant d'être cités.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from analyse import config
from analyse.donnees.codes import DETERMINANTS, libelle
from analyse.donnees.confidentialite import masquer_texte
from analyse.ecoute.signaux import LIBELLES_SOURCES, SOURCES
from analyse.formatage import (
    BlocHTML,
    accorder,
    couper_texte,
    date_fr,
    delai_fr,
    ecrire_csv,
    intervalle_fr,
    mois_fr,
    nombre_fr,
    pourcent_fr,
)
from analyse.rapports.gabarits import rendre
from analyse.rapports.graphiques import (
    GRIS,
    PALETTE,
    TAILLE,
    formateur_fr,
    habiller,
    ligne_source,
    nouvelle_figure,
    poser_categories,
)
from analyse.statistiques.suivi import JOURS, ParametresSuivi
from analyse.statistiques.verdicts import (
    phrase_alertes_cartes,
    resume_cible_mensuelle,
    verdict_carte_controle,
    verdict_cible,
)

TITRE = "Tableau de bord de l’écoute usagers"
LONGUEUR_EXTRAIT = 200  # caractères au plus par extrait de signal cité
MOIS_COURTS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")
COULEURS_SOURCES = dict(
    zip(
        SOURCES,
        (
            PALETTE["bleu"],
            PALETTE["vermillon"],
            PALETTE["orange"],
            PALETTE["vert"],
            PALETTE["pourpre"],
            PALETTE["bleu_ciel"],
            PALETTE["jaune"],
            GRIS,
        ),
    )
)


# --------------------------------------------------------------------------- appui au notebook


def preparer_parametres(valeurs: dict | None = None) -> ParametresSuivi:
    """Paramètres du tableau de bord (défauts, modifiés par ``valeurs``).

    >>> preparer_parametres({"delai_cible_jours": 10}).delai_cible_jours
    10
    """
    return ParametresSuivi.depuis_dict(valeurs)


def dossier_suivi(sortie: Path | str) -> Path:
    """Dossier des tableaux de bord : ``<sortie>/suivi``.

    >>> dossier_suivi("/tmp/rapports").name
    'suivi'
    """
    from analyse.config import resoudre_chemin

    return resoudre_chemin(sortie) / "suivi"


def nom_fichier(structure_id: str) -> str:
    """Nom des fichiers du tableau de bord d'une structure (caractères sûrs seulement).

    >>> nom_fichier("S/001 é")
    'suivi_S_001__'
    """
    return "suivi_" + re.sub(r"[^0-9A-Za-z_-]", "_", str(structure_id))


def _mois_court(mois) -> str:
    m = pd.Timestamp(mois)
    return f"{MOIS_COURTS[m.month - 1]}\n{m.year}" if m.month == 1 else MOIS_COURTS[m.month - 1]


def source_suivi(tables: dict, demo: bool = False) -> str:
    """Ligne de source sous chaque graphique et tableau.

    >>> source_suivi({"annee": 2022})
    "Source : canaux d'écoute de la structure et Baromètre Expérience Citoyen, édition 2022 ; calculs de l'observatoire"
    """
    return ligne_source(
        f"édition {tables['annee']}", demo, origine="canaux d'écoute de la structure et Baromètre Expérience Citoyen"
    )


def couverture(tables: dict, demo: bool = False):
    """Informations de couverture transmises au rendu PDF.

    >>> couverture({"structure": {"nom": "Mairie de Zébrinville"}, "annee": 2022}).meta["sous_titre"]
    'Mairie de Zébrinville — suivi continu jusqu’à fin 2022'
    """
    from analyse.rapports.rendu import declarer_couverture

    return declarer_couverture(
        titre=TITRE, sous_titre=f"{tables['structure']['nom']} — suivi continu jusqu’à fin {tables['annee']}", demo=demo
    )


def _liste(elements) -> BlocHTML:
    return rendre("liste.html.j2", elements=list(elements))


# --------------------------------------------------------------------------- textes


def synthese(tables: dict, resultats: dict) -> BlocHTML:
    """Points clés : volume et sources, alertes, réclamations, téléphone, lien avec l'audit.

    >>> synthese.__name__  # voir tests/test_rapport_suivi.py
    'synthese'
    """
    s = tables["signaux"]
    donnees = {
        "n_signaux": len(s),
        "sources": None,
        "alertes": None,
        "reclamations": None,
        "telephone": None,
        "renfort": None,
        "audit": None,
        "spplus": None,
        "parametres": resultats["parametres"],
    }
    if len(s):
        sources = s["source"].value_counts()
        donnees |= {
            "debut": s["date_signal"].min(),
            "fin": s["date_signal"].max(),
            "n_sources": len(sources),
            "premiere_source": LIBELLES_SOURCES[sources.index[0]],
            "part_premiere": sources.iloc[0] / len(s),
            "alertes": _donnees_alertes(resultats),
        }
        donnees["reclamations"] = _reclamations_annee(resultats, s["date_signal"].max().year)
        donnees["spplus"] = _phrase_spplus(resultats.get("spplus"), resultats["parametres"])
    if "renfort" in resultats:
        donnees |= {"telephone": resultats["telephone"], "renfort": resultats["renfort"]}
    h = resultats["historique"].dropna(subset=["score_audit"])
    if len(h):
        donnees["audit"] = h.iloc[-1].to_dict()
    return rendre("suivi_synthese.html.j2", **donnees)


def _reclamations_annee(resultats: dict, annee: int) -> dict | None:
    """Chiffres d'une année tirés de sa courbe de Kaplan–Meier (pas de médiane des médianes mensuelles)."""
    a = resultats.get("reclamations_annuelles")
    if a is None or a.empty or annee not in set(a["annee_signal"]):
        return None
    r = a[a["annee_signal"] == annee].iloc[0]
    return {
        "annee": annee,
        "n": int(r["n"]),
        "part_repondues": r["part_repondues"],
        "delai": delai_fr(r["delai_median_jours"], r["delai_ic_bas"], r["delai_ic_haut"]),
        "dans_delai": f"{pourcent_fr(r['part_dans_delai'], 0)} {intervalle_pourcent(r['part_ic_bas'], r['part_ic_haut'])}",
    }


def intervalle_pourcent(bas, haut) -> str:
    """Intervalle d'une proportion, en pour cent.

    >>> intervalle_pourcent(0.123, 0.456)
    '[12 ; 46 %]'
    """
    if pd.isna(bas) or pd.isna(haut):
        return "[intervalle non calculable]"
    return f"[{nombre_fr(100 * bas, 0)} ; {nombre_fr(100 * haut, 0)} %]"


def _phrase_spplus(spplus: dict | None, parametres) -> dict | None:
    """Chiffres Services Publics + prêts à écrire (taux de réponse, délai, part dans le délai, avec intervalles)."""
    if spplus is None:
        return None
    d, p = spplus["delai"], spplus["dans_delai"]
    return {
        "n": spplus["n"],
        "n_repondues": spplus["n_repondues"],
        "taux": f"{pourcent_fr(spplus['taux_reponse'], 0)} {intervalle_pourcent(*spplus['taux_ic'])}",
        "delai": delai_fr(d["mediane"], d["ic_bas"], d["ic_haut"]),
        "dans_delai": f"{pourcent_fr(p['part'], 0)} {intervalle_pourcent(p['ic_bas'], p['ic_haut'])}",
        "cible": parametres.delai_cible_jours,
        "extraction": spplus["extraction"],
    }


def _donnees_alertes(resultats: dict) -> dict:
    mois = sorted(resultats["alertes"]["mois"].unique())
    evaluees = bool(resultats["carte_p"]["reference"].any())
    premier, dernier = (mois_fr(mois[0]), mois_fr(mois[-1])) if mois else (None, None)
    return {
        "n_mois": len(mois),
        "premier": mois[0] if mois else None,
        "dernier": mois[-1] if mois else None,
        "evaluees": evaluees,
        "phrase": phrase_alertes_cartes(len(mois), premier, dernier, evaluees),
    }


def phrase_cartes(resultats: dict) -> BlocHTML:
    """Lecture des cartes de contrôle : référence, limites, mois signalés.

    >>> phrase_cartes.__name__
    'phrase_cartes'
    """
    p, e = resultats["carte_p"], resultats["carte_ewma"]
    ref = p[p["reference"]]
    return rendre(
        "suivi_cartes.html.j2",
        debut=ref["mois"].min(),
        fin=ref["mois"].max(),
        n_mois=len(ref),
        p_barre=p["p_barre"].iloc[0],
        mu0=e["mu0"].iloc[0],
        alertes=_donnees_alertes(resultats),
    )


# --------------------------------------------------------------------------- graphiques


def _axe_mois(ax, mois) -> None:
    pas = 1 if len(mois) <= 18 else 2
    poser_categories(ax, "x", [mois_fr(m) for m in mois], [_mois_court(m) for m in mois], pas=pas, fontsize=7.5)
    ax.set_xlim(-0.6, len(mois) - 0.4)


def graphique_volumes(resultats: dict, source: str) -> Figure:
    """Signaux par mois, empilés par source.

    >>> graphique_volumes.__name__
    'graphique_volumes'
    """
    d = resultats["par_source"].pivot_table(index="mois", columns="source", values="n", fill_value=0)
    d = d[[s for s in SOURCES if s in d.columns]]
    fig, ax = nouvelle_figure((TAILLE[0], 3.4))
    x = np.arange(len(d))
    bas = np.zeros(len(d))
    for src in d.columns:
        ax.bar(x, d[src], bottom=bas, color=COULEURS_SOURCES[src], width=0.75, label=LIBELLES_SOURCES[src], zorder=2)
        bas = bas + d[src].to_numpy()
    _axe_mois(ax, d.index)
    ax.set_ylabel("Signaux par mois")
    ax.yaxis.set_major_formatter(formateur_fr(0))
    ax.yaxis.grid(True, zorder=0)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncols=4, fontsize=7, frameon=False)
    total = d.sum(axis=1)
    titre = (
        f"{nombre_fr(total.mean(), 0)} signaux par mois en moyenne ; "
        f"{LIBELLES_SOURCES[d.sum().idxmax()].lower()} en tête"
    )
    habiller(fig, titre, source)
    return fig


def graphique_carte_p(resultats: dict, source: str) -> Figure:
    """Carte p′ : part mensuelle de signaux négatifs, limites, mois signalés.

    >>> graphique_carte_p.__name__
    'graphique_carte_p'
    """
    c = resultats["carte_p"]
    fig, ax = nouvelle_figure((TAILLE[0], 3.3))
    x = np.arange(len(c))
    ax.fill_between(
        x,
        100 * c["limite_basse"],
        100 * c["limite_haute"],
        color=PALETTE["bleu_ciel"],
        alpha=0.25,
        step="mid",
        lw=0,
        label="Zone de variation habituelle",
    )
    ax.axhline(100 * c["p_barre"].iloc[0], color=GRIS, ls="--", lw=1, label="Niveau de référence")
    ax.plot(x, 100 * c["p"], marker="o", ms=3.5, color=PALETTE["bleu"], lw=1.3, label="Part de négatifs", zorder=3)
    alertes = c["alerte"].to_numpy()
    ax.scatter(x[alertes], 100 * c["p"][alertes], s=55, color=PALETTE["vermillon"], zorder=4, label="Alerte")
    ref = c["reference"].to_numpy()
    if ref.any():
        ax.axvspan(-0.5, np.flatnonzero(ref).max() + 0.5, color="#eeeeee", zorder=0)
    _axe_mois(ax, c["mois"])
    ax.set_ylabel("Signaux négatifs (%)")
    ax.set_ylim(0, 100)
    ax.yaxis.set_major_formatter(formateur_fr(0))
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncols=4, fontsize=7, frameon=False)
    premier = c.loc[c["alerte"], "mois"]
    titre = (
        f"La part de signaux négatifs sort de sa zone habituelle en {mois_fr(premier.iloc[0])}"
        if len(premier)
        else "La part de signaux négatifs reste dans sa zone de variation habituelle"
    )
    habiller(
        fig,
        titre,
        source,
        "Fond gris : mois de référence. Carte p′ de Laney, limites à 3 écarts-types ; "
        "mois de moins de 5 signaux non évalués.",
    )
    return fig


def graphique_ewma(resultats: dict, source: str) -> Figure:
    """Carte EWMA de la note moyenne mensuelle (sur 100).

    >>> graphique_ewma.__name__
    'graphique_ewma'
    """
    c = resultats["carte_ewma"]
    fig, ax = nouvelle_figure((TAILLE[0], 3.3))
    x = np.arange(len(c))
    ax.plot(x, c["note_moyenne"], ls="none", marker="o", ms=3, color=GRIS, label="Note moyenne du mois")
    ax.plot(x, c["ewma"], color=PALETTE["bleu"], lw=1.6, label="Moyenne lissée (EWMA)", zorder=3)
    ax.plot(x, c["limite_basse"], color=PALETTE["vermillon"], ls="--", lw=1.1, label="Limite basse")
    ax.axhline(c["mu0"].iloc[0], color=GRIS, ls=":", lw=1, label="Référence")
    alertes = c["alerte"].to_numpy()
    ax.scatter(x[alertes], c["ewma"][alertes], s=50, color=PALETTE["vermillon"], zorder=4)
    _axe_mois(ax, c["mois"])
    ax.set_ylabel("Note ramenée sur 100")
    ax.set_ylim(0, 100)
    ax.yaxis.set_major_formatter(formateur_fr(0))
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncols=4, fontsize=7, frameon=False)
    premier = c.loc[c["alerte"], "mois"]
    titre = verdict_carte_controle(mois_fr(premier.iloc[0]) if len(premier) else None, "La note moyenne lissée").phrase
    laney = c["facteur_laney"].iloc[0] if "facteur_laney" in c and len(c) else 1.0
    habiller(
        fig,
        titre,
        source,
        f"Notes des enquêtes et avis ramenées sur 100 ; EWMA λ = "
        f"{nombre_fr(resultats['parametres'].lambda_ewma, 1)}, limite à {nombre_fr(resultats['parametres'].largeur_limites, 0)} "
        f"écarts-types, élargie du facteur de Laney ({nombre_fr(laney, 2)}).",
    )
    return fig


def graphique_determinants(resultats: dict, source: str, minimum: int = 5) -> Figure:
    """Carte de chaleur : part de signaux négatifs par déterminant et par trimestre (cases maigres grisées).

    Le trimestre regroupe assez de signaux par déterminant pour que la part soit lisible.

    >>> graphique_determinants.__name__
    'graphique_determinants'
    """
    d = resultats["par_determinant"].assign(trimestre=lambda x: x["mois"].dt.to_period("Q").dt.to_timestamp())
    g = d.groupby(["determinant", "trimestre"])[["n_negatifs", "n_polarises"]].sum()
    part = (g["n_negatifs"] / g["n_polarises"]).where(g["n_polarises"] > 0).unstack("trimestre")
    n = g["n_polarises"].unstack("trimestre").fillna(0)
    ordre = [x for x in DETERMINANTS if x in part.index]
    part, n = part.reindex(ordre), n.reindex(ordre)
    valeurs = np.ma.masked_where(
        (n.to_numpy() < minimum) | np.isnan(part.to_numpy(dtype=float)), 100 * part.to_numpy(dtype=float)
    )
    fig, ax = nouvelle_figure((TAILLE[0], 3.4))
    palette = ListedColormap(
        ["#f7fbff", "#deebf7", "#fdd0a2", "#fdae6b", "#f16913", "#d94801", "#8c2d04"]
    ).with_extremes(bad="#e6e6e6")
    image = ax.imshow(valeurs, aspect="auto", cmap=palette, vmin=0, vmax=100, interpolation="nearest")
    for i in range(valeurs.shape[0]):
        for j in range(valeurs.shape[1]):
            if not np.ma.is_masked(valeurs[i, j]):
                ax.text(
                    j,
                    i,
                    nombre_fr(valeurs[i, j], 0),
                    ha="center",
                    va="center",
                    fontsize=6.5,
                    color="white" if valeurs[i, j] > 60 else "black",
                )
    ax.set_yticks(np.arange(len(ordre)), [libelle(x) for x in ordre], fontsize=7.5)
    ax.set_xticks(
        np.arange(len(part.columns)), [f"T{(m.month - 1) // 3 + 1}\n{m.year}" for m in part.columns], fontsize=7.5
    )
    barre = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    barre.set_label("Signaux négatifs (%)", fontsize=7.5)
    barre.ax.yaxis.set_major_formatter(formateur_fr(0))
    dernier = g.xs(part.columns[-1], level="trimestre") if len(part.columns) else g.iloc[:0]
    titre = (
        f"Au dernier trimestre, « {libelle(dernier['n_negatifs'].idxmax()).lower()} » concentre le plus de "
        "signaux négatifs"
        if len(dernier) and dernier["n_negatifs"].max() > 0
        else "Part de signaux négatifs par déterminant et par trimestre"
    )
    habiller(
        fig,
        titre,
        source,
        f"Cases grises : moins de {minimum} signaux polarisés. Un signal peut concerner "
        "plusieurs déterminants (classement par lexique ou catégorie du fichier).",
    )
    return fig


def graphique_reclamations(resultats: dict, source: str) -> Figure:
    """Délai médian de réponse aux réclamations et part répondue dans le délai cible, par mois.

    >>> graphique_reclamations.__name__
    'graphique_reclamations'
    """
    r = resultats["reclamations"]
    cible = resultats["parametres"].delai_cible_jours
    fig, ax = nouvelle_figure((TAILLE[0], 3.2))
    x = np.arange(len(r))
    ax.bar(
        x,
        r["delai_median_jours"],
        color=PALETTE["bleu"],
        width=0.7,
        zorder=2,
        label="Délai médian (Kaplan–Meier, jours)",
    )
    _intervalles_delais(ax, x, r)
    ax.axhline(cible, color=PALETTE["vermillon"], ls="--", lw=1.2, label=f"Délai cible ({cible} jours)")
    ax2 = ax.twinx()
    ax2.plot(
        x,
        100 * r["part_dans_delai"],
        color=PALETTE["orange"],
        marker="o",
        ms=3,
        lw=1.3,
        label="Réponses dans le délai (%)",
    )
    ax2.set_ylim(0, 105)
    ax2.set_ylabel("Réponses dans le délai (%)")
    ax2.yaxis.set_major_formatter(formateur_fr(0))
    ax2.spines["right"].set_visible(True)
    _axe_mois(ax, r["mois"])
    ax.set_ylabel("Délai médian (jours)")
    ax.yaxis.set_major_formatter(formateur_fr(0))
    ax.yaxis.grid(True, zorder=0)
    poignees = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    ax.legend(handles=poignees, loc="lower left", bbox_to_anchor=(0, 1.01), ncols=3, fontsize=7, frameon=False)
    habiller(
        fig,
        titre_reclamations(r, cible),
        source,
        "Mois de dépôt de la réclamation ; traits : intervalle à 95 % du délai médian (flèche : borne haute non "
        "atteinte) ; les réclamations récentes sans réponse peuvent encore en recevoir une.",
    )
    return fig


def _intervalles_delais(ax, x, r: pd.DataFrame) -> None:
    """Intervalle à 95 % de chaque médiane mensuelle ; une borne haute non atteinte est une flèche."""
    bas = r["delai_ic_bas"].astype(float)
    haut = r["delai_ic_haut"].astype(float)
    plafond = np.nanmax(np.r_[r["delai_median_jours"].astype(float), bas, haut[np.isfinite(haut)], 1.0]) * 1.1
    finie = np.isfinite(haut) & bas.notna()
    ax.vlines(x[finie], bas[finie], haut[finie], color=GRIS, lw=1.2, zorder=3)
    ouverte = ~np.isfinite(haut) & bas.notna()
    ax.vlines(x[ouverte], bas[ouverte], plafond, color=GRIS, lw=1.2, ls=":", zorder=3)
    ax.scatter(x[ouverte], np.full(int(ouverte.sum()), plafond), marker="^", color=GRIS, s=14, zorder=3)


def titre_reclamations(r: pd.DataFrame, cible: float) -> str:
    """Titre du graphique des réclamations : la position de chaque mois par rapport à la cible vient
    de ``verdicts.verdict_cible`` (tout l'intervalle de son délai médian d'un côté).

    >>> r = pd.DataFrame({"delai_ic_bas": [20.0, 3.0, 2.0], "delai_ic_haut": [40.0, float("inf"), 9.0]})
    >>> titre_reclamations(r, 15)
    'Délai médian nettement au-dessus de la cible de 15 jours pendant 1 mois sur 3, en dessous pendant 1'
    """
    mois = [verdict_cible(b, h, cible) for b, h in zip(r["delai_ic_bas"], r["delai_ic_haut"])]
    return resume_cible_mensuelle(mois, cible)


def graphique_lien_audit(resultats: dict, source: str) -> Figure:
    """Par déterminant : score d'audit de la structure (et moyenne des participants) face à la part de signaux négatifs.

    >>> graphique_lien_audit.__name__
    'graphique_lien_audit'
    """
    d = resultats["lien_audit"].iloc[::-1].reset_index(drop=True)
    fig, axes = nouvelle_figure((TAILLE[0], 3.4), 1, 2)
    a1, a2 = axes[0]
    y = np.arange(len(d))
    a1.errorbar(
        d["score_audit"],
        y,
        xerr=np.vstack([d["score_audit"] - d["ic_bas"], d["ic_haut"] - d["score_audit"]]),
        fmt="o",
        color=PALETTE["bleu"],
        ms=4,
        capsize=2,
        lw=1,
        label="Structure",
    )
    a1.scatter(d["score_national"], y, marker="|", s=120, color=PALETTE["vermillon"], label="Moyenne des participants")
    a1.set_yticks(y, [libelle(x) for x in d["determinant"]], fontsize=7.5)
    a1.set_xlim(0, 100)
    a1.set_xlabel("Score d’audit (sur 100)")
    a1.xaxis.set_major_formatter(formateur_fr(0))
    a1.xaxis.grid(True)
    a1.legend(loc="lower left", bbox_to_anchor=(0, 1.01), fontsize=7, frameon=False, ncols=1)
    a2.barh(y, 100 * d["part_negatifs"].fillna(0), color=PALETTE["orange"], height=0.6)
    for yi, v, n in zip(y, d["part_negatifs"], d["n_signaux"]):
        a2.annotate(
            f"{nombre_fr(100 * v, 0)} % ({n})" if pd.notna(v) else "–",
            (0 if pd.isna(v) else 100 * v, yi),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=7,
        )
    a2.set_yticks(y, [""] * len(y))
    a2.set_xlim(0, 115)
    a2.set_xlabel("Signaux négatifs de l’année (%)")
    a2.xaxis.set_major_formatter(formateur_fr(0))
    d2 = d.dropna(subset=["score_audit", "part_negatifs"])
    if len(d2):
        faible = d2.sort_values("score_audit").iloc[0]["determinant"]
        critique = (
            d2[d2["n_signaux"] >= 5].sort_values("part_negatifs").iloc[-1]["determinant"]
            if (d2["n_signaux"] >= 5).any()
            else faible
        )
        titre = (
            f"Audit : « {libelle(faible).lower()} » est le point le plus faible ; usagers : "
            f"« {libelle(critique).lower()} » suscite le plus de critiques"
        )
    else:
        titre = "Scores d’audit et signaux des usagers par déterminant"
    habiller(
        fig,
        titre,
        source,
        "Entre parenthèses : nombre de signaux de l’année concernant le déterminant. "
        "Moyenne des participants calculée sur au moins 5 structures.",
    )
    return fig


def graphique_charge(resultats: dict, source: str) -> Figure:
    """Appels par heure selon le jour et l'heure, et agents manquants par créneau.

    >>> graphique_charge.__name__
    'graphique_charge'
    """
    d = resultats["dimensionnement"]
    jours = sorted(d["jour_semaine"].unique())
    heures = sorted(d["heure"].unique())
    grille = d.pivot_table(index="jour_semaine", columns="heure", values="appels_par_heure").reindex(jours)[heures]
    renfort = d.pivot_table(index="jour_semaine", columns="heure", values="renfort_agents").reindex(jours)[heures]
    fig, ax = nouvelle_figure((TAILLE[0], 2.9))
    image = ax.imshow(grille.to_numpy(), aspect="auto", cmap="Blues", interpolation="nearest")
    for i in range(len(jours)):
        for j in range(len(heures)):
            v, r = grille.iat[i, j], renfort.iat[i, j]
            if pd.notna(v):
                texte = nombre_fr(v, 0) + (f"\n+{int(r)}" if r and r > 0 else "")
                ax.text(
                    j,
                    i,
                    texte,
                    ha="center",
                    va="center",
                    fontsize=7,
                    color="white" if v > np.nanmax(grille.to_numpy()) * 0.6 else "black",
                )
    ax.set_xticks(np.arange(len(heures)), [f"{h} h" for h in heures])
    ax.set_yticks(np.arange(len(jours)), [JOURS[j].capitalize() for j in jours])
    barre = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
    barre.set_label("Appels par heure", fontsize=7.5)
    pic = d.loc[d["appels_par_heure"].idxmax()]
    titre = (
        f"Pic d’appels le {JOURS[int(pic['jour_semaine'])]} à {int(pic['heure'])} h "
        f"({nombre_fr(pic['appels_par_heure'], 0)} appels par heure)"
    )
    habiller(
        fig,
        titre,
        source,
        "Dans chaque case : appels par heure (moyenne des jours observés) et, après « + », "
        "agents à ajouter pour atteindre l’objectif (modèle d’Erlang C).",
    )
    return fig


# --------------------------------------------------------------------------- tableaux


def tableau_alertes(resultats: dict) -> pd.DataFrame:
    """Mois signalés par les cartes, valeur et limite.

    >>> tableau_alertes({"alertes": pd.DataFrame({"mois": pd.to_datetime(["2022-06-01"]), "carte": ["c"],
    ...     "valeur": [64.0], "limite": [55.0], "sens": ["au-dessus"]})})["Mois"].item()
    'juin 2022'
    """
    a = resultats["alertes"]
    return pd.DataFrame(
        {
            "Mois": [mois_fr(m) for m in a["mois"]],
            "Carte": a["carte"],
            "Valeur": a["valeur"],
            "Limite": a["limite"],
            "Sens du franchissement": a["sens"],
        }
    )


def tableau_sources(tables: dict) -> pd.DataFrame:
    """Signaux par source : nombre, part de négatifs, note moyenne, part avec texte.

    >>> tableau_sources.__name__
    'tableau_sources'
    """
    s = tables["signaux"]
    lignes = []
    for src in SOURCES:
        x = s[s["source"] == src]
        if x.empty:
            continue
        polarises = x["polarite"].notna()
        lignes.append(
            {
                "Source": LIBELLES_SOURCES[src],
                "Signaux": len(x),
                "Négatifs (%)": 100 * x["polarite"].eq("negatif").sum() / polarises.sum()
                if polarises.any()
                else np.nan,
                "Note moyenne (sur 100)": x["note_100"].mean(),
                "Avec texte (%)": 100 * x["texte"].notna().mean(),
                "Services Publics + (%)": 100 * x["origine"].eq("services_publics_plus").mean(),
            }
        )
    return pd.DataFrame(lignes)


def tableau_lien_audit(resultats: dict) -> pd.DataFrame:
    """Scores d'audit par déterminant, moyenne des participants, signaux de l'année.

    >>> tableau_lien_audit.__name__
    'tableau_lien_audit'
    """
    d = resultats["lien_audit"]
    return pd.DataFrame(
        {
            "Déterminant": d["determinant"].map(libelle),
            "Score d’audit": d["score_audit"],
            "IC à 95 %": [intervalle_fr(b, h) for b, h in zip(d["ic_bas"], d["ic_haut"])],
            "Moyenne des participants": d["score_national"],
            "Signaux de l’année": d["n_signaux"],
            "Négatifs (%)": 100 * d["part_negatifs"],
        }
    )


def tableau_historique(resultats: dict) -> pd.DataFrame:
    """Score global d'audit par édition, moyenne des participants, part annuelle de signaux négatifs.

    >>> tableau_historique({"historique": pd.DataFrame({"annee": [2022], "score_audit": [60.0],
    ...     "score_national": [64.0], "part_negatifs": [0.3]})})["Négatifs (%)"].item()
    30.0
    """
    h = resultats["historique"]
    return pd.DataFrame(
        {
            "Année": h["annee"].astype(str),
            "Score global d’audit": h["score_audit"],
            "Moyenne des participants": h["score_national"],
            "Négatifs (%)": 100 * h["part_negatifs"],
        }
    )


def tableau_dimensionnement(resultats: dict, seulement_renfort: bool = False) -> pd.DataFrame:
    """Par créneau : appels par heure, abandons, décrochés dans la cible, équipe, besoin selon Erlang C, renfort.

    >>> tableau_dimensionnement.__name__
    'tableau_dimensionnement'
    """
    d = resultats["dimensionnement"]
    if seulement_renfort:
        d = d[d["renfort_agents"] > 0]
    return pd.DataFrame(
        {
            "Créneau": [f"{JOURS[int(j)].capitalize()} {int(h)} h" for j, h in zip(d["jour_semaine"], d["heure"])],
            "Appels par heure": d["appels_par_heure"],
            "Durée moyenne (s)": d["duree_moyenne_secondes"],
            "Abandons (%)": 100 * d["part_abandons"],
            "Décrochés dans la cible (%)": 100 * d["part_dans_cible"],
            "Agents observés": d["agents_actuels"].astype(int),
            "Agents nécessaires": d["agents_necessaires"].astype(int),
            "Renfort (agents)": d["renfort_agents"].astype(int),
            "Niveau de service prévu (%)": 100 * d["niveau_service_cible"],
        }
    )


def tableau_jours(resultats: dict) -> pd.DataFrame:
    """Par jour de semaine : appels par jour, abandons, décrochés dans la cible, heures de renfort par semaine.

    >>> tableau_jours.__name__
    'tableau_jours'
    """
    d = resultats["dimensionnement"]
    n = d["appels_par_heure"]
    g = (
        d.assign(_abandons=n * d["part_abandons"], _cible=n * d["part_dans_cible"])
        .groupby("jour_semaine")
        .agg(
            appels=("appels_par_heure", "sum"),
            abandons=("_abandons", "sum"),
            cible=("_cible", "sum"),
            renfort=("renfort_agents", "sum"),
            pire=("niveau_service_actuel", "min"),
        )
    )
    return pd.DataFrame(
        {
            "Jour": [JOURS[int(j)].capitalize() for j in g.index],
            "Appels par jour": g["appels"],
            "Abandons (%)": 100 * g["abandons"] / g["appels"],
            "Décrochés dans la cible (%)": 100 * g["cible"] / g["appels"],
            "Heures de renfort par semaine": g["renfort"].astype(int),
        }
    )


def phrase_telephone(resultats: dict) -> BlocHTML:
    """Lecture du journal : période, niveau de service, abandons, renfort en heures et en ETP.

    >>> phrase_telephone.__name__
    'phrase_telephone'
    """
    return rendre(
        "suivi_telephone.html.j2", t=resultats["telephone"], f=resultats["renfort"], p=resultats["parametres"]
    )


def tableau_telephone_audit(resultats: dict) -> pd.DataFrame:
    """Indicateurs des appels mystères (sans journal d'appels).

    >>> tableau_telephone_audit({"telephone_audit": pd.DataFrame({"indicateur": ["x"], "structure": [0.5],
    ...     "n_appels": [4], "ensemble": [0.7], "n_structures": [30]})})["Structure"].item()
    0.5
    """
    t = resultats["telephone_audit"]
    return pd.DataFrame(
        {
            "Indicateur": t["indicateur"],
            "Structure": t["structure"],
            "Appels mystères": t["n_appels"],
            "Ensemble des participants": t["ensemble"],
            "Structures": t["n_structures"],
        }
    )


def tableau_spplus(tables: dict) -> pd.DataFrame:
    """Indicateurs publiés par Services Publics + pour la structure.

    >>> tableau_spplus({"spplus": pd.DataFrame()}).empty
    True
    """
    s = tables["spplus"]
    if s.empty:
        return pd.DataFrame()
    titre = s["titre_indicateur"] if "titre_indicateur" in s else pd.Series(None, index=s.index, dtype=object)
    return pd.DataFrame(
        {
            "Indicateur": s["indicateur"],
            "Titre original de l’indicateur": titre.fillna("–"),
            "Valeur": s["valeur"],
            "Mise à jour": s["date_maj"],
        }
    )


def tableau_themes_spplus(themes: pd.DataFrame) -> pd.DataFrame:
    """Thèmes des expériences Services Publics +, leur déterminant du baromètre et les ressentis.

    >>> t = pd.DataFrame({"libelle": ["Relation"], "determinant": ["courtoisie"], "negatif": [2], "neutre": [0],
    ...     "positif": [1], "n": [3]})
    >>> tableau_themes_spplus(t).iloc[0, :2].tolist()
    ['Relation', 'Courtoisie']
    """
    return pd.DataFrame(
        {
            "Thème Services Publics +": themes["libelle"],
            "Déterminant du baromètre": [
                libelle(d).replace("'", "’") if isinstance(d, str) else "sans équivalent" for d in themes["determinant"]
            ],
            "Négatif": themes["negatif"].astype(int),
            "Neutre": themes["neutre"].astype(int),
            "Positif": themes["positif"].astype(int),
        }
    )


def tableau_classement(metriques: pd.DataFrame) -> pd.DataFrame:
    """Précision et rappel du lexique par déterminant (en %), avec le nombre de textes concernés.

    >>> m = pd.DataFrame({"determinant": ["attente", "micro"], "support": [10, 10], "precision": [0.9, 0.9],
    ...     "rappel": [0.5, 0.5], "f1": [0.64, 0.64]})
    >>> tableau_classement(m)["Déterminant"].tolist()
    ['Temps d\u2019attente', 'Ensemble (micro-moyenne)']
    """
    noms = {"micro": "Ensemble (micro-moyenne)", "macro": "Moyenne des déterminants (macro)"}
    return pd.DataFrame(
        {
            "Déterminant": [noms.get(d, libelle(d).replace("'", "’")) for d in metriques["determinant"]],
            "Textes concernés": metriques["support"].astype(int),
            "Précision (%)": 100 * metriques["precision"],
            "Rappel (%)": 100 * metriques["rappel"],
            "F1 (%)": 100 * metriques["f1"],
        }
    )


def phrase_classement(controle: pd.DataFrame, developpement: pd.DataFrame, n_controle: int) -> BlocHTML:
    """Lecture des métriques du lexique (partie de contrôle), et écart avec la partie de développement.

    >>> m = pd.DataFrame({"determinant": ["micro"], "precision": [0.9], "rappel": [0.6]})
    >>> "90" in str(phrase_classement(m, m, 50))
    True
    """
    return rendre(
        "suivi_classement.html.j2",
        n_controle=n_controle,
        c=controle.set_index("determinant").loc["micro"].to_dict(),
        d=developpement.set_index("determinant").loc["micro"].to_dict(),
    )


def extraits(tables: dict, n: int = 6) -> BlocHTML:
    """Derniers signaux négatifs avec texte, masqués (courriels, téléphones, noms), plafonnés à
    ``LONGUEUR_EXTRAIT`` caractères (coupure entre deux mots, « … »).

    >>> s = pd.DataFrame({"date_signal": pd.to_datetime(["2022-06-01"]), "polarite": ["negatif"], "source": ["elu"],
    ...     "determinant": ["attente"], "texte": ["Appeler Mme Odile Fermenthal au 06 12 34 56 78"]})
    >>> "Fermenthal" in str(extraits({"signaux": s}))
    False
    """
    s = tables["signaux"]
    s = s[s["polarite"].eq("negatif") & s["texte"].notna()].sort_values("date_signal", ascending=False).head(n)
    lignes = []
    for _, x in s.iterrows():
        contexte = f"{date_fr(x['date_signal'])}, {LIBELLES_SOURCES.get(x['source'], x['source']).lower()}"
        if pd.notna(x["determinant"]):
            contexte += f", {libelle(x['determinant']).lower()}"
        lignes.append({"texte": couper_texte(masquer_texte(x["texte"]), LONGUEUR_EXTRAIT), "contexte": contexte})
    return rendre("suivi_extraits.html.j2", extraits=lignes)


def tableau_parametres(parametres: ParametresSuivi) -> pd.DataFrame:
    """Paramètres utilisés, pour l'annexe.

    >>> tableau_parametres(ParametresSuivi())["Paramètre"].iloc[0]
    'Attente cible au téléphone'
    """
    p = parametres
    return pd.DataFrame(
        [
            ("Attente cible au téléphone", f"{nombre_fr(p.cible_attente_secondes, 0)} secondes"),
            ("Objectif de niveau de service", pourcent_fr(p.objectif_niveau_service, 0)),
            (
                "Occupation maximale des agents",
                "non imposée" if p.occupation_max is None else pourcent_fr(p.occupation_max, 0),
            ),
            ("Temps de traitement après appel", f"{nombre_fr(p.traitement_apres_appel_secondes, 0)} secondes"),
            (
                "Équipe actuelle",
                "déduite des postes du journal" if p.agents_actuels is None else accorder(p.agents_actuels, "agent"),
            ),
            ("Délai cible de réponse aux réclamations", f"{p.delai_cible_jours} jours"),
            ("Mois de référence des cartes", f"jusqu’à {p.mois_reference} (au plus la moitié de la série)"),
            ("Largeur des limites", f"{nombre_fr(p.largeur_limites, 0)} écarts-types"),
            ("Lissage EWMA (λ)", nombre_fr(p.lambda_ewma, 1)),
            ("Signaux minimum pour évaluer un mois", str(p.min_signaux_mois)),
            ("Un ETP", "35 heures par semaine, 1 607 heures par an"),
        ],
        columns=["Paramètre", "Valeur"],
    )


def exporter_tableaux(tables: dict, resultats: dict, dossier: Path | str) -> list[Path]:
    """Écrit les tableaux CSV du tableau de bord dans ``dossier/<nom_fichier>_tableaux``.

    >>> exporter_tableaux.__name__
    'exporter_tableaux'
    """
    cible = Path(dossier) / f"{nom_fichier(tables['structure_id'])}_tableaux"
    fichiers = []
    for cle in (
        "mensuel",
        "par_source",
        "par_determinant",
        "carte_p",
        "carte_ewma",
        "alertes",
        "reclamations",
        "reclamations_annuelles",
        "lien_audit",
        "historique",
        "dimensionnement",
        "telephone_audit",
    ):
        if cle in resultats:
            fichiers.append(ecrire_csv(resultats[cle], cible, cle))
    return fichiers


# --------------------------------------------------------------------------- rapport


def rapport_suivi(
    structure_id: str,
    donnees: Path | str = "data",
    sortie: Path | str = "rapports",
    annee: int | None = None,
    parametres_suivi: dict | None = None,
) -> Path:
    """Tableau de bord d'une structure : ``<sortie>/suivi/suivi_<structure_id>.pdf`` (+ HTML et CSV).

    Les chemins relatifs partent de la racine du projet.

    >>> rapport_suivi("S0001", "/dossier/absent")
    Traceback (most recent call last):
    FileNotFoundError: Structure « S0001 » absente des participants préparés dans /dossier/absent/processed : lancez d'abord « analyse preparer ».
    """
    from analyse.config import resoudre_chemin
    from analyse.rapports.rendu import produire_rapport
    from analyse.statistiques.suivi import charger_suivi

    donnees, sortie = resoudre_chemin(donnees), resoudre_chemin(sortie)
    tables = charger_suivi(structure_id, donnees, annee)  # vérifie tôt, message en français
    ParametresSuivi.depuis_dict(parametres_suivi)
    parametres = {
        "structure_id": str(structure_id),
        "donnees": str(donnees),
        "sortie": str(sortie),
        "annee": tables["annee"],
        "parametres_suivi": dict(parametres_suivi or {}),
    }
    chemins = produire_rapport(
        config.NOTEBOOKS / "rapport_suivi.ipynb",
        parametres,
        dossier_suivi(sortie),
        nom_fichier(structure_id),
        titre=TITRE,
    )
    return chemins["pdf"]


# --------------------------------------------------------------------------- sections (appelées par le notebook)


def section_canaux(tables: dict, resultats: dict, source: str) -> BlocHTML:
    """Volumes mensuels par source et tableau des sources.

    >>> section_canaux({"signaux": pd.DataFrame()}, {}, "")._repr_html_().startswith("<p>")
    True
    """
    from analyse.rapports.graphiques import figure_html

    if not len(tables["signaux"]):
        return rendre("suivi_canaux.html.j2", figure=None, table=None, source=source)
    return rendre(
        "suivi_canaux.html.j2",
        source=source,
        table=tableau_sources(tables),
        figure=figure_html(graphique_volumes(resultats, source), "Signaux reçus chaque mois, par canal d’écoute."),
    )


def section_cartes(tables: dict, resultats: dict, source: str) -> BlocHTML:
    """Cartes de contrôle (p′ et EWMA), lecture et mois signalés.

    >>> section_cartes({"signaux": pd.DataFrame()}, {}, "")._repr_html_().startswith("<p>")
    True
    """
    from analyse.rapports.graphiques import figure_html

    if not len(tables["signaux"]):
        return rendre("suivi_section_cartes.html.j2", lecture=None, trop_peu=False)
    if not resultats["carte_p"]["reference"].any():  # aucun mois assez fourni pour servir de référence
        minimum = resultats["parametres"].min_signaux_mois
        return rendre("suivi_section_cartes.html.j2", lecture=None, trop_peu=True, minimum=minimum)
    return rendre(
        "suivi_section_cartes.html.j2",
        source=source,
        lecture=phrase_cartes(resultats),
        carte_p=figure_html(
            graphique_carte_p(resultats, source), "Part mensuelle de signaux négatifs et ses limites de contrôle."
        ),
        ewma=figure_html(graphique_ewma(resultats, source), "Note moyenne mensuelle et sa moyenne lissée (EWMA)."),
        alertes=tableau_alertes(resultats) if len(resultats["alertes"]) else None,
        determinants=figure_html(
            graphique_determinants(resultats, source), "Part de signaux négatifs par déterminant et par trimestre."
        ),
    )


def section_reclamations(tables: dict, resultats: dict, source: str) -> BlocHTML:
    """Délais de réponse aux réclamations.

    >>> section_reclamations({"signaux": pd.DataFrame()}, {}, "")._repr_html_().startswith("<p>")
    True
    """
    from analyse.rapports.graphiques import figure_html

    if not len(tables["signaux"]) or resultats["reclamations"].empty:
        return rendre("suivi_reclamations.html.j2", figure=None)
    return rendre(
        "suivi_reclamations.html.j2",
        figure=figure_html(
            graphique_reclamations(resultats, source),
            "Délai médian de réponse aux réclamations (Kaplan–Meier, réclamations encore ouvertes comprises) et part "
            "répondue dans le délai cible.",
        ),
    )


def section_audit(tables: dict, resultats: dict, source: str) -> BlocHTML:
    """Lien avec l'audit annuel : déterminants et historique.

    >>> section_audit.__name__
    'section_audit'
    """
    from analyse.rapports.graphiques import figure_html

    return rendre(
        "suivi_audit.html.j2",
        annee=tables["annee"],
        source=source,
        figure=figure_html(
            graphique_lien_audit(resultats, source),
            f"Scores d’audit {tables['annee']} par déterminant et part de signaux négatifs de l’année.",
        ),
        lien=tableau_lien_audit(resultats),
        historique=tableau_historique(resultats),
    )


def section_spplus(tables: dict, resultats: dict, source: str) -> BlocHTML:
    """Services Publics + : expériences, taux de réponse et délai de première réponse avec leurs
    intervalles, thèmes rapportés aux déterminants, indicateurs publiés.

    >>> section_spplus({"spplus": pd.DataFrame()}, {"parametres": ParametresSuivi()}, "")._repr_html_().startswith("<p>")
    True
    """
    sp = resultats.get("spplus")
    indicateurs = tableau_spplus(tables)
    themes = None if sp is None or sp["themes"]["n"].sum() == 0 else tableau_themes_spplus(sp["themes"])
    return rendre(
        "suivi_spplus.html.j2",
        source=source,
        chiffres=_phrase_spplus(sp, resultats["parametres"]),
        ressentis=None if sp is None else sp["ressentis"].to_dict(),
        themes=themes,
        indicateurs=indicateurs if len(indicateurs) else None,
    )


def section_telephone(tables: dict, resultats: dict, source: str) -> BlocHTML:
    """Téléphone : charge, niveau de service, Erlang C et renfort ; à défaut, appels mystères de l'audit.

    >>> section_telephone({}, {"telephone_audit": pd.DataFrame(columns=["indicateur", "structure", "n_appels",
    ...     "ensemble", "n_structures"])}, "")._repr_html_().startswith("<p>")
    True
    """
    from analyse.rapports.graphiques import figure_html

    if "dimensionnement" not in resultats:
        audit = None if resultats["telephone_audit"].empty else tableau_telephone_audit(resultats)
        return rendre("suivi_section_telephone.html.j2", journal=False, audit=audit, source=source)
    return rendre(
        "suivi_section_telephone.html.j2",
        journal=True,
        source=source,
        lecture=phrase_telephone(resultats),
        figure=figure_html(
            graphique_charge(resultats, source), "Appels par heure selon le jour et l’heure ; renfort nécessaire."
        ),
        jours=tableau_jours(resultats),
    )


def bloc_classement(controle: pd.DataFrame) -> BlocHTML:
    """Tableau HTML de la précision et du rappel du lexique (textes de contrôle), avec sa source.

    >>> m = pd.DataFrame({"determinant": ["micro"], "support": [10], "precision": [0.9], "rappel": [0.5], "f1": [0.64]})
    >>> "ressources" in str(bloc_classement(m))
    True
    """
    return rendre("suivi_lexique.html.j2", table=tableau_classement(controle))
