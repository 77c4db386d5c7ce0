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
# SYNACK_FUZZ_JOBS at a time (default: the CPUs, at most 2). A target
# named in SYNACK_FUZZ_SPLIT (NAME:PARTS, space-separated; default
# "fuzz_stack:3") runs as PARTS processes, part k with -seed=k, its share
# of the runs and its own copy of the corpus, started first: fuzz_stack
# alone took 11 of the step's minutes on the 2-CPU CI machine (654 s, the
# other six targets 227 s together), one CPU idle for most of them; in
# three parts the step takes about half the sum. Set SYNACK_FUZZ_SECONDS
# to explore instead (time-bounded, random seed, no parts); see
# fuzz/README.md.
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
# fuzz_parts NAME: how many processes share NAME's runs (SYNACK_FUZZ_SPLIT)
fuzz_parts() {
  local spec parts=1
  if [ -z "${SYNACK_FUZZ_SECONDS:-}" ]; then
    for spec in ${SYNACK_FUZZ_SPLIT-fuzz_stack:3}; do
      [ "${spec%%:*}" = "$1" ] && parts=${spec#*:}
    done
  fi
  echo "$parts"
}

shopt -s nullglob
sources=("$src"/fuzz_*.c)
[ ${#sources[@]} -gt 0 ] || fail "no fuzz targets in $src (no $src/fuzz_*.c)"

if [ -n "${SYNACK_FUZZ_SECONDS:-}" ]; then
  echo "== fuzz: explore, ${SYNACK_FUZZ_SECONDS}s per target, random seed"
else
  echo "== fuzz: fixed seeds (1; 1..PARTS for a split target), a fixed number of runs per target"
fi
# fuzz_one NAME PART PARTS: one target (or its part PART of PARTS) from a
# copy of its corpus; prints its result line, or the log's tail and a FAIL
# line, and exits non-zero on failure
fuzz_one() {
  local name=$1 part=$2 parts=$3 target=$build/fuzz/$1 corpus=$src/corpus/${1#fuzz_}
  local label=$1 tag=$1 work log done_line runs limit seeds total
  if [ "$parts" -gt 1 ]; then
    label="$name (part $part of $parts, seed $part)"
    tag=$name.$part
  fi
  [ -x "$target" ] || fail "$name is not built ($target missing; the fuzz preset needs clang and libFuzzer)"
  [ -d "$corpus" ] || fail "$name: corpus directory $corpus is missing"
  seeds=("$corpus"/*)
  [ ${#seeds[@]} -gt 0 ] || fail "$name: corpus directory $corpus is empty"
  work=$(mktemp -d)
  cp -r "$corpus"/. "$work"/ || { rm -rf "$work"; fail "$name: cannot copy $corpus"; }
  if [ -n "${SYNACK_FUZZ_SECONDS:-}" ]; then
    limit=(-max_total_time="$SYNACK_FUZZ_SECONDS")
  else
    total=$(fuzz_runs "$name")
    limit=(-seed="$part" -runs="$(((total + parts - 1) / parts))")
  fi
  log=$build/$tag.log
  "$target" "${limit[@]}" -print_final_stats=0 -artifact_prefix="$build/$tag-" "$work" \
      >"$log" 2>&1 || { tail -40 "$log"; rm -rf "$work"; fail "$label crashed or failed a check (log: $log)"; }
  rm -rf "$work"
  done_line=$(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "$log" | tail -1 || true)
  runs=$(echo "$done_line" | awk '{print $2}')
  [ -n "$runs" ] && [ "$runs" -gt 0 ] || { tail -20 "$log"; fail "$label did not report any runs (log: $log)"; }
  echo "$label: ${done_line}s, no crash"
}

# The jobs run SYNACK_FUZZ_JOBS at a time (default: the CPUs, at most 2),
# each with its own seed and number of runs, so the result of each is what
# it would be alone: first the parts of the split targets, then the other
# targets in name order; their reports are printed in that order.
jobs=${SYNACK_FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
case $jobs in '' | *[!0-9]* | 0) fail "SYNACK_FUZZ_JOBS must be a positive number, not '$jobs'" ;; esac
[ -n "${SYNACK_FUZZ_JOBS:-}" ] || [ "$jobs" -le 2 ] || jobs=2
split=()
whole=()
for source in "${sources[@]}"; do
  name=$(basename "$source" .c)
  parts=$(fuzz_parts "$name")
  case $parts in '' | *[!0-9]* | 0) fail "SYNACK_FUZZ_SPLIT: '$name:$parts' needs a positive number of parts" ;; esac
  if [ "$parts" -gt 1 ]; then
    for ((k = 1; k <= parts; k++)); do split+=("$name $k $parts"); done
  else
    whole+=("$name 1 1")
  fi
done
order=("${split[@]}" "${whole[@]}")
reports=()
pids=()
for job in "${order[@]}"; do
  read -r name part parts <<<"$job"
  report=$build/$name.$part.report
  reports+=("$report")
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  fuzz_one "$name" "$part" "$parts" >"$report" 2>&1 &
  pids+=("$!")
done
failed=0
for i in "${!order[@]}"; do
  wait "${pids[$i]}" || failed=1
  cat "${reports[$i]}"
done
[ $failed = 0 ] || fail "a target failed (above)"
