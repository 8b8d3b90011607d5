import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


# --------------------------------------------------------------------------- accessibilité des PDF
# Chaque PDF écrit sous le dossier temporaire de la session par un test d'intégration (y compris
# par une fixture partagée) passe le vérificateur d'accessibilité ; un manquement fait échouer le
# test qui vient de finir. Les PDF volontairement fautifs des tests du vérificateur commencent
# par « non-conforme ».

import pytest  # noqa: E402

PDF_VERIFIES: dict[Path, list[str]] = {}
_DATES_PDF: dict[Path, int] = {}


def pdf_a_verifier(base: Path) -> list[Path]:
    """PDF nouveaux ou réécrits sous ``base`` depuis la dernière vérification."""
    return [p for p in sorted(base.rglob("*.pdf"))
            if not p.name.startswith(("non-conforme", ".")) and _DATES_PDF.get(p) != p.stat().st_mtime_ns]


@pytest.fixture(autouse=True)
def verifier_accessibilite_des_pdf(request, tmp_path_factory):
    yield
    if request.node.get_closest_marker("integration") is None:
        return
    from analyse.rapports.accessibilite import verifier_publication

    fautes = {}
    for chemin in pdf_a_verifier(tmp_path_factory.getbasetemp()):
        _DATES_PDF[chemin] = chemin.stat().st_mtime_ns
        PDF_VERIFIES[chemin] = verifier_publication(chemin)
        if PDF_VERIFIES[chemin]:
            fautes[chemin.name] = PDF_VERIFIES[chemin]
    if fautes:
        pytest.fail("PDF non accessibles : " + " ; ".join(f"{n} : {', '.join(m)}" for n, m in fautes.items()))


def pytest_terminal_summary(terminalreporter):
    if PDF_VERIFIES:
        en_faute = sum(1 for m in PDF_VERIFIES.values() if m)
        terminalreporter.write_line(f"Accessibilité : {len(PDF_VERIFIES)} PDF vérifié(s), {en_faute} en faute.")
