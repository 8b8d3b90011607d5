"""Fichiers Services Publics + écrits à la main d'après la liste des colonnes publiée (portail de
données ouvertes et API de la DITP), sous les deux formes d'en-têtes : libellés du portail et
noms de champs de l'API. ``;``, UTF-8 avec BOM, fins de ligne CRLF, textes multilignes.

Structures : 00101 (code SP+ ``3Tn8gzTdcz``), 00102 (connue par son seul nom dans
``spplus_structures.csv`` ; son code ``Ev12345678`` vient du référentiel exporté), 00999
(rattachée mais non participante), et la « Préfecture du Nord » (``9Xq2pLmNoP``), présente
dans Services Publics + mais pas dans le baromètre.
"""

import csv
import io
from pathlib import Path

LIBELLES_EXPERIENCES = [
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
    *[
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
    ],
    "Date de premiere réponse",
    "Amélioration de service à considérer",
]
CHAMPS_API_EXPERIENCES = [
    "id_experience",
    "etat_experience",
    "ecrit_le",
    "date_de_publication",
    "titre",
    "description",
    "poste_comme",
    "ressenti_usager",
    "pseudonyme_usager",
    "intitule_departement_usager",
    "intitule_region_usager",
    "accessibilite",
    "information_explication",
    "relation",
    "reactivite",
    "simplicite_complexite",
    *[
        f"{e}_{n}"
        for n in (1, 2, 3)
        for e in (
            "id_structure",
            "intitule_structure",
            "intitule_typologie",
            "canaux_typologie",
            "statut_reponse_structure",
            "reponse_structure",
        )
    ],
    "date_de_premiere_reponse",
    "amelioration_de_service_a_considerer",
]
ZEBRIN = ("3Tn8gzTdcz", "Mairie de Zébrinville", "Mairie", "Guichet, Téléphone")
EVRE = ("Ev12345678", "Mairie d'Èvrevasque", "Mairie", "Guichet")
PREFECTURE = ("9Xq2pLmNoP", "Préfecture du Nord", "Préfecture", "Site internet")
CAF = ("Caf0000001", "CAF du Nord", "CAF", "Téléphone")
VIDE = ("", "", "", "")


def _experience(ident, ecrit, ressenti, structures, premiere="", themes=("",) * 5, titre="", description=""):
    """Une ligne : ``structures`` = jusqu'à trois (structure, statut de réponse, texte de réponse)."""
    cellules = [ident, "Publiée", ecrit, "2022-06-01T08:00:00+02:00", titre, description, "Particulier", ressenti]
    cellules += ["Usager123", "Finistère", "Bretagne", *themes]
    for k in range(3):
        (code, nom, typo, canaux), statut, reponse = structures[k] if k < len(structures) else (VIDE, "", "")
        cellules += [code, nom, typo, canaux, statut, reponse]
    return cellules + [premiere, "Mieux orienter les usagers"]


