"""Canaux d'écoute fictifs de la démonstration : signaux, journal d'appels, exports Services Publics +.

Appelé à la fin de ``analyse.demo.generer_demo``. Pour une poignée de structures présentes
aux deux dernières éditions écrites (à partir de 2021), écrit dans ``raw/<annee>/`` :

- ``signaux.csv`` : ~30 signaux par structure et par mois, toutes sources confondues,
  avec des textes composés de phrases par déterminant (leurs étiquettes vraies sont dans
  les vérités, pour vérifier le classement par lexique), des notes, des réponses datées et,
  parfois, des données personnelles fictives à masquer ;
- ``appels.csv`` (dernière année) : quatre semaines de journal téléphonique de deux
  structures, simulées par une file à deux agents avec abandons ;
- ``spplus_experiences.csv``, ``spplus_indicateurs.csv``, ``spplus_referentiel.csv`` et
  ``spplus_structures.csv`` (dernière année) : les trois exports Services Publics + sous leur
  forme publiée (``;``, BOM, CRLF, textes multilignes, jusqu'à trois structures par
  expérience, une préfecture hors baromètre) et la correspondance des structures (par code).

Vérités plantées (clé ``ecoute`` de ``verite_demo.json``) : la structure dont la part de
signaux négatifs fait plus que doubler à partir d'un mois donné (surtout sur l'attente), les étiquettes
des textes, les taux d'appel par créneau et les agents nécessaires selon Erlang C calculés
sur ces taux (et non sur les appels tirés). Aucune ligne fautive n'est plantée dans ces
fichiers : les rejets sont vérifiés par les tests unitaires.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from analyse.config import FICHIER_VERITE_DEMO, dossier_raw
from analyse.demo.conventions import CONVENTIONS
from analyse.donnees.codes import DETERMINANTS
from analyse.statistiques import erlang

FICHIERS_ECOUTE = (
    "signaux.csv",
    "appels.csv",
    "spplus_experiences.csv",
    "spplus_indicateurs.csv",
    "spplus_referentiel.csv",
    "spplus_structures.csv",
)
ANNEE_MIN = 2021
N_STRUCTURES = 5
MOIS_RUPTURE = 6  # juin de la dernière année : la part de négatifs double chez la structure « dégradée »
PART_NEGATIFS = (0.22, 0.60)
SOURCES_PAR_MOIS = {
    "enquete_satisfaction": 12.0,
    "reclamation": 5.0,
    "avis_en_ligne": 5.0,
    "reseaux_sociaux": 4.0,
    "elu": 1.5,
    "conseil_ecole": 1.0,
    "comite_usagers": 1.0,
    "autre": 1.0,
}
POIDS_DETERMINANTS = {
    "accessibilite": 0.14,
    "reactivite": 0.16,
    "courtoisie": 0.14,
    "personnalisation": 0.08,
    "attente": 0.16,
    "qualite_reponse": 0.16,
    "transfert": 0.08,
    "reclamations": 0.08,
}
# Journal d'appels : heures d'ouverture, appels par heure un jour moyen, effet du jour de la semaine.
HEURES = (9, 10, 11, 14, 15, 16)
APPELS_HEURE = (22.0, 30.0, 24.0, 16.0, 18.0, 12.0)
EFFET_JOUR = (1.35, 1.0, 0.85, 1.0, 0.8)  # lundi … vendredi
DUREE_MOYENNE = 210.0  # secondes de conversation
PATIENCE_MOYENNE = 120.0  # secondes avant de raccrocher
AGENTS_ACTUELS = 2
CIBLE_SECONDES, OBJECTIF = 30.0, 0.80
DEBUT_JOURNAL = "09-05"  # un lundi de septembre 2022 ; quatre semaines

PHRASES = {
    ("accessibilite", "negatif"): (
        "Les horaires d'ouverture ne sont pas pratiques pour ceux qui travaillent.",
        "Impossible de se garer près de la mairie.",
        "Le service est fermé quand on en a besoin.",
        "L'entrée n'est pas praticable avec une poussette.",
    ),
    ("accessibilite", "positif"): (
        "Les nouveaux horaires du samedi sont très pratiques.",
        "Bâtiment facile d'accès, même en fauteuil.",
        "On trouve facilement le bon bureau.",
    ),
    ("reactivite", "negatif"): (
        "J'attends toujours une réponse à mon courrier.",
        "Délai beaucoup trop long pour une simple attestation.",
        "Trois relances et toujours rien.",
        "Dossier traité avec des semaines de retard.",
    ),
    ("reactivite", "positif"): (
        "Réponse reçue dès le lendemain.",
        "Ma demande a été traitée très rapidement.",
        "Rappelé dans la journée comme promis.",
    ),
    ("courtoisie", "negatif"): (
        "L'agent a été désagréable et méprisant.",
        "Accueil froid, pas un bonjour.",
        "On m'a parlé sur un ton sec.",
    ),
    ("courtoisie", "positif"): (
        "Personnel souriant et très aimable.",
        "Merci pour votre gentillesse.",
        "Un accueil chaleureux, comme toujours.",
    ),
    ("personnalisation", "negatif"): (
        "Réponse type qui ne tient pas compte de ma situation.",
        "On ne m'a pas écouté.",
        "Personne n'a regardé mon dossier en détail.",
    ),
    ("personnalisation", "positif"): (
        "L'agent a pris le temps de comprendre mon cas.",
        "Une solution adaptée à notre famille.",
        "On m'a appelé par mon nom, j'ai apprécié.",
    ),
    ("attente", "negatif"): (
        "Plus de quarante minutes d'attente au guichet.",
        "Le téléphone sonne dans le vide, personne ne décroche.",
        "Une file interminable dès l'ouverture.",
        "J'ai patienté une demi-heure au téléphone avant de raccrocher.",
    ),
    ("attente", "positif"): (
        "Reçu tout de suite, sans attente.",
        "Décroché à la deuxième sonnerie.",
        "Presque personne au guichet, c'était rapide à l'accueil.",
    ),
    ("qualite_reponse", "negatif"): (
        "L'information donnée était fausse.",
        "Les explications étaient confuses et incomplètes.",
        "On ne m'a pas dit quelles pièces apporter.",
    ),
    ("qualite_reponse", "positif"): (
        "Explications claires et précises.",
        "J'ai obtenu exactement le renseignement qu'il me fallait.",
        "Agent compétent qui connaît bien son sujet.",
    ),
    ("transfert", "negatif"): (
        "Renvoyé de service en service.",
        "Transféré trois fois sans jamais avoir la bonne personne.",
        "Personne ne sait qui s'occupe de ma demande.",
    ),
    ("transfert", "positif"): (
        "Orienté directement vers le bon interlocuteur.",
        "Mon appel a été transféré au bon service sans attendre.",
    ),
    ("reclamations", "negatif"): (
        "Ma réclamation est restée sans suite.",
        "Aucune excuse après l'erreur sur ma facture.",
        "Ma plainte n'a jamais été prise en compte.",
    ),
    ("reclamations", "positif"): (
        "Ma réclamation a été traitée sérieusement.",
        "La mairie a reconnu l'erreur et m'a remboursé.",
        "Merci d'avoir pris en compte ma plainte.",
    ),
}
NEUTRES = (
    "Demande de renseignement sur les inscriptions.",
    "Question sur le calendrier des collectes.",
    "Je souhaite connaître les démarches pour un mariage.",
)
ETIQUETTES_NEUTRES = ("", "", "")
PERSONNES = ("Mme Odile Fermenthal", "M. Gaëtan Brasdelune", "Firmin Quervoisier", "Mme Solange Valcombrier")


def _rng(graine: int, annee: int, usage: int) -> np.random.Generator:
    return np.random.default_rng([int(graine), int(annee), 100 + usage])


def generer_ecoute(racine: Path | str, monde, annees_ecrites, graine: int) -> tuple[dict, dict]:
    """Écrit les fichiers d'écoute fictifs ; renvoie (lignes par fichier, vérités de la clé ``ecoute``).

    Rien n'est écrit si aucune édition écrite n'est postérieure à 2020. Les fichiers d'écoute
    d'une démonstration précédente qui ne sont pas réécrits sont retirés.

    >>> generer_ecoute.__name__  # appelé par analyse.demo.generer_demo
    'generer_ecoute'
    """
    racine = Path(racine)
    annees = [a for a in sorted(annees_ecrites) if a >= ANNEE_MIN][-2:]
    _nettoyer(racine, annees)
    if not annees:
        return {}, {"annees": []}
    structures = _choisir_structures(monde, annees, graine)
    degradee = structures[0]
    lignes, etiquettes = {}, {}

    for annee in annees:
        conv = CONVENTIONS[annee]
        dernier = annee == annees[-1]
        chemin = dossier_raw(racine) / str(annee) / "signaux.csv"
        n, etiquettes[str(annee)] = _ecrire_signaux(chemin, monde, structures, degradee, annee, dernier, conv, graine)
        lignes[f"raw/{annee}/signaux.csv"] = n
    annee = annees[-1]
    appels_ids = [structures[0], structures[1]]
    conv = CONVENTIONS[annee]  # chaque fichier d'une édition suit la convention de l'édition
    n, verite_appels = _ecrire_appels(
        dossier_raw(racine) / str(annee) / "appels.csv", monde, appels_ids, annee, graine, conv
    )
    lignes[f"raw/{annee}/appels.csv"] = n
    lignes_spplus, verite_spplus = _ecrire_spplus(
        dossier_raw(racine) / str(annee), monde, structures[:3], annee, graine, conv
    )
    lignes.update(lignes_spplus)
    ids = [str(monde.structures["id"][i]) for i in structures]
    verite = {
        "annees": annees,
        "structures": ids,
        "structure_degradee": ids[0],
        "mois_rupture": f"{annees[-1]}-{MOIS_RUPTURE:02d}",
        "part_negatifs_avant": PART_NEGATIFS[0],
        "part_negatifs_apres": PART_NEGATIFS[1],
        "definition": "part attendue de signaux négatifs (hors réclamations, toujours négatives) de la structure "
        "dégradée, avant et à partir du mois de rupture ; les autres structures gardent leur niveau",
        "etiquettes": etiquettes,
        "appels": verite_appels,
        "spplus": verite_spplus,
    }
    return lignes, verite


def _nettoyer(racine: Path, annees) -> None:
    """Retire les fichiers d'écoute d'une démonstration précédente (racine marquée) qui ne seront pas réécrits."""
    brut = dossier_raw(racine)
    if not (racine / FICHIER_VERITE_DEMO).exists() or not brut.is_dir():
        return
    for dossier in brut.iterdir():
        if not dossier.is_dir() or not dossier.name.isdigit() or int(dossier.name) in annees:
            continue
        for nom in FICHIERS_ECOUTE:
            (dossier / nom).unlink(missing_ok=True)
        if not any(dossier.iterdir()):
            dossier.rmdir()


def _choisir_structures(monde, annees, graine) -> list[int]:
    """Communes présentes à toutes les éditions d'écoute (tirées une fois, ordre fixe)."""
    communes = np.flatnonzero(monde.structures["type"] == "commune")
    presentes = communes
    for annee in annees:
        presentes = np.intersect1d(presentes, monde.participations[annee])
    rng = _rng(graine, 0, 0)
    choix = rng.choice(presentes, min(N_STRUCTURES, len(presentes)), replace=False)
    return [int(i) for i in choix]


