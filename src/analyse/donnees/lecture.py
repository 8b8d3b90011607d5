"""Lecture des fichiers bruts selon le contrat de données (``donnees-brutes.md``).

Encodages UTF-8 (avec ou sans BOM) et Windows-1252, séparateurs ``;`` et ``,``,
virgules décimales, dates ``JJ/MM/AAAA`` ou ``AAAA-MM-JJ``, fichiers ``.xlsx``.
Toute cellule est lue comme texte : les identifiants gardent leurs zéros.
Rien n'est complété ni décalé en silence : une ligne qui a moins (ou plus) de champs que
l'en-tête, un en-tête en double ou vide au-dessus de valeurs, un fichier UTF-16 (avec ou
sans BOM) ou un octet nul sont des fautes de fichier qui disent la ligne.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import os
import re
import unicodedata
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

VALEURS_ABSENTES = frozenset({"", "na", "n/a", "sans objet", "nc"})
_BOM_UTF8 = b"\xef\xbb\xbf"
_RE_DATE_FR = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")
_RE_DATE_ISO = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}(?:[ T]00:00(?::00)?)?$")
_ESPACES_MILLIERS = str.maketrans("", "", " \u00a0\u202f\u2009")
_RE_ENTIER_ECRIT = re.compile(r"[+-]?\d+(?:[.,]0*)?")


class ErreurDonnees(Exception):
    """Faute bloquante dans un fichier brut : dit le fichier, la ligne, la colonne,
    ce qui a été trouvé et ce qui était attendu."""

    def __init__(self, fichier, message, ligne=None, colonne=None):
        self.fichier = str(fichier)
        self.message = message
        self.ligne = ligne
        self.colonne = colonne
        super().__init__(str(self))

    def __str__(self) -> str:
        lieu = [f"fichier « {self.fichier} »"]
        if self.ligne is not None:
            lieu.append(f"ligne {self.ligne}")
        if self.colonne is not None:
            lieu.append(f"colonne « {self.colonne} »")
        return f"Erreur de données — {', '.join(lieu)} : {self.message}"


@dataclasses.dataclass
class TableBrute:
    """Un fichier brut lu : cellules en texte (absentes = NaN), en-têtes normalisés,
    numéro de ligne du fichier pour chaque enregistrement."""

    fichier: str
    donnees: pd.DataFrame
    lignes: np.ndarray
    entetes: dict  # nom normalisé -> en-tête tel qu'écrit dans le fichier
    encodage: str = "utf-8"
    separateur: str = ";"

    def __len__(self) -> int:
        return len(self.donnees)

    def entete(self, colonne: str) -> str:
        """En-tête d'origine d'une colonne normalisée (pour les messages)."""
        return self.entetes.get(colonne, colonne)

    def exiger_colonnes(self, colonnes) -> None:
        """Lève une erreur si une colonne obligatoire manque."""
        manquantes = [c for c in colonnes if c not in self.donnees.columns]
        if manquantes:
            raise ErreurDonnees(
                self.fichier,
                f"colonne(s) obligatoire(s) absente(s) : {', '.join(manquantes)} "
                f"(colonnes trouvées : {', '.join(self.entetes.values())})",
                ligne=1,
                colonne=manquantes[0],
            )


def normaliser_entete(nom: str) -> str:
    """Nom de colonne comparable : espaces retirés, minuscules, sans accents.

    >>> normaliser_entete("  Année ")
    'annee'
    """
    texte = unicodedata.normalize("NFKD", str(nom).replace("\ufeff", ""))
    texte = "".join(c for c in texte if not unicodedata.combining(c))
    return re.sub(r"[\s\-]+", "_", texte.strip().casefold())


def decoder(octets: bytes, fichier: str) -> tuple[str, str]:
    """Décode un fichier UTF-8 (BOM accepté) ou Windows-1252 ; refuse le reste.

    >>> decoder("é".encode("cp1252"), "f.csv")
    ('é', 'cp1252')
    """
    if octets.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ErreurDonnees(
            fichier, "encodage UTF-16 non pris en charge : enregistrez le fichier en UTF-8 (ou Windows-1252)", ligne=1
        )
    _refuser_octets_nuls(octets, fichier)
    bom = octets.startswith(_BOM_UTF8)
    if bom:
        octets = octets[len(_BOM_UTF8) :]
    try:
        return octets.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    _refuser_encodage_mixte(octets, fichier, bom)
    try:
        return octets.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as erreur:
        ligne = octets[: erreur.start].count(b"\n") + 1
        raise ErreurDonnees(
            fichier,
            f"encodage illisible : octet 0x{octets[erreur.start]:02X} ni UTF-8 ni Windows-1252",
            ligne=ligne,
        ) from None


def _refuser_encodage_mixte(octets: bytes, fichier: str, bom: bool) -> None:
    """L'encodage se décide ligne par ligne, UTF-8 d'abord : un fichier dont une ligne est de
    l'UTF-8 (caractères non ASCII bien formés, ou BOM) et une autre non est refusé en nommant
    la première ligne fautive, au lieu d'être décodé tout entier en Windows-1252 (noms
    abîmés en silence). Un fichier entièrement en Windows-1252 passe.
    """
    preuve_utf8, premiere_fautive = 1 if bom else None, None
    for numero, ligne in enumerate(octets.split(b"\n"), start=1):
        if ligne.isascii():
            continue
        try:
            ligne.decode("utf-8")
        except UnicodeDecodeError as erreur:
            premiere_fautive = premiere_fautive or (numero, ligne[erreur.start])
        else:
            preuve_utf8 = preuve_utf8 or numero
        if preuve_utf8 and premiere_fautive:
            numero_fautif, octet = premiere_fautive
            raise ErreurDonnees(
                fichier,
                f"encodage mixte : le fichier est en UTF-8 ({'BOM' if bom else f'ligne {preuve_utf8}'}) mais cette "
                f"ligne ne l'est pas (octet 0x{octet:02X}, Windows-1252 ?) ; rien n'est décodé au hasard : "
                "enregistrez tout le fichier en UTF-8",
                ligne=numero_fautif,
            )


def _refuser_octets_nuls(octets: bytes, fichier: str) -> None:
    """UTF-16 sans BOM (un octet nul sur deux) ou octet nul isolé : faute de fichier claire."""
    position = octets.find(b"\x00")
    if position < 0:
        return
    echantillon = octets[:4096]
    if max(echantillon[0::2].count(0), echantillon[1::2].count(0)) >= len(echantillon) // 4:
        raise ErreurDonnees(
            fichier,
            "encodage UTF-16 sans BOM (un octet nul sur deux) non pris en charge : "
            "enregistrez le fichier en UTF-8 (ou Windows-1252)",
            ligne=1,
        )
    raise ErreurDonnees(
        fichier, "octet nul dans le fichier (fichier binaire ou abîmé ?)", ligne=octets[:position].count(b"\n") + 1
    )


def detecter_separateur(texte: str) -> str:
    """``;`` ou ``,`` selon la ligne d'en-tête (hors guillemets).

    >>> detecter_separateur("a;b;c\\n1,5;2;3")
    ';'
    """
    entete = texte.split("\n", 1)[0]
    hors_guillemets = re.sub(r'"[^"]*"', "", entete)
    return ";" if hors_guillemets.count(";") >= hors_guillemets.count(",") else ","


@contextlib.contextmanager
def _limite_de_champ(taille: int):
    """Relève le plafond de taille d'un champ du module ``csv`` (131 072 par défaut)."""
    ancienne = csv.field_size_limit()
    csv.field_size_limit(max(ancienne, taille + 1))
    try:
        yield
    finally:
        csv.field_size_limit(ancienne)


