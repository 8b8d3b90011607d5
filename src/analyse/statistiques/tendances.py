"""Étude des tendances 2012–2022 : séries nationales comparables d'une édition à l'autre.

Méthode (``shared/specs/methodologie.md``, « Comparability across editions ») :

- **Indicateurs harmonisés** : pour un ensemble d'éditions, les questions notées dont le
  code ``indicateur`` existe dans toutes (même canal, même déterminant). Les tendances par
  canal et par déterminant sont recalculées à partir des réponses restreintes à ces
  indicateurs, avec les formules de la méthode (contact = 100 ΣP/ΣM ; canal = moyenne des
  contacts ; déterminant = 100 ΣP/ΣM, canaux confondus ; global = moyenne des canaux).
- **Trois séries côte à côte**, chacune avec un intervalle à 95 % :

  1. ``moyenne_participants`` : moyenne des scores des participants de chaque édition
     (le chiffre des communiqués), intervalle t de Student sur les structures ;
  2. ``panel_chaine`` : série chaînée à panel constant. Chaque maillon t−1 → t est l'écart
     moyen des structures présentes aux deux éditions consécutives ; une structure qui
     saute une édition ne compte dans aucun des deux maillons qui l'encadrent ;
  3. ``effets_fixes`` : effets d'édition d'un modèle à effets fixes structure et édition
     (estimateur « within », structures vues une seule fois retirées), erreurs robustes
     groupées par structure (correction G/(G−1)·(N−1)/(N−K), loi de Student à G−1 degrés).

  **Ancrage** : les deux séries ajustées valent la moyenne des participants de la première
  édition comparée, puis en suivent l'évolution à panel constant. Leurs intervalles
  portent sur l'évolution depuis cette édition d'ancrage (niveau d'ancrage tenu fixe) :
  bootstrap sur les structures pour la chaîne, erreurs groupées pour les effets fixes.
- **Effet de composition** : moyenne des participants − série ajustée, par édition, avec
  un intervalle bootstrap sur les structures (mêmes tirages pour les deux termes).
- **Tests** (``ANNEXE_METHODE``) : tendance par méta-régression des estimations d'édition
  (variance inter-éditions de DerSimonian–Laird, Knapp–Hartung, seuil tenu sous chocs
  d'édition indépendants comme sous marche aléatoire) ; rupture localisée conjointement
  avec la tendance (sup-F, loi simulée sous AR(1)), sur les maillons pour la série chaînée ;
  verdicts après Benjamini–Hochberg sur toutes les séries de l'étude, intervalles de pente
  ajustés de Benjamini–Yekutieli.

Tout agrégat porte sur au moins ``Parametres.taille_min_agregat`` structures ; en dessous
la valeur est supprimée (et un maillon de chaîne trop petit interrompt la chaîne).
Aucune structure n'est jamais nommée : les tables ne portent que des agrégats.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from analyse import config
from analyse.donnees import stockage
from analyse.donnees.codes import CANAUX, CLASSES_POPULATION, DETERMINANTS, TYPES_STRUCTURE
from analyse.statistiques.verdicts import sens_tendance

ANNEXE_METHODE = (
    "Tendance : la pente des estimations d'édition (points par an) vient d'une méta-régression sur l'année, "
    "pondérée par l'inverse de la variance d'échantillonnage plus une variance propre aux éditions (auditeurs, "
    "scénarios, terrain) estimée par DerSimonian–Laird, erreur type de Knapp–Hartung. Une édition s'écarte de la "
    "droite plus que son erreur d'échantillonnage ; ces écarts peuvent être indépendants ou s'accumuler comme une "
    "marche aléatoire, ce que dix éditions ne permettent pas de trancher : le seuil du test est simulé sous les deux "
    "formes et le plus exigeant est retenu. Une série qui dérive sans tendance n'est donc pas déclarée en hausse ou "
    "en baisse (moins de 5 % de fausses tendances mesurées dans les deux cas). Rupture : à chaque édition candidate, "
    "« tendance + changement de niveau » est comparé à « tendance » par un F ; la rupture est placée au plus grand F "
    "(sup-F d'Andrews, tendance incluse), dont la loi est simulée sous un bruit AR(1) de coefficient 0,2 (moins de "
    "10 % de fausses ruptures jusqu'à 0,5) ; pour la série chaînée, un maillon hors norme contre un maillon moyen "
    "constant. Comme de nombreuses séries sont testées, « hausse », « baisse » et « rupture établie » reposent sur "
    "des valeurs p ajustées par Benjamini–Hochberg (taux de fausses découvertes de 5 %) et les intervalles de pente "
    "sont ajustés de la même façon (Benjamini–Yekutieli) : le mot se lit toujours sur l'intervalle imprimé. "
    "Moyennes des participants : intervalle t de Student sur les structures. Les indicateurs comparés ont même "
    "canal, déterminant, type de réponse et barème, les points max changeants étant reéchelonnés."
)

METHODES = ("moyenne_participants", "panel_chaine", "effets_fixes")
LIBELLES_METHODES = {
    "moyenne_participants": "Moyenne des participants",
    "panel_chaine": "Panel constant (chaîné)",
    "effets_fixes": "Effets fixes structure et édition",
}
STRATES = ("type_structure", "classe_population", "certifie")
COLONNES_SERIES = ["annee", "methode", "niveau", "modalite", "valeur", "ic_bas", "ic_haut", "n_structures"]
_COLONNES_PANEL = ["annee", "structure_id", "score"]


# --------------------------------------------------------------------------- chargement


def charger_tendances(donnees: Path | str = "data", de: int | None = None, a: int | None = None) -> dict:
    """Tables préparées de toutes les éditions comprises entre ``de`` et ``a`` (incluses).

    Renvoie ``participants``, ``scores``, ``grille``, ``reponses`` et la liste ``annees``.
    Lève ``FileNotFoundError`` (en français) si moins de deux éditions sont préparées.

    >>> charger_tendances("/dossier/absent")
    Traceback (most recent call last):
    FileNotFoundError: Moins de deux éditions préparées dans /dossier/absent/processed (de – à –) : l'étude des tendances en demande au moins deux.
    """
    from analyse.config import resoudre_chemin

    racine = resoudre_chemin(donnees)
    annees = [
        x for x in stockage.editions_preparees(racine) if (de is None or x >= int(de)) and (a is None or x <= int(a))
    ]
    if len(annees) < 2:
        raise FileNotFoundError(
            f"Moins de deux éditions préparées dans {config.dossier_processed(racine)} "
            f"(de {de or '–'} à {a or '–'}) : l'étude des tendances en demande au moins deux."
        )
    tables = {}
    for nom in ("participants", "scores", "grille", "reponses"):
        table = stockage.lire(racine, nom)
        tables[nom] = table[table["annee"].isin(annees)].reset_index(drop=True)
    tables["annees"] = annees
    return tables


# --------------------------------------------------------------------------- harmonisation


def _notees(grille: pd.DataFrame) -> pd.DataFrame:
    indicateur = grille["indicateur"].astype(object)
    garde = (grille["points_max"] > 0) & indicateur.notna() & (indicateur.astype(str).str.strip() != "")
    return grille[garde]


def _resume_indicateurs(grille: pd.DataFrame, annees) -> tuple[pd.DataFrame, list]:
    """Par indicateur noté des éditions ``annees`` : éditions, canaux, déterminants, types de
    réponse, barèmes et points max distincts, avec le motif d'exclusion éventuel."""
    g = _notees(grille)
    annees = sorted({int(x) for x in (annees if annees is not None else grille["annee"].unique())})
    g = g[g["annee"].isin(annees)].sort_values("annee", kind="stable")
    g = g.assign(
        _bareme=g["bareme"].fillna("").astype(str).str.replace(" ", "") if "bareme" in g else "",
        _type=g["type_reponse"] if "type_reponse" in g else "",
    )
    resume = g.groupby("indicateur").agg(
        n_editions=("annee", "nunique"),
        n_canaux=("canal", "nunique"),
        n_determinants=("determinant", "nunique"),
        n_types=("_type", "nunique"),
        n_baremes=("_bareme", "nunique"),
        n_points=("points_max", "nunique"),
        canal=("canal", "last"),
        determinant=("determinant", "last"),
        etape=("etape", "last"),
        type_reponse=("_type", "last"),
        points_max_reference=("points_max", "last"),
        editions=("annee", lambda s: ", ".join(str(x) for x in sorted(set(s)))),
    )
    motif = np.select(
        [
            resume["n_editions"] < len(annees),
            (resume["n_canaux"] > 1) | (resume["n_determinants"] > 1),
            resume["n_types"] > 1,
            resume["n_baremes"] > 1,
        ],
        ["absent d'au moins une édition", "canal ou déterminant changé", "type de réponse changé", "barème changé"],
        default="",
    )
    resume["motif"] = motif
    resume["traitement"] = np.where(
        resume["n_points"] > 1, "réponses reéchelonnées aux points max de la dernière édition", "identique"
    )
    return resume, g


