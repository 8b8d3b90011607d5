"""Contenu de la fiche de résultats d'une structure (gabarit ``notebooks/fiche_structure.ipynb``).

La fiche ne montre que les résultats de la structure et des agrégats (national, sa strate,
quartiles), jamais ceux d'un autre participant nommé ; tout agrégat porte sur au moins
``Parametres.taille_min_agregat`` structures. Les textes libres sont masqués
(``confidentialite``).

Les tables d'une édition et les agrégats nationaux sont calculés une seule fois par
processus : un cache de module, indexé par la racine des données, l'édition et les dates
de modification des fichiers, survit à la remise à zéro de l'espace de noms du noyau
entre deux fiches (``lot``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analyse import config
from analyse.donnees import stockage
from analyse.donnees.codes import CANAUX, DETERMINANTS, ETAPES, libelle
from analyse.donnees.confidentialite import masquer_texte
from analyse.donnees.notation import ANNEXE_METHODE, phrase_fragile
from analyse.formatage import (
    BlocHTML,
    accorder,
    couper_texte,
    delai_fr,
    intervalle_fr,
    nombre_fr,
    pourcent_fr,
)
from analyse.rapports.edition import numero_edition, source_edition
from analyse.rapports.gabarits import ecart_fr, points, rendre
from analyse.statistiques import edition, verdicts

RESOLUTION_FIGURES = 100  # points par pouce : lisible à l'impression, léger à produire
TABLES_FICHE = ("editions", "participants", "contacts", "reponses", "scores", "enquete", "avis")
MIN_REPONDANTS = 5  # en dessous, la distribution des réponses d'usagers n'est pas montrée
N_PRIORITES = 3
N_CITATIONS = 5
LONGUEUR_CITATION = 300  # caractères au plus par extrait de texte d'usager cité

# Indicateurs de délai : médiane de Kaplan–Meier sur tous les contacts du canal, un contact resté sans
# réponse comptant pour un délai plus long que le plus long observé de l'édition (censuré), avec son
# intervalle (``analyse.statistiques.survie`` ; aucun sous 5 réponses).
DELAIS = (
    {
        "code": "delai_courriel_jours",
        "libelle": "Délai médian de réponse aux courriels (jours ouvrés, sans réponse compris)",
        "canal": "courriel",
        "indicateur": "COURRIEL_DELAI_JOURS",
    },
    {
        "code": "delai_courrier_jours",
        "libelle": "Délai médian de réponse aux courriers (jours, sans réponse compris)",
        "canal": "courrier",
        "indicateur": "COURRIER_DELAI_JOURS",
    },
)

# Thèmes des textes d'usagers : mots-clés (minuscules, sans prétention d'exhaustivité).
THEMES = {
    "Joignabilité, téléphone": ("joindre", "décroche", "rappel", "messagerie", "injoignable", "téléphone"),
    "Attente": ("attente", "attendre", "interminable", "longtemps"),
    "Amabilité, écoute": ("aimable", "accueil", "écoute", "sympathique", "poli", "personnel"),
    "Clarté et qualité de la réponse": ("réponse", "clair", "claire", "efficace", "incomplète", "renseign"),
    "Orientation entre services": ("renvoyé", "service en service", "orient", "transf"),
    "Site et démarches en ligne": ("site", "en ligne", "démarche", "internet"),
}

_CACHE: dict = {}


# --------------------------------------------------------------------------- chargement (cache)


def _signature(racine: Path) -> tuple:
    processed = stockage.dossier_publie(racine)
    fichiers = sorted(p for t in TABLES_FICHE for p in (processed / t).glob("annee=*/*.parquet"))
    return tuple((str(p.relative_to(processed)), p.stat().st_mtime_ns, p.stat().st_size) for p in fichiers)


def charger_donnees_fiche(
    annee: int, donnees: Path | str = "data", parametres: config.Parametres = config.PARAMETRES
) -> dict:
    """Tables de l'édition et agrégats nationaux, calculés une fois par processus (cache).

    La clé du cache est (racine, édition, paramètres, dates et tailles des fichiers) :
    une donnée modifiée est relue, une donnée inchangée ne l'est pas.

    >>> charger_donnees_fiche(1900, "/dossier/absent")
    Traceback (most recent call last):
    FileNotFoundError: Aucune table préparée « participants » ou « scores » pour l'édition 1900 dans /dossier/absent/processed : lancez d'abord la préparation de l'édition.
    """
    racine = edition.resoudre_chemin(donnees)
    cle = (str(racine), int(annee), repr(parametres), _signature(racine))
    if cle not in _CACHE:
        _CACHE.clear()  # un seul jeu en mémoire par processus
        _CACHE[cle] = _calculer_donnees(int(annee), racine, parametres)
    return _CACHE[cle]


def _calculer_donnees(annee: int, racine: Path, parametres) -> dict:
    tables = edition.charger_edition(annee, racine)
    for nom in ("enquete", "avis"):
        tables[nom] = edition.lire_table(racine, nom, annee)
    scores, participants = tables["scores"], tables["participants"]
    historique = _historique(racine)
    nationaux = {
        "national": edition.score_national(scores, parametres),
        "distribution": edition.distribution_scores(scores, parametres),
        "canal": edition.scores_nationaux(scores, "canal", parametres),
        "determinant": edition.scores_nationaux(scores, "determinant", parametres),
        "etape": edition.scores_nationaux(scores, "etape", parametres),
        "type_structure": edition.scores_par_strate(scores, participants, "type_structure", parametres),
        "classe_population": edition.scores_par_strate(scores, participants, "classe_population", parametres),
        "certifie": edition.scores_par_strate(scores, participants, "certifie", parametres),
        "indicateurs": edition.indicateurs_operationnels(tables["reponses"], parametres),
        "delais": _delais_structures(tables["reponses"]),
    }
    reponses = tables["reponses"]
    return {
        "annee": annee,
        "racine": racine,
        "parametres": parametres,
        "tables": tables,
        "reponses_par_structure": dict(tuple(reponses.groupby("structure_id", sort=False))),
        "globaux": scores.loc[scores["niveau"] == "global", ["structure_id", "score"]].dropna(),
        "nationaux": nationaux,
        "historique": historique,
        "importance": importance_nationale(annee, racine),
        "demo": config.est_demo(racine),
    }


def _historique(racine: Path) -> pd.DataFrame:
    """Scores globaux de toutes les éditions (pour la trajectoire) et moyenne nationale par édition."""
    try:
        scores = config_lire(racine, "scores", ["structure_id", "niveau", "score", "ic_bas", "ic_haut"])
    except FileNotFoundError:
        return pd.DataFrame(
            columns=["annee", "structure_id", "score", "ic_bas", "ic_haut", "moyenne_nationale", "n_structures"]
        )
    globaux = scores[scores["niveau"] == "global"].drop(columns="niveau")
    moyennes = globaux.groupby("annee")["score"].agg(moyenne_nationale="mean", n_structures="size").reset_index()
    return globaux.merge(moyennes, on="annee")


def config_lire(racine: Path, table: str, colonnes) -> pd.DataFrame:
    """Lit une table préparée de toutes les éditions (colonnes choisies, ``annee`` incluse).

    >>> config_lire(Path("/dossier/absent"), "scores", ["score"])
    Traceback (most recent call last):
    FileNotFoundError: La table préparée « scores » est absente de /dossier/absent/processed/scores : lancez d'abord « analyse preparer ».
    """
    from analyse.donnees.stockage import lire

    return lire(racine, table, colonnes=[*colonnes, "annee"])


def _delais_structures(reponses: pd.DataFrame) -> dict:
    """Par indicateur de délai : fenêtre de censure (plus long délai observé de l'édition) et médiane nationale
    de Kaplan–Meier sur tous les contacts du canal."""
    resultat = {}
    for definition in DELAIS:
        observes = reponses.loc[(reponses["indicateur"] == definition["indicateur"]), "valeur"].dropna()
        fenetre = float(observes.max()) if len(observes) else np.nan
        resultat[definition["indicateur"]] = {"fenetre": fenetre} | delai_contacts(reponses, definition, fenetre)
    return resultat


def delai_contacts(reponses: pd.DataFrame, definition: dict, fenetre: float) -> dict:
    """Délai médian de Kaplan–Meier des contacts d'un canal : un contact sans délai noté (sans réponse) est
    censuré à ``fenetre`` ; renvoie aussi ``n_contacts``.

    >>> r = pd.DataFrame({"id_contact": ["a", "a", "b", "c"], "canal": "courrier",
    ...     "indicateur": ["COURRIER_DELAI_JOURS", "X", "X", "COURRIER_DELAI_JOURS"], "valeur": [3.0, 1.0, 1.0, 9.0]})
    >>> d = delai_contacts(r, DELAIS[1], 30.0)
    >>> d["n_contacts"], d["n_reponses"], float(d["mediane"])
    (3, 2, 9.0)
    """
    from analyse.statistiques.survie import mediane_km

    contacts = pd.Index(reponses.loc[reponses["canal"] == definition["canal"], "id_contact"].unique())
    notes = reponses[(reponses["indicateur"] == definition["indicateur"]) & reponses["valeur"].notna()]
    delais = notes.groupby("id_contact")["valeur"].first().reindex(contacts)
    return mediane_km(delais.fillna(fenetre).to_numpy(), delais.notna().to_numpy()) | {"n_contacts": len(contacts)}


# --------------------------------------------------------------------------- importance


def importance_nationale(annee: int, donnees: Path | str) -> pd.DataFrame:
    """Importance nationale de chaque déterminant (part LMG du R² de la satisfaction perçue).

    Vient de ``analyse.statistiques.determinants`` : l'enquête en ligne de l'édition, ou, pour une
    édition sans enquête, toutes les éditions qui en ont une. Colonnes ``determinant``,
    ``importance`` et ``source`` (phrase pour la fiche) ; importance absente si aucune
    enquête n'est préparée.

    >>> bool(importance_nationale(1900, "/dossier/absent")["importance"].isna().all())
    True
    """
    from analyse.statistiques.determinants import importance_nationale as importance_lmg

    racine = edition.resoudre_chemin(donnees)
    for choix, source in (
        (annee, f"enquête en ligne de l'édition {annee}"),
        (None, "enquête en ligne de toutes les éditions disponibles"),
    ):
        try:
            table = importance_lmg(annee=choix, donnees=racine, n_bootstrap=0)
            return table[["determinant", "importance"]].assign(source=source)
        except FileNotFoundError:
            continue
    return pd.DataFrame({"determinant": list(DETERMINANTS), "importance": np.nan, "source": "non disponible"})


# --------------------------------------------------------------------------- calcul de la fiche


def calculer_fiche(
    annee: int, structure_id: str, donnees: Path | str = "data", parametres: config.Parametres = config.PARAMETRES
) -> dict:
    """Tous les éléments chiffrés de la fiche d'une structure (dictionnaire).

    >>> calculer_fiche(2022, "S00001", "/dossier/absent")
    Traceback (most recent call last):
    FileNotFoundError: Aucune table préparée « participants » ou « scores » pour l'édition 2022 dans /dossier/absent/processed : lancez d'abord la préparation de l'édition.
    """
    d = charger_donnees_fiche(annee, donnees, parametres)
    participants = d["tables"]["participants"]
    ligne = participants[participants["structure_id"] == structure_id]
    if ligne.empty:
        raise KeyError(
            f"La structure « {structure_id} » n'a pas participé à l'édition {annee} "
            f"(table participants de {config.dossier_processed(d['racine'])})."
        )
    structure = ligne.iloc[0].to_dict()
    scores = d["tables"]["scores"]
    propres = scores[scores["structure_id"] == structure_id]
    sans_score = not (propres["niveau"] == "global").any()  # aucun contact d'audit exploitable
    reponses = d["reponses_par_structure"].get(structure_id, d["tables"]["reponses"].iloc[:0])
    fiche = {
        "annee": int(annee),
        "structure": structure,
        "demo": d["demo"],
        "parametres": parametres,
        "numero_edition": numero_edition(d["tables"]["editions"], annee),
        "global": None if sans_score else _global_compare(propres, d["nationaux"]["national"]),
        "national": d["nationaux"]["national"].iloc[0].to_dict(),
        "distribution": d["nationaux"]["distribution"],
        "strates": _strates(structure, d["nationaux"]),
        "contacts": _contacts(d["tables"]["contacts"], structure_id),
    }
    for niveau, ordre in (("canal", CANAUX), ("determinant", DETERMINANTS), ("etape", ETAPES)):
        fiche[niveau] = _comparer(propres, d["nationaux"][niveau], niveau, ordre)
    _controler_multiplicite(fiche)
    fiche["position"] = _position(fiche["global"], d["globaux"], parametres)
    fiche["trajectoire"] = _trajectoire(d["historique"], structure_id, annee)
    fiche["evolution"] = _evolution(fiche["trajectoire"], annee)
    fiche["indicateurs"] = _indicateurs(reponses, d["nationaux"], structure_id, parametres)
    fiche["priorites"] = _matrice(fiche["determinant"], d["importance"])
    fiche["usagers"] = _usagers(d["tables"]["enquete"], d["tables"]["avis"], structure_id)
    fiche["usagers"]["delai_avis"] = delai_avis(fiche["usagers"]["avis"], d["tables"]["avis"])
    fiche["spplus"] = _spplus_structure(d, structure_id)
    return fiche


def _spplus_structure(d: dict, structure_id: str) -> dict | None:
    """Suivi Services Publics + de la structure (taux de réponse, délai, thèmes) ; None sans expérience."""
    from analyse.statistiques.suivi import ParametresSuivi, suivi_spplus

    if "spplus" not in d:
        d["spplus"] = {nom: _lire_facultative(d["racine"], nom, d["annee"]) for nom in ("signaux", "themes_spplus")}
    tables = {nom: t[t["structure_id"] == structure_id] if len(t) else t for nom, t in d["spplus"].items()}
    return suivi_spplus(tables, ParametresSuivi())


def _lire_facultative(racine, table: str, annee: int) -> pd.DataFrame:
    from analyse.donnees.stockage import lire

    try:
        return lire(racine, table, annee=annee)
    except FileNotFoundError:
        return pd.DataFrame()


def delai_avis(avis: pd.DataFrame, tous: pd.DataFrame) -> dict | None:
    """Délai médian de réponse aux avis de la structure (Kaplan–Meier) : un avis sans réponse est censuré à
    son ancienneté à la dernière date des avis de l'édition. None sans colonne de date d'avis.

    >>> a = pd.DataFrame({"date_avis": pd.to_datetime(["2022-01-01", "2022-01-02"]),
    ...     "date_reponse": pd.to_datetime(["2022-01-05", None]), "delai_reponse_jours": [4.0, None]})
    >>> float(delai_avis(a, a)["mediane"])
    4.0
    """
    from analyse.statistiques.survie import mediane_km

    if avis.empty or "date_avis" not in avis or "delai_reponse_jours" not in avis:
        return None
    fin = pd.concat([tous["date_avis"], tous.get("date_reponse", pd.Series(dtype="datetime64[ns]"))]).max()
    repondu = avis["delai_reponse_jours"].notna()
    anciennete = (fin - avis["date_avis"]).dt.days.astype(float)
    return mediane_km(avis["delai_reponse_jours"].where(repondu, anciennete), repondu)


def _global_compare(propres: pd.DataFrame, national: pd.DataFrame) -> dict:
    """Score global de la structure et son écart à la moyenne nationale (intervalle de l'écart,
    deux incertitudes) ; le verdict est posé avec les autres comparaisons (``_controler_multiplicite``)."""
    glob = propres[propres["niveau"] == "global"]
    nat = national.iloc[0]
    publie = not bool(nat.get("supprime", True))
    erreur = float(_erreur_type(glob).iloc[0])
    ecart = float(glob["score"].iloc[0] - nat["score"]) if publie else np.nan
    erreur_ecart = float(np.hypot(erreur, verdicts.erreur_type_intervalle(nat["ic_bas"], nat["ic_haut"])))
    bas, haut = verdicts.intervalle_ecart(ecart, erreur_ecart)
    return glob.iloc[0].to_dict() | {
        "erreur_type": erreur,
        "ecart": ecart,
        "erreur_type_ecart": erreur_ecart,
        "ecart_bas": float(bas),
        "ecart_haut": float(haut),
    }


def _strates(structure: dict, nationaux: dict) -> list[dict]:
    strates = []
    for strate, valeur, nom in (
        ("type_structure", structure.get("type_structure"), libelle(str(structure.get("type_structure")))),
        (
            "classe_population",
            structure.get("classe_population"),
            f"Population {structure.get('classe_population')} habitants",
        ),
        ("certifie", bool(structure.get("certifie")), edition.LIBELLES_CERTIFICATION[bool(structure.get("certifie"))]),
    ):
        if valeur is None or (isinstance(valeur, float) and np.isnan(valeur)) or pd.isna(valeur):
            continue
        table = nationaux[strate]
        ligne = table[table["modalite"] == valeur]
        if ligne.empty:
            continue
        strates.append({"strate": strate, "libelle": nom} | ligne.iloc[0].to_dict() | {"libelle": nom})
    return strates


def _contacts(contacts: pd.DataFrame, structure_id: str) -> pd.DataFrame:
    propres = contacts[contacts["structure_id"] == structure_id]
    return propres.groupby("canal").size().rename("n_contacts").reset_index()


def _erreur_type(table: pd.DataFrame) -> pd.Series:
    """Erreur type des scores de structure (colonne ``erreur_type``, sinon demi-largeur / 1,96)."""
    repli = (table["ic_haut"] - table["ic_bas"]) / (2 * 1.959964)
    return table["erreur_type"].fillna(repli) if "erreur_type" in table else repli


def _comparer(propres: pd.DataFrame, nationaux: pd.DataFrame, niveau: str, ordre: tuple) -> pd.DataFrame:
    """Scores de la structure face aux moyennes nationales : écart, son intervalle (deux
    incertitudes, ``ecart_bas`` / ``ecart_haut``) et ``comparaison`` (« au-dessus », « en dessous »,
    « non établi ») lue sur cet intervalle, avant l'ajustement de multiplicité de la fiche."""
    sous = propres[propres["niveau"] == niveau]
    sous = sous[["modalite", "score", "ic_bas", "ic_haut", "n_contacts", "fragile"]].assign(
        erreur_type=_erreur_type(sous)
    )
    ref = nationaux[["modalite", "score", "ic_bas", "ic_haut", "n_structures", "supprime"]].rename(
        columns={
            "score": "score_national",
            "ic_bas": "ic_bas_national",
            "ic_haut": "ic_haut_national",
            "n_structures": "n_structures_national",
            "supprime": "national_supprime",
        }
    )
    table = sous.merge(ref, on="modalite", how="left")
    table["score_national"] = table["score_national"].where(~table["national_supprime"].fillna(True).astype(bool))
    table["ecart"] = table["score"] - table["score_national"]
    table["erreur_type_ecart"] = np.hypot(
        table["erreur_type"], verdicts.erreur_type_intervalle(table["ic_bas_national"], table["ic_haut_national"])
    )
    table["ecart_bas"], table["ecart_haut"] = verdicts.intervalle_ecart(table["ecart"], table["erreur_type_ecart"])
    table["verdict"] = [
        verdicts.verdict_ecart(e, b, h) for e, b, h in zip(table["ecart"], table["ecart_bas"], table["ecart_haut"])
    ]
    table["comparaison"] = [v.mot for v in table["verdict"]]
    table["libelle"] = table["modalite"].map(libelle)
    rang = {m: i for i, m in enumerate(ordre)}
    return table.sort_values("modalite", key=lambda s: s.map(lambda m: rang.get(m, 99))).reset_index(drop=True)


def _controler_multiplicite(fiche: dict) -> None:
    """Verdicts des comparaisons au national de la fiche (global, canaux, déterminants, étapes),
    p-valeurs ajustées ensemble par la méthode de Holm (``verdicts.verdicts_comparaisons``)."""
    g = fiche["global"]
    tables = [fiche[niveau] for niveau in ("canal", "determinant", "etape") if not fiche[niveau].empty]
    ecarts = ([g["ecart"]] if g is not None else []) + [e for t in tables for e in t["ecart"]]
    erreurs = ([g["erreur_type_ecart"]] if g is not None else []) + [e for t in tables for e in t["erreur_type_ecart"]]
    resultats = iter(verdicts.verdicts_comparaisons(ecarts, erreurs))
    if g is not None:
        g["verdict"] = next(resultats)
        g["comparaison"] = g["verdict"].mot
    for t in tables:
        t["verdict"] = [next(resultats) for _ in range(len(t))]
        t["comparaison"] = [v.mot for v in t["verdict"]]


def _position(glob: dict | None, globaux: pd.DataFrame, parametres) -> dict:
    """Quartiles nationaux et lecture par l'intervalle du score global : quartile et seuil de
    performance affirmés seulement si l'intervalle les établit (``verdicts``)."""
    x = globaux["score"]
    if glob is None or len(x) < parametres.taille_min_agregat:
        return {}
    q1, q2, q3 = (float(x.quantile(q)) for q in (0.25, 0.5, 0.75))
    return {
        "q1": q1,
        "mediane": q2,
        "q3": q3,
        "n_structures": int(len(x)),
        "part_en_dessous": float((x < glob["score"]).mean()),
        "quartile": verdicts.verdict_quartile(glob["score"], glob["ic_bas"], glob["ic_haut"], (q1, q2, q3)),
        "seuil": verdicts.verdict_seuil(glob["score"], glob["ic_bas"], glob["ic_haut"], parametres.seuil_performance),
    }


def _trajectoire(historique: pd.DataFrame, structure_id: str, annee: int) -> pd.DataFrame:
    t = historique[(historique["structure_id"] == structure_id) & (historique["annee"] <= annee)]
    return t.sort_values("annee").reset_index(drop=True)


def _evolution(trajectoire: pd.DataFrame, annee: int) -> dict | None:
    avant = trajectoire[trajectoire["annee"] < annee]
    actuelle = trajectoire[trajectoire["annee"] == annee]
    if avant.empty or actuelle.empty:
        return None
    precedente, courante = avant.iloc[-1], actuelle.iloc[0]
    verdict = verdicts.verdict_evolution(
        courante["score"],
        courante["ic_bas"],
        courante["ic_haut"],
        precedente["score"],
        precedente["ic_bas"],
        precedente["ic_haut"],
    )
    return {
        "annee_precedente": int(precedente["annee"]),
        "score_precedent": float(precedente["score"]),
        "ecart": verdict.estimation,
        "ecart_bas": verdict.bas,
        "ecart_haut": verdict.haut,
        "verdict": verdict,
        "ecart_national": float(courante["moyenne_nationale"] - precedente["moyenne_nationale"]),
    }


def _indicateurs(reponses: pd.DataFrame, nationaux: dict, structure_id: str, parametres) -> pd.DataFrame:
    lignes = []
    nat = nationaux["indicateurs"].set_index("code")
    seuil_un = config.Parametres.depuis_dict(parametres.vers_dict() | {"taille_min_agregat": 1})
    propres = edition.indicateurs_operationnels(reponses, seuil_un).set_index("code")
    for definition in edition.INDICATEURS_OPERATIONNELS:
        propre, ref = propres.loc[definition["code"]], nat.loc[definition["code"]]
        disponible = propre["statut"] == "disponible"
        lignes.append(
            {
                "libelle": definition["libelle"],
                "canal": libelle(definition["canal"]),
                "unite": "part",
                "n": int(propre["n_reponses"]) if disponible else 0,
                "valeur": propre["proportion"] if disponible else np.nan,
                "ic_bas": propre["ic_bas"] if disponible else np.nan,
                "ic_haut": propre["ic_haut"] if disponible else np.nan,
                "national": ref["proportion"] if ref["statut"] == "disponible" else np.nan,
            }
        )
    for definition in DELAIS:
        nat = nationaux["delais"][definition["indicateur"]]
        propre = delai_contacts(reponses, definition, nat["fenetre"])
        lignes.append(
            {
                "libelle": definition["libelle"],
                "canal": libelle(definition["canal"]),
                "unite": "jours",
                "n": propre["n_contacts"],
                "n_reponses": propre["n_reponses"],
                "valeur": propre["mediane"],
                "ic_bas": propre["ic_bas"],
                "ic_haut": propre["ic_haut"],
                "national": nat["mediane"] if nat["n_contacts"] >= parametres.taille_min_agregat else np.nan,
                "national_ic_bas": nat["ic_bas"],
                "national_ic_haut": nat["ic_haut"],
            }
        )
    return pd.DataFrame(lignes)


def _matrice(determinants: pd.DataFrame, importance: pd.DataFrame) -> pd.DataFrame:
    """Matrice importance–performance de la structure (``determinants.priorites_structure``) :
    importance nationale × score de la structure, comparé à la moyenne nationale."""
    from analyse.statistiques.determinants import priorites_structure

    scores = determinants.set_index("modalite")
    table = priorites_structure(
        importance.set_index("determinant")["importance"], scores["score"], reference=scores["score_national"]
    )
    table["source"] = importance["source"].iloc[0] if len(importance) else "non disponible"
    table["priorite"] = table["quadrant"].eq("Priorité")
    ecarts = determinants.set_index("modalite")["verdict"] if "verdict" in determinants else pd.Series(dtype=object)
    important = table["importance_pct"] > 100 / max(len(table), 1)
    table["verdict"] = [
        verdicts.verdict_priorite(bool(i), ecarts[m]) if m in ecarts.index else None
        for m, i in zip(table["determinant"], important)
    ]
    table["etabli"] = [bool(v is not None and v.etabli) for v in table["verdict"]]
    return table.rename(
        columns={
            "determinant": "modalite",
            "performance": "score",
            "reference": "score_national",
            "ecart_reference": "ecart",
        }
    )


def _usagers(enquete: pd.DataFrame, avis: pd.DataFrame, structure_id: str) -> dict:
    e = enquete[enquete["structure_id"] == structure_id] if not enquete.empty else enquete
    a = avis[avis["structure_id"] == structure_id] if not avis.empty else avis
    textes = pd.concat(
        [
            e["commentaire"] if "commentaire" in e else pd.Series(dtype=object),
            a["texte"] if "texte" in a else pd.Series(dtype=object),
        ]
    ).dropna()
    textes = textes[textes.astype(str).str.strip() != ""].astype(str)
    return {"enquete": e, "avis": a, "textes": textes}


# --------------------------------------------------------------------------- blocs affichés


def source_fiche(fiche: dict) -> str:
    """Ligne de source des tableaux et graphiques de la fiche.

    >>> source_fiche({"annee": 2022, "demo": False})
    "Source : Baromètre Expérience Citoyen, édition 2022 ; calculs de l'observatoire"
    """
    return source_edition(fiche["annee"], fiche["demo"])


def couverture_fiche(fiche: dict):
    """Informations de couverture (nom, édition, mention de démonstration) pour le rendu PDF.

    >>> couverture_fiche({"annee": 2022, "demo": True, "numero_edition": "10e édition", "structure": {"nom": "Mairie"}}).meta["titre"]
    'Mairie'
    """
    from analyse.rapports.rendu import declarer_couverture

    return declarer_couverture(
        titre=str(fiche["structure"]["nom"]),
        demo=fiche["demo"],
        sous_titre=f"Fiche de résultats – {fiche['numero_edition']} du Baromètre "
        f"Expérience Citoyen (terrain {fiche['annee']})",
    )


def _points(x) -> str:
    return points(x)


def _ecart_fr(x) -> str:
    return ecart_fr(x)


def _ecart_intervalle(ecart, bas, haut) -> str:
    """Écart signé suivi de son intervalle, insécable à l'intérieur de l'intervalle : la coupure de
    ligne d'une cellule étroite tombe entre l'écart et l'intervalle (« – » si absent).

    >>> _ecart_intervalle(-3.84, -13.7, 6.2).replace("\u00a0", " ")
    '-3,8 [-13,7\\u202f; 6,2]'
    """
    if pd.isna(ecart) or pd.isna(bas):
        return _ecart_fr(ecart)
    return f"{_ecart_fr(ecart)} {intervalle_fr(bas, haut).replace(' ', chr(0xA0))}"


def bloc_synthese(fiche: dict) -> BlocHTML:
    """Synthèse d'une page : score global, écart au national, position, seuil, strates, évolution,
    priorités ; chaque mot comparatif est un verdict (``statistiques.verdicts``).

    >>> callable(bloc_synthese)
    True
    """
    g, nat = fiche["global"], fiche["national"]
    publie = g is not None and not nat.get("supprime", True)
    prio = fiche["priorites"]
    choisis = prio[prio["priorite"]].head(N_PRIORITES) if not prio.empty else prio
    etablis = choisis["etabli"] if "etabli" in choisis else pd.Series(False, index=choisis.index)
    return rendre(
        "fiche_synthese.html.j2",
        demo=fiche["demo"],
        numero_edition=fiche["numero_edition"],
        annee=fiche["annee"],
        nom=str(fiche["structure"]["nom"]),
        g=g,
        nat=nat,
        comparaison=g["verdict"] if publie else None,
        position=fiche["position"],
        strates=fiche["strates"],
        evolution=fiche["evolution"],
        priorites=[libelle(m).lower() for m in choisis.loc[etablis, "modalite"]],
        a_surveiller=[libelle(m).lower() for m in choisis.loc[~etablis, "modalite"]],
    )


def _tableau_comparaison(table: pd.DataFrame, entete: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            entete: table["libelle"],
            "Score de la structure": table["score"],
            "IC à 95 %": [intervalle_fr(b, h) for b, h in zip(table["ic_bas"], table["ic_haut"])],
            "Moyenne nationale": table["score_national"],
            "Écart (IC à 95 %)": [
                _ecart_intervalle(e, b, h) for e, b, h in zip(table["ecart"], table["ecart_bas"], table["ecart_haut"])
            ],
            "Comparaison au national": table["comparaison"],
            "Contacts": table["n_contacts"],
            "Fragile": table["fragile"],
        }
    )


