"""Masquage des données personnelles dans les textes libres (commentaires, avis).

Règle (``shared/specs/methodologie.md``) : aucun texte libre n'est imprimé sans que les
adresses électroniques, les numéros de téléphone et les noms de personnes soient masqués.
Les noms sont repérés par des motifs : civilité suivie de mots à majuscule
(« Mme Odile Fermenthal »), prénom courant suivi d'un mot à majuscule
(« Odile Fermenthal »), nom en capitales suivi d'un prénom (« FERMENTHAL Odile »).
Les civilités sont reconnues quelle que soit leur casse (« madame », « Mr », « Dr »),
suivies ou non d'une particule (« Mme de La Tour », « Mme d'Argenson »). Les téléphones
français et internationaux sont reconnus avec tout espacement (« 0 800 123 456 »,
« +32 2 123 45 67 »), les courriels aussi sous forme obscurcie (« jean(at)example.com »,
« marc.petit@mairie »). Les codes d'enquêteurs (« ENQ-… », « ENQ5399 ») sont masqués, et
tous les codes d'une édition le sont quel que soit leur format (``codes=``, et dès la
préparation dans les textes libres). Un extrait imprimé est plafonné à
``LONGUEUR_MAX_EXTRAIT`` caractères.

Limite : un prénom rare suivi d'un nom, sans civilité (« Gwenaëlle Kerbrat »), ou un nom
seul (« Kerbrat ») ne peuvent pas être repérés par des motifs.
"""

from __future__ import annotations

import functools
import re

import pandas as pd

MASQUE_COURRIEL = "[courriel masqué]"
MASQUE_TELEPHONE = "[téléphone masqué]"
MASQUE_NOM = "[nom masqué]"
MASQUE_CODE = "[code masqué]"
LONGUEUR_MAX_EXTRAIT = 400  # caractères d'un extrait imprimé (un commentaire de 96 Ko faisait 32 pages)

_MAJ = "A-ZÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸÆŒ"
_MIN = "a-zàâäçéèêëîïôöùûüÿæœ"
_MOT_MAJ = rf"[{_MAJ}][{_MIN}{_MAJ}'’]+(?:-[{_MAJ}][{_MIN}{_MAJ}'’]+)*"
_MOT_CAPITALES = rf"[{_MAJ}]{{3,}}(?:-[{_MAJ}]{{2,}})*"

CIVILITES = (
    "M.",
    "MM.",
    "Mme",
    "Mmes",
    "Mlle",
    "Mlles",
    "Melle",
    "Mr",
    "Mrs",
    "Ms",
    "Monsieur",
    "Madame",
    "Mademoiselle",
    "Messieurs",
    "Mesdames",
    "Me",
    "Maître",
    "Dr",
    "Docteur",
    "Pr",
    "Professeur",
)
PARTICULES = (
    "de",
    "du",
    "des",
    "de la",
    "le",
    "la",
    "les",
    "van",
    "von",
    "der",
    "den",
    "di",
    "da",
    "del",
    "della",
    "dos",
    "ben",
    "el",
)

# Prénoms courants (liste ouverte) : ils signalent un nom quand un mot à majuscule les suit.
PRENOMS_COURANTS = (
    "Adèle",
    "Adrien",
    "Agathe",
    "Agnès",
    "Alain",
    "Albert",
    "Alexandre",
    "Alexis",
    "Alice",
    "Aline",
    "Amandine",
    "Anatole",
    "André",
    "Andrée",
    "Anne",
    "Annie",
    "Antoine",
    "Arnaud",
    "Arthur",
    "Aurélie",
    "Barnabé",
    "Benoît",
    "Bernard",
    "Brigitte",
    "Bruno",
    "Camille",
    "Caroline",
    "Catherine",
    "Cécile",
    "Céline",
    "Chantal",
    "Charles",
    "Charlotte",
    "Christian",
    "Christiane",
    "Christine",
    "Christophe",
    "Claire",
    "Claude",
    "Clémence",
    "Colette",
    "Corinne",
    "Damien",
    "Daniel",
    "Danielle",
    "David",
    "Delphine",
    "Denis",
    "Denise",
    "Didier",
    "Dominique",
    "Éloïse",
    "Églantine",
    "Élodie",
    "Élise",
    "Emma",
    "Emmanuel",
    "Éric",
    "Estelle",
    "Étienne",
    "Eugénie",
    "Fabien",
    "Fabienne",
    "Fabrice",
    "Firmin",
    "Florence",
    "Francis",
    "Françoise",
    "François",
    "Frédéric",
    "Gabriel",
    "Gaëtan",
    "Geneviève",
    "Georges",
    "Gérard",
    "Gilbert",
    "Gilles",
    "Guillaume",
    "Guy",
    "Hélène",
    "Henri",
    "Hippolyte",
    "Hugo",
    "Hugues",
    "Isabelle",
    "Jacqueline",
    "Jacques",
    "Jean",
    "Jeanne",
    "Jérôme",
    "Joël",
    "Josette",
    "Julie",
    "Julien",
    "Juliette",
    "Karine",
    "Laetitia",
    "Laure",
    "Laurence",
    "Laurent",
    "Léa",
    "Léon",
    "Léontine",
    "Louis",
    "Louise",
    "Luc",
    "Lucas",
    "Lucie",
    "Madeleine",
    "Maëlys",
    "Manon",
    "Marc",
    "Marcel",
    "Marie",
    "Marine",
    "Martine",
    "Mathieu",
    "Mathilde",
    "Maurice",
    "Michel",
    "Michèle",
    "Monique",
    "Nadine",
    "Nathalie",
    "Nicolas",
    "Nicole",
    "Noël",
    "Norbert",
    "Océane",
    "Odile",
    "Olivier",
    "Pascal",
    "Pascale",
    "Patricia",
    "Patrick",
    "Paul",
    "Pauline",
    "Philippe",
    "Pierre",
    "Quentin",
    "Raymond",
    "Renée",
    "René",
    "Robert",
    "Roger",
    "Romain",
    "Sandrine",
    "Sébastien",
    "Serge",
    "Simone",
    "Solange",
    "Sophie",
    "Stéphane",
    "Stéphanie",
    "Suzanne",
    "Sylvie",
    "Thérèse",
    "Thierry",
    "Thomas",
    "Valérie",
    "Véronique",
    "Vincent",
    "Virginie",
    "Yves",
    "Yvette",
    "Yvonne",
)

