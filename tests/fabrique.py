"""Petites éditions écrites à la main pour les tests (conventions du contrat au choix)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analyse.donnees.codes import COLONNES_GRILLE

GRILLE = [
    # code_question, libelle, canal, etape, determinant, type_reponse, points_max, bareme, indicateur
    (
        "T1",
        "Décroché en moins de 5 sonneries ?",
        "telephone",
        "acces",
        "reactivite",
        "oui_non",
        4,
        "",
        "TEL_DECROCHE_5_SONNERIES",
    ),
    ("T2", "Nombre de sonneries", "telephone", "acces", "attente", "nombre", 4, "3:4|5:2", "TEL_NB_SONNERIES"),
    ("T3", "Amabilité de l'interlocuteur", "telephone", "accueil", "courtoisie", "echelle4", 3, "", "TEL_AMABILITE"),
    ("T4", "Remarque de l'enquêteur", "telephone", "suivi", "qualite_reponse", "texte", 0, "", ""),
    ("C1", "Réponse reçue ?", "courriel", "traitement", "qualite_reponse", "oui_non", 2, "", "COURRIEL_REPONSE_RECUE"),
    (
        "C2",
        "Délai de réponse (jours)",
        "courriel",
        "suivi",
        "reactivite",
        "nombre",
        3,
        "1:3|3,5:1",
        "COURRIEL_DELAI_JOURS",
    ),
]
PARTICIPANTS = [
    ("00101", "Mairie de Zébrinville", "commune", "", "12 500", "99001", "Bretagne", "qualivilles|marianne"),
    ("00102", "Mairie d'Èvrevasque", "commune", "", "1 800", "", "Occitanie", ""),
    ("00103", "CCAS de Vorlange", "autre_service_public", "CCAS", "", "", "Normandie", "iso9001"),
]
COLONNES_AUDITS = [
    "id_contact",
    "structure_id",
    "canal",
    "scenario",
    "date_contact",
    "vague",
    "enqueteur",
    "T1",
    "T2",
    "T3",
    "T4",
    "C1",
    "C2",
]
AUDITS = [
    ("A1", "00101", "telephone", "renseignement", "2022-10-03", "1", "ENQ01", "Oui", "2", "4", "Très aimable", "", ""),
    ("A2", "00101", "telephone", "etat_civil", "2022-10-04", "1", "ENQ02", "Non", "6", "2", "", "", ""),
    ("A3", "00101", "courriel", "renseignement", "2022-10-05", "2", "ENQ01", "", "", "", "", "Oui", "2,5"),
    ("A4", "00102", "telephone", "inscription", "2022-10-06", "1", "ENQ03", "oui ", "4", "3", "", "", ""),
    ("A5", "00102", "courriel", "reclamation", "2022-10-07", "2", "ENQ03", "", "", "", "", "Non", "Sans objet"),
    ("A6", "00103", "telephone", "renseignement", "2022-10-08", "1", "ENQ04", "Oui", "NA", "1", "", "", ""),
]


def _ecrire_csv(chemin: Path, lignes, colonnes, sep=";", encodage="utf-8", dates_fr=False, decimale=","):
    df = pd.DataFrame(lignes, columns=colonnes, dtype=str)
    if dates_fr:
        for c in df.columns:
            if c.startswith("date"):
                df[c] = df[c].map(lambda v: "/".join(reversed(v.split("-"))) if v and "-" in v else v)
    if decimale == "." and sep == ",":
        df = df.apply(
            lambda s: s.str.replace(",", ".", regex=False) if s.name not in ("nom", "libelle", "bareme") else s
        )
    chemin.parent.mkdir(parents=True, exist_ok=True)
    texte = df.to_csv(sep=sep, index=False, lineterminator="\r\n")
    chemin.write_bytes(texte.encode(encodage))


def ecrire_edition(
    racine: Path,
    annee=2022,
    sep=";",
    encodage="utf-8",
    dates_fr=False,
    xlsx=False,
    audits=None,
    participants=None,
    grille=None,
    enquete=None,
    avis=None,
):
    """Écrit raw/editions.csv et raw/<annee>/ ; renvoie la racine des données."""
    raw = Path(racine) / "raw"
    _ecrire_csv(
        raw / "editions.csv",
        [(str(annee), "10", f"{annee}-09-01", f"{annee}-12-15", "10e édition")],
        ["annee", "numero", "debut_terrain", "fin_terrain", "libelle"],
        sep,
        encodage,
        dates_fr,
    )
    dossier = raw / str(annee)
    _ecrire_csv(
        dossier / "participants.csv",
        participants or PARTICIPANTS,
        ["structure_id", "nom", "type_structure", "sous_type", "population", "code_geo", "region", "certifications"],
        sep,
        encodage,
        dates_fr,
    )
    _ecrire_csv(
        dossier / "grille.csv",
        [tuple(str(v) for v in q) for q in (grille or GRILLE)],
        list(COLONNES_GRILLE),
        sep,
        encodage,
        dates_fr,
    )
    lignes = audits or AUDITS
    colonnes = COLONNES_AUDITS if audits is None or len(audits[0]) == len(COLONNES_AUDITS) else None
    if xlsx:
        df = pd.DataFrame(lignes, columns=colonnes, dtype=str)
        df.to_excel(dossier / "audits.xlsx", index=False)
    else:
        _ecrire_csv(dossier / "audits.csv", lignes, colonnes, sep, encodage, dates_fr)
    if enquete is not None:
        _ecrire_csv(dossier / "enquete.csv", enquete[1], enquete[0], sep, encodage, dates_fr)
    if avis is not None:
        _ecrire_csv(dossier / "avis.csv", avis[1], avis[0], sep, encodage, dates_fr)
    return Path(racine)


def demo_dix_editions(tmp_path_factory) -> Path:
    """Les dix éditions de démonstration (échelle 1), préparées une seule fois par session de tests."""
    from analyse.cli import main
    from analyse.demo.editions import generer_demo

    racine = tmp_path_factory.getbasetemp() / "demo_dix_editions"
    if not (racine / "pret").exists():
        generer_demo(racine, echelle=1.0)
        assert main(["preparer", "--toutes", "--donnees", str(racine), "--bootstrap", "200"]) == 0
        (racine / "pret").write_text("ok")
    return racine
