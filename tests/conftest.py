import os
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

# La suite ne crée jamais de clé de pseudonymisation dans le dossier personnel : clé de test
# dans un dossier temporaire (hérité par les noyaux Jupyter des tests d'intégration).
os.environ.setdefault("ANALYSE_FICHIER_CLE", str(Path(tempfile.mkdtemp(prefix="cle_tests_")) / "cle"))


# --------------------------------------------------------------------------- accessibilité des PDF
# Chaque PDF écrit sous le dossier temporaire de la session (par un test ou une fixture :
# rapports d'intégration, fiches du lot, tableaux de bord) passe le vérificateur
# d'accessibilité, puis un second lecteur indépendant (``pdfua``), à la fin de son module de test ; un manquement y fait échouer le dernier
# test (erreur au démontage, avec le nom du PDF). Les PDF volontairement fautifs des tests du
# vérificateur commencent par « non-conforme » ; les bouchons de quelques octets des tests du lot
# (écriture atomique, PDF périmés), qui ne sont pas des PDF complets (sans « %%EOF »), sont ignorés.

PDF_VERIFIES: dict[Path, list[str]] = {}
_DATES_PDF: dict[Path, int] = {}


def pdf_a_verifier(base: Path) -> list[Path]:
    """PDF nouveaux ou réécrits sous ``base`` depuis la dernière vérification."""
    return [
        p
        for p in sorted(base.rglob("*.pdf"))
        if not p.name.startswith(("non-conforme", "."))
        and _DATES_PDF.get(p) != p.stat().st_mtime_ns
        and _pdf_complet(p)
    ]


def _pdf_complet(chemin: Path) -> bool:
    with open(chemin, "rb") as flux:
        flux.seek(max(0, chemin.stat().st_size - 1024))
        return b"%%EOF" in flux.read()


def second_lecteur_pdfua(chemin: Path) -> list[str]:
    """Lecture indépendante du PDF par ``pdfua`` (PyPI, sur pikepdf, sans lien avec le projet) :
    ses constats, avertissements compris, en manquements. Une règle qu'il n'a pas pu évaluer
    n'est pas un constat (UA-14-001 bute sur pikepdf 10 : titres vérifiés par notre vérificateur)."""
    from pdfua import validate

    rapport = validate(str(chemin))
    return [f"pdfua {c.rule_id} ({c.severity.name.lower()}) : {c.message}" for c in rapport.findings]


@pytest.fixture(scope="module", autouse=True)
def verifier_accessibilite_des_pdf(tmp_path_factory):
    yield
    from analyse.rapports.accessibilite import verifier_publication

    fautes = {}
    for chemin in pdf_a_verifier(tmp_path_factory.getbasetemp()):
        _DATES_PDF[chemin] = chemin.stat().st_mtime_ns
        PDF_VERIFIES[chemin] = verifier_publication(chemin) + second_lecteur_pdfua(chemin)
        if PDF_VERIFIES[chemin]:
            fautes[chemin.name] = PDF_VERIFIES[chemin]
    if fautes:
        pytest.fail("PDF non accessibles : " + " ; ".join(f"{n} : {', '.join(m)}" for n, m in fautes.items()))


def pytest_terminal_summary(terminalreporter):
    if PDF_VERIFIES:
        en_faute = sum(1 for m in PDF_VERIFIES.values() if m)
        from analyse.formatage import accorder

        verifies = accorder(len(PDF_VERIFIES), "PDF vérifié", "PDF vérifiés")
        terminalreporter.write_line(f"Accessibilité : {verifies}, {en_faute} en faute.")
