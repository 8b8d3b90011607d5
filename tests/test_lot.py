"""Lot de fiches : noyau chaud (isolation prouvée), manifeste et reprise, échecs isolés, Dask."""

from __future__ import annotations

import copy
import json
import multiprocessing
import os
import re
import shutil
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import pandas as pd
import papermill
import pytest
from pypdf import PdfReader

import analyse
from analyse import config
from analyse.donnees import stockage
from analyse.rapports import lot, rendu
from analyse.rapports.rendu import choisir_noyau
from test_fiche import ANNEE, donnees_demo


@pytest.fixture(scope="module")
def donnees(tmp_path_factory):
    return donnees_demo(tmp_path_factory)


@pytest.fixture(scope="module")
def ids(donnees):
    return stockage.lire(donnees, "participants", annee=ANNEE)["structure_id"].tolist()


def _sorties(nb) -> list:
    """Sorties visibles d'un notebook exécuté (texte, HTML, images) et compteurs d'exécution."""
    return [
        (c.get("execution_count"), [{k: v for k, v in o.items() if k != "metadata"} for o in c.get("outputs", [])])
        for c in nb.cells
        if c.cell_type == "code"
    ]


def _sonde():
    """Notebook qui liste l'espace de noms visible du noyau."""
    return nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("sorted(k for k in globals() if not k.startswith('_'))")]
    )


def test_noyau_chaud_isole_les_fiches(donnees, ids, tmp_path):
    a, b = ids[0], ids[1]
    try:
        neuf = lot.executer_fiche(ANNEE, a, donnees, tmp_path, moteur=None, dossier=tmp_path)
        lot.executer_fiche(ANNEE, b, donnees, tmp_path, dossier=tmp_path)  # noyau chaud : B d'abord…
        noyau = lot.noyau_chaud()
        reutilise = lot.executer_fiche(ANNEE, a, donnees, tmp_path, dossier=tmp_path)  # … puis A, même noyau
        assert noyau is lot.noyau_chaud() and noyau.n_notebooks >= 2
        assert _sorties(reutilise) == _sorties(neuf)  # chiffres, textes, graphiques et compteurs identiques
        assert rendu.notebook_vers_html(reutilise) == rendu.notebook_vers_html(neuf)

        # Aucune variable de la fiche précédente n'est visible dans la suivante.
        lot.enregistrer_moteur()
        chaud = papermill.execute_notebook(
            _sonde(), None, engine_name=lot.MOTEUR, progress_bar=False, cwd=str(tmp_path), kernel_name=choisir_noyau()
        )
        frais = papermill.execute_notebook(
            _sonde(), None, progress_bar=False, cwd=str(tmp_path), kernel_name=choisir_noyau()
        )
        visibles = chaud.cells[0].outputs[0]["data"]["text/plain"]
        assert visibles == frais.cells[0].outputs[0]["data"]["text/plain"]
        for nom in ("resultats", "structure_id", "annee", "f"):
            assert f"'{nom}'" not in visibles
        # Le cache des données survit à la remise à zéro (chargé une fois par travailleur).
        probe = nbformat.v4.new_notebook(
            cells=[nbformat.v4.new_code_cell("import analyse.rapports.fiche as m\nlen(m._CACHE)")]
        )
        sortie = papermill.execute_notebook(
            probe, None, engine_name=lot.MOTEUR, progress_bar=False, cwd=str(tmp_path), kernel_name=choisir_noyau()
        )
        assert sortie.cells[0].outputs[0]["data"]["text/plain"] == "1"
    finally:
        lot.arreter_noyaux()


def test_prechauffage_charge_les_donnees_et_fige_le_tas(donnees, tmp_path):
    """Le préchauffage réussit dans un noyau neuf (il échouait en silence : module renommé) ;
    la remise à zéro entre deux fiches fige ce qui survit au ramasse-miettes."""
    try:
        noyau = lot.noyau_chaud(dossier=str(tmp_path))
        noyau.executer(lot.code_prechauffage(ANNEE, donnees))  # RuntimeError si une ligne échoue
        noyau.executer("from analyse.rapports import fiche as _f\nassert len(_f._CACHE) == 1, _f._CACHE")
        noyau.executer("import gc\nassert gc.get_freeze_count() > 0\ngc.unfreeze()")
        noyau.reinitialiser(str(tmp_path))
        noyau.executer("import gc\nassert gc.get_freeze_count() > 0\nassert 'gc' in globals()")
        noyau.reinitialiser(str(tmp_path))
        with pytest.raises(RuntimeError, match="NameError"):
            noyau.executer("gc")  # espace de noms vidé
    finally:
        lot.arreter_noyaux()


