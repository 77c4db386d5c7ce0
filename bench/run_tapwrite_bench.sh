#!/usr/bin/env bash
# run_tapwrite_bench.sh: what one frame written to a TAP costs, one write()
# per frame against io_uring batches of several sizes (bench/tap_write_bench.c;
# issue 9 item 2). The program runs pinned to SERVER_CPU in a namespace
# made here, where it creates its own TAP; the frames go to a MAC nobody has
# and the kernel drops them before IP, so nothing leaves the namespace.
#
#   sudo bench/run_tapwrite_bench.sh [BUILD_DIR]      (default: build/release)
#
# Environment: FRAMES (200000 per way per round), ROUNDS (9), BATCHES
# ("1 8 32 128": io_uring batch sizes, one run each), SERVER_CPU (1),
# STEP_TIMEOUT (120 s per run),
# SMOKE=1 (2000 frames, 3 rounds, batches "1 32": every path, not a
# measurement). Exit: 0 done, 1 a run failed, 2 usage/missing binary, 77 not
# root.
set -u
ME=run_tapwrite_bench.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh" || exit 2

BUILD_DIR=${1:-build/release}
SMOKE=${SMOKE:-0}
FRAMES=${FRAMES:-200000}
ROUNDS=${ROUNDS:-9}
BATCHES=${BATCHES:-1 8 32 128}
SERVER_CPU=${SERVER_CPU:-1}
STEP_TIMEOUT=${STEP_TIMEOUT:-120}
if [ "$SMOKE" = 1 ]; then
    FRAMES=2000
    ROUNDS=3
    BATCHES="1 32"
fi
need_root "a network namespace and a TAP device"
need_numbers FRAMES ROUNDS SERVER_CPU STEP_TIMEOUT
need_range ROUNDS 1 51
need_tools ip timeout
BIN=$BUILD_DIR/bench/tap_write_bench
[ -x "$BIN" ] || { echo "$ME: $BIN is missing; build first" >&2; exit 2; }

NS=sktw-$$
bench_start sktw
netns_add "$NS" || exit 1
provenance "$BUILD_DIR" "FRAMES=$FRAMES ROUNDS=$ROUNDS BATCHES=\"$BATCHES\" SMOKE=$SMOKE bash bench/run_tapwrite_bench.sh $BUILD_DIR"
echo "# frames to a foreign MAC (dropped by the kernel before IP); ns per frame, medians of" \
    "$ROUNDS rounds, write and io_uring alternating; cpu: the thread's CPU time"
echo
echo "| frame | io_uring batch | write() wall ns | io_uring wall ns | write() CPU ns | io_uring CPU ns | io_uring/write CPU |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
for b in $BATCHES; do
    out=$TMP/b$b
    run_fg "$out" "$SERVER_CPU" ip netns exec "$NS" "$BIN" --tap tw0 -n "$FRAMES" \
        -r "$ROUNDS" -b "$b"
    if ! grep -q "RESULT way=write" "$out"; then
        echo "$ME: batch $b failed:" >&2
        cat "$out" >&2
        FAIL=1
        continue
    fi
    grep -q "io_uring: not built" "$out" && echo "($(grep -m1 'io_uring: not built' "$out"))"
    for size in 1514 66; do
        w=$(grep "way=write size=$size " "$out")
        u=$(grep "way=io_uring size=$size " "$out")
        wf() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
        [ "$(wf errors "$w")" = 0 ] || { echo "$ME: write errors: $w" >&2; FAIL=1; }
        [ -z "$u" ] || [ "$(wf errors "$u")" = 0 ] || { echo "$ME: io_uring errors: $u" >&2; FAIL=1; }
        echo "| $size B | $b | $(wf wall_ns "$w") | $(wf wall_ns "$u") | $(wf cpu_ns "$w") |" \
            "$(wf cpu_ns "$u") | $(awk -v a="$(wf cpu_ns "$w")" -v b="$(wf cpu_ns "$u")" \
            'BEGIN { if (a > 0 && b > 0) printf "%.2f", b / a; else printf "-" }') |"
    done
done
[ "$FAIL" = 0 ] || exit 1
exit 0
