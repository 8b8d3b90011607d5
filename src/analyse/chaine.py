"""Chaîne de préparation complète d'une édition : fichiers du contrat et canaux d'écoute.

``analyse.donnees.preparation`` prépare les fichiers du contrat (participants, grille,
audits, enquête, avis) ; les canaux d'écoute facultatifs (signaux, appels, Services
Publics +) viennent de ``analyse.ecoute``, une étape au-dessus. Ce module les réunit
pour la commande ``analyse preparer``, les tests et les bancs d'essai.
"""

from __future__ import annotations

from analyse.config import PARAMETRES, Parametres
from analyse.donnees import preparation
from analyse.donnees.preparation import Edition
from analyse.ecoute.preparation import preparer_ecoute

COMPLEMENTS = (preparer_ecoute,)


def preparer_edition(donnees, annee: int, parametres: Parametres = PARAMETRES, editions=None) -> Edition:
    """Lit, valide et note une édition avec ses canaux d'écoute ; rien n'est écrit.

    >>> preparer_edition("data", 2022).tables["scores"]  # doctest: +SKIP
    """
    return preparation.preparer_edition(donnees, annee, parametres, editions, complements=COMPLEMENTS)
