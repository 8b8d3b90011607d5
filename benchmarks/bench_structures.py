"""Banc d'essai des fiches de structure : fiches par minute, trois façons de faire le même PDF.

1. Lot du paquet (``analyse.rapports.lot.rapports_structures``) : noyau chaud par travailleur.
2. Référence papermill simple : un noyau neuf par fiche, 2 processus, même notebook, même route PDF.
3. Plancher : mêmes cellules exécutées en Python pur (sans noyau ni papermill), puis la même
   route HTML et PDF (nbconvert → Typst) que le lot.

Mesure aussi le PDF d'une fiche déjà exécutée (export nbconvert Typst et compilation, à chaud).
Pour chaque mode, le temps CPU de ses processus (travailleurs et noyaux, ``RUSAGE_CHILDREN``)
accompagne la durée : sur une machine partagée, le rapport des temps CPU varie moins que celui
des durées.

Usage (mesure faite à la main, jamais dans les tests) ::

    .venv/bin/python benchmarks/bench_structures.py --annee 2022 --nombre 40

Les fichiers vont dans ``benchmarks/travail/structures/`` (ignoré par git).
"""

from __future__ import annotations

import argparse
import ast
import multiprocessing
import resource
import shutil
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from analyse import config
from analyse.config import resoudre_chemin
from analyse.donnees import stockage
from analyse.formatage import nombre_fr
from analyse.rapports import lot

TRAVAIL = config.RACINE / "benchmarks" / "travail" / "structures"


def _provenance(annee, sid, donnees, sortie, communs):
    return {
        "parametres": {"annee": annee, "structure_id": sid, "donnees": str(donnees), "sortie": str(sortie)}
    } | communs


def fiche_papermill_simple(args) -> float:
    """Référence : papermill standard (noyau neuf pour cette fiche), puis la même route PDF."""
    annee, sid, nom, donnees, sortie, communs = args
    import papermill

    from analyse.rapports.rendu import _journaux_silencieux, choisir_noyau

    debut = time.perf_counter()
    dossier = Path(sortie) / str(annee) / "structures"
    dossier.mkdir(parents=True, exist_ok=True)
    with _journaux_silencieux("papermill", "traitlets", "asyncio"):
        nb = papermill.execute_notebook(
            str(config.NOTEBOOKS / lot.NOTEBOOK_FICHE),
            str(dossier / f"{sid}.ipynb"),
            parameters={"annee": annee, "structure_id": sid, "donnees": str(donnees), "sortie": str(sortie)},
            kernel_name=choisir_noyau(),
            cwd=str(dossier),
            progress_bar=False,
            log_output=False,
            extra_arguments=lot.OPTIONS_NOYAU,
        )
    lot.rendre_pdf(nb, dossier / f"{lot.nom_fichier(sid, nom)}.pdf", _provenance(annee, sid, donnees, sortie, communs))
    return time.perf_counter() - debut


def _executer_cellule(code: str, espace: dict):
    """Exécute une cellule comme IPython : renvoie la valeur de la dernière expression."""
    arbre = ast.parse(code)
    dernier = arbre.body.pop() if arbre.body and isinstance(arbre.body[-1], ast.Expr) else None
    exec(compile(arbre, "<cellule>", "exec"), espace)
    return eval(compile(ast.Expression(dernier.value), "<cellule>", "eval"), espace) if dernier else None


def notebook_python_pur(annee, sid, donnees, sortie):
    """Cellules du notebook de fiche exécutées dans un dictionnaire : notebook « exécuté » sans noyau."""
    import nbformat

    from analyse.formatage import BlocHTML
    from analyse.rapports.rendu import MIME_META, MetaRapport

    nb = nbformat.read(str(config.NOTEBOOKS / lot.NOTEBOOK_FICHE), as_version=4)
    espace = {"annee": annee, "structure_id": sid, "donnees": str(donnees), "sortie": str(sortie)}
    cellules = []
    for cellule in nb.cells:
        if set(cellule.metadata.get("tags", [])) & {"parameters", "masquer"}:
            continue
        if cellule.cell_type == "markdown":
            cellules.append(cellule)
            continue
        valeur = _executer_cellule(cellule.source, espace)
        if isinstance(valeur, MetaRapport):
            donnees_sortie = {MIME_META: valeur.meta, "text/plain": ""}
        elif isinstance(valeur, BlocHTML):
            donnees_sortie = {"text/html": valeur.contenu, **valeur._repr_mimebundle_()}
        else:
            continue
        cellule.outputs = [nbformat.v4.new_output("display_data", data=donnees_sortie)]
        cellules.append(cellule)
    nb.cells = cellules
    return nb


