"""Notation des réponses et scores des structures (``methodologie.md``).

Points d'une réponse, score d'un contact (100 × ΣP / ΣM), scores de structure par
canal, déterminant, étape et global, avec leurs intervalles à 95 %.

Intervalles : la dispersion des scores de contact au sein d'une structure est mise en commun
sur toutes les structures de l'édition, canal par canal (composante de variance σ²_canal,
``variance_intra_mise_en_commun``), puis rendue propre à chaque structure par bayes empirique :
la dispersion observée de ses propres contacts, là où elle en a plusieurs sur un canal, est
modérée vers la dispersion commune (``variance_intra_moderee``, moments de Smyth, à la limma).
Un canal presque toujours testé par un seul contact (site internet) n'estime pas sa propre
dispersion : elle est bornée par les autres canaux (prudent). Un score de structure en tire sa
variance d'échantillonnage selon ses propres nombres de contacts (canal : σ²/n ; global :
Σ p² σ²/n / (Σ p)² avec les poids des canaux ; déterminant et étape : Σ σ² M² / (Σ M)²,
M = points max du contact). Intervalle : score ± t·√variance (Student aux degrés de liberté
modérés d0 + d), tronqué à [0, 100]. Couverture vérifiée par ``analyse.validation.couverture``,
y compris hors du modèle (``SCENARIOS_ECARTS``, ``benchmarks/RESULTATS.md``).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from scipy.stats import norm, t as student

from analyse.config import PARAMETRES, Parametres
from analyse.donnees.codes import DETERMINANTS, ETAPES
from analyse.donnees.moderation import LoiAPriori, ajuster_loi_f, moderer

ANNEXE_METHODE = (
    "Chaque intervalle à 95 % d'un score de structure combine la dispersion des contacts au sein de la structure "
    "avec son nombre de contacts sur chaque canal (et les poids des canaux pour le score global). Cette dispersion, "
    "mise en commun sur toutes les structures de l'édition canal par canal, est ajustée à la structure : des contacts "
    "d'un même canal très différents entre eux élargissent l'intervalle, des contacts réguliers le resserrent, "
    "d'autant plus que la structure a de contacts répétés (variances modérées par bayes empirique, intervalle de "
    "Student). Un canal testé par un seul contact a un intervalle large et non nul. La dispersion propre au site "
    "internet, testé une fois par an, ne se mesure pas : elle est bornée par l'écart entre le site et les autres "
    "canaux de chaque structure (intervalle prudent). Sur des éditions simulées à vérité connue, y compris loin de ce "
    "modèle, ces intervalles contiennent la vraie valeur environ 95 fois sur 100, et au moins 90 fois sur 100 pour "
    "les structures les plus irrégulières."
)


def phrase_fragile(parametres: Parametres = PARAMETRES) -> str:
    """Phrase qui explique « fragile » pour un score de structure.

    >>> phrase_fragile(Parametres(largeur_fragile=30.0))[:40]
    'Un score est dit fragile quand son inter'
    """
    return (
        f"Un score est dit fragile quand son intervalle de confiance à 95 % est plus large que "
        f"{parametres.largeur_fragile:g} points (en pratique un canal testé par un ou deux contacts) : l'écart à "
        "la moyenne nationale ou à un autre canal n'est alors pas établi."
    )


PHRASE_FRAGILE = phrase_fragile()


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


# --- Scores de structure --------------------------------------------


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


def scores_structures(
    contacts: pd.DataFrame,
    reponses: pd.DataFrame,
    annee: int,
    parametres: Parametres = PARAMETRES,
) -> pd.DataFrame:
    """Table ``scores`` d'une édition : global, canal, déterminant et étape par structure,
    avec intervalles à variance intra-structure mise en commun (voir ``ANNEXE_METHODE``).

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
    geometrie = _Geometrie(debut_groupes, groupe_structure, pd.factorize(canaux_groupes)[0], poids)
    intervalles = _intervalles(X, geometrie, estimation, parametres)
    return _assembler_scores(
        notes,
        X,
        annee,
        estimation,
        intervalles,
        debut_groupes,
        taille_groupes,
        debut_struct,
        canaux_groupes,
        parametres,
    )


