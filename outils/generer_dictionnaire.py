"""Régénère docs/dictionnaire-donnees.md depuis les schémas des tables (``make dictionnaire``).

Importe ``analyse.ecoute`` pour que les tables d'écoute soient enregistrées dans le registre
des schémas (l'étape ``donnees`` ne peut pas importer une étape supérieure).
"""

import sys

import analyse.ecoute  # noqa: F401 (enregistre les schémas des tables d'écoute)
from analyse.donnees import dictionnaire

if __name__ == "__main__":
    manquantes = dictionnaire.colonnes_sans_signification()
    if manquantes:
        print(
            "Colonnes sans signification dans analyse.donnees.dictionnaire.COLONNES : " + ", ".join(manquantes),
            file=sys.stderr,
        )
        sys.exit(1)
    print(f"Dictionnaire des données écrit : {dictionnaire.ecrire()}")
