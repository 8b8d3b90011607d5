"""Compare deux jeux de sorties (tables préparées et CSV des rapports) : identiques ou non.

Usage : python outils/comparer_sorties.py AVANT APRES
AVANT et APRES contiennent chacun ``data/processed/`` et ``rapports/`` (par exemple deux
exécutions de ``make rapports`` avant et après un déplacement de code). Sort avec le code 1
et la liste des différences si une table ou un CSV diffère, 0 sinon.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd


def _tables(racine: Path) -> list[str]:
    processed = racine / "data" / "processed"
    return sorted(p.name for p in processed.iterdir() if p.is_dir()) if processed.is_dir() else []


def _csv(racine: Path) -> list[Path]:
    dossier = racine / "rapports"
    return sorted(p.relative_to(dossier) for p in dossier.rglob("*.csv")) if dossier.is_dir() else []


def differences(avant: Path, apres: Path) -> list[str]:
    """Liste lisible des différences entre deux jeux de sorties (vide s'ils sont identiques)."""
    ecarts = []
    for table in sorted(set(_tables(avant)) | set(_tables(apres))):
        try:
            a = pd.read_parquet(avant / "data" / "processed" / table)
            b = pd.read_parquet(apres / "data" / "processed" / table)
            pd.testing.assert_frame_equal(a, b)
        except (AssertionError, FileNotFoundError, OSError) as erreur:
            ecarts.append(f"table {table} : {str(erreur).splitlines()[0] if str(erreur) else 'absente'}")
    for relatif in sorted(set(_csv(avant)) | set(_csv(apres))):
        fa, fb = avant / "rapports" / relatif, apres / "rapports" / relatif
        if not (fa.exists() and fb.exists()):
            ecarts.append(f"CSV {relatif} : présent d'un seul côté")
        elif fa.read_bytes() != fb.read_bytes():
            ecarts.append(f"CSV {relatif} : contenu différent")
    return ecarts


def main(arguments: list[str]) -> int:
    if len(arguments) != 2:
        print(__doc__)
        return 2
    avant, apres = (Path(a) for a in arguments)
    ecarts = differences(avant, apres)
    n_tables, n_csv = len(_tables(avant)), len(_csv(avant))
    for e in ecarts:
        print(e)
    print(
        f"{n_tables} tables et {n_csv} CSV comparés : "
        + ("identiques." if not ecarts else f"{len(ecarts)} différence(s).")
    )
    return 1 if ecarts else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
