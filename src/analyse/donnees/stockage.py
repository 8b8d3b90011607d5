"""Écriture et lecture des tables préparées : Parquet partitionné par ``annee`` (hive).

Publication atomique. Dans ``processed/``, chaque publication est une version complète de
toutes les tables (``processed/.versions/v-NNNNNN/``) ; le lien symbolique
``processed/.courante`` désigne la version publiée et ``processed/<table>`` est un lien fixe vers
``.courante/<table>`` (``pandas.read_parquet("data/processed/scores")`` marche comme avant). Une
préparation écrit ses tables dans un dossier de travail (``.versions/.en_cours-*``), y ajoute
par liens physiques les partitions qu'elle ne change pas, force tout sur le disque (``fsync``
des fichiers et des dossiers), nomme la version, puis bascule ``.courante`` par **un seul**
``rename`` atomique. Quel que soit l'instant d'un arrêt brutal, la commande suivante voit toute
l'ancienne version ou toute la nouvelle ; les restes d'une préparation interrompue sont
retirés par la suivante (``recuperer``). La version précédente est gardée (lectures en cours),
les plus anciennes sont retirées. Les lecteurs de ce module résolvent ``.courante`` une fois
(``dossier_publie``) : ils ne mélangent jamais deux versions.

Un ancien ``processed/`` (tables en dossiers ordinaires) est lu tel quel jusqu'à la première
publication, qui remplace ses dossiers de tables par les liens fixes après la bascule.

Une édition déjà préparée n'est pas remplacée par bien moins qu'elle ne contient (plus de
``SEUIL_BAISSE`` de participants ou de contacts en moins) sans ``remplacer=True`` (option
``--remplacer`` de la commande). Une seule préparation à la fois par racine de données
(``verrou``).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import json
import os
import shutil
import sys
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
VERSIONS = ".versions"  # dans processed/
POINTEUR = ".courante"  # processed/.courante -> .versions/v-NNNNNN : la version publiée
PREFIXE_TRAVAIL = ".en_cours-"
PREFIXE_VERSION = "v-"
PREFIXE_ANCIEN = "ancien-"
PREFIXE_LIEN = ".courante-nouvelle-"
VERSIONS_GARDEES = 2  # la version publiée et la précédente (lecteurs en cours)
NOM_VERROU = ".preparation.lock"  # dans la racine des données


class RemplacementRefuse(ErreurDonnees):
    """Une préparation remplacerait une édition déjà préparée par bien moins qu'elle ne contient."""


class VerrouOccupe(Exception):
    """Une autre commande tient le verrou (préparation de la même racine, lot du même dossier)."""


# --------------------------------------------------------------------------- verrous


@contextlib.contextmanager
def verrou(chemin: Path | str, quoi: str, attente: float | None = None):
    """Verrou exclusif entre processus (``filelock``, libéré par le système si le processus meurt).

    ``attente`` : ``None`` attend sans limite (message une fois), ``0`` refuse tout de suite,
    sinon attend au plus ce nombre de secondes ; un refus lève ``VerrouOccupe``.

    >>> import tempfile
    >>> with verrou(Path(tempfile.mkdtemp()) / "x.lock", "un essai"):
    ...     pass
    """
    from filelock import FileLock, Timeout

    chemin = Path(chemin)
    chemin.parent.mkdir(parents=True, exist_ok=True)
    qui = chemin.with_name(chemin.name + ".qui")
    serrure = FileLock(str(chemin), thread_local=False)
    try:
        serrure.acquire(timeout=0)
    except Timeout:
        titulaire = _titulaire(qui)
        if attente is not None and attente <= 0:
            raise VerrouOccupe(f"{quoi} est déjà en cours{titulaire} (verrou {chemin}) : rien n'est fait.") from None
        limite = "" if attente is None else f" (au plus {attente:g} s)"
        print(f"{quoi} est déjà en cours{titulaire} : attente de sa fin{limite}…", file=sys.stderr, flush=True)
        try:
            serrure.acquire(timeout=-1 if attente is None else attente)
        except Timeout:
            raise VerrouOccupe(
                f"{quoi} est toujours en cours{titulaire} après {attente:g} s d'attente (verrou {chemin}) : "
                "rien n'est fait."
            ) from None
    try:
        _ecrire_titulaire(qui)
        yield
    finally:
        serrure.release()


