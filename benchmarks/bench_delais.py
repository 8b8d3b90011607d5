"""Banc des délais de réponse aux réclamations (``analyse.validation.delais``) : vérité connue, censure.

Lancer à la main (une à deux minutes) :
``PYTHONPATH=src python benchmarks/bench_delais.py [--structures 500]``.
Affiche en Markdown, avec la machine et la date : couverture de l'intervalle à 95 % de la médiane
de Kaplan–Meier (mois et années), part des intervalles non calculables (moins de 5 réponses) et des
bornes hautes non atteintes, biais de la part dans le délai lue sur la courbe et de l'ancien calcul
(réclamations ouvertes comptées en retard), biais du chiffre annuel (courbe annuelle contre médiane
des médianes mensuelles), pour deux fins de suivi (fin de l'année, et 30 jours plus tard).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import time

from analyse.validation import delais


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %".replace(".", ",")


def _nb(x: float) -> str:
    return f"{x:+.3f}".replace(".", ",")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--structures", type=int, default=500)
    p.add_argument("--graine", type=int, default=2012)
    a = p.parse_args()
    print(f"## Délais de réponse censurés — {dt.date.today().isoformat()}")
    print(f"Machine : {platform.machine()}, {os.cpu_count()} cœurs, Python {platform.python_version()}.")
    print(f"{a.structures} structures × 12 mois, ~5 réclamations par mois ; délai ⌈Gamma(1,5)⌉, médiane vraie 11 j,")
    print("part vraie dans 15 j : 0,65. Couvertures : intervalles à 95 % nominal.\n")
    print(
        "| fin du suivi | niveau | n | couverture médiane (intervalles donnés) | sans intervalle | borne haute non atteinte "
        "| couverture part | biais part (courbe) | biais part (ouvertes en retard) | biais médiane |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for marge in (0, 30):
        debut = time.perf_counter()
        r = delais.simuler(a.structures, a.graine, marge=marge)
        v = r["verite"]
        m, an = r["mensuel"], r["annuel"]
        for niveau, t, med in (
            ("mois", m, m["delai_median_jours"]),
            ("mois de décembre", m[m["mois"].dt.month == 12], m.loc[m["mois"].dt.month == 12, "delai_median_jours"]),
            ("année (courbe annuelle)", an, an["delai_median_jours"]),
            ("année (médiane des médianes)", an, an["mediane_des_medianes"]),
        ):
            donnes = t[t["delai_ic_bas"].notna()]
            cov = delais.resumer(donnes, v)["couverture_mediane"] if len(donnes) else float("nan")
            s = delais.resumer(t, v)
            print(
                f"| {'31 déc.' if marge == 0 else '31 déc. + 30 j'} | {niveau} | {s['n']} | {_pct(cov)} "
                f"| {_pct(s['intervalle_non_calculable'])} | {_pct(s['borne_haute_non_atteinte'])} "
                f"| {_pct(s['couverture_part'])} | {_nb(s['biais_part'])} | {_nb(s['biais_part_naive'])} "
                f"| {_nb(med.mean() - v['mediane'])} |"
            )
        print(f"<!-- {time.perf_counter() - debut:.0f} s -->")


if __name__ == "__main__":
    main()
