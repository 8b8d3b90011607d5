"""Interface en ligne de commande ``analyse`` (sous-commandes en français).

Exemples ::

    analyse demo --graine 2012
    analyse preparer --toutes
    analyse rapports edition --annee 2022
"""

from __future__ import annotations

import argparse
import datetime as _dt
import sys
import tempfile
import time
import traceback
from pathlib import Path

from analyse.config import DONNEES, PARAMETRES, RAPPORTS, ErreurConfiguration, Parametres, dossier_raw
from analyse.donnees.lecture import ErreurDonnees

CODES_SORTIE = {
    0: "succès",
    1: "rien à faire, ou une partie du travail a échoué (p. ex. une fiche en échec)",
    2: "faute de fichier ou de données, fichier absent, ou option invalide (dont `--sortie` dans `raw/` ou "
    "`processed/`) : rien n'est écrit",
    3: "remplacement refusé : la préparation perdrait trop de participants ou de contacts (--remplacer)",
    4: "erreur inattendue : message court, trace complète dans le journal indiqué",
    5: "occupé : une autre préparation de la même racine, ou un autre lot du même dossier, est en cours "
    "(`--attente`) : rien n'est écrit",
    130: "interrompu (Ctrl-C) : une préparation n'a rien publié ; un lot garde les fiches finies et le dit",
}
DOSSIER_JOURNAUX = "journaux"

_TRADUCTIONS_ARGPARSE = {
    "usage: ": "utilisation : ",
    "options": "options",
    "positional arguments": "arguments positionnels",
    "show this help message and exit": "affiche cette aide et quitte",
    "the following arguments are required: %s": "arguments obligatoires manquants : %s",
    "unrecognized arguments: %s": "arguments non reconnus : %s",
    "%(prog)s: error: %(message)s\n": "%(prog)s : erreur : %(message)s\n",
    "invalid choice: %(value)r (choose from %(choices)s)": "choix invalide : %(value)r (possibles : %(choices)s)",
    "invalid %(type)s value: %(value)r": "valeur invalide (%(type)s attendu) : %(value)r",
    "not allowed with argument %s": "incompatible avec l'argument %s",
    "one of the arguments %s is required": "un des arguments %s est obligatoire",
    "expected one argument": "une valeur attendue",
    "argument %(argument_name)s: %(message)s": "argument %(argument_name)s : %(message)s",
}


def _traduire(message: str) -> str:
    return _TRADUCTIONS_ARGPARSE.get(message, message)


argparse._ = _traduire  # messages d'argparse en français


def _options_communes(parseur: argparse.ArgumentParser) -> None:
    parseur.add_argument(
        "--donnees",
        type=Path,
        default=DONNEES,
        help="racine des données, qui contient raw/ et processed/ (défaut : data/)",
    )
    parseur.add_argument(
        "--sortie", type=Path, default=RAPPORTS, help="dossier des rapports produits (défaut : rapports/)"
    )


def _option_attente(parseur: argparse.ArgumentParser, quoi: str) -> None:
    parseur.add_argument(
        "--attente",
        type=float,
        default=None,
        metavar="SECONDES",
        help=f"si {quoi} est déjà en cours : attendre au plus SECONDES (0 : refuser tout de suite, code 5) ; "
        "par défaut, attendre sa fin",
    )


def _choix_editions(parseur: argparse.ArgumentParser) -> None:
    groupe = parseur.add_mutually_exclusive_group(required=True)
    groupe.add_argument("--annee", type=int, help="année de terrain de l'édition (ex. 2022)")
    groupe.add_argument("--toutes", action="store_true", help="toutes les éditions disponibles")


