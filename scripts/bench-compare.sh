#!/usr/bin/env bash
# Runs the sync benchmark of this tree and of an earlier commit (the baseline) on this machine,
# alternately, and prints both tables and the ratios of (a) replica apply and (d) central push.
#   scripts/bench-compare.sh BASE_COMMIT [bench arguments, e.g. --changes 200000 --runs 3]
set -euo pipefail
cd "$(dirname "$0")/.."
base="${1:?usage: scripts/bench-compare.sh BASE_COMMIT [bench arguments]}"
shift
worktree="target/bench-baseline"
if [[ ! -d "$worktree" ]]; then
  git worktree add --detach "$worktree" "$base" >/dev/null
else
  git -C "$worktree" checkout --quiet --detach "$base"
fi
# The baseline builds in its own target directory (same binary name).
cargo build --release --quiet -p pupitre-bench
(cd "$worktree" && CARGO_TARGET_DIR="$PWD/../bench-baseline-target" cargo build --release --quiet -p pupitre-bench)
after="target/release/pupitre-bench"
before="target/bench-baseline-target/release/pupitre-bench"
rate() { grep -F "| $2" "$1" | awk -F'|' '{gsub(/ /, "", $5); print $5}'; }
out=$(mktemp -d)
echo "==> baseline ($base)"; "$before" "$@" | tee "$out/before"
echo "==> this tree"; "$after" "$@" | tee "$out/after"
echo
echo "| measure | baseline (changes/s) | this tree (changes/s) | this / baseline |"
echo "|---|---:|---:|---:|"
for m in "(a)" "(d)"; do
  b=$(rate "$out/before" "$m"); a=$(rate "$out/after" "$m")
  printf "| %s | %s | %s | %s %% |\n" "$m" "$b" "$a" "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.0f", 100 * a / b }')"
done
