"""Mesure de « analyse preparer » à 1×, 10× et 100× une édition (temps et mémoire de pointe).

Lancer à la main (long : plusieurs minutes) : ``make bench`` ou
``python benchmarks/bench_preparer.py [--echelles 1,10,100] [--annee 2022]``.
Les résultats sont ajoutés à ``benchmarks/RESULTATS.md`` avec la machine et la date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from analyse.formatage import nombre_fr

ICI = Path(__file__).resolve().parent
TRAVAIL = ICI / "travail"


def _executer(commande: list[str]) -> tuple[float, float]:
    """Lance une commande ; renvoie (secondes, mémoire de pointe en Go) du processus fils."""
    debut = time.perf_counter()
    processus = subprocess.Popen(commande, stdout=subprocess.DEVNULL)
    _, statut, usage = os.wait4(processus.pid, 0)
    secondes = time.perf_counter() - debut
    if os.waitstatus_to_exitcode(statut) != 0:
        raise SystemExit(f"Échec de la commande : {' '.join(commande)}")
    return secondes, usage.ru_maxrss / 1024**2


def _compter_contacts(donnees: Path, annee: int) -> int:
    chemin = donnees / "raw" / str(annee) / "audits.csv"
    with chemin.open("rb") as f:
        return sum(1 for _ in f) - 1


def mesurer(echelle: float, annee: int) -> dict:
    """Génère la démonstration à l'échelle donnée puis chronomètre la préparation."""
    donnees = TRAVAIL / f"x{echelle:g}"
    shutil.rmtree(donnees, ignore_errors=True)
    generation, _ = _executer(
        [
            sys.executable,
            "-m",
            "analyse",
            "demo",
            "--donnees",
            str(donnees),
            "--echelle",
            str(echelle),
            "--annees",
            str(annee),
        ]
    )
    secondes, pointe = _executer(
        [sys.executable, "-m", "analyse", "preparer", "--annee", str(annee), "--donnees", str(donnees)]
    )
    resultat = {
        "echelle": echelle,
        "contacts": _compter_contacts(donnees, annee),
        "secondes": secondes,
        "pointe_go": pointe,
        "generation_s": generation,
        "octets_audits": (donnees / "raw" / str(annee) / "audits.csv").stat().st_size,
    }
    shutil.rmtree(donnees, ignore_errors=True)
    return resultat


def _machine() -> str:
    memoire = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1024**3
    return f"{platform.machine()}, {os.cpu_count()} cœurs, {memoire:.0f} Go, Python {platform.python_version()}"


def consigner(resultats: list[dict], annee: int) -> str:
    """Ajoute un tableau de résultats à RESULTATS.md et le renvoie."""
    lignes = [
        f"\n## Préparation d'une édition ({annee}) — {dt.date.today().isoformat()}",
        f"Machine : {_machine()}. Intervalles de structure analytiques (variance mise en commun), sans bootstrap.",
        "",
        "| échelle | contacts | audits.csv (Mo) | préparation (s) | s / 1 000 contacts | mémoire de pointe (Go) |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in resultats:
        lignes.append(
            f"| {nombre_fr(r['echelle'], 0)}× | {nombre_fr(r['contacts'], 0)} | "
            f"{nombre_fr(r['octets_audits'] / 1e6, 0)} | {nombre_fr(r['secondes'], 1)} | "
            f"{nombre_fr(1000 * r['secondes'] / r['contacts'], 2)} | {nombre_fr(r['pointe_go'], 2)} |"
        )
    texte = "\n".join(lignes) + "\n"
    with (ICI / "RESULTATS.md").open("a", encoding="utf-8") as f:
        f.write(texte)
    return texte


def main() -> None:
    parseur = argparse.ArgumentParser(description=__doc__)
    parseur.add_argument("--echelles", default="1,10,100")
    parseur.add_argument("--annee", type=int, default=2022)
    args = parseur.parse_args()
    resultats = []
    for echelle in (float(e) for e in args.echelles.split(",")):
        resultats.append(mesurer(echelle, args.annee))
        print(resultats[-1], flush=True)
    print(consigner(resultats, args.annee))


if __name__ == "__main__":
    main()
