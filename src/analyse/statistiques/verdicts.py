"""Du nombre au mot : l'unique règle qui écrit les mots comparatifs des rapports.

Chaque mot comparatif imprimé (au-dessus, en dessous, en retrait, seuil atteint, quartile,
hausse, baisse, rupture, priorité) sort de l'intervalle ou du test que le tableau voisin
montre, par les fonctions de ce module. Quand la preuve n'établit pas la différence, la
phrase le dit en français simple (« écart à la moyenne nationale non établi », « entre le
2e et le 3e quartile », « stable aux erreurs d'échantillonnage près ») au lieu de lire
l'estimation ponctuelle (``shared/specs/methodologie.md``, « From numbers to words »).

Un :class:`Verdict` porte le mot (cellule de tableau), la phrase (texte courant), ``etabli``
et les chiffres qui le fondent ; les gabarits l'affichent tel quel.

Règles :

- écart à une référence : intervalle de l'écart = écart ± z·√(e₁² + e₂²) (erreurs types
  des deux estimations, indépendantes) ; établi s'il exclut 0 ;
- plusieurs comparaisons dans un même document : p-valeurs bilatérales ajustées par la
  méthode de Holm (``statsmodels``) ; établi si la p-valeur ajustée est sous 5 % — ce qui
  entraîne que l'intervalle à 95 % affiché exclut 0 (l'inverse n'est pas vrai : un écart
  dont l'intervalle exclut 0 peut rester « non établi » après ajustement, et le mot le dit) ;
- seuil : atteint si l'intervalle est entièrement au-dessus, « en dessous » s'il est
  entièrement au-dessous, sinon « non établi » ;
- quartile : affirmé si l'intervalle tient dans un seul quart, sinon « entre le ie et le je » ;
- évolution entre deux éditions : intervalle de la différence, erreurs types déduites des
  demi-largeurs (÷ z), éditions indépendantes ;
- séries (tendance, rupture) : le signe et l'intervalle de la pente ou du saut, établis
  par la p-valeur (ajustée si plusieurs séries) et l'intervalle à la fois.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from analyse.formatage import ESPACE_FINE, forme_accordee, intervalle_fr, nombre_fr

NIVEAU = 0.95
ALPHA = 1 - NIVEAU
METHODE_MULTIPLICITE = "holm"
ORDINAUX = {1: "1er", 2: "2e", 3: "3e", 4: "4e"}
PHRASE_METHODE = (
    "Chaque mot comparatif vient de l'intervalle voisin : « au-dessus » ou « en dessous » quand "
    "l'intervalle à 95 % de l'écart exclut 0, « seuil atteint » quand l'intervalle du score est tout "
    "entier au-dessus du seuil, un quartile quand l'intervalle tient dans un seul quart, une hausse ou "
    "une baisse quand l'intervalle de la différence entre deux éditions exclut 0, une priorité quand le "
    "retrait d'un déterminant important est établi (sinon « à surveiller »). Sinon le texte dit "
    "« non établi » ou « stable aux erreurs d'échantillonnage près »."
)
PHRASE_MULTIPLICITE = (
    "Les comparaisons à la moyenne nationale d'un même document sont nombreuses : pour qu'un hasard "
    "d'échantillonnage ne suffise pas à en faire paraître une, leurs p-valeurs sont ajustées par la "
    "méthode de Holm (risque de 5 % d'au moins une fausse comparaison dans le document). Un écart dont "
    "l'intervalle exclut 0 mais que l'ajustement ne retient pas reste « non établi »."
)


@dataclass(frozen=True)
class Verdict:
    """Mot (cellule de tableau), phrase (texte), établi ou non, et les chiffres qui le fondent.

    >>> v = Verdict("au-dessus", "au-dessus de la moyenne nationale", True, 3.2, 0.5, 5.9)
    >>> str(v), v.etabli
    ('au-dessus de la moyenne nationale', True)
    """

    mot: str
    phrase: str
    etabli: bool
    estimation: float = np.nan
    bas: float = np.nan
    haut: float = np.nan
    details: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.phrase

    @property
    def debut_de_phrase(self) -> str:
        """La phrase avec une majuscule initiale (le reste inchangé).

        >>> Verdict("non établi", "écart à la moyenne nationale non établi", False).debut_de_phrase
        'Écart à la moyenne nationale non établi'
        """
        return self.phrase[:1].upper() + self.phrase[1:]


def _z(niveau: float = NIVEAU) -> float:
    return float(stats.norm.ppf(0.5 + niveau / 2))


def signe_fr(x, decimales: int = 1) -> str:
    """Nombre signé à la française (« +2,5 », « -1,0 »).

    >>> signe_fr(2.46), signe_fr(-1.0), signe_fr(0.0)
    ('+2,5', '-1,0', '0,0')
    """
    texte = nombre_fr(x, decimales)
    return ("+" + texte) if float(x) > 0 and texte.strip("0,") else texte


def _points(x) -> str:
    return f"{signe_fr(x)} {_unite(x, 1)}"


# --------------------------------------------------------------------------- intervalles et tests


def erreur_type_intervalle(bas, haut, niveau: float = NIVEAU):
    """Erreur type déduite d'un intervalle : demi-largeur / z.

    >>> round(float(erreur_type_intervalle(60.0, 63.92)), 3)
    1.0
    """
    return (np.asarray(haut, dtype=float) - np.asarray(bas, dtype=float)) / (2 * _z(niveau))


def intervalle_ecart(ecart, *erreurs_types, niveau: float = NIVEAU):
    """Intervalle d'un écart entre estimations indépendantes : écart ± z·√(Σ e²).

    >>> [round(float(v), 2) for v in intervalle_ecart(3.0, 1.0, 1.0)]
    [0.23, 5.77]
    """
    demi = _z(niveau) * np.sqrt(sum(np.asarray(e, dtype=float) ** 2 for e in erreurs_types))
    ecart = np.asarray(ecart, dtype=float)
    return ecart - demi, ecart + demi


def p_bilaterale(ecart, erreur_type):
    """P-valeur bilatérale du test de Wald d'un écart nul (loi normale).

    >>> round(float(p_bilaterale(1.96, 1.0)), 3)
    0.05
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.abs(np.asarray(ecart, dtype=float)) / np.asarray(erreur_type, dtype=float)
    return 2 * stats.norm.sf(z)


