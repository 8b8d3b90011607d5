"""Suivi continu : cartes de contrôle sur des séries à baisse plantée, délais, téléphone."""

import json

import numpy as np
import pandas as pd
import pytest

from analyse.cli import main
from analyse.demo.editions import generer_demo
from analyse.statistiques import suivi

P = suivi.ParametresSuivi()


def _signaux_plantes(graine=3, mois_baisse=18, n_par_mois=40, p_avant=0.25, p_apres=0.50):
    """24 mois de signaux ; à partir du 19e mois, la part de négatifs passe de 25 % à ``p_apres``
    (la note moyenne baisse avec elle)."""
    rng = np.random.default_rng(graine)
    lignes = []
    for k, mois in enumerate(pd.date_range("2021-01-01", periods=24, freq="MS")):
        p = p_apres if k >= mois_baisse else p_avant
        for _ in range(n_par_mois):
            negatif = rng.random() < p
            note = rng.normal(35 if negatif else 75, 12)
            lignes.append(
                {
                    "date_signal": mois + pd.Timedelta(days=int(rng.integers(0, 28))),
                    "polarite": "negatif" if negatif else "positif",
                    "note_100": float(np.clip(note, 0, 100)),
                    "source": "enquete_satisfaction",
                    "determinant": "attente",
                    "determinants": "attente",
                }
            )
    return pd.DataFrame(lignes)


def test_carte_p_signale_la_baisse_plantee_des_le_mois_concerne():
    """Saut de 25 % à 60 % de négatifs avec 60 signaux par mois : la limite haute à 3 sigmas
    (≈ 42 %) est franchie dès le premier mois de baisse (probabilité de le manquer ≈ 0,2 %)."""
    s = _signaux_plantes(n_par_mois=60, p_apres=0.60)
    carte = suivi.carte_p(suivi.indicateurs_mensuels(s), P)
    assert not carte["alerte"].iloc[:18].any()  # aucune fausse alerte avant la baisse
    assert suivi.premier_mois_alerte(carte) == pd.Timestamp("2022-07-01")  # 19e mois = premier mois de baisse
    assert carte["alerte"].iloc[18:].mean() >= 0.8
    assert carte["reference"].sum() == 12
    assert carte["p_barre"].iloc[0] == pytest.approx(0.25, abs=0.05)


def test_ewma_signale_la_baisse_de_note():
    carte = suivi.carte_ewma(_signaux_plantes(), P)
    assert not carte["alerte"].iloc[:18].any()
    premier = suivi.premier_mois_alerte(carte)
    # le facteur de Laney (estimé sur 12 mois, ici 1,34) élargit les limites : au plus 3 mois de retard
    assert pd.Timestamp("2022-07-01") <= premier <= pd.Timestamp("2022-09-01")
    assert carte["alerte"].iloc[20:].all()


def _notes_surdispersees(graine, effet_mois=6.0, n_par_mois=40, mois=24):
    """Notes sans aucune baisse, mais avec un effet du mois (surdispersion entre mois)."""
    rng = np.random.default_rng(graine)
    dates = pd.date_range("2021-01-01", periods=mois, freq="MS").repeat(n_par_mois)
    notes = 65 + np.repeat(rng.normal(0, effet_mois, mois), n_par_mois) + rng.normal(0, 15, mois * n_par_mois)
    return pd.DataFrame({"date_signal": dates, "note_100": np.clip(notes, 0, 100)})


def test_ewma_de_laney_sans_fausse_alerte_sous_surdispersion():
    """Effet du mois d'écart-type 6 points (σ/√n ≈ 2,4) : sans terme de surdispersion, la plupart
    des séries sans baisse déclencheraient une alerte ; avec le facteur de Laney, peu."""
    cartes = [suivi.carte_ewma(_notes_surdispersees(g), P) for g in range(60)]
    fausses = np.mean([c["alerte"].any() for c in cartes])
    assert all(c["facteur_laney"].iloc[0] > 1.2 for c in cartes[:10])
    sans_laney = []
    for c in cartes:
        echelle = (c["mu0"] - c["limite_basse"]) / c["facteur_laney"]
        sans_laney.append(bool((c["ewma"] < c["mu0"] - echelle).any()))
    assert fausses <= 0.2 and np.mean(sans_laney) >= 2 * fausses + 0.2


