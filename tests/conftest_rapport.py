"""Petites tables préparées synthétiques (conformes à ``schemas.py``) pour tester les rapports.

Usage dans un test : ``from conftest_rapport import creer_donnees_synthetiques``.
Les tables sont écrites comme la préparation les écrit : parquet partitionné par
``annee`` (``processed/<table>/annee=AAAA/part-0.parquet``).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from analyse.donnees import codes, schemas

# (type_structure, nombre) : deux types sous le seuil de 5 structures (secret).
REPARTITION_TYPES = (
    ("commune", 22),
    ("mairie_annexe", 3),
    ("epci", 6),
    ("departement", 4),
    ("autre_service_public", 5),
)
# (canal, contacts par structure)
CONTACTS_PAR_CANAL = (("telephone", 3), ("accueil_physique", 2), ("courriel", 2), ("courrier", 1))
# (canal, code_question, indicateur, determinant, etape, type_reponse, points_max)
QUESTIONS = (
    ("telephone", "T1", "TEL_NB_SONNERIES", "reactivite", "acces", "nombre", 4.0),
    ("telephone", "T2", "TEL_REPONDEUR_HORS_OUVERTURE", "accessibilite", "acces", "oui_non", 2.0),
    ("telephone", "T3", "TEL_AMABILITE", "courtoisie", "accueil", "echelle4", 3.0),
    ("telephone", "T4", "TEL_REPONSE_CLAIRE", "qualite_reponse", "traitement", "echelle4", 3.0),
    ("accueil_physique", "A1", "ACC_ATTENTE", "attente", "accueil", "echelle4", 3.0),
    ("accueil_physique", "A2", "ACC_SALUTATION", "courtoisie", "accueil", "oui_non", 1.0),
    ("accueil_physique", "A3", "ACC_PERSONNALISATION", "personnalisation", "traitement", "echelle4", 3.0),
    ("courriel", "C1", "COURRIEL_REPONSE_RECUE", "reactivite", "traitement", "oui_non", 4.0),
    ("courriel", "C2", "COURRIEL_QUALITE", "qualite_reponse", "traitement", "echelle4", 3.0),
    ("courrier", "L1", "COURRIER_REPONSE_7_JOURS", "reactivite", "suivi", "oui_non", 4.0),
    ("courrier", "L2", "COURRIER_RECLAMATION", "reclamations", "suivi", "echelle4", 3.0),
)


def _participants(annee: int, rng) -> pd.DataFrame:
    lignes = []
    for type_structure, nombre in REPARTITION_TYPES:
        for i in range(nombre):
            territoriale = type_structure != "autre_service_public"
            population = int(rng.choice([1_500, 5_000, 15_000, 30_000, 70_000, 150_000])) if territoriale else None
            certifs = "marianne|iso9001" if rng.random() < 0.3 else ""
            lignes.append(
                {
                    "annee": annee,
                    "structure_id": f"S{len(lignes) + 1:04d}",
                    "nom": f"Structure fictive n° {len(lignes) + 1}",
                    "type_structure": type_structure,
                    "sous_type": None,
                    "population": population,
                    "code_geo": None,
                    "region": "Bretagne",
                    "certifications": certifs,
                    "certifie": bool(certifs),
                    "classe_population": codes.classe_population(population),
                }
            )
    table = pd.DataFrame(lignes)
    table["population"] = table["population"].astype("Int64")
    return table


def _valeur(type_reponse: str, qualite: float, rng) -> float:
    if type_reponse == "oui_non":
        return float(rng.random() < qualite)
    if type_reponse == "echelle4":
        return float(np.clip(round(1 + 3 * qualite + rng.normal(0, 0.7)), 1, 4))
    return float(max(1, round(rng.normal(7 - 5 * qualite, 1.5))))  # nombre de sonneries


def _points(type_reponse: str, valeur: float, points_max: float) -> float:
    if type_reponse == "oui_non":
        return points_max * valeur
    if type_reponse == "echelle4":
        return points_max * (valeur - 1) / 3
    return 4.0 if valeur <= 3 else (2.0 if valeur <= 5 else 0.0)  # barème 3:4|5:2


def _contacts_reponses(participants: pd.DataFrame, annee: int, rng) -> tuple[pd.DataFrame, pd.DataFrame]:
    contacts, reponses = [], []
    for sid in participants["structure_id"]:
        qualite = float(np.clip(rng.normal(0.68, 0.12), 0.2, 0.98))
        for canal, nombre in CONTACTS_PAR_CANAL:
            for _ in range(nombre):
                id_contact = f"K{len(contacts) + 1:05d}"
                lignes = []
                for q_canal, code, indicateur, determinant, etape, type_reponse, pmax in QUESTIONS:
                    if q_canal != canal:
                        continue
                    valeur = _valeur(type_reponse, qualite, rng)
                    lignes.append(
                        {
                            "annee": annee,
                            "id_contact": id_contact,
                            "structure_id": sid,
                            "canal": canal,
                            "code_question": code,
                            "indicateur": indicateur,
                            "determinant": determinant,
                            "etape": etape,
                            "type_reponse": type_reponse,
                            "valeur": valeur,
                            "points": _points(type_reponse, valeur, pmax),
                            "points_max": pmax,
                        }
                    )
                p, m = sum(x["points"] for x in lignes), sum(x["points_max"] for x in lignes)
                contacts.append(
                    {
                        "annee": annee,
                        "id_contact": id_contact,
                        "structure_id": sid,
                        "canal": canal,
                        "scenario": "renseignement",
                        "date_contact": pd.Timestamp(f"{annee}-05-10"),
                        "vague": 1,
                        "enqueteur": "E01",
                        "points": p,
                        "points_max": m,
                        "n_reponses": len(lignes),
                        "score": 100 * p / m,
                    }
                )
                reponses.extend(lignes)
    contacts = pd.DataFrame(contacts)
    contacts["vague"] = contacts["vague"].astype("Int64")
    contacts["date_contact"] = contacts["date_contact"].astype("datetime64[ns]")
    return contacts, pd.DataFrame(reponses)


def _ligne_score(annee, sid, niveau, modalite, score, n_contacts, fragile=False):
    return {
        "annee": annee,
        "structure_id": sid,
        "niveau": niveau,
        "modalite": modalite,
        "score": score,
        "ic_bas": max(0.0, score - 6),
        "ic_haut": min(100.0, score + 6),
        "n_contacts": int(n_contacts),
        "fragile": fragile,
    }


def _scores(contacts: pd.DataFrame, reponses: pd.DataFrame, annee: int) -> pd.DataFrame:
    lignes = []
    for sid, c in contacts.groupby("structure_id"):
        canaux = c.groupby("canal")["score"].agg(["mean", "size"])
        for canal, ligne in canaux.iterrows():
            lignes.append(_ligne_score(annee, sid, "canal", canal, ligne["mean"], ligne["size"], ligne["size"] < 3))
        r = reponses[reponses["structure_id"] == sid]
        for niveau in ("determinant", "etape"):
            for modalite, g in r.groupby(niveau):
                lignes.append(
                    _ligne_score(
                        annee,
                        sid,
                        niveau,
                        modalite,
                        100 * g["points"].sum() / g["points_max"].sum(),
                        g["id_contact"].nunique(),
                    )
                )
        lignes.append(_ligne_score(annee, sid, "global", "", canaux["mean"].mean(), len(c)))
    return pd.DataFrame(lignes)


def _ecrire(racine: Path, nom: str, table: pd.DataFrame, annee: int) -> None:
    table = schemas.valider(nom, table)
    dossier = racine / "processed" / nom / f"annee={annee}"
    dossier.mkdir(parents=True, exist_ok=True)
    table.drop(columns="annee").to_parquet(dossier / "part-0.parquet", index=False)


def creer_donnees_synthetiques(racine: Path, annee: int = 2022, demo: bool = True, graine: int = 7) -> Path:
    """Écrit une petite édition synthétique (40 structures) sous ``racine/processed``.

    Avec ``demo``, dépose aussi le marqueur ``verite_demo.json`` à la racine.
    """
    rng = np.random.default_rng(graine)
    racine = Path(racine)
    participants = _participants(annee, rng)
    contacts, reponses = _contacts_reponses(participants, annee, rng)
    editions = pd.DataFrame(
        {
            "annee": [annee],
            "numero": [10],
            "debut_terrain": [pd.Timestamp(f"{annee}-04-01")],
            "fin_terrain": [pd.Timestamp(f"{annee}-06-30")],
            "libelle": ["10e édition"],
        }
    )
    for colonne in ("debut_terrain", "fin_terrain"):
        editions[colonne] = editions[colonne].astype("datetime64[ns]")
    tables = {
        "editions": editions,
        "participants": participants,
        "contacts": contacts,
        "reponses": reponses,
        "scores": _scores(contacts, reponses, annee),
    }
    for nom, table in tables.items():
        _ecrire(racine, nom, table, annee)
    if demo:
        (racine / "verite_demo.json").write_text(json.dumps({"annee": annee}), encoding="utf-8")
    return racine
