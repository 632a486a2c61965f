#!/usr/bin/env bash
# fuzz-smoke.sh BUILD_DIR SECONDS: runs every fuzz_* target in BUILD_DIR for SECONDS, starting from a
# scratch copy of its committed corpus (the committed seeds are never modified). Fails on any crash.
set -euo pipefail
build=$(cd "${1:?usage: fuzz-smoke.sh BUILD_DIR SECONDS}" && pwd)
seconds=${2:?usage: fuzz-smoke.sh BUILD_DIR SECONDS}
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

targets=$(find "$build/tests/fuzz" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x | sort)
[ -n "$targets" ] || { echo "fuzz-smoke.sh: no fuzz targets in $build/tests/fuzz" >&2; exit 1; }
for target in $targets; do
  name=$(basename "$target")
  parser=${name#fuzz_}
  seeds="$src/tests/fuzz/corpus/$parser"
  [ -d "$seeds" ] || { echo "fuzz-smoke.sh: $name has no seed corpus at tests/fuzz/corpus/$parser" >&2; exit 1; }
  mkdir -p "$work/$parser"
  cp -r "$seeds/." "$work/$parser/"
  echo "fuzz-smoke: $name for ${seconds}s"
  (cd "$work" && "$target" -max_total_time="$seconds" -print_final_stats=1 "$work/$parser" 2>"$work/$name.log") || {
    tail -n 60 "$work/$name.log" >&2
    echo "fuzz-smoke.sh: $name failed" >&2
    exit 1
  }
  grep -E '^stat::number_of_executed_units' "$work/$name.log" | sed "s/^/  $name /"
done
