#!/usr/bin/env bash
# run_tcp_bench.sh: synack's TCP benchmark beside Linux's own TCP, measured
# in the same run: every run lasts RUN_S seconds (work / elapsed), the runs
# of a round go in a random order (seeded, printed), and the tables give
# each stack's median over the rounds and the median [min-max] of the
# per-round ratios synack/Linux.
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
# rows divide by the CPU time actually used and compare cost rather than
# speed: the busy time of the run's pinned CPUs from /proc/stat (synack:
# SYNACK_CPU; Linux: both of its CPUs, so its softirq and ksoftirqd work
# counts wherever it runs), and beside it the processes' own CPU time.
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
# FAMILY=6 runs both stacks over IPv6: bench_tcp --ipv6 (2001:db8::1 and
# ::2 in memory, MSS 1440), Linux over the same veth pair with 2001:db8::1/64
# and 2001:db8::2/64 added (nodad; the servers listen on [::]). The
# 20 extra header bytes per packet are the same for both stacks.
#
# Every synack bulk run verifies every byte it received (bench_tcp always
# does) and Linux's sink does the same (-v); the run fails on a difference.
#
# Environment: LINUX_CC (cubic; lib.sh: linux_tcp_peer's congestion control),
# SYNACK_TSO (0; 1: synack's bulk with `bench_tcp --tso`, both stacks
# offloading checksums, TSO and GRO through the frame metadata, the
# like-for-like of Linux's veth with its offloads; 0: MTU-sized frames each
# checksummed, the like-for-like of linux-nooff),
# ROUNDS (5), RUN_S (2: seconds per run), CONC (1000; 0 skips
# the concurrent test), FAMILY (4 or 6), TW_MS (20), SYNACK_CPU, LINUX_CLIENT_CPU,
# LINUX_SERVER_CPU, SEED (the order of the runs; default from the date),
# STEP_TIMEOUT (60 s per program), SMOKE=1 (1 round of 0.3 s runs, CONC 50:
# every code path, fails on any error or empty cell; not a measurement).
# Exit: 0 done, 1 a measurement failed, 2 usage/missing binaries, 77 not root.
set -u
ME=run_tcp_bench.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh" || exit 2

BUILD_DIR=${1:-build/release}
SMOKE=${SMOKE:-0}
ROUNDS=${ROUNDS:-5}
RUN_S=${RUN_S:-2}
CONC=${CONC:-1000}
TW_MS=${TW_MS:-20}
SYNACK_CPU=${SYNACK_CPU:-0}
LINUX_CLIENT_CPU=${LINUX_CLIENT_CPU:-0}
LINUX_SERVER_CPU=${LINUX_SERVER_CPU:-1}
STEP_TIMEOUT=${STEP_TIMEOUT:-60}
FAMILY=${FAMILY:-4}
SYNACK_TSO=${SYNACK_TSO:-0}
case $SYNACK_TSO in
    0) SYNACK_TSO_ARGS=() ;;
    1) SYNACK_TSO_ARGS=(--tso) ;;
    *) echo "$ME: SYNACK_TSO must be 0 or 1" >&2; exit 2 ;;
esac
if [ "$SMOKE" = 1 ]; then
    ROUNDS=1
    RUN_S=0.3
    CONC=50
fi
COMMAND="LINUX_CC=$LINUX_CC SYNACK_TSO=$SYNACK_TSO ROUNDS=$ROUNDS RUN_S=$RUN_S CONC=$CONC TW_MS=$TW_MS FAMILY=$FAMILY SMOKE=$SMOKE bash bench/run_tcp_bench.sh $BUILD_DIR"

need_root "network namespaces"
BENCH=$BUILD_DIR/bench/bench_tcp
PEER=$BUILD_DIR/bench/linux_tcp_peer
if [ ! -x "$BENCH" ] || [ ! -x "$PEER" ]; then
    echo "$ME: $BENCH or $PEER is missing; build them first:" >&2
    echo "    cmake --preset release && cmake --build --preset release -j2" >&2
    exit 2
fi
need_numbers ROUNDS CONC TW_MS STEP_TIMEOUT SYNACK_CPU LINUX_CLIENT_CPU LINUX_SERVER_CPU FAMILY
need_range ROUNDS 1 50
need_range FAMILY 4 6
[ "$FAMILY" = 5 ] && { echo "$ME: FAMILY is 4 or 6" >&2; exit 2; }
need_seconds RUN_S "$STEP_TIMEOUT"
need_tools ip timeout
[ "$SMOKE" = 1 ] && need_tools ethtool taskset

NSA=skb-a-$$
NSB=skb-b-$$
bench_start skb-tcp

