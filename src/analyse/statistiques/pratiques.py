"""Catalogue des bonnes pratiques (données : ``ressources/bonnes_pratiques.csv``).

Chaque pratique indique les déterminants de la qualité de l'accueil qu'elle améliore ;
les fiches de structure relient chaque priorité aux pratiques qui la traitent.
Les quatre premières sont celles que l'observatoire met en avant.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import pandas as pd

from analyse.donnees.codes import DETERMINANTS


@lru_cache(maxsize=1)
def _catalogue() -> pd.DataFrame:
    fichier = resources.files("analyse") / "ressources" / "bonnes_pratiques.csv"
    with fichier.open("r", encoding="utf-8") as flux:
        table = pd.read_csv(flux, sep=";", dtype=str)
    inconnus = sorted({d for ds in table["determinants"] for d in ds.split("|")} - set(DETERMINANTS))
    if inconnus:
        raise ValueError(
            f"bonnes_pratiques.csv, colonne « determinants » : code(s) inconnu(s) {', '.join(inconnus)} "
            f"(attendu : {', '.join(DETERMINANTS)})"
        )
    table["mise_en_avant"] = table["mise_en_avant"].eq("oui")
    return table


def charger_pratiques() -> pd.DataFrame:
    """Le catalogue : code, pratique, determinants (séparés par « | »), description, mise_en_avant.

    >>> charger_pratiques()["mise_en_avant"].sum()
    np.int64(4)
    """
    return _catalogue().copy()


def pratiques_pour(determinant: str) -> pd.DataFrame:
    """Pratiques qui traitent un déterminant (les pratiques mises en avant d'abord).

    >>> "renfort_telephonique" in pratiques_pour("attente")["code"].tolist()
    True
    """
    table = _catalogue()
    masque = table["determinants"].str.split("|").map(lambda ds: determinant in ds)
    return table[masque].sort_values("mise_en_avant", ascending=False, kind="stable").reset_index(drop=True)
