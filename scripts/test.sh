#!/usr/bin/env bash
# Runs every test of Pupitre: UI type-check and lint, rustfmt, clippy, then all Rust tests
# (unit, property, end-to-end with the real central, and the real app window under Xvfb).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

bash scripts/setup.sh --test

echo "==> UI : type-check, lint, build"
(cd ui && npm run --silent check && npm run --silent lint && npm run --silent build)

echo "==> cargo fmt, clippy"
cargo fmt --all --check
cargo clippy --workspace --all-targets --quiet -- -D warnings

echo "==> cargo build (the window test drives the built binaries)"
cargo build --workspace --bins --quiet

echo "==> cargo test"
xvfb-run -a -s '-screen 0 1280x800x24' cargo test --workspace
echo "Captures d'écran : target/debug/screenshots/"

echo "==> The OS keyring for real: a D-Bus session with gnome-keyring's Secret Service"
dbus-run-session -- bash -c 'printf ci | gnome-keyring-daemon --unlock --components=secrets >/dev/null &&
  cargo test --workspace --test trousseau_systeme -- --ignored'

echo "==> The benchmark still runs (small; the real one: see README)"
target/debug/pupitre-bench --changes 5000 --push-changes 1000 --runs 1
target/debug/pupitre-bench-vie-scolaire --runs 1 --marks 100
target/debug/pupitre-bench-import --runs 1
target/debug/pupitre-bench-conseil --runs 1

echo "==> The README's first command, headless"
rm -rf target/demo-smoke
PUPITRE_DEMO_DIR="$PWD/target/demo-smoke" PUPITRE_DEMO_PORT=18787 bash scripts/demo.sh --smoke

echo "==> The Debian packages, from the debug build: lintian, then installed, used and removed"
bash scripts/package.sh --debug
for deb in target/packages/*.deb; do
  lintian --fail-on error "$deb"
done
# The same selection as above (so nothing is built again), running only the ignored test: the
# packages' install.
xvfb-run -a -s '-screen 0 1280x800x24' cargo test --workspace -- --ignored \
  --skip le_trousseau_du_systeme
