"""Rapport « Tendances 2012–2022 » : graphiques, tableaux et textes, puis rendu PDF.

Les calculs sont dans ``analyse.statistiques.tendances`` ; ce module les met en forme (style maison
de ``analyse.rapports.graphiques``, nombres à la française de ``analyse.formatage``) et produit
le rapport avec la route commune de ``analyse.rapports.rendu`` (papermill → HTML → PDF).
Aucune structure n'est nommée ; tout agrégat affiché porte sur au moins 5 structures.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from analyse import config
from analyse.config import resoudre_chemin
from analyse.donnees.codes import libelle
from analyse.formatage import BlocHTML, ecrire_csv, intervalle_fr, nombre_fr
from analyse.rapports.gabarits import rendre
from analyse.rapports.graphiques import (
    GRIS,
    PALETTE,
    TAILLE,
    UNITE_SCORE,
    formateur_fr,
    habiller,
    ligne_source,
    nouvelle_figure,
    styles_series,
)
from analyse.statistiques import verdicts
from analyse.statistiques.tendances import (
    LIBELLES_METHODES,
    METHODES,
    series_nationales,
)

TITRE = "Baromètre Expérience Citoyen – Tendances"
NOM_FICHIER = "rapport_tendances"
COULEURS = {
    "moyenne_participants": PALETTE["vermillon"],
    "panel_chaine": PALETTE["bleu"],
    "effets_fixes": PALETTE["vert"],
}
COURTS = {"moyenne_participants": "Moyenne", "panel_chaine": "Panel chaîné", "effets_fixes": "Effets fixes"}
STYLES = {"moyenne_participants": "-", "panel_chaine": "--", "effets_fixes": "-."}
LIBELLES_NIVEAUX = {
    "national": "Ensemble (grille complète)",
    "national_harmonise": "Ensemble (indicateurs harmonisés)",
    "canal": "Canal",
    "determinant": "Déterminant",
    "type_structure": "Type de structure",
    "classe_population": "Classe de population",
    "certifie": "Certification",
}
LIBELLES_CERTIF = {"certifie": "Structures certifiées", "non_certifie": "Structures non certifiées"}


# --------------------------------------------------------------------------- appui au notebook


def dossier_tendances(sortie: Path | str) -> Path:
    """Dossier du rapport de tendances : ``<sortie>/tendances``.

    >>> dossier_tendances("/tmp/rapports").name
    'tendances'
    """
    return resoudre_chemin(sortie) / "tendances"


def periode(resultats: dict) -> str:
    """Période couverte, en toutes lettres.

    >>> periode({"annees": [2012, 2013, 2022]})
    '2012–2022 (3 éditions)'
    """
    annees = resultats["annees"]
    return f"{min(annees)}–{max(annees)} ({len(annees)} éditions)"


def source_tendances(resultats: dict, demo: bool = False) -> str:
    """Ligne de source placée sous chaque graphique et tableau.

    >>> source_tendances({"annees": [2012, 2022]})
    "Source : Baromètre Expérience Citoyen, éditions 2012 à 2022 ; calculs de l'observatoire"
    """
    a = resultats["annees"]
    return ligne_source(f"éditions {min(a)} à {max(a)}", demo)


def couverture(resultats: dict, demo: bool = False):
    """Informations de couverture transmises au rendu PDF.

    >>> couverture({"annees": [2012, 2022]}).meta["sous_titre"]
    'Évolution de la qualité de l’accueil, 2012–2022 (2 éditions)'
    """
    from analyse.rapports.rendu import declarer_couverture

    return declarer_couverture(
        titre=TITRE, sous_titre=f"Évolution de la qualité de l’accueil, {periode(resultats)}", demo=demo
    )


def exporter_tableaux(resultats: dict, dossier: Path | str) -> list[Path]:
    """Écrit les tableaux CSV du rapport (dont ``series_nationales.csv``) dans ``dossier``.

    >>> import tempfile
    >>> r = {"series": pd.DataFrame({c: [1] for c in ["annee", "methode", "niveau", "modalite", "valeur", "ic_bas", "ic_haut", "n_structures"]})}
    >>> [p.name for p in exporter_tableaux(r, tempfile.mkdtemp())]
    ['series_nationales.csv']
    """
    fichiers = [ecrire_csv(series_nationales(resultats), dossier, "series_nationales")]
    noms = {
        "composition": "effets_composition",
        "tests": "tests_tendance_rupture",
        "indicateurs": "indicateurs_harmonises",
        "exclus": "indicateurs_exclus",
        "dynamique": "participation",
        "cohortes": "cohortes",
        "sortantes": "scores_sortantes",
        "publies": "chiffres_publies",
    }
    for cle, nom in noms.items():
        if cle in resultats:
            fichiers.append(ecrire_csv(resultats[cle], dossier, nom))
    return fichiers


# --------------------------------------------------------------------------- lectures


def _serie(series: pd.DataFrame, methode: str, niveau: str = "national", modalite: str = "ensemble") -> pd.DataFrame:
    d = series[(series["methode"] == methode) & (series["niveau"] == niveau) & (series["modalite"] == modalite)]
    return d.sort_values("annee").set_index("annee")


def _valeur(series, methode, annee, niveau="national", modalite="ensemble") -> float:
    d = _serie(series, methode, niveau, modalite)
    return float(d.loc[annee, "valeur"]) if annee in d.index else np.nan


def libelle_modalite(niveau: str, modalite: str) -> str:
    """Libellé français d'une modalité de série.

    >>> libelle_modalite("certifie", "non_certifie"), libelle_modalite("canal", "courriel")
    ('Structures non certifiées', 'Courriel')
    """
    if niveau.endswith("_harmonise") and niveau != "national_harmonise":
        return f"{libelle_modalite(niveau.removesuffix('_harmonise'), modalite)} (indicateurs harmonisés)"
    if niveau == "certifie":
        return LIBELLES_CERTIF.get(modalite, modalite)
    if niveau in ("national", "national_harmonise"):
        return LIBELLES_NIVEAUX[niveau]
    if niveau == "classe_population":
        return f"{modalite} habitants"
    return libelle(modalite)


def _test(resultats, methode, niveau="national", modalite="ensemble") -> dict:
    t = resultats["tests"]
    d = t[(t["methode"] == methode) & (t["niveau"] == niveau) & (t["modalite"] == modalite)]
    return d.iloc[0].to_dict() if len(d) else {}


# --------------------------------------------------------------------------- du nombre au mot (séries)
# Les mots (hausse, baisse, stable, rupture) viennent de ``statistiques.verdicts`` ; ici, la mise en forme.


def _verdict_test(test: dict) -> verdicts.Verdict:
    """Verdict de tendance d'une ligne de ``tests`` (pente par an, intervalle et p ajustés)."""
    return verdicts.verdict_tendance(
        test.get("pente_an", np.nan),
        test.get("pente_bas", np.nan),
        test.get("pente_haut", np.nan),
        test.get("p_valeur_ajustee", np.nan),
        par="par an",
        decimales=2,
        reserve=verdicts.RESERVE_SERIES,
    )


