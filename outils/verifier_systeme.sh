#!/usr/bin/env bash
# Vérifie que WeasyPrint trouve Pango (bibliothèque système) ; l'installe avec apt-get si possible.
PY="${1:-python3}"
if "$PY" -c "import weasyprint" >/dev/null 2>&1; then
  exit 0
fi
echo "WeasyPrint ne trouve pas Pango : installation des bibliothèques système nécessaires."
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core >/dev/null
elif command -v apt-get >/dev/null 2>&1; then
  sudo apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
fi
"$PY" -c "import weasyprint" || { echo "Erreur : WeasyPrint reste inutilisable (installez Pango, voir README)." >&2; exit 1; }
