"""Données de démonstration : contrat des fichiers bruts, conventions variées, vérités plantées."""

import csv
import json
import re
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from analyse.config import FICHIER_VERITE_DEMO, est_demo, lire_verite_demo
from analyse.demo import editions as demo
from analyse.donnees.codes import CANAUX, DETERMINANTS

COLONNES = {
    "participants.csv": [
        "structure_id",
        "nom",
        "type_structure",
        "sous_type",
        "population",
        "code_geo",
        "region",
        "certifications",
    ],
    "grille.csv": [
        "code_question",
        "libelle",
        "canal",
        "etape",
        "determinant",
        "type_reponse",
        "points_max",
        "bareme",
        "indicateur",
    ],
    "enquete.csv": [
        "id_reponse",
        "structure_id",
        "date_reponse",
        "canal",
        "satisfaction",
        *[f"note_{d}" for d in DETERMINANTS],
        "commentaire",
    ],
    "avis.csv": ["id_avis", "structure_id", "plateforme", "date_avis", "note", "texte", "date_reponse"],
}
FIXES_AUDITS = ["id_contact", "structure_id", "canal", "scenario", "date_contact", "vague", "enqueteur"]
PUBLIES = {2014: 70.0, 2015: 67.4, 2016: 68.9, 2017: 66.0, 2018: 68.5, 2020: 62.0}


@pytest.fixture(scope="module")
def complete(tmp_path_factory):
    """Les dix éditions à l'échelle 1 (quelques secondes)."""
    racine = tmp_path_factory.mktemp("demo_complete")
    resume = demo.generer_demo(racine, graine=2012, echelle=1.0)
    return racine, resume, lire_verite_demo(racine)


def _lire_csv(chemin: Path, conv: dict):
    """En-tête, enregistrements et ligne de début de chaque enregistrement, selon la convention déclarée."""
    texte = chemin.read_bytes().decode(conv["encodage"])
    lecteur = csv.reader(texte.splitlines(keepends=True), delimiter=conv["separateur"])
    entete = next(lecteur)
    lignes, debuts, fin_precedente = [], [], lecteur.line_num
    for enregistrement in lecteur:
        lignes.append(enregistrement)
        debuts.append(fin_precedente + 1)
        fin_precedente = lecteur.line_num
    return entete, lignes, debuts


def _conv(verite, annee):
    return verite["conventions"][str(annee)]


def _audits(racine, verite, annee):
    dossier = racine / "raw" / str(annee)
    if (dossier / "audits.xlsx").exists():
        feuille = openpyxl.load_workbook(dossier / "audits.xlsx", read_only=True).worksheets[0]
        lignes = [["" if v is None else str(v) for v in ligne] for ligne in feuille.iter_rows(values_only=True)]
        return lignes[0], lignes[1:], list(range(2, len(lignes) + 1))
    return _lire_csv(dossier / "audits.csv", _conv(verite, annee))


def test_deterministe_octet_pour_octet(tmp_path):
    fichiers = []
    for essai in ("a", "b"):
        demo.generer_demo(tmp_path / essai, graine=7, echelle=0.1, annees=[2014, 2017, 2022])
        fichiers.append(
            {
                p.relative_to(tmp_path / essai): p.read_bytes()
                for p in sorted((tmp_path / essai).rglob("*"))
                if p.is_file()
            }
        )
    assert fichiers[0].keys() == fichiers[1].keys()
    assert Path("raw/2014/audits.xlsx") in fichiers[0]
    for nom in fichiers[0]:
        assert fichiers[0][nom] == fichiers[1][nom], nom
    autre = tmp_path / "c"
    demo.generer_demo(autre, graine=8, echelle=0.1, annees=[2022])
    assert (autre / "raw/2022/audits.csv").read_bytes() != fichiers[0][Path("raw/2022/audits.csv")]


