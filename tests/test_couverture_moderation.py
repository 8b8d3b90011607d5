"""Variances modérées (``analyse.donnees.moderation``) : oracles indépendants.

- vérité plantée : variances tirées d'une loi a priori connue (s0², d0), puis d'un χ² ;
- bibliothèque pair : maximum de vraisemblance de ``scipy.stats.f.fit`` sur la même loi F
  mise à l'échelle (estimateur différent de la méthode des moments de Smyth) ;
- identité : ``trigamma_inverse`` inverse ``scipy.special.polygamma(1, ·)``.
"""

import numpy as np
import pytest
from scipy import stats
from scipy.special import polygamma

from analyse.donnees.moderation import LoiAPriori, ajuster_loi_f, moderer, trigamma_inverse


def _variances(s0, d0, d, n, graine):
    rng = np.random.default_rng(graine)
    sigma2 = s0 * d0 / rng.chisquare(d0, n) if np.isfinite(d0) else np.full(n, s0)
    return sigma2 * rng.chisquare(d, n) / d


@pytest.mark.parametrize(("s0", "d0", "d"), [(4.0, 10.0, 3.0), (250.0, 4.0, 7.0), (1.0, 20.0, 5.0)])
def test_loi_a_priori_retrouvee(s0, d0, d):
    loi = ajuster_loi_f(_variances(s0, d0, d, 40_000, 7), np.full(40_000, d))
    assert loi.echelle == pytest.approx(s0, rel=0.05)
    assert loi.ddl == pytest.approx(d0, rel=0.2)


def test_d_variables_par_structure():
    """Degrés de liberté différents d'une structure à l'autre (nombres de contacts variés)."""
    rng = np.random.default_rng(3)
    d = rng.integers(1, 9, 40_000).astype(float)
    sigma2 = 2.0 * 8 / rng.chisquare(8, 40_000)
    loi = ajuster_loi_f(sigma2 * rng.chisquare(d) / d, d)
    assert loi.echelle == pytest.approx(2.0, rel=0.05) and loi.ddl == pytest.approx(8.0, rel=0.2)


def test_accord_avec_le_maximum_de_vraisemblance_de_scipy():
    s2 = _variances(3.0, 6.0, 4.0, 20_000, 11)
    loi = ajuster_loi_f(s2, np.full(len(s2), 4.0))
    _, dfd, _, echelle = stats.f.fit(s2, f0=4.0, floc=0.0)
    assert loi.ddl == pytest.approx(dfd, rel=0.15)
    assert loi.echelle == pytest.approx(echelle, rel=0.05)


def test_variances_egales_donnent_d0_tres_grand():
    """Sans hétérogénéité, d0 est infini ou très grand (bruit de l'estimation) : tout est mis en commun."""
    loi = ajuster_loi_f(_variances(5.0, np.inf, 3.0, 20_000, 5), np.full(20_000, 3.0))
    assert loi.ddl > 200 and loi.echelle == pytest.approx(5.0, rel=0.03)
    assert np.all(moderer([1.0, 30.0], [3.0, 3.0], LoiAPriori(5.0, np.inf)) == 5.0)


def test_moderation_entre_propre_et_commune():
    post = moderer([1.0, 16.0, 3.0], [4.0, 4.0, 0.0], LoiAPriori(4.0, 4.0))
    np.testing.assert_allclose(post, [2.5, 10.0, 4.0])


def test_trigamma_inverse():
    x = np.array([1e-3, 0.05, 0.7, 3.0, 50.0])
    np.testing.assert_allclose(polygamma(1, trigamma_inverse(x)), x, rtol=1e-7)


def _structures_simulees(sigmas, contacts, n_structures=2000, graine=4, facteurs=None):
    """Contacts triés par structure puis canal : x = μ_s + α_c + e, e ~ N(0, (σ_c · f_s)²)."""
    rng = np.random.default_rng(graine)
    mu = rng.normal(60, 8, n_structures)
    f = np.ones(n_structures) if facteurs is None else facteurs
    valeurs, debut, canal, structure = [], [], [], []
    for s in range(n_structures):
        for c, (sigma, n) in enumerate(zip(sigmas, contacts)):
            debut.append(len(valeurs))
            canal.append(c)
            structure.append(s)
            valeurs.extend(mu[s] + 5 * c + rng.normal(0, sigma * f[s], n))
    return np.array(valeurs), np.array(debut), np.array(canal), np.array(structure)


def test_dispersion_du_site_bornee_par_les_autres_canaux():
    """Site à un contact, deux fois plus bruité que les autres canaux (vérité plantée : σ² = 400) :
    sa dispersion, qu'aucune répétition ne mesure, est retrouvée par les autres canaux, là où la
    seule mise en commun lui prêtait celle des autres (≈ 100)."""
    from analyse.donnees.notation import variance_intra_mise_en_commun, variance_intra_moderee

    x, debut, canal, structure = _structures_simulees((10.0, 10.0, 20.0), (4, 2, 1))
    intra = variance_intra_moderee(x, np.ones(len(x)), debut, canal, structure)
    site = canal == 2
    assert intra.canaux_empruntes == (2,)
    assert np.mean(intra.par_groupe[site]) == pytest.approx(400, rel=0.12)
    assert np.mean(intra.par_groupe[~site]) == pytest.approx(100, rel=0.1)
    commune = variance_intra_mise_en_commun(x, np.ones(len(x)), debut, canal)
    assert np.mean(commune[site]) < 130


def test_structures_irregulieres_reconnues():
    """Constance plantée par structure (σ × exp(0,5 z)) : le facteur modéré suit le vrai facteur,
    d0 est fini ; sans hétérogénéité plantée, d0 est très grand et les facteurs restent près de 1."""
    from analyse.donnees.notation import variance_intra_moderee

    rng = np.random.default_rng(8)
    vrais = np.exp(0.5 * rng.standard_normal(2000))
    x, debut, canal, structure = _structures_simulees((10.0, 10.0), (5, 3), facteurs=vrais)
    intra = variance_intra_moderee(x, np.ones(len(x)), debut, canal, structure)
    assert 1 < intra.loi.ddl < 20
    assert np.corrcoef(np.log(intra.facteur), 2 * np.log(vrais))[0, 1] > 0.6
    x, debut, canal, structure = _structures_simulees((10.0, 10.0), (5, 3))
    egal = variance_intra_moderee(x, np.ones(len(x)), debut, canal, structure)
    assert egal.loi.ddl > 50 and np.ptp(egal.facteur) < 0.5