def _verdict_rupture(test: dict) -> verdicts.Verdict:
    """Verdict de rupture d'une ligne de ``tests`` (édition, écart au-delà de la tendance, p ajustée)."""
    if not test or pd.isna(test.get("rupture")):
        return verdicts.verdict_rupture(False, None)
    return verdicts.verdict_rupture(
        bool(test["rupture_retenue"]),
        test["rupture"],
        test["ecart_rupture"],
        p_ajustee=test.get("p_rupture_ajustee", test.get("p_rupture")),
        edition_precedente=test.get("rupture_apres"),
    )


def _evolution_serie(series: pd.DataFrame, methode: str, a0: int, a1: int, niveau="national", modalite="ensemble"):
    """(écart, bas, haut) de la série entre la première et la dernière édition. Séries ajustées :
    leur intervalle porte déjà sur l'évolution depuis l'ancre ; moyenne des participants :
    erreurs des deux éditions combinées comme indépendantes (prudent, les structures revenues
    corrélant positivement les deux moyennes)."""
    d = _serie(series, methode, niveau, modalite)
    if a0 not in d.index or a1 not in d.index:
        return np.nan, np.nan, np.nan
    ancre = _valeur(series, "moyenne_participants", a0, niveau, modalite)
    ecart = d.loc[a1, "valeur"] - ancre
    if methode != "moyenne_participants":
        return ecart, d.loc[a1, "ic_bas"] - ancre, d.loc[a1, "ic_haut"] - ancre
    demi = np.hypot(*(d.loc[a, "ic_haut"] - d.loc[a, "ic_bas"] for a in (a0, a1))) / 2
    return ecart, ecart - demi, ecart + demi


# --------------------------------------------------------------------------- textes


def synthese(resultats: dict) -> BlocHTML:
    """Synthèse en français courant : évolution, effet de composition, rupture, canaux, participation.

    >>> synthese.__name__  # exemple complet : voir tests/test_rapport_tendances.py
    'synthese'
    """
    s, annees = resultats["series"], resultats["annees"]
    a0, a1 = min(annees), max(annees)
    comp = resultats["composition"]
    c = comp[(comp["niveau"] == "national") & (comp["methode"] == "effets_fixes") & (comp["annee"] == a1)]
    canaux = resultats["tests"].query("niveau == 'canal' and methode == 'effets_fixes'")
    d = resultats["dynamique"]
    test, test_fe = _test(resultats, "moyenne_participants"), _test(resultats, "effets_fixes")
    return rendre(
        "tendances_synthese.html.j2",
        a0=a0,
        a1=a1,
        brut0=_valeur(s, "moyenne_participants", a0),
        brut1=_valeur(s, "moyenne_participants", a1),
        evolution_brute=_evolution(s, "moyenne_participants", a0, a1),
        evolution_fe=_evolution(s, "effets_fixes", a0, a1),
        evolution_chaine=_evolution(s, "panel_chaine", a0, a1),
        composition=c.iloc[0].to_dict() if len(c) else None,
        composition_verdict=verdicts.verdict_difference(
            *c.iloc[0][["effet", "ic_bas", "ic_haut"]], non_etabli="non établi"
        )
        if len(c)
        else None,
        n_series=int(resultats["tests"]["p_valeur"].notna().sum()),
        tendance=_phrase_test(test),
        tendance_fe=_phrase_test(test_fe),
        rupture=_verdict_rupture(test).phrase if test else "",
        n_canaux=len(canaux),
        canaux=verdicts.resume_tendances(
            [_verdict_test(x).mot for x in canaux.to_dict("records")], [libelle(m) for m in canaux["modalite"]]
        ),
        reprise_pct=d["taux_reprise_pct"].iloc[1:].mean(),
        nouvelles=d["nouvelles"].iloc[1:].sum(),
    )


