#!/usr/bin/env bash
# Skipped tests cannot pass for passed ones, and the fuzz run cannot fuzz
# nothing:
# - an interop test (test_ping.sh) forced to skip (no TUN device via
#   SK_TUN_PATH, not root via setpriv, `ping` missing from PATH) exits 77
#   with "SKIP: why" outside CI, and 1 with "FAIL: cannot run: why" with
#   CI=true or SYNACK_REQUIRE_ALL=1; the same for test_demo_golden.sh
#   without tshark or without the synack binary, and test_pcap_tshark.sh
#   without tshark;
# - scripts/skip_report.sh lists every skipped test, with its reason, from
#   real CTest output (a tiny CMake project run here) and from a summary
#   block alone; it fails in CI, passes (loudly) outside, reports nothing
#   when nothing was skipped, and refuses output it cannot parse;
# - scripts/fuzz_run.sh fails when no target is built, a target source has
#   no build, a corpus directory is missing or empty, or a fuzzer crashes or
#   reports no runs, and runs a (fake) target from a copy of its corpus.
# Nothing here touches a network device: the skips happen before setup.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=${SYNACK_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
bin_dir=${SYNACK_BINARY_DIR:-$src/build/dev}
. "$src/tests/support/sk_shell.sh" || exit 1

tmp=$(mktemp -d /tmp/sk_harness.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
lacking=()
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }

# run_mode MODE CMD...: run CMD outside CI (plain) or in CI (ci: CI=true,
# all: SYNACK_REQUIRE_ALL=1), whatever this test's own environment says.
run_mode() {
    local mode=$1
    shift
    case "$mode" in
        plain) env -u CI -u SYNACK_REQUIRE_ALL "$@" ;;
        ci) env -u SYNACK_REQUIRE_ALL CI=true "$@" ;;
        all) env -u CI SYNACK_REQUIRE_ALL=1 "$@" ;;
    esac
}

# expect_skip WHAT WHY CMD...: outside CI, exit 77 and "SKIP: ...WHY"; in
# both CI modes, a non-zero exit that is not 77 and "FAIL: cannot run: ...WHY".
expect_skip() {
    local what=$1 why=$2 out rc mode
    shift 2
    out=$(run_mode plain "$@" 2>&1)
    rc=$?
    if [ $rc -eq 77 ] && grep -qF "SKIP: " <<<"$out" && grep -qF "$why" <<<"$out"; then ok; else
        bad "$what outside CI: exit $rc, want 77 and 'SKIP: ...$why': $(tail -3 <<<"$out")"
    fi
    for mode in ci all; do
        out=$(run_mode "$mode" "$@" 2>&1)
        rc=$?
        if [ $rc -ne 0 ] && [ $rc -ne 77 ] && grep -qF "FAIL: cannot run: " <<<"$out" &&
            grep -qF "$why" <<<"$out"; then ok; else
            bad "$what in CI ($mode): exit $rc, want a failure saying why ('$why'): $(tail -3 <<<"$out")"
        fi
    done
}

# path_without NAME: a directory of links to every command on PATH but NAME
# (the first of each name, as PATH lookup would find it).
path_without() {
    local d=$tmp/path-no-$1 p f n dirs links=()
    declare -A seen=()
    mkdir -p "$d"
    IFS=: read -ra dirs <<<"$PATH"
    for p in "${dirs[@]}"; do
        [ -d "$p" ] || continue
        for f in "$p"/*; do
            n=${f##*/}
            [ "$n" != "$1" ] && [ -z "${seen[$n]:-}" ] && [ -f "$f" ] && [ -x "$f" ] || continue
            seen[$n]=1
            links+=("$f")
        done
    done
    ln -s "${links[@]}" "$d"/ || bad "cannot build a PATH without $1"
    echo "$d"
}

# ---- interop: skips are failures in CI ----
ping_test=$src/tests/interop/test_ping.sh
if ! command -v ping >/dev/null 2>&1; then
    lacking+=(ping)
