"""Import des exports publics de Services Publics + (programme de l'État sur l'expérience usager).

Deux exports sont lus :

- « expériences » : identifiant, statut, date, description, ressenti de l'usager
  (négatif / neutre / positif), nom de la structure, réponse de la structure ;
- « résultats / indicateurs » : code Services Publics + de la structure, type, nom,
  code postal, ville, code de l'indicateur, valeur, fréquence, date de mise à jour.

Les en-têtes exacts de ces exports peuvent changer : ils passent par la table de
correspondance ``ressources/correspondance_spplus.csv`` (colonnes ``export``, ``colonne``,
``entete``, ``obligatoire``), une ligne par en-tête connu. Un en-tête renommé se corrige en
ajoutant une ligne, dans ce fichier ou dans ``raw/correspondance_spplus.csv`` (prioritaire
s'il existe). Une colonne inconnue est signalée dans les rejets (ligne 1, l'en-tête) et
ignorée ; une ligne illisible est rejetée avec son motif ; rien ne disparaît en silence.

Rattachement à ``structure_id`` : le fichier ``raw/<annee>/spplus_structures.csv`` (à défaut
``raw/spplus_structures.csv``, commun à toutes les éditions) — colonnes ``structure_id``,
``code_spplus``, ``nom_spplus`` — dit quelle structure du baromètre
correspond à quelle structure Services Publics +. Les indicateurs se rattachent par le
code (à défaut par le nom), les expériences par le nom (comparé sans casse, accents ni
ponctuation). Une ligne sans correspondance est rejetée avec ce motif.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pandas as pd

from analyse.config import dossier_raw
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

EXPORTS = ("experiences", "indicateurs")
FICHIERS = {"experiences": "spplus_experiences.csv", "indicateurs": "spplus_indicateurs.csv"}
FICHIER_STRUCTURES = "spplus_structures.csv"
FICHIER_CORRESPONDANCE = "correspondance_spplus.csv"
RESSENTIS = {
    "negatif": "negatif",
    "negative": "negatif",
    "neutre": "neutre",
    "positif": "positif",
    "positive": "positif",
}
PREFIXE_ID = "SPP-"
MOTIF_SANS_CORRESPONDANCE = f"structure Services Publics + sans correspondance (à ajouter à {FICHIER_STRUCTURES})"
_RE_HORAIRE = re.compile(r"^(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{4})[ T].*$")


@dataclasses.dataclass
class Import:
    """Un export lu : lignes acceptées (colonnes canoniques + ``structure_id``), rejets, colonnes ignorées."""

    table: pd.DataFrame
    rejets: Rejets
    colonnes_inconnues: list


@dataclasses.dataclass
class ResultatSpplus:
    """Ce que les exports d'une édition apportent : morceaux de ``signaux``, ``indicateurs_spplus``, rejets."""

    signaux: list
    indicateurs: pd.DataFrame | None
    rejets: list


# --------------------------------------------------------------------------- correspondances


def charger_correspondance_colonnes(chemin: Path | str | None = None) -> pd.DataFrame:
    """Table de correspondance des en-têtes : ``export``, ``colonne``, ``cle`` (en-tête normalisé), ``obligatoire``.

    >>> c = charger_correspondance_colonnes()
    >>> c.query("export == 'experiences' and cle == 'ressenti'")["colonne"].item()
    'ressenti'
    """
    chemin = Path(chemin) if chemin is not None else chemin_ressource(FICHIER_CORRESPONDANCE)
    table = lire_table(chemin, chemin.name)
    table.exiger_colonnes(("export", "colonne", "entete"))
    d = table.donnees
    inconnus = d["export"].notna() & ~d["export"].isin(EXPORTS)
    if inconnus.any() or d["export"].isna().any() or d["colonne"].isna().any() or d["entete"].isna().any():
        i = int(np.flatnonzero((inconnus | d[["export", "colonne", "entete"]].isna().any(axis=1)).to_numpy())[0])
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
    cles = d["entete"].map(normaliser_entete)
    doublons = pd.DataFrame({"export": d["export"], "cle": cles}).duplicated()
    if doublons.any():
        i = int(np.flatnonzero(doublons.to_numpy())[0])
        raise ErreurDonnees(
            table.fichier,
            f"en-tête « {d['entete'].iloc[i]} » déclaré deux fois",
            ligne=int(table.lignes[i]),
            colonne="entete",
        )
    return pd.DataFrame({"export": d["export"], "colonne": d["colonne"], "cle": cles, "obligatoire": obligatoire})


