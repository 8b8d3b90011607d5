"""Textes alternatifs des graphiques des rapports comparés aux données qui les ont produits.

Chaque figure est construite par le vrai constructeur du rapport à partir d'une petite table
écrite ici ; l'oracle est cette table (pas le dessin) : noms des séries, mois en toutes
lettres, catégories et valeurs, extrêmes des cartes de chaleur, longueur plafonnée, et le
CSV joint qui porte les mêmes libellés.
"""

from __future__ import annotations

import base64
import html
import io
import re

import numpy as np
import pandas as pd
import pytest

from analyse.donnees.codes import DETERMINANTS, libelle
from analyse.formatage import MOIS, mois_fr, nombre_fr
from analyse.rapports import determinants as rd, graphiques, suivi as rs, tendances as rt
from analyse.rapports.descriptions import LONGUEUR_MAX

SOURCE = "Source : essai"


def _alt_et_csv(fig, legende="Légende d'essai") -> tuple[str, pd.DataFrame, str]:
    bloc = str(graphiques.figure_html(fig, legende, resolution=40))
    alt = html.unescape(re.search(r'alt="([^"]*)"', bloc).group(1))
    nom = re.search(r'download="([^"]+)"', bloc).group(1)
    code = re.search(r"data:text/csv;[^,]*base64,([^\"]+)\"", bloc).group(1)
    csv = pd.read_csv(io.BytesIO(base64.b64decode(code)), sep=";", decimal=",", encoding="utf-8-sig")
    corps, suffixe = alt.rsplit(" Données complètes : ", 1)
    assert suffixe == f"{nom}.", alt  # le texte renvoie au CSV joint, par son nom
    assert len(corps) <= LONGUEUR_MAX, (len(corps), corps)
    assert not re.search(r"\(série \d+\)|Valeurs \(|\(s\)", alt), alt
    return corps, csv, nom


# --------------------------------------------------------------------------- tableau de bord mensuel


def _carte_p(n_mois=24) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    mois = pd.date_range("2021-01-01", periods=n_mois, freq="MS")
    p = rng.uniform(0.05, 0.3, n_mois)
    p[min(13, n_mois - 1)] = 0.62  # février 2022 (sur 24 mois) : le maximum
    p[5] = 0.01  # juin 2021 : le minimum
    return pd.DataFrame(
        {
            "mois": mois,
            "p": p,
            "limite_basse": 0.02,
            "limite_haute": 0.4,
            "p_barre": 0.15,
            "alerte": p > 0.4,
            "reference": np.arange(n_mois) < 12,
        }
    )


def test_mois_du_tableau_de_bord_en_toutes_lettres_dans_le_texte_et_le_csv():
    c = _carte_p()
    corps, csv, _ = _alt_et_csv(rs.graphique_carte_p({"carte_p": c}, SOURCE))
    part = csv[csv["Série"] == "Part de négatifs"]
    # Oracle : la table d'entrée, mois par mois (aujourd'hui : « janv. 2021 8, janv. 2021 12, mars 12 »).
    assert part["Catégorie"].tolist() == [mois_fr(m) for m in c["mois"]]
    assert part["Catégorie"].is_unique and part.iloc[1]["Catégorie"] == "février 2021"
    np.testing.assert_allclose(part["Valeur"], 100 * c["p"], atol=1e-3)
    assert f"maximum {nombre_fr(100 * c['p'].max())} (février 2022)" in corps
    assert f"minimum {nombre_fr(100 * c['p'].min())} (juin 2021)" in corps
    assert "de " + nombre_fr(100 * c["p"].iloc[0]) + " (janvier 2021) à" in corps
    assert "Niveau de référence 15" in corps  # la ligne de référence, nommée et chiffrée


def test_mois_courts_sans_annee_jamais_dans_la_description():
    corps, csv, _ = _alt_et_csv(rs.graphique_carte_p({"carte_p": _carte_p(10)}, SOURCE))
    mois_ecrits = re.findall(r"\b(" + "|".join(MOIS) + r") (\d{4})\b", corps + " ".join(csv["Catégorie"]))
    assert mois_ecrits and not re.search(r"\b(janv|févr|avr|juil|sept|oct|nov|déc)\.", corps)


