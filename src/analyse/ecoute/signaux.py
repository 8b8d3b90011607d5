"""Canaux d'écoute d'une structure : lecture et validation de ``signaux.csv`` et ``appels.csv``.

Fichiers facultatifs de ``raw/<annee>/`` (contrat : ``docs/contrat-donnees-brutes.md``) :

- ``signaux.csv`` : un signal par ligne (enquête de satisfaction, réclamation, élu,
  conseil d'école, comité d'usagers, avis en ligne, réseaux sociaux, autre) ;
- ``appels.csv`` : le journal téléphonique (un appel par ligne) ;
- ``spplus_experiences.csv`` et ``spplus_indicateurs.csv`` : exports publics de
  Services Publics + (lus par ``analyse.ecoute.spplus``).

Mêmes règles que les autres fichiers : une faute de fichier arrête tout avec un message
en français, une faute de ligne envoie la ligne dans ``rejets`` avec son motif, et
lignes lues = lignes acceptées + lignes rejetées. Tout atterrit dans ``processed/signaux``
(avec le déterminant dont parle le signal, sa polarité et son texte masqué) et
``processed/appels``.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from analyse.donnees.codes import CANAUX, DETERMINANTS
from analyse.donnees.confidentialite import masquer_serie
from analyse.donnees.lecture import TableBrute, convertir_nombres, normaliser_entete
from analyse.donnees.preparation import (
    Rejets,
    colonne_ou_vide,
    lire_dates,
    pseudonymiser,
    rejeter_doublons,
    rejeter_hors_periode,
    rejeter_structures_inconnues,
    texte_ou_none,
)
from analyse.ecoute.lexique import charger_lexique, classer_textes

SOURCES = (
    "enquete_satisfaction",
    "reclamation",
    "elu",
    "conseil_ecole",
    "comite_usagers",
    "avis_en_ligne",
    "reseaux_sociaux",
    "autre",
)
CANAUX_SIGNAL = CANAUX + ("reunion", "autre")
POLARITES = ("negatif", "neutre", "positif")
ISSUES_APPEL = ("repondu", "abandonne")
ORIGINES = ("signaux.csv", "services_publics_plus")
LIBELLES_SOURCES = {
    "enquete_satisfaction": "Enquête de satisfaction",
    "reclamation": "Réclamations",
    "elu": "Élus",
    "conseil_ecole": "Conseils d'école",
    "comite_usagers": "Comité d'usagers",
    "avis_en_ligne": "Avis en ligne",
    "reseaux_sociaux": "Réseaux sociaux",
    "autre": "Autres",
}
LIBELLES_POLARITES = {"negatif": "Négatif", "neutre": "Neutre", "positif": "Positif"}
COLONNES_SIGNAUX = ("id_signal", "structure_id", "date_signal", "source")
COLONNES_APPELS = ("id_appel", "structure_id", "debut_appel", "attente_secondes", "issue", "duree_secondes")
SEUILS_POLARITE = (0.4, 0.6)  # position relative sur l'échelle : < 0,4 négatif, > 0,6 positif

_RE_ECHELLE = re.compile(r"^\s*(-?\d+)\s*[-–àa/]\s*(\d+)\s*$")
_RE_HORO_FR = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})[ T]+(\d{1,2})[:h](\d{2})(?::(\d{2}))?$")
_RE_HORO_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$")


# --------------------------------------------------------------------------- conversions


def convertir_horodatages(serie: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Texte ``JJ/MM/AAAA HH:MM[:SS]`` ou ``AAAA-MM-JJ HH:MM[:SS]`` -> horodatages ; renvoie aussi les invalides.

    >>> h, ko = convertir_horodatages(pd.Series(["28/11/2026 09:05", "2026-11-28T14:30:10", "28/11/2026"]))
    >>> [str(x) for x in h], ko.tolist()
    (['2026-11-28 09:05:00', '2026-11-28 14:30:10', 'NaT'], [False, False, True])
    """
    texte = serie.astype("str").str.strip()
    presentes = serie.notna()
    fr = texte.str.extract(_RE_HORO_FR.pattern)
    iso = texte.str.extract(_RE_HORO_ISO.pattern)
    parties = pd.DataFrame(
        {
            "year": fr[2].fillna(iso[0]),
            "month": fr[1].fillna(iso[1]),
            "day": fr[0].fillna(iso[2]),
            "hour": fr[3].fillna(iso[3]),
            "minute": fr[4].fillna(iso[4]),
            "second": fr[5].fillna(iso[5]).where(fr[0].notna() | iso[0].notna()),
        }
    )
    lisibles = presentes & parties["year"].notna()
    parties.loc[lisibles, "second"] = parties.loc[lisibles, "second"].fillna("0")
    horodatages = pd.Series(pd.NaT, index=serie.index, dtype="datetime64[ns]")
    if lisibles.any():
        valeurs = parties.loc[lisibles].astype(int)
        bornes = (valeurs["hour"] <= 23) & (valeurs["minute"] <= 59) & (valeurs["second"] <= 59)
        valeurs = valeurs.loc[bornes]
        horodatages[valeurs.index] = pd.to_datetime(valeurs, errors="coerce")
    invalides = presentes & horodatages.isna()
    return horodatages, invalides