def _evolution(series: pd.DataFrame, methode: str, a0: int, a1: int) -> str:
    return verdicts.verdict_difference(*_evolution_serie(series, methode, a0, a1)).phrase


def _phrase_test(test: dict) -> str:
    return _verdict_test(test).phrase if test else ""


def introduction(resultats: dict, parametres: config.Parametres, demo: bool = False) -> BlocHTML:
    """Paragraphes d'introduction : question posée, éditions, trois séries.

    >>> "éditions" in str(introduction({"annees": [2012, 2022], "dynamique": pd.DataFrame({"participants": [3, 4]})}, config.PARAMETRES))
    True
    """
    return rendre(
        "tendances_introduction.html.j2",
        periode=periode(resultats),
        participations=resultats["dynamique"]["participants"].sum(),
        p=parametres,
        demo=demo,
    )


def phrase_composition(resultats: dict) -> BlocHTML:
    """Phrase de lecture de l'effet de composition national.

    >>> phrase_composition.__name__
    'phrase_composition'
    """
    comp = resultats["composition"].query("niveau == 'national' and methode == 'effets_fixes'").dropna(subset=["effet"])
    n_etablis = sum(
        verdicts.verdict_difference(e, b, h).etabli for e, b, h in zip(comp["effet"], comp["ic_bas"], comp["ic_haut"])
    )
    pire = comp.loc[comp["effet"].idxmin()]
    etabli = verdicts.verdict_difference(pire["effet"], pire["ic_bas"], pire["ic_haut"]).etabli
    return rendre("tendances_composition.html.j2", pire=pire.to_dict(), etabli=etabli, n_etablis=n_etablis)


# --------------------------------------------------------------------------- graphiques


def _axe_annees(ax, annees, etiquettes: bool = True) -> None:
    ax.set_xticks(annees, [str(a) if etiquettes else "" for a in annees], rotation=45 if len(annees) > 6 else 0)
    ax.yaxis.set_major_formatter(formateur_fr())
    ax.yaxis.grid(True, zorder=0)


def _tracer_series(
    ax, series: pd.DataFrame, niveau: str, modalite: str, methodes=METHODES, bandes: bool = True
) -> None:
    for m in methodes:
        d = _serie(series, m, niveau, modalite).dropna(subset=["valeur"])
        if d.empty:
            continue
        x = d.index.to_numpy()
        if bandes:
            ax.fill_between(x, d["ic_bas"], d["ic_haut"], color=COULEURS[m], alpha=0.13, lw=0, zorder=1)
        ax.plot(x, d["valeur"], STYLES[m], color=COULEURS[m], lw=1.6, marker="o", ms=3, zorder=3)


def titre_series(resultats: dict) -> str:
    """Titre qui énonce l'évolution nationale, signée et avec l'intervalle de la différence, selon la
    moyenne des participants et à structures comparables (effets fixes).

    >>> s = pd.DataFrame({"annee": [2012, 2022] * 2, "methode": ["moyenne_participants"] * 2 + ["effets_fixes"] * 2,
    ...     "niveau": "national", "modalite": "ensemble", "valeur": [68.0, 65.0, 68.0, 66.5],
    ...     "ic_bas": [67.0, 64.0, 68.0, 65.0], "ic_haut": [69.0, 66.0, 68.0, 68.5]})
    >>> titre_series({"series": s, "annees": [2012, 2022]})
    'De 2012 à 2022, la moyenne des participants recule de 3,0 points [-4,4\\u202f; -1,6] ; à structures comparables, évolution non établie (-1,5 point [-3,0\\u202f; +0,5])'
    """
    s, a = resultats["series"], resultats["annees"]
    brut = _evolution(s, "moyenne_participants", min(a), max(a))
    fe = _evolution(s, "effets_fixes", min(a), max(a))
    return f"De {min(a)} à {max(a)}, la moyenne des participants {brut} ; à structures comparables, {fe}"


