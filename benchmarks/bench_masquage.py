"""Mesure du masquage des textes libres (``confidentialite.masquer_texte``) : temps selon la
longueur, de 2 000 à 200 000 caractères, sur un commentaire réaliste et sur des textes piégés
(ceux qui rendaient un motif quadratique).

Lancer à la main : ``python benchmarks/bench_masquage.py [--ecrire]`` ; ``--ecrire`` ajoute le
tableau à ``benchmarks/RESULTATS.md`` avec la machine et la date.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import time
from pathlib import Path

from analyse.donnees import confidentialite as c
from analyse.formatage import nombre_fr

ICI = Path(__file__).resolve().parent
LONGUEURS = (2_000, 20_000, 50_000, 200_000)
TEXTES = {
    "commentaire réaliste": "Très bon accueil de Mme Odile Fermenthal (06 12 34 56 78), écrire à jean.dupont @ gmail.com. ",
    "une seule lettre répétée": "a",
    "initiales « A. »": "A.",
    "arobases « a@ »": "a@",
    "chiffres espacés": "1 ",
    "civilités « Mme »": "Mme ",
}


def _duree(texte: str, longueur_max) -> float:
    """Meilleur de 3 temps processeur (secondes)."""
    mesures = []
    for _ in range(3):
        debut = time.process_time()
        c.masquer_texte(texte, longueur_max=longueur_max)
        mesures.append(time.process_time() - debut)
    return min(mesures)


def mesurer() -> list[list[str]]:
    lignes = []
    for nom, motif in TEXTES.items():
        durees = [_duree((motif * n)[:n], None) for n in LONGUEURS]
        extrait = _duree((motif * LONGUEURS[-1])[: LONGUEURS[-1]], c.LONGUEUR_MAX_EXTRAIT)
        lignes.append([nom, *(nombre_fr(d, 3) for d in durees), nombre_fr(extrait, 3)])
    return lignes


def tableau(lignes: list[list[str]]) -> str:
    entete = ["texte", *(f"{nombre_fr(n, 0)} car. (s)" for n in LONGUEURS), "extrait de 200 000 car. (s)"]
    return "\n".join(
        ["| " + " | ".join(entete) + " |", "|---" + "|---:" * (len(entete) - 1) + "|"]
        + ["| " + " | ".join(l) + " |" for l in lignes]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ecrire", action="store_true", help="ajouter le résultat à benchmarks/RESULTATS.md")
    args = parser.parse_args()
    machine = f"{platform.machine()}, {os.cpu_count()} cœurs, Python {platform.python_version()}"
    texte = (
        f"\n## Masquage des textes libres — {dt.date.today().isoformat()}\n"
        f"Machine : {machine} ; `python benchmarks/bench_masquage.py`, temps processeur, meilleur de 3.\n"
        "Texte entier (`longueur_max=None`) selon sa longueur, puis extrait imprimé (400 caractères)\n"
        "d'un texte de 200 000 caractères.\n\n" + tableau(mesurer()) + "\n"
    )
    print(texte)
    if args.ecrire:
        with open(ICI / "RESULTATS.md", "a", encoding="utf-8") as f:
            f.write(texte)


if __name__ == "__main__":
    sys.exit(main())
