"""Lecture robuste (issue 16, point 6) : encodages mixtes décidés par ligne, XLSX creux lu en
mémoire bornée, dossiers et liens symboliques, notation scientifique dans les entiers."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from analyse.donnees import lecture
from analyse.donnees.lecture import ErreurDonnees, convertir_entiers, lire_table
from analyse.donnees.stockage import lire
from fabrique import PARTICIPANTS, ecrire_edition
from test_preparation import _preparer_cli

PROPRIETES = settings(derandomize=True, max_examples=60, deadline=None, database=None)
NOMS = ["Mairie de Béziers", "Île-Vorlange", "Préfecture de l'Aïn", "CCAS d'Évry", "Mairie de Saint-Étienne"]


# --------------------------------------------------------------------------- encodages


def _fichier(lignes_utf8: list[str], ligne_cp1252: str | None = None, position: int | None = None) -> bytes:
    lignes = [l.encode("utf-8") for l in lignes_utf8]
    if ligne_cp1252 is not None:
        lignes.insert(len(lignes) if position is None else position, ligne_cp1252.encode("cp1252"))
    return b"\r\n".join(lignes) + b"\r\n"


def test_ligne_windows_1252_ajoutee_a_un_fichier_utf8_refusee(tmp_path):
    """Le cas de l'issue : une ligne Windows-1252 ajoutée au bout d'un fichier UTF-8 faisait
    tout décoder en Windows-1252 (noms abîmés, sortie 0)."""
    chemin = tmp_path / "participants.csv"
    lignes = ["id;nom"] + [f"{i};{n}" for i, n in enumerate(NOMS)]
    chemin.write_bytes(_fichier(lignes, "99;Mairie de Mâcon"))
    with pytest.raises(ErreurDonnees, match="encodage mixte") as erreur:
        lire_table(chemin, "raw/2022/participants.csv")
    assert erreur.value.ligne == len(lignes) + 1
    assert "Mâcon" not in str(erreur.value) and "MÃ" not in str(erreur.value)


def test_fichier_entierement_windows_1252_accepte(tmp_path):
    chemin = tmp_path / "participants.csv"
    chemin.write_bytes(("id;nom\r\n" + "".join(f"{i};{n}\r\n" for i, n in enumerate(NOMS))).encode("cp1252"))
    table = lire_table(chemin)
    assert table.encodage == "cp1252" and table.donnees["nom"].tolist() == NOMS


def test_bom_utf8_puis_ligne_windows_1252_refusee(tmp_path):
    chemin = tmp_path / "avis.csv"
    chemin.write_bytes(b"\xef\xbb\xbf" + _fichier(["id;texte", "1;ok"], "2;très bien"))
    with pytest.raises(ErreurDonnees, match="BOM") as erreur:
        lire_table(chemin)
    assert erreur.value.ligne == 3


@given(
    noms=st.lists(st.sampled_from(NOMS), min_size=1, max_size=8),
    intrus=st.sampled_from(["Mâcon", "Génève", "Hôpital", "Œuvre", "Müller"]),
    position=st.integers(1, 9),
)
@PROPRIETES
def test_encodage_decide_par_ligne(noms, intrus, position):
    lignes = ["id;nom"] + [f"{i};{n}" for i, n in enumerate(noms)]
    position = min(position, len(lignes))
    octets = _fichier(lignes, f"99;{intrus}", position)
    with pytest.raises(ErreurDonnees, match="encodage mixte") as erreur:
        lecture.decoder(octets, "f.csv")
    assert erreur.value.ligne == position + 1
    # le même fichier tout en Windows-1252 : accepté, noms intacts
    tout_cp1252 = "\r\n".join([*lignes[:position], f"99;{intrus}", *lignes[position:]]).encode("cp1252")
    texte, encodage = lecture.decoder(tout_cp1252, "f.csv")
    assert encodage == "cp1252" and intrus in texte and all(n in texte for n in noms)


def test_preparer_refuse_le_fichier_mixte_code_2(tmp_path, capsys):
    racine = ecrire_edition(tmp_path)
    participants = racine / "raw/2022/participants.csv"
    participants.write_bytes(participants.read_bytes() + "00199;Mairie de Mâcon;commune;;1200;;R;\r\n".encode("cp1252"))
    n_lignes = participants.read_bytes().count(b"\n")
    assert _preparer_cli(racine) == 2
    erreur = capsys.readouterr().err
    assert "raw/2022/participants.csv" in erreur and f"ligne {n_lignes}" in erreur and "encodage mixte" in erreur
    assert not (racine / "processed").exists() or not list((racine / "processed").rglob("*.parquet"))


# --------------------------------------------------------------------------- XLSX creux

ENTETES = [f"col{j}" for j in range(12)]


def _classeur(chemin: Path, n_lignes: int, egaree: str | None = None, dimension: str | None = None) -> Path:
    """Classeur de ``n_lignes`` × 12 colonnes ; ``egaree`` ajoute une cellule (« A1048576 ») et
    ``dimension`` réécrit la plage déclarée, directement dans le XML."""
    import openpyxl

    classeur = openpyxl.Workbook(write_only=True)
    feuille = classeur.create_sheet()
    feuille.append(ENTETES)
    for i in range(n_lignes):
        feuille.append([f"v{i}-{j}" if j % 2 else i * 10 + j for j in range(12)])
    brut = chemin.with_suffix(".brut.xlsx")
    classeur.save(brut)
    with zipfile.ZipFile(brut) as source, zipfile.ZipFile(chemin, "w", zipfile.ZIP_DEFLATED) as cible:
        for entree in source.infolist():
            donnees = source.read(entree.filename)
            if entree.filename.startswith("xl/worksheets/sheet"):
                xml = donnees.decode()
                if egaree:
                    ligne = re.sub(r"\D", "", egaree)
                    cellule = f'<row r="{ligne}"><c r="{egaree}" t="inlineStr"><is><t>égarée</t></is></c></row>'
                    xml = xml.replace("</sheetData>", cellule + "</sheetData>")
                if dimension:
                    xml = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="{dimension}"/>', xml)
                donnees = xml.encode()
            cible.writestr(entree, donnees)
    brut.unlink()
    return chemin


MESURE = textwrap.dedent(
    """
    import resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))  # garde-fou de la machine partagée
    from analyse.donnees import lecture
    table = lecture.lire_table(sys.argv[1], "raw/2022/audits.xlsx")
    # VmHWM : pic du processus depuis son exec (ru_maxrss, lui, garde sous Linux le pic du parent
    # forké, ici pytest, et mesurerait la suite plutôt que la lecture)
    etat = open("/proc/self/status").read()
    pic = int(etat.split("VmHWM:")[1].split()[0]) // 1024
    print(lecture.__file__, len(table), int(table.lignes[-1]), table.donnees.iloc[-1, 0], pic)
    """
)


def test_cellule_egaree_en_a1048576_lue_en_memoire_bornee(tmp_path):
    """Avant : plage d'un million de lignes allouée en entier (plus de 8 Go pour 3 Mo).
    Mémoire de pointe mesurée dans un sous-processus ; la mesure à 3 Mo est dans benchmarks/."""
    chemin = _classeur(tmp_path / "audits.xlsx", 1_500, egaree="A1048576")
    source = Path(lecture.__file__).parents[2]  # le paquet testé, pas une autre copie installée
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(source), *sys.path])}
    sortie = subprocess.run(
        [sys.executable, "-c", MESURE, str(chemin)], capture_output=True, text=True, env=env, timeout=600
    )
    assert sortie.returncode == 0, sortie.stderr[-2000:]
    fichier_lecture, n, derniere, valeur, pic_mo = sortie.stdout.split()
    assert fichier_lecture == lecture.__file__
    assert (int(n), int(derniere), valeur) == (1_501, 1_048_576, "égarée")
    assert int(pic_mo) < 600, pic_mo  # ~200 Mo attendus (Python, pandas) ; la plage dense en demandait des Go


def test_plage_declaree_trop_petite_ne_tronque_rien(tmp_path):
    chemin = _classeur(tmp_path / "audits.xlsx", 50, egaree="C900", dimension="A1:B2")
    table = lire_table(chemin)
    assert len(table) == 51 and table.lignes[-1] == 900 and table.donnees["col2"].iloc[-1] == "égarée"
    assert table.lignes[:3].tolist() == [2, 3, 4]


def test_cellule_egaree_dans_une_colonne_lointaine(tmp_path):
    chemin = _classeur(tmp_path / "audits.xlsx", 30, egaree="XFD5")
    with pytest.raises(ErreurDonnees, match="en-tête vide"):  # valeur sans en-tête : faute de fichier
        lire_table(chemin)


@pytest.mark.parametrize("n_lignes", [3, 40])
def test_lecture_en_flux_identique_a_la_lecture_dense(tmp_path, monkeypatch, n_lignes):
    """Oracle pair : les deux lecteurs (calamine dense, openpyxl en flux) donnent la même table."""
    chemin = tmp_path / "audits.xlsx"
    pd.DataFrame(
        {
            "ID_contact": ["00007", "A2", "x"] * (n_lignes // 3 + 1),
            "Vague": [1, 2, 3] * (n_lignes // 3 + 1),
            "Date_contact": pd.to_datetime(["2022-10-03", "2022-10-04", "2022-10-05"] * (n_lignes // 3 + 1)),
            "Nombre": [2.5, None, 1e-3] * (n_lignes // 3 + 1),
            "Texte": ["Très bien", "Sans objet", " "] * (n_lignes // 3 + 1),
        }
    ).iloc[:n_lignes].to_excel(chemin, index=False)
    dense = lire_table(chemin)
    monkeypatch.setattr(lecture, "_feuille_creuse", lambda _: True)
    en_flux = lire_table(chemin)
    pd.testing.assert_frame_equal(dense.donnees, en_flux.donnees)
    assert dense.lignes.tolist() == en_flux.lignes.tolist() and dense.entetes == en_flux.entetes


def test_classeur_creux_detecte(tmp_path):
    assert lecture._feuille_creuse(_classeur(tmp_path / "a.xlsx", 100, egaree="A1048576"))
    assert not lecture._feuille_creuse(_classeur(tmp_path / "b.xlsx", 100))


# --------------------------------------------------------------------------- dossiers et liens


def test_dossier_a_la_place_d_un_fichier_code_2(tmp_path, capsys):
    racine = ecrire_edition(tmp_path)
    (racine / "raw/2022/avis.csv").mkdir()
    assert _preparer_cli(racine) == 2
    erreur = capsys.readouterr().err
    assert "raw/2022/avis.csv" in erreur and "dossier" in erreur and "Traceback" not in erreur


def test_lien_qui_sort_de_raw_refuse_sans_citer_la_cible(tmp_path, capsys):
    secret = tmp_path / "ailleurs" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:ligne-confidentielle\n", encoding="utf-8")
    racine = ecrire_edition(tmp_path / "donnees")
    participants = racine / "raw/2022/participants.csv"
    participants.unlink()
    participants.symlink_to(secret)
    assert _preparer_cli(racine) == 2
    erreur = capsys.readouterr().err
    assert "lien symbolique" in erreur and "raw/2022/participants.csv" in erreur
    assert "confidentielle" not in erreur and "root" not in erreur and "ailleurs" not in erreur


def test_lien_dans_raw_accepte_et_lien_casse_refuse(tmp_path):
    racine = ecrire_edition(tmp_path)
    raw = racine / "raw"
    copie = raw / "2021" / "participants.csv"
    copie.parent.mkdir()
    copie.write_bytes((raw / "2022/participants.csv").read_bytes())
    (raw / "2022/participants.csv").unlink()
    (raw / "2022/participants.csv").symlink_to(copie)
    assert len(lire_table(raw / "2022/participants.csv")) == len(PARTICIPANTS)
    (raw / "2022/avis.csv").symlink_to(raw / "2022/absent.csv")
    with pytest.raises(ErreurDonnees, match="lien symbolique cassé"):
        lire_table(raw / "2022/avis.csv")


def test_dossier_d_edition_lie_hors_de_raw_refuse(tmp_path):
    dehors = ecrire_edition(tmp_path / "dehors") / "raw" / "2022"
    racine = tmp_path / "donnees"
    (racine / "raw").mkdir(parents=True)
    (racine / "raw" / "2022").symlink_to(dehors, target_is_directory=True)
    with pytest.raises(ErreurDonnees, match="hors de « raw/ »"):
        lire_table(racine / "raw/2022/participants.csv")


# --------------------------------------------------------------------------- entiers


@pytest.mark.parametrize("ecrit", ["2,9e4", "2.9E4", "1e3", "inf", "0x10", "1_000", "nan", "12 abc"])
def test_notation_scientifique_et_formes_exotiques_refusees_pour_un_entier(ecrit):
    valeurs, invalides = convertir_entiers(pd.Series([ecrit]), 0)
    assert invalides.tolist() == [True] and valeurs.isna().all()


@pytest.mark.parametrize(
    "ecrit, attendu", [("29000", 29000), ("29 000", 29000), ("29\u202f000", 29000), ("4,0", 4), ("+3", 3)]
)
def test_entiers_ecrits_acceptes(ecrit, attendu):
    valeurs, invalides = convertir_entiers(pd.Series([ecrit]), 0)
    assert invalides.tolist() == [False] and valeurs.tolist() == [attendu]


def test_population_en_notation_scientifique_rejetee_avec_motif(tmp_path):
    fautif = ("00103", "CCAS de Vorlange", "autre_service_public", "CCAS", "2,9e4", "", "Normandie", "")
    racine = ecrire_edition(tmp_path, participants=PARTICIPANTS[:2] + [fautif])
    assert _preparer_cli(racine) == 0
    rejets = lire(racine, "rejets")
    motifs = rejets.loc[rejets["fichier"].str.endswith("participants.csv"), "motif"]
    assert len(motifs) == 1 and "population invalide" in motifs.iloc[0]


def test_fichier_facultatif_en_lien_casse_est_une_faute(tmp_path, capsys):
    """Un avis.csv réduit à un lien cassé n'est pas « absent » en silence : faute de fichier."""
    racine = ecrire_edition(tmp_path)
    (racine / "raw/2022/avis.csv").symlink_to(tmp_path / "disparu.csv")
    assert _preparer_cli(racine) == 2
    erreur = capsys.readouterr().err
    assert "raw/2022/avis.csv" in erreur and "lien symbolique" in erreur
