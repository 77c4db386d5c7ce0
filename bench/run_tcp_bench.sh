#!/usr/bin/env bash
# run_tcp_bench.sh: synack's TCP benchmark beside Linux's own TCP, measured
# in the same run, interleaved round by round, medians and ratios printed.
#
#   sudo bench/run_tcp_bench.sh [BUILD_DIR]        (default: build/release)
#
# synack: bench_tcp runs both stacks in one process on one CPU (in-process
#   frame hand-off; no packet leaves the process).
# Linux:  linux_tcp_peer, client in namespace skb-a-PID, server in
#   skb-b-PID, joined by a veth pair (MTU 1500, 192.0.2.1/24 and
#   192.0.2.2/24, addresses that exist only inside those namespaces).
#
# Pinning (when taskset and two CPUs exist): synack on SYNACK_CPU (0); the
# Linux client/source on LINUX_CLIENT_CPU (0), server/sink on
# LINUX_SERVER_CPU (1). Two communicating Linux processes would normally run
# on two CPUs, so Linux gets two and synack, which runs both ends in one
# thread, gets one: wall-clock ratios favour Linux. The "per CPU-second"
# rows divide by the CPU time actually used (both ends, both stacks) and
# compare cost rather than speed.
#
# Linux is measured twice for bulk: with the veth defaults (TSO/GSO/GRO and
# checksum offload: 64 KiB super-packets, no checksum computed at all) and
# with those offloads off (one 1500-byte packet at a time, checksums in
# software), which is what synack does.
#
# TIME-WAIT: the client closes first in both stacks, so TIME-WAIT lands on
# the client. synack gets time_wait_us = TW_MS; Linux (whose TIME-WAIT is a
# fixed 60 s) gets tcp_tw_reuse=1 with tcp_tw_reuse_delay = TW_MS where the
# kernel has it, and the same ephemeral range as synack (49152-65535).
# Either client waits and retries when every port is in TIME-WAIT.
# One client address talking to one server port can open at most
# 16384 ports / TIME-WAIT connections per second (60 s: 273/s, for any
# stack); TW_MS=20 puts that ceiling (819k/s) far above both stacks, so the
# test measures the stacks, not the port space. At TW_MS=100 synack's
# one-at-a-time rate (~160k/s) sits on the ceiling and spends its time
# searching for a free port.
#
# Environment: ROUNDS (5), MIB (256), CONNS (20000), CONC (1000; 0 skips the
# concurrent test), TW_MS (20), SYNACK_CPU, LINUX_CLIENT_CPU,
# LINUX_SERVER_CPU, STEP_TIMEOUT (120 s per program).
# Exit: 0 done, 1 a measurement failed, 2 usage/missing binaries, 77 not root.
set -u
ME=run_tcp_bench.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh" || exit 2

BUILD_DIR=${1:-build/release}
ROUNDS=${ROUNDS:-5}
MIB=${MIB:-256}
CONNS=${CONNS:-20000}
CONC=${CONC:-1000}
TW_MS=${TW_MS:-20}
SYNACK_CPU=${SYNACK_CPU:-0}
LINUX_CLIENT_CPU=${LINUX_CLIENT_CPU:-0}
LINUX_SERVER_CPU=${LINUX_SERVER_CPU:-1}
STEP_TIMEOUT=${STEP_TIMEOUT:-120}

need_root "network namespaces"
BENCH=$BUILD_DIR/bench/bench_tcp
PEER=$BUILD_DIR/bench/linux_tcp_peer
if [ ! -x "$BENCH" ] || [ ! -x "$PEER" ]; then
    echo "$ME: $BENCH or $PEER is missing; build them first:" >&2
    echo "    cmake --preset release && cmake --build --preset release -j2" >&2
    exit 2
fi
need_numbers ROUNDS MIB CONNS CONC TW_MS STEP_TIMEOUT
need_range ROUNDS 1 50
need_tools ip timeout

NSA=skb-a-$$
NSB=skb-b-$$
bench_start skb-tcp

# ---- namespaces ----
veth_pair || exit 1
ip netns exec "$NSA" sysctl -qw net.ipv4.ip_local_port_range="49152 65535"
ip netns exec "$NSA" sysctl -qw net.ipv4.tcp_tw_reuse=1
if [ -e /proc/sys/net/ipv4/tcp_tw_reuse_delay ] && [ "$TW_MS" -ge 1 ]; then
    ip netns exec "$NSA" sysctl -qw net.ipv4.tcp_tw_reuse_delay="$TW_MS"
    LINUX_TW="tw_reuse after ${TW_MS} ms"
else
    LINUX_TW="tw_reuse after the kernel default (1 s)"
fi

# start_server NAME ARGS...: the server in $NSB, pinned; waits for READY
start_server() {
    local out=$TMP/$1.srv
    shift
    serve_bg "$out" "$LINUX_SERVER_CPU" ip netns exec "$NSB" "$PEER" "$@"
    wait_ready "$out" && return 0
    echo "$ME: server $* did not start:" >&2
    cat "$out" >&2
    return 1
}

