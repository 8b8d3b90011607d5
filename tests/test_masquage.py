"""Masquage des textes libres (issue 16, point 5) : contournements relevés, variantes en table,
propriétés Hypothesis (lettres Unicode, séparateurs, espacements) et temps linéaire."""

from __future__ import annotations

import time
import unicodedata

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from analyse.donnees import confidentialite as c, stockage
from analyse.rapports import fiche, suivi

NOM, TEL, COURRIEL = c.MASQUE_NOM, c.MASQUE_TELEPHONE, c.MASQUE_COURRIEL

# (texte, attendu) : chaque contournement de l'issue 16, puis des voisins.
CAS_ISSUE_16 = [
    ("Rappeler le 06/12/34/56/78 demain", f"Rappeler le {TEL} demain"),
    ("Rappeler le (06) 12 34 56 78 demain", f"Rappeler le {TEL} demain"),
    ("Écrire à jean.dupont @ gmail.com svp", f"Écrire à {COURRIEL} svp"),
    ("Merci à madame kerbrat pour tout", f"Merci à {NOM} pour tout"),
    ("Reçu par M.Lefebvre ce matin", f"Reçu par {NOM} ce matin"),
    ("Vu avec Mme.X hier", f"Vu avec {NOM} hier"),
    ("Merci à Mme Ñúñez !", f"Merci à {NOM} !"),
    ("Dossier suivi par M. Øvergaard.", f"Dossier suivi par {NOM}."),
    ("Rendez-vous avec Dr Łukasiewicz lundi", f"Rendez-vous avec {NOM} lundi"),
    ("Merci à Mme Nguyễn pour son aide", f"Merci à {NOM} pour son aide"),
    ("Jean-Pierre Dupont m'a bien reçu", f"{NOM} m'a bien reçu"),
    # variantes
    ("Appeler le 06.12.34.56.78", f"Appeler le {TEL}"),
    ("Appeler le 06-12-34-56-78", f"Appeler le {TEL}"),
    ("Appeler le 06 / 12 / 34 / 56 / 78", f"Appeler le {TEL}"),
    ("Appeler le 0612 34 56 78", f"Appeler le {TEL}"),
    ("Appeler le 06 1234 5678", f"Appeler le {TEL}"),
    ("Appeler le (01)23456789", f"Appeler le {TEL}"),
    ("Appeler le +33 (0)6 12 34 56 78", f"Appeler le {TEL}"),
    ("Écrire à jean.dupont@ gmail.com", f"Écrire à {COURRIEL}"),
    ("Écrire à jean.dupont (at) gmail (dot) com", f"Écrire à {COURRIEL}"),
    ("Écrire à jean.dupont [arobase] gmail [point] fr", f"Écrire à {COURRIEL}"),
    ("Écrire à jean.dupont @ gmail . com", f"Écrire à {COURRIEL}"),
    ("MADAME KERBRAT a répondu", f"{NOM} a répondu"),
    ("mme kerbrat a répondu", f"{NOM} a répondu"),
    ("MaDaMe Kerbrat a répondu", f"{NOM} a répondu"),
    ("Mme. Dupont a répondu", f"{NOM} a répondu"),
    ("Mme\u00a0Dupont a répondu", f"{NOM} a répondu"),
    ("M.  Dupont a répondu", f"{NOM} a répondu"),
    ("MM.Dupont et Durand", f"{NOM} et Durand"),
    ("Mme A. Dupont a répondu", f"{NOM} a répondu"),
    ("Mlle Ægidius et Mme Şahin", f"{NOM} et {NOM}"),
    ("Merci à Mme Nguye\u0302\u0303n (forme décomposée)", f"Merci à {NOM} (forme décomposée)"),
    ("Marie-Odile Fermenthal et Jean-Kévin Martin", f"{NOM} et {NOM}"),
    ("DUPONT Jean-Pierre, agent", f"{NOM}, agent"),
    ("Accueil par Mme O'Brien", f"Accueil par {NOM}"),
    # rien à masquer
    ("Monsieur le maire a répondu", "Monsieur le maire a répondu"),
    ("Madame la directrice est venue", "Madame la directrice est venue"),
    ("madame est partie sans répondre", "madame est partie sans répondre"),
    ("Bonjour Madame, merci", "Bonjour Madame, merci"),
    ("Me voici, ma demande est simple", "Me voici, ma demande est simple"),
    ("Temps de réponse : 200 ms de latence", "Temps de réponse : 200 ms de latence"),
    ("le 03/10/2022 14 h, guichet 2", "le 03/10/2022 14 h, guichet 2"),
    ("Ouvert de 8 h 30 à 12 h, le 03/10/2022", "Ouvert de 8 h 30 à 12 h, le 03/10/2022"),
    ("Budget de 1 234 567 euros pour 2022", "Budget de 1 234 567 euros pour 2022"),
    ("Rendez-vous @ la mairie à 14 h", "Rendez-vous @ la mairie à 14 h"),
    ("Très bon accueil à la Mairie de Saint-Malo, merci.", "Très bon accueil à la Mairie de Saint-Malo, merci."),
    ("Rue Jean-Jaurès, à côté de la poste", "Rue Jean-Jaurès, à côté de la poste"),
]


