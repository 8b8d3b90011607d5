"""Import des exports publics de Services Publics + (programme de l'État sur l'expérience usager).

Trois exports publiés en données ouvertes (portail de la plateforme et API de la DITP ;
sources et liste des colonnes : ``docs/contrat-donnees-brutes.md``, section « Services
Publics + ») sont lus, tels qu'ils sont publiés (``;``, UTF-8 avec ou sans BOM, fins de
ligne CRLF, textes entre guillemets sur plusieurs lignes) :

- « expériences » (``spplus_experiences.csv``) : une expérience d'usager, écrite le
  (``Ecrit le``), publiée le, son ressenti, ses thèmes (``Accessibilité``…), et jusqu'à
  trois structures citées (``ID structure N``, ``Intitulé structure N``, ``Statut réponse
  structure N``, ``Réponse structure N``), la date de première réponse ;
- « résultats par structure » (``spplus_indicateurs.csv``) : une valeur par structure et
  par indicateur (``code_sp_structure``, ``code_sp_de_l_indicateur``,
  ``titre_original_de_l_indicateur``, ``valeur``, ``date_de_mise_a_jour``…) ;
- « référentiel des structures » (``spplus_referentiel.csv``, facultatif) : code SP+ et
  intitulé de chaque structure (``Code SP+ de la structure``, ``Intitulé de la structure``…).

Les en-têtes sont reconnus sous leurs deux formes (libellés du portail, noms de champs de
l'API) grâce à la table ``ressources/correspondance_spplus.csv`` (``export``, ``colonne``,
``entete``, ``obligatoire``). Un en-tête renommé se corrige en ajoutant une ligne dans
``raw/correspondance_spplus.csv`` : ces lignes s'**ajoutent** à la table du paquet (la
ligne de l'utilisateur l'emporte pour un même en-tête). Toutes les colonnes obligatoires
manquantes sont dites dans un seul message. Une colonne inconnue est signalée dans les
rejets (ligne 1, l'en-tête) et ignorée ; une ligne illisible est rejetée avec son motif ;
par export, lignes lues = acceptées + rejetées.

Rattachement à ``structure_id`` : ``raw/<annee>/spplus_structures.csv`` (à défaut
``raw/spplus_structures.csv``) — colonnes ``structure_id``, ``code_spplus``,
``nom_spplus`` — dit quelle structure du baromètre correspond à quelle structure Services
Publics + ; le référentiel exporté complète ce lien (un code connu y apporte son intitulé,
un intitulé connu son code). Le rattachement se fait par code SP+ d'abord, par intitulé
ensuite (comparé sans casse, accents ni ponctuation). Une expérience donne un signal par
structure citée et participante à l'édition (identifiant ``SPP-<expérience>-<rang>``) ;
une expérience dont aucune structure citée n'est rattachée est rejetée avec ce motif.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pandas as pd

from analyse.config import dossier_raw
from analyse.donnees.codes import THEMES_SPPLUS
from analyse.donnees.lecture import (
    ErreurDonnees,
    TableBrute,
    convertir_dates,
    convertir_nombres,
    lire_table,
    normaliser_entete,
)
from analyse.donnees.preparation import (
    MOTIF_DATE,
    Rejets,
    rejeter_doublons,
    rejeter_hors_periode,
    rejeter_structures_inconnues,
)
from analyse.ecoute.lexique import chemin_ressource, normaliser_texte
from analyse.ecoute.signaux import construire_signaux

EXPORTS = ("experiences", "indicateurs", "structures")
FICHIERS = {
    "experiences": "spplus_experiences.csv",
    "indicateurs": "spplus_indicateurs.csv",
    "structures": "spplus_referentiel.csv",
}
FICHIER_STRUCTURES = "spplus_structures.csv"
FICHIER_CORRESPONDANCE = "correspondance_spplus.csv"
RANGS = (1, 2, 3)  # une expérience cite au plus trois structures
RESSENTIS = {
    "negatif": "negatif",
    "negative": "negatif",
    "neutre": "neutre",
    "positif": "positif",
    "positive": "positif",
}
# Colonnes par thème (``theme_<code>``) : libellé publié et déterminant du baromètre (``codes.THEMES_SPPLUS``).
THEMES = {f"theme_{code}": v for code, v in THEMES_SPPLUS.items()}
# Statut de réponse d'une structure : normalisé (minuscules, sans accents, « _ » entre les mots).
STATUTS_REPONDUS = frozenset({"repondu", "reponse", "avec_reponse", "reponse_publiee", "repondue", "oui", "traite"})
PREFIXE_ID = "SPP-"
MOTIF_SANS_CORRESPONDANCE = f"structure Services Publics + sans correspondance (à ajouter à {FICHIER_STRUCTURES})"
MOTIF_AUCUNE_STRUCTURE = (
    "aucune structure citée n'est une structure participante rattachée "
    f"(structures non participantes, ou à ajouter à {FICHIER_STRUCTURES})"
)
_RE_HORAIRE = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{4})[ T].*$")


@dataclasses.dataclass
class Import:
    """Un export lu : lignes acceptées (colonnes canoniques + ``structure_id``), rejets, colonnes ignorées."""

    table: pd.DataFrame
    rejets: Rejets
    colonnes_inconnues: list


@dataclasses.dataclass
class ResultatSpplus:
    """Ce que les exports d'une édition apportent : morceaux de ``signaux``, ``indicateurs_spplus``,
    ``themes_spplus``, rejets."""

    signaux: list
    indicateurs: pd.DataFrame | None
    rejets: list
    themes: pd.DataFrame | None = None


# --------------------------------------------------------------------------- correspondances


def cle_entete(nom) -> str:
    """Clé de comparaison d'un en-tête : libellé du portail et nom de champ de l'API donnent la même.

    >>> cle_entete("Titre original de l'indicateur") == cle_entete("titre_original_de_l_indicateur")
    True
    >>> cle_entete("Code SP+ de la structure")
    'code_sp_de_la_structure'
    """
    return re.sub(r"[^0-9a-z]+", "_", normaliser_entete(nom)).strip("_")


def _lire_correspondance(chemin: Path) -> pd.DataFrame:
    table = lire_table(chemin, chemin.name)
    table.exiger_colonnes(("export", "colonne", "entete"))
    d = table.donnees
    inconnus = d["export"].notna() & ~d["export"].isin(EXPORTS)
    incompletes = inconnus | d[["export", "colonne", "entete"]].isna().any(axis=1)
    if incompletes.any():
        i = int(np.flatnonzero(incompletes.to_numpy())[0])
        raise ErreurDonnees(
            table.fichier,
            f"ligne incomplète ou export inconnu (attendu : {', '.join(EXPORTS)})",
            ligne=int(table.lignes[i]),
        )
    obligatoire = (
        d["obligatoire"].fillna("non").str.casefold().isin(("oui", "o", "vrai", "1"))
        if "obligatoire" in d
        else pd.Series(False, index=d.index)
    )
    c = pd.DataFrame(
        {"export": d["export"], "colonne": d["colonne"], "cle": d["entete"].map(cle_entete), "obligatoire": obligatoire}
    )
    conflits = c.drop_duplicates(["export", "cle", "colonne"]).duplicated(["export", "cle"], keep=False)
    if conflits.any():
        i = int(np.flatnonzero(conflits.reindex(c.index, fill_value=False).to_numpy())[0])
        raise ErreurDonnees(
            table.fichier,
            f"en-tête « {d['entete'].iloc[i]} » déclaré pour deux colonnes différentes",
            ligne=int(table.lignes[i]),
            colonne="entete",
        )
    return c.drop_duplicates(["export", "cle"]).reset_index(drop=True)


def charger_correspondance_colonnes(chemin: Path | str | None = None) -> pd.DataFrame:
    """Table de correspondance des en-têtes : ``export``, ``colonne``, ``cle`` (``cle_entete``), ``obligatoire``.

    Celle du paquet, à laquelle s'ajoutent les lignes de ``chemin`` s'il est donné (une ligne
    de ``chemin`` l'emporte sur celle du paquet pour le même export et le même en-tête).

    >>> c = charger_correspondance_colonnes()
    >>> c.query("export == 'experiences' and cle == 'ressenti_usager'")["colonne"].item()
    'ressenti'
    """
    paquet = _lire_correspondance(chemin_ressource(FICHIER_CORRESPONDANCE))
    if chemin is None:
        return paquet
    utilisateur = _lire_correspondance(Path(chemin))
    remplacees = paquet.set_index(["export", "cle"]).index.isin(utilisateur.set_index(["export", "cle"]).index)
    tout = pd.concat([paquet[~remplacees], utilisateur], ignore_index=True)
    obligatoires = set(map(tuple, paquet.loc[paquet["obligatoire"], ["export", "colonne"]].to_numpy()))
    herite = [(e, c) in obligatoires for e, c in zip(tout["export"], tout["colonne"])]
    tout["obligatoire"] = tout["obligatoire"].to_numpy(dtype=bool) | np.asarray(herite, dtype=bool)
    return tout


def correspondance_colonnes_de(donnees) -> pd.DataFrame:
    """Correspondance des en-têtes d'une racine de données : celle du paquet, complétée par
    ``raw/correspondance_spplus.csv`` s'il existe.

    >>> len(correspondance_colonnes_de("/dossier/absent")) > 10
    True
    """
    chemin = dossier_raw(donnees) / FICHIER_CORRESPONDANCE
    return charger_correspondance_colonnes(chemin if chemin.exists() else None)


def charger_structures(chemin: Path | str) -> pd.DataFrame:
    """Correspondance des structures : ``structure_id``, ``code_spplus``, ``nom_spplus`` et le nom normalisé.

    >>> charger_structures("/absent.csv")
    Traceback (most recent call last):
    analyse.donnees.lecture.ErreurDonnees: Erreur de données — fichier « /absent.csv » : fichier introuvable
    """
    chemin = Path(chemin)
    table = lire_table(chemin, str(chemin))
    table.exiger_colonnes(("structure_id",))
    d = table.donnees
    code = d["code_spplus"] if "code_spplus" in d else pd.Series(np.nan, index=d.index, dtype=object)
    nom = d["nom_spplus"] if "nom_spplus" in d else pd.Series(np.nan, index=d.index, dtype=object)
    vides = d["structure_id"].isna() | (code.isna() & nom.isna())
    if vides.any():
        i = int(np.flatnonzero(vides.to_numpy())[0])
        raise ErreurDonnees(
            table.fichier, "ligne sans structure_id, ou sans code_spplus ni nom_spplus", ligne=int(table.lignes[i])
        )
    return _table_structures(d["structure_id"], code, nom)


def _table_structures(ident, code, nom) -> pd.DataFrame:
    nom = pd.Series(nom, dtype=object)
    return pd.DataFrame(
        {
            "structure_id": pd.Series(ident, dtype=object).to_numpy(),
            "code_spplus": pd.Series(code, dtype=object).to_numpy(),
            "nom_spplus": nom.to_numpy(),
            "nom_normalise": nom.map(normaliser_texte).where(nom.notna()).to_numpy(),
        }
    )


def completer_structures(structures: pd.DataFrame, referentiel: pd.DataFrame) -> pd.DataFrame:
    """Ajoute à la correspondance ce que le référentiel exporté sait : l'intitulé d'un code
    connu, le code d'un intitulé connu.

    >>> s = _table_structures(["A", "B"], ["c1", None], [None, "Mairie de Bô"])
    >>> r = pd.DataFrame({"code_spplus": ["c1", "c2"], "nom": ["Mairie d'Ys", "MAIRIE DE BO"]})
    >>> completer_structures(s, r)[["structure_id", "code_spplus", "nom_spplus"]].values.tolist()[2:]
    [['A', 'c1', "Mairie d'Ys"], ['B', 'c2', 'MAIRIE DE BO']]
    """
    if referentiel is None or referentiel.empty:
        return structures
    ref = referentiel.assign(nom_normalise=referentiel["nom"].map(normaliser_texte))
    par_code = structures.dropna(subset=["code_spplus"]).drop_duplicates("code_spplus")
    par_code = par_code[["structure_id", "code_spplus"]].merge(ref[["code_spplus", "nom"]], on="code_spplus")
    par_nom = structures.dropna(subset=["nom_normalise"]).drop_duplicates("nom_normalise")
    par_nom = par_nom[["structure_id", "nom_normalise"]].merge(ref[["code_spplus", "nom", "nom_normalise"]])
    ajouts = pd.concat([par_code, par_nom[["structure_id", "code_spplus", "nom"]]], ignore_index=True)
    return pd.concat(
        [structures, _table_structures(ajouts["structure_id"], ajouts["code_spplus"], ajouts["nom"])],
        ignore_index=True,
    )


def _apparier(codes: pd.Series | None, noms: pd.Series, structures: pd.DataFrame) -> pd.Series:
    """``structure_id`` de chaque ligne : par code d'abord, puis par nom normalisé ; NaN sinon."""
    par_nom = structures.dropna(subset=["nom_normalise"]).drop_duplicates("nom_normalise").set_index("nom_normalise")
    resultat = noms.map(lambda v: normaliser_texte(v) if isinstance(v, str) else None).map(par_nom["structure_id"])
    if codes is not None:
        par_code = structures.dropna(subset=["code_spplus"]).drop_duplicates("code_spplus").set_index("code_spplus")
        resultat = codes.map(par_code["structure_id"]).where(lambda s: s.notna(), resultat)
    return resultat.astype(object)


# --------------------------------------------------------------------------- lecture d'un export


def appliquer_correspondance(table: TableBrute, export: str, correspondance: pd.DataFrame) -> list[str]:
    """Renomme les colonnes d'un export en noms canoniques ; renvoie les en-têtes inconnus (ignorés).

    Les colonnes obligatoires introuvables sont une faute de fichier, toutes dites dans le même message.

    >>> appliquer_correspondance.__name__  # voir tests/test_spplus.py
    'appliquer_correspondance'
    """
    c = correspondance[correspondance["export"] == export]
    vers = dict(zip(c["cle"], c["colonne"]))
    cles = {col: cle_entete(table.entete(col)) for col in table.donnees.columns}
    inconnues = [col for col in table.donnees.columns if cles[col] not in vers]
    connues = [col for col in table.donnees.columns if cles[col] in vers]
    cibles = [vers[cles[col]] for col in connues]
    doubles = sorted({x for x in cibles if cibles.count(x) > 1})
    if doubles:
        raise ErreurDonnees(
            table.fichier,
            f"plusieurs colonnes correspondent à « {doubles[0]} » : "
            f"{', '.join(table.entete(k) for k in connues if vers[cles[k]] == doubles[0])}",
            ligne=1,
        )
    entetes = {vers[cles[col]]: table.entete(col) for col in connues}
    table.donnees = table.donnees[connues].rename(columns={col: vers[cles[col]] for col in connues})
    manquantes = sorted(set(c.loc[c["obligatoire"], "colonne"]) - set(table.donnees.columns))
    if manquantes:
        detail = " ; ".join(
            f"« {m} » (en-têtes reconnus : {', '.join(c.loc[c['colonne'] == m, 'cle'])})" for m in manquantes
        )
        raise ErreurDonnees(
            table.fichier,
            f"{len(manquantes)} colonne(s) obligatoire(s) introuvable(s) : {detail} ; "
            f"un en-tête renommé s'ajoute à raw/{FICHIER_CORRESPONDANCE}",
            ligne=1,
            colonne=", ".join(manquantes),
        )
    anciennes = {k: v for k, v in table.entetes.items() if k in inconnues}
    table.entetes = {**anciennes, **entetes}
    return [table.entete(col) for col in inconnues]


def _signaler(rejets: Rejets, lignes, colonnes, motif: str, valeurs=None) -> None:
    """Signalement sans rejet (colonne ignorée, valeur ignorée) : la ligne reste acceptée."""
    if len(lignes):
        rejets.lignes.append(
            pd.DataFrame(
                {
                    "annee": np.int64(rejets.annee),
                    "fichier": rejets.fichier,
                    "ligne": np.asarray(lignes, dtype="int64"),
                    "colonne": colonnes,
                    "motif": motif,
                    "valeur": valeurs,
                }
            )
        )


def _ouvrir_export(chemin, nom_affiche, export: str, correspondance, annee: int):
    """Lit un export Services Publics +, renomme ses colonnes (libellés du portail ou champs de
    l'API) et signale les colonnes inconnues : (table, rejets, colonnes inconnues)."""
    table = lire_table(chemin, nom_affiche or str(chemin))
    correspondance = charger_correspondance_colonnes() if correspondance is None else correspondance
    inconnues = appliquer_correspondance(table, export, correspondance)
    rejets = Rejets(table, annee)
    _signaler_colonnes(rejets, inconnues)
    return table, rejets, inconnues


def _rejeter_code_manquant(rejets: Rejets) -> None:
    donnees = rejets.table.donnees
    rejets.ajouter(donnees["code_spplus"].isna().to_numpy(), "code_spplus", "code Services Publics + manquant")


def _signaler_colonnes(rejets: Rejets, inconnues: list[str]) -> None:
    """Une ligne de signalement par colonne ignorée (ligne 1 : l'en-tête), sans rejeter de ligne de données."""
    _signaler(
        rejets,
        [1] * len(inconnues),
        inconnues,
        f"colonne inconnue, ignorée (à déclarer dans {FICHIER_CORRESPONDANCE} pour la lire)",
    )


def _dates_souples(serie: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates ``JJ/MM/AAAA`` ou ISO, avec ou sans heure ni décalage horaire (l'heure est ignorée)."""
    texte = serie.astype("str").str.strip()
    jour = texte.str.replace(_RE_HORAIRE, r"\1", regex=True).where(serie.notna())
    return convertir_dates(jour)


def _colonne(d: pd.DataFrame, nom: str) -> pd.Series:
    return d[nom] if nom in d else pd.Series(None, index=d.index, dtype=object)


def _ressentis(serie: pd.Series) -> pd.Series:
    return serie.map(lambda v: RESSENTIS.get(cle_entete(v)) if isinstance(v, str) else None)


def repondu_par(statut: pd.Series, reponse: pd.Series) -> pd.Series:
    """Une structure a répondu si son texte de réponse est non vide ou si son statut dit « répondu ».

    >>> repondu_par(pd.Series(["Répondu", "Sans réponse", None, None]), pd.Series([None, None, "Merci", " "])).tolist()
    [True, False, True, False]
    """
    texte = reponse.map(lambda v: isinstance(v, str) and bool(v.strip()))
    statut_ok = statut.map(lambda v: isinstance(v, str) and cle_entete(v) in STATUTS_REPONDUS)
    return (texte | statut_ok).astype(bool)


def _structures_citees(d: pd.DataFrame, structures: pd.DataFrame, structures_connues) -> pd.DataFrame:
    """Une ligne par (ligne du fichier, rang) de structure citée, rattachée et participante."""
    morceaux = []
    for n in RANGS:
        code, nom = _colonne(d, f"id_structure_{n}"), _colonne(d, f"structure_{n}")
        citee = code.notna() | nom.notna()
        if not citee.any():
            continue
        morceaux.append(
            pd.DataFrame(
                {
                    "position": np.flatnonzero(citee.to_numpy()),
                    "rang": np.int64(n),
                    "code_spplus": code[citee].to_numpy(),
                    "intitule_structure": nom[citee].to_numpy(),
                    "structure_id": _apparier(code[citee], nom[citee], structures).to_numpy(),
                    "repondu": repondu_par(
                        _colonne(d, f"statut_reponse_{n}")[citee], _colonne(d, f"reponse_{n}")[citee]
                    ).to_numpy(),
                    "statut_donne": _colonne(d, f"statut_reponse_{n}")[citee].notna().to_numpy(),
                }
            )
        )
    colonnes = ["position", "rang", "code_spplus", "intitule_structure", "structure_id", "repondu", "seule_citee"]
    if not morceaux:
        return pd.DataFrame(columns=colonnes)
    citees = pd.concat(morceaux, ignore_index=True)
    # une seule structure citée, sans statut : la date de première réponse est la sienne
    citees["seule_citee"] = (citees.groupby("position")["rang"].transform("size") == 1) & ~citees["statut_donne"]
    citees = citees[colonnes]
    garde = citees["structure_id"].notna()
    if structures_connues is not None:
        garde &= citees["structure_id"].isin(set(structures_connues))
    return citees[garde].drop_duplicates(["position", "structure_id"]).sort_values(["position", "rang"])


def _lire_themes(rejets: Rejets, d: pd.DataFrame) -> dict:
    """Polarité de chaque colonne de thème ; une valeur inconnue est signalée et ignorée (la ligne reste)."""
    themes = {}
    for colonne, (libelle, _) in THEMES.items():
        brut = _colonne(d, colonne)
        polarite = _ressentis(brut)
        inconnue = (brut.notna() & polarite.isna()).to_numpy() & rejets.acceptees
        _signaler(
            rejets,
            rejets.table.lignes[inconnue],
            rejets.table.entete(colonne) if colonne in d else libelle,
            "valeur de thème inconnue, ignorée (attendu : Positif, Neutre, Négatif ou vide)",
            brut[inconnue].to_numpy(),
        )
        themes[colonne] = polarite
    return themes


def importer_experiences(
    chemin: Path | str,
    structures: pd.DataFrame | Path | str,
    annee: int = 0,
    correspondance: pd.DataFrame | None = None,
    structures_connues=None,
    periode=None,
    nom_affiche: str | None = None,
) -> Import:
    """Lit un export « expériences » : une ligne acceptée par expérience × structure citée rattachée
    (``id_experience``, ``rang``, ``structure_id``, ``date_ecrit``, ``date_publication``, ``ressenti``,
    ``repondu``, ``date_reponse``, thèmes…) et rejets motivés (un par expérience rejetée).

    >>> importer_experiences.__name__  # voir tests/test_spplus.py
    'importer_experiences'
    """
    table, rejets, inconnues = _ouvrir_export(chemin, nom_affiche, "experiences", correspondance, annee)
    structures = structures if isinstance(structures, pd.DataFrame) else charger_structures(structures)
    d = table.donnees
    rejeter_doublons(rejets, "id_experience", "identifiant d'expérience")
    ecrit, ecrit_ko = _dates_souples(d["date_ecrit"])
    rejets.ajouter((ecrit_ko | d["date_ecrit"].isna()).to_numpy(), "date_ecrit", MOTIF_DATE)
    if periode is not None:
        rejeter_hors_periode(rejets, "date_ecrit", ecrit, periode)
    publication, publication_ko = _dates_souples(_colonne(d, "date_publication"))
    rejets.ajouter(publication_ko.to_numpy(), "date_publication", MOTIF_DATE)
    premiere, premiere_ko = _dates_souples(_colonne(d, "date_premiere_reponse"))
    rejets.ajouter(premiere_ko.to_numpy(), "date_premiere_reponse", MOTIF_DATE)
    rejets.ajouter(
        (premiere < ecrit).to_numpy(), "date_premiere_reponse", "date de première réponse antérieure à l'expérience"
    )
    ressenti = _ressentis(d["ressenti"])
    rejets.ajouter(ressenti.isna().to_numpy(), "ressenti", "ressenti illisible (attendu : négatif, neutre ou positif)")
    citees = _structures_citees(d, structures, structures_connues)
    sans_structure = ~np.isin(np.arange(len(d)), citees["position"].to_numpy())
    rejets.ajouter(sans_structure, "structure_1", MOTIF_AUCUNE_STRUCTURE)
    themes = _lire_themes(rejets, d)
    citees = citees[rejets.acceptees[citees["position"].to_numpy()]]
    pos = citees["position"].to_numpy()
    repondu = citees["repondu"].to_numpy(dtype=bool) | (
        premiere.iloc[pos].notna().to_numpy() & citees["seule_citee"].to_numpy(dtype=bool)
    )
    experiences = pd.DataFrame(
        {
            "id_experience": d["id_experience"].iloc[pos].to_numpy(),
            "rang": citees["rang"].to_numpy(),
            "structure_id": citees["structure_id"].to_numpy(),
            "code_spplus": citees["code_spplus"].to_numpy(),
            "intitule_structure": citees["intitule_structure"].to_numpy(),
            "date_ecrit": ecrit.iloc[pos].to_numpy(),
            "date_publication": publication.iloc[pos].to_numpy(),
            "statut": _colonne(d, "statut").iloc[pos].to_numpy(),
            "ressenti": ressenti.iloc[pos].to_numpy(),
            "titre": _colonne(d, "titre").iloc[pos].to_numpy(),
            "description": _colonne(d, "description").iloc[pos].to_numpy(),
            "repondu": repondu,
            "date_reponse": premiere.iloc[pos].where(repondu).to_numpy(),
            **{c: t.iloc[pos].to_numpy() for c, t in themes.items()},
        }
    )
    return Import(experiences, rejets, inconnues)


def importer_referentiel(
    chemin: Path | str,
    annee: int = 0,
    correspondance: pd.DataFrame | None = None,
    nom_affiche: str | None = None,
) -> Import:
    """Lit l'export « référentiel des structures » : ``code_spplus``, ``nom``, ``reseau``, ``typologie``.

    >>> importer_referentiel.__name__  # voir tests/test_spplus.py
    'importer_referentiel'
    """
    table, rejets, inconnues = _ouvrir_export(chemin, nom_affiche, "structures", correspondance, annee)
    d = table.donnees
    _rejeter_code_manquant(rejets)
    rejets.ajouter(d["nom"].isna().to_numpy(), "nom", "intitulé de la structure manquant")
    rejeter_doublons(rejets, "code_spplus", "code Services Publics +")
    referentiel = pd.DataFrame({c: _colonne(d, c) for c in ("code_spplus", "nom", "reseau", "typologie")}).loc[
        rejets.acceptees
    ]
    return Import(referentiel.reset_index(drop=True), rejets, inconnues)


def importer_indicateurs(
    chemin: Path | str,
    structures: pd.DataFrame | Path | str,
    annee: int = 0,
    correspondance: pd.DataFrame | None = None,
    structures_connues=None,
    nom_affiche: str | None = None,
) -> Import:
    """Lit un export « résultats par structure » : une ligne par structure × indicateur, rattachée à ``structure_id``.

    La valeur accepte virgule ou point décimal et un signe « % » final.

    >>> importer_indicateurs.__name__  # voir tests/test_spplus.py
    'importer_indicateurs'
    """
    table, rejets, inconnues = _ouvrir_export(chemin, nom_affiche, "indicateurs", correspondance, annee)
    structures = structures if isinstance(structures, pd.DataFrame) else charger_structures(structures)
    d = table.donnees
    _rejeter_code_manquant(rejets)
    rejets.ajouter(d["indicateur"].isna().to_numpy(), "indicateur", "code d'indicateur manquant")
    valeur, valeur_ko = convertir_nombres(d["valeur"].str.replace(r"\s*%$", "", regex=True))
    rejets.ajouter((valeur_ko | d["valeur"].isna()).to_numpy(), "valeur", "valeur illisible (nombre attendu)")
    date_maj = pd.Series(pd.NaT, index=d.index, dtype="datetime64[ns]")
    if "date_maj" in d:
        date_maj, date_ko = _dates_souples(d["date_maj"])
        rejets.ajouter(date_ko.to_numpy(), "date_maj", MOTIF_DATE)
    d["structure_id"] = _apparier(d["code_spplus"], d["nom"], structures)
    rejets.ajouter(d["structure_id"].isna().to_numpy(), "code_spplus", MOTIF_SANS_CORRESPONDANCE)
    if structures_connues is not None:
        rejeter_structures_inconnues(rejets, structures_connues)
    cles = d[["code_spplus", "indicateur"]].fillna("").agg("|".join, axis=1) + "|" + date_maj.astype(str)
    rejets.ajouter(
        cles.duplicated().to_numpy(), "indicateur", "indicateur en double pour cette structure et cette date"
    )
    indicateurs = (
        pd.DataFrame(
            {
                "annee": np.int64(annee),
                "structure_id": d["structure_id"],
                "code_spplus": d["code_spplus"],
                "type_spplus": _colonne(d, "type_structure"),
                "reseau": _colonne(d, "reseau"),
                "nom_spplus": d["nom"],
                "code_postal": _colonne(d, "code_postal"),
                "ville": _colonne(d, "ville"),
                "indicateur": d["indicateur"],
                "titre_indicateur": _colonne(d, "titre_indicateur"),
                "valeur": valeur.astype(float),
                "frequence": _colonne(d, "frequence"),
                "date_maj": date_maj.astype("datetime64[ns]"),
            }
        )
        .loc[rejets.acceptees]
        .reset_index(drop=True)
    )
    for colonne in ("type_spplus", "reseau", "code_postal", "ville", "titre_indicateur", "frequence"):
        indicateurs[colonne] = indicateurs[colonne].astype(object).where(indicateurs[colonne].notna(), None)
    return Import(indicateurs, rejets, inconnues)


# --------------------------------------------------------------------------- vers les tables préparées


def identifiants_signaux(experiences: pd.DataFrame) -> pd.Series:
    """Identifiant d'un signal : un par expérience × structure citée (``SPP-<expérience>-<rang>``).

    >>> identifiants_signaux(pd.DataFrame({"id_experience": ["42", "42"], "rang": [1, 3]})).tolist()
    ['SPP-42-1', 'SPP-42-3']
    """
    return PREFIXE_ID + experiences["id_experience"].astype(str) + "-" + experiences["rang"].astype(str)


def _textes(experiences: pd.DataFrame) -> pd.Series:
    titre = experiences["titre"].where(experiences["titre"].notna(), "")
    description = experiences["description"].where(experiences["description"].notna(), "")
    texte = (titre.astype(str) + "\n" + description.astype(str)).str.strip()
    return texte.where(texte != "", None)


def themes_longs(experiences: pd.DataFrame, annee: int) -> pd.DataFrame:
    """Table ``themes_spplus`` : un thème renseigné par ligne, son déterminant du baromètre et sa polarité.

    >>> e = pd.DataFrame({"id_experience": ["7"], "rang": [1], "structure_id": ["001"],
    ...     "date_ecrit": [pd.Timestamp("2022-05-02")], "theme_relation": ["negatif"], "theme_simplicite": ["positif"]})
    >>> themes_longs(e, 2022)[["theme", "determinant", "polarite"]].values.tolist()
    [['relation', 'courtoisie', 'negatif'], ['simplicite', None, 'positif']]
    """
    lignes = []
    for colonne, (_, determinant) in THEMES.items():
        if colonne not in experiences:
            continue
        x = experiences[experiences[colonne].notna()]
        lignes.append(
            pd.DataFrame(
                {
                    "annee": np.int64(annee),
                    "id_signal": identifiants_signaux(x).to_numpy(),
                    "structure_id": x["structure_id"].astype(str).to_numpy(),
                    "date_signal": x["date_ecrit"].astype("datetime64[ns]").to_numpy(),
                    "theme": colonne.removeprefix("theme_"),
                    "determinant": determinant,
                    "polarite": x[colonne].astype(str).to_numpy(),
                }
            )
        )
    colonnes = ["annee", "id_signal", "structure_id", "date_signal", "theme", "determinant", "polarite"]
    if not lignes:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in colonnes}).astype(
            {"annee": "int64", "date_signal": "datetime64[ns]"}
        )
    t = pd.concat(lignes, ignore_index=True)[colonnes]
    t["determinant"] = t["determinant"].astype(object).where(t["determinant"].notna(), None)
    return t.sort_values(["id_signal", "theme"], ignore_index=True)


def _determinants_themes(experiences: pd.DataFrame) -> pd.Series:
    """Déterminants cités par les thèmes d'une expérience (négatifs d'abord), séparés par « | »."""
    listes = [[] for _ in range(len(experiences))]
    for ordre in ("negatif", "neutre", "positif"):
        for colonne, (_, determinant) in THEMES.items():
            if determinant is None or colonne not in experiences:
                continue
            for i in np.flatnonzero((experiences[colonne] == ordre).to_numpy()):
                if determinant not in listes[i]:
                    listes[i].append(determinant)
    return pd.Series(["|".join(l) if l else None for l in listes], index=experiences.index, dtype=object)


def experiences_vers_signaux(
    experiences: pd.DataFrame, annee: int, lexique: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Expériences importées -> lignes de la table ``signaux`` (source ``avis_en_ligne``, canal
    ``site_internet``, origine ``services_publics_plus``, polarité = ressenti, texte = titre et
    description masqués), une par expérience × structure citée.

    ``date_signal`` = date d'écriture (« Ecrit le ») ; ``date_publication`` gardée à part ;
    ``date_reponse`` = date de première réponse (structures qui ont répondu) ; délai = réponse −
    écriture. Déterminants : ceux des colonnes par thème quand elles sont renseignées, sinon
    ceux du lexique. La réponse de la structure n'est pas gardée (elle peut nommer un agent).

    >>> e = pd.DataFrame({"id_experience": ["42"], "rang": [1], "structure_id": ["001"],
    ...     "date_ecrit": [pd.Timestamp("2022-05-02")], "date_publication": [pd.Timestamp("2022-05-09")],
    ...     "ressenti": ["negatif"], "titre": [None], "description": ["Renvoyé de service en service"],
    ...     "repondu": [True], "date_reponse": [pd.Timestamp("2022-05-12")]})
    >>> s = experiences_vers_signaux(e, 2022).iloc[0]
    >>> s[["id_signal", "polarite", "determinant"]].tolist(), float(s["delai_reponse_jours"])
    (['SPP-42-1', 'negatif', 'transfert'], 10.0)
    """
    themes = _determinants_themes(experiences)
    brut = pd.DataFrame(
        {
            "id_signal": identifiants_signaux(experiences),
            "structure_id": experiences["structure_id"],
            "date_signal": experiences["date_ecrit"],
            "source": "avis_en_ligne",
            "canal": "site_internet",
            "note_100": np.nan,
            "polarite": experiences["ressenti"],
            "determinant": None,
            "determinants_themes": themes,
            "date_reponse": pd.to_datetime(experiences["date_reponse"]).astype("datetime64[ns]"),
            "date_publication": pd.to_datetime(experiences["date_publication"]).astype("datetime64[ns]"),
            "texte": _textes(experiences),
            "repondu": experiences["repondu"].astype(bool),
        }
    )
    return construire_signaux(brut, annee, "services_publics_plus", lexique)


# --------------------------------------------------------------------------- une édition


def _chemin_edition_ou_commun(donnees, annee: int, nom: str) -> Path | None:
    for chemin in (dossier_raw(donnees) / str(annee) / nom, dossier_raw(donnees) / nom):
        if chemin.exists():
            return chemin
    return None


def _structures_de(donnees, annee: int, correspondance, rejets: list) -> pd.DataFrame:
    chemin = _chemin_edition_ou_commun(donnees, annee, FICHIER_STRUCTURES)
    if chemin is None:
        raise ErreurDonnees(
            f"raw/{annee}/{FICHIER_STRUCTURES} ou raw/{FICHIER_STRUCTURES}",
            "fichier introuvable : il faut dire à quelle structure "
            "du baromètre correspond chaque structure Services Publics + (structure_id, code_spplus, "
            "nom_spplus)",
        )
    structures = charger_structures(chemin)
    chemin_ref = _chemin_edition_ou_commun(donnees, annee, FICHIERS["structures"])
    if chemin_ref is None:
        return structures
    nom = chemin_ref.relative_to(dossier_raw(donnees)).as_posix()
    imp = importer_referentiel(chemin_ref, annee, correspondance, f"raw/{nom}")
    rejets.append(imp.rejets.liberer())
    return completer_structures(structures, imp.table)


def preparer_spplus(donnees, annee: int, structures_connues, periode=None, lexique=None) -> ResultatSpplus:
    """Exports Services Publics + présents dans ``raw/<annee>/`` : signaux, indicateurs, thèmes et rejets.

    >>> preparer_spplus("/dossier/absent", 2022, set()).signaux
    []
    """
    dossier = dossier_raw(donnees) / str(annee)
    presents = {e: dossier / FICHIERS[e] for e in ("experiences", "indicateurs") if (dossier / FICHIERS[e]).exists()}
    if not presents:
        return ResultatSpplus([], None, [])
    correspondance = correspondance_colonnes_de(donnees)
    rejets: list = []
    structures = _structures_de(donnees, annee, correspondance, rejets)
    signaux, indicateurs, themes = [], None, None
    if "experiences" in presents:
        imp = importer_experiences(
            presents["experiences"],
            structures,
            annee,
            correspondance,
            structures_connues,
            periode,
            f"raw/{annee}/{FICHIERS['experiences']}",
        )
        signaux.append(experiences_vers_signaux(imp.table, annee, lexique))
        themes = themes_longs(imp.table, annee)
        rejets.append(imp.rejets.liberer())
    if "indicateurs" in presents:
        imp = importer_indicateurs(
            presents["indicateurs"],
            structures,
            annee,
            correspondance,
            structures_connues,
            f"raw/{annee}/{FICHIERS['indicateurs']}",
        )
        indicateurs = imp.table
        rejets.append(imp.rejets.liberer())
    return ResultatSpplus(signaux, indicateurs, rejets, themes)
