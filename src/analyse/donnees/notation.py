"""Notation des réponses et scores des structures (``methodologie.md``).

Points d'une réponse, score d'un contact (100 × ΣP / ΣM), scores de structure par
canal, déterminant, étape et global, avec intervalles bootstrap percentiles
(rééchantillonnage des contacts au sein de chaque canal).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from analyse.donnees.codes import DETERMINANTS, ETAPES
from analyse.config import PARAMETRES, Parametres

_OCTETS_PAR_BLOC = 128 * 1024**2


def lire_bareme(bareme: str) -> list[tuple[float, float]]:
    """Paires ``(seuil, points)`` d'un barème ``seuil:points|seuil:points``.

    Lève ``ValueError`` (message en français) si le barème est mal formé ou si
    les seuils ne sont pas strictement croissants.

    >>> lire_bareme("3:4|5:2")
    [(3.0, 4.0), (5.0, 2.0)]
    """
    paires = []
    for morceau in str(bareme).split("|"):
        elements = morceau.strip().split(":")
        if len(elements) != 2:
            raise ValueError(f"élément « {morceau.strip()} » : attendu seuil:points")
        try:
            seuil, points = (float(e.strip().replace(",", ".")) for e in elements)
        except ValueError:
            raise ValueError(f"élément « {morceau.strip()} » : seuil et points doivent être des nombres") from None
        if paires and seuil <= paires[-1][0]:
            raise ValueError("les seuils doivent être strictement croissants")
        paires.append((seuil, points))
    return paires


def points_nombre(valeurs, bareme: list[tuple[float, float]]) -> np.ndarray:
    """Points d'une réponse ``nombre`` : ceux de la première paire dont le seuil est ≥ la
    valeur, 0 au-delà du dernier seuil.

    >>> points_nombre([2, 5, 8], [(3, 4), (5, 2)]).tolist()
    [4.0, 2.0, 0.0]
    """
    valeurs = np.asarray(valeurs, dtype=float)
    seuils = np.array([s for s, _ in bareme], dtype=float)
    points = np.append(np.array([p for _, p in bareme], dtype=float), 0.0)
    rang = np.searchsorted(seuils, valeurs, side="left")
    return np.where(np.isnan(valeurs), np.nan, points[rang])


def points_oui_non(valeurs, points_max: float) -> np.ndarray:
    """``Oui`` (codé 1) vaut ``points_max``, ``Non`` (codé 0) vaut 0.

    >>> points_oui_non([1, 0], 3).tolist()
    [3.0, 0.0]
    """
    return np.asarray(valeurs, dtype=float) * points_max


def points_echelle4(valeurs, points_max: float) -> np.ndarray:
    """Une valeur v de 1 à 4 vaut ``points_max × (v − 1) / 3``.

    >>> points_echelle4([1, 4], 3).tolist()
    [0.0, 3.0]
    """
    return points_max * (np.asarray(valeurs, dtype=float) - 1.0) / 3.0


def points_reponses(type_reponse: str, valeurs, points_max: float, bareme=None) -> np.ndarray:
    """Points des réponses à une question selon son type (NaN = non noté)."""
    if type_reponse == "oui_non":
        return points_oui_non(valeurs, points_max)
    if type_reponse == "echelle4":
        return points_echelle4(valeurs, points_max)
    if type_reponse == "nombre":
        return points_nombre(valeurs, bareme)
    return np.full(len(valeurs), np.nan)


def scores_contacts(contacts: pd.DataFrame, reponses: pd.DataFrame) -> pd.DataFrame:
    """Ajoute à chaque contact ΣP, ΣM, le nombre de réponses notées et son score.

    Un contact sans réponse notée garde un score absent (NaN).
    """
    sommes = reponses.groupby("id_contact", sort=False)[["points", "points_max"]].sum()
    comptes = reponses.groupby("id_contact", sort=False).size().rename("n_reponses")
    resultat = contacts.drop(columns=["points", "points_max", "n_reponses", "score"], errors="ignore")
    resultat = resultat.join(sommes, on="id_contact").join(comptes, on="id_contact")
    resultat[["points", "points_max"]] = resultat[["points", "points_max"]].fillna(0.0)
    resultat["n_reponses"] = resultat["n_reponses"].fillna(0).astype("int64")
    avec_max = resultat["points_max"] > 0
    resultat["score"] = np.where(avec_max, 100 * resultat["points"] / resultat["points_max"].where(avec_max), np.nan)
    return resultat


# --- Scores de structure avec bootstrap --------------------------------------------


def _matrice_contacts(contacts: pd.DataFrame, reponses: pd.DataFrame):
    """Contacts notés triés (structure, canal) et matrice [score, P_d, M_d, P_e, M_e]."""
    notes = contacts.loc[contacts["score"].notna(), ["id_contact", "structure_id", "canal", "score"]]
    notes = notes.sort_values(["structure_id", "canal", "id_contact"], kind="stable").reset_index(drop=True)
    position = pd.Series(np.arange(len(notes)), index=notes["id_contact"].to_numpy())
    lignes = position.reindex(reponses["id_contact"].to_numpy()).to_numpy()
    garde = ~np.isnan(lignes)
    lignes = lignes[garde].astype(np.int64)
    blocs = [notes["score"].to_numpy(dtype=np.float64)[:, None]]
    for colonne, codes in (("determinant", DETERMINANTS), ("etape", ETAPES)):
        code = pd.Categorical(reponses[colonne].to_numpy()[garde], categories=codes).codes
        for mesure in ("points", "points_max"):
            matrice = np.zeros((len(notes), len(codes)))
            np.add.at(matrice, (lignes, code), reponses[mesure].to_numpy(dtype=np.float64)[garde])
            blocs.append(matrice)
    return notes, np.hstack(blocs)


def _bornes(cles: np.ndarray) -> np.ndarray:
    """Indices de début de chaque suite de clés identiques (clés triées)."""
    if len(cles) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, cles[1:] != cles[:-1]])


def _poids_canaux(canaux: np.ndarray, parametres: Parametres) -> np.ndarray:
    if parametres.poids_canaux is None:
        return np.ones(len(canaux))
    return np.array([float(parametres.poids_canaux.get(c, 0.0)) for c in canaux])


def _statistiques(XT: np.ndarray, debut_groupes, taille_groupes, groupe_structure, debut_struct, poids):
    """Statistiques de structure à partir de la matrice transposée des contacts.

    ``XT`` a pour formes (k, n_contacts) ou, pour les répliques, (k, B, n_contacts) :
    les sommes portent sur le dernier axe (contigu, donc rapide). Renvoie les moyennes
    par canal (…, G), le score global (…, S), puis les scores par déterminant (8, …, S)
    et par étape (4, …, S).
    """
    sommes_groupes = np.add.reduceat(XT[0], debut_groupes, axis=-1)
    moyennes_canal = sommes_groupes / taille_groupes
    bornes = _bornes(groupe_structure)
    globaux = np.add.reduceat(moyennes_canal * poids, bornes, axis=-1) / np.add.reduceat(poids, bornes)
    sommes = np.add.reduceat(XT[1:], debut_struct, axis=-1)
    nd, ne = len(DETERMINANTS), len(ETAPES)
    with np.errstate(invalid="ignore", divide="ignore"):
        determinants = 100 * sommes[:nd] / sommes[nd : 2 * nd]
        etapes = 100 * sommes[2 * nd : 2 * nd + ne] / sommes[2 * nd + ne :]
    return moyennes_canal, globaux, determinants, etapes


def _quantiles(repliques: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Quantiles percentiles (bas, haut) sur l'axe des répliques (avant-dernier),
    en ignorant les répliques où le score n'est pas défini."""
    bas, haut = np.quantile(repliques, [alpha / 2, 1 - alpha / 2], axis=-2)
    manquants = np.isnan(bas) | np.isnan(haut)
    if manquants.any():
        colonnes = np.moveaxis(repliques, -2, 0)[:, manquants]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            bas[manquants], haut[manquants] = np.nanquantile(colonnes, [alpha / 2, 1 - alpha / 2], axis=0)
    return bas, haut


