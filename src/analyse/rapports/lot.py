"""Production en lot des fiches de structure : noyau chaud, manifeste, exécuteurs local et Dask.

Route de chaque fiche : papermill (``notebooks/fiche_structure.ipynb``) → HTML sans code
(nbconvert) et PDF (nbconvert → Typst), écrit dans ``<sortie>/<annee>/structures/<id>-<nom>.pdf``.

Rapidité. Chaque travailleur garde **un noyau Jupyter chaud** : le moteur papermill du
paquet (``MOTEUR``, inscrit au registre des moteurs de papermill) remet l'espace de noms
du noyau à zéro entre deux fiches (``%reset -f``, compteur d'exécution remis à 1, dossier
de travail rétabli) au lieu de démarrer un noyau et de réimporter les bibliothèques à
chaque fiche. Les modules importés restent chargés : le cache de ``analyse.rapports.fiche``
(tables de l'édition, agrégats nationaux) est donc lu une fois par travailleur, au
préchauffage (``code_prechauffage``, pendant que le travailleur prépare ses exportateurs),
puis figé hors du ramasse-miettes (``gc.freeze``), comme ce qui survit à chaque remise à
zéro : les ramasse-miettes complets de ``%reset`` ne parcourent que les objets de la
dernière fiche. Les travailleurs locaux n'importent pas ``MODULES_EVITES``.

Robustesse. L'échec d'une fiche (donnée manquante, erreur de cellule) n'arrête pas le
lot : il est consigné (structure, cellule, message) et le code de sortie le signale ; un
bon PDF déjà produit n'est jamais supprimé (le manifeste le nomme dans
``ancien_fichier_garde``). Les noms de fichiers sont uniques (``S/46``, ``S.46`` et ``S-46``
ne se heurtent pas) et chaque PDF est écrit de façon atomique ; chaque lot ne retire que
ses propres fichiers temporaires (nommés avec l'étiquette du lot). Un chemin du manifeste
qui sortirait du dossier du lot (``../../ailleurs.pdf``) est ignoré.

Un lot à la fois par dossier de sortie (verrou ``<sortie>/<annee>/.lot.lock`` : le second
attend, ou refuse avec ``attente=0``). Les travailleurs meurent avec le processus qui les a
lancés (``PR_SET_PDEATHSIG`` sous Linux, chien de garde ailleurs) et leurs noyaux avec eux
(surveillance du parent par ipykernel).

Reprise. Le manifeste ``<sortie>/<annee>/manifeste.json``, réécrit de façon atomique après
chaque fiche, garde pour chaque fiche ses paramètres, l'empreinte des données, celle du
notebook, la version du paquet, le statut et la durée ; une relance ne refait que les
fiches dont une entrée a changé ou qui ont échoué (``forcer=True`` refait tout). Un lot
interrompu (Ctrl-C) s'arrête sans trace, garde les fiches finies et le dit (code 130). La
dernière page de chaque PDF reprend la même provenance.
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import dataclasses
import datetime as _dt
import hashlib
import json
import os
import re
import signal
import sys
import tempfile
import threading
import time
import unicodedata
import uuid
from pathlib import Path

from analyse import __version__, config
from analyse.formatage import retirer_controles_bidi

MOTEUR = "analyse_noyau_chaud"
NOTEBOOK_FICHE = "fiche_structure.ipynb"
NOM_MANIFESTE = "manifeste.json"
NOM_VERROU_LOT = ".lot.lock"
PR_SET_PDEATHSIG = 1  # prctl(2), Linux
TABLES_ENTREES = ("editions", "participants", "contacts", "reponses", "scores", "enquete", "avis")
OPTIONS_NOYAU = ["--IPKernelApp.log_level=ERROR", "--HistoryManager.enabled=False"]

# Code exécuté dans le noyau entre deux fiches : espace de noms vidé (les modules importés
# restent en mémoire, donc aussi le cache de données), compteur remis à 1, dossier rétabli.
# ``%reset`` finit par un ramasse-miettes complet (deux, avec le cache de sorties) ; ce qui y
# survit (modules, caches) est ensuite figé (``gc.freeze``) : le ramasse-miettes de la fiche
# suivante ne parcourt plus que les objets créés depuis.
CODE_REINITIALISATION = (
    "get_ipython().run_line_magic('reset', '-f')\n"
    "import os as _os_reinit, gc as _gc_reinit\n_os_reinit.chdir({dossier!r})\n_gc_reinit.freeze()\n"
    "del _os_reinit, _gc_reinit\n"
    "get_ipython().execution_count = 1\n"
)
# jsonschema (importé par nbformat) importe rfc3987_syntax, s'il est installé, pour le format
# « iri », qu'aucun schéma de nbformat n'emploie (et nbformat ne vérifie aucun format) : son
# import compile une grammaire Lark (≈ 0,7 s par travailleur). Les travailleurs locaux s'en passent.
MODULES_EVITES = ("rfc3987_syntax",)


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
        texte = retirer_controles_bidi(str(texte)).translate(_LIGATURES)
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


def rendre_pdf(nb, chemin_pdf: Path, provenance: dict | None = None, etiquette: str | None = None) -> Path:
    """HTML (sans code) puis PDF d'un notebook exécuté, provenance en dernière page ; écriture atomique.

    ``etiquette`` : marque des fichiers temporaires (celle du lot : ``nettoyer_temporaires`` ne
    retire que les siens) ; par défaut le numéro du processus.

    >>> callable(rendre_pdf)
    True
    """
    from analyse.rapports.rendu import (
        TITRE_EDITION,
        _arguments_html,
        document_html,
        donnees_couverture,
        lire_meta,
        notebook_vers_html,
        publier_pdf,
    )

    meta = lire_meta(nb)
    annexe = page_provenance(provenance) if provenance else ""
    couverture = donnees_couverture(
        meta.get("titre", TITRE_EDITION), meta.get("sous_titre", ""), meta.get("date"), bool(meta.get("demo", False))
    )
    document = document_html(notebook_vers_html(nb) + annexe, **_arguments_html(couverture))
    chemin_pdf = Path(chemin_pdf)
    chemin_pdf.parent.mkdir(parents=True, exist_ok=True)
    etiquette = etiquette or str(os.getpid())
    temporaire = chemin_pdf.with_name(f".{chemin_pdf.stem}.{etiquette}.tmp.pdf")
    html_temporaire = chemin_pdf.with_name(f".{chemin_pdf.stem}.{etiquette}.tmp.html")
    try:
        publier_pdf(nb, document, temporaire, couverture, annexe_html=annexe)
        html_temporaire.write_text(document, encoding="utf-8")
        os.replace(html_temporaire, chemin_pdf.with_suffix(".html"))
        os.replace(temporaire, chemin_pdf)
    finally:  # aucun reste, même en cas d'échec
        temporaire.unlink(missing_ok=True)
        html_temporaire.unlink(missing_ok=True)
    return chemin_pdf


def nettoyer_temporaires(dossier: Path, etiquette: str) -> int:
    """Retire les fichiers temporaires d'un lot (étiquette ``etiquette``) laissés par un rendu
    interrompu ; ceux des autres lots restent. Renvoie leur nombre.

    >>> nettoyer_temporaires(Path("/dossier/absent"), "x")
    0
    """
    if not Path(dossier).is_dir():
        return 0
    restes = [*Path(dossier).glob(f".*.{etiquette}.tmp.pdf"), *Path(dossier).glob(f".*.{etiquette}.tmp.html")]
    for reste in restes:
        reste.unlink(missing_ok=True)
    return len(restes)


def chemin_dans(base: Path, relatif) -> Path | None:
    """Chemin d'une sortie nommée par le manifeste, résolu ; ``None`` s'il sort de ``base``.

    >>> chemin_dans(Path("/r/2022"), "structures/a.pdf")
    PosixPath('/r/2022/structures/a.pdf')
    >>> chemin_dans(Path("/r/2022"), "../../victime/important.pdf") is None
    True
    """
    if not isinstance(relatif, str) or not relatif:
        return None
    base = Path(base).resolve()
    chemin = (base / relatif).resolve()
    return chemin if chemin.is_relative_to(base) and chemin != base else None


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
        rendre_pdf(nb, Path(tache["pdf"]), tache.get("provenance"), tache.get("etiquette"))
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
    bibliothèques de rendu (nbconvert, Typst) : les deux attentes se recouvrent.
    """
    Path(tache["pdf"]).parent.mkdir(parents=True, exist_ok=True)
    noyau = noyau_chaud(dossier=str(Path(tache["pdf"]).parent))
    if noyau.n_notebooks == 0 and not getattr(noyau, "prechauffe", False):
        code = code_prechauffage(tache["annee"], tache["donnees"])
        fil = threading.Thread(target=_executer_sans_erreur, args=(noyau, code), daemon=True)
        fil.start()
        _preparer_rendu()
        fil.join()
        noyau.prechauffe = True


