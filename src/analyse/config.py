"""Chemins du projet et paramètres de méthode (un seul endroit pour les deux).

Les valeurs par défaut suivent ``shared/specs/methodologie.md`` ; chaque rapport
indique les valeurs qu'il a utilisées.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import json
import os
import secrets
from pathlib import Path
from types import MappingProxyType

RACINE = Path(__file__).resolve().parents[2]
DONNEES = RACINE / "data"
RAPPORTS = RACINE / "rapports"
NOTEBOOKS = RACINE / "notebooks"

FICHIER_VERITE_DEMO = "verite_demo.json"
NOM_NOYAU = "analyse"

TABLES = (
    "editions",
    "participants",
    "grille",
    "contacts",
    "reponses",
    "textes_audit",
    "enquete",
    "avis",
    "scores",
    "rejets",
    "signaux",  # canaux d'écoute (facultatifs) : analyse.ecoute.signaux
    "appels",
    "indicateurs_spplus",
    "themes_spplus",
)


@dataclasses.dataclass(frozen=True)
class Parametres:
    """Paramètres de méthode, validés (figés ; une clé inconnue est refusée).

    >>> Parametres().seuil_performance
    75.0
    """

    seuil_performance: float = 75.0
    n_bootstrap: int = 1000
    niveau_confiance: float = 0.95
    graine: int = 2012
    poids_canaux: MappingProxyType | None = None  # None = poids égaux
    min_contacts_canal: int = 3  # repère affiché : contacts par canal conseillés
    largeur_fragile: float = 30.0  # intervalle plus large (points) : score de structure fragile
    min_structures_groupe: int = 10  # en dessous : groupe fragile
    taille_min_agregat: int = 5  # en dessous : agrégat supprimé ou fusionné
    tolerance_dates_jours: int = 31  # écart admis autour de la période de terrain

    def __post_init__(self):
        if not 0 < self.niveau_confiance < 1:
            raise ValueError("niveau_confiance doit être compris entre 0 et 1")
        if not self.largeur_fragile > 0:
            raise ValueError("largeur_fragile doit être strictement positive")
        if self.n_bootstrap < 1:
            raise ValueError("n_bootstrap doit être au moins 1")
        if self.poids_canaux is not None:
            object.__setattr__(self, "poids_canaux", MappingProxyType(dict(self.poids_canaux)))

    @classmethod
    def depuis_dict(cls, valeurs: dict) -> Parametres:
        """Construit des paramètres depuis un dictionnaire, en refusant les clés inconnues.

        >>> Parametres.depuis_dict({"n_bootstrap": 200}).n_bootstrap
        200
        """
        connues = {f.name for f in dataclasses.fields(cls)}
        inconnues = sorted(set(valeurs) - connues)
        if inconnues:
            raise ValueError(f"Paramètre(s) inconnu(s) : {', '.join(inconnues)}")
        return cls(**valeurs)

    def vers_dict(self) -> dict:
        """Les paramètres sous forme de dictionnaire simple (pour les annexes)."""
        d = dataclasses.asdict(self)
        if self.poids_canaux is not None:
            d["poids_canaux"] = dict(self.poids_canaux)
        return d


PARAMETRES = Parametres()


def dossier_raw(donnees: Path | str) -> Path:
    """Dossier des fichiers bruts d'une racine de données."""
    return Path(donnees) / "raw"


def dossier_processed(donnees: Path | str) -> Path:
    """Dossier des tables préparées d'une racine de données."""
    return Path(donnees) / "processed"


def resoudre_chemin(chemin: Path | str) -> Path:
    """Chemin absolu ; un chemin relatif est pris depuis la racine du projet
    (les notebooks s'exécutent dans le dossier du rapport, pas à la racine).

    >>> resoudre_chemin("data") == RACINE / "data"
    True
    """
    chemin = Path(chemin).expanduser()
    return chemin if chemin.is_absolute() else RACINE / chemin


def est_demo(donnees: Path | str) -> bool:
    """Vrai si la racine de données contient les données fictives de démonstration.

    >>> est_demo("/dossier/absent")
    False
    """
    return (resoudre_chemin(donnees) / FICHIER_VERITE_DEMO).exists()


