"""Banc de couverture complet des intervalles complémentaires (``analyse.validation.complements``).

Lancer à la main (quelques minutes) :
``PYTHONPATH=src python benchmarks/bench_couverture_complements.py [--repliques-lmg 200] [--repliques 2000]``.
Affiche en Markdown, avec la machine et la date, la couverture à 95 % nominal et le rapport
largeur médiane / (2 × 1,96 × écart vrai) de : l'importance LMG des déterminants (350 et
175 structures), les parts opérationnelles d'une structure (1 à 6 contacts, exact), les
quantiles nationaux (350 et 185 structures) et l'effet de composition des tendances.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import time

import pandas as pd

from analyse.validation import complements as c


def tableau_markdown(resume: pd.DataFrame, pourcentages=("couverture",)) -> str:
    """Tableau Markdown (colonnes ``pourcentages`` en %, nombres à virgule)."""
    colonnes = list(resume.columns)
    lignes = ["| " + " | ".join(colonnes) + " |", "|" + "---|" * len(colonnes)]
    for r in resume.to_dict("records"):
        cellules = []
        for col in colonnes:
            v = r[col]
            if col in pourcentages:
                cellules.append(f"{100 * v:.1f} %".replace(".", ","))
            elif isinstance(v, float):
                cellules.append(f"{v:.4g}".replace(".", ","))
            else:
                cellules.append(str(v))
        lignes.append("| " + " | ".join(cellules) + " |")
    return "\n".join(lignes)


def _section(titre: str, debut: float) -> None:
    print(f"#### {titre} ({time.perf_counter() - debut:.0f} s)\n")


def banc_lmg(repliques: int, n_bootstrap: int, graine: int) -> None:
    vraies = c.parts_lmg_vraies()
    print(
        "Parts LMG vraies (2 millions de répondants simulés) : "
        + ", ".join(f"{d} {v:.4f}" for d, v in vraies.items())
        + f" ; R² {vraies.sum():.3f}\n"
    )
    for n_structures in (350, 175):
        debut = time.perf_counter()
        detail = c.couverture_lmg(repliques, n_structures, n_bootstrap, graine, vraies)
        _section(
            f"Importance LMG, {n_structures} structures — {repliques} répliques, {n_bootstrap} tirages, "
            f"graine {graine}, {detail['n_observations'].median():.0f} répondants complets (médiane)",
            debut,
        )
        print(f"Par quantité imprimée :\n\n{tableau_markdown(c.resumer(detail, ['quantite']))}\n")
        parts = detail[detail["quantite"] == "part"]
        print(f"Parts LMG, par déterminant :\n\n{tableau_markdown(c.resumer(parts, ['determinant']))}\n")


def banc_proportions() -> None:
    table = c.couverture_proportions(proportions=(0.5, 0.6, 0.7, 0.8, 0.88, 0.95))
    grille = c.couverture_proportions(proportions=tuple(i / 100 for i in range(1, 100)))
    pire = grille.groupby(["methode", "contacts"])["couverture"].min().unstack("methode")
    print("#### Parts d'une structure (fiche), couverture exacte (loi binomiale)\n")
    print(
        "Couverture minimale sur les proportions vraies 0,01 à 0,99, par nombre de contacts "
        "(`wilson` : ancienne méthode, `jeffreys`, `beta` : Clopper–Pearson, retenue) :\n"
    )
    print(tableau_markdown(pire.reset_index(), tuple(pire.columns)) + "\n")
    moyenne = table.pivot_table(index=["contacts", "p_vrai"], columns="methode", values="couverture").reset_index()
    print(
        "Couverture aux proportions vraies typiques (nationales de la démo : 0,61 à 0,88) :\n\n"
        f"{tableau_markdown(moyenne, ('beta', 'jeffreys', 'wilson'))}\n"
    )
    largeur = table.groupby(["methode", "contacts"])["largeur_moyenne"].mean().unstack("methode").reset_index()
    print(f"Largeur moyenne (proportion, moyenne sur ces proportions vraies) :\n\n{tableau_markdown(largeur)}\n")
    print(
        "Proportion vraie variable entre structures (loi bêta, moyenne 0,88, corrélation 0,094) : "
        + ", ".join(
            f"{n} contact(s) {100 * c.couverture_proportion_simulee(50_000, n, 0.88, 0.094):.1f} %".replace(".", ",")
            for n in range(1, 7)
        )
        + "\n"
    )


def banc_quantiles(repliques: int, graine: int) -> None:
    for n_structures in (350, 185):
        debut = time.perf_counter()
        detail = c.couverture_distribution(repliques, n_structures, graine)
        _section(f"Quantiles nationaux, {n_structures} structures — {repliques} répliques, graine {graine}", debut)
        print(tableau_markdown(c.resumer(detail, ["statistique"])) + "\n")


def banc_composition(repliques: int, n_bootstrap: int, graine: int) -> None:
    debut = time.perf_counter()
    detail = c.couverture_composition(repliques, n_bootstrap=n_bootstrap, graine=graine)
    _section(f"Effet de composition — {repliques} répliques, {n_bootstrap} tirages, graine {graine}", debut)
    effectifs = detail.groupby("annee")["n_participants"].mean().round().astype(int)
    print("Participants par édition (moyenne) : " + ", ".join(f"{a} : {n}" for a, n in effectifs.items()) + "\n")
    print(f"Par méthode :\n\n{tableau_markdown(c.resumer(detail, ['methode']))}\n")
    print(f"Par méthode et édition :\n\n{tableau_markdown(c.resumer(detail, ['methode', 'annee']))}\n")


def main() -> None:
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("--repliques-lmg", type=int, default=200)
    parseur.add_argument("--repliques", type=int, default=2000, help="répliques des quantiles")
    parseur.add_argument("--repliques-composition", type=int, default=500)
    parseur.add_argument("--n-bootstrap", type=int, default=1000)
    parseur.add_argument("--graine", type=int, default=2012)
    args = parseur.parse_args()
    print(
        f"Machine : {platform.node()} ({platform.machine()}, {os.cpu_count()} cœurs, "
        f"Python {platform.python_version()}) — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC\n"
    )
    banc_lmg(args.repliques_lmg, args.n_bootstrap, args.graine)
    banc_proportions()
    banc_quantiles(args.repliques, args.graine)
    banc_composition(args.repliques_composition, args.n_bootstrap, args.graine)


if __name__ == "__main__":
    main()
