"""Rapport national d'une édition : textes, tableaux mis en forme et production du PDF."""

from __future__ import annotations

from pathlib import Path

import numpy as np  # noqa: F401 (exemples des docstrings)
import pandas as pd

from analyse import config
from analyse.config import resoudre_chemin
from analyse.donnees.codes import libelle
from analyse.donnees.notation import ANNEXE_METHODE as ANNEXE_STRUCTURES, phrase_fragile
from analyse.donnees.stockage import lire_table
from analyse.formatage import BlocHTML, ecrire_csv, intervalle_fr, nombre_fr
from analyse.rapports.gabarits import rendre
from analyse.rapports.rendu import TITRE_EDITION, produire_rapport
from analyse.statistiques.edition import (  # noqa: F401 (API du notebook du rapport d'édition)
    ANNEXE_METHODE as ANNEXE_AGREGATS,
    calculer_edition,
    charger_edition,
    indicateurs_operationnels,
)
from analyse.statistiques.palmares import ANNEXE_METHODE as ANNEXE_PALMARES


def exporter_tableaux(resultats: dict, dossier: Path | str) -> list[Path]:
    """Écrit les tableaux derrière chaque graphique (CSV pour Excel français).

    >>> exporter_tableaux({}, __import__("tempfile").mkdtemp())
    []
    """
    noms = (
        "effectifs_type",
        "effectifs_classe",
        "national",
        "distribution",
        "canaux",
        "determinants",
        "etapes",
        "strates_type",
        "strates_classe",
        "strates_certification",
        "indicateurs",
        "comparaison",
    )
    return [ecrire_csv(resultats[n], dossier, n) for n in noms if n in resultats]


def dossier_tableaux(sortie: Path | str, annee: int) -> Path:
    """Dossier des tableaux CSV d'une édition : ``<sortie>/<annee>/tableaux``.

    >>> dossier_tableaux("/tmp/rapports", 2022).as_posix()
    '/tmp/rapports/2022/tableaux'
    """
    return resoudre_chemin(sortie) / str(annee) / "tableaux"


def numero_edition(editions: pd.DataFrame, annee: int) -> str:
    """Libellé de l'édition (« 10e édition »), ou l'année à défaut.

    >>> numero_edition(pd.DataFrame({"annee": [2022], "numero": [10], "libelle": [None]}), 2022)
    '10e édition'
    """
    ligne = editions[editions["annee"] == annee] if not editions.empty else editions
    if ligne.empty:
        return f"édition {annee}"
    libelle_ed = ligne["libelle"].iloc[0]
    if isinstance(libelle_ed, str) and libelle_ed.strip():
        return libelle_ed.strip()
    numero = int(ligne["numero"].iloc[0])
    return f"{numero}{'re' if numero == 1 else 'e'} édition"


def source_edition(annee: int, demo: bool = False) -> str:
    """Ligne de source placée sous chaque graphique et tableau.

    >>> source_edition(2022)
    "Source : Baromètre Expérience Citoyen, édition 2022 ; calculs de l'observatoire"
    """
    from analyse.rapports.graphiques import ligne_source

    return ligne_source(f"édition {annee}", demo)


def introduction(tables: dict, resultats: dict, demo: bool = False) -> BlocHTML:
    """Paragraphe d'introduction : édition, nombre de participants, de contacts, score national.

    >>> callable(introduction)
    True
    """
    participants = tables["participants"]
    annee = int(participants["annee"].iloc[0])
    n_contacts = len(tables["contacts"]) if not tables["contacts"].empty else None
    return rendre(
        "edition_introduction.html.j2",
        numero_edition=numero_edition(tables["editions"], annee),
        annee=annee,
        n_participants=len(participants),
        n_contacts=n_contacts,
        nat=resultats["national"].iloc[0],
        demo=demo,
    )