_ESP = r"[\s\u00a0\u202f]"
_SEP_TEL = r"[\s\u00a0\u202f.\-]{0,3}"
_COURRIEL = re.compile(
    r"[\w.+%-]+@[\w-]+(?:\.[\w-]+)*"  # adresse, même sans domaine de premier niveau (« marc.petit@mairie »)
    r"|[\w.+%-]+" + _ESP + r"*[\(\[\{<]" + _ESP + r"*(?:at|arobase|@)" + _ESP + r"*[\)\]\}>]" + _ESP + r"*[\w-]+"
    r"(?:" + _ESP + r"*(?:\.|[\(\[\{<]" + _ESP + r"*(?:dot|point)" + _ESP + r"*[\)\]\}>])" + _ESP + r"*[\w-]+)*"
    r"|[\w.+%-]+" + _ESP + r"+(?:arobase|at)" + _ESP + r"+[\w-]+(?:\.[\w-]+)+",
    re.UNICODE | re.IGNORECASE,
)
_TELEPHONE = re.compile(
    r"(?<![\w+])(?:"
    r"(?:\+|00)[1-9]\d{0,2}(?:" + _SEP_TEL + r"\(0\))?(?:" + _SEP_TEL + r"\d){6,12}"  # international
    r"|0" + _SEP_TEL + r"[1-9](?:" + _SEP_TEL + r"\d){8}"  # français, 10 chiffres, tout espacement
    r")(?![\d])"
)
_CODE_ENQUETEUR = re.compile(r"\bENQ(?:-[0-9A-Za-z]+|[_ ]?\d+[0-9A-Za-z]*)\b")
_CIVILITE_MOT = (
    "(?:(?i:"
    + "|".join(re.escape(c) for c in CIVILITES if len(c) > 4)
    + ")|"  # mots : toute casse
    + "|".join(re.escape(v) for c in CIVILITES if len(c) <= 4 and c[-1] != "." for v in (c, c.upper()))
    + r")(?![\w])\.?"
)
_CIVILITE_POINT = "|".join(re.escape(c) for c in CIVILITES if c[-1] == ".")
_PARTICULE = r"(?:(?i:" + "|".join(p.replace(" ", _ESP + "+") for p in PARTICULES) + r")" + _ESP + r"+|[dD]['’])"
_NOM = rf"(?:{_MOT_CAPITALES}|{_MOT_MAJ})"
_CIVILITE = re.compile(
    r"(?<![\w.])(?:" + _CIVILITE_POINT + "|" + _CIVILITE_MOT + r")" + _ESP + r"+"
    rf"{_PARTICULE}{{0,2}}{_NOM}(?:{_ESP}+{_PARTICULE}{{0,2}}{_NOM}){{0,2}}"
)
_PRENOM_NOM = re.compile(
    r"\b(?:" + "|".join(sorted(PRENOMS_COURANTS, key=len, reverse=True)) + r")"
    rf"[\s\u00a0]+(?:{_MOT_MAJ}|{_MOT_CAPITALES}|[{_MAJ}]\.)"
)
_CAPITALES_PRENOM = re.compile(
    rf"\b{_MOT_CAPITALES}[\s\u00a0]+(?:" + "|".join(sorted(PRENOMS_COURANTS, key=len, reverse=True)) + r")\b"
)