# ---- namespaces ----
veth_pair || exit 1
SERVER_IP=192.0.2.2
SYNACK_FAM=()
PEER_FAM=()
if [ "$FAMILY" = 6 ]; then
    for ns in "$NSA" "$NSB"; do
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=0 || exit 1
    done
    ip -n "$NSA" addr add 2001:db8::1/64 dev va nodad || exit 1
    ip -n "$NSB" addr add 2001:db8::2/64 dev vb nodad || exit 1
    SERVER_IP=2001:db8::2
    SYNACK_FAM=(--ipv6)
    PEER_FAM=(-6)
fi
ip netns exec "$NSA" sysctl -qw net.ipv4.ip_local_port_range="49152 65535"
ip netns exec "$NSA" sysctl -qw net.ipv4.tcp_tw_reuse=1
if [ -e /proc/sys/net/ipv4/tcp_tw_reuse_delay ] && [ "$TW_MS" -ge 1 ]; then
    ip netns exec "$NSA" sysctl -qw net.ipv4.tcp_tw_reuse_delay="$TW_MS"
    LINUX_TW="tw_reuse after ${TW_MS} ms"
else
    LINUX_TW="tw_reuse after the kernel default (1 s)"
fi
SYNACK_CPUS=$(cpu_list "$SYNACK_CPU")
LINUX_CPUS=$(cpu_list "$LINUX_CLIENT_CPU" "$LINUX_SERVER_CPU")
ALL_CPUS=$(cpu_list "$SYNACK_CPU" "$LINUX_CLIENT_CPU" "$LINUX_SERVER_CPU")

# start_server NAME ARGS...: the server in $NSB, pinned; waits for READY
start_server() {
    local out=$TMP/$1.srv
    shift
    serve_bg "$out" "$LINUX_SERVER_CPU" ip netns exec "$NSB" "$PEER" "${LINUX_CC_ARGS[@]}" ${PEER_FAM[@]+"${PEER_FAM[@]}"} "$@"
    wait_ready "$out" && return 0
    echo "$ME: server $* did not start:" >&2
    cat "$out" >&2
    return 1
}

run_client() { # run_client OUT ARGS...
    local out=$1
    shift
    run_fg "$out" "$LINUX_CLIENT_CPU" ip netns exec "$NSA" "$PEER" "${LINUX_CC_ARGS[@]}" "$@"
}

failed() { # failed WHAT FILE...: report a failed run with its output
    local what=$1
    shift
    echo "$ME: $what failed:" >&2
    cat "$@" >&2
    FAIL=1
}

stat_note() { echo "CPUs $STAT_LIST busy $STAT_BUSY_S s (steal $STAT_STEAL_S s)"; }

# record_bulk TAG OUT CPU_S: Gbit/s from OUT, cost from /proc/stat and CPU_S
record_bulk() {
    local tag=$1 out=$2 pcpu=$3 bytes
    bytes=$(field bytes "$out")
    record "bulk_gbps.$tag" "$(field gbps "$out")"
    record "bulk_cpugb.$tag" "$(per_gb "$STAT_BUSY_S" "$bytes")"
    record "bulk_pcpugb.$tag" "$(per_gb "$pcpu" "$bytes")"
    echo "  $tag bulk: $(field gbps "$out") Gbit/s, $bytes bytes verified; $(stat_note);" \
        "processes $pcpu s"
}

record_conn() { # record_conn TAG CONC OUT CPU_S
    local tag=$1 conc=$2 out=$3 pcpu=$4 n
    n=$(field conns "$out")
    record "conn$conc.$tag" "$(field conn_per_s "$out")"
    record "conn${conc}_cpuk.$tag" "$(per_kconn "$STAT_BUSY_S" "$n")"
    record "conn${conc}_pcpuk.$tag" "$(per_kconn "$pcpu" "$n")"
    echo "  $tag conn (conc $conc): $(field conn_per_s "$out") conn/s, $n connections;" \
        "$(stat_note); processes $pcpu s; port stalls $(field port_stalls "$out")"
}

synack_bulk() {
    local out=$TMP/synack.out
    stat_begin "$SYNACK_CPUS"
    run_fg "$out" "$SYNACK_CPU" "$BENCH" bulk --seconds "$RUN_S" --timeout "$STEP_TIMEOUT" \
        ${SYNACK_FAM[@]+"${SYNACK_FAM[@]}"} ${SYNACK_TSO_ARGS[@]+"${SYNACK_TSO_ARGS[@]}"}
    local rc=$?
    stat_end
    if [ $rc != 0 ] || [ "$(field verified "$out")" != yes ]; then
        failed "synack bulk (exit $rc)" "$out"
        return
    fi
    record_bulk synack "$out" "$(field cpu_s "$out")"
}