def correspondance_colonnes_de(donnees) -> pd.DataFrame:
    """Correspondance des en-têtes d'une racine de données : ``raw/correspondance_spplus.csv`` s'il existe,
    sinon celle du paquet.

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
    return pd.DataFrame(
        {
            "structure_id": d["structure_id"],
            "code_spplus": code,
            "nom_spplus": nom,
            "nom_normalise": nom.map(normaliser_texte).where(nom.notna()),
        }
    )


def _apparier(codes: pd.Series | None, noms: pd.Series, structures: pd.DataFrame) -> pd.Series:
    """``structure_id`` de chaque ligne : par code d'abord, puis par nom normalisé ; NaN sinon."""
    par_nom = structures.dropna(subset=["nom_normalise"]).drop_duplicates("nom_normalise").set_index("nom_normalise")
    resultat = noms.map(normaliser_texte).map(par_nom["structure_id"])
    if codes is not None:
        par_code = structures.dropna(subset=["code_spplus"]).drop_duplicates("code_spplus").set_index("code_spplus")
        resultat = codes.map(par_code["structure_id"]).where(lambda s: s.notna(), resultat)
    return resultat.astype(object)


# --------------------------------------------------------------------------- lecture d'un export


def appliquer_correspondance(table: TableBrute, export: str, correspondance: pd.DataFrame) -> list[str]:
    """Renomme les colonnes d'un export en noms canoniques ; renvoie les en-têtes inconnus (ignorés).

    Une colonne obligatoire introuvable est une faute de fichier.

    >>> appliquer_correspondance.__name__  # voir tests/test_spplus.py
    'appliquer_correspondance'
    """
    c = correspondance[correspondance["export"] == export]
    vers = dict(zip(c["cle"], c["colonne"]))
    inconnues = [col for col in table.donnees.columns if col not in vers]
    connues = [col for col in table.donnees.columns if col in vers]
    cibles = [vers[col] for col in connues]
    doubles = sorted({x for x in cibles if cibles.count(x) > 1})
    if doubles:
        raise ErreurDonnees(
            table.fichier,
            f"plusieurs colonnes correspondent à « {doubles[0]} » : "
            f"{', '.join(table.entete(k) for k in connues if vers[k] == doubles[0])}",
            ligne=1,
        )
    entetes = {vers[col]: table.entete(col) for col in connues}
    table.donnees = table.donnees[connues].rename(columns=vers)
    manquantes = sorted(set(c.loc[c["obligatoire"], "colonne"]) - set(table.donnees.columns))
    if manquantes:
        attendus = ", ".join(c.loc[c["colonne"] == manquantes[0], "cle"])
        raise ErreurDonnees(
            table.fichier,
            f"colonne obligatoire « {manquantes[0]} » introuvable "
            f"(en-têtes reconnus : {attendus} ; voir {FICHIER_CORRESPONDANCE})",
            ligne=1,
            colonne=manquantes[0],
        )
    anciennes = {k: v for k, v in table.entetes.items() if k in inconnues}
    table.entetes = {**anciennes, **entetes}
    return [table.entete(col) for col in inconnues]


def _signaler_colonnes(rejets: Rejets, inconnues: list[str]) -> None:
    """Une ligne de rejet par colonne ignorée (ligne 1 : l'en-tête), sans rejeter de ligne de données."""
    if inconnues:
        rejets.lignes.append(
            pd.DataFrame(
                {
                    "annee": np.int64(rejets.annee),
                    "fichier": rejets.fichier,
                    "ligne": np.int64(1),
                    "colonne": inconnues,
                    "motif": f"colonne inconnue, ignorée (à déclarer dans {FICHIER_CORRESPONDANCE} pour la lire)",
                    "valeur": None,
                }
            )
        )


