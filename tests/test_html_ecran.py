"""Pages HTML des rapports à l'écran : axe-core sans violation, lecture à 320 px, figures décrites.

Les cinq types de rapport (édition, déterminants, tendances, fiche, suivi) sont produits une
fois sur une petite démonstration ; chaque page est auditée par axe-core (règles WCAG 2.x A/AA
et bonnes pratiques) dans le chromium de Debian, puis relue ici : textes alternatifs contre le
CSV joint, pluriels, cellules signées alignées. Prérequis : ``make axe`` (``make test`` le fait).
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from analyse.cli import main
from analyse.config import RACINE
from analyse.demo.editions import generer_demo
from analyse.formatage import MOIS
from analyse.rapports.descriptions import LONGUEUR_MAX
from fabrique import demo_dix_editions

AXE = RACINE / "outils" / "axe"
GABARITS = RACINE / "src" / "analyse" / "gabarits"
PLURIEL_AMBIGU = re.compile(r"\w\(s\)")  # « catégorie(s) » ; pas « Durée moyenne (s) »


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    from analyse.rapports.determinants import rapport_determinants
    from analyse.rapports.edition import rapport_edition
    from analyse.rapports.suivi import rapport_suivi
    from analyse.rapports.tendances import rapport_tendances

    racine = tmp_path_factory.mktemp("demo_ecran")
    generer_demo(racine, echelle=0.3, annees=[2021, 2022])
    assert main(["preparer", "--toutes", "--donnees", str(racine), "--bootstrap", "50"]) == 0
    sortie = racine / "rapports"
    methode = {"n_bootstrap": 50}
    structure = json.loads((racine / "verite_demo.json").read_text(encoding="utf-8"))["ecoute"]["structures"][0]
    rapport_edition(2022, racine, sortie, parametres_methode=methode)
    rapport_determinants(racine, sortie, parametres_methode=methode)
    rapport_tendances(demo_dix_editions(tmp_path_factory), sortie, parametres_methode=methode)  # 2 éditions : trop peu
    rapport_suivi(structure, racine, sortie)
    args = ["rapports", "structures", "--donnees", str(racine), "--sortie", str(sortie), "--annee", "2022"]
    assert main([*args, "--structures", structure, "--travailleurs", "1"]) == 0
    trouvees = {
        "édition": sortie / "2022" / "rapport_edition_2022.html",
        "déterminants": sortie / "determinants" / "rapport_determinants.html",
        "tendances": sortie / "tendances" / "rapport_tendances.html",
        "suivi": sortie / "suivi" / f"suivi_{structure}.html",
        "fiche": next((sortie / "2022" / "structures").glob(f"{structure}-*.html")),
    }
    assert all(p.exists() for p in trouvees.values()), trouvees
    return trouvees


def _auditer(chemins) -> list[dict]:
    if not (AXE / "node_modules" / "axe-core").exists() or shutil.which("node") is None:
        pytest.fail("axe-core ou node absent : lancez « make axe » (outils/installer_axe.sh).")
    sortie = subprocess.run(
        ["node", str(AXE / "auditer.mjs"), *map(str, chemins)], capture_output=True, text=True, timeout=300
    )
    assert sortie.returncode == 0, sortie.stderr
    return json.loads(sortie.stdout)


@pytest.mark.integration
def test_axe_core_zero_violation_et_lecture_a_320_px(pages):
    resultats = _auditer(pages.values())
    for nom, resultat in zip(pages, resultats):
        violations = [(v["regle"], v["n_noeuds"], v["noeuds"][0]["cible"]) for v in resultat["violations"]]
        assert violations == [], f"{nom} : {violations}"
        etroit = resultat["a_320_px"]
        assert etroit["largeur_page"] <= 320, f"{nom} : la page défile en largeur à 320 px ({etroit})"
        assert etroit["tableaux_debordants"] == 0, f"{nom} : tableau sans boîte défilante ({etroit})"
        assert not etroit["texte_justifie"] and etroit["cesure"] != "auto", nom


def _figures(page: Path) -> list[tuple[str, str, pd.DataFrame | None]]:
    figures = []
    for bloc in re.findall(r'<figure class="graphique">.*?</figure>', page.read_text(encoding="utf-8"), re.S):
        alt = html.unescape(re.search(r'alt="([^"]*)"', bloc).group(1))
        csv = re.search(r'download="([^"]+)"[^>]*href="data:text/csv;[^,]*base64,([^"]+)"', bloc)
        donnees = None
        if csv:
            donnees = pd.read_csv(io.BytesIO(base64.b64decode(csv.group(2))), sep=";", encoding="utf-8-sig", dtype=str)
        figures.append((alt, csv.group(1) if csv else "", donnees))
    return figures


@pytest.mark.integration
def test_chaque_figure_decrite_par_ses_donnees(pages):
    mois = re.compile(r"\b(" + "|".join(MOIS) + r") \d{4}\b")
    for nom, page in pages.items():
        figures = _figures(page)
        assert figures, nom
        for alt, csv, donnees in figures:
            corps = alt.rsplit(" Données complètes : ", 1)[0]
            assert len(corps) <= LONGUEUR_MAX + 2, f"{nom} : {len(corps)} caractères : {alt}"
            assert not re.search(r"\(série \d|Valeurs? \(série|\(s\)", alt), f"{nom} : {alt}"
            if donnees is None:
                continue
            assert alt.endswith(f" Données complètes : {csv}."), f"{nom} : {alt}"
            if "Série" not in donnees:
                continue  # constructeur maison (colonnes Groupe, valeur, IC)
            # Les catégories du texte sont celles du CSV, avec les mêmes libellés.
            for (serie, _), lignes in donnees.groupby(["Série", "Unité"], sort=False, dropna=False):
                categories = lignes["Catégorie"].tolist()
                assert len(set(categories)) == len(categories), f"{nom} / {serie} : {categories}"  # pas de mois doublé
                if f"{serie} : " in corps:  # phrase de la série (le titre peut aussi la nommer)
                    premier = corps.split(f"{serie} : ", 1)[1][:80]
                    assert any(c in premier for c in categories), f"{nom} / {serie} : {premier!r} ∉ {categories[:5]}"
            mois_csv = [c for c in donnees["Catégorie"] if mois.search(c)]
            assert all(mois.fullmatch(m) for m in mois_csv), f"{nom} : {mois_csv[:5]}"


@pytest.mark.integration
def test_vrais_pluriels_et_cellules_signees_alignees_dans_les_sorties(pages):
    for nom, page in pages.items():
        texte = page.read_text(encoding="utf-8")
        visible = html.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<(style|script)\b.*?</\1>", "", texte, flags=re.S)))
        assert not PLURIEL_AMBIGU.search(visible), f"{nom} : {PLURIEL_AMBIGU.findall(visible)[:5]}"
        cellules = re.findall(r"<(td|th)([^>]*)>([^<]*)</\1>", texte)
        signees = [(attrs, c) for _, attrs, c in cellules if re.fullmatch(r"[+\-−]\d[\d\u202f]*(,\d+)?(\u202f%)?", c)]
        mal_alignees = [c for attrs, c in signees if 'class="nombre"' not in attrs]
        assert not mal_alignees, f"{nom} : {len(mal_alignees)} cellules signées sans classe numérique"


def test_aucun_pluriel_ambigu_dans_les_gabarits():
    for gabarit in GABARITS.glob("*.j2"):
        assert not PLURIEL_AMBIGU.search(gabarit.read_text(encoding="utf-8")), gabarit.name