# --- Intervalles : variance intra-structure mise en commun ---------------------------


@dataclasses.dataclass(frozen=True)
class _Geometrie:
    """Groupes structure × canal (contigus) : début de chaque groupe dans les contacts triés,
    structure du groupe, code du canal du groupe et poids du canal."""

    debut_groupes: np.ndarray
    groupe_structure: np.ndarray
    code_canal: np.ndarray
    poids: np.ndarray


DECALAGE_NIVEAU = 10.0  # h(m) = (m + a)(100 − m + a) : variance d'un contact selon le niveau m


def variance_intra_mise_en_commun(valeurs, poids, debut_groupes, code_canal) -> np.ndarray:
    """Variance intra-structure d'un score de contact, mise en commun par canal et dépendant du
    niveau (une valeur par groupe structure × canal).

    Modèle : Var(x) = φ_canal · h(m), h(m) = (m + a)(100 − m + a) avec a = ``DECALAGE_NIVEAU``
    (plus de dispersion à mi-échelle que près de 0 ou 100) et m le niveau du groupe, sa moyenne
    rapprochée de celle du canal selon sa précision (estimateur empirique de Bayes : un seul
    contact donne un niveau peu sûr). φ_canal = Σ w (x − x̄)² / Σ (W − Σw² / W)·h(m) sur les
    structures à plusieurs contacts (poids de fiabilité). Un canal sans aucune structure à deux
    contacts reçoit le φ mis en commun sur tous les canaux ; sans aucune répétition, la
    variance totale des contacts (majorant prudent), et à défaut 2 500.

    >>> x = np.array([60.0, 80.0, 50.0, 70.0, 90.0])
    >>> v = variance_intra_mise_en_commun(x, np.ones(5), np.array([0, 2, 4]), np.array([0, 0, 1]))
    >>> [round(e) for e in v]
    [200, 200, 119]
    """
    groupes = _sommes_groupes(valeurs, poids, debut_groupes)
    if groupes.ddl.sum() <= 1e-9:
        return np.full(len(groupes.W), _variance_totale(np.asarray(valeurs, float), np.asarray(poids, float)))
    phi, h, _ = _phi_canaux(groupes, code_canal)
    return phi[code_canal] * h


@dataclasses.dataclass(frozen=True)
class _SommesGroupes:
    """Par groupe structure × canal : poids total W, moyenne pondérée, Σ w (x − x̄)², Σw²/W² et
    degrés de liberté en unités de poids W (1 − Σw²/W²) (n − 1 à poids égaux)."""

    W: np.ndarray
    moyennes: np.ndarray
    ecarts: np.ndarray
    inverse_efficace: np.ndarray
    ddl: np.ndarray


def _sommes_groupes(valeurs, poids, debut_groupes) -> _SommesGroupes:
    valeurs, poids = np.asarray(valeurs, dtype=float), np.asarray(poids, dtype=float)
    tailles = np.diff(np.r_[debut_groupes, len(valeurs)])
    W = np.add.reduceat(poids, debut_groupes)
    with np.errstate(invalid="ignore", divide="ignore"):
        moyennes = np.add.reduceat(poids * valeurs, debut_groupes) / W
        ecarts = np.add.reduceat(poids * (valeurs - np.repeat(np.nan_to_num(moyennes), tailles)) ** 2, debut_groupes)
        inverse_efficace = np.add.reduceat(poids**2, debut_groupes) / W**2  # Σw²/W² (1/n à poids égaux)
        ddl = np.where(W > 0, W * (1 - inverse_efficace), 0.0)
    return _SommesGroupes(W, moyennes, np.where(W > 0, ecarts, 0.0), inverse_efficace, ddl)