def _dates_souples(serie: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Dates, avec ou sans heure (l'heure est ignorée)."""
    texte = serie.astype("str").str.strip()
    jour = texte.str.replace(_RE_HORAIRE, r"\1", regex=True).where(serie.notna())
    return convertir_dates(jour)


def importer_experiences(
    chemin: Path | str,
    structures: pd.DataFrame | Path | str,
    annee: int = 0,
    correspondance: pd.DataFrame | None = None,
    structures_connues=None,
    periode=None,
    nom_affiche: str | None = None,
) -> Import:
    """Lit un export « expériences » : lignes acceptées (``id_experience``, ``structure_id``, ``date``,
    ``ressenti``, ``description``, ``repondu``…) et rejets motivés.

    >>> importer_experiences.__name__  # voir tests/test_spplus.py
    'importer_experiences'
    """
    table = lire_table(chemin, nom_affiche or str(chemin))
    correspondance = charger_correspondance_colonnes() if correspondance is None else correspondance
    structures = structures if isinstance(structures, pd.DataFrame) else charger_structures(structures)
    inconnues = appliquer_correspondance(table, "experiences", correspondance)
    d = table.donnees
    rejets = Rejets(table, annee)
    _signaler_colonnes(rejets, inconnues)
    rejeter_doublons(rejets, "id_experience", "identifiant d'expérience")
    dates, dates_ko = _dates_souples(d["date"])
    rejets.ajouter((dates_ko | d["date"].isna()).to_numpy(), "date", MOTIF_DATE)
    if periode is not None:
        rejeter_hors_periode(rejets, "date", dates, periode)
    ressenti = d["ressenti"].map(lambda v: RESSENTIS.get(normaliser_entete(v)) if isinstance(v, str) else None)
    rejets.ajouter(ressenti.isna().to_numpy(), "ressenti", "ressenti illisible (attendu : négatif, neutre ou positif)")
    d["structure_id"] = _apparier(None, d["structure"], structures)
    rejets.ajouter(d["structure_id"].isna().to_numpy(), "structure", MOTIF_SANS_CORRESPONDANCE)
    if structures_connues is not None:
        rejeter_structures_inconnues(rejets, structures_connues)
    reponse = d["reponse"] if "reponse" in d else pd.Series(np.nan, index=d.index, dtype=object)
    experiences = (
        pd.DataFrame(
            {
                "id_experience": d["id_experience"],
                "structure_id": d["structure_id"],
                "date": dates,
                "statut": d["statut"] if "statut" in d else None,
                "ressenti": ressenti,
                "description": d["description"] if "description" in d else None,
                "repondu": reponse.notna(),
            }
        )
        .loc[rejets.acceptees]
        .reset_index(drop=True)
    )
    return Import(experiences, rejets, inconnues)


def importer_indicateurs(
    chemin: Path | str,
    structures: pd.DataFrame | Path | str,
    annee: int = 0,
    correspondance: pd.DataFrame | None = None,
    structures_connues=None,
    nom_affiche: str | None = None,
) -> Import:
    """Lit un export « résultats / indicateurs » : une ligne par structure × indicateur, rattachée à ``structure_id``.

    La valeur accepte virgule ou point décimal et un signe « % » final.

    >>> importer_indicateurs.__name__  # voir tests/test_spplus.py
    'importer_indicateurs'
    """
    table = lire_table(chemin, nom_affiche or str(chemin))
    correspondance = charger_correspondance_colonnes() if correspondance is None else correspondance
    structures = structures if isinstance(structures, pd.DataFrame) else charger_structures(structures)
    inconnues = appliquer_correspondance(table, "indicateurs", correspondance)
    d = table.donnees
    rejets = Rejets(table, annee)
    _signaler_colonnes(rejets, inconnues)
    rejets.ajouter(d["code_spplus"].isna().to_numpy(), "code_spplus", "code Services Publics + manquant")
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
    cles = d[["code_spplus", "indicateur"]].fillna("").agg("|".join, axis=1)
    doublons = (cles.duplicated() & date_maj.duplicated()).to_numpy()
    rejets.ajouter(
        doublons & cles.duplicated(keep="first").to_numpy(),
        "indicateur",
        "indicateur en double pour cette structure et cette date",
    )
    facultative = lambda nom: d[nom] if nom in d else pd.Series(None, index=d.index, dtype=object)  # noqa: E731
    indicateurs = (
        pd.DataFrame(
            {
                "annee": np.int64(annee),
                "structure_id": d["structure_id"],
                "code_spplus": d["code_spplus"],
                "type_spplus": facultative("type_structure"),
                "nom_spplus": d["nom"],
                "code_postal": facultative("code_postal"),
                "ville": facultative("ville"),
                "indicateur": d["indicateur"],
                "valeur": valeur.astype(float),
                "frequence": facultative("frequence"),
                "date_maj": date_maj.astype("datetime64[ns]"),
            }
        )
        .loc[rejets.acceptees]
        .reset_index(drop=True)
    )
    for colonne in ("type_spplus", "code_postal", "ville", "frequence"):
        indicateurs[colonne] = indicateurs[colonne].astype(object).where(indicateurs[colonne].notna(), None)
    return Import(indicateurs, rejets, inconnues)


def experiences_vers_signaux(
    experiences: pd.DataFrame, annee: int, lexique: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Expériences importées -> lignes de la table ``signaux`` (source ``avis_en_ligne``, canal
    ``site_internet``, origine ``services_publics_plus``, polarité = ressenti, texte masqué).

    La réponse de la structure n'est pas gardée (elle peut nommer un agent) : seul le fait
    qu'elle existe l'est (``repondu``) ; sa date n'est pas publiée par l'export.

    >>> e = pd.DataFrame({"id_experience": ["42"], "structure_id": ["001"], "date": [pd.Timestamp("2022-05-02")],
    ...     "ressenti": ["negatif"], "description": ["Renvoyé de service en service"], "repondu": [True]})
    >>> experiences_vers_signaux(e, 2022)[["id_signal", "polarite", "determinant"]].iloc[0].tolist()
    ['SPP-42', 'negatif', 'transfert']
    """
    brut = pd.DataFrame(
        {
            "id_signal": PREFIXE_ID + experiences["id_experience"].astype(str),
            "structure_id": experiences["structure_id"],
            "date_signal": experiences["date"],
            "source": "avis_en_ligne",
            "canal": "site_internet",
            "note_100": np.nan,
            "polarite": experiences["ressenti"],
            "determinant": None,
            "date_reponse": pd.Series(pd.NaT, index=experiences.index, dtype="datetime64[ns]"),
            "texte": experiences["description"],
            "repondu": experiences["repondu"].astype(bool),
        }
    )
    return construire_signaux(brut, annee, "services_publics_plus", lexique)


# --------------------------------------------------------------------------- une édition


def preparer_spplus(donnees, annee: int, structures_connues, periode=None, lexique=None) -> ResultatSpplus:
    """Exports Services Publics + présents dans ``raw/<annee>/`` : signaux, indicateurs et rejets.

    >>> preparer_spplus("/dossier/absent", 2022, set()).signaux
    []
    """
    dossier = dossier_raw(donnees) / str(annee)
    presents = {e: dossier / f for e, f in FICHIERS.items() if (dossier / f).exists()}
    if not presents:
        return ResultatSpplus([], None, [])
    chemin_structures = dossier / FICHIER_STRUCTURES
    if not chemin_structures.exists():
        chemin_structures = dossier_raw(donnees) / FICHIER_STRUCTURES
    if not chemin_structures.exists():
        raise ErreurDonnees(
            f"raw/{annee}/{FICHIER_STRUCTURES} ou raw/{FICHIER_STRUCTURES}",
            "fichier introuvable : il faut dire à quelle structure "
            "du baromètre correspond chaque structure Services Publics + (structure_id, code_spplus, "
            "nom_spplus)",
        )
    structures = charger_structures(chemin_structures)
    correspondance = correspondance_colonnes_de(donnees)
    signaux, indicateurs, rejets = [], None, []
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
    return ResultatSpplus(signaux, indicateurs, rejets)
