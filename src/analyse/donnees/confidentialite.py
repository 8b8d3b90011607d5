"""Masquage des données personnelles dans les textes libres (commentaires, avis).

Règle (``shared/specs/methodologie.md``) : aucun texte libre n'est imprimé sans que les
adresses électroniques, les numéros de téléphone et les noms de personnes soient masqués.
Les noms sont repérés par des motifs : civilité suivie d'un nom (« Mme Odile Fermenthal »,
« M.Lefebvre », « Mme.X », « Mme Ñúñez », « Dr Łukasiewicz », « MADAME KERBRAT »), ou d'un
mot en minuscules qui n'est pas un mot courant (« madame kerbrat », mais pas « Monsieur le
maire ») ; prénom courant, simple ou composé, suivi d'un mot à majuscule
(« Jean-Pierre Dupont ») ; nom en capitales suivi d'un prénom (« FERMENTHAL Odile »).
Les lettres sont toutes celles d'Unicode (texte normalisé NFC : « Nguyễn » entier). Les
civilités qui ne sont pas des mots courants se lisent en toute casse (« madame », « mme »,
« Mr »), avec ou sans point ni espace, suivies ou non d'une particule (« Mme de La Tour »,
« Mme d'Argenson »). Les téléphones français et internationaux sont reconnus dans tout
groupement et avec tout séparateur (« 0 800 123 456 », « 06/12/34/56/78 »,
« (06) 12 34 56 78 », « +32 2 123 45 67 »), les courriels aussi sous forme obscurcie
(« jean(at)example.com », « jean.dupont @ gmail.com », « marc.petit@mairie »). Les codes
d'enquêteurs (« ENQ-… », « ENQ5399 ») sont masqués, et tous les codes d'une édition le sont
quel que soit leur format (``codes=``, et dès la préparation dans les textes libres). Un
extrait imprimé est plafonné à ``LONGUEUR_MAX_EXTRAIT`` caractères.

Temps linéaire : chaque motif ne démarre qu'à une frontière de mot (regard arrière), ses
répétitions sont bornées ou sans ambiguïté (espaces possessifs) ; 200 000 caractères en
moins de 0,2 s (``benchmarks/bench_masquage.py``). Un texte dont on n'imprime qu'un extrait
n'est masqué que sur son début (``FACTEUR_PLAFOND`` fois la longueur de l'extrait).

Limites : un prénom rare suivi d'un nom, sans civilité (« Gwenaëlle Kerbrat »), un nom seul
(« Kerbrat »), ou un nom en minuscules après une particule (« monsieur le goff ») ne peuvent
pas être repérés par des motifs ; un mot ordinaire absent de ``MOTS_COURANTS`` derrière une
civilité en minuscules est masqué à tort (« madame voilà »).
"""

from __future__ import annotations

import functools
import re
import unicodedata

import pandas as pd

MASQUE_COURRIEL = "[courriel masqué]"
MASQUE_TELEPHONE = "[téléphone masqué]"
MASQUE_NOM = "[nom masqué]"
MASQUE_CODE = "[code masqué]"
LONGUEUR_MAX_EXTRAIT = 400  # caractères d'un extrait imprimé (un commentaire de 96 Ko faisait 32 pages)
FACTEUR_PLAFOND = 16  # un extrait de n caractères : seuls les 16 n premiers caractères sont masqués…
MARGE_PLAFOND = 2_048  # … si ajouter 2 048 caractères ne change pas le début masqué

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


# Mots courants qui suivent une civilité sans être un nom (« Monsieur le maire », « madame
# est partie ») : un mot en minuscules après une civilité est un nom, sauf ceux-ci.
MOTS_COURANTS = (
    *"le la les un une des du de au aux ce cet cette ces mon ma mes ton ta tes son sa ses".split(),
    *"notre nos votre vos leur leurs qui que quoi dont ou où et mais donc or ni car si non oui".split(),
    *"je tu il elle on nous vous ils elles me te se lui moi toi eux en y ne pas plus".split(),
    *"a ai as avait avais avez avons ont est était es êtes sont été sera serait fut soit".split(),
    *"fait dit va vient peut doit veut semble reste parle répond travaille m'a".split(),
    *"très trop bien mal tout toute tous toutes aussi encore déjà toujours jamais vraiment".split(),
    *"merci bonjour bonsoir svp stp pour par avec sans sur sous dans chez vers entre après avant".split(),
    *"depuis pendant comme selon contre malgré the and of to is was an".split(),
    *"maire adjoint adjointe directeur directrice président présidente secrétaire agent agente".split(),
    *"responsable conseiller conseillère préfet préfète ministre député députée sénateur".split(),
    *"docteur professeur maître monsieur madame mademoiselle messieurs mesdames".split(),
    *"gentil gentille aimable sympathique charmant charmante patient patiente compétent compétente".split(),
    *"votre ton".split(),
)


