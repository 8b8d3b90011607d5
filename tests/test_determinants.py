"""Déterminants de la satisfaction : LMG et dominance (références R), appels statsmodels, démo."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analyse import config
from analyse.donnees import stockage
from analyse.donnees.codes import DETERMINANTS
from analyse.statistiques import determinants
from fabrique import demo_dix_editions

DONNEES = Path(__file__).parent / "donnees"
TOLERANCE = 1e-6


@pytest.fixture(scope="module")
def mtcars():
    return pd.read_csv(DONNEES / "mtcars.csv")


# --------------------------------------------------------------------------- LMG : références R relaimpo / domir


def test_lmg_mtcars_am_vs_cyl(mtcars):
    parts = determinants.lmg(mtcars, "mpg", ["am", "vs", "cyl"])
    assert parts.attrs["r2"] == pytest.approx(0.7619773, abs=TOLERANCE)
    assert parts.sum() == pytest.approx(0.7619773, abs=TOLERANCE)
    attendu = {"am": 0.1774892, "vs": 0.2027032, "cyl": 0.3817849}
    for nom, valeur in attendu.items():
        assert parts[nom] == pytest.approx(valeur, abs=TOLERANCE)


def test_dominance_conditionnelle_mtcars(mtcars):
    cond = determinants.dominance_conditionnelle(mtcars, "mpg", ["am", "vs", "cyl"])
    attendu = {
        "am": [0.3597989, 0.1389842, 0.033684441],
        "vs": [0.4409477, 0.1641982, 0.002963748],
        "cyl": [0.7261800, 0.3432799, 0.075894823],
    }
    for nom, valeurs in attendu.items():
        np.testing.assert_allclose(cond.loc[nom].to_numpy(), valeurs, atol=TOLERANCE)
    parts = determinants.lmg(mtcars, "mpg", ["am", "vs", "cyl"])
    np.testing.assert_allclose(cond.mean(axis=1), parts, atol=1e-12)  # la part LMG est la moyenne par taille


def test_lmg_et_dominance_complete_mtcars_am_cyl_carb(mtcars):
    resultat = determinants.analyser_dominance(mtcars, "mpg", ["am", "cyl", "carb"])
    assert resultat["r2"] == pytest.approx(0.8113023, abs=TOLERANCE)
    for nom, valeur in {"am": 0.2156848, "cyl": 0.4173094, "carb": 0.1783081}.items():
        assert resultat["generale"][nom] == pytest.approx(valeur, abs=TOLERANCE)
    complete = resultat["complete"]
    assert complete.loc["cyl", "am"] and complete.loc["cyl", "carb"] and complete.loc["am", "carb"]
    assert not complete.loc["am", "cyl"] and not complete.loc["carb", "am"]
    relations = determinants.relations_dominance(resultat)
    assert relations["complete"].all() and relations["conditionnelle"].all()
    assert set(zip(relations["dominant"], relations["domine"])) == {("cyl", "am"), ("cyl", "carb"), ("am", "carb")}


def test_dominance_complete_indeterminee(mtcars):
    complete = determinants.dominance_complete(mtcars, "mpg", ["am", "vs", "cyl"])
    assert pd.isna(complete.loc["am", "vs"]) and pd.isna(complete.loc["vs", "am"])
    assert complete.loc["cyl", "am"] and complete.loc["cyl", "vs"]


def _r2(donnees, cible, colonnes):
    x = np.column_stack([np.ones(len(donnees)), donnees[colonnes].to_numpy(float)])
    y = donnees[cible].to_numpy(float)
    residus = y - x @ np.linalg.lstsq(x, y, rcond=None)[0]
    return 1 - residus @ residus / ((y - y.mean()) @ (y - y.mean()))


def test_groupes_de_predicteurs(mtcars):
    seuls = determinants.lmg(mtcars, "mpg", {"am": ["am"], "cyl": ["cyl"], "carb": ["carb"]})
    np.testing.assert_allclose(seuls, determinants.lmg(mtcars, "mpg", ["am", "cyl", "carb"]), atol=1e-12)
    groupe = determinants.lmg(mtcars, "mpg", {"boite": ["am", "vs"], "cyl": "cyl"})
    tout = _r2(mtcars, "mpg", ["am", "vs", "cyl"])
    attendu_cyl = (_r2(mtcars, "mpg", ["cyl"]) + tout - _r2(mtcars, "mpg", ["am", "vs"])) / 2
    assert groupe["cyl"] == pytest.approx(attendu_cyl, abs=1e-10)
    assert groupe.sum() == pytest.approx(tout, abs=1e-10)
    unique = determinants.lmg(mtcars, "mpg", {"tout": ["am", "vs", "cyl", "carb"]})
    assert unique["tout"] == pytest.approx(_r2(mtcars, "mpg", ["am", "vs", "cyl", "carb"]), abs=1e-10)


def test_huit_predicteurs_egal_reajustement_des_sous_modeles():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(400, 8)) + rng.normal(size=(400, 1))
    d = pd.DataFrame(x, columns=list("abcdefgh")).assign(y=x @ np.arange(1, 9) / 8 + rng.normal(size=400))
    parts = determinants.lmg(d, "y", list("abcdefgh"))
    assert parts.sum() == pytest.approx(_r2(d, "y", list("abcdefgh")), abs=1e-10)
    cond = determinants.dominance_conditionnelle(d, "y", list("abcdefgh"))
    assert cond.loc["a", 0] == pytest.approx(_r2(d, "y", ["a"]), abs=1e-10)


def test_erreurs_en_francais(mtcars):
    with pytest.raises(KeyError, match="absente"):
        determinants.lmg(mtcars, "mpg", ["am", "inconnue"])
    with pytest.raises(ValueError, match="plusieurs groupes"):
        determinants.lmg(mtcars, "mpg", {"a": ["am"], "b": ["am", "vs"]})


def test_bootstrap_par_grappes_reproductible():
    rng = np.random.default_rng(5)
    n = 600
    d = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n), "structure_id": np.repeat(np.arange(60), 10)})
    d["y"] = d["a"] + 0.4 * d["b"] + rng.normal(size=n) + np.repeat(rng.normal(size=60), 10)
    t1 = determinants.intervalles_lmg(d, "y", ["a", "b"], n_bootstrap=300, graine=7)
    t2 = determinants.intervalles_lmg(d, "y", ["a", "b"], n_bootstrap=300, graine=7)
    pd.testing.assert_frame_equal(t1, t2)
    assert (t1["ic_bas"] < t1["part"]).all() and (t1["part"] < t1["ic_haut"]).all()
    assert t1["part"].sum() == pytest.approx(t1["r2"].iloc[0])
    assert t1["n_structures"].iloc[0] == 60 and t1["rang"].tolist() == [1, 2]


# --------------------------------------------------------------------------- statsmodels : références


def test_mco_grappes_grunfeld_comme_stata():
    import statsmodels.api as sm

    grunfeld = sm.datasets.grunfeld.load_pandas().data.iloc[:200]
    resultat = determinants.modele_mco_grappes(grunfeld, "invest", ["value", "capital"], "firm", ())
    b = resultat.params[["value", "capital", "Intercept"]].to_numpy()
    se = resultat.bse[["value", "capital", "Intercept"]].to_numpy()
    np.testing.assert_allclose(b, [0.11556215606596, 0.23067848754982, -42.714369016733], rtol=1e-8)
    np.testing.assert_allclose(se, [0.01589433647768, 0.08496711097464, 20.425202580078], rtol=1e-7)
    t9 = stats.t.ppf(0.975, 9)  # G − 1 = 9 degrés de liberté
    ic = resultat.conf_int().loc["value"].to_numpy()
    np.testing.assert_allclose(ic, [b[0] - t9 * se[0], b[0] + t9 * se[0]], rtol=1e-8)


def test_logit_ordinal_ucla_comme_r_polr():
    import statsmodels.miscmodels.tests.results as dossier

    fichier = Path(dossier.__file__).parent / "ologit_ucla.csv"
    if not fichier.exists():
        pytest.skip("statsmodels n'embarque pas ologit_ucla.csv")
    ucla = pd.read_csv(fichier)
    ucla["apply"] = pd.Categorical(
        ucla["apply"], categories=["unlikely", "somewhat likely", "very likely"], ordered=True
    )
    resultat = determinants.modele_ordinal(ucla, "apply", ["pared", "public", "gpa"], grappe=None, effets=())
    # Tolérances des tests de statsmodels lui-même (optimisation BFGS) : 2e-4 et 4e-4.
    np.testing.assert_allclose(
        resultat.params[["pared", "public", "gpa"]], [1.04769011, -0.05878572, 0.61594057], atol=2e-4
    )
    np.testing.assert_allclose(determinants.seuils_ordinaux(resultat), [2.203915, 4.299363], atol=4e-4)


# --------------------------------------------------------------------------- importance–performance


def test_priorites_structure():
    importance = pd.Series({"attente": 0.10, "courtoisie": 0.08, "transfert": 0.02, "reclamations": 0.01})
    performance = pd.Series({"attente": 55.0, "courtoisie": 80.0, "transfert": 40.0})  # réclamations non évaluées
    reference = pd.Series({"attente": 65.0, "courtoisie": 70.0, "transfert": 50.0, "reclamations": 50.0})
    table = determinants.priorites_structure(importance, performance, reference)
    assert table["determinant"].tolist() == ["attente", "transfert", "courtoisie", "reclamations"]
    assert table["quadrant"].tolist() == ["Priorité", "Second plan", "Atout à préserver", "Non évalué"]
    assert table["rang"].tolist()[:3] == [1, 2, 3] and pd.isna(table["rang"].iloc[3])
    assert table.loc[0, "ecart_reference"] == -10.0


# --------------------------------------------------------------------------- démonstration : vérités plantées


@pytest.fixture(scope="module")
def demo_preparee(tmp_path_factory):
    """Démonstration à l'échelle 1 sur les cinq éditions avec enquête (la population des vérités plantées)."""
    return demo_dix_editions(tmp_path_factory)