def _enregistrements(texte: str, separateur: str):
    """(ligne de début, champs) de chaque enregistrement non blanc ; hors en-tête, la voie rapide
    (fichier sans guillemets ni retour chariot isolé : un enregistrement par ligne) ne donne que
    le nombre de champs."""
    if '"' not in texte and texte.count("\r") == texte.count("\r\n"):
        entete_vu = False
        for numero, ligne in enumerate(texte.split("\n"), start=1):
            ligne = ligne.rstrip("\r")
            if not ligne.strip():
                continue
            yield numero, (ligne.count(separateur) + 1 if entete_vu else ligne.split(separateur))
            entete_vu = True
        return
    with _limite_de_champ(len(texte)):
        lecteur = csv.reader(io.StringIO(texte, newline=""), delimiter=separateur)
        precedente = 0
        for champs in lecteur:
            debut, precedente = precedente + 1, lecteur.line_num
            if len(champs) > 1 or (champs and champs[0].strip()):
                yield debut, champs


def structure_csv(texte: str, separateur: str, fichier: str) -> tuple[list[str], np.ndarray]:
    """En-têtes tels qu'écrits et numéro de ligne de chaque enregistrement (en-tête = ligne 1
    en général) ; faute de fichier si un enregistrement n'a pas autant de champs que l'en-tête.

    >>> structure_csv('a;b\\n1;"x\\ny"\\n\\n3;4\\n', ";", "f.csv")
    (['a', 'b'], array([2, 5]))
    """
    entetes, debuts = None, []
    for debut, champs in _enregistrements(texte, separateur):
        if entetes is None:
            entetes = list(champs)
            continue
        n = champs if isinstance(champs, int) else len(champs)
        if n != len(entetes):
            quoi = "trop courte" if n < len(entetes) else "trop longue"
            raise ErreurDonnees(
                fichier,
                f"ligne {quoi} : {n} champ(s) au lieu de {len(entetes)} (séparateur "
                f"« {separateur} ») ; rien n'est complété ni décalé",
                ligne=debut,
            )
        debuts.append(debut)
    return entetes or [], np.asarray(debuts, dtype=np.int64)


