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
from analyse.donnees.codes import CANAUX, DETERMINANTS, ETAPES, libelle
from analyse.donnees.confidentialite import masquer_texte
from analyse.donnees.notation import ANNEXE_METHODE, phrase_fragile
from analyse.formatage import (
    BlocHTML,
    accorder,
    couper_texte,
    intervalle_fr,
    nombre_fr,
    pourcent_fr,
)
from analyse.rapports.edition import numero_edition, source_edition
from analyse.rapports.gabarits import ecart_fr, points, rendre
from analyse.statistiques import edition

RESOLUTION_FIGURES = 100  # points par pouce : lisible à l'impression, léger à produire
TABLES_FICHE = ("editions", "participants", "contacts", "reponses", "scores", "enquete", "avis")
MIN_REPONDANTS = 5  # en dessous, la distribution des réponses d'usagers n'est pas montrée
N_PRIORITES = 3
N_CITATIONS = 5
LONGUEUR_CITATION = 300  # caractères au plus par extrait de texte d'usager cité

# Indicateurs de délai (moyenne des délais observés, contacts ayant reçu une réponse).
DELAIS = (
    {
        "code": "delai_courriel_jours",
        "libelle": "Délai moyen de réponse aux courriels (jours ouvrés)",
        "canal": "courriel",
        "indicateur": "COURRIEL_DELAI_JOURS",
    },
    {
        "code": "delai_courrier_jours",
        "libelle": "Délai moyen de réponse aux courriers (jours)",
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
    processed = config.dossier_processed(racine)
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


def _delais_structures(reponses: pd.DataFrame) -> pd.DataFrame:
    codes = [d["indicateur"] for d in DELAIS]
    sous = reponses[reponses["indicateur"].isin(codes) & reponses["valeur"].notna()]
    return sous.groupby(["indicateur", "structure_id"])["valeur"].mean().rename("delai").reset_index()


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
    fiche["position"] = _position(fiche["global"], d["globaux"], parametres)
    fiche["trajectoire"] = _trajectoire(d["historique"], structure_id, annee)
    fiche["evolution"] = _evolution(fiche["trajectoire"], annee)
    fiche["indicateurs"] = _indicateurs(reponses, d["nationaux"], structure_id, parametres)
    fiche["priorites"] = _matrice(fiche["determinant"], d["importance"])
    fiche["usagers"] = _usagers(d["tables"]["enquete"], d["tables"]["avis"], structure_id)
    return fiche


def _global_compare(propres: pd.DataFrame, national: pd.DataFrame) -> dict:
    """Score global de la structure avec ``comparaison`` à la moyenne nationale (deux incertitudes)."""
    glob = propres[propres["niveau"] == "global"]
    nat = national.iloc[0]
    publie = not bool(nat.get("supprime", True))
    comparaison = edition.comparer_au_national(
        glob["score"], _erreur_type(glob), nat["score"] if publie else np.nan, nat["ic_bas"], nat["ic_haut"]
    )
    return glob.iloc[0].to_dict() | {"erreur_type": float(_erreur_type(glob).iloc[0]), "comparaison": comparaison[0]}


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
    """Scores de la structure face aux moyennes nationales ; ``comparaison`` (« au-dessus »,
    « en dessous », « comparable ») tient compte des deux incertitudes."""
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
    table["comparaison"] = edition.comparer_au_national(
        table["score"],
        table["erreur_type"],
        table["score_national"],
        table["ic_bas_national"],
        table["ic_haut_national"],
    )
    table["libelle"] = table["modalite"].map(libelle)
    rang = {m: i for i, m in enumerate(ordre)}
    return table.sort_values("modalite", key=lambda s: s.map(lambda m: rang.get(m, 99))).reset_index(drop=True)


def _position(glob: dict | None, globaux: pd.DataFrame, parametres) -> dict:
    x = globaux["score"]
    if glob is None or len(x) < parametres.taille_min_agregat:
        return {}
    q1, q2, q3 = (float(x.quantile(q)) for q in (0.25, 0.5, 0.75))
    quartile = 1 + int(glob["score"] >= q1) + int(glob["score"] >= q2) + int(glob["score"] >= q3)
    return {
        "q1": q1,
        "mediane": q2,
        "q3": q3,
        "quartile": quartile,
        "n_structures": int(len(x)),
        "part_en_dessous": float((x < glob["score"]).mean()),
        "performante": bool(glob["score"] >= parametres.seuil_performance),
    }


def _trajectoire(historique: pd.DataFrame, structure_id: str, annee: int) -> pd.DataFrame:
    t = historique[(historique["structure_id"] == structure_id) & (historique["annee"] <= annee)]
    return t.sort_values("annee").reset_index(drop=True)


def _evolution(trajectoire: pd.DataFrame, annee: int) -> dict | None:
    avant = trajectoire[trajectoire["annee"] < annee]
    actuelle = trajectoire[trajectoire["annee"] == annee]
    if avant.empty or actuelle.empty:
        return None
    precedente = avant.iloc[-1]
    return {
        "annee_precedente": int(precedente["annee"]),
        "score_precedent": float(precedente["score"]),
        "ecart": float(actuelle["score"].iloc[0] - precedente["score"]),
        "ecart_national": float(actuelle["moyenne_nationale"].iloc[0] - precedente["moyenne_nationale"]),
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
    delais = nationaux["delais"]
    for definition in DELAIS:
        sous = reponses[(reponses["indicateur"] == definition["indicateur"]) & reponses["valeur"].notna()]
        nat_d = delais.loc[delais["indicateur"] == definition["indicateur"], "delai"]
        lignes.append(
            {
                "libelle": definition["libelle"],
                "canal": libelle(definition["canal"]),
                "unite": "jours",
                "n": int(len(sous)),
                "valeur": float(sous["valeur"].mean()) if len(sous) else np.nan,
                "ic_bas": np.nan,
                "ic_haut": np.nan,
                "national": float(nat_d.mean()) if len(nat_d) >= parametres.taille_min_agregat else np.nan,
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


def bloc_synthese(fiche: dict) -> BlocHTML:
    """Synthèse d'une page : score global, position nationale, strate, quartiles, évolution.

    >>> callable(bloc_synthese)
    True
    """
    g, nat = fiche["global"], fiche["national"]
    publie = g is not None and not nat.get("supprime", True)
    comparaison = _MOTS_COMPARAISON.get(g.get("comparaison")) if publie else None
    prio = fiche["priorites"]
    priorites = [libelle(m).lower() for m in prio.loc[prio["priorite"], "modalite"].head(N_PRIORITES)]
    return rendre(
        "fiche_synthese.html.j2",
        demo=fiche["demo"],
        numero_edition=fiche["numero_edition"],
        annee=fiche["annee"],
        nom=str(fiche["structure"]["nom"]),
        g=g,
        nat=nat,
        comparaison=comparaison,
        position=fiche["position"],
        seuil=fiche["parametres"].seuil_performance,
        strates=fiche["strates"],
        evolution=fiche["evolution"],
        priorites=priorites,
    )


# Sens de l'écart au national établi par les deux intervalles (statistiques.edition.comparer_au_national).
_MOTS_COMPARAISON = {"au-dessus": "dessus", "en dessous": "dessous", "comparable": "comparable"}


def _tableau_comparaison(table: pd.DataFrame, entete: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            entete: table["libelle"],
            "Score de la structure": table["score"],
            "IC à 95 %": [intervalle_fr(b, h) for b, h in zip(table["ic_bas"], table["ic_haut"])],
            "Moyenne nationale": table["score_national"],
            "Écart (points)": table["ecart"].map(_ecart_fr),
            "Comparaison au national": table["comparaison"].fillna("non publiée"),
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
    fig, ax = _nouvelle_figure(max(2.8, 1.4 + 0.3 * len(t)), gauche=0.31)
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
            valeur.append(f"{nombre_fr(r['valeur'])} j" if r["n"] else "non mesuré")
            ic.append("–")
            ref.append(f"{nombre_fr(r['national'])} j" if pd.notna(r["national"]) else "–")
    table = pd.DataFrame(
        {
            "Indicateur": t["libelle"],
            "Canal": t["canal"],
            "Contacts": t["n"].astype(int),
            "Structure": valeur,
            "IC à 95 % (%)": ic,
            "National": ref,
        }
    )
    return rendre("fiche_indicateurs.html.j2", table=table, source=source_fiche(fiche))


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
    sens = "en hausse" if ev["ecart"] > 1 else ("en baisse" if ev["ecart"] < -1 else "stable")
    return (
        f"Score global {sens} depuis {ev['annee_precedente']} ({_ecart_fr(ev['ecart'])} points), "
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
    items = [
        {
            "libelle": r["libelle"],
            "score": r["score"],
            "score_national": r["score_national"],
            "ecart": r["ecart"],
            "pratiques": pratiques_pour(r["modalite"]).head(3).to_dict("records"),
        }
        for _, r in retenus.iterrows()
    ]
    table = pd.DataFrame(
        {
            "Déterminant": m["libelle"],
            "Part de la satisfaction expliquée (%)": m["importance_pct"],
            "Score de la structure": m["score"],
            "Écart à la moyenne nationale": m["ecart"],
            "Lecture": m["quadrant"],
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
        donnees["delai_reponse"] = (
            a["delai_reponse_jours"].astype(float).mean() if "delai_reponse_jours" in a else np.nan
        )
        donnees["table_avis"] = pd.DataFrame(
            {
                "Note (sur 5)": [accorder(int(k), "étoile") for k in dist.index],
                "Avis": dist.values.astype(int),
                "Part": [pourcent_fr(v / n_a) for v in dist.values],
            }
        )
    textes = u["textes"]
    if len(textes):
        donnees["themes"] = _themes(textes)
        donnees["extraits"] = extraits_usagers(textes, N_CITATIONS, longueur_citation)
    return rendre("fiche_usagers.html.j2", **donnees)


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
    """Titre qui énonce le constat sur les déterminants (meilleur, plus en retrait).

    >>> t = pd.DataFrame({"libelle": ["Courtoisie", "Attente"], "ecart": [6.0, -4.0], "score": [80.0, 60.0]})
    >>> titre_determinants({"determinant": t})
    'Courtoisie : point fort (+6,0 points sur la moyenne) ; Attente : le plus en retrait (-4,0)'
    """
    t = fiche["determinant"].dropna(subset=["ecart"]).sort_values("ecart")
    if t.empty:
        return "Scores par déterminant de la structure"
    haut, bas = t.iloc[-1], t.iloc[0]
    if bas["ecart"] >= 0:
        return f"Tous les déterminants au niveau ou au-dessus de la moyenne nationale, {haut['libelle']} en tête"
    if haut["ecart"] <= 0:
        return f"Tous les déterminants sous la moyenne nationale, {bas['libelle']} le plus en retrait ({_ecart_fr(bas['ecart'])} points)"
    return (
        f"{haut['libelle']} : point fort ({_ecart_fr(haut['ecart'])} points sur la moyenne) ; "
        f"{bas['libelle']} : le plus en retrait ({_ecart_fr(bas['ecart'])})"
    )