def _phi_canaux(groupes: _SommesGroupes, code_canal):
    """φ par canal (mis en commun sur tous les canaux là où il n'y a aucune répétition), h(m) par
    groupe, et le masque des canaux dont φ est estimé par leurs propres répétitions."""
    W, ecarts, ddl = groupes.W, groupes.ecarts, groupes.ddl
    numerateur, denominateur = np.bincount(code_canal, ecarts), np.bincount(code_canal, ddl)
    with np.errstate(invalid="ignore", divide="ignore"):
        constante = np.where(denominateur > 1e-9, numerateur / denominateur, numerateur.sum() / denominateur.sum())
    niveaux = _niveau_lisse(groupes.moyennes, W, groupes.inverse_efficace, code_canal, constante)
    h = _forme_niveau(np.where(np.isfinite(niveaux), niveaux, 50.0))  # canal sans contact noté : sans effet
    denominateur_h = np.bincount(code_canal, ddl * h)
    with np.errstate(invalid="ignore", divide="ignore"):
        phi = np.where(denominateur_h > 1e-9, numerateur / denominateur_h, numerateur.sum() / denominateur_h.sum())
    return phi, h, denominateur > 1e-9


PRUDENCE_A_PRIORI = 0.5  # part des degrés de liberté a priori d0 gardée (voir ``variance_intra_moderee``)
MIN_STRUCTURES_REPETEES = 10  # en deçà, un canal n'estime pas sa dispersion par ses propres répétitions


@dataclasses.dataclass(frozen=True)
class VarianceIntra:
    """Variance intra-structure modérée d'un score de contact.

    ``par_groupe`` : σ² par groupe structure × canal ; ``ddl_structure`` : degrés de liberté
    de Student de chaque structure (d0 + d_s, ``inf`` si les structures ne diffèrent pas) ;
    ``loi`` : loi a priori (s0², d0) des facteurs de dispersion des structures ; ``facteur`` :
    facteur de dispersion modéré de chaque structure ; ``canaux_empruntes`` : codes des canaux
    sans répétitions dont la dispersion est bornée par les autres canaux."""

    par_groupe: np.ndarray
    ddl_structure: np.ndarray
    loi: LoiAPriori
    facteur: np.ndarray
    canaux_empruntes: tuple