@pytest.fixture(scope="module")
def repondants(demo_preparee):
    return determinants.preparer_repondants(stockage.lire(demo_preparee, "enquete"))


def test_demo_classement_plante_retrouve(demo_preparee, repondants):
    verite = config.lire_verite_demo(demo_preparee)["satisfaction"]
    importance = determinants.importance_nationale(repondants, n_bootstrap=500, graine=2012)
    classement = importance.sort_values("part", ascending=False)["determinant"].tolist()
    assert classement == verite["rang_lmg"] == verite["rang_beta"]
    assert importance["r2"].iloc[0] == pytest.approx(verite["r2"], abs=0.02)


def test_demo_parts_plantees_dans_leurs_intervalles(demo_preparee, repondants):
    verite = config.lire_verite_demo(demo_preparee)["satisfaction"]
    # Intervalles simultanés à 95 % (Bonferroni sur les 8 parts) : chaque part plantée doit y être.
    niveau = 1 - 0.05 / len(DETERMINANTS)
    importance = determinants.importance_nationale(repondants, n_bootstrap=1000, graine=2012, niveau=niveau)
    vraies = importance["determinant"].map(verite["lmg"])
    dehors = importance.loc[(vraies < importance["ic_bas"]) | (vraies > importance["ic_haut"]), "determinant"].tolist()
    assert not dehors, f"Parts plantées hors de leur intervalle : {dehors}"
    assert importance["r2_ic_bas"].iloc[0] <= verite["r2"] <= importance["r2_ic_haut"].iloc[0]


