"""Du nombre au mot : aucune phrase de fiche ne contredit ses tableaux ; multiplicité contrôlée.

Le compteur (``analyse.validation.contradictions``) recalcule lui-même les intervalles à partir
des nombres imprimés et lit les textes rendus : il ne passe pas par ``statistiques.verdicts``.
Sur le code d'avant l'issue 17, il trouvait des contradictions dans 344 fiches sur 350 (démo
2022) ; ici, 0 sur toutes les fiches de la petite démo.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analyse.donnees import stockage
from analyse.formatage import typographie_fr
from analyse.rapports import fiche
from analyse.statistiques import verdicts
from analyse.validation.contradictions import REGLES, affirmations_fiche, contradictions_fiche, textes_fiche

ANNEE = 2022


@pytest.fixture(scope="module")
def donnees(tmp_path_factory):
    from test_fiche import donnees_demo

    return donnees_demo(tmp_path_factory)


def test_aucune_phrase_de_fiche_ne_contredit_ses_tableaux(donnees):
    ids = stockage.lire(donnees, "participants", annee=ANNEE)["structure_id"]
    lignes = [affirmations_fiche(fiche.calculer_fiche(ANNEE, sid, donnees)).assign(sid=sid) for sid in ids]
    a = pd.concat(lignes, ignore_index=True)
    fautes = a[a["contradictions"] > 0]
    assert fautes.empty, fautes[["sid", "regle", "texte"]].to_string()
    affirmees = a.groupby("regle")["affirmations"].sum()
    # le contrôle ne passe pas à vide : les fiches affirment encore des écarts, des seuils, des priorités
    assert affirmees.get("ecart", 0) > len(ids) and affirmees.get("seuil", 0) > 0
    assert affirmees.get("priorite", 0) > 0


def _fiche(donnees):
    sid = stockage.lire(donnees, "participants", annee=ANNEE)["structure_id"].iloc[3]
    return fiche.calculer_fiche(ANNEE, sid, donnees)


def test_le_compteur_voit_les_contradictions_injectees(donnees):
    f = _fiche(donnees)
    assert contradictions_fiche(f).empty
    t = f["determinant"].copy()
    t.loc[0, "score"] = t.loc[0, "score_national"]  # écart nul : son intervalle contient 0
    incertain = t.loc[0, "libelle"]
    g = dict(f["global"], ic_bas=70.0, ic_haut=80.0)  # 75 et une borne de quartile dans l'intervalle
    position = dict(f["position"], q1=60.0, mediane=72.0, q3=85.0)
    trajectoire = pd.DataFrame(
        {"annee": [ANNEE - 1, ANNEE], "score": [70.0, 72.0], "ic_bas": [65.0, 67.0], "ic_haut": [75.0, 77.0]}
    )
    injecte = {**f, "determinant": t, "global": g, "position": position, "trajectoire": trajectoire}
    textes = {
        "tableaux": [f"{incertain} 60,0 [50,0\u202f; 70,0] 65,0 -5,0 au-dessus 3 non"],
        "synthese": [
            "Seuil de performance (75 points) : atteint.",
            "Position : dans le troisième quart des structures participantes.",
            "Évolution depuis sa participation précédente (2021) : +2,0 points.",
            f"Priorités suggérées : {incertain.lower()}.",
        ],
        "titres": [f"{incertain} : le plus en retrait (-5,0)"],
    }
    vus = contradictions_fiche(injecte, textes)
    assert set(vus["regle"]) == set(REGLES)
    # les mêmes affirmations, dites avec leur incertitude, ne sont pas des contradictions
    honnetes = {
        "tableaux": [f"{incertain} 60,0 [50,0\u202f; 70,0] 65,0 -5,0 non établi 3 non"],
        "synthese": [
            "Seuil de performance : atteinte du seuil de 75 points non établie.",
            "Position : entre le 2e et le 3e quartile.",
            "Évolution : stable aux erreurs d'échantillonnage près (+2,0 points, IC à 95 % [-5,0\u202f; 9,0]).",
            f"À surveiller (retrait non établi) : {incertain.lower()}.",
        ],
    }
    assert contradictions_fiche(injecte, honnetes).empty


def test_les_mots_de_la_fiche_viennent_des_verdicts(donnees):
    f = _fiche(donnees)
    textes = textes_fiche(f)
    g = f["global"]
    synthese = " ".join(textes["synthese"])  # texte rendu, blancs (espaces fines comprises) réduits

    def rendu(phrase: str) -> str:
        return " ".join(typographie_fr(phrase).split())

    assert rendu(g["verdict"].phrase) in synthese
    assert rendu(f["position"]["quartile"].phrase) in synthese
    for niveau in ("canal", "determinant", "etape"):
        t = f[niveau]
        assert (t["comparaison"] == [v.mot for v in t["verdict"]]).all()
        etablis = t["comparaison"].isin(["au-dessus", "en dessous"])
        assert ((t["ecart_bas"] > 0) | (t["ecart_haut"] < 0))[etablis].all()


def test_holm_tient_le_risque_d_une_fausse_comparaison_par_fiche():
    """Simulation : 19 comparaisons par fiche, toutes à écart vrai nul, erreurs types inégales."""
    rng = np.random.default_rng(17)
    n_fiches, k = 4000, 19
    erreurs = rng.uniform(1.0, 8.0, size=k)
    ecarts = rng.standard_normal((n_fiches, k)) * erreurs
    bas, haut = verdicts.intervalle_ecart(ecarts, erreurs)
    sans_ajustement = ((bas > 0) | (haut < 0)).any(axis=1).mean()
    avec_holm = np.mean([any(v.etabli for v in verdicts.verdicts_comparaisons(e, erreurs)) for e in ecarts[:1000]])
    assert sans_ajustement > 0.5  # 1 − 0,95¹⁹ ≈ 62 %
    assert avec_holm <= 0.07  # ≤ 5 % attendu, marge d'échantillonnage (1 000 fiches)


def test_holm_egal_a_statsmodels():
    from statsmodels.stats.multitest import multipletests

    p = np.random.default_rng(5).uniform(0, 0.2, size=(4, 19)) ** 2
    for ligne in p:
        assert np.allclose(verdicts.ajuster_holm(ligne), multipletests(ligne, method="holm")[1])


def test_holm_garde_la_puissance_sur_un_ecart_marque():
    ecarts = np.r_[12.0, np.zeros(18)]
    mots = [v.mot for v in verdicts.verdicts_comparaisons(ecarts, np.full(19, 2.0))]
    assert mots[0] == "au-dessus" and set(mots[1:]) == {"non établi"}


def test_evolution_couvre_la_difference_vraie():
    """Deux éditions indépendantes, scores de structure moyens de 4 contacts (écart type connu) :
    l'intervalle de la différence, reconstruit depuis les deux intervalles publiés, couvre à 95 %."""
    rng = np.random.default_rng(3)
    n, sigma, vrai = 20_000, 15.0, 4.0
    e = sigma / 2
    a = 60 + rng.normal(0, e, n)
    b = 60 + vrai + rng.normal(0, e, n)
    z = 1.959964
    couvert = [
        (v.bas <= vrai <= v.haut)
        for v in (
            verdicts.verdict_evolution(y, y - z * e, y + z * e, x, x - z * e, x + z * e) for x, y in zip(a[:3000], b)
        )
    ]
    assert 0.93 <= np.mean(couvert) <= 0.97


