"""Architecture des mots : chaque mot comparatif imprimé vient de ``statistiques/verdicts.py``.

On cherche, dans les chaînes de ``src/analyse/rapports/`` (docstrings exclues), les gabarits
(commentaires Jinja exclus) et les cellules des notebooks, les mots verdicts (au-dessus,
en dessous, en retrait, en avance, atteint, hausse, baisse, rupture retenue, priorité,
significatif…). Un mot n'est admis que s'il est :

- une chaîne égale à un mot de :class:`~analyse.statistiques.verdicts.Verdict` (le rapport lit
  ``verdict.mot``, il ne décide rien) ;
- cité entre guillemets « … » (note de méthode qui explique la règle) ;
- ou dans la liste blanche ci-dessous, courte et motivée ligne à ligne.

Le test échoue sur la branche d'avant l'unification (``phrase_tendance``, ``titre_reclamations``,
« dégradation significative » écrits dans les rapports).
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import analyse
from analyse.statistiques import verdicts

RACINE = Path(analyse.__file__).resolve().parents[2]
MOTS = re.compile(
    r"au-dessus|en[ -]dessous|en retrait|en avance|\batteinte?s?\b|\bhausses?\b|\bbaisses?\b"
    r"|rupture retenue|priorit|significati|nettement devant",
    re.IGNORECASE,
)
IDENTIFIANT = re.compile(r"[\w.\-]+")  # clés de dictionnaire, noms de gabarit : pas du texte

# (fichier, motif du contexte, motif) — courte et motivée.
LISTE_BLANCHE = [
    ("*", r"non atteinte", "borne d'intervalle de Kaplan–Meier infinie : état de la borne, pas un verdict"),
    ("*", r"Priorités d'action", "titre de section ; le mot de chaque déterminant vient de verdict_priorite"),
    (
        "fiche_priorites.html.j2",
        r"(?i)priorit",
        "explication de la règle de verdict_priorite et titre établi/non établi",
    ),
    ("fiche_synthese.html.j2", r"Priorités d'action \(déterminants", "liste des seuls verdict_priorite établis"),
    ("edition_introduction.html.j2", r"moyen atteint <strong>", "verbe neutre (le score vaut…), aucun seuil"),
    ("suivi_telephone.html.j2", r"atteint l’objectif", "prévision du modèle d'Erlang C, pas une estimation"),
    ("determinants.py", r"Importance relative, modèles et priorités", "sous-titre du rapport des déterminants"),
    ("determinants_annexe.html.j2", r"veut dire|à surveiller|atout à préserver", "définition de verdict_priorite"),
    ("rapport_determinants.ipynb", r"priorité nationale", "titre du tableau de la matrice nationale"),
    ("fiche_structure.ipynb", r"priorit", "titre de section et appel de bloc_priorites"),
]


def _constantes_python(chemin: Path):
    arbre = ast.parse(chemin.read_text(encoding="utf-8"))
    docstrings = {
        id(n.body[0].value)
        for n in ast.walk(arbre)
        if isinstance(n, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        and n.body
        and isinstance(n.body[0], ast.Expr)
        and isinstance(n.body[0].value, ast.Constant)
    }
    for n in ast.walk(arbre):
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings:
            yield n.value


def _textes():
    """(fichier, texte) de tout ce qu'un rapport peut imprimer hors de verdicts."""
    for f in sorted((RACINE / "src/analyse/rapports").glob("*.py")):
        for t in _constantes_python(f):
            yield f.name, t
    for f in sorted((RACINE / "src/analyse/gabarits").glob("*.j2")):
        yield f.name, re.sub(r"\{#.*?#\}", "", f.read_text(encoding="utf-8"), flags=re.S)
    for f in sorted((RACINE / "notebooks").glob("*.ipynb")):
        for cellule in json.loads(f.read_text(encoding="utf-8"))["cells"]:
            yield f.name, "".join(cellule["source"])


MOTS_DE_VERDICTS = {t for t in _constantes_python(Path(verdicts.__file__)) if len(t) <= 40}


def _admis(fichier: str, texte: str, debut: int, fin: int) -> bool:
    if texte.strip() in MOTS_DE_VERDICTS or IDENTIFIANT.fullmatch(texte):
        return True
    if texte.rfind("«", 0, debut) > texte.rfind("»", 0, debut):
        return True
    contexte = texte[max(0, debut - 60) : fin + 60]
    return any(f in ("*", fichier) and re.search(motif, contexte) for f, motif, _ in LISTE_BLANCHE)


def mots_en_dur() -> list[str]:
    fautes = []
    for fichier, texte in _textes():
        for m in MOTS.finditer(texte):
            if not _admis(fichier, texte, m.start(), m.end()):
                fautes.append(f"{fichier} : « {texte[max(0, m.start() - 40) : m.end() + 30]!r} »")
    return fautes


def test_aucun_mot_verdict_ecrit_hors_de_verdicts():
    assert mots_en_dur() == []


def test_le_detecteur_voit_un_mot_plante():
    """Injection : une phrase de tendance écrite à la main dans un rapport serait vue."""
    assert not _admis("tendances.py", "la série est en hausse", 15, 20)
    assert not _admis("suivi_cartes.html.j2", "dégradation significative", 12, 23)
    assert _admis("fiche.py", "en dessous", 0, 10)  # lecture de verdict.mot


def test_liste_blanche_motivee_et_courte():
    assert len(LISTE_BLANCHE) <= 12 and all(motif and raison for _, motif, raison in LISTE_BLANCHE)
