"""Second lecteur PDF/UA-1 indépendant (``pdfua``, PyPI) : il voit les fautes, et nos PDF n'en ont pas.

La fixture de ``conftest.py`` le passe sur chaque PDF de la suite ; ce module vérifie qu'il n'est
pas muet (un PDF sans balisage échoue) et qu'il évalue bien ses règles sur un document Typst
de la route de publication (tableau, figure, titres, lien).
"""

from __future__ import annotations

import typst
from pdfua import validate

from conftest import second_lecteur_pdfua

SOURCE = """#set document(title: "Essai du second lecteur")
#set text(lang: "fr")
= Titre
Un paragraphe avec un #link("https://example.org")[lien].
#table(columns: 2, table.header([Canal], [Score]), [Téléphone], [71,2])
"""


def test_un_pdf_sans_balisage_est_refuse(tmp_path):
    source = tmp_path / "doc.typ"
    source.write_text(SOURCE, encoding="utf-8")
    pdf = tmp_path / "non-conforme-sans-balises.pdf"
    typst.compile(str(source), output=str(pdf), pdf_tags=False)
    constats = second_lecteur_pdfua(pdf)
    assert any("UA-01" in c for c in constats), constats


def test_la_route_de_publication_passe_le_second_lecteur(tmp_path):
    from analyse.rapports import rendu

    html = (
        "<h1>Titre</h1><p>Un paragraphe.</p>"
        "<table><caption>Scores</caption><thead><tr><th scope='col'>Canal</th><th scope='col'>Score</th></tr></thead>"
        "<tbody><tr><th scope='row'>Téléphone</th><td>71,2</td></tr></tbody></table>"
    )
    pdf = rendu.fragment_vers_pdf(html, tmp_path / "essai.pdf", titre="Essai du second lecteur")
    rapport = validate(str(pdf))
    evaluees = [o for o in rapport.outcomes if not o.skipped]
    assert len(evaluees) >= 10 and second_lecteur_pdfua(pdf) == []
