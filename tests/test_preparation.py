"""Préparation : chaque motif de rejet, chaque faute de fichier, bilans et écriture."""

import shutil

import pandas as pd
import pytest

from analyse.chaine import preparer_edition
from analyse.cli import main
from analyse.config import Parametres
from analyse.donnees.codes import COLONNES_GRILLE
from analyse.donnees.lecture import ErreurDonnees
from analyse.donnees.stockage import lire
from fabrique import AUDITS, COLONNES_AUDITS, GRILLE, PARTICIPANTS, ecrire_edition

P = Parametres(n_bootstrap=50)
COLONNES_ENQUETE = [
    "id_reponse",
    "structure_id",
    "date_reponse",
    "canal",
    "satisfaction",
    "note_accessibilite",
    "note_reactivite",
    "note_courtoisie",
    "note_personnalisation",
    "note_attente",
    "note_qualite_reponse",
    "note_transfert",
    "note_reclamations",
    "commentaire",
]
COLONNES_AVIS = ["id_avis", "structure_id", "plateforme", "date_avis", "note", "texte", "date_reponse"]


def _enquete(*lignes):
    base = ("R0", "00101", "2022-10-03", "telephone", "8", "4", "4", "5", "3", "", "4", "2", "1", "Très bien")
    return COLONNES_ENQUETE, [base] + [tuple(l) for l in lignes]


def _avis(*lignes):
    base = ("V0", "00101", "google", "2022-10-03", "4", "Accueil agréable", "2022-10-05")
    return COLONNES_AVIS, [base] + [tuple(l) for l in lignes]


def _audit(**valeurs):
    ligne = dict(zip(COLONNES_AUDITS, AUDITS[0]))
    ligne.update({"id_contact": "X", **valeurs})
    return tuple(ligne[c] for c in COLONNES_AUDITS)


def _un_rejet(edition, fichier):
    rejets = edition.tables["rejets"]
    rejets = rejets.loc[rejets["fichier"].str.endswith(fichier)]
    assert len(rejets) == 1, rejets
    return rejets.iloc[0]


def _verifier_bilans(edition):
    for bilan in edition.bilans:
        rejets = edition.tables["rejets"]
        assert (rejets["fichier"] == bilan.fichier).sum() == bilan.rejetees
        assert bilan.lues == bilan.acceptees + bilan.rejetees


AUDITS_FAUTIFS = [
    (_audit(id_contact=""), "id_contact", "identifiant de contact manquant"),
    (_audit(id_contact="A1"), "id_contact", "en double (première occurrence ligne 2)"),
    (_audit(structure_id="99999"), "structure_id", "structure inconnue"),
    (_audit(canal="tel"), "canal", "canal invalide"),
    (_audit(scenario="visite"), "scenario", "scénario invalide"),
    (_audit(date_contact="31/02/2022"), "date_contact", "date invalide"),
    (_audit(date_contact="2019-10-03"), "date_contact", "hors de la période"),
    (_audit(vague="deux"), "vague", "vague invalide"),
    (_audit(C1="Oui"), "C1", "question du canal « courriel »"),
    (_audit(T1="Peut-être"), "T1", "attendu Oui ou Non"),
    (_audit(T3="7"), "T3", "entier de 1 à 4"),
    (_audit(T3="2,5"), "T3", "entier de 1 à 4"),
    (_audit(T2="abc"), "T2", "nombre positif attendu"),
    (_audit(T2="-1"), "T2", "nombre positif attendu"),
]


@pytest.mark.parametrize("ligne, colonne, motif", AUDITS_FAUTIFS)
def test_rejets_audits(tmp_path, ligne, colonne, motif):
    racine = ecrire_edition(tmp_path, audits=AUDITS + [ligne])
    edition = preparer_edition(racine, 2022, P)
    rejet = _un_rejet(edition, "audits.csv")
    assert rejet["colonne"] == colonne and motif in rejet["motif"] and rejet["ligne"] == len(AUDITS) + 2
    assert len(edition.tables["contacts"]) == len(AUDITS)
    _verifier_bilans(edition)