def phrase_score_national(resultats: dict) -> BlocHTML:
    """Phrase de synthèse sur le score national et son intervalle.

    >>> r = {"national": pd.DataFrame([{"score": 68.5, "ic_bas": 66.1, "ic_haut": 70.3, "n_structures": 231, "supprime": False}])}
    >>> "68,5" in str(phrase_score_national(r))
    True
    """
    return rendre("edition_score_national.html.j2", nat=resultats["national"].iloc[0])


def tableau_agregats(agregats: pd.DataFrame, entete: str = "Modalité") -> pd.DataFrame:
    """Tableau d'agrégats prêt à afficher (colonnes en français, secret signalé).

    >>> a = pd.DataFrame([{"libelle": "Courriel", "n_structures": 3, "score": np.nan, "ic_bas": np.nan, "ic_haut": np.nan, "fragile": True, "supprime": True}])
    >>> tableau_agregats(a)["Score (sur 100)"].item()
    'secret (< 5 structures)'
    """
    table = pd.DataFrame(
        {
            entete: agregats["libelle"],
            "Structures": agregats["n_structures"],
            "Score (sur 100)": [
                ("secret (< 5 structures)" if s else nombre_fr(v))
                for v, s in zip(agregats["score"], agregats["supprime"])
            ],
            "IC à 95 %": [intervalle_fr(b, h) for b, h in zip(agregats["ic_bas"], agregats["ic_haut"])],
            "Fragile": agregats["fragile"],
        }
    )
    return table


def tableau_indicateurs(indicateurs: pd.DataFrame) -> pd.DataFrame:
    """Tableau des indicateurs opérationnels prêt à afficher.

    >>> t = tableau_indicateurs(indicateurs_operationnels(pd.DataFrame({"indicateur": [], "valeur": [], "structure_id": []})))
    >>> set(t["Part"])
    {'non disponible'}
    """
    from analyse.formatage import pourcent_fr

    part = [
        pourcent_fr(p) if s == "disponible" else s for p, s in zip(indicateurs["proportion"], indicateurs["statut"])
    ]
    ic = [intervalle_fr(100 * b, 100 * h) for b, h in zip(indicateurs["ic_bas"], indicateurs["ic_haut"])]
    return pd.DataFrame(
        {
            "Indicateur": indicateurs["libelle"],
            "Canal": indicateurs["canal"],
            "Question utilisée": indicateurs["condition"].astype(object).fillna("–"),
            "Contacts": indicateurs["n_reponses"].astype("Int64"),
            "Part": part,
            "IC à 95 % (Wilson, %)": ic,
        }
    )


def _nombre_souple(x) -> str:
    """Entier sans décimale, sinon une décimale."""
    if pd.isna(x):
        return "–"
    return nombre_fr(x, 0 if float(x).is_integer() else 1)


def tableau_comparaison(comparaison: pd.DataFrame) -> pd.DataFrame:
    """Tableau « publié / recalculé » prêt à afficher.

    >>> from analyse.statistiques.edition import comparer_chiffres_publies
    >>> tableau_comparaison(comparer_chiffres_publies(1900, pd.DataFrame(columns=["indicateur", "modalite", "valeur_calculee", "ic_bas", "ic_haut", "n_structures"]))).empty
    True
    """
    return pd.DataFrame(
        {
            "Indicateur": comparaison["indicateur"].map(_LIBELLES_PUBLIES).fillna(comparaison["indicateur"]),
            "Modalité": comparaison["modalite"].map(lambda m: _LIBELLES_MODALITES.get(m, libelle(m))),
            "Publié": [
                f"{_nombre_souple(v)} ({p})" for v, p in zip(comparaison["valeur_publiee"], comparaison["precision"])
            ],
            "Recalculé": comparaison["valeur_calculee"].map(_nombre_souple),
            "IC à 95 %": [intervalle_fr(b, h) for b, h in zip(comparaison["ic_bas"], comparaison["ic_haut"])],
            "Écart (points)": comparaison["ecart"].map(_nombre_souple),
            "Source": comparaison["source"],
        }
    )