def graphique_series_nationales(resultats: dict, source: str) -> Figure:
    """Graphique de tête : les trois séries nationales, leurs intervalles et les chiffres publiés.

    >>> graphique_series_nationales.__name__
    'graphique_series_nationales'
    """
    fig, ax = nouvelle_figure((TAILLE[0], 4.3))
    _tracer_series(ax, resultats["series"], "national", "ensemble")
    publies = resultats["publies"]
    if len(publies):
        ax.scatter(
            publies["annee"],
            publies["valeur"],
            marker="D",
            s=30,
            facecolor="white",
            edgecolor=PALETTE["noir"],
            lw=1.2,
            zorder=5,
        )
    _axe_annees(ax, resultats["annees"])
    ax.set_ylabel(UNITE_SCORE)
    poignees = [
        Line2D([], [], ls=STYLES[m], color=COULEURS[m], marker="o", ms=3, label=LIBELLES_METHODES[m]) for m in METHODES
    ]
    poignees.append(
        Line2D(
            [],
            [],
            ls="none",
            marker="D",
            markerfacecolor="white",
            markeredgecolor=PALETTE["noir"],
            label="Chiffre publié (presse, organisateur)",
        )
    )
    ax.legend(handles=poignees, loc="lower left", bbox_to_anchor=(0, 1.01), ncols=2, fontsize=7.5, frameon=False)
    note = (
        "Bandes : intervalles à 95 % (séries ajustées : évolution depuis la première édition). Losanges : chiffres "
        "publiés, non recalculés, avec leurs sources au tableau suivant ; pas d’édition en 2019."
    )
    habiller(fig, titre_series(resultats), source, note)
    return fig


def graphique_composition(resultats: dict, source: str) -> Figure:
    """Effet de composition par édition (moyenne des participants − série ajustée), avec intervalles.

    >>> graphique_composition.__name__
    'graphique_composition'
    """
    comp = resultats["composition"].query("niveau == 'national'")
    fig, ax = nouvelle_figure((TAILLE[0], 3.4))
    annees = resultats["annees"]
    x = np.arange(len(annees))
    for k, m in enumerate(("panel_chaine", "effets_fixes")):
        d = comp[comp["methode"] == m].set_index("annee").reindex(annees)
        decalage = (k - 0.5) * 0.36
        ax.bar(x + decalage, d["effet"], width=0.34, color=COULEURS[m], zorder=2)
        ax.errorbar(
            x + decalage,
            d["effet"],
            yerr=[d["effet"] - d["ic_bas"], d["ic_haut"] - d["effet"]],
            fmt="none",
            ecolor=GRIS,
            capsize=2,
            lw=0.9,
            zorder=3,
        )
    ax.axhline(0, color=PALETTE["noir"], lw=0.8)
    ax.set_xticks(x, [str(a) for a in annees], rotation=45)
    ax.set_ylabel("Effet de composition (points)")
    ax.yaxis.set_major_formatter(formateur_fr())
    ax.yaxis.grid(True, zorder=0)
    ax.legend(
        handles=[
            Patch(color=COULEURS[m], label=f"Moyenne − {LIBELLES_METHODES[m].lower()}")
            for m in ("panel_chaine", "effets_fixes")
        ],
        loc="lower left",
        bbox_to_anchor=(0, 1.01),
        ncols=2,
        fontsize=7.5,
        frameon=False,
    )
    fe = comp[comp["methode"] == "effets_fixes"].dropna(subset=["effet"])
    dernier = fe.iloc[-1]
    titre = titre_composition(dernier)
    habiller(
        fig, titre, source, "Barres : écart en points ; moustaches : intervalles bootstrap à 95 % sur les structures."
    )
    return fig


def titre_composition(dernier) -> str:
    """Titre du graphique de composition : effet de la dernière édition, établi ou non par son intervalle.

    >>> titre_composition({"annee": 2022, "effet": -1.2, "ic_bas": -2.0, "ic_haut": -0.4})
    'En 2022, le renouvellement du panel abaisse la moyenne des participants de 1,2 point [-2,0\\u202f; -0,4]'
    >>> titre_composition({"annee": 2022, "effet": -0.3, "ic_bas": -1.0, "ic_haut": 0.4})
    'En 2022, effet du renouvellement du panel non établi (-0,3 point [-1,0\\u202f; +0,4])'
    """
    verbes = ("relève la moyenne des participants", "abaisse la moyenne des participants")
    v = verdicts.verdict_difference(
        dernier["effet"],
        dernier["ic_bas"],
        dernier["ic_haut"],
        verbes=verbes,
        non_etabli="effet du renouvellement du panel non établi",
    )
    debut = f"En {int(dernier['annee'])}, "
    return debut + (f"le renouvellement du panel {v.phrase}" if v.etabli else v.phrase)