def _ecrire(chemin: Path, entetes, lignes, encodage="utf-8", separateur=";", fin_ligne="\n") -> int:
    chemin.parent.mkdir(parents=True, exist_ok=True)
    with open(chemin, "w", encoding=encodage, newline="") as f:
        ecrivain = csv.writer(f, delimiter=separateur, lineterminator=fin_ligne, quoting=csv.QUOTE_MINIMAL)
        ecrivain.writerow(entetes)
        ecrivain.writerows(lignes)
    return len(lignes)


def _texte(rng, polarite: str) -> tuple[str, str]:
    """Texte d'un signal et ses étiquettes vraies (un ou deux déterminants)."""
    if polarite == "neutre" and rng.random() < 0.5:
        k = rng.integers(len(NEUTRES))
        return NEUTRES[k], ETIQUETTES_NEUTRES[k]
    ton = "positif" if polarite == "neutre" else polarite
    poids = np.array([POIDS_DETERMINANTS[d] for d in DETERMINANTS])
    n = 1 if rng.random() < 0.75 else 2
    choisis = list(rng.choice(DETERMINANTS, n, replace=False, p=poids / poids.sum()))
    phrases = [PHRASES[(d, ton)][rng.integers(len(PHRASES[(d, ton)]))] for d in choisis]
    return " ".join(phrases), "|".join(sorted(choisis, key=DETERMINANTS.index))


