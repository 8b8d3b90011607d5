#!/usr/bin/env bash
# Bibliothèques système de WeasyPrint : Pango (obligatoire) et HarfBuzz-Subset (sans elle,
# les polices sont découpées en Python pur, ~0,6 s de plus par PDF). Installées avec
# apt-get quand elles manquent et que c'est possible.
PY="${1:-python3}"
PAQUETS="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core"

manque() {
  ! "$PY" -c "import weasyprint" >/dev/null 2>&1 && return 0
  command -v ldconfig >/dev/null 2>&1 && ! ldconfig -p 2>/dev/null | grep -q "libharfbuzz-subset" && return 0
  return 1
}

if ! manque; then
  exit 0
fi
echo "Installation des bibliothèques système de WeasyPrint ($PAQUETS)."
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  (apt-get install -y -qq $PAQUETS >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq $PAQUETS >/dev/null; }) \
    || echo "Avertissement : installation impossible avec apt-get."
elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  sudo apt-get install -y $PAQUETS || echo "Avertissement : installation impossible avec sudo apt-get."
fi
"$PY" -c "import weasyprint" >/dev/null 2>&1 || { echo "Erreur : WeasyPrint reste inutilisable (installez Pango, voir README)." >&2; exit 1; }
exit 0