@pytest.mark.parametrize("texte, attendu", CAS_ISSUE_16)
def test_cas_de_l_issue_16_et_variantes(texte, attendu):
    assert c.masquer_texte(texte) == attendu
    assert c.contient_donnees_personnelles(texte) == (texte != attendu)


# --------------------------------------------------------------------------- propriétés

PROPRIETES = settings(
    derandomize=True,
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
AVANT = st.sampled_from(["", "Merci à ", "Appeler ", "(", "Vu avec\u00a0", "Texte.\n"])
APRES = st.sampled_from(["", " merci", ", svp.", ")", " !", "\n"])

# Téléphones : 10 chiffres 0X…, dans les groupements français usuels, tout séparateur.
GROUPEMENTS = [(2, 2, 2, 2, 2), (1, 3, 3, 3), (4, 2, 2, 2), (2, 4, 4), (4, 3, 3), (3, 3, 2, 2), (10,)]
SEPARATEURS_TEL = [" ", ".", "-", "/", "\u00a0", "\u202f", "  ", " - ", " / ", " . "]


@st.composite
def telephones(draw) -> str:
    chiffres = (
        "0"
        + str(draw(st.integers(1, 9)))
        + "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=8, max_size=8)))
    )
    groupement, sep = draw(st.sampled_from(GROUPEMENTS)), draw(st.sampled_from(SEPARATEURS_TEL))
    groupes, i = [], 0
    for taille in groupement:
        groupes.append(chiffres[i : i + taille])
        i += taille
    forme = draw(st.sampled_from(["national", "parentheses", "international", "international_0"]))
    if forme == "parentheses" and groupement[0] == 2:
        groupes[0] = f"({groupes[0]})"
    elif forme.startswith("international"):
        reste = chiffres[1:]
        groupes = ["+33" + (" (0)" if forme == "international_0" else ""), reste[0]] + [
            reste[j : j + 2] for j in range(1, 9, 2)
        ]
    return sep.join(groupes)


@given(avant=AVANT, tel=telephones(), apres=APRES)
@PROPRIETES
def test_telephones_de_tout_groupement(avant, tel, apres):
    assert c.masquer_texte(avant + tel + apres) == avant + TEL + apres


_LOCAL = st.from_regex(r"[a-z][a-z0-9]{0,8}(?:[._-][a-z0-9]{1,8}){0,2}", fullmatch=True)
_LABEL = st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9]", fullmatch=True)
AROBASES = [
    "@",
    " @ ",
    "@ ",
    " @",
    "(at)",
    " (at) ",
    "[at]",
    " [at] ",
    "{at}",
    " arobase ",
    " at ",
    "(arobase)",
    " <at> ",
]
POINTS = [".", " (dot) ", "(dot)", " [point] ", " point ", " dot "]


@given(
    avant=AVANT,
    local=_LOCAL,
    domaine=_LABEL,
    tld=st.sampled_from(["fr", "com", "org", "net", "eu"]),
    arobase=st.sampled_from(AROBASES),
    point=st.sampled_from(POINTS),
    apres=APRES,
)
@PROPRIETES
def test_courriels_obscurcis(avant, local, domaine, tld, arobase, point, apres):
    texte = avant + local + arobase + domaine + point + tld + apres
    assert c.masquer_texte(texte) == avant + COURRIEL + apres


# Noms : lettres Unicode du plan de base (majuscule initiale, puis minuscules), diacritiques
# en forme composée ou décomposée, composés à trait d'union.
_MAJUSCULES = st.characters(categories=["Lu"], max_codepoint=0xFFFF)
_MINUSCULES = st.characters(categories=["Ll"], max_codepoint=0xFFFF)
_MINUSCULES_LATINES = st.sampled_from("abcdefghijklmnopqrstuvwxyzàâäçéèêëîïôöùûüÿœæñøłß")
_NOM_MAJUSCULE = st.builds(lambda a, b: a + b, _MAJUSCULES, st.text(_MINUSCULES, min_size=1, max_size=10))
_NOM_CAPITALES = st.text(_MAJUSCULES, min_size=3, max_size=10)
_NOM_MINUSCULES = st.text(_MINUSCULES_LATINES, min_size=3, max_size=10).filter(
    lambda m: m not in {x.casefold() for x in c.MOTS_COURANTS}
)


