"""Le projet lui-même : dépendances cohérentes, notebooks minces et sans sorties, aide."""

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

RACINE = Path(__file__).resolve().parents[1]


def _nom(dependance: str) -> str:
    return re.split(r"[<>=!\[ ]", dependance.strip(), maxsplit=1)[0].lower()


def test_environment_yml_et_pyproject_declarent_le_meme_ensemble():
    projet = tomllib.loads((RACINE / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pip = {_nom(d) for d in projet["dependencies"] + projet["optional-dependencies"]["dev"]}
    environnement = yaml.safe_load((RACINE / "environment.yml").read_text(encoding="utf-8"))
    conda = {_nom(d) for d in environnement["dependencies"] if isinstance(d, str)} - {"python", "pip"}
    par_pip = [d for bloc in environnement["dependencies"] if isinstance(bloc, dict) for d in bloc.get("pip", [])]
    conda |= {_nom(d) for d in par_pip if not d.startswith("-")}  # absents de conda-forge
    assert pip == conda


def _notebooks():
    return sorted((RACINE / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("chemin", _notebooks(), ids=lambda p: p.name)
def test_notebooks_sans_sorties_ni_fonctions(chemin):
    nb = json.loads(chemin.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    source = "\n".join("".join(c["source"]) for c in code)
    assert not re.search(r"^\s*(def|class)\s", source, re.M)
    assert any("parameters" in c.get("metadata", {}).get("tags", []) for c in code)
    assert "/" not in "".join(re.findall(r"[\"']([^\"']*)[\"']", source)).replace("%", "")  # aucun chemin littéral


def test_aide_de_la_commande_en_francais():
    sortie = subprocess.run([sys.executable, "-m", "analyse", "--help"], capture_output=True, text=True, check=True)
    assert "préparation" in sortie.stdout and "preparer" in sortie.stdout and "rapports" in sortie.stdout


def test_make_seul_liste_les_cibles():
    sortie = subprocess.run(["make", "-s", "-C", str(RACINE)], capture_output=True, text=True, check=True).stdout
    for cible in ("rapports", "test", "lab", "demo", "preparer", "env"):
        assert f"make {cible}" in sortie
