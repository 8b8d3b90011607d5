"""Production en lot des fiches de structure : noyau chaud, manifeste, exécuteurs local et Dask.

Route de chaque fiche : papermill (``notebooks/fiche_structure.ipynb``) → HTML sans code
(nbconvert) → PDF (WeasyPrint), écrit dans ``<sortie>/<annee>/structures/<id>-<nom>.pdf``.

Rapidité. Chaque travailleur garde **un noyau Jupyter chaud** : le moteur papermill du
paquet (``MOTEUR``, inscrit au registre des moteurs de papermill) remet l'espace de noms
du noyau à zéro entre deux fiches (``%reset -f``, compteur d'exécution remis à 1, dossier
de travail rétabli) au lieu de démarrer un noyau et de réimporter les bibliothèques à
chaque fiche. Les modules importés restent chargés : le cache de ``analyse.rapports.fiche``
(tables de l'édition, agrégats nationaux) est donc lu une fois par travailleur.

Robustesse. L'échec d'une fiche (donnée manquante, erreur de cellule) n'arrête pas le
lot : il est consigné (structure, cellule, message) et le code de sortie le signale ; son
ancien PDF, périmé, est retiré (``ancien_fichier_retire`` dans le manifeste). Les noms de
fichiers sont uniques (``S/46``, ``S.46`` et ``S-46`` ne se heurtent pas) et chaque PDF
est écrit de façon atomique, sans fichier temporaire restant même en cas d'échec.

Reprise. Le manifeste ``<sortie>/<annee>/manifeste.json`` garde pour chaque fiche ses
paramètres, l'empreinte des données, celle du notebook, la version du paquet, le statut
et la durée ; une relance ne refait que les fiches dont une entrée a changé ou qui ont
échoué (``forcer=True`` refait tout). La dernière page de chaque PDF reprend la même
provenance.
"""

from __future__ import annotations

import atexit
import copy
import dataclasses
import datetime as _dt
import hashlib
import json
import os
import re
import tempfile
import threading
import time
import unicodedata
from pathlib import Path

from analyse import __version__, config

MOTEUR = "analyse_noyau_chaud"
NOTEBOOK_FICHE = "fiche_structure.ipynb"
NOM_MANIFESTE = "manifeste.json"
TABLES_ENTREES = ("editions", "participants", "contacts", "reponses", "scores", "enquete", "avis")
OPTIONS_NOYAU = ["--IPKernelApp.log_level=ERROR", "--HistoryManager.enabled=False"]

# Code exécuté dans le noyau entre deux fiches : espace de noms vidé (les modules importés
# restent en mémoire, donc aussi le cache de données), compteur remis à 1, dossier rétabli.
CODE_REINITIALISATION = (
    "get_ipython().run_line_magic('reset', '-f')\n"
    "import os as _os_reinit\n_os_reinit.chdir({dossier!r})\ndel _os_reinit\n"
    "get_ipython().execution_count = 1\n"
)


# --------------------------------------------------------------------------- noyau chaud