def code_prechauffage(annee: int, donnees: Path | str) -> str:
    """Code exécuté une fois dans le noyau chaud avant sa première fiche : importe le module du
    notebook de fiche (``analyse.rapports.fiche``), charge les données de l'édition dans son
    cache, puis fige ce qui survit hors du ramasse-miettes (``gc.freeze``).

    >>> "charger_donnees_fiche(2022, '/d')" in code_prechauffage(2022, "/d")
    True
    """
    return (
        f"from analyse.rapports import fiche as _f\n_f.charger_donnees_fiche({int(annee)}, {str(donnees)!r})\n"
        "del _f\nimport gc as _gc\n_gc.collect()\n_gc.freeze()\ndel _gc\n"
    )


def _executer_sans_erreur(noyau: NoyauChaud, code: str) -> None:
    """Préchauffage : un échec ne lève pas (la fiche consignera l'erreur réelle) mais est signalé
    dans le journal, car il ralentit tout le lot (chaque fiche paie alors imports et chargement)."""
    try:
        noyau.executer(code)
    except RuntimeError as erreur:
        import logging

        logging.getLogger(__name__).warning("Préchauffage du noyau chaud en échec : %s", erreur)


def _preparer_rendu() -> None:
    """Importe et initialise les routes HTML et PDF du travailleur (exportateurs nbconvert, Typst)."""
    import nbformat

    from analyse.rapports.rendu import donnees_couverture, notebook_vers_html, publier_pdf

    vide = nbformat.v4.new_notebook()
    notebook_vers_html(vide)
    with tempfile.TemporaryDirectory() as dossier:
        publier_pdf(vide, "<p>Préchauffage</p>", Path(dossier) / "prechauffage.pdf", donnees_couverture("Préchauffage"))


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
    from analyse.donnees.stockage import dossier_publie

    processed = dossier_publie(donnees)  # l'état publié, résolu une fois
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


