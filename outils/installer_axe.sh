#!/usr/bin/env bash
# Installe les lecteurs indépendants des rapports : chromium (Debian) et, dans outils/axe/, les
# paquets npm verrouillés (axe-core, playwright-core) par « npm ci » pour auditer le HTML ;
# poppler-utils (Debian : pdfinfo, pdftoppm), second lecteur des PDF.
# Idempotent : ne refait rien si tout est déjà là et à jour.
set -euo pipefail
cd "$(dirname "$0")/axe"

manquants=()
command -v chromium >/dev/null 2>&1 || manquants+=(chromium)
command -v pdfinfo >/dev/null 2>&1 || manquants+=(poppler-utils)
if [ ${#manquants[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  echo "Installation de ${manquants[*]} (apt-get)…"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${manquants[@]}" >/dev/null
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "npm introuvable : installez Node.js (paquets Debian nodejs et npm)." >&2
  exit 1
fi

# npm ci seulement si le verrou a changé depuis la dernière installation (copie témoin).
if ! cmp -s package-lock.json node_modules/.verrou-installe 2>/dev/null; then
  echo "Installation des paquets npm d'outils/axe (npm ci)…"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.verrou-installe
fi