@pytest.mark.parametrize(
    ("pente", "bas", "haut", "p", "debut"),
    [
        (1.5, 0.3, 2.7, 0.01, "hausse de +1,5"),
        (-1.5, -2.7, -0.3, 0.01, "baisse de -1,5"),
        (1.5, 0.3, 2.7, 0.30, "pas de tendance établie, stable aux erreurs"),
        (0.4, -0.8, 1.6, 0.01, "pas de tendance établie, stable aux erreurs"),
    ],
)
def test_tendance_signee_avec_intervalle(pente, bas, haut, p, debut):
    v = verdicts.verdict_tendance(pente, bas, haut, p)
    assert v.phrase.startswith(debut)
    assert "[" in v.phrase  # l'intervalle est toujours dit


def test_titre_du_rapport_national_ne_dit_un_ecart_que_s_il_est_etabli():
    """Six groupes de même moyenne vraie : la paire extrême, choisie après coup, n'est dite
    « écart établi » que dans ≤ 5 % des 400 éditions simulées (2,2 % mesuré sur 2 000) ; un vrai écart de 20 points l'est."""
    from analyse.rapports.graphiques import titre_constat

    rng = np.random.default_rng(11)
    erreurs = np.array([1.0, 1.5, 2.0, 2.5, 3.0, 4.0])
    z = 1.959964

    def titre(moyennes):
        scores = moyennes + rng.standard_normal(6) * erreurs
        a = pd.DataFrame(
            {
                "libelle": list("ABCDEF"),
                "score": scores,
                "ic_bas": scores - z * erreurs,
                "ic_haut": scores + z * erreurs,
            }
        )
        return titre_constat(a)

    nuls = [titre(np.full(6, 65.0)) for _ in range(400)]
    assert np.mean(["écart établi" in t for t in nuls]) <= 0.05
    assert "Écarts non établis" in nuls[0] or "écart établi" in nuls[0]
    assert "écart établi" in titre(np.r_[85.0, np.full(5, 65.0)])