def variance_intra_moderee(valeurs, poids, debut_groupes, code_canal, groupe_structure) -> VarianceIntra:
    """Variance intra-structure d'un score de contact, propre à chaque structure et modérée vers
    la variance mise en commun (bayes empirique des variances, à la limma).

    σ²(structure s, canal c) = φ_c · h(m) · λ̃_s : φ_c et h(m) comme
    ``variance_intra_mise_en_commun`` ; λ̃_s le facteur de dispersion de la structure, sa
    variance relative r_s = Σ w (x − x̄)² / (φ_c h) / Σ ddl sur ses canaux à plusieurs contacts
    (d_s degrés de liberté, nombre de contacts effectif − 1 par canal), modérée :
    λ̃_s = (d0·s0² + d_s·r_s) / (d0 + d_s), (s0², d0) estimés par ``moderation.ajuster_loi_f``
    (moments de Smyth), puis d0 multiplié par ``PRUDENCE_A_PRIORI`` (½) : la modération,
    calibrée en moyenne sur les structures, rétrécit trop les plus irrégulières ; une loi a
    priori deux fois moins informative (même échelle) les protège, au prix d'intervalles un peu
    plus larges pour les structures régulières. Une structure sans canal répété reçoit s0².
    Degrés de liberté de Student : d0 + d_s (d0 après prudence).

    Un canal testé presque toujours par un seul contact (site internet) n'estime pas sa
    dispersion : elle est bornée par la dispersion résiduelle de ses scores une fois prédits par
    les autres canaux de la structure (``_phi_par_les_autres_canaux``, qui compte comme bruit
    toute différence propre à la structure sur ce canal : prudent), sans descendre sous le φ mis
    en commun sur les autres canaux.

    >>> x = np.array([60.0, 80.0, 50.0, 70.0, 90.0, 65.0])
    >>> v = variance_intra_moderee(x, np.ones(6), np.array([0, 2, 4]), np.array([0, 0, 0]), np.array([0, 1, 2]))
    >>> v.loi.ddl, v.ddl_structure.tolist()
    (inf, [inf, inf, inf])
    """
    groupes = _sommes_groupes(valeurs, poids, debut_groupes)
    n_structures = int(groupe_structure.max()) + 1 if len(groupe_structure) else 0
    if groupes.ddl.sum() <= 1e-9:
        totale = _variance_totale(np.asarray(valeurs, float), np.asarray(poids, float))
        sans = LoiAPriori(1.0, float("inf"))
        return VarianceIntra(
            np.full(len(groupes.W), totale), np.full(n_structures, np.inf), sans, np.ones(n_structures), ()
        )
    phi, h, _ = _phi_canaux(groupes, code_canal)
    repetes = np.bincount(code_canal, (groupes.ddl > 1e-9).astype(float), minlength=len(phi))
    facteur, ddl_t, loi = _facteur_structures(groupes, phi[code_canal] * h, groupe_structure, n_structures)
    empruntes = []
    for canal in np.flatnonzero(repetes < MIN_STRUCTURES_REPETEES):
        borne = _phi_par_les_autres_canaux(groupes, code_canal, groupe_structure, phi[code_canal] * h, facteur, canal)
        if np.isfinite(borne):
            reference = _phi_autres(groupes, h, code_canal, canal)
            phi[canal] = max(
                borne / _moyenne_h_facteur(groupes, h, facteur, code_canal, groupe_structure, canal), reference
            )
            empruntes.append(int(canal))
    return VarianceIntra(phi[code_canal] * h * facteur[groupe_structure], ddl_t, loi, facteur, tuple(empruntes))


def _facteur_structures(groupes: _SommesGroupes, reference, groupe_structure, n_structures):
    """Facteur de dispersion modéré de chaque structure, ses degrés de liberté t et la loi a priori."""
    with np.errstate(invalid="ignore", divide="ignore"):
        ddl_kish = np.where(groupes.W > 0, np.maximum(1 / groupes.inverse_efficace - 1, 0.0), 0.0)
        relatif = np.where(groupes.ddl > 1e-9, groupes.ecarts / reference, 0.0)
    somme = np.bincount(groupe_structure, relatif, minlength=n_structures)
    unites = np.bincount(groupe_structure, np.where(groupes.ddl > 1e-9, groupes.ddl, 0.0), minlength=n_structures)
    ddl = np.bincount(groupe_structure, np.where(groupes.ddl > 1e-9, ddl_kish, 0.0), minlength=n_structures)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(unites > 1e-9, somme / unites, np.nan)
    estimable = ddl > 1e-9
    loi = ajuster_loi_f(r[estimable], ddl[estimable])
    if not (np.isfinite(loi.echelle) and np.isfinite(loi.ddl)) or loi.ddl == 0:
        loi = LoiAPriori(1.0, float("inf"))  # structures indiscernables : la variance mise en commun
    loi = LoiAPriori(loi.echelle, PRUDENCE_A_PRIORI * loi.ddl)
    return moderer(np.nan_to_num(r), ddl, loi), loi.ddl + ddl, loi


def _phi_autres(groupes, h, code_canal, canal) -> float:
    """φ mis en commun sur les canaux autres que ``canal``."""
    autres = code_canal != canal
    denominateur = float(np.sum((groupes.ddl * h)[autres]))
    return float(np.sum(groupes.ecarts[autres]) / denominateur) if denominateur > 1e-9 else float("nan")