@functools.lru_cache(maxsize=8)
def _motif_codes(codes: tuple) -> re.Pattern | None:
    """Expression qui repère ces codes exacts, casse ignorée (arbre de préfixes : rapide même
    pour des milliers de codes)."""
    arbre = {}
    for code in codes:
        noeud = arbre
        for caractere in code.casefold():
            noeud = noeud.setdefault(caractere, {})
        noeud[""] = {}
    corps = _expression_arbre(arbre)
    return re.compile(rf"(?<!\w)(?:{corps})(?!\w)", re.IGNORECASE) if corps else None


def _expression_arbre(noeud: dict) -> str:
    branches = [re.escape(c) + _expression_arbre(sous) for c, sous in sorted(noeud.items()) if c]
    if not branches:
        return ""
    groupe = "(?:" + "|".join(branches) + ")"
    return groupe + "?" if "" in noeud else groupe


def masquer_codes(texte: str, codes) -> str:
    """Remplace chaque code de ``codes`` (codes d'enquêteurs d'une édition, tout format) par
    ``[code masqué]``.

    >>> masquer_codes("Vu par Xav-77 et xav-77.", ["Xav-77"])
    'Vu par [code masqué] et [code masqué].'
    """
    propres = tuple(sorted({str(c).strip() for c in codes if isinstance(c, str) and str(c).strip()}))
    motif = _motif_codes(propres) if propres else None
    return motif.sub(MASQUE_CODE, texte) if motif else texte


def masquer_codes_serie(textes: pd.Series, codes) -> pd.Series:
    """``masquer_codes`` sur une série de textes (valeurs manquantes gardées).

    >>> masquer_codes_serie(pd.Series(["par AB-1", None]), ["AB-1"]).tolist()[0]
    'par [code masqué]'
    """
    propres = tuple(sorted({str(c).strip() for c in codes if isinstance(c, str) and str(c).strip()}))
    motif = _motif_codes(propres) if propres else None
    if motif is None or textes.empty:
        return textes
    presents = textes.notna()
    resultat = textes.astype(object).copy()
    resultat[presents] = textes[presents].astype(str).str.replace(motif, MASQUE_CODE, regex=True)
    return resultat


def plafonner(texte: str, longueur_max: int | None = LONGUEUR_MAX_EXTRAIT) -> str:
    """Coupe un extrait trop long à la fin d'un mot et ajoute « … ».

    >>> plafonner("un deux trois quatre", 12)
    'un deux…'
    """
    if longueur_max is None or len(texte) <= longueur_max:
        return texte
    coupe = texte[:longueur_max]
    espace = coupe.rfind(" ")
    return (coupe[:espace] if espace > longueur_max // 2 else coupe).rstrip(" ,;:") + "…"


def masquer_texte(texte, codes=(), longueur_max: int | None = LONGUEUR_MAX_EXTRAIT) -> str:
    """Masque courriels, téléphones, noms de personnes et codes d'enquêteurs d'un texte libre,
    et plafonne sa longueur (``longueur_max=None`` : texte entier).

    >>> masquer_texte("Merci à Mme Odile Fermenthal (06 12 34 56 78), écrire à prenom.nom@exemple.fr")
    'Merci à [nom masqué] ([téléphone masqué]), écrire à [courriel masqué]'
    >>> masquer_texte("Joindre Gaëtan Brasdelune au +33 6 12 34 56 78.")
    'Joindre [nom masqué] au [téléphone masqué].'
    """
    if texte is None or (not isinstance(texte, str) and pd.isna(texte)):
        return ""
    texte = masquer_codes(str(texte), codes)
    texte = _COURRIEL.sub(MASQUE_COURRIEL, texte)
    texte = _TELEPHONE.sub(MASQUE_TELEPHONE, texte)
    texte = _CODE_ENQUETEUR.sub(MASQUE_CODE, texte)
    texte = _CIVILITE.sub(MASQUE_NOM, texte)
    texte = _PRENOM_NOM.sub(MASQUE_NOM, texte)
    return plafonner(_CAPITALES_PRENOM.sub(MASQUE_NOM, texte), longueur_max)


def masquer_serie(textes: pd.Series, codes=(), longueur_max: int | None = None) -> pd.Series:
    """Masque chaque texte d'une série (valeurs manquantes → chaîne vide) ; textes entiers par défaut.

    >>> masquer_serie(pd.Series(["Appeler le 07 00 11 22 33", None])).tolist()
    ['Appeler le [téléphone masqué]', '']
    """
    return pd.Series([masquer_texte(t, codes, longueur_max) for t in textes], index=textes.index, dtype=object)


def contient_donnees_personnelles(texte: str) -> bool:
    """Vrai si un texte contient encore un courriel, un téléphone ou un nom repérable.

    >>> contient_donnees_personnelles("Réponse à envoyer à odile.fermenthal@exemple.fr"), contient_donnees_personnelles("[courriel masqué]")
    (True, False)
    """
    texte = str(texte)
    return any(
        m.search(texte) for m in (_COURRIEL, _TELEPHONE, _CODE_ENQUETEUR, _CIVILITE, _PRENOM_NOM, _CAPITALES_PRENOM)
    )
