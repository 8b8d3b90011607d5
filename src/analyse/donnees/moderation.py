"""Variances modérées par bayes empirique (Smyth 2004, fonctions ``fitFDist`` et
``squeezeVar`` de limma), pour les intervalles de structure.

Chaque structure a sa variance d'échantillon s² à d degrés de liberté ; on suppose
σ² ~ s0² · d0 / χ²(d0) entre structures, donc s² / s0² ~ F(d, d0). Les paramètres
(d0, s0²) sont estimés par la méthode des moments sur log s² (Smyth 2004, section 6.2) ;
la variance modérée s̃² = (d0·s0² + d·s²) / (d0 + d) a d0 + d degrés de liberté.
Références : G. K. Smyth, « Linear models and empirical Bayes methods for assessing
differential expression in microarray experiments », Stat. Appl. Genet. Mol. Biol. 3 (2004) ;
paquet R limma (``fitFDist``, ``trigammaInverse``, ``squeezeVar``).
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.special import digamma, polygamma


@dataclasses.dataclass(frozen=True)
class LoiAPriori:
    """Loi a priori des variances : échelle s0² et degrés de liberté d0 (``inf`` : toutes égales)."""

    echelle: float
    ddl: float


def trigamma_inverse(x) -> np.ndarray:
    """Résout trigamma(y) = x (méthode de Newton de limma, ``trigammaInverse``).

    >>> y = trigamma_inverse([0.5, 2.0])
    >>> np.allclose(polygamma(1, y), [0.5, 2.0])
    True
    """
    x = np.asarray(x, dtype=float)
    y = 0.5 + 1.0 / x
    for _ in range(50):
        tri = polygamma(1, y)
        pas = tri * (1 - tri / x) / polygamma(2, y)
        y = y + pas
        if np.max(-pas / y) < 1e-8:
            break
    y = np.where(x > 1e7, 1 / np.sqrt(x), y)
    return np.where(x < 1e-6, 1 / x, y)


def ajuster_loi_f(variances, ddl) -> LoiAPriori:
    """Estime (s0², d0) par les moments de log s² (``fitFDist`` de limma, sans covariable).

    ``variances`` : variances d'échantillon ; ``ddl`` : leurs degrés de liberté (> 0).
    Quand la dispersion des log s² n'excède pas celle due à l'échantillonnage seul,
    d0 = ∞ et s0² = exp(moyenne des log s² corrigés).

    >>> rng = np.random.default_rng(1)
    >>> sigma2 = 4.0 * 10 / rng.chisquare(10, 20_000)  # a priori : s0² = 4, d0 = 10
    >>> s2 = sigma2 * rng.chisquare(3, 20_000) / 3
    >>> loi = ajuster_loi_f(s2, np.full(20_000, 3.0))
    >>> round(loi.echelle, 1), round(loi.ddl)
    (4.0, 10)
    """
    x, d1 = np.asarray(variances, dtype=float), np.broadcast_to(np.asarray(ddl, dtype=float), np.shape(variances))
    garde = np.isfinite(x) & np.isfinite(d1) & (d1 > 1e-15) & (x > -1e-15)
    x, d1 = x[garde], d1[garde]
    if len(x) == 0:
        return LoiAPriori(float("nan"), float("nan"))
    if len(x) == 1:
        return LoiAPriori(float(x[0]), 0.0)
    mediane = float(np.median(x))
    x = np.maximum(x, 1e-5 * (mediane if mediane > 0 else 1.0))
    e = np.log(x) - digamma(d1 / 2) + np.log(d1 / 2)
    moyenne = float(np.mean(e))
    dispersion = float(np.var(e, ddof=1)) - float(np.mean(polygamma(1, d1 / 2)))
    if dispersion <= 0:
        return LoiAPriori(float(np.exp(moyenne)), float("inf"))
    d0 = 2 * float(trigamma_inverse(dispersion))
    return LoiAPriori(float(np.exp(moyenne + digamma(d0 / 2) - np.log(d0 / 2))), d0)


def moderer(variances, ddl, loi: LoiAPriori) -> np.ndarray:
    """Variances a posteriori (d0·s0² + d·s²) / (d0 + d) ; s0² là où d = 0 ou d0 = ∞.

    >>> moderer([1.0, 9.0, 5.0], [2.0, 2.0, 0.0], LoiAPriori(4.0, 2.0)).tolist()
    [2.5, 6.5, 4.0]
    """
    x, d = np.asarray(variances, dtype=float), np.asarray(ddl, dtype=float)
    if not np.isfinite(loi.ddl):
        return np.full(x.shape, loi.echelle)
    with np.errstate(invalid="ignore"):
        x = np.where(d > 0, x, 0.0)
        return (loi.ddl * loi.echelle + d * x) / (loi.ddl + d)
