"""Contrôles bidirectionnels (issue 16, point 6) : retirés des titres, signets et noms de fichiers."""

from __future__ import annotations

import unicodedata

import pikepdf
import pytest

from analyse.formatage import CONTROLES_BIDI, retirer_controles_bidi
from analyse.rapports import lot, rendu

# Oracle indépendant de la liste du paquet : la base Unicode (classes bidi des plongements,
# forçages et isolats, plus les marques LRM, RLM et ALM).
CLASSES_DE_CONTROLE = {"LRE", "RLE", "PDF", "LRO", "RLO", "LRI", "RLI", "FSI", "PDI"}
MARQUES = {"\u200e", "\u200f", "\u061c"}


def _controles_unicode() -> set[str]:
    return {chr(i) for i in range(0x0, 0x3000) if unicodedata.bidirectional(chr(i)) in CLASSES_DE_CONTROLE} | MARQUES


def test_liste_conforme_a_la_base_unicode():
    assert set(CONTROLES_BIDI) == _controles_unicode()


@pytest.mark.parametrize("controle", sorted(_controles_unicode()))
def test_chaque_controle_retire(controle):
    assert retirer_controles_bidi(f"Mairie{controle} de Brest{controle}") == "Mairie de Brest"


def test_texte_ordinaire_inchange():
    texte = "Fiche de la Mairie d'Ys – 2022 (بلدية, עירייה)"
    assert retirer_controles_bidi(texte) == texte


def _contient_controle(texte: str) -> bool:
    return any(c in _controles_unicode() for c in str(texte))


def test_noms_de_fichiers():
    assert rendu.nom_de_fichier("rapport\u202efdp.exe") == "rapportfdp-exe"
    nom = lot.nom_fichier("S0001", "Mairie \u202eexe.fdp")
    assert not _contient_controle(nom) and nom == "S0001-mairie-exe-fdp"


def test_declarer_couverture():
    meta = rendu.declarer_couverture("Fiche \u202eMairie", "\u2066Édition 2022\u2069").meta
    assert meta == {"titre": "Fiche Mairie", "sous_titre": "Édition 2022"}


def _titres_des_signets(signets) -> list[str]:
    return [t for s in signets for t in [s.title, *_titres_des_signets(s.children)]]


def test_titre_et_signets_du_pdf_sans_controle(tmp_path):
    corps = "<h2>Section \u202eenrevuog</h2><p>Texte.</p><h3>Sous\u200f-section</h3><p>Suite.</p>"
    document = rendu.document_html(corps, "Fiche \u202eMairie", "Édition \u2067 2022")
    assert not _contient_controle(document.split("<body", 1)[0])  # <title> et métadonnées
    chemin = rendu.fragment_vers_pdf(corps, tmp_path / "bidi.pdf", "Fiche \u202eMairie", "Édition \u2067 2022")
    with pikepdf.open(chemin) as pdf:
        titre = str(pdf.docinfo.Title)
        with pdf.open_outline() as signets:
            titres = _titres_des_signets(signets.root)
    assert titre == "Fiche Mairie – Édition  2022"
    assert "Section enrevuog" in titres and "Sous-section" in titres
    assert not any(_contient_controle(t) for t in [titre, *titres])