def test_demo_modeles_concordants(demo_preparee, repondants):
    verite = config.lire_verite_demo(demo_preparee)["satisfaction"]
    une_edition = repondants[repondants["annee"] == 2022]
    comparaison = determinants.comparer_modeles(une_edition)
    assert set(comparaison["modele"]) == set(determinants.NOMS_MODELES) and comparaison["convergence"].all()
    rang_plante = {d: i + 1 for i, d in enumerate(verite["rang_beta"])}
    for _, table in comparaison.groupby("modele"):
        rho = stats.spearmanr(table["rang"], table["terme"].map(rang_plante)).statistic
        assert rho > 0.9
    mco = comparaison[comparaison["modele"] == "mco_grappes"].set_index("terme")
    beta = pd.Series(verite["beta"]).reindex(mco.index)
    dedans = (mco["ic_bas"] <= beta) & (beta <= mco["ic_haut"])
    assert dedans.sum() >= 7  # intervalles à 95 % autour des β plantés
    assert (mco["n_structures"] == une_edition["structure_id"].nunique()).all()


def test_demo_niveau_structure_et_stabilite(demo_preparee, repondants):
    structures = determinants.preparer_structures(
        stockage.lire(demo_preparee, "scores"),
        stockage.lire(demo_preparee, "enquete"),
        stockage.lire(demo_preparee, "avis"),
    )
    assert not structures.duplicated(["annee", "structure_id"]).any()
    resultat = determinants.modele_structures(structures)
    assert resultat["n_editions"] == 5 and resultat["r2"] > 0.2
    assert resultat["lmg"].sum() == pytest.approx(resultat["r2"], abs=1e-8) and "edition" in resultat["lmg"].index
    assert (resultat["coefficients"]["coefficient"] > 0).sum() >= 6
    avis = determinants.modele_structures(structures, "note_avis_moyenne")
    assert avis["n_editions"] == 3  # avis en ligne à partir de 2020
    lien = determinants.lien_audit_percu(structures)
    assert (lien["n_structures"] >= 5).all() and lien["moyenne"].is_monotonic_increasing
    stabilite = determinants.stabilite_editions(repondants, n_bootstrap=200)
    assert sorted(stabilite["annee"].unique()) == [2017, 2018, 2020, 2021, 2022]
    assert (stabilite.groupby("annee")["part"].sum() - stabilite.groupby("annee")["r2"].first()).abs().max() < 1e-10
    perf = determinants.performance_nationale(structures)
    matrice = determinants.matrice_nationale(determinants.importance_nationale(repondants, 200), perf)
    assert matrice["rang"].tolist() == list(range(1, 9)) and set(matrice["quadrant"]) <= set(determinants.QUADRANTS)