def construire_parseur() -> argparse.ArgumentParser:
    """Le parseur de la commande ``analyse`` et de ses sous-commandes."""
    parseur = argparse.ArgumentParser(
        prog="analyse",
        description="Baromètre Expérience Citoyen — espace d'analyse : données de démonstration, "
        "préparation des éditions et rapports PDF.",
        epilog="Codes de sortie : " + " ; ".join(f"{code} = {sens}" for code, sens in CODES_SORTIE.items()) + ".",
    )
    sous = parseur.add_subparsers(dest="commande", metavar="COMMANDE", required=True)

    demo = sous.add_parser(
        "demo",
        help="écrit les données fictives de démonstration dans DONNEES/raw/",
        description="Écrit les dix éditions de démonstration (données fictives) selon le contrat.",
    )
    _options_communes(demo)
    demo.add_argument("--graine", type=int, default=2012, help="graine aléatoire (défaut : 2012)")
    demo.add_argument(
        "--echelle", type=float, default=1.0, help="multiplie le nombre de structures de chaque édition (jusqu'à 100)"
    )
    demo.add_argument(
        "--annees",
        type=_liste_annees,
        default=None,
        help="éditions à écrire, séparées par des virgules (défaut : toutes)",
    )
    demo.add_argument("--forcer", action="store_true", help="écrit même si DONNEES/raw/ n'est pas vide")

    preparer = sous.add_parser(
        "preparer",
        help="valide et note une ou toutes les éditions (Parquet)",
        description="Lit raw/<annee>/, valide, note et écrit processed/<table>/.",
    )
    _options_communes(preparer)
    _choix_editions(preparer)
    preparer.add_argument("--bootstrap", type=int, default=PARAMETRES.n_bootstrap, help=argparse.SUPPRESS)
    preparer.add_argument(
        "--graine",
        type=int,
        default=PARAMETRES.graine,
        help=f"graine des tirages aléatoires (défaut : {PARAMETRES.graine})",
    )
    preparer.add_argument(
        "--remplacer",
        action="store_true",
        help="remplace une édition déjà préparée même si elle perd plus de la moitié "
        "de ses participants ou de ses contacts",
    )
    _option_attente(preparer, "une préparation de la même racine")

    rapports = sous.add_parser(
        "rapports",
        help="produit des rapports PDF et HTML",
        description="Produit les rapports PDF/HTML et les tableaux CSV associés.",
    )
    types = rapports.add_subparsers(dest="rapport", metavar="RAPPORT", required=True)
    edition = types.add_parser(
        "edition",
        help="rapport national d'une édition",
        description="Rapport national d'une édition : rapports/<annee>/.",
    )
    _options_communes(edition)
    _choix_editions(edition)

    tendances = types.add_parser(
        "tendances",
        help="étude de tendances sur les éditions préparées",
        description="Étude de tendances (trois séries nationales, composition, "
        "ruptures, participation) : rapports/tendances/.",
    )
    _options_communes(tendances)
    tendances.add_argument("--de", type=int, default=None, help="première édition comparée (défaut : la plus ancienne)")
    tendances.add_argument("--a", type=int, default=None, help="dernière édition comparée (défaut : la plus récente)")
    _option_bootstrap(tendances)

    determinants = types.add_parser(
        "determinants",
        help="étude des déterminants de la satisfaction",
        description="Importance relative, modèles et priorités : rapports/determinants/.",
    )
    _options_communes(determinants)
    determinants.add_argument(
        "--annees",
        type=_liste_annees,
        default=None,
        help="éditions à empiler, séparées par des virgules (défaut : toutes celles qui ont une enquête en ligne)",
    )
    _option_bootstrap(determinants)

    structures = types.add_parser(
        "structures",
        help="fiches PDF par structure, en lot",
        description="Une fiche PDF par structure participante : rapports/<annee>/structures/ (reprise par manifeste).",
    )
    _options_communes(structures)
    structures.add_argument(
        "--annee", type=int, default=None, help="édition (défaut : la plus récente des éditions préparées)"
    )
    structures.add_argument(
        "--structures", default=None, help="identifiants séparés par des virgules (défaut : toutes)"
    )
    structures.add_argument(
        "--travailleurs", type=int, default=None, help="processus en parallèle (défaut : un par cœur)"
    )
    structures.add_argument("--executeur", default="local", help="« local » ou « dask://HOTE:PORT » (grappe Dask)")
    structures.add_argument("--force", action="store_true", help="refait toutes les fiches, même à jour")
    _option_attente(structures, "un lot dans le même dossier")

    suivi = types.add_parser(
        "suivi",
        help="tableau de bord d'évaluation continue d'une structure",
        description="Canaux d'écoute, cartes de contrôle, lien avec l'audit et renfort "
        "téléphonique d'une structure : rapports/suivi/.",
    )
    _options_communes(suivi)
    suivi.add_argument("--structure", required=True, help="identifiant de la structure (structure_id)")
    suivi.add_argument("--annee", type=int, default=None, help="édition de référence (défaut : la plus récente)")
    _parseur_notebook(types)
    return parseur


