"""Banc de couverture hors du modèle : intervalles de structure sur des mondes qui s'écartent
des hypothèses de l'estimateur (``analyse.validation.couverture.SCENARIOS_ECARTS``).

Lancer à la main (quelques minutes) :
``PYTHONPATH=src python benchmarks/bench_couverture_ecarts.py [--repliques 20] [--annee 2022]
[--scenarios modele,constance,...]``. Affiche en Markdown, par scénario, la couverture à 95 %
nominal du score global, de chaque canal et du cinquième le plus erratique des structures, et
le rapport largeur médiane / largeur vraie (2 z × écart d'échantillonnage vrai), avec la
machine et la date, pour la section « Couverture hors du modèle » de ``benchmarks/RESULTATS.md``.

Cibles (issue 17) : global ≥ 93 %, chaque canal ≥ 90 %, cinquième le plus erratique ≥ 90 %,
rapport de largeur ≤ 1,3.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import time

import pandas as pd
from bench_couverture import tableau_markdown

from analyse.validation.couverture import SCENARIOS_ECARTS, couverture_rangs, mesurer_couverture, resumer_couverture


def resume_scenario(detail: pd.DataFrame) -> dict:
    """Une ligne de synthèse : couvertures et rapports de largeur qui portent les cibles."""
    glob = detail[detail["niveau"] == "global"]
    canaux = resumer_couverture(detail[detail["niveau"] == "canal"], ["modalite"]).set_index("modalite")
    r_global = resumer_couverture(glob, ["niveau"]).iloc[0]
    pire = canaux["couverture"].idxmin()
    ligne = {
        "global": r_global["couverture"],
        "largeur_global": r_global["rapport_largeur"],
        "canal_le_plus_bas": f"{pire} {100 * canaux.loc[pire, 'couverture']:.1f} %".replace(".", ","),
        "site_internet": canaux.loc["site_internet", "couverture"],
        "largeur_canal_max": canaux["rapport_largeur"].max(),
    }
    erratiques = detail[detail["erratique"]]
    if len(erratiques):
        ligne["erratiques_global"] = erratiques.loc[erratiques["niveau"] == "global", "couvert"].mean()
        ligne["erratiques_canal"] = erratiques.loc[erratiques["niveau"] == "canal", "couvert"].mean()
    else:
        ligne["erratiques_global"] = ligne["erratiques_canal"] = float("nan")
    return ligne


def main() -> None:
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("--repliques", type=int, default=20)
    parseur.add_argument("--annee", type=int, default=2022)
    parseur.add_argument("--graine", type=int, default=2012)
    parseur.add_argument("--scenarios", default=",".join(SCENARIOS_ECARTS))
    args = parseur.parse_args()
    print(
        f"Machine : {platform.node()} ({platform.machine()}, {os.cpu_count()} cœurs, "
        f"Python {platform.python_version()}) — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC\n"
    )
    lignes, details = [], {}
    for nom in args.scenarios.split(","):
        debut = time.perf_counter()
        detail = mesurer_couverture(args.repliques, annee=args.annee, graine=args.graine, ecarts=nom)
        details[nom] = detail
        lignes.append({"scenario": nom} | resume_scenario(detail) | {"duree_s": time.perf_counter() - debut})
    synthese = pd.DataFrame(lignes)
    for colonne in ("global", "site_internet", "erratiques_global", "erratiques_canal"):
        synthese[colonne] = synthese[colonne].map(lambda v: f"{100 * v:.1f} %".replace(".", ","))
    print(f"### Édition simulée {args.annee} — {args.repliques} répliques, graine {args.graine}\n")
    print(tableau_markdown(synthese) + "\n")
    for nom, detail in details.items():
        canaux = resumer_couverture(detail[detail["niveau"] == "canal"], ["modalite"])
        print(f"Scénario {nom}, canaux :\n\n{tableau_markdown(canaux)}\n")
        if detail["erratique"].any():
            rangs = tableau_markdown(couverture_rangs(detail))
            print(f"Scénario {nom}, intervalles de rang du palmarès (catégories de 20) :\n\n{rangs}\n")


if __name__ == "__main__":
    main()