def lire_echelle(serie: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Échelle ``min-max`` (``1-5``, ``0-10``) -> bornes ; renvoie aussi les invalides.

    >>> bas, haut, ko = lire_echelle(pd.Series(["1-5", "0 à 10", "5-1", None]))
    >>> bas.tolist()[:2], haut.tolist()[:2], ko.tolist()
    ([1.0, 0.0], [5.0, 10.0], [False, False, True, False])
    """
    trouve = serie.astype("str").str.extract(_RE_ECHELLE.pattern)
    bas, haut = trouve[0].astype(float), trouve[1].astype(float)
    invalides = serie.notna() & (bas.isna() | (haut <= bas).fillna(True))
    return bas.where(~invalides), haut.where(~invalides), invalides


def polarite_depuis_note(note_100: pd.Series) -> pd.Series:
    """Polarité d'une note ramenée sur 100 : < 40 négatif, > 60 positif, sinon neutre.

    >>> polarite_depuis_note(pd.Series([0.0, 50.0, 75.0, np.nan])).tolist()
    ['negatif', 'neutre', 'positif', None]
    """
    bas, haut = (100 * s for s in SEUILS_POLARITE)
    polarite = np.select([note_100 < bas, note_100 > haut, note_100.notna()], ["negatif", "positif", "neutre"], "")
    return pd.Series(polarite, index=note_100.index, dtype=object).replace("", None)


def _codes(serie: pd.Series) -> pd.Series:
    """Codes comparables : minuscules, sans accents (« Négatif » -> « negatif »)."""
    return serie.map(lambda v: normaliser_entete(v) if isinstance(v, str) else v)


def periode_fichier(annee: int, editions: pd.DataFrame | None = None) -> tuple[pd.Timestamp, pd.Timestamp]:
    """Période couverte par les fichiers de ``raw/<annee>/`` : du 1er janvier qui suit l'édition
    précédente au 31 décembre de l'année (l'année seule pour la première édition).

    >>> [str(d.date()) for d in periode_fichier(2020, pd.DataFrame({"annee": [2018, 2020]}))]
    ['2019-01-01', '2020-12-31']
    """
    precedentes = [] if editions is None else [int(a) for a in editions["annee"] if int(a) < annee]
    debut = max(precedentes) + 1 if precedentes else annee
    return pd.Timestamp(f"{debut}-01-01"), pd.Timestamp(f"{annee}-12-31 23:59:59")


# --------------------------------------------------------------------------- signaux.csv


def preparer_signaux(
    table: TableBrute, structures_connues, annee: int, periode=None, lexique: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, Rejets]:
    """Signaux acceptés (déterminant, polarité, texte masqué) et rejets de ``signaux.csv``.

    >>> preparer_signaux.__name__  # voir tests/test_signaux.py
    'preparer_signaux'
    """
    table.exiger_colonnes(COLONNES_SIGNAUX)
    d = table.donnees
    rejets = Rejets(table, annee)
    rejeter_doublons(rejets, "id_signal", "identifiant de signal")
    rejeter_structures_inconnues(rejets, structures_connues)
    dates = lire_dates(rejets, "date_signal", True)
    if periode is not None:
        rejeter_hors_periode(rejets, "date_signal", dates, periode)
    source = _codes(d["source"])
    rejets.ajouter(~source.isin(SOURCES).to_numpy(), "source", f"source invalide (attendu : {', '.join(SOURCES)})")
    canal = _codes(colonne_ou_vide(table, "canal"))
    rejets.ajouter(
        (canal.notna() & ~canal.isin(CANAUX_SIGNAL)).to_numpy(),
        "canal",
        f"canal invalide (attendu : {', '.join(CANAUX_SIGNAL)} ou vide)",
        colonne_ou_vide(table, "canal"),
    )
    note_100 = _notes(rejets, table)
    polarite_fichier = _codes(colonne_ou_vide(table, "polarite"))
    rejets.ajouter(
        (polarite_fichier.notna() & ~polarite_fichier.isin(POLARITES)).to_numpy(),
        "polarite",
        "polarité invalide (attendu : negatif, neutre, positif ou vide)",
        colonne_ou_vide(table, "polarite"),
    )
    determinant = _codes(colonne_ou_vide(table, "determinant"))
    rejets.ajouter(
        (determinant.notna() & ~determinant.isin(DETERMINANTS)).to_numpy(),
        "determinant",
        f"déterminant invalide (attendu : {', '.join(DETERMINANTS)} ou vide)",
        colonne_ou_vide(table, "determinant"),
    )
    date_reponse = lire_dates(rejets, "date_reponse", False)
    rejets.ajouter(
        (date_reponse < dates).to_numpy(),
        "date_reponse",
        "date de réponse antérieure au signal",
        colonne_ou_vide(table, "date_reponse"),
    )
    garde = rejets.acceptees
    brut = (
        pd.DataFrame(
            {
                "id_signal": d["id_signal"],
                "structure_id": d["structure_id"],
                "date_signal": dates,
                "source": source,
                "canal": canal,
                "note_100": note_100,
                "polarite": polarite_fichier,
                "determinant": determinant,
                "date_reponse": date_reponse,
                "texte": colonne_ou_vide(table, "texte"),
            }
        )
        .loc[garde]
        .reset_index(drop=True)
    )
    return construire_signaux(brut, annee, "signaux.csv", lexique), rejets


def _notes(rejets: Rejets, table: TableBrute) -> pd.Series:
    """Note ramenée sur 100 d'après son échelle ; rejette note illisible, hors échelle ou sans échelle."""
    brute = colonne_ou_vide(table, "note")
    note, note_ko = convertir_nombres(brute)
    rejets.ajouter(note_ko.to_numpy(), "note", "note invalide (nombre attendu)", brute)
    echelle = colonne_ou_vide(table, "echelle")
    bas, haut, echelle_ko = lire_echelle(echelle)
    rejets.ajouter(echelle_ko.to_numpy(), "echelle", "échelle invalide (attendu min-max, ex. 1-5 ou 0-10)", echelle)
    rejets.ajouter((note.notna() & echelle.isna()).to_numpy(), "echelle", "échelle manquante pour une note", echelle)
    hors = note.notna() & bas.notna() & ((note < bas) | (note > haut))
    rejets.ajouter(hors.to_numpy(), "note", "note hors de son échelle", brute)
    return (100 * (note - bas) / (haut - bas)).astype(float)