wait_server() { reap "$SRV_PID"; }

run_client() { # run_client OUT ARGS...
    local out=$1
    shift
    run_fg "$out" "$LINUX_CLIENT_CPU" ip netns exec "$NSA" "$PEER" "$@"
}

linux_bulk() { # linux_bulk TAG
    local tag=$1
    start_server bulk bulk-sink 5001 || { FAIL=1; return; }
    run_client "$TMP/bulk.cli" bulk-source 192.0.2.2 5001 "$MIB" || FAIL=1
    wait_server || FAIL=1
    local wall cpu1 cpu2
    wall=$(field wall_s "$TMP/bulk.cli")
    cpu1=$(field cpu_s "$TMP/bulk.cli")
    cpu2=$(field cpu_s "$TMP/bulk.srv")
    if [ -z "$wall" ] || [ -z "$cpu1" ] || [ -z "$cpu2" ]; then
        echo "$ME: linux bulk ($tag) failed:" >&2
        cat "$TMP/bulk.cli" "$TMP/bulk.srv" >&2
        FAIL=1
        return
    fi
    record "bulk_gbps.$tag" "$(field gbps "$TMP/bulk.cli")"
    record "bulk_gbps_cpu.$tag" "$(gbps_per_cpu "$MIB" "$cpu1" "$cpu2")"
    echo "  linux($tag) bulk: $(field gbps "$TMP/bulk.cli") Gbit/s, CPU ${cpu1}+${cpu2} s"
}

linux_conn() { # linux_conn TAG CONC
    local tag=$1 conc=$2
    start_server conn conn-server 5002 "$CONNS" "$conc" || { FAIL=1; return; }
    run_client "$TMP/conn.cli" conn-client 192.0.2.2 5002 "$CONNS" "$conc" || FAIL=1
    wait_server || FAIL=1
    local rate cpu1 cpu2
    rate=$(field conn_per_s "$TMP/conn.cli")
    cpu1=$(field cpu_s "$TMP/conn.cli")
    cpu2=$(field cpu_s "$TMP/conn.srv")
    if [ -z "$rate" ] || [ -z "$cpu2" ]; then
        echo "$ME: linux conn (conc $conc) failed:" >&2
        cat "$TMP/conn.cli" "$TMP/conn.srv" >&2
        FAIL=1
        return
    fi
    record "conn$conc.$tag" "$rate"
    record "conn${conc}_cpu.$tag" "$(conns_per_cpu "$CONNS" "$cpu1" "$cpu2")"
    echo "  linux($tag) conn (conc $conc): $rate conn/s, CPU ${cpu1}+${cpu2} s," \
        "port stalls $(field port_stalls "$TMP/conn.cli")"
}

synack_round() {
    local out=$TMP/synack.out
    run_fg "$out" "$SYNACK_CPU" "$BENCH" bulk --mib "$MIB" || { FAIL=1; cat "$out" >&2; }
    record bulk_gbps.synack "$(field gbps "$out")"
    record bulk_gbps_cpu.synack "$(field gbps_per_cpu "$out")"
    echo "  synack bulk: $(field gbps "$out") Gbit/s, CPU $(field cpu_s "$out") s"
    local conc
    for conc in 1 $CONC; do
        [ "$conc" = 0 ] && continue
        run_fg "$out" "$SYNACK_CPU" "$BENCH" conn --conns "$CONNS" --conc "$conc" \
            --tw-ms "$TW_MS" || { FAIL=1; cat "$out" >&2; }
        record "conn$conc.synack" "$(field conn_per_s "$out")"
        record "conn${conc}_cpu.synack" "$(field conn_per_cpu_s "$out")"
        echo "  synack conn (conc $conc): $(field conn_per_s "$out") conn/s," \
            "CPU $(field cpu_s "$out") s, port stalls $(field port_stalls "$out")"
    done
}

linux_round() {
    offloads on
    linux_bulk linux
    linux_conn linux 1
    [ "$CONC" != 0 ] && linux_conn linux "$CONC"
    if offloads off; then
        linux_bulk nooff
        offloads on
    fi
}

echo "synack vs Linux TCP: $ROUNDS rounds, bulk $MIB MiB, $CONNS connections" \
    "(1 at a time$([ "$CONC" != 0 ] && echo ", and $CONC at once")), MTU 1500"
echo "pinning: synack CPU $SYNACK_CPU; linux client CPU $LINUX_CLIENT_CPU," \
    "server CPU $LINUX_SERVER_CPU ($NCPU CPUs online)"
echo "TIME-WAIT: synack ${TW_MS} ms; linux 60 s with $LINUX_TW; ports 49152-65535 for both"
for r in $(seq 1 "$ROUNDS"); do
    echo "round $r/$ROUNDS"
    synack_round
    linux_round
done

echo
echo "medians of $ROUNDS rounds (linux-nooff: veth TSO/GSO/GRO/checksum offload off)"
TABLE_FMT="%-34s %10s %10s %12s %8s %10s\n"
TABLE_TAGS=(synack linux nooff)
TABLE_VS=(linux nooff)
table
bench_exit
