"""Architecture : les étapes du paquet, leurs couches et leurs imports (import-linter)."""

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

RACINE = Path(__file__).resolve().parents[1]
SOUS_PAQUETS = ("donnees", "statistiques", "ecoute", "rapports", "demo")


def test_contrats_d_imports_tenus():
    """Le contrat de couches et l'absence de cycle (pyproject.toml) sont tenus."""
    commande = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    if commande is None:
        pytest.fail("lint-imports introuvable : installez les dépendances de développement (make env)")
    resultat = subprocess.run(
        [commande, "--config", str(RACINE / "pyproject.toml")], cwd=RACINE, capture_output=True, text=True
    )
    assert resultat.returncode == 0, resultat.stdout + resultat.stderr
    assert "0 broken" in resultat.stdout


@pytest.mark.parametrize("paquet", SOUS_PAQUETS)
def test_chaque_etape_s_importe_seule(paquet):
    """« python -c 'import analyse.<étape>' » réussit dans un interpréteur neuf."""
    resultat = subprocess.run([sys.executable, "-c", f"import analyse.{paquet}"], capture_output=True, text=True)
    assert resultat.returncode == 0, resultat.stderr


def test_aucun_module_a_plat_hors_socle():
    """Hors du socle (config, formatage, balisage Typst, chaîne, CLI), tout module vit dans le dossier de son étape."""
    racine = RACINE / "src" / "analyse"
    a_plat = {p.stem for p in racine.glob("*.py")}
    assert a_plat <= {"__init__", "__main__", "cli", "config", "formatage", "balisage_typst", "chaine"}, a_plat
    for paquet in SOUS_PAQUETS:
        assert importlib.util.find_spec(f"analyse.{paquet}") is not None
