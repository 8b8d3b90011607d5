"""Préparation des canaux d'écoute d'une édition : signaux, appels et exports Services Publics +.

Branchée sur la préparation des fichiers du contrat par ``analyse.chaine``.
"""

from __future__ import annotations

import dataclasses
import os

import pandas as pd

from analyse.config import dossier_raw
from analyse.donnees.lecture import TableBrute, lire_table
from analyse.ecoute import spplus
from analyse.ecoute.lexique import charger_lexique
from analyse.ecoute.signaux import periode_fichier, preparer_appels, preparer_signaux


@dataclasses.dataclass
class Ecoute:
    """Tables préparées des canaux d'écoute d'une édition et leurs rejets (un par fichier lu)."""

    tables: dict
    rejets: list


# --------------------------------------------------------------------------- une édition


def _facultatif(donnees, annee: int, nom: str) -> TableBrute | None:
    chemin = dossier_raw(donnees) / str(annee) / nom
    return lire_table(chemin, f"raw/{annee}/{nom}") if os.path.lexists(chemin) else None


def preparer_ecoute(donnees, annee: int, structures_connues, editions: pd.DataFrame | None = None) -> Ecoute:
    """Lit les fichiers d'écoute présents dans ``raw/<annee>/`` : tables ``signaux``,
    ``appels``, ``indicateurs_spplus`` et ``themes_spplus`` (seulement celles qui ont une source) et leurs rejets.

    >>> preparer_ecoute("/dossier/absent", 2022, set()).tables
    {}
    """
    periode = periode_fichier(annee, editions)
    tables, tous_rejets, morceaux = {}, [], []
    lexique = None
    table = _facultatif(donnees, annee, "signaux.csv")
    if table is not None:
        lexique = charger_lexique()
        signaux, rejets = preparer_signaux(table, structures_connues, annee, periode, lexique)
        morceaux.append(signaux)
        tous_rejets.append(rejets.liberer())
    resultat = spplus.preparer_spplus(donnees, annee, structures_connues, periode, lexique)
    morceaux += resultat.signaux
    tous_rejets += resultat.rejets
    if resultat.indicateurs is not None:
        tables["indicateurs_spplus"] = resultat.indicateurs
    if resultat.themes is not None:
        tables["themes_spplus"] = resultat.themes
    if morceaux:
        tables["signaux"] = pd.concat(morceaux, ignore_index=True)
    table = _facultatif(donnees, annee, "appels.csv")
    if table is not None:
        tables["appels"], rejets = preparer_appels(table, structures_connues, annee, periode)
        tous_rejets.append(rejets.liberer())
    return Ecoute(tables, tous_rejets)