def _sans_lignes_blanches_initiales(texte: str) -> tuple[str, int]:
    """Texte à partir de la ligne d'en-tête, et nombre de lignes blanches retirées avant elle.

    >>> _sans_lignes_blanches_initiales("\\n \\na;b\\n")
    ('a;b\\n', 2)
    """
    debut = len(texte) - len(texte.lstrip(" \t\r\n"))
    debut = texte.rfind("\n", 0, debut) + 1
    return texte[debut:], texte[:debut].count("\n")


def _sans_colonnes_anonymes_vides(df: pd.DataFrame, entetes: list, lignes: np.ndarray, fichier: str):
    """Retire les colonnes sans en-tête et sans aucune valeur (séparateur final) ; une colonne
    sans en-tête qui contient une valeur est une faute de fichier."""
    garder = []
    for position, nom in enumerate(entetes):
        if normaliser_entete("" if nom is None or pd.isna(nom) else nom):
            garder.append(position)
            continue
        remplies = df.iloc[:, position].astype("str").str.strip().ne("") & df.iloc[:, position].notna()
        if remplies.any():
            i = int(np.flatnonzero(remplies.to_numpy())[0])
            raise ErreurDonnees(
                fichier,
                f"en-tête vide en position {position + 1} au-dessus d'une valeur (ligne {int(lignes[i])})",
                ligne=1,
            )
    df = df.iloc[:, garder]
    df.columns = range(len(garder))
    return df, [entetes[i] for i in garder]


def _entetes_normalises(colonnes, fichier: str) -> dict:
    entetes = {}
    for position, nom in enumerate(colonnes, start=1):
        cle = normaliser_entete(nom)
        if not cle:
            raise ErreurDonnees(fichier, f"en-tête vide en position {position}", ligne=1)
        if cle in entetes:
            raise ErreurDonnees(fichier, f"colonne en double : « {nom} »", ligne=1, colonne=nom)
        entetes[cle] = str(nom).replace("\ufeff", "").strip()
    return entetes


def _nettoyer_cellules(df: pd.DataFrame) -> pd.DataFrame:
    """Espaces retirés ; cellules vides, NA, N/A, Sans objet, NC -> absentes."""
    propres = {}
    for colonne in df.columns:
        serie = df[colonne].astype("str").str.strip()
        absente = serie.str.casefold().isin(VALEURS_ABSENTES) | serie.isna()
        propres[colonne] = serie.mask(absente)
    return pd.DataFrame(propres, index=df.index)