def test_modele_structures_ne_retire_aucune_edition_en_silence():
    """Une édition dont la grille n'a pas un déterminant reste dans le modèle : le déterminant
    sort, et une note le dit."""
    rng = np.random.default_rng(4)
    lignes = []
    for annee in (2017, 2018, 2020):
        for i in range(60):
            scores = {f"score_{d}": rng.uniform(40, 90) for d in determinants.DETERMINANTS}
            if annee == 2018:
                scores["score_transfert"] = np.nan
            y = 2 + 0.05 * scores["score_attente"] + rng.normal(0, 0.5)
            lignes.append({"annee": annee, "structure_id": f"S{i}", "satisfaction_moyenne": y, **scores})
    resultat = determinants.modele_structures(pd.DataFrame(lignes))
    assert resultat["n_editions"] == 3 and resultat["n_observations"] == 180
    assert resultat["determinants_exclus"] == ["transfert"] and "transfert" in resultat["note"]
    assert "transfert" not in set(resultat["coefficients"]["terme"])


def test_lien_audit_percu_robuste_aux_grappes():
    """Une même structure répétée sur plusieurs éditions ne compte pas comme des structures
    indépendantes : couverture ≥ 93 % là où l'intervalle naïf couvre bien moins."""
    rng = np.random.default_rng(6)
    couverts, naifs = [], []
    for _ in range(300):
        effet = rng.normal(0, 1.0, 40)
        lignes = [
            {
                "annee": a,
                "structure_id": f"S{i}",
                "score_global": 60.0 + i % 7,
                "satisfaction_moyenne": 7 + effet[i] + rng.normal(0, 0.2),
            }
            for i in range(40)
            for a in range(5)
        ]
        r = determinants.lien_audit_percu(pd.DataFrame(lignes), n_classes=1).iloc[0]
        couverts.append(r["ic_bas"] <= 7 <= r["ic_haut"])
        y = pd.DataFrame(lignes)["satisfaction_moyenne"]
        demi = 1.97 * y.std(ddof=1) / np.sqrt(len(y))
        naifs.append(y.mean() - demi <= 7 <= y.mean() + demi)
    assert np.mean(couverts) >= 0.93 and np.mean(naifs) < 0.8
