"""N'importe quel notebook en PDF, par la route des autres rapports.

``rapport_notebook`` exécute un notebook paramétré (papermill, noyau du projet) et le met
en page comme les rapports de la maison (``rendu.produire_rapport`` : code masqué,
couverture, sommaire, mention « Données fictives de démonstration » si la racine est la
démo), avec une dernière page de provenance (``provenance``). Les études des chercheurs
se rangent dans ``notebooks/etudes/`` : ``analyse rapports notebook --liste`` les montre,
``make etudes`` les construit.
"""

from __future__ import annotations

import ast
import os
import re
import tempfile
from contextlib import contextmanager
from pathlib import Path

from analyse import config
from analyse.donnees.chargement import VARIABLE_DONNEES, racine_donnees
from analyse.rapports import provenance as prov
from analyse.rapports.rendu import produire_rapport

DOSSIER_ETUDES = config.NOTEBOOKS / "etudes"
LONGUEUR_EXTRAIT = 80


class ErreurNotebook(RuntimeError):
    """Échec d'exécution d'un notebook : le message nomme la cellule, sans trace Python."""


def lire_valeur(texte: str):
    """Valeur d'un paramètre passé en ligne de commande : nombre, booléen, liste… sinon texte.

    >>> lire_valeur("2022"), lire_valeur("0.5"), lire_valeur("True"), lire_valeur("[2021, 2022]"), lire_valeur("data")
    (2022, 0.5, True, [2021, 2022], 'data')
    """
    try:
        return ast.literal_eval(texte)
    except (ValueError, SyntaxError):
        return texte


def lire_parametres(paires) -> dict:
    """Paramètres ``-p NOM VALEUR`` de la ligne de commande, en dictionnaire.

    >>> lire_parametres([("annee", "2022"), ("titre", "Courriels")])
    {'annee': 2022, 'titre': 'Courriels'}
    """
    return {nom: lire_valeur(valeur) for nom, valeur in (paires or [])}


def _lire(notebook: Path):
    """Notebook lu ; un fichier qui n'en est pas un (texte, binaire, dossier) donne une erreur
    en français qui ne cite rien de son contenu (``ValueError`` : code 2 de la commande)."""
    import nbformat

    try:
        return nbformat.read(str(notebook), as_version=4)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, AttributeError, TypeError):
        raise ValueError(
            f"« {Path(notebook).name} » n'est pas un notebook Jupyter lisible (fichier .ipynb au format JSON attendu)"
        ) from None


def parametres_declares(notebook: Path | str) -> dict:
    """Paramètres de la cellule étiquetée « parameters » : nom → valeur par défaut (en texte).

    >>> parametres_declares(config.NOTEBOOKS / "rapport_edition.ipynb")["annee"]
    '2022'
    """
    from papermill.translators import PythonTranslator

    for cellule in _lire(Path(notebook)).cells:
        if cellule.cell_type == "code" and "parameters" in cellule.metadata.get("tags", []):
            return {p.name: p.default for p in PythonTranslator.inspect(cellule)}
    return {}


def titre_notebook(notebook: Path | str) -> str | None:
    """Premier titre de niveau 1 (« # … ») des cellules de texte, ou ``None``.

    >>> titre_notebook(config.NOTEBOOKS / "rapport_edition.ipynb") is None or True
    True
    """
    for cellule in _lire(Path(notebook)).cells:
        if cellule.cell_type == "markdown":
            for ligne in cellule.source.splitlines():
                if ligne.startswith("# "):
                    return ligne[2:].strip()
    return None


def lister_etudes(dossier: Path | str = DOSSIER_ETUDES) -> list[dict]:
    """Études de ``notebooks/etudes/`` : chemin (relatif au projet), titre et paramètres.

    >>> lister_etudes("/dossier/absent")
    []
    """
    etudes = []
    for chemin in sorted(Path(dossier).glob("*.ipynb")):
        etudes.append(
            {
                "notebook": prov.chemin_relatif(chemin.resolve()),
                "titre": titre_notebook(chemin) or "",
                "parametres": parametres_declares(chemin),
            }
        )
    return etudes


