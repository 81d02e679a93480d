#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time, from its seed corpus, without writing
# into the source tree: new inputs go to <work>/corpus, crashes to <work>/artifacts.
#   run_fuzzer.sh <fuzzer> <seed corpus dir> <work dir> [default seconds]
# FUZZ_SECONDS in the environment overrides the time. Exits non-zero on a crash, a
# leak, a timeout (an input that takes over 10 s) or an out-of-memory (over 1 GB,
# what a small edge has), after printing how to reproduce it.
set -euo pipefail
fuzzer=$1 seeds=$2 work=$3
seconds=${FUZZ_SECONDS:-${4:-15}}
name=$(basename "$fuzzer")
# Reports with file:line (clang-16's runtime does not find Debian's unversioned one).
for s in llvm-symbolizer-16 llvm-symbolizer; do
  if command -v "$s" >/dev/null; then export ASAN_SYMBOLIZER_PATH=$(command -v "$s"); break; fi
done
mkdir -p "$work/corpus" "$work/artifacts"
log="$work/last-run.log"
set +e
"$fuzzer" "$work/corpus" "$seeds" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 -max_len=65536 \
  -artifact_prefix="$work/artifacts/" -print_final_stats=1 >"$log" 2>&1
rc=$?
set -e
tail -n 12 "$log" | grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ +DONE)" || true
if [ $rc -ne 0 ]; then
  echo "$name FAILED (exit $rc); the report:" >&2
  grep -E -A40 "==ERROR|runtime error|invariant failed|Test unit written|ALARM|out-of-memory" "$log" | head -80 >&2
  echo "reproduce: $fuzzer <the artifact above>   (full log: $log)" >&2
  exit $rc
fi
echo "$name: no crash in ${seconds} s"
