#!/usr/bin/env bash
# Runs the sync benchmark of this tree and of an earlier commit (the baseline) on this machine,
# alternately (baseline, this tree, baseline, …) so that both see the same noise, and prints the
# medians of (a) replica apply and (d) central push side by side. (b), the SQLite ceiling, is the
# same code on both sides: its ratio shows how much the machine itself moved.
#   scripts/bench-compare.sh BASE_COMMIT ROUNDS [bench arguments, e.g. --changes 200000]
set -euo pipefail
cd "$(dirname "$0")/.."
base="${1:?usage: scripts/bench-compare.sh BASE_COMMIT ROUNDS [bench arguments]}"
rounds="${2:?usage: scripts/bench-compare.sh BASE_COMMIT ROUNDS [bench arguments]}"
shift 2
worktree="target/bench-baseline"
if [[ ! -d "$worktree" ]]; then
  git worktree add --detach "$worktree" "$base" >/dev/null
else
  git -C "$worktree" checkout --quiet --detach "$base"
fi
cargo build --release --quiet -p pupitre-bench
# The baseline builds in its own target directory (same binary name).
(cd "$worktree" && CARGO_TARGET_DIR="$PWD/../bench-baseline-target" cargo build --release --quiet -p pupitre-bench)
after="target/release/pupitre-bench"
before="target/bench-baseline-target/release/pupitre-bench"
out=$(mktemp -d)
for r in $(seq "$rounds"); do
  echo "==> round $r / $rounds"
  "$before" --runs 1 "$@" > "$out/before-$r"
  "$after" --runs 1 "$@" > "$out/after-$r"
done
# The changes/s of measure $2 in each of the files $1-*, one a line.
rates() { for f in "$1"-*; do grep -F "| $2" "$f" | awk -F'|' '{gsub(/ /, "", $5); print $5}'; done; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo
echo "Medians over $rounds alternating rounds ($*):"
echo
echo "| measure | baseline $base (changes/s) | this tree (changes/s) | this / baseline |"
echo "|---|---:|---:|---:|"
for m in "(a)" "(b)" "(d)"; do
  b=$(rates "$out/before" "$m" | median); a=$(rates "$out/after" "$m" | median)
  printf "| %s | %.0f | %.0f | %s %% |\n" "$m" "$b" "$a" "$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.0f", 100 * a / b }')"
done
