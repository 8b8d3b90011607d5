"""Canaux d'écoute : signaux, appels, import Services Publics +, lexique des déterminants."""

from analyse.ecoute import schemas as _schemas  # noqa: F401 (enregistre les schémas des tables d'écoute)