CHAMPS_FICHIERS = ("fichier", "ancien_fichier_garde")


def lire_manifeste(chemin: Path) -> dict:
    """Manifeste d'un lot (dictionnaire vide s'il n'existe pas ou est illisible) ; un chemin de
    fichier qui sortirait du dossier du manifeste (édité à la main) est effacé.

    >>> lire_manifeste(Path("/dossier/absent/manifeste.json"))
    {}
    """
    try:
        manifeste = json.loads(Path(chemin).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError):
        return {}
    if not isinstance(manifeste, dict):
        return {}
    rapports = manifeste.get("rapports")
    if not isinstance(rapports, dict):
        manifeste["rapports"] = rapports = {}
    for sid, entree in list(rapports.items()):
        if not isinstance(entree, dict):
            del rapports[sid]
            continue
        for champ in CHAMPS_FICHIERS:
            if entree.get(champ) is not None and chemin_dans(Path(chemin).parent, entree[champ]) is None:
                entree[champ] = None
    return manifeste


def _ecrire_manifeste(chemin: Path, manifeste: dict) -> None:
    """Écriture atomique : fichier temporaire propre au processus, ``fsync``, puis ``rename``."""
    chemin.parent.mkdir(parents=True, exist_ok=True)
    temporaire = chemin.with_name(f".{chemin.name}.{os.getpid()}.tmp")
    try:
        with open(temporaire, "w", encoding="utf-8") as flux:
            flux.write(json.dumps(manifeste, ensure_ascii=False, indent=1, sort_keys=True))
            flux.flush()
            os.fsync(flux.fileno())
        os.replace(temporaire, chemin)
    finally:
        temporaire.unlink(missing_ok=True)


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
    restantes: int = 0  # fiches non faites parce que le lot a été interrompu
    interrompu: bool = False

    @property
    def code_sortie(self) -> int:
        """0 si toutes les fiches demandées sont produites ou à jour, 1 sinon, 130 si le lot a été interrompu."""
        if self.interrompu:
            return 130
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

        n = len(self.reussis)
        lignes = []
        if self.interrompu:
            lignes.append(
                f"Interrompu (Ctrl-C) : {accorder(n, 'fiche produite', 'fiches produites')} "
                f"{forme_accordee(n, 'gardée')} et {forme_accordee(n, 'inscrite')} au manifeste, "
                f"{self.restantes} non {forme_accordee(self.restantes, 'faite')} ; relancez la même commande pour reprendre."
            )
        lignes += [
            f"Fiches de structure, édition {self.annee} : {accorder(n, 'produite')}, "
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
    """Champs ``fichier`` du manifeste. Une fiche en échec ne supprime rien : son dernier bon PDF,
    s'il existe (dans le dossier du lot), reste et le manifeste le nomme dans ``ancien_fichier_garde``."""
    relatif = str(pdf.relative_to(base))
    if resultat["statut"] == "reussi":
        return {"fichier": relatif}
    candidats = [relatif, *((ancienne or {}).get(c) for c in CHAMPS_FICHIERS)]
    gardes = [f for f in dict.fromkeys(candidats) if (c := chemin_dans(base, f)) is not None and c.is_file()]
    return {"fichier": None, "ancien_fichier_garde": gardes[0] if gardes else None}


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
    attente: float | None = None,
) -> BilanLot:
    """Fiches PDF des structures d'une édition, en parallèle, avec reprise par manifeste.

    ``structures`` : identifiants (liste ou « S1,S2 ») ; ``None`` = tous les participants.
    ``travailleurs`` : nombre de processus locaux (défaut : un par cœur).
    ``executeur`` : ``"local"`` ou ``"dask://HOTE:PORT"`` (grappe Dask distributed).
    ``attente`` : si un autre lot écrit dans le même dossier, attendre sa fin (``None``), au plus
    ce nombre de secondes, ou refuser tout de suite (``0`` : ``VerrouOccupe``).
    Le bilan renvoyé porte ``code_sortie`` (0 : tout est produit ou à jour ; 1 : au moins un échec ;
    130 : interrompu par Ctrl-C, les fiches finies sont gardées).

    >>> rapports_structures(1900, "/dossier/absent")
    Traceback (most recent call last):
    FileNotFoundError: Aucune table préparée pour l'édition 1900 dans /dossier/absent/processed.
    """
    from analyse.config import resoudre_chemin
    from analyse.donnees.stockage import lire_table, verrou

    debut = time.perf_counter()
    donnees, sortie = resoudre_chemin(donnees), resoudre_chemin(sortie)
    participants = lire_table(donnees, "participants", annee)
    if participants.empty:
        raise FileNotFoundError(
            f"Aucune table préparée pour l'édition {annee} dans {config.dossier_processed(donnees)}."
        )
    choisies, inconnues = _choisir_structures(participants, structures)
    base = sortie / str(annee)
    with verrou(base / NOM_VERROU_LOT, f"Un lot de fiches dans {base}", attente):
        lot = _Lot(int(annee), donnees, sortie, debut)
        lot.planifier(choisies, forcer)
        lot.echecs += [
            {
                "structure_id": s,
                "cellule": None,
                "code": "",
                "message": f"structure absente de la table participants de l'édition {annee}",
            }
            for s in inconnues
        ]
        bilan = lot.produire(travailleurs, executeur, progression)
    if progression:
        print(bilan.resume(), file=sys.stderr if bilan.interrompu else sys.stdout)
    return bilan


