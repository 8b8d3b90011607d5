"""Masquage des données personnelles dans les textes libres (commentaires, avis).

Règle (``shared/specs/methodologie.md``) : aucun texte libre n'est imprimé sans que les
adresses électroniques, les numéros de téléphone et les noms de personnes soient masqués.
Les noms sont repérés par des motifs : civilité suivie de mots à majuscule
(« Mme Odile Fermenthal »), prénom courant suivi d'un mot à majuscule
(« Odile Fermenthal »), nom en capitales suivi d'un prénom (« FERMENTHAL Odile »).
Les codes d'enquêteurs (« ENQ-… ») sont eux aussi masqués.
"""

from __future__ import annotations

import re

import pandas as pd

MASQUE_COURRIEL = "[courriel masqué]"
MASQUE_TELEPHONE = "[téléphone masqué]"
MASQUE_NOM = "[nom masqué]"
MASQUE_CODE = "[code masqué]"

_MAJ = "A-ZÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸÆŒ"
_MIN = "a-zàâäçéèêëîïôöùûüÿæœ"
_MOT_MAJ = rf"[{_MAJ}][{_MIN}{_MAJ}'’]+(?:-[{_MAJ}][{_MIN}{_MAJ}'’]+)*"
_MOT_CAPITALES = rf"[{_MAJ}]{{3,}}(?:-[{_MAJ}]{{2,}})*"

CIVILITES = ("M.", "MM.", "Mme", "Mmes", "Mlle", "Melle", "Monsieur", "Madame", "Mademoiselle", "Messieurs",
             "Mesdames", "Me", "Maître", "Dr", "Docteur", "Pr", "Professeur")

# Prénoms courants (liste ouverte) : ils signalent un nom quand un mot à majuscule les suit.
PRENOMS_COURANTS = (
    "Adèle", "Adrien", "Agathe", "Agnès", "Alain", "Albert", "Alexandre", "Alexis", "Alice", "Aline", "Amandine",
    "Anatole", "André", "Andrée", "Anne", "Annie", "Antoine", "Arnaud", "Arthur", "Aurélie", "Barnabé", "Benoît",
    "Bernard", "Brigitte", "Bruno", "Camille", "Caroline", "Catherine", "Cécile", "Céline", "Chantal", "Charles",
    "Charlotte", "Christian", "Christiane", "Christine", "Christophe", "Claire", "Claude", "Clémence", "Colette",
    "Corinne", "Damien", "Daniel", "Danielle", "David", "Delphine", "Denis", "Denise", "Didier", "Dominique",
    "Éloïse", "Églantine", "Élodie", "Élise", "Emma", "Emmanuel", "Éric", "Estelle", "Étienne", "Eugénie", "Fabien",
    "Fabienne", "Fabrice", "Firmin", "Florence", "Francis", "Françoise", "François", "Frédéric", "Gabriel",
    "Gaëtan", "Geneviève", "Georges", "Gérard", "Gilbert", "Gilles", "Guillaume", "Guy", "Hélène", "Henri",
    "Hippolyte", "Hugo", "Hugues", "Isabelle", "Jacqueline", "Jacques", "Jean", "Jeanne", "Jérôme", "Joël",
    "Josette", "Julie", "Julien", "Juliette", "Karine", "Laetitia", "Laure", "Laurence", "Laurent", "Léa",
    "Léon", "Léontine", "Louis", "Louise", "Luc", "Lucas", "Lucie", "Madeleine", "Maëlys", "Manon", "Marc",
    "Marcel", "Marie", "Marine", "Martine", "Mathieu", "Mathilde", "Maurice", "Michel", "Michèle", "Monique",
    "Nadine", "Nathalie", "Nicolas", "Nicole", "Noël", "Norbert", "Océane", "Odile", "Olivier", "Pascal",
    "Pascale", "Patricia", "Patrick", "Paul", "Pauline", "Philippe", "Pierre", "Quentin", "Raymond", "Renée",
    "René", "Robert", "Roger", "Romain", "Sandrine", "Sébastien", "Serge", "Simone", "Solange", "Sophie",
    "Stéphane", "Stéphanie", "Suzanne", "Sylvie", "Thérèse", "Thierry", "Thomas", "Valérie", "Véronique",
    "Vincent", "Virginie", "Yves", "Yvette", "Yvonne",
)

_COURRIEL = re.compile(r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_TELEPHONE = re.compile(r"(?<![\w+])(?:\+33\s?\(?0?\)?\s?|0033\s?|0)[1-9](?:[\s.\-]?\d{2}){4}(?!\d)")
_CODE_ENQUETEUR = re.compile(r"\bENQ-[0-9A-Za-z]+\b")
_CIVILITE = re.compile(
    r"(?<![\w.])(?:" + "|".join(re.escape(c) for c in CIVILITES) + r")(?=[\s\u00a0])"
    rf"[\s\u00a0]+{_MOT_MAJ}(?:[\s\u00a0]+{_MOT_MAJ}){{0,2}}"
)
_PRENOM_NOM = re.compile(
    r"\b(?:" + "|".join(sorted(PRENOMS_COURANTS, key=len, reverse=True)) + r")"
    rf"[\s\u00a0]+(?:{_MOT_MAJ}|{_MOT_CAPITALES}|[{_MAJ}]\.)"
)
_CAPITALES_PRENOM = re.compile(
    rf"\b{_MOT_CAPITALES}[\s\u00a0]+(?:" + "|".join(sorted(PRENOMS_COURANTS, key=len, reverse=True)) + r")\b"
)


def masquer_texte(texte) -> str:
    """Masque courriels, téléphones, noms de personnes et codes d'enquêteurs d'un texte libre.

    >>> masquer_texte("Merci à Mme Odile Fermenthal (06 12 34 56 78), écrire à prenom.nom@exemple.fr")
    'Merci à [nom masqué] ([téléphone masqué]), écrire à [courriel masqué]'
    >>> masquer_texte("Joindre Gaëtan Brasdelune au +33 6 12 34 56 78.")
    'Joindre [nom masqué] au [téléphone masqué].'
    """
    if texte is None or (not isinstance(texte, str) and pd.isna(texte)):
        return ""
    texte = _COURRIEL.sub(MASQUE_COURRIEL, str(texte))
    texte = _TELEPHONE.sub(MASQUE_TELEPHONE, texte)
    texte = _CODE_ENQUETEUR.sub(MASQUE_CODE, texte)
    texte = _CIVILITE.sub(MASQUE_NOM, texte)
    texte = _PRENOM_NOM.sub(MASQUE_NOM, texte)
    return _CAPITALES_PRENOM.sub(MASQUE_NOM, texte)


def masquer_serie(textes: pd.Series) -> pd.Series:
    """Masque chaque texte d'une série (valeurs manquantes → chaîne vide).

    >>> masquer_serie(pd.Series(["Appeler le 07 00 11 22 33", None])).tolist()
    ['Appeler le [téléphone masqué]', '']
    """
    return pd.Series([masquer_texte(t) for t in textes], index=textes.index, dtype=object)


def contient_donnees_personnelles(texte: str) -> bool:
    """Vrai si un texte contient encore un courriel, un téléphone ou un nom repérable.

    >>> contient_donnees_personnelles("Réponse à envoyer à odile.fermenthal@exemple.fr"), contient_donnees_personnelles("[courriel masqué]")
    (True, False)
    """
    texte = str(texte)
    return any(m.search(texte) for m in (_COURRIEL, _TELEPHONE, _CODE_ENQUETEUR, _CIVILITE, _PRENOM_NOM,
                                        _CAPITALES_PRENOM))