class NoyauChaud:
    """Un noyau Jupyter démarré une fois et réutilisé pour plusieurs notebooks.

    >>> NoyauChaud.__name__
    'NoyauChaud'
    """

    def __init__(self, nom_noyau: str, dossier: str | None = None, prechauffage: str = ""):
        import nbformat
        from nbclient import NotebookClient

        self.nom_noyau = nom_noyau
        self._demarreur = NotebookClient(
            nbformat.v4.new_notebook(), kernel_name=nom_noyau, timeout=600, extra_arguments=OPTIONS_NOYAU
        )
        self._demarreur.km = self._demarreur.create_kernel_manager()
        self._demarreur.start_new_kernel(cwd=dossier or os.getcwd())
        self.km = self._demarreur.km
        self.n_notebooks = 0
        if prechauffage:
            self.executer(prechauffage)

    def client(self, nb=None, **options):
        """Client nbclient relié au noyau chaud, avec ses propres canaux (à fermer par ``fermer``)."""
        import nbformat
        from nbclient import NotebookClient

        client = NotebookClient(
            nb or nbformat.v4.new_notebook(), km=self.km, kernel_name=self.nom_noyau, timeout=600, **options
        )
        return self.connecter(client)

    def connecter(self, client):
        """Ouvre de nouveaux canaux vers le noyau chaud pour ``client`` (sans l'attente de démarrage)."""
        client.kc = self.km.client()
        client.kc.start_channels()
        client.kc.allow_stdin = False
        return client

    def executer(self, code: str, client=None) -> None:
        """Exécute du code hors notebook (sans historique) ; lève ``RuntimeError`` s'il échoue.

        Attend aussi, sur le canal iopub, la fin d'exécution de ce code : les canaux sont alors
        reliés et aucune sortie du notebook qui suit ne peut être perdue.
        """
        from jupyter_core.utils import run_sync

        propre = client is None
        client = client or self.client()
        try:
            reponse = run_sync(_executer_synchrone)(client.kc, code)
        finally:
            if propre:
                fermer(client)
        contenu = (reponse or {}).get("content", {})
        if contenu.get("status") != "ok":
            raise RuntimeError(
                f"Noyau chaud : échec de « {code.splitlines()[0]} » : {contenu.get('ename')} : {contenu.get('evalue')}"
            )

    def reinitialiser(self, dossier: str, client=None) -> None:
        """Vide l'espace de noms, remet le compteur d'exécution à 1 et rétablit le dossier de travail."""
        self.executer(CODE_REINITIALISATION.format(dossier=str(dossier)), client)

    def vivant(self) -> bool:
        """Vrai si le processus du noyau tourne encore."""
        from jupyter_core.utils import ensure_async, run_sync

        async def _vivant():
            return await ensure_async(self.km.is_alive())

        try:
            return bool(run_sync(_vivant)())
        except Exception:
            return False

    def arreter(self) -> None:
        """Arrête le noyau et ferme ses canaux."""
        try:
            self._demarreur._cleanup_kernel()
        except Exception:
            pass


async def _executer_synchrone(kc, code: str, essais: int = 40) -> dict:
    """Exécute ``code``, attend sa réponse (shell), puis un état « idle » reçu sur iopub."""
    from queue import Empty

    from jupyter_core.utils import ensure_async

    ident = kc.execute(code, store_history=False, allow_stdin=False)
    while True:
        reponse = await ensure_async(kc.shell_channel.get_msg(timeout=600))
        if reponse["parent_header"].get("msg_id") == ident:
            break
    attendu = ident
    for _ in range(essais):  # iopub relié : l'état « idle » d'une exécution connue est reçu
        try:
            message = await ensure_async(kc.iopub_channel.get_msg(timeout=0.25))
        except Empty:
            attendu = kc.execute("pass", store_history=False, allow_stdin=False, silent=True)
            continue
        if (
            message["parent_header"].get("msg_id") == attendu
            and message["msg_type"] == "status"
            and message["content"].get("execution_state") == "idle"
        ):
            break
    return reponse


def fermer(client) -> None:
    """Ferme les canaux d'un client de noyau (le noyau, lui, continue de tourner)."""
    try:
        if client.kc is not None:
            client.kc.stop_channels()
    except Exception:
        pass
    client.kc = None


_NOYAUX: dict = {}
_VERROU = threading.Lock()


def noyau_chaud(nom_noyau: str | None = None, dossier: str | None = None, prechauffage: str = "") -> NoyauChaud:
    """Le noyau chaud du travailleur courant (processus et fil d'exécution), démarré au premier appel.

    >>> callable(noyau_chaud)
    True
    """
    from analyse.rapports.rendu import choisir_noyau

    nom_noyau = nom_noyau or choisir_noyau()
    cle = (os.getpid(), threading.get_ident(), nom_noyau)
    with _VERROU:
        noyau = _NOYAUX.get(cle)
    if noyau is not None and not noyau.vivant():
        noyau.arreter()
        noyau = None
    if noyau is None:
        noyau = NoyauChaud(nom_noyau, dossier, prechauffage)
        with _VERROU:
            _NOYAUX[cle] = noyau
        if len(_NOYAUX) == 1:
            atexit.register(arreter_noyaux)
            _finaliser_processus()
    return noyau


def _finaliser_processus() -> None:
    # Les processus de multiprocessing sortent par os._exit : atexit n'y est pas appelé,
    # mais les finaliseurs de multiprocessing le sont.
    try:
        from multiprocessing import util

        util.Finalize(None, arreter_noyaux, exitpriority=100)
    except Exception:
        pass