def test_carte_de_chaleur_resumee_par_ses_extremes_avec_leurs_nombres():
    trimestres = pd.date_range("2022-01-01", periods=4, freq="QS")
    lignes = []
    rng = np.random.default_rng(5)
    for d in DETERMINANTS[:4]:
        for t in trimestres:
            lignes.append({"mois": t, "determinant": d, "n_negatifs": int(rng.integers(1, 9)), "n_polarises": 10})
    donnees = pd.DataFrame(lignes)
    donnees.loc[5, ["n_negatifs", "n_polarises"]] = [10, 10]  # maximum : 100 %
    donnees.loc[10, ["n_negatifs", "n_polarises"]] = [0, 20]  # minimum : 0 %
    donnees.loc[15, ["n_negatifs", "n_polarises"]] = [1, 2]  # case maigre (< 5 signaux) : sans valeur
    corps, csv, _ = _alt_et_csv(rs.graphique_determinants({"par_determinant": donnees}, SOURCE))
    haut, bas = donnees.loc[5], donnees.loc[10]
    trimestre = lambda m: f"T{(m.month - 1) // 3 + 1} {m.year}"  # noqa: E731
    assert f"maximum 100 ({libelle(haut['determinant'])}, {trimestre(haut['mois'])})" in corps
    assert f"minimum 0 ({libelle(bas['determinant'])}, {trimestre(bas['mois'])})" in corps
    assert "1 case sans valeur" in corps
    assert len(csv) == 15 and csv["Unité"].eq("Signaux négatifs (%)").all()


# --------------------------------------------------------------------------- déterminants


def test_lien_audit_perception_decrit_par_categories_et_non_par_positions():
    coefs = pd.DataFrame(
        {
            "terme": ["accessibilite", "courtoisie", "attente"],
            "libelle": ["Accessibilité", "Courtoisie", "Temps d'attente"],
            "coefficient": [0.15, 0.31, -0.04],
            "ic_bas": [0.05, 0.2, -0.12],
            "ic_haut": [0.25, 0.42, 0.04],
        }
    )
    resultats = {
        "structures_satisfaction": {
            "n_observations": 80,
            "coefficients": coefs,
            "r2": 0.76,
            "cible": "satisfaction_moyenne",
        }
    }
    corps, csv, _ = _alt_et_csv(rd.graphique_structures(resultats, SOURCE))
    serie = "Satisfaction moyenne (enquête, 0 à 10), R² = 0,76"
    assert set(csv["Série"]) == {serie}
    attendu = {libelle(t): v for t, v in zip(coefs["terme"], coefs["coefficient"])}
    assert dict(zip(csv["Catégorie"], csv["Valeur"])) == pytest.approx(attendu)
    for nom, v in attendu.items():
        assert f"{nom} {nombre_fr(v, 2)}" in corps
    assert "-0,1," not in corps and "0,15 -" not in corps  # plus de positions internes


def test_stabilite_nomme_editions_et_determinants():
    lignes = []
    for k, d in enumerate(["attente", "courtoisie", "qualite_reponse"]):
        for annee in (2020, 2021, 2022):
            v = 20.0 + 5 * k + (annee - 2020)
            lignes.append(
                {
                    "annee": annee,
                    "determinant": d,
                    "libelle": libelle(d),
                    "part_pct": v,
                    "pct_ic_bas": v - 2,
                    "pct_ic_haut": v + 2,
                    "part": v / 100,
                }
            )
    s = pd.DataFrame(lignes)
    corps, csv, _ = _alt_et_csv(rd.graphique_stabilite(s, SOURCE))
    assert set(csv["Série"]) == {libelle(d) for d in s["determinant"]}
    assert set(csv["Catégorie"].astype(str)) == {"2020", "2021", "2022"}  # éditions, pas positions décalées
    fusion = csv.astype({"Catégorie": int}).merge(
        s, left_on=["Série", "Catégorie"], right_on=["libelle", "annee"], validate="one_to_one"
    )
    np.testing.assert_allclose(fusion["Valeur"], fusion["part_pct"])
    assert f"{libelle('attente')} : 2020 20, 2021 21, 2022 22" in corps


# --------------------------------------------------------------------------- tendances


def _series_tendances(annees) -> pd.DataFrame:
    lignes = []
    for k, m in enumerate(rt.METHODES):
        for i, a in enumerate(annees):
            v = 68.0 - 0.3 * i * (k + 1)
            lignes.append(
                {
                    "annee": a,
                    "methode": m,
                    "niveau": "national",
                    "modalite": "ensemble",
                    "valeur": v,
                    "ic_bas": v - 1,
                    "ic_haut": v + 1,
                }
            )
    return pd.DataFrame(lignes)


def test_series_de_tendance_nommees_par_leur_methode():
    annees = [2012, 2013, 2014, 2015]
    s = _series_tendances(annees)
    resultats = {"series": s, "annees": annees, "publies": pd.DataFrame({"annee": [2013], "valeur": [70.1]})}
    corps, csv, _ = _alt_et_csv(rt.graphique_series_nationales(resultats, SOURCE))
    noms = {rt.LIBELLES_METHODES[m] for m in rt.METHODES}
    assert noms <= set(csv["Série"])
    assert "Chiffre publié (presse, organisateur)" in set(csv["Série"])
    for m in rt.METHODES:
        d = s[s["methode"] == m]
        ligne = csv[csv["Série"] == rt.LIBELLES_METHODES[m]]
        assert ligne["Catégorie"].astype(int).tolist() == annees
        np.testing.assert_allclose(ligne["Valeur"], d["valeur"])
    assert rt.LIBELLES_METHODES[rt.METHODES[0]] in corps


