"""Chargement en un appel des tables préparées, pour les notebooks et les scripts.

>>> from analyse.donnees import charger
>>> tables = charger(annees=[2021, 2022], tables=["participants", "scores"])  # doctest: +SKIP
>>> tables.scores.head()  # doctest: +SKIP

La racine des données se résout partout de la même façon (notebook ouvert dans
``notebooks/``, commande ``analyse``, tests) : l'argument ``donnees`` s'il est donné,
sinon la variable d'environnement ``ANALYSE_DONNEES``, sinon ``data/`` à la racine du
projet ; un chemin relatif est pris depuis la racine du projet, jamais depuis le
dossier courant.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from analyse import config
from analyse.donnees import stockage

VARIABLE_DONNEES = "ANALYSE_DONNEES"


def racine_donnees(donnees: Path | str | None = None) -> Path:
    """Racine des données (qui contient ``raw/`` et ``processed/``), en chemin absolu.

    >>> racine_donnees("/srv/barometre") == Path("/srv/barometre")
    True
    >>> racine_donnees("data") == config.RACINE / "data"
    True
    """
    if donnees is None:
        donnees = os.environ.get(VARIABLE_DONNEES) or config.DONNEES
    return config.resoudre_chemin(donnees)


class Tables(dict):
    """Tables préparées chargées : un dictionnaire nom → DataFrame, lisible aussi par attribut.

    ``tables["scores"]`` ou ``tables.scores`` ; ``tables.annees`` : éditions chargées ;
    ``tables.racine`` : racine des données ; ``tables.demo`` : données fictives de démonstration.

    >>> t = Tables({"scores": pd.DataFrame({"annee": [2022]})}, annees=[2022], racine=Path("data"))
    >>> t.scores.shape, t.annees, t.demo
    ((1, 1), [2022], False)
    """

    def __init__(self, tables: dict, annees: list[int], racine: Path, demo: bool = False):
        super().__init__(tables)
        self.annees = list(annees)
        self.racine = Path(racine)
        self.demo = demo

    def __getattr__(self, nom: str) -> pd.DataFrame:
        try:
            return self[nom]
        except KeyError:
            raise AttributeError(
                f"Table « {nom} » non chargée (tables chargées : {', '.join(self) or 'aucune'})"
            ) from None

    def resume(self) -> pd.DataFrame:
        """Une ligne par table chargée : lignes, colonnes et éditions présentes.

        >>> Tables({"scores": pd.DataFrame({"annee": [2021, 2022]})}, [2021, 2022], Path("d")).resume()
            table  lignes  colonnes     editions
        0  scores       2         1  2021 à 2022
        """
        lignes = []
        for nom, table in self.items():
            presentes = sorted(table["annee"].unique()) if "annee" in table and len(table) else []
            editions = f"{presentes[0]} à {presentes[-1]}" if len(presentes) > 1 else ", ".join(map(str, presentes))
            lignes.append({"table": nom, "lignes": len(table), "colonnes": table.shape[1], "editions": editions})
        return pd.DataFrame(lignes, columns=["table", "lignes", "colonnes", "editions"])


def tables_disponibles(donnees: Path | str | None = None) -> list[str]:
    """Tables préparées présentes sous ``processed/`` (dans l'ordre de ``config.TABLES``).

    >>> tables_disponibles("/dossier/absent")
    []
    """
    processed = stockage.dossier_publie(racine_donnees(donnees))
    return [nom for nom in config.TABLES if any((processed / nom).glob("annee=*"))]


def _liste_annees(annees) -> list[int] | None:
    if annees is None:
        return None
    if isinstance(annees, int | str):
        annees = [annees]
    try:
        return sorted({int(a) for a in annees})
    except (TypeError, ValueError):
        raise ValueError(f"Années invalides : {annees!r} (ex. 2022 ou [2021, 2022])") from None


def _liste_tables(tables, disponibles: list[str], processed: Path) -> list[str]:
    if tables is None:
        return disponibles
    demandees = [tables] if isinstance(tables, str) else list(tables)
    inconnues = [t for t in demandees if t not in config.TABLES]
    if inconnues:
        raise ValueError(f"Table(s) inconnue(s) : {', '.join(inconnues)} (tables connues : {', '.join(config.TABLES)})")
    absentes = [t for t in demandees if t not in disponibles]
    if absentes:
        raise FileNotFoundError(
            f"Table(s) non préparée(s) dans {processed} : {', '.join(absentes)} "
            f"(tables présentes : {', '.join(disponibles) or 'aucune'})"
        )
    return list(dict.fromkeys(demandees))


def _choisir_annees(annees, preparees: list[int], processed: Path) -> list[int]:
    demandees = _liste_annees(annees)
    if demandees is None:
        return preparees
    manquantes = [a for a in demandees if a not in preparees]
    if manquantes:
        raise FileNotFoundError(
            f"Édition(s) non préparée(s) dans {processed} : {', '.join(map(str, manquantes))} "
            f"(éditions préparées : {', '.join(map(str, preparees))}) ; "
            "lancez « analyse preparer --annee ANNEE »."
        )
    return demandees


def lire_annees(racine: Path, table: str, annees: list[int], publie: Path | None = None) -> pd.DataFrame:
    """Une table préparée restreinte à quelques éditions (filtre appliqué à la lecture Parquet) ;
    ``publie`` : dossier de l'état publié déjà résolu (``stockage.dossier_publie``)."""
    chemin = (publie or stockage.dossier_publie(racine)) / table
    resultat = pd.read_parquet(chemin, filters=[("annee", "in", annees)])
    resultat["annee"] = resultat["annee"].astype("int64")
    return resultat.sort_values("annee", kind="stable").reset_index(drop=True)


def charger(
    annees: int | Iterable[int] | None = None,
    tables: str | Iterable[str] | None = None,
    donnees: Path | str | None = None,
) -> Tables:
    """Charge les tables préparées en un appel.

    ``annees`` : une année, une liste, ou ``None`` pour toutes les éditions préparées ;
    ``tables`` : un nom, une liste (voir ``config.TABLES``), ou ``None`` pour toutes les tables
    présentes ; ``donnees`` : racine des données (voir ``racine_donnees``).
    Les colonnes ont les types des schémas (``docs/dictionnaire-donnees.md``) ;
    une table facultative absente d'une édition (enquête, avis…) y est simplement vide.

    >>> charger(donnees="/dossier/absent")
    Traceback (most recent call last):
    FileNotFoundError: Aucune édition préparée dans /dossier/absent/processed : lancez « analyse preparer --toutes ».
    """
    racine = racine_donnees(donnees)
    processed = config.dossier_processed(racine)
    publie = stockage.dossier_publie(racine)  # résolu une fois : toutes les tables d'une même version
    preparees = stockage.annees_publiees(publie)
    if not preparees:
        raise FileNotFoundError(f"Aucune édition préparée dans {processed} : lancez « analyse preparer --toutes ».")
    disponibles = [nom for nom in config.TABLES if any((publie / nom).glob("annee=*"))]
    noms = _liste_tables(tables, disponibles, processed)
    choisies = _choisir_annees(annees, preparees, processed)
    chargees = {nom: lire_annees(racine, nom, choisies, publie) for nom in noms}
    return Tables(chargees, annees=choisies, racine=racine, demo=config.est_demo(racine))
