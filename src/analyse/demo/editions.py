"""Données fictives de démonstration du baromètre, avec leurs vérités plantées.

``generer_demo`` écrit dans ``<donnees>/raw/`` dix éditions qui suivent le contrat
``shared/specs/donnees-brutes.md`` à la lettre (mêmes fichiers, mêmes colonnes, mêmes
conventions variables qu'un prestataire réel), et à côté de ``raw/`` le fichier
``verite_demo.json`` : les effets plantés du modèle génératif et les niveaux attendus,
calculés analytiquement à partir du modèle (et non des réponses tirées). Ce fichier
sert aussi de marqueur des données de démonstration.

Modèle génératif (échelle 0–100, une réponse) :
part attendue p = borne((θ_édition + α_canal + τ_type + κ·certifiée + u_structure
+ δ_déterminant + η_question + ε_contact) / 100, 0,02, 0,98), ε ~ N(0, σ_contact).
θ_édition est calé pour que le score national attendu égale le chiffre publié.

Écarts au modèle des intervalles (``EcartsModele``, activés modérément par défaut,
``ECARTS_DEMO``) : des structures de constance différente (σ_contact × exp(c·z_structure)),
un canal plus bruité (site internet), des contacts « parfaits » (toutes les réponses au
maximum : scores empilés à 100) et des structures testées par un seul contact sur chaque
canal. Les vérités en tiennent compte (espérances analytiques).

Tous les noms de structures, de personnes, d'adresses et de numéros sont inventés.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import re
import zipfile
from pathlib import Path

import numpy as np
from scipy.optimize import brentq
from scipy.special import ndtr

from analyse.config import FICHIER_VERITE_DEMO, dossier_raw
from analyse.demo.conventions import CONVENTION_EDITIONS, CONVENTIONS, Convention
from analyse.demo.ecoute import generer_ecoute
from analyse.donnees.codes import CANAUX, COLONNES_GRILLE, DETERMINANTS, SCENARIOS, TYPES_STRUCTURE

# --- Paramètres du monde fictif -------------------------------------------------------

ANNEES = (2012, 2013, 2014, 2015, 2016, 2017, 2018, 2020, 2021, 2022)
ANNEE_RUPTURE = 2020

_PARTICIPANTS = {
    2012: 185,
    2013: 200,
    2014: 170,
    2015: 201,
    2016: 203,
    2017: 175,
    2018: 231,
    2020: 321,
    2021: 349,
    2022: 350,
}
# Scores nationaux publiés (ou plausibles quand aucun chiffre n'a été publié).
_NATIONAL_CIBLE = {
    2012: 68.5,
    2013: 70.0,
    2014: 70.0,
    2015: 67.4,
    2016: 68.9,
    2017: 66.0,
    2018: 68.5,
    2020: 62.0,
    2021: 63.5,
    2022: 65.0,
}
# Part des participants d'une édition déjà présents à l'édition précédente.
_TAUX_REPRISE = {
    2013: 0.78,
    2014: 0.80,
    2015: 0.72,
    2016: 0.78,
    2017: 0.68,
    2018: 0.66,
    2020: 0.62,
    2021: 0.78,
    2022: 0.80,
}
_TAUX_RETOUR_APRES_ABSENCE = 0.04
_TERRAIN = {
    2012: ("2012-09-17", "2012-12-14"),
    2013: ("2013-09-16", "2013-12-13"),
    2014: ("2014-09-15", "2014-12-12"),
    2015: ("2015-09-14", "2015-12-11"),
    2016: ("2016-09-12", "2016-12-09"),
    2017: ("2017-09-11", "2017-12-08"),
    2018: ("2018-09-17", "2018-12-14"),
    2020: ("2020-10-05", "2020-12-18"),
    2021: ("2021-09-13", "2021-12-10"),
    2022: ("2022-09-12", "2022-12-09"),
}

_EFFETS_CANAL = {
    "telephone": 15.0,
    "accueil_physique": 1.0,
    "courriel": -4.0,
    "courrier": -14.0,
    "site_internet": 3.0,
    "reseaux_sociaux": 5.0,
}
_EFFETS_TYPE = {
    "commune": 0.0,
    "mairie_annexe": -18.0,
    "epci": -3.0,
    "departement": -3.0,
    "region": -2.0,
    "autre_service_public": -6.0,
}
_EFFET_CERTIFICATION = 7.0
_EFFETS_DETERMINANT = {
    "accessibilite": 4.0,
    "reactivite": -3.0,
    "courtoisie": 8.0,
    "personnalisation": -2.0,
    "attente": 2.0,
    "qualite_reponse": 0.0,
    "transfert": -6.0,
    "reclamations": -10.0,
}
_SIGMA_STRUCTURE = 7.0
_DECALAGE_NOUVEAUX = -4.0  # moyenne de u des structures qui entrent à partir de 2020
_SIGMA_CONTACT = 8.0
_BORNES = (2.0, 98.0)
_TAUX_SANS_OBJET = 0.07


@dataclasses.dataclass(frozen=True)
class EcartsModele:
    """Écarts de la démonstration au modèle qui fonde les intervalles de structure.

    - ``constance`` : écart-type c de log(σ_structure / σ_contact) ; chaque structure a sa propre
      dispersion des contacts σ_contact × exp(c·z), z ~ N(0, 1) (0 : toutes pareilles) ;
    - ``bruit_canaux`` : multiplicateur de σ_contact par canal, en paires ``(canal, facteur)`` ;
    - ``part_parfaits`` : probabilité qu'un contact soit parfait (toutes ses réponses au
      maximum, score 100) ;
    - ``part_un_contact`` : part des structures testées par un seul contact sur chaque canal.

    >>> EcartsModele().actifs()
    False
    >>> EcartsModele(constance=0.5).facteur_canal("telephone")
    1.0
    """

    constance: float = 0.0
    bruit_canaux: tuple = ()
    part_parfaits: float = 0.0
    part_un_contact: float = 0.0

    def facteur_canal(self, canal: str) -> float:
        """Multiplicateur de σ_contact pour ``canal``."""
        return float(dict(self.bruit_canaux).get(canal, 1.0))

    def actifs(self) -> bool:
        """Vrai si au moins un écart au modèle est activé."""
        return bool(self.constance or self.part_parfaits or self.part_un_contact) or any(
            f != 1.0 for _, f in self.bruit_canaux
        )


SANS_ECARTS = EcartsModele()
ECARTS_DEMO = EcartsModele(
    constance=0.3, bruit_canaux=(("site_internet", 1.4),), part_parfaits=0.03, part_un_contact=0.1
)

_CONTACTS_PAR_CANAL = {
    "telephone": (4, 6),
    "accueil_physique": (2, 3),
    "courriel": (2, 3),
    "courrier": (1, 2),
    "site_internet": (1, 1),
    "reseaux_sociaux": (1, 2),
}
_PART_TESTES_RESEAUX = 0.75

_MIX_TYPES = {
    "commune": 0.70,
    "mairie_annexe": 0.12,
    "epci": 0.08,
    "departement": 0.06,
    "region": 0.02,
    "autre_service_public": 0.12,
}
_ASP_2017 = 40
_PROBA_CERTIFIEE = {
    "commune": 0.28,
    "mairie_annexe": 0.15,
    "epci": 0.22,
    "departement": 0.35,
    "region": 0.30,
    "autre_service_public": 0.25,
}
_POPULATION = {
    "commune": (9_000, 1.2, 250, 800_000),
    "mairie_annexe": (15_000, 0.8, 2_000, 150_000),
    "epci": (40_000, 0.9, 5_000, 1_500_000),
    "departement": (500_000, 0.6, 75_000, 2_600_000),
    "region": (3_500_000, 0.5, 300_000, 12_000_000),
}
_REGIONS = (
    ("Auvergne-Rhône-Alpes", "84", 0.12),
    ("Bourgogne-Franche-Comté", "27", 0.06),
    ("Bretagne", "53", 0.07),
    ("Centre-Val de Loire", "24", 0.05),
    ("Corse", "94", 0.01),
    ("Grand Est", "44", 0.09),
    ("Hauts-de-France", "32", 0.09),
    ("Île-de-France", "11", 0.16),
    ("Normandie", "28", 0.05),
    ("Nouvelle-Aquitaine", "75", 0.09),
    ("Occitanie", "76", 0.09),
    ("Pays de la Loire", "52", 0.06),
    ("Provence-Alpes-Côte d'Azur", "93", 0.05),
    ("La Réunion", "04", 0.01),
)
_SOUS_TYPES = (
    ("CCAS", "CCAS de"),
    ("bibliothèque", "Bibliothèque de"),
    ("EHPAD", "EHPAD de"),
    ("hôpital", "Centre hospitalier de"),
    ("CCI", "CCI de"),
    ("office de tourisme", "Office de tourisme de"),
    ("syndicat des eaux", "Syndicat des eaux de"),
)

# Satisfaction (enquête) : coefficients plantés, du plus fort au plus faible.
_BETA = {
    "qualite_reponse": 0.42,
    "courtoisie": 0.33,
    "attente": 0.26,
    "reactivite": 0.21,
    "personnalisation": 0.16,
    "accessibilite": 0.12,
    "transfert": 0.08,
    "reclamations": 0.04,
}
_CONSTANTE_SATISFACTION = 1.3
_SIGMA_SATISFACTION = 1.1
_SIGMA_STRUCTURE_SATISFACTION = 0.35
_SEUILS_NOTES = np.array([-1.4, -0.5, 0.4, 1.3])
_N_SIMULATION_LMG = 300_000

_MOTIFS = (
    "structure_inconnue",
    "id_contact_duplique",
    "canal_invalide",
    "reponse_invalide_oui_non",
    "reponse_invalide_echelle4",
    "reponse_invalide_nombre",
    "date_invalide",
    "reponse_hors_canal",
)
_USAGES = {
    "panel": 1,
    "noms": 2,
    "plan": 3,
    "contacts": 4,
    "reponses": 5,
    "enquete": 6,
    "avis": 7,
    "rejets": 8,
    "lmg": 9,
    "banque": 10,
    "ecarts": 11,
    "ecarts_plan": 12,
}


# --- Banque de questions --------------------------------------------------------------

_PREFIXES = {
    "telephone": ("T", "TEL"),
    "accueil_physique": ("A", "ACC"),
    "courriel": ("M", "MEL"),
    "courrier": ("C", "COU"),
    "site_internet": ("W", "WEB"),
    "reseaux_sociaux": ("R", "RES"),
}
_CONTEXTES = {
    "telephone": "Appel téléphonique",
    "accueil_physique": "Visite à l'accueil",
    "courriel": "Courriel",
    "courrier": "Courrier postal",
    "site_internet": "Site internet",
    "reseaux_sociaux": "Réseaux sociaux",
}
_DEBUT_CANAL = {"site_internet": 2014, "reseaux_sociaux": 2017}

_ENONCES = {
    "accessibilite": (
        ("Les horaires d'ouverture sont-ils clairement indiqués ?", "acces"),
        ("Les coordonnées du service sont-elles faciles à trouver ?", "acces"),
        ("Le service est-il accessible dès la première tentative ?", "acces"),
        ("L'accès est-il adapté aux personnes en situation de handicap ?", "acces"),
        ("Les informations pratiques sont-elles à jour ?", "acces"),
    ),
    "reactivite": (
        ("La demande est-elle prise en charge sans délai ?", "traitement"),
        ("Une réponse d'attente est-elle donnée rapidement ?", "traitement"),
        ("Le délai de traitement annoncé est-il respecté ?", "suivi"),
        ("Un suivi de la demande est-il proposé ?", "suivi"),
    ),
    "courtoisie": (
        ("L'interlocuteur salue-t-il l'usager ?", "accueil"),
        ("L'interlocuteur se présente-t-il (nom ou service) ?", "accueil"),
        ("Le ton employé est-il aimable et courtois ?", "accueil"),
        ("L'interlocuteur remercie-t-il l'usager en fin d'échange ?", "suivi"),
        ("Une formule de politesse conclut-elle l'échange ?", "suivi"),
    ),
    "personnalisation": (
        ("L'interlocuteur utilise-t-il le nom de l'usager ?", "accueil"),
        ("La réponse tient-elle compte de la situation de l'usager ?", "traitement"),
        ("L'interlocuteur reformule-t-il la demande ?", "accueil"),
        ("Un contact direct (nom, ligne directe) est-il communiqué ?", "suivi"),
    ),
    "attente": (
        ("Le temps d'attente est-il acceptable ?", "acces"),
        ("L'usager est-il informé du délai ou du temps d'attente ?", "accueil"),
        ("L'attente se déroule-t-elle dans de bonnes conditions ?", "accueil"),
    ),
    "qualite_reponse": (
        ("La réponse apportée est-elle complète ?", "traitement"),
        ("La réponse apportée est-elle exacte ?", "traitement"),
        ("La réponse est-elle compréhensible, sans jargon administratif ?", "traitement"),
        ("Les pièces justificatives nécessaires sont-elles indiquées ?", "traitement"),
        ("L'usager est-il orienté vers la bonne démarche en ligne ?", "traitement"),
    ),
    "transfert": (
        ("En cas de transfert, l'usager est-il orienté vers le bon interlocuteur ?", "traitement"),
        ("Le transfert aboutit-il sans que l'usager répète sa demande ?", "traitement"),
        ("Le service vers lequel l'usager est orienté est-il nommé ?", "traitement"),
    ),
    "reclamations": (
        ("La réclamation est-elle enregistrée ?", "suivi"),
        ("Un accusé de réception de la réclamation est-il adressé ?", "suivi"),
        ("Une solution ou une explication est-elle proposée ?", "suivi"),
        ("L'usager est-il informé des voies de recours ?", "suivi"),
    ),
}

# Questions opérationnelles (indicateurs harmonisés utilisés par les rapports).
# (canal, indicateur, libellé, étape, déterminant, type, points_max, barème, η, minimum, pas)
_OPERATIONNELLES = (
    (
        "telephone",
        "TEL_NB_SONNERIES",
        "Nombre de sonneries avant le décroché",
        "acces",
        "attente",
        "nombre",
        4,
        "3:4|5:2",
        0.0,
        1,
        1,
    ),
    (
        "telephone",
        "TEL_DECROCHE_5_SONNERIES",
        "L'appel est-il décroché en 5 sonneries au plus ?",
        "acces",
        "accessibilite",
        "oui_non",
        2,
        "",
        9.0,
        0,
        0,
    ),
    (
        "telephone",
        "TEL_REPONDEUR_HORS_OUVERTURE",
        "Hors des heures d'ouverture, un répondeur indique-t-il les horaires ?",
        "acces",
        "accessibilite",
        "oui_non",
        1,
        "",
        -13.0,
        0,
        0,
    ),
    (
        "telephone",
        "TEL_AMABILITE",
        "Amabilité de l'interlocuteur (de 1 à 4)",
        "accueil",
        "courtoisie",
        "echelle4",
        4,
        "",
        0.0,
        0,
        0,
    ),
    (
        "accueil_physique",
        "ACCUEIL_ATTENTE_MINUTES",
        "Temps d'attente avant d'être reçu (minutes)",
        "accueil",
        "attente",
        "nombre",
        4,
        "5:4|10:2|15:1",
        0.0,
        0.5,
        0.1,
    ),
    (
        "accueil_physique",
        "ACCUEIL_SIGNALETIQUE",
        "La signalétique permet-elle de trouver le bon guichet ?",
        "acces",
        "accessibilite",
        "oui_non",
        2,
        "",
        0.0,
        0,
        0,
    ),
    (
        "courriel",
        "COURRIEL_REPONSE_RECUE",
        "Une réponse au courriel a-t-elle été reçue ?",
        "traitement",
        "reactivite",
        "oui_non",
        3,
        "",
        6.0,
        0,
        0,
    ),
    (
        "courriel",
        "COURRIEL_DELAI_JOURS",
        "Délai de réponse au courriel (jours ouvrés)",
        "traitement",
        "reactivite",
        "nombre",
        4,
        "1:4|3:2|5:1",
        0.0,
        0,
        1,
    ),
    (
        "courrier",
        "COURRIER_REPONSE_RECUE",
        "Une réponse au courrier a-t-elle été reçue ?",
        "traitement",
        "reactivite",
        "oui_non",
        3,
        "",
        8.0,
        0,
        0,
    ),
    (
        "courrier",
        "COURRIER_REPONSE_7_JOURS",
        "La réponse au courrier est-elle parvenue dans les 7 jours ?",
        "traitement",
        "reactivite",
        "oui_non",
        2,
        "",
        14.0,
        0,
        0,
    ),
    (
        "courrier",
        "COURRIER_DELAI_JOURS",
        "Délai de réponse au courrier (jours)",
        "traitement",
        "reactivite",
        "nombre",
        4,
        "7:4|15:2|30:1",
        0.0,
        1,
        1,
    ),
    (
        "site_internet",
        "WEB_DEMARCHES_EN_LIGNE",
        "Les démarches courantes sont-elles proposées en ligne ?",
        "acces",
        "accessibilite",
        "oui_non",
        2,
        "",
        0.0,
        0,
        0,
    ),
    (
        "reseaux_sociaux",
        "RS_DELAI_HEURES",
        "Délai de réponse au message (heures)",
        "traitement",
        "reactivite",
        "nombre",
        3,
        "2:3|24:1",
        0.0,
        1,
        1,
    ),
    (
        "reseaux_sociaux",
        "RS_REPONSE_PUBLIQUE",
        "Une réponse publique est-elle apportée au message ?",
        "traitement",
        "reactivite",
        "oui_non",
        2,
        "",
        0.0,
        0,
        0,
    ),
)
INDICATEURS_OPERATIONNELS = (
    "TEL_NB_SONNERIES",
    "TEL_DECROCHE_5_SONNERIES",
    "TEL_REPONDEUR_HORS_OUVERTURE",
    "COURRIEL_REPONSE_RECUE",
    "COURRIEL_DELAI_JOURS",
    "COURRIER_REPONSE_RECUE",
    "COURRIER_REPONSE_7_JOURS",
    "ACCUEIL_ATTENTE_MINUTES",
)

_TEXTES_AUDIT = (
    "RAS",
    "Interlocutrice aimable ; réponse précise.",
    "Attente longue, musique répétitive.",
    "Transfert vers l'état civil, puis coupure.",
    'Réponse type : "consultez le site".',
    "Très bon accueil, merci !",
    "Demande reformulée deux fois; réponse partielle.",
    "Agent pressé, réponse exacte malgré tout.",
    "Aucune signalétique, guichet difficile à trouver.",
    "Réponse complète, pièces à fournir listées.",
    "Messagerie pleine, rappel impossible.",
    "Courtois mais renvoie vers la préfecture, sans plus d'explications.",
)

# --- Noms fictifs ---------------------------------------------------------------------

_SYLLABES_DEBUT = (
    "Kerv",
    "Vaz",
    "Lirqu",
    "Morv",
    "Brel",
    "Quenz",
    "Saulv",
    "Trév",
    "Gorn",
    "Falz",
    "Ostr",
    "Ravn",
    "Plouz",
    "Savr",
    "Cazel",
    "Orbh",
    "Vell",
    "Zann",
    "Hérm",
    "Astr",
    "Brisq",
    "Dolv",
    "Gavr",
    "Jouv",
    "Lanç",
    "Mégr",
    "Nérv",
    "Pélv",
    "Rouqu",
    "Thiv",
    "Urq",
    "Yzern",
    "Écl",
    "Fraz",
    "Glomb",
    "Hulv",
    "Isp",
    "Krum",
    "Luz",
    "Mirq",
)
_SYLLABES_MILIEU = ("a", "e", "o", "i", "ou", "é", "ai", "eu", "ia", "è", "au", "y")
_SYLLABES_FIN = (
    "zonne",
    "rieux",
    "lègue",
    "mondre",
    "villiers",
    "courtil",
    "fargues",
    "nac",
    "zac",
    "ssac",
    "ronde",
    "quière",
    "mâlet",
    "gnolle",
    "vrange",
    "thoux",
    "bœuf",
    "lanche",
    "verne",
    "sselin",
)
_COMPLEMENTS = (
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "",
    "-sur-Lirque",
    "-sur-Varonne",
    "-sur-Ozière",
    "-sur-Brandelle",
    "-sur-Murgne",
    "-sur-Vézonne",
    "-sur-Aulque",
    "-sur-Trémise",
    "-les-Bruyères",
    "-les-Ormeaux",
    "-les-Cressonnières",
    "-les-Vignottes",
    "-en-Gaverne",
    "-en-Falière",
    "-le-Haut",
    "-la-Forêt",
)
_VILLES_REELLES = (
    "Paris",
    "Marseille",
    "Lyon",
    "Toulouse",
    "Nice",
    "Nantes",
    "Montpellier",
    "Strasbourg",
    "Bordeaux",
    "Lille",
    "Rennes",
    "Reims",
    "Toulon",
    "Grenoble",
    "Dijon",
    "Angers",
    "Nîmes",
    "Brest",
    "Limoges",
    "Tours",
    "Amiens",
    "Metz",
    "Perpignan",
    "Besançon",
    "Orléans",
    "Rouen",
    "Caen",
    "Nancy",
    "Avignon",
    "Poitiers",
    "Pau",
    "Calais",
    "Vannes",
    "Laval",
)
_PRENOMS = (
    "Odile",
    "Gaëtan",
    "Maëlys",
    "Anatole",
    "Solange",
    "Firmin",
    "Léontine",
    "Barnabé",
    "Clémence",
    "Hippolyte",
    "Églantine",
    "Norbert",
)
_NOMS_PERSONNES = (
    "Fermenthal",
    "Quervoisier",
    "Brasdelune",
    "Valcombrier",
    "Trémoulhac",
    "Ostrevaine",
    "Pignolard",
    "Dérouvalle",
    "Kermabonne",
    "Saulmerie",
    "Vézinoux",
    "Larquebuse",
)

_COMMENTAIRES = {
    "positif": (
        "Très bon accueil, merci.",
        "Réponse rapide et claire.",
        "Personnel aimable et efficace.",
        "Démarche simple, rien à redire.",
        "Bonne écoute, j'ai obtenu ce qu'il me fallait.",
    ),
    "neutre": (
        "Correct dans l'ensemble.",
        "Un peu d'attente mais réponse juste.",
        "Site à améliorer ; accueil correct.",
        "Rien de particulier.",
    ),
    "negatif": (
        "Impossible de joindre le service, personne ne décroche.",
        "Réponse incomplète, j'ai dû rappeler.",
        "Attente interminable à l'accueil.",
        "Courrier resté sans réponse depuis un mois.",
        "On m'a renvoyé de service en service, sans solution.",
    ),
}


# --- Fonction publique -----------------------------------------------------------------


def generer_demo(
    donnees, graine: int = 2012, echelle: float = 1.0, annees=None, ecarts: EcartsModele = ECARTS_DEMO
) -> dict:
    """Écrit les données fictives de démonstration dans ``<donnees>/raw/`` et leurs vérités.

    ``echelle`` multiplie le nombre de structures de chaque édition ; ``annees`` limite les
    dossiers d'édition écrits (``editions.csv`` liste toujours les dix éditions) ; ``ecarts``
    règle les écarts au modèle des intervalles (``SANS_ECARTS`` : aucun). Mêmes arguments,
    mêmes octets. Renvoie un résumé : fichiers écrits et nombre de lignes.

    >>> resume = generer_demo("/tmp/demo", echelle=0.1, annees=[2022])  # doctest: +SKIP
    >>> resume["lignes"]["raw/2022/participants.csv"]  # 35 structures + 1 doublon planté  # doctest: +SKIP
    36
    """
    annees_ecrites = _annees_demandees(annees)
    if not echelle > 0:
        raise ValueError(f"L'échelle doit être strictement positive (reçu : {echelle}).")
    racine = Path(donnees)
    brut = dossier_raw(racine)
    _nettoyer_ancienne_demo(racine, annees_ecrites)
    brut.mkdir(parents=True, exist_ok=True)
    monde = _construire_monde(graine, echelle, ecarts)
    lignes = {"raw/editions.csv": _ecrire_editions(brut)}
    rejets, personnelles = [], {}
    for annee in annees_ecrites:
        ecrits, plantes, n_perso = _ecrire_edition(brut / str(annee), monde, annee)
        lignes.update({f"raw/{annee}/{nom}": n for nom, n in ecrits.items()})
        rejets.extend(plantes)
        personnelles[str(annee)] = n_perso
    verite = _verites(monde, annees_ecrites, rejets, personnelles)

    lignes_ecoute, verite["ecoute"] = generer_ecoute(racine, monde, annees_ecrites, graine)
    lignes.update(lignes_ecoute)
    chemin_verite = racine / FICHIER_VERITE_DEMO
    chemin_verite.write_text(json.dumps(verite, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    return {
        "donnees": str(racine),
        "graine": graine,
        "echelle": echelle,
        "annees": list(annees_ecrites),
        "lignes": lignes,
        "fichiers": sorted(lignes) + [FICHIER_VERITE_DEMO],
        "rejets_plantes": len(rejets),
        "verite": str(chemin_verite),
    }


def _annees_demandees(annees) -> tuple:
    if annees is None:
        return ANNEES
    demandees = sorted({int(a) for a in annees})
    inconnues = [a for a in demandees if a not in ANNEES]
    if inconnues:
        raise ValueError(f"Édition(s) inconnue(s) : {inconnues} (attendu parmi {list(ANNEES)}).")
    return tuple(demandees)


_FICHIERS_EDITION = ("participants.csv", "grille.csv", "audits.csv", "audits.xlsx", "enquete.csv", "avis.csv")


def _nettoyer_ancienne_demo(racine: Path, annees_ecrites) -> None:
    """Retire les fichiers d'une démonstration précédente (racine marquée) pour qu'aucun fichier
    périmé ne survive ; ailleurs, ne retire que le fichier d'audits de l'autre format."""
    brut = dossier_raw(racine)
    demo_precedente = (racine / FICHIER_VERITE_DEMO).exists()
    for annee in ANNEES:
        dossier = brut / str(annee)
        if not dossier.is_dir() or not (demo_precedente or annee in annees_ecrites):
            continue
        noms = _FICHIERS_EDITION if demo_precedente else ("audits.csv", "audits.xlsx")
        for nom in noms:
            (dossier / nom).unlink(missing_ok=True)
        if demo_precedente and not any(dossier.iterdir()):
            dossier.rmdir()


def _rng(graine: int, annee: int, usage: str) -> np.random.Generator:
    return np.random.default_rng([int(graine), int(annee), _USAGES[usage]])


# --- Le monde : structures, panel, grilles, calage -------------------------------------


@dataclasses.dataclass
class _Monde:
    graine: int
    echelle: float
    structures: dict  # tableaux numpy indexés par structure (ordre du vivier)
    participations: dict  # annee -> indices triés des structures participantes
    statut: dict  # annee -> tableau : 0 nouvelle, 1 reprise de l'édition précédente, 2 retour
    banque: list
    ecarts: EcartsModele = SANS_ECARTS
    editions: dict = dataclasses.field(default_factory=dict)  # annee -> _Edition


@dataclasses.dataclass
class _Edition:
    annee: int
    idx: np.ndarray
    canaux: tuple
    grille: list
    nb_contacts: np.ndarray  # (structures, canaux) nombre de contacts prévus
    base: np.ndarray  # τ + κ·certifiée + u, par structure
    sigma: np.ndarray  # (structures, canaux) écart-type de ε_contact
    part_parfaits: float = 0.0
    theta: float = 0.0


def _construire_monde(graine: int, echelle: float, ecarts: EcartsModele = ECARTS_DEMO) -> _Monde:
    structures, participations, statut = _simuler_panel(_rng(graine, 0, "panel"), echelle)
    structures["nom"] = _noms_fictifs(_rng(graine, 0, "noms"), structures)
    largeur = max(5, len(str(len(structures["type"]) + 1000)))
    structures["id"] = _identifiants("S", np.arange(1, len(structures["type"]) + 1), largeur)
    structures["largeur_id"] = largeur
    z = _rng(graine, 0, "ecarts").standard_normal(len(structures["type"]))
    structures["constance"] = np.exp(ecarts.constance * z)  # facteur de σ_contact de chaque structure
    monde = _Monde(graine, echelle, structures, participations, statut, _banque_questions(), ecarts)
    for annee in ANNEES:
        monde.editions[annee] = _preparer_edition(monde, annee)
    return monde


def _simuler_panel(rng, echelle):
    """Vivier de structures et participations : reprises, retours après absence, nouvelles."""
    attributs = {k: [] for k in ("type", "population", "region", "sous_type", "certif", "u", "w", "entree", "code_geo")}
    participations, statut = {}, {}
    precedents = np.array([], dtype=np.int64)
    n_vivier = 0
    for annee in ANNEES:
        n = max(4, int(round(_PARTICIPANTS[annee] * echelle)))
        if annee == ANNEES[0]:
            reprises = retours = np.array([], dtype=np.int64)
        else:
            n_reprises = min(len(precedents), int(round(_TAUX_REPRISE[annee] * n)))
            reprises = rng.choice(precedents, n_reprises, replace=False)
            absents = np.setdiff1d(np.concatenate([participations[a] for a in participations]), precedents)
            retours = rng.choice(absents, min(len(absents), int(round(_TAUX_RETOUR_APRES_ABSENCE * n))), replace=False)
        n_nouvelles = n - len(reprises) - len(retours)
        nouvelles = np.arange(n_vivier, n_vivier + n_nouvelles)
        for cle, valeurs in _tirer_nouvelles(rng, annee, n_nouvelles, echelle).items():
            attributs[cle].append(valeurs)
        n_vivier += n_nouvelles
        tous = np.concatenate([reprises, retours, nouvelles]).astype(np.int64)
        etat = np.concatenate([np.ones(len(reprises)), np.full(len(retours), 2), np.zeros(n_nouvelles)])
        ordre = np.argsort(tous)
        participations[annee], statut[annee] = tous[ordre], etat[ordre].astype(np.int8)
        precedents = participations[annee]
    structures = {cle: np.concatenate(v) for cle, v in attributs.items()}
    return structures, participations, statut


def _tirer_nouvelles(rng, annee, n, echelle):
    """Attributs des structures qui participent pour la première fois à ``annee``."""
    types = _tirer_types(rng, annee, n, echelle)
    population = np.full(n, np.nan)
    for t, (mediane, sigma, bas, haut) in _POPULATION.items():
        m = types == t
        population[m] = np.clip(np.round(np.exp(rng.normal(math.log(mediane), sigma, m.sum()))), bas, haut)
    poids = np.array([r[2] for r in _REGIONS])
    region = rng.choice(len(_REGIONS), n, p=poids / poids.sum())
    certifiee = rng.random(n) < np.array([_PROBA_CERTIFIEE[t] for t in types])
    premiere = rng.choice([1, 2, 4], n, p=[0.45, 0.35, 0.20])  # qualivilles, marianne, iso9001
    seconde = np.where(rng.random(n) < 0.2, rng.choice([1, 2, 4], n), 0)
    certif = np.where(certifiee, premiere | seconde, 0)
    decalage = _DECALAGE_NOUVEAUX if annee >= ANNEE_RUPTURE else 0.0
    code_geo = _codes_geo(rng, types, region)
    return {
        "type": types,
        "population": population,
        "region": region,
        "sous_type": np.where(types == "autre_service_public", rng.integers(0, len(_SOUS_TYPES), n), -1),
        "certif": certif,
        "u": rng.normal(decalage, _SIGMA_STRUCTURE, n),
        "w": rng.normal(0, _SIGMA_STRUCTURE_SATISFACTION, n),
        "entree": np.full(n, annee),
        "code_geo": code_geo,
    }


def _tirer_types(rng, annee, n, echelle):
    mix = dict(_MIX_TYPES)
    if annee < 2014:
        mix["departement"] = 0.0
    elif annee == 2014:
        mix["departement"] = 0.15
    if annee <= 2017:
        mix["autre_service_public"] = 0.0
    noms = list(mix)
    p = np.array([mix[t] for t in noms])
    n_asp = min(n, int(round(_ASP_2017 * echelle))) if annee == 2017 else 0
    autres = rng.choice(np.array(noms, dtype=object), n - n_asp, p=p / p.sum())
    types = np.concatenate([np.full(n_asp, "autre_service_public", dtype=object), autres])
    return types[rng.permutation(n)]


def _codes_geo(rng, types, region):
    """Codes géographiques fictifs (chaînes, zéros de tête compris) ; vides pour une partie."""
    n = len(types)
    dep = _identifiants("", rng.integers(1, 96, n), 2)
    commune = dep.astype(object) + _identifiants("", rng.integers(1, 999, n), 3).astype(object)
    codes_region = np.array([r[1] for r in _REGIONS], dtype=object)[region]
    code = np.full(n, "", dtype=object)
    code[types == "commune"] = commune[types == "commune"]
    code[types == "departement"] = dep[types == "departement"]
    code[types == "region"] = codes_region[types == "region"]
    code[rng.random(n) < 0.25] = ""
    return code


def _identifiants(prefixe, nombres, largeur):
    chiffres = np.char.zfill(np.asarray(nombres, dtype=np.int64).astype("U"), largeur)
    return np.char.add(prefixe, chiffres).astype(object)


def _noms_fictifs(rng, structures):
    """Un toponyme inventé et unique par structure, puis le nom selon le type."""
    types = structures["type"]
    n = len(types)
    tailles = (len(_SYLLABES_DEBUT), len(_SYLLABES_MILIEU), len(_SYLLABES_FIN), len(_COMPLEMENTS), 2)
    total = int(np.prod(tailles))
    if n > total:
        raise ValueError(f"Échelle trop grande : {n} structures pour {total} noms fictifs possibles.")
    tirage = rng.choice(total, min(total, 2 * n), replace=False)
    d, m, f, c, s = np.unravel_index(tirage, tailles)
    candidats = (
        np.where(s == 1, "Saint-", "").astype(object)
        + np.array(_SYLLABES_DEBUT, dtype=object)[d]
        + np.array(_SYLLABES_MILIEU, dtype=object)[m]
        + np.array(_SYLLABES_FIN, dtype=object)[f]
        + np.array(_COMPLEMENTS, dtype=object)[c]
    )
    textes = candidats.astype(str)
    reels = np.zeros(len(textes), dtype=bool)
    for ville in _VILLES_REELLES:  # par prudence : aucun nom ne contient une grande ville réelle
        reels |= np.char.find(textes, ville) >= 0
    _, premiers = np.unique(textes, return_index=True)  # un complément vide revient souvent
    premiers = premiers[~reels[premiers]]
    if len(premiers) < n:
        raise ValueError(f"Échelle trop grande : {n} structures pour {len(premiers)} noms fictifs distincts.")
    garder = np.sort(premiers)[:n]
    topo, tirage = candidats[garder], tirage[garder]
    nom = "Mairie de " + topo
    nom = np.where(types == "mairie_annexe", "Mairie annexe de " + topo, nom)
    pop = np.nan_to_num(structures["population"])
    epci = np.where(
        pop >= 400_000,
        "Métropole de ",
        np.where(pop >= 50_000, "Communauté d'agglomération de ", "Communauté de communes du Val de "),
    )
    nom = np.where(types == "epci", epci.astype(object) + topo, nom)
    article = np.array(["Département de la Haute-", "Département du Bas-", "Département de "], dtype=object)
    nom = np.where(types == "departement", article[tirage % 3] + topo, nom)
    nom = np.where(types == "region", "Région " + topo, nom)
    prefixes_asp = np.array([p[1] + " " for p in _SOUS_TYPES], dtype=object)
    asp = types == "autre_service_public"
    nom = np.where(asp, prefixes_asp[np.maximum(structures["sous_type"], 0)] + topo, nom)
    return nom.astype(object)


def _banque_questions():
    """Banque de questions de toutes les éditions, avec indicateurs harmonisés et codes."""
    rng = np.random.default_rng(20120)  # la grille ne dépend pas de la graine
    banque = []
    for canal in CANAUX:
        debut_canal = _DEBUT_CANAL.get(canal, ANNEES[0])
        for c, ind, lib, etape, det, typ, pts, bareme, eta, mini, pas in _OPERATIONNELLES:
            if c == canal:
                banque.append(
                    dict(
                        canal=canal,
                        indicateur=ind,
                        libelle=lib,
                        etape=etape,
                        determinant=det,
                        type_reponse=typ,
                        points_max=float(pts),
                        bareme=bareme,
                        eta=eta,
                        minimum=mini,
                        pas=pas,
                        debut=debut_canal,
                        fin=9999,
                    )
                )
        banque.extend(_questions_generiques(rng, canal, debut_canal))
        banque.append(
            dict(
                canal=canal,
                indicateur="",
                libelle=f"{_CONTEXTES[canal]} : remarques de l'enquêteur",
                etape="traitement",
                determinant="qualite_reponse",
                type_reponse="texte",
                points_max=0.0,
                bareme="",
                eta=0.0,
                minimum=0,
                pas=0,
                debut=debut_canal,
                fin=9999,
            )
        )
    _attribuer_codes(banque)
    return banque


def _questions_generiques(rng, canal, debut_canal):
    questions = []
    garder = 1.0 if canal not in _DEBUT_CANAL else 0.6
    prefixe = _PREFIXES[canal][1]
    for det in DETERMINANTS:
        for j, (enonce, etape) in enumerate(_ENONCES[det]):
            r, garde, typ, pts = rng.random(), rng.random(), rng.random(), rng.choice([1, 1, 2, 2, 3, 1.5])
            if garde > garder:
                continue
            debut, fin, indicateur = debut_canal, 9999, f"{prefixe}_{det.upper()}_{j + 1:02d}"
            if r < 0.12:
                fin = 2016
            elif r < 0.24:
                debut = max(debut, 2017)
            elif r < 0.27:
                debut = max(debut, 2014)
            elif r < 0.30:
                debut = max(debut, 2020)
            elif r < 0.34:
                debut = fin = ANNEES[int(rng.integers(ANNEES.index(debut_canal), len(ANNEES)))]
                indicateur = ""
            echelle4 = typ < 0.22
            questions.append(
                dict(
                    canal=canal,
                    indicateur=indicateur,
                    determinant=det,
                    etape=etape,
                    libelle=f"{_CONTEXTES[canal]} : {enonce[0].lower()}{enonce[1:]}",
                    type_reponse="echelle4" if echelle4 else "oui_non",
                    points_max=float(rng.choice([3, 4])) if echelle4 else float(pts),
                    bareme="",
                    eta=float(np.round(rng.normal(0, 3), 1)),
                    minimum=0,
                    pas=0,
                    debut=debut,
                    fin=fin,
                )
            )
    return questions


def _attribuer_codes(banque):
    """Codes avant la refonte de 2017 (``T07``) et après (``TEL_007``)."""
    for canal in CANAUX:
        lettre, prefixe = _PREFIXES[canal]
        anciennes = [q for q in banque if q["canal"] == canal and q["debut"] < 2017]
        nouvelles = [q for q in banque if q["canal"] == canal and q["fin"] >= 2017]
        for k, q in enumerate(anciennes, 1):
            q["code_ancien"] = f"{lettre}{k:02d}"
        for k, q in enumerate(nouvelles, 1):
            q["code_nouveau"] = f"{prefixe}_{k:03d}"


def _grille(banque, annee):
    canaux = _canaux_edition(annee)
    grille = []
    for q in banque:
        if q["canal"] in canaux and q["debut"] <= annee <= q["fin"]:
            code = q["code_ancien"] if annee < 2017 else q["code_nouveau"]
            grille.append(dict(q, code_question=code))
    return grille


def _canaux_edition(annee):
    return tuple(c for c in CANAUX if _DEBUT_CANAL.get(c, ANNEES[0]) <= annee)


def _preparer_edition(monde, annee):
    """Participants, grille, plan de contacts et calage de θ pour une édition."""
    s = monde.structures
    idx = monde.participations[annee]
    canaux = _canaux_edition(annee)
    rng = _rng(monde.graine, annee, "plan")
    nb = np.zeros((len(idx), len(canaux)), dtype=np.int64)
    for j, canal in enumerate(canaux):
        bas, haut = _CONTACTS_PAR_CANAL[canal]
        nb[:, j] = rng.integers(bas, haut + 1, len(idx))
        if canal == "reseaux_sociaux":
            nb[:, j] *= rng.random(len(idx)) < _PART_TESTES_RESEAUX
    ecarts = monde.ecarts
    if ecarts.part_un_contact > 0:
        un_seul = _rng(monde.graine, annee, "ecarts_plan").random(len(idx)) < ecarts.part_un_contact
        nb[un_seul] = np.minimum(nb[un_seul], 1)
    base = (
        np.array([_EFFETS_TYPE[t] for t in s["type"][idx]])
        + _EFFET_CERTIFICATION * (s["certif"][idx] > 0)
        + s["u"][idx]
    )
    facteurs_canal = np.array([ecarts.facteur_canal(c) for c in canaux])
    sigma = _SIGMA_CONTACT * s["constance"][idx][:, None] * facteurs_canal[None, :]
    edition = _Edition(
        annee, idx, canaux, _grille(monde.banque, annee), nb, base, sigma, part_parfaits=ecarts.part_parfaits
    )
    edition.theta = _caler_theta(edition, _NATIONAL_CIBLE[annee])
    return edition


# --- Espérances analytiques -------------------------------------------------------------


def _esperance_bornee(m, derivee=False, sigma=_SIGMA_CONTACT, part_parfaits=0.0):
    """E[borne(m + ε, 2, 98)] pour ε ~ N(0, σ), en points sur 100 (et sa dérivée en m) ; un
    contact parfait (probabilité ``part_parfaits``) vaut 100."""
    a, b = _BORNES
    za, zb = (a - m) / sigma, (b - m) / sigma
    pa, pb = ndtr(za), ndtr(zb)
    densite = (np.exp(-0.5 * za**2) - np.exp(-0.5 * zb**2)) / math.sqrt(2 * math.pi)
    esperance = a * pa + b * (1 - pb) + m * (pb - pa) + sigma * densite
    esperance = (1 - part_parfaits) * esperance + 100.0 * part_parfaits
    return (esperance, (1 - part_parfaits) * (pb - pa)) if derivee else esperance


def _decalage_question(q):
    return _EFFETS_DETERMINANT[q["determinant"]] + q["eta"]


def _scores_canal_attendus(edition, theta, derivee=False):
    """(structures, canaux) score attendu de chaque structure sur chaque canal (NaN si non testé) ;
    avec ``derivee``, aussi la dérivée de ces scores par rapport à θ."""
    scores = np.full(edition.nb_contacts.shape, np.nan)
    pentes = np.full(edition.nb_contacts.shape, np.nan)
    for j, canal in enumerate(edition.canaux):
        notees = [q for q in edition.grille if q["canal"] == canal and q["points_max"] > 0]
        decalages = np.array([_decalage_question(q) for q in notees])
        poids = np.array([q["points_max"] for q in notees])
        uniques, inverse = np.unique(decalages, return_inverse=True)
        poids_u = np.bincount(inverse, weights=poids)
        mu = theta + _EFFETS_CANAL[canal] + edition.base
        teste = edition.nb_contacts[:, j] > 0
        esperances, derivees = _esperance_bornee(
            mu[teste, None] + uniques[None, :], True, edition.sigma[teste, j, None], edition.part_parfaits
        )
        scores[teste, j] = esperances @ poids_u / poids_u.sum()
        pentes[teste, j] = derivees @ poids_u / poids_u.sum()
    return (scores, pentes) if derivee else scores


def _caler_theta(edition, cible):
    """θ tel que le score national attendu égale la cible (Newton, repli sur Brent)."""
    theta = cible - float(np.mean(edition.base))
    for _ in range(30):
        scores, pentes = _scores_canal_attendus(edition, theta, derivee=True)
        ecart = float(np.mean(np.nanmean(scores, axis=1))) - cible
        if abs(ecart) < 1e-9:
            return theta
        theta -= ecart / float(np.mean(np.nanmean(pentes, axis=1)))

    def ecart_national(t):
        return float(np.mean(np.nanmean(_scores_canal_attendus(edition, t), axis=1))) - cible

    return float(brentq(ecart_national, -80, 200, xtol=1e-10))


def _esperances_questions(edition):
    """(structures, questions notées) part attendue de chaque question, et la liste des questions."""
    notees = [q for q in edition.grille if q["points_max"] > 0]
    colonnes = []
    for q in notees:
        j = edition.canaux.index(q["canal"])
        mu = edition.theta + _EFFETS_CANAL[q["canal"]] + edition.base + _decalage_question(q)
        esperance = _esperance_bornee(mu, sigma=edition.sigma[:, j], part_parfaits=edition.part_parfaits)
        colonnes.append(np.where(edition.nb_contacts[:, j] > 0, esperance, np.nan))
    return np.column_stack(colonnes), notees


def _niveaux_determinants(edition):
    """(structures, déterminants) score attendu par déterminant, canaux mis en commun."""
    esperances, notees = _esperances_questions(edition)
    contacts = np.column_stack([edition.nb_contacts[:, edition.canaux.index(q["canal"])] for q in notees])
    poids = contacts * np.array([q["points_max"] for q in notees])[None, :]
    niveaux = np.full((len(edition.idx), len(DETERMINANTS)), np.nan)
    for k, det in enumerate(DETERMINANTS):
        cols = [i for i, q in enumerate(notees) if q["determinant"] == det]
        if cols:
            denominateur = poids[:, cols].sum(axis=1)
            numerateur = np.nansum(poids[:, cols] * esperances[:, cols], axis=1)
            niveaux[:, k] = np.where(denominateur > 0, numerateur / np.maximum(denominateur, 1e-12), np.nan)
    return niveaux


# --- Écriture d'une édition -----------------------------------------------------------


def _ecrire_edition(dossier: Path, monde, annee):
    """Écrit les fichiers d'une édition ; renvoie (lignes par fichier, rejets plantés, données perso)."""
    dossier.mkdir(parents=True, exist_ok=True)
    edition = monde.editions[annee]
    conv = CONVENTIONS[annee]
    ecrits, rejets, personnelles = {}, [], {}
    ecrits["participants.csv"], plantes = _ecrire_participants(dossier, monde, edition, conv)
    rejets += plantes
    ecrits["grille.csv"] = _ecrire_grille(dossier, edition, conv)
    nom_audits, n, plantes = _ecrire_audits(dossier, monde, edition, conv)
    ecrits[nom_audits] = n
    rejets += plantes
    if annee >= 2017:
        ecrits["enquete.csv"], plantes, personnelles["enquete"] = _ecrire_enquete(dossier, monde, edition, conv)
        rejets += plantes
    if annee >= 2020:
        ecrits["avis.csv"], plantes, personnelles["avis"] = _ecrire_avis(dossier, monde, edition, conv)
        rejets += plantes
    for r in rejets:
        r["annee"] = annee
    return ecrits, rejets, personnelles


