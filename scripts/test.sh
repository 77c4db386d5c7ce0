#!/usr/bin/env bash
# Build and run every test: the developer build (gcc, -Werror, ASan+UBSan)
# with CTest, a clang build (warnings as errors) and a short fuzz run.
# Tests that cannot run here (not root, no TUN/TAP, a tool missing) are
# skipped and listed at the end; with CI=true or SYNACK_REQUIRE_ALL=1
# (.ci/run sets it) they fail instead, so CI is green only when all ran.
# Installs the Debian packages it needs when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
. tests/support/sk_shell.sh
if sk_require_all; then
  echo "== CI mode (CI=${CI:-} SYNACK_REQUIRE_ALL=${SYNACK_REQUIRE_ALL:-}): a test that cannot run fails"
fi

bash scripts/deps.sh test

echo "== gcc developer build (ASan+UBSan, -Werror)"
cmake --preset dev >/dev/null
cmake --build --preset dev -j "$jobs"

echo "== clang fuzz build (-Werror, libFuzzer, ASan+UBSan)"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "$jobs"

bash scripts/fuzz_run.sh build/fuzz fuzz

# The benchmarks are meant for the release build: build it, and run the
# benchmark drivers' smoke test against it (bench/test_bench_smoke.sh: one
# tiny round of each driver, < 60 s; needs root, else skipped).
echo "== release build and benchmark smoke test"
bash scripts/deps.sh bench
cmake --preset release >/dev/null
cmake --build --preset release -j "$jobs"
bench_log=build/release/ctest-bench.log
set +e
ctest --preset release -L bench 2>&1 | tee "$bench_log"
rc=${PIPESTATUS[0]}
set -e
[ "$rc" -eq 0 ] || exit "$rc"

echo "== tests"
# CTest counts a skipped test (exit 77) as passed; scripts/skip_report.sh
# lists every one at the end, the benchmark smoke test's too. In CI (CI=true
# or SYNACK_REQUIRE_ALL=1) a test that would skip fails instead, and any skip
# left (bench_smoke skips when not root) fails the run.
log=build/dev/ctest.log
set +e
ctest --preset dev -j "$jobs" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
bash scripts/skip_report.sh "$bench_log" build/release/Testing/Temporary/LastTest.log || rc=1
bash scripts/skip_report.sh "$log" build/dev/Testing/Temporary/LastTest.log || rc=1
exit "$rc"
