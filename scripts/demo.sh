#!/usr/bin/env bash
# Runs Pupitre on its embedded defaults: the central service on SQLite with the demo collège on
# 127.0.0.1:8787, and the desktop app logged in as the demo teacher (--cpe: as the CPE).
# Data lives in .demo/ (delete it to start afresh).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

bash scripts/setup.sh
(cd ui && npm run --silent build)
cargo build --bin pupitre-central --bin pupitre

mkdir -p .demo
if [[ ! -f .demo/central.sqlite ]]; then
  target/debug/pupitre-central demo --db .demo/central.sqlite
fi
target/debug/pupitre-central serve --db .demo/central.sqlite --addr 127.0.0.1:8787 &
CENTRAL=$!
trap 'kill -TERM $CENTRAL 2>/dev/null || true' EXIT

if [[ "${1:-}" == "--cpe" ]]; then
  login=cpe; password=demo-cpe
else
  login=c.martin; password=demo-enseignant
fi
export PUPITRE_CENTRAL_URL=http://127.0.0.1:8787
export PUPITRE_DATA_DIR="$PWD/.demo/poste-$login"
export PUPITRE_DEMO_LOGIN=$login PUPITRE_DEMO_PASSWORD=$password
if [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]]; then
  target/debug/pupitre
else
  echo "Pas d'écran : l'application tourne sous Xvfb ; capture dans .demo/capture.png dans 10 s."
  xvfb-run -a -s '-screen 0 1280x800x24' bash -c \
    'target/debug/pupitre & sleep 10; import -window root .demo/capture.png 2>/dev/null || true; wait'
fi