def _ecrire_csv(chemin: Path, entetes, blocs, conv: Convention) -> int:
    """Écrit un CSV par blocs (tableaux 2-D d'objets chaînes) selon la convention ; renvoie le nb de lignes."""
    n = 0
    with open(chemin, "w", encoding=conv.encodage, newline="") as f:
        ecrivain = csv.writer(f, delimiter=conv.separateur, lineterminator=conv.fin_ligne, quoting=csv.QUOTE_MINIMAL)
        ecrivain.writerow(entetes)
        for bloc in blocs:
            ecrivain.writerows(bloc.tolist())
            n += len(bloc)
    return n


def _lignes_physiques(tableau, colonnes_texte):
    """Ligne du fichier où commence chaque enregistrement (en-tête = 1), sauts de ligne internes compris."""
    import pandas as pd

    sauts = np.zeros(len(tableau), dtype=np.int64)
    for j in colonnes_texte:
        sauts += pd.Series(tableau[:, j], dtype=object).str.count("\n").to_numpy(dtype=np.int64)
    return 2 + np.concatenate([[0], np.cumsum(1 + sauts)[:-1]])


def _dates_texte(jours, conv):
    """Dates (numpy datetime64[D]) en texte selon la convention, via les dates uniques."""
    uniques, inverse = np.unique(jours, return_inverse=True)
    textes = np.array([_format_date(d, conv) for d in uniques.astype(object)], dtype=object)
    return textes[inverse]