def test_cohortes_au_dela_de_huit_series_distinctes_et_nommees():
    annees = list(range(2012, 2023))
    c = pd.DataFrame(
        [{"cohorte": co, "annee": a, "score": 60 + (co - 2012) * 0.5} for co in annees for a in annees if a >= co]
    )
    fig = rt.graphique_cohortes({"cohortes": c, "annees": annees}, SOURCE)
    lignes = fig.axes[0].get_lines()
    styles = {(l.get_color(), l.get_marker(), l.get_linestyle()) for l in lignes}
    assert len(lignes) == 11 and len(styles) == 11  # aujourd'hui : 2012 et 2021 tous deux en bleu plein
    couleurs = {l.get_color() for l in lignes}
    assert len(couleurs) <= 8
    _, csv, _ = _alt_et_csv(fig)
    assert set(csv["Série"]) == {f"Entrées en {co}" for co in annees}


def test_titre_long_tient_dans_la_figure():
    """Le titre des cohortes était coupé à « …contre 68, » : chaque ligne tient dans la largeur."""
    annees = list(range(2012, 2023))
    c = pd.DataFrame(
        [{"cohorte": co, "annee": a, "score": 64.4 + (co < 2020) * 3.7} for co in annees for a in annees if a >= co]
    )
    fig = rt.graphique_cohortes({"cohortes": c, "annees": annees}, SOURCE)
    graphiques.png(fig, 60)
    rendu = fig.canvas.get_renderer()
    cadre = fig.bbox
    for texte in (fig._suptitle, fig._supxlabel):
        boite = texte.get_window_extent(rendu)
        assert boite.x0 >= cadre.x0 - 0.5 and boite.x1 <= cadre.x1 + 0.5, texte.get_text()
    assert "contre 68,1 pour les précédentes" in " ".join(fig._suptitle.get_text().split())


# --------------------------------------------------------------------------- typographie des figures


def test_espaces_fines_dans_les_libelles_des_axes_et_des_titres():
    a = pd.DataFrame(
        {
            "libelle": ["10 000–19 999", "≥ 100 000"],
            "score": [62.0, 64.3],
            "ic_bas": [60.0, 62.0],
            "ic_haut": [64.0, 66.0],
        }
    )
    fig = graphiques.barres_intervalles(a, "Part : 95 % des structures", reference=63.0)
    graphiques.png(fig, 40)
    graduations = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert "10\u202f000–19\u202f999" in graduations
    assert fig._suptitle.get_text() == "Part\u202f: 95\u202f% des structures"


def test_etiquettes_de_valeurs_au_dessus_de_la_ligne_de_reference():
    a = pd.DataFrame({"libelle": ["A", "B"], "score": [60.0, 61.0], "ic_bas": [58.0, 59.0], "ic_haut": [62.0, 63.0]})
    fig = graphiques.barres_intervalles(a, "Titre", reference=63.5)
    graphiques.png(fig, 40)
    ax = fig.axes[0]
    reference = next(l for l in ax.get_lines() if l.get_linestyle() == "--")
    for etiquette in ax.texts:
        assert etiquette.get_zorder() > reference.get_zorder()
        fond = etiquette.get_bbox_patch()
        assert fond is not None and fond.get_facecolor()[:3] == (1.0, 1.0, 1.0)


def test_petits_multiples_nommes_par_la_case_et_la_legende():
    """La légende n'est que dans la première case : chaque série porte le titre de sa case et sa méthode."""
    annees = [2012, 2013, 2014]
    s = _series_tendances(annees)
    s = pd.concat([s.assign(niveau="canal", modalite=m) for m in ("telephone", "courriel", "courrier")])
    tests_vides = pd.DataFrame({"methode": [], "niveau": [], "sens": []})
    fig = rt.graphique_petits_multiples({"series": s, "annees": annees, "tests": tests_vides}, "canal", "Titre", SOURCE)
    _, csv, _ = _alt_et_csv(fig)
    attendu = {
        f"{rt.libelle_modalite('canal', m)} – {rt.LIBELLES_METHODES[meth]}"
        for m in ("telephone", "courriel", "courrier")
        for meth in ("moyenne_participants", "effets_fixes")
    }
    assert set(csv["Série"]) == attendu
