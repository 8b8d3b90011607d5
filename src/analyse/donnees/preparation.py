"""Préparation d'une édition : lecture, validation, notation, écriture Parquet.

Une faute de fichier (fichier ou colonne absents, fichier illisible, code inconnu
dans la grille) arrête tout avec un message en français et rien n'est écrit.
Une faute de ligne envoie la ligne dans ``rejets`` avec son motif ; le traitement
continue. Pour chaque fichier : lignes lues = lignes acceptées + lignes rejetées.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import hmac
import os

import numpy as np
import pandas as pd

from analyse.config import PARAMETRES, Parametres, cle_en_usage, cle_pseudonymisation, dossier_raw
from analyse.donnees.codes import (
    CANAUX,
    CERTIFICATIONS,
    COLONNES_GRILLE,
    DETERMINANTS,
    ETAPES,
    SCENARIOS,
    TYPES_REPONSE,
    TYPES_STRUCTURE,
    classe_population,
)
from analyse.donnees.confidentialite import masquer_codes_serie
from analyse.donnees.lecture import (
    ErreurDonnees,
    TableBrute,
    convertir_dates,
    convertir_entiers,
    convertir_nombres,
    lire_table,
)
from analyse.donnees.notation import lire_bareme, points_reponses, scores_contacts, scores_structures

COLONNES_FIXES_AUDITS = ("id_contact", "structure_id", "canal", "scenario", "date_contact", "vague", "enqueteur")
# Textes libres où les codes d'enquêteurs de l'édition (tout format) sont masqués dès la préparation.
TEXTES_LIBRES = {"textes_audit": "texte", "enquete": "commentaire", "avis": "texte", "signaux": "texte"}


@dataclasses.dataclass
class Bilan:
    """Comptes d'un fichier : lues = acceptées + rejetées."""

    fichier: str
    lues: int
    acceptees: int
    rejetees: int

    def __post_init__(self):
        if self.lues != self.acceptees + self.rejetees:
            raise AssertionError(f"{self.fichier} : lignes perdues ({self.lues} ≠ {self.acceptees} + {self.rejetees})")


@dataclasses.dataclass
class Edition:
    """Tables préparées d'une édition et bilans de lecture par fichier."""

    annee: int
    tables: dict
    bilans: list
    fichiers: dict = dataclasses.field(default_factory=dict)  # table préparée -> fichier brut d'origine
    avertissements: list = dataclasses.field(default_factory=list)


class Rejets:
    """Collecte des lignes rejetées d'un fichier : un motif par ligne (le premier trouvé)."""

    def __init__(self, table: TableBrute, annee: int):
        self.table = table  # rendu par « liberer » une fois les contrôles faits
        self.fichier = table.fichier
        self.annee = annee
        self.rejetee = np.zeros(len(table), dtype=bool)
        self.lignes = []

    def ajouter(self, masque, colonne: str, motif, valeurs=None) -> None:
        """Rejette les lignes du masque qui ne l'étaient pas encore (``motif`` : texte, ou un par ligne)."""
        nouveaux = np.asarray(masque, dtype=bool) & ~self.rejetee
        if not nouveaux.any():
            return
        positions = np.flatnonzero(nouveaux)
        if not isinstance(motif, str):  # un motif par ligne du fichier
            motif = np.asarray(motif, dtype=object)[positions]
        source = self.table.donnees[colonne] if valeurs is None and colonne in self.table.donnees else valeurs
        texte = None if source is None else pd.Series(source).iloc[positions].astype(object)
        self.lignes.append(
            pd.DataFrame(
                {
                    "annee": np.int64(self.annee),
                    "fichier": self.table.fichier,
                    "ligne": self.table.lignes[positions],
                    "colonne": self.table.entete(colonne),
                    "motif": motif,
                    "valeur": None if texte is None else texte.where(texte.notna(), None).to_numpy(),
                }
            )
        )
        self.rejetee |= nouveaux

    @property
    def acceptees(self) -> np.ndarray:
        return ~self.rejetee

    def table_rejets(self) -> pd.DataFrame:
        if not self.lignes:
            return _rejets_vides()
        return pd.concat(self.lignes, ignore_index=True)

    def bilan(self) -> Bilan:
        return Bilan(self.fichier, len(self.rejetee), int(self.acceptees.sum()), int(self.rejetee.sum()))

    def liberer(self) -> Rejets:
        """Oublie le fichier brut (mémoire) : seuls les rejets et les comptes restent."""
        self.table = None
        return self


def _rejets_vides() -> pd.DataFrame:
    return pd.DataFrame(
        {
            c: pd.Series(dtype=t)
            for c, t in (
                ("annee", "int64"),
                ("fichier", str),
                ("ligne", "int64"),
                ("colonne", str),
                ("motif", str),
                ("valeur", object),
            )
        }
    )


