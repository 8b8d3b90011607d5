"""Mesure de la lecture d'un ``audits.xlsx`` d'environ 3 Mo, sans et avec une cellule égarée en
A1048576 : temps et mémoire de pointe, chacun dans un sous-processus.

Lancer à la main (une minute environ) : ``python benchmarks/bench_lecture_xlsx.py [--ecrire]`` ;
``--ecrire`` ajoute le tableau à ``benchmarks/RESULTATS.md`` avec la machine et la date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import subprocess
import sys
import tempfile
import textwrap
import zipfile
from pathlib import Path

from analyse.formatage import nombre_fr

ICI = Path(__file__).resolve().parent
LIGNES, COLONNES = 16_000, 40
MESURE = textwrap.dedent(
    """
    import sys, time
    from analyse.donnees.lecture import lire_table
    debut = time.perf_counter()
    table = lire_table(sys.argv[1], "raw/2022/audits.xlsx")
    duree = time.perf_counter() - debut
    # VmHWM : pic depuis l'exec (ru_maxrss garderait sous Linux le pic du parent qui a écrit le classeur)
    pic_ko = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0])
    print(len(table), duree, pic_ko / 1024)
    """
)


def classeur(chemin: Path, egaree: bool) -> Path:
    """Classeur de LIGNES × COLONNES (texte et nombres), cellule égarée en A1048576 au besoin."""
    import openpyxl

    brut = chemin.with_suffix(".brut.xlsx")
    classeur = openpyxl.Workbook(write_only=True)
    feuille = classeur.create_sheet()
    feuille.append([f"col{j}" for j in range(COLONNES)])
    for i in range(LIGNES):
        feuille.append([f"v{i}_{j}" if j % 3 else i * j for j in range(COLONNES)])
    classeur.save(brut)
    with zipfile.ZipFile(brut) as source, zipfile.ZipFile(chemin, "w", zipfile.ZIP_DEFLATED) as cible:
        for entree in source.infolist():
            donnees = source.read(entree.filename)
            if egaree and entree.filename.startswith("xl/worksheets/sheet"):
                xml = donnees.decode().replace(
                    "</sheetData>",
                    '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>',
                )
                donnees = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:AN1048576"/>', xml).encode()
            cible.writestr(entree, donnees)
    brut.unlink()
    return chemin


def mesurer(chemin: Path) -> tuple[int, float, float]:
    sortie = subprocess.run([sys.executable, "-c", MESURE, str(chemin)], capture_output=True, text=True, check=True)
    lignes, duree, pic = sortie.stdout.split()
    return int(lignes), float(duree), float(pic)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ecrire", action="store_true", help="ajouter le résultat à benchmarks/RESULTATS.md")
    args = parser.parse_args()
    lignes = []
    with tempfile.TemporaryDirectory() as dossier:
        for nom, egaree in (("sans cellule égarée", False), ("cellule égarée en A1048576", True)):
            chemin = classeur(Path(dossier) / f"audits-{int(egaree)}.xlsx", egaree)
            n, duree, pic = mesurer(chemin)
            taille = chemin.stat().st_size / 1e6
            lignes.append(f"| {nom} | {nombre_fr(taille, 1)} | {n} | {nombre_fr(duree, 1)} | {nombre_fr(pic, 0)} |")
    machine = f"{platform.machine()}, {os.cpu_count()} cœurs, Python {platform.python_version()}"
    texte = (
        f"\n## Lecture d'un audits.xlsx creux — {dt.date.today().isoformat()}\n"
        f"Machine : {machine} ; `python benchmarks/bench_lecture_xlsx.py`, un sous-processus par mesure.\n\n"
        "| classeur | taille (Mo) | lignes lues | durée (s) | mémoire de pointe (Mo) |\n|---|---:|---:|---:|---:|\n"
        + "\n".join(lignes)
        + "\n"
    )
    print(texte)
    if args.ecrire:
        with open(ICI / "RESULTATS.md", "a", encoding="utf-8") as f:
            f.write(texte)


if __name__ == "__main__":
    sys.exit(main())