def arreter_noyaux() -> int:
    """Arrête les noyaux chauds de ce processus ; renvoie leur nombre.

    >>> arreter_noyaux() >= 0
    True
    """
    with _VERROU:
        noyaux = list(_NOYAUX.values())
        _NOYAUX.clear()
    for noyau in noyaux:
        noyau.arreter()
    return len(noyaux)


def _classe_moteur():
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, logger

    class MoteurNoyauChaud(NBClientEngine):
        """Moteur papermill qui exécute chaque notebook dans le noyau chaud du travailleur, remis à zéro."""

        @classmethod
        def execute_managed_notebook(
            cls,
            nb_man,
            kernel_name,
            log_output=False,
            stdout_file=None,
            stderr_file=None,
            start_timeout=60,
            execution_timeout=None,
            **kwargs,
        ):
            dossier = os.getcwd()  # papermill s'est placé dans ``cwd`` avant d'appeler le moteur
            noyau = noyau_chaud(kernel_name, dossier)
            client = PapermillNotebookClient(
                nb_man,
                km=noyau.km,
                kernel_name=kernel_name,
                log=logger,
                timeout=execution_timeout,
                startup_timeout=start_timeout,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
            )
            noyau.connecter(client)
            try:
                noyau.reinitialiser(dossier, client)
                return client.execute()
            finally:
                fermer(client)
                noyau.n_notebooks += 1

    return MoteurNoyauChaud


def enregistrer_moteur() -> str:
    """Inscrit le moteur à noyau chaud au registre de papermill (une fois) ; renvoie son nom.

    >>> enregistrer_moteur()
    'analyse_noyau_chaud'
    """
    from papermill.engines import papermill_engines

    if MOTEUR not in papermill_engines._engines:
        papermill_engines.register(MOTEUR, _classe_moteur())
    return MOTEUR


# --------------------------------------------------------------------------- une fiche


_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})


def _empreinte_courte(texte: str) -> str:
    return hashlib.sha256(str(texte).encode("utf-8")).hexdigest()[:8]


def nom_fichier(structure_id: str, nom: str, empreinte: bool = False) -> str:
    """Nom de fichier sûr : ``<id>-<nom-slug>`` (ASCII, sans séparateur ni caractère spécial) ;
    si l'identifiant a dû être changé, une empreinte courte de l'identifiant exact suit
    (``S/46``, ``S.46`` et ``S-46`` ne donnent pas le même nom).

    >>> nom_fichier("S00012", "Mairie de Saint-Étienne / annexe « Nord »")
    'S00012-mairie-de-saint-etienne-annexe-nord'
    >>> nom_fichier("../x", "")
    'x-d6b96a97-structure'
    """

    def _slug(texte, defaut):
        texte = str(texte).translate(_LIGATURES)
        ascii_ = unicodedata.normalize("NFKD", texte).encode("ascii", "ignore").decode("ascii")
        propre = re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")[:60].strip("-")
        return propre or defaut

    ident = re.sub(r"[^A-Za-z0-9_]+", "-", str(structure_id)).strip("-_")[:40] or "structure"
    if empreinte or ident != str(structure_id):
        ident = f"{ident}-{_empreinte_courte(structure_id)}"
    return f"{ident}-{_slug(nom, 'structure')}"


def noms_fichiers(structures) -> dict:
    """Noms de fichiers d'un lot ``[(structure_id, nom), …]`` -> ``{structure_id: nom}``, sans
    collision même sur un système de fichiers insensible à la casse (empreinte ajoutée aux
    noms qui se heurtent).

    >>> sorted(noms_fichiers([("S1", "A"), ("s1", "A")]).values())
    ['S1-3696ad59-a', 's1-e8bc163c-a']
    """
    structures = dict(structures)
    noms = {sid: nom_fichier(sid, nom) for sid, nom in structures.items()}
    par_cle = {}
    for sid, fichier in noms.items():
        par_cle.setdefault(fichier.casefold(), []).append(sid)
    for groupe in par_cle.values():
        if len(groupe) > 1:
            noms.update({sid: nom_fichier(sid, structures[sid], empreinte=True) for sid in groupe})
    return noms