def _ajouter_personne(rng, texte: str) -> str:
    personne = PERSONNES[rng.integers(len(PERSONNES))]
    telephone = "06 " + " ".join(f"{x:02d}" for x in rng.integers(0, 100, 4))
    return texte + (f" Merci à {personne}." if rng.random() < 0.5 else f" Rappelez-moi au {telephone}.")


def _ecrire_signaux(chemin, monde, structures, degradee, annee, dernier, conv, graine):
    rng = _rng(graine, annee, 1)
    lignes, etiquettes = [], {}
    numero = 0
    for i in structures:
        base = 0.15 + 0.1 * _rng(graine, 0, 10 + i).random()  # même niveau d'une année à l'autre
        for mois in range(1, 13):
            part = base
            if i == degradee and dernier and mois >= MOIS_RUPTURE:
                part = PART_NEGATIFS[1]
            elif i == degradee:
                part = PART_NEGATIFS[0]
            for source, taux in SOURCES_PAR_MOIS.items():
                if source == "conseil_ecole" and mois in (7, 8):
                    continue
                for _ in range(rng.poisson(taux)):
                    numero += 1
                    ident = f"SIG{annee}-{numero:05d}"
                    ligne, etiquette = _signal(rng, ident, monde, i, degradee, annee, mois, source, part, dernier, conv)
                    lignes.append(ligne)
                    if etiquette is not None:
                        etiquettes[ident] = etiquette
    lignes.sort(key=lambda l: (l[2][-4:] + l[2][3:5] + l[2][:2]) if "/" in l[2] else l[2])
    entetes = [
        "id_signal",
        "structure_id",
        "date_signal",
        "source",
        "canal",
        "note",
        "echelle",
        "polarite",
        "determinant",
        "date_reponse",
        "texte",
    ]
    n = _ecrire(chemin, entetes, lignes, conv.encodage, conv.separateur, conv.fin_ligne)
    return n, etiquettes


