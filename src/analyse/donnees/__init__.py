"""Étape 1 : des fichiers bruts aux tables préparées.

``from analyse.donnees import charger`` charge les tables préparées en un appel
(voir ``analyse.donnees.chargement``) ; l'import reste léger (chargement à l'usage).
"""

_EXPORTS = {"charger", "racine_donnees", "tables_disponibles", "Tables", "VARIABLE_DONNEES"}
__all__ = sorted(_EXPORTS)


def __getattr__(nom: str):
    if nom in _EXPORTS:
        from analyse.donnees import chargement

        return getattr(chargement, nom)
    raise AttributeError(f"module 'analyse.donnees' has no attribute {nom!r}")
