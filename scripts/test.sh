#!/usr/bin/env bash
# Build and run every test: the developer build (gcc, -Werror, ASan+UBSan)
# with CTest, a clang build (warnings as errors) and a short fuzz run.
# Installs the Debian packages it needs when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

bash scripts/deps.sh test

echo "== gcc developer build (ASan+UBSan, -Werror)"
cmake --preset dev >/dev/null
cmake --build --preset dev -j "$jobs"

echo "== clang fuzz build (-Werror, libFuzzer, ASan+UBSan)"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$jobs"

# CI fuzzes deterministically: a fixed seed and a fixed number of runs per
# target, starting from the committed corpus, so a given commit always
# explores the same inputs and a failure reproduces. Set SYNACK_FUZZ_SECONDS
# to explore instead (time-bounded, random seed); see fuzz/README.md.
fuzz_runs() {
  case "$1" in
    fuzz_wire) echo "${SYNACK_FUZZ_RUNS:-3000000}" ;;
    *) echo "${SYNACK_FUZZ_RUNS:-250000}" ;;
  esac
}
if [ -n "${SYNACK_FUZZ_SECONDS:-}" ]; then
  echo "== fuzz: explore, ${SYNACK_FUZZ_SECONDS}s per target, random seed"
else
  echo "== fuzz: seed 1, a fixed number of runs per target"
fi
for target in build/fuzz/fuzz/fuzz_*; do
  [ -x "$target" ] || continue
  name=$(basename "$target")
  corpus=fuzz/corpus/${name#fuzz_}
  work=$(mktemp -d)
  cp -r "$corpus"/. "$work"/ 2>/dev/null || true
  if [ -n "${SYNACK_FUZZ_SECONDS:-}" ]; then
    limit=(-max_total_time="$SYNACK_FUZZ_SECONDS")
  else
    limit=(-seed=1 -runs="$(fuzz_runs "$name")")
  fi
  "$target" "${limit[@]}" -print_final_stats=0 -artifact_prefix="build/fuzz/$name-" "$work" \
      >"build/fuzz/$name.log" 2>&1 || { tail -40 "build/fuzz/$name.log"; rm -rf "$work"; exit 1; }
  echo "$name: $(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "build/fuzz/$name.log" | tail -1)s, no crash"
  rm -rf "$work"
done

# The benchmarks are meant for the release build: build it, and run the
# benchmark drivers' smoke test against it (bench/test_bench_smoke.sh: one
# tiny round of each driver, < 60 s; needs root, else skipped).
echo "== release build and benchmark smoke test"
bash scripts/deps.sh bench
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
ctest --preset release -L bench

echo "== tests"
ctest --preset dev -j "$jobs"