def tableau_niveau(fiche: dict, niveau: str) -> BlocHTML:
    """Tableau des scores d'un niveau (``canal``, ``determinant``, ``etape``) face à la moyenne nationale.

    >>> callable(tableau_niveau)
    True
    """
    entetes = {"canal": "Canal", "determinant": "Déterminant", "etape": "Étape du parcours"}
    table = fiche[niveau]
    return rendre(
        "fiche_niveau.html.j2",
        niveau=niveau,
        source=source_fiche(fiche),
        phrase_fragile=phrase_fragile(fiche["parametres"]),
        table=None if table.empty else _tableau_comparaison(table, entetes[niveau]),
    )


def alternative_determinants(fiche: dict) -> str:
    """Texte alternatif du graphique des déterminants, écrit depuis les chiffres.

    >>> t = pd.DataFrame({"libelle": ["Attente"], "score": [60.04], "score_national": [65.0]})
    >>> alternative_determinants({"determinant": t})
    'Score de la structure par déterminant : Attente 60,0 (moyenne nationale 65,0).'
    """
    t = fiche["determinant"]
    return (
        "Score de la structure par déterminant : "
        + " ; ".join(
            f"{r['libelle']} {nombre_fr(r['score'])} (moyenne nationale {nombre_fr(r['score_national'])})"
            for _, r in t.iterrows()
        )
        + "."
    )


