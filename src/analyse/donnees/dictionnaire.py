"""Dictionnaire des données : ``docs/dictionnaire-donnees.md``, généré depuis les schémas pandera.

Types, valeurs autorisées (codes, bornes) et clés viennent des schémas
(``analyse.donnees.schemas.SCHEMAS``, complété par les tables d'écoute enregistrées à
l'import de ``analyse.ecoute``) ; la signification et l'unité de chaque colonne viennent
d'un seul endroit : la table ``COLONNES`` ci-dessous (une colonne = un sens dans toutes
les tables ; ``"table.colonne"`` pour un sens propre à une table). Régénérer :
``make dictionnaire`` (``outils/generer_dictionnaire.py``) ; un test vérifie que le fichier
commité égale la génération.
"""

from __future__ import annotations

from pathlib import Path

from analyse import config
from analyse.donnees import codes
from analyse.donnees.schemas import SCHEMAS

FICHIER = config.RACINE / "docs" / "dictionnaire-donnees.md"

TABLES = {
    "editions": "Une ligne par édition du baromètre : numéro, période de terrain.",
    "participants": "Une ligne par structure participante et par édition.",
    "grille": "La grille d'audit de chaque édition : une ligne par question.",
    "contacts": "Une ligne par contact d'audit mystère (appel, visite, courriel…), avec son score.",
    "reponses": "Une ligne par réponse notée d'un contact d'audit.",
    "textes_audit": "Remarques libres des enquêteurs (masquées : courriels, téléphones, noms).",
    "enquete": "Réponses à l'enquête citoyenne en ligne (une ligne par répondant).",
    "avis": "Avis en ligne sur les structures (une ligne par avis).",
    "scores": "Scores de structure (global, par canal, déterminant, étape) et leur intervalle à 95 %.",
    "rejets": "Lignes des fichiers bruts écartées à la préparation, avec leur motif.",
    "signaux": "Canal d'écoute facultatif : signaux des usagers (réclamations, avis, enquêtes de satisfaction…).",
    "appels": "Canal d'écoute facultatif : journal des appels téléphoniques reçus.",
    "indicateurs_spplus": "Canal d'écoute facultatif : résultats par structure publiés par Services Publics +.",
    "themes_spplus": "Canal d'écoute facultatif : thèmes des expériences Services Publics + (un thème renseigné "
    "par ligne), rapportés aux déterminants du baromètre.",
}

