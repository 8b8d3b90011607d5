"""Fiches qui ne tombent jamais : chaque section a une sortie définie quand son entrée manque.

Racine synthétique à une seule édition, sans enquête ni avis (comme 2012–2016), avec une
structure sans contact courrier et une structure sans aucun contact d'audit.
"""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

from analyse.donnees import stockage
from analyse.formatage import couper_texte
from analyse.rapports import fiche
from analyse.statistiques.determinants import priorites_structure
from conftest_rapport import _scores, creer_donnees_synthetiques

ANNEE = 2022
SANS_CONTACT, SANS_COURRIER, PIEGE = "S9999", "S0001", "S0002"
NOM_PIEGE = '<script>alert("x")</script> Mairie & Cie'


def _reecrire(racine, nom, table):
    dossier = racine / "processed" / nom / f"annee={ANNEE}"
    for f in dossier.glob("*.parquet"):
        f.unlink()
    table.drop(columns="annee").to_parquet(dossier / "part-0.parquet", index=False)


@pytest.fixture(scope="module")
def racine(tmp_path_factory):
    racine = creer_donnees_synthetiques(tmp_path_factory.mktemp("manques"), ANNEE)
    participants = stockage.lire(racine, "participants", annee=ANNEE)
    nouveau = participants.iloc[[0]].assign(structure_id=SANS_CONTACT, nom="Mairie sans audit")
    participants = pd.concat([participants, nouveau], ignore_index=True)
    participants.loc[participants["structure_id"] == PIEGE, "nom"] = NOM_PIEGE
    _reecrire(racine, "participants", participants)
    contacts = stockage.lire(racine, "contacts", annee=ANNEE)
    reponses = stockage.lire(racine, "reponses", annee=ANNEE)
    retires = contacts[(contacts["structure_id"] == SANS_COURRIER) & (contacts["canal"] == "courrier")]["id_contact"]
    contacts = contacts[~contacts["id_contact"].isin(retires)]
    reponses = reponses[~reponses["id_contact"].isin(retires)]
    _reecrire(racine, "contacts", contacts)
    _reecrire(racine, "reponses", reponses)
    _reecrire(
        racine,
        "scores",
        _scores(
            contacts.drop(columns="annee").assign(annee=ANNEE),
            reponses.drop(columns="annee").assign(annee=ANNEE),
            ANNEE,
        ),
    )
    return racine


def _fiche_complete(f: dict) -> str:
    """Toutes les sections, dans l'ordre du notebook ``fiche_structure``."""
    blocs = [
        fiche.bloc_synthese(f),
        fiche.tableau_niveau(f, "canal"),
        fiche.figure_determinants(f),
        fiche.tableau_niveau(f, "determinant"),
        fiche.tableau_niveau(f, "etape"),
        fiche.tableau_indicateurs(f),
        fiche.bloc_trajectoire(f),
        fiche.bloc_priorites(f),
        fiche.bloc_usagers(f),
        fiche.bloc_methode(f),
        fiche.tableau_echantillon(f),
    ]
    return _texte("".join(str(b) for b in blocs))


def _texte(contenu: str) -> str:
    """HTML déséchappé, retours à la ligne des gabarits ramenés à une espace."""
    return re.sub(r"[ \n]+", " ", html.unescape(contenu))


def test_priorites_sans_importance_ne_divisent_pas_par_zero():
    table = priorites_structure(pd.Series({"attente": float("nan")}), pd.Series({"attente": 60.0}))
    assert table.empty and "quadrant" in table.columns


def test_sans_enquete_ni_avis_ni_edition_precedente(racine):
    f = fiche.calculer_fiche(ANNEE, "S0003", racine)
    texte = _fiche_complete(f)
    assert f["priorites"].empty and f["evolution"] is None
    assert "aucune enquête en ligne n'est préparée" in texte
    assert "Première participation" in texte
    assert "0 réponse à l'enquête en ligne et 0 avis en ligne." in texte  # pluriel à partir de 2
    assert "Trop peu de réponses d'usagers" in texte
    assert "Priorité 1" not in texte


def test_structure_sans_contact_sur_un_canal(racine):
    f = fiche.calculer_fiche(ANNEE, SANS_COURRIER, racine)
    assert "courrier" not in set(f["canal"]["modalite"])
    courrier = f["indicateurs"][f["indicateurs"]["canal"] == "Courrier"]
    assert len(courrier) == 2 and (courrier["n"] == 0).all()  # une part et un délai, aucun contact
    tableau = _texte(str(fiche.tableau_indicateurs(f)))
    lignes = [ligne for ligne in tableau.split("<tr>") if "Courrier" in ligne]
    assert any("non testé" in ligne for ligne in lignes) and any("non mesuré" in ligne for ligne in lignes)
    texte = _fiche_complete(f)
    assert "Courrier" not in _texte(str(fiche.tableau_niveau(f, "canal")))  # pas de ligne vide inventée
    assert "points sur 100" in texte


def test_structure_sans_aucun_contact_d_audit(racine):
    f = fiche.calculer_fiche(ANNEE, SANS_CONTACT, racine)  # autrefois « Données incohérentes »
    assert f["global"] is None
    texte = _fiche_complete(f)
    assert "Aucun score global n'a pu être calculé" in texte
    assert "Aucun score disponible à ce niveau" in texte
    assert "Aucun score par déterminant n'est disponible" in texte
    assert "Aucun contact mystère exploitable" in texte
    assert "<figure" not in texte


def test_nom_de_structure_echappe(racine):
    f = fiche.calculer_fiche(ANNEE, PIEGE, racine)
    texte = str(fiche.bloc_synthese(f))
    assert "<script>" not in texte
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Mairie &amp; Cie" in texte


def _fiche_usagers(enquete: pd.DataFrame, avis: pd.DataFrame, textes: list[str]) -> dict:
    return {
        "annee": ANNEE,
        "demo": True,
        "usagers": {"enquete": enquete, "avis": avis, "textes": pd.Series(textes, dtype=object)},
    }


def test_enquete_sans_avis_et_extraits_plafonnes():
    enquete = pd.DataFrame({"satisfaction": [8, 9, 7, 6, 10, 3]})
    long = "Très bon accueil au guichet " * 40 + "FIN"
    texte = _texte(
        str(fiche.bloc_usagers(_fiche_usagers(enquete, pd.DataFrame(), [long, "Court."]), longueur_citation=120))
    )
    assert "satisfaction moyenne <strong>7,2 sur 10</strong>" in texte
    assert "Notes des avis en ligne" not in texte
    extrait = texte.split("«\u202f")[1].split("\u202f»")[0]  # guillemets à espaces fines insécables
    assert extrait.endswith("…") and len(extrait) <= 120 and "FIN" not in texte
    assert extrait[:-1] == long[: len(extrait) - 1].rstrip()  # coupé entre deux mots, rien d'inventé
    assert "«\u202fCourt.\u202f»" in texte


@pytest.mark.parametrize(
    ("texte", "longueur", "attendu"),
    [
        ("abc", 3, "abc"),
        ("un deux trois", 8, "un deux…"),
        ("un deux trois", 7, "un…"),
        ("anticonstitutionnellement", 10, "anticonst…"),
        ("un, deux", 5, "un…"),
    ],
)
def test_couper_texte(texte, longueur, attendu):
    coupe = couper_texte(texte, longueur)
    assert coupe == attendu and len(coupe) <= longueur