def indicateurs_harmonises(grille: pd.DataFrame, annees=None) -> pd.DataFrame:
    """Indicateurs notés comparables dans toutes les éditions ``annees`` : même canal, même
    déterminant, même type de réponse et même barème. Un indicateur dont seuls les points max
    changent est gardé, ses réponses reéchelonnées aux points max de la dernière édition
    (colonnes ``points_max_reference`` et ``traitement``) ; les autres écarts l'excluent
    (``indicateurs_exclus``). ``codes_question`` dit sous quels codes il a figuré.

    >>> g = pd.DataFrame({"annee": [2012, 2013, 2013], "code_question": ["T1", "T1", "T2"],
    ...     "indicateur": ["A", "A", "B"], "canal": "telephone", "determinant": "courtoisie",
    ...     "etape": "accueil", "points_max": 1.0})
    >>> indicateurs_harmonises(g)["indicateur"].tolist()
    ['A']
    """
    resume, g = _resume_indicateurs(grille, annees)
    resume = resume[resume["motif"] == ""]
    codes = g[g["indicateur"].isin(resume.index)].groupby(["indicateur", "code_question"])["annee"].agg(["min", "max"])
    texte = (
        codes.reset_index()
        .groupby("indicateur")
        .apply(
            lambda d: ", ".join(
                f"{c} ({lo}–{hi})" if lo != hi else f"{c} ({lo})"
                for c, lo, hi in zip(d["code_question"], d["min"], d["max"])
            ),
            include_groups=False,
        )
    )
    resume = resume.assign(codes_question=texte).reset_index()
    ordre_canal = {c: i for i, c in enumerate(CANAUX)}
    resume = resume.sort_values(
        ["canal", "determinant", "indicateur"], key=lambda s: s.map(ordre_canal) if s.name == "canal" else s
    )
    colonnes = [
        "indicateur",
        "canal",
        "determinant",
        "etape",
        "n_editions",
        "codes_question",
        "type_reponse",
        "points_max_reference",
        "traitement",
    ]
    return resume.reindex(columns=colonnes).reset_index(drop=True)


def indicateurs_exclus(grille: pd.DataFrame, annees=None) -> pd.DataFrame:
    """Indicateurs notés exclus des comparaisons, avec leurs éditions et le ``motif``.

    >>> g = pd.DataFrame({"annee": [2012, 2013, 2013], "code_question": ["T1", "T1", "T2"],
    ...     "indicateur": ["A", "A", "B"], "canal": "telephone", "determinant": "courtoisie",
    ...     "etape": "accueil", "points_max": 1.0})
    >>> indicateurs_exclus(g)[["indicateur", "editions", "motif"]].values.tolist()
    [['B', '2013', "absent d'au moins une édition"]]
    """
    resume, _ = _resume_indicateurs(grille, annees)
    resume = resume[resume["motif"] != ""]
    return resume.reset_index()[["indicateur", "canal", "determinant", "editions", "motif"]]


def _moyenne_ponderee_canaux(canaux: pd.DataFrame, parametres: config.Parametres) -> pd.DataFrame:
    poids = (
        np.ones(len(canaux))
        if parametres.poids_canaux is None
        else canaux["modalite"].map(lambda c: float(parametres.poids_canaux.get(c, 0.0))).to_numpy()
    )
    t = canaux.assign(_p=poids, _ps=poids * canaux["score"].to_numpy())
    somme = t.groupby(["annee", "structure_id"])[["_p", "_ps"]].sum()
    somme = somme[somme["_p"] > 0]
    return (somme["_ps"] / somme["_p"]).rename("score").reset_index()


def scores_harmonises(
    reponses: pd.DataFrame, indicateurs, parametres: config.Parametres = config.PARAMETRES
) -> pd.DataFrame:
    """Scores de structure (global, canal, déterminant) recalculés sur les seuls indicateurs harmonisés.

    ``indicateurs`` : table de ``indicateurs_harmonises`` ou liste de codes.

    >>> r = pd.DataFrame({"annee": 2012, "id_contact": ["c1", "c1", "c2"], "structure_id": "s",
    ...     "canal": "telephone", "indicateur": ["A", "B", "A"], "determinant": ["courtoisie", "attente", "courtoisie"],
    ...     "points": [1.0, 0.0, 0.0], "points_max": [1.0, 1.0, 1.0]})
    >>> scores_harmonises(r, ["A"]).set_index("niveau")["score"].to_dict()
    {'global': 50.0, 'canal': 50.0, 'determinant': 50.0}
    """
    codes = set(indicateurs["indicateur"]) if isinstance(indicateurs, pd.DataFrame) else set(indicateurs)
    r = reponses[reponses["indicateur"].isin(codes) & (reponses["points_max"] > 0)]
    if isinstance(indicateurs, pd.DataFrame) and "points_max_reference" in indicateurs:
        r = _reechelonner(r, indicateurs)
    contacts = r.groupby(["annee", "structure_id", "canal", "id_contact"], observed=True)[
        ["points", "points_max"]
    ].sum()
    contacts["score"] = 100 * contacts["points"] / contacts["points_max"]
    canaux = contacts.groupby(["annee", "structure_id", "canal"], observed=True)["score"].mean().reset_index()
    canaux = canaux.rename(columns={"canal": "modalite"}).assign(niveau="canal")
    globaux = _moyenne_ponderee_canaux(canaux, parametres).assign(niveau="global", modalite="")
    dets = r.groupby(["annee", "structure_id", "determinant"], observed=True)[["points", "points_max"]].sum()
    dets["score"] = 100 * dets["points"] / dets["points_max"]
    dets = dets.reset_index().rename(columns={"determinant": "modalite"}).assign(niveau="determinant")
    colonnes = ["annee", "structure_id", "niveau", "modalite", "score"]
    return pd.concat([globaux[colonnes], canaux[colonnes], dets[colonnes]], ignore_index=True)


def _reechelonner(reponses: pd.DataFrame, indicateurs: pd.DataFrame) -> pd.DataFrame:
    """Points ramenés aux points max de référence de chaque indicateur (part P/M inchangée).

    >>> r = pd.DataFrame({"indicateur": ["A"], "points": [1.0], "points_max": [2.0]})
    >>> _reechelonner(r, pd.DataFrame({"indicateur": ["A"], "points_max_reference": [4.0]}))[["points", "points_max"]].values.tolist()
    [[2.0, 4.0]]
    """
    reference = reponses["indicateur"].map(indicateurs.set_index("indicateur")["points_max_reference"])
    reference = reference.fillna(reponses["points_max"]).to_numpy(dtype=float)
    facteur = reference / reponses["points_max"].to_numpy(dtype=float)
    return reponses.assign(points=reponses["points"].to_numpy(dtype=float) * facteur, points_max=reference)


# --------------------------------------------------------------------------- séries


def _tableau_large(panel: pd.DataFrame, annees=None):
    """Matrice structures × éditions des scores (NaN si absente), et les éditions en colonnes."""
    large = panel.pivot_table(index="structure_id", columns="annee", values="score", aggfunc="mean")
    if annees is not None:
        large = large.reindex(columns=sorted(annees))
    large = large.dropna(how="all")
    return large.to_numpy(dtype=float), [int(c) for c in large.columns]


def _poids_bootstrap(n: int, parametres: config.Parametres, graine_extra: int = 0) -> np.ndarray:
    """Matrice (B, n) des multiplicités d'un bootstrap sur les structures (graine fixe)."""
    rng = np.random.default_rng([parametres.graine, 7, graine_extra])
    tirages = rng.integers(0, n, size=(parametres.n_bootstrap, n))
    poids = np.zeros((parametres.n_bootstrap, n))
    np.add.at(poids, (np.repeat(np.arange(parametres.n_bootstrap), n), tirages.ravel()), 1.0)
    return poids


