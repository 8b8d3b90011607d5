"""Évaluation continue d'une structure : indicateurs mensuels, cartes de contrôle, téléphone.

Sources : tables ``signaux`` et ``appels`` (``analyse.ecoute.signaux``), ``indicateurs_spplus``,
et, pour le lien avec l'audit annuel, ``scores`` et ``reponses``.

- Indicateurs mensuels par source et par déterminant : volume, part de signaux négatifs
  (parmi ceux qui ont une polarité), note moyenne ramenée sur 100.
- Cartes de contrôle (alerte dès le mois concerné, sans attendre l'édition suivante) :
  carte p′ de Laney de la part de négatifs (limites p̄ ± k·σ_z·√(p̄(1−p̄)/nᵢ), p̄ et σ_z
  estimés sur les mois de référence, σ_z ≥ 1 corrige la surdispersion) et carte EWMA de la note moyenne (zᵢ = λ·x̄ᵢ + (1−λ)·zᵢ₋₁, variance
  Vᵢ = λ²·σ′²/nᵢ + (1−λ)²·Vᵢ₋₁, σ′ = σ_z·σ avec le même facteur de Laney, alerte sous
  μ₀ − k·√Vᵢ). Mois de référence : les 12 premiers mois (au plus la moitié de la série, au moins 3).
- Réclamations : délai de réponse médian de Kaplan–Meier (réclamations encore sans réponse
  = observations censurées à la fin de la période) et son intervalle (Greenwood, log(−log)),
  part répondue dans le délai cible lue sur la courbe de survie, par mois et par année
  (courbe de l'année entière) : ``analyse.statistiques.survie``.
- Services Publics + : expériences par mois, taux de réponse (intervalle exact), délai de
  première réponse (Kaplan–Meier, expériences sans réponse censurées) et thèmes.
- Téléphone : charge par jour et par heure, niveau de service observé, abandons, agents
  nécessaires selon Erlang C (``analyse.statistiques.erlang``) et renfort bénévole (heures par semaine
  et ETP). Sans journal d'appels : indicateurs des appels mystères de l'audit.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from analyse.donnees import stockage
from analyse.donnees.codes import DETERMINANTS, THEMES_SPPLUS
from analyse.statistiques import erlang, survie
from analyse.statistiques.edition import intervalle_structure

ANNEXE_METHODE = (
    "Les cartes de contrôle comparent chaque mois aux douze premiers mois de référence : carte p′ de Laney pour "
    "la part de signaux négatifs, carte EWMA de la note moyenne élargie du même facteur de Laney, les mois "
    "variant plus que ne le dit le hasard des signaux. Le délai médian de réponse aux réclamations est une "
    "médiane de Kaplan–Meier : les réclamations encore ouvertes comptent pour un délai au moins égal à leur "
    "ancienneté. Son intervalle à 95 % est celui de Brookmeyer et Crowley (variance de Greenwood, échelle "
    "log(−log)) ; une borne « non atteinte » veut dire que les réponses observées ne suffisent pas à la fixer. "
    "La part traitée dans le délai cible est lue sur la même courbe : une réclamation ouverte depuis moins "
    "que la cible n'est pas comptée en retard. Les chiffres annuels viennent de la courbe de l'année entière."
)

JOURS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


@dataclasses.dataclass(frozen=True)
class ParametresSuivi:
    """Paramètres du tableau de bord (figés ; une clé inconnue est refusée).

    >>> ParametresSuivi().cible_attente_secondes
    30.0
    """

    cible_attente_secondes: float = 30.0  # « décroché en 5 sonneries » ≈ 30 secondes
    objectif_niveau_service: float = 0.80
    occupation_max: float | None = None
    traitement_apres_appel_secondes: float = 0.0
    delai_cible_jours: int = 15
    lambda_ewma: float = 0.2
    largeur_limites: float = 3.0
    mois_reference: int = 12
    min_signaux_mois: int = 5  # en dessous, un mois n'est pas évalué par les cartes
    agents_actuels: int | None = None  # None : déduit des postes du journal

    def __post_init__(self):
        if not 0 < self.objectif_niveau_service < 1:
            raise ValueError("objectif_niveau_service doit être compris entre 0 et 1")
        if not 0 < self.lambda_ewma <= 1:
            raise ValueError("lambda_ewma doit être compris entre 0 (exclu) et 1")

    @classmethod
    def depuis_dict(cls, valeurs: dict | None) -> ParametresSuivi:
        """Paramètres depuis un dictionnaire, en refusant les clés inconnues.

        >>> ParametresSuivi.depuis_dict({"delai_cible_jours": 10}).delai_cible_jours
        10
        """
        valeurs = dict(valeurs or {})
        inconnues = sorted(set(valeurs) - {f.name for f in dataclasses.fields(cls)})
        if inconnues:
            raise ValueError(f"Paramètre(s) de suivi inconnu(s) : {', '.join(inconnues)}")
        return cls(**valeurs)


# --------------------------------------------------------------------------- chargement


def _lire(donnees, table: str) -> pd.DataFrame:
    try:
        return stockage.lire(donnees, table)
    except FileNotFoundError:
        return pd.DataFrame()


def charger_suivi(structure_id: str, donnees="data", annee: int | None = None) -> dict:
    """Tables d'une structure pour le tableau de bord ; seuls des agrégats nationaux des autres.

    ``annee`` : édition de rattachement (défaut : la dernière où la structure participe) ;
    les signaux et appels retenus vont jusqu'au 31 décembre de cette année.

    >>> charger_suivi("S0001", "/dossier/absent")
    Traceback (most recent call last):
    FileNotFoundError: Structure « S0001 » absente des participants préparés dans /dossier/absent/processed : lancez d'abord « analyse preparer ».
    """
    from analyse.config import dossier_processed

    participants = _lire(donnees, "participants")
    propres = participants[participants["structure_id"] == structure_id] if len(participants) else participants
    if propres.empty:
        raise FileNotFoundError(
            f"Structure « {structure_id} » absente des participants préparés dans "
            f"{dossier_processed(donnees)} : lancez d'abord « analyse preparer »."
        )
    annees = sorted(propres["annee"].astype(int))
    if annee is None:
        annee = annees[-1]
    elif annee not in annees:
        raise ValueError(
            f"La structure « {structure_id} » ne participe pas à l'édition {annee} "
            f"(éditions : {', '.join(map(str, annees))})."
        )
    fin = pd.Timestamp(f"{annee}-12-31 23:59:59")
    signaux = _lire(donnees, "signaux")
    if len(signaux):
        signaux = signaux[(signaux["structure_id"] == structure_id) & (signaux["date_signal"] <= fin)]
    appels = _lire(donnees, "appels")
    if len(appels):
        appels = appels[(appels["structure_id"] == structure_id) & (appels["debut_appel"] <= fin)]
        if len(appels):
            appels = appels[appels["annee"] == appels["annee"].max()]
    themes = _lire(donnees, "themes_spplus")
    if len(themes):
        themes = themes[(themes["structure_id"] == structure_id) & (themes["date_signal"] <= fin)]
    spplus = _lire(donnees, "indicateurs_spplus")
    if len(spplus):
        spplus = spplus[(spplus["structure_id"] == structure_id) & (spplus["annee"] <= annee)]
    scores = _lire(donnees, "scores")
    reponses = stockage.lire(
        donnees,
        "reponses",
        annee=annee,
        colonnes=["structure_id", "canal", "indicateur", "valeur", "points", "points_max"],
    )
    return {
        "structure_id": structure_id,
        "annee": int(annee),
        "annees_audit": annees,
        "structure": propres[propres["annee"] == annee].iloc[0].to_dict(),
        "signaux": signaux.reset_index(drop=True),
        "appels": appels.reset_index(drop=True),
        "spplus": spplus.reset_index(drop=True) if len(spplus) else pd.DataFrame(),
        "themes_spplus": themes.reset_index(drop=True) if len(themes) else pd.DataFrame(),
        "scores": scores,
        "reponses_telephone": reponses[reponses["canal"] == "telephone"],
    }


# --------------------------------------------------------------------------- indicateurs mensuels


def ajouter_mois(signaux: pd.DataFrame) -> pd.DataFrame:
    """Ajoute la colonne ``mois`` (premier jour du mois du signal).

    >>> ajouter_mois(pd.DataFrame({"date_signal": pd.to_datetime(["2022-03-15"])}))["mois"].dt.day.tolist()
    [1]
    """
    return signaux.assign(mois=signaux["date_signal"].dt.to_period("M").dt.to_timestamp())


def _tous_les_mois(signaux: pd.DataFrame) -> pd.DatetimeIndex:
    if signaux.empty:
        return pd.DatetimeIndex([])
    return pd.date_range(
        signaux["date_signal"].min().to_period("M").to_timestamp(),
        signaux["date_signal"].max().to_period("M").to_timestamp(),
        freq="MS",
    )


def indicateurs_mensuels(signaux: pd.DataFrame, par: str | None = None) -> pd.DataFrame:
    """Par mois (et par ``source`` ou ``determinant``) : volume, négatifs, part de négatifs, note moyenne.

    Mois sans signal : volume 0 (la série reste continue).

    >>> s = pd.DataFrame({"date_signal": pd.to_datetime(["2022-01-03", "2022-01-09", "2022-03-01"]),
    ...     "polarite": ["negatif", "positif", None], "note_100": [20.0, np.nan, 80.0]})
    >>> indicateurs_mensuels(s)[["n", "n_negatifs", "part_negatifs"]].to_dict("list")
    {'n': [2, 0, 1], 'n_negatifs': [1, 0, 0], 'part_negatifs': [0.5, nan, nan]}
    """
    s = ajouter_mois(signaux)
    s = s.assign(_polarise=s["polarite"].notna(), _negatif=s["polarite"].eq("negatif"))
    cles = ["mois"] + ([par] if par else [])
    g = s.groupby(cles, observed=True).agg(
        n=("mois", "size"),
        n_polarises=("_polarise", "sum"),
        n_negatifs=("_negatif", "sum"),
        note_moyenne=("note_100", "mean"),
        n_notes=("note_100", "count"),
    )
    mois = _tous_les_mois(signaux)
    if par:
        modalites = sorted(s[par].dropna().unique(), key=lambda v: (DETERMINANTS + (v,)).index(v))
        index = pd.MultiIndex.from_product([mois, modalites], names=cles)
    else:
        index = pd.Index(mois, name="mois")
    g = g.reindex(index)
    for c in ("n", "n_polarises", "n_negatifs", "n_notes"):
        g[c] = g[c].fillna(0).astype("int64")
    g["part_negatifs"] = (g["n_negatifs"] / g["n_polarises"]).where(g["n_polarises"] > 0)
    return g.reset_index()


def _reference(n_mois: int, mois_reference: int) -> int:
    return int(min(mois_reference, max(3, n_mois // 2), n_mois))


def carte_p(mensuel: pd.DataFrame, parametres: ParametresSuivi = ParametresSuivi()) -> pd.DataFrame:
    """Carte p′ (Laney) de la part de signaux négatifs : limites par mois, alerte au-dessus de la limite haute.

    p̄ = négatifs / signaux polarisés des mois de référence ; limites élargies par le facteur
    de Laney (``facteur_laney``) ; mois de moins de ``min_signaux_mois`` signaux polarisés :
    non évalués.

    >>> m = pd.DataFrame({"mois": pd.date_range("2022-01-01", periods=8, freq="MS"), "n_polarises": [50] * 8,
    ...     "n_negatifs": [10, 11, 9, 10, 10, 12, 30, 31]})
    >>> carte_p(m)["alerte"].tolist()
    [False, False, False, False, False, False, True, True]
    """
    c = mensuel[["mois", "n_polarises", "n_negatifs"]].copy().reset_index(drop=True)
    evalues = c["n_polarises"] >= parametres.min_signaux_mois
    k = _reference(int(evalues.sum()), parametres.mois_reference)
    reference = c[evalues].head(k)
    p_barre = reference["n_negatifs"].sum() / max(reference["n_polarises"].sum(), 1)
    n = c["n_polarises"].where(evalues)
    sigma = np.sqrt(p_barre * (1 - p_barre) / n)
    c["p"] = c["n_negatifs"] / n
    c["p_barre"] = p_barre
    c["facteur_laney"] = facteur_laney(c.loc[reference.index, "p"], sigma[reference.index], p_barre)
    sigma = sigma * c["facteur_laney"]
    c["limite_haute"] = np.minimum(p_barre + parametres.largeur_limites * sigma, 1.0)
    c["limite_basse"] = np.maximum(p_barre - parametres.largeur_limites * sigma, 0.0)
    c["reference"] = c.index.isin(reference.index)
    c["alerte"] = (c["p"] > c["limite_haute"]).fillna(False).astype(bool)
    return c


def facteur_laney(p: pd.Series, sigma: pd.Series, p_barre: float) -> float:
    """Facteur de Laney (carte p′) : dispersion des écarts réduits entre mois consécutifs,
    σ_z = moyenne des étendues mobiles de zᵢ = (pᵢ − p̄)/σᵢ divisée par 1,128 ; jamais sous 1.

    Les signaux d'un mois mêlent des sources dont les volumes varient : la part de négatifs
    varie plus que ne le dit la loi binomiale, et la carte p classique multiplierait les
    fausses alertes. Le facteur élargit les limites d'autant (Laney, 2002).

    >>> facteur_laney(pd.Series([0.2, 0.4, 0.2, 0.4]), pd.Series([0.05] * 4), 0.3)
    3.546099290780142
    """
    z = ((p - p_barre) / sigma).dropna()
    if len(z) < 3:
        return 1.0
    return float(max(1.0, z.diff().abs().mean() / 1.128))


def carte_ewma(signaux: pd.DataFrame, parametres: ParametresSuivi = ParametresSuivi()) -> pd.DataFrame:
    """Carte EWMA de la note moyenne mensuelle (sur 100) : alerte sous la limite basse (baisse).

    μ₀ et σ (écart-type d'une note) sont estimés sur les mois de référence ; comme pour la
    carte p′, σ est multiplié par le facteur de Laney des moyennes mensuelles de référence
    (``facteur_laney``) : les notes d'un même mois ne sont pas indépendantes (effet du mois),
    et sans ce terme la carte multiplierait les fausses alertes.

    >>> rng = np.random.default_rng(1)
    >>> dates = pd.date_range("2021-01-01", periods=24, freq="MS").repeat(30)
    >>> notes = np.r_[rng.normal(70, 15, 18 * 30), rng.normal(55, 15, 6 * 30)]
    >>> c = carte_ewma(pd.DataFrame({"date_signal": dates, "note_100": notes}))
    >>> bool(c["alerte"].iloc[:18].any()), bool(c["alerte"].iloc[19:].all())  # signalé dès le 2e mois de baisse
    (False, True)
    """
    s = ajouter_mois(signaux.dropna(subset=["note_100"]))
    mois = _tous_les_mois(signaux)
    g = s.groupby("mois")["note_100"].agg(["mean", "count"]).reindex(mois)
    g["count"] = g["count"].fillna(0).astype("int64")
    evalues = g["count"] >= parametres.min_signaux_mois
    k = _reference(int(evalues.sum()), parametres.mois_reference)
    mois_ref = g.index[evalues][:k]
    valeurs_ref = s.loc[s["mois"].isin(mois_ref), "note_100"]
    mu0 = float(valeurs_ref.mean()) if len(valeurs_ref) else np.nan
    sigma = float(valeurs_ref.std(ddof=1)) if len(valeurs_ref) > 1 else np.nan
    erreur_ref = sigma / np.sqrt(g.loc[mois_ref, "count"].astype(float))
    laney = facteur_laney(g.loc[mois_ref, "mean"], erreur_ref, mu0) if len(mois_ref) else 1.0
    sigma = sigma * laney
    lam, largeur = parametres.lambda_ewma, parametres.largeur_limites
    z, v = mu0, 0.0
    zs, limites = [], []
    for moyenne, n, ok in zip(g["mean"], g["count"], evalues):
        if ok:
            z = lam * moyenne + (1 - lam) * z
            v = lam**2 * sigma**2 / n + (1 - lam) ** 2 * v
            zs.append(z)
            limites.append(mu0 - largeur * np.sqrt(v))
        else:
            zs.append(np.nan)
            limites.append(np.nan)
    carte = pd.DataFrame(
        {
            "mois": g.index,
            "n_notes": g["count"].to_numpy(),
            "note_moyenne": g["mean"].to_numpy(),
            "ewma": zs,
            "mu0": mu0,
            "limite_basse": limites,
        }
    )
    carte["facteur_laney"] = laney
    carte["reference"] = carte["mois"].isin(mois_ref)
    carte["alerte"] = (carte["ewma"] < carte["limite_basse"]).fillna(False).astype(bool)
    return carte


def alertes(carte_negatifs: pd.DataFrame, carte_notes: pd.DataFrame) -> pd.DataFrame:
    """Mois signalés par l'une ou l'autre carte, avec la valeur et la limite franchie.

    >>> alertes(pd.DataFrame({"mois": [], "alerte": [], "p": [], "limite_haute": []}),
    ...         pd.DataFrame({"mois": [], "alerte": [], "ewma": [], "limite_basse": []})).empty
    True
    """
    p = carte_negatifs.loc[carte_negatifs["alerte"].astype(bool)]
    e = carte_notes.loc[carte_notes["alerte"].astype(bool)]
    lignes = [
        {
            "mois": m,
            "carte": "Part de signaux négatifs (carte p)",
            "valeur": 100 * v,
            "limite": 100 * l,
            "sens": "au-dessus",
        }
        for m, v, l in zip(p["mois"], p["p"], p["limite_haute"])
    ]
    lignes += [
        {"mois": m, "carte": "Note moyenne (EWMA)", "valeur": v, "limite": l, "sens": "en dessous"}
        for m, v, l in zip(e["mois"], e["ewma"], e["limite_basse"])
    ]
    table = pd.DataFrame(lignes, columns=["mois", "carte", "valeur", "limite", "sens"])
    table["mois"] = pd.to_datetime(table["mois"]).astype("datetime64[ns]")
    return table.sort_values(["mois", "carte"], ignore_index=True)


def premier_mois_alerte(carte: pd.DataFrame):
    """Premier mois signalé d'une carte (``None`` si aucun).

    >>> premier_mois_alerte(pd.DataFrame({"mois": pd.to_datetime(["2022-01-01", "2022-02-01"]), "alerte": [False, True]}))
    Timestamp('2022-02-01 00:00:00')
    """
    signales = carte.loc[carte["alerte"], "mois"]
    return signales.iloc[0] if len(signales) else None


def mediane_kaplan_meier(durees, repondues) -> float:
    """Médiane de Kaplan–Meier d'un délai dont certains cas sont encore ouverts (censurés).

    NaN si la survie ne descend jamais sous 1/2 (plus de la moitié des cas encore ouverts
    au-delà du plus long délai observé). Survie exactement 1/2 sur un palier : milieu du palier
    (convention de R ``survfit`` ; sans cas ouvert, c'est la médiane ordinaire).
    Intervalle : ``analyse.statistiques.survie.mediane_km``.

    >>> mediane_kaplan_meier([2, 4, 6, 30, 30], [True, True, True, False, False])
    6.0
    >>> bool(np.isnan(mediane_kaplan_meier([2, 30, 30], [True, False, False])))
    True
    """
    return survie.mediane_km(durees, repondues)["mediane"]


COLONNES_DELAIS = (
    "n",
    "n_repondues",
    "part_repondues",
    "delai_median_jours",
    "delai_ic_bas",
    "delai_ic_haut",
    "part_dans_delai",
    "part_ic_bas",
    "part_ic_haut",
)


def _durees_reclamations(signaux: pd.DataFrame, fin_periode=None) -> pd.DataFrame:
    """Réclamations avec leur durée (délai de réponse, ou ancienneté si encore ouvertes) et leur statut."""
    r = ajouter_mois(signaux[signaux["source"] == "reclamation"])
    fin = pd.Timestamp(fin_periode) if fin_periode is not None else pd.to_datetime(signaux["date_signal"]).max()
    ouvert_depuis = (fin - pd.to_datetime(r["date_signal"])).dt.days.astype(float)
    repondu = r["repondu"].fillna(False).astype(bool) & r["delai_reponse_jours"].notna()
    return r.assign(
        _duree=np.where(repondu, r["delai_reponse_jours"], ouvert_depuis),
        _repondu=repondu,
        annee_signal=r["date_signal"].dt.year,
    )


def _resume_delais(r: pd.DataFrame, cible: float) -> pd.Series:
    """Une courbe de Kaplan–Meier : nombre, part répondue, médiane et part dans le délai, avec intervalles."""
    m = survie.mediane_km(r["_duree"], r["_repondu"])
    p = survie.part_dans_delai(r["_duree"], r["_repondu"], cible)
    valeurs = [
        len(r),
        int(r["_repondu"].sum()),
        float(r["_repondu"].mean()),
        m["mediane"],
        m["ic_bas"],
        m["ic_haut"],
        p["part"],
        p["ic_bas"],
        p["ic_haut"],
    ]
    return pd.Series(valeurs, index=list(COLONNES_DELAIS))


def _delais_par(r: pd.DataFrame, cle: str, cible: float) -> pd.DataFrame:
    if r.empty:
        return pd.DataFrame(columns=[cle, *COLONNES_DELAIS])
    g = r.groupby(cle).apply(lambda d: _resume_delais(d, cible), include_groups=False)
    g["n"] = g["n"].astype("int64")
    g["n_repondues"] = g["n_repondues"].astype("int64")
    return g.reset_index()[[cle, *COLONNES_DELAIS]]


def delais_reclamations(
    signaux: pd.DataFrame, parametres: ParametresSuivi = ParametresSuivi(), fin_periode=None
) -> pd.DataFrame:
    """Par mois de réclamation : nombre, part répondue, délai médian de Kaplan–Meier et son intervalle
    (``delai_ic_bas``, ``delai_ic_haut`` ; infini = borne « non atteinte »), part répondue dans le délai
    cible lue sur la courbe de survie et son intervalle (``analyse.statistiques.survie``).

    Une réclamation encore sans réponse compte pour un délai d'au moins (fin de période − date de
    la réclamation), ``fin_periode`` valant par défaut la dernière date de signal : elle n'est
    comptée en retard que si elle est ouverte depuis plus que le délai cible.

    >>> s = pd.DataFrame({"date_signal": pd.to_datetime(["2022-01-03", "2022-01-10", "2022-01-11"]),
    ...     "source": "reclamation", "repondu": [True, False, True], "delai_reponse_jours": [10.0, np.nan, 2.0]})
    >>> delais_reclamations(s)[["n", "part_repondues", "delai_median_jours", "part_dans_delai"]].iloc[0].round(2).tolist()
    [3.0, 0.67, 6.0, 1.0]

    La réclamation ouverte depuis un jour n'est pas en retard : 100 % dans le délai de 15 jours
    (compter les ouvertes comme en retard donnerait 67 %).
    """
    r = _durees_reclamations(signaux, fin_periode)
    return _delais_par(r, "mois", parametres.delai_cible_jours)


def delais_annuels(
    signaux: pd.DataFrame, parametres: ParametresSuivi = ParametresSuivi(), fin_periode=None
) -> pd.DataFrame:
    """Par année : mêmes chiffres que ``delais_reclamations``, tirés de la courbe de Kaplan–Meier de
    toutes les réclamations de l'année (et non médiane des médianes mensuelles).

    >>> s = pd.DataFrame({"date_signal": pd.to_datetime(["2022-01-03", "2022-05-10", "2022-09-11"]),
    ...     "source": "reclamation", "repondu": [True, True, True], "delai_reponse_jours": [1.0, 5.0, 9.0]})
    >>> a = delais_annuels(s).iloc[0]
    >>> int(a["annee_signal"]), int(a["n"]), float(a["delai_median_jours"])
    (2022, 3, 5.0)
    """
    r = _durees_reclamations(signaux, fin_periode)
    return _delais_par(r, "annee_signal", parametres.delai_cible_jours)


# --------------------------------------------------------------------------- Services Publics +


def suivi_spplus(tables: dict, parametres: ParametresSuivi = ParametresSuivi()) -> dict | None:
    """Expériences Services Publics + de la structure : volume et ressentis, taux de réponse
    (intervalle exact de Clopper–Pearson), délai de première réponse (Kaplan–Meier : une expérience sans réponse
    compte pour un délai d'au moins son ancienneté à la date d'extraction, estimée par la
    dernière date de l'export), part répondue dans le délai cible, et thèmes. ``None`` sans expérience.

    >>> s = pd.DataFrame({"origine": "services_publics_plus", "date_signal": pd.to_datetime(["2022-01-03", "2022-02-01"]),
    ...     "polarite": ["negatif", "positif"], "repondu": [True, False], "delai_reponse_jours": [4.0, np.nan],
    ...     "date_reponse": pd.to_datetime(["2022-01-07", None])})
    >>> r = suivi_spplus({"signaux": s, "themes_spplus": pd.DataFrame()})
    >>> r["n"], r["n_repondues"], r["delai"]["mediane"]
    (2, 1, 4.0)
    """
    s = tables["signaux"]
    s = s[s["origine"] == "services_publics_plus"] if len(s) else s
    if s.empty:
        return None
    dates = pd.concat([s["date_signal"], s["date_reponse"]]).dropna()
    extraction = dates.max()
    repondu = s["repondu"].astype(bool) & s["delai_reponse_jours"].notna()
    duree = np.where(repondu, s["delai_reponse_jours"], (extraction - s["date_signal"]).dt.days.astype(float))
    bas, haut = intervalle_structure(int(s["repondu"].sum()), len(s))
    themes = tables.get("themes_spplus", pd.DataFrame())
    return {
        "n": int(len(s)),
        "debut": s["date_signal"].min(),
        "fin": s["date_signal"].max(),
        "extraction": extraction,
        "ressentis": s["polarite"].value_counts().reindex(["negatif", "neutre", "positif"], fill_value=0),
        "n_repondues": int(s["repondu"].sum()),
        "taux_reponse": float(s["repondu"].mean()),
        "taux_ic": (bas, haut),
        "delai": survie.mediane_km(duree, repondu),
        "dans_delai": survie.part_dans_delai(duree, repondu, parametres.delai_cible_jours),
        "themes": themes_spplus(themes),
    }


def themes_spplus(themes: pd.DataFrame) -> pd.DataFrame:
    """Par thème Services Publics + : déterminant du baromètre, expériences négatives, neutres, positives.

    >>> t = pd.DataFrame({"theme": ["relation", "relation"], "determinant": ["courtoisie"] * 2,
    ...     "polarite": ["negatif", "positif"]})
    >>> themes_spplus(t).query("theme == 'relation'")[["negatif", "positif"]].values.tolist()
    [[1, 1]]
    """
    colonnes = ["theme", "libelle", "determinant", "negatif", "neutre", "positif", "n"]
    if themes is None or themes.empty:
        return pd.DataFrame(columns=colonnes)
    compte = pd.crosstab(themes["theme"], themes["polarite"]).reindex(
        index=list(THEMES_SPPLUS), columns=["negatif", "neutre", "positif"], fill_value=0
    )
    t = compte.reset_index()
    t["libelle"] = t["theme"].map(lambda c: THEMES_SPPLUS[c][0])
    t["determinant"] = t["theme"].map(lambda c: THEMES_SPPLUS[c][1])
    t["n"] = t[["negatif", "neutre", "positif"]].sum(axis=1)
    return t[colonnes]


# --------------------------------------------------------------------------- lien avec l'audit


def lien_audit(tables: dict, parametres_taille_min: int = 5) -> pd.DataFrame:
    """Par déterminant : score d'audit de la structure, moyenne nationale, signaux de l'année et part de négatifs.

    La moyenne nationale n'est donnée que si elle porte sur au moins ``parametres_taille_min`` structures.

    >>> lien_audit.__name__  # voir tests/test_suivi.py
    'lien_audit'
    """
    annee, ident = tables["annee"], tables["structure_id"]
    scores = tables["scores"]
    d = scores[(scores["annee"] == annee) & (scores["niveau"] == "determinant")]
    propres = d[d["structure_id"] == ident].set_index("modalite")
    national = d.groupby("modalite").agg(national=("score", "mean"), n_structures=("structure_id", "nunique"))
    national["national"] = national["national"].where(national["n_structures"] >= parametres_taille_min)
    s = tables["signaux"]
    s = s[s["date_signal"].dt.year == annee] if len(s) else s
    lignes = []
    for det in DETERMINANTS:
        concerne = s[s["determinants"].str.split("|").map(lambda l: det in l)] if len(s) else s
        polarises = concerne["polarite"].notna().sum() if len(concerne) else 0
        negatifs = concerne["polarite"].eq("negatif").sum() if len(concerne) else 0
        lignes.append(
            {
                "determinant": det,
                "score_audit": propres["score"].get(det, np.nan),
                "ic_bas": propres["ic_bas"].get(det, np.nan),
                "ic_haut": propres["ic_haut"].get(det, np.nan),
                "score_national": national["national"].get(det, np.nan),
                "n_signaux": int(len(concerne)),
                "part_negatifs": negatifs / polarises if polarises else np.nan,
            }
        )
    return pd.DataFrame(lignes)


def historique_audit(tables: dict, taille_min: int = 5) -> pd.DataFrame:
    """Score global de la structure à chaque édition, moyenne nationale, et part annuelle de signaux négatifs.

    >>> historique_audit.__name__  # voir tests/test_suivi.py
    'historique_audit'
    """
    scores = tables["scores"]
    g = scores[scores["niveau"] == "global"]
    propres = g[g["structure_id"] == tables["structure_id"]].set_index("annee")
    national = g.groupby("annee").agg(national=("score", "mean"), n=("structure_id", "nunique"))
    s = tables["signaux"]
    annuel = pd.Series(dtype=float)
    if len(s):
        polarises = s[s["polarite"].notna()]
        annuel = polarises.groupby(polarises["date_signal"].dt.year)["polarite"].apply(
            lambda p: (p == "negatif").mean()
        )
    annees = sorted(set(propres.index) | set(int(a) for a in annuel.index))
    return pd.DataFrame(
        {
            "annee": annees,
            "score_audit": [propres["score"].get(a, np.nan) for a in annees],
            "score_national": [
                national["national"].get(a, np.nan) if national["n"].get(a, 0) >= taille_min else np.nan for a in annees
            ],
            "part_negatifs": [annuel.get(a, np.nan) for a in annees],
        }
    )


# --------------------------------------------------------------------------- téléphone


def charge_telephonique(appels: pd.DataFrame, parametres: ParametresSuivi = ParametresSuivi()) -> pd.DataFrame:
    """Par jour de semaine et heure : appels par heure (moyenne sur les jours observés), abandons,
    part décrochée dans la cible, durée moyenne de conversation, équipe observée.

    Jours observés : dates du journal ayant ce jour de semaine. Équipe observée : nombre maximal
    de postes distincts ayant répondu dans le créneau un même jour (ou ``agents_actuels``).

    >>> a = pd.DataFrame({"debut_appel": pd.to_datetime(["2022-09-05 09:10", "2022-09-05 09:40", "2022-09-12 09:05"]),
    ...     "jour_semaine": 0, "heure": 9, "attente_secondes": [5.0, 80.0, 10.0], "issue": ["repondu", "abandonne", "repondu"],
    ...     "duree_secondes": [200.0, np.nan, 100.0], "poste": ["P1", None, "P2"]})
    >>> charge_telephonique(a)[["appels_par_heure", "part_abandons", "agents_actuels"]].iloc[0].tolist()
    [1.5, 0.3333333333333333, 1.0]
    """
    a = appels.assign(
        jour=appels["debut_appel"].dt.normalize(),
        _dans_cible=(appels["issue"] == "repondu") & (appels["attente_secondes"] <= parametres.cible_attente_secondes),
        _abandon=appels["issue"] == "abandonne",
    )
    jours = a.groupby("jour_semaine")["jour"].nunique()
    g = (
        a.groupby(["jour_semaine", "heure"])
        .agg(
            n_appels=("jour", "size"),
            part_abandons=("_abandon", "mean"),
            part_dans_cible=("_dans_cible", "mean"),
            duree_moyenne_secondes=("duree_secondes", "mean"),
            attente_moyenne_secondes=("attente_secondes", "mean"),
        )
        .reset_index()
    )
    g["n_jours"] = g["jour_semaine"].map(jours).astype("int64")
    g["appels_par_heure"] = g["n_appels"] / g["n_jours"]
    g["duree_moyenne_secondes"] = g["duree_moyenne_secondes"] + parametres.traitement_apres_appel_secondes
    if parametres.agents_actuels is not None:
        g["agents_actuels"] = int(parametres.agents_actuels)
    else:
        postes = a.dropna(subset=["poste"]).groupby(["jour_semaine", "heure", "jour"])["poste"].nunique()
        equipe = postes.groupby(["jour_semaine", "heure"]).max()
        g["agents_actuels"] = [float(equipe.get((j, h), 1)) for j, h in zip(g["jour_semaine"], g["heure"])]
    return g


def dimensionnement(charge: pd.DataFrame, parametres: ParametresSuivi = ParametresSuivi()) -> pd.DataFrame:
    """Agents nécessaires par créneau (Erlang C) et renfort en agents (= heures de bénévoles par semaine).

    La durée moyenne d'un créneau sans appel répondu est celle de l'ensemble du journal.

    >>> c = pd.DataFrame({"jour_semaine": [0], "heure": [9], "appels_par_heure": [200.0],
    ...     "duree_moyenne_secondes": [180.0], "agents_actuels": [11]})
    >>> dimensionnement(c, ParametresSuivi(cible_attente_secondes=20))["renfort_agents"].tolist()
    [3]
    """
    c = charge.copy()
    c["duree_moyenne_secondes"] = c["duree_moyenne_secondes"].fillna(c["duree_moyenne_secondes"].mean())
    return erlang.dimensionner(
        c, parametres.cible_attente_secondes, parametres.objectif_niveau_service, parametres.occupation_max
    )


def renfort_benevole(dimension: pd.DataFrame) -> dict:
    """Heures de bénévoles par semaine pour combler l'écart, leur valeur en ETP et les créneaux concernés.

    Un agent de renfort sur un créneau d'une heure, chaque semaine = une heure de bénévole par semaine.

    >>> renfort_benevole(pd.DataFrame({"jour_semaine": [0, 1], "heure": [9, 9], "renfort_agents": [2, 0]}))["heures_par_semaine"]
    2.0
    """
    heures = float(dimension["renfort_agents"].sum())
    concernes = dimension[dimension["renfort_agents"] > 0]
    return {
        "heures_par_semaine": heures,
        "etp": erlang.equivalent_temps_plein(heures),
        "heures_par_an": heures * erlang.HEURES_AN_ETP / erlang.HEURES_SEMAINE_ETP,
        "creneaux": [f"{JOURS[int(j)]} {int(h)} h" for j, h in zip(concernes["jour_semaine"], concernes["heure"])],
    }


def synthese_telephone(appels: pd.DataFrame, parametres: ParametresSuivi = ParametresSuivi()) -> dict:
    """Chiffres globaux du journal : appels, période, part décrochée dans la cible, abandons, attente moyenne.

    >>> a = pd.DataFrame({"debut_appel": pd.to_datetime(["2022-09-05 09:10", "2022-09-06 10:00"]),
    ...     "attente_secondes": [5.0, 60.0], "issue": ["repondu", "abandonne"]})
    >>> synthese_telephone(a)["part_dans_cible"]
    0.5
    """
    dans_cible = (appels["issue"] == "repondu") & (appels["attente_secondes"] <= parametres.cible_attente_secondes)
    return {
        "n_appels": int(len(appels)),
        "debut": appels["debut_appel"].min(),
        "fin": appels["debut_appel"].max(),
        "n_jours": int(appels["debut_appel"].dt.normalize().nunique()),
        "part_dans_cible": float(dans_cible.mean()),
        "part_abandons": float((appels["issue"] == "abandonne").mean()),
        "attente_moyenne_secondes": float(appels["attente_secondes"].mean()),
    }


def telephone_audit(tables: dict) -> pd.DataFrame:
    """Sans journal d'appels : indicateurs téléphoniques des appels mystères (structure et ensemble des participants).

    Part d'appels décrochés en 5 sonneries au plus et nombre moyen de sonneries.

    >>> telephone_audit({"structure_id": "A", "reponses_telephone": pd.DataFrame({"structure_id": ["A", "B"],
    ...     "indicateur": "TEL_DECROCHE_5_SONNERIES", "valeur": [1.0, 0.0]})})["structure"].tolist()
    [1.0]
    """
    r = tables["reponses_telephone"]
    lignes = []
    for code, libelle in (
        ("TEL_DECROCHE_5_SONNERIES", "Appels décrochés en 5 sonneries au plus (part)"),
        ("TEL_NB_SONNERIES", "Nombre moyen de sonneries avant le décroché"),
    ):
        x = r[r["indicateur"] == code]
        if x.empty:
            continue
        propres = x[x["structure_id"] == tables["structure_id"]]["valeur"]
        par_structure = x.groupby("structure_id")["valeur"].mean()
        lignes.append(
            {
                "indicateur": libelle,
                "structure": propres.mean() if len(propres) else np.nan,
                "n_appels": int(len(propres)),
                "ensemble": par_structure.mean(),
                "n_structures": int(len(par_structure)),
            }
        )
    return pd.DataFrame(lignes, columns=["indicateur", "structure", "n_appels", "ensemble", "n_structures"])


def calculer_suivi(tables: dict, parametres: ParametresSuivi = ParametresSuivi()) -> dict:
    """Tous les résultats du tableau de bord d'une structure.

    >>> calculer_suivi.__name__  # voir tests/test_suivi.py
    'calculer_suivi'
    """
    s = tables["signaux"]
    r = {"parametres": parametres}
    if len(s):
        r["mensuel"] = indicateurs_mensuels(s)
        r["par_source"] = indicateurs_mensuels(s, "source")
        r["par_determinant"] = indicateurs_mensuels(s, "determinant")
        r["carte_p"] = carte_p(r["mensuel"], parametres)
        r["carte_ewma"] = carte_ewma(s, parametres)
        r["alertes"] = alertes(r["carte_p"], r["carte_ewma"])
        r["reclamations"] = delais_reclamations(s, parametres)
        r["reclamations_annuelles"] = delais_annuels(s, parametres)
        r["spplus"] = suivi_spplus(tables, parametres)
    r["lien_audit"] = lien_audit(tables)
    r["historique"] = historique_audit(tables)
    a = tables["appels"]
    if len(a):
        r["telephone"] = synthese_telephone(a, parametres)
        r["charge"] = charge_telephonique(a, parametres)
        r["dimensionnement"] = dimensionnement(r["charge"], parametres)
        r["renfort"] = renfort_benevole(r["dimensionnement"])
    else:
        r["telephone_audit"] = telephone_audit(tables)
    return r