def _decouper_en_blocs(debut_struct: np.ndarray, n_contacts: int, taille_max: int):
    """Découpe les contacts en blocs contigus de structures entières."""
    fins = np.r_[debut_struct[1:], n_contacts]
    bloc_debut = 0
    for i, fin in enumerate(fins):
        if fin - debut_struct[bloc_debut] > taille_max and i > bloc_debut:
            yield bloc_debut, i
            bloc_debut = i
    if len(fins):
        yield bloc_debut, len(fins)


def scores_structures(
    contacts: pd.DataFrame,
    reponses: pd.DataFrame,
    annee: int,
    parametres: Parametres = PARAMETRES,
) -> pd.DataFrame:
    """Table ``scores`` d'une édition : global, canal, déterminant et étape par structure,
    avec intervalles bootstrap percentiles (contacts rééchantillonnés dans chaque canal).

    ``contacts`` doit porter le score de chaque contact (voir ``scores_contacts``).
    """
    notes, X = _matrice_contacts(contacts, reponses)
    if notes.empty:
        return _table_scores_vide()
    cle_groupe = (notes["structure_id"] + "\x1f" + notes["canal"]).to_numpy()
    debut_groupes = _bornes(cle_groupe)
    taille_groupes = np.diff(np.r_[debut_groupes, len(notes)])
    structures = notes["structure_id"].to_numpy()
    debut_struct = _bornes(structures)
    groupe_structure = np.repeat(np.arange(len(debut_struct)), np.diff(np.r_[debut_struct, len(notes)]))[debut_groupes]
    canaux_groupes = notes["canal"].to_numpy()[debut_groupes]
    poids = _poids_canaux(canaux_groupes, parametres)

    XT = np.ascontiguousarray(X.T)
    estimation = _statistiques(XT, debut_groupes, taille_groupes, groupe_structure, debut_struct, poids)
    intervalles = _intervalles_bootstrap(
        XT, debut_groupes, taille_groupes, groupe_structure, debut_struct, poids, annee, parametres
    )
    return _assembler_scores(
        notes, X, annee, estimation, intervalles, debut_groupes, taille_groupes, debut_struct, canaux_groupes, parametres
    )