def _classe_majuscules() -> str:
    """Classe d'expression de toutes les majuscules Unicode du plan multilingue de base
    (« É », « Ñ », « Ø », « Ł », « Ş »…), en intervalles."""
    codes = [i for i in range(0x10000) if chr(i).isupper() or unicodedata.category(chr(i)) == "Lt"]
    intervalles = []
    debut = precedent = codes[0]
    for code in [*codes[1:], -1]:
        if code != precedent + 1:
            intervalles.append(chr(debut) if debut == precedent else f"{chr(debut)}-{chr(precedent)}")
            debut = code
        precedent = code
    return "[" + "".join(intervalles) + "]"


def _expression_arbre(noeud: dict) -> str:
    branches = [re.escape(c) + _expression_arbre(sous) for c, sous in sorted(noeud.items()) if c]
    if not branches:
        return ""
    groupe = "(?:" + "|".join(branches) + ")"
    return groupe + "?" if "" in noeud else groupe


def _alternative(mots) -> str:
    """Expression d'une liste de mots exacts en arbre de préfixes (pas de retour arrière
    entre des centaines de branches)."""
    arbre = {}
    for mot in mots:
        noeud = arbre
        for caractere in mot:
            noeud = noeud.setdefault(caractere, {})
        noeud[""] = {}
    return _expression_arbre(arbre)


_ESP = r"[\s\u00a0\u202f]"
_LETTRE = r"[^\W\d_]"  # toute lettre Unicode (texte normalisé NFC : « ễ », « Ł », « Ø », « Ñ »)
_MAJ = _classe_majuscules()
_SEGMENT_NOM = rf"{_MAJ}(?:{_LETTRE}|['’](?={_LETTRE}))*"  # « Lefebvre », « O'Brien », « X »
_MOT_NOM = rf"(?:{_MAJ}\.|{_SEGMENT_NOM}(?:-{_SEGMENT_NOM})*)"  # initiale « A. » ou nom (composé)
_MOT_CAPITALES = rf"{_MAJ}{{3,}}(?:-{_MAJ}{{2,}})*"

# Courriels : la partie locale démarre à une frontière (ni lettre ni point avant), ce qui
# évite de réessayer depuis chaque caractère d'un long mot (temps linéaire).
_LOCAL = r"(?<![\w.+%-])[\w.+%-]+"
_OUVRANTE, _FERMANTE = r"[\(\[\{<]", r"[\)\]\}>]"
_AROBASE_SERREE = "@"
_AROBASE_ESPACEE = rf"{_ESP}+@{_ESP}*|@{_ESP}+"
_AROBASE_OBSCURE = rf"{_ESP}*{_OUVRANTE}{_ESP}*(?:at|arobase|@){_ESP}*{_FERMANTE}{_ESP}*|{_ESP}+(?:at|arobase){_ESP}+"
_TLD = r"(?:com|fr|net|org|eu|info|be|ch|lu|ca|de|io|gouv|biz)(?![\w-])"
_POINT = rf"(?:\.|{_ESP}*\.{_ESP}*(?={_TLD})|{_ESP}*{_OUVRANTE}{_ESP}*(?:dot|point){_ESP}*{_FERMANTE}{_ESP}*|{_ESP}+(?:dot|point){_ESP}+)"
_ETIQUETTE = r"[\w-]+"
_COURRIEL = re.compile(
    rf"{_LOCAL}(?:"
    rf"{_AROBASE_SERREE}{_ETIQUETTE}(?:{_POINT}{_ETIQUETTE}){{0,8}}"  # « marc.petit@mairie » : sans domaine de 1er niveau
    rf"|(?:{_AROBASE_ESPACEE}|{_AROBASE_OBSCURE}){_ETIQUETTE}(?:{_POINT}{_ETIQUETTE}){{1,8}}"
    rf"|{_ESP}*{_OUVRANTE}{_ESP}*(?:at|arobase|@){_ESP}*{_FERMANTE}{_ESP}*{_ETIQUETTE}"  # « jean(at)mairie »
    r")",
    re.IGNORECASE,
)