def _moyenne_h_facteur(groupes, h, facteur, code_canal, groupe_structure, canal) -> float:
    cibles = (code_canal == canal) & (groupes.W > 0)
    return float(np.mean((h * facteur[groupe_structure] * groupes.inverse_efficace)[cibles]))


def _phi_par_les_autres_canaux(groupes, code_canal, groupe_structure, reference, facteur, canal) -> float:
    """Variance moyenne d'échantillonnage des moyennes d'un canal sans répétitions, bornée par les
    autres canaux : moyenne du canal régressée (moindres carrés) sur l'écart moyen de la structure
    à la moyenne de chacun de ses autres canaux, y ; la variance résiduelle vaut σ² + β·v̄ (v̄ :
    variance d'échantillonnage de y), d'où σ² = résiduelle − β·v̄. NaN si moins de
    ``MIN_STRUCTURES_REPETEES`` structures ont ce canal et un autre."""
    garde = groupes.W > 0
    n_s = int(groupe_structure.max()) + 1
    with np.errstate(invalid="ignore", divide="ignore"):
        moyenne_canal = np.bincount(code_canal[garde], groupes.moyennes[garde]) / np.bincount(code_canal[garde])
    centre = np.where(garde, groupes.moyennes - moyenne_canal[code_canal], 0.0)
    var_moyenne = reference * facteur[groupe_structure] * np.where(garde, groupes.inverse_efficace, 0.0)
    autres = garde & (code_canal != canal)
    k = np.bincount(groupe_structure[autres], minlength=n_s)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.bincount(groupe_structure[autres], centre[autres], n_s) / k
        v = np.bincount(groupe_structure[autres], var_moyenne[autres], n_s) / k**2
    cibles = garde & (code_canal == canal) & (k[groupe_structure] > 0)
    if cibles.sum() < MIN_STRUCTURES_REPETEES:
        return float("nan")
    x, yc, vc = groupes.moyennes[cibles], y[groupe_structure[cibles]], v[groupe_structure[cibles]]
    pente, constante = np.polyfit(yc, x, 1)
    residuelle = float(np.sum((x - constante - pente * yc) ** 2) / (len(x) - 2))
    return max(residuelle - max(pente, 0.0) * float(np.mean(vc)), 0.0)


def _forme_niveau(m: np.ndarray) -> np.ndarray:
    m = np.clip(m, 0.0, 100.0)
    return (m + DECALAGE_NIVEAU) * (100.0 - m + DECALAGE_NIVEAU)


def _niveau_lisse(moyennes, W, inverse_efficace, code_canal, variance_canal) -> np.ndarray:
    """Niveau de chaque groupe rapproché de la moyenne de son canal : m̄ + τ²/(τ² + v)·(m − m̄),
    v = σ²_canal·Σw²/W² la variance d'échantillonnage du groupe, τ² la variance entre structures."""
    garde = W > 0
    m = np.where(garde, moyennes, 0.0)
    effectif = np.bincount(code_canal, garde.astype(float))
    with np.errstate(invalid="ignore", divide="ignore"):
        moyenne_canal = np.bincount(code_canal, m) / effectif
        ecart = np.where(garde, m - moyenne_canal[code_canal], 0.0)
        v = variance_canal[code_canal] * np.where(garde, inverse_efficace, 0.0)
        tau2 = np.maximum(
            np.bincount(code_canal, ecart**2) / np.maximum(effectif - 1, 1) - np.bincount(code_canal, v) / effectif, 1.0
        )
        poids_propre = tau2[code_canal] / (tau2[code_canal] + v)
    return np.where(garde, moyenne_canal[code_canal] + poids_propre * ecart, moyenne_canal[code_canal])


def _variance_totale(valeurs, poids) -> float:
    garde = poids > 0
    if garde.sum() < 2:
        return 2500.0
    return float(np.cov(valeurs[garde], aweights=poids[garde]))