def executer_fiche(
    annee: int,
    structure_id: str,
    donnees: Path | str,
    sortie: Path | str = "rapports",
    moteur: str | None = MOTEUR,
    dossier: Path | str | None = None,
):
    """Exécute le notebook de fiche avec papermill (moteur à noyau chaud par défaut) ; renvoie le notebook.

    ``moteur=None`` : moteur standard de papermill (un noyau neuf pour ce seul notebook).

    >>> callable(executer_fiche)
    True
    """
    import papermill

    from analyse.rapports.rendu import _journaux_silencieux, choisir_noyau

    if moteur == MOTEUR:
        enregistrer_moteur()
    parametres = {
        "annee": int(annee),
        "structure_id": str(structure_id),
        "donnees": str(donnees),
        "sortie": str(sortie),
    }
    options = {} if moteur == MOTEUR else {"extra_arguments": OPTIONS_NOYAU}
    with _journaux_silencieux("papermill", "traitlets", "asyncio"):
        return papermill.execute_notebook(
            _notebook_modele(),
            None,
            parameters=parametres,
            kernel_name=choisir_noyau(),
            engine_name=moteur,
            cwd=str(dossier) if dossier else None,
            progress_bar=False,
            log_output=False,
            **options,
        )


_MODELES: dict = {}


def _notebook_modele():
    import nbformat

    chemin = config.NOTEBOOKS / NOTEBOOK_FICHE
    cle = (str(chemin), chemin.stat().st_mtime_ns)
    if cle not in _MODELES:
        _MODELES.clear()
        _MODELES[cle] = nbformat.read(str(chemin), as_version=4)
    return copy.deepcopy(_MODELES[cle])


def texte_couverture(nb) -> str:
    """Texte de couverture déclaré par un notebook exécuté (titre, sous-titre), pour les contrôles.

    >>> texte_couverture({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    ''
    """
    from analyse.rapports.rendu import lire_meta

    return " ".join(str(v) for v in lire_meta(nb).values())


def page_provenance(provenance: dict) -> str:
    """Dernière page du PDF : paramètres (chemins relatifs), empreintes, versions (``rapports.provenance``).

    >>> "Empreinte des données" in page_provenance({"parametres": {"annee": 2022}, "empreinte_donnees": "ab", "empreinte_notebook": "cd", "version": "0.1.0"})
    True
    """
    from analyse.rapports import provenance as prov

    donnees = provenance["parametres"].get("donnees")
    page = provenance | {
        "parametres": prov.parametres_relatifs(provenance["parametres"], [donnees] if donnees else []),
        "bibliotheques": provenance.get("bibliotheques") or prov.versions_bibliotheques(),
    }
    return prov.page_provenance(page, note=f" ; ils figurent aussi dans le manifeste du lot ({NOM_MANIFESTE})")


def rendre_pdf(nb, chemin_pdf: Path, provenance: dict | None = None) -> Path:
    """HTML (sans code) puis PDF d'un notebook exécuté, provenance en dernière page ; écriture atomique.

    >>> callable(rendre_pdf)
    True
    """
    from analyse.rapports.rendu import (
        TITRE_EDITION,
        document_html,
        html_vers_pdf,
        lire_meta,
        notebook_vers_html,
    )

    meta = lire_meta(nb)
    corps = notebook_vers_html(nb) + (page_provenance(provenance) if provenance else "")
    document = document_html(
        corps,
        titre=meta.get("titre", TITRE_EDITION),
        sous_titre=meta.get("sous_titre", ""),
        date=meta.get("date"),
        demo=bool(meta.get("demo", False)),
    )
    chemin_pdf = Path(chemin_pdf)
    chemin_pdf.parent.mkdir(parents=True, exist_ok=True)
    temporaire = chemin_pdf.with_name(f".{chemin_pdf.stem}.{os.getpid()}.tmp.pdf")
    html_temporaire = chemin_pdf.with_name(f".{chemin_pdf.stem}.{os.getpid()}.tmp.html")
    try:
        html_vers_pdf(document, temporaire)
        html_temporaire.write_text(document, encoding="utf-8")
        os.replace(html_temporaire, chemin_pdf.with_suffix(".html"))
        os.replace(temporaire, chemin_pdf)
    finally:  # aucun reste, même en cas d'échec
        temporaire.unlink(missing_ok=True)
        html_temporaire.unlink(missing_ok=True)
    return chemin_pdf


def retirer_sorties(pdf: Path) -> bool:
    """Retire le PDF et le HTML d'une fiche (périmés) ; vrai si un PDF existait."""
    existait = pdf.exists()
    pdf.unlink(missing_ok=True)
    pdf.with_suffix(".html").unlink(missing_ok=True)
    return existait