# Téléphones : tout groupement et tout séparateur (espaces, points, tirets, barres obliques,
# jusqu'à 3 à la suite), premier groupe éventuellement entre parenthèses ; une date
# « 03/10/2022 » n'ouvre pas un numéro. Répétitions bornées : pas de retour arrière coûteux.
_SEP_TEL = r"[\s\u00a0\u202f./\-]{0,3}"
_DATE = r"\d{1,2}[/.\-]\d{1,2}[/.\-](?:19|20)\d\d(?!\d)"
_TELEPHONE = re.compile(
    r"(?<![\w+])(?:"
    r"(?:\+|00)[1-9]\d{0,2}(?:" + _SEP_TEL + r"\(0\))?(?:" + _SEP_TEL + r"\d){6,12}"  # international
    rf"|(?!{_DATE})(?:\(0{_SEP_TEL}[1-9]\)|0{_SEP_TEL}[1-9])(?:{_SEP_TEL}\d){{8}}"  # français, 10 chiffres
    r")(?![\d])"
)
_CODE_ENQUETEUR = re.compile(r"\bENQ(?:-[0-9A-Za-z]+|[_ ]?\d+[0-9A-Za-z]*)\b")

# Civilités : celles qui ne sont pas des mots courants se lisent en toute casse (« MADAME »,
# « mme », « Mr ») ; « M. », « MM. », « Me », « Ms », « Dr », « Pr » seulement telles quelles
# ou en capitales (« me », « ms », « pr » sont des mots ou des unités). Le point et l'espace
# qui suivent sont facultatifs l'un ou l'autre (« M.Lefebvre », « Mme.X », « Mme X »).
_CIVILITES_TOUTE_CASSE = tuple(c for c in CIVILITES if c[-1] != "." and c not in ("Me", "Ms", "Dr", "Pr"))
_CIVILITES_EXACTES = ("Me", "Ms", "Dr", "Pr")
_CIVILITES_A_POINT = tuple(c for c in CIVILITES if c[-1] == ".")  # « M. », « MM. »
_CIV_MOT = (
    "(?:(?i:"
    + "|".join(re.escape(c) for c in sorted(_CIVILITES_TOUTE_CASSE, key=len, reverse=True))
    + ")|"
    + "|".join(v for c in _CIVILITES_EXACTES for v in (c, c.upper()))
    + r")(?!\w)(?:\."
    + _ESP
    + r"*+|"
    + _ESP
    + r"++)"
)
_CIV_POINT = "(?:" + "|".join(re.escape(c) for c in _CIVILITES_A_POINT) + r")" + _ESP + "*+"
_PARTICULE = r"(?:(?i:" + "|".join(p.replace(" ", _ESP + "+") for p in PARTICULES) + r")" + _ESP + r"+|[dD]['’])"
_CIVILITE = re.compile(
    rf"(?<![\w.])(?:{_CIV_POINT}|{_CIV_MOT})"
    rf"{_PARTICULE}{{0,2}}{_MOT_NOM}(?:{_ESP}+{_PARTICULE}{{0,2}}{_MOT_NOM}){{0,2}}"
)
# Nom écrit en minuscules après une civilité (« madame kerbrat ») : tout mot qui n'est pas
# un mot courant (« Monsieur le maire », « madame est partie » restent lisibles).
_CIV_SAUF_MOTS_COURANTS = (
    "(?:(?i:"
    + "|".join(re.escape(c) for c in sorted(_CIVILITES_TOUTE_CASSE, key=len, reverse=True))
    + r")|Dr|DR|Pr|PR)(?!\w)(?:\."
    + _ESP
    + r"*+|"
    + _ESP
    + r"++)"
)
_CIVILITE_MINUSCULE = re.compile(
    rf"(?<![\w.])(?:{_CIV_POINT}|{_CIV_SAUF_MOTS_COURANTS})"
    rf"(?!(?i:{_alternative(MOTS_COURANTS)})(?![\w'’-])){_LETTRE}{{2,}}(?:-{_LETTRE}+)*(?![\w'’])"
    rf"(?:{_ESP}+{_MOT_NOM}){{0,2}}"
)


