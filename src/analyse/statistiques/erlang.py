"""Modèle d'Erlang C : attente au téléphone et nombre d'agents nécessaires par créneau.

Hypothèses du modèle (file M/M/N) : arrivées poissonniennes, durées de traitement
exponentielles, N agents interchangeables, appelants patients (aucun abandon) et
file illimitée. Avec A = trafic offert en erlangs (appels par heure × durée moyenne
de traitement en heures) et N > A agents :

- probabilité d'attendre C(N, A) (formule d'Erlang C, calculée par la récurrence
  stable d'Erlang B : B(0) = 1, B(n) = A·B(n−1) / (n + A·B(n−1)),
  C = N·B / (N − A·(1 − B))) ;
- niveau de service (part des appels décrochés en moins de t secondes)
  SL = 1 − C·exp(−(N − A)·t / DMT) ;
- attente moyenne ASA = C·DMT / (N − A).

Le modèle ignore les abandons : il surestime légèrement les besoins quand beaucoup
d'appelants raccrochent, ce qui va dans le sens de la prudence pour dimensionner
une équipe de renfort.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

HEURES_SEMAINE_ETP = 35.0  # durée légale hebdomadaire d'un temps plein
HEURES_AN_ETP = 1607.0  # durée annuelle d'un temps plein dans la fonction publique


def trafic_erlangs(appels_par_heure: float, duree_moyenne_secondes: float) -> float:
    """Trafic offert en erlangs : appels par heure × durée moyenne de traitement (heures).

    >>> trafic_erlangs(200, 180)
    10.0
    """
    return float(appels_par_heure) * float(duree_moyenne_secondes) / 3600.0


def erlang_b(trafic: float, agents: int) -> float:
    """Probabilité de blocage d'Erlang B (récurrence stable, sans factorielle).

    >>> round(erlang_b(2, 3), 4)
    0.2105
    """
    b = 1.0
    for n in range(1, int(agents) + 1):
        b = trafic * b / (n + trafic * b)
    return b


def probabilite_attente(trafic: float, agents: int) -> float:
    """Probabilité qu'un appel attende (Erlang C) ; 1 si les agents ne suffisent pas (N ≤ A).

    >>> round(probabilite_attente(2, 3), 4)
    0.4444
    """
    if trafic <= 0:
        return 0.0
    if agents <= trafic:
        return 1.0
    b = erlang_b(trafic, agents)
    return agents * b / (agents - trafic * (1 - b))


def niveau_service(trafic: float, agents: int, duree_moyenne_secondes: float, cible_secondes: float) -> float:
    """Part des appels décrochés en moins de ``cible_secondes`` (Erlang C).

    >>> round(niveau_service(10, 11, 180, 20), 4)
    0.3896
    """
    if trafic <= 0:
        return 1.0
    if agents <= trafic:
        return 0.0
    c = probabilite_attente(trafic, agents)
    return 1.0 - c * math.exp(-(agents - trafic) * cible_secondes / duree_moyenne_secondes)


def attente_moyenne(trafic: float, agents: int, duree_moyenne_secondes: float) -> float:
    """Attente moyenne (secondes) de tous les appels, servis ou non d'emblée (ASA).

    >>> round(attente_moyenne(10, 14, 180), 1)
    7.8
    """
    if trafic <= 0:
        return 0.0
    if agents <= trafic:
        return math.inf
    return probabilite_attente(trafic, agents) * duree_moyenne_secondes / (agents - trafic)


def agents_necessaires(
    trafic: float,
    duree_moyenne_secondes: float,
    cible_secondes: float = 30.0,
    objectif: float = 0.80,
    occupation_max: float | None = None,
) -> int:
    """Plus petit nombre d'agents qui atteint l'objectif de niveau de service.

    ``occupation_max`` (par exemple 0,85) impose en plus A / N ≤ occupation_max.
    Aucun appel attendu : 0 agent.

    >>> agents_necessaires(10, 180, 20, 0.80)
    14
    """
    if trafic <= 0:
        return 0
    n = max(1, math.floor(trafic) + 1)
    while niveau_service(trafic, n, duree_moyenne_secondes, cible_secondes) < objectif or (
        occupation_max is not None and trafic / n > occupation_max
    ):
        n += 1
    return n


def dimensionner(
    charge: pd.DataFrame, cible_secondes: float = 30.0, objectif: float = 0.80, occupation_max: float | None = None
) -> pd.DataFrame:
    """Agents nécessaires par créneau, niveau de service attendu et renfort à prévoir.

    ``charge`` : une ligne par créneau avec ``appels_par_heure``, ``duree_moyenne_secondes``
    et ``agents_actuels`` ; renvoie la même table enrichie de ``trafic_erlangs``,
    ``agents_necessaires``, ``niveau_service_actuel``, ``niveau_service_cible`` et
    ``renfort_agents`` (agents à ajouter, jamais négatif).

    >>> c = pd.DataFrame({"appels_par_heure": [200.0], "duree_moyenne_secondes": [180.0], "agents_actuels": [11]})
    >>> dimensionner(c, 20, 0.80)[["agents_necessaires", "renfort_agents"]].iloc[0].tolist()
    [14, 3]
    """
    resultat = charge.copy()
    trafic = [
        trafic_erlangs(a, d) if d == d else 0.0
        for a, d in zip(resultat["appels_par_heure"], resultat["duree_moyenne_secondes"])
    ]
    resultat["trafic_erlangs"] = trafic
    resultat["agents_necessaires"] = [
        agents_necessaires(a, d, cible_secondes, objectif, occupation_max) if a > 0 else 0
        for a, d in zip(trafic, resultat["duree_moyenne_secondes"])
    ]
    resultat["niveau_service_actuel"] = [
        niveau_service(a, int(n), d, cible_secondes) if a > 0 else np.nan
        for a, n, d in zip(trafic, resultat["agents_actuels"], resultat["duree_moyenne_secondes"])
    ]
    resultat["niveau_service_cible"] = [
        niveau_service(a, int(n), d, cible_secondes) if a > 0 else np.nan
        for a, n, d in zip(trafic, resultat["agents_necessaires"], resultat["duree_moyenne_secondes"])
    ]
    resultat["renfort_agents"] = np.maximum(resultat["agents_necessaires"] - resultat["agents_actuels"], 0).astype(int)
    return resultat


def equivalent_temps_plein(heures_par_semaine: float) -> float:
    """Valeur en équivalents temps plein (ETP) d'un volume d'heures hebdomadaire (35 h = 1 ETP).

    >>> equivalent_temps_plein(17.5)
    0.5
    """
    return float(heures_par_semaine) / HEURES_SEMAINE_ETP