PARTICIPANTS_FAUTIFS = [
    (("", "Mairie X", "commune", "", "10", "", "R", ""), "structure_id", "identifiant de structure manquant"),
    (("00101", "Doublon", "commune", "", "10", "", "R", ""), "structure_id", "en double"),
    (("00109", "", "commune", "", "10", "", "R", ""), "nom", "nom de structure manquant"),
    (("00109", "Mairie X", "ville", "", "10", "", "R", ""), "type_structure", "type de structure invalide"),
    (("00109", "Mairie X", "commune", "", "beaucoup", "", "R", ""), "population", "population invalide"),
    (("00109", "Mairie X", "commune", "", "10", "", "R", "afnor"), "certifications", "certification inconnue"),
]


@pytest.mark.parametrize("ligne, colonne, motif", PARTICIPANTS_FAUTIFS)
def test_rejets_participants(tmp_path, ligne, colonne, motif):
    edition = preparer_edition(ecrire_edition(tmp_path, participants=PARTICIPANTS + [ligne]), 2022, P)
    rejet = _un_rejet(edition, "participants.csv")
    assert rejet["colonne"] == colonne and motif in rejet["motif"]
    assert len(edition.tables["participants"]) == len(PARTICIPANTS)
    _verifier_bilans(edition)


ENQUETE_FAUTIVE = [
    (("R0", "00101", "2022-10-03", "", "8", "", "", "", "", "", "", "", "", ""), "id_reponse", "en double"),
    (("R1", "77777", "2022-10-03", "", "8", "", "", "", "", "", "", "", "", ""), "structure_id", "structure inconnue"),
    (("R1", "00101", "03-10-2022", "", "8", "", "", "", "", "", "", "", "", ""), "date_reponse", "date invalide"),
    (("R1", "00101", "2022-10-03", "pigeon", "8", "", "", "", "", "", "", "", "", ""), "canal", "canal invalide"),
    (("R1", "00101", "2022-10-03", "", "12", "", "", "", "", "", "", "", "", ""), "satisfaction", "0 à 10"),
    (("R1", "00101", "2022-10-03", "", "", "", "", "", "", "", "", "", "", ""), "satisfaction", "0 à 10"),
    (("R1", "00101", "2022-10-03", "", "7", "", "", "", "", "", "6", "", "", ""), "note_qualite_reponse", "1 à 5"),
]


@pytest.mark.parametrize("ligne, colonne, motif", ENQUETE_FAUTIVE)
def test_rejets_enquete(tmp_path, ligne, colonne, motif):
    edition = preparer_edition(ecrire_edition(tmp_path, enquete=_enquete(ligne)), 2022, P)
    rejet = _un_rejet(edition, "enquete.csv")
    assert rejet["colonne"] == colonne and motif in rejet["motif"] and rejet["ligne"] == 3
    assert len(edition.tables["enquete"]) == 1
    _verifier_bilans(edition)


AVIS_FAUTIFS = [
    (("V0", "00101", "google", "2022-10-03", "4", "", ""), "id_avis", "en double"),
    (("V1", "00999", "google", "2022-10-03", "4", "", ""), "structure_id", "structure inconnue"),
    (("V1", "00101", "google", "2022/10/03", "4", "", ""), "date_avis", "date invalide"),
    (("V1", "00101", "google", "2022-10-03", "0", "", ""), "note", "1 à 5"),
    (("V1", "00101", "google", "2022-10-03", "4", "", "demain"), "date_reponse", "date invalide"),
    (("V1", "00101", "google", "2022-10-03", "4", "", "2022-10-01"), "date_reponse", "antérieure"),
]