def _quantiles(repliques: np.ndarray, niveau: float) -> tuple[np.ndarray, np.ndarray]:
    alpha = (1 - niveau) / 2
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # colonnes entièrement vides (groupe supprimé)
        bas = np.nanquantile(repliques, alpha, axis=0) if repliques.size else np.array([])
        haut = np.nanquantile(repliques, 1 - alpha, axis=0) if repliques.size else np.array([])
    return bas, haut


def _moyennes_ponderees(S: np.ndarray, P: np.ndarray, W: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return (W @ np.where(P, S, 0.0)) / (W @ P)


def moyenne_participants(panel: pd.DataFrame, parametres: config.Parametres = config.PARAMETRES) -> pd.DataFrame:
    """Moyenne des scores des participants de chaque édition, intervalle t de Student sur les structures.

    moyenne ± t(n − 1) · s / √n : le bootstrap percentile sous-couvre les petites strates (environ
    85 % à 5 structures), le t de Student tient 95 % jusqu'à 5 structures même pour des scores
    asymétriques (``analyse.validation.tendances.couverture_moyenne_strate``).
    ``panel`` : colonnes ``annee``, ``structure_id``, ``score``. Moins de 5 structures : valeur supprimée.

    >>> p = pd.DataFrame({"annee": [2012] * 5 + [2013] * 5, "structure_id": list("abcde") * 2,
    ...     "score": [60, 65, 70, 75, 80, 61, 66, 71, 76, 81.0]})
    >>> moyenne_participants(p)["valeur"].tolist()
    [70.0, 71.0]
    """
    S, annees = _tableau_large(panel)
    P = ~np.isnan(S)
    n = P.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # édition à une seule structure : écart-type indéfini
        valeur = np.where(P, S, 0.0).sum(axis=0) / n
        erreur = np.nanstd(S, axis=0, ddof=1) / np.sqrt(n)
        q = stats.t.ppf(0.5 + parametres.niveau_confiance / 2, np.maximum(n - 1, 1))
    bas, haut = valeur - q * erreur, valeur + q * erreur
    secret = n < parametres.taille_min_agregat
    return pd.DataFrame(
        {
            "annee": annees,
            "valeur": np.where(secret, np.nan, valeur),
            "ic_bas": np.where(secret, np.nan, bas),
            "ic_haut": np.where(secret, np.nan, haut),
            "n_structures": n.astype(int),
        }
    )


def _maillons(S: np.ndarray, P: np.ndarray, W: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Écart moyen des structures présentes à deux éditions consécutives (maillons) et effectifs."""
    M = P[:, 1:] & P[:, :-1]
    D = np.where(M, S[:, 1:] - S[:, :-1], 0.0)
    if W is None:
        W = np.ones((1, len(S)))
    with np.errstate(invalid="ignore", divide="ignore"):
        return (W @ D) / (W @ M), M.sum(axis=0)


def _chaine(ancre, maillons: np.ndarray, effectifs: np.ndarray, taille_min: int) -> np.ndarray:
    """Série chaînée : l'ancre, puis les maillons cumulés ; un maillon trop petit interrompt la chaîne."""
    valides = np.cumprod(effectifs >= taille_min).astype(bool)
    maillons = np.where(valides, maillons, np.nan)
    ancre = np.asarray(ancre, dtype=float).reshape(-1, 1)
    return np.hstack([ancre, ancre + np.cumsum(maillons, axis=-1)])


def chainer_panel(
    panel: pd.DataFrame, parametres: config.Parametres = config.PARAMETRES, ancre: float | None = None
) -> pd.DataFrame:
    """Série chaînée à panel constant : chaque maillon relie les structures de deux éditions consécutives.

    Ancrée par défaut sur la moyenne des participants de la première édition. Intervalle :
    bootstrap sur les structures de l'évolution depuis l'ancre. ``n_structures`` : effectif du maillon.

    >>> p = pd.DataFrame({"annee": [2012] * 5 + [2013] * 5, "structure_id": list("abcde") * 2,
    ...     "score": [60, 65, 70, 75, 80, 62, 67, 72, 77, 82.0]})
    >>> chainer_panel(p)["valeur"].tolist()
    [70.0, 72.0]
    """
    S, annees = _tableau_large(panel)
    P = ~np.isnan(S)
    taille_min = parametres.taille_min_agregat
    if ancre is None:
        ancre = float(np.nanmean(S[:, 0])) if P[:, 0].sum() >= taille_min else np.nan
    maillons, effectifs = _maillons(S, P)
    valeur = _chaine(ancre, maillons[0], effectifs, taille_min)[0]
    repliques, _ = _maillons(S, P, _poids_bootstrap(len(S), parametres, 1))
    bas, haut = _quantiles(
        _chaine(np.full(len(repliques), ancre), repliques, effectifs, taille_min), parametres.niveau_confiance
    )
    bas[0] = haut[0] = valeur[0]
    return pd.DataFrame(
        {
            "annee": annees,
            "valeur": valeur,
            "ic_bas": np.where(np.isnan(valeur), np.nan, bas),
            "ic_haut": np.where(np.isnan(valeur), np.nan, haut),
            "n_structures": np.r_[P[:, 0].sum(), effectifs].astype(int),
        }
    )


def _within(S: np.ndarray, P: np.ndarray):
    """Données « within » du modèle à effets fixes : y et indicatrices d'édition centrés par structure."""
    n_obs = P.sum(axis=1)
    garde = n_obs >= 2  # une structure vue une seule fois n'apporte rien aux effets d'édition
    S, P, n_obs = S[garde], P[garde], n_obs[garde]
    moy_y = np.where(P, S, 0.0).sum(axis=1) / n_obs
    Yc = np.where(P, S - moy_y[:, None], 0.0)  # (structures, éditions)
    # Une ligne par observation : indicatrices centrées (structures × éditions × éditions)
    X = np.where(P[:, :, None], np.eye(P.shape[1])[None, :, :] - (P / n_obs[:, None])[:, None, :], 0.0)
    return Yc, X, P, garde


def _covariance_cluster(X: np.ndarray, residus: np.ndarray, groupes: np.ndarray) -> np.ndarray:
    """Covariance robuste groupée (sandwich), correction G/(G−1)·(N−1)/(N−K) comme Stata.

    >>> X = np.c_[np.ones(6), np.arange(6.0)]
    >>> _covariance_cluster(X, np.array([1, -1, 2, -2, 0.5, -0.5]), np.array([0, 0, 1, 1, 2, 2])).shape
    (2, 2)
    """
    n, k = X.shape
    codes, inverse = np.unique(groupes, return_inverse=True)
    g = len(codes)
    scores = np.zeros((g, k))
    np.add.at(scores, inverse, X * residus[:, None])
    pain = np.linalg.pinv(X.T @ X)
    correction = g / (g - 1) * (n - 1) / (n - k)
    return correction * pain @ (scores.T @ scores) @ pain


def _effets_fixes(S: np.ndarray, P: np.ndarray, editions_gardees: np.ndarray):
    """Estimation « within » : effets d'édition relatifs à la première édition gardée, covariance groupée."""
    S, P = S[:, editions_gardees], P[:, editions_gardees]
    Yc, X, P2, garde = _within(S, P)
    lignes = np.argwhere(P2)  # (structure, édition) des observations
    y = Yc[lignes[:, 0], lignes[:, 1]]
    Xo = X[lignes[:, 0], lignes[:, 1], 1:]  # première édition = référence
    beta, *_ = np.linalg.lstsq(Xo, y, rcond=None)
    residus = y - Xo @ beta
    cov = _covariance_cluster(Xo, residus, lignes[:, 0])
    n_groupes = int(garde.sum())
    return beta, np.sqrt(np.clip(np.diag(cov), 0, None)), n_groupes, P2.sum(axis=0)


def _repliques_effets_fixes(S: np.ndarray, P: np.ndarray, editions_gardees: np.ndarray, W: np.ndarray) -> np.ndarray:
    """Effets d'édition recalculés pour chaque tirage bootstrap (moindres carrés pondérés par structure)."""
    S, P = S[:, editions_gardees], P[:, editions_gardees]
    Yc, X, _, garde = _within(S, P)
    X = X[:, :, 1:]
    A = np.einsum("stj,stk->sjk", X, X)  # X_i'X_i par structure
    c = np.einsum("stj,st->sj", X, Yc)
    Wg = W[:, garde]
    k = X.shape[2]
    Ab = (Wg @ A.reshape(len(A), -1)).reshape(-1, k, k)
    cb = Wg @ c
    return np.linalg.solve(Ab + 1e-10 * np.eye(k), cb[:, :, None])[:, :, 0]


def estimer_effets_fixes(
    panel: pd.DataFrame, parametres: config.Parametres = config.PARAMETRES, ancre: float | None = None
) -> pd.DataFrame:
    """Effets d'édition d'un modèle à effets fixes structure + édition, erreurs groupées par structure.

    Série = ancre + effet d'édition (référence : première édition d'au moins 5 structures).
    Intervalle : Student à G−1 degrés de liberté (G = structures vues au moins deux fois).

    >>> p = pd.DataFrame({"annee": [2012] * 6 + [2013] * 6, "structure_id": list("abcdef") * 2,
    ...     "score": [60, 65, 70, 75, 80, 85, 63, 67, 73, 77, 83, 87.0]})
    >>> estimer_effets_fixes(p)["valeur"].round(2).tolist()
    [72.5, 75.0]
    """
    S, annees = _tableau_large(panel)
    P = ~np.isnan(S)
    gardees = P.sum(axis=0) >= parametres.taille_min_agregat
    resultat = pd.DataFrame({"annee": annees, "valeur": np.nan, "ic_bas": np.nan, "ic_haut": np.nan, "n_structures": 0})
    if gardees.sum() < 2:
        return resultat
    if ancre is None:
        ancre = float(np.nanmean(S[:, np.argmax(gardees)]))
    beta, se, g, effectifs = _effets_fixes(S, P, gardees)
    q = stats.t.ppf(0.5 + parametres.niveau_confiance / 2, max(g - 1, 1))
    effets, erreurs = np.r_[0.0, beta], np.r_[0.0, se]
    resultat.loc[gardees, "valeur"] = ancre + effets
    resultat.loc[gardees, "ic_bas"] = ancre + effets - q * erreurs
    resultat.loc[gardees, "ic_haut"] = ancre + effets + q * erreurs
    resultat.loc[gardees, "n_structures"] = effectifs.astype(int)
    return resultat


def _rogner_debut(panel: pd.DataFrame, taille_min: int) -> pd.DataFrame:
    """Retire les éditions qui précèdent la première édition d'au moins ``taille_min`` structures."""
    effectifs = panel.groupby("annee")["structure_id"].nunique()
    suffisantes = effectifs.index[effectifs >= taille_min]
    return panel[panel["annee"] >= suffisantes.min()] if len(suffisantes) else panel.iloc[0:0]


def calculer_series(
    panel: pd.DataFrame,
    niveau: str = "national",
    modalite: str = "ensemble",
    parametres: config.Parametres = config.PARAMETRES,
) -> pd.DataFrame:
    """Les trois séries (participants, panel chaîné, effets fixes) d'un groupe, au format long.

    >>> p = pd.DataFrame({"annee": [2012] * 6 + [2013] * 6, "structure_id": list("abcdef") * 2,
    ...     "score": [60, 65, 70, 75, 80, 85, 63, 67, 73, 77, 83, 87.0]})
    >>> calculer_series(p)["methode"].unique().tolist()
    ['moyenne_participants', 'panel_chaine', 'effets_fixes']
    """
    panel = _rogner_debut(panel, parametres.taille_min_agregat)
    if panel.empty:
        return pd.DataFrame(columns=COLONNES_SERIES)
    brute = moyenne_participants(panel, parametres)
    ancre = brute["valeur"].dropna().iloc[0] if brute["valeur"].notna().any() else np.nan
    morceaux = [
        brute.assign(methode="moyenne_participants"),
        chainer_panel(panel, parametres, ancre).assign(methode="panel_chaine"),
        estimer_effets_fixes(panel, parametres, ancre).assign(methode="effets_fixes"),
    ]
    series = pd.concat(morceaux, ignore_index=True).assign(niveau=niveau, modalite=str(modalite))
    return series[COLONNES_SERIES]


def effets_composition(
    panel: pd.DataFrame,
    niveau: str = "national",
    modalite: str = "ensemble",
    parametres: config.Parametres = config.PARAMETRES,
) -> pd.DataFrame:
    """Effet de composition par édition : moyenne des participants − série ajustée, avec intervalle bootstrap.

    Les deux termes sont recalculés sur les mêmes tirages de structures.

    >>> p = pd.DataFrame({"annee": [2012] * 5 + [2013] * 6, "structure_id": list("abcde") + list("abcdef"),
    ...     "score": [60, 65, 70, 75, 80, 60, 65, 70, 75, 80, 40.0]})
    >>> effets_composition(p).query("annee == 2013 and methode == 'panel_chaine'")["effet"].round(2).item()
    -5.0
    """
    taille_min = parametres.taille_min_agregat
    panel = _rogner_debut(panel, taille_min)
    if panel.empty:
        return pd.DataFrame()
    S, annees = _tableau_large(panel)
    P = ~np.isnan(S)
    W = _poids_bootstrap(len(S), parametres, 2)
    n = P.sum(axis=0)
    brute = np.where(n >= taille_min, np.where(P, S, 0.0).sum(axis=0) / np.maximum(n, 1), np.nan)
    brutes_b = np.where(n >= taille_min, _moyennes_ponderees(S, P, W), np.nan)
    lignes = []
    maillons, effectifs = _maillons(S, P)
    maillons_b, _ = _maillons(S, P, W)
    chaine = _chaine(brute[0], maillons[0], effectifs, taille_min)[0]
    chaine_b = _chaine(brutes_b[:, 0], maillons_b, effectifs, taille_min)
    lignes.append(("panel_chaine", brute - chaine, brutes_b - chaine_b, np.r_[n[0], effectifs]))
    gardees = n >= taille_min
    if gardees.sum() >= 2:
        i0 = int(np.argmax(gardees))
        beta, _, _, eff = _effets_fixes(S, P, gardees)
        fe = np.full(len(annees), np.nan)
        fe[gardees] = brute[i0] + np.r_[0.0, beta]
        fe_b = np.full((len(W), len(annees)), np.nan)
        fe_b[:, gardees] = brutes_b[:, [i0]] + np.c_[np.zeros(len(W)), _repliques_effets_fixes(S, P, gardees, W)]
        effectifs_fe = np.zeros(len(annees), dtype=int)
        effectifs_fe[gardees] = eff
        lignes.append(("effets_fixes", brute - fe, brutes_b - fe_b, effectifs_fe))
    morceaux = []
    for methode, effet, repliques, effectifs_m in lignes:
        bas, haut = _quantiles(repliques, parametres.niveau_confiance)
        morceaux.append(
            pd.DataFrame(
                {
                    "annee": annees,
                    "methode": methode,
                    "niveau": niveau,
                    "modalite": str(modalite),
                    "moyenne_participants": brute,
                    "serie_ajustee": brute - effet,
                    "effet": effet,
                    "ic_bas": np.where(np.isnan(effet), np.nan, bas),
                    "ic_haut": np.where(np.isnan(effet), np.nan, haut),
                    "n_structures": effectifs_m,
                }
            )
        )
    return pd.concat(morceaux, ignore_index=True)


# --------------------------------------------------------------------------- panels par groupe


def panel_global(scores: pd.DataFrame) -> pd.DataFrame:
    """Scores globaux de structure (grille complète de chaque édition) : ``annee``, ``structure_id``, ``score``.

    >>> s = pd.DataFrame({"annee": [2012, 2012], "structure_id": ["a", "a"], "niveau": ["global", "canal"],
    ...     "modalite": ["", "courriel"], "score": [70.0, 60.0]})
    >>> panel_global(s)["score"].tolist()
    [70.0]
    """
    return scores.loc[scores["niveau"] == "global", _COLONNES_PANEL].reset_index(drop=True)


def panels_strates(scores: pd.DataFrame, participants: pd.DataFrame, strate: str) -> dict:
    """Panels de scores globaux par modalité d'une strate (appartenance lue à chaque édition).

    >>> s = pd.DataFrame({"annee": 2012, "structure_id": ["a", "b"], "niveau": "global", "modalite": "", "score": [70.0, 60.0]})
    >>> p = pd.DataFrame({"annee": 2012, "structure_id": ["a", "b"], "certifie": [True, False]})
    >>> sorted(panels_strates(s, p, "certifie"))
    [False, True]
    """
    table = panel_global(scores).merge(participants[["annee", "structure_id", strate]], on=["annee", "structure_id"])
    table = table.dropna(subset=[strate])
    return {m: d[_COLONNES_PANEL] for m, d in table.groupby(strate, sort=False)}


def _ordonner(modalites, strate: str) -> list:
    ordre = {
        "type_structure": TYPES_STRUCTURE,
        "classe_population": tuple(c for _, c in CLASSES_POPULATION),
        "certifie": (True, False),
        "canal": CANAUX,
        "determinant": DETERMINANTS,
    }.get(strate, ())
    return sorted(modalites, key=lambda m: (ordre.index(m) if m in ordre else len(ordre), str(m)))


def modalite_texte(valeur) -> str:
    """Code texte d'une modalité (les booléens de certification deviennent ``certifie`` / ``non_certifie``).

    >>> modalite_texte(True), modalite_texte("commune")
    ('certifie', 'commune')
    """
    if isinstance(valeur, (bool, np.bool_)):
        return "certifie" if valeur else "non_certifie"
    return str(valeur)


# --------------------------------------------------------------------------- tests de tendance et ruptures


def mesurer_tendance(annees, valeurs, niveau: float = 0.95) -> dict:
    """Tau de Kendall exact (tendance monotone) et pente de Theil–Sen, en points par an.

    Ancien test de l'étude, conservé pour les simulations de comparaison : il traite les points
    comme indépendants et prend une marche aléatoire sans dérive pour une tendance près d'une
    fois sur deux ; l'étude utilise ``mesurer_tendance_editions``.

    >>> r = mesurer_tendance([2012, 2013, 2014, 2015, 2016], [60, 61, 63, 62, 65])
    >>> round(r["tau"], 2), round(r["p_valeur"], 3), r["sens"]
    (0.8, 0.083, 'pas de tendance nette')
    """
    x, y = np.asarray(annees, dtype=float), np.asarray(valeurs, dtype=float)
    garde = ~np.isnan(y)
    x, y = x[garde], y[garde]
    if len(y) < 4:
        return _sans_tendance(len(y))
    methode = "exact" if len(np.unique(y)) == len(y) else "asymptotic"
    tau, p = stats.kendalltau(x, y, method=methode)
    pente, _, bas, haut = stats.theilslopes(y, x, alpha=niveau)
    return {
        "n_editions": int(len(y)),
        "tau": float(tau),
        "p_valeur": float(p),
        "pente_an": float(pente),
        "pente_bas": float(bas),
        "pente_haut": float(haut),
        "sens": sens_tendance(p, tau, niveau),
        "test_tendance": "Kendall sur les points",
    }


def _sans_tendance(n: int) -> dict:
    return {
        "n_editions": int(n),
        "tau": np.nan,
        "p_valeur": np.nan,
        "pente_an": np.nan,
        "pente_bas": np.nan,
        "pente_haut": np.nan,
        "sens": "trop peu d'éditions",
        "test_tendance": "",
    }


def mesurer_tendance_maillons(annees, valeurs, niveau: float = 0.95) -> dict:
    """Tendance d'une série chaînée testée sur ses maillons (écarts d'une édition à la suivante).

    Une série chaînée est une somme cumulée de maillons : ses points ne sont pas indépendants,
    ses maillons le sont. Pente = Σ maillons / Σ années écoulées ; test de Student « maillon
    moyen nul » (n − 1 maillons), intervalle t de la pente.

    >>> r = mesurer_tendance_maillons(range(2012, 2018), [60, 61, 62.5, 63, 64.2, 65])
    >>> round(r["pente_an"], 2), r["sens"], r["test_tendance"]
    (1.0, 'hausse', 'Student sur les maillons')
    """
    x, y = np.asarray(annees, dtype=float), np.asarray(valeurs, dtype=float)
    garde = ~np.isnan(y)
    x, y = x[garde], y[garde]
    if len(y) < 4:
        return _sans_tendance(len(y))
    ecarts, durees = np.diff(y), np.diff(x)
    pentes = ecarts / durees
    resultat = stats.ttest_1samp(pentes, 0.0)
    bas, haut = resultat.confidence_interval(niveau)
    p = float(resultat.pvalue)
    moyenne = float(ecarts.sum() / durees.sum())
    return {
        "n_editions": int(len(y)),
        "tau": np.nan,
        "p_valeur": p,
        "pente_an": moyenne,
        "pente_bas": float(bas),
        "pente_haut": float(haut),
        "sens": sens_tendance(p, moyenne, niveau),
        "test_tendance": "Student sur les maillons",
    }


# --------------------------------------------------------------------------- tendance robuste (méta-régression)

MIN_EDITIONS_TENDANCE = 6
TEST_TENDANCE = "méta-régression robuste (chocs d'édition ou marche)"
_N_CALIBRATION = 50000
_CALIBRATIONS: dict = {}


def variance_inter_editions(valeurs, variances, annees) -> float:
    """Variance inter-éditions τ² de DerSimonian–Laird pour la méta-régression des estimations sur l'année.

    Q = Σ wᵢ rᵢ² (poids 1/vᵢ, résidus de la droite pondérée) ; τ² = max(0, (Q − (k − 2)) / tr(P)),
    P = W − W X (X'WX)⁻¹ X'W. À variances égales v, τ² = max(0, RSS/(k − 2) − v).

    >>> round(variance_inter_editions([1.0, 3.0, 2.0, 5.0], [0.5] * 4, [0, 1, 2, 3]), 3)
    0.85
    """
    y, v = np.asarray(valeurs, dtype=float), np.asarray(variances, dtype=float)
    X = np.column_stack([np.ones(len(y)), np.asarray(annees, dtype=float)])
    W = 1.0 / v
    A = X.T @ (W[:, None] * X)
    r = y - X @ np.linalg.solve(A, X.T @ (W * y))
    q = float(np.sum(W * r**2))
    trace = float(W.sum() - np.trace(np.linalg.solve(A, X.T @ ((W**2)[:, None] * X))))
    return max(0.0, (q - (len(y) - 2)) / trace)


def _statistiques_tendance(Y: np.ndarray, x: np.ndarray, poids: np.ndarray | None = None):
    """Pour chaque ligne de ``Y`` : pente par an de la droite pondérée et son erreur type de
    Knapp–Hartung (variance résiduelle pondérée, tronquée à 1 quand les poids sont 1/(v + τ²))."""
    p = np.ones(len(x)) if poids is None else np.asarray(poids, dtype=float)
    X = np.column_stack([np.ones(len(x)), x - x.mean()])
    A = X.T @ (p[:, None] * X)
    coef = np.linalg.solve(A, X.T @ (p[:, None] * Y.T))
    residus = Y - (X @ coef).T
    s2 = np.sum(p * residus**2, axis=1) / (len(x) - 2)
    if poids is not None:
        s2 = np.maximum(s2, 1.0)
    return coef[1], np.sqrt(s2 * np.linalg.inv(A)[1, 1])


def _calibrer_tendance(x: np.ndarray, niveau: float) -> dict:
    """Lois nulles de |pente / erreur type| pour ces années, simulées sous les deux formes extrêmes
    de la variation d'édition : chocs indépendants et marche aléatoire sans dérive (pas de variance
    proportionnelle aux années écoulées). La statistique ne dépend ni du niveau ni de l'échelle :
    la simulation est exacte pour chaque forme. Seuil c = le plus grand des deux quantiles 1 − α.
    Graine fixe ; résultat mis en cache par plan."""
    cle = (x.tobytes(), niveau)
    if cle not in _CALIBRATIONS:
        rng = np.random.default_rng([2012, len(x)])
        bruit = rng.standard_normal((2, _N_CALIBRATION, len(x)))
        pas = np.sqrt(np.r_[1.0, np.diff(x)])
        nulles = {}
        for nom, Y in (("chocs", bruit[0]), ("marche", np.cumsum(bruit[1] * pas, axis=1))):
            pente, se = _statistiques_tendance(Y, x)
            nulles[nom] = np.sort(np.abs(pente / se))
        c = max(float(np.quantile(n, niveau)) for n in nulles.values())
        _CALIBRATIONS[cle] = {"c": c, "nulles": nulles}
    return _CALIBRATIONS[cle]


def mesurer_tendance_editions(annees, valeurs, variances=None, niveau: float = 0.95) -> dict:
    """Pente des estimations d'édition (points par an) testée contre la variation entre éditions.

    Méta-régression des estimations sur l'année : poids 1/(vᵢ + τ²), τ² de DerSimonian–Laird
    (``variance_inter_editions``), erreur type de Knapp–Hartung. Les écarts d'une édition à la
    droite peuvent être indépendants (chocs d'édition) ou s'accumuler (marche aléatoire) ; avec
    dix éditions on ne peut pas les départager, et une marche sans dérive fait une « tendance »
    une fois sur deux au seuil de Student. Le seuil c du rapport pente / erreur type est donc
    simulé sous les deux formes et le plus exigeant est retenu (``_calibrer_tendance``) :
    valeur p = max des deux, intervalle de la pente = pente ± c·e, qui exclut 0 exactement
    quand p < α. ``variances`` : variances d'échantillonnage des estimations (défaut : nulles,
    droite non pondérée).

    >>> r = mesurer_tendance_editions(range(2012, 2022), [60, 61.1, 61.9, 63.2, 63.8, 65.1, 66, 66.8, 68.1, 69])
    >>> r["sens"], r["pente_bas"] > 0
    ('hausse', True)
    >>> mesurer_tendance_editions(range(2012, 2017), [60, 61, 62, 63, 64])["sens"]
    "trop peu d'éditions"
    """
    x, y = np.asarray(annees, dtype=float), np.asarray(valeurs, dtype=float)
    v = np.zeros(len(y)) if variances is None else np.nan_to_num(np.asarray(variances, dtype=float))
    garde = ~np.isnan(y)
    x, y, v = x[garde], y[garde], v[garde]
    if len(y) < MIN_EDITIONS_TENDANCE:
        return _sans_tendance(len(y))
    positifs = v[v > 0]
    v = np.where(v > 0, v, np.median(positifs) if len(positifs) else 0.0)  # l'ancre d'une série ajustée a v = 0
    tau2 = variance_inter_editions(y, v, x) if (v > 0).all() else np.nan
    poids = 1.0 / (v + tau2) if np.isfinite(tau2) else None
    pente, se = (float(a[0]) for a in _statistiques_tendance(y[None, :], x, poids))
    cal = _calibrer_tendance(x, niveau)
    s = abs(pente) / se if se > 0 else np.inf
    p = max(float((1 + len(n) - np.searchsorted(n, s, side="left")) / (len(n) + 1)) for n in cal["nulles"].values())
    return {
        "n_editions": int(len(y)),
        "tau": np.nan,
        "p_valeur": p,
        "pente_an": pente,
        "pente_bas": pente - cal["c"] * se,
        "pente_haut": pente + cal["c"] * se,
        "sens": sens_tendance(p, pente, niveau),
        "test_tendance": TEST_TENDANCE,
        "variance_editions": float(tau2),
    }


def _modele_marches(x: np.ndarray, taille_min: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rupture de niveau contre tendance linéaire : base [1, année], candidates = marche à chaque
    édition laissant ``taille_min`` points de chaque côté ; renvoie (base, candidates, indices)."""
    n = len(x)
    indices = np.arange(taille_min, n - taille_min + 1)
    base = np.column_stack([np.ones(n), x - x.mean()])
    candidates = (np.arange(n)[:, None] >= indices[None, :]).astype(float)
    return base, candidates, indices


def _modele_maillons(n: int, taille_min: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rupture d'une série chaînée : un maillon hors norme (base = maillon moyen constant)."""
    indices = np.arange(taille_min, n - taille_min + 1)  # première édition du nouveau régime
    base = np.ones((n - 1, 1))
    candidates = np.zeros((n - 1, len(indices)))
    candidates[indices - 1, np.arange(len(indices))] = 1.0
    return base, candidates, indices


def _stat_f(Y: np.ndarray, base: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """F de l'ajout de chaque colonne candidate au modèle de base, pour chaque ligne de ``Y`` :
    tableau (lignes, candidates)."""
    n = base.shape[0]
    q0, _ = np.linalg.qr(base)
    r0 = Y - (Y @ q0) @ q0.T
    rss0 = np.sum(r0**2, axis=1)
    f = np.empty((Y.shape[0], candidates.shape[1]))
    for j in range(candidates.shape[1]):
        q, _ = np.linalg.qr(np.column_stack([base, candidates[:, j]]))
        rss = np.sum((Y - (Y @ q) @ q.T) ** 2, axis=1)
        ddl = n - q.shape[1]
        with np.errstate(invalid="ignore", divide="ignore"):
            f[:, j] = (rss0 - rss) / np.maximum(rss, 1e-300) * ddl
    return f


_NULLES: dict = {}
RHO_RUPTURE = 0.2


def _bruit_ar1(rng: np.random.Generator, n_series: int, n: int, rho: float) -> np.ndarray:
    """Bruit gaussien AR(1) stationnaire de variance 1 (``rho`` = 0 : bruit indépendant).

    >>> _bruit_ar1(np.random.default_rng(0), 3, 5, 0.5).shape
    (3, 5)
    """
    z = rng.standard_normal((n_series, n))
    e = np.empty_like(z)
    e[:, 0] = z[:, 0]
    for i in range(1, n):
        e[:, i] = rho * e[:, i - 1] + np.sqrt(1 - rho**2) * z[:, i]
    return e


def _loi_nulle(base, candidates, n_simulations: int, graine: int, rho: float = 0.0) -> np.ndarray:
    """Max des F (sup-F) sous l'hypothèse nulle « modèle de base + bruit AR(1) gaussien de
    coefficient ``rho`` » : le sup-F ne dépend ni du niveau, ni de la pente, ni de l'écart-type,
    donc la simulation est exacte pour ce plan et ce ``rho``. Triée, mise en cache."""
    cle = (base.tobytes(), candidates.tobytes(), base.shape, candidates.shape, n_simulations, graine, rho)
    if cle not in _NULLES:
        Z = _bruit_ar1(np.random.default_rng(graine), n_simulations, base.shape[0], rho)
        _NULLES[cle] = np.sort(_stat_f(Z, base, candidates).max(axis=1))
    return _NULLES[cle]


def _p_superieure(nulle: np.ndarray, valeur: float) -> float:
    return float((1 + len(nulle) - np.searchsorted(nulle, valeur - 1e-9, side="left")) / (len(nulle) + 1))


def detecter_rupture(
    annees,
    valeurs,
    taille_min: int = 2,
    n_simulations: int = 9999,
    graine: int = 2012,
    niveau: float = 0.95,
    chainee: bool = False,
) -> dict:
    """Rupture de niveau la plus nette d'une série, localisée conjointement avec la tendance (sup-F).

    Pour chaque édition candidate (``taille_min`` éditions de chaque côté), le modèle « tendance
    linéaire + changement de niveau à cette édition » est comparé au modèle « tendance linéaire »
    par un F ; la rupture est placée au plus grand F (statistique sup-F d'Andrews, tendance
    présente dans les deux modèles) : une rupture contraire à la tendance est donc vue et datée
    comme une rupture dans son sens. La loi du sup-F est simulée (loi exacte, 9 999 tirages) sous
    « tendance + bruit AR(1) gaussien de coefficient ``RHO_RUPTURE`` = 0,2 » : avec dix éditions,
    ρ ne peut pas être estimé, et ce choix garde moins de 10 % de fausses ruptures jusqu'à
    ρ = 0,5 (mesuré dans ``benchmarks/bench_tendances.py``). Une tendance régulière n'est pas une
    rupture. Série chaînée (``chainee``) : le test porte sur les maillons, un maillon hors norme
    contre un maillon moyen constant (max des F, loi exacte sous maillons indépendants).
    ``ecart`` : saut de niveau au-delà de la tendance (série chaînée : maillon de rupture −
    maillon moyen) ; ``annee`` : première édition du nouveau régime, ``annee_precedente`` :
    dernière de l'ancien.

    >>> r = detecter_rupture(range(2012, 2020), [70, 71, 70, 71, 64, 65, 64, 65])
    >>> r["annee"], r["annee_precedente"], r["retenue"]
    (2016, 2015, True)
    >>> detecter_rupture(range(2012, 2020), [71.0, 69.4, 71.6, 71.8, 72.6, 73.4, 73.2, 74.8])["retenue"]
    False
    """
    x, y = np.asarray(annees, dtype=float), np.asarray(valeurs, dtype=float)
    garde = ~np.isnan(y)
    x, y = x[garde], y[garde]
    vide = {
        "annee": None,
        "annee_precedente": None,
        "moyenne_avant": np.nan,
        "moyenne_apres": np.nan,
        "ecart": np.nan,
        "p_valeur": np.nan,
        "retenue": False,
        "n_editions": int(len(y)),
    }
    if len(y) < 2 * taille_min + 1 + int(chainee):
        return vide
    if chainee:
        base, candidates, indices = _modele_maillons(len(y), taille_min)
        cible, rho = np.diff(y), 0.0
    else:
        base, candidates, indices = _modele_marches(x, taille_min)
        cible, rho = y, RHO_RUPTURE
    f = _stat_f(cible[None, :], base, candidates)[0]
    j = int(np.nanargmax(f))
    p = _p_superieure(_loi_nulle(base, candidates, n_simulations, graine, rho), f[j])
    ecart = float(np.linalg.lstsq(np.column_stack([base, candidates[:, j]]), cible, rcond=None)[0][-1])
    coupure = int(indices[j])
    return {
        "annee": int(x[coupure]),
        "annee_precedente": int(x[coupure - 1]),
        "moyenne_avant": float(y[:coupure].mean()),
        "moyenne_apres": float(y[coupure:].mean()),
        "ecart": ecart,
        "p_valeur": p,
        "retenue": bool(p < 1 - niveau),
        "n_editions": int(len(y)),
    }


def variances_intervalles(series: pd.DataFrame, niveau: float = 0.95) -> np.ndarray:
    """Variances d'échantillonnage lues sur les intervalles des séries : ((haut − bas) / 2z)².

    >>> variances_intervalles(pd.DataFrame({"ic_bas": [68.04], "ic_haut": [71.96]})).round(3).tolist()
    [1.0]
    """
    if "ic_bas" not in series or "ic_haut" not in series:
        return np.zeros(len(series))
    z = stats.norm.ppf(0.5 + niveau / 2)
    return ((series["ic_haut"].to_numpy(dtype=float) - series["ic_bas"].to_numpy(dtype=float)) / (2 * z)) ** 2


def ajuster_benjamini_hochberg(p_valeurs) -> np.ndarray:
    """Valeurs p ajustées de Benjamini–Hochberg (taux de fausses découvertes) ; NaN conservés.

    >>> ajuster_benjamini_hochberg([0.01, 0.04, np.nan, 0.03]).round(3).tolist()
    [0.03, 0.04, nan, 0.04]
    """
    from statsmodels.stats.multitest import multipletests

    p = np.asarray(p_valeurs, dtype=float)
    ajustees = np.full(len(p), np.nan)
    garde = ~np.isnan(p)
    if garde.any():
        ajustees[garde] = multipletests(p[garde], method="fdr_bh")[1]
    return ajustees


def analyser_series(series: pd.DataFrame, parametres: config.Parametres = config.PARAMETRES) -> pd.DataFrame:
    """Tendance et rupture de chaque série (méthode × niveau × modalité), verdicts après
    Benjamini–Hochberg sur toutes les séries de la table (voir ``ANNEXE_METHODE``).

    Colonnes ajoutées à côté des valeurs p brutes : ``p_valeur_ajustee``, ``p_rupture_ajustee`` ;
    ``sens`` et ``rupture_retenue`` se lisent sur les valeurs ajustées. L'intervalle de la pente
    (``pente_bas``, ``pente_haut``) est ajusté de la même façon (intervalles à taux de couverture
    fausse contrôlé de Benjamini–Yekutieli, niveau ``niveau_intervalle_pente`` = 1 − R·α/m, R
    séries en tendance établie sur m) : il exclut 0 exactement quand ``sens`` dit hausse ou baisse.

    >>> s = pd.DataFrame({"annee": range(2012, 2020), "methode": "moyenne_participants", "niveau": "national",
    ...     "modalite": "ensemble", "valeur": [70, 71, 70, 71, 64, 65, 64, 65.0]})
    >>> analyser_series(s)[["rupture", "rupture_retenue"]].values.tolist()
    [[2016, True]]
    """
    lignes, entrees = [], []
    niveau = parametres.niveau_confiance
    for (methode, niveau_serie, modalite), d in series.groupby(["methode", "niveau", "modalite"], sort=False):
        d = d.sort_values("annee")
        chainee = methode == "panel_chaine"
        entrees.append((d["annee"], d["valeur"], variances_intervalles(d, niveau)))
        tendance = mesurer_tendance_editions(*entrees[-1], niveau)
        rupture = detecter_rupture(d["annee"], d["valeur"], graine=parametres.graine, niveau=niveau, chainee=chainee)
        lignes.append(
            {"methode": methode, "niveau": niveau_serie, "modalite": modalite}
            | tendance
            | {
                "rupture": rupture["annee"],
                "rupture_apres": rupture["annee_precedente"],
                "ecart_rupture": rupture["ecart"],
                "p_rupture": rupture["p_valeur"],
                "rupture_retenue": rupture["retenue"],
                "test_rupture": "maillon hors norme" if chainee else "sup-F contre tendance linéaire",
            }
        )
    tests = pd.DataFrame(lignes)
    if not len(tests):
        return tests
    tests = _verdicts_ajustes(tests, parametres)
    return _intervalles_pente_ajustes(tests, entrees, niveau)


def _intervalles_pente_ajustes(tests: pd.DataFrame, entrees: list, niveau: float) -> pd.DataFrame:
    """Intervalles de pente au niveau 1 − R·α/m (Benjamini–Yekutieli), cohérents avec BH."""
    testees = tests["p_valeur"].notna()
    m = int(testees.sum())
    retenues = int(tests["sens"].isin(["hausse", "baisse"]).sum())
    niveau_ajuste = 1 - max(retenues, 1) * (1 - niveau) / max(m, 1)
    tests["niveau_intervalle_pente"] = np.where(testees, niveau_ajuste, np.nan)
    for i in np.flatnonzero(testees.to_numpy()):
        r = mesurer_tendance_editions(*entrees[i], niveau_ajuste)
        tests.loc[tests.index[i], ["pente_bas", "pente_haut"]] = [r["pente_bas"], r["pente_haut"]]
    return tests


def _verdicts_ajustes(tests: pd.DataFrame, parametres: config.Parametres) -> pd.DataFrame:
    alpha = 1 - parametres.niveau_confiance
    tests["p_valeur_ajustee"] = ajuster_benjamini_hochberg(tests["p_valeur"])
    tests["p_rupture_ajustee"] = ajuster_benjamini_hochberg(tests["p_rupture"])
    signe = tests["pente_an"].where(tests["tau"].isna(), tests["tau"])
    tests["sens"] = [
        s if s == "trop peu d'éditions" else sens_tendance(p, g, parametres.niveau_confiance)
        for s, p, g in zip(tests["sens"], tests["p_valeur_ajustee"], signe)
    ]
    tests["rupture_retenue"] = tests["p_rupture_ajustee"].lt(alpha).to_numpy()
    return tests


# --------------------------------------------------------------------------- participation


def statuts_participation(participants: pd.DataFrame) -> pd.DataFrame:
    """Statut de chaque participation : ``nouvelle`` (1re fois), ``reprise`` (présente à l'édition
    précédente) ou ``retour`` (déjà venue, absente de l'édition précédente) ; et ``cohorte``, ``sortante``.

    >>> p = pd.DataFrame({"annee": [2012, 2012, 2013, 2014, 2014], "structure_id": ["a", "b", "a", "a", "b"]})
    >>> statuts_participation(p)["statut"].tolist()
    ['nouvelle', 'nouvelle', 'reprise', 'reprise', 'retour']
    """
    p = participants[["annee", "structure_id"]].drop_duplicates().sort_values(["structure_id", "annee"])
    editions = sorted(p["annee"].unique())
    rang = {a: i for i, a in enumerate(editions)}
    p["rang"] = p["annee"].map(rang)
    precedent = p.groupby("structure_id")["rang"].shift(1)
    suivant = p.groupby("structure_id")["rang"].shift(-1)
    p["statut"] = np.select([precedent.isna(), precedent == p["rang"] - 1], ["nouvelle", "reprise"], "retour")
    p["cohorte"] = p.groupby("structure_id")["annee"].transform("min")
    derniere = p["rang"] == len(editions) - 1
    p["sortante"] = ~derniere & (suivant.isna() | (suivant > p["rang"] + 1))
    return p.drop(columns="rang").sort_values(["annee", "structure_id"]).reset_index(drop=True)


def dynamique_participation(participants: pd.DataFrame) -> pd.DataFrame:
    """Par édition : participants, nouvelles, reprises, retours, sorties (absentes à l'édition suivante).

    >>> p = pd.DataFrame({"annee": [2012, 2012, 2013, 2014, 2014], "structure_id": ["a", "b", "a", "a", "b"]})
    >>> dynamique_participation(p)[["annee", "nouvelles", "reprises", "retours", "sorties"]].values.tolist()
    [[2012, 2, 0, 0, 1], [2013, 0, 1, 0, 0], [2014, 0, 1, 1, 0]]
    """
    s = statuts_participation(participants)
    table = pd.crosstab(s["annee"], s["statut"]).reindex(columns=["nouvelle", "reprise", "retour"], fill_value=0)
    table.columns = ["nouvelles", "reprises", "retours"]
    table.insert(0, "participants", table.sum(axis=1))
    table["sorties"] = s.groupby("annee")["sortante"].sum().astype(int)
    precedents = table["participants"].shift(1)
    table["taux_reprise_pct"] = 100 * table["reprises"] / table["participants"]
    table["taux_maintien_pct"] = 100 * table["reprises"] / precedents
    return table.reset_index()


def trajectoires_cohortes(
    scores: pd.DataFrame, participants: pd.DataFrame, parametres: config.Parametres = config.PARAMETRES
) -> pd.DataFrame:
    """Score global moyen de chaque cohorte (édition de première participation) à chaque édition.

    Groupes de moins de 5 structures supprimés.

    >>> s = pd.DataFrame({"annee": [2012] * 5, "structure_id": list("abcde"), "niveau": "global", "modalite": "", "score": 70.0})
    >>> trajectoires_cohortes(s, s)[["cohorte", "annee", "n_structures"]].values.tolist()
    [[2012, 2012, 5]]
    """
    s = statuts_participation(participants)
    table = panel_global(scores).merge(s[["annee", "structure_id", "cohorte"]], on=["annee", "structure_id"])
    resultat = table.groupby(["cohorte", "annee"])["score"].agg(["mean", "size"]).reset_index()
    resultat.columns = ["cohorte", "annee", "score", "n_structures"]
    resultat[["cohorte", "annee"]] = resultat[["cohorte", "annee"]].astype("int64")
    resultat.loc[resultat["n_structures"] < parametres.taille_min_agregat, "score"] = np.nan
    return resultat


def scores_sortantes(
    scores: pd.DataFrame, participants: pd.DataFrame, parametres: config.Parametres = config.PARAMETRES
) -> pd.DataFrame:
    """Score, à leur dernière édition, des structures qui ne reviennent pas à la suivante, face aux restantes.

    Écart sortantes − restantes avec intervalle bootstrap (structures rééchantillonnées dans chaque groupe).

    >>> s = pd.DataFrame({"annee": [2012] * 10 + [2013] * 5, "structure_id": list("abcdefghij") + list("abcde"),
    ...     "niveau": "global", "modalite": "", "score": [70.0] * 5 + [60.0] * 5 + [70.0] * 5})
    >>> scores_sortantes(s, s)["ecart"].item()
    -10.0
    """
    statut = statuts_participation(participants)
    table = panel_global(scores).merge(statut[["annee", "structure_id", "sortante"]], on=["annee", "structure_id"])
    derniere = table["annee"].max()
    rng = np.random.default_rng([parametres.graine, 11])
    alpha = (1 - parametres.niveau_confiance) / 2
    lignes = []
    for annee, d in table[table["annee"] < derniere].groupby("annee"):
        sortantes = d.loc[d["sortante"], "score"].to_numpy()
        restantes = d.loc[~d["sortante"], "score"].to_numpy()
        ligne = {
            "annee": int(annee),
            "n_sortantes": len(sortantes),
            "n_restantes": len(restantes),
            "score_sortantes": np.nan,
            "score_restantes": np.nan,
            "ecart": np.nan,
            "ic_bas": np.nan,
            "ic_haut": np.nan,
        }
        if min(len(sortantes), len(restantes)) >= parametres.taille_min_agregat:
            b = parametres.n_bootstrap
            ms = sortantes[rng.integers(0, len(sortantes), (b, len(sortantes)))].mean(axis=1)
            mr = restantes[rng.integers(0, len(restantes), (b, len(restantes)))].mean(axis=1)
            ligne |= {
                "score_sortantes": sortantes.mean(),
                "score_restantes": restantes.mean(),
                "ecart": sortantes.mean() - restantes.mean(),
                "ic_bas": np.quantile(ms - mr, alpha),
                "ic_haut": np.quantile(ms - mr, 1 - alpha),
            }
        lignes.append(ligne)
    return pd.DataFrame(lignes)


# --------------------------------------------------------------------------- chiffres publiés


def chiffres_publies_nationaux(
    de: int | None = None, a: int | None = None, indicateur: str = "score_national"
) -> pd.DataFrame:
    """Chiffres publiés d'un indicateur (par défaut le score national), avec précision et source.

    >>> chiffres_publies_nationaux(2018, 2018)[["annee", "valeur"]].values.tolist()
    [[2018.0, 68.5]]
    """
    from analyse.statistiques.edition import charger_chiffres_publies

    publies = charger_chiffres_publies()
    publies = publies[publies["indicateur"] == indicateur].rename(columns={"annee_terrain": "annee"})
    if de is not None:
        publies = publies[publies["annee"] >= int(de)]
    if a is not None:
        publies = publies[publies["annee"] <= int(a)]
    colonnes = ["annee", "edition", "modalite", "valeur", "unite", "precision", "source", "remarque"]
    return publies[colonnes].sort_values("annee").reset_index(drop=True)


# --------------------------------------------------------------------------- ensemble


def calculer_tendances(tables: dict, parametres: config.Parametres = config.PARAMETRES) -> dict:
    """Tous les résultats de l'étude des tendances, à partir de ``charger_tendances``.

    Clés : ``series`` (format long, toutes les séries), ``composition``, ``tests``,
    ``indicateurs`` (harmonisés), ``exclus``, ``dynamique``, ``cohortes``, ``sortantes``,
    ``publies``, ``annees``.

    >>> sorted(calculer_tendances.__annotations__)
    ['parametres', 'return', 'tables']
    """
    annees = list(tables["annees"])
    scores, participants = tables["scores"], tables["participants"]
    indicateurs = indicateurs_harmonises(tables["grille"], annees)
    harmonises = scores_harmonises(tables["reponses"], indicateurs, parametres)
    groupes = [
        ("national", "ensemble", panel_global(scores)),
        ("national_harmonise", "ensemble", harmonises.loc[harmonises["niveau"] == "global", _COLONNES_PANEL]),
    ]
    for niveau in ("canal", "determinant"):
        sous = harmonises[harmonises["niveau"] == niveau]
        for m in _ordonner(sous["modalite"].unique(), niveau):
            groupes.append((niveau, m, sous.loc[sous["modalite"] == m, _COLONNES_PANEL]))
    for strate in STRATES:
        for niveau, source in ((strate, scores), (f"{strate}_harmonise", harmonises)):
            panels = panels_strates(source, participants, strate)
            for m in _ordonner(panels, strate):
                groupes.append((niveau, modalite_texte(m), panels[m]))
    series, composition = [], []
    for niveau, modalite, panel in groupes:
        series.append(calculer_series(panel, niveau, modalite, parametres))
        composition.append(effets_composition(panel, niveau, modalite, parametres))
    series = pd.concat(series, ignore_index=True)
    return {
        "annees": annees,
        "series": series,
        "composition": pd.concat(composition, ignore_index=True),
        "tests": analyser_series(series, parametres),
        "indicateurs": indicateurs,
        "exclus": indicateurs_exclus(tables["grille"], annees),
        "dynamique": dynamique_participation(participants),
        "cohortes": trajectoires_cohortes(scores, participants, parametres),
        "sortantes": scores_sortantes(scores, participants, parametres),
        "publies": chiffres_publies_nationaux(min(annees), max(annees)),
    }


def series_nationales(resultats: dict) -> pd.DataFrame:
    """Table ``series_nationales.csv`` : annee, methode, niveau, modalite, valeur, ic_bas, ic_haut.

    >>> s = pd.DataFrame({c: [1] for c in COLONNES_SERIES})
    >>> series_nationales({"series": s}).columns.tolist()
    ['annee', 'methode', 'niveau', 'modalite', 'valeur', 'ic_bas', 'ic_haut']
    """
    return resultats["series"][["annee", "methode", "niveau", "modalite", "valeur", "ic_bas", "ic_haut"]].reset_index(
        drop=True
    )
