#!/usr/bin/env bash
# Runs Pupitre on its embedded defaults: the central service on SQLite with the demo collège on
# 127.0.0.1:8787, and the desktop app logged in as the demo teacher.
#   scripts/demo.sh           as the teacher (c.martin)
#   scripts/demo.sh --cpe     as the CPE
#   scripts/demo.sh --smoke   headless check (what the tests run): start everything under Xvfb,
#                             wait for the app to log in and bootstrap, take a screenshot, stop
# Data lives in .demo/ (PUPITRE_DEMO_DIR); delete it to start afresh.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
MODE="${1:-}"
DEMO_DIR="${PUPITRE_DEMO_DIR:-$PWD/.demo}"
PORT="${PUPITRE_DEMO_PORT:-8787}"

bash scripts/setup.sh
(cd ui && npm run --silent build)
cargo build --bin pupitre-central --bin pupitre

mkdir -p "$DEMO_DIR"
if [[ ! -f "$DEMO_DIR/central.sqlite" ]]; then
  target/debug/pupitre-central demo --db "$DEMO_DIR/central.sqlite"
fi
target/debug/pupitre-central serve --db "$DEMO_DIR/central.sqlite" --addr "127.0.0.1:$PORT" &
CENTRAL=$!
trap 'kill -TERM $CENTRAL 2>/dev/null || true' EXIT

if [[ "$MODE" == "--cpe" ]]; then
  login=cpe; password=demo-cpe
else
  login=c.martin; password=demo-enseignant
fi
export PUPITRE_CENTRAL_URL="http://127.0.0.1:$PORT"
export PUPITRE_DATA_DIR="$DEMO_DIR/poste-$login"
export PUPITRE_DEMO_LOGIN=$login PUPITRE_DEMO_PASSWORD=$password
replica="$PUPITRE_DATA_DIR/replicas/$login.sqlite"

if [[ "$MODE" == "--smoke" ]]; then
  export REPLICA="$replica" SHOT="$DEMO_DIR/capture.png"
  xvfb-run -a -s '-screen 0 1280x800x24' bash -c '
    target/debug/pupitre & app=$!
    for _ in $(seq 120); do [[ -s "$REPLICA" ]] && break; sleep 0.5; done
    sleep 3; import -window root "$SHOT"; kill -TERM $app; wait $app || true'
  if [[ ! -s "$replica" ]]; then
    echo "ÉCHEC : l'application ne s'est pas connectée (pas de réplique $replica)." >&2
    exit 1
  fi
  echo "Démonstration vérifiée : connectée, réplique $replica ; capture $DEMO_DIR/capture.png"
elif [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]]; then
  target/debug/pupitre
else
  echo "Pas d'écran : lancez ce script depuis une session graphique (ou --smoke pour une vérification sous Xvfb)." >&2
  exit 1
fi
