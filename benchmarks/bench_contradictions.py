"""Phrases des fiches contredites par leurs propres tableaux, sur toutes les fiches d'une édition.

Lancer à la main sur la démo complète (350 fiches en 2022, une minute environ) :
``analyse demo --donnees /tmp/d && analyse preparer --toutes --donnees /tmp/d`` puis
``PYTHONPATH=src python benchmarks/bench_contradictions.py --donnees /tmp/d [--annee 2022]``.

Affiche en Markdown, pour ``benchmarks/RESULTATS.md`` (section « Du nombre au mot ») :

- par règle (``analyse.validation.contradictions``) : affirmations imprimées et part de
  celles que l'intervalle recalculé contredit (priorités de la synthèse, seuil, quartile,
  évolution, écarts au national) ;
- les fausses comparaisons au national : la démo étant tirée d'un monde connu (graine 2012),
  on compare chaque « au-dessus » / « en dessous » imprimé au signe de l'écart vrai (score
  attendu de la structure − moyenne des scores attendus des structures de l'édition), et on
  compte les fiches qui en portent au moins une fausse.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import time

import pandas as pd

from analyse.donnees.stockage import lire
from analyse.rapports import fiche as rapport
from analyse.validation.contradictions import affirmations_fiche, textes_fiche
from analyse.validation.couverture import construire_monde, verite_edition

NIVEAUX = ("canal", "determinant", "etape")


def verite_ecarts(annee: int, graine: int, echelle: float, scores: pd.DataFrame) -> pd.DataFrame:
    """Écart vrai au national de chaque score de structure publié (niveau, modalité)."""
    verite = verite_edition(construire_monde(graine, echelle), annee)
    publies = scores[["structure_id", "niveau", "modalite"]].merge(verite, on=["structure_id", "niveau", "modalite"])
    nationale = publies.groupby(["niveau", "modalite"])["verite"].transform("mean")
    return publies.assign(ecart_vrai=publies["verite"] - nationale)


def sens_imprimes(fiche: dict, textes: dict) -> list[tuple[str, str, str]]:
    """(niveau, modalité, mot) de chaque « au-dessus » / « en dessous » imprimé (tableaux et synthèse)."""
    libelles = {
        str(lib).lower(): (niveau, mod)
        for niveau in NIVEAUX
        for lib, mod in zip(fiche[niveau]["libelle"], fiche[niveau]["modalite"])
    }
    sortie = []
    for unite in textes["tableaux"]:
        mot = re.search(r"(^|\s)(au-dessus|en dessous)(\s|$)", unite)
        lib = next((k for k in libelles if unite.lower().startswith(k)), None)
        if mot and lib and "non établi" not in unite:
            sortie.append((*libelles[lib], mot.group(2)))
    for unite in textes["synthese"]:
        mot = re.search(r"(au-dessus|en dessous) de la moyenne nationale", unite)
        if mot and "ce score" in unite.lower() and "non établi" not in unite:
            sortie.append(("global", "", mot.group(1)))
    return sortie


def mesurer(donnees: str, annee: int, graine: int, echelle: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    scores = lire(donnees, "scores", annee=annee)
    verite = verite_ecarts(annee, graine, echelle, scores).set_index(["structure_id", "niveau", "modalite"])
    affirmations, faux = [], []
    for sid in lire(donnees, "participants", annee=annee)["structure_id"]:
        f = rapport.calculer_fiche(annee, sid, donnees)
        textes = textes_fiche(f)
        affirmations.append(affirmations_fiche(f, textes).assign(structure_id=sid))
        n_faux = 0
        sens = sens_imprimes(f, textes) if f["global"] is not None else []
        for niveau, mod, mot in sens:
            vrai = verite["ecart_vrai"].get((sid, niveau, mod))
            if vrai is not None and (vrai <= 0 if mot == "au-dessus" else vrai >= 0):
                n_faux += 1
        faux.append({"structure_id": sid, "comparaisons_affirmees": len(sens), "fausses": n_faux})
    return pd.concat(affirmations, ignore_index=True), pd.DataFrame(faux)


def tableau_markdown(a: pd.DataFrame, faux: pd.DataFrame, n_fiches: int) -> str:
    lignes = [
        "| règle | partie | affirmations | contredites | part contredite |",
        "|---|---|---|---|---|",
    ]
    resume = a.groupby(["regle", "partie"])[["affirmations", "contradictions"]].sum().reset_index()
    for r in resume.to_dict("records"):
        part = 100 * r["contradictions"] / r["affirmations"] if r["affirmations"] else 0.0
        lignes.append(f"| {r['regle']} | {r['partie']} | {r['affirmations']} | {r['contradictions']} | {part:.1f} % |")
    avec = int(a.groupby("structure_id")["contradictions"].sum().gt(0).sum()) if len(a) else 0
    lignes += [
        "",
        f"Fiches avec au moins une phrase contredite : {avec} sur {n_fiches}.",
        f"Comparaisons au national affirmées : {int(faux['comparaisons_affirmees'].sum())} "
        f"({faux['comparaisons_affirmees'].mean():.1f} par fiche) ; fausses (signe contraire à l'écart vrai) : "
        f"{int(faux['fausses'].sum())} ; fiches avec au moins une fausse : "
        f"{100 * faux['fausses'].gt(0).mean():.1f} %.",
    ]
    return "\n".join(lignes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--donnees", required=True)
    parser.add_argument("--annee", type=int, default=2022)
    parser.add_argument("--graine", type=int, default=2012, help="graine de la démo (monde fictif)")
    parser.add_argument("--echelle", type=float, default=1.0, help="échelle de la démo")
    args = parser.parse_args()
    debut = time.perf_counter()
    a, faux = mesurer(args.donnees, args.annee, args.graine, args.echelle)
    print(
        f"Machine : {platform.node()} ({os.cpu_count()} cœurs), {dt.date.today().isoformat()}, "
        f"{time.perf_counter() - debut:.0f} s, édition {args.annee}, {len(faux)} fiches.\n"
    )
    print(tableau_markdown(a, faux, len(faux)))


if __name__ == "__main__":
    main()