def texte_liste_etudes(etudes: list[dict]) -> str:
    """Liste lisible des études (pour ``--liste``).

    >>> print(texte_liste_etudes([{"notebook": "notebooks/etudes/a.ipynb", "titre": "A", "parametres": {"x": "1"}}]))
    notebooks/etudes/a.ipynb — A
        paramètres : x = 1
    """
    if not etudes:
        return f"Aucune étude dans {prov.chemin_relatif(DOSSIER_ETUDES)}/."
    lignes = []
    for etude in etudes:
        lignes.append(f"{etude['notebook']} — {etude['titre'] or '(sans titre)'}")
        parametres = ", ".join(f"{k} = {v}" for k, v in etude["parametres"].items()) or "aucun"
        lignes.append(f"    paramètres : {parametres}")
    return "\n".join(lignes)


def verifier_parametres(notebook: Path, parametres: dict, declares: dict) -> None:
    """Refuse un paramètre que le notebook ne déclare pas (message français)."""
    inconnus = sorted(set(parametres) - set(declares))
    if not inconnus:
        return
    if not declares:
        raise ValueError(
            f"Le notebook {notebook.name} n'a pas de cellule étiquetée « parameters » : "
            f"paramètre(s) {', '.join(inconnus)} impossible(s) à passer."
        )
    raise ValueError(
        f"Paramètre(s) inconnu(s) pour {notebook.name} : {', '.join(inconnus)} "
        f"(paramètres déclarés : {', '.join(declares)})."
    )


def localiser_notebook(chemin: Path | str) -> Path:
    """Chemin du notebook : tel quel (depuis le dossier courant), sinon depuis la racine du projet.

    >>> localiser_notebook("notebooks/rapport_edition.ipynb").name
    'rapport_edition.ipynb'
    """
    chemin = Path(chemin).expanduser()
    for candidat in (chemin, config.resoudre_chemin(chemin)):
        if candidat.is_file():
            return candidat.resolve()
    raise FileNotFoundError(f"Notebook introuvable : {chemin}")


def _extrait(source: str) -> str:
    code = " ; ".join(ligne.strip() for ligne in source.splitlines() if ligne.strip() and not ligne.startswith("#"))
    return code if len(code) <= LONGUEUR_EXTRAIT else code[: LONGUEUR_EXTRAIT - 1] + "…"


def numero_cellule(notebook: Path, source: str) -> int | None:
    """Rang (à partir de 1) de la cellule de code de ``source`` dans le notebook d'origine."""
    codes = [c.source for c in _lire(notebook).cells if c.cell_type == "code"]
    return codes.index(source) + 1 if source in codes else None


EXCEPTIONS_FR = {
    "ZeroDivisionError": "division par zéro",
    "KeyError": "clé absente",
    "NameError": "nom non défini",
    "ValueError": "valeur invalide",
    "TypeError": "type inadapté",
    "IndexError": "indice hors limites",
    "AttributeError": "attribut inexistant",
    "FileNotFoundError": "fichier introuvable",
    "ModuleNotFoundError": "module introuvable",
    "ImportError": "import impossible",
    "AssertionError": "assertion non vérifiée",
    "SyntaxError": "erreur de syntaxe",
    "MemoryError": "mémoire insuffisante",
    "RuntimeError": "erreur d'exécution",
}
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def ligne_en_erreur(trace) -> int | None:
    """Numéro de ligne (dans la cellule) de l'erreur, lu dans la trace IPython.

    >>> ligne_en_erreur(["\x1b[0;31mZeroDivisionError\x1b[0m", "Cell \x1b[0;32mIn[3], line 2\x1b[0m"])
    2
    >>> ligne_en_erreur(["rien"]) is None
    True
    """
    for morceau in trace or []:
        trouve = re.search(r"Cell In\[\d*\], line (\d+)", _ANSI.sub("", str(morceau)))
        if trouve:
            return int(trouve.group(1))
    return None


def exception_fr(nom: str, valeur: str) -> str:
    """Exception décrite en français, nom et message d'origine entre parenthèses.

    >>> exception_fr("ZeroDivisionError", "float division by zero")
    'division par zéro (ZeroDivisionError : float division by zero)'
    >>> exception_fr("MonErreur", "x")
    'exception MonErreur (x)'
    """
    if nom in EXCEPTIONS_FR:
        return f"{EXCEPTIONS_FR[nom]} ({nom} : {valeur})" if valeur else f"{EXCEPTIONS_FR[nom]} ({nom})"
    return f"exception {nom} ({valeur})" if valeur else f"exception {nom}"