def _intervalles_bootstrap(XT, debut_groupes, taille_groupes, groupe_structure, debut_struct, poids, annee, parametres):
    """Intervalles percentiles par blocs de structures (mémoire bornée), graine fixe."""
    rng = np.random.default_rng([parametres.graine, int(annee)])
    B = parametres.n_bootstrap
    alpha = 1 - parametres.niveau_confiance
    n = XT.shape[1]
    taille_max = max(1, _OCTETS_PAR_BLOC // (B * XT.shape[0] * 8))
    resultats = []
    for s0, s1 in _decouper_en_blocs(debut_struct, n, taille_max):
        c0 = debut_struct[s0]
        c1 = debut_struct[s1] if s1 < len(debut_struct) else n
        g = (debut_groupes >= c0) & (debut_groupes < c1)
        debuts_locaux = debut_groupes[g] - c0
        tailles = taille_groupes[g]
        tirages = np.repeat(debuts_locaux, tailles) + (rng.random((B, c1 - c0)) * np.repeat(tailles, tailles)).astype(
            np.int64
        )
        repliques = XT[:, c0:c1][:, tirages]
        stats = _statistiques(
            repliques, debuts_locaux, tailles, groupe_structure[g] - s0, debut_struct[s0:s1] - c0, poids[g]
        )
        resultats.append([_quantiles(r, alpha) for r in stats])
    return [
        (np.concatenate([r[i][0] for r in resultats], axis=-1), np.concatenate([r[i][1] for r in resultats], axis=-1))
        for i in range(4)
    ]


def _assembler_scores(notes, X, annee, estimation, intervalles, debut_groupes, taille_groupes, debut_struct, canaux, parametres):
    moyennes_canal, globaux, determinants, etapes = estimation
    (cb, ch), (gb, gh), (db, dh), (eb, eh) = intervalles
    structures = notes["structure_id"].to_numpy()[debut_struct]
    struct_groupes = notes["structure_id"].to_numpy()[debut_groupes]
    fragile_canal = taille_groupes < parametres.min_contacts_canal
    n_struct = np.add.reduceat(taille_groupes, _bornes(struct_groupes))
    fragile_global = np.logical_or.reduceat(fragile_canal, _bornes(struct_groupes))
    nd = len(DETERMINANTS)
    contacts_avec = np.add.reduceat((X[:, 1 + nd : 1 + 2 * nd] > 0).astype(np.int64), debut_struct, axis=0)
    contacts_etape = np.add.reduceat((X[:, 1 + 2 * nd + len(ETAPES) :] > 0).astype(np.int64), debut_struct, axis=0)
    morceaux = [
        _morceau(structures, "global", "", globaux, gb, gh, n_struct, fragile_global),
        _morceau(struct_groupes, "canal", canaux, moyennes_canal, cb, ch, taille_groupes, fragile_canal),
        _morceau_matrice(structures, "determinant", DETERMINANTS, determinants.T, db.T, dh.T, contacts_avec, parametres),
        _morceau_matrice(structures, "etape", ETAPES, etapes.T, eb.T, eh.T, contacts_etape, parametres),
    ]
    scores = pd.concat(morceaux, ignore_index=True)
    scores.insert(0, "annee", np.int64(annee))
    ordre = {n: i for i, n in enumerate(("global", "canal", "determinant", "etape"))}
    scores = scores.sort_values(
        ["structure_id", "niveau", "modalite"], key=lambda s: s.map(ordre) if s.name == "niveau" else s, kind="stable"
    )
    return _borner(scores.reset_index(drop=True))


def _morceau(structures, niveau, modalite, score, bas, haut, n, fragile) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "structure_id": structures,
            "niveau": niveau,
            "modalite": modalite,
            "score": score,
            "ic_bas": bas,
            "ic_haut": haut,
            "n_contacts": np.asarray(n, dtype=np.int64),
            "fragile": np.asarray(fragile, dtype=bool),
        }
    )