def colonne_ou_vide(table: TableBrute, nom: str) -> pd.Series:
    """Colonne d'une table brute, ou colonne vide si elle est facultative et absente."""
    if nom in table.donnees.columns:
        return table.donnees[nom]
    return pd.Series(np.nan, index=table.donnees.index, dtype="str")


def _erreur_code(table: TableBrute, colonne: str, autorises, obligatoire=True) -> None:
    """Faute de fichier à la première valeur hors des codes autorisés."""
    serie = table.donnees[colonne]
    fautes = serie.notna() & ~serie.isin(autorises)
    if obligatoire:
        fautes |= serie.isna()
    if fautes.any():
        i = int(np.flatnonzero(fautes.to_numpy())[0])
        valeur = serie.iloc[i]
        trouve = "valeur absente" if pd.isna(valeur) else f"code inconnu « {valeur} »"
        raise ErreurDonnees(
            table.fichier,
            f"{trouve} (attendu : {', '.join(autorises)})",
            ligne=int(table.lignes[i]),
            colonne=table.entete(colonne),
        )


def _premiere_occurrence(serie: pd.Series, lignes: np.ndarray) -> pd.Series:
    """Ligne du fichier de la première occurrence de chaque valeur."""
    premieres = pd.Series(lignes, index=serie.index).groupby(serie.to_numpy(), sort=False).transform("first")
    return premieres


def rejeter_doublons(rejets: Rejets, colonne: str, quoi: str) -> None:
    table = rejets.table
    serie = table.donnees[colonne]
    rejets.ajouter(serie.isna().to_numpy(), colonne, f"{quoi} manquant")
    doublons = (serie.notna() & serie.duplicated(keep="first")).to_numpy()
    if doublons.any():
        premieres = _premiere_occurrence(serie.fillna(""), table.lignes)
        for ligne in np.unique(premieres[doublons]):
            rejets.ajouter(
                doublons & (premieres.to_numpy() == ligne),
                colonne,
                f"{quoi} en double (première occurrence ligne {ligne})",
            )


MOTIF_DATE = "date invalide (attendu JJ/MM/AAAA ou AAAA-MM-JJ)"


MOTIF_STRUCTURE_REJETEE = "structure rejetée"


class StructuresConnues(set):
    """Identifiants des participants acceptés ; ``rejetees`` : identifiant d'un participant
    rejeté -> où et pourquoi (« raw/2022/participants.csv ligne 4 : population invalide… »)."""

    def __init__(self, acceptees=(), rejetees=None):
        super().__init__(acceptees)
        self.rejetees = dict(rejetees or {})


def rejeter_structures_inconnues(rejets: Rejets, connues) -> None:
    """Rejette les lignes dont la structure n'est pas un participant accepté ; si le participant
    a été rejeté, le motif renvoie à sa ligne de participants et à son motif."""
    serie = rejets.table.donnees["structure_id"]
    raisons = serie.map(getattr(connues, "rejetees", {}))
    rejetees = raisons.notna().to_numpy()
    if rejetees.any():
        motifs = (MOTIF_STRUCTURE_REJETEE + " (" + raisons.fillna("") + ")").to_numpy()
        rejets.ajouter(rejetees, "structure_id", motifs)
    rejets.ajouter(
        ~serie.isin(connues).to_numpy(), "structure_id", "structure inconnue (absente des participants acceptés)"
    )


def structures_connues(participants: pd.DataFrame, rejets: Rejets) -> StructuresConnues:
    """Participants acceptés, et pour chaque identifiant seulement rejeté la ligne et le motif du rejet."""
    acceptees = set(participants["structure_id"])
    table = rejets.table_rejets()
    ids = rejets.table.donnees["structure_id"].to_numpy()[rejets.rejetee]
    lignes = rejets.table.lignes[rejets.rejetee]
    motifs = dict(zip(table["ligne"], table["motif"]))
    rejetees = {}
    for sid, ligne in zip(ids, lignes):
        if isinstance(sid, str) and sid not in acceptees and sid not in rejetees:
            rejetees[sid] = f"{rejets.fichier} ligne {ligne} : {motifs.get(ligne, 'rejetée')}"
    return StructuresConnues(acceptees, rejetees)


def lire_dates(rejets: Rejets, colonne: str, obligatoire: bool = True) -> pd.Series:
    """Dates d'une colonne ; les lignes à date invalide (ou absente si obligatoire) sont rejetées."""
    serie = colonne_ou_vide(rejets.table, colonne)
    dates, invalides = convertir_dates(serie)
    if obligatoire:
        invalides |= serie.isna()
    rejets.ajouter(invalides.to_numpy(), colonne, MOTIF_DATE, serie)
    return dates


def rejeter_hors_periode(rejets: Rejets, colonne: str, dates: pd.Series, periode) -> None:
    """Rejette les lignes datées hors de ``periode`` (début, fin)."""
    debut, fin = periode
    hors = dates.notna() & ((dates < debut) | (dates > fin))
    rejets.ajouter(hors.to_numpy(), colonne, f"date hors de la période du fichier ({debut:%d/%m/%Y} – {fin:%d/%m/%Y})")