def _casse(draw, civilite: str) -> str:
    if civilite in c._CIVILITES_TOUTE_CASSE:
        return "".join(draw(st.sampled_from([ch.lower(), ch.upper()])) for ch in civilite)
    return draw(st.sampled_from([civilite, civilite.upper()]))


@st.composite
def civilites_et_noms(draw) -> str:
    civilite = draw(st.sampled_from(c.CIVILITES))
    ecrite = _casse(draw, civilite)
    if civilite.endswith("."):
        sep = draw(st.sampled_from(["", " ", "  ", "\u00a0"]))
    else:
        sep = draw(st.sampled_from([" ", ". ", ".", "  ", "\u00a0"]))
    minuscules_permises = civilite not in ("Me", "Ms")
    genre = draw(
        st.sampled_from(
            ["majuscule", "capitales", "compose", "minuscules"]
            if minuscules_permises
            else ["majuscule", "capitales", "compose"]
        )
    )
    if genre == "majuscule":
        mots = draw(st.lists(_NOM_MAJUSCULE, min_size=1, max_size=3))
        nom = " ".join(mots)
    elif genre == "capitales":
        nom = draw(_NOM_CAPITALES)
    elif genre == "compose":
        nom = draw(_NOM_MAJUSCULE) + "-" + draw(_NOM_MAJUSCULE)
    else:
        nom = draw(_NOM_MINUSCULES)
    if draw(st.booleans()):
        nom = unicodedata.normalize("NFD", nom)
    return ecrite + sep + nom


@given(avant=AVANT, texte=civilites_et_noms(), apres=APRES)
@PROPRIETES
def test_civilites_suivies_d_un_nom(avant, texte, apres):
    assert c.masquer_texte(avant + texte + apres) == avant + NOM + apres


_PRENOMS = st.sampled_from(c.PRENOMS_COURANTS)


@given(
    avant=AVANT,
    p1=_PRENOMS,
    p2=_PRENOMS,
    nom=_NOM_MAJUSCULE,
    capitales=_NOM_CAPITALES,
    compose=st.booleans(),
    ordre=st.booleans(),
    apres=APRES,
)
@PROPRIETES
def test_prenoms_composes_et_noms(avant, p1, p2, nom, capitales, compose, ordre, apres):
    prenom = f"{p1}-{p2}" if compose else p1
    texte = f"{prenom} {nom}" if ordre else f"{capitales} {prenom}"
    assert c.masquer_texte(avant + texte + apres) == avant + NOM + apres


@given(texte=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300))
@PROPRIETES
def test_masquage_idempotent_et_sans_reste(texte):
    une_fois = c.masquer_texte(texte, longueur_max=None)
    assert c.masquer_texte(une_fois, longueur_max=None) == une_fois
    assert not c.contient_donnees_personnelles(une_fois)


# --------------------------------------------------------------------------- temps linéaire

# Textes piégés : chacun faisait repartir un motif de chaque caractère (temps quadratique).
PIEGES = {
    "lettres": "a",
    "initiales": "A.",
    "arobases": "a@",
    "points_arobase": "a. @ ",
    "chiffres": "1 ",
    "zeros": "0 ",
    "barres": "06/",
    "civilites": "Mme ",
    "capitales": "MME",
    "prenoms": "Jean-",
    "obscurcis": "a (at) ",
    "texte": "Bonjour Mme Odile Fermenthal, appelez le 06 12 34 56 78 ou jean.dupont @ gmail.com. ",
}


def _duree(texte: str) -> float:
    """Temps processeur du masquage, meilleur de 3 (une seule mesure si elle dépasse 2 s)."""
    mesures = []
    for _ in range(3):
        debut = time.process_time()
        c.masquer_texte(texte, longueur_max=None)
        mesures.append(time.process_time() - debut)
        if mesures[-1] > 2.0:
            break
    return min(mesures)


@pytest.mark.parametrize("motif", sorted(PIEGES))
def test_masquage_en_temps_lineaire(motif):
    """Multiplier la longueur par 10 multiplie le temps par ~10 (linéaire), pas par ~100
    (quadratique) : seuil à 35, marge énorme des deux côtés ; temps processeur, meilleur de 3.
    Avant correction, « lettres » : 0,17 s pour 2 000 caractères, 1,7 s pour 8 000."""
    court = (PIEGES[motif] * 20_000)[:20_000]
    long = (PIEGES[motif] * 200_000)[:200_000]
    t_court = _duree(court)
    assert t_court < 2.0, t_court  # ~0,01 s attendu : un motif quadratique y passe des secondes
    t_long = _duree(long)
    assert t_long < 35 * max(t_court, 1e-3), (t_court, t_long)