def figure_determinants(fiche: dict) -> BlocHTML:
    """Graphique : score de la structure par déterminant (intervalle) et moyenne nationale.

    >>> callable(figure_determinants)
    True
    """
    from analyse.rapports.graphiques import GRIS, PALETTE, figure_html, formateur_fr

    t = fiche["determinant"].sort_values("score")
    if t.empty:
        return BlocHTML("")
    fig, ax = _nouvelle_figure(max(2.4, 1.2 + 0.2 * len(t)), gauche=0.31)  # tient dans un bas de page
    y = np.arange(len(t))
    ax.errorbar(
        t["score"],
        y,
        xerr=[t["score"] - t["ic_bas"], t["ic_haut"] - t["score"]],
        fmt="none",
        ecolor=GRIS,
        lw=1.2,
        capsize=2,
    )
    ax.scatter(t["score"], y, s=34, color=PALETTE["bleu"], zorder=3, label="Structure (IC à 95 %)")
    ax.scatter(
        t["score_national"],
        y,
        s=40,
        marker="D",
        facecolor="white",
        edgecolor=PALETTE["vermillon"],
        lw=1.4,
        zorder=4,
        label="Moyenne nationale",
    )
    ax.set_yticks(y, list(t["libelle"]))
    ax.set_xlim(0, 105)
    ax.set_xlabel("Score (points sur 100)")
    ax.xaxis.set_major_formatter(formateur_fr())
    ax.xaxis.grid(True)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncols=2, fontsize=7.5, frameon=False, borderaxespad=0.1)
    _habiller(fig, titre_determinants(fiche), source_fiche(fiche))
    return figure_html(
        fig,
        "Score de la structure par déterminant (intervalle de confiance à 95 %) et moyenne nationale des structures.",
        alternative_determinants(fiche),
        resolution=RESOLUTION_FIGURES,
    )


