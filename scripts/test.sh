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

echo "== fuzz: ${SYNACK_FUZZ_SECONDS:-20}s per target"
for target in build/fuzz/fuzz/fuzz_*; do
  [ -x "$target" ] || continue
  name=$(basename "$target")
  corpus=fuzz/corpus/${name#fuzz_}
  work=$(mktemp -d)
  cp -r "$corpus"/. "$work"/ 2>/dev/null || true
  "$target" -max_total_time="${SYNACK_FUZZ_SECONDS:-20}" -print_final_stats=0 "$work" \
      >"build/fuzz/$name.log" 2>&1 || { tail -40 "build/fuzz/$name.log"; rm -rf "$work"; exit 1; }
  echo "$name: $(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "build/fuzz/$name.log" | tail -1)s, no crash"
  rm -rf "$work"
done

echo "== tests"
ctest --preset dev -j "$jobs"