def message_echec(notebook: Path, erreur: BaseException) -> str:
    """Message d'échec : cellule (rang, début du code), ligne, exception en français, notebook exécuté gardé."""
    origine = getattr(erreur, "origine", None) or erreur.__context__  # erreur papermill (rendu.EchecExecution)
    source = getattr(origine, "source", None)
    if source is None:
        return f"Le notebook {notebook.name} a échoué : {erreur}"
    numero = numero_cellule(notebook, source)
    cellule = f"cellule de code n° {numero}" if numero else f"cellule exécutée n° {origine.exec_count}"
    ligne = ligne_en_erreur(getattr(origine, "traceback", None))
    position = f", ligne {ligne}," if ligne else ""
    garde = getattr(erreur, "notebook_execute", None)
    suite = f" Notebook exécuté conservé : {garde}" if garde else ""
    return (
        f"Le notebook {notebook.name} a échoué à la {cellule}{position} « {_extrait(source)} » : "
        f"{exception_fr(origine.ename, origine.evalue)}.{suite}"
    )


def cellule_provenance(donnees_provenance: dict):
    """Dernière cellule ajoutée au notebook exécuté : affiche la page de provenance (code masqué au rendu)."""
    import nbformat

    page = prov.page_provenance(donnees_provenance)
    return nbformat.v4.new_code_cell(f"from IPython.display import HTML\nHTML({page!r})")


def verifier_donnees(racine: Path) -> None:
    """Vérifie la racine des données avant de démarrer un noyau (message français sinon).

    >>> verifier_donnees(Path("/dossier/absent"))
    Traceback (most recent call last):
    FileNotFoundError: Dossier de données introuvable : /dossier/absent (option --donnees ou variable ANALYSE_DONNEES).
    """
    if not racine.is_dir():
        raise FileNotFoundError(
            f"Dossier de données introuvable : {racine} (option --donnees ou variable {VARIABLE_DONNEES})."
        )
    if not config.dossier_processed(racine).is_dir():
        raise FileNotFoundError(
            f"Aucune édition préparée dans {racine} : lancez d'abord « analyse preparer --toutes --donnees {racine} »."
        )


@contextmanager
def _variable_donnees(racine: Path):
    ancienne = os.environ.get(VARIABLE_DONNEES)
    os.environ[VARIABLE_DONNEES] = str(racine)  # le noyau hérite de la racine : charger() sans argument la trouve
    try:
        yield
    finally:
        if ancienne is None:
            os.environ.pop(VARIABLE_DONNEES, None)
        else:
            os.environ[VARIABLE_DONNEES] = ancienne


def _titre_de_couverture(notebook: Path) -> str | None:
    source = "\n".join(c.source for c in _lire(notebook).cells if c.cell_type == "code")
    return None if "declarer_couverture" in source else titre_notebook(notebook)  # le notebook déclare la sienne


def rapport_notebook(
    notebook: Path | str,
    parametres: dict | None = None,
    donnees: Path | str | None = None,
    sortie: Path | str | None = None,
) -> dict[str, Path]:
    """Exécute un notebook et écrit ``<nom>.pdf`` et ``<nom>.html`` dans ``sortie`` (``rapports/etudes/``).

    ``parametres`` remplacent ceux de la cellule « parameters » ; un notebook qui déclare
    ``donnees`` reçoit la racine des données (``racine_donnees``) ; ``charger()`` sans
    argument la trouve aussi (variable ``ANALYSE_DONNEES`` transmise au noyau).

    >>> rapport_notebook("absent.ipynb")
    Traceback (most recent call last):
    FileNotFoundError: Notebook introuvable : absent.ipynb
    """
    import nbformat

    notebook = localiser_notebook(notebook)
    racine = racine_donnees(donnees)
    verifier_donnees(racine)
    dossier = config.resoudre_chemin(sortie) if sortie is not None else config.RAPPORTS / "etudes"
    parametres = dict(parametres or {})
    declares = parametres_declares(notebook)
    verifier_parametres(notebook, parametres, declares)
    if "donnees" in declares:
        parametres.setdefault("donnees", str(racine))
    nb = _lire(notebook)
    effectifs = declares | parametres  # valeurs par défaut (texte du notebook) remplacées par celles passées
    nb.cells.append(cellule_provenance(prov.provenance(racine, effectifs, notebook=notebook)))
    with tempfile.TemporaryDirectory(prefix="etude_") as temporaire, _variable_donnees(racine):
        copie = Path(temporaire) / notebook.name
        nbformat.write(nb, str(copie))
        try:
            return produire_rapport(
                copie,
                parametres,
                dossier,
                notebook.stem,
                titre=_titre_de_couverture(notebook),
                demo=config.est_demo(racine),
            )
        except RuntimeError as erreur:
            raise ErreurNotebook(message_echec(notebook, erreur)) from None
