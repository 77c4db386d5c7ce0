#!/usr/bin/env bash
# test_bench_smoke.sh: the benchmark drivers cannot rot silently. Runs each
# driver in its smoke mode (SMOKE=1: one round of tiny runs through every
# code path; run_tap_bench.sh also through PROFILE's) against a Release
# build and checks that it succeeded, printed its provenance and a full
# table; then checks that run_tcp_bench.sh fails when synack's bulk run
# reports a verify failure (a stand-in bench_tcp that fails the way
# bench_tcp does when the bytes received differ).
#
#   bash bench/test_bench_smoke.sh BUILD_DIR      (ctest -L bench, Release)
#
# Needs root (network namespaces, TAP devices): exit 77 otherwise. The
# drivers create and remove their own namespaces and addresses.
set -u
BUILD=${1:?usage: test_bench_smoke.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
if [ "$(id -u)" -ne 0 ]; then
    echo "test_bench_smoke: skipped: needs root" >&2
    exit 77
fi
for b in bench_checksum bench_tcp bench_1m linux_tcp_peer linux_udp_peer bench_udp lwip_tap_server rr_peer rr_synack tap_write_bench; do
    [ -x "$BUILD/bench/$b" ] || { echo "FAIL: $BUILD/bench/$b is missing" >&2; exit 1; }
done
TMP=$(mktemp -d /tmp/skb-smoke.XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT
fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

# expect_header OUT NAME: the provenance lines every driver prints
expect_header() {
    local k
    for k in "commit: " "kernel: " "cpu: " "cpus online: " "date: "; do
        grep -q "^# $k." "$1" || fail "$2: no '# $k' line in its header"
    done
}

# expect_rows OUT NAME LABEL...: each LABEL heads a markdown row whose cells
# are all numbers (ratios as "R [MIN-MAX]")
expect_rows() {
    local out=$1 name=$2 label line
    shift 2
    for label in "$@"; do
        line=$(grep -F "| $label |" "$out" | head -n 1)
        if [ -z "$line" ]; then
            fail "$name: no row '$label'"
            continue
        fi
        awk -F'|' '{ for (i = 3; i < NF; i++) if ($i !~ /^ *[0-9.]+x?( \[[0-9.]+-[0-9.]+\])? *$/) exit 1 }' \
            <<<"$line" || fail "$name: row '$label' has a cell that is not a number: $line"
    done
}

# run NAME OUT COMMAND...: the command must succeed
run() {
    local name=$1 out=$2
    shift 2
    local t0=$SECONDS
    if ! "$@" >"$out" 2>&1; then
        fail "$name exited with an error:"
        # the driver's own complaints first (they may be far above the tail)
        grep -n -i -E "did not|failed|error|refused|not echoed|timed out|missing" "$out" |
            grep -v -E "errors 0|, errors=0" | head -n 20 | sed 's/^/    first: /' >&2
        tail -n 30 "$out" >&2
    fi
    echo "$name: $((SECONDS - t0)) s"
}

run run_checksum_bench.sh "$TMP/csum" env SMOKE=1 bash "$HERE/run_checksum_bench.sh" "$BUILD"
expect_header "$TMP/csum" run_checksum_bench.sh
expect_rows "$TMP/csum" run_checksum_bench.sh "1500 B" "65536 B"

# a million idle connections, in its smoke size (20,000): every connection
# opened, kept through both idle phases, the table complete
run run_1m_bench.sh "$TMP/1m" env SMOKE=1 SPREAD_S=10 bash "$HERE/run_1m_bench.sh" "$BUILD"
expect_header "$TMP/1m" run_1m_bench.sh
# keepalive turned on over 10 s, then 120 s idle at 75 s: two probes each
grep -q "^RESULT keepalive_idle_s=75 spread_s=10 probes=40000 " "$TMP/1m" ||
    fail "run_1m_bench.sh: not two keepalive probes per connection"
grep -q "^RESULT established_after=20000 " "$TMP/1m" ||
    fail "run_1m_bench.sh: not every connection established after the idle phases"
expect_rows "$TMP/1m" run_1m_bench.sh "sizeof(sk_tcb), the core" "RSS after opening, MB" \
    "CPU % of a core idle, keepalive off" "bytes per TIME-WAIT record"
grep -q "^RESULT time_wait=20000 tw_records_made=20000 " "$TMP/1m" ||
    fail "run_1m_bench.sh: not every connection closed into a TIME-WAIT record"
grep -q "^RESULT time_wait_after_2msl=0 tw_expired=20000" "$TMP/1m" ||
    fail "run_1m_bench.sh: TIME-WAIT records left after 2 MSL"

run run_tcp_bench.sh "$TMP/tcp" env SMOKE=1 bash "$HERE/run_tcp_bench.sh" "$BUILD"
expect_header "$TMP/tcp" run_tcp_bench.sh
grep -q "^round 1/1 order: " "$TMP/tcp" || fail "run_tcp_bench.sh: no order line"
grep -q "^# order: shuffled in every round, seed [0-9]" "$TMP/tcp" ||
    fail "run_tcp_bench.sh: no seed line"
[ "$(grep -c 'bytes verified' "$TMP/tcp")" = 3 ] ||
    fail "run_tcp_bench.sh: not 3 verified bulk runs (synack, linux, linux-nooff)"
expect_rows "$TMP/tcp" run_tcp_bench.sh "bulk Gbit/s (wall clock)" \
    "bulk CPU-s per GB (/proc/stat)" "bulk CPU-s per GB (processes)" "conn/s, 1 at a time" \
    "CPU-s per 1000 conn, 1 at a time (/proc/stat)" "conn/s, 50 at once" \
    "CPU-s per 1000 conn, 50 at once (processes)"

# FAMILY=6: both stacks over IPv6 (bench_tcp --ipv6; Linux over the veth
# pair's 2001:db8::/64), every bulk run verified
run "run_tcp_bench.sh FAMILY=6" "$TMP/tcp6" env SMOKE=1 FAMILY=6 bash "$HERE/run_tcp_bench.sh" "$BUILD"
grep -q "MTU 1500; IPv6$" "$TMP/tcp6" || fail "run_tcp_bench.sh FAMILY=6: no IPv6 in the header"
[ "$(grep -c 'bytes verified' "$TMP/tcp6")" = 3 ] ||
    fail "run_tcp_bench.sh FAMILY=6: not 3 verified bulk runs"
expect_rows "$TMP/tcp6" run_tcp_bench.sh "bulk Gbit/s (wall clock)" "conn/s, 1 at a time" \
    "conn/s, 50 at once"
env FAMILY=5 bash "$HERE/run_tcp_bench.sh" "$BUILD" >/dev/null 2>&1
[ $? = 2 ] || fail "run_tcp_bench.sh FAMILY=5 is not a usage error"

run run_tap_bench.sh "$TMP/tap" env SMOKE=1 bash "$HERE/run_tap_bench.sh" "$BUILD"
expect_header "$TMP/tap" run_tap_bench.sh
grep -q "^round 1/1 order: " "$TMP/tap" || fail "run_tap_bench.sh: no order line"
grep -q "^synack bulk: .* per frame:" "$TMP/tap" || fail "run_tap_bench.sh: no PROFILE output"
grep -q "lwip server: RESULT .*rx_mbox_full=" "$TMP/tap" ||
    fail "run_tap_bench.sh: lwIP's mailbox drops are not shown"
expect_rows "$TMP/tap" run_tap_bench.sh "bulk Gbit/s (wall clock)" \
    "bulk CPU-s per GB (/proc/stat)" "conn/s, 1 at a time" "conn/s, 10 at once" \
    "CPU-s per 1000 conn, 10 at once (/proc/stat)"
expect_rows "$TMP/tap" run_tap_bench.sh "request/response p50 us" "request/response p99 us" \
    "CPU-us per round trip (/proc/stat)" "CPU-us per round trip (processes)"
# every stack's round trips were timed and checked: a positive p50, p99 >= p50
grep -E "^  (synack|lwip|linux) rr: p50 " "$TMP/tap" | awk '{ if ($4 + 0 <= 0 || $7 + 0 < $4 + 0) bad = 1; n++ }
    END { exit (n == 3 && !bad) ? 0 : 1 }' ||
    fail "run_tap_bench.sh: not three request/response runs with 0 < p50 <= p99"
expect_rows "$TMP/tap" run_tap_bench.sh "request/response p50 us, synack the client" \
    "CPU-us per round trip, synack the client (processes)"
grep -E "^  (synack|linux) rrc: p50 " "$TMP/tap" | awk '{ if ($4 + 0 <= 0 || $7 + 0 < $4 + 0) bad = 1; n++ }
    END { exit (n == 2 && !bad) ? 0 : 1 }' ||
    fail "run_tap_bench.sh: not two client-side request/response runs with 0 < p50 <= p99"

# MQ=1: --cores 1 against --cores 2 on a multi-queue TAP, both rows
# numbers (an empty cell is a failed run: the driver exits 1 then too)
if [ "$(nproc)" -ge 2 ]; then
    run "run_tap_bench.sh MQ=1" "$TMP/tapmq" env SMOKE=1 MQ=1 bash "$HERE/run_tap_bench.sh" "$BUILD"
    expect_header "$TMP/tapmq" "run_tap_bench.sh MQ=1"
    for row in "bulk x4, Gbit/s" "10 at once, conn/s"; do
        grep -E "^$row +[0-9.]+ +[0-9.]+ [0-9.]+ \[" "$TMP/tapmq" >/dev/null ||
            fail "run_tap_bench.sh MQ=1: row '$row' is not numbers for both"
    done
fi

# AF_XDP: synack serve --xdp on a veth end against the TAP and Linux; the
# send runs' sinks got every byte (the driver fails otherwise)
run run_xdp_bench.sh "$TMP/xdp" env SMOKE=1 bash "$HERE/run_xdp_bench.sh" "$BUILD"
expect_header "$TMP/xdp" run_xdp_bench.sh
grep -q "synack server: synack serve: listening on AF_XDP xa0" "$TMP/xdp" ||
    fail "run_xdp_bench.sh: synack did not run over AF_XDP"
expect_rows "$TMP/xdp" run_xdp_bench.sh "bulk Linux -> stack, Gbit/s" "conn/s, 1 at a time" \
    "send stack -> Linux, Gbit/s" "send CPU-s per GB (/proc/stat)"

# nginx under synack run vs on the kernel: every ab run complete (the
# driver fails otherwise), both table rows numbers; needs nginx and ab
if command -v nginx >/dev/null && command -v ab >/dev/null; then
    run run_preload_bench.sh "$TMP/preload" env SMOKE=1 bash "$HERE/run_preload_bench.sh" "$BUILD"
    expect_header "$TMP/preload" run_preload_bench.sh
    [ "$(grep -c '200 complete, 0 failed' "$TMP/preload")" = 4 ] ||
        fail "run_preload_bench.sh: not 4 complete ab runs (synack, linux, with and without -k)"
    expect_rows "$TMP/preload" run_preload_bench.sh "-c 10" "-c 10 -k"
    [ "$(grep -c '^round 1 iperf3 .*Gbit/s' "$TMP/preload")" = 4 ] ||
        fail "run_preload_bench.sh: not 4 iperf3 runs (synack, linux; send, recv)"
    expect_rows "$TMP/preload" run_preload_bench.sh send recv
else
    echo "run_preload_bench.sh: skipped (nginx or ab not installed)"
fi

run run_tapwrite_bench.sh "$TMP/tapw" env SMOKE=1 bash "$HERE/run_tapwrite_bench.sh" "$BUILD"
expect_header "$TMP/tapw" run_tapwrite_bench.sh
if grep -q "io_uring: not built" "$TMP/tapw"; then # no liburing-dev: write() alone
    grep -q "^| 1514 B | 1 | [0-9.]* |" "$TMP/tapw" || fail "run_tapwrite_bench.sh: no write() row"
else
    expect_rows "$TMP/tapw" run_tapwrite_bench.sh "1514 B" "66 B"
fi

# 64 MiB, not less: a smaller transfer can take under one jiffy of CPU on the
# pinned CPUs, so /proc/stat reads 0 busy and the CPU-s/GB ratio is 0/0
run run_tapsend_bench.sh "$TMP/tapsend" env ROUNDS=1 MIB=64 IPERF_S=1 bash "$HERE/run_tapsend_bench.sh" "$BUILD"
expect_header "$TMP/tapsend" run_tapsend_bench.sh
grep -q "^  on: .* bytes verified.*super-segments written [1-9]" "$TMP/tapsend" ||
    fail "run_tapsend_bench.sh: no verified run with super-segments"
grep -q "^  linux: .* bytes verified" "$TMP/tapsend" ||
    fail "run_tapsend_bench.sh: no verified run of the Linux baseline"
grep -q "^  linux-file: .* bytes verified" "$TMP/tapsend" ||
    fail "run_tapsend_bench.sh: no verified run of Linux sending the file from stdin"
grep -q "^  iperf3: .* bytes received by iperf3 -s" "$TMP/tapsend" ||
    fail "run_tapsend_bench.sh: no run of synack connect --iperf3"
grep -q "^  linux-iperf3: .* bytes received by iperf3 -s" "$TMP/tapsend" ||
    fail "run_tapsend_bench.sh: no run of Linux's iperf3 client"
grep -q "^| Gbit/s | [0-9.]* | [0-9.]* | [0-9.]* \\[" "$TMP/tapsend" ||
    fail "run_tapsend_bench.sh: no iperf3 table with both rates and their ratio"
env MODES="on bogus" bash "$HERE/run_tapsend_bench.sh" "$BUILD" >/dev/null 2>&1
[ $? = 2 ] || fail "run_tapsend_bench.sh MODES='on bogus' is not a usage error"
expect_rows "$TMP/tapsend" run_tapsend_bench.sh "Gbit/s" "CPU-s/GB (2 pinned CPUs)"

run run_udp_bench.sh "$TMP/udp" env SMOKE=1 bash "$HERE/run_udp_bench.sh" "$BUILD"
expect_header "$TMP/udp" run_udp_bench.sh
grep -q "^round 1/1 order: " "$TMP/udp" || fail "run_udp_bench.sh: no order line"
expect_rows "$TMP/udp" run_udp_bench.sh "datagrams/s, 64 B" "CPU-s per M dgram, 64 B (/proc/stat)" \
    "CPU-s per M dgram, 64 B (processes)" "datagrams/s, 1472 B" \
    "CPU-s per M dgram, 1472 B (/proc/stat)" "CPU-s per M dgram, 1472 B (processes)" \
    "datagrams lost per run, 64 B" "datagrams lost per run, 1472 B" \
    "in-process datagrams/s, 64 B" "in-process CPU ns per dgram, 64 B (processes)" \
    "in-process datagrams/s, 1472 B" "in-process CPU ns per dgram, 1472 B (/proc/stat)"
# the rates and CPU costs must be positive (a count of 0 echoes is a failure)
for label in "datagrams/s, 64 B" "datagrams/s, 1472 B" "CPU-s per M dgram, 64 B (processes)" \
    "in-process datagrams/s, 64 B" "in-process CPU ns per dgram, 1472 B (processes)"; do
    grep -F "| $label |" "$TMP/udp" | awk -F'|' '{ if ($3 + 0 <= 0 || $4 + 0 <= 0) exit 1 }' ||
        fail "run_udp_bench.sh: row '$label' is not positive for both stacks"
done

# A verify failure must fail the driver: bench_tcp replaced by a stand-in
# that runs the real one except for bulk, where it fails as bench_tcp does
# when the received bytes differ from those sent.
mkdir -p "$TMP/fake/bench"
ln -s "$(cd "$BUILD/bench" && pwd)/linux_tcp_peer" "$TMP/fake/bench/linux_tcp_peer"
cat >"$TMP/fake/bench/bench_tcp" <<EOS
#!/bin/sh
if [ "\$1" = bulk ]; then
    echo "bench_tcp: bulk: received bytes differ from those sent" >&2
    exit 1
fi
exec "$(cd "$BUILD/bench" && pwd)/bench_tcp" "\$@"
EOS
chmod +x "$TMP/fake/bench/bench_tcp"
SMOKE=1 bash "$HERE/run_tcp_bench.sh" "$TMP/fake" >"$TMP/bad" 2>&1
rc=$?
[ $rc = 1 ] || fail "run_tcp_bench.sh with a failing synack bulk run exited $rc, not 1"
grep -q "synack bulk (exit 1) failed" "$TMP/bad" || fail "run_tcp_bench.sh did not name the failed run"
grep -q "received bytes differ" "$TMP/bad" || fail "run_tcp_bench.sh did not show the run's error"

if [ $fails != 0 ]; then
    echo "test_bench_smoke: $fails failures" >&2
    exit 1
fi
echo "test_bench_smoke: every driver ran every path; a verify failure fails run_tcp_bench.sh"