class _Lot:
    """Un lot en cours : manifeste (réécrit après chaque fiche), tâches, résultats."""

    def __init__(self, annee: int, donnees: Path, sortie: Path, debut: float):
        self.annee, self.donnees, self.sortie, self.debut = annee, donnees, sortie, debut
        self.base = sortie / str(annee)
        self.dossier = self.base / "structures"
        self.chemin_manifeste = self.base / NOM_MANIFESTE
        self.etiquette = f"lot{os.getpid()}{uuid.uuid4().hex[:6]}"
        self.manifeste = lire_manifeste(self.chemin_manifeste)
        self.entrees = self.manifeste.setdefault("rapports", {})
        self.manifeste |= {"annee": annee, "donnees": str(donnees), "notebook": str(config.NOTEBOOKS / NOTEBOOK_FICHE)}
        self.taches, self.ignores, self.reussis, self.echecs, self.durees, self.etapes = [], [], [], [], [], []

    def planifier(self, choisies: list, forcer: bool) -> None:
        """Tâches des fiches à faire ; les fiches à jour (manifeste et PDF présents) sont ignorées."""
        communs = {
            "empreinte_donnees": empreinte_donnees(self.donnees, self.annee),
            "empreinte_notebook": empreinte_notebook(),
            "version": version_paquet(),
        }
        fichiers = noms_fichiers(choisies)
        for sid, _nom in choisies:
            pdf = self.dossier / f"{fichiers[sid]}.pdf"
            parametres = {"annee": self.annee, "structure_id": sid, "donnees": str(self.donnees)}
            provenance = {"parametres": parametres | {"sortie": str(self.sortie)}} | communs
            if not forcer and _a_jour(self.entrees.get(sid), provenance, pdf):
                self.ignores.append(sid)
                continue
            self.taches.append(
                {
                    "structure_id": sid,
                    "annee": self.annee,
                    "donnees": str(self.donnees),
                    "sortie": str(self.sortie),
                    "pdf": str(pdf),
                    "provenance": provenance,
                    "prechauffage": True,
                    "etiquette": self.etiquette,
                }
            )

    def consigner(self, resultat: dict) -> None:
        """Inscrit le résultat d'une fiche au manifeste et réécrit celui-ci (atomiquement)."""
        sid = resultat["structure_id"]
        tache = next(t for t in self.taches if t["structure_id"] == sid)
        self.entrees[sid] = (
            tache["provenance"]
            | {
                "statut": resultat["statut"],
                "duree_s": resultat["duree_s"],
                "erreur": resultat["erreur"],
                "produit_le": _dt.datetime.now().isoformat(timespec="seconds"),
            }
            | _sortie_fiche(resultat, Path(tache["pdf"]), self.base, self.entrees.get(sid))
        )
        self.durees.append(resultat["duree_s"])
        self.etapes.append({k: resultat[k] for k in ("execution_s", "rendu_s") if k in resultat})
        if resultat["statut"] == "reussi":
            self.reussis.append(sid)
        else:
            self.echecs.append({"structure_id": sid} | resultat["erreur"])
        self.ecrire_manifeste()

    def ecrire_manifeste(self) -> None:
        self.manifeste["mis_a_jour_le"] = _dt.datetime.now().isoformat(timespec="seconds")
        _ecrire_manifeste(self.chemin_manifeste, self.manifeste)

    def produire(self, travailleurs, executeur: str, progression: bool) -> BilanLot:
        """Exécute les tâches ; Ctrl-C arrête le lot proprement (travailleurs arrêtés, fiches finies gardées)."""
        interrompu = False
        try:
            for resultat in _executer(self.taches, travailleurs, executeur, progression):
                self.consigner(resultat)
        except KeyboardInterrupt:
            interrompu = True
            _arreter_sans_bruit()
        finally:
            nettoyer_temporaires(self.dossier, self.etiquette)
        self.ecrire_manifeste()
        return BilanLot(
            self.annee,
            sorted(self.reussis),
            self.echecs,
            sorted(self.ignores),
            time.perf_counter() - self.debut,
            self.chemin_manifeste,
            self.durees,
            self.etapes,
            restantes=len(self.taches) - len(self.durees),
            interrompu=interrompu,
        )


