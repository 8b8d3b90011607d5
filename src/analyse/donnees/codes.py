"""Codes autorisés du contrat de données brutes et libellés français.

Source : ``shared/specs/donnees-brutes.md`` et ``methodologie.md``.
"""

CANAUX = (
    "telephone",
    "accueil_physique",
    "courriel",
    "courrier",
    "site_internet",
    "reseaux_sociaux",
)
ETAPES = ("acces", "accueil", "traitement", "suivi")
DETERMINANTS = (
    "accessibilite",
    "reactivite",
    "courtoisie",
    "personnalisation",
    "attente",
    "qualite_reponse",
    "transfert",
    "reclamations",
)
# Colonnes par thème de l'export « expériences » de Services Publics + : code, libellé publié, déterminant
# du baromètre auquel le thème se rapporte (None : sans équivalent). Polarité : celle écrite dans la colonne.
THEMES_SPPLUS = {
    "accessibilite": ("Accessibilité", "accessibilite"),
    "information": ("Information/Explication", "qualite_reponse"),
    "relation": ("Relation", "courtoisie"),
    "reactivite": ("Réactivité", "reactivite"),
    "simplicite": ("Simplicité/Complexité", None),
}
TYPES_REPONSE = ("oui_non", "echelle4", "nombre", "texte")
TYPES_STRUCTURE = (
    "commune",
    "mairie_annexe",
    "epci",
    "departement",
    "region",
    "autre_service_public",
)
CERTIFICATIONS = ("qualivilles", "marianne", "iso9001", "services_publics_plus")
SCENARIOS = ("renseignement", "etat_civil", "inscription", "reclamation")
NIVEAUX_SCORE = ("global", "canal", "determinant", "etape")

# Classes de population (structures territoriales) : (borne basse incluse, libellé).
CLASSES_POPULATION = (
    (0, "< 2 000"),
    (2_000, "2 000–9 999"),
    (10_000, "10 000–19 999"),
    (20_000, "20 000–49 999"),
    (50_000, "50 000–99 999"),
    (100_000, "≥ 100 000"),
)

LIBELLES = {
    # canaux
    "telephone": "Téléphone",
    "accueil_physique": "Accueil physique",
    "courriel": "Courriel",
    "courrier": "Courrier",
    "site_internet": "Site internet",
    "reseaux_sociaux": "Réseaux sociaux",
    # étapes
    "acces": "Accès",
    "accueil": "Accueil",
    "traitement": "Traitement",
    "suivi": "Suivi",
    # déterminants
    "accessibilite": "Accessibilité",
    "reactivite": "Réactivité",
    "courtoisie": "Courtoisie",
    "personnalisation": "Personnalisation",
    "attente": "Temps d'attente",
    "qualite_reponse": "Qualité de la réponse",
    "transfert": "Efficacité du transfert",
    "reclamations": "Traitement des réclamations",
    # types de structure
    "commune": "Communes",
    "mairie_annexe": "Mairies annexes",
    "epci": "Intercommunalités",
    "departement": "Départements",
    "region": "Régions",
    "autre_service_public": "Autres services publics",
    # certifications
    "qualivilles": "Qualivilles",
    "marianne": "Marianne",
    "iso9001": "ISO 9001",
    "services_publics_plus": "Services Publics +",
    # scénarios
    "renseignement": "Demande de renseignement",
    "etat_civil": "État civil",
    "inscription": "Inscription",
    "reclamation": "Réclamation",
}


def libelle(code: str) -> str:
    """Libellé français d'un code, ou le code lui-même s'il est inconnu.

    >>> libelle("courriel")
    'Courriel'
    """
    return LIBELLES.get(code, code)


def classe_population(population: float | None) -> str | None:
    """Classe de population d'une structure territoriale (``None`` si inconnue).

    >>> classe_population(15_000)
    '10 000–19 999'
    """
    if population is None or population != population:  # NaN
        return None
    classe = None
    for borne, nom in CLASSES_POPULATION:
        if population >= borne:
            classe = nom
    return classe


# Colonnes du fichier grille.csv (contrat des données brutes), dans l'ordre du contrat.
COLONNES_GRILLE = (
    "code_question",
    "libelle",
    "canal",
    "etape",
    "determinant",
    "type_reponse",
    "points_max",
    "bareme",
    "indicateur",
)
