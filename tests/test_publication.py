"""Publication atomique d'une édition (issue 16) : arrêt brutal à chaque point, reprise, verrous.

Chaque point de la publication (``rename``, ``fsync``, lien…) est trouvé par instrumentation
d'une vraie publication, puis un processus réel est tué par SIGKILL juste avant lui : l'état
lu ensuite est, octet pour octet, tout l'ancien ou tout le nouveau ; les lecteurs
(``lire``, ``charger``, ``editions_preparees``) marchent ; la préparation suivante nettoie les
restes et publie.

Ces essais tournent dans un tmpfs (``/dev/shm``) quand il existe : les mêmes appels système,
sans l'attente du disque à chaque ``fsync`` (un SIGKILL ne perd pas le cache du système ; la
coupure de courant, que seuls les ``fsync`` protègent, ne se simule pas ici).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest

from analyse.chaine import preparer_edition
from analyse.cli import main
from analyse.config import Parametres, dossier_processed
from analyse.donnees import charger, stockage
from fabrique import AUDITS, ecrire_edition

P = Parametres(n_bootstrap=20)
RACINE_PROJET = Path(__file__).resolve().parents[1]


def _tables(racine: Path, audits=None) -> dict:
    ecrire_edition(racine, audits=audits)
    return preparer_edition(racine, 2022, P).tables


def _en_2021(tables: dict) -> dict:
    """Les mêmes tables, rangées sous l'édition 2021 (une partition que la publication garde)."""
    return {nom: t.assign(annee=2021) if "annee" in t else t for nom, t in tables.items()}


def etat_publie(racine: Path) -> dict:
    """Octets de chaque fichier de l'état publié, par chemin relatif."""
    publie = stockage.dossier_publie(racine)
    return {
        str(p.relative_to(publie)): p.read_bytes()
        for p in sorted(publie.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(publie).parts)
    }


def _restes(racine: Path) -> list[str]:
    versions, processed = stockage.dossier_versions(racine), dossier_processed(racine)
    motifs = (stockage.PREFIXE_TRAVAIL, stockage.PREFIXE_ANCIEN)
    restes = [p.name for p in versions.glob("*") if p.name.startswith(motifs)]
    return restes + [p.name for p in processed.glob(".*") if p.name.startswith((stockage.PREFIXE_LIEN, ".en_cours"))]


def _tables_lisibles_directement(racine: Path) -> bool:
    """Chaque table publiée se lit encore par ``pandas.read_parquet("<données>/processed/<table>")``."""
    publie = stockage.dossier_publie(racine)
    return all(
        pd.read_parquet(dossier_processed(racine) / t).shape[0] == pd.read_parquet(publie / t).shape[0]
        for t in stockage.TABLES
        if (publie / t).is_dir()
    )


def _dossier_rapide(tmp_path_factory) -> Path:
    memoire = Path("/dev/shm")
    if memoire.is_dir() and os.access(memoire, os.W_OK):
        return Path(tempfile.mkdtemp(prefix="publication-", dir=memoire))
    return tmp_path_factory.mktemp("publication")


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    """Ancien état (2021 et 2022, en version publiée et en ancien dossier ordinaire) et, pour chacun,
    la nouvelle édition 2022 déjà écrite dans un dossier de travail, prête à publier."""
    base = _dossier_rapide(tmp_path_factory)
    anciennes = _tables(base / "brut_ancien")
    nouvelles = _tables(base / "brut_nouveau", audits=AUDITS[:5])
    ancien_versionne = base / "ancien_versionne"
    with stockage.Ecriture(ancien_versionne) as ecriture:
        ecriture.ajouter(2021, _en_2021(anciennes))
        ecriture.ajouter(2022, anciennes)
    ancien_dossier = base / "ancien_dossier"  # processed/ ordinaire, d'avant les versions
    shutil.copytree(stockage.dossier_publie(ancien_versionne), dossier_processed(ancien_dossier))
    pretes = {}
    for modele in (ancien_versionne, ancien_dossier):
        prete = _copie(modele, base / f"{modele.name}_pret")
        ecriture = stockage.Ecriture(prete)
        ecriture.ajouter(2022, nouvelles)
        pretes[modele.name] = (modele, prete, ecriture.ident)
    contexte = multiprocessing.get_context("forkserver")
    contexte.set_forkserver_preload(["analyse.donnees.stockage"])  # imports faits une fois
    yield {"pretes": pretes, "contexte": contexte, "base": base}
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def essais(scenario, request):
    """Dossier des essais d'un test, à côté du scénario (même système de fichiers)."""
    dossier = scenario["base"] / request.node.name.replace("[", "-").replace("]", "")
    dossier.mkdir()
    yield dossier
    shutil.rmtree(dossier, ignore_errors=True)


