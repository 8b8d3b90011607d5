"""Tests par propriétés (Hypothesis) des lecteurs et de la préparation sur des fichiers hostiles.

Invariants : une erreur claire (``ErreurDonnees``) ou lues = acceptées + rejetées ; jamais
de trace Python ; une exécution ratée ne change rien dans ``processed/``.
Profil « ci » (défaut) : graine fixe (``derandomize=True``), nombre d'exemples borné ;
``HYPOTHESIS_PROFILE=fouille`` pour chercher plus longtemps à la main.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings, strategies as st

from analyse.cli import main
from analyse.donnees.lecture import ErreurDonnees, lire_table
from fabrique import ecrire_edition
from test_preparation import _avis, _enquete

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "fouille",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ENCODAGES = ["utf-8", "utf-8-sig", "cp1252", "utf-16", "utf-16-le", "latin-1"]
SEPARATEURS = [";", ",", "\t", "|"]
_CARACTERES = st.characters(codec="utf-8", exclude_categories=("Cs",))
_IMPRIMABLES = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))  # sans octet nul ni contrôle
cellules = st.one_of(
    st.sampled_from(["", " ", "NA", "n/a", "Sans objet", "0012", "1 234,5", "03/10/2022", "Oui", "é", '"', ";", ","]),
    st.text(_CARACTERES, max_size=12),
    st.text(st.sampled_from('ab;,"\n\r\t é'), max_size=8),
)
entetes = st.lists(
    st.sampled_from(["id", "nom", "Nom", "x", "x ", "X", "", "année", "annee", "Année ", "note"]),
    min_size=1,
    max_size=5,
)


def _ecrire(chemin: Path, texte: str, encodage: str) -> None:
    try:
        chemin.write_bytes(texte.encode(encodage))
    except UnicodeEncodeError:
        chemin.write_bytes(texte.encode("utf-8"))


def _lire_ou_erreur(chemin: Path):
    try:
        return lire_table(chemin)
    except ErreurDonnees as erreur:
        assert str(erreur).startswith("Erreur de données — fichier"), erreur
        return None


def _csv(entete, lignes, sep, guillemets):
    def champ(v):
        if guillemets == "toujours" or (guillemets == "si besoin" and any(c in v for c in (sep, '"', "\n", "\r"))):
            return '"' + v.replace('"', '""') + '"'
        return v

    return "".join(sep.join(champ(v) for v in ligne) + "\r\n" for ligne in [entete, *lignes])


@given(
    entete=entetes,
    donnees=st.data(),
    sep=st.sampled_from(SEPARATEURS),
    guillemets=st.sampled_from(["si besoin", "toujours", "jamais"]),
    encodage=st.sampled_from(ENCODAGES),
    bric_a_brac=st.lists(st.text(_CARACTERES, max_size=30), max_size=3),
)
def test_lecteur_csv_erreur_claire_ou_table_coherente(entete, donnees, sep, guillemets, encodage, bric_a_brac):
    lignes = donnees.draw(st.lists(st.lists(cellules, min_size=len(entete), max_size=len(entete)), max_size=6))
    texte = _csv(entete, lignes, sep, guillemets) + "".join(l + "\n" for l in bric_a_brac)
    with tempfile.TemporaryDirectory() as dossier:
        chemin = Path(dossier) / "f.csv"
        _ecrire(chemin, texte, encodage)
        table = _lire_ou_erreur(chemin)
    if table is None:
        return
    assert len(table.donnees) == len(table.lignes)
    assert table.donnees.columns.is_unique
    assert (table.lignes[1:] > table.lignes[:-1]).all() and (table.lignes >= 2).all()


@given(
    entete=st.lists(st.sampled_from(["id", "nom", "note", "date", "texte"]), min_size=2, max_size=5, unique=True),
    donnees=st.data(),
    sep=st.sampled_from([";", ","]),
    encodage=st.sampled_from(["utf-8", "utf-8-sig"]),
    prefixe=st.sampled_from(["", "\n", "\r\n \r\n"]),
)
def test_lecteur_csv_bien_forme_relu_a_l_identique(entete, donnees, sep, encodage, prefixe):
    lignes = donnees.draw(
        st.lists(
            st.lists(
                st.text(_IMPRIMABLES, min_size=1, max_size=10).filter(
                    lambda v: (
                        v.strip()
                        and v.strip().casefold() not in {"na", "n/a", "nc", "sans objet"}
                        and "\r" not in v
                        and "\ufeff" not in v
                    )
                ),
                min_size=len(entete),
                max_size=len(entete),
            ),
            min_size=1,
            max_size=5,
        )
    )
    texte = prefixe + _csv(entete, lignes, sep, "toujours")
    with tempfile.TemporaryDirectory() as dossier:
        chemin = Path(dossier) / "f.csv"
        chemin.write_bytes(texte.encode(encodage))
        table = lire_table(chemin)
    assert table.donnees.columns.tolist() == entete
    assert table.donnees.values.tolist() == [[v.strip() for v in ligne] for ligne in lignes]
    assert table.lignes[0] == prefixe.count("\n") + 2


@given(octets=st.binary(max_size=300))
def test_lecteur_octets_quelconques(octets):
    with tempfile.TemporaryDirectory() as dossier:
        chemin = Path(dossier) / "f.csv"
        chemin.write_bytes(octets)
        _lire_ou_erreur(chemin)


@settings(max_examples=5)
@given(taille=st.integers(131_000, 300_000), sep=st.sampled_from([";", ","]))
def test_lecteur_cellule_enorme(taille, sep):
    with tempfile.TemporaryDirectory() as dossier:
        chemin = Path(dossier) / "f.csv"
        chemin.write_text(f'a{sep}b\n1{sep}"{"x" * taille}"\n', encoding="utf-8")
        assert lire_table(chemin).donnees["b"].str.len().tolist() == [taille]


# --- préparation ------------------------------------------------------------------------

_BASE = Path(tempfile.mkdtemp(prefix="proprietes-"))


def _preparer(racine: Path) -> tuple[int, str]:
    erreur = io.StringIO()
    with contextlib.redirect_stderr(erreur), contextlib.redirect_stdout(io.StringIO()):
        code = main(["preparer", "--annee", "2022", "--donnees", str(racine), "--bootstrap", "5"])
    return code, erreur.getvalue()


def _etat_processed(racine: Path) -> dict:
    return {
        str(p.relative_to(racine)): p.read_bytes() for p in sorted((racine / "processed").rglob("*")) if p.is_file()
    }


def _edition(racine: Path) -> Path:
    return ecrire_edition(
        racine,
        enquete=_enquete(("R1", "00102", "2022-10-04", "", "7", "", "", "", "", "", "", "", "", "Bien")),
        avis=_avis(),
    )


@pytest.fixture(scope="module")
def reference():
    racine = _edition(_BASE / "reference")
    assert _preparer(racine)[0] == 0
    return racine, _etat_processed(racine)


MUTATIONS = st.sampled_from(
    [
        "vide",
        "entete_seule",
        "entete_double",
        "ligne_courte",
        "ligne_longue",
        "bric_a_brac",
        "cellule",
        "utf16",
        "guillemet_ouvert",
        "enorme",
    ]
)


def _muter(chemin: Path, mutation: str, graine: int, texte_libre: str) -> None:
    lignes = chemin.read_bytes().decode("utf-8").split("\r\n")
    entete, corps = lignes[0], [l for l in lignes[1:] if l]
    i = graine % max(len(corps), 1)
    if mutation == "vide":
        corps, entete = [], ""
    elif mutation == "entete_seule":
        corps = []
    elif mutation == "entete_double":
        premier = entete.split(";")[0]
        entete, corps = f"{entete};{premier}", [f"{l};x" for l in corps]
    elif mutation == "ligne_courte" and corps:
        corps[i] = ";".join(corps[i].split(";")[:-1])
    elif mutation == "ligne_longue" and corps:
        corps[i] += ";en trop"
    elif mutation == "bric_a_brac":
        corps.insert(i, texte_libre)
    elif mutation == "cellule" and corps:
        cellules_ = corps[i].split(";")
        cellules_[graine % len(cellules_)] = texte_libre.replace(";", "").replace('"', "").replace("\n", " ")
        corps[i] = ";".join(cellules_)
    elif mutation == "guillemet_ouvert" and corps:
        corps[i] = '"' + corps[i]
    elif mutation == "enorme" and corps:
        cellules_ = corps[i].split(";")
        cellules_[-1] = '"' + "z" * 140_000 + '"'
        corps[i] = ";".join(cellules_)
    texte = "\r\n".join([entete, *corps]) + ("\r\n" if entete else "")
    chemin.write_bytes(texte.encode("utf-16-le" if mutation == "utf16" else "utf-8"))


@settings(max_examples=50)
@given(
    fichier=st.sampled_from(["participants.csv", "audits.csv", "grille.csv", "enquete.csv", "avis.csv"]),
    mutation=MUTATIONS,
    graine=st.integers(0, 1000),
    texte_libre=st.text(_CARACTERES, max_size=40),
)
def test_preparation_erreur_claire_ou_rien_de_perdu(reference, fichier, mutation, graine, texte_libre):
    source, etat = reference
    with tempfile.TemporaryDirectory(dir=_BASE) as dossier:
        racine = Path(dossier)
        _edition(racine)
        for table in ("participants", "grille", "contacts", "scores"):  # l'édition déjà préparée
            for chemin in (source / "processed" / table).rglob("*.parquet"):
                cible = racine / chemin.relative_to(source)
                cible.parent.mkdir(parents=True, exist_ok=True)
                cible.write_bytes(chemin.read_bytes())
        avant = _etat_processed(racine)
        _muter(racine / "raw/2022" / fichier, mutation, graine, texte_libre)
        code, erreur = _preparer(racine)
        event(f"{fichier} {mutation} : code {code}" + (f" ({erreur.splitlines()[0][-60:]})" if code else ""))
        assert code in (0, 2, 3), erreur
        assert "Traceback" not in erreur
        if code != 0:
            assert _etat_processed(racine) == avant
            assert "fichier" in erreur
            return
        from analyse.donnees.stockage import lire

        rejets = lire(racine, "rejets", annee=2022)
        tables = {
            "participants.csv": "participants",
            "audits.csv": "contacts",
            "enquete.csv": "enquete",
            "avis.csv": "avis",
        }
        for nom, table in tables.items():
            acceptees = len(lire(racine, table, annee=2022))
            rejetees = int(rejets["fichier"].str.endswith(nom).sum())
            brut = lire_table(racine / "raw/2022" / nom)
            assert len(brut) == acceptees + rejetees, (nom, mutation)