def ajuster_holm(p_valeurs) -> np.ndarray:
    """P-valeurs ajustées par la méthode de Holm (valeurs manquantes laissées de côté).

    Mêmes valeurs que ``statsmodels.stats.multitest.multipletests(method="holm")``
    (``tests/test_verdicts.py``), écrites ici parce que celle-ci lance un ramasse-miettes
    complet à chaque appel (0,2 s par fiche dans un lot).

    >>> ajuster_holm([0.01, 0.04, float("nan"), 0.03]).round(2).tolist()
    [0.03, 0.06, nan, 0.06]
    """
    p = np.asarray(p_valeurs, dtype=float)
    sortie = np.full(p.shape, np.nan)
    presents = np.flatnonzero(~np.isnan(p))
    ordre = presents[np.argsort(p[presents], kind="stable")]
    m = len(ordre)
    ajustees = np.maximum.accumulate((m - np.arange(m)) * p[ordre])
    sortie[ordre] = np.minimum(ajustees, 1.0)
    return sortie


# --------------------------------------------------------------------------- écart à une référence


def verdict_ecart(
    ecart, bas, haut, reference: str = "la moyenne nationale", etabli: bool | None = None, p_ajustee=np.nan
) -> Verdict:
    """Écart à une référence lu sur son intervalle : « au-dessus », « en dessous » ou « non établi ».

    ``etabli`` (facultatif) vient d'un test ajusté pour la multiplicité ; il ne peut qu'ôter
    une affirmation, jamais en ajouter une que l'intervalle ne soutient pas.

    >>> verdict_ecart(3.2, 0.5, 5.9).phrase
    'au-dessus de la moyenne nationale (+3,2 points, IC à 95 % [0,5\\u202f; 5,9])'
    >>> verdict_ecart(-1.0, -3.5, 1.5).mot
    'non établi'
    >>> verdict_ecart(-4.0, -7.0, -1.0, etabli=False).phrase
    'écart à la moyenne nationale non établi (-4,0 points, IC à 95 % [-7,0\\u202f; -1,0], comparaisons multiples)'
    """
    if any(np.isnan(float(v)) for v in (ecart, bas, haut)):
        return Verdict("non publiée", f"comparaison à {reference} non publiée", False)
    exclut_zero = bas > 0 or haut < 0
    retenu = exclut_zero and (etabli is None or bool(etabli))
    chiffres = f"{_points(ecart)}, IC à 95 % {intervalle_fr(bas, haut)}"
    details = {"p_ajustee": float(p_ajustee)}
    if retenu:
        mot = "au-dessus" if bas > 0 else "en dessous"
        return Verdict(mot, f"{mot} de {reference} ({chiffres})", True, float(ecart), bas, haut, details)
    mot, suite = ("non établi après ajustement", ", comparaisons multiples") if exclut_zero else ("non établi", "")
    return Verdict(mot, f"écart à {reference} non établi ({chiffres}{suite})", False, float(ecart), bas, haut, details)