def titre_petits_multiples(resultats: dict, niveau: str, quoi: str) -> str:
    """Titre qui dénombre les modalités en baisse et en hausse établies (effets fixes, intervalle ajusté) ;
    les modalités suivies sur trop peu d'éditions ne sont comptées ni stables ni en tendance.

    >>> t = pd.DataFrame({"methode": "effets_fixes", "niveau": "canal", "modalite": ["a", "b", "c"],
    ...     "pente_an": [-0.5, 0.1, np.nan], "pente_bas": [-0.9, -0.3, np.nan], "pente_haut": [-0.1, 0.5, np.nan],
    ...     "p_valeur_ajustee": [0.01, 0.6, np.nan]})
    >>> titre_petits_multiples({"tests": t}, "canal", "canaux")
    'À structures comparables, sur 2 canaux : baisse établie pour 1, hausse pour 0 ; 1 avec trop peu d’éditions pour un test'
    """
    t = resultats["tests"]
    t = t[(t["niveau"] == niveau) & (t["methode"] == "effets_fixes")]
    mots = [_verdict_test(x).mot for x in t.to_dict("records")]
    testes = sum(m != "–" for m in mots)
    resume = verdicts.resume_tendances(mots)
    if resume.startswith("aucune"):
        return f"À structures comparables, {resume.replace('établie, ', f'établie sur {testes} {quoi}, ', 1)}"
    return f"À structures comparables, sur {testes} {quoi} : {resume}"


def graphique_petits_multiples(
    resultats: dict,
    niveau: str,
    titre: str,
    source: str,
    methodes=("moyenne_participants", "effets_fixes"),
    colonnes: int = 2,
) -> Figure:
    """Petits multiples : une case par modalité d'un niveau (canal, déterminant, strate), séries choisies.

    >>> graphique_petits_multiples.__name__
    'graphique_petits_multiples'
    """
    s = resultats["series"]
    s = s[s["niveau"] == niveau]
    modalites = [m for m in dict.fromkeys(s["modalite"]) if s.loc[s["modalite"] == m, "valeur"].notna().any()]
    lignes = int(np.ceil(len(modalites) / colonnes))
    fig, axes = nouvelle_figure((TAILLE[0], 1.0 + 1.75 * lignes), lignes, colonnes, partage=True)
    for k, ax in enumerate(axes.ravel()):
        if k >= len(modalites):
            ax.set_visible(False)
            continue
        _tracer_series(ax, s, niveau, modalites[k], methodes)
        ax.set_title(libelle_modalite(niveau, modalites[k]), fontsize=8.5, loc="left")
        _axe_annees(ax, resultats["annees"], etiquettes=k >= len(modalites) - colonnes)
        ax.tick_params(labelsize=7)
    fig.supylabel(UNITE_SCORE, fontsize=8, color=GRIS)
    poignees = [Line2D([], [], ls=STYLES[m], color=COULEURS[m], label=LIBELLES_METHODES[m]) for m in methodes]
    axes[0, 0].legend(handles=poignees, loc="lower left", fontsize=6.5, frameon=False, handlelength=2.2)
    habiller(fig, titre, source, "Bandes : intervalles à 95 %. Groupes de moins de 5 structures non publiés (secret).")
    return fig


def graphique_participation(resultats: dict, source: str) -> Figure:
    """Participants de chaque édition selon leur statut (reprise, retour, nouvelle) et sorties.

    >>> graphique_participation.__name__
    'graphique_participation'
    """
    d = resultats["dynamique"]
    fig, ax = nouvelle_figure((TAILLE[0], 3.4))
    x = np.arange(len(d))
    bas = np.zeros(len(d))
    for col, couleur, nom in (
        ("reprises", PALETTE["bleu"], "Présentes à l’édition précédente"),
        ("retours", PALETTE["bleu_ciel"], "Retour après une absence"),
        ("nouvelles", PALETTE["orange"], "Nouvelles"),
    ):
        ax.bar(x, d[col], bottom=bas, color=couleur, width=0.65, label=nom, zorder=2)
        bas = bas + d[col].to_numpy()
    ax.plot(
        x[:-1],
        d["sorties"].iloc[:-1],
        "v",
        color=PALETTE["vermillon"],
        ms=6,
        label="Absentes à l’édition suivante",
        zorder=4,
    )
    ax.set_xticks(x, [str(a) for a in d["annee"]], rotation=45)
    ax.set_ylabel("Nombre de structures")
    ax.yaxis.set_major_formatter(formateur_fr(0))
    ax.yaxis.grid(True, zorder=0)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncols=2, fontsize=7.5, frameon=False)
    titre = (
        f"Le panel passe de {nombre_fr(d['participants'].iloc[0], 0)} à {nombre_fr(d['participants'].iloc[-1], 0)} "
        f"participants ; {nombre_fr(d['nouvelles'].iloc[1:].sum(), 0)} entrées depuis {int(d['annee'].iloc[0])}"
    )
    habiller(fig, titre, source)
    return fig