def test_long_commentaire_dans_un_extrait():
    """Un commentaire de 200 000 caractères : seul le début est masqué pour un extrait,
    et l'extrait est identique à celui du texte entier masqué puis plafonné."""
    texte = ("Très bon accueil de Mme Odile Fermenthal, joignable au 06 12 34 56 78. " * 3000)[:200_000]
    debut = time.process_time()
    extrait = c.masquer_texte(texte)
    assert time.process_time() - debut < 1.0
    assert extrait == c.plafonner(c.masquer_texte(texte, longueur_max=None), c.LONGUEUR_MAX_EXTRAIT)
    assert "Fermenthal" not in extrait and len(extrait) <= c.LONGUEUR_MAX_EXTRAIT + 1


@pytest.mark.parametrize("position", [100, 6_390, 6_400, 8_000, 8_440])
def test_plafond_sans_fuite_a_la_coupure(position):
    """Un courriel très long (5 000 caractères) à cheval sur la coupure : l'extrait reste
    celui du texte entier (repli sur le masquage complet)."""
    courriel = "a" * 5_000 + "@exemple.fr"
    texte = "x " * (position // 2) + courriel + " fin" + " y" * 10_000
    attendu = c.plafonner(c.masquer_texte(texte, longueur_max=None), c.LONGUEUR_MAX_EXTRAIT)
    assert c.masquer_texte(texte) == attendu
    assert "aaaa" not in c.masquer_texte("x " * 150 + courriel + " y" * 10_000)


# --------------------------------------------------------------------------- là où les textes entrent

CONTOURNEMENTS = [t for t, a in CAS_ISSUE_16 if t != a][:11]
FUITES = ("34/56", "56 78", "dupont", "kerbrat", "Lefebvre", "Ñúñez", "Øvergaard", "Łukasiewicz", "ễn", "Pierre")


def test_extraits_de_la_fiche_masques():
    extraits = fiche.extraits_usagers(pd.Series(CONTOURNEMENTS), n=len(CONTOURNEMENTS))
    assert len(extraits) == len({c.masquer_texte(t) for t in CONTOURNEMENTS})
    for extrait in extraits:
        assert not c.contient_donnees_personnelles(extrait), extrait
    texte = " ".join(extraits)
    for fuite in FUITES:
        assert fuite not in texte, fuite


def test_extraits_du_tableau_de_bord_masques():
    n = len(CONTOURNEMENTS)
    signaux = pd.DataFrame(
        {
            "date_signal": pd.date_range("2022-06-01", periods=n),
            "polarite": "negatif",
            "source": "elu",
            "determinant": "attente",
            "texte": CONTOURNEMENTS,
        }
    )
    bloc = str(suivi.extraits({"signaux": signaux}, n=n))
    for fuite in FUITES:
        assert fuite not in bloc, fuite
    assert bloc.count("masqué") >= n


def test_fiche_html_et_pdf_sans_contournement(tmp_path_factory):
    """Bout en bout : les textes d'usagers d'une fiche (contournements de l'issue) passent par
    le bloc « Ce que disent les usagers », le document et le PDF ; rien ne fuit."""
    from pypdf import PdfReader

    from analyse.rapports import rendu
    from test_fiche import ANNEE, donnees_demo

    donnees = donnees_demo(tmp_path_factory)
    structure_id = str(stockage.lire(donnees, "participants", annee=ANNEE)["structure_id"].iloc[0])
    fiche_calculee = fiche.calculer_fiche(ANNEE, structure_id, donnees)
    paquets = [" ; ".join(CONTOURNEMENTS[i :: fiche.N_CITATIONS]) for i in range(fiche.N_CITATIONS)]
    fiche_calculee["usagers"]["textes"] = pd.Series(paquets)
    bloc = str(fiche.bloc_usagers(fiche_calculee, longueur_citation=1_000))
    chemin = rendu.fragment_vers_pdf(bloc, tmp_path_factory.mktemp("fiche_masquee") / "fiche.pdf", "Fiche d'essai")
    texte_pdf = " ".join(page.extract_text() for page in PdfReader(chemin).pages)
    for sortie in (bloc, texte_pdf):
        for fuite in FUITES:
            assert fuite not in sortie, fuite
    assert " ".join(texte_pdf.split()).count("masqué") >= len(CONTOURNEMENTS)