def test_echec_du_prechauffage_signale_au_journal(caplog):
    class NoyauEnPanne:
        def executer(self, code):
            raise RuntimeError("Noyau chaud : échec de « from x import y » : ImportError : y")

    with caplog.at_level("WARNING", logger="analyse.rapports.lot"):
        lot._executer_sans_erreur(NoyauEnPanne(), "from x import y")  # ne lève pas
    assert "Préchauffage du noyau chaud en échec" in caplog.text and "ImportError" in caplog.text


def _etat_du_travailleur() -> tuple:
    """Dans un travailleur, après import de nbformat : rfc3987_syntax évité ? nbformat valide-t-il encore ?"""
    nb = nbformat.read(str(config.NOTEBOOKS / lot.NOTEBOOK_FICHE), as_version=4)
    nbformat.validate(nb)
    faux = copy.deepcopy(nb)
    faux.cells[0]["cell_type"] = "inconnu"
    try:
        nbformat.validate(faux)
        refuse = False
    except nbformat.ValidationError:
        refuse = True
    evite = "rfc3987_syntax" in sys.modules and sys.modules["rfc3987_syntax"] is None
    return evite, refuse


def test_travailleur_local_sans_import_inutile_et_validation_intacte():
    contexte = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=contexte, initializer=lot.lier_au_parent, initargs=(os.getpid(),)) as pool:
        evite, invalide_refuse = pool.submit(_etat_du_travailleur).result(timeout=120)
    assert evite  # import évité (sans l'initialisation, nbformat → jsonschema le charge)
    assert invalide_refuse  # nbformat refuse toujours un notebook invalide
    assert lot.eviter_imports_inutiles(["json"]) == []  # un module déjà importé n'est jamais retiré


def test_lot_reprise_manifeste_et_provenance(donnees, ids, tmp_path):
    sortie = tmp_path / "rapports"
    choix = ids[:4]
    bilan = lot.rapports_structures(ANNEE, donnees, sortie, structures=choix, travailleurs=2, progression=False)
    assert bilan.code_sortie == 0 and sorted(bilan.reussis) == sorted(choix), bilan.resume()
    pdfs = sorted((sortie / str(ANNEE) / "structures").glob("*.pdf"))
    assert len(pdfs) == 4 and all(p.name.split("-")[0] in choix for p in pdfs)
    manifeste = json.loads((sortie / str(ANNEE) / "manifeste.json").read_text(encoding="utf-8"))
    entree = manifeste["rapports"][choix[0]]
    assert entree["statut"] == "reussi" and entree["duree_s"] > 0
    assert entree["parametres"]["structure_id"] == choix[0]
    assert entree["version"].startswith(analyse.__version__ + "+") and len(entree["empreinte_donnees"]) == 64
    derniere = PdfReader(sortie / str(ANNEE) / entree["fichier"]).pages[-1].extract_text().replace("\n", "")
    assert "Provenance du document" in derniere
    assert entree["empreinte_donnees"] in derniere and entree["empreinte_notebook"] in derniere
    assert str(donnees) not in derniere and f"donnees = {donnees.name}" in derniere  # aucun chemin du serveur

    # Relance : rien n'a changé, rien n'est refait.
    relance = lot.rapports_structures(ANNEE, donnees, sortie, structures=choix, travailleurs=1, progression=False)
    assert relance.reussis == [] and sorted(relance.ignores) == sorted(choix) and relance.code_sortie == 0
    # forcer : tout est refait.
    force = lot.rapports_structures(
        ANNEE, donnees, sortie, structures=choix[:1], travailleurs=1, forcer=True, progression=False
    )
    assert force.reussis == choix[:1]
    lot.arreter_noyaux()


def _notebooks_en_panne(tmp_path, structure_id: str) -> Path:
    """Copie des notebooks dont la fiche échoue (erreur simulée) pour une structure donnée."""
    dossier = tmp_path / "notebooks"
    shutil.copytree(config.NOTEBOOKS, dossier)
    chemin = dossier / lot.NOTEBOOK_FICHE
    nb = nbformat.read(chemin, as_version=4)
    cellule = next(c for c in nb.cells if "calculer_fiche" in c.source)
    cellule.source = f"assert structure_id != {structure_id!r}, 'panne simulée'\n" + cellule.source
    nbformat.write(nb, chemin)
    return dossier


