"""Validation des méthodes par simulation : données à vérité connue, vraie préparation,
couverture des intervalles comptée contre l'oracle (``methodologie.md``, « Incertitude »)."""