def _signal(rng, ident, monde, i, degradee, annee, mois, source, part, dernier, conv):
    jour = np.datetime64(f"{annee}-{mois:02d}-01") + rng.integers(0, 28)
    if source == "reclamation":
        polarite = "negatif"
    else:
        tirage = rng.random()
        polarite = "negatif" if tirage < part else ("positif" if tirage < part + (1 - part) * 0.7 else "neutre")
    texte, etiquette = _texte(rng, polarite)
    if i == degradee and dernier and mois >= MOIS_RUPTURE and polarite == "negatif" and rng.random() < 0.6:
        texte, etiquette = PHRASES[("attente", "negatif")][rng.integers(4)], "attente"
    note, echelle, polarite_ecrite, determinant, canal = "", "", "", "", ""
    if source == "enquete_satisfaction":
        bornes = {"negatif": (0, 3), "neutre": (4, 6), "positif": (7, 10)}[polarite]
        note, echelle, canal = str(rng.integers(bornes[0], bornes[1] + 1)), "0-10", "site_internet"
        if rng.random() < 0.4:
            texte, etiquette = "", None
    elif source == "avis_en_ligne":
        bornes = {"negatif": (1, 2), "neutre": (3, 3), "positif": (4, 5)}[polarite]
        note, echelle, canal = str(rng.integers(bornes[0], bornes[1] + 1)), "1-5", "site_internet"
    elif source in ("elu", "conseil_ecole", "comite_usagers"):
        canal = "reunion"
        polarite_ecrite = {"negatif": "Négatif", "neutre": "Neutre", "positif": "Positif"}[polarite]
    elif source == "reclamation":
        canal = ("courrier", "courriel", "accueil_physique")[rng.integers(3)]
        if etiquette and rng.random() < 0.5:
            determinant = etiquette.split("|")[0]
    elif source == "reseaux_sociaux":
        canal = "reseaux_sociaux"
    date_reponse = ""
    delai_moyen = 25.0 if (i == degradee and dernier and mois >= MOIS_RUPTURE) else 9.0
    if source in ("reclamation", "elu") and rng.random() < 0.9:
        date_reponse = (jour + 1 + int(rng.gamma(2.0, delai_moyen / 2))).astype(object).strftime(conv.format_date)
    elif source == "avis_en_ligne" and rng.random() < 0.5:
        date_reponse = (jour + int(rng.integers(1, 15))).astype(object).strftime(conv.format_date)
    if texte and rng.random() < 0.08:
        texte = _ajouter_personne(rng, texte)
    ligne = [
        ident,
        str(monde.structures["id"][i]),
        jour.astype(object).strftime(conv.format_date),
        source,
        canal,
        note,
        echelle,
        polarite_ecrite,
        determinant,
        date_reponse,
        texte,
    ]
    return ligne, (etiquette if texte else None)