def verdicts_comparaisons(ecarts, erreurs_types, niveau: float = NIVEAU, reference: str = "la moyenne nationale"):
    """Comparaisons d'un même document à une référence, contrôlées pour la multiplicité (Holm).

    ``erreurs_types`` : erreur type de chaque écart (déjà combinée). Retourne une liste de
    :class:`Verdict` dans l'ordre des écarts.

    >>> [v.mot for v in verdicts_comparaisons([3.0, -5.0, 0.5], [1.0, 1.0, 1.0])]
    ['au-dessus', 'en dessous', 'non établi']
    >>> verdicts_comparaisons([2.2], [1.0])[0].etabli  # seul, l'écart est établi…
    True
    >>> sum(v.etabli for v in verdicts_comparaisons([2.2] * 19, [1.0] * 19))  # … parmi 19, non
    0
    """
    ecarts = np.asarray(ecarts, dtype=float)
    erreurs = np.asarray(erreurs_types, dtype=float)
    bas, haut = intervalle_ecart(ecarts, erreurs, niveau=niveau)
    p_ajustees = ajuster_holm(p_bilaterale(ecarts, erreurs))
    return [
        verdict_ecart(e, b, h, reference, etabli=bool(p < 1 - niveau), p_ajustee=p)
        for e, b, h, p in zip(ecarts, bas, haut, p_ajustees)
    ]