def _format_date(jour, conv):
    return jour.strftime(conv.format_date)


def _date_impossible(annee, conv):
    return f"31/02/{annee}" if conv.format_date.startswith("%d") else f"{annee}-02-31"


def _texte_entiers(valeurs):
    return np.asarray(valeurs, dtype=np.int64).astype("U").astype(object)


def _texte_milliers(valeurs, separateur):
    """Entiers avec séparateur de milliers (``12 345``), vides pour NaN."""
    manquant = np.isnan(valeurs)
    v = np.nan_to_num(valeurs).astype(np.int64)
    if not separateur:
        texte = _texte_entiers(v)
    else:
        trois = np.array([f"{i:03d}" for i in range(1000)], dtype=object)
        texte = _texte_entiers(v % 1000)
        texte = np.where(v >= 1000, _texte_entiers(v // 1000 % 1000) + separateur + trois[v % 1000], texte)
        texte = np.where(
            v >= 1_000_000,
            _texte_entiers(v // 1_000_000) + separateur + trois[v // 1000 % 1000] + separateur + trois[v % 1000],
            texte,
        )
    return np.where(manquant, "", texte).astype(object)


def _certifications_texte(masques, annee):
    """Codes ``|``-séparés ; « marianne » devient « services_publics_plus » à partir de 2021."""
    bits = ("qualivilles", "marianne" if annee < 2021 else "services_publics_plus", "iso9001")
    table = np.array(["|".join(b for k, b in enumerate(bits) if m >> k & 1) for m in range(8)], dtype=object)
    return table[masques]


def _inserer(n_valides, positions_apres, rng):
    """Ordre final : indices 0..n-1 des lignes valides, puis -1-k pour la ligne plantée k,
    insérée après la ligne valide ``positions_apres[k]`` (à une place tirée au hasard)."""
    places = np.array([rng.integers(p + 1, n_valides + 1) for p in positions_apres], dtype=np.int64)
    ordre = np.arange(n_valides, dtype=np.int64)
    return np.insert(
        ordre,
        places[np.argsort(places, kind="stable")],
        (-1 - np.arange(len(places)))[np.argsort(places, kind="stable")],
    )


def _ecrire_participants(dossier, monde, edition, conv):
    s, idx, annee = monde.structures, edition.idx, edition.annee
    n = len(idx)
    population = _texte_milliers(s["population"][idx], conv.milliers)
    asp = s["type"][idx] == "autre_service_public"
    rng = _rng(monde.graine, annee, "rejets")
    if annee == 2013:
        population[(rng.random(n) < 0.03) & ~asp] = "NC"
    if annee == 2017:
        population[asp] = "Sans objet"
    sous_type = np.array([t[0] for t in _SOUS_TYPES], dtype=object)[np.maximum(s["sous_type"][idx], 0)]
    tableau = np.column_stack(
        [
            s["id"][idx],
            s["nom"][idx],
            s["type"][idx],
            np.where(asp, sous_type, ""),
            population,
            np.where((annee == 2018) & (s["code_geo"][idx] == ""), "NA", s["code_geo"][idx]),
            np.array([r[0] for r in _REGIONS], dtype=object)[s["region"][idx]],
            _certifications_texte(s["certif"][idx], annee),
        ]
    ).astype(object)
    plantes = []
    if annee in (2015, 2018, 2022):
        source = int(rng.integers(0, n))
        ordre = _inserer(n, [source], rng)
        tableau = np.vstack([tableau, tableau[source : source + 1]])[np.where(ordre < 0, n, ordre)]
        ligne = int(np.flatnonzero(ordre < 0)[0]) + 2
        plantes.append(
            dict(
                fichier="participants.csv",
                ligne=ligne,
                colonne="structure_id",
                valeur=tableau[ligne - 2, 0],
                motif_attendu="structure_dupliquee",
            )
        )
    entetes = [
        "structure_id",
        "nom",
        "type_structure",
        "sous_type",
        "population",
        "code_geo",
        "region",
        "certifications",
    ]
    return _ecrire_csv(dossier / "participants.csv", entetes, [tableau], conv), plantes


def _ecrire_grille(dossier, edition, conv):
    g = edition.grille
    points = np.array([_nombre_texte(q["points_max"], conv) for q in g], dtype=object)
    tableau = np.array(
        [
            [
                q["code_question"],
                q["libelle"],
                q["canal"],
                q["etape"],
                q["determinant"],
                q["type_reponse"],
                p,
                q["bareme"],
                q["indicateur"],
            ]
            for q, p in zip(g, points)
        ],
        dtype=object,
    )
    entetes = list(COLONNES_GRILLE)
    return _ecrire_csv(dossier / "grille.csv", entetes, [tableau], conv)


def _nombre_texte(x, conv):
    texte = f"{x:.1f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))
    return texte.replace(".", conv.decimale)


# --- Audits ---------------------------------------------------------------------------


def _plan_contacts(monde, edition):
    """Table des contacts valides (une ligne par contact), triée par structure, canal et date."""
    rng = _rng(monde.graine, edition.annee, "contacts")
    nb = edition.nb_contacts
    ligne_structure = np.repeat(np.repeat(np.arange(len(edition.idx)), nb.shape[1]), nb.ravel())
    canal = np.repeat(np.tile(np.arange(nb.shape[1]), len(edition.idx)), nb.ravel())
    n = len(canal)
    debut, fin = (np.datetime64(d) for d in _TERRAIN[edition.annee])
    duree = int((fin - debut).astype(int))
    decalage = rng.integers(0, duree + 1, n)
    ordre = np.lexsort((decalage, canal, ligne_structure))
    ligne_structure, canal, decalage = ligne_structure[ordre], canal[ordre], decalage[ordre]
    n_enqueteurs = max(5, n // 35)
    largeur = 4 if n_enqueteurs < 9000 else 5
    codes_enq = _identifiants("ENQ", rng.choice(10**largeur, n_enqueteurs, replace=False), largeur)
    return {
        "ligne_structure": ligne_structure,
        "canal": canal,
        "jour": debut + decalage,
        "vague": np.where(decalage <= duree // 2, 1, 2),
        "scenario": rng.choice(np.array(SCENARIOS, dtype=object), n),
        "enqueteur": codes_enq[rng.integers(0, n_enqueteurs, n)],
        "epsilon": rng.normal(0, 1.0, n) * edition.sigma[ligne_structure, canal],
        "parfait": _contacts_parfaits(monde, edition, n),
        "id": _identifiants(f"C{edition.annee}-", np.arange(1, n + 1), 6),
    }


def _contacts_parfaits(monde, edition, n):
    """Contacts parfaits (toutes les réponses au maximum), tirés à part pour ne rien changer d'autre."""
    if edition.part_parfaits <= 0:
        return np.zeros(n, dtype=bool)
    return _rng(monde.graine, edition.annee, "ecarts").random(n) < edition.part_parfaits


def _repondre_canal(rng, edition, contacts, canal, conv):
    """Réponses rendues en texte (contacts du canal × questions du canal), tirées du modèle."""
    j = edition.canaux.index(canal)
    lignes = np.flatnonzero(contacts["canal"] == j)
    questions = [q for q in edition.grille if q["canal"] == canal]
    mu = (
        edition.theta
        + _EFFETS_CANAL[canal]
        + edition.base[contacts["ligne_structure"][lignes]]
        + contacts["epsilon"][lignes]
    )
    rendu = np.empty((len(lignes), len(questions)), dtype=object)
    for k, q in enumerate(questions):
        p = np.clip((mu + _decalage_question(q)) / 100, _BORNES[0] / 100, _BORNES[1] / 100)
        p = np.where(contacts["parfait"][lignes], 1.0, p)
        rendu[:, k] = _repondre_question(rng, q, p, conv)
        sans_objet = rng.random(len(lignes)) < _TAUX_SANS_OBJET
        if q["type_reponse"] == "texte":
            continue
        jeton = np.where(rng.random(len(lignes)) < 0.5, conv.jeton_manquant, "")
        rendu[sans_objet, k] = jeton[sans_objet]
    return lignes, questions, rendu


def _repondre_question(rng, q, p, conv):
    typ, n = q["type_reponse"], len(p)
    if typ == "oui_non":
        oui = rng.random(n) < p
        rendu = np.where(oui, "Oui", "Non").astype(object)
        if conv.casse_mixte:
            variantes = np.where(oui, rng.choice(["oui", "OUI ", " Oui"], n), rng.choice(["non", "NON ", "Non "], n))
            melange = rng.random(n) < 0.05
            rendu[melange] = variantes[melange]
        return rendu
    if typ == "echelle4":
        return _texte_entiers(1 + rng.binomial(3, p))
    if typ == "nombre":
        return _valeurs_nombre(rng, q, p, conv)
    texte = np.array(_TEXTES_AUDIT, dtype=object)[rng.integers(0, len(_TEXTES_AUDIT), n)]
    return np.where(rng.random(n) < 0.6, texte, "").astype(object)


def _paliers(bareme):
    paires = [tuple(float(x) for x in p.split(":")) for p in bareme.split("|")]
    return [p[0] for p in paires], [p[1] for p in paires]


def _valeurs_nombre(rng, q, p, conv):
    """Valeur tirée dans un palier du barème, de sorte que E[points / points_max] = p exactement.

    Mélange : premier palier (t), deuxième palier (m = 0,4·min(p, 1 − p), rapport r), au-delà du
    dernier seuil (b) ; t = p − m·r et b = 1 − t − m."""
    seuils, points = _paliers(q["bareme"])
    n, pas, mini = len(p), q["pas"], q["minimum"]
    r = points[1] / q["points_max"] if len(seuils) > 1 else 0.0
    m = 0.4 * np.minimum(p, 1 - p) if len(seuils) > 1 else np.zeros(n)
    t = p - m * r
    u = rng.random(n)
    palier = np.where(u < t, 0, np.where(u < t + m, 1, 2))
    bas = np.array([mini, seuils[0] + pas, seuils[-1] + pas])[palier]
    haut = np.array([seuils[0], seuils[min(1, len(seuils) - 1)], math.ceil(2.5 * seuils[-1])])[palier]
    pas_entiers = np.floor((haut - bas) / pas + 1e-9).astype(np.int64) + 1
    valeur = bas + pas * np.floor(rng.random(n) * pas_entiers)
    dixiemes = np.round(valeur * 10).astype(np.int64)
    if pas >= 1:
        return _texte_entiers(dixiemes // 10)
    table = np.array([f"{i // 10}{conv.decimale}{i % 10}" for i in range(dixiemes.max() + 1)], dtype=object)
    return table[dixiemes]


def _ecrire_audits(dossier, monde, edition, conv):
    """Audits d'une édition : contacts valides, réponses par canal, lignes plantées ; CSV ou xlsx."""
    contacts = _plan_contacts(monde, edition)
    rng = _rng(monde.graine, edition.annee, "reponses")
    blocs = [_repondre_canal(rng, edition, contacts, canal, conv) for canal in edition.canaux]
    codes = [q["code_question"] for q in edition.grille]
    position = {c: i for i, c in enumerate(codes)}
    plantes = _planter_audits(_rng(monde.graine, edition.annee, "rejets"), monde, edition, contacts, blocs)
    ordre = _inserer(len(contacts["id"]), [p["source"] for p in plantes], _rng(monde.graine, edition.annee, "rejets"))
    en_xlsx = edition.annee == 2014 and monde.echelle <= 2
    nom = "audits.xlsx" if en_xlsx else "audits.csv"
    entetes = ["id_contact", "structure_id", "canal", "scenario", "date_contact", "vague", "enqueteur", *codes]
    fixes = _colonnes_fixes(monde, edition, contacts, conv)

    def morceaux(taille=20_000):
        for debut in range(0, len(ordre), taille):
            yield _assembler(ordre[debut : debut + taille], fixes, blocs, contacts, plantes, position, len(codes))

    for k in np.flatnonzero(ordre < 0):
        plantes[-1 - ordre[k]]["ligne"] = int(k) + 2
    if en_xlsx:
        n = _ecrire_xlsx(dossier / nom, entetes, morceaux(), edition)
    else:
        n = _ecrire_csv(dossier / nom, entetes, morceaux(), conv)
    rejets = [
        dict(
            fichier=nom,
            ligne=p["ligne"],
            colonne=p["colonne"],
            valeur=p["valeur"],
            motif_attendu="reponse_invalide" if p["motif"].startswith("reponse_invalide") else p["motif"],
        )
        for p in plantes
    ]
    return nom, n, rejets


def _colonnes_fixes(monde, edition, contacts, conv):
    s = monde.structures
    return np.column_stack(
        [
            contacts["id"],
            s["id"][edition.idx][contacts["ligne_structure"]],
            np.array(edition.canaux, dtype=object)[contacts["canal"]],
            contacts["scenario"],
            _dates_texte(contacts["jour"], conv),
            _texte_entiers(contacts["vague"]),
            contacts["enqueteur"],
        ]
    )


def _assembler(ordre, fixes, blocs, contacts, plantes, position, n_questions):
    """Un morceau du fichier d'audits : colonnes fixes, réponses du canal du contact, vides ailleurs."""
    sources = np.array([p["source"] for p in plantes] or [0], dtype=np.int64)
    valides = np.where(ordre < 0, sources[np.maximum(-1 - ordre, 0)], ordre)
    tableau = np.full((len(ordre), 7 + n_questions), "", dtype=object)
    tableau[:, :7] = fixes[valides]
    rang = np.full(len(contacts["id"]), -1, dtype=np.int64)
    for lignes, questions, rendu in blocs:
        rang[lignes] = np.arange(len(lignes))
        dans = np.flatnonzero(np.isin(valides, lignes))
        cols = 7 + np.array([position[q["code_question"]] for q in questions])
        tableau[np.ix_(dans, cols)] = rendu[rang[valides[dans]]]
    for k in np.flatnonzero(ordre < 0):
        p = plantes[-1 - ordre[k]]
        colonne = (
            7 + position[p["colonne"]]
            if p["colonne"] in position
            else ("id_contact", "structure_id", "canal", "scenario", "date_contact").index(p["colonne"])
        )
        tableau[k, colonne] = p["valeur"]
        if p["nouvel_id"]:
            tableau[k, 0] = p["nouvel_id"]
    return tableau


def _planter_audits(rng, monde, edition, contacts, blocs):
    """Lignes fautives ajoutées (≈ 0,3 %, au moins une de chaque sorte), copies de contacts valides."""
    n = len(contacts["id"])
    n_plantes = max(len(_MOTIFS), int(round(0.003 * n)))
    tel = edition.canaux.index("telephone")
    questions_tel = {
        q["type_reponse"]: q["code_question"] for q in reversed(edition.grille) if q["canal"] == "telephone"
    }
    hors_canal = [
        q["code_question"] for q in edition.grille if q["canal"] == "courrier" and q["type_reponse"] == "oui_non"
    ][0]
    largeur = monde.structures["largeur_id"]
    appels = np.flatnonzero(contacts["canal"] == tel)
    plantes = []
    for k in range(n_plantes):
        motif = _MOTIFS[k % len(_MOTIFS)]
        source = int(rng.choice(appels))
        nouvel_id = f"C{edition.annee}-{n + k + 1:06d}"
        colonne, valeur = {
            "structure_inconnue": ("structure_id", f"S{len(monde.structures['type']) + 500 + k:0{largeur}d}"),
            "id_contact_duplique": ("id_contact", contacts["id"][source]),
            "canal_invalide": ("canal", "fax"),
            "reponse_invalide_oui_non": (questions_tel["oui_non"], "Peut-être"),
            "reponse_invalide_echelle4": (questions_tel["echelle4"], "7"),
            "reponse_invalide_nombre": (questions_tel["nombre"], "abc"),
            "date_invalide": ("date_contact", _date_impossible(edition.annee, CONVENTIONS[edition.annee])),
            "reponse_hors_canal": (hors_canal, "Oui"),
        }[motif]
        plantes.append(
            dict(
                source=source,
                motif=motif,
                colonne=colonne,
                valeur=valeur,
                nouvel_id="" if motif == "id_contact_duplique" else nouvel_id,
            )
        )
    return plantes


def _ecrire_xlsx(chemin, entetes, morceaux, edition):
    """Audits au format Excel (première feuille), cellules typées ; octets reproductibles."""
    import datetime

    from openpyxl import Workbook

    types = {q["code_question"]: q["type_reponse"] for q in edition.grille}
    numeriques = [7 + i for i, c in enumerate(entetes[7:]) if types[c] in ("echelle4", "nombre")]
    classeur = Workbook(write_only=True)
    feuille = classeur.create_sheet("audits")
    feuille.append(entetes)
    n = 0
    for bloc in morceaux:
        for ligne in bloc.tolist():  # openpyxl n'écrit qu'une ligne à la fois (éditions ≤ 2 × 200 structures)
            ligne[4] = _date_cellule(ligne[4])
            ligne[5] = int(ligne[5])
            for j in numeriques:
                ligne[j] = _nombre_cellule(ligne[j])
            feuille.append([None if v == "" else v for v in ligne])
        n += len(bloc)
    fixe = datetime.datetime(2015, 1, 15, 9, 0, 0)
    classeur.properties.created = fixe
    tampon = io.BytesIO()
    classeur.save(tampon)
    _zip_reproductible(tampon.getvalue(), chemin, fixe)
    return n


def _date_cellule(texte):
    import datetime

    try:
        return datetime.datetime.strptime(texte, "%Y-%m-%d")
    except ValueError:
        return texte


def _nombre_cellule(texte):
    try:
        valeur = float(texte)
    except ValueError:
        return texte
    return int(valeur) if valeur == int(valeur) else valeur


def _zip_reproductible(octets, chemin, fixe):
    """Réécrit l'archive xlsx avec des dates fixes (entrées du zip et propriétés du document)."""
    horodatage = fixe.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(io.BytesIO(octets)) as source, zipfile.ZipFile(chemin, "w", zipfile.ZIP_DEFLATED) as cible:
        for info in source.infolist():
            contenu = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                contenu = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>" + horodatage.encode(), contenu)
            entree = zipfile.ZipInfo(info.filename, date_time=(2015, 1, 15, 9, 0, 0))
            entree.compress_type = zipfile.ZIP_DEFLATED
            cible.writestr(entree, contenu)


# --- Enquête citoyenne et avis ----------------------------------------------------------


def _simuler_repondants(rng, niveaux, effets):
    """Notes 1–5 par déterminant et satisfaction 0–10 d'un répondant par ligne de ``niveaux``.

    Latent = (niveau du déterminant − 60) / 15 + humeur commune + bruit ; notes par seuils ;
    satisfaction = borne(arrondi(constante + Σ β_d·note_d + effet structure + bruit), 0, 10)."""
    n = len(niveaux)
    latent = (
        (np.nan_to_num(niveaux, nan=60.0) - 60) / 15
        + 0.7 * rng.normal(size=(n, 1))
        + 0.7 * rng.normal(size=(n, len(DETERMINANTS)))
    )
    notes = 1 + np.searchsorted(_SEUILS_NOTES, latent)
    beta = np.array([_BETA[d] for d in DETERMINANTS])
    brut = _CONSTANTE_SATISFACTION + notes @ beta + effets + rng.normal(0, _SIGMA_SATISFACTION, n)
    return notes, np.clip(np.rint(brut), 0, 10).astype(np.int64)


def _personnes(rng, n):
    """Noms, courriels et téléphones fictifs (données personnelles plantées)."""
    i, j = rng.integers(0, len(_PRENOMS), n), rng.integers(0, len(_NOMS_PERSONNES), n)
    prenoms, noms = np.array(_PRENOMS, dtype=object)[i], np.array(_NOMS_PERSONNES, dtype=object)[j]
    civilite = np.where(rng.random(n) < 0.5, "Mme ", "M. ").astype(object)
    prenoms_ascii = np.array([_sans_accents(p).lower() for p in _PRENOMS], dtype=object)[i]
    noms_ascii = np.array([_sans_accents(p).lower() for p in _NOMS_PERSONNES], dtype=object)[j]
    courriel = prenoms_ascii + "." + noms_ascii + "@exemple.fr"
    paires = np.array([f"{i:02d}" for i in range(100)], dtype=object)[rng.integers(0, 100, (n, 4))]
    fin = paires[:, 0] + " " + paires[:, 1] + " " + paires[:, 2] + " " + paires[:, 3]
    mobile = np.where(rng.random(n) < 0.5, "6", "7").astype(object)
    telephone = np.where(rng.random(n) < 0.7, "0" + mobile + " " + fin, "+33 " + mobile + " " + fin)
    return civilite + prenoms + " " + noms, courriel, telephone


def _sans_accents(texte):
    import unicodedata

    return "".join(c for c in unicodedata.normalize("NFKD", texte) if not unicodedata.combining(c))


def _commentaires(rng, humeur, part, part_perso):
    """Commentaires libres : ton selon l'humeur (0 négatif, 1 neutre, 2 positif), certains avec
    des données personnelles fictives ou un saut de ligne ; renvoie (textes, masque perso)."""
    n = len(humeur)
    textes = np.full(n, "", dtype=object)
    for k, ton in enumerate(("negatif", "neutre", "positif")):
        choix = np.array(_COMMENTAIRES[ton], dtype=object)
        m = humeur == k
        textes[m] = choix[rng.integers(0, len(choix), m.sum())]
    perso = rng.random(n) < part_perso
    nom, courriel, telephone = _personnes(rng, int(perso.sum()))
    modele = rng.integers(0, 4, len(nom))
    ajout = np.select(
        [modele == 0, modele == 1, modele == 2],
        [
            " Merci à " + nom + " pour son aide.",
            " Vous pouvez me joindre au " + telephone + ".",
            " Réponse à envoyer à " + courriel + " svp.",
        ],
        " " + nom + " (" + telephone + ") m'a bien renseigné.",
    )
    textes[perso] = textes[perso] + ajout
    textes = np.where(rng.random(n) < 0.03, textes + "\nCordialement.", textes)
    present = rng.random(n) < part
    return np.where(present, textes, "").astype(object), perso & present


def _ecrire_enquete(dossier, monde, edition, conv):
    rng = _rng(monde.graine, edition.annee, "enquete")
    niveaux = _niveaux_determinants(edition)
    par_structure = rng.integers(15, 61, len(edition.idx))
    ligne = np.repeat(np.arange(len(edition.idx)), par_structure)
    n = len(ligne)
    notes, satisfaction = _simuler_repondants(rng, niveaux[ligne], monde.structures["w"][edition.idx][ligne])
    debut, fin = (np.datetime64(d) for d in _TERRAIN[edition.annee])
    jours = debut + rng.integers(0, int((fin - debut).astype(int)) + 1, n)
    canaux = np.array(edition.canaux + ("",), dtype=object)
    canal = canaux[np.where(rng.random(n) < 0.1, len(edition.canaux), rng.integers(0, len(edition.canaux), n))]
    notes_texte = _texte_entiers(notes)
    jeton = conv.jeton_manquant if edition.annee == 2021 else ""
    notes_texte[rng.random(notes.shape) < 0.10] = jeton
    humeur = np.digitize(satisfaction, [5, 7])
    commentaire, perso = _commentaires(rng, humeur, 0.35, 0.12)
    tableau = np.column_stack(
        [
            _identifiants(f"R{edition.annee}-", np.arange(1, n + 1), 6),
            monde.structures["id"][edition.idx][ligne],
            _dates_texte(jours, conv),
            canal,
            _texte_entiers(satisfaction),
            notes_texte,
            commentaire,
        ]
    )
    tableau, plantes = _planter_simple(
        rng,
        tableau,
        "enquete.csv",
        colonne=4,
        nom_colonne="satisfaction",
        valeur="12",
        motif="valeur_hors_bornes",
        prefixe=f"R{edition.annee}-",
    )
    entetes = [
        "id_reponse",
        "structure_id",
        "date_reponse",
        "canal",
        "satisfaction",
        *[f"note_{d}" for d in DETERMINANTS],
        "commentaire",
    ]
    n_ecrit = _ecrire_csv(dossier / "enquete.csv", entetes, [tableau], conv)
    return n_ecrit, plantes, int(perso.sum())


def _planter_simple(rng, tableau, fichier, colonne, nom_colonne, valeur, motif, prefixe):
    """Copies fautives (≈ 0,3 %, au moins une) d'une ligne valide, avec un nouvel identifiant."""
    n = len(tableau)
    k = max(1, int(round(0.003 * n)))
    sources = rng.choice(n, k, replace=False)
    copies = tableau[sources].copy()
    copies[:, 0] = _identifiants(prefixe, np.arange(n + 1, n + k + 1), 6)
    copies[:, colonne] = valeur
    ordre = _inserer(n, sources, rng)
    final = np.vstack([tableau, copies])[np.where(ordre < 0, n - 1 - ordre, ordre)]
    lignes = _lignes_physiques(final, [final.shape[1] - 1 if fichier == "enquete.csv" else 5])
    plantes = [
        dict(fichier=fichier, ligne=int(lignes[i]), colonne=nom_colonne, valeur=valeur, motif_attendu=motif)
        for i in np.flatnonzero(ordre < 0)
    ]
    return final, plantes


def _ecrire_avis(dossier, monde, edition, conv):
    rng = _rng(monde.graine, edition.annee, "avis")
    globaux = np.nanmean(_scores_canal_attendus(edition, edition.theta), axis=1)
    par_structure = rng.poisson(4 + (edition.annee - 2020), len(edition.idx))
    ligne = np.repeat(np.arange(len(edition.idx)), par_structure)
    n = len(ligne)
    latent = (globaux[ligne] - 62) / 12 + rng.normal(0, 1, n)
    note = 1 + np.searchsorted(np.array([-1.0, -0.4, 0.2, 0.8]), latent)
    fin = np.datetime64(_TERRAIN[edition.annee][1])
    debut = np.datetime64(f"{edition.annee}-01-01")
    jours = debut + rng.integers(0, int((fin - debut).astype(int)) + 1, n)
    repondu = rng.random(n) < 0.45
    reponse = jours + rng.integers(1, 46, n)
    texte, perso = _commentaires(rng, np.digitize(note, [3, 4]), 0.9, 0.08)
    plateformes = np.array(["google", "pagesjaunes", "facebook"], dtype=object)
    tableau = np.column_stack(
        [
            _identifiants(f"A{edition.annee}-", np.arange(1, n + 1), 6),
            monde.structures["id"][edition.idx][ligne],
            plateformes[rng.choice(3, n, p=[0.65, 0.2, 0.15])],
            _dates_texte(jours, conv),
            _texte_entiers(note),
            texte,
            np.where(repondu, _dates_texte(reponse, conv), ""),
        ]
    )
    tableau, plantes = _planter_simple(
        rng,
        tableau,
        "avis.csv",
        colonne=4,
        nom_colonne="note",
        valeur="0",
        motif="valeur_hors_bornes",
        prefixe=f"A{edition.annee}-",
    )
    entetes = ["id_avis", "structure_id", "plateforme", "date_avis", "note", "texte", "date_reponse"]
    return _ecrire_csv(dossier / "avis.csv", entetes, [tableau], conv), plantes, int(perso.sum())


def _ecrire_editions(brut: Path) -> int:
    conv = CONVENTION_EDITIONS
    lignes = []
    for numero, annee in enumerate(ANNEES, 1):
        debut, fin = (np.datetime64(d).astype(object) for d in _TERRAIN[annee])
        libelle = "1re édition" if numero == 1 else f"{numero}e édition"
        lignes.append([str(annee), str(numero), _format_date(debut, conv), _format_date(fin, conv), libelle])
    entetes = ["annee", "numero", "debut_terrain", "fin_terrain", "libelle"]
    return _ecrire_csv(brut / "editions.csv", entetes, [np.array(lignes, dtype=object)], conv)


# --- Vérités plantées -----------------------------------------------------------------


def _verites(monde, annees_ecrites, rejets, personnelles):
    """Contenu de ``verite_demo.json`` : effets plantés et niveaux attendus (analytiques)."""
    s = monde.structures
    participants = np.unique(np.concatenate(list(monde.participations.values())))
    return {
        "graine": monde.graine,
        "echelle": monde.echelle,
        "annees_ecrites": list(annees_ecrites),
        "donnees_fictives": True,
        "mention": "données fictives de démonstration",
        "modele": {
            "sigma_structure": _SIGMA_STRUCTURE,
            "sigma_contact": _SIGMA_CONTACT,
            "ecarts": dataclasses.asdict(monde.ecarts) | {"bruit_canaux": dict(monde.ecarts.bruit_canaux)},
            "facteur_dispersion_structures": {s["id"][i]: _arrondi(s["constance"][i]) for i in participants},
            "bornes_part": [b / 100 for b in _BORNES],
            "taux_sans_objet": _TAUX_SANS_OBJET,
            "formule": "p = borne((θ_édition + α_canal + τ_type + κ·certifiée + u_structure + "
            "δ_déterminant + η_question + ε_contact) / 100, 0,02, 0,98)",
        },
        "scores_publies_cibles": {str(a): v for a, v in _NATIONAL_CIBLE.items()},
        "effets_edition": {str(a): _arrondi(e.theta) for a, e in monde.editions.items()},
        "effets_canal": dict(_EFFETS_CANAL),
        "effets_type": dict(_EFFETS_TYPE),
        "effet_certification": _EFFET_CERTIFICATION,
        "effets_determinant": dict(_EFFETS_DETERMINANT),
        "effets_question": {
            q["indicateur"]: q["eta"] for q in monde.banque if q["indicateur"] in INDICATEURS_OPERATIONNELS
        },
        "effets_structure": {s["id"][i]: _arrondi(s["u"][i]) for i in participants},
        "composition": _composition(monde),
        "niveaux_attendus": {str(a): _niveaux_edition(monde, e) for a, e in monde.editions.items()},
        "operationnels_attendus": {str(a): _operationnels(e) for a, e in monde.editions.items()},
        "definition_operationnels": "moyenne sur les structures testées sur le canal de la part attendue "
        "(part de « Oui » ou part des points du barème pour un nombre)",
        "satisfaction": _verite_satisfaction(monde),
        "rupture": {"annee": ANNEE_RUPTURE},
        "conventions": {
            str(a): dataclasses.asdict(c)
            | {"audits": "audits.xlsx" if a == 2014 and monde.echelle <= 2 else "audits.csv"}
            for a, c in CONVENTIONS.items()
        },
        "rejets_plantes": sorted(rejets, key=lambda r: (r["annee"], r["fichier"], r["ligne"])),
        "donnees_personnelles_plantees": personnelles,
    }


def _arrondi(x):
    return None if x is None or not np.isfinite(x) else round(float(x), 6)


def _composition(monde):
    """Moyenne de u des nouvelles structures et des anciennes, par édition (effet de composition)."""
    u = monde.structures["u"]
    parts = {}
    for annee in ANNEES:
        idx, statut = monde.participations[annee], monde.statut[annee]
        nouvelles, anciennes = idx[statut == 0], idx[statut > 0]
        parts[str(annee)] = {
            "n_participants": int(len(idx)),
            "n_nouvelles": int(len(nouvelles)),
            "n_reprises": int((statut == 1).sum()),
            "n_retours_apres_absence": int((statut == 2).sum()),
            "moyenne_u_nouvelles": _arrondi(u[nouvelles].mean()) if len(nouvelles) else None,
            "moyenne_u_anciennes": _arrondi(u[anciennes].mean()) if len(anciennes) else None,
            "moyenne_u": _arrondi(u[idx].mean()),
        }
    return {
        "par_edition": parts,
        "decalage_nouvelles_plante": _DECALAGE_NOUVEAUX,
        "decalage_a_partir_de": ANNEE_RUPTURE,
    }


def _niveaux_edition(monde, edition):
    s = monde.structures
    canaux = _scores_canal_attendus(edition, edition.theta)
    globaux = np.nanmean(canaux, axis=1)
    determinants = _niveaux_determinants(edition)
    types = s["type"][edition.idx]
    certifiee = s["certif"][edition.idx] > 0
    return {
        "national": _arrondi(globaux.mean()),
        "n_structures": int(len(edition.idx)),
        "canal": {c: _arrondi(np.nanmean(canaux[:, j])) for j, c in enumerate(edition.canaux)},
        "determinant": {d: _arrondi(np.nanmean(determinants[:, k])) for k, d in enumerate(DETERMINANTS)},
        "certifie": _arrondi(globaux[certifiee].mean()) if certifiee.any() else None,
        "non_certifie": _arrondi(globaux[~certifiee].mean()) if (~certifiee).any() else None,
        "type": {t: _arrondi(globaux[types == t].mean()) for t in TYPES_STRUCTURE if (types == t).any()},
    }


def _operationnels(edition):
    esperances, notees = _esperances_questions(edition)
    return {
        q["indicateur"]: _arrondi(np.nanmean(esperances[:, k]) / 100)
        for k, q in enumerate(notees)
        if q["indicateur"] in INDICATEURS_OPERATIONNELS
    }


def _verite_satisfaction(monde):
    """β plantés, leur rang, et parts LMG de R² de la population (grand échantillon simulé)."""
    rng = _rng(monde.graine, 0, "lmg")
    niveaux = np.vstack([_niveaux_determinants(monde.editions[a]) for a in ANNEES if a >= 2017])
    effets = np.concatenate([monde.structures["w"][monde.editions[a].idx] for a in ANNEES if a >= 2017])
    tirage = rng.integers(0, len(niveaux), _N_SIMULATION_LMG)
    notes, satisfaction = _simuler_repondants(rng, niveaux[tirage], effets[tirage])
    covariance = np.cov(np.column_stack([satisfaction, notes]).T)
    parts, r2 = _parts_lmg(covariance)
    lmg = {d: _arrondi(parts[k]) for k, d in enumerate(DETERMINANTS)}
    return {
        "beta": dict(_BETA),
        "constante": _CONSTANTE_SATISFACTION,
        "rang_beta": sorted(_BETA, key=lambda d: -_BETA[d]),
        "lmg": lmg,
        "r2": _arrondi(r2),
        "rang_lmg": sorted(lmg, key=lambda d: -lmg[d]),
        "n_simulation": _N_SIMULATION_LMG,
        "echelle_notes": "1 à 5",
        "echelle_satisfaction": "0 à 10",
    }


def _parts_lmg(covariance):
    """Décomposition LMG (Shapley) de R² à partir de la matrice de covariance (y en premier)."""
    p = covariance.shape[0] - 1
    syy, sxy, sxx = covariance[0, 0], covariance[0, 1:], covariance[1:, 1:]
    r2 = np.zeros(1 << p)
    for masque in range(1, 1 << p):
        s = [j for j in range(p) if masque >> j & 1]
        r2[masque] = sxy[s] @ np.linalg.solve(sxx[np.ix_(s, s)], sxy[s]) / syy
    parts = np.zeros(p)
    for masque in range(1 << p):
        k = bin(masque).count("1")
        for j in range(p):
            if not masque >> j & 1:
                poids = math.factorial(k) * math.factorial(p - k - 1) / math.factorial(p)
                parts[j] += poids * (r2[masque | 1 << j] - r2[masque])
    return parts, float(r2[-1])