_PRENOM = _alternative(PRENOMS_COURANTS)
_PRENOM_COMPOSE = rf"{_PRENOM}(?:-{_SEGMENT_NOM})*"  # « Jean-Pierre », « Marie-Odile »
_PRENOM_NOM = re.compile(rf"(?<![\w-]){_PRENOM_COMPOSE}{_ESP}+(?:{_MOT_NOM})")
_CAPITALES_PRENOM = re.compile(rf"(?<![\w-]){_MOT_CAPITALES}{_ESP}+{_PRENOM_COMPOSE}(?![\w])")
MOTIFS = (_COURRIEL, _TELEPHONE, _CODE_ENQUETEUR, _CIVILITE, _CIVILITE_MINUSCULE, _PRENOM_NOM, _CAPITALES_PRENOM)


@functools.lru_cache(maxsize=8)
def _motif_codes(codes: tuple) -> re.Pattern | None:
    """Expression qui repère ces codes exacts, casse ignorée (arbre de préfixes : rapide même
    pour des milliers de codes)."""
    corps = _alternative(code.casefold() for code in codes)
    return re.compile(rf"(?<!\w)(?:{corps})(?!\w)", re.IGNORECASE) if corps else None


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


def _masquer(texte: str, codes) -> str:
    texte = masquer_codes(texte, codes)
    texte = _COURRIEL.sub(MASQUE_COURRIEL, texte)
    texte = _TELEPHONE.sub(MASQUE_TELEPHONE, texte)
    texte = _CODE_ENQUETEUR.sub(MASQUE_CODE, texte)
    for motif in (_CIVILITE, _CIVILITE_MINUSCULE, _PRENOM_NOM, _CAPITALES_PRENOM):
        texte = motif.sub(MASQUE_NOM, texte)
    return texte


def _masquer_debut(texte: str, codes, longueur_max: int) -> str:
    """Masque le début d'un long texte dont seul un extrait sera imprimé : les
    ``FACTEUR_PLAFOND × longueur_max`` premiers caractères. Le début masqué doit rester
    identique quand on ajoute ``MARGE_PLAFOND`` caractères (aucun motif à cheval sur la
    coupure), sinon tout le texte est masqué."""
    coupe = FACTEUR_PLAFOND * longueur_max
    if len(texte) <= coupe + MARGE_PLAFOND:
        return _masquer(texte, codes)
    debut, temoin = _masquer(texte[:coupe], codes), _masquer(texte[: coupe + MARGE_PLAFOND], codes)
    stable = len(debut) > 2 * longueur_max and temoin.startswith(debut[: 2 * longueur_max])
    return debut[: 2 * longueur_max] if stable else _masquer(texte, codes)


def masquer_texte(texte, codes=(), longueur_max: int | None = LONGUEUR_MAX_EXTRAIT) -> str:
    """Masque courriels, téléphones, noms de personnes et codes d'enquêteurs d'un texte libre,
    et plafonne sa longueur (``longueur_max=None`` : texte entier).

    Le texte est normalisé en NFC (lettres accentuées composées). Les motifs sont sûrs
    contre le retour arrière catastrophique : le temps croît linéairement avec la longueur ;
    un texte dont on n'imprime qu'un extrait n'est masqué que sur son début
    (``_masquer_debut``).

    >>> masquer_texte("Merci à Mme Odile Fermenthal (06 12 34 56 78), écrire à prenom.nom@exemple.fr")
    'Merci à [nom masqué] ([téléphone masqué]), écrire à [courriel masqué]'
    >>> masquer_texte("Joindre Gaëtan Brasdelune au +33 6 12 34 56 78.")
    'Joindre [nom masqué] au [téléphone masqué].'
    >>> masquer_texte("Reçu par madame kerbrat et Jean-Pierre Dupont (06/12/34/56/78).")
    'Reçu par [nom masqué] et [nom masqué] ([téléphone masqué]).'
    """
    if texte is None or (not isinstance(texte, str) and pd.isna(texte)):
        return ""
    texte = unicodedata.normalize("NFC", str(texte))
    if longueur_max is None:
        return _masquer(texte, codes)
    return plafonner(_masquer_debut(texte, codes, longueur_max), longueur_max)


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
    return any(m.search(unicodedata.normalize("NFC", texte)) for m in MOTIFS)