def _ecrire_titulaire(qui: Path) -> None:
    with contextlib.suppress(OSError):
        qui.write_text(
            json.dumps({"pid": os.getpid(), "debut": _dt.datetime.now().isoformat(timespec="seconds")}),
            encoding="utf-8",
        )


def _titulaire(qui: Path) -> str:
    try:
        info = json.loads(qui.read_text(encoding="utf-8"))
        return f" (processus {int(info['pid'])}, depuis {info['debut']})"
    except (OSError, ValueError, KeyError, TypeError):
        return ""


def verrou_preparation(donnees, attente: float | None = None):
    """Verrou d'une préparation : une seule à la fois par racine de données."""
    return verrou(Path(donnees) / NOM_VERROU, f"Une préparation de {Path(donnees)}", attente)


# --------------------------------------------------------------------------- état publié


def dossier_versions(donnees) -> Path:
    """Dossier des versions (``processed/.versions``)."""
    return dossier_processed(donnees) / VERSIONS


def dossier_publie(donnees) -> Path:
    """Dossier de l'état publié des tables, résolu une fois (un lecteur qui lit plusieurs tables
    à partir de ce chemin ne peut pas mélanger deux versions) ; ``processed/`` lui-même avant la
    première publication atomique (ou dans une copie).

    >>> dossier_publie("/dossier/absent")
    PosixPath('/dossier/absent/processed')
    """
    processed = dossier_processed(donnees)
    pointeur = processed / POINTEUR
    if pointeur.is_symlink():
        return Path(os.path.realpath(pointeur))
    return processed


def _fsync(chemin: Path) -> None:
    """Force un fichier ou un dossier sur le disque."""
    descripteur = os.open(chemin, os.O_RDONLY)
    try:
        os.fsync(descripteur)
    finally:
        os.close(descripteur)


def _renommer(source: Path, cible: Path) -> None:
    os.replace(source, cible)


def _lier(source: str, cible: str) -> None:
    """Lien physique (la partition n'est jamais réécrite en place), copie à défaut."""
    try:
        os.link(source, cible)
    except OSError:
        shutil.copy2(source, cible)


def _numero(version: Path) -> int:
    try:
        return int(version.name[len(PREFIXE_VERSION) :])
    except ValueError:
        return 0


def recuperer(donnees) -> list[str]:
    """Remet en ordre ``processed/`` après une préparation interrompue (appelée sous le verrou) ;
    renvoie ce qui a été fait, en phrases françaises.

    Dossiers de travail, liens en attente, versions jamais publiées et anciennes versions sont
    retirés ; les liens fixes des tables sont rétablis. L'état publié ne change pas.
    """
    processed, versions = dossier_processed(donnees), dossier_versions(donnees)
    for lien in processed.glob(PREFIXE_LIEN + "*"):
        lien.unlink(missing_ok=True)
    restes = [*versions.glob(PREFIXE_TRAVAIL + "*"), *versions.glob(PREFIXE_ANCIEN + "*")]
    restes += list(processed.glob(PREFIXE_TRAVAIL + "*"))  # restes de l'écriture d'avant les versions
    for reste in restes:
        shutil.rmtree(reste, ignore_errors=True)
    faits = [f"{len(restes)} reste(s) de préparation interrompue retiré(s)"] if restes else []
    if (processed / POINTEUR).is_symlink():
        _lier_tables(processed, versions / f"{PREFIXE_ANCIEN}reprise")
    _retirer_vieilles_versions(donnees)
    return faits