@pytest.mark.parametrize("ligne, colonne, motif", AVIS_FAUTIFS)
def test_rejets_avis(tmp_path, ligne, colonne, motif):
    edition = preparer_edition(ecrire_edition(tmp_path, avis=_avis(ligne)), 2022, P)
    rejet = _un_rejet(edition, "avis.csv")
    assert rejet["colonne"] == colonne and motif in rejet["motif"]
    assert edition.tables["avis"]["delai_reponse_jours"].tolist() == [2.0]
    _verifier_bilans(edition)


def _grille_avec(**changement):
    lignes = [list(q) for q in GRILLE]
    colonnes = list(COLONNES_GRILLE)
    for colonne, valeur in changement.items():
        lignes[1][colonnes.index(colonne)] = valeur
    return lignes


@pytest.mark.parametrize(
    "changement, colonne, motif",
    [
        ({"canal": "tel"}, "canal", "code inconnu « tel »"),
        ({"etape": "fin"}, "etape", "code inconnu"),
        ({"determinant": "sourire"}, "determinant", "code inconnu"),
        ({"type_reponse": "liste"}, "type_reponse", "code inconnu"),
        ({"points_max": "quatre"}, "points_max", "points maximum invalides"),
        ({"bareme": ""}, "bareme", "barème manquant"),
        ({"bareme": "5:2|3:4"}, "bareme", "strictement croissants"),
        ({"bareme": "3:9"}, "bareme", "points hors de 0 à points_max"),
        ({"code_question": "T1"}, "code_question", "en double"),
    ],
)
def test_fautes_de_grille_bloquantes(tmp_path, changement, colonne, motif):
    racine = ecrire_edition(tmp_path, grille=_grille_avec(**changement))
    with pytest.raises(ErreurDonnees, match=motif) as erreur:
        preparer_edition(racine, 2022, P)
    assert erreur.value.ligne == 3 and erreur.value.colonne == colonne
    assert "grille.csv" in str(erreur.value)


def test_colonne_obligatoire_absente(tmp_path):
    racine = ecrire_edition(tmp_path)
    chemin = racine / "raw/2022/participants.csv"
    df = pd.read_csv(chemin, sep=";", dtype=str).drop(columns="type_structure")
    df.to_csv(chemin, sep=";", index=False)
    with pytest.raises(ErreurDonnees, match="type_structure") as erreur:
        preparer_edition(racine, 2022, P)
    assert erreur.value.ligne == 1


def test_question_de_la_grille_sans_colonne_et_colonne_inconnue(tmp_path):
    racine = ecrire_edition(tmp_path)
    chemin = racine / "raw/2022/audits.csv"
    df = pd.read_csv(chemin, sep=";", dtype=str)
    df.drop(columns="T3").to_csv(chemin, sep=";", index=False)
    with pytest.raises(ErreurDonnees, match="sans colonne : T3"):
        preparer_edition(racine, 2022, P)
    df.assign(Bonus="1").to_csv(chemin, sep=";", index=False)
    with pytest.raises(ErreurDonnees, match="colonne inconnue") as erreur:
        preparer_edition(racine, 2022, P)
    assert erreur.value.colonne == "Bonus"


def test_fichiers_manquants_ou_en_double(tmp_path):
    racine = ecrire_edition(tmp_path)
    (racine / "raw/2022/grille.csv").unlink()
    with pytest.raises(ErreurDonnees, match="grille.csv.*introuvable"):
        preparer_edition(racine, 2022, P)
    racine = ecrire_edition(tmp_path / "b")
    (racine / "raw/2022/audits.xlsx").write_bytes(b"")
    with pytest.raises(ErreurDonnees, match="coexistent"):
        preparer_edition(racine, 2022, P)
    with pytest.raises(ErreurDonnees, match="2031 n'y figure pas"):
        preparer_edition(racine, 2031, P)