def graphique_cohortes(resultats: dict, source: str) -> Figure:
    """Score moyen de chaque cohorte (édition d'entrée) au fil des éditions.

    >>> graphique_cohortes.__name__
    'graphique_cohortes'
    """
    c = resultats["cohortes"].dropna(subset=["score"])
    fig, ax = nouvelle_figure((TAILLE[0], 3.6))
    cohortes = sorted(c["cohorte"].unique())
    for co, style in zip(cohortes, styles_series(len(cohortes))):
        d = c[c["cohorte"] == co].sort_values("annee")
        ax.plot(d["annee"], d["score"], ms=3.5, lw=1.3, **style, label=f"Entrées en {co}")
    _axe_annees(ax, resultats["annees"])
    ax.set_ylabel(UNITE_SCORE)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.01), ncols=4, fontsize=7, frameon=False)
    premiers = c[c["annee"] == c["cohorte"]].set_index("cohorte")["score"]
    anciens, recents = premiers[premiers.index < 2020], premiers[premiers.index >= 2020]
    if len(recents) and len(anciens):
        titre = (
            f"Les cohortes entrées depuis 2020 débutent à {nombre_fr(recents.mean())} en moyenne, "
            f"contre {nombre_fr(anciens.mean())} pour les précédentes"
        )
    else:
        titre = "Score moyen de chaque cohorte d’entrée au fil des éditions"
    habiller(
        fig,
        titre,
        source,
        "Cohorte : édition de première participation. Cohortes de moins de 5 structures non publiées.",
    )
    return fig


# --------------------------------------------------------------------------- tableaux


def tableau_series(
    resultats: dict, niveau: str = "national", modalite: str = "ensemble", publies: bool = True
) -> pd.DataFrame:
    """Les trois séries d'un groupe, édition par édition (valeur et intervalle), plus le chiffre publié.

    >>> s = pd.DataFrame({"annee": [2012], "methode": "moyenne_participants", "niveau": "national", "modalite": "ensemble",
    ...     "valeur": [68.0], "ic_bas": [66.0], "ic_haut": [70.0], "n_structures": [100]})
    >>> tableau_series({"series": s, "publies": pd.DataFrame({"annee": [], "valeur": []})}).columns.tolist()[:3]
    ['Édition', 'Structures', 'Moyenne']
    """
    s = resultats["series"]
    brute = _serie(s, "moyenne_participants", niveau, modalite)
    table = pd.DataFrame({"Édition": brute.index.astype(str), "Structures": brute["n_structures"].to_numpy()})
    for m in METHODES:
        d = _serie(s, m, niveau, modalite).reindex(brute.index)
        table[COURTS[m]] = d["valeur"].to_numpy()
        table[f"IC {COURTS[m].split(' ')[0].lower()}"] = [
            intervalle_fr(b, h) for b, h in zip(d["ic_bas"], d["ic_haut"])
        ]
    if publies:
        p = resultats["publies"].drop_duplicates("annee").set_index("annee")["valeur"]
        table["Publié"] = [p.get(a, np.nan) for a in brute.index]
    return table


def tableau_publies(resultats: dict) -> pd.DataFrame:
    """Chiffres publiés superposés au graphique de tête, avec précision, remarque et source.

    >>> tableau_publies({"publies": pd.DataFrame({"annee": [2018], "valeur": [68.5], "precision": ["exact"], "remarque": [None], "source": ["http://x"]})})["Source"].item()
    'http://x'
    """
    p = resultats["publies"]
    return pd.DataFrame(
        {
            "Édition (terrain)": p["annee"].astype(int).astype(str),
            "Score publié": p["valeur"],
            "Précision": p["precision"],
            "Remarque": p["remarque"].fillna(""),
            "Source": p["source"],
        }
    )


def tableau_composition(resultats: dict) -> pd.DataFrame:
    """Effets de composition nationaux par édition et par méthode d'ajustement.

    >>> tableau_composition.__name__
    'tableau_composition'
    """
    c = resultats["composition"].query("niveau == 'national'")
    table = None
    for m in ("panel_chaine", "effets_fixes"):
        d = c[c["methode"] == m].set_index("annee")
        bloc = pd.DataFrame(
            {
                f"Effet ({LIBELLES_METHODES[m].lower()})": d["effet"],
                f"IC ({m.split('_')[0]})": [intervalle_fr(b, h) for b, h in zip(d["ic_bas"], d["ic_haut"])],
            }
        )
        table = bloc if table is None else table.join(bloc)
    table.insert(0, "Moyenne des participants", c.drop_duplicates("annee").set_index("annee")["moyenne_participants"])
    return table.reset_index().rename(columns={"annee": "Édition"}).astype({"Édition": str})


def _pente_et_intervalle(x) -> str:
    if pd.isna(x.get("pente_an")) or pd.isna(x.get("pente_bas")):
        return "–"
    return f"{verdicts.signe_fr(x['pente_an'], 2)} {verdicts.intervalle_signe(x['pente_bas'], x['pente_haut'], 2)}"


def _rupture_courte(x) -> str:
    return verdicts.verdict_rupture_court(x.get("rupture_retenue"), x.get("rupture"))