def _lier_tables(processed: Path, mise_de_cote: Path) -> None:
    """Liens fixes ``processed/<table>`` -> ``.courante/<table>`` pour les tables de la version
    publiée (aucun lien brisé pour une table absente) ; un ancien dossier de table ordinaire est
    mis de côté puis retiré (lecteurs directs de ``processed/<table>``)."""
    publiee = Path(os.path.realpath(processed / POINTEUR))
    for nom in TABLES:
        chemin, cible = processed / nom, f"{POINTEUR}/{nom}"
        presente = (publiee / nom).is_dir()
        if chemin.is_symlink() and os.readlink(chemin) == cible and presente:
            continue
        if chemin.exists() or chemin.is_symlink():
            mise_de_cote.mkdir(parents=True, exist_ok=True)
            _renommer(chemin, mise_de_cote / nom)
        if presente:
            lien = processed / f"{PREFIXE_LIEN}{nom}"
            lien.unlink(missing_ok=True)
            os.symlink(cible, lien)
            _renommer(lien, chemin)
    _fsync(processed)
    shutil.rmtree(mise_de_cote, ignore_errors=True)


def _retirer_vieilles_versions(donnees) -> None:
    """Retire les versions ni publiées ni précédentes (toutes si aucune n'a été publiée)."""
    versions = dossier_versions(donnees)
    candidates = sorted(versions.glob(PREFIXE_VERSION + "*"), key=_numero)
    if (dossier_processed(donnees) / POINTEUR).is_symlink():
        publiee = dossier_publie(donnees)
        if publiee.parent != versions.resolve():
            return
        precedentes = [v.name for v in candidates if _numero(v) < _numero(publiee)][-(VERSIONS_GARDEES - 1) :]
        gardees = {publiee.name, *precedentes}
    else:
        gardees = set()
    for version in candidates:
        if version.name not in gardees:
            shutil.rmtree(version, ignore_errors=True)


# --------------------------------------------------------------------------- écriture


def _ecrire_partition(table: pd.DataFrame, dossier: Path) -> None:
    dossier.mkdir(parents=True, exist_ok=True)
    donnees = pa.Table.from_pandas(table.drop(columns="annee"), preserve_index=False)
    pq.write_table(donnees, dossier / "part-0.parquet", compression="zstd")