# --- editions.csv ---------------------------------------------------------------------


def lire_editions(donnees) -> pd.DataFrame:
    """Table des éditions (``raw/editions.csv``) ; toute faute y est bloquante."""
    table = lire_table(dossier_raw(donnees) / "editions.csv", "raw/editions.csv")
    table.exiger_colonnes(("annee", "numero", "debut_terrain", "fin_terrain", "libelle"))
    d = table.donnees
    annee, annee_ko = convertir_entiers(d["annee"], 1990, 2100)
    numero, numero_ko = convertir_entiers(d["numero"], 1)
    debut, debut_ko = convertir_dates(d["debut_terrain"])
    fin, fin_ko = convertir_dates(d["fin_terrain"])
    for colonne, fautes, attendu in (
        ("annee", annee_ko | d["annee"].isna(), "une année (entier)"),
        ("numero", numero_ko | d["numero"].isna(), "un numéro d'édition (entier ≥ 1)"),
        ("debut_terrain", debut_ko, "une date JJ/MM/AAAA ou AAAA-MM-JJ"),
        ("fin_terrain", fin_ko, "une date JJ/MM/AAAA ou AAAA-MM-JJ"),
    ):
        _erreur_si(table, fautes, colonne, f"valeur invalide (attendu {attendu})")
    _erreur_si(table, annee.duplicated(keep="first").to_numpy(), "annee", "année en double")
    return pd.DataFrame(
        {
            "annee": annee.astype("int64"),
            "numero": numero.astype("int64"),
            "debut_terrain": debut,
            "fin_terrain": fin,
            "libelle": d["libelle"].astype(object).where(d["libelle"].notna(), None),
        }
    ).sort_values("annee", ignore_index=True)


def _erreur_si(table: TableBrute, fautes, colonne: str, message: str) -> None:
    fautes = np.asarray(fautes, dtype=bool)
    if fautes.any():
        i = int(np.flatnonzero(fautes)[0])
        valeur = table.donnees[colonne].iloc[i]
        trouve = "" if pd.isna(valeur) else f" : « {valeur} »"
        raise ErreurDonnees(table.fichier, message + trouve, ligne=int(table.lignes[i]), colonne=table.entete(colonne))


def annees_disponibles(donnees) -> list[int]:
    """Années listées dans ``editions.csv`` dont le dossier existe dans ``raw/``."""
    editions = lire_editions(donnees)
    return [int(a) for a in editions["annee"] if (dossier_raw(donnees) / str(a)).is_dir()]


# --- participants.csv -----------------------------------------------------------------


def preparer_participants(table: TableBrute, annee: int) -> tuple[pd.DataFrame, Rejets]:
    """Participants acceptés d'une édition et rejets (doublon, code invalide…)."""
    table.exiger_colonnes(("structure_id", "nom", "type_structure"))
    d = table.donnees
    rejets = Rejets(table, annee)
    rejeter_doublons(rejets, "structure_id", "identifiant de structure")
    rejets.ajouter(d["nom"].isna().to_numpy(), "nom", "nom de structure manquant")
    type_ko = (d["type_structure"].isna() | ~d["type_structure"].isin(TYPES_STRUCTURE)).to_numpy()
    rejets.ajouter(type_ko, "type_structure", f"type de structure invalide (attendu : {', '.join(TYPES_STRUCTURE)})")
    population, population_ko = convertir_entiers(colonne_ou_vide(table, "population"), 0)
    rejets.ajouter(
        population_ko.to_numpy(),
        "population",
        "population invalide (entier positif attendu)",
        colonne_ou_vide(table, "population"),
    )
    certifications, certif_ko = _lire_certifications(colonne_ou_vide(table, "certifications"))
    rejets.ajouter(
        certif_ko,
        "certifications",
        f"certification inconnue (attendu parmi : {', '.join(CERTIFICATIONS)}, séparées par |)",
        colonne_ou_vide(table, "certifications"),
    )
    garde = rejets.acceptees
    participants = (
        pd.DataFrame(
            {
                "annee": np.int64(annee),
                "structure_id": d["structure_id"],
                "nom": d["nom"],
                "type_structure": d["type_structure"],
                "sous_type": texte_ou_none(colonne_ou_vide(table, "sous_type")),
                "population": population,
                "code_geo": texte_ou_none(colonne_ou_vide(table, "code_geo")),
                "region": texte_ou_none(colonne_ou_vide(table, "region")),
                "certifications": certifications,
                "certifie": certifications != "",
            }
        )
        .loc[garde]
        .reset_index(drop=True)
    )
    participants["classe_population"] = _classes(participants)
    return participants, rejets


def texte_ou_none(serie: pd.Series) -> pd.Series:
    return serie.astype(object).where(serie.notna(), None)