# colonne (ou « table.colonne ») → (signification, unité)
COLONNES = {
    "annee": ("Année de terrain de l'édition", "année"),
    "structure_id": ("Identifiant stable de la structure d'une édition à l'autre", ""),
    "numero": ("Numéro de l'édition (1 pour la première)", ""),
    "debut_terrain": ("Premier jour de la période de terrain", "date"),
    "fin_terrain": ("Dernier jour de la période de terrain", "date"),
    "editions.libelle": ("Nom de l'édition (ex. « 10e édition »)", ""),
    "grille.libelle": ("Intitulé de la question posée par l'enquêteur", ""),
    "nom": ("Nom de la structure", ""),
    "type_structure": ("Type de structure", ""),
    "sous_type": ("Précision sur le type (ex. nature d'un autre service public)", ""),
    "population": ("Population de la structure territoriale", "habitants"),
    "code_geo": ("Code géographique officiel (commune, département…)", ""),
    "region": ("Région de la structure", ""),
    "certifications": (
        "Certifications qualité détenues, séparées par « | » (codes : " + ", ".join(codes.CERTIFICATIONS) + ")",
        "",
    ),
    "certifie": ("Vrai si la structure détient au moins une certification qualité", ""),
    "classe_population": ("Classe de population (structures territoriales ; vide sinon)", ""),
    "code_question": ("Code de la question dans la grille de l'édition", ""),
    "canal": ("Canal de contact", ""),
    "enquete.canal": ("Canal par lequel le répondant a contacté la structure (vide si non précisé)", ""),
    "signaux.canal": ("Canal par lequel le signal est arrivé (vide si inconnu)", ""),
    "etape": ("Étape du parcours de l'usager", ""),
    "determinant": ("Déterminant de la satisfaction auquel la question se rattache", ""),
    "signaux.determinant": ("Déterminant principal du signal (fichier ou lexique)", ""),
    "type_reponse": ("Forme de la réponse : oui/non, échelle de 1 à 4, nombre, texte", ""),
    "points_max": ("Points maximum de la réponse (ou du contact : somme sur ses réponses notées)", "points"),
    "bareme": ("Barème d'une question « nombre » : seuil:points séparés par « | » (ex. 3:4|5:2)", ""),
    "indicateur": ("Code d'indicateur stable d'une édition à l'autre (sert aux comparaisons harmonisées)", ""),
    "indicateurs_spplus.indicateur": ("Code de l'indicateur publié par Services Publics +", ""),
    "id_contact": ("Identifiant du contact d'audit", ""),
    "scenario": ("Scénario joué par l'enquêteur", ""),
    "date_contact": ("Date du contact d'audit", "date"),
    "vague": ("Vague de terrain du contact (vide si l'édition n'en a qu'une)", ""),
    "enqueteur": ("Code d'enquêteur pseudonymisé (HMAC)", ""),
    "points": ("Points obtenus (réponse, ou contact : somme sur ses réponses notées)", "points"),
    "n_reponses": ("Nombre de réponses notées du contact", "réponses"),
    "contacts.score": ("Score du contact : 100 × points / points_max (vide sans réponse notée)", "points sur 100"),
    "valeur": (
        "Réponse brute : 0/1 (oui/non), 1 à 4 (échelle), nombre mesuré (ex. jours, minutes)",
        "selon la question",
    ),
    "texte": ("Texte libre, masqué (courriels, téléphones, noms de personnes)", ""),
    "id_reponse": ("Identifiant du répondant à l'enquête en ligne", ""),
    "date_reponse": ("Date de la réponse (enquête) ou de la réponse de la structure (avis, signal)", "date"),
    "satisfaction": ("Satisfaction globale déclarée", "note de 0 à 10"),
    "commentaire": ("Commentaire libre du répondant, masqué", ""),
    "id_avis": ("Identifiant de l'avis en ligne", ""),
    "plateforme": ("Plateforme de publication de l'avis", ""),
    "date_avis": ("Date de publication de l'avis", "date"),
    "note": ("Note donnée par l'auteur de l'avis", "étoiles de 1 à 5"),
    "delai_reponse_jours": ("Délai entre l'avis (ou le signal) et la réponse de la structure", "jours"),
    "niveau": ("Niveau du score : global, canal, déterminant ou étape", ""),
    "modalite": ("Canal, déterminant ou étape du score (vide pour le score global)", ""),
    "scores.score": ("Score de la structure au niveau et à la modalité indiqués", "points sur 100"),
    "ic_bas": ("Borne basse de l'intervalle de confiance à 95 % du score", "points sur 100"),
    "ic_haut": ("Borne haute de l'intervalle de confiance à 95 % du score", "points sur 100"),
    "erreur_type": (
        "Erreur type du score, demi-largeur de l'intervalle / 1,96 avant bornage (variance intra-structure mise en "
        "commun par édition et canal, modérée vers celle de la structure ; quantile de Student)",
        "points sur 100",
    ),
    "n_contacts": ("Nombre de contacts sur lesquels repose le score", "contacts"),
    "fragile": ("Vrai si l'intervalle à 95 % du score est plus large que largeur_fragile (30 points par défaut)", ""),
    "fichier": ("Fichier brut d'origine de la ligne rejetée (chemin relatif à raw/)", ""),
    "ligne": ("Numéro de ligne dans le fichier brut (1 = première ligne de données)", ""),
    "colonne": ("Colonne en faute", ""),
    "motif": ("Motif du rejet, en français", ""),
    "rejets.valeur": ("Valeur en faute, telle que lue", ""),
    "id_signal": ("Identifiant du signal", ""),
    "date_signal": ("Date du signal", "date"),
    "source": ("Source du signal", ""),
    "origine": ("Fichier d'origine du signal", ""),
    "note_100": ("Note du signal ramenée sur 100 (vide sans note)", "points sur 100"),
    "polarite": ("Tonalité du signal", ""),
    "origine_polarite": ("D'où vient la tonalité : fichier, note ou source", ""),
    "determinants": ("Déterminants repérés dans le texte, séparés par « | » (codes de « determinant »)", ""),
    "origine_determinant": (
        "D'où vient le déterminant : fichier, thèmes (colonnes par thème de Services Publics +) ou lexique",
        "",
    ),
    "date_publication": (
        "Date de publication de l'expérience Services Publics + (vide pour les autres signaux)",
        "date",
    ),
    "reseau": ("Intitulé du réseau de la structure dans Services Publics +", ""),
    "titre_indicateur": ("Titre original de l'indicateur publié par Services Publics +", ""),
    "theme": (
        "Thème de l'export « expériences » et déterminant du baromètre auquel il se rapporte : "
        + " ; ".join(
            f"{code} ({libelle_theme}) → {det or 'aucun équivalent'}"
            for code, (libelle_theme, det) in codes.THEMES_SPPLUS.items()
        ),
        "",
    ),
    "themes_spplus.determinant": ("Déterminant du baromètre correspondant au thème (vide : aucun équivalent)", ""),
    "themes_spplus.polarite": ("Polarité du thème, telle qu'écrite dans sa colonne (Positif, Neutre, Négatif)", ""),
    "themes_spplus.date_signal": ("Date d'écriture de l'expérience (« Ecrit le »)", "date"),
    "repondu": ("Vrai si la structure a répondu au signal", ""),
    "id_appel": ("Identifiant de l'appel", ""),
    "debut_appel": ("Date et heure du début de l'appel", "date et heure"),
    "jour_semaine": ("Jour de la semaine de l'appel (0 = lundi)", ""),
    "heure": ("Heure de l'appel", "heure de 0 à 23"),
    "attente_secondes": ("Attente avant décroché ou abandon", "secondes"),
    "issue": ("Issue de l'appel : répondu ou abandonné", ""),
    "duree_secondes": ("Durée de la conversation (vide si abandonné)", "secondes"),
    "poste": ("Poste ou service qui a reçu l'appel", ""),
    "code_spplus": ("Code du service dans Services Publics +", ""),
    "type_spplus": ("Type du service dans Services Publics +", ""),
    "nom_spplus": ("Nom du service dans Services Publics +", ""),
    "code_postal": ("Code postal du service", ""),
    "ville": ("Ville du service", ""),
    "indicateurs_spplus.valeur": ("Valeur publiée de l'indicateur", "selon l'indicateur"),
    "frequence": ("Fréquence de publication de l'indicateur", ""),
    "date_maj": ("Date de mise à jour de l'indicateur", "date"),
    **{f"note_{d}": (f"Note du répondant pour « {codes.libelle(d)} »", "note de 1 à 5") for d in codes.DETERMINANTS},
}