def tableau_indicateurs(fiche: dict) -> BlocHTML:
    """Indicateurs opérationnels de la structure (décroché, répondeur, réponses et délais) et référence nationale.

    >>> callable(tableau_indicateurs)
    True
    """
    t = fiche["indicateurs"]
    valeur, ic, ref = [], [], []
    for _, r in t.iterrows():
        if r["unite"] == "part":
            valeur.append(pourcent_fr(r["valeur"]) if r["n"] else "non testé")
            ic.append(intervalle_fr(100 * r["ic_bas"], 100 * r["ic_haut"]))
            ref.append(pourcent_fr(r["national"]))
        else:
            valeur.append(_valeur_delai(r))
            ic.append(_intervalle_delai(r))
            ref.append(_national_delai(r))
    table = pd.DataFrame(
        {
            "Indicateur": t["libelle"],
            "Canal": t["canal"],
            "Contacts": t["n"].astype(int),
            "Structure": valeur,
            "IC à 95 % (% ou jours)": ic,
            "National": ref,
        }
    )
    return rendre("fiche_indicateurs.html.j2", table=table, source=source_fiche(fiche))


def _valeur_delai(r) -> str:
    """Délai médian d'une structure et ses réponses (« 4 j (2 réponses sur 3) », « non atteinte (…) »)."""
    if not r["n"]:
        return "non mesuré"
    mediane = "non atteinte" if pd.isna(r["valeur"]) else f"{nombre_fr(r['valeur'], 0)} j"
    return f"{mediane} ({accorder(int(r['n_reponses']), 'réponse')} sur {int(r['n'])})"