def _variance_moyenne(valeurs, poids, geometrie) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Variance d'échantillonnage (Σ σ²_g Σw² / W², par structure) d'une moyenne pondérée de contacts,
    variance par groupe structure × canal et degrés de liberté de Student par structure."""
    intra = variance_intra_moderee(
        valeurs, poids, geometrie.debut_groupes, geometrie.code_canal, geometrie.groupe_structure
    )
    sigma2 = intra.par_groupe
    W_groupe = np.add.reduceat(poids, geometrie.debut_groupes)
    somme_carres = np.add.reduceat(poids**2, geometrie.debut_groupes)
    with np.errstate(invalid="ignore", divide="ignore"):
        par_groupe = sigma2 * somme_carres / W_groupe**2
        bornes = _bornes(geometrie.groupe_structure)
        W_struct = np.add.reduceat(W_groupe, bornes)
        par_structure = np.add.reduceat(sigma2 * somme_carres, bornes) / W_struct**2
    return par_structure, par_groupe, intra.ddl_structure


def _quantile(niveau_confiance: float, ddl) -> np.ndarray:
    """Quantile de Student à ``ddl`` degrés de liberté (loi normale pour ddl infini)."""
    return student.ppf(0.5 + niveau_confiance / 2, np.asarray(ddl, dtype=float))


def _intervalles(X, geometrie, estimation, parametres):
    """(bas, haut, erreur type) pour les scores de canal, global, déterminants et étapes :
    score ± t·√variance, la variance venant de ``variance_intra_moderee`` et t le quantile de
    Student aux degrés de liberté modérés de la structure (bornage à [0, 100] ensuite). L'erreur
    type exportée est la demi-largeur / z (z normal) : une comparaison qui la multiplie par z
    retrouve l'intervalle."""
    moyennes_canal, globaux, determinants, etapes = estimation
    z = float(norm.ppf(0.5 + parametres.niveau_confiance / 2))
    _, var_canal, ddl_canal = _variance_moyenne(X[:, 0], np.ones(len(X)), geometrie)
    bornes = _bornes(geometrie.groupe_structure)
    p = geometrie.poids
    var_global = np.add.reduceat(p**2 * var_canal, bornes) / np.add.reduceat(p, bornes) ** 2
    nd, ne = len(DETERMINANTS), len(ETAPES)
    colonnes = [(1 + k, 1 + nd + k) for k in range(nd)] + [(1 + 2 * nd + k, 1 + 2 * nd + ne + k) for k in range(ne)]
    modalites = [_variance_ratio(X[:, cp], X[:, cm], geometrie) for cp, cm in colonnes]
    var_modalites = np.array([v for v, _ in modalites])
    ddl_modalites = np.array([d for _, d in modalites])
    resultats = []
    for score, variance, ddl in (
        (moyennes_canal, var_canal, ddl_canal[geometrie.groupe_structure]),
        (globaux, var_global, ddl_canal),
        (determinants, var_modalites[:nd], ddl_modalites[:nd]),
        (etapes, var_modalites[nd:], ddl_modalites[nd:]),
    ):
        erreur = np.sqrt(variance) * _quantile(parametres.niveau_confiance, ddl) / z
        resultats.append((score - z * erreur, score + z * erreur, erreur))
    return resultats


def _variance_ratio(points, points_max, geometrie):
    """Variance d'un score 100 × ΣP / ΣM (moyenne des scores de contact pondérée par M) et degrés de liberté."""
    with np.errstate(invalid="ignore", divide="ignore"):
        valeurs = np.where(points_max > 0, 100 * points / np.where(points_max > 0, points_max, 1.0), 0.0)
    par_structure, _, ddl = _variance_moyenne(valeurs, points_max, geometrie)
    return par_structure, ddl