def test_echec_isole_et_reprise(donnees, ids, tmp_path, monkeypatch):
    copie = tmp_path / "donnees"
    shutil.copytree(donnees / "processed", copie / "processed")
    casse, sans_score = ids[2], ids[3]
    fichier = next((copie / "processed" / "scores" / f"annee={ANNEE}").glob("*.parquet"))
    scores = pd.read_parquet(fichier)
    scores[scores["structure_id"] != sans_score].to_parquet(fichier)  # aucun score : la fiche le dit, sans échouer
    monkeypatch.setattr(config, "NOTEBOOKS", _notebooks_en_panne(tmp_path, casse))

    sortie = tmp_path / "rapports"
    choix = [ids[0], casse, "INCONNUE", sans_score]
    bilan = lot.rapports_structures(ANNEE, copie, sortie, structures=choix, travailleurs=1, progression=False)
    assert bilan.code_sortie == 1 and sorted(bilan.reussis) == sorted([ids[0], sans_score])
    echecs = {e["structure_id"]: e for e in bilan.echecs}
    assert set(echecs) == {casse, "INCONNUE"}
    assert echecs[casse]["cellule"] is not None and "panne simulée" in echecs[casse]["message"]
    assert "calculer_fiche" in echecs[casse]["code"]
    assert casse in bilan.resume() and "ÉCHEC" in bilan.resume()
    manifeste = json.loads((sortie / str(ANNEE) / "manifeste.json").read_text(encoding="utf-8"))
    assert manifeste["rapports"][casse]["statut"] == "echec"
    assert manifeste["rapports"][sans_score]["statut"] == "reussi"

    # Relance sans changement : l'échec est retenté, la réussite n'est pas refaite.
    relance = lot.rapports_structures(ANNEE, copie, sortie, structures=choix[:2], travailleurs=1, progression=False)
    assert relance.ignores == [ids[0]] and [e["structure_id"] for e in relance.echecs] == [casse]
    # Notebook réparé : son empreinte change, les deux fiches sont refaites.
    monkeypatch.undo()
    repare = lot.rapports_structures(ANNEE, copie, sortie, structures=choix[:2], travailleurs=1, progression=False)
    assert sorted(repare.reussis) == sorted(choix[:2]) and repare.code_sortie == 0
    lot.arreter_noyaux()


def test_noms_de_fichiers_surs():
    assert lot.nom_fichier("S1", "Mairie d'Œuilly / « Annexe » : n°2") == "S1-mairie-d-oeuilly-annexe-n2"
    assert re.fullmatch(r"etc-[0-9a-f]{8}-structure", lot.nom_fichier("../../etc", ".."))
    assert "/" not in lot.nom_fichier("a/b", "c/d")


def test_noms_de_fichiers_uniques():
    ids = ["S/46", "S-46", "S.46", "S 46", "s-46", "S_46", "S–46"]
    noms = lot.noms_fichiers([(i, "Mairie de Vorlange") for i in ids])
    assert len({n.casefold() for n in noms.values()}) == len(ids)
    assert noms["S-46"] == "S-46-mairie-de-vorlange" or noms["S-46"].startswith("S-46-")
    assert lot.nom_fichier("S/46", "x") == lot.nom_fichier("S/46", "x")  # stable d'une exécution à l'autre


def _faux_rendu(monkeypatch, echec: bool):
    from analyse.rapports import rendu

    def publier_pdf(nb, document, chemin, couverture, annexe_html=""):
        Path(chemin).write_bytes(b"%PDF-1.7 partiel")
        if echec:
            raise OSError("rendu interrompu")
        return Path(chemin)

    monkeypatch.setattr(rendu, "lire_meta", lambda nb: {})
    monkeypatch.setattr(rendu, "notebook_vers_html", lambda nb: "<p>corps</p>")
    monkeypatch.setattr(rendu, "publier_pdf", publier_pdf)