def test_marqueur_et_cles_de_verite(complete):
    racine, resume, verite = complete
    assert est_demo(racine) and (racine / FICHIER_VERITE_DEMO).exists()
    assert not (racine / "raw" / FICHIER_VERITE_DEMO).exists()
    for cle in (
        "graine",
        "echelle",
        "effets_edition",
        "effets_canal",
        "effets_type",
        "effet_certification",
        "effets_determinant",
        "effets_structure",
        "composition",
        "niveaux_attendus",
        "operationnels_attendus",
        "satisfaction",
        "rupture",
        "rejets_plantes",
    ):
        assert cle in verite, cle
    assert verite["donnees_fictives"] is True
    assert verite["mention"] == "données fictives de démonstration"
    assert verite["rupture"] == {"annee": 2020}
    assert set(verite["niveaux_attendus"]) == {str(a) for a in demo.ANNEES}
    texte = (racine / FICHIER_VERITE_DEMO).read_text(encoding="utf-8")
    assert texte == json.dumps(verite, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def test_editions_liste_toujours_les_dix(tmp_path):
    demo.generer_demo(tmp_path, echelle=0.1, annees=[2022])
    assert sorted(p.name for p in (tmp_path / "raw").iterdir()) == ["2022", "editions.csv"]
    entete, lignes, _ = _lire_csv(tmp_path / "raw/editions.csv", {"encodage": "utf-8-sig", "separateur": ";"})
    assert entete == ["annee", "numero", "debut_terrain", "fin_terrain", "libelle"]
    assert [int(l[0]) for l in lignes] == list(demo.ANNEES)
    assert [int(l[1]) for l in lignes] == list(range(1, 11))
    assert lignes[0][4] == "1re édition" and lignes[7][4] == "8e édition"


def test_annee_inconnue_refusee(tmp_path):
    with pytest.raises(ValueError, match="inconnue"):
        demo.generer_demo(tmp_path, annees=[2019])


def test_colonnes_du_contrat(complete):
    racine, _, verite = complete
    for annee in demo.ANNEES:
        dossier = racine / "raw" / str(annee)
        conv = _conv(verite, annee)
        for nom, attendues in COLONNES.items():
            if (dossier / nom).exists():
                assert _lire_csv(dossier / nom, conv)[0] == attendues, (annee, nom)
        codes = [l[0] for l in _lire_csv(dossier / "grille.csv", conv)[1]]
        assert _audits(racine, verite, annee)[0] == FIXES_AUDITS + codes


def test_conventions_variees_et_decodables(complete):
    racine, _, verite = complete
    convs = [_conv(verite, a) for a in demo.ANNEES]
    assert {c["encodage"] for c in convs} == {"utf-8", "utf-8-sig", "cp1252"}
    assert {c["separateur"] for c in convs} == {";", ","}
    assert {c["format_date"] for c in convs} == {"%d/%m/%Y", "%Y-%m-%d"}
    assert {c["milliers"] for c in convs} == {"", " ", "\u00a0"}
    for annee in demo.ANNEES:
        conv = _conv(verite, annee)
        for chemin in sorted((racine / "raw" / str(annee)).glob("*.csv")):
            octets = chemin.read_bytes()
            assert octets.startswith(b"\xef\xbb\xbf") == (conv["encodage"] == "utf-8-sig"), chemin
            entete, lignes, _ = _lire_csv(chemin, conv)
            assert all(len(l) == len(entete) for l in lignes), chemin
    # une édition entière en Windows-1252 : illisible en UTF-8, accents justes en cp1252
    brut = (racine / "raw/2012/participants.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        brut.decode("utf-8")
    assert "é" in brut.decode("cp1252")
    assert (racine / "raw/2014/audits.xlsx").exists() and not (racine / "raw/2014/audits.csv").exists()


def test_audits_2014_en_csv_au_dela_de_l_echelle_2(tmp_path):
    demo.generer_demo(tmp_path, echelle=2.5, annees=[2014])
    assert (tmp_path / "raw/2014/audits.csv").exists()
    assert lire_verite_demo(tmp_path)["conventions"]["2014"]["audits"] == "audits.csv"


def test_dates_et_nombres_selon_la_convention(complete):
    racine, _, verite = complete
    for annee in (2013, 2016):
        conv = _conv(verite, annee)
        entete, lignes, _ = _lire_csv(racine / f"raw/{annee}/participants.csv", conv)
        population = [l[4] for l in lignes if l[4] and l[4] != "NC"]
        if conv["milliers"]:
            assert any(conv["milliers"] in p for p in population)
        else:
            assert all(p.isdigit() for p in population)
        _, contacts, _ = _audits(racine, verite, annee)
        motif = r"\d{2}/\d{2}/\d{4}" if conv["format_date"] == "%d/%m/%Y" else r"\d{4}-\d{2}-\d{2}"
        assert sum(bool(re.fullmatch(motif, l[4])) for l in contacts) >= len(contacts) - 5
    entete, lignes, _ = _audits(racine, verite, 2022)
    attente = [l[i] for l in lignes for i, c in enumerate(entete) if c == "ACC_001" and l[i]]
    assert any("," in v for v in attente)  # minutes décimales, virgule décimale


def test_identifiants_gardent_leurs_zeros(complete):
    racine, _, verite = complete
    _, lignes, _ = _lire_csv(racine / "raw/2022/participants.csv", _conv(verite, 2022))
    assert all(re.fullmatch(r"S\d{5}", l[0]) for l in lignes)
    assert any(l[0].startswith("S00") for l in lignes)
    assert any(l[5].startswith("0") for l in lignes)  # codes géographiques à zéro de tête


def test_effectifs_proches_des_cibles(complete):
    racine, _, verite = complete
    for annee, cible in ((2017, 175), (2022, 350)):
        _, lignes, _ = _lire_csv(racine / f"raw/{annee}/participants.csv", _conv(verite, annee))
        ids = {l[0] for l in lignes}
        assert len(ids) == cible
        _, contacts, _ = _audits(racine, verite, annee)
        assert 11 <= len(contacts) / len(ids) <= 16
        asp = sum(l[2] == "autre_service_public" for l in lignes)
        if annee == 2017:
            assert asp == 40
        certifiees = np.mean([bool(l[7]) for l in lignes])
        assert 0.18 <= certifiees <= 0.38


def test_panel_stable_entre_editions(complete):
    racine, _, verite = complete
    precedents, noms = None, {}
    for annee in demo.ANNEES:
        _, lignes, _ = _lire_csv(racine / f"raw/{annee}/participants.csv", _conv(verite, annee))
        ids = {l[0] for l in lignes}
        for l in lignes:
            assert noms.setdefault(l[0], l[1]) == l[1]  # même structure, même nom
        if precedents is not None:
            assert len(ids & precedents) / len(ids) > 0.6, annee
        precedents = ids
    assert verite["composition"]["par_edition"]["2020"]["n_retours_apres_absence"] > 0


def test_canaux_et_fichiers_selon_les_annees(complete):
    racine, _, verite = complete
    for annee in demo.ANNEES:
        dossier = racine / "raw" / str(annee)
        canaux = {l[2] for l in _lire_csv(dossier / "grille.csv", _conv(verite, annee))[1]}
        assert ("reseaux_sociaux" in canaux) == (annee >= 2017)
        assert canaux <= set(CANAUX)
        assert (dossier / "enquete.csv").exists() == (annee >= 2017)
        assert (dossier / "avis.csv").exists() == (annee >= 2020)
        _, contacts, _ = _audits(racine, verite, annee)
        if annee < 2017:
            assert not any(l[2] == "reseaux_sociaux" for l in contacts)


def test_grilles_harmonisees(complete):
    racine, _, verite = complete
    grilles = {a: _lire_csv(racine / f"raw/{a}/grille.csv", _conv(verite, a))[1] for a in (2016, 2017)}
    for annee, lignes in grilles.items():
        assert 100 <= len(lignes) <= 200
        indicateurs = {l[8] for l in lignes}
        assert {"TEL_NB_SONNERIES", "TEL_DECROCHE_5_SONNERIES", "COURRIER_REPONSE_7_JOURS"} <= indicateurs
        assert "" in indicateurs
        assert {l[5] for l in lignes} == {"oui_non", "echelle4", "nombre", "texte"}
        assert {l[4] for l in lignes} == set(DETERMINANTS)
        for l in lignes:
            assert (l[5] == "texte") == (l[6] == "0")
            assert bool(l[7]) == (l[5] == "nombre")
    code = {a: {l[8]: l[0] for l in lignes} for a, lignes in grilles.items()}
    assert code[2016]["TEL_NB_SONNERIES"] != code[2017]["TEL_NB_SONNERIES"]  # refonte de 2017


def test_questions_d_un_autre_canal_vides(complete):
    racine, _, verite = complete
    plantees = {r["ligne"] for r in verite["rejets_plantes"] if r["annee"] == 2020 and r["fichier"] == "audits.csv"}
    canal_question = {l[0]: l[2] for l in _lire_csv(racine / "raw/2020/grille.csv", _conv(verite, 2020))[1]}
    entete, lignes, debuts = _audits(racine, verite, 2020)
    vides = remplies = 0
    for ligne, debut in zip(lignes, debuts):
        if debut in plantees:
            continue
        for code, valeur in zip(entete[7:], ligne[7:]):
            if canal_question[code] != ligne[2]:
                assert valeur == "", (debut, code)
            elif valeur in ("", "Sans objet", "NA", "NC"):
                vides += 1
            else:
                remplies += 1
    assert 0.03 < vides / (vides + remplies) < 0.2


def test_rejets_plantes_aux_lignes_annoncees(complete):
    racine, _, verite = complete
    rejets = verite["rejets_plantes"]
    motifs = {r["motif_attendu"] for r in rejets}
    assert motifs >= {
        "structure_inconnue",
        "id_contact_duplique",
        "canal_invalide",
        "reponse_invalide",
        "date_invalide",
        "reponse_hors_canal",
        "valeur_hors_bornes",
        "structure_dupliquee",
    }
    assert {r["valeur"] for r in rejets} >= {"Peut-être", "7", "abc", "12", "0", "fax"}
    for annee in demo.ANNEES:
        a_moi = [r for r in rejets if r["annee"] == annee and r["fichier"].startswith("audits")]
        assert {r["motif_attendu"] for r in a_moi} >= {"structure_inconnue", "reponse_invalide", "date_invalide"}
        for fichier in {r["fichier"] for r in rejets if r["annee"] == annee}:
            if fichier.startswith("audits"):
                entete, lignes, debuts = _audits(racine, verite, annee)
            else:
                entete, lignes, debuts = _lire_csv(racine / "raw" / str(annee) / fichier, _conv(verite, annee))
            par_debut = dict(zip(debuts, lignes))
            for r in (r for r in rejets if r["annee"] == annee and r["fichier"] == fichier):
                assert par_debut[r["ligne"]][entete.index(r["colonne"])] == r["valeur"], r
            n_plantes = sum(r["annee"] == annee and r["fichier"] == fichier for r in rejets)
            if fichier != "participants.csv":
                assert n_plantes <= max(8, 0.006 * len(lignes))


def test_niveaux_attendus_egaux_aux_chiffres_publies(complete):
    _, _, verite = complete
    niveaux = verite["niveaux_attendus"]
    for annee, publie in PUBLIES.items():
        assert abs(niveaux[str(annee)]["national"] - publie) <= 0.05
    assert niveaux["2018"]["national"] - niveaux["2020"]["national"] == pytest.approx(6.5, abs=0.05)
    canal = niveaux["2013"]["canal"]
    assert canal["telephone"] > canal["accueil_physique"] > canal["courriel"] > canal["courrier"]
    for annee in ("2018", "2020"):
        assert niveaux[annee]["certifie"] - niveaux[annee]["non_certifie"] > 4
    assert niveaux["2013"]["type"]["mairie_annexe"] < niveaux["2013"]["type"]["commune"] - 10
    assert set(niveaux["2022"]["determinant"]) == set(DETERMINANTS)
    operationnels = verite["operationnels_attendus"]["2016"]
    assert operationnels["TEL_DECROCHE_5_SONNERIES"] == pytest.approx(0.93, abs=0.02)
    assert operationnels["COURRIER_REPONSE_7_JOURS"] == pytest.approx(0.667, abs=0.02)
    assert operationnels["TEL_REPONDEUR_HORS_OUVERTURE"] == pytest.approx(0.75, abs=0.02)


def test_effet_de_composition_plante(complete):
    _, _, verite = complete
    composition = verite["composition"]
    assert composition["decalage_nouvelles_plante"] < 0
    parts = composition["par_edition"]["2020"]
    assert parts["moyenne_u_nouvelles"] < parts["moyenne_u_anciennes"] - 2


def test_satisfaction_lmg(complete):
    _, _, verite = complete
    satisfaction = verite["satisfaction"]
    assert satisfaction["rang_beta"][0] == "qualite_reponse"
    assert satisfaction["rang_beta"][-1] == "reclamations"
    assert satisfaction["rang_lmg"] == satisfaction["rang_beta"]
    assert sum(satisfaction["lmg"].values()) == pytest.approx(satisfaction["r2"], abs=1e-5)


def test_parts_lmg_sur_mtcars():
    """Référence R relaimpo / domir : mpg ~ am + vs + cyl."""
    chemin = Path(__file__).parent / "donnees" / "mtcars.csv"
    with open(chemin, encoding="utf-8") as f:
        lignes = list(csv.DictReader(f))
    donnees = np.array([[float(l[c]) for c in ("mpg", "am", "vs", "cyl")] for l in lignes])
    parts, r2 = demo._parts_lmg(np.cov(donnees.T))
    assert r2 == pytest.approx(0.7619773, abs=1e-6)
    assert parts == pytest.approx([0.1774892, 0.2027032, 0.3817849], abs=1e-6)


def test_enquete_et_avis_plausibles(complete):
    racine, _, verite = complete
    conv = _conv(verite, 2022)
    entete, lignes, debuts = _lire_csv(racine / "raw/2022/enquete.csv", conv)
    plantees = {r["ligne"] for r in verite["rejets_plantes"] if r["fichier"] == "enquete.csv" and r["annee"] == 2022}
    valides = [l for l, d in zip(lignes, debuts) if d not in plantees]
    assert all(0 <= int(l[4]) <= 10 for l in valides)
    notes = [l[5] for l in valides]
    assert 0.05 < np.mean([n == "" for n in notes]) < 0.15
    commentaires = " ".join(l[-1] for l in valides)
    assert re.search(r"@exemple\.fr", commentaires) and re.search(r"0[67]( \d\d){4}", commentaires)
    assert "\n" in commentaires
    assert verite["donnees_personnelles_plantees"]["2022"]["enquete"] > 0
    entete, lignes, _ = _lire_csv(racine / "raw/2022/avis.csv", conv)
    for l in lignes:
        if l[6]:
            jour = lambda t: tuple(reversed(t.split("/")))
            assert jour(l[6]) > jour(l[3])


def test_noms_fictifs(complete):
    racine, _, verite = complete
    _, lignes, _ = _lire_csv(racine / "raw/2022/participants.csv", _conv(verite, 2022))
    noms = [l[1] for l in lignes]
    assert len(set(noms)) == len({l[0] for l in lignes})
    reelles = re.compile(r"\b(" + "|".join(demo._VILLES_REELLES) + r")\b")
    assert not any(reelles.search(n) for n in noms)
    assert any(re.search("[éèêâôœç]", n) for n in noms)


def test_regeneration_sans_fichier_perime(tmp_path):
    demo.generer_demo(tmp_path, echelle=0.1, annees=[2014, 2022])
    demo.generer_demo(tmp_path, echelle=3, annees=[2014])
    assert sorted(p.name for p in (tmp_path / "raw").iterdir()) == ["2014", "editions.csv"]
    assert sorted(p.name for p in (tmp_path / "raw/2014").iterdir()) == ["audits.csv", "grille.csv", "participants.csv"]
