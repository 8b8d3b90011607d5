"""Banc complet des tests de tendance et de rupture, des petites strates et de l'atténuation.

Lancer à la main (quelques minutes) :
``PYTHONPATH=src python benchmarks/bench_tendances.py [--series 2000] [--panels 300]``.
Affiche en Markdown, avec la machine et la date, pour la section « Tendances » de
``benchmarks/RESULTATS.md`` :

- fausses tendances (marche aléatoire sans dérive, chocs d'édition indépendants, AR(1) 0,5) et
  puissance (pente de 0,25 à 1 σ par an), nouveau test et ancien tau de Kendall ;
- fausses ruptures (tendance + chocs, tendance + AR(1) 0,5, marche) et ruptures de 5 σ contre ou
  avec une tendance de 1 σ par an, retenues et datées à leur édition, par édition de rupture ;
- plafond de puissance de tout test de rupture (Neyman–Pearson) face au sup-F de l'étude ;
- couverture de la moyenne des participants d'une petite strate (t de Student, bootstrap) ;
- atténuation des pentes du modèle par structure et correction.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import time

from analyse.validation import attenuation, tendances as sim


def _pct(x: float) -> str:
    return f"{100 * x:.1f}".replace(".", ",")


def bloc_tendances(n: int) -> list[str]:
    lignes = [
        "| variation d'édition | pente (σ/an) | tendance déclarée : méta-régression | ancien Kendall |",
        "|---|---:|---:|---:|",
    ]
    for forme, pente in [("marche", 0.0), ("chocs", 0.0), ("ar1", 0.0)] + [
        (f, p) for p in (0.25, 0.5, 1.0, 1.5) for f in ("chocs", "marche")
    ]:
        r = sim.taux_tendance(forme, pente, n_series=n)
        lignes.append(
            f"| {forme} | {str(pente).replace('.', ',')} | {_pct(r['meta_regression'])} % | {_pct(r['kendall'])} % |"
        )
    return lignes


def bloc_panels(n: int) -> list[str]:
    lignes = [
        "| variation d'édition | pente (σ/an) | série | tendance déclarée : méta-régression | ancien Kendall |",
        "|---|---:|---|---:|---:|",
    ]
    for forme, pente in (("marche", 0.0), ("chocs", 0.0), ("chocs", 1.0)):
        r = sim.taux_tendance_panels(forme, pente, n_panels=n)
        for x in r.to_dict("records"):
            lignes.append(
                f"| {forme} | {str(pente).replace('.', ',')} | {x['methode']} | {_pct(x['meta_regression'])} % "
                f"| {_pct(x['kendall'])} % |"
            )
    return lignes


def bloc_ruptures(n: int) -> list[str]:
    lignes = [
        "| scénario | rupture retenue | retenue à son édition |",
        "|---|---:|---:|",
    ]
    scenarios = [
        ("tendance 1 σ/an + chocs, sans rupture", "chocs", 1.0, None),
        ("tendance 0,5 σ/an + AR(1) ρ = 0,5, sans rupture", "ar1", 0.5, None),
        ("marche aléatoire sans dérive, sans rupture", "marche", 0.0, None),
    ]
    for annee in (2014, 2015, 2016, 2017, 2018, 2020, 2021):
        scenarios.append((f"−5 σ en {annee} contre +1 σ/an", "chocs", 1.0, (annee, -5.0)))
        scenarios.append((f"−5 σ en {annee} avec −1 σ/an", "chocs", -1.0, (annee, -5.0)))
    scenarios.append(("−5 σ en 2016 contre +1 σ/an, AR(1) ρ = 0,5", "ar1", 1.0, (2016, -5.0)))
    scenarios.append(("−7 σ en 2016 contre +1 σ/an", "chocs", 1.0, (2016, -7.0)))
    for nom, forme, pente, rupture in scenarios:
        r = sim.taux_rupture(forme, pente, rupture, n_series=n)
        lignes.append(f"| {nom} | {_pct(r['retenue'])} % | {_pct(r['a_son_edition'])} % |")
    return lignes


def bloc_plafond(n: int) -> list[str]:
    """Sup-F de l'étude face au plafond de Neyman–Pearson et à l'oracle « date connue »."""
    import numpy as np
    from scipy import stats

    from analyse.statistiques import tendances

    plafond = sim.plafond_rupture(n_series=max(n, 2000))
    base, cand, indices = tendances._modele_marches(sim.ANNEES, 2)
    Q = sim._complement_orthogonal(base)
    lignes = [
        "| édition de la rupture | sup-F (étude) | plafond, ≤ 10 % de fausses sous AR(1) 0,5 "
        "| date connue, bruit indépendant (t unilatéral 5 %) |",
        "|---|---:|---:|---:|",
    ]
    for j, i in enumerate(indices):
        annee = int(sim.ANNEES[i])
        r = sim.taux_rupture("chocs", 1.0, (annee, -5.0), n_series=n)
        ncp = 5.0 * np.linalg.norm(Q.T @ cand[:, j])
        connue = stats.nct.sf(stats.t.ppf(0.95, len(sim.ANNEES) - 3), len(sim.ANNEES) - 3, ncp)
        lignes.append(f"| {annee} | {_pct(r['retenue'])} % | {_pct(plafond[annee])} % | {_pct(connue)} % |")
    lignes.append(f"| moyenne | | {_pct(plafond['moyenne'])} % | |")
    return lignes


def bloc_strates(n: int) -> list[str]:
    lignes = ["| structures | t de Student | bootstrap percentile |", "|---:|---:|---:|"]
    for k in (5, 8, 10, 14, 30):
        r = sim.couverture_moyenne_strate(k, n_series=n)
        lignes.append(f"| {k} | {_pct(r['student'])} % | {_pct(r['bootstrap_percentile'])} % |")
    return lignes


def bloc_attenuation(repliques: int) -> list[str]:
    r = attenuation.mesurer_attenuation(n_repliques=repliques, n_bootstrap=200)
    lignes = [
        "| déterminant | fiabilité | pente naïve / vraie | pente corrigée / vraie | couverture IC corrigé |",
        "|---|---:|---:|---:|---:|",
    ]
    for x in r.to_dict("records"):
        lignes.append(
            f"| {x['terme']} | {x['fiabilite']:.2f} | {x['rapport_naif']:.2f} | {x['rapport_corrige']:.2f} "
            f"| {_pct(x['couvert'])} % |".replace(".", ",")
        )
    return lignes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=2000, help="séries simulées par scénario")
    parser.add_argument("--repliques-attenuation", type=int, default=200)
    parser.add_argument("--panels", type=int, default=300, help="panels simulés par scénario (de bout en bout)")
    args = parser.parse_args()
    debut = time.time()
    print(f"## Tendances, ruptures, strates, atténuation — {dt.date.today().isoformat()}")
    print(
        f"Machine : {platform.machine()}, {os.cpu_count()} cœurs, Python {platform.python_version()} ; "
        f"`benchmarks/bench_tendances.py --series {args.series} --panels {args.panels}`.\n"
    )
    for titre, bloc in (
        ("Fausses tendances et puissance", bloc_tendances(args.series)),
        ("De bout en bout : panels → trois séries → test (200 structures, 1/4 renouvelé)", bloc_panels(args.panels)),
        ("Ruptures", bloc_ruptures(args.series)),
        ("Ruptures : plafond de puissance de tout test (−5 σ contre +1 σ/an)", bloc_plafond(args.series)),
        ("Moyenne d'une petite strate : couverture à 95 % nominal", bloc_strates(args.series)),
        ("Modèle par structure : atténuation", bloc_attenuation(args.repliques_attenuation)),
    ):
        print(f"### {titre}\n")
        print("\n".join(bloc) + "\n")
    print(f"Durée totale : {time.time() - debut:.0f} s.")


if __name__ == "__main__":
    main()