def verdict_ecart_groupes(haut_nom: str, bas_nom: str, ecart, erreur_haut, erreur_bas, n_groupes: int = 2) -> Verdict:
    """Écart entre le groupe le plus haut et le plus bas d'une figure (choisis après coup).

    Intervalle de la différence à niveau corrigé de Bonferroni sur les k(k−1)/2 paires
    possibles, car la paire extrême est choisie en regardant les données.

    >>> verdict_ecart_groupes("Téléphone", "Courrier", 23.1, 2.0, 2.0, 6).mot
    'écart établi'
    >>> verdict_ecart_groupes("A", "B", 2.0, 2.0, 2.0, 6).etabli
    False
    """
    paires = max(1, n_groupes * (n_groupes - 1) // 2)
    niveau = 1 - ALPHA / paires
    bas, haut = intervalle_ecart(ecart, erreur_haut, erreur_bas, niveau=niveau)
    bas, haut = float(bas), float(haut)
    nom_ic = "IC à 95 %" if paires == 1 else "IC à 95 % simultané"
    chiffres = f"{_points(ecart)}, {nom_ic} {intervalle_fr(bas, haut)}"
    if bas > 0:
        return Verdict("écart établi", f"{haut_nom} au-dessus de {bas_nom} ({chiffres})", True, float(ecart), bas, haut)
    return Verdict(
        "écart non établi",
        f"écart entre {haut_nom} et {bas_nom} non établi ({chiffres})",
        False,
        float(ecart),
        bas,
        haut,
    )


def titre_tete_retrait(haut_nom: str, valeur_haut: str, bas_nom: str, valeur_bas: str, verdict: Verdict) -> str:
    """Titre d'une figure qui nomme le groupe en tête et celui en retrait, seulement si l'écart
    entre eux est établi (:func:`verdict_ecart_groupes`) ; sinon l'étendue, sans mot comparatif.

    >>> v = verdict_ecart_groupes("Téléphone", "Courrier", 23.1, 2.0, 2.0, 6)
    >>> titre_tete_retrait("Téléphone", "78,2 sur 100", "Courrier", "55,1", v)[:50]
    'Téléphone en tête (78,2 sur 100), Courrier en retr'
    >>> titre_tete_retrait("A", "60 %", "B", "58", verdict_ecart_groupes("A", "B", 2.0, 2.0, 2.0, 6))[:36]
    'Écarts non établis : de 58 (B) à 60 '
    """
    chiffres = verdict.phrase[verdict.phrase.index("(") :]
    if verdict.etabli:
        return f"{haut_nom} en tête ({valeur_haut}), {bas_nom} en retrait ({valeur_bas}) : écart établi {chiffres}"
    return f"Écarts non établis : de {valeur_bas} ({bas_nom}) à {valeur_haut} ({haut_nom}) {chiffres}"


def titre_point_fort_retrait(fort: tuple[str, str] | None, faible: tuple[str, str] | None) -> str:
    """Titre des déterminants d'une fiche : le point fort et le retrait le plus marqué parmi les
    écarts établis (``verdict_ecart`` « au-dessus » / « en dessous »), chacun donné par
    (libellé, écart signé en texte).

    >>> titre_point_fort_retrait(("Courtoisie", "+6,0"), ("Attente", "-4,0"))
    'Courtoisie : point fort (+6,0 points sur la moyenne) ; Attente : le plus en retrait (-4,0 points)'
    >>> titre_point_fort_retrait(None, None)
    'Aucun écart à la moyenne nationale établi par déterminant'
    """
    morceaux = []
    if fort:
        morceaux.append(f"{fort[0]} : point fort ({fort[1]} points sur la moyenne)")
    if faible:
        morceaux.append(f"{faible[0]} : le plus en retrait ({faible[1]} points)")
    return " ; ".join(morceaux) if morceaux else "Aucun écart à la moyenne nationale établi par déterminant"


def verdict_devance(bas_premier, haut_premier, bas_second, haut_second) -> Verdict:
    """Le premier d'un classement se détache-t-il du second ? Seulement si leurs intervalles ne se
    recouvrent pas (règle prudente : les parts d'un même R² sont corrélées, l'intervalle de leur
    différence n'est pas publié).

    >>> verdict_devance(0.09, 0.11, 0.04, 0.06).phrase, verdict_devance(0.09, 0.11, 0.08, 0.10).phrase
    ('nettement devant', 'au coude-à-coude avec')
    """
    if bas_premier > haut_second:
        return Verdict("devant", "nettement devant", True, np.nan, bas_premier, haut_second)
    return Verdict("coude-à-coude", "au coude-à-coude avec", False, np.nan, bas_premier, haut_second)


def verdict_association(coefficient, bas, haut) -> Verdict:
    """Signe d'une association (coefficient de régression) lu sur son intervalle.

    >>> verdict_association(0.2, 0.1, 0.3).mot, verdict_association(0.1, -0.1, 0.3).mot
    ('positive', 'non établie')
    """
    if bas > 0 or haut < 0:
        mot = "positive" if bas > 0 else "négative"
        return Verdict(mot, f"association {mot}", True, float(coefficient), bas, haut)
    return Verdict("non établie", "association non établie", False, float(coefficient), bas, haut)


def verdict_rang(rang: int, rang_bas: int, rang_haut: int, ex_aequo: bool) -> Verdict:
    """Rang d'un lauréat du palmarès lu sur son intervalle de rang : « ex aequo » quand les
    intervalles de rang de lauréats voisins se recouvrent (``statistiques.palmares``).

    >>> verdict_rang(1, 1, 2, True).mot, verdict_rang(1, 1, 1, False).mot
    ('1er ex aequo', '1er')
    """
    ordinal = "1er" if rang == 1 else f"{rang}e"
    etendue = ordinal if rang_bas == rang_haut else f"{_ordinal(rang_bas)} à {_ordinal(rang_haut)}"
    mot = f"{ordinal} ex aequo" if ex_aequo else ordinal
    return Verdict(mot, f"{mot} (rang à 95 % : {etendue})", not ex_aequo, float(rang), rang_bas, rang_haut)


def _ordinal(rang: int) -> str:
    return "1er" if int(rang) == 1 else f"{int(rang)}e"


def verdict_carte_controle(mois_alerte: str | None, grandeur: str, limite: str = "sa limite basse") -> Verdict:
    """Lecture d'une carte de contrôle : le signal vient du franchissement de la limite tracée.

    >>> verdict_carte_controle("mars 2022", "La note moyenne lissée").phrase
    'La note moyenne lissée passe sous sa limite basse en mars 2022'
    >>> verdict_carte_controle(None, "La note moyenne lissée").phrase
    'La note moyenne lissée reste au-dessus de sa limite basse : aucun signal'
    """
    if mois_alerte:
        return Verdict("signal", f"{grandeur} passe sous {limite} en {mois_alerte}", True)
    return Verdict("aucun signal", f"{grandeur} reste au-dessus de {limite} : aucun signal", False)


def phrase_alertes_cartes(n_mois: int, premier: str | None, dernier: str | None, evaluees: bool = True) -> str:
    """Synthèse des cartes de contrôle : une dégradation n'est dite que si une limite est franchie.

    >>> phrase_alertes_cartes(0, None, None)
    'Aucune alerte des cartes de contrôle : aucune limite franchie, pas de dégradation établie.'
    >>> phrase_alertes_cartes(2, "juin 2022", "juillet 2022")
    'Alerte : dégradation signalée dès juin 2022, limite de contrôle franchie (2 mois signalés, dernier : juillet 2022).'
    """
    if not evaluees:
        return "Trop peu de signaux par mois pour les cartes de contrôle : aucune dégradation ne peut être détectée."
    if not n_mois:
        return "Aucune alerte des cartes de contrôle : aucune limite franchie, pas de dégradation établie."
    return (
        f"Alerte : dégradation signalée dès {premier}, limite de contrôle franchie "
        f"({n_mois} mois signalés, dernier : {dernier})."
    )


# --------------------------------------------------------------------------- seuil et quartile


def verdict_seuil(score, bas, haut, seuil: float) -> Verdict:
    """Seuil de performance lu sur l'intervalle du score.

    >>> verdict_seuil(80.0, 76.0, 84.0, 75).mot
    'seuil atteint'
    >>> verdict_seuil(76.0, 72.0, 80.0, 75).phrase
    'atteinte du seuil de 75 points non établie (75 est dans l’intervalle [72,0\\u202f; 80,0])'
    >>> verdict_seuil(60.0, 55.0, 65.0, 75).mot
    'en dessous du seuil'
    """
    texte_seuil = nombre_fr(seuil, 0)
    if bas > seuil:
        return Verdict("seuil atteint", f"seuil de {texte_seuil} points atteint", True, float(score), bas, haut)
    if haut < seuil:
        return Verdict(
            "en dessous du seuil", f"en dessous du seuil de {texte_seuil} points", True, float(score), bas, haut
        )
    return Verdict(
        "seuil non établi",
        f"atteinte du seuil de {texte_seuil} points non établie "
        f"({texte_seuil} est dans l’intervalle {intervalle_fr(bas, haut)})",
        False,
        float(score),
        bas,
        haut,
    )


def quart(valeur, bornes) -> int:
    """Quart (1 à 4) d'une valeur selon les bornes (q1, médiane, q3).

    >>> quart(70.0, (60.0, 65.0, 72.0)), quart(60.0, (60.0, 65.0, 72.0))
    (3, 2)
    """
    return 1 + sum(int(valeur >= b) for b in bornes)


def verdict_quartile(score, bas, haut, bornes) -> Verdict:
    """Position parmi les structures lue sur l'intervalle : un quart affirmé seulement si
    l'intervalle ne contient aucune borne de quartile.

    >>> verdict_quartile(70.0, 68.0, 71.0, (60.0, 65.0, 72.0)).phrase
    'dans le 3e quart des structures participantes'
    >>> verdict_quartile(70.0, 63.0, 76.0, (60.0, 65.0, 72.0)).phrase
    'entre le 2e et le 4e quartile'
    """
    q_bas, q_haut = quart(bas, bornes), quart(haut, bornes)
    if q_bas == q_haut:
        mot = f"{ORDINAUX[q_bas]} quart"
        return Verdict(mot, f"dans le {mot} des structures participantes", True, float(score), bas, haut)
    mot = f"entre le {ORDINAUX[q_bas]} et le {ORDINAUX[q_haut]} quartile"
    return Verdict(mot, mot, False, float(score), bas, haut)


# --------------------------------------------------------------------------- évolution entre éditions


def verdict_evolution(score, bas, haut, score_precedent, bas_precedent, haut_precedent, niveau: float = NIVEAU):
    """Évolution entre deux éditions : intervalle de la différence (éditions indépendantes,
    erreurs types déduites des demi-largeurs) et le mot qui en découle.

    >>> verdict_evolution(75.0, 72.0, 78.0, 68.0, 65.0, 71.0).phrase
    'hausse de +7,0 points (IC à 95 % [2,8\\u202f; 11,2])'
    >>> verdict_evolution(70.0, 66.0, 74.0, 68.0, 64.0, 72.0).mot
    'stable'
    """
    ecart = float(score) - float(score_precedent)
    bas_d, haut_d = intervalle_ecart(
        ecart, erreur_type_intervalle(bas, haut, niveau), erreur_type_intervalle(bas_precedent, haut_precedent, niveau)
    )
    bas_d, haut_d = float(bas_d), float(haut_d)
    intervalle = f"IC à 95 % {intervalle_fr(bas_d, haut_d)}"
    if bas_d > 0 or haut_d < 0:
        mot = "hausse" if bas_d > 0 else "baisse"
        return Verdict(mot, f"{mot} de {_points(ecart)} ({intervalle})", True, ecart, bas_d, haut_d)
    return Verdict(
        "stable",
        f"stable aux erreurs d'échantillonnage près ({_points(ecart)}, {intervalle})",
        False,
        ecart,
        bas_d,
        haut_d,
    )


# --------------------------------------------------------------------------- priorités


def verdict_priorite(important: bool, ecart: Verdict, reference: str = "la moyenne nationale") -> Verdict:
    """Lecture d'un déterminant de la matrice importance–performance, établie ou non.

    La logique d'aide à la décision (importance × écart) choisit les déterminants à
    regarder ; le mot dit si leur écart à la moyenne nationale est établi : « priorité »
    (important, retrait établi), « à surveiller » (important, retrait non établi),
    « atout à préserver », « second plan », « acquis », « écart non établi ».

    >>> verdict_priorite(True, verdict_ecart(-4.0, -7.0, -1.0)).mot
    'priorité'
    >>> verdict_priorite(True, verdict_ecart(-0.5, -3.0, 2.0)).phrase
    'déterminant important, retrait sur la moyenne nationale non établi'
    >>> verdict_priorite(False, verdict_ecart(6.0, 3.0, 9.0)).mot
    'acquis'
    """
    qui = "déterminant important" if important else "déterminant moins lié à la satisfaction"
    chiffres = (ecart.estimation, ecart.bas, ecart.haut)
    if ecart.mot == "en dessous":
        mot = "priorité" if important else "second plan"
        return Verdict(mot, f"{qui}, en retrait établi sur {reference}", True, *chiffres)
    if ecart.mot == "au-dessus":
        mot = "atout à préserver" if important else "acquis"
        return Verdict(mot, f"{qui}, au-dessus de {reference}", True, *chiffres)
    if important and ecart.estimation < 0:
        return Verdict("à surveiller", f"{qui}, retrait sur {reference} non établi", False, *chiffres)
    return Verdict("écart non établi", f"{qui}, écart à {reference} non établi", False, *chiffres)


def _enumerer(mots: list[str]) -> str:
    mots = list(mots)
    return mots[0] if len(mots) == 1 else f"{', '.join(mots[:-1])} et {mots[-1]}"


def phrase_priorites(priorites: list[str], a_surveiller: list[str], reference: str = "la moyenne nationale") -> str:
    """Titre d'une matrice importance–performance, à partir des seuls mots de :func:`verdict_priorite`.

    >>> phrase_priorites(["temps d'attente"], [])
    "Priorité nationale : temps d'attente, important et en retrait établi sur la moyenne nationale"
    >>> phrase_priorites([], ["courtoisie", "transfert"])
    'Aucune priorité nationale établie ; à surveiller : courtoisie et transfert (retrait non établi)'
    """
    if priorites:
        accord = forme_accordee(len(priorites), "important")
        return f"Priorité nationale : {_enumerer(priorites)}, {accord} et en retrait établi sur {reference}"
    if a_surveiller:
        return f"Aucune priorité nationale établie ; à surveiller : {_enumerer(a_surveiller)} (retrait non établi)"
    return f"Aucun déterminant important en retrait établi sur {reference}"


# --------------------------------------------------------------------------- Séries (tendance, rupture)

RESERVE_SERIES = "aux erreurs d’échantillonnage et aux aléas d’édition près"


def intervalle_signe(bas, haut, decimales: int = 1) -> str:
    """Intervalle d'un écart, bornes signées.

    >>> intervalle_signe(-0.72, 0.31)
    '[-0,7\\u202f; +0,3]'
    """
    return f"[{signe_fr(bas, decimales)}{ESPACE_FINE}; {signe_fr(haut, decimales)}]"


def _unite(x, decimales: int, unite: str = "point") -> str:
    """Unité accordée au nombre tel qu'il est écrit (« 1,96 » écrit « 2,0 » prend le pluriel)."""
    return forme_accordee(round(float(x), decimales), unite)


def chiffres_ecart(ecart, bas, haut, decimales: int = 1) -> str:
    """Écart signé, unité et intervalle, sans verdict.

    >>> chiffres_ecart(-1.1, -2.8, 0.7)
    '-1,1 point [-2,8\\u202f; +0,7]'
    """
    return f"{signe_fr(ecart, decimales)} {_unite(ecart, decimales)} {intervalle_signe(bas, haut, decimales)}"


def _manque(*valeurs) -> bool:
    return any(v is None or np.isnan(float(v)) for v in valeurs)


def verdict_difference(
    ecart,
    bas,
    haut,
    decimales: int = 1,
    verbes: tuple[str, str] = ("progresse", "recule"),
    non_etabli: str = "évolution non établie",
) -> Verdict:
    """Différence dont l'intervalle est connu (évolution d'une série, effet de composition) :
    le verbe de hausse ou de baisse seulement si l'intervalle exclut 0.

    >>> verdict_difference(-1.5, -2.3, -0.7).phrase
    'recule de 1,5 point [-2,3\\u202f; -0,7]'
    >>> verdict_difference(1.5, 0.7, 2.3).mot, verdict_difference(1.5, -0.2, 3.2).phrase
    ('hausse', 'évolution non établie (+1,5 point [-0,2\\u202f; +3,2])')
    """
    if _manque(ecart, bas, haut):
        return Verdict("non calculable", "évolution non calculable", False)
    chiffres = intervalle_signe(bas, haut, decimales)
    if bas > 0 or haut < 0:
        mot, verbe = ("hausse", verbes[0]) if bas > 0 else ("baisse", verbes[1])
        phrase = f"{verbe} de {nombre_fr(abs(ecart), decimales)} {_unite(ecart, decimales)} {chiffres}"
        return Verdict(mot, phrase, True, float(ecart), bas, haut)
    return Verdict(
        "stable", f"{non_etabli} ({chiffres_ecart(ecart, bas, haut, decimales)})", False, float(ecart), bas, haut
    )


def verdict_tendance(
    pente,
    bas,
    haut,
    p_ajustee=np.nan,
    unite: str = "point",
    par: str = "par édition",
    decimales: int = 1,
    reserve: str = "aux erreurs d'échantillonnage près",
) -> Verdict:
    """Tendance d'une série : signe et intervalle de la pente ; établie si l'intervalle exclut 0
    et que la p-valeur (ajustée si plusieurs séries) est sous 5 %.

    >>> verdict_tendance(1.5, 0.3, 2.7, 0.01).phrase
    'hausse de +1,5 point par édition [+0,3\\u202f; +2,7]'
    >>> verdict_tendance(-1.5, -2.7, -0.3, 0.01).phrase
    'baisse de -1,5 point par édition [-2,7\\u202f; -0,3]'
    >>> verdict_tendance(1.5, 0.3, 2.7, 0.2).phrase
    "pas de tendance établie, stable aux erreurs d'échantillonnage près (+1,5 point par édition [+0,3\\u202f; +2,7])"
    >>> verdict_tendance(float("nan"), float("nan"), float("nan")).mot
    '–'
    """
    if _manque(pente, bas, haut):
        return Verdict("–", "trop peu d’éditions pour établir une tendance", False)
    texte_unite = _unite(pente, decimales, unite)
    chiffres = f"{signe_fr(pente, decimales)} {texte_unite} {par} {intervalle_signe(bas, haut, decimales)}"
    p_ok = np.isnan(float(p_ajustee)) or float(p_ajustee) < ALPHA
    details = {"p_ajustee": float(p_ajustee), "chiffres": chiffres}
    if (bas > 0 or haut < 0) and p_ok:
        mot = "hausse" if bas > 0 else "baisse"
        return Verdict(mot, f"{mot} de {chiffres}", True, float(pente), bas, haut, details)
    phrase = f"pas de tendance établie, stable {reserve} ({chiffres})"
    return Verdict("stable", phrase, False, float(pente), bas, haut, details)


def sens_tendance(p_valeur, signe, niveau: float = NIVEAU) -> str:
    """Colonne ``sens`` des tests de tendance (``tests_tendance_rupture.csv``) : hausse ou baisse
    si la p-valeur (ajustée) est sous 1 − niveau, selon le signe de la pente.

    >>> sens_tendance(0.01, -0.4), sens_tendance(0.3, 0.4), sens_tendance(float("nan"), 1.0)
    ('baisse', 'pas de tendance nette', "trop peu d'éditions")
    """
    if np.isnan(float(p_valeur)):
        return "trop peu d'éditions"
    if float(p_valeur) >= 1 - niveau:
        return "pas de tendance nette"
    return "hausse" if signe > 0 else "baisse"


def resume_tendances(mots, noms=None, reserve: str = RESERVE_SERIES) -> str:
    """Résumé des tendances de plusieurs séries (mots de :func:`verdict_tendance`) : baisses et
    hausses établies, nommées si ``noms`` est donné, sinon dénombrées ; les séries sans test
    (« – ») ne sont comptées ni stables ni en tendance.

    >>> resume_tendances(["baisse", "stable", "–"])
    'baisse établie pour 1, hausse pour 0 ; 1 avec trop peu d’éditions pour un test'
    >>> resume_tendances(["baisse", "stable"], ["Accueil", "Courrier"])
    'baisse établie pour accueil, aucune hausse établie ; les autres sont stables aux erreurs d’échantillonnage et aux aléas d’édition près'
    >>> resume_tendances(["stable"], ["Accueil"])
    'aucune tendance établie, stables aux erreurs d’échantillonnage et aux aléas d’édition près'
    """
    mots = list(mots)
    noms = list(noms) if noms is not None else None
    trop_peu = sum(m == "–" for m in mots)
    reste = f" ; {trop_peu} avec trop peu d’éditions pour un test" if trop_peu else ""
    par_mot = {s: [i for i, m in enumerate(mots) if m == s] for s in ("baisse", "hausse")}
    if not par_mot["baisse"] and not par_mot["hausse"]:
        return f"aucune tendance établie, stables {reserve}{reste}"
    if noms is None:
        return f"baisse établie pour {len(par_mot['baisse'])}, hausse pour {len(par_mot['hausse'])}{reste}"
    parties = [
        f"{s} établie pour " + ", ".join(noms[i].lower() for i in par_mot[s]) if par_mot[s] else f"aucune {s} établie"
        for s in ("baisse", "hausse")
    ]
    autres = len(mots) - trop_peu > len(par_mot["baisse"]) + len(par_mot["hausse"])
    return ", ".join(parties) + (f" ; les autres sont stables {reserve}" if autres else "") + reste


def verdict_rupture(
    retenue: bool,
    edition,
    saut=np.nan,
    bas=np.nan,
    haut=np.nan,
    p_ajustee=np.nan,
    unite: str = "points",
    edition_precedente=None,
) -> Verdict:
    """Rupture d'une série (changement de niveau au-delà de la tendance, situé conjointement
    avec elle) : établie si le test la retient et que la p-valeur ajustée est sous 5 %.

    >>> verdict_rupture(True, 2018, 5.0, 2.1, 7.9, 0.01).phrase
    'rupture établie en 2018 : +5,0 points au-delà de la tendance [+2,1\\u202f; +7,9] (p ajustée = 0,010)'
    >>> verdict_rupture(True, 2020, -4.2, p_ajustee=0.01, edition_precedente=2018).mot
    'rupture établie'
    >>> verdict_rupture(False, None).phrase
    'pas de rupture testable (trop peu d’éditions)'
    >>> verdict_rupture(False, 2020, -3.4, p_ajustee=0.4, edition_precedente=2018).phrase[:44]
    'pas de rupture établie ; le changement de ni'
    """
    if edition is None or _manque(edition, saut):
        return Verdict("–", "pas de rupture testable (trop peu d’éditions)", False)
    quand = f"en {int(edition)}" if edition_precedente is None else f"entre {int(edition_precedente)} et {int(edition)}"
    intervalle = "" if _manque(bas, haut) else f" {intervalle_signe(bas, haut)}"
    chiffres = f"{signe_fr(saut)} {_unite(saut, 1, unite.rstrip('s'))} au-delà de la tendance{intervalle}"
    p = "" if _manque(p_ajustee) else f" (p ajustée = {nombre_fr(p_ajustee, 3)})"
    details = {"edition": edition, "sens": "hausse" if saut > 0 else "baisse", "p_ajustee": float(p_ajustee)}
    if retenue and (_manque(p_ajustee) or float(p_ajustee) < ALPHA):
        return Verdict(
            "rupture établie", f"rupture établie {quand} : {chiffres}{p}", True, float(saut), bas, haut, details
        )
    phrase = (
        f"pas de rupture établie ; le changement de niveau le plus marqué, {quand} ({chiffres}), reste "
        f"compatible avec une tendance régulière et la variation d’une édition à l’autre{p}"
    )
    return Verdict("rupture non établie", phrase, False, float(saut), bas, haut, details)


def verdict_rupture_court(retenue: bool, edition) -> str:
    """Cellule de tableau d'une rupture : édition et « établie » ou « non établie ».

    >>> verdict_rupture_court(False, 2020.0), verdict_rupture_court(True, float("nan"))
    ('2020 (non établie)', '–')
    """
    if _manque(edition):
        return "–"
    return f"{int(edition)} ({'établie' if retenue else 'non établie'})"


# --------------------------------------------------------------------------- cible


def verdict_cible(bas, haut, cible, grandeur: str = "délai médian", unite: str = "jours") -> Verdict:
    """Position par rapport à une cible lue sur l'intervalle : au-dessus ou en dessous seulement
    si tout l'intervalle l'est (une borne infinie reste « non établi » vers le haut).

    >>> verdict_cible(20.0, 40.0, 15).mot, verdict_cible(3.0, float("inf"), 15).mot, verdict_cible(2.0, 9.0, 15).mot
    ('au-dessus', 'non établi', 'en dessous')
    """
    if _manque(bas) or np.isnan(float(haut)):
        return Verdict("non établi", f"position du {grandeur} par rapport à la cible non calculable", False)
    if bas > cible:
        return Verdict("au-dessus", f"{grandeur} au-dessus de la cible de {cible} {unite}", True, np.nan, bas, haut)
    if haut < cible:
        return Verdict("en dessous", f"{grandeur} en dessous de la cible de {cible} {unite}", True, np.nan, bas, haut)
    return Verdict("non établi", f"position du {grandeur} par rapport à la cible non établie", False, np.nan, bas, haut)


def resume_cible_mensuelle(verdicts, cible, grandeur: str = "Délai médian", unite: str = "jours") -> str:
    """Titre qui dénombre les mois au-dessus et en dessous d'une cible (mots de :func:`verdict_cible`).

    >>> resume_cible_mensuelle([verdict_cible(20, 40, 15), verdict_cible(3, np.inf, 15), verdict_cible(2, 9, 15)], 15)
    'Délai médian nettement au-dessus de la cible de 15 jours pendant 1 mois sur 3, en dessous pendant 1'
    """
    mots = [v.mot for v in verdicts]
    dessus, dessous = mots.count("au-dessus"), mots.count("en dessous")
    if not dessus:
        return (
            f"Aucun mois où le {grandeur.lower()} dépasse nettement la cible de {cible} {unite} "
            f"(en dessous, intervalle compris : {dessous} mois sur {len(mots)})"
        )
    return (
        f"{grandeur} nettement au-dessus de la cible de {cible} {unite} pendant {dessus} mois sur {len(mots)}, "
        f"en dessous pendant {dessous}"
    )