elif [ "$(id -u)" -eq 0 ]; then
    expect_skip "interop, no TUN device" "$tmp/no-tun is missing" env SK_TUN_PATH="$tmp/no-tun" bash "$ping_test"
    if command -v setpriv >/dev/null 2>&1; then
        # a world-readable copy: the checkout may sit where nobody cannot read
        mkdir -p "$tmp/tree/tests/interop" "$tmp/tree/tests/support"
        cp "$ping_test" "$src/tests/interop/lib.sh" "$tmp/tree/tests/interop/"
        cp "$src/tests/support/sk_shell.sh" "$tmp/tree/tests/support/"
        chmod -R a+rX "$tmp"
        expect_skip "interop, not root" "needs root" \
            setpriv --reuid=65534 --regid=65534 --clear-groups bash "$tmp/tree/tests/interop/test_ping.sh"
    else
        lacking+=(setpriv)
    fi
else
    expect_skip "interop, not root" "needs root" bash "$ping_test"
fi
expect_skip "interop, ping missing" "ping not installed" env PATH="$(path_without ping)" bash "$ping_test"

# ---- demo golden and the tshark unit test without tshark ----
expect_skip "demo golden, no synack binary" "synack command not built" \
    env SYNACK_BINARY_DIR="$tmp/no-build" bash "$src/tests/tools/test_demo_golden.sh"
no_tshark=$(path_without tshark)
if [ -x "$bin_dir/tools/synack" ]; then
    expect_skip "demo golden, no tshark" "tshark not installed" \
        env PATH="$no_tshark" bash "$src/tests/tools/test_demo_golden.sh"
else
    lacking+=("$bin_dir/tools/synack")
fi
expect_skip "pcap_tshark, no tshark" "tshark not installed" \
    env PATH="$no_tshark" bash "$src/tests/unit/test_pcap_tshark.sh"

# ---- scripts/skip_report.sh on real CTest output ----
report=$src/scripts/skip_report.sh
proj=$tmp/ctest-proj
mkdir -p "$proj"
cat >"$proj/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.16)
project(skip_report_fixture NONE)
enable_testing()
add_test(NAME runs_fine COMMAND sh -c "echo 'ok   fine'; exit 0")
add_test(NAME skips_tun COMMAND sh -c "echo '[tun] SKIP: /dev/net/tun is missing'; exit 77")
add_test(NAME skips_tool COMMAND sh -c "echo 'some line'; echo '[tool] SKIP: frobnicate not installed'; exit 77")
add_test(NAME switched_off COMMAND sh -c "exit 0")
set_tests_properties(skips_tun skips_tool PROPERTIES SKIP_RETURN_CODE 77)
set_tests_properties(switched_off PROPERTIES DISABLED TRUE)
CMAKE
if cmake -S "$proj" -B "$proj/build" >"$tmp/cmake.log" 2>&1; then
    (cd "$proj/build" && ctest -j2 >"$tmp/ctest.out" 2>&1)
    last=$proj/build/Testing/Temporary/LastTest.log
    out=$(run_mode plain bash "$report" "$tmp/ctest.out" "$last" 2>&1)
    rc=$?
    if [ $rc -eq 0 ] && grep -q 'SKIPPED: 3 test' <<<"$out" && grep -q '^  skips_tun$' <<<"$out" &&
        grep -q '^  skips_tool$' <<<"$out" && grep -q '^  switched_off$' <<<"$out" &&
        ! grep -q 'runs_fine' <<<"$out"; then ok; else
        bad "skip report (outside CI, exit $rc) does not list exactly the three tests that did not run: $out"
    fi
    if grep -q '\[tun\] SKIP: /dev/net/tun is missing' <<<"$out" &&
        grep -q '\[tool\] SKIP: frobnicate not installed' <<<"$out"; then ok; else
        bad "skip report lacks the tests' own reasons: $out"
    fi
    for mode in ci all; do
        out=$(run_mode "$mode" bash "$report" "$tmp/ctest.out" "$last" 2>&1)
        rc=$?
        if [ $rc -eq 1 ] && grep -q '^  skips_tun$' <<<"$out" && grep -q 'FAILED' <<<"$out"; then ok; else
            bad "skip report in CI ($mode): exit $rc, want 1 with the list: $out"
        fi
    done
    (cd "$proj/build" && ctest -R runs_fine >"$tmp/ctest-none.out" 2>&1)
    out=$(run_mode ci bash "$report" "$tmp/ctest-none.out" 2>&1)
    rc=$?
    if [ $rc -eq 0 ] && [ -z "$out" ]; then ok; else bad "skip report with nothing skipped: exit $rc: $out"; fi