def construire_signaux(
    brut: pd.DataFrame, annee: int, origine: str, lexique: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Table ``signaux`` depuis des lignes déjà validées : polarité et déterminants complétés, texte masqué.

    Polarité : celle du fichier, sinon celle de la note, sinon « négatif » pour une réclamation.
    Déterminants : celui du fichier s'il est donné, sinon ceux des thèmes (colonne facultative
    ``determinants_themes``, exports Services Publics +), sinon ceux du lexique (``analyse.ecoute.lexique``).
    ``date_publication`` (facultative) : date de publication, distincte de la date du signal.

    >>> b = pd.DataFrame({"id_signal": ["S1"], "structure_id": ["001"], "date_signal": [pd.Timestamp("2022-03-01")],
    ...     "source": ["reclamation"], "canal": [None], "note_100": [np.nan], "polarite": [None], "determinant": [None],
    ...     "date_reponse": [pd.NaT], "texte": ["Attente interminable, appeler Mme Odile Fermenthal"]})
    >>> s = construire_signaux(b, 2022, "signaux.csv")
    >>> s[["polarite", "determinant", "texte"]].iloc[0].tolist()
    ['negatif', 'attente', 'Attente interminable, appeler [nom masqué]']
    """
    s = brut.reset_index(drop=True)
    polarite_note = polarite_depuis_note(s["note_100"])
    par_source = pd.Series(np.where(s["source"] == "reclamation", "negatif", None), index=s.index, dtype=object)
    polarite = s["polarite"].astype(object).where(s["polarite"].notna(), polarite_note)
    polarite = polarite.where(polarite.notna(), par_source)
    origine_polarite = np.select(
        [s["polarite"].notna(), polarite_note.notna(), par_source.notna()], ["fichier", "note", "source"], ""
    )
    classes = classer_textes(s["texte"], lexique if lexique is not None else charger_lexique())
    themes = s.get("determinants_themes", pd.Series(None, index=s.index, dtype=object))
    par_themes = themes.notna() & s["determinant"].isna()
    donne = s["determinant"].notna()
    premier_theme = themes.map(lambda v: v.split("|")[0] if isinstance(v, str) else None)
    determinant = s["determinant"].astype(object).where(donne, premier_theme.where(par_themes, classes["determinant"]))
    determinants = pd.Series(
        np.select([donne, par_themes], [s["determinant"].fillna(""), themes.fillna("")], classes["determinants"]),
        index=s.index,
    )
    origine_determinant = np.select(
        [donne, par_themes, classes["determinant"].notna()], ["fichier", "themes", "lexique"], ""
    )
    delai = (s["date_reponse"] - s["date_signal"]).dt.days.astype(float)
    texte = masquer_serie(s["texte"])
    return pd.DataFrame(
        {
            "annee": np.int64(annee),
            "id_signal": s["id_signal"].astype(str),
            "structure_id": s["structure_id"].astype(str),
            "date_signal": s["date_signal"].astype("datetime64[ns]"),
            "source": s["source"].astype(str),
            "canal": texte_ou_none(s["canal"]),
            "origine": origine,
            "note_100": s["note_100"].astype(float),
            "polarite": texte_ou_none(polarite),
            "origine_polarite": pd.Series(origine_polarite, dtype=object).replace("", None),
            "determinant": texte_ou_none(determinant),
            "determinants": determinants.astype(str),
            "origine_determinant": pd.Series(origine_determinant, dtype=object).replace("", None),
            "date_reponse": s["date_reponse"].astype("datetime64[ns]"),
            "date_publication": s.get("date_publication", pd.Series(pd.NaT, index=s.index)).astype("datetime64[ns]"),
            "delai_reponse_jours": delai,
            "repondu": s["date_reponse"].notna()
            | s.get("repondu", pd.Series(False, index=s.index)).fillna(False).astype(bool),
            "texte": texte.where(s["texte"].notna(), None),
        }
    )


# --------------------------------------------------------------------------- appels.csv


def preparer_appels(table: TableBrute, structures_connues, annee: int, periode=None) -> tuple[pd.DataFrame, Rejets]:
    """Appels acceptés du journal téléphonique et rejets de ``appels.csv``.

    >>> preparer_appels.__name__  # voir tests/test_signaux.py
    'preparer_appels'
    """
    table.exiger_colonnes(COLONNES_APPELS)
    d = table.donnees
    rejets = Rejets(table, annee)
    rejeter_doublons(rejets, "id_appel", "identifiant d'appel")
    rejeter_structures_inconnues(rejets, structures_connues)
    debut, debut_ko = convertir_horodatages(d["debut_appel"])
    rejets.ajouter(
        (debut_ko | d["debut_appel"].isna()).to_numpy(),
        "debut_appel",
        "horodatage invalide (attendu JJ/MM/AAAA HH:MM[:SS] ou AAAA-MM-JJ HH:MM[:SS])",
    )
    if periode is not None:
        rejeter_hors_periode(rejets, "debut_appel", debut, periode)
    attente, attente_ko = convertir_nombres(d["attente_secondes"])
    rejets.ajouter(
        (attente_ko | d["attente_secondes"].isna() | (attente < 0)).to_numpy(),
        "attente_secondes",
        "attente invalide (nombre de secondes ≥ 0 attendu)",
    )
    issue = _codes(d["issue"])
    rejets.ajouter(~issue.isin(ISSUES_APPEL).to_numpy(), "issue", "issue invalide (attendu : repondu ou abandonne)")
    duree, duree_ko = convertir_nombres(d["duree_secondes"])
    rejets.ajouter(
        (duree_ko | (duree < 0)).to_numpy(), "duree_secondes", "durée invalide (nombre de secondes ≥ 0 attendu)"
    )
    rejets.ajouter(
        ((issue == "repondu") & duree.isna()).to_numpy(),
        "duree_secondes",
        "durée de conversation manquante pour un appel répondu",
    )
    rejets.ajouter(
        ((issue == "abandonne") & (duree > 0)).to_numpy(),
        "duree_secondes",
        "durée de conversation pour un appel abandonné (doit être vide ou 0)",
    )
    poste = colonne_ou_vide(table, "poste")
    appels = (
        pd.DataFrame(
            {
                "annee": np.int64(annee),
                "id_appel": d["id_appel"],
                "structure_id": d["structure_id"],
                "debut_appel": debut.astype("datetime64[ns]"),
                "jour_semaine": debut.dt.day_of_week.astype("Int64"),
                "heure": debut.dt.hour.astype("Int64"),
                "attente_secondes": attente.astype(float),
                "issue": issue,
                "duree_secondes": duree.where(issue == "repondu").astype(float),
                "poste": pseudonymiser(poste).str.replace("ENQ-", "PST-", regex=False),
            }
        )
        .loc[rejets.acceptees]
        .reset_index(drop=True)
    )
    appels["jour_semaine"] = appels["jour_semaine"].astype("int64")
    appels["heure"] = appels["heure"].astype("int64")
    return appels, rejets