@pytest.mark.parametrize(
    "options",
    [
        {"sep": ";", "encodage": "utf-8-sig", "dates_fr": True},
        {"sep": ",", "encodage": "utf-8", "dates_fr": False},
        {"sep": ";", "encodage": "cp1252", "dates_fr": True},
        {"sep": ";", "encodage": "utf-8", "xlsx": True},
    ],
)
def test_memes_resultats_quelles_que_soient_les_conventions(tmp_path, options):
    reference = preparer_edition(ecrire_edition(tmp_path / "ref"), 2022, P)
    edition = preparer_edition(ecrire_edition(tmp_path / "x", **options), 2022, P)
    for nom in ("participants", "contacts", "reponses", "scores"):
        pd.testing.assert_frame_equal(edition.tables[nom], reference.tables[nom], check_dtype=False)
    assert edition.tables["participants"]["nom"].tolist()[1] == "Mairie d'Èvrevasque"


def test_enqueteurs_pseudonymises(tmp_path):
    edition = preparer_edition(ecrire_edition(tmp_path), 2022, P)
    codes = set(edition.tables["contacts"]["enqueteur"])
    assert not codes & {"ENQ01", "ENQ02", "ENQ03", "ENQ04"}
    assert all(c.startswith("ENQ-") for c in codes) and len(codes) == 4


def test_codes_d_enqueteurs_masques_dans_les_textes_libres(tmp_path):
    audits = [tuple("Vu avec Xav-77 puis ENQ02." if v == "Très aimable" else v for v in a) for a in AUDITS]
    audits[0] = tuple("Xav-77" if v == "ENQ01" else v for v in audits[0])
    racine = ecrire_edition(
        tmp_path,
        audits=audits,
        enquete=_enquete(
            ("R1", "00101", "2022-10-03", "", "8", "", "", "", "", "", "", "", "", "Merci à enq03 et à ENQ04 !")
        ),
    )
    edition = preparer_edition(racine, 2022, P)
    assert edition.tables["textes_audit"]["texte"].tolist() == ["Vu avec [code masqué] puis [code masqué]."]
    assert edition.tables["enquete"]["commentaire"].tolist() == [
        "Très bien",
        "Merci à [code masqué] et à [code masqué] !",
    ]


def test_ecriture_idempotente_et_lisible_avec_pandas(tmp_path):
    racine = ecrire_edition(tmp_path, enquete=_enquete(), avis=_avis())
    for _ in range(2):
        assert main(["preparer", "--annee", "2022", "--donnees", str(racine), "--bootstrap", "50"]) == 0
    octets = (racine / "processed/scores/annee=2022/part-0.parquet").read_bytes()
    assert main(["preparer", "--toutes", "--donnees", str(racine), "--bootstrap", "50"]) == 0
    assert (racine / "processed/scores/annee=2022/part-0.parquet").read_bytes() == octets
    scores = pd.read_parquet(racine / "processed/scores")
    assert set(scores.columns) >= {
        "annee",
        "structure_id",
        "niveau",
        "modalite",
        "score",
        "ic_bas",
        "ic_haut",
        "n_contacts",
    }
    assert lire(racine, "scores", annee=2022)["annee"].dtype == "int64"
    assert not [p for p in (racine / "processed").iterdir() if p.name.startswith(".en_cours")]


def test_faute_de_fichier_n_ecrit_rien(tmp_path, capsys):
    racine = ecrire_edition(tmp_path, grille=_grille_avec(canal="tel"))
    assert main(["preparer", "--annee", "2022", "--donnees", str(racine)]) == 2
    sortie = capsys.readouterr()
    assert "grille.csv" in sortie.err and "ligne 3" in sortie.err and "Traceback" not in sortie.err
    assert not (racine / "processed").exists() or not any((racine / "processed").rglob("*.parquet"))