class Ecriture:
    """Écriture groupée de plusieurs éditions, publiée d'un coup à la fin (un seul ``rename``).

    Tient le verrou de préparation de la racine (``attente`` : voir ``verrou``) de l'entrée
    dans le bloc ``with`` à la publication ; les restes d'une préparation interrompue sont
    retirés à l'entrée (``self.recuperation`` dit ce qui a été fait).
    """

    def __init__(self, donnees, remplacer: bool = False, attente: float | None = None):
        self.racine = Path(donnees)
        self.pointeur = dossier_processed(donnees) / POINTEUR
        self.processed = dossier_processed(donnees)
        self.versions = dossier_versions(donnees)
        self.ident = uuid.uuid4().hex[:8]
        self.travail = self.versions / f"{PREFIXE_TRAVAIL}{self.ident}"
        self.annees = []
        self.remplacer = remplacer
        self.attente = attente
        self.recuperation: list[str] = []
        self._verrou = None

    def ajouter(self, annee: int, tables: dict, fichiers: dict | None = None) -> None:
        """Valide chaque table contre son schéma et l'écrit dans le dossier de travail.

        ``fichiers`` : table -> fichier brut d'origine, nommé si le remplacement est refusé."""
        if not self.remplacer:
            verifier_baisse(dossier_publie(self.racine), annee, tables, fichiers or {})
        for nom, table in tables.items():
            _ecrire_partition(valider(nom, table), self.travail / nom / f"annee={annee}")
        self.annees.append(annee)

    def publier(self) -> None:
        """Publie les éditions ajoutées : nouvelle version complète (une table absente d'une édition
        préparée en est retirée), puis bascule atomique du lien ``processed``."""
        try:
            self.travail.mkdir(parents=True, exist_ok=True)
            self._completer_version()
            self._forcer_sur_disque()
            version = self._nommer_version()
            self._basculer(version)
        finally:
            self.abandonner()
        _retirer_vieilles_versions(self.racine)

    def _completer_version(self) -> None:
        """Ajoute à la version en travail, par liens physiques, les partitions que la publication ne remplace pas."""
        actuelle = dossier_publie(self.racine)
        remplacees = {f"annee={a}" for a in self.annees}
        for nom in TABLES:
            table = actuelle / nom
            if not table.is_dir():
                continue
            for partition in sorted(table.iterdir()):
                if partition.name not in remplacees and not partition.name.startswith("."):
                    cible = self.travail / nom / partition.name
                    cible.parent.mkdir(parents=True, exist_ok=True)
                    if partition.is_dir():
                        shutil.copytree(partition, cible, copy_function=_lier)
                    else:
                        _lier(str(partition), str(cible))

    def _forcer_sur_disque(self) -> None:
        """``fsync`` de chaque fichier, puis de chaque dossier de la version (du plus profond au plus haut)."""
        dossiers = [self.travail]
        for parent, noms_dossiers, noms_fichiers in os.walk(self.travail):
            for nom in sorted(noms_fichiers):
                _fsync(Path(parent) / nom)
            dossiers += [Path(parent) / nom for nom in sorted(noms_dossiers)]
        for dossier in sorted(dossiers, key=lambda d: len(d.parts), reverse=True):
            _fsync(dossier)

    def _nommer_version(self) -> Path:
        existantes = [_numero(v) for v in self.versions.glob(PREFIXE_VERSION + "*")]
        version = self.versions / f"{PREFIXE_VERSION}{max(existantes, default=0) + 1:06d}"
        _renommer(self.travail, version)
        _fsync(self.versions)
        return version

    def _basculer(self, version: Path) -> None:
        """Le seul changement visible : ``rename`` d'un nouveau lien sur ``processed/.courante``."""
        lien = self.processed / f"{PREFIXE_LIEN}{self.ident}"
        mise_de_cote = self.versions / f"{PREFIXE_ANCIEN}{self.ident}"
        os.symlink(os.path.relpath(version, self.processed), lien)
        _fsync(self.processed)
        if self.pointeur.is_dir() and not self.pointeur.is_symlink():  # copie d'un processed/ : pas un pointeur
            mise_de_cote.mkdir(parents=True, exist_ok=True)
            _renommer(self.pointeur, mise_de_cote / POINTEUR)
        _renommer(lien, self.pointeur)
        _fsync(self.processed)
        _lier_tables(self.processed, mise_de_cote)

    def abandonner(self) -> None:
        """Supprime le dossier de travail (rien n'est publié)."""
        shutil.rmtree(self.travail, ignore_errors=True)
        (self.processed / f"{PREFIXE_LIEN}{self.ident}").unlink(missing_ok=True)

    def __enter__(self):
        self._verrou = verrou_preparation(self.racine, self.attente)
        self._verrou.__enter__()
        try:
            self.recuperation = recuperer(self.racine)
        except BaseException:
            self._verrou.__exit__(*sys.exc_info())
            raise
        return self

    def __exit__(self, type_erreur, *details):
        try:
            if type_erreur is None:
                self.publier()
            else:
                self.abandonner()
        finally:
            self._verrou.__exit__(type_erreur, *details)
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
    chemin = dossier_publie(donnees) / table
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
    """Années dont la table ``scores`` est préparée (état publié)."""
    return annees_publiees(dossier_publie(donnees))


def annees_publiees(publie: Path) -> list[int]:
    """Années de la table ``scores`` d'un état publié déjà résolu (``dossier_publie``)."""
    chemin = Path(publie) / "scores"
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
