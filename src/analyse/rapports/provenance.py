"""Provenance d'un document : ce qu'il faut pour le refaire à l'identique.

``provenance(...)`` rassemble les données (un dictionnaire simple, sérialisable en JSON) :
date, version du paquet, racine des données en chemin RELATIF (jamais le chemin absolu du
serveur), empreinte des tables préparées, paramètres, et versions des bibliothèques qui
font les nombres (pandas, numpy, statsmodels, scipy). ``page_provenance(...)`` en fait la
dernière page HTML d'un rapport.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import platform
from importlib import metadata
from pathlib import Path, PurePath

from analyse import __version__, config

BIBLIOTHEQUES = ("pandas", "numpy", "statsmodels", "scipy")
HORS_PROJET = "…"


def versions_bibliotheques(noms=BIBLIOTHEQUES) -> dict[str, str]:
    """Versions installées des bibliothèques qui font les nombres (« absente » si non installée).

    >>> sorted(versions_bibliotheques())
    ['numpy', 'pandas', 'scipy', 'statsmodels']
    >>> versions_bibliotheques(["bibliotheque-inexistante"])
    {'bibliotheque-inexistante': 'absente'}
    """
    versions = {}
    for nom in noms:
        try:
            versions[nom] = metadata.version(nom)
        except metadata.PackageNotFoundError:
            versions[nom] = "absente"
    return versions


def chemin_relatif(chemin: Path | str, bases=()) -> str:
    """Chemin relatif à la racine du projet (ou au parent d'une des ``bases``) ; jamais absolu.

    Un chemin hors du projet et des bases est réduit à son nom, précédé de « …/ ».

    >>> chemin_relatif(config.RACINE / "data" / "processed")
    'data/processed'
    >>> chemin_relatif("/srv/barometre/data/processed", bases=["/srv/barometre/data"])
    'data/processed'
    >>> chemin_relatif("/srv/ailleurs/data")
    '…/data'
    >>> chemin_relatif("notebooks/etudes")
    'notebooks/etudes'
    """
    chemin = PurePath(chemin)
    if not chemin.is_absolute():
        return chemin.as_posix()
    for base in (config.RACINE, *(PurePath(b).parent for b in bases)):
        if chemin.is_relative_to(base):
            return chemin.relative_to(base).as_posix() or "."
    return f"{HORS_PROJET}/{chemin.name}"


def parametres_relatifs(parametres: dict | None, bases=()) -> dict:
    """Copie des paramètres où tout chemin absolu devient relatif (``chemin_relatif``).

    >>> parametres_relatifs({"annee": 2022, "donnees": "/srv/x/data"}, bases=["/srv/x/data"])
    {'annee': 2022, 'donnees': 'data'}
    """
    resultat = {}
    for nom, valeur in (parametres or {}).items():
        est_chemin = isinstance(valeur, PurePath) or (isinstance(valeur, str) and valeur.startswith(("/", "~")))
        resultat[nom] = chemin_relatif(Path(valeur).expanduser(), bases) if est_chemin else valeur
    return resultat


def fichiers_donnees(donnees: Path | str, tables=None, annees=None) -> list[Path]:
    """Fichiers Parquet des tables préparées retenues (toutes les tables et éditions par défaut), dans
    l'état publié (``stockage.dossier_publie``)."""
    from analyse.donnees.stockage import dossier_publie

    return _fichiers_publies(dossier_publie(donnees), tables, annees)


def _fichiers_publies(processed: Path, tables=None, annees=None) -> list[Path]:
    noms = config.TABLES if tables is None else tables
    retenues = None if annees is None else {int(a) for a in annees}
    fichiers = []
    for nom in noms:
        for partition in (processed / nom).glob("annee=*"):
            if retenues is None or int(partition.name.split("=", 1)[1]) in retenues:
                fichiers.extend(partition.glob("*.parquet"))
    return sorted(fichiers)


def empreinte_fichiers(fichiers, base: Path | str) -> str:
    """SHA-256 du contenu et des chemins (relatifs à ``base``) d'une liste de fichiers.

    >>> len(empreinte_fichiers([], "/dossier/absent"))
    64
    """
    empreinte = hashlib.sha256()
    for chemin in sorted(Path(f) for f in fichiers):
        empreinte.update(chemin.relative_to(base).as_posix().encode("utf-8") + b"\0")
        with open(chemin, "rb") as flux:
            for bloc in iter(lambda: flux.read(1 << 20), b""):
                empreinte.update(bloc)
    return empreinte.hexdigest()


def empreinte_donnees(donnees: Path | str, tables=None, annees=None) -> str:
    """SHA-256 des tables préparées retenues (change si une seule valeur change).

    >>> len(empreinte_donnees("/dossier/absent"))
    64
    """
    from analyse.donnees.stockage import dossier_publie

    processed = dossier_publie(donnees)  # résolu une fois : une seule version
    return empreinte_fichiers(_fichiers_publies(processed, tables, annees), processed)


def provenance(
    donnees: Path | str,
    parametres: dict | None = None,
    notebook: Path | str | None = None,
    tables=None,
    annees=None,
    maintenant: _dt.datetime | None = None,
) -> dict:
    """Données de provenance d'un document (dictionnaire simple, sans chemin absolu).

    >>> p = provenance("/dossier/absent/data", {"seuil": 75}, maintenant=_dt.datetime(2026, 1, 2, 3, 4))
    >>> p["donnees"], p["parametres"], p["date"], sorted(p["bibliotheques"])[:2]
    ('…/data', {'seuil': 75}, '2026-01-02T03:04:00', ['numpy', 'pandas'])
    """
    racine = config.resoudre_chemin(donnees)
    resultat = {
        "date": (maintenant or _dt.datetime.now()).isoformat(timespec="seconds"),
        "version": __version__,
        "donnees": chemin_relatif(racine),
        "demo": config.est_demo(racine),
        "empreinte_donnees": empreinte_donnees(racine, tables, annees),
        "parametres": parametres_relatifs(parametres, bases=[racine]),
        "bibliotheques": versions_bibliotheques(),
        "python": platform.python_version(),
    }
    if notebook is not None:
        resultat["notebook"] = chemin_relatif(Path(notebook).resolve())
        resultat["empreinte_notebook"] = hashlib.sha256(Path(notebook).read_bytes()).hexdigest()
    return resultat


LIBELLES = {
    "date": "Date de production",
    "version": "Version du paquet analyse",
    "donnees": "Racine des données (chemin relatif)",
    "demo": "Données fictives de démonstration",
    "parametres": "Paramètres",
    "empreinte_donnees": "Empreinte des données (SHA-256)",
    "notebook": "Notebook",
    "empreinte_notebook": "Empreinte du notebook (SHA-256)",
    "bibliotheques": "Bibliothèques de calcul",
    "python": "Python",
}
EMPREINTES = {"empreinte_donnees", "empreinte_notebook"}


def _valeur_texte(cle: str, valeur) -> str:
    if isinstance(valeur, dict):
        return ", ".join(f"{k} = {v}" for k, v in valeur.items()) or "aucun"
    if isinstance(valeur, bool):
        return "oui" if valeur else "non"
    return str(valeur)


def page_provenance(donnees_provenance: dict, note: str = "") -> str:
    """Dernière page HTML d'un rapport : un tableau des éléments de provenance présents.

    >>> page = page_provenance({"version": "0.1.0", "bibliotheques": {"pandas": "3.1.1"}})
    >>> "pandas = 3.1.1" in page and "Provenance du document" in page
    True
    """
    from analyse.rapports.gabarits import rendre

    lignes = [
        (libelle, _valeur_texte(cle, donnees_provenance[cle]), cle in EMPREINTES)
        for cle, libelle in LIBELLES.items()
        if cle in donnees_provenance
    ]
    return str(rendre("provenance.html.j2", lignes=lignes, note=note))