def test_une_edition_fautive_n_ecrase_pas_les_tables_existantes(tmp_path):
    racine = ecrire_edition(tmp_path)
    assert main(["preparer", "--annee", "2022", "--donnees", str(racine), "--bootstrap", "50"]) == 0
    avant = lire(racine, "scores")
    shutil.copy(racine / "raw/2022/grille.csv", tmp_path / "g.csv")
    ecrire_edition(tmp_path, grille=_grille_avec(canal="tel"))
    assert main(["preparer", "--annee", "2022", "--donnees", str(racine)]) == 2
    pd.testing.assert_frame_equal(lire(racine, "scores"), avant)


def test_cli_affiche_les_bilans(tmp_path, capsys):
    racine = ecrire_edition(tmp_path, audits=AUDITS + [_audit(canal="tel")])
    assert main(["preparer", "--annee", "2022", "--donnees", str(racine), "--bootstrap", "20"]) == 0
    sortie = capsys.readouterr().out
    assert "raw/2022/audits.csv : 7 lues, 6 acceptées, 1 rejetées" in sortie
    rejets = lire(racine, "rejets")
    assert rejets[["fichier", "ligne", "colonne"]].values.tolist() == [["raw/2022/audits.csv", 8, "canal"]]


# --- issue 12 : rien de perdu, aucune trace Python ---------------------------------------


def _preparer_cli(racine, *options):
    return main(["preparer", "--annee", "2022", "--donnees", str(racine), "--bootstrap", "20", *options])


def _octets_processed(racine):
    return {p.relative_to(racine): p.read_bytes() for p in sorted((racine / "processed").rglob("*")) if p.is_file()}


def _reduire_a_l_entete(chemin):
    chemin.write_bytes(chemin.read_bytes().splitlines(keepends=True)[0])


def test_participants_reduit_a_son_entete_ne_vide_rien(tmp_path, capsys):
    racine = ecrire_edition(tmp_path)
    assert _preparer_cli(racine) == 0
    avant = _octets_processed(racine)
    _reduire_a_l_entete(racine / "raw/2022/participants.csv")
    assert _preparer_cli(racine) == 2
    erreur = capsys.readouterr().err
    assert "raw/2022/participants.csv" in erreur and "aucun participant" in erreur and "Traceback" not in erreur
    assert _octets_processed(racine) == avant


def test_audits_reduit_a_son_entete_faute_de_fichier(tmp_path, capsys):
    racine = ecrire_edition(tmp_path)
    _reduire_a_l_entete(racine / "raw/2022/audits.csv")
    assert _preparer_cli(racine) == 2
    erreur = capsys.readouterr().err
    assert "raw/2022/audits.csv" in erreur and "aucun contact" in erreur and "Traceback" not in erreur
    assert not (racine / "processed").exists() or not any((racine / "processed").rglob("*.parquet"))


def test_aucun_contact_accepte_faute_de_fichier(tmp_path):
    audits = [_audit(id_contact=f"Z{i}", canal="tel") for i in range(3)]
    with pytest.raises(ErreurDonnees, match=r"audits\.csv.*aucun contact d'audit accepté \(3 lignes lues, 3 rejetées"):
        preparer_edition(ecrire_edition(tmp_path, audits=audits), 2022, P)


def test_forte_baisse_refusee_sauf_avec_remplacer(tmp_path, capsys):
    racine = ecrire_edition(tmp_path)
    assert _preparer_cli(racine) == 0
    avant = _octets_processed(racine)
    ecrire_edition(tmp_path, participants=PARTICIPANTS[:1], audits=AUDITS[:3])
    assert _preparer_cli(racine) == 3
    erreur = capsys.readouterr().err
    assert "raw/2022/participants.csv" in erreur and "1 participant" in erreur and "3" in erreur
    assert "--remplacer" in erreur and "Traceback" not in erreur
    assert _octets_processed(racine) == avant
    assert _preparer_cli(racine, "--remplacer") == 0
    assert lire(racine, "participants", annee=2022)["structure_id"].tolist() == ["00101"]