# --------------------------------------------------------------------------- journal d'appels


def taux_appels(jour_semaine: int, heure: int, facteur: float) -> float:
    """Appels attendus par heure pour un créneau (modèle de la démonstration).

    >>> round(taux_appels(0, 10, 1.0), 1)
    40.5
    """
    if heure not in HEURES or jour_semaine > 4:
        return 0.0
    return APPELS_HEURE[HEURES.index(heure)] * EFFET_JOUR[jour_semaine] * facteur


def _ecrire_appels(chemin, monde, structures, annee, graine, conv):
    rng = _rng(graine, annee, 2)
    debut = np.datetime64(f"{annee}-{DEBUT_JOURNAL}")
    facteurs = (1.0, 0.55)
    lignes, taux, besoins = [], {}, {}
    numero = 0
    for k, i in enumerate(structures):
        ident = str(monde.structures["id"][i])
        taux[ident], besoins[ident] = {}, {}
        for j in range(5):
            for h in HEURES:
                lam = taux_appels(j, h, facteurs[k])
                trafic = erlang.trafic_erlangs(lam, DUREE_MOYENNE)
                taux[ident][f"{j}-{h}"] = round(lam, 4)
                besoins[ident][f"{j}-{h}"] = erlang.agents_necessaires(trafic, DUREE_MOYENNE, CIBLE_SECONDES, OBJECTIF)
        for d in range(28):
            jour = debut + d
            js = int((jour.astype("datetime64[D]").view("int64") - 4) % 7)  # 1970-01-01 était un jeudi
            if js > 4:
                continue
            for appel in _simuler_journee(rng, js, facteurs[k]):
                numero += 1
                instant, attente, issue, duree, poste = appel
                horodatage = (jour.astype("datetime64[s]") + np.timedelta64(int(instant), "s")).astype(object)
                lignes.append(
                    [
                        f"APL{annee}-{numero:06d}",
                        ident,
                        horodatage.strftime(conv.format_date + " %H:%M:%S"),
                        f"{attente:.1f}".replace(".", conv.decimale),
                        issue,
                        "" if issue == "abandonne" else str(int(round(duree))),
                        poste,
                    ]
                )
    entetes = ["id_appel", "structure_id", "debut_appel", "attente_secondes", "issue", "duree_secondes", "poste"]
    n = _ecrire(chemin, entetes, lignes, conv.encodage, conv.separateur, conv.fin_ligne)
    verite = {
        "annee": annee,
        "structures": [str(monde.structures["id"][i]) for i in structures],
        "debut": str(debut),
        "jours_ouvres": 20,
        "duree_moyenne_secondes": DUREE_MOYENNE,
        "patience_moyenne_secondes": PATIENCE_MOYENNE,
        "agents_actuels": AGENTS_ACTUELS,
        "cible_secondes": CIBLE_SECONDES,
        "objectif": OBJECTIF,
        "appels_par_heure": taux,
        "agents_necessaires": besoins,
        "definition": "créneau « jour-heure » (0 = lundi) ; agents nécessaires selon Erlang C sur les taux "
        "plantés et la durée moyenne plantée",
    }
    return n, verite


def _simuler_journee(rng, jour_semaine: int, facteur: float):
    """File à ``AGENTS_ACTUELS`` agents, premier arrivé premier servi, abandons après une patience exponentielle."""
    libres = np.zeros(AGENTS_ACTUELS)  # instant (s depuis minuit) où chaque agent se libère
    appels = []
    for h in HEURES:
        lam = taux_appels(jour_semaine, h, facteur)
        n = rng.poisson(lam)
        arrivees = np.sort(h * 3600 + rng.random(n) * 3600)
        for t in arrivees:
            agent = int(np.argmin(libres))
            attente = max(0.0, libres[agent] - t)
            patience = rng.exponential(PATIENCE_MOYENNE)
            if attente > patience:
                appels.append((t, patience, "abandonne", 0.0, ""))
                continue
            duree = rng.exponential(DUREE_MOYENNE)
            libres[agent] = t + attente + duree
            appels.append((t, attente, "repondu", duree, f"P{agent + 1}"))
    return appels


