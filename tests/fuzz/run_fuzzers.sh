#!/usr/bin/env bash
# Runs every libFuzzer target of a STRATA_FUZZ build for a bounded time each.
#   run_fuzzers.sh <build-dir> [seconds-per-target]
# Corpora live in <build-dir>/fuzz-corpus/<target> (seeded by fuzz_seeds, kept
# between runs); a crash leaves its input in <build-dir>/fuzz-artifacts/ and
# fails the run. Turn each such input into a regression test in tests/storage/.
set -euo pipefail
build=${1:?usage: run_fuzzers.sh <build-dir> [seconds]}
seconds=${2:-60}
corpus="$build/fuzz-corpus"
artifacts="$build/fuzz-artifacts"
mkdir -p "$corpus" "$artifacts"
"$build/fuzz_seeds" "$corpus"
failed=()
for bin in "$build"/fuzz/fuzz_*; do
  name=$(basename "$bin")
  mkdir -p "$corpus/$name"
  echo "== $name: ${seconds}s"
  # -rss_limit_mb/-timeout: a leak or a hang is a finding too.
  if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$artifacts/$name-" "$corpus/$name" 2>"$build/fuzz-$name.log"; then
    grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$build/fuzz-$name.log" || true
    tail -n 1 "$build/fuzz-$name.log" | grep -E '^#|Done' || true
  else
    echo "   FAILED: see $build/fuzz-$name.log and $artifacts/"
    grep -E 'ERROR|SUMMARY|Test unit written' "$build/fuzz-$name.log" | head -5 || true
    failed+=("$name")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz targets with findings: ${failed[*]}"
  exit 1
fi
echo "fuzzing: no findings"