def test_baisse_moderee_acceptee(tmp_path):
    racine = ecrire_edition(tmp_path)
    assert _preparer_cli(racine) == 0
    ecrire_edition(tmp_path, participants=PARTICIPANTS[:2], audits=AUDITS[:5])
    assert _preparer_cli(racine) == 0
    assert len(lire(racine, "participants", annee=2022)) == 2


def test_population_invalide_motif_explicite_et_signale(tmp_path, capsys):
    fautif = ("00103", "CCAS de Vorlange", "autre_service_public", "CCAS", "beaucoup", "", "Normandie", "")
    racine = ecrire_edition(
        tmp_path,
        participants=PARTICIPANTS[:2] + [fautif],
        enquete=_enquete(("R1", "00103", "2022-10-03", "", "8", "", "", "", "", "", "", "", "", "")),
    )
    assert _preparer_cli(racine) == 0
    sortie = capsys.readouterr().out
    rejets = lire(racine, "rejets")
    for fichier in ("audits.csv", "enquete.csv"):
        motif = rejets.loc[rejets["fichier"].str.endswith(fichier), "motif"]
        assert len(motif) == 1
        assert "structure rejetée" in motif.iloc[0] and "raw/2022/participants.csv ligne 4" in motif.iloc[0]
        assert "population invalide" in motif.iloc[0] and "inconnue" not in motif.iloc[0]
    assert "Attention" in sortie and "00103" in sortie and "2 ligne(s)" in sortie


def test_garde_cli_erreur_inattendue_sans_trace(tmp_path, capsys, monkeypatch):
    import analyse.chaine

    def panne(*_args, **_kw):
        raise ValueError("panne simulée")

    monkeypatch.setattr(analyse.chaine, "preparer_edition", panne)
    racine = ecrire_edition(tmp_path)
    assert _preparer_cli(racine) == 4
    erreur = capsys.readouterr().err
    assert "Traceback" not in erreur and "Erreur inattendue" in erreur and "panne simulée" in erreur
    journaux = list((racine / "journaux").glob("analyse-*.log"))
    assert len(journaux) == 1 and str(journaux[0]) in erreur
    contenu = journaux[0].read_text(encoding="utf-8")
    assert "Traceback" in contenu and "ValueError: panne simulée" in contenu and "preparer" in contenu


def test_garde_cli_nomme_le_fichier_en_cours(tmp_path, capsys, monkeypatch):
    from analyse.donnees import preparation

    def panne(*_args, **_kw):
        raise KeyError("colonne_fantome")

    monkeypatch.setattr(preparation, "scores_contacts", panne)
    assert _preparer_cli(ecrire_edition(tmp_path)) == 4
    erreur = capsys.readouterr().err
    assert "(fichier « raw/2022/audits.csv »)" in erreur and "KeyError" in erreur and "Traceback" not in erreur


def test_interruption_code_130_sans_trace_ni_ecriture(tmp_path, capsys, monkeypatch):
    from analyse.donnees import preparation

    def interruption(*_args, **_kw):
        raise KeyboardInterrupt

    racine = ecrire_edition(tmp_path)
    assert _preparer_cli(racine) == 0
    avant = _octets_processed(racine)
    monkeypatch.setattr(preparation, "scores_structures", interruption)
    assert _preparer_cli(racine) == 130
    assert "Interrompu" in capsys.readouterr().err
    assert _octets_processed(racine) == avant


def test_codes_de_sortie_listes_dans_le_readme():
    from pathlib import Path

    from analyse.cli import CODES_SORTIE

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert {0, 1, 2, 3, 4} <= set(CODES_SORTIE)
    for code, sens in CODES_SORTIE.items():
        assert f"| {code} | {sens} |" in readme


# --- clé de pseudonymisation par installation ------------------------------------------------


@pytest.fixture
def cle_installation(tmp_path, monkeypatch):
    monkeypatch.delenv("ANALYSE_CLE_PSEUDONYMISATION", raising=False)
    chemin = tmp_path / "config" / "analyse" / "cle_pseudonymisation"
    monkeypatch.setenv("ANALYSE_FICHIER_CLE", str(chemin))
    return chemin