def tableau_tests(resultats: dict, niveaux=("national", "national_harmonise")) -> pd.DataFrame:
    """Tests de tendance et de rupture, une ligne par série et méthode : pente et intervalle ajusté
    pour la multiplicité, mot lu sur cet intervalle, rupture et valeurs p ajustées (BH) ; les
    valeurs p brutes sont dans ``tests_tendance_rupture.csv``.

    >>> t = pd.DataFrame({"methode": ["effets_fixes"], "niveau": ["national"], "modalite": ["ensemble"],
    ...     "p_valeur": [0.017], "pente_an": [-0.4], "pente_bas": [-0.7], "pente_haut": [-0.1], "sens": ["baisse"],
    ...     "rupture": [2020.0], "ecart_rupture": [-3.5], "p_rupture": [0.08], "rupture_retenue": [False]})
    >>> tableau_tests({"tests": t})[["Tendance", "Rupture"]].values.tolist()
    [['baisse', '2020 (non établie)']]
    """
    t = resultats["tests"]
    t = t[t["niveau"].isin(niveaux)]
    lignes = t.to_dict("records")
    return pd.DataFrame(
        {
            "Série": [libelle_modalite(n, m) for n, m in zip(t["niveau"], t["modalite"])],
            "Méthode": t["methode"].map(COURTS).to_numpy(),
            "Pente (pts/an) [IC ajusté]": [_pente_et_intervalle(x) for x in lignes],
            "Tendance": [_verdict_test(x).mot for x in lignes],
            "p ajustée (tendance)": (t["p_valeur_ajustee"] if "p_valeur_ajustee" in t else t["p_valeur"]).to_numpy(),
            "Rupture": [_rupture_courte(x) for x in lignes],
            "Écart (pts)": t["ecart_rupture"].to_numpy(),
            "p ajustée (rupture)": (t["p_rupture_ajustee"] if "p_rupture_ajustee" in t else t["p_rupture"]).to_numpy(),
        }
    )


def tableau_tests_modalites(resultats: dict, niveaux) -> pd.DataFrame:
    """Tests résumés par modalité : pente et intervalle ajusté, tendance et rupture, pour la moyenne des
    participants et les effets fixes (valeurs p dans ``tests_tendance_rupture.csv``).

    >>> tableau_tests_modalites.__name__
    'tableau_tests_modalites'
    """
    t = resultats["tests"]
    t = t[t["niveau"].isin(niveaux)]
    lignes = []
    for (niveau, modalite), d in t.groupby(["niveau", "modalite"], sort=False):
        d = d.set_index("methode")
        ligne = {"Série": libelle_modalite(niveau, modalite)}
        for m in ("moyenne_participants", "effets_fixes"):
            if m not in d.index:
                continue
            x = d.loc[m].to_dict()
            court = COURTS[m].lower()
            ligne |= {
                f"Pente {court} (pts/an) [IC]": _pente_et_intervalle(x),
                f"Tendance ({court})": _verdict_test(x).mot,
                f"Rupture ({court})": _rupture_courte(x),
            }
        lignes.append(ligne)
    return pd.DataFrame(lignes)


def bloc_tests(resultats: dict, niveaux, legende: str, source: str, detail: bool = False) -> BlocHTML:
    """Tableau HTML des tests (deux décimales pour tau et pentes, trois pour les valeurs p).

    >>> bloc_tests.__name__
    'bloc_tests'
    """
    table = tableau_tests(resultats, niveaux) if detail else tableau_tests_modalites(resultats, niveaux)
    decimales = {c: (3 if c.startswith("p") else 2) for c in table.columns}
    return rendre("tendances_tests.html.j2", table=table, legende=legende, source=source, decimales=decimales)


def tableau_dynamique(resultats: dict) -> pd.DataFrame:
    """Entrées, reprises, retours et sorties par édition.

    >>> tableau_dynamique.__name__
    'tableau_dynamique'
    """
    d = resultats["dynamique"]
    return pd.DataFrame(
        {
            "Édition": d["annee"].astype(str),
            "Participants": d["participants"],
            "Nouvelles": d["nouvelles"],
            "Présentes à la précédente": d["reprises"],
            "Retours après absence": d["retours"],
            "Absentes à la suivante": d["sorties"].where(d.index < len(d) - 1).astype("Int64"),
            "Maintien depuis la précédente (%)": d["taux_maintien_pct"],
        }
    )


def tableau_sortantes(resultats: dict) -> pd.DataFrame:
    """Score des structures à leur dernière édition avant une absence, face aux structures qui reviennent.

    >>> tableau_sortantes.__name__
    'tableau_sortantes'
    """
    d = resultats["sortantes"]
    return pd.DataFrame(
        {
            "Édition": d["annee"].astype(str),
            "Sortantes": d["n_sortantes"],
            "Score des sortantes": d["score_sortantes"],
            "Restantes": d["n_restantes"],
            "Score des restantes": d["score_restantes"],
            "Écart (points)": d["ecart"],
            "IC à 95 %": [intervalle_fr(b, h) for b, h in zip(d["ic_bas"], d["ic_haut"])],
        }
    )


def phrase_sortantes(resultats: dict) -> BlocHTML:
    """Lecture du tableau des sortantes : écart moyen et éditions où il est net.

    >>> phrase_sortantes.__name__
    'phrase_sortantes'
    """
    d = resultats["sortantes"].dropna(subset=["ecart"])
    nets = d[(d["ic_haut"] < 0) | (d["ic_bas"] > 0)]
    return rendre(
        "tendances_sortantes.html.j2", ecart_moyen=d["ecart"].mean(), annees_nettes=[int(a) for a in nets["annee"]]
    )