def test_pas_d_alerte_sans_baisse():
    for graine in range(5):
        s = _signaux_plantes(graine=graine, p_apres=0.25)
        assert not suivi.carte_p(suivi.indicateurs_mensuels(s), P)["alerte"].any()


def test_mois_trop_maigres_non_evalues():
    s = _signaux_plantes(n_par_mois=3)
    carte = suivi.carte_p(suivi.indicateurs_mensuels(s), P)
    assert carte["p"].isna().all() and not carte["alerte"].any()


def test_indicateurs_par_determinant_et_mois_vides():
    s = _signaux_plantes().query("date_signal < '2021-03-01' or date_signal >= '2021-04-01'")
    m = suivi.indicateurs_mensuels(s, "determinant")
    mars = m[m["mois"] == pd.Timestamp("2021-03-01")]
    assert mars["n"].tolist() == [0] and len(m) == 24


def test_delais_reclamations():
    s = pd.DataFrame(
        {
            "date_signal": pd.to_datetime(["2022-01-03", "2022-01-10", "2022-02-01"]),
            "source": "reclamation",
            "repondu": [True, True, False],
            "delai_reponse_jours": [10.0, 30.0, np.nan],
        }
    )
    d = suivi.delais_reclamations(s, P).set_index("mois")
    assert d.loc["2022-01-01", "delai_median_jours"] == 20 and d.loc["2022-01-01", "part_dans_delai"] == 0.5
    assert d.loc["2022-02-01", "part_repondues"] == 0


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    racine = tmp_path_factory.mktemp("demo_suivi")
    generer_demo(racine, echelle=0.3, annees=[2021, 2022])
    assert main(["preparer", "--toutes", "--donnees", str(racine), "--bootstrap", "50"]) == 0
    return racine, json.loads((racine / "verite_demo.json").read_text(encoding="utf-8"))["ecoute"]


def test_demo_rupture_retrouvee(demo):
    racine, verite = demo
    tables = suivi.charger_suivi(verite["structure_degradee"], racine)
    r = suivi.calculer_suivi(tables)
    rupture = pd.Timestamp(verite["mois_rupture"] + "-01")
    assert suivi.premier_mois_alerte(r["carte_p"]) == rupture or suivi.premier_mois_alerte(r["carte_ewma"]) == rupture
    assert not r["alertes"]["mois"].lt(rupture).any()
    for ident in verite["structures"][3:]:  # témoins sans rupture (ni exports Services Publics +)
        t = suivi.calculer_suivi(suivi.charger_suivi(ident, racine))
        assert t["alertes"].empty, ident


def test_demo_agents_necessaires_proches_de_la_verite(demo):
    racine, verite = demo
    v = verite["appels"]
    ident = v["structures"][0]
    r = suivi.calculer_suivi(suivi.charger_suivi(ident, racine))
    d = r["dimensionnement"]
    assert set(d["agents_actuels"]) == {v["agents_actuels"]}
    vrais = np.array([v["agents_necessaires"][ident][f"{j}-{h}"] for j, h in zip(d["jour_semaine"], d["heure"])])
    ecarts = np.abs(d["agents_necessaires"].to_numpy() - vrais)
    assert ecarts.max() <= 1 and (ecarts == 0).mean() >= 0.6
    taux = np.array([v["appels_par_heure"][ident][f"{j}-{h}"] for j, h in zip(d["jour_semaine"], d["heure"])])
    assert np.corrcoef(taux, d["appels_par_heure"])[0, 1] > 0.8
    assert r["renfort"]["heures_par_semaine"] > 0 and r["renfort"]["etp"] == r["renfort"]["heures_par_semaine"] / 35
    assert 0 < r["telephone"]["part_abandons"] < 0.5


