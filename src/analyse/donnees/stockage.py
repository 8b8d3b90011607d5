"""Écriture et lecture des tables préparées : Parquet partitionné par ``annee`` (hive).

L'écriture passe par un dossier de travail : si une édition échoue, aucune table
n'est modifiée (rien de partiel n'est écrit). Une édition déjà préparée n'est pas
remplacée par bien moins qu'elle ne contient (plus de ``SEUIL_BAISSE`` de participants ou
de contacts en moins) sans ``remplacer=True`` (option ``--remplacer`` de la commande).
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from analyse.config import TABLES, dossier_processed
from analyse.donnees.lecture import ErreurDonnees
from analyse.donnees.schemas import valider

SEUIL_BAISSE = 0.5  # part des participants ou des contacts déjà préparés qu'une nouvelle préparation peut perdre
TABLES_SURVEILLEES = {"participants": "participant(s) accepté(s)", "contacts": "contact(s) d'audit accepté(s)"}


class RemplacementRefuse(ErreurDonnees):
    """Une préparation remplacerait une édition déjà préparée par bien moins qu'elle ne contient."""


def _ecrire_partition(table: pd.DataFrame, dossier: Path) -> None:
    dossier.mkdir(parents=True, exist_ok=True)
    donnees = pa.Table.from_pandas(table.drop(columns="annee"), preserve_index=False)
    pq.write_table(donnees, dossier / "part-0.parquet", compression="zstd")


class Ecriture:
    """Écriture groupée de plusieurs éditions, publiée d'un coup à la fin."""

    def __init__(self, donnees, remplacer: bool = False):
        self.processed = dossier_processed(donnees)
        self.travail = self.processed / f".en_cours-{uuid.uuid4().hex[:8]}"
        self.annees = []
        self.remplacer = remplacer

    def ajouter(self, annee: int, tables: dict, fichiers: dict | None = None) -> None:
        """Valide chaque table contre son schéma et l'écrit dans le dossier de travail.

        ``fichiers`` : table -> fichier brut d'origine, nommé si le remplacement est refusé."""
        if not self.remplacer:
            verifier_baisse(self.processed, annee, tables, fichiers or {})
        for nom, table in tables.items():
            _ecrire_partition(valider(nom, table), self.travail / nom / f"annee={annee}")
        self.annees.append(annee)

    def publier(self) -> None:
        """Remplace les partitions des éditions préparées (une table absente est retirée) ; si un
        déplacement échoue, les partitions d'avant sont remises en place."""
        remplacees, posees = [], []
        try:
            for annee in self.annees:
                for nom in TABLES:
                    self._publier_partition(nom, annee, remplacees, posees)
        except BaseException:
            for cible in reversed(posees):
                shutil.rmtree(cible, ignore_errors=True)
            for cible, sauvegarde in reversed(remplacees):
                sauvegarde.rename(cible)
            raise
        finally:
            self.abandonner()

    def _publier_partition(self, nom: str, annee: int, remplacees: list, posees: list) -> None:
        partition = Path(nom) / f"annee={annee}"
        cible, source = self.processed / partition, self.travail / partition
        if cible.exists():
            sauvegarde = self.travail / ".anciennes" / partition
            sauvegarde.parent.mkdir(parents=True, exist_ok=True)
            cible.rename(sauvegarde)
            remplacees.append((cible, sauvegarde))
        if source.exists():
            cible.parent.mkdir(parents=True, exist_ok=True)
            source.rename(cible)
            posees.append(cible)

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


def lignes_preparees(processed: Path, table: str, annee: int) -> int | None:
    """Nombre de lignes d'une partition déjà écrite (métadonnées Parquet), ``None`` si absente."""
    dossier = Path(processed) / table / f"annee={annee}"
    fichiers = sorted(dossier.glob("*.parquet")) if dossier.is_dir() else []
    if not fichiers:
        return None
    return sum(pq.ParquetFile(f).metadata.num_rows for f in fichiers)


def verifier_baisse(processed: Path, annee: int, tables: dict, fichiers: dict) -> None:
    """Refuse (``RemplacementRefuse``) une préparation qui perdrait plus de ``SEUIL_BAISSE``
    des participants ou des contacts de l'édition déjà préparée."""
    for nom, quoi in TABLES_SURVEILLEES.items():
        avant = lignes_preparees(processed, nom, annee)
        apres = len(tables.get(nom, ()))
        if avant and apres < (1 - SEUIL_BAISSE) * avant:
            raise RemplacementRefuse(
                fichiers.get(nom, f"processed/{nom}"),
                f"{apres} {quoi} contre {avant} dans l'édition {annee} déjà préparée (baisse de "
                f"{100 * (avant - apres) / avant:.0f} %, plus de {100 * SEUIL_BAISSE:.0f} %) : rien n'est remplacé. "
                "Vérifiez le fichier, ou relancez avec --remplacer pour remplacer l'édition quand même",
            )


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