def tableau_indicateurs(resultats: dict) -> pd.DataFrame:
    """Indicateurs harmonisés entrés dans les comparaisons, groupés par canal et déterminant.

    >>> i = pd.DataFrame({"indicateur": ["A", "B"], "canal": "telephone", "determinant": "courtoisie"})
    >>> tableau_indicateurs({"indicateurs": i})["Indicateurs harmonisés"].item()
    'A, B'
    """
    i = resultats["indicateurs"]
    g = (
        i.groupby(["canal", "determinant"], sort=False)["indicateur"]
        .agg(["size", lambda s: ", ".join(s)])
        .reset_index()
    )
    g.columns = ["canal", "determinant", "n", "liste"]
    return pd.DataFrame(
        {
            "Canal": g["canal"].map(libelle),
            "Déterminant": g["determinant"].map(libelle),
            "Nombre": g["n"],
            "Indicateurs harmonisés": g["liste"],
        }
    )


def phrase_indicateurs(resultats: dict) -> BlocHTML:
    """Nombre d'indicateurs harmonisés retenus et exclus, canaux couverts.

    >>> r = {"indicateurs": pd.DataFrame({"canal": ["telephone"]}), "exclus": pd.DataFrame({"canal": ["courriel"]}), "annees": [2012, 2022]}
    >>> "Courriel" in str(phrase_indicateurs(r)) or "courriel" in str(phrase_indicateurs(r))
    True
    """
    i, e = resultats["indicateurs"], resultats["exclus"]
    return rendre(
        "tendances_indicateurs.html.j2",
        n_retenus=len(i),
        n_exclus=len(e),
        n_editions=len(resultats["annees"]),
        canaux=[libelle(c) for c in dict.fromkeys(i["canal"])],
        absents=[libelle(c) for c in sorted(set(e["canal"]) - set(i["canal"]))],
    )


def tableau_parametres(parametres: config.Parametres) -> pd.DataFrame:
    """Paramètres de méthode utilisés, pour l'annexe.

    >>> tableau_parametres(config.PARAMETRES)["Paramètre"].iloc[0]
    'Réplications bootstrap (intervalles des séries)'
    """
    return pd.DataFrame(
        [
            ("Réplications bootstrap (intervalles des séries)", nombre_fr(parametres.n_bootstrap, 0)),
            ("Niveau des intervalles", f"{nombre_fr(100 * parametres.niveau_confiance, 0)} %"),
            ("Graine", str(parametres.graine)),
            ("Taille minimale d’un agrégat publié", f"{parametres.taille_min_agregat} structures"),
            ("Ancrage des séries ajustées", "moyenne des participants de la première édition comparée"),
            (
                "Rupture",
                "au plus une, au moins 2 éditions de chaque côté ; datée et testée avec la tendance (sup-F, loi "
                "simulée sous bruit AR(1) de coefficient 0,2 : 9 999 tirages)",
            ),
            (
                "Tendance",
                "méta-régression des estimations d’édition sur l’année (variance inter-éditions de "
                "DerSimonian–Laird, Knapp–Hartung), seuil simulé sous chocs d’édition indépendants et sous marche "
                "aléatoire, le plus exigeant retenu",
            ),
            ("Intervalles des moyennes de participants", "t de Student sur les structures"),
            (
                "Tests multiples",
                "Benjamini–Hochberg sur toutes les séries (taux de fausses découvertes 5 %) ; intervalles de pente "
                "ajustés de Benjamini–Yekutieli",
            ),
        ],
        columns=["Paramètre", "Valeur"],
    )


# --------------------------------------------------------------------------- rapport


def rapport_tendances(
    donnees: Path | str = "data",
    sortie: Path | str = "rapports",
    de: int | None = None,
    a: int | None = None,
    parametres_methode: dict | None = None,
) -> Path:
    """Rapport de tendances : ``<sortie>/tendances/rapport_tendances.pdf`` (+ HTML et tableaux CSV).

    Les chemins relatifs partent de la racine du projet.

    >>> rapport_tendances("/dossier/absent")
    Traceback (most recent call last):
    FileNotFoundError: Moins de deux éditions préparées dans /dossier/absent/processed (de – à –) : l'étude des tendances en demande au moins deux.
    """
    from analyse.rapports.rendu import produire_rapport
    from analyse.statistiques.tendances import charger_tendances

    donnees, sortie = resoudre_chemin(donnees), resoudre_chemin(sortie)
    charger_tendances(donnees, de, a)  # vérifie tôt, message en français
    parametres = {
        "donnees": str(donnees),
        "sortie": str(sortie),
        "de": de,
        "a": a,
        "parametres_methode": dict(parametres_methode or {}),
    }
    chemins = produire_rapport(
        config.NOTEBOOKS / "rapport_tendances.ipynb", parametres, dossier_tendances(sortie), NOM_FICHIER, titre=TITRE
    )
    return chemins["pdf"]