def _lire_certifications(serie: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Liste ``|`` normalisée (minuscules, triée) et masque des codes inconnus."""
    autorisees = set(CERTIFICATIONS)
    listes = (
        serie.fillna("")
        .astype(str)
        .map(lambda v: sorted({c.strip().casefold().replace(" ", "_") for c in v.split("|") if c.strip()}))
    )
    inconnues = listes.map(lambda codes: any(c not in autorisees for c in codes)).to_numpy(dtype=bool)
    return listes.map("|".join).astype(str), inconnues


def _classes(participants: pd.DataFrame) -> pd.Series:
    territoriales = participants["type_structure"] != "autre_service_public"
    population = participants["population"].astype("float64")
    classes = population.map(classe_population).astype(object)
    return classes.where(territoriales & population.notna(), None)


# --- grille.csv -----------------------------------------------------------------------


def preparer_grille(table: TableBrute, annee: int) -> pd.DataFrame:
    """Grille de l'édition ; toute faute y est bloquante (elle conditionne la notation)."""
    table.exiger_colonnes(COLONNES_GRILLE)
    d = table.donnees
    _erreur_si(table, d["code_question"].isna().to_numpy(), "code_question", "code de question manquant")
    normalises = d["code_question"].map(_normaliser_code)
    _erreur_si(table, normalises.duplicated().to_numpy(), "code_question", "code de question en double")
    for colonne, codes in (
        ("canal", CANAUX),
        ("etape", ETAPES),
        ("determinant", DETERMINANTS),
        ("type_reponse", TYPES_REPONSE),
    ):
        _erreur_code(table, colonne, codes)
    points_max, points_ko = convertir_nombres(d["points_max"])
    texte = (d["type_reponse"] == "texte").to_numpy()
    _erreur_si(
        table,
        (points_ko | (points_max.isna() & ~texte) | (points_max < 0)).to_numpy(),
        "points_max",
        "points maximum invalides (nombre positif attendu)",
    )
    points_max = points_max.where(~texte, 0.0)
    _verifier_baremes(table, points_max)
    return pd.DataFrame(
        {
            "annee": np.int64(annee),
            "code_question": d["code_question"],
            "libelle": texte_ou_none(d["libelle"]),
            "canal": d["canal"],
            "etape": d["etape"],
            "determinant": d["determinant"],
            "type_reponse": d["type_reponse"],
            "points_max": points_max.astype(float),
            "bareme": texte_ou_none(d["bareme"].where(d["type_reponse"] == "nombre")),
            "indicateur": texte_ou_none(d["indicateur"]),
        }
    )


def _normaliser_code(code: str) -> str:
    from analyse.donnees.lecture import normaliser_entete

    return normaliser_entete(code)


def _verifier_baremes(table: TableBrute, points_max: pd.Series) -> None:
    d = table.donnees
    for i in np.flatnonzero((d["type_reponse"] == "nombre").to_numpy()):
        ligne, bareme = int(table.lignes[i]), d["bareme"].iloc[i]
        if pd.isna(bareme):
            raise ErreurDonnees(
                table.fichier, "barème manquant pour une question « nombre »", ligne, table.entete("bareme")
            )
        try:
            paires = lire_bareme(bareme)
        except ValueError as erreur:
            raise ErreurDonnees(
                table.fichier, f"barème « {bareme} » invalide : {erreur}", ligne, table.entete("bareme")
            ) from None
        if any(p < 0 or p > points_max.iloc[i] for _, p in paires):
            raise ErreurDonnees(
                table.fichier,
                f"barème « {bareme} » : points hors de 0 à points_max ({points_max.iloc[i]:g})",
                ligne,
                table.entete("bareme"),
            )


# --- audits ---------------------------------------------------------------------------


def chemin_audits(donnees, annee: int):
    """``audits.csv`` ou ``audits.xlsx`` de l'édition (un seul des deux)."""
    dossier = dossier_raw(donnees) / str(annee)
    presents = [dossier / n for n in ("audits.csv", "audits.xlsx") if os.path.lexists(dossier / n)]
    if len(presents) > 1:
        raise ErreurDonnees(f"raw/{annee}/audits.*", "audits.csv et audits.xlsx coexistent : un seul est attendu")
    if not presents:
        raise ErreurDonnees(f"raw/{annee}/audits.csv", "fichier introuvable (ni audits.csv ni audits.xlsx)")
    return presents[0]


def _colonnes_questions(table: TableBrute, grille: pd.DataFrame) -> dict:
    """Colonne normalisée des audits -> code_question de la grille ; contrôle les colonnes."""
    table.exiger_colonnes(COLONNES_FIXES_AUDITS)
    par_code = {_normaliser_code(c): c for c in grille["code_question"]}
    absentes = [code for cle, code in par_code.items() if cle not in table.donnees.columns]
    if absentes:
        raise ErreurDonnees(
            table.fichier,
            f"question(s) de la grille sans colonne : {', '.join(absentes[:10])}",
            ligne=1,
            colonne=absentes[0],
        )
    inconnues = [c for c in table.donnees.columns if c not in par_code and c not in COLONNES_FIXES_AUDITS]
    if inconnues:
        raise ErreurDonnees(
            table.fichier,
            "colonne inconnue : ni colonne fixe ni code_question de la grille",
            ligne=1,
            colonne=table.entete(inconnues[0]),
        )
    return par_code


def _valeurs_reponses(serie: pd.Series, type_reponse: str) -> tuple[np.ndarray, np.ndarray, str]:
    """Valeurs numériques des réponses d'une question et masque des réponses invalides."""
    presentes = serie.notna().to_numpy()
    if type_reponse == "oui_non":
        texte = serie.astype(str).str.strip().str.casefold()
        valeurs = np.where(texte == "oui", 1.0, np.where(texte == "non", 0.0, np.nan))
        return valeurs, presentes & np.isnan(valeurs), "réponse invalide (attendu Oui ou Non)"
    if type_reponse == "echelle4":
        valeurs, invalides = convertir_entiers(serie, 1, 4)
        return (
            valeurs.astype("float64").to_numpy(),
            invalides.to_numpy(),
            "réponse invalide (attendu un entier de 1 à 4)",
        )
    valeurs, invalides = convertir_nombres(serie)
    invalides = invalides | (valeurs < 0)
    return valeurs.where(~invalides).to_numpy(), invalides.to_numpy(), "réponse invalide (nombre positif attendu)"


def _rejeter_contacts(rejets: Rejets, structures_connues, edition: pd.Series, parametres: Parametres):
    """Contrôles des colonnes fixes d'un contact ; renvoie dates et vagues converties."""
    d = rejets.table.donnees
    rejeter_doublons(rejets, "id_contact", "identifiant de contact")
    rejeter_structures_inconnues(rejets, structures_connues)
    rejets.ajouter(~d["canal"].isin(CANAUX).to_numpy(), "canal", f"canal invalide (attendu : {', '.join(CANAUX)})")
    rejets.ajouter(
        ~d["scenario"].isin(SCENARIOS).to_numpy(), "scenario", f"scénario invalide (attendu : {', '.join(SCENARIOS)})"
    )
    dates = lire_dates(rejets, "date_contact")
    marge = pd.Timedelta(days=parametres.tolerance_dates_jours)
    hors = dates.notna() & _hors_periode(dates, edition, marge)
    rejets.ajouter(
        hors.to_numpy(),
        "date_contact",
        f"date hors de la période de terrain (± {parametres.tolerance_dates_jours} jours)",
    )
    vagues, vagues_ko = convertir_entiers(d["vague"], 1)
    rejets.ajouter(vagues_ko.to_numpy(), "vague", "vague invalide (entier ≥ 1 attendu)")
    return dates, vagues


def _hors_periode(dates: pd.Series, edition: pd.Series, marge) -> pd.Series:
    debut, fin = edition["debut_terrain"], edition["fin_terrain"]
    hors = pd.Series(False, index=dates.index)
    if pd.notna(debut):
        hors |= dates < debut - marge
    if pd.notna(fin):
        hors |= dates > fin + marge
    return hors


def preparer_audits(table, grille, participants, edition, parametres=PARAMETRES):
    """Contacts, réponses notées et textes acceptés, avec les rejets du fichier d'audits.

    ``participants`` : table des participants acceptés, ou ``StructuresConnues``."""
    annee = int(edition["annee"])
    par_code = _colonnes_questions(table, grille)
    rejets = Rejets(table, annee)
    connues = participants if isinstance(participants, set) else set(participants["structure_id"])
    dates, vagues = _rejeter_contacts(rejets, connues, edition, parametres)
    canal = table.donnees["canal"].to_numpy()
    questions = grille.assign(_cle=grille["code_question"].map(_normaliser_code)).set_index("_cle")
    valeurs = {}
    for cle in par_code:
        q = questions.loc[cle]
        serie = table.donnees[cle]
        presentes = serie.notna().to_numpy()
        rejets.ajouter(
            presentes & (canal != q["canal"]),
            cle,
            f"réponse à une question du canal « {q['canal']} » (doit être vide pour ce canal)",
        )
        if q["type_reponse"] != "texte":
            valeurs[cle], invalides, motif = _valeurs_reponses(serie, q["type_reponse"])
            rejets.ajouter(invalides, cle, motif)
    garde = rejets.acceptees
    if not garde.any():
        raise ErreurDonnees(
            table.fichier,
            f"aucun contact d'audit accepté ({len(garde)} lignes lues, "
            f"{int(rejets.rejetee.sum())} rejetées) : une édition sans contact est refusée",
        )
    contacts = _table_contacts(table, dates, vagues, garde, annee)
    reponses = _table_reponses(table, questions, valeurs, garde, annee)
    textes = _table_textes(table, questions, garde, annee)
    contacts = scores_contacts(contacts, reponses)
    return contacts, reponses, textes, rejets.liberer()


def _table_contacts(table, dates, vagues, garde, annee) -> pd.DataFrame:
    d = table.donnees
    return (
        pd.DataFrame(
            {
                "annee": np.int64(annee),
                "id_contact": d["id_contact"],
                "structure_id": d["structure_id"],
                "canal": d["canal"],
                "scenario": d["scenario"],
                "date_contact": dates,
                "vague": vagues,
                "enqueteur": pseudonymiser(d["enqueteur"]),
            }
        )
        .loc[garde]
        .reset_index(drop=True)
    )


def _table_reponses(table, questions, valeurs, garde, annee) -> pd.DataFrame:
    d = table.donnees.loc[garde]
    morceaux = []
    for cle, valeur in valeurs.items():
        valeur = valeur[garde]
        presentes = ~np.isnan(valeur)
        if not presentes.any():
            continue
        q = questions.loc[cle]
        bareme = lire_bareme(q["bareme"]) if q["type_reponse"] == "nombre" else None
        v = valeur[presentes]
        morceaux.append(
            pd.DataFrame(
                {
                    "id_contact": d["id_contact"].to_numpy()[presentes],
                    "structure_id": d["structure_id"].to_numpy()[presentes],
                    "canal": q["canal"],
                    "code_question": q["code_question"],
                    "indicateur": q["indicateur"],
                    "determinant": q["determinant"],
                    "etape": q["etape"],
                    "type_reponse": q["type_reponse"],
                    "valeur": v,
                    "points": points_reponses(q["type_reponse"], v, q["points_max"], bareme),
                    "points_max": float(q["points_max"]),
                }
            )
        )
    if not morceaux:
        return _vide(
            (
                "id_contact",
                "structure_id",
                "canal",
                "code_question",
                "indicateur",
                "determinant",
                "etape",
                "type_reponse",
            ),
            ("valeur", "points", "points_max"),
            annee,
        )
    reponses = pd.concat(morceaux, ignore_index=True)
    reponses.insert(0, "annee", np.int64(annee))
    reponses["indicateur"] = texte_ou_none(reponses["indicateur"])
    return reponses


def _vide(textes, nombres, annee) -> pd.DataFrame:
    colonnes = {"annee": pd.Series(dtype="int64")}
    colonnes.update({c: pd.Series(dtype=str) for c in textes})
    colonnes.update({c: pd.Series(dtype=float) for c in nombres})
    return pd.DataFrame(colonnes)


def _table_textes(table, questions, garde, annee) -> pd.DataFrame:
    d = table.donnees.loc[garde]
    morceaux = []
    for cle, q in questions.loc[questions["type_reponse"] == "texte"].iterrows():
        serie = d[cle]
        presentes = serie.notna().to_numpy()
        if presentes.any():
            morceaux.append(
                pd.DataFrame(
                    {
                        "id_contact": d["id_contact"].to_numpy()[presentes],
                        "structure_id": d["structure_id"].to_numpy()[presentes],
                        "canal": q["canal"],
                        "code_question": q["code_question"],
                        "indicateur": q["indicateur"],
                        "texte": serie.to_numpy()[presentes],
                    }
                )
            )
    if not morceaux:
        return _vide(("id_contact", "structure_id", "canal", "code_question", "indicateur", "texte"), (), annee)
    textes = pd.concat(morceaux, ignore_index=True)
    textes.insert(0, "annee", np.int64(annee))
    textes["indicateur"] = texte_ou_none(textes["indicateur"])
    return textes


def pseudonymiser(codes: pd.Series) -> pd.Series:
    """Code d'enquêteur -> pseudonyme stable (HMAC-SHA256 tronqué), jamais le code d'origine.

    La clé est celle de ``analyse.config.cle_pseudonymisation`` : variable d'environnement
    ``ANALYSE_CLE_PSEUDONYMISATION``, sinon clé fixe des données de démonstration, sinon clé
    secrète de l'installation (créée au premier usage, hors du dépôt).

    >>> pseudonymiser(pd.Series(["ENQ0421"])).str.startswith("ENQ-").tolist()
    [True]
    """
    cle = cle_pseudonymisation()
    uniques = {
        c: "ENQ-" + hmac.new(cle, str(c).encode(), hashlib.sha256).hexdigest()[:10] for c in codes.dropna().unique()
    }
    return codes.map(uniques).astype(object).where(codes.notna(), None)


# --- enquete.csv et avis.csv (facultatifs) ---------------------------------------------


def preparer_enquete(table: TableBrute, structures_connues, annee: int) -> tuple[pd.DataFrame, Rejets]:
    """Réponses acceptées à l'enquête citoyenne en ligne, et rejets."""
    notes = [f"note_{d}" for d in DETERMINANTS]
    table.exiger_colonnes(
        ("id_reponse", "structure_id", "date_reponse", "canal", "satisfaction", *notes, "commentaire")
    )
    d = table.donnees
    rejets = Rejets(table, annee)
    rejeter_doublons(rejets, "id_reponse", "identifiant de réponse")
    rejeter_structures_inconnues(rejets, structures_connues)
    dates = lire_dates(rejets, "date_reponse")
    rejets.ajouter(
        (d["canal"].notna() & ~d["canal"].isin(CANAUX)).to_numpy(),
        "canal",
        f"canal invalide (attendu : {', '.join(CANAUX)} ou vide)",
    )
    satisfaction, satisfaction_ko = convertir_entiers(d["satisfaction"], 0, 10)
    rejets.ajouter(
        (satisfaction_ko | d["satisfaction"].isna()).to_numpy(),
        "satisfaction",
        "satisfaction invalide (entier de 0 à 10 attendu)",
    )
    valeurs_notes = {}
    for note in notes:
        valeurs_notes[note], ko = convertir_entiers(d[note], 1, 5)
        rejets.ajouter(ko.to_numpy(), note, "note invalide (entier de 1 à 5 attendu, vide = sans avis)")
    enquete = pd.DataFrame(
        {
            "annee": np.int64(annee),
            "id_reponse": d["id_reponse"],
            "structure_id": d["structure_id"],
            "date_reponse": dates,
            "canal": texte_ou_none(d["canal"]),
            "satisfaction": satisfaction,
            **valeurs_notes,
            "commentaire": texte_ou_none(d["commentaire"]),
        }
    )
    return enquete.loc[rejets.acceptees].reset_index(drop=True), rejets


def preparer_avis(table: TableBrute, structures_connues, annee: int) -> tuple[pd.DataFrame, Rejets]:
    """Avis en ligne acceptés, et rejets."""
    table.exiger_colonnes(("id_avis", "structure_id", "plateforme", "date_avis", "note", "texte", "date_reponse"))
    d = table.donnees
    rejets = Rejets(table, annee)
    rejeter_doublons(rejets, "id_avis", "identifiant d'avis")
    rejeter_structures_inconnues(rejets, structures_connues)
    date_avis = lire_dates(rejets, "date_avis")
    note, note_ko = convertir_entiers(d["note"], 1, 5)
    rejets.ajouter((note_ko | d["note"].isna()).to_numpy(), "note", "note invalide (entier de 1 à 5 attendu)")
    date_reponse = lire_dates(rejets, "date_reponse", obligatoire=False)
    rejets.ajouter((date_reponse < date_avis).to_numpy(), "date_reponse", "date de réponse antérieure à l'avis")
    avis = pd.DataFrame(
        {
            "annee": np.int64(annee),
            "id_avis": d["id_avis"],
            "structure_id": d["structure_id"],
            "plateforme": texte_ou_none(d["plateforme"]),
            "date_avis": date_avis,
            "note": note,
            "texte": texte_ou_none(d["texte"]),
            "date_reponse": date_reponse,
            "delai_reponse_jours": (date_reponse - date_avis).dt.days.astype(float),
        }
    )
    return avis.loc[rejets.acceptees].reset_index(drop=True), rejets


# --- une édition entière --------------------------------------------------------------


def _lire(donnees, annee: int, nom: str) -> TableBrute:
    return lire_table(dossier_raw(donnees) / str(annee) / nom, f"raw/{annee}/{nom}")


def _facultatif(donnees, annee: int, nom: str) -> TableBrute | None:
    chemin = dossier_raw(donnees) / str(annee) / nom
    return lire_table(chemin, f"raw/{annee}/{nom}") if os.path.lexists(chemin) else None


def preparer_edition(
    donnees, annee: int, parametres: Parametres = PARAMETRES, editions=None, complements=()
) -> Edition:
    """Lit, valide et note une édition ; renvoie ses tables et ses bilans (rien n'est écrit).

    ``complements`` : fonctions ``(donnees, annee, structures_connues, editions)`` qui renvoient
    des tables facultatives (``.tables``) et leurs rejets (``.rejets``), par exemple les canaux
    d'écoute (``analyse.ecoute``) ; ``analyse.chaine.preparer_edition`` les branche toutes.

    >>> preparer_edition("data", 2022).tables["scores"]  # doctest: +SKIP
    """
    with cle_en_usage(cle_pseudonymisation(donnees)):
        return _preparer_edition(donnees, annee, parametres, editions, complements)


def _preparer_edition(donnees, annee, parametres, editions, complements) -> Edition:
    editions = lire_editions(donnees) if editions is None else editions
    ligne = editions.loc[editions["annee"] == annee]
    if ligne.empty:
        raise ErreurDonnees("raw/editions.csv", f"l'édition {annee} n'y figure pas")
    if not (dossier_raw(donnees) / str(annee)).is_dir():
        raise ErreurDonnees(f"raw/{annee}/", "dossier de l'édition introuvable")
    with en_traitant(f"raw/{annee}/participants.csv"):
        participants, rejets_p, connues = _participants_edition(donnees, annee)
    with en_traitant(f"raw/{annee}/grille.csv"):
        grille = preparer_grille(_lire(donnees, annee, "grille.csv"), annee)
    chemin = chemin_audits(donnees, annee)
    with en_traitant(f"raw/{annee}/{chemin.name}"):
        audits = lire_table(chemin, f"raw/{annee}/{chemin.name}")
        contacts, reponses, textes, rejets_a = preparer_audits(audits, grille, connues, ligne.iloc[0], parametres)
        codes_enqueteurs = audits.donnees["enqueteur"].dropna().unique().tolist()
        del audits  # le fichier brut n'est plus utile : libère la mémoire avant le bootstrap
    tous_rejets = [rejets_p, rejets_a]
    tables = {
        "editions": ligne.reset_index(drop=True),
        "participants": participants,
        "grille": grille,
        "contacts": contacts,
        "reponses": reponses,
        "textes_audit": textes,
    }
    for nom, fonction in (("enquete", preparer_enquete), ("avis", preparer_avis)):
        with en_traitant(f"raw/{annee}/{nom}.csv"):
            table = _facultatif(donnees, annee, f"{nom}.csv")
            if table is not None:
                tables[nom], rejets = fonction(table, connues, annee)
                tous_rejets.append(rejets)
    for complement in complements:
        with en_traitant(f"raw/{annee}/ (canaux d'écoute)"):
            supplement = complement(donnees, annee, connues, editions)
        tables.update(supplement.tables)
        tous_rejets.extend(supplement.rejets)
    _masquer_codes_enqueteurs(tables, codes_enqueteurs)
    with en_traitant(f"raw/{annee}/{chemin.name} (calcul des scores)"):
        tables["scores"] = scores_structures(contacts, reponses, annee, parametres)
    tables["rejets"] = pd.concat([r.table_rejets() for r in tous_rejets], ignore_index=True)
    tables["rejets"]["annee"] = tables["rejets"]["annee"].astype("int64")
    bilans = [r.bilan() for r in tous_rejets]
    fichiers = {"participants": rejets_p.fichier, "contacts": rejets_a.fichier}
    return Edition(annee, tables, bilans, fichiers, _avertissements(tables["rejets"], connues, rejets_p.fichier))


def _participants_edition(donnees, annee: int):
    """Participants acceptés, leurs rejets et les structures connues ; aucun participant = faute de fichier."""
    participants, rejets = preparer_participants(_lire(donnees, annee, "participants.csv"), annee)
    if participants.empty:
        raise ErreurDonnees(
            rejets.fichier,
            f"aucun participant accepté ({len(rejets.rejetee)} lignes lues, "
            f"{int(rejets.rejetee.sum())} rejetées) : une édition sans participant est refusée",
        )
    connues = structures_connues(participants, rejets)
    return participants, rejets.liberer(), connues


PREFIXE_NOTE_FICHIER = "fichier en cours : "


@contextlib.contextmanager
def en_traitant(fichier: str):
    """Sur une erreur imprévue (pas une ``ErreurDonnees``), ajoute à l'exception une note qui
    nomme le fichier en cours de traitement (la commande l'affiche)."""
    try:
        yield
    except ErreurDonnees:
        raise
    except Exception as erreur:
        if not any(n.startswith(PREFIXE_NOTE_FICHIER) for n in getattr(erreur, "__notes__", [])):
            erreur.add_note(PREFIXE_NOTE_FICHIER + fichier)
        raise


def _masquer_codes_enqueteurs(tables: dict, codes) -> None:
    """Aucun code d'enquêteur en clair dans les textes libres préparés, quel que soit son format."""
    for nom, colonne in TEXTES_LIBRES.items():
        if nom in tables and colonne in tables[nom].columns:
            tables[nom][colonne] = masquer_codes_serie(tables[nom][colonne], codes)


def _avertissements(rejets: pd.DataFrame, connues, fichier_participants: str) -> list[str]:
    """Signale les lignes d'autres fichiers rejetées parce que leur participant l'a été."""
    en_cascade = rejets["motif"].str.startswith(MOTIF_STRUCTURE_REJETEE, na=False)
    if not en_cascade.any():
        return []
    ids = sorted(set(rejets.loc[en_cascade, "valeur"].dropna()) & set(connues.rejetees))
    return [
        f"Attention : {len(ids)} structure(s) rejetée(s) dans {fichier_participants} ({', '.join(ids[:10])}"
        f"{'…' if len(ids) > 10 else ''}) : {int(en_cascade.sum())} ligne(s) d'autres fichiers rejetée(s) "
        "avec elles (motif « structure rejetée » dans la table rejets)."
    ]
