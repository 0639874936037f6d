#!/usr/bin/env bash
# Installs what Pupitre needs on a Debian 12 machine, skipping what is already there.
#   scripts/setup.sh          build and run (Tauri's libraries, the UI's npm packages)
#   scripts/setup.sh --package  the same, plus cargo-deb (scripts/package.sh)
#   scripts/setup.sh --test   the same, plus Xvfb, WebKitWebDriver, tauri-driver and lintian for the
#                             tests
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_PACKAGES=(libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev
  libssl-dev libxdo-dev libdbus-1-dev build-essential pkg-config file xvfb xauth)
TEST_PACKAGES=(imagemagick webkit2gtk-driver lintian python3-aiosmtpd poppler-utils libxml2-utils gnome-keyring
  dbus-daemon)

packages=("${BUILD_PACKAGES[@]}")
if [[ "${1:-}" == "--test" ]]; then packages+=("${TEST_PACKAGES[@]}"); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "==> Paquets Debian à installer : ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [[ ! -d ui/node_modules ]] || [[ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]]; then
  echo "==> npm ci (ui/)"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi

if [[ "${1:-}" == "--test" ]] && ! command -v tauri-driver >/dev/null; then
  echo "==> cargo install tauri-driver"
  cargo install tauri-driver --locked --quiet
fi

if [[ "${1:-}" == "--test" || "${1:-}" == "--package" ]] && ! command -v cargo-deb >/dev/null; then
  echo "==> cargo install cargo-deb"
  cargo install cargo-deb --locked --quiet
fi