def _parseur_notebook(types) -> None:
    notebook = types.add_parser(
        "notebook",
        help="n'importe quel notebook en PDF (études de notebooks/etudes/)",
        description="Exécute des notebooks paramétrés (papermill, noyau du projet) et les met "
        "en page comme les autres rapports (code masqué, couverture, sommaire, provenance).",
    )
    notebook.add_argument(
        "notebooks", nargs="*", type=Path, metavar="CHEMIN.ipynb", help="un ou plusieurs notebooks à rendre en PDF"
    )
    notebook.add_argument(
        "-p",
        "--parametre",
        nargs=2,
        action="append",
        default=[],
        metavar=("NOM", "VALEUR"),
        help="remplace un paramètre de la cellule « parameters » (répétable)",
    )
    notebook.add_argument(
        "--liste", action="store_true", help="liste les études de notebooks/etudes/ et leurs paramètres"
    )
    notebook.add_argument(
        "--donnees", type=Path, default=None, help="racine des données (défaut : variable ANALYSE_DONNEES, sinon data/)"
    )
    notebook.add_argument(
        "--sortie", type=Path, default=None, help="dossier des PDF produits (défaut : rapports/etudes/)"
    )


def _option_bootstrap(parseur: argparse.ArgumentParser) -> None:
    parseur.add_argument(
        "--bootstrap", type=int, default=None, help=f"réplications bootstrap (défaut : {PARAMETRES.n_bootstrap})"
    )


def _parametres_methode(args) -> dict | None:
    return {"n_bootstrap": args.bootstrap} if getattr(args, "bootstrap", None) else None


def _liste_annees(texte: str) -> list[int]:
    try:
        return [int(a) for a in texte.split(",") if a.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"liste d'années invalide : « {texte} » (ex. 2020,2022)") from None


def _raw_vide(donnees: Path) -> bool:
    raw = dossier_raw(donnees)
    return not raw.exists() or not any(p for p in raw.iterdir() if not p.name.startswith((".", "README")))


def commande_demo(args) -> int:
    """Écrit les données de démonstration."""
    from analyse.demo.editions import generer_demo

    if not _raw_vide(args.donnees) and not args.forcer:
        print(
            f"{dossier_raw(args.donnees)} n'est pas vide : rien n'est écrit (option --forcer pour écraser).",
            file=sys.stderr,
        )
        return 1
    debut = time.perf_counter()
    resume = generer_demo(args.donnees, graine=args.graine, echelle=args.echelle, annees=args.annees)
    print(
        f"Données fictives de démonstration écrites dans {dossier_raw(args.donnees)} "
        f"({_duree(time.perf_counter() - debut)})."
    )
    for cle, valeur in sorted((resume or {}).get("lignes", {}).items()):
        print(f"  {cle} : {_entier(valeur)} lignes")
    return 0


def commande_preparer(args) -> int:
    """Prépare une ou toutes les éditions et affiche les bilans de lecture."""
    from analyse.chaine import preparer_edition
    from analyse.donnees.preparation import annees_disponibles, lire_editions
    from analyse.donnees.stockage import Ecriture

    parametres = Parametres.depuis_dict(
        {**PARAMETRES.vers_dict(), "n_bootstrap": args.bootstrap, "graine": args.graine}
    )
    editions = lire_editions(args.donnees)
    annees = annees_disponibles(args.donnees) if args.toutes else [args.annee]
    if not annees:
        print(f"Aucune édition à préparer dans {dossier_raw(args.donnees)}.", file=sys.stderr)
        return 1
    with Ecriture(args.donnees, remplacer=args.remplacer, attente=args.attente) as ecriture:
        for message in ecriture.recuperation:
            print(f"Reprise : {message}.")
        for annee in annees:
            debut = time.perf_counter()
            edition = preparer_edition(args.donnees, annee, parametres, editions)
            ecriture.ajouter(annee, edition.tables, edition.fichiers)
            _afficher_bilans(edition, time.perf_counter() - debut)
    from analyse.formatage import accorder

    print(f"Tables écrites dans {args.donnees / 'processed'} ({accorder(len(annees), 'édition')}).")
    return 0


def _afficher_bilans(edition, secondes: float) -> None:
    print(f"Édition {edition.annee} ({_duree(secondes)}) :")
    for b in edition.bilans:
        print(
            f"  {b.fichier} : {_entier(b.lues)} lues, {_entier(b.acceptees)} acceptées, {_entier(b.rejetees)} rejetées"
        )
    for avertissement in edition.avertissements:
        print(f"  {avertissement}")


def commande_rapports(args) -> int:
    """Produit les rapports demandés."""
    return RAPPORTS_DISPONIBLES[args.rapport](args)


