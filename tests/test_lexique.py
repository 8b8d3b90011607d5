"""Classement par lexique : règles, lexique éditable, précision et rappel calculés (pas supposés)."""

import pandas as pd
import pytest

from analyse.donnees.codes import DETERMINANTS
from analyse.donnees.lecture import ErreurDonnees
from analyse.ecoute import lexique as lx


def test_normalisation_et_types_de_termes():
    assert lx.normaliser_texte("L’ACCUEIL, très « chaleureux » !") == "l accueil tres chaleureux"
    lexique = pd.DataFrame(
        {
            "determinant": ["attente", "transfert", "courtoisie"],
            "type": ["racine", "expression", "mot"],
            "terme": ["attend", "de service en service", "poli"],
        }
    )
    assert lx.classer_texte("J'ai attendu", lexique) == ["attente"]
    assert lx.classer_texte("Renvoyé de service en service", lexique) == ["transfert"]
    assert lx.classer_texte("un agent poli", lexique) == ["courtoisie"]
    assert lx.classer_texte("la politique locale", lexique) == []  # « poli » est un mot entier, pas une racine


def test_lexique_editable_depuis_un_fichier(tmp_path):
    chemin = tmp_path / "lexique.csv"
    chemin.write_text("determinant;type;terme\nattente;mot;bouchon\n", encoding="utf-8")
    assert lx.classer_texte("Quel bouchon au guichet", lx.charger_lexique(chemin)) == ["attente"]
    chemin.write_text("determinant;type;terme\nponctualite;mot;retard\n", encoding="utf-8")
    with pytest.raises(ErreurDonnees, match="ponctualite"):
        lx.charger_lexique(chemin)


def test_lexique_du_paquet_couvre_les_huit_determinants():
    lexique = lx.charger_lexique()
    assert set(lexique["determinant"]) == set(DETERMINANTS)
    assert set(lexique["type"]) <= set(lx.TYPES_TERMES)


def test_metriques_calculees_sur_un_cas_connu():
    """Trois textes : VP/FP/FN comptés à la main."""
    vraies = pd.Series(["attente", "attente|courtoisie", ""])
    predites = pd.Series(["attente", "courtoisie", "attente"])
    m = lx.mesurer_classement(vraies, predites).set_index("determinant")
    assert m.loc["attente", ["vp", "fp", "fn"]].tolist() == [1, 1, 1]
    assert m.loc["attente", "precision"] == 0.5 and m.loc["attente", "rappel"] == 0.5
    assert m.loc["courtoisie", "precision"] == 1.0 and m.loc["courtoisie", "rappel"] == 1.0
    assert pd.isna(m.loc["transfert", "precision"])
    assert m.loc["micro", "precision"] == pytest.approx(2 / 3) and m.loc["micro", "rappel"] == pytest.approx(2 / 3)


def test_precision_et_rappel_sur_l_echantillon_etiquete():
    """Les chiffres sont recalculés ici à partir des comptes, texte par texte, et non recopiés."""
    echantillon = lx.charger_echantillon()
    assert len(echantillon) >= 100 and set(echantillon["partie"]) == {"developpement", "controle"}
    controle = echantillon[echantillon["partie"] == "controle"]
    predites = lx.classer_textes(controle["texte"])["determinants"]
    vp = fp = fn = 0
    for v, p in zip(controle["determinants"], predites):
        v, p = set(filter(None, v.split("|"))), set(filter(None, p.split("|")))
        vp, fp, fn = vp + len(v & p), fp + len(p - v), fn + len(v - p)
    m = lx.evaluer_lexique().set_index("determinant")
    assert m.loc["micro", "precision"] == pytest.approx(vp / (vp + fp))
    assert m.loc["micro", "rappel"] == pytest.approx(vp / (vp + fn))
    # garde-fous larges : un lexique cassé (fichier vide, normalisation ratée) ferait chuter ces chiffres
    assert m.loc["micro", "precision"] > 0.7 and m.loc["micro", "rappel"] > 0.4
    dev = lx.evaluer_lexique(partie="developpement").set_index("determinant")
    assert dev.loc["micro", "rappel"] >= m.loc["micro", "rappel"]  # réglé sur le développement : optimiste


def test_etiquettes_de_la_demonstration(tmp_path):
    """Textes de la démonstration (étiquettes vraies plantées) : rappel et précision mesurés."""
    from analyse.config import lire_verite_demo
    from analyse.demo.editions import generer_demo

    generer_demo(tmp_path, echelle=0.3, annees=[2022])
    verite = lire_verite_demo(tmp_path)["ecoute"]["etiquettes"]["2022"]
    brut = pd.read_csv(tmp_path / "raw/2022/signaux.csv", sep=";", dtype=str, encoding="utf-8-sig")
    brut = brut[brut["id_signal"].isin(verite)]
    predites = lx.classer_textes(brut["texte"])["determinants"]
    m = lx.mesurer_classement(brut["id_signal"].map(verite), predites).set_index("determinant")
    assert m.loc["micro", "support"] > 500
    assert m.loc["micro", "precision"] > 0.6 and m.loc["micro", "rappel"] > 0.6