# --------------------------------------------------------------------------- Services Publics +


ENTETES_EXPERIENCES_SPPLUS = (
    "ID expérience",
    "Etat expérience",
    "Ecrit le",
    "Date de publication",
    "Titre",
    "Description",
    "Posté comme",
    "Ressenti usager",
    "Pseudonyme usager",
    "Intitulé département usager",
    "Intitulé région usager",
    "Accessibilité",
    "Information/Explication",
    "Relation",
    "Réactivité",
    "Simplicité/Complexité",
    *(
        f"{e} {n}"
        for n in (1, 2, 3)
        for e in (
            "ID structure",
            "Intitulé structure",
            "Intitulé Typologie",
            "Canaux Typologie",
            "Statut réponse structure",
            "Réponse structure",
        )
    ),
    "Date de premiere réponse",
    "Amélioration de service à considérer",
)
CHAMPS_RESULTATS_SPPLUS = (
    "code_sp_du_resultat",
    "intitule_du_reseau",
    "typologie",
    "intitule_de_la_structure",
    "code_sp_structure",
    "titre_original_de_l_indicateur",
    "code_sp_de_l_indicateur",
    "valeur",
    "date_de_mise_a_jour",
)
ENTETES_REFERENTIEL_SPPLUS = (
    "Code SP+ de la structure",
    "Intitulé du réseau",
    "Intitulé de la typologie",
    "Intitulé de la structure",
)
# thème de l'export -> déterminant dont la phrase nourrit le texte (None : thème sans phrase propre)
THEMES_SPPLUS = (
    ("Accessibilité", "accessibilite"),
    ("Information/Explication", "qualite_reponse"),
    ("Relation", "courtoisie"),
    ("Réactivité", "reactivite"),
    ("Simplicité/Complexité", None),
)
RESSENTIS_SPPLUS = {"negatif": "Négatif", "neutre": "Neutre", "positif": "Positif"}
PART_REPONDUES_SPPLUS = 0.6
DELAI_MOYEN_SPPLUS = 9.0  # jours, loi exponentielle
PREFECTURE_SPPLUS = ("Préfecture de démonstration", "pRef0000Demo")


def _code_spplus(rng) -> str:
    """Code SP+ de 10 caractères, comme ``3Tn8gzTdcz`` dans le référentiel publié."""
    alphabet = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"))
    return "".join(rng.choice(alphabet, 10))


def _ecrire_publie(chemin: Path, entetes, lignes) -> int:
    """Export tel que publié : ``;``, UTF-8 avec BOM, CRLF, textes multilignes entre guillemets."""
    return _ecrire(chemin, entetes, lignes, "utf-8-sig", ";", "\r\n")


def _experience_spplus(rng, ident, citees, annee, verite):
    """Une ligne de l'export « expériences » et, dans ``verite``, la réponse de chaque structure citée."""
    polarite = ("negatif", "neutre", "positif")[rng.choice(3, p=[0.45, 0.15, 0.40])]
    texte, _ = _texte(rng, polarite)
    if rng.random() < 0.3:
        texte = texte.replace(". ", ".\n", 1)  # texte sur plusieurs lignes
    ecrit = np.datetime64(f"{annee}-01-01") + int(rng.integers(0, 330))
    publication = ecrit + int(rng.integers(1, 8))
    themes = [RESSENTIS_SPPLUS[polarite] if rng.random() < 0.35 else "" for _ in THEMES_SPPLUS]
    cellules = [ident, "Publiée", _date_fr(ecrit), f"{publication}T09:30:00+01:00", "Mon expérience", texte]
    cellules += ["Particulier", RESSENTIS_SPPLUS[polarite], "", "Finistère", "Bretagne", *themes]
    premiere = None
    for rang in (1, 2, 3):
        if rang > len(citees):
            cellules += [""] * 6
            continue
        code, nom, structure_id = citees[rang - 1]
        repond = rng.random() < PART_REPONDUES_SPPLUS
        delai = int(np.ceil(rng.exponential(DELAI_MOYEN_SPPLUS))) if repond else None
        if repond:
            premiere = delai if premiere is None else min(premiere, delai)
        statut = "Répondu" if repond else "Sans réponse"
        reponse = "Merci pour votre retour,\nnous allons améliorer ce point." if repond else ""
        cellules += [code, nom.upper() if rng.random() < 0.2 else nom, "Mairie", "Guichet, Téléphone", statut, reponse]
        if structure_id is not None:
            verite.append({"id_signal": f"SPP-{ident}-{rang}", "structure_id": structure_id, "repondu": repond})
    cellules += [_date_fr(ecrit + premiere) if premiere is not None else "", ""]
    for v in verite:
        if v["id_signal"].startswith(f"SPP-{ident}-") and v["repondu"]:
            v["delai_premiere_reponse_jours"] = premiere
    return cellules