def _national_delai(r) -> str:
    """Délai médian national et son intervalle (« 15 j [14\\u202f; 16 j] »)."""
    if pd.isna(r["national"]):
        return "–"
    bornes = {"n": 1, "ic_bas": r.get("national_ic_bas", np.nan), "ic_haut": r.get("national_ic_haut", np.nan)}
    intervalle = _intervalle_delai(pd.Series(bornes))
    return f"{nombre_fr(r['national'], 0)} j" + ("" if intervalle.startswith("aucun") else f" {intervalle}")


def _intervalle_delai(r) -> str:
    """Intervalle à 95 % du délai médian, ou pourquoi il n'y en a pas."""
    from analyse.statistiques.survie import MIN_REPONSES_INTERVALLE

    if not r["n"]:
        return "–"
    if pd.isna(r["ic_bas"]) and pd.isna(r["ic_haut"]):
        return f"aucun (moins de {MIN_REPONSES_INTERVALLE} réponses)"
    bas = "–" if pd.isna(r["ic_bas"]) else nombre_fr(r["ic_bas"], 0)
    haut = "non atteinte" if pd.isna(r["ic_haut"]) or np.isinf(r["ic_haut"]) else f"{nombre_fr(r['ic_haut'], 0)} j"
    return f"[{bas} ; {haut}]"