TYPES = {"int64": "entier", "Int64": "entier", "float64": "décimal", "bool": "booléen", "datetime64[ns]": "date"}


def type_colonne(colonne) -> str:
    """Type lisible d'une colonne pandera.

    >>> type_colonne(SCHEMAS["scores"].columns["score"]), type_colonne(SCHEMAS["scores"].columns["modalite"])
    ('décimal', 'texte')
    """
    return TYPES.get(str(colonne.dtype), "texte")


def _nombre(x) -> str:
    return f"{x:,}".replace(",", "\u202f") if isinstance(x, int) and abs(x) >= 10_000 else str(x)


def _code(code: str) -> str:
    libelle = codes.libelle(code)
    return f"`{code}` ({libelle})" if libelle != code else f"`{code}`"


def valeurs_autorisees(colonne) -> str:
    """Codes autorisés ou bornes d'une colonne, d'après ses vérifications pandera.

    >>> valeurs_autorisees(SCHEMAS["scores"].columns["score"])
    'de 0 à 100'
    >>> valeurs_autorisees(SCHEMAS["grille"].columns["etape"])
    '`acces` (Accès), `accueil` (Accueil), `traitement` (Traitement), `suivi` (Suivi)'
    """
    textes = []
    for verification in colonne.checks:
        stats = verification.statistics or {}
        if verification.name == "isin":
            textes.append(", ".join(_code(code) for code in stats["allowed_values"]))
        elif verification.name == "in_range":
            textes.append(f"de {_nombre(stats['min_value'])} à {_nombre(stats['max_value'])}")
        elif verification.name == "greater_than_or_equal_to":
            textes.append(f"≥ {_nombre(stats['min_value'])}")
        elif verification.name == "str_length":
            textes.append("non vide")
    return " ; ".join(textes)