def _morceau_matrice(structures, niveau, codes, score, bas, haut, n, parametres) -> pd.DataFrame:
    k = len(codes)
    morceau = _morceau(
        np.repeat(structures, k),
        niveau,
        np.tile(np.array(codes, dtype=object), len(structures)),
        score.ravel(),
        bas.ravel(),
        haut.ravel(),
        n.ravel(),
        n.ravel() < parametres.min_contacts_canal,
    )
    return morceau.loc[(morceau["n_contacts"] > 0) & morceau["score"].notna()]


def _borner(scores: pd.DataFrame) -> pd.DataFrame:
    """Intervalle contenant le score, le tout dans [0, 100]."""
    for colonne in ("score", "ic_bas", "ic_haut"):
        scores[colonne] = scores[colonne].clip(0, 100)
    scores["ic_bas"] = np.minimum(scores["ic_bas"], scores["score"])
    scores["ic_haut"] = np.maximum(scores["ic_haut"], scores["score"])
    scores["modalite"] = scores["modalite"].astype(str)
    return scores


def _table_scores_vide() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "annee": pd.Series(dtype="int64"),
            "structure_id": pd.Series(dtype=str),
            "niveau": pd.Series(dtype=str),
            "modalite": pd.Series(dtype=str),
            "score": pd.Series(dtype=float),
            "ic_bas": pd.Series(dtype=float),
            "ic_haut": pd.Series(dtype=float),
            "n_contacts": pd.Series(dtype="int64"),
            "fragile": pd.Series(dtype=bool),
        }
    )