def _rapports_edition(args) -> int:
    from analyse.donnees.stockage import editions_preparees
    from analyse.rapports.edition import rapport_edition

    annees = editions_preparees(args.donnees) if args.toutes else [args.annee]
    if not annees:
        print("Aucune édition préparée : lancez d'abord « analyse preparer --toutes ».", file=sys.stderr)
        return 1
    for annee in annees:
        debut = time.perf_counter()
        chemin = rapport_edition(annee, donnees=args.donnees, sortie=args.sortie)
        print(f"Rapport de l'édition {annee} : {chemin} ({_duree(time.perf_counter() - debut)})")
    return 0


def _rapport_tendances(args) -> int:
    from analyse.rapports.tendances import rapport_tendances

    debut = time.perf_counter()
    chemin = rapport_tendances(
        args.donnees, args.sortie, de=args.de, a=args.a, parametres_methode=_parametres_methode(args)
    )
    print(f"Étude de tendances : {chemin} ({_duree(time.perf_counter() - debut)})")
    return 0


def _rapport_determinants(args) -> int:
    from analyse.rapports.determinants import rapport_determinants

    debut = time.perf_counter()
    chemin = rapport_determinants(
        args.donnees, args.sortie, annees=args.annees, parametres_methode=_parametres_methode(args)
    )
    print(f"Étude des déterminants : {chemin} ({_duree(time.perf_counter() - debut)})")
    return 0


def _rapports_structures(args) -> int:
    from analyse.donnees.stockage import editions_preparees
    from analyse.rapports.lot import rapports_structures

    annee = args.annee or max(editions_preparees(args.donnees), default=None)
    if annee is None:
        print("Aucune édition préparée : lancez d'abord « analyse preparer --toutes ».", file=sys.stderr)
        return 1
    bilan = rapports_structures(
        annee,
        args.donnees,
        args.sortie,
        structures=args.structures,
        travailleurs=args.travailleurs,
        executeur=args.executeur,
        forcer=args.force,
        attente=args.attente,
    )
    return bilan.code_sortie


def _rapport_suivi(args) -> int:
    from analyse.rapports.suivi import rapport_suivi

    debut = time.perf_counter()
    chemin = rapport_suivi(args.structure, donnees=args.donnees, sortie=args.sortie, annee=args.annee)
    print(f"Tableau de bord de la structure {args.structure} : {chemin} ({_duree(time.perf_counter() - debut)})")
    return 0


def _rapport_notebook(args) -> int:
    from analyse.rapports import notebook

    if args.liste:
        print(notebook.texte_liste_etudes(notebook.lister_etudes()))
        return 0
    if not args.notebooks:
        print("Précisez au moins un notebook (CHEMIN.ipynb), ou --liste.", file=sys.stderr)
        return 2
    try:
        parametres = notebook.lire_parametres(args.parametre)
        for chemin in args.notebooks:
            debut = time.perf_counter()
            produits = notebook.rapport_notebook(chemin, parametres, donnees=args.donnees, sortie=args.sortie)
            print(f"{chemin} : {produits['pdf']} ({_duree(time.perf_counter() - debut)})")
    except (ValueError, FileNotFoundError) as erreur:
        print(f"Erreur : {erreur}", file=sys.stderr)
        return 2
    except notebook.ErreurNotebook as erreur:
        print(f"Erreur : {erreur}", file=sys.stderr)
        return 1
    return 0


RAPPORTS_DISPONIBLES = {
    "edition": _rapports_edition,
    "tendances": _rapport_tendances,
    "determinants": _rapport_determinants,
    "structures": _rapports_structures,
    "suivi": _rapport_suivi,
    "notebook": _rapport_notebook,
}


def _entier(n: int) -> str:
    return f"{n:,}".replace(",", "\u202f")


def _duree(secondes: float) -> str:
    return f"{secondes:.1f} s".replace(".", ",")


COMMANDES = {"demo": commande_demo, "preparer": commande_preparer, "rapports": commande_rapports}


def main(argv=None) -> int:
    """Point d'entrée de la commande ``analyse`` ; renvoie un des ``CODES_SORTIE``."""
    args = construire_parseur().parse_args(argv)
    for option in ("donnees", "sortie"):
        if getattr(args, option, None) is not None:
            setattr(args, option, getattr(args, option).resolve())
    refus = _sortie_dans_les_donnees(args)
    if refus:
        print(f"Erreur : {refus}", file=sys.stderr)
        return 2
    try:
        return COMMANDES[args.commande](args)
    except ErreurDonnees as erreur:
        from analyse.donnees.stockage import RemplacementRefuse

        print(str(erreur), file=sys.stderr)
        print("Rien n'a été écrit.", file=sys.stderr)
        return 3 if isinstance(erreur, RemplacementRefuse) else 2
    except (FileNotFoundError, ErreurConfiguration) as erreur:
        print(f"Erreur : {erreur}", file=sys.stderr)
        return 2
    except RuntimeError as erreur:  # échec d'exécution ou de rendu d'un rapport
        print(f"Erreur : {erreur}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(
            "Interrompu (Ctrl-C) : l'étape en cours n'a rien publié (les tables préparées sont inchangées).",
            file=sys.stderr,
        )
        return 130
    except Exception as erreur:  # garde unique : aucune trace Python ne parvient à l'utilisateur
        if _verrou_occupe(erreur):
            print(f"Occupé : {erreur}", file=sys.stderr)
            return 5
        return _erreur_inattendue(erreur, args, argv)