def nettoyer_temporaires(dossier: Path) -> None:
    """Retire les fichiers temporaires laissés par un rendu interrompu (travailleur tué)."""
    if dossier.is_dir():
        for reste in (*dossier.glob(".*.tmp.pdf"), *dossier.glob(".*.tmp.html")):
            reste.unlink(missing_ok=True)


def _erreur_cellule(erreur) -> dict:
    import papermill

    if isinstance(erreur, papermill.PapermillExecutionError):
        source = " ; ".join(l.strip() for l in (erreur.source or "").splitlines() if l.strip())
        return {"cellule": erreur.exec_count, "code": source[:160], "message": f"{erreur.ename} : {erreur.evalue}"}
    return {"cellule": None, "code": "", "message": f"{type(erreur).__name__} : {erreur}"}


def produire_fiche(tache: dict) -> dict:
    """Produit une fiche (exécution, HTML, PDF) ; ne lève jamais : renvoie statut, durée et erreur.

    Fonction des travailleurs (processus locaux ou Dask) ; ``tache`` vient de ``rapports_structures``.

    >>> produire_fiche({"structure_id": "X", "annee": 1900, "donnees": "/absent", "sortie": "/tmp", "pdf": "/tmp/x.pdf", "provenance": None, "prechauffage": False})["statut"]
    'echec'
    """
    debut = time.perf_counter()
    resultat = {"structure_id": tache["structure_id"], "pid": os.getpid()}
    try:
        if tache.get("prechauffage"):
            _prechauffer(tache)
        t0 = time.perf_counter()
        nb = executer_fiche(
            tache["annee"],
            tache["structure_id"],
            tache["donnees"],
            tache["sortie"],
            moteur=tache.get("moteur", MOTEUR),
            dossier=Path(tache["pdf"]).parent,
        )
        t1 = time.perf_counter()
        rendre_pdf(nb, Path(tache["pdf"]), tache.get("provenance"))
        resultat |= {
            "statut": "reussi",
            "erreur": None,
            "execution_s": round(t1 - t0, 3),
            "rendu_s": round(time.perf_counter() - t1, 3),
        }
    except Exception as erreur:  # une fiche en échec n'arrête jamais le lot
        resultat |= {"statut": "echec", "erreur": _erreur_cellule(erreur)}
    resultat["duree_s"] = round(time.perf_counter() - debut, 3)
    return resultat


def _prechauffer(tache: dict) -> None:
    """Démarre le noyau chaud et y charge les données de l'édition une fois (avant la première fiche).

    Le chargement dans le noyau tourne pendant que le travailleur importe ses propres
    bibliothèques de rendu (nbconvert, WeasyPrint) : les deux attentes se recouvrent.
    """
    Path(tache["pdf"]).parent.mkdir(parents=True, exist_ok=True)
    code = (
        f"from analyse import fiche as _f\n_f.charger_donnees_fiche({int(tache['annee'])}, {str(tache['donnees'])!r})\n"
        "del _f\nimport gc as _gc\n_gc.collect()\n_gc.freeze()\ndel _gc\n"
    )  # données figées hors du ramasse-miettes
    noyau = noyau_chaud(dossier=str(Path(tache["pdf"]).parent))
    if noyau.n_notebooks == 0 and not getattr(noyau, "prechauffe", False):
        fil = threading.Thread(target=_executer_sans_erreur, args=(noyau, code), daemon=True)
        fil.start()
        _preparer_rendu()
        fil.join()
        noyau.prechauffe = True


def _executer_sans_erreur(noyau: NoyauChaud, code: str) -> None:
    try:
        noyau.executer(code)
    except RuntimeError:
        pass  # l'erreur réelle sera consignée par l'exécution de la fiche


def _preparer_rendu() -> None:
    """Importe et initialise la route HTML → PDF du travailleur (exportateur nbconvert, WeasyPrint)."""
    import nbformat

    from analyse.rapports.rendu import html_vers_pdf, notebook_vers_html

    notebook_vers_html(nbformat.v4.new_notebook())
    with tempfile.TemporaryDirectory() as dossier:
        html_vers_pdf("<p>Préchauffage</p>", Path(dossier) / "prechauffage.pdf")


# --------------------------------------------------------------------------- provenance et manifeste