def test_cle_generee_au_premier_usage_proprietaire_seul(tmp_path, cle_installation, capsys):
    import hashlib
    import hmac
    import stat

    racine = ecrire_edition(tmp_path / "d")
    assert not cle_installation.exists()
    assert _preparer_cli(racine) == 0
    assert stat.S_IMODE(cle_installation.stat().st_mode) == 0o600
    assert stat.S_IMODE(cle_installation.parent.stat().st_mode) == 0o700
    cle = cle_installation.read_text().strip()
    assert len(cle) == 64
    codes = set(lire(racine, "contacts")["enqueteur"])
    attendus = {
        "ENQ-" + hmac.new(cle.encode(), c.encode(), hashlib.sha256).hexdigest()[:10]
        for c in ("ENQ01", "ENQ02", "ENQ03", "ENQ04")
    }
    assert codes == attendus
    ancienne = b"barometre-experience-citoyen"  # l'ancienne clé fixe, écrite dans le code
    assert not codes & {
        "ENQ-" + hmac.new(ancienne, c.encode(), hashlib.sha256).hexdigest()[:10] for c in ("ENQ01", "ENQ02")
    }
    sorties = capsys.readouterr()
    assert cle not in sorties.out + sorties.err
    assert not any(cle.encode() in p.read_bytes() for p in (racine / "processed").rglob("*") if p.is_file())


def test_meme_cle_memes_pseudonymes_autre_cle_autres(tmp_path, cle_installation, monkeypatch):
    racine = ecrire_edition(tmp_path / "d")
    premiere = preparer_edition(racine, 2022, P).tables["contacts"]
    pd.testing.assert_frame_equal(preparer_edition(racine, 2022, P).tables["contacts"], premiere)
    monkeypatch.setenv("ANALYSE_CLE_PSEUDONYMISATION", "une autre clé secrète de l'observatoire")
    autre = preparer_edition(racine, 2022, P).tables["contacts"]
    assert not set(autre["enqueteur"]) & set(premiere["enqueteur"])


def test_cle_fixe_seulement_pour_la_demo(tmp_path, cle_installation):
    from analyse.config import CLE_DEMO, FICHIER_VERITE_DEMO, cle_pseudonymisation

    racine = ecrire_edition(tmp_path / "d")
    (racine / FICHIER_VERITE_DEMO).write_text("{}")
    assert cle_pseudonymisation(racine) == CLE_DEMO.encode()
    preparer_edition(racine, 2022, P)
    assert not cle_installation.exists()
    (racine / FICHIER_VERITE_DEMO).unlink()
    assert cle_pseudonymisation(racine) != CLE_DEMO.encode() and cle_installation.exists()


def test_fichier_de_cle_dans_le_depot_refuse(tmp_path, monkeypatch, capsys):
    from analyse.config import RACINE

    monkeypatch.delenv("ANALYSE_CLE_PSEUDONYMISATION", raising=False)
    monkeypatch.setenv("ANALYSE_FICHIER_CLE", str(RACINE / "cle_pseudonymisation"))
    assert _preparer_cli(ecrire_edition(tmp_path)) == 2
    assert "hors du dépôt" in capsys.readouterr().err
    assert not (RACINE / "cle_pseudonymisation").exists()


def test_cle_impossible_a_creer_message_clair(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("ANALYSE_CLE_PSEUDONYMISATION", raising=False)
    (tmp_path / "fichier").write_text("pas un dossier")
    monkeypatch.setenv("ANALYSE_FICHIER_CLE", str(tmp_path / "fichier" / "cle"))
    assert _preparer_cli(ecrire_edition(tmp_path / "d")) == 2
    erreur = capsys.readouterr().err
    assert "impossible à créer" in erreur and "ANALYSE_FICHIER_CLE" in erreur and "Traceback" not in erreur
