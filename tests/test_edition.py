"""Agrégats nationaux : bootstrap, secret des petits groupes, Wilson, indicateurs, chiffres publiés."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analyse import config
from analyse.rapports import edition as rapport_edition
from analyse.statistiques import edition


def _scores_globaux(valeurs, niveau="global", modalite=""):
    return pd.DataFrame(
        {
            "structure_id": [f"S{i}" for i in range(len(valeurs))],
            "niveau": niveau,
            "modalite": modalite,
            "score": np.asarray(valeurs, dtype=float),
        }
    )


# ------------------------------------------------------------------ Wilson contre R


@pytest.mark.parametrize(
    ("succes", "n", "bas", "haut"),
    [
        (18, 20, 0.6989663547715128, 0.972133518786232),  # R : binom::binom.confint(18, 20, methods = "wilson")
        (4, 20, 0.0806576625797981, 0.4160174322518935),
    ],
)
def test_wilson_identique_a_r(succes, n, bas, haut):
    assert edition.intervalle_wilson(succes, n) == pytest.approx((bas, haut), abs=1e-12)


# ------------------------------------------------------------------ bootstrap


def test_intervalle_national_deterministe_et_de_student():
    from scipy import stats

    valeurs = np.random.default_rng(0).uniform(40, 90, 60)
    p = config.Parametres(n_bootstrap=500, graine=11)
    premier = edition.score_national(_scores_globaux(valeurs), p)
    second = edition.score_national(_scores_globaux(valeurs), p)
    pd.testing.assert_frame_equal(premier, second)
    attendu = stats.t.interval(0.95, 59, loc=valeurs.mean(), scale=stats.sem(valeurs))
    assert (premier["ic_bas"].item(), premier["ic_haut"].item()) == pytest.approx(attendu)
    ligne = premier.iloc[0]
    assert ligne["ic_bas"] < ligne["score"] < ligne["ic_haut"]
    assert ligne["score"] == pytest.approx(valeurs.mean())


def test_score_national_est_la_moyenne_des_structures():
    assert edition.score_national(_scores_globaux([50, 60, 70, 80, 90]))["score"].item() == 70.0


# ------------------------------------------------------------------ secret et fragilité


def test_suppression_des_agregats_de_moins_de_5_structures():
    scores = _scores_globaux([60, 62, 64, 66, 70, 72, 74, 76, 78])
    participants = pd.DataFrame(
        {
            "structure_id": scores["structure_id"],
            "type_structure": ["commune"] * 5 + ["epci"] * 4,
            "classe_population": ["< 2 000"] * 9,
            "certifie": [True] * 9,
        }
    )
    strates = edition.scores_par_strate(scores, participants, "type_structure").set_index("modalite")
    assert not strates.loc["commune", "supprime"]
    assert strates.loc["commune", "score"] == pytest.approx(64.4)
    assert strates.loc["commune", "fragile"]  # moins de 10 structures
    assert strates.loc["epci", "supprime"]
    assert strates.loc["epci", "n_structures"] == 4
    assert strates.loc["epci", ["score", "ic_bas", "ic_haut"]].isna().all()
    affiche = rapport_edition.tableau_agregats(strates.reset_index())
    assert "74" not in " ".join(affiche.astype(str).to_numpy().ravel())


def test_seuils_configurables():
    p = config.Parametres(taille_min_agregat=3, min_structures_groupe=4)
    ligne = edition.agreger_groupe([60, 70, 80], p)
    assert not ligne["supprime"] and ligne["fragile"]
    assert not edition.agreger_groupe([60, 70, 80, 90], p)["fragile"]


def test_scores_nationaux_par_canal_dans_l_ordre_des_codes():
    scores = pd.concat(
        [_scores_globaux([70] * 6, "canal", "courriel"), _scores_globaux([80] * 6, "canal", "telephone")]
    )
    canaux = edition.scores_nationaux(scores, "canal")
    assert canaux["modalite"].tolist() == ["telephone", "courriel"]
    assert canaux["libelle"].tolist() == ["Téléphone", "Courriel"]


# ------------------------------------------------------------------ indicateurs opérationnels


def _reponses(indicateur, valeurs, n_structures=5):
    return pd.DataFrame(
        {
            "structure_id": [f"S{i % n_structures}" for i in range(len(valeurs))],
            "indicateur": indicateur,
            "valeur": np.asarray(valeurs, dtype=float),
        }
    )


def test_indicateur_premiere_alternative_presente():
    reponses = pd.concat(
        [_reponses("TEL_DECROCHE_5_SONNERIES", [1] * 18 + [0] * 2), _reponses("TEL_NB_SONNERIES", [9] * 20)]
    )
    ligne = edition.indicateurs_operationnels(reponses).set_index("code").loc["part_appels_decroches_5_sonneries"]
    assert ligne["indicateur_utilise"] == "TEL_DECROCHE_5_SONNERIES"
    assert ligne["proportion"] == pytest.approx(0.9)
    assert (ligne["ic_bas"], ligne["ic_haut"]) == pytest.approx((0.6989663547715128, 0.972133518786232))


def test_indicateur_seconde_alternative_et_non_disponible():
    reponses = _reponses("TEL_NB_SONNERIES", [2, 5, 6, 8] * 5)
    table = edition.indicateurs_operationnels(reponses).set_index("code")
    appels = table.loc["part_appels_decroches_5_sonneries"]
    assert appels["indicateur_utilise"] == "TEL_NB_SONNERIES"
    assert appels["condition"] == "TEL_NB_SONNERIES ≤ 5"
    assert appels["proportion"] == pytest.approx(0.5)
    assert table.loc["part_courriers_repondus_7_jours", "statut"] == "non disponible"
    assert np.isnan(table.loc["part_courriers_repondus_7_jours", "proportion"])


def test_indicateur_secret_sous_5_structures():
    reponses = _reponses("COURRIEL_REPONSE_RECUE", [1, 0, 1, 1] * 5, n_structures=4)
    ligne = edition.indicateurs_operationnels(reponses).set_index("code").loc["part_courriels_repondus"]
    assert ligne["statut"].startswith("secret")
    assert np.isnan(ligne["proportion"])


# ------------------------------------------------------------------ chiffres publiés


def test_copie_des_chiffres_publies_embarquee():
    publies = edition.charger_chiffres_publies()
    assert {"annee_terrain", "indicateur", "modalite", "valeur", "precision", "source"} <= set(publies.columns)
    partage = Path(__file__).resolve().parents[2] / "shared" / "references" / "chiffres_publies.csv"
    if partage.exists():
        assert len(publies) == len(pd.read_csv(partage, sep=";"))


def test_comparaison_avec_les_chiffres_publies():
    calculees = pd.DataFrame(
        {
            "indicateur": ["score_national", "score_certification", "nb_structures"],
            "modalite": ["ensemble", "certifie", "ensemble"],
            "valeur_calculee": [68.0, 74.0, 231.0],
            "ic_bas": [66.0, 71.0, np.nan],
            "ic_haut": [70.0, 77.0, np.nan],
            "n_structures": [231, 40, 231],
        }
    )
    table = edition.comparer_chiffres_publies(2018, calculees).set_index(["indicateur", "modalite"])
    assert table.loc[("score_national", "ensemble"), "valeur_publiee"] == 68.5
    assert table.loc[("score_national", "ensemble"), "ecart"] == pytest.approx(-0.5)
    assert table.loc[("score_national", "ensemble"), "dans_intervalle"] is True
    assert table.loc[("score_certification", "certifie"), "precision"] == "arrondi"
    assert table.loc[("score_type", "epci"), "source"].startswith("https://www.afnor.org/")
    assert np.isnan(table.loc[("score_type", "epci"), "valeur_calculee"])


def test_calculer_edition_sur_donnees_synthetiques(tmp_path):
    from conftest_rapport import creer_donnees_synthetiques

    racine = creer_donnees_synthetiques(tmp_path / "donnees", annee=2018)
    tables = edition.charger_edition(2018, racine)
    assert tables["participants"]["annee"].dtype == "int64"
    resultats = edition.calculer_edition(tables, config.Parametres(n_bootstrap=200))
    types = resultats["strates_type"].set_index("modalite")
    assert types.loc["mairie_annexe", "supprime"] and types.loc["departement", "supprime"]
    assert resultats["national"]["n_structures"].item() == 40
    comparaison = resultats["comparaison"].set_index(["indicateur", "modalite"])
    assert comparaison.loc[("nb_structures", "ensemble"), "valeur_calculee"] == 40
    assert not np.isnan(comparaison.loc[("score_type", "collectivites"), "valeur_calculee"])
    fichiers = rapport_edition.exporter_tableaux(resultats, tmp_path / "csv")
    assert {f.stem for f in fichiers} >= {"canaux", "determinants", "strates_type", "indicateurs", "comparaison"}


# --- Couverture des intervalles d'agrégats (issue 13) ------------------------------------


@pytest.mark.parametrize("n", [5, 10, 20, 50])
def test_couverture_des_moyennes_de_groupe(n):
    """Intervalle t : couverture ≥ 93 % dès 5 structures ; le bootstrap percentile, lui, sous-couvre
    (≈ 84 % à 5, 90 % à 10 structures)."""
    from analyse.statistiques.edition import agreger_groupe, intervalle_bootstrap

    rng = np.random.default_rng(n)
    p = config.Parametres(n_bootstrap=400)
    couverts, couverts_bootstrap = [], []
    for _ in range(1500):
        x = np.clip(rng.normal(66, 8, n), 0, 100)
        g = agreger_groupe(x, p)
        couverts.append(g["ic_bas"] <= 66 <= g["ic_haut"])
        bas, haut = intervalle_bootstrap(x, 400, 1)
        couverts_bootstrap.append(bas <= 66 <= haut)
    assert g["methode_ic"] == "student"
    assert 0.93 <= np.mean(couverts) <= 0.97
    if n <= 10:
        assert np.mean(couverts_bootstrap) < 0.92


def test_proportions_groupees_par_structure_couvertes():
    """Réponses groupées par structure (corrélation intra-structure) : le Wilson corrigé de l'effet
    de plan couvre ≥ 93 % ; le Wilson naïf (contacts supposés indépendants) couvre moins."""
    from analyse.statistiques.edition import intervalle_wilson, intervalle_wilson_grappes

    rng = np.random.default_rng(8)
    vrai, couverts, naifs = 0.7, [], []
    for _ in range(800):
        n = rng.integers(2, 7, 120)
        p_structure = rng.beta(7, 3, 120)  # moyenne 0,7, forte hétérogénéité entre structures
        y = rng.binomial(n, p_structure)
        bas, haut, deff = intervalle_wilson_grappes(y, n)
        couverts.append(bas <= vrai <= haut)
        b, h = intervalle_wilson(int(y.sum()), int(n.sum()))
        naifs.append(b <= vrai <= h)
    assert deff > 1.1
    assert np.mean(couverts) >= 0.93
    assert np.mean(naifs) < np.mean(couverts) - 0.03