def _verrou_occupe(erreur: Exception) -> bool:
    """Vrai pour un refus de verrou (``stockage.VerrouOccupe``), sans importer le stockage pour rien."""
    stockage = sys.modules.get("analyse.donnees.stockage")
    return stockage is not None and isinstance(erreur, stockage.VerrouOccupe)


def _sortie_dans_les_donnees(args) -> str | None:
    """Message si ``--sortie`` est dans ``raw/`` ou ``processed/`` de la racine des données (rien n'y est écrit)."""
    import os

    from analyse.config import DONNEES as DEFAUT, dossier_processed, resoudre_chemin

    sortie = getattr(args, "sortie", None)
    if sortie is None or not hasattr(args, "donnees"):
        return None
    racine = resoudre_chemin(args.donnees or os.environ.get("ANALYSE_DONNEES") or DEFAUT)
    for nom, dossier in (("raw/", dossier_raw(racine)), ("processed/", dossier_processed(racine))):
        formes = {dossier.absolute(), dossier.resolve()}  # processed/<table> mène dans processed/.versions/
        if any(Path(sortie).absolute().is_relative_to(f) or Path(sortie).resolve().is_relative_to(f) for f in formes):
            return (
                f"le dossier de sortie {sortie} est dans {nom} de la racine des données {racine} : "
                "les rapports n'y sont jamais écrits. Choisissez un autre --sortie (défaut : rapports/)."
            )
    return None


def _erreur_inattendue(erreur: Exception, args, argv) -> int:
    """Message français court ; trace complète dans un journal sous le dossier de données ou de sortie."""
    commande = " ".join(filter(None, (args.commande, getattr(args, "rapport", None))))
    journal = _ecrire_journal(erreur, args, argv)
    fichier = getattr(erreur, "filename", None) or _fichier_des_notes(erreur)
    print(
        f"Erreur inattendue pendant « analyse {commande} »"
        + (f" (fichier « {fichier} »)" if fichier else "")
        + f" : {type(erreur).__name__} : {erreur}",
        file=sys.stderr,
    )
    print(f"Trace complète écrite dans {journal} : joignez ce fichier à votre signalement.", file=sys.stderr)
    return 4


def _fichier_des_notes(erreur: Exception) -> str | None:
    """Fichier en cours de traitement, noté sur l'exception par la préparation (``en_traitant``)."""
    from analyse.donnees.preparation import PREFIXE_NOTE_FICHIER

    notes = [n for n in getattr(erreur, "__notes__", []) if n.startswith(PREFIXE_NOTE_FICHIER)]
    return notes[0][len(PREFIXE_NOTE_FICHIER) :] if notes else None


def _ecrire_journal(erreur: Exception, args, argv) -> Path:
    """Écrit la trace dans ``<données ou sortie>/journaux/analyse-<horodatage>.log`` (dossier
    temporaire à défaut) et renvoie son chemin."""
    base = args.sortie if getattr(args, "commande", "") == "rapports" else getattr(args, "donnees", None)
    horodatage = _dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
    contenu = (
        f"analyse {' '.join(map(str, sys.argv[1:] if argv is None else argv))}\n"
        f"{_dt.datetime.now().isoformat(timespec='seconds')}\n\n" + "".join(traceback.format_exception(erreur))
    )
    for dossier in (Path(base) / DOSSIER_JOURNAUX if base else None, Path(tempfile.gettempdir()) / "analyse"):
        if dossier is None:
            continue
        try:
            dossier.mkdir(parents=True, exist_ok=True)
            chemin = dossier / f"analyse-{horodatage}.log"
            chemin.write_text(contenu, encoding="utf-8")
            return chemin
        except OSError:
            continue
    return Path("(journal impossible à écrire)")


if __name__ == "__main__":
    sys.exit(main())