else
    bad "cannot configure the CTest fixture: $(tail -5 "$tmp/cmake.log")"
fi

# The summary block alone still names the skip (progress lines lost), and
# output that is not CTest's is refused rather than read as "none skipped".
printf '%s\n' '1/1 Test #1: a_test .........................   Passed    0.01 sec' \
    '' 'The following tests did not run:' '	  7 - lost_progress_line (Skipped)' >"$tmp/block.out"
out=$(run_mode plain bash "$report" "$tmp/block.out" 2>&1)
if [ $? -eq 0 ] && grep -q '^  lost_progress_line$' <<<"$out"; then ok; else bad "summary-block skip not listed: $out"; fi
echo "100% tests passed, 0 tests failed out of 0" >"$tmp/garbage.out"
run_mode plain bash "$report" "$tmp/garbage.out" >/dev/null 2>&1
rc=$?
if [ $rc -eq 2 ]; then ok; else bad "skip report on unparsable output: exit $rc, want 2"; fi
run_mode plain bash "$report" "$tmp/no-such.out" >/dev/null 2>&1
rc=$?
if [ $rc -eq 2 ]; then ok; else bad "skip report on a missing log: exit $rc, want 2"; fi

# ---- scripts/fuzz_run.sh cannot fuzz nothing ----
fuzz=$src/scripts/fuzz_run.sh
# expect_fuzz_fail WHAT WANT BUILD SRC: fuzz_run fails saying WANT.
expect_fuzz_fail() {
    local out rc
    out=$(bash "$fuzz" "$3" "$4" 2>&1)
    rc=$?
    if [ $rc -ne 0 ] && grep -qF "$2" <<<"$out"; then ok; else bad "fuzz_run, $1: exit $rc, want a failure saying '$2': $out"; fi
}
mkdir -p "$tmp/fz-empty-build/fuzz"
expect_fuzz_fail "nothing built" "is not built" "$tmp/fz-empty-build" "$src/fuzz"
mkdir -p "$tmp/fz-nosrc"
expect_fuzz_fail "no target sources" "no fuzz targets" "$tmp/fz-empty-build" "$tmp/fz-nosrc"
# A fake target: prints libFuzzer's "Done N runs" with N = the number of
# inputs in the directory it was given, so a run proves the corpus copy.
fsrc=$tmp/fz-src
fbuild=$tmp/fz-build
mkdir -p "$fsrc" "$fbuild/fuzz"
: >"$fsrc/fuzz_demo.c"
cat >"$fbuild/fuzz/fuzz_demo" <<'FAKE'
#!/bin/sh
for a; do dir=$a; done
echo "Done $(ls "$dir" | wc -l) runs in 0 second(s)"
FAKE
chmod +x "$fbuild/fuzz/fuzz_demo"
expect_fuzz_fail "corpus directory missing" "corpus directory $fsrc/corpus/demo is missing" "$fbuild" "$fsrc"
mkdir -p "$fsrc/corpus/demo"
expect_fuzz_fail "corpus directory empty" "corpus directory $fsrc/corpus/demo is empty" "$fbuild" "$fsrc"
printf 'seed' >"$fsrc/corpus/demo/seed1"
printf 'seed' >"$fsrc/corpus/demo/seed2"
out=$(bash "$fuzz" "$fbuild" "$fsrc" 2>&1)
rc=$?
if [ $rc -eq 0 ] && grep -q '^fuzz_demo: Done 2 runs' <<<"$out"; then ok; else bad "fuzz_run on a good fake target: exit $rc: $out"; fi
[ "$(ls "$fsrc/corpus/demo" | wc -l)" -eq 2 ] && ok || bad "fuzz_run wrote into the committed corpus"
printf '#!/bin/sh\nexit 0\n' >"$fbuild/fuzz/fuzz_demo"
expect_fuzz_fail "a silent fuzzer" "did not report any runs" "$fbuild" "$fsrc"
printf '#!/bin/sh\necho "==1==ERROR: AddressSanitizer: heap-use-after-free"\nexit 1\n' >"$fbuild/fuzz/fuzz_demo"
expect_fuzz_fail "a crashing fuzzer" "crashed or failed a check" "$fbuild" "$fsrc"
: >"$fsrc/fuzz_other.c"
printf '#!/bin/sh\necho "Done 1 runs in 0 second(s)"\n' >"$fbuild/fuzz/fuzz_demo"
expect_fuzz_fail "one target of two built" "fuzz_other is not built" "$fbuild" "$fsrc"
# Two targets at a time (SYNACK_FUZZ_JOBS=2): one crashes, the other runs
# to its end; the run fails, both reports are printed in name order.
mkdir -p "$fsrc/corpus/other"
printf 'seed' >"$fsrc/corpus/other/seed1"
printf '#!/bin/sh\necho "==1==ERROR: AddressSanitizer: SEGV"\nexit 1\n' >"$fbuild/fuzz/fuzz_other"
chmod +x "$fbuild/fuzz/fuzz_other"
out=$(SYNACK_FUZZ_JOBS=2 bash "$fuzz" "$fbuild" "$fsrc" 2>&1)
rc=$?
if [ $rc -ne 0 ] && grep -q '^fuzz_demo: Done 1 runs' <<<"$out" &&
    grep -q 'fuzz_other crashed or failed a check' <<<"$out" && grep -q 'a target failed' <<<"$out" &&
    [ "$(grep -n 'fuzz_demo: Done' <<<"$out" | cut -d: -f1)" -lt "$(grep -n 'fuzz_other crashed' <<<"$out" | cut -d: -f1)" ]; then
    ok