def fiche_python_pur(args) -> float:
    """Plancher : les cellules du notebook exécutées dans un dictionnaire, puis la même route HTML et PDF."""
    annee, sid, nom, donnees, sortie, communs = args
    debut = time.perf_counter()
    nb = notebook_python_pur(annee, sid, donnees, sortie)
    dossier = Path(sortie) / str(annee) / "structures"
    lot.rendre_pdf(nb, dossier / f"{lot.nom_fichier(sid, nom)}.pdf", _provenance(annee, sid, donnees, sortie, communs))
    return time.perf_counter() - debut


def mesurer_pdf_fiche(annee, sids, donnees) -> dict:
    """Durée (médiane, à chaud) du PDF d'une fiche déjà exécutée : export nbconvert Typst + compilation.

    Le premier PDF (``sids[0]``) charge exportateur et polices ; chacune des fiches suivantes
    est un document neuf, comme dans un lot. Recompiler le même source ne mesurerait que le
    cache de Typst (mémoïsation entre compilations d'un même processus) : quelques millisecondes.
    """
    from pypdf import PdfReader

    from analyse.rapports import rendu

    durees, compilations, pages = [], [], []
    for rang, sid in enumerate(sids):
        nb = notebook_python_pur(annee, sid, donnees, TRAVAIL / "pdf")
        meta = rendu.lire_meta(nb)
        couverture = rendu.donnees_couverture(
            meta.get("titre", ""), meta.get("sous_titre", ""), demo=bool(meta.get("demo"))
        )
        chemin = TRAVAIL / "pdf" / f"{sid}.pdf"
        debut = time.perf_counter()
        source = rendu.notebook_vers_typst(nb, couverture)
        milieu = time.perf_counter()
        rendu.typst_vers_pdf(source, chemin)
        fin = time.perf_counter()
        if rang:  # le premier est à froid
            durees.append(fin - debut)
            compilations.append(fin - milieu)
            pages.append(len(PdfReader(chemin).pages))
    return {
        "pages": statistics.median(pages),
        "pdf_s": statistics.median(durees),
        "compilation_s": statistics.median(compilations),
        "fiches": len(durees),
    }


def _pool(fonction, taches, travailleurs) -> tuple[float, list]:
    debut = time.perf_counter()
    with ProcessPoolExecutor(travailleurs, mp_context=multiprocessing.get_context("spawn")) as pool:
        durees = list(pool.map(fonction, taches))
    return time.perf_counter() - debut, durees