_LIBELLES_MODALITES = {
    "ensemble": "Ensemble",
    "certifie": "Structures certifiées",
    "non_certifie": "Structures non certifiées",
    "collectivites": "Collectivités territoriales",
}

_LIBELLES_PUBLIES = {
    "nb_structures": "Nombre de structures",
    "nb_enqueteurs": "Nombre d'enquêteurs",
    "nb_criteres": "Nombre de critères",
    "score_national": "Score national",
    "score_canal": "Score par canal",
    "score_type": "Score par type",
    "score_strate": "Score par strate",
    "score_certification": "Score des certifiées",
    "score_max": "Score maximal",
    "score_min": "Score minimal",
    "part_appels_decroches_5_sonneries": "Appels décrochés en 5 sonneries",
    "part_courriers_repondus_7_jours": "Courriers répondus sous 7 jours",
    "part_repondeur_hors_ouverture": "Répondeur hors ouverture",
}


def annexe_methodologique(parametres: config.Parametres = config.PARAMETRES) -> BlocHTML:
    """Annexe méthodologique du rapport d'édition : scores, incertitude (méthodes réellement
    employées, couverture vérifiée par simulation), palmarès, confidentialité, données jointes.

    >>> "Student" in str(annexe_methodologique())
    True
    """
    return rendre(
        "edition_annexe.html.j2",
        p=parametres,
        incertitude_agregats=ANNEXE_AGREGATS,
        incertitude_structures=ANNEXE_STRUCTURES,
        phrase_fragile=phrase_fragile(parametres),
        palmares=ANNEXE_PALMARES,
    )


def tableau_parametres(parametres: config.Parametres = config.PARAMETRES) -> pd.DataFrame:
    """Paramètres de méthode utilisés, pour l'annexe.

    >>> tableau_parametres().set_index("Paramètre").loc["Graine aléatoire", "Valeur"]
    '2012'
    """
    p = parametres
    lignes = [
        ("Tirages de simulation (intervalles de rang du palmarès)", nombre_fr(p.n_bootstrap, 0)),
        ("Graine aléatoire", str(p.graine)),
        ("Niveau de confiance", f"{nombre_fr(100 * p.niveau_confiance, 0)} %"),
        ("Seuil de performance", f"{nombre_fr(p.seuil_performance, 0)} points"),
        (
            "Largeur d'intervalle au-delà de laquelle un score de structure est fragile",
            f"{nombre_fr(p.largeur_fragile, 0)} points",
        ),
        ("Structures minimum par groupe (sinon fragile)", str(p.min_structures_groupe)),
        ("Taille minimale d'un agrégat publié", f"{p.taille_min_agregat} structures"),
        (
            "Poids des canaux",
            "égaux"
            if p.poids_canaux is None
            else ", ".join(f"{libelle(k)} {nombre_fr(v, 2)}" for k, v in p.poids_canaux.items()),
        ),
    ]
    return pd.DataFrame(lignes, columns=["Paramètre", "Valeur"])


def couverture(tables: dict, demo: bool = False):
    """Informations de couverture du rapport d'édition, transmises au rendu PDF.

    >>> couverture({"editions": pd.DataFrame(), "participants": pd.DataFrame({"annee": [2022]})}).meta["sous_titre"]
    'Rapport national – édition 2022 (terrain 2022)'
    """
    from analyse.rapports.rendu import declarer_couverture

    annee = int(tables["participants"]["annee"].iloc[0])
    return declarer_couverture(
        sous_titre=f"Rapport national – {numero_edition(tables['editions'], annee)} (terrain {annee})", demo=demo
    )


def valeur_nationale(resultats: dict) -> float | None:
    """Score national (ou ``None`` s'il est supprimé), pour les lignes de référence des graphiques.

    >>> valeur_nationale({"national": pd.DataFrame({"score": [68.5], "supprime": [False]})})
    68.5
    """
    nat = resultats["national"].iloc[0]
    return None if nat["supprime"] else float(nat["score"])


