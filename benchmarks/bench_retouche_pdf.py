"""Banc d'essai de la retouche pikepdf des PDF Typst (``analyse.rapports.balisage_pdf``).

Exécute quelques fiches de structure (données déjà préparées), garde le PDF que Typst a
compilé pour chacune, puis mesure ``retoucher_pdf`` seule (en-têtes de ligne en
``TH /Scope /Row``, ``/MarkInfo``, enregistrement) : médiane et minimum sur ``--repetitions``
passes, taille avant et après, et identité octet pour octet de deux passes.

Usage (mesure faite à la main, jamais dans les tests) ::

    .venv/bin/python benchmarks/bench_retouche_pdf.py --donnees data --annee 2022 --nombre 3

Les fichiers vont dans ``benchmarks/travail/retouche/`` (ignoré par git).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

from analyse import config
from analyse.donnees import stockage
from analyse.formatage import nombre_fr
from analyse.rapports import balisage_pdf, lot

TRAVAIL = config.RACINE / "benchmarks" / "travail" / "retouche"


def pdf_de_typst(annee: int, donnees: Path, structures: list[str]) -> list[tuple[str, bytes, list]]:
    """Fiches produites par la route du lot ; renvoie, pour chacune, le PDF de Typst et le plan des tableaux."""
    captures = []
    origine = balisage_pdf.retoucher_pdf

    def espion(octets, chemin, plan):
        captures.append((Path(chemin).name, octets, plan))
        return origine(octets, chemin, plan)

    balisage_pdf.retoucher_pdf = espion
    try:
        for sid in structures:
            lot.produire_fiche(
                {
                    "structure_id": sid,
                    "annee": annee,
                    "donnees": str(donnees),
                    "sortie": str(TRAVAIL),
                    "pdf": str(TRAVAIL / f"{sid}.pdf"),
                    "provenance": None,
                    "prechauffage": False,
                }
            )
    finally:
        balisage_pdf.retoucher_pdf = origine
        lot.arreter_noyaux()
    return [c for c in captures if not c[0].startswith("prechauffage")]


def mesurer(octets: bytes, plan: list, repetitions: int) -> dict:
    durees = []
    for _ in range(repetitions):
        debut = time.perf_counter()
        balisage_pdf.retoucher_pdf(octets, TRAVAIL / "retouche.pdf", plan)
        durees.append(time.perf_counter() - debut)
    premier = (TRAVAIL / "retouche.pdf").read_bytes()
    balisage_pdf.retoucher_pdf(octets, TRAVAIL / "encore.pdf", plan)
    return {
        "mediane": statistics.median(durees),
        "minimum": min(durees),
        "avant": len(octets),
        "apres": len(premier),
        "identique": premier == (TRAVAIL / "encore.pdf").read_bytes(),
        "en_tetes": sum(f.count("H") for forme in plan if forme for f in forme),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--donnees", type=Path, default=config.RACINE / "data")
    parser.add_argument("--annee", type=int, default=2022)
    parser.add_argument("--nombre", type=int, default=3)
    parser.add_argument("--repetitions", type=int, default=30)
    args = parser.parse_args()
    TRAVAIL.mkdir(parents=True, exist_ok=True)
    ids = stockage.lire(args.donnees, "participants", annee=args.annee)["structure_id"].tolist()[: args.nombre]
    print(f"Machine : {platform.machine()}, {platform.python_version()} ; {time.strftime('%Y-%m-%d %H:%M')}")
    for nom, octets, plan in pdf_de_typst(args.annee, args.donnees, ids):
        r = mesurer(octets, plan, args.repetitions)
        print(
            f"{nom} : retouche {nombre_fr(1000 * r['mediane'], 1)} ms (médiane ; min {nombre_fr(1000 * r['minimum'], 1)} ms), "
            f"{r['en_tetes']} en-têtes de ligne, {r['avant'] // 1024} → {r['apres'] // 1024} Kio, "
            f"{'même PDF' if r['identique'] else 'PDF DIFFÉRENTS'} d'une passe à l'autre"
        )


if __name__ == "__main__":
    main()
