"""Banc de couverture des intervalles de structure.

Une édition est simulée au format du contrat brut par le modèle génératif de la démonstration
(``analyse.demo``), dont on connaît les scores attendus de chaque structure (l'oracle : score
moyen d'un contact tiré de la vérité, calculé analytiquement). La vraie préparation
(``analyse.chaine.preparer_edition``) calcule scores et intervalles ; on compte combien
d'intervalles contiennent la vérité, et on compare leur largeur à l'écart d'échantillonnage
vrai (racine de l'erreur quadratique moyenne des scores autour de la vérité). Chaque réplique
retire les contacts et les réponses à partir de la même vérité (mêmes structures, même plan
de contacts), d'où une mesure de l'écart vrai à plan fixé.

Hors du modèle : ``SCENARIOS_ECARTS`` nomme des mondes qui s'écartent des hypothèses de
l'estimateur (``analyse.demo.editions.EcartsModele``) : structures de constance différente,
site internet plus bruité, scores empilés à 100, un seul contact par canal, et tout à la fois.
Chaque ligne du détail porte le facteur de dispersion de sa structure (``facteur_dispersion``)
et ``erratique`` (cinquième des structures de l'édition au facteur le plus grand).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import norm

from analyse.chaine import preparer_edition
from analyse.config import PARAMETRES, Parametres, dossier_raw
from analyse.demo import editions as demo
from analyse.demo.editions import ECARTS_DEMO, SANS_ECARTS, EcartsModele
from analyse.donnees.codes import DETERMINANTS, ETAPES

NIVEAUX = ("global", "canal", "determinant", "etape")
CLASSES_NIVEAU = (0, 40, 55, 70, 85, 100)

SCENARIOS_ECARTS = {
    "modele": SANS_ECARTS,
    "demo": ECARTS_DEMO,
    "constance": EcartsModele(constance=0.5),
    "site_bruite": EcartsModele(bruit_canaux=(("site_internet", 2.0),)),
    "plafond": EcartsModele(part_parfaits=0.15),
    "un_contact": EcartsModele(part_un_contact=0.3),
    "combine": EcartsModele(
        constance=0.5, bruit_canaux=(("site_internet", 1.75),), part_parfaits=0.1, part_un_contact=0.2
    ),
}


def construire_monde(graine: int = 2012, echelle: float = 1.0, ecarts: EcartsModele = ECARTS_DEMO):
    """Le monde fictif de la démonstration (structures, plans de contacts, effets plantés)."""
    return demo._construire_monde(graine, echelle, ecarts)


def verite_edition(monde, annee: int, parametres: Parametres = PARAMETRES) -> pd.DataFrame:
    """Scores attendus (oracle) de chaque structure : canal, global (poids des canaux), déterminant, étape."""
    edition = monde.editions[annee]
    ids = monde.structures["id"][edition.idx]
    canal = demo._scores_canal_attendus(edition, edition.theta)
    morceaux = [_longue(ids, "canal", edition.canaux, canal)]
    poids = np.array(
        [1.0 if parametres.poids_canaux is None else float(parametres.poids_canaux.get(c, 0.0)) for c in edition.canaux]
    )
    teste = ~np.isnan(canal)
    global_ = np.nansum(canal * poids, axis=1) / (teste * poids).sum(axis=1)
    morceaux.append(pd.DataFrame({"structure_id": ids, "niveau": "global", "modalite": "", "verite": global_}))
    morceaux.append(_longue(ids, "determinant", DETERMINANTS, demo._niveaux_determinants(edition)))
    morceaux.append(_longue(ids, "etape", ETAPES, _niveaux_etapes(edition)))
    return pd.concat(morceaux, ignore_index=True).dropna(subset=["verite"])


def _longue(ids, niveau, codes, matrice) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "structure_id": np.repeat(ids, len(codes)),
            "niveau": niveau,
            "modalite": np.tile(np.array(codes, dtype=object), len(ids)),
            "verite": matrice.ravel(),
        }
    )


def _niveaux_etapes(edition) -> np.ndarray:
    """(structures, étapes) score attendu par étape, contacts × points max en poids (comme la préparation)."""
    esperances, notees = demo._esperances_questions(edition)
    contacts = np.column_stack([edition.nb_contacts[:, edition.canaux.index(q["canal"])] for q in notees])
    poids = contacts * np.array([q["points_max"] for q in notees])[None, :]
    niveaux = np.full((len(edition.idx), len(ETAPES)), np.nan)
    for k, etape in enumerate(ETAPES):
        colonnes = [i for i, q in enumerate(notees) if q["etape"] == etape]
        if colonnes:
            denominateur = poids[:, colonnes].sum(axis=1)
            numerateur = np.nansum(poids[:, colonnes] * esperances[:, colonnes], axis=1)
            niveaux[:, k] = np.where(denominateur > 0, numerateur / np.maximum(denominateur, 1e-12), np.nan)
    return niveaux


def ecrire_replique(donnees: Path, monde, annee: int, graine_contacts: int) -> None:
    """Écrit l'édition au format brut, contacts et réponses tirés avec ``graine_contacts``
    (le monde, donc la vérité et le plan de contacts, reste le même)."""
    brut = dossier_raw(donnees)
    brut.mkdir(parents=True, exist_ok=True)
    demo._ecrire_editions(brut)
    graine_monde = monde.graine
    monde.graine = graine_contacts
    try:
        demo._ecrire_edition(brut / str(annee), monde, annee)
    finally:
        monde.graine = graine_monde


def mesurer_couverture(
    n_repliques: int,
    annee: int = 2022,
    graine: int = 2012,
    echelle: float = 1.0,
    parametres: Parametres = PARAMETRES,
    ecarts: EcartsModele | str = ECARTS_DEMO,
) -> pd.DataFrame:
    """Une ligne par score de structure et par réplique : score, intervalle, vérité, ``couvert``,
    facteur de dispersion de la structure et ``erratique``.

    ``ecarts`` : écarts au modèle du monde simulé, ou nom d'un scénario de ``SCENARIOS_ECARTS``.
    Les répliques sont déterministes (graines ``graine + 1 … graine + n_repliques`` pour les contacts).
    """
    if isinstance(ecarts, str):
        ecarts = SCENARIOS_ECARTS[ecarts]
    monde = construire_monde(graine, echelle, ecarts)
    verite = verite_edition(monde, annee, parametres).merge(_dispersion_structures(monde, annee), on="structure_id")
    lignes = []
    with tempfile.TemporaryDirectory(prefix="couverture-") as dossier:
        for r in range(1, n_repliques + 1):
            racine = Path(dossier) / f"r{r}"
            ecrire_replique(racine, monde, annee, graine + r)
            scores = preparer_edition(racine, annee, parametres).tables["scores"]
            lignes.append(
                scores.merge(verite, on=["structure_id", "niveau", "modalite"], how="inner").assign(replique=r)
            )
    detail = pd.concat(lignes, ignore_index=True)
    detail["couvert"] = (detail["ic_bas"] <= detail["verite"]) & (detail["verite"] <= detail["ic_haut"])
    detail["largeur"] = detail["ic_haut"] - detail["ic_bas"]
    detail["erreur"] = detail["score"] - detail["verite"]
    return detail


def _dispersion_structures(monde, annee: int) -> pd.DataFrame:
    """Facteur de dispersion des contacts de chaque structure et cinquième le plus erratique."""
    idx = monde.editions[annee].idx
    facteur = monde.structures["constance"][idx]
    seuil = np.quantile(facteur, 0.8)
    return pd.DataFrame(
        {
            "structure_id": monde.structures["id"][idx],
            "facteur_dispersion": facteur,
            "erratique": (facteur > seuil) if np.ptp(facteur) > 0 else np.zeros(len(idx), dtype=bool),
        }
    )


def resumer_couverture(detail: pd.DataFrame, par, niveau_confiance: float = 0.95) -> pd.DataFrame:
    """Couverture, largeur médiane, écart d'échantillonnage vrai (RMSE autour de la vérité) et
    ``rapport_largeur`` = largeur médiane / (2 z × écart vrai), par groupe ``par``."""
    z = float(norm.ppf(0.5 + niveau_confiance / 2))
    groupes = detail.groupby(par, observed=True, sort=True)
    resume = pd.DataFrame(
        {
            "n": groupes.size(),
            "couverture": groupes["couvert"].mean(),
            "largeur_mediane": groupes["largeur"].median(),
            "ecart_vrai": groupes["erreur"].apply(lambda e: float(np.sqrt(np.mean(e**2)))),
        }
    )
    resume["rapport_largeur"] = resume["largeur_mediane"] / (2 * z * resume["ecart_vrai"])
    return resume.reset_index()


def ajouter_classes(detail: pd.DataFrame) -> pd.DataFrame:
    """Ajoute ``classe_niveau`` (classes de la vérité) et ``contacts`` (nombre, plafonné à 6)."""
    etiquettes = [f"{a}–{b}" for a, b in zip(CLASSES_NIVEAU[:-1], CLASSES_NIVEAU[1:])]
    return detail.assign(
        classe_niveau=pd.cut(detail["verite"], CLASSES_NIVEAU, labels=etiquettes, include_lowest=True),
        contacts=detail["n_contacts"].clip(upper=6),
    )


def couverture_rangs(
    detail: pd.DataFrame, taille_groupe: int = 20, n_tirages: int = 1000, niveau: float = 0.95
) -> pd.DataFrame:
    """Couverture des intervalles de rang du palmarès (``analyse.statistiques.palmares``).

    Les structures de chaque réplique sont réparties en groupes de ``taille_groupe`` (taille
    d'une catégorie du palmarès) ; dans chaque groupe, l'intervalle de rang tiré des erreurs
    types des scores globaux est comparé au rang vrai (rang des scores vrais). Renvoie la
    couverture pour toutes les structures et pour les trois premières observées (lauréats) ;
    hors du modèle, aussi pour le cinquième le plus erratique et ses lauréats (leur part ``n``
    parmi les trois premières dit s'ils y sont sur-représentés : 20 % attendus).
    """
    from analyse.statistiques.palmares import N_LAUREATS, intervalles_de_rang, repliques_scores

    globaux = detail[detail["niveau"] == "global"].sort_values(["replique", "structure_id"])
    lignes = []
    for (replique, debut), groupe in globaux.groupby(
        [globaux["replique"], np.arange(len(globaux)) // taille_groupe], sort=False
    ):
        if len(groupe) < taille_groupe:
            continue
        groupe = groupe.set_index("structure_id")
        tirages = repliques_scores(groupe, n_tirages, int(replique) * 1000 + int(debut), niveau)
        rangs = intervalles_de_rang(groupe["score"], tirages, niveau).set_index("structure_id")
        rang_vrai = groupe["verite"].rank(ascending=False, method="min")
        rangs["couvert"] = (rangs["rang_bas"] <= rang_vrai) & (rang_vrai <= rangs["rang_haut"])
        rangs["laureat"] = rangs["rang"] <= N_LAUREATS
        lignes.append(rangs)
    rangs = pd.concat(lignes)
    populations = {"toutes les structures": rangs, "trois premières observées": rangs[rangs["laureat"]]}
    if "erratique" in globaux and globaux["erratique"].any():
        erratiques = set(globaux.loc[globaux["erratique"], "structure_id"])
        rangs["erratique"] = rangs.index.isin(erratiques)
        populations["cinquième le plus erratique"] = rangs[rangs["erratique"]]
        populations["erratiques parmi les trois premières"] = rangs[rangs["laureat"] & rangs["erratique"]]
    return pd.DataFrame(
        {
            "population": list(populations),
            "n": [len(p) for p in populations.values()],
            "couverture": [p["couvert"].mean() for p in populations.values()],
        }
    )