def agregats_indicateurs(indicateurs: pd.DataFrame) -> pd.DataFrame:
    """Indicateurs opérationnels au format des agrégats (pour les graphiques à intervalles).

    >>> agregats_indicateurs(indicateurs_operationnels(pd.DataFrame({"indicateur": [], "valeur": [], "structure_id": []})))["supprime"].all()
    np.True_
    """
    return indicateurs.assign(
        score=indicateurs["proportion"], fragile=False, supprime=indicateurs["statut"] != "disponible"
    )


def tableau_effectifs(effectifs: pd.DataFrame) -> pd.DataFrame:
    """Participants par type, prêt à afficher.

    >>> from analyse.statistiques.edition import effectifs_par_type
    >>> tableau_effectifs(effectifs_par_type(pd.DataFrame({"structure_id": ["a"], "type_structure": ["epci"]}))).columns.tolist()
    ['Type de structure', 'Structures', 'Part (%)']
    """
    return pd.DataFrame(
        {
            "Type de structure": effectifs["libelle"],
            "Structures": effectifs["n_structures"],
            "Part (%)": effectifs["part_pct"],
        }
    )


def tableau_classes(effectifs_classe: pd.DataFrame) -> pd.DataFrame:
    """Structures territoriales par classe de population, prêt à afficher.

    >>> tableau_classes(pd.DataFrame({"classe_population": ["< 2 000"], "Total": [3]})).columns[0]
    'Classe de population (habitants)'
    """
    return effectifs_classe.rename(columns={"classe_population": "Classe de population (habitants)"})


def tableau_distribution(distribution: pd.DataFrame) -> pd.DataFrame:
    """Quantiles des scores globaux et part des structures performantes, prêt à afficher.

    >>> tableau_distribution(pd.DataFrame({"statistique": ["Médiane"], "valeur": [70.0], "ic_bas": [np.nan], "ic_haut": [np.nan]}))["IC à 95 %"].item()
    '–'
    """
    return pd.DataFrame(
        {
            "Statistique": distribution["statistique"],
            "Valeur": distribution["valeur"],
            "IC à 95 %": [intervalle_fr(b, h) for b, h in zip(distribution["ic_bas"], distribution["ic_haut"])],
        }
    )


def bloc_comparaison(resultats: dict, annee: int, source: str):
    """Tableau publié / recalculé de l'édition, ou une phrase s'il n'existe aucun chiffre publié.

    >>> "Aucun chiffre" in str(bloc_comparaison({"comparaison": pd.DataFrame()}, 2022, "Source"))
    True
    """
    comparaison = resultats["comparaison"]
    return rendre(
        "edition_comparaison.html.j2",
        annee=annee,
        source=source,
        table=None if comparaison.empty else tableau_comparaison(comparaison),
    )


def rapport_edition(
    annee: int, donnees: Path | str = "data", sortie: Path | str = "rapports", parametres_methode: dict | None = None
) -> Path:
    """Rapport national d'une édition : ``<sortie>/<annee>/rapport_edition_<annee>.pdf`` (+ HTML, CSV).

    Les chemins relatifs partent de la racine du projet.

    >>> rapport_edition(1900, "/dossier/absent")
    Traceback (most recent call last):
    FileNotFoundError: Aucune table préparée pour l'édition 1900 dans /dossier/absent/processed.
    """
    donnees, sortie = resoudre_chemin(donnees), resoudre_chemin(sortie)
    if lire_table(donnees, "participants", annee).empty:
        raise FileNotFoundError(
            f"Aucune table préparée pour l'édition {annee} dans {config.dossier_processed(donnees)}."
        )
    parametres = {
        "annee": int(annee),
        "donnees": str(donnees),
        "sortie": str(sortie),
        "parametres_methode": dict(parametres_methode or {}),
    }
    chemins = produire_rapport(
        config.NOTEBOOKS / "rapport_edition.ipynb",
        parametres,
        sortie / str(annee),
        f"rapport_edition_{annee}",
        titre=TITRE_EDITION,
    )
    return chemins["pdf"]
