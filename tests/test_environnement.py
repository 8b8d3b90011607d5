"""Environnement reproductible : verrou requirements.lock, environment.yml et pyproject.toml cohérents."""

from __future__ import annotations

import re
import tomllib

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from analyse import config

PYPROJECT = tomllib.loads((config.RACINE / "pyproject.toml").read_text(encoding="utf-8"))
VERROU = (config.RACINE / "requirements.lock").read_text(encoding="utf-8")
HORS_PIP = {"python", "pip"}  # paquets propres à conda, sans équivalent dans pyproject.toml


def _exigences(lignes) -> dict[str, str]:
    exigences = {}
    for ligne in lignes:
        exigence = Requirement(ligne)
        exigences[canonicalize_name(exigence.name)] = str(exigence.specifier)
    return exigences


def dependances_pyproject() -> dict[str, str]:
    """Dépendances du projet et de l'extra « dev » : nom normalisé → bornes."""
    return _exigences(PYPROJECT["project"]["dependencies"] + PYPROJECT["project"]["optional-dependencies"]["dev"])


def dependances_conda() -> dict[str, str]:
    """Dépendances d'environment.yml (hors python et pip), conda ou section « pip: » pour celles
    que conda-forge n'a pas : nom normalisé → bornes."""
    environnement = yaml.safe_load((config.RACINE / "environment.yml").read_text(encoding="utf-8"))
    lignes = [d for d in environnement["dependencies"] if isinstance(d, str)]
    par_pip = [d for bloc in environnement["dependencies"] if isinstance(bloc, dict) for d in bloc.get("pip", [])]
    lignes += [d for d in par_pip if not d.startswith("-")]
    return {n: s for n, s in _exigences(lignes).items() if n not in HORS_PIP}


def epingles_verrou() -> dict[str, str]:
    """Paquets du verrou : nom normalisé → version exacte."""
    return {canonicalize_name(n): v for n, v in re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", VERROU, re.M)}


def test_environment_yml_a_les_memes_dependances_que_pyproject():
    pyproject, conda = dependances_pyproject(), dependances_conda()
    assert sorted(set(pyproject) - set(conda)) == [], "dépendances de pyproject.toml absentes d'environment.yml"
    assert sorted(set(conda) - set(pyproject)) == [], "dépendances d'environment.yml absentes de pyproject.toml"
    assert {n: s for n, s in conda.items() if s != pyproject[n]} == {}, "bornes différentes"


@pytest.mark.parametrize("nom", sorted(dependances_pyproject()))
def test_chaque_dependance_est_verrouillee_dans_ses_bornes(nom):
    epingles = epingles_verrou()
    assert nom in epingles, f"{nom} absent de requirements.lock : lancez « make maj-dependances »"
    assert epingles[nom] in Requirement(f"{nom}{dependances_pyproject()[nom]}").specifier


def test_verrou_aux_versions_exactes_avec_empreintes():
    blocs = re.split(r"\n(?=[A-Za-z0-9])", VERROU.split("\n", 2)[2])
    paquets = [b for b in blocs if not b.startswith("#")]
    assert len(paquets) == len(epingles_verrou()) > 50
    assert all("==" in b.split()[0] and "--hash=sha256:" in b for b in paquets)
    for bibliotheque in ("pandas", "numpy", "statsmodels", "scipy", "ruff", "pre-commit", "pytest"):
        assert bibliotheque in epingles_verrou()


def test_make_env_installe_le_verrou_avec_empreintes():
    makefile = (config.RACINE / "Makefile").read_text(encoding="utf-8")
    assert "VERROU := requirements.lock" in makefile
    assert "pip install --quiet --require-hashes -r $(VERROU)" in makefile
    assert "pip install --quiet --no-deps -e ." in makefile
    assert "uv pip compile pyproject.toml --extra dev --python-version 3.11" in makefile
    assert "--generate-hashes" in makefile


def test_pre_commit_ruff_a_la_version_du_verrou_et_nettoie_les_notebooks():
    configuration = yaml.safe_load((config.RACINE / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    crochets = {c["id"]: c for depot in configuration["repos"] for c in depot["hooks"]}
    assert {"ruff-check", "ruff-format", "nbstripout"} <= set(crochets)
    ruff = f"ruff=={epingles_verrou()['ruff']}"
    assert (
        crochets["ruff-check"]["additional_dependencies"]
        == crochets["ruff-format"]["additional_dependencies"]
        == [ruff]
    )


def test_ruff_configure_dans_pyproject():
    ruff = PYPROJECT["tool"]["ruff"]
    assert ruff["line-length"] == 120
    assert {"E", "F", "W", "I", "UP", "B"} <= set(ruff["lint"]["select"])
    makefile = (config.RACINE / "Makefile").read_text(encoding="utf-8")
    assert "test: $(ETAT) lint" in makefile and "ruff format --check" in makefile