synack_conn() { # synack_conn CONC
    local out=$TMP/synack.out
    stat_begin "$SYNACK_CPUS"
    run_fg "$out" "$SYNACK_CPU" "$BENCH" conn --seconds "$RUN_S" --conc "$1" \
        --tw-ms "$TW_MS" --timeout "$STEP_TIMEOUT" ${SYNACK_FAM[@]+"${SYNACK_FAM[@]}"}
    local rc=$?
    stat_end
    if [ $rc != 0 ] || [ -z "$(field conns "$out")" ]; then
        failed "synack conn (conc $1, exit $rc)" "$out"
        return
    fi
    record_conn synack "$1" "$out" "$(field cpu_s "$out")"
}

linux_bulk() { # linux_bulk TAG: the sink verifies every byte (-v)
    local tag=$1 cli=$TMP/bulk.cli srv=$TMP/bulk.srv rc=0
    start_server bulk -v bulk-sink 5001 || { FAIL=1; return; }
    stat_begin "$LINUX_CPUS"
    run_client "$cli" -t "$RUN_S" bulk-source "$SERVER_IP" 5001 0 || rc=1
    reap "$SRV_PID" || rc=1
    stat_end
    if [ $rc != 0 ] || [ "$(field verified "$srv")" != yes ]; then
        failed "linux bulk ($tag)" "$cli" "$srv"
        return
    fi
    record_bulk "$tag" "$cli" "$(add "$(field cpu_s "$cli")" "$(field cpu_s "$srv")")"
}

linux_conn() { # linux_conn CONC
    local conc=$1 cli=$TMP/conn.cli srv=$TMP/conn.srv rc=0
    start_server conn conn-server 5002 0 "$conc" || { FAIL=1; return; }
    stat_begin "$LINUX_CPUS"
    run_client "$cli" -t "$RUN_S" conn-client "$SERVER_IP" 5002 0 "$conc" || rc=1
    reap "$SRV_PID" || rc=1
    stat_end
    if [ $rc != 0 ] || [ "$(field errors "$cli")" != 0 ]; then
        failed "linux conn (conc $conc)" "$cli" "$srv"
        return
    fi
    record_conn linux "$conc" "$cli" "$(add "$(field cpu_s "$cli")" "$(field cpu_s "$srv")")"
}

run_item() { # run_item STACK:TEST
    case $1 in
    synack:bulk) synack_bulk ;;
    synack:conn*) synack_conn "${1#synack:conn}" ;;
    linux:bulk) offloads on; linux_bulk linux ;;
    nooff:bulk) offloads off && linux_bulk nooff; offloads on ;;
    linux:conn*) offloads on; linux_conn "${1#linux:conn}" ;;
    *) echo "$ME: unknown run $1" >&2; FAIL=1 ;;
    esac
}

ITEMS=(synack:bulk synack:conn1 linux:bulk linux:conn1)
[ "$CONC" != 0 ] && ITEMS+=("synack:conn$CONC" "linux:conn$CONC")
[ $HAVE_ETHTOOL = 1 ] && ITEMS+=(nooff:bulk)

provenance "$BUILD_DIR" "$COMMAND"
linux_cc_note "$NSA"
seed_order
echo "# synack vs Linux TCP: $ROUNDS rounds of ${RUN_S} s runs: bulk (one connection)," \
    "connections 1 at a time$([ "$CONC" != 0 ] && echo " and $CONC at once"); MTU 1500; IPv$FAMILY"
echo "# pinning: synack CPU $SYNACK_CPU; linux client CPU $LINUX_CLIENT_CPU," \
    "server CPU $LINUX_SERVER_CPU; /proc/stat CPU time: synack CPUs $SYNACK_CPUS," \
    "linux CPUs $LINUX_CPUS"
echo "# TIME-WAIT: synack ${TW_MS} ms; linux 60 s with $LINUX_TW; ports 49152-65535 for both"
echo "# background before: $(background_load "$ALL_CPUS" 1) busy CPU-s per s on CPUs" \
    "$ALL_CPUS with none of our runs (other jobs; the /proc/stat rows include it)"
for r in $(seq 1 "$ROUNDS"); do
    ROUND=$r
    shuffle "${ITEMS[@]}"
    echo "round $r/$ROUNDS order: ${ORDER[*]}"
    for item in "${ORDER[@]}"; do
        run_item "$item"
    done
done
echo "# background after: $(background_load "$ALL_CPUS" 1) busy CPU-s per s on CPUs $ALL_CPUS"

echo
echo "Medians of $ROUNDS rounds; synack/X: median [min-max] of the per-round ratios"
echo "(for CPU-s rows below 1 means synack costs less). linux-nooff: veth TSO/GSO/GRO and"
echo "checksum offload off. /proc/stat: busy time of the run's pinned CPUs."
echo
tables_and_exit "synack linux nooff" "linux nooff" "synack linux" "linux"