def signification(table: str, nom: str) -> tuple[str, str] | None:
    """(signification, unité) d'une colonne : propre à la table, sinon commune ; ``None`` si absente.

    >>> signification("scores", "score")[1]
    'points sur 100'
    """
    return COLONNES.get(f"{table}.{nom}", COLONNES.get(nom))


def colonnes_sans_signification(schemas: dict | None = None) -> list[str]:
    """Colonnes des schémas qui n'ont pas de signification dans ``COLONNES`` (« table.colonne »)."""
    schemas = SCHEMAS if schemas is None else schemas
    return [f"{t}.{n}" for t, s in schemas.items() for n in s.columns if signification(t, n) is None]


def _cellule(texte: str) -> str:
    return texte.replace("|", "\\|")


def section_table(nom: str, schema) -> str:
    """Section Markdown d'une table : description, clé, et une ligne par colonne."""
    lignes = [f"## `{nom}`", "", TABLES.get(nom, ""), ""]
    if schema.unique:
        lignes += [f"Clé : {', '.join(f'`{c}`' for c in schema.unique)} (unique).", ""]
    lignes += [
        "| Colonne | Type | Unité | Signification | Valeurs autorisées | Vide permis |",
        "|---|---|---|---|---|---|",
    ]
    for colonne, definition in schema.columns.items():
        sens, unite = signification(nom, colonne) or ("(à documenter)", "")
        lignes.append(
            f"| `{colonne}` | {type_colonne(definition)} | {_cellule(unite)} | {_cellule(sens)} | "
            f"{_cellule(valeurs_autorisees(definition))} | {'oui' if definition.nullable else 'non'} |"
        )
    return "\n".join(lignes) + "\n"


def generer(schemas: dict | None = None) -> str:
    """Texte complet du dictionnaire des données (Markdown), tables dans l'ordre de ``config.TABLES``.

    >>> generer().startswith("# Dictionnaire des données")
    True
    """
    schemas = SCHEMAS if schemas is None else schemas
    ordre = [t for t in config.TABLES if t in schemas] + sorted(t for t in schemas if t not in config.TABLES)
    entete = (
        "# Dictionnaire des données\n\n"
        "Tables préparées (`data/processed/<table>/annee=AAAA/`, Parquet ; `<table>` mène à la version publiée), telles que les charge "
        "`analyse.donnees.charger`. Fichier généré depuis les schémas pandera (`analyse.donnees.schemas`, "
        "`analyse.ecoute.schemas`) et les significations de `analyse.donnees.dictionnaire` : ne pas le "
        "modifier à la main, lancer `make dictionnaire`.\n\n"
        "Libellés des codes : `analyse.donnees.codes.libelle(code)`. Contrat des fichiers bruts : "
        "[contrat-donnees-brutes.md](contrat-donnees-brutes.md) ; calcul des scores : "
        "[methodologie.md](methodologie.md).\n\n" + "".join(f"- [`{t}`](#{t}) : {TABLES.get(t, '')}\n" for t in ordre)
    )
    return entete + "".join("\n" + section_table(t, schemas[t]) for t in ordre)


def ecrire(chemin: Path | str = FICHIER, schemas: dict | None = None) -> Path:
    """Écrit le dictionnaire des données (``docs/dictionnaire-donnees.md`` par défaut)."""
    chemin = Path(chemin)
    chemin.write_text(generer(schemas), encoding="utf-8")
    return chemin
