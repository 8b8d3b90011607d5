"""Lot de fiches face aux signaux (issue 16), avec la vraie commande dans un processus à part.

Ctrl-C au groupe de processus : arrêt sans trace, fiches finies gardées et annoncées, reprise
qui les saute. Commande tuée par SIGKILL : aucun travailleur ni noyau ne lui survit. Les
attentes portent sur un état observé (manifeste, processus), avec une borne large.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from analyse.donnees import stockage
from test_fiche import ANNEE, donnees_demo

pytestmark = pytest.mark.integration
RACINE_PROJET = Path(__file__).resolve().parents[1]
BORNE_S = 600  # attente maximale d'un état (machine chargée) ; l'état attendu arrive bien avant


@pytest.fixture(scope="module")
def donnees(tmp_path_factory):
    return donnees_demo(tmp_path_factory)


def _lancer_lot(donnees: Path, sortie: Path, *options) -> subprocess.Popen:
    commande = [sys.executable, "-m", "analyse.cli", "rapports", "structures", "--annee", str(ANNEE)]
    commande += ["--donnees", str(donnees), "--sortie", str(sortie), "--travailleurs", "2", *map(str, options)]
    return subprocess.Popen(
        commande,
        env={**os.environ, "PYTHONPATH": str(RACINE_PROJET / "src")},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # son propre groupe de processus, comme un terminal
    )


def _attendre(condition, quoi: str):
    fin = time.monotonic() + BORNE_S
    while time.monotonic() < fin:
        resultat = condition()
        if resultat:
            return resultat
        time.sleep(0.05)
    pytest.fail(f"attente bornée dépassée : {quoi}")


def _fiches_finies(sortie: Path) -> list[str]:
    from analyse.rapports.lot import lire_manifeste

    entrees = lire_manifeste(sortie / str(ANNEE) / "manifeste.json").get("rapports", {})
    return sorted(sid for sid, e in entrees.items() if e.get("statut") == "reussi")


def _noyaux_et_travailleurs(processus: subprocess.Popen) -> list[psutil.Process]:
    try:
        enfants = psutil.Process(processus.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    noyaux = [p for p in enfants if "ipykernel" in " ".join(p.cmdline())]
    return enfants if len(noyaux) >= 2 else []


def _vivants(processus: list[psutil.Process]) -> list[psutil.Process]:
    vivants = []
    for p in processus:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                vivants.append(p)
        except psutil.NoSuchProcess:
            pass
    return vivants


def test_ctrl_c_garde_les_fiches_finies_sans_trace_et_reprise(donnees, tmp_path):
    tous = sorted(stockage.lire(donnees, "participants", annee=ANNEE)["structure_id"])
    assert len(tous) >= 8
    sortie = tmp_path / "rapports"
    lot = _lancer_lot(donnees, sortie)
    finies = _attendre(lambda: _fiches_finies(sortie), "une première fiche inscrite au manifeste")
    descendants = _attendre(lambda: _noyaux_et_travailleurs(lot), "travailleurs et noyaux démarrés")
    os.killpg(lot.pid, signal.SIGINT)  # Ctrl-C dans le terminal : tout le groupe le reçoit
    sortie_std, erreur = lot.communicate(timeout=BORNE_S)
    assert lot.returncode == 130, erreur
    for bruit in ("Traceback", "DeadKernelError", "zmq", "KeyboardInterrupt"):
        assert bruit not in erreur + sortie_std
    finies = _fiches_finies(sortie)
    assert 1 <= len(finies) < len(tous)
    message = re.search(r"Interrompu \(Ctrl-C\) : (\d+) fiches? produites? gardées?", erreur)
    assert message and int(message.group(1)) == len(finies), erreur
    manifeste = json.loads((sortie / str(ANNEE) / "manifeste.json").read_text(encoding="utf-8"))
    assert all((sortie / str(ANNEE) / manifeste["rapports"][s]["fichier"]).is_file() for s in finies)
    _attendre(lambda: not _vivants(descendants), "arrêt des travailleurs et des noyaux")
    assert not list((sortie / str(ANNEE) / "structures").glob(".*.tmp.*"))

    # Reprise : les fiches finies sont sautées, seule la nouvelle est faite.
    restante = next(s for s in tous if s not in finies)
    reprise = _lancer_lot(donnees, sortie, "--structures", ",".join([*finies, restante]))
    sortie_std, erreur = reprise.communicate(timeout=BORNE_S)
    assert reprise.returncode == 0, erreur
    assert f"1 produite, {len(finies)} à jour" in sortie_std
    assert _fiches_finies(sortie) == sorted([*finies, restante])


def test_commande_tuee_aucun_travailleur_ni_noyau_ne_survit(donnees, tmp_path):
    lot = _lancer_lot(donnees, tmp_path / "rapports", "--force")
    descendants = _attendre(lambda: _noyaux_et_travailleurs(lot), "travailleurs et noyaux démarrés")
    assert len(descendants) >= 4  # deux travailleurs, deux noyaux (et le suivi des ressources)
    lot.kill()  # SIGKILL au seul parent, comme un « timeout » de l'ordonnanceur
    lot.communicate(timeout=BORNE_S)
    _attendre(lambda: not _vivants(descendants), "arrêt des processus orphelins")