def preparer_parametres(valeurs: dict | None = None) -> Parametres:
    """Paramètres de méthode d'un rapport : défauts de ``Parametres``, modifiés par ``valeurs``.

    >>> preparer_parametres({"n_bootstrap": 200}).n_bootstrap
    200
    """
    return Parametres.depuis_dict(dict(valeurs or {}))


def lire_verite_demo(donnees: Path | str) -> dict:
    """Les vérités plantées par ``analyse demo`` (fichier à côté de ``raw/``)."""
    return json.loads((Path(donnees) / FICHIER_VERITE_DEMO).read_text(encoding="utf-8"))


# --- clé de pseudonymisation des codes d'enquêteurs -------------------------------------

VARIABLE_CLE = "ANALYSE_CLE_PSEUDONYMISATION"  # la clé elle-même (prioritaire)
VARIABLE_FICHIER_CLE = "ANALYSE_FICHIER_CLE"  # où garder la clé de l'installation
CLE_DEMO = "barometre-experience-citoyen-demo"  # clé fixe, seulement pour les données de démonstration


class ErreurConfiguration(Exception):
    """Réglage de l'installation invalide (p. ex. fichier de clé dans le dépôt) ; message en français."""


_CLE_EN_USAGE: contextvars.ContextVar[bytes | None] = contextvars.ContextVar("cle_en_usage", default=None)


def fichier_cle() -> Path:
    """Fichier de la clé de l'installation : ``$ANALYSE_FICHIER_CLE``, sinon
    ``$XDG_CONFIG_HOME/analyse/cle_pseudonymisation`` (``~/.config/analyse/…`` par défaut)."""
    if os.environ.get(VARIABLE_FICHIER_CLE):
        return Path(os.environ[VARIABLE_FICHIER_CLE]).expanduser().resolve()
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return (base / "analyse" / "cle_pseudonymisation").expanduser().resolve()


def cle_pseudonymisation(donnees: Path | str | None = None) -> bytes:
    """Clé secrète des pseudonymes : clé en cours d'usage, sinon ``$ANALYSE_CLE_PSEUDONYMISATION``,
    sinon clé fixe des données de démonstration, sinon clé de l'installation (créée au premier
    usage). Jamais imprimée ni écrite dans les sorties.

    >>> cle_pseudonymisation(None) == cle_pseudonymisation(None)
    True
    """
    en_usage = _CLE_EN_USAGE.get()
    if en_usage is not None:
        return en_usage
    if os.environ.get(VARIABLE_CLE):
        return os.environ[VARIABLE_CLE].encode()
    if donnees is not None and est_demo(donnees):
        return CLE_DEMO.encode()
    return _cle_installation(fichier_cle())


@contextlib.contextmanager
def cle_en_usage(cle: bytes):
    """Fixe la clé utilisée par la pseudonymisation pendant une préparation."""
    jeton = _CLE_EN_USAGE.set(cle)
    try:
        yield cle
    finally:
        _CLE_EN_USAGE.reset(jeton)


def _creer_cle(chemin: Path) -> None:
    """Écrit une clé aléatoire de 256 bits, lisible par le seul propriétaire (dossier 700, fichier 600)."""
    chemin.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        descripteur = os.open(chemin, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # créée entre-temps par un autre processus
        return
    with os.fdopen(descripteur, "w", encoding="ascii") as fichier:
        fichier.write(secrets.token_hex(32) + "\n")


def _cle_installation(chemin: Path) -> bytes:
    """Lit la clé de l'installation, ou la crée (aléatoire, droits du propriétaire seul)."""
    if chemin.is_relative_to(RACINE):
        raise ErreurConfiguration(
            f"{VARIABLE_FICHIER_CLE} désigne {chemin}, dans le dépôt : la clé secrète doit vivre "
            "hors du dépôt (p. ex. ~/.config/analyse/cle_pseudonymisation)."
        )
    try:
        if not chemin.exists():
            _creer_cle(chemin)
        cle = chemin.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as erreur:
        raise ErreurConfiguration(
            f"clé de pseudonymisation illisible ou impossible à créer dans {chemin} "
            f"({erreur.__class__.__name__}) : définissez {VARIABLE_FICHIER_CLE} (fichier hors "
            f"du dépôt) ou {VARIABLE_CLE}"
        ) from None
    if len(cle) < 16:
        raise ErreurConfiguration(f"clé de pseudonymisation trop courte ou vide dans {chemin} (16 caractères au moins)")
    return cle.encode()
