"""Chemins du projet et paramètres de méthode (un seul endroit pour les deux).

Les valeurs par défaut suivent ``shared/specs/methodologie.md`` ; chaque rapport
indique les valeurs qu'il a utilisées.
"""

from __future__ import annotations

import dataclasses
import json
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
    def depuis_dict(cls, valeurs: dict) -> "Parametres":
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