def titre_trajectoire(fiche: dict) -> str:
    """Titre qui énonce l'évolution du score global sur les éditions de participation.

    >>> titre_trajectoire({"trajectoire": pd.DataFrame({"annee": [2022], "score": [70.0]}), "evolution": None})
    'Première participation : 70,0 points sur 100 en 2022'
    """
    t, ev = fiche["trajectoire"], fiche["evolution"]
    if ev is None:
        return (
            f"Première participation : {_points(t['score'].iloc[-1])} en {int(t['annee'].iloc[-1])}"
            if len(t)
            else "Aucune participation antérieure"
        )
    return (
        f"Score global depuis {ev['annee_precedente']} : {ev['verdict'].phrase} ; "
        f"{accorder(len(t), 'participation')} depuis {int(t['annee'].iloc[0])}"
    )


def _figure_trajectoire(fiche: dict) -> BlocHTML:
    from analyse.rapports.graphiques import PALETTE, figure_html, formateur_fr

    t = fiche["trajectoire"]
    fig, ax = _nouvelle_figure(3.0)
    ax.fill_between(t["annee"], t["ic_bas"], t["ic_haut"], color=PALETTE["bleu_ciel"], alpha=0.3, lw=0)
    ax.plot(t["annee"], t["score"], marker="o", color=PALETTE["bleu"], label="Structure (IC à 95 %)")
    ax.plot(
        t["annee"],
        t["moyenne_nationale"],
        marker="D",
        ls="--",
        color=PALETTE["vermillon"],
        label="Moyenne nationale de l'édition",
    )
    ax.set_ylim(max(0, min(t["ic_bas"].min(), t["moyenne_nationale"].min()) - 10), 100)
    ax.set_ylabel("Score global (points sur 100)")
    ax.set_xticks(list(t["annee"]), [str(a) for a in t["annee"]])
    ax.yaxis.set_major_formatter(formateur_fr())
    ax.yaxis.grid(True)
    ax.legend(loc="lower left", fontsize=7.5, frameon=False)
    _habiller(
        fig, titre_trajectoire(fiche), source_fiche(fiche).replace(f"édition {fiche['annee']}", "éditions successives")
    )
    alternative = (
        "Score global de la structure par édition : "
        + " ; ".join(
            f"{a} : {nombre_fr(s)} (moyenne nationale {nombre_fr(m)})"
            for a, s, m in zip(t["annee"], t["score"], t["moyenne_nationale"])
        )
        + "."
    )
    return figure_html(
        fig,
        "Score global de la structure à chaque édition à laquelle elle a participé, et moyenne nationale de l'édition.",
        alternative,
        resolution=RESOLUTION_FIGURES,
    )