else
    bad "fuzz_run, two jobs, one crashing: exit $rc: $out"
fi
out=$(SYNACK_FUZZ_JOBS=two bash "$fuzz" "$fbuild" "$fsrc" 2>&1)
rc=$?
if [ $rc -ne 0 ] && grep -q "SYNACK_FUZZ_JOBS must be a positive number" <<<"$out"; then ok; else bad "fuzz_run, SYNACK_FUZZ_JOBS=two: exit $rc: $out"; fi
# A split target (SYNACK_FUZZ_SPLIT): part k runs with -seed=k and its
# share of the runs, rounded up (11 in 2: 6 each); the parts start and
# report before the whole targets. The fake reports seed * 1000 + runs.
cat >"$fbuild/fuzz/fuzz_demo" <<'FAKE'
#!/bin/sh
seed=0 runs=0
for a; do
    case $a in -seed=*) seed=${a#-seed=} ;; -runs=*) runs=${a#-runs=} ;; esac
done
echo "Done $((seed * 1000 + runs)) runs in 0 second(s)"
FAKE
printf '#!/bin/sh\necho "Done 1 runs in 0 second(s)"\n' >"$fbuild/fuzz/fuzz_other"
out=$(SYNACK_FUZZ_RUNS=11 SYNACK_FUZZ_SPLIT="fuzz_demo:2" bash "$fuzz" "$fbuild" "$fsrc" 2>&1)
rc=$?
want=$'fuzz_demo (part 1 of 2, seed 1): Done 1006 runs in 0 seconds, no crash\nfuzz_demo (part 2 of 2, seed 2): Done 2006 runs in 0 seconds, no crash\nfuzz_other: Done 1 runs in 0 seconds, no crash'
if [ $rc -eq 0 ] && [ "$(grep -v '^==' <<<"$out")" = "$want" ]; then ok; else bad "fuzz_run, fuzz_demo in two parts: exit $rc: $out"; fi
out=$(SYNACK_FUZZ_RUNS=11 SYNACK_FUZZ_SPLIT="fuzz_demo:1" bash "$fuzz" "$fbuild" "$fsrc" 2>&1)
rc=$?
if [ $rc -eq 0 ] && grep -q '^fuzz_demo: Done 1011 runs' <<<"$out"; then ok; else bad "fuzz_run, fuzz_demo in one part: exit $rc: $out"; fi
out=$(SYNACK_FUZZ_SPLIT="fuzz_demo:two" bash "$fuzz" "$fbuild" "$fsrc" 2>&1)
rc=$?
if [ $rc -ne 0 ] && grep -q "SYNACK_FUZZ_SPLIT: 'fuzz_demo:two' needs a positive number of parts" <<<"$out"; then ok; else bad "fuzz_run, SYNACK_FUZZ_SPLIT=fuzz_demo:two: exit $rc: $out"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] || exit 1
if [ ${#lacking[@]} -gt 0 ]; then
    sk_skip harness "some checks could not run: ${lacking[*]} missing"
fi
exit 0