# --- Unification : tendances, suivi et déterminants passent par verdicts ----------------------


def test_difference_signee_plus_et_moins_un_et_demi_donnent_des_textes_differents():
    hausse, baisse = verdicts.verdict_difference(1.5, 0.7, 2.3), verdicts.verdict_difference(-1.5, -2.3, -0.7)
    assert (hausse.mot, baisse.mot) == ("hausse", "baisse") and hausse.phrase != baisse.phrase
    assert "[+0,7\u202f; +2,3]" in hausse.phrase and "[-2,3\u202f; -0,7]" in baisse.phrase
    assert not verdicts.verdict_difference(1.5, -0.2, 3.2).etabli


def test_tendance_des_series_lit_l_intervalle_et_la_p_ajustee():
    assert verdicts.verdict_tendance(1.5, 0.3, 2.7, 0.2).mot == "stable"  # intervalle seul ne suffit pas
    assert verdicts.verdict_tendance(float("nan"), float("nan"), float("nan")).mot == "–"
    assert verdicts.resume_tendances(["hausse", "stable"], ["Courrier", "Accueil"]).startswith(
        "aucune baisse établie, hausse établie pour courrier"
    )


def test_rupture_retenue_seulement_sous_le_seuil_ajuste():
    assert verdicts.verdict_rupture(True, 2020, -4.2, p_ajustee=0.01, edition_precedente=2018).etabli
    assert not verdicts.verdict_rupture(True, 2020, -4.2, p_ajustee=0.2, edition_precedente=2018).etabli
    assert verdicts.verdict_rupture(False, 2020, -4.2, p_ajustee=0.2).phrase.startswith("pas de rupture établie")


@pytest.mark.parametrize(
    ("bas", "haut", "mot"),
    [
        (20.0, 40.0, "au-dessus"),
        (3.0, float("inf"), "non établi"),
        (2.0, 9.0, "en dessous"),
        (10.0, 20.0, "non établi"),
    ],
)
def test_cible_lue_sur_tout_l_intervalle(bas, haut, mot):
    assert verdicts.verdict_cible(bas, haut, 15).mot == mot


def test_titre_reclamations_du_suivi_compte_les_verdicts_de_cible():
    from analyse.rapports.suivi import titre_reclamations

    r = pd.DataFrame({"delai_ic_bas": [20.0, 3.0, 2.0, float("nan")], "delai_ic_haut": [40.0, np.inf, 9.0, np.nan]})
    attendu = verdicts.resume_cible_mensuelle([verdicts.verdict_cible(b, h, 15) for b, h in r.to_numpy()], 15)
    assert titre_reclamations(r, 15) == attendu and "pendant 1 mois sur 4" in attendu


def test_devance_et_association_par_intervalles():
    assert verdicts.verdict_devance(0.09, 0.11, 0.04, 0.06).etabli
    assert not verdicts.verdict_devance(0.09, 0.11, 0.10, 0.12).etabli
    assert verdicts.verdict_association(-0.2, -0.3, -0.1).mot == "négative"