def _date_fr(jour) -> str:
    a, m, j = str(jour).split("-")
    return f"{j}/{m}/{a}"


def _ecrire_spplus(dossier: Path, monde, structures, annee, graine, conv) -> tuple[dict, dict]:
    """Les trois exports Services Publics + sous leur forme publiée (expériences et référentiel :
    libellés du portail ; résultats : noms de champs de l'API) et la correspondance des structures.

    Une expérience sur cinq cite une seconde structure (une autre structure suivie ou une
    préfecture qui ne participe pas au baromètre). Vérité : par signal attendu, la structure,
    si elle a répondu et le délai de première réponse (en jours).
    """
    rng = _rng(graine, annee, 3)
    noms = [str(monde.structures["nom"][i]) for i in structures]
    ids = [str(monde.structures["id"][i]) for i in structures]
    codes = [_code_spplus(rng) for _ in structures]
    suivies = list(zip(codes, noms, ids))
    prefecture = (PREFECTURE_SPPLUS[1], PREFECTURE_SPPLUS[0], None)
    experiences, verite, idents = [], [], rng.choice(np.arange(100_000, 999_999), 60, replace=False)
    for k, suivie in enumerate(suivies):
        for n in range(int(rng.integers(8, 15))):
            ident = str(idents[len(experiences)])
            citees = [suivie]
            if rng.random() < 0.2:
                autres = [s for s in suivies if s is not suivie] + [prefecture]
                citees.append(autres[int(rng.integers(len(autres)))])
            experiences.append(_experience_spplus(rng, ident, citees, annee, verite))
    experiences.sort(key=lambda l: l[2][6:] + l[2][3:5] + l[2][:2])
    resultats = []
    for k, (code, nom, _) in enumerate(suivies):
        for indicateur, titre, bornes in (
            ("IND-27", "Taux de satisfaction des usagers", (70, 92)),
            ("IND-12", "Délai moyen de réponse aux courriels (jours)", (3, 15)),
        ):
            valeur = f"{rng.uniform(*bornes):.1f}".replace(".", conv.decimale)
            resultats.append(
                [f"R{k}{indicateur}", "Communes", "Mairie", nom, code, titre, indicateur, valeur, f"{annee}-06-30"]
            )
    referentiel = [[code, "Communes", "Mairie", nom] for code, nom, _ in suivies]
    referentiel.append([PREFECTURE_SPPLUS[1], "Préfectures", "Préfecture", PREFECTURE_SPPLUS[0]])
    lignes = {
        f"raw/{annee}/spplus_experiences.csv": _ecrire_publie(
            dossier / "spplus_experiences.csv", ENTETES_EXPERIENCES_SPPLUS, experiences
        ),
        f"raw/{annee}/spplus_indicateurs.csv": _ecrire_publie(
            dossier / "spplus_indicateurs.csv", CHAMPS_RESULTATS_SPPLUS, resultats
        ),
        f"raw/{annee}/spplus_referentiel.csv": _ecrire_publie(
            dossier / "spplus_referentiel.csv", ENTETES_REFERENTIEL_SPPLUS, referentiel
        ),
        f"raw/{annee}/spplus_structures.csv": _ecrire(
            dossier / "spplus_structures.csv",
            ["structure_id", "code_spplus", "nom_spplus"],
            [[i, c, ""] for i, c in zip(ids, codes)],
            *(conv.encodage, conv.separateur, conv.fin_ligne),
        ),
    }
    return lignes, {"signaux": sorted(verite, key=lambda v: v["id_signal"])}