def test_rendu_atomique_sans_reste_meme_en_echec(tmp_path, monkeypatch):
    pdf = tmp_path / "structures" / "S1-mairie.pdf"
    _faux_rendu(monkeypatch, echec=False)
    lot.rendre_pdf(None, pdf)
    assert pdf.read_bytes() == b"%PDF-1.7 partiel" and pdf.with_suffix(".html").exists()
    _faux_rendu(monkeypatch, echec=True)
    with pytest.raises(OSError):
        lot.rendre_pdf(None, pdf)
    assert sorted(p.name for p in pdf.parent.iterdir()) == ["S1-mairie.html", "S1-mairie.pdf"]


def _edition_minuscule(racine):
    dossier = racine / "processed" / "participants" / f"annee={ANNEE}"
    dossier.mkdir(parents=True)
    pd.DataFrame({"structure_id": ["S/46", "S-46"], "nom": ["Mairie", "Mairie"]}).to_parquet(dossier / "part-0.parquet")
    return racine


def _faux_executeur(statuts: dict, interrompre_apres: int | None = None, vus: list | None = None):
    def executer(taches, *_args, **_kw):
        for rang, tache in enumerate(taches):
            if vus is not None:
                vus.append(tache["structure_id"])
            if rang == interrompre_apres:
                raise KeyboardInterrupt
            pdf = Path(tache["pdf"])
            pdf.parent.mkdir(parents=True, exist_ok=True)
            # restes d'un rendu interrompu de CE lot (son étiquette) et d'un autre lot, en cours ailleurs
            (pdf.parent / f".{pdf.stem}.{tache['etiquette']}.tmp.pdf").write_bytes(b"reste")
            (pdf.parent / f".{pdf.stem}.autrelot.tmp.pdf").write_bytes(b"en cours")
            statut = statuts[tache["structure_id"]]
            if statut == "reussi":
                pdf.write_bytes(b"%PDF")
                pdf.with_suffix(".html").write_text("<html>", encoding="utf-8")
            yield {
                "structure_id": tache["structure_id"],
                "statut": statut,
                "duree_s": 0.1,
                "erreur": None if statut == "reussi" else {"cellule": 3, "code": "x", "message": "panne"},
            }

    return executer


def _manifeste(sortie) -> dict:
    return json.loads((sortie / str(ANNEE) / "manifeste.json").read_text(encoding="utf-8"))


def test_fiche_qui_echoue_garde_son_bon_pdf(tmp_path, monkeypatch):
    donnees, sortie = _edition_minuscule(tmp_path / "d"), tmp_path / "r"
    monkeypatch.setattr(lot, "_executer", _faux_executeur({"S/46": "reussi", "S-46": "reussi"}))
    premier = lot.rapports_structures(ANNEE, donnees, sortie, progression=False)
    pdfs = sorted(p for p in (sortie / str(ANNEE) / "structures").glob("*.pdf") if not p.name.startswith("."))
    assert premier.code_sortie == 0 and len(pdfs) == 2  # deux noms distincts
    bon = sortie / str(ANNEE) / _manifeste(sortie)["rapports"]["S/46"]["fichier"]
    monkeypatch.setattr(lot, "_executer", _faux_executeur({"S/46": "echec", "S-46": "reussi"}))
    second = lot.rapports_structures(ANNEE, donnees, sortie, forcer=True, progression=False)
    assert second.code_sortie == 1
    entree = _manifeste(sortie)["rapports"]["S/46"]
    assert entree["statut"] == "echec" and entree["fichier"] is None
    assert bon.read_bytes() == b"%PDF" and bon.with_suffix(".html").exists()  # jamais supprimé
    assert sortie / str(ANNEE) / entree["ancien_fichier_garde"] == bon
    assert (sortie / str(ANNEE) / _manifeste(sortie)["rapports"]["S-46"]["fichier"]).exists()


def test_chemin_du_manifeste_hors_du_dossier_ignore(tmp_path, monkeypatch):
    donnees, sortie = _edition_minuscule(tmp_path / "d"), tmp_path / "r"
    victime = tmp_path / "victime" / "important.pdf"
    victime.parent.mkdir()
    victime.write_bytes(b"%PDF important")
    monkeypatch.setattr(lot, "_executer", _faux_executeur({"S/46": "reussi", "S-46": "reussi"}))
    lot.rapports_structures(ANNEE, donnees, sortie, progression=False)
    chemin = sortie / str(ANNEE) / "manifeste.json"
    manifeste = json.loads(chemin.read_text(encoding="utf-8"))
    for entree in manifeste["rapports"].values():
        entree["fichier"] = "../../victime/important.pdf"  # édité à la main
        entree["ancien_fichier_garde"] = str(victime)
    chemin.write_text(json.dumps(manifeste), encoding="utf-8")
    assert all(e["fichier"] is None for e in lot.lire_manifeste(chemin)["rapports"].values())
    for pdf in (sortie / str(ANNEE) / "structures").glob("*"):
        pdf.unlink()
    monkeypatch.setattr(lot, "_executer", _faux_executeur({"S/46": "echec", "S-46": "echec"}))
    assert lot.rapports_structures(ANNEE, donnees, sortie, progression=False).code_sortie == 1
    assert victime.read_bytes() == b"%PDF important"
    assert all(e["ancien_fichier_garde"] is None for e in _manifeste(sortie)["rapports"].values())


