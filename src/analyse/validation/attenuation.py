"""Simulation à vérité connue de l'atténuation des pentes du modèle par structure (déterminants).

Chaque structure a un vrai score par déterminant (corrélés entre déterminants, écart-type
``ECART_VRAI``) ; le score d'audit observé y ajoute une erreur d'échantillonnage dont l'écart-type
dépend du nombre de contacts de la structure (1 à 6, contact d'écart-type ``ECART_CONTACT``), donc
hétérogène, et connue comme dans ``scores.erreur_type``. La satisfaction moyenne dépend des vrais
scores. On mesure la pente naïve (moindres carrés avec effets d'édition), la pente corrigée par
``corriger_attenuation`` et la couverture de son intervalle.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analyse.statistiques.determinants import corriger_attenuation

PENTES_VRAIES = {"score_attente": 0.20, "score_courtoisie": 0.30, "score_accessibilite": 0.10}
ECART_VRAI = 10.0
ECART_CONTACT = 14.0
CORRELATION_VRAIE = 0.3


def simuler_structures(rng: np.random.Generator, n_structures: int = 350, editions=(2021, 2022)) -> pd.DataFrame:
    """Table au format de ``preparer_structures`` (scores divisés par 10) avec vérité connue.

    >>> simuler_structures(np.random.default_rng(0), 20).shape[0]
    40
    """
    p = len(PENTES_VRAIES)
    cov = ECART_VRAI**2 * (CORRELATION_VRAIE + (1 - CORRELATION_VRAIE) * np.eye(p))
    lignes = []
    for k, annee in enumerate(editions):
        vrais = 70 + rng.multivariate_normal(np.zeros(p), cov, n_structures)
        contacts = rng.integers(1, 7, (n_structures, p))
        erreurs = ECART_CONTACT / np.sqrt(contacts)
        observes = vrais + rng.standard_normal((n_structures, p)) * erreurs
        y = 2.0 + 0.3 * k + (vrais / 10) @ np.array(list(PENTES_VRAIES.values())) + rng.normal(0, 0.6, n_structures)
        table = pd.DataFrame(observes / 10, columns=list(PENTES_VRAIES))
        for j, c in enumerate(PENTES_VRAIES):
            table[c.replace("score_", "erreur_type_", 1)] = erreurs[:, j]
        lignes.append(table.assign(annee=annee, structure_id=[f"s{i}" for i in range(n_structures)], y=y))
    return pd.concat(lignes, ignore_index=True)


def mesurer_attenuation(n_repliques: int = 40, n_structures: int = 350, n_bootstrap: int = 100, graine: int = 21):
    """Par déterminant : fiabilité moyenne, rapport pente naïve / vraie et pente corrigée / vraie
    (moyennes sur les répliques), couverture de l'intervalle corrigé.

    >>> mesurer_attenuation(2, 40, 20).shape[0]
    3
    """
    rng = np.random.default_rng(graine)
    tables = []
    for _ in range(n_repliques):
        table = simuler_structures(rng, n_structures)
        r = corriger_attenuation(table, list(PENTES_VRAIES), "y", n_bootstrap=n_bootstrap)
        vraie = r["terme"].map(lambda t: PENTES_VRAIES[f"score_{t}"])
        tables.append(
            r.assign(
                rapport_naif=r["coefficient_naif"] / vraie,
                rapport_corrige=r["coefficient_corrige"] / vraie,
                couvert=(r["ic_bas_corrige"] <= vraie) & (vraie <= r["ic_haut_corrige"]),
            )
        )
    return (
        pd.concat(tables)
        .groupby("terme")[["fiabilite", "rapport_naif", "rapport_corrige", "couvert"]]
        .mean()
        .reset_index()
    )
