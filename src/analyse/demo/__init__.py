"""Données fictives de démonstration (dix éditions, canaux d'écoute) et leurs vérités plantées."""

from analyse.demo.editions import ANNEES, generer_demo

__all__ = ["ANNEES", "generer_demo"]