def _assembler_scores(
    notes, X, annee, estimation, intervalles, debut_groupes, taille_groupes, debut_struct, canaux, parametres
):
    moyennes_canal, globaux, determinants, etapes = estimation
    (cb, ch, ce), (gb, gh, ge), (db, dh, de), (eb, eh, ee) = intervalles
    structures = notes["structure_id"].to_numpy()[debut_struct]
    struct_groupes = notes["structure_id"].to_numpy()[debut_groupes]
    n_struct = np.add.reduceat(taille_groupes, _bornes(struct_groupes))
    nd = len(DETERMINANTS)
    contacts_avec = np.add.reduceat((X[:, 1 + nd : 1 + 2 * nd] > 0).astype(np.int64), debut_struct, axis=0)
    contacts_etape = np.add.reduceat((X[:, 1 + 2 * nd + len(ETAPES) :] > 0).astype(np.int64), debut_struct, axis=0)
    morceaux = [
        _morceau(structures, "global", "", globaux, gb, gh, n_struct, ge),
        _morceau(struct_groupes, "canal", canaux, moyennes_canal, cb, ch, taille_groupes, ce),
        _morceau_matrice(structures, "determinant", DETERMINANTS, determinants.T, db.T, dh.T, contacts_avec, de.T),
        _morceau_matrice(structures, "etape", ETAPES, etapes.T, eb.T, eh.T, contacts_etape, ee.T),
    ]
    scores = pd.concat(morceaux, ignore_index=True)
    scores.insert(0, "annee", np.int64(annee))
    ordre = {n: i for i, n in enumerate(("global", "canal", "determinant", "etape"))}
    scores = scores.sort_values(
        ["structure_id", "niveau", "modalite"], key=lambda s: s.map(ordre) if s.name == "niveau" else s, kind="stable"
    )
    return _borner(scores.reset_index(drop=True), parametres)


def _morceau(structures, niveau, modalite, score, bas, haut, n, erreur) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "structure_id": structures,
            "niveau": niveau,
            "modalite": modalite,
            "score": score,
            "ic_bas": bas,
            "ic_haut": haut,
            "n_contacts": np.asarray(n, dtype=np.int64),
            "erreur_type": np.asarray(erreur, dtype=float),
        }
    )


def _morceau_matrice(structures, niveau, codes, score, bas, haut, n, erreur) -> pd.DataFrame:
    k = len(codes)
    morceau = _morceau(
        np.repeat(structures, k),
        niveau,
        np.tile(np.array(codes, dtype=object), len(structures)),
        score.ravel(),
        bas.ravel(),
        haut.ravel(),
        n.ravel(),
        erreur.ravel(),
    )
    return morceau.loc[(morceau["n_contacts"] > 0) & morceau["score"].notna()]


def _borner(scores: pd.DataFrame, parametres: Parametres) -> pd.DataFrame:
    """Intervalle tronqué à [0, 100] (la vérité y est, donc la couverture ne baisse pas) et
    drapeau ``fragile`` : largeur au-delà de ``parametres.largeur_fragile``."""
    for colonne in ("score", "ic_bas", "ic_haut"):
        scores[colonne] = scores[colonne].clip(0, 100)
    scores["ic_bas"] = np.minimum(scores["ic_bas"], scores["score"])
    scores["ic_haut"] = np.maximum(scores["ic_haut"], scores["score"])
    scores["fragile"] = est_fragile(scores["ic_bas"], scores["ic_haut"], parametres)
    scores["modalite"] = scores["modalite"].astype(str)
    return scores


def est_fragile(ic_bas, ic_haut, parametres: Parametres = PARAMETRES) -> np.ndarray:
    """Vrai si l'intervalle est plus large que ``parametres.largeur_fragile`` points : trop large
    pour soutenir une comparaison à la moyenne nationale ou entre canaux.

    >>> est_fragile([60.0, 40.0], [70.0, 80.0]).tolist()
    [False, True]
    """
    return (np.asarray(ic_haut, dtype=float) - np.asarray(ic_bas, dtype=float)) > parametres.largeur_fragile


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
            "erreur_type": pd.Series(dtype=float),
        }
    )
