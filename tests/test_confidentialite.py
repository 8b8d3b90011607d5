"""Confidentialité : masquage des textes libres et fiches sans donnée d'un autre participant."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest

from analyse.demo.editions import _NOMS_PERSONNES, _PRENOMS
from analyse.donnees import confidentialite as c, stockage
from analyse.donnees.codes import libelle
from analyse.formatage import nombre_fr
from analyse.rapports import lot, rendu
from test_fiche import ANNEE, donnees_demo


@pytest.mark.parametrize(
    "texte, attendu",
    [
        ("Merci à Mme Odile Fermenthal pour son aide.", "Merci à [nom masqué] pour son aide."),
        (
            "M. Gaëtan Brasdelune (06 12 34 56 78) m'a bien renseigné.",
            "[nom masqué] ([téléphone masqué]) m'a bien renseigné.",
        ),
        ("Vous pouvez me joindre au +33 6 12 34 56 78.", "Vous pouvez me joindre au [téléphone masqué]."),
        ("Réponse à envoyer à prenom.nom@exemple.fr svp.", "Réponse à envoyer à [courriel masqué] svp."),
        ("Appelez le 01.23.45.67.89 ou 0612345678", "Appelez le [téléphone masqué] ou [téléphone masqué]"),
        ("Clémence Valcombrier a été parfaite", "[nom masqué] a été parfaite"),
        ("Merci à Monsieur Dupont-Durand", "Merci à [nom masqué]"),
        ("FERMENTHAL Odile, agent d'accueil", "[nom masqué], agent d'accueil"),
        ("Contrôle par ENQ-ef29d56546", "Contrôle par [code masqué]"),
        ("Très bon accueil à la Mairie de Saint-Malo, merci.", "Très bon accueil à la Mairie de Saint-Malo, merci."),
    ],
)
def test_masquer_texte(texte, attendu):
    assert c.masquer_texte(texte) == attendu


# Issue 12 : chaque cas relevé, plus des voisins ; (texte, attendu).
CAS_ISSUE_12 = [
    ("Numéro vert : 0 800 123 456.", "Numéro vert : [téléphone masqué]."),
    ("Bureau de Bruxelles : +32 2 123 45 67", "Bureau de Bruxelles : [téléphone masqué]"),
    ("Portable 06  12  34  56  78 !", "Portable [téléphone masqué] !"),
    ("Depuis l'étranger : +33 (0)1 23 45 67 89", "Depuis l'étranger : [téléphone masqué]"),
    ("Genève : 0041 22 123 45 67", "Genève : [téléphone masqué]"),
    ("Tél. 01\u00a023\u00a045\u00a067\u00a089", "Tél. [téléphone masqué]"),
    ("Écrire à marc.petit@mairie pour la suite", "Écrire à [courriel masqué] pour la suite"),
    ("Contact : jean(at)example.com", "Contact : [courriel masqué]"),
    ("Contact : jean [at] example [dot] com", "Contact : [courriel masqué]"),
    ("Contact : jean arobase example.fr", "Contact : [courriel masqué]"),
    ("Reçu par Mr Dupont hier", "Reçu par [nom masqué] hier"),
    ("Merci à madame Fermenthal !", "Merci à [nom masqué] !"),
    ("Dossier suivi par Mme de La Tour.", "Dossier suivi par [nom masqué]."),
    ("Mlle Durand et Dr Martin", "[nom masqué] et [nom masqué]"),
    ("Accueil par M. Le Goff", "Accueil par [nom masqué]"),
    ("monsieur DUPONT a répondu", "[nom masqué] a répondu"),
    ("Mme d'Argenson est partie", "[nom masqué] est partie"),
    ("Contrôle fait par ENQ5399 le matin", "Contrôle fait par [code masqué] le matin"),
    # rien à masquer
    ("Monsieur le maire a répondu", "Monsieur le maire a répondu"),
    ("Ouvert de 8 h 30 à 12 h, le 03/10/2022", "Ouvert de 8 h 30 à 12 h, le 03/10/2022"),
    ("Budget de 1 234 567 euros pour 2022", "Budget de 1 234 567 euros pour 2022"),
    ("Dossier n° 2022-10-0457, article L. 2121-29", "Dossier n° 2022-10-0457, article L. 2121-29"),
]


@pytest.mark.parametrize("texte, attendu", CAS_ISSUE_12)
def test_masquage_cas_de_l_issue_12(texte, attendu):
    assert c.masquer_texte(texte) == attendu
    assert c.contient_donnees_personnelles(texte) == (texte != attendu)


def test_codes_d_enqueteurs_de_l_edition_quel_que_soit_leur_format():
    codes = ["Xav-77", "J.D 12", "enq01"]
    texte = "Vu par Xav-77, puis J.D 12 et ENQ01 ; Xav-770 n'est pas un code."
    assert c.masquer_texte(texte, codes=codes) == (
        "Vu par [code masqué], puis [code masqué] et [code masqué] ; Xav-770 n'est pas un code."
    )
    milliers = [f"AUD{i:05d}" for i in range(5000)]
    assert c.masquer_texte("AUD04999 et AUD1", codes=milliers) == "[code masqué] et AUD1"


def test_extraits_plafonnes():
    long = "Très long commentaire. " * 5000
    extrait = c.masquer_texte(long)
    assert len(extrait) <= c.LONGUEUR_MAX_EXTRAIT + 1 and extrait.endswith("…")
    assert c.masquer_texte("court") == "court"
    assert c.masquer_texte(long, longueur_max=None) == long


def test_textes_de_la_demo_masques(tmp_path_factory):
    donnees = donnees_demo(tmp_path_factory)
    textes = pd.concat([stockage.lire(donnees, "enquete")["commentaire"], stockage.lire(donnees, "avis")["texte"]])
    textes = textes.dropna().astype(str)
    plantes = textes[textes.str.contains("@|Mme |M\\. |\\+33", regex=True)]
    assert len(plantes) > 5  # la démo plante bien des données personnelles
    masques = c.masquer_serie(textes)
    for texte in masques:
        assert not c.contient_donnees_personnelles(texte), texte
        assert not any(nom in texte for nom in _NOMS_PERSONNES), texte
        assert not re.search(r"\d{2}[ .]?\d{2}[ .]?\d{2}[ .]?\d{2}", texte), texte
    assert not any(re.search(rf"\b{p}\b", t) for t in masques for p in _PRENOMS)


def _texte_html(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def _lignes_tableau(corps: str, legende: str) -> dict[str, list[str]]:
    bloc = html.unescape(corps).split(f"<caption>{legende}</caption>", 1)[1].split("</table>", 1)[0]
    bloc = bloc.split("<tbody>", 1)[1]  # en-têtes de ligne <th scope="row"> et cellules <td>
    lignes = {}
    for ligne in re.findall(r"<tr>(.*?)</tr>", bloc, flags=re.DOTALL):
        cellules = [
            re.sub(r"<[^>]+>", "", x).strip() for x in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", ligne, flags=re.DOTALL)
        ]
        if cellules:
            lignes[cellules[0]] = cellules
    return lignes


def test_chaque_fiche_de_l_edition_est_confidentielle_et_juste(tmp_path_factory, tmp_path):
    """Pour toutes les fiches d'une édition de test : ni nom ni identifiant d'un autre participant,
    aucun code d'enquêteur ni donnée personnelle, et les scores affichés sont ceux de processed/scores."""
    donnees = donnees_demo(tmp_path_factory)
    participants = stockage.lire(donnees, "participants", annee=ANNEE)
    scores = stockage.lire(donnees, "scores", annee=ANNEE)
    enqueteurs = set(stockage.lire(donnees, "contacts", annee=ANNEE)["enqueteur"].dropna())
    noms = dict(zip(participants["structure_id"], participants["nom"]))
    try:
        for sid, nom in noms.items():
            nb = lot.executer_fiche(ANNEE, sid, donnees, tmp_path, dossier=tmp_path)
            corps = rendu.notebook_vers_html(nb)
            texte = _texte_html(corps) + " " + lot.texte_couverture(nb)
            for autre, autre_nom in noms.items():
                if autre == sid:
                    continue
                assert not re.search(rf"\b{re.escape(autre)}\b", texte), (sid, autre)
                if autre_nom not in nom:
                    assert autre_nom not in texte, (sid, autre_nom)
            assert nom in texte
            assert not any(code in texte for code in enqueteurs)
            assert not c.contient_donnees_personnelles(texte)
            propres = scores[scores["structure_id"] == sid].set_index(["niveau", "modalite"])
            assert f"{nombre_fr(propres.loc[('global', ''), 'score'])} points sur 100" in texte
            for niveau, legende in (
                ("canal", "Scores par canal de contact"),
                ("determinant", "Scores par déterminant de la qualité de l'accueil"),
                ("etape", "Scores par étape du parcours de l'usager"),
            ):
                lignes = _lignes_tableau(corps, legende)
                attendues = propres.loc[niveau]
                assert len(lignes) == len(attendues)
                for modalite, ligne in attendues.iterrows():
                    assert lignes[libelle(modalite)][1] == nombre_fr(ligne["score"]), (sid, modalite)
    finally:
        lot.arreter_noyaux()