def _lire_csv(chemin: Path, fichier: str) -> TableBrute:
    octets = chemin.read_bytes()
    if not octets.strip(_BOM_UTF8 + b" \r\n\t"):
        raise ErreurDonnees(fichier, "fichier vide (en-tête attendu)", ligne=1)
    texte, encodage = decoder(octets, fichier)
    del octets
    texte, decalage = _sans_lignes_blanches_initiales(texte)
    separateur = detecter_separateur(texte)
    noms, lignes = structure_csv(texte, separateur, fichier)
    lignes += decalage
    try:
        df = pd.read_csv(
            io.StringIO(texte),
            sep=separateur,
            dtype=str,
            header=None,
            skiprows=1,
            names=range(len(noms)),
            index_col=False,
            keep_default_na=False,
            na_values=[""],
            skip_blank_lines=True,
            engine="c",
        )
    except pd.errors.ParserError as erreur:
        trouve = re.search(r"line (\d+)", str(erreur))
        ligne = int(trouve.group(1)) if trouve else None
        raise ErreurDonnees(
            fichier, f"ligne mal formée (nombre de champs incorrect, séparateur « {separateur} »)", ligne=ligne
        ) from None
    if len(df) != len(lignes):
        raise ErreurDonnees(
            fichier,
            f"structure ambiguë : {len(df)} enregistrement(s) lus contre {len(lignes)} "
            "attendus (guillemets mal fermés ?)",
            ligne=int(lignes[-1]) if len(lignes) else 1,
        )
    df, noms = _sans_colonnes_anonymes_vides(df, noms, lignes, fichier)
    entetes = _entetes_normalises(noms, fichier)
    df.columns = list(entetes)
    df = _nettoyer_cellules(df)
    return _sans_lignes_vides(TableBrute(fichier, df, lignes, entetes, encodage, separateur))


def _cellule_excel_en_texte(valeur):
    if valeur is None or (isinstance(valeur, float) and np.isnan(valeur)):
        return None
    if isinstance(valeur, bool):
        return "Oui" if valeur else "Non"
    if isinstance(valeur, float) and valeur.is_integer():
        return str(int(valeur))
    if isinstance(valeur, (pd.Timestamp,)) or hasattr(valeur, "isoformat"):
        return valeur.isoformat()[:10]
    return str(valeur)


# Classeur creux : une cellule égarée en A1048576 donne une plage d'un million de lignes, que
# calamine (comme pandas) alloue en entier (plus de 8 Go pour un fichier de 3 Mo). Au-delà de
# ce rapport entre la plage réellement écrite et le nombre de cellules, la feuille est lue
# en flux, ligne à ligne, sans les lignes vides.
CELLULES_DENSES_MAX = 2_000_000
_CELLULE_XML = re.compile(rb"<(?:[A-Za-z]+:)?c[\s/>]")
_REFERENCE_XML = re.compile(rb'<(?:[A-Za-z]+:)?c\s[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"')


def _feuille_1(archive: zipfile.ZipFile) -> str:
    """Chemin, dans l'archive, du XML de la première feuille (classeur, puis ses relations)."""
    classeur = archive.read("xl/workbook.xml")
    ident = re.search(rb'<(?:[A-Za-z]+:)?sheet\s[^>]*?\br:id="([^"]+)"', classeur)
    relations = archive.read("xl/_rels/workbook.xml.rels")
    for relation in re.findall(rb"<Relationship\s[^>]*>", relations):
        if ident and re.search(rb'\bId="' + re.escape(ident.group(1)) + rb'"', relation):
            cible = re.search(rb'\bTarget="([^"]+)"', relation).group(1).decode()
            return cible.lstrip("/") if cible.startswith("/") else "xl/" + cible
    raise KeyError("première feuille introuvable")


def _numero_colonne(lettres: bytes) -> int:
    numero = 0
    for octet in lettres:
        numero = numero * 26 + octet - 64
    return numero


def _feuille_creuse(chemin: Path) -> bool:
    """Vrai si la plage écrite de la première feuille (dernière ligne × dernière colonne) est
    bien plus grande que son nombre de cellules, ou si des cellules n'ont pas de référence ;
    lecture en flux du XML, mémoire bornée."""
    with zipfile.ZipFile(chemin) as archive, archive.open(_feuille_1(archive)) as xml:
        cellules = references = ligne_max = colonne_max = 0
        reste = b""
        while morceau := xml.read(1 << 20):
            bloc = reste + morceau
            coupe = bloc.rfind(b">") + 1
            bloc, reste = bloc[:coupe], bloc[coupe:]
            cellules += len(_CELLULE_XML.findall(bloc))
            for lettres, ligne in _REFERENCE_XML.findall(bloc):
                references += 1
                ligne_max, colonne_max = max(ligne_max, int(ligne)), max(colonne_max, _numero_colonne(lettres))
    return references < cellules or ligne_max * colonne_max > max(4 * cellules, CELLULES_DENSES_MAX)