def _lancer(scenario, depart: str, racine: Path, tuer_au: int | None, journal: Path | None = None) -> int:
    """Copie l'état prêt à publier dans ``racine`` et y publie dans un processus réel (tué au point ``tuer_au``)."""
    import panne_publication

    _, prete, ident = scenario["pretes"][depart]
    _copie(prete, racine)
    processus = scenario["contexte"].Process(
        target=panne_publication.publier,
        args=(str(racine), ident, [2022], tuer_au, str(journal) if journal else None),
    )
    processus.start()
    processus.join(timeout=120)
    assert processus.exitcode is not None, "publication bloquée"
    return processus.exitcode


def _ecriture_prete(scenario, depart: str, racine: Path) -> stockage.Ecriture:
    """Dans ce processus : copie de l'état prêt à publier et son écriture en cours."""
    _, prete, ident = scenario["pretes"][depart]
    _copie(prete, racine)
    ecriture = stockage.Ecriture(racine)
    ecriture.ident, ecriture.annees = ident, [2022]
    ecriture.travail = ecriture.versions / f"{stockage.PREFIXE_TRAVAIL}{ident}"
    return ecriture


def _copie(modele: Path, cible: Path) -> Path:
    shutil.copytree(modele, cible, symlinks=True)
    return cible


def _points(scenario, depart: str, tmp_path: Path) -> tuple[list, dict]:
    """Points de la publication (dans l'ordre) et état publié attendu, par une publication complète instrumentée."""
    racine, journal = tmp_path / f"complete-{depart}", tmp_path / f"points-{depart}.json"
    assert _lancer(scenario, depart, racine, None, journal) == 0
    return json.loads(journal.read_text(encoding="utf-8")), etat_publie(racine)


@pytest.mark.parametrize("depart", ["ancien_versionne", "ancien_dossier"])
def test_sigkill_a_chaque_point_de_la_publication(scenario, essais, depart):
    modele = scenario["pretes"][depart][0]
    avant = etat_publie(modele)
    points, apres = _points(scenario, depart, essais)
    assert avant != apres and {"fsync", "replace", "symlink", "link"} <= set(points)
    if depart == "ancien_dossier":  # version nommée, bascule, puis chaque ancien dossier de table remplacé par un lien
        assert points.count("replace") >= 2 + 2 * len(
            [t for t in stockage.TABLES if (modele / "processed" / t).is_dir()]
        )
    vus = {}
    for rang in range(1, len(points) + 1):
        racine = essais / f"{rang:03d}"
        code = _lancer(scenario, depart, racine, rang)
        assert code == -signal.SIGKILL, f"point {rang} ({points[rang - 1]}) non atteint"
        etat = etat_publie(racine)
        assert etat in (avant, apres), f"état mêlé après un arrêt avant le point {rang} ({points[rang - 1]})"
        vus[rang] = "ancien" if etat == avant else "nouveau"
        # Les lecteurs voient le même état, entier.
        tables = charger(donnees=racine)
        assert tables.annees == [2021, 2022] == stockage.editions_preparees(racine)
        n_contacts = 6 if etat == avant else 5
        assert len(stockage.lire(racine, "contacts", annee=2022)) == n_contacts == (tables.contacts.annee == 2022).sum()
        # La commande suivante remet en ordre sans rien changer à l'état publié.
        stockage.recuperer(racine)
        assert _restes(racine) == [] and etat_publie(racine) == etat and _tables_lisibles_directement(racine)
        shutil.rmtree(racine)
    # Avant la bascule : tout l'ancien ; après : tout le nouveau (un seul point de bascule).
    bascule = min(r for r, v in vus.items() if v == "nouveau") if "nouveau" in vus.values() else len(points) + 1
    assert all(v == ("nouveau" if r >= bascule else "ancien") for r, v in vus.items())
    assert points[bascule - 2] == "replace"  # la bascule est un rename


def test_preparation_suivante_apres_arret_pendant_la_migration(scenario, essais):
    """Arrêt après la bascule, pendant le remplacement des anciens dossiers de tables par les liens :
    les lecteurs lisent déjà toute la nouvelle version, la préparation suivante rétablit les liens."""
    points, apres = _points(scenario, "ancien_dossier", essais)
    remplacements = [i + 1 for i, p in enumerate(points) if p == "replace"]
    racine = essais / "coupee"
    assert _lancer(scenario, "ancien_dossier", racine, remplacements[3]) == -signal.SIGKILL
    assert not (dossier_processed(racine) / stockage.TABLES[0]).exists()  # mis de côté, lien pas encore posé
    assert etat_publie(racine) == apres and len(stockage.lire(racine, "contacts", annee=2022)) == 5
    ecrire_edition(racine)
    assert main(["preparer", "--annee", "2022", "--donnees", str(racine), "--bootstrap", "20"]) == 0
    assert _restes(racine) == [] and _tables_lisibles_directement(racine)
    assert stockage.editions_preparees(racine) == [2021, 2022]