def bloc_trajectoire(fiche: dict) -> BlocHTML:
    """Trajectoire de la structure sur ses éditions : graphique (si plusieurs) et tableau.

    >>> callable(bloc_trajectoire)
    True
    """
    t = fiche["trajectoire"]
    if t.empty:
        return rendre("fiche_trajectoire.html.j2", table=None, figure=None, titre=None, source=None)
    table = pd.DataFrame(
        {
            "Édition (terrain)": t["annee"].astype(str),
            "Score global": t["score"],
            "IC à 95 %": [intervalle_fr(b, h) for b, h in zip(t["ic_bas"], t["ic_haut"])],
            "Moyenne nationale": t["moyenne_nationale"],
            "Écart à la moyenne": (t["score"] - t["moyenne_nationale"]).map(_ecart_fr),
        }
    )
    return rendre(
        "fiche_trajectoire.html.j2",
        table=table,
        source=source_fiche(fiche),
        figure=_figure_trajectoire(fiche) if len(t) >= 2 else None,
        titre=titre_trajectoire(fiche),
    )


def bloc_priorites(fiche: dict) -> BlocHTML:
    """Priorités issues de la matrice importance–performance, chacune avec ses bonnes pratiques.

    Sans priorité, les déterminants « second plan » (sous la moyenne nationale, moins liés
    à la satisfaction) deviennent des points de vigilance, avec leurs bonnes pratiques.
    Sans importance disponible (aucune enquête en ligne préparée) ou sans score par
    déterminant (aucun contact d'audit), une courte note le dit.

    >>> callable(bloc_priorites)
    True
    """
    from analyse.statistiques.pratiques import pratiques_pour

    m = fiche["priorites"]
    if fiche["determinant"].empty or m.empty:
        return rendre("fiche_priorites.html.j2", manque="scores" if fiche["determinant"].empty else "importance")
    retenus, vigilance = m[m["priorite"]].head(N_PRIORITES), False
    if retenus.empty:
        retenus, vigilance = m[m["quadrant"] == "Second plan"].head(N_PRIORITES), True
    ecarts = fiche["determinant"].set_index("modalite")["verdict"]
    items = [
        {
            "libelle": r["libelle"],
            "score": r["score"],
            "score_national": r["score_national"],
            "etabli": bool(r["etabli"]),
            "mot": r["verdict"].mot if r["verdict"] is not None else "à surveiller",
            "ecart": ecarts.get(r["modalite"]),
            "pratiques": pratiques_pour(r["modalite"]).head(3).to_dict("records"),
        }
        for _, r in retenus.iterrows()
    ]
    table = pd.DataFrame(
        {
            "Déterminant": m["libelle"],
            "Part de la satisfaction expliquée (%)": m["importance_pct"],
            "Score de la structure": m["score"],
            "Écart à la moyenne nationale (IC à 95 %)": [
                _ecart_intervalle(e, v.bas, v.haut) if v is not None else _ecart_fr(e)
                for e, v in zip(m["ecart"], m["verdict"])
            ],
            "Lecture": [v.mot if v is not None else q.lower() for v, q in zip(m["verdict"], m["quadrant"])],
        }
    )
    return rendre(
        "fiche_priorites.html.j2",
        manque=None,
        source_importance=m["source"].iloc[0],
        vigilance=vigilance,
        retenus=items,
        table=table,
        source=source_fiche(fiche),
    )


def _themes(textes: pd.Series) -> pd.DataFrame:
    bas = textes.str.lower()
    lignes = [
        {"Thème": theme, "Textes qui l'évoquent": int(bas.map(lambda t: any(m in t for m in mots)).sum())}
        for theme, mots in THEMES.items()
    ]
    return pd.DataFrame(lignes).sort_values("Textes qui l'évoquent", ascending=False, kind="stable")


def extraits_usagers(textes: pd.Series, n: int = N_CITATIONS, longueur: int = LONGUEUR_CITATION) -> list[str]:
    """Premiers extraits distincts, données personnelles masquées, longueur plafonnée.

    >>> extraits_usagers(pd.Series(["Appelez le 06 12 34 56 78", "Appelez le 06 12 34 56 78", "Merci"]))
    ['Appelez le [téléphone masqué]', 'Merci']
    """
    masques = pd.unique(pd.Series([masquer_texte(t).replace("\n", " ") for t in textes], dtype=object))
    return [couper_texte(t, longueur) for t in masques[:n]]


