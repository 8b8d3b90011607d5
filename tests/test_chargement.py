"""Chargeur en un appel : ``analyse.donnees.charger`` (tables, éditions, racine des données)."""

from __future__ import annotations

import pytest

from analyse import config
from analyse.donnees import VARIABLE_DONNEES, charger, racine_donnees
from analyse.donnees.schemas import valider
from conftest_rapport import creer_donnees_synthetiques


@pytest.fixture(scope="module")
def racine(tmp_path_factory):
    racine = tmp_path_factory.mktemp("donnees")
    for graine, annee in enumerate((2020, 2021, 2022)):
        creer_donnees_synthetiques(racine, annee=annee, graine=graine)
    return racine


def test_charge_toutes_les_tables_et_editions_par_defaut(racine):
    tables = charger(donnees=racine)
    assert list(tables) == ["editions", "participants", "contacts", "reponses", "scores"]
    assert tables.annees == [2020, 2021, 2022]
    assert sorted(tables.scores["annee"].unique()) == [2020, 2021, 2022]
    assert tables.demo is True and tables.racine == racine


def test_restreint_aux_editions_et_tables_demandees(racine):
    tables = charger(annees=[2022, 2020], tables=["participants", "scores"], donnees=racine)
    assert list(tables) == ["participants", "scores"]
    assert tables.annees == [2020, 2022]
    assert set(tables["participants"]["annee"]) == {2020, 2022}
    une = charger(annees=2021, tables="scores", donnees=racine)
    assert set(une.scores["annee"]) == {2021}


def test_tables_chargees_respectent_leur_schema(racine):
    tables = charger(annees=2022, donnees=racine)
    for nom, table in tables.items():
        valider(nom, table)  # lève une erreur si un type ou un code s'écarte du schéma
    assert str(tables.scores["annee"].dtype) == "int64"
    assert tables.participants["certifie"].dtype == bool


def test_resume_compte_les_lignes(racine):
    tables = charger(tables=["participants"], donnees=racine)
    resume = tables.resume()
    assert resume.loc[0, "lignes"] == len(tables.participants) == 3 * 40
    assert resume.loc[0, "editions"] == "2020 à 2022"


def test_edition_absente_message_francais(racine):
    attendu = r"Édition\(s\) non préparée\(s\).*2019.*éditions préparées : 2020, 2021, 2022"
    with pytest.raises(FileNotFoundError, match=attendu):
        charger(annees=[2019, 2020], donnees=racine)


def test_table_inconnue_ou_absente_message_francais(racine):
    with pytest.raises(ValueError, match="Table\\(s\\) inconnue\\(s\\) : score "):
        charger(tables=["score"], donnees=racine)
    with pytest.raises(FileNotFoundError, match="Table\\(s\\) non préparée\\(s\\).*avis"):
        charger(tables=["scores", "avis"], donnees=racine)
    with pytest.raises(AttributeError, match="Table « avis » non chargée"):
        _ = charger(tables="scores", donnees=racine).avis


def test_racine_des_donnees_variable_environnement_puis_projet(racine, monkeypatch):
    monkeypatch.delenv(VARIABLE_DONNEES, raising=False)
    assert racine_donnees() == config.RACINE / "data"
    monkeypatch.setenv(VARIABLE_DONNEES, str(racine))
    assert racine_donnees() == racine
    assert charger(tables="editions").annees == [2020, 2021, 2022]
    assert racine_donnees("autre") == config.RACINE / "autre"  # l'argument l'emporte ; relatif = depuis le projet


def test_racine_relative_independante_du_dossier_courant(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(VARIABLE_DONNEES, "data")
    assert racine_donnees() == config.RACINE / "data"