def _arreter_sans_bruit() -> None:
    """Après Ctrl-C : noyaux chauds de ce processus arrêtés, sans message ni trace."""
    with open(os.devnull, "w") as muet, contextlib.redirect_stderr(muet):
        arreter_noyaux()


def _executer(taches: list, travailleurs, executeur: str, progression: bool):
    """Exécute les tâches et rend les résultats au fil de l'eau (barre de progression tqdm)."""
    if not taches:
        return
    from tqdm.auto import tqdm

    barre = tqdm(total=len(taches), desc="Fiches", unit="fiche", disable=not progression, leave=True)
    resultats = None
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
        if resultats is not None:
            resultats.close()  # travailleurs arrêtés si le lot s'arrête avant la fin
        barre.close()


def lier_au_parent(pid_parent: int) -> None:
    """Initialisation d'un travailleur : il meurt avec le processus ``pid_parent`` qui l'a lancé
    (``PR_SET_PDEATHSIG`` sous Linux, chien de garde ailleurs) et ignore Ctrl-C (c'est le parent
    qui arrête le lot, sans trace dans les travailleurs) ; il n'importe pas ``MODULES_EVITES``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    eviter_imports_inutiles()
    if not _signal_a_la_mort_du_parent():
        threading.Thread(target=_chien_de_garde, args=(pid_parent,), daemon=True).start()
    if os.getppid() != pid_parent:  # parent mort avant la mise en place
        os._exit(1)


def eviter_imports_inutiles(modules=MODULES_EVITES) -> list[str]:
    """Travailleur local : les ``modules`` (``MODULES_EVITES``) non encore importés ne le seront
    pas (``sys.modules[nom] = None`` : leur import lève ``ImportError``, que les bibliothèques
    qui les importent en option attrapent). Renvoie les modules ainsi évités.

    >>> eviter_imports_inutiles(["sys"])
    []
    """
    evites = [nom for nom in modules if nom not in sys.modules]
    for nom in evites:
        sys.modules[nom] = None
    return evites


def _signal_a_la_mort_du_parent() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _chien_de_garde(pid_parent: int, intervalle: float = 0.5) -> None:
    while os.getppid() == pid_parent:
        time.sleep(intervalle)
    os._exit(1)


def _executer_local(taches: list, travailleurs: int | None):
    n = max(1, min(int(travailleurs or os.cpu_count() or 1), len(taches)))
    if n == 1:
        for tache in taches:
            yield produire_fiche(tache)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    contexte = multiprocessing.get_context("spawn")  # aucun noyau ni socket zmq hérité du parent
    pool = ProcessPoolExecutor(max_workers=n, mp_context=contexte, initializer=lier_au_parent, initargs=(os.getpid(),))
    try:
        futurs = [pool.submit(produire_fiche, t) for t in taches]
        for futur in as_completed(futurs):
            yield futur.result()
    except BaseException:  # Ctrl-C, ou le consommateur s'arrête : travailleurs (et leurs noyaux) arrêtés
        _tuer_travailleurs(pool)
        raise
    pool.shutdown()


def _tuer_travailleurs(pool) -> None:
    """Arrête tout de suite les travailleurs d'un lot ; leurs noyaux les suivent (surveillance du parent)."""
    import multiprocessing

    pool.shutdown(wait=False, cancel_futures=True)
    for processus in multiprocessing.active_children():
        processus.kill()
    for processus in multiprocessing.active_children():
        processus.join(timeout=10)


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