def _hacher_fichiers(fichiers, base: Path) -> str:
    empreinte = hashlib.sha256()
    for chemin in sorted(fichiers):
        empreinte.update(str(Path(chemin).relative_to(base)).encode("utf-8") + b"\0")
        with open(chemin, "rb") as flux:
            for bloc in iter(lambda: flux.read(1 << 20), b""):
                empreinte.update(bloc)
    return empreinte.hexdigest()


def empreinte_donnees(donnees: Path | str, annee: int) -> str:
    """SHA-256 des tables préparées que lit une fiche (l'édition, et l'historique des scores).

    >>> len(empreinte_donnees("/dossier/absent", 2022))
    64
    """
    processed = config.dossier_processed(donnees)
    fichiers = []
    for table in TABLES_ENTREES:
        for partition in (processed / table).glob("annee=*"):
            an = int(partition.name.split("=", 1)[1])
            if an == int(annee) or (table == "scores" and an < int(annee)):
                fichiers.extend(partition.glob("*.parquet"))
    return _hacher_fichiers(fichiers, processed)


def empreinte_notebook(chemin: Path | str | None = None) -> str:
    """SHA-256 du notebook de fiche.

    >>> len(empreinte_notebook())
    64
    """
    return hashlib.sha256(Path(chemin or config.NOTEBOOKS / NOTEBOOK_FICHE).read_bytes()).hexdigest()


MODULES_FICHE = (
    "config.py",
    "formatage.py",
    "__init__.py",
    "donnees/*.py",
    "statistiques/*.py",
    "rapports/*.py",
    "gabarits/*",
    "ressources/bonnes_pratiques.csv",
    "ressources/rapport.css",
)


def version_paquet() -> str:
    """Version du paquet suivie de l'empreinte du code et des ressources qu'utilise une fiche (12 caractères).

    >>> version_paquet().startswith(__version__ + "+")
    True
    """
    racine = Path(__file__).resolve().parents[1]
    fichiers = sorted(f for motif in MODULES_FICHE for f in racine.glob(motif) if f.is_file())
    return f"{__version__}+{_hacher_fichiers(fichiers, racine)[:12]}"