def test_chaque_lot_ne_retire_que_ses_temporaires(tmp_path, monkeypatch):
    donnees, sortie = _edition_minuscule(tmp_path / "d"), tmp_path / "r"
    monkeypatch.setattr(lot, "_executer", _faux_executeur({"S/46": "reussi", "S-46": "echec"}))
    lot.rapports_structures(ANNEE, donnees, sortie, progression=False)
    restes = sorted(p.name for p in (sortie / str(ANNEE) / "structures").glob(".*.tmp.pdf"))
    assert len(restes) == 2 and all(".autrelot." in r for r in restes)  # ceux de l'autre lot restent


def test_lot_interrompu_garde_les_fiches_finies_et_reprend(tmp_path, monkeypatch, capsys):
    from analyse.donnees.preparation import ErreurDonnees  # noqa: F401  (import du paquet complet)

    dossier = tmp_path / "d" / "processed" / "participants" / f"annee={ANNEE}"
    dossier.mkdir(parents=True)
    ids_lot = [f"S{i}" for i in range(5)]
    pd.DataFrame({"structure_id": ids_lot, "nom": ["Mairie"] * 5}).to_parquet(dossier / "part-0.parquet")
    donnees, sortie = tmp_path / "d", tmp_path / "r"
    statuts = dict.fromkeys(ids_lot, "reussi")
    monkeypatch.setattr(lot, "_executer", _faux_executeur(statuts, interrompre_apres=2))
    bilan = lot.rapports_structures(ANNEE, donnees, sortie)
    assert bilan.interrompu and bilan.code_sortie == 130 and bilan.reussis == ["S0", "S1"] and bilan.restantes == 3
    erreur = capsys.readouterr().err
    assert "Interrompu (Ctrl-C) : 2 fiches produites gardées" in erreur and "3 non faites" in erreur
    assert "Traceback" not in erreur
    entrees = _manifeste(sortie)["rapports"]
    assert sorted(entrees) == ["S0", "S1"] and all(e["statut"] == "reussi" for e in entrees.values())
    assert not list((sortie / str(ANNEE)).glob(".manifeste.json.*"))
    vus = []
    monkeypatch.setattr(lot, "_executer", _faux_executeur(statuts, vus=vus))
    reprise = lot.rapports_structures(ANNEE, donnees, sortie, progression=False)
    assert vus == ["S2", "S3", "S4"] and reprise.ignores == ["S0", "S1"] and reprise.code_sortie == 0


def test_manifeste_ecrit_apres_chaque_fiche(tmp_path, monkeypatch):
    donnees, sortie = _edition_minuscule(tmp_path / "d"), tmp_path / "r"
    vus_au_passage = []
    faux = _faux_executeur({"S/46": "reussi", "S-46": "reussi"})

    def executer(taches, *args, **kw):
        for resultat in faux(taches, *args, **kw):
            yield resultat
            vus_au_passage.append(sorted(lot.lire_manifeste(sortie / str(ANNEE) / "manifeste.json")["rapports"]))

    monkeypatch.setattr(lot, "_executer", executer)
    lot.rapports_structures(ANNEE, donnees, sortie, progression=False)
    assert [len(v) for v in vus_au_passage] == [1, 2]


def test_executeur_dask_sur_grappe_locale(donnees, ids, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as grappe:
        bilan = lot.rapports_structures(
            ANNEE,
            donnees,
            tmp_path,
            structures=ids[:2],
            executeur=f"dask://{grappe.scheduler_address}",
            progression=False,
        )
    assert bilan.code_sortie == 0, bilan.resume()
    assert len(list((tmp_path / str(ANNEE) / "structures").glob("*.pdf"))) == 2