# thèmes : Accessibilité, Information/Explication, Relation, Réactivité, Simplicité/Complexité
EXPERIENCES = [
    _experience(
        "1001",
        "15/03/2022",
        "Négatif",
        [
            (
                (ZEBRIN[0], "MAIRIE DE ZEBRINVILLE", *ZEBRIN[2:]),
                "Répondu",
                "Nous sommes désolés ;\ncontactez M. Pierre Durand",
            ),
            ((VIDE[0], *EVRE[1:]), "Sans réponse", ""),
        ],
        premiere="25/03/2022",
        themes=("", "", "Négatif", "Négatif", ""),
        titre="Renvoyé partout",
        description="Renvoyé de service en service ;\npersonne ne sait.\r\nJ'ai abandonné.",
    ),
    _experience(
        "1002",
        "2022-04-01T18:30:00+02:00",
        "Positif",
        [(ZEBRIN, "En attente de réponse", ""), (PREFECTURE, "Répondu", "Merci pour votre message.")],
        premiere="2022-04-05T10:00:00+02:00",
        themes=("", "Plutôt bien", "Positif", "", "Positif"),
        description="Agent très aimable, merci.",
    ),
    _experience(
        "1003",
        "02/05/2022",
        "Neutre",
        [((EVRE[0], "", "", ""), "", "Bonjour, votre dossier est traité.")],
        premiere="12/05/2022",
        description="Rien à signaler",
    ),
    # rejetées
    _experience("1004", "03/05/2022", "Négatif", [(PREFECTURE, "Répondu", "Merci")], description="Hors baromètre"),
    _experience("1005", "2022-13-01", "Positif", [(ZEBRIN, "", "")], description="Date impossible"),
    _experience("1006", "04/05/2022", "Mitigé", [(ZEBRIN, "", "")], description="Ressenti inconnu"),
    _experience("1002", "05/05/2022", "Positif", [(ZEBRIN, "", "")], description="Identifiant en double"),
    _experience("1008", "06/05/2022", "Négatif", [(CAF, "", "")], description="Structure non participante"),
    _experience("1009", "07/05/2022", "Négatif", [(ZEBRIN, "Répondu", "Oui")], premiere="01/05/2022"),
]
LIBELLES_RESULTATS = [
    "Code SP du résultat",
    "Intitulé du réseau",
    "Typologie",
    "Intitulé de la structure",
    "Code SP structure",
    "Titre original de l'indicateur",
    "Code SP de l'indicateur",
    "Valeur",
    "Date de mise à jour",
]
CHAMPS_API_RESULTATS = [
    "code_sp_du_resultat",
    "intitule_du_reseau",
    "typologie",
    "intitule_de_la_structure",
    "code_sp_structure",
    "titre_original_de_l_indicateur",
    "code_sp_de_l_indicateur",
    "valeur",
    "date_de_mise_a_jour",
]
RESULTATS = [
    [
        "R-1",
        "Communes",
        "Mairie",
        ZEBRIN[1],
        ZEBRIN[0],
        "Taux de satisfaction des usagers",
        "IND-27",
        "87,5",
        "30/06/2022",
    ],
    [
        "R-2",
        "Communes",
        "Mairie",
        ZEBRIN[1],
        ZEBRIN[0],
        "Délai moyen de réponse aux courriels",
        "IND-12",
        "3.5",
        "2022-06-30",
    ],
    ["R-3", "Communes", "Mairie", EVRE[1], EVRE[0], "Taux de satisfaction des usagers", "IND-27", "n.d.", "30/06/2022"],
    [
        "R-4",
        "Préfectures",
        "Préfecture",
        PREFECTURE[1],
        PREFECTURE[0],
        "Taux de satisfaction",
        "IND-27",
        "90",
        "30/06/2022",
    ],
]
LIBELLES_REFERENTIEL = [
    "Code SP+ de la structure",
    "Intitulé du réseau",
    "Intitulé de la typologie",
    "Intitulé de la structure",
    "Adresse",
]
CHAMPS_API_REFERENTIEL = [
    "code_sp_de_la_structure",
    "intitule_du_reseau",
    "intitule_de_la_typologie",
    "intitule_de_la_structure",
    "adresse",
]
REFERENTIEL = [
    [ZEBRIN[0], "Communes", "Mairie", ZEBRIN[1], "1 place de la Mairie"],
    [EVRE[0], "Communes", "Mairie", EVRE[1], "2 rue du Port"],
    [PREFECTURE[0], "Préfectures", "Préfecture", PREFECTURE[1], "Lille"],
    ["", "Communes", "Mairie", "Sans code", ""],
]
STRUCTURES = [("00101", ZEBRIN[0], ""), ("00102", "", "Mairie d'Evrevasque"), ("00999", CAF[0], CAF[1])]


def ecrire_publie(chemin: Path, entetes, lignes) -> Path:
    """Écrit un export comme le portail : ``;``, BOM UTF-8, CRLF, guillemets autour des textes multilignes."""
    tampon = io.StringIO()
    csv.writer(tampon, delimiter=";", lineterminator="\r\n").writerows([entetes, *lignes])
    chemin.parent.mkdir(parents=True, exist_ok=True)
    chemin.write_bytes(b"\xef\xbb\xbf" + tampon.getvalue().encode("utf-8"))
    return chemin


def ecrire_structures(chemin: Path) -> Path:
    lignes = ["structure_id;code_spplus;nom_spplus"] + [";".join(s) for s in STRUCTURES]
    chemin.parent.mkdir(parents=True, exist_ok=True)
    chemin.write_text("\n".join(lignes) + "\n", encoding="utf-8")
    return chemin


def ecrire_exports(dossier: Path, forme: str = "libelles") -> dict:
    """Les trois exports dans ``dossier`` sous la forme ``libelles`` (portail) ou ``api``."""
    api = forme == "api"
    return {
        "experiences": ecrire_publie(
            dossier / "spplus_experiences.csv", CHAMPS_API_EXPERIENCES if api else LIBELLES_EXPERIENCES, EXPERIENCES
        ),
        "indicateurs": ecrire_publie(
            dossier / "spplus_indicateurs.csv", CHAMPS_API_RESULTATS if api else LIBELLES_RESULTATS, RESULTATS
        ),
        "structures": ecrire_publie(
            dossier / "spplus_referentiel.csv", CHAMPS_API_REFERENTIEL if api else LIBELLES_REFERENTIEL, REFERENTIEL
        ),
    }