def test_sans_journal_les_appels_mysteres(demo):
    racine, verite = demo
    ident = verite["structures"][2]  # pas de journal d'appels pour cette structure
    r = suivi.calculer_suivi(suivi.charger_suivi(ident, racine))
    assert "charge" not in r and not r["telephone_audit"].empty
    assert r["telephone_audit"]["n_structures"].min() >= 5


def test_lien_audit(demo):
    racine, verite = demo
    tables = suivi.charger_suivi(verite["structure_degradee"], racine)
    lien = suivi.lien_audit(tables)
    assert lien["determinant"].tolist()[:2] == ["accessibilite", "reactivite"]
    assert lien["score_audit"].notna().any() and lien["score_national"].notna().all()
    assert lien.set_index("determinant").loc["attente", "n_signaux"] > 0
    h = suivi.historique_audit(tables)
    assert h["annee"].tolist() == [2021, 2022] and h["part_negatifs"].iloc[1] > h["part_negatifs"].iloc[0]


def test_structure_inconnue(demo):
    racine, _ = demo
    with pytest.raises(FileNotFoundError, match="absente"):
        suivi.charger_suivi("INCONNUE", racine)
    with pytest.raises(ValueError, match="inconnu"):
        suivi.ParametresSuivi.depuis_dict({"cible": 3})


# --------------------------------------------------------------------------- délais censurés (issue 17, point 5)


def test_mediane_et_intervalle_comme_r_survival():
    """Référence publiée : R ``survfit(Surv(time, status) ~ x, data = aml)`` (intervalle « log », défaut de R)
    imprime 31 [18 ; NA] (Maintained) et 23 [8 ; NA] (Nonmaintained)."""
    from analyse.statistiques.survie import mediane_km

    m = mediane_km([9, 13, 13, 18, 23, 28, 31, 34, 45, 48, 161], [1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 0], methode="log")
    assert (m["mediane"], m["ic_bas"], m["ic_haut"]) == (31.0, 18.0, np.inf)
    n = mediane_km([5, 5, 8, 8, 12, 16, 23, 27, 30, 33, 43, 45], [1] * 5 + [0] + [1] * 6, methode="log")
    # borne haute : R dit NA, statsmodels borne au dernier délai (la courbe y tombe à 0) ; voir RESULTATS.md
    assert (n["mediane"], n["ic_bas"]) == (23.0, 8.0) and n["ic_haut"] >= 45


def test_borne_haute_non_atteinte_ecrite_en_toutes_lettres():
    from analyse.formatage import delai_fr
    from analyse.statistiques.survie import mediane_km

    m = mediane_km([2, 3, 5, 8, 9, 40, 40, 40, 40, 40], [True] * 5 + [False] * 5)
    assert np.isinf(m["ic_haut"]) and delai_fr(m["mediane"], m["ic_bas"], m["ic_haut"]).endswith("; non atteinte]")


def test_annuel_tire_de_la_courbe_annuelle():
    """Le chiffre annuel est la médiane de Kaplan–Meier de toute l'année, pas la médiane des médianes mensuelles."""
    from analyse.statistiques.suivi import delais_annuels, delais_reclamations
    from analyse.statistiques.survie import mediane_km

    dates = pd.to_datetime(["2022-01-05"] * 3 + ["2022-02-05"] * 3 + ["2022-03-05"] * 5)
    delais = [1.0, 2.0, 3.0, 1.0, 2.0, 3.0, 20.0, 21.0, 22.0, 23.0, 24.0]
    s = pd.DataFrame({"date_signal": dates, "source": "reclamation", "repondu": True, "delai_reponse_jours": delais})
    mensuel = delais_reclamations(s)["delai_median_jours"]
    annuel = delais_annuels(s).iloc[0]
    assert mensuel.median() == 2.0 and annuel["delai_median_jours"] == 3.0
    assert annuel["delai_median_jours"] == mediane_km(delais, [True] * 11)["mediane"]
    assert annuel["n"] == 11 and pd.notna(annuel["delai_ic_bas"])