def lire_manifeste(chemin: Path) -> dict:
    """Manifeste d'un lot (dictionnaire vide s'il n'existe pas ou est illisible).

    >>> lire_manifeste(Path("/dossier/absent/manifeste.json"))
    {}
    """
    try:
        return json.loads(Path(chemin).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _ecrire_manifeste(chemin: Path, manifeste: dict) -> None:
    chemin.parent.mkdir(parents=True, exist_ok=True)
    temporaire = chemin.with_name(f".{chemin.name}.tmp")
    temporaire.write_text(json.dumps(manifeste, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(temporaire, chemin)


def _a_jour(entree: dict | None, provenance: dict, pdf: Path) -> bool:
    if not entree or entree.get("statut") != "reussi" or not pdf.exists():
        return False
    return all(
        entree.get(k) == provenance[k] for k in ("parametres", "empreinte_donnees", "empreinte_notebook", "version")
    )


# --------------------------------------------------------------------------- lot


@dataclasses.dataclass
class BilanLot:
    """Résultat d'un lot de fiches : réussites, échecs (structure, cellule, message), fiches à jour.

    >>> BilanLot(2022, reussis=["S1"], echecs=[], ignores=["S2"], duree_s=3.0, manifeste=Path("m.json")).code_sortie
    0
    """

    annee: int
    reussis: list
    echecs: list
    ignores: list
    duree_s: float
    manifeste: Path
    durees: list = dataclasses.field(default_factory=list)
    etapes: list = dataclasses.field(default_factory=list)

    @property
    def code_sortie(self) -> int:
        """0 si toutes les fiches demandées sont produites ou à jour, 1 sinon."""
        return 0 if not self.echecs else 1

    @property
    def succes(self) -> bool:
        """Vrai si aucune fiche n'a échoué."""
        return not self.echecs

    def fiches_par_minute(self) -> float:
        """Débit du lot (fiches produites par minute de temps écoulé)."""
        return 60 * len(self.reussis) / self.duree_s if self.duree_s and self.reussis else 0.0

    def resume(self) -> str:
        """Résumé en français, prêt à afficher en fin de commande."""
        from analyse.formatage import accorder, forme_accordee, nombre_fr

        lignes = [
            f"Fiches de structure, édition {self.annee} : {accorder(len(self.reussis), 'produite')}, "
            f"{len(self.ignores)} à jour (non {forme_accordee(len(self.ignores), 'refaite')}), {len(self.echecs)} en échec, "
            f"en {nombre_fr(self.duree_s)} s ({nombre_fr(self.fiches_par_minute())} fiches par minute)."
        ]
        for e in self.echecs:
            cellule = f"cellule {e['cellule']}" if e.get("cellule") else "hors cellule"
            code = f" [{e['code']}]" if e.get("code") else ""
            lignes.append(f"  ÉCHEC {e['structure_id']} ({cellule}{code}) : {e['message']}")
        lignes.append(f"Manifeste : {self.manifeste}")
        return "\n".join(lignes)

    def __str__(self) -> str:
        return self.resume()


def _sortie_fiche(resultat: dict, pdf: Path, base: Path, ancienne: dict | None) -> dict:
    """Champs ``fichier`` du manifeste ; une fiche en échec n'a plus de PDF (l'ancien, périmé,
    est retiré et le manifeste le dit dans ``ancien_fichier_retire``)."""
    relatif = str(pdf.relative_to(base))
    if resultat["statut"] == "reussi":
        return {"fichier": relatif}
    anciens = {relatif, (ancienne or {}).get("fichier") or relatif}
    retires = [f for f in sorted(anciens) if retirer_sorties(base / f)]
    return {"fichier": None, "ancien_fichier_retire": retires[0] if retires else None}


def _choisir_structures(participants, structures) -> tuple[list[tuple[str, str]], list[str]]:
    noms = dict(zip(participants["structure_id"].astype(str), participants["nom"].astype(str)))
    if structures is None:
        return sorted(noms.items()), []
    if isinstance(structures, str):
        structures = [s.strip() for s in structures.split(",") if s.strip()]
    demandes = list(dict.fromkeys(str(s) for s in structures))
    return [(s, noms[s]) for s in demandes if s in noms], [s for s in demandes if s not in noms]


def rapports_structures(
    annee: int,
    donnees: Path | str = "data",
    sortie: Path | str = "rapports",
    structures=None,
    travailleurs: int | None = None,
    executeur: str = "local",
    forcer: bool = False,
    progression: bool = True,
) -> BilanLot:
    """Fiches PDF des structures d'une édition, en parallèle, avec reprise par manifeste.

    ``structures`` : identifiants (liste ou « S1,S2 ») ; ``None`` = tous les participants.
    ``travailleurs`` : nombre de processus locaux (défaut : un par cœur).
    ``executeur`` : ``"local"`` ou ``"dask://HOTE:PORT"`` (grappe Dask distributed).
    Le bilan renvoyé porte ``code_sortie`` (0 : tout est produit ou à jour ; 1 : au moins un échec).

    >>> rapports_structures(1900, "/dossier/absent")
    Traceback (most recent call last):
    FileNotFoundError: Aucune table préparée pour l'édition 1900 dans /dossier/absent/processed.
    """
    from analyse.config import resoudre_chemin
    from analyse.donnees.stockage import lire_table

    debut = time.perf_counter()
    donnees, sortie = resoudre_chemin(donnees), resoudre_chemin(sortie)
    participants = lire_table(donnees, "participants", annee)
    if participants.empty:
        raise FileNotFoundError(
            f"Aucune table préparée pour l'édition {annee} dans {config.dossier_processed(donnees)}."
        )
    choisies, inconnues = _choisir_structures(participants, structures)
    dossier = sortie / str(annee) / "structures"
    chemin_manifeste = sortie / str(annee) / NOM_MANIFESTE
    manifeste = lire_manifeste(chemin_manifeste)
    entrees = manifeste.setdefault("rapports", {})
    communs = {
        "empreinte_donnees": empreinte_donnees(donnees, annee),
        "empreinte_notebook": empreinte_notebook(),
        "version": version_paquet(),
    }
    manifeste |= {"annee": int(annee), "donnees": str(donnees), "notebook": str(config.NOTEBOOKS / NOTEBOOK_FICHE)}

    taches, ignores = [], []
    fichiers = noms_fichiers(choisies)
    for sid, _nom in choisies:
        pdf = dossier / f"{fichiers[sid]}.pdf"
        provenance = {
            "parametres": {"annee": int(annee), "structure_id": sid, "donnees": str(donnees), "sortie": str(sortie)}
        } | communs
        if not forcer and _a_jour(entrees.get(sid), provenance, pdf):
            ignores.append(sid)
            continue
        taches.append(
            {
                "structure_id": sid,
                "annee": int(annee),
                "donnees": str(donnees),
                "sortie": str(sortie),
                "pdf": str(pdf),
                "provenance": provenance,
                "prechauffage": True,
            }
        )

    echecs = [
        {
            "structure_id": s,
            "cellule": None,
            "code": "",
            "message": f"structure absente de la table participants de l'édition {annee}",
        }
        for s in inconnues
    ]
    reussis, durees, etapes = [], [], []
    for resultat in _executer(taches, travailleurs, executeur, progression):
        tache = next(t for t in taches if t["structure_id"] == resultat["structure_id"])
        entrees[resultat["structure_id"]] = (
            tache["provenance"]
            | {
                "statut": resultat["statut"],
                "duree_s": resultat["duree_s"],
                "erreur": resultat["erreur"],
                "produit_le": _dt.datetime.now().isoformat(timespec="seconds"),
            }
            | _sortie_fiche(resultat, Path(tache["pdf"]), sortie / str(annee), entrees.get(resultat["structure_id"]))
        )
        durees.append(resultat["duree_s"])
        etapes.append({k: resultat[k] for k in ("execution_s", "rendu_s") if k in resultat})
        if resultat["statut"] == "reussi":
            reussis.append(resultat["structure_id"])
        else:
            echecs.append({"structure_id": resultat["structure_id"]} | resultat["erreur"])
    nettoyer_temporaires(dossier)
    manifeste["mis_a_jour_le"] = _dt.datetime.now().isoformat(timespec="seconds")
    _ecrire_manifeste(chemin_manifeste, manifeste)
    bilan = BilanLot(
        int(annee),
        sorted(reussis),
        echecs,
        sorted(ignores),
        time.perf_counter() - debut,
        chemin_manifeste,
        durees,
        etapes,
    )
    if progression:
        print(bilan.resume())
    return bilan


def _executer(taches: list, travailleurs, executeur: str, progression: bool):
    """Exécute les tâches et rend les résultats au fil de l'eau (barre de progression tqdm)."""
    if not taches:
        return
    from tqdm.auto import tqdm

    barre = tqdm(total=len(taches), desc="Fiches", unit="fiche", disable=not progression, leave=True)
    try:
        if executeur.startswith("dask://"):
            resultats = _executer_dask(taches, executeur, travailleurs)
        elif executeur == "local":
            resultats = _executer_local(taches, travailleurs)
        else:
            raise ValueError(f"Exécuteur inconnu « {executeur} » (attendu : local ou dask://HOTE:PORT)")
        for resultat in resultats:
            barre.update(1)
            if resultat["statut"] != "reussi":
                barre.set_postfix_str(f"échec {resultat['structure_id']}")
            yield resultat
    finally:
        barre.close()


def _executer_local(taches: list, travailleurs: int | None):
    n = max(1, min(int(travailleurs or os.cpu_count() or 1), len(taches)))
    if n == 1:
        for tache in taches:
            yield produire_fiche(tache)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    contexte = multiprocessing.get_context("spawn")  # aucun noyau ni socket zmq hérité du parent
    with ProcessPoolExecutor(max_workers=n, mp_context=contexte) as pool:
        futurs = [pool.submit(produire_fiche, t) for t in taches]
        for futur in as_completed(futurs):
            yield futur.result()


def adresse_dask(executeur: str) -> str:
    """Adresse du planificateur Dask à partir de ``dask://HOTE:PORT`` (ou d'une adresse complète).

    >>> adresse_dask("dask://calcul.local:8786"), adresse_dask("dask://inproc://10.0.0.1/1/2")
    ('tcp://calcul.local:8786', 'inproc://10.0.0.1/1/2')
    """
    reste = executeur[len("dask://") :]
    return reste if "://" in reste else f"tcp://{reste}"


def _executer_dask(taches: list, executeur: str, travailleurs):
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise RuntimeError(
            "L'exécuteur Dask demande le paquet « distributed » (dépendance facultative) : pip install distributed"
        ) from None
    with Client(adresse_dask(executeur)) as client:
        futurs = client.map(produire_fiche, taches, pure=False, key=[f"fiche-{t['structure_id']}" for t in taches])
        try:
            for futur in as_completed(futurs):
                yield futur.result()
        finally:
            try:
                client.run(arreter_noyaux)
            except Exception:
                pass
