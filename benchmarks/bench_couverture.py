"""Banc de couverture complet des intervalles de structure (``analyse.validation.couverture``).

Lancer à la main (quelques minutes) :
``PYTHONPATH=src python benchmarks/bench_couverture.py [--repliques 20] [--annees 2022,2014]``.
Affiche en Markdown la couverture à 95 % nominal et le rapport largeur médiane / largeur
vraie (2 z × écart d'échantillonnage vrai), par niveau, par canal, par nombre de contacts et
par classe de niveau du score vrai, avec la machine et la date, pour la section « Couverture »
de ``benchmarks/RESULTATS.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import time

import pandas as pd

from analyse.validation.couverture import ajouter_classes, couverture_rangs, mesurer_couverture, resumer_couverture

VUES = (
    ("Par niveau", None, ["niveau"]),
    ("Canaux, par canal", "canal", ["modalite"]),
    ("Canaux, par nombre de contacts", "canal", ["contacts"]),
    ("Score global, par classe de niveau vrai", "global", ["classe_niveau"]),
    ("Canaux, par classe de niveau vrai", "canal", ["classe_niveau"]),
    ("Déterminants, par déterminant", "determinant", ["modalite"]),
    ("Étapes, par étape", "etape", ["modalite"]),
)


def tableau_markdown(resume: pd.DataFrame) -> str:
    """Tableau Markdown (couverture en %, largeurs en points)."""
    colonnes = list(resume.columns)
    lignes = ["| " + " | ".join(colonnes) + " |", "|" + "---|" * len(colonnes)]
    for r in resume.to_dict("records"):
        cellules = []
        for c in colonnes:
            v = r[c]
            if c == "couverture":
                cellules.append(f"{100 * v:.1f} %".replace(".", ","))
            elif isinstance(v, float):
                cellules.append(f"{v:.2f}".replace(".", ","))
            else:
                cellules.append(str(v))
        lignes.append("| " + " | ".join(cellules) + " |")
    return "\n".join(lignes)


def main() -> None:
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("--repliques", type=int, default=20)
    parseur.add_argument("--annees", default="2022,2014")
    parseur.add_argument("--graine", type=int, default=2012)
    args = parseur.parse_args()
    print(
        f"Machine : {platform.node()} ({platform.machine()}, {os.cpu_count()} cœurs, "
        f"Python {platform.python_version()}) — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC\n"
    )
    for annee in (int(a) for a in args.annees.split(",")):
        debut = time.perf_counter()
        detail = ajouter_classes(mesurer_couverture(args.repliques, annee=annee, graine=args.graine))
        duree = time.perf_counter() - debut
        print(f"### Édition simulée {annee} — {args.repliques} répliques, graine {args.graine} ({duree:.0f} s)\n")
        for titre, niveau, par in VUES:
            partie = detail if niveau is None else detail[detail["niveau"] == niveau]
            print(f"{titre} :\n\n{tableau_markdown(resumer_couverture(partie, par))}\n")
        print(f"Intervalles de rang du palmarès (catégories de 20) :\n\n{tableau_markdown(couverture_rangs(detail))}\n")
        part = detail.groupby("niveau")["fragile"].mean()
        print("Part des scores « fragiles » : " + ", ".join(f"{n} {100 * v:.0f} %" for n, v in part.items()) + "\n")


if __name__ == "__main__":
    main()