@pytest.mark.parametrize("depart", ["ancien_versionne", "ancien_dossier"])
def test_erreur_d_ecriture_a_chaque_point_ne_publie_rien(scenario, essais, monkeypatch, depart):
    """OSError (disque plein…) à chaque rename, fsync ou lien avant la bascule : l'ancien état reste, sans reste."""
    avant = etat_publie(scenario["pretes"][depart][0])
    points, _ = _points(scenario, depart, essais)
    bascule = [i for i, p in enumerate(points) if p == "replace"][1]  # nommage de la version, puis bascule
    for rang in range(len([p for p in points[: bascule + 1] if p != "link"])):
        racine = essais / f"e{rang:03d}"
        ecriture = _ecriture_prete(scenario, depart, racine)
        appels = []

        def en_panne(*args, _appels=appels, _rang=rang, **options):
            _appels.append(1)
            if len(_appels) == _rang + 1:
                raise OSError("disque plein (simulé)")

        with monkeypatch.context() as m:
            for nom, vraie in (("_fsync", stockage._fsync), ("_renommer", stockage._renommer)):
                m.setattr(stockage, nom, lambda *a, _v=vraie, **o: (en_panne(), _v(*a, **o))[1])
            m.setattr(stockage.os, "symlink", lambda *a, _v=os.symlink, **o: (en_panne(), _v(*a, **o))[1])
            with pytest.raises(OSError, match="disque plein"):
                ecriture.publier()
        assert etat_publie(racine) == avant, f"panne au point {rang + 1}"
        assert _restes(racine) == [] and _tables_lisibles_directement(racine)
        shutil.rmtree(racine)


def test_publication_dans_une_copie_de_processed(tmp_path):
    """Une copie ordinaire (cp -r, copytree) de processed/ se lit comme un dossier et se republie."""
    racine = ecrire_edition(tmp_path / "d")
    edition = preparer_edition(racine, 2022, P)
    with stockage.Ecriture(racine) as ecriture:
        ecriture.ajouter(2022, edition.tables)
    copie = tmp_path / "copie"
    shutil.copytree(dossier_processed(racine), dossier_processed(copie))
    assert etat_publie(copie) == etat_publie(racine)
    with stockage.Ecriture(copie) as ecriture:
        ecriture.ajouter(2021, _en_2021(edition.tables))
    assert stockage.editions_preparees(copie) == [2021, 2022] and _tables_lisibles_directement(copie)
    assert _restes(copie) == []


def test_restes_d_une_ancienne_version_du_code_retires(tmp_path):
    """Les dossiers « .en_cours-* » laissés sous processed/ par une préparation tuée ne survivent plus."""
    racine = ecrire_edition(tmp_path)
    reste = dossier_processed(racine) / ".en_cours-1234abcd" / "scores"
    reste.mkdir(parents=True)
    edition = preparer_edition(racine, 2022, P)
    with stockage.Ecriture(racine) as ecriture:
        assert any("retiré" in m for m in ecriture.recuperation)
        ecriture.ajouter(2022, edition.tables)
    assert not list(stockage.dossier_publie(racine).glob(".en_cours-*")) and _restes(racine) == []


def test_versions_anciennes_retirees_et_sorties_deterministes(tmp_path):
    racine = ecrire_edition(tmp_path)
    edition = preparer_edition(racine, 2022, P)
    etats = []
    for _ in range(4):
        with stockage.Ecriture(racine) as ecriture:
            ecriture.ajouter(2022, edition.tables)
        etats.append(etat_publie(racine))
    assert all(e == etats[0] for e in etats)  # mêmes octets à chaque publication
    versions = sorted(p.name for p in stockage.dossier_versions(racine).iterdir())
    assert versions == ["v-000003", "v-000004"]  # la publiée et la précédente
    pointeur = dossier_processed(racine) / stockage.POINTEUR
    assert os.readlink(pointeur) == f"{stockage.VERSIONS}/v-000004"  # liens relatifs : racine déplaçable
    assert os.readlink(dossier_processed(racine) / "scores") == f"{stockage.POINTEUR}/scores"
    assert _tables_lisibles_directement(racine)  # pandas.read_parquet("data/processed/<table>") inchangé


# --------------------------------------------------------------------------- verrous (deux vrais processus)

