"""Écriture et lecture des tables préparées : Parquet partitionné par ``annee`` (hive).

L'écriture passe par un dossier de travail : si une édition échoue, aucune table
n'est modifiée (rien de partiel n'est écrit).
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from analyse.config import TABLES, dossier_processed
from analyse.donnees.schemas import valider


def _ecrire_partition(table: pd.DataFrame, dossier: Path) -> None:
    dossier.mkdir(parents=True, exist_ok=True)
    donnees = pa.Table.from_pandas(table.drop(columns="annee"), preserve_index=False)
    pq.write_table(donnees, dossier / "part-0.parquet", compression="zstd")


class Ecriture:
    """Écriture groupée de plusieurs éditions, publiée d'un coup à la fin."""

    def __init__(self, donnees):
        self.processed = dossier_processed(donnees)
        self.travail = self.processed / f".en_cours-{uuid.uuid4().hex[:8]}"
        self.annees = []

    def ajouter(self, annee: int, tables: dict) -> None:
        """Valide chaque table contre son schéma et l'écrit dans le dossier de travail."""
        for nom, table in tables.items():
            _ecrire_partition(valider(nom, table), self.travail / nom / f"annee={annee}")
        self.annees.append(annee)

    def publier(self) -> None:
        """Remplace les partitions des éditions préparées (une table absente est retirée)."""
        for annee in self.annees:
            for nom in TABLES:
                cible = self.processed / nom / f"annee={annee}"
                if cible.exists():
                    shutil.rmtree(cible)
                source = self.travail / nom / f"annee={annee}"
                if source.exists():
                    cible.parent.mkdir(parents=True, exist_ok=True)
                    source.rename(cible)
        self.abandonner()

    def abandonner(self) -> None:
        """Supprime le dossier de travail."""
        shutil.rmtree(self.travail, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, type_erreur, *_):
        if type_erreur is None:
            self.publier()
        else:
            self.abandonner()
        return False


def lire(donnees, table: str, annee: int | None = None, colonnes=None) -> pd.DataFrame:
    """Lit une table préparée (toutes les éditions, ou une seule), ``annee`` en entier.

    >>> lire("data", "scores", annee=2022)  # doctest: +SKIP
    """
    if table not in TABLES:
        raise ValueError(f"Table inconnue « {table} » (attendu : {', '.join(TABLES)})")
    chemin = dossier_processed(donnees) / table
    if not chemin.exists() or not any(chemin.glob("annee=*")):
        raise FileNotFoundError(
            f"La table préparée « {table} » est absente de {chemin} : lancez d'abord « analyse preparer »."
        )
    filtres = [("annee", "==", int(annee))] if annee is not None else None
    resultat = pd.read_parquet(chemin, columns=colonnes, filters=filtres)
    if "annee" in resultat.columns:
        resultat["annee"] = resultat["annee"].astype("int64")
    return resultat


def editions_preparees(donnees) -> list[int]:
    """Années dont la table ``scores`` est préparée."""
    chemin = dossier_processed(donnees) / "scores"
    return sorted(int(p.name.split("=", 1)[1]) for p in chemin.glob("annee=*")) if chemin.exists() else []


def lire_table(donnees, table: str, annee: int) -> pd.DataFrame:
    """Lit une table préparée pour une édition ; tableau vide si la table n'existe pas.

    >>> lire_table("/dossier/absent", "scores", 2022).empty
    True
    """
    from analyse.config import resoudre_chemin

    try:
        return lire(resoudre_chemin(donnees), table, annee=annee).reset_index(drop=True)
    except FileNotFoundError:
        return pd.DataFrame()
