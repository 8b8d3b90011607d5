# Baromètre Expérience Citoyen — espace d'analyse
# « make » seul liste les cibles.

SHELL := /bin/bash
.DEFAULT_GOAL := aide

DONNEES ?= data
SORTIE ?= rapports
ECHELLE ?= 1

# Environnement : l'environnement conda actif s'il y en a un, sinon .venv (python3 -m venv).
ifneq ($(strip $(CONDA_PREFIX)),)
PY := $(CONDA_PREFIX)/bin/python
ETAT := .etat/env-conda-$(notdir $(CONDA_PREFIX))
else
PY := .venv/bin/python
ETAT := .venv/.installe
endif
ANALYSE := $(PY) -m analyse.cli
# Verrou : versions exactes et empreintes SHA-256 de toutes les dépendances (Python 3.11, Linux x86_64).
VERROU := requirements.lock
ETUDES := $(sort $(wildcard notebooks/etudes/*.ipynb))

.PHONY: aide env maj-dependances demo preparer rapports etudes fiches suivi lint test axe dictionnaire lab bench nettoyer

aide: ## Affiche cette aide
	@echo "Baromètre Expérience Citoyen — espace d'analyse"
	@echo
	@grep -E '^[a-z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(ETAT): $(VERROU) pyproject.toml
ifeq ($(strip $(CONDA_PREFIX)),)
	@test -x .venv/bin/python || python3 -m venv .venv
endif
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r $(VERROU)
	$(PY) -m pip install --quiet --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name analyse --display-name "Python (analyse)" >/dev/null
	@mkdir -p $(dir $(ETAT)) && touch $(ETAT)

env: $(ETAT) ## Crée l'environnement (.venv ou conda actif) depuis le verrou, et le noyau « analyse »

maj-dependances: $(ETAT) ## Régénère le verrou requirements.lock depuis pyproject.toml (puis : make env)
	$(dir $(PY))uv pip compile pyproject.toml --extra dev --python-version 3.11 \
		--python-platform x86_64-manylinux_2_28 --generate-hashes --quiet \
		--custom-compile-command "make maj-dependances" -o $(VERROU)
	@echo "Verrou $(VERROU) régénéré : vérifiez environment.yml (tests/test_environnement.py), puis make env."

demo: $(ETAT) ## Écrit les données de démonstration si data/raw/ est vide
	@if [ -z "$$(ls -A $(DONNEES)/raw 2>/dev/null | grep -v '^README')" ]; then \
		$(ANALYSE) demo --donnees $(DONNEES) --echelle $(ECHELLE); \
	else echo "$(DONNEES)/raw/ contient déjà des données : démonstration non générée."; fi

preparer: demo ## Valide et note toutes les éditions (Parquet dans data/processed/)
	$(ANALYSE) preparer --toutes --donnees $(DONNEES)

rapports: preparer ## Produit tous les rapports (PDF, HTML, CSV) dans rapports/
	$(ANALYSE) rapports edition --toutes --donnees $(DONNEES) --sortie $(SORTIE)
	$(ANALYSE) rapports determinants --donnees $(DONNEES) --sortie $(SORTIE)
	$(ANALYSE) rapports tendances --donnees $(DONNEES) --sortie $(SORTIE)
	$(ANALYSE) rapports structures --donnees $(DONNEES) --sortie $(SORTIE)
	$(PY) -m analyse.rapports.accessibilite $(SORTIE)

etudes: preparer ## Construit en PDF les études de notebooks/etudes/ (rapports/etudes/)
	$(ANALYSE) rapports notebook $(ETUDES) --donnees $(DONNEES) --sortie $(SORTIE)/etudes
	$(PY) -m analyse.rapports.accessibilite $(SORTIE)/etudes

fiches: preparer ## Fiches PDF par structure d'une édition (ANNEE=, défaut : la plus récente)
	$(ANALYSE) rapports structures --donnees $(DONNEES) --sortie $(SORTIE) $(if $(ANNEE),--annee $(ANNEE))

suivi: preparer ## Tableau de bord d'une structure : make suivi STRUCTURE=S00001
	@test -n "$(STRUCTURE)" || { echo "Précisez la structure : make suivi STRUCTURE=<structure_id>"; exit 2; }
	$(ANALYSE) rapports suivi --structure $(STRUCTURE) --donnees $(DONNEES) --sortie $(SORTIE)

lint: $(ETAT) ## Vérifie le style (ruff check et ruff format --check)
	$(PY) -m ruff check src tests notebooks outils benchmarks
	$(PY) -m ruff format --check src tests notebooks outils benchmarks

test: $(ETAT) lint axe ## Vérifie le style puis lance toute la suite de tests
	$(PY) -m pytest

axe: ## Installe chromium et poppler-utils (apt-get) et axe-core (npm ci dans outils/axe/) pour l'audit des pages HTML
	@bash outils/installer_axe.sh

dictionnaire: $(ETAT) ## Régénère docs/dictionnaire-donnees.md depuis les schémas des tables
	$(PY) outils/generer_dictionnaire.py

lab: $(ETAT) ## Ouvre JupyterLab sur notebooks/
	$(PY) -m jupyterlab --notebook-dir=notebooks $$([ "$$(id -u)" = 0 ] && echo --allow-root)

bench: $(ETAT) ## Mesure la préparation à 1×, 10× et 100× (long ; résultats dans benchmarks/)
	$(PY) benchmarks/bench_preparer.py

nettoyer: ## Supprime les données préparées et les rapports (jamais data/raw/)
	rm -rf $(DONNEES)/processed/* $(DONNEES)/processed/.versions $(DONNEES)/processed/.courante $(SORTIE)/*
	@git checkout -- $(DONNEES)/processed/README.md $(SORTIE)/README.md 2>/dev/null || true