TENIR_VERROU = """
import sys, time
from pathlib import Path
from analyse.donnees.stockage import verrou
with verrou(Path(sys.argv[1]), "essai"):
    Path(sys.argv[2]).write_text("pris")
    while not Path(sys.argv[3]).exists():
        time.sleep(0.05)
"""


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": str(RACINE_PROJET / "src")}


@pytest.fixture
def verrou_tenu(tmp_path):
    """Un autre processus tient un verrou jusqu'à ce que le test le libère."""
    processus = []

    def tenir(chemin: Path):
        pret, fin = tmp_path / f"pret{len(processus)}", tmp_path / f"fin{len(processus)}"
        p = subprocess.Popen([sys.executable, "-c", TENIR_VERROU, str(chemin), str(pret), str(fin)], env=_env())
        processus.append((p, fin))
        while not pret.exists():
            assert p.poll() is None, "le processus qui tient le verrou s'est arrêté"
        return fin

    yield tenir
    for p, fin in processus:
        fin.write_text("fin")
        p.wait(timeout=60)


def _analyse(*args) -> list[str]:
    return [sys.executable, "-m", "analyse.cli", *map(str, args)]


def test_deuxieme_preparation_refusee_ou_attend(tmp_path, verrou_tenu):
    racine = ecrire_edition(tmp_path / "d")
    fin = verrou_tenu(racine / stockage.NOM_VERROU)
    refus = subprocess.run(
        _analyse("preparer", "--annee", 2022, "--donnees", racine, "--bootstrap", 20, "--attente", 0),
        env=_env(),
        capture_output=True,
        text=True,
    )
    assert refus.returncode == 5, refus.stderr
    assert "déjà en cours (processus" in refus.stderr and "Traceback" not in refus.stderr
    assert not dossier_processed(racine).exists()
    attente = subprocess.Popen(
        _analyse("preparer", "--annee", 2022, "--donnees", racine, "--bootstrap", 20),
        env=_env(),
        stderr=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert "attente de sa fin" in attente.stderr.readline()
    assert attente.poll() is None and not dossier_processed(racine).exists()  # elle attend vraiment
    fin.write_text("fin")
    sortie, erreur = attente.communicate(timeout=300)
    assert attente.returncode == 0, erreur
    assert len(stockage.lire(racine, "contacts", annee=2022)) == len(AUDITS)


def test_deux_preparations_simultanees_reussissent(tmp_path):
    racine = ecrire_edition(tmp_path / "d")
    commande = _analyse("preparer", "--annee", 2022, "--donnees", racine, "--bootstrap", 20)
    processus = [subprocess.Popen(commande, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in "ab"]
    resultats = [(p.wait(timeout=300), p.stderr.read().decode()) for p in processus]
    assert [code for code, _ in resultats] == [0, 0], resultats
    assert _restes(racine) == [] and len(stockage.lire(racine, "contacts", annee=2022)) == len(AUDITS)


def test_deuxieme_lot_dans_le_meme_dossier_refuse(tmp_path, verrou_tenu):
    from analyse.rapports import lot

    racine = ecrire_edition(tmp_path / "d")
    with stockage.Ecriture(racine) as ecriture:
        ecriture.ajouter(2022, preparer_edition(racine, 2022, P).tables)
    sortie = tmp_path / "r"
    verrou_tenu(sortie / "2022" / lot.NOM_VERROU_LOT)
    refus = subprocess.run(
        _analyse("rapports", "structures", "--annee", 2022, "--donnees", racine, "--sortie", sortie, "--attente", 0),
        env=_env(),
        capture_output=True,
        text=True,
    )
    assert refus.returncode == 5, refus.stderr
    assert "Un lot de fiches dans" in refus.stderr and "Traceback" not in refus.stderr
    assert not (sortie / "2022" / "manifeste.json").exists()


# --------------------------------------------------------------------------- --sortie hors des données


@pytest.mark.parametrize("dedans", ["processed", "processed/rapports", "processed/scores/x", "raw/2022"])
def test_sortie_dans_la_racine_des_donnees_refusee(tmp_path, capsys, dedans):
    racine = ecrire_edition(tmp_path / "d")
    with stockage.Ecriture(racine) as ecriture:
        ecriture.ajouter(2022, preparer_edition(racine, 2022, P).tables)
    avant = etat_publie(racine)
    sortie = racine / dedans
    code = main(["rapports", "edition", "--annee", "2022", "--donnees", str(racine), "--sortie", str(sortie)])
    erreur = capsys.readouterr().err
    assert code == 2 and "les rapports n'y sont jamais écrits" in erreur and "Traceback" not in erreur
    assert etat_publie(racine) == avant and not (sortie / "2022").exists()
    assert not list(stockage.dossier_publie(racine).glob("2022"))