def _lignes_en_flux(chemin: Path) -> tuple[list, list[int]]:
    """Lignes non vides de la première feuille et leur numéro, lues en flux (openpyxl en
    lecture seule, plage déclarée ignorée) : mémoire proportionnelle aux cellules écrites."""
    import openpyxl

    classeur = openpyxl.load_workbook(chemin, read_only=True, data_only=True)
    try:
        feuille = classeur.worksheets[0]
        feuille.reset_dimensions()
        lignes, numeros = [], []
        for numero, valeurs in enumerate(feuille.iter_rows(values_only=True), start=1):
            if numero == 1 or any(v is not None and str(v).strip() for v in valeurs):
                lignes.append(valeurs)
                numeros.append(numero)
    finally:
        classeur.close()
    return lignes, numeros


def _feuille_brute(chemin: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """Cellules de la première feuille (ligne 1 = en-tête) et numéro de ligne de chaque
    enregistrement ; lecture dense (calamine) ou en flux selon ``_feuille_creuse``."""
    if _feuille_creuse(chemin):
        lignes, numeros = _lignes_en_flux(chemin)
        utiles = sorted({i for ligne in lignes for i, v in enumerate(ligne) if v is not None and str(v).strip()})
        brut = pd.DataFrame([[l[i] if i < len(l) else None for i in utiles] for l in lignes], dtype=object)
        return brut, np.asarray(numeros[1:], dtype=np.int64)
    brut = pd.read_excel(chemin, sheet_name=0, dtype=object, header=None, engine=_moteur_excel())
    return brut, np.arange(2, len(brut) + 1, dtype=np.int64)


def _lire_xlsx(chemin: Path, fichier: str) -> TableBrute:
    try:
        brut, lignes = _feuille_brute(chemin)
    except Exception as erreur:  # fichier corrompu, format inattendu
        raise ErreurDonnees(fichier, f"classeur Excel illisible ({erreur.__class__.__name__})") from None
    if brut.empty:
        raise ErreurDonnees(fichier, "feuille vide (en-tête attendu)", ligne=1)
    noms = [_cellule_excel_en_texte(v) for v in brut.iloc[0]]
    df = brut.iloc[1:].reset_index(drop=True)
    df.columns = range(df.shape[1])
    df = df.apply(lambda s: s.map(_cellule_excel_en_texte)).astype("str")
    df, noms = _sans_colonnes_anonymes_vides(df, noms, lignes, fichier)
    entetes = _entetes_normalises(noms, fichier)
    df.columns = list(entetes)
    df = _nettoyer_cellules(df)
    return _sans_lignes_vides(TableBrute(fichier, df, lignes, entetes, "xlsx", ""))


def _moteur_excel() -> str:
    try:
        import python_calamine  # noqa: F401

        return "calamine"
    except ImportError:
        return "openpyxl"


def _sans_lignes_vides(table: TableBrute) -> TableBrute:
    pleines = table.donnees.notna().any(axis=1).to_numpy()
    if pleines.all():
        return table
    table.donnees = table.donnees.loc[pleines].reset_index(drop=True)
    table.lignes = table.lignes[pleines]
    return table


def racine_des_liens(chemin: Path) -> Path:
    """Dossier dont un lien symbolique ne doit pas sortir : le dossier ``raw`` le plus proche
    au-dessus du fichier, sinon le dossier du fichier.

    >>> racine_des_liens(Path("/d/raw/2022/avis.csv")).as_posix(), racine_des_liens(Path("/d/x.csv")).as_posix()
    ('/d/raw', '/d')
    """
    absolu = Path(os.path.abspath(chemin))
    return next((p for p in absolu.parents if p.name == "raw"), absolu.parent)


def verifier_fichier(chemin: Path, fichier: str, racine: Path | None = None) -> None:
    """Faute de fichier (jamais une trace Python) si ``chemin`` n'existe pas, n'est pas un
    fichier ordinaire (dossier, lien cassé) ou est un lien qui mène hors de ``racine``
    (par défaut ``racine_des_liens``) ; le message ne cite rien de la cible.

    >>> verifier_fichier(Path("/"), "raw/avis.csv")
    Traceback (most recent call last):
    analyse.donnees.lecture.ErreurDonnees: Erreur de données — fichier « raw/avis.csv » : c'est un dossier, pas un fichier
    """
    if chemin.is_symlink() or any(p.is_symlink() for p in Path(os.path.abspath(chemin)).parents):
        limite = Path(os.path.realpath(racine if racine is not None else racine_des_liens(chemin)))
        cible = Path(os.path.realpath(chemin))
        if cible != limite and limite not in cible.parents:
            raise ErreurDonnees(fichier, f"lien symbolique qui mène hors de « {limite.name}/ » : refusé")
    if chemin.is_dir():
        raise ErreurDonnees(fichier, "c'est un dossier, pas un fichier")
    if not chemin.exists():
        raise ErreurDonnees(fichier, "lien symbolique cassé" if chemin.is_symlink() else "fichier introuvable")
    if not chemin.is_file():
        raise ErreurDonnees(fichier, "ce n'est pas un fichier ordinaire (tube, périphérique…)")


def lire_table(chemin: Path | str, nom_affiche: str | None = None, racine: Path | None = None) -> TableBrute:
    """Lit un fichier brut ``.csv`` ou ``.xlsx`` (première feuille) en texte ; un dossier, un
    lien cassé ou un lien qui sort de ``racine`` (``racine_des_liens`` par défaut) sont des
    fautes de fichier (``verifier_fichier``).

    >>> lire_table("data/raw/2022/participants.csv")  # doctest: +SKIP
    """
    chemin = Path(chemin)
    fichier = nom_affiche or str(chemin)
    verifier_fichier(chemin, fichier, racine)
    if chemin.suffix.lower() == ".xlsx":
        return _lire_xlsx(chemin, fichier)
    return _lire_csv(chemin, fichier)


def convertir_nombres(serie: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Texte -> nombres (virgule ou point décimal, espaces de milliers).

    Renvoie les valeurs (NaN si absentes ou invalides) et le masque des invalides.

    >>> convertir_nombres(pd.Series(["3,5", "1 234", None, "abc"]))[0].tolist()
    [3.5, 1234.0, nan, nan]
    """
    presentes = serie.notna()
    texte = serie.astype("str").str.translate(_ESPACES_MILLIERS).str.replace(",", ".", regex=False)
    valeurs = pd.to_numeric(texte.where(presentes), errors="coerce").astype(float)
    invalides = presentes & (valeurs.isna() | ~np.isfinite(valeurs.fillna(0)))
    return valeurs.where(~invalides), invalides


def convertir_entiers(serie: pd.Series, minimum=None, maximum=None) -> tuple[pd.Series, pd.Series]:
    """Texte -> entiers (``Int64``), avec bornes facultatives ; renvoie aussi les invalides.
    Seuls des chiffres sont acceptés (signe, espaces de milliers, « ,0 ») : « 2,9e4 »
    (notation scientifique), « inf » ou « 0x10 » sont invalides.

    >>> convertir_entiers(pd.Series(["3", "4,0", "2.5", "9", "2,9e4"]), 1, 4)[1].tolist()
    [False, False, True, True, True]
    """
    valeurs, invalides = convertir_nombres(serie)
    ecrits = serie.astype("str").str.translate(_ESPACES_MILLIERS)
    ecrits_en_chiffres = ecrits.str.fullmatch(_RE_ENTIER_ECRIT.pattern).fillna(False).astype(bool)
    invalides = invalides | (serie.notna() & ~ecrits_en_chiffres)
    invalides = invalides | (valeurs.notna() & (valeurs != np.round(valeurs)))
    if minimum is not None:
        invalides |= valeurs < minimum
    if maximum is not None:
        invalides |= valeurs > maximum
    return valeurs.where(~invalides).round().astype("Int64"), invalides


def convertir_dates(serie: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Texte ``JJ/MM/AAAA`` ou ``AAAA-MM-JJ`` -> dates ; renvoie aussi les invalides.

    >>> convertir_dates(pd.Series(["28/11/2026", "2026-11-28", "31/02/2020"]))[1].tolist()
    [False, False, True]
    """
    texte = serie.astype("str")
    presentes = serie.notna()
    francaises = presentes & texte.str.match(_RE_DATE_FR.pattern).fillna(False).astype(bool)
    iso = presentes & texte.str.match(_RE_DATE_ISO.pattern).fillna(False).astype(bool)
    dates = pd.Series(pd.NaT, index=serie.index, dtype="datetime64[ns]")
    if francaises.any():
        dates[francaises] = pd.to_datetime(texte[francaises], format="%d/%m/%Y", errors="coerce")
    if iso.any():
        dates[iso] = pd.to_datetime(
            texte[iso].str.split(r"[ T]", regex=True).str[0], format="%Y-%m-%d", errors="coerce"
        )
    invalides = presentes & dates.isna()
    return dates, invalides