def _cpu_enfants() -> float:
    """Temps CPU (utilisateur + système) des processus enfants terminés : travailleurs et leurs noyaux."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _ligne(nom: str, n: int, secondes: float, cpu: float) -> dict:
    return {"mode": nom, "fiches": n, "secondes": secondes, "par_minute": 60 * n / secondes, "cpu": cpu}


def main(argv=None) -> int:
    parseur = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parseur.add_argument("--annee", type=int, default=2022)
    parseur.add_argument("--nombre", type=int, default=40)
    parseur.add_argument("--donnees", default="data")
    parseur.add_argument("--travailleurs", type=int, default=2)
    parseur.add_argument("--sans-reference", action="store_true", help="ne mesure pas la référence papermill")
    args = parseur.parse_args(argv)

    donnees = resoudre_chemin(args.donnees)
    participants = stockage.lire(donnees, "participants", annee=args.annee)
    choix = participants.head(args.nombre)
    ids = choix["structure_id"].tolist()
    shutil.rmtree(TRAVAIL, ignore_errors=True)
    communs = {
        "empreinte_donnees": lot.empreinte_donnees(donnees, args.annee),
        "empreinte_notebook": lot.empreinte_notebook(),
        "version": lot.version_paquet(),
    }
    resultats = []

    print(f"{len(ids)} fiches de l'édition {args.annee}, {args.travailleurs} travailleurs.", flush=True)
    mesure = mesurer_pdf_fiche(args.annee, ids[:8], donnees)
    print(
        f"  PDF d'une fiche de {nombre_fr(mesure['pages'], 0)} pages (à chaud, médiane sur {mesure['fiches']} fiches) : "
        f"{nombre_fr(mesure['pdf_s'], 3)} s "
        f"dont compilation Typst {nombre_fr(mesure['compilation_s'], 3)} s (cible ≤ 0,15 s)",
        flush=True,
    )
    cpu = _cpu_enfants()
    bilan = lot.rapports_structures(
        args.annee,
        donnees,
        TRAVAIL / "lot",
        structures=ids,
        travailleurs=args.travailleurs,
        forcer=True,
        progression=False,
    )
    assert bilan.code_sortie == 0, bilan.resume()
    resultats.append(_ligne("lot du paquet (noyau chaud)", len(ids), bilan.duree_s, _cpu_enfants() - cpu))
    execution = statistics.median(e["execution_s"] for e in bilan.etapes)
    rendu = statistics.median(e["rendu_s"] for e in bilan.etapes)
    print(
        f"  lot : médiane par fiche {nombre_fr(statistics.median(bilan.durees), 2)} s "
        f"(exécution du notebook {nombre_fr(execution, 2)} s, HTML + PDF {nombre_fr(rendu, 2)} s)",
        flush=True,
    )

    taches = [
        (args.annee, sid, nom, str(donnees), str(TRAVAIL / "reference"), communs) for sid, nom in zip(ids, choix["nom"])
    ]
    if not args.sans_reference:
        cpu = _cpu_enfants()
        secondes, durees = _pool(fiche_papermill_simple, taches, args.travailleurs)
        resultats.append(_ligne("papermill simple (noyau neuf par fiche)", len(ids), secondes, _cpu_enfants() - cpu))
        print(f"  référence : médiane par fiche {nombre_fr(statistics.median(durees), 2)} s", flush=True)
    taches = [t[:4] + (str(TRAVAIL / "plancher"), t[5]) for t in taches]
    cpu = _cpu_enfants()
    secondes, durees = _pool(fiche_python_pur, taches, args.travailleurs)
    resultats.append(_ligne("plancher (Python pur, sans notebook)", len(ids), secondes, _cpu_enfants() - cpu))
    print(f"  plancher : médiane par fiche {nombre_fr(statistics.median(durees), 2)} s", flush=True)

    print("\n| Mode | Fiches | Durée (s) | Fiches par minute | CPU des processus (s) |\n|---|---:|---:|---:|---:|")
    for r in resultats:
        print(
            f"| {r['mode']} | {r['fiches']} | {nombre_fr(r['secondes'])} | {nombre_fr(r['par_minute'])} "
            f"| {nombre_fr(r['cpu'])} |"
        )
    lot_, plancher = resultats[0]["par_minute"], resultats[-1]["par_minute"]
    print(f"\nCible ≥ 60 fiches/min : {'atteinte' if lot_ >= 60 else 'non atteinte'} ({nombre_fr(lot_)}).")
    if not args.sans_reference:
        facteur = lot_ / resultats[1]["par_minute"]
        facteur_cpu = resultats[1]["cpu"] / resultats[0]["cpu"] if resultats[0]["cpu"] else float("nan")
        print(
            f"Gain sur papermill simple : × {nombre_fr(facteur, 2)} (cible ≥ 4) ; "
            f"en temps CPU : × {nombre_fr(facteur_cpu, 2)} (moins sensible à la charge de la machine)."
        )
    print(f"Écart au plancher : × {nombre_fr(plancher / lot_, 2)} (cible ≤ 1,5).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