def bloc_usagers(fiche: dict, longueur_citation: int = LONGUEUR_CITATION) -> BlocHTML:
    """Ce que disent les usagers : enquête en ligne et avis (effectifs, distributions, thèmes, extraits masqués).

    Les extraits sont plafonnés à ``longueur_citation`` caractères (coupure entre deux mots, « … »).

    >>> callable(bloc_usagers)
    True
    """
    u = fiche["usagers"]
    e, a = u["enquete"], u["avis"]
    n_e, n_a = len(e), len(a)
    donnees = {
        "n_enquete": n_e,
        "n_avis": n_a,
        "min_repondants": MIN_REPONDANTS,
        "source": source_fiche(fiche),
        "satisfaction": None,
        "note_avis": None,
        "table_enquete": None,
        "table_avis": None,
        "part_repondus": None,
        "delai_reponse": None,
        "spplus": None,
        "themes_spplus": None,
        "themes": None,
        "extraits": [],
    }
    if n_e >= MIN_REPONDANTS:
        donnees["satisfaction"] = e["satisfaction"].astype(float).mean()
        classes = pd.cut(
            e["satisfaction"].astype(float), [-0.5, 4.5, 6.5, 8.5, 10.5], labels=["0 à 4", "5 à 6", "7 à 8", "9 à 10"]
        )
        dist = classes.value_counts(sort=False)
        donnees["table_enquete"] = pd.DataFrame(
            {
                "Satisfaction (sur 10)": dist.index.astype(str),
                "Répondants": dist.values.astype(int),
                "Part": [pourcent_fr(v / n_e) for v in dist.values],
            }
        )
    if n_a >= MIN_REPONDANTS:
        donnees["note_avis"] = a["note"].astype(float).mean()
        dist = a["note"].astype(float).value_counts().reindex([1.0, 2.0, 3.0, 4.0, 5.0], fill_value=0)
        repondus = a["date_reponse"].notna() if "date_reponse" in a else pd.Series(False, index=a.index)
        donnees["part_repondus"] = repondus.mean()
        m = u.get("delai_avis")
        donnees["delai_reponse"] = delai_fr(m["mediane"], m["ic_bas"], m["ic_haut"]) if m else "non mesuré"
        donnees["table_avis"] = pd.DataFrame(
            {
                "Note (sur 5)": [accorder(int(k), "étoile") for k in dist.index],
                "Avis": dist.values.astype(int),
                "Part": [pourcent_fr(v / n_a) for v in dist.values],
            }
        )
    donnees["spplus"], donnees["themes_spplus"] = _spplus_fiche(fiche)
    textes = u["textes"]
    if len(textes):
        donnees["themes"] = _themes(textes)
        donnees["extraits"] = extraits_usagers(textes, N_CITATIONS, longueur_citation)
    return rendre("fiche_usagers.html.j2", **donnees)


def _spplus_fiche(fiche: dict) -> tuple:
    """Chiffres Services Publics + prêts à écrire et tableau des thèmes (None, None sans expérience)."""
    from analyse.rapports.suivi import _phrase_spplus, tableau_themes_spplus
    from analyse.statistiques.suivi import ParametresSuivi

    sp = fiche.get("spplus")
    if sp is None:
        return None, None
    themes = tableau_themes_spplus(sp["themes"]) if sp["themes"]["n"].sum() else None
    return _phrase_spplus(sp, ParametresSuivi()), themes


def tableau_echantillon(fiche: dict) -> BlocHTML:
    """Annexe : contacts par canal, score et drapeau de fragilité.

    >>> callable(tableau_echantillon)
    True
    """
    c = fiche["canal"]
    table = pd.DataFrame(
        {
            "Canal": c["libelle"],
            "Contacts mystère": c["n_contacts"],
            "Score": c["score"],
            f"Fragile (intervalle > {fiche['parametres'].largeur_fragile:g} points)": c["fragile"],
        }
    )
    return rendre("fiche_echantillon.html.j2", table=None if c.empty else table, source=source_fiche(fiche))


def bloc_methode(fiche: dict) -> BlocHTML:
    """Annexe : rappel de méthode (scores, intervalles, références, confidentialité).

    >>> "mise en commun" in str(bloc_methode({"parametres": config.PARAMETRES, "national": {"n_structures": 300}}))
    True
    """
    return rendre(
        "fiche_methode.html.j2",
        p=fiche["parametres"],
        annexe_incertitude=ANNEXE_METHODE,
        phrase_fragile=phrase_fragile(fiche["parametres"]),
        n_structures=fiche["national"].get("n_structures", 0),
        regle_mots=verdicts.PHRASE_METHODE,
        multiplicite=verdicts.PHRASE_MULTIPLICITE,
    )


def _nouvelle_figure(hauteur: float, gauche: float = 0.1):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from analyse.rapports.graphiques import appliquer_style

    appliquer_style()
    fig = Figure(figsize=(6.3, hauteur))  # marges fixes : plus rapide que la mise en page automatique
    FigureCanvasAgg(fig)
    fig.subplots_adjust(left=gauche, right=0.97, top=1 - 0.75 / hauteur, bottom=0.62 / hauteur)
    return fig, fig.add_subplot()


def _habiller(fig, titre: str, source: str) -> None:
    import textwrap

    from analyse.rapports.graphiques import GRIS

    fig.suptitle(
        "\n".join(textwrap.wrap(titre, 75)), x=0.01, y=0.99, ha="left", va="top", fontweight="bold", fontsize=10
    )
    fig.text(0.01, 0.01, source, ha="left", va="bottom", fontsize=7, color=GRIS)


def titre_determinants(fiche: dict) -> str:
    """Titre qui énonce le constat établi sur les déterminants : le point fort et le retrait le
    plus marqués parmi les écarts établis (``verdicts``, ajustés pour la multiplicité).

    >>> from analyse.statistiques.verdicts import verdict_ecart
    >>> t = pd.DataFrame({"libelle": ["Courtoisie", "Attente", "Accueil"], "ecart": [6.0, -4.0, -0.5],
    ...     "verdict": [verdict_ecart(6.0, 2.0, 10.0), verdict_ecart(-4.0, -7.0, -1.0), verdict_ecart(-0.5, -3.0, 2.0)]})
    >>> titre_determinants({"determinant": t})
    'Courtoisie : point fort (+6,0 points sur la moyenne) ; Attente : le plus en retrait (-4,0 points)'
    >>> titre_determinants({"determinant": t.iloc[2:]})
    'Aucun écart à la moyenne nationale établi par déterminant'
    """
    t = fiche["determinant"]
    if t.empty:
        return "Scores par déterminant de la structure"
    mots = t["verdict"].map(lambda v: v.mot)
    dessus = t[mots == "au-dessus"].sort_values("ecart")
    dessous = t[mots == "en dessous"].sort_values("ecart")
    fort = (dessus["libelle"].iloc[-1], _ecart_fr(dessus["ecart"].iloc[-1])) if len(dessus) else None
    faible = (dessous["libelle"].iloc[0], _ecart_fr(dessous["ecart"].iloc[0])) if len(dessous) else None
    return verdicts.titre_point_fort_retrait(fort, faible)
