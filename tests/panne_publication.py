"""Publication d'une édition dans un processus à part, tué (SIGKILL) à un point choisi.

Utilisé par ``tests/test_publication.py`` : les points sont les appels système qui changent
ou forcent l'état sur le disque (``POINTS``), comptés par instrumentation pendant
``Ecriture.publier`` ; aucun n'est énuméré à la main.
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

from analyse.donnees import stockage

POINTS = ("rename", "replace", "fsync", "symlink", "link")


def _instrumenter(appels: list, tuer_au: int | None) -> None:
    for nom in POINTS:
        vraie = getattr(os, nom)

        def enveloppe(*args, _vraie=vraie, _nom=nom, **options):
            appels.append(_nom)
            if tuer_au is not None and len(appels) == tuer_au:
                os.kill(os.getpid(), signal.SIGKILL)  # arrêt brutal, juste avant l'appel
            return _vraie(*args, **options)

        setattr(os, nom, enveloppe)


def publier(racine: str, ident: str, annees: list, tuer_au: int | None, journal: str | None) -> None:
    """Publie les éditions ``annees`` déjà écrites (``Ecriture.ajouter``) dans le dossier de travail
    ``ident`` de ``racine``, sous le verrou de préparation ; tué juste avant le ``tuer_au``-ième
    point ; ``journal`` reçoit la liste des points rencontrés."""
    ecriture = stockage.Ecriture(racine)
    ecriture.ident, ecriture.annees = ident, list(annees)
    ecriture.travail = ecriture.versions / f"{stockage.PREFIXE_TRAVAIL}{ident}"
    appels: list = []
    with stockage.verrou_preparation(racine, attente=0):
        _instrumenter(appels, tuer_au)
        ecriture.publier()
    if journal:
        Path(journal).write_text(json.dumps(appels), encoding="utf-8")
