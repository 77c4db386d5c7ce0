#!/usr/bin/env bash
# Run every fuzz target from its committed corpus (called by scripts/test.sh).
#   scripts/fuzz_run.sh [BUILD_DIR [FUZZ_DIR]]
# BUILD_DIR is the fuzz preset's build tree (default build/fuzz; targets in
# BUILD_DIR/fuzz/), FUZZ_DIR the source folder with fuzz_*.c and corpus/
# (default fuzz). Every fuzz/fuzz_NAME.c must have been built and must have
# a non-empty fuzz/corpus/NAME/, and every run must report its runs: a
# missing target, an empty or missing corpus or a silent fuzzer fails the
# run instead of fuzzing nothing.
#
# CI fuzzes deterministically: a fixed seed and a fixed number of runs per
# target, starting from the committed corpus, so a given commit always
# explores the same inputs and a failure reproduces. Targets run
# SYNACK_FUZZ_JOBS at a time (default: the CPUs, at most 2): on the 2-CPU
# CI machine the step takes the longest target's time (fuzz_stack, about
# 4.5 min) instead of the sum (about 7). Set SYNACK_FUZZ_SECONDS
# to explore instead (time-bounded, random seed); see fuzz/README.md.
set -euo pipefail
build=${1:-build/fuzz}
src=${2:-fuzz}

fuzz_runs() {
  case "$1" in
    fuzz_wire) echo "${SYNACK_FUZZ_RUNS:-3000000}" ;;
    fuzz_ip6) echo "${SYNACK_FUZZ_RUNS:-20000}" ;;
    fuzz_dns | fuzz_dhcp) echo "${SYNACK_FUZZ_RUNS:-100000}" ;;
    *) echo "${SYNACK_FUZZ_RUNS:-250000}" ;;
  esac
}

fail() { echo "fuzz: FAIL: $*"; exit 1; }

shopt -s nullglob
sources=("$src"/fuzz_*.c)
[ ${#sources[@]} -gt 0 ] || fail "no fuzz targets in $src (no $src/fuzz_*.c)"

if [ -n "${SYNACK_FUZZ_SECONDS:-}" ]; then
  echo "== fuzz: explore, ${SYNACK_FUZZ_SECONDS}s per target, random seed"
else
  echo "== fuzz: seed 1, a fixed number of runs per target"
fi
# fuzz_one NAME: one target from a copy of its corpus; prints its result
# line, or the log's tail and a FAIL line, and exits non-zero on failure
fuzz_one() {
  local name=$1 target=$build/fuzz/$1 corpus=$src/corpus/${1#fuzz_} work log done_line runs
  local limit seeds
  [ -x "$target" ] || fail "$name is not built ($target missing; the fuzz preset needs clang and libFuzzer)"
  [ -d "$corpus" ] || fail "$name: corpus directory $corpus is missing"
  seeds=("$corpus"/*)
  [ ${#seeds[@]} -gt 0 ] || fail "$name: corpus directory $corpus is empty"
  work=$(mktemp -d)
  cp -r "$corpus"/. "$work"/ || { rm -rf "$work"; fail "$name: cannot copy $corpus"; }
  if [ -n "${SYNACK_FUZZ_SECONDS:-}" ]; then
    limit=(-max_total_time="$SYNACK_FUZZ_SECONDS")
  else
    limit=(-seed=1 -runs="$(fuzz_runs "$name")")
  fi
  log=$build/$name.log
  "$target" "${limit[@]}" -print_final_stats=0 -artifact_prefix="$build/$name-" "$work" \
      >"$log" 2>&1 || { tail -40 "$log"; rm -rf "$work"; fail "$name crashed or failed a check (log: $log)"; }
  rm -rf "$work"
  done_line=$(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1 || true)
  runs=$(echo "$done_line" | awk '{print $2}')
  [ -n "$runs" ] && [ "$runs" -gt 0 ] || { tail -20 "$log"; fail "$name did not report any runs (log: $log)"; }
  echo "$name: ${done_line}s, no crash"
}

# The targets run SYNACK_FUZZ_JOBS at a time (default: the CPUs, at most
# 2), each with its own seed and number of runs, so the result of each is
# what it would be alone; their reports are printed in name order.
jobs=${SYNACK_FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
case $jobs in '' | *[!0-9]* | 0) fail "SYNACK_FUZZ_JOBS must be a positive number, not '$jobs'" ;; esac
[ -n "${SYNACK_FUZZ_JOBS:-}" ] || [ "$jobs" -le 2 ] || jobs=2
names=()
pids=()
for source in "${sources[@]}"; do
  name=$(basename "$source" .c)
  names+=("$name")
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  fuzz_one "$name" >"$build/$name.report" 2>&1 &
  pids+=("$!")
done
failed=0
for i in "${!names[@]}"; do
  wait "${pids[$i]}" || failed=1
  cat "$build/${names[$i]}.report"
done
[ $failed = 0 ] || fail "a target failed (above)"