@pytest.fixture(scope="module")
def simulation_delais():
    from analyse.validation import delais

    return delais, delais.simuler(40, graine=2012)  # 40 structures × 12 mois, ~5 réclamations par mois


def test_part_dans_le_delai_lue_sur_la_courbe(simulation_delais):
    """Décembre (réclamations récentes, souvent encore ouvertes à la fin du suivi) : la part lue sur la
    courbe de survie reste juste, l'ancien calcul (ouvertes = en retard) la sous-estime nettement."""
    delais, r = simulation_delais
    m = r["mensuel"]
    decembre = delais.resumer(m[m["mois"].dt.month == 12], r["verite"])
    assert abs(decembre["biais_part"]) < 0.06, decembre
    assert decembre["biais_part_naive"] < -0.10, decembre
    assert delais.resumer(m, r["verite"])["couverture_part"] >= 0.93


def test_couverture_de_l_intervalle_de_la_mediane(simulation_delais):
    """Vérité connue (loi gamma, médiane 11 jours), censure administrative : les intervalles donnés
    couvrent la médiane vraie ≥ 93 % (mesuré : 97 % sur ~250 mois, 94 à 96 % sur 6 000 au banc),
    les mois de moins de 5 réponses sont dits sans intervalle ; l'intervalle annuel couvre aussi."""
    delais, r = simulation_delais
    m = r["mensuel"]
    donnes = m[m["delai_ic_bas"].notna()]
    assert len(donnes) >= 200
    assert delais.resumer(donnes, r["verite"])["couverture_mediane"] >= 0.93
    assert (m.loc[m["delai_ic_bas"].isna(), "n_repondues"] < 5).all()
    assert delais.resumer(r["annuel"], r["verite"])["couverture_mediane"] >= 0.9


def test_delais_de_la_fiche_comptent_les_contacts_sans_reponse():
    """Fiche : le délai médian porte sur tous les contacts du canal ; un contact sans réponse est censuré
    (l'ancienne moyenne des seuls contacts répondus donnait 2 jours ici), et l'intervalle manque, dit pourquoi,
    sous 5 réponses."""
    from analyse.rapports import fiche

    contacts = [f"C{i}" for i in range(8)]
    delais = [2.0, 2.0, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan]  # 2 réponses sur 8 contacts
    r = pd.DataFrame(
        {"id_contact": contacts, "canal": "courrier", "indicateur": "COURRIER_DELAI_JOURS", "valeur": delais}
    )
    d = fiche.delai_contacts(r, fiche.DELAIS[1], fenetre=30.0)
    assert (d["n_contacts"], d["n_reponses"]) == (8, 2) and np.isnan(d["mediane"])  # médiane non atteinte
    ligne = pd.Series({"n": 8, "n_reponses": 2, "valeur": d["mediane"], "ic_bas": d["ic_bas"], "ic_haut": d["ic_haut"]})
    assert fiche._valeur_delai(ligne) == "non atteinte (2 réponses sur 8)"
    assert fiche._intervalle_delai(ligne) == "aucun (moins de 5 réponses)"
    r["valeur"] = [2.0, 3.0, 4.0, 5.0, 6.0, 7.0, np.nan, np.nan]
    d = fiche.delai_contacts(r, fiche.DELAIS[1], fenetre=30.0)
    ligne = pd.Series({"n": 8, "n_reponses": 6, "valeur": d["mediane"], "ic_bas": d["ic_bas"], "ic_haut": d["ic_haut"]})
    assert d["mediane"] == 5.5 and fiche._intervalle_delai(ligne).startswith("[")  # palier à 1/2 : milieu
