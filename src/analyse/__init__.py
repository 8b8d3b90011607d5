"""Baromètre Expérience Citoyen — espace d'analyse.

Paquet partagé : lecture et validation des fichiers bruts, notation, agrégats,
données de démonstration et production des rapports.
"""

__version__ = "0.1.0"
