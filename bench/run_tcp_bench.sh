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

if [ "$(id -u)" -ne 0 ]; then
    echo "run_tcp_bench.sh: skipped: needs root (network namespaces)" >&2
    exit 77
fi

BENCH=$BUILD_DIR/bench/bench_tcp
PEER=$BUILD_DIR/bench/linux_tcp_peer
if [ ! -x "$BENCH" ] || [ ! -x "$PEER" ]; then
    echo "run_tcp_bench.sh: $BENCH or $PEER is missing; build them first:" >&2
    echo "    cmake --preset release && cmake --build --preset release -j2" >&2
    exit 2
fi
for v in ROUNDS MIB CONNS CONC TW_MS STEP_TIMEOUT; do
    case ${!v} in '' | *[!0-9]*) echo "run_tcp_bench.sh: $v must be a number" >&2; exit 2 ;; esac
done
if [ "$ROUNDS" -lt 1 ] || [ "$ROUNDS" -gt 50 ]; then
    echo "run_tcp_bench.sh: ROUNDS must be 1..50" >&2
    exit 2
fi
for tool in ip timeout; do
    command -v $tool >/dev/null || { echo "run_tcp_bench.sh: $tool is needed" >&2; exit 2; }
done

NSA=skb-a-$$
NSB=skb-b-$$
TMP=$(mktemp -d /tmp/skb-tcp.XXXXXX)
PIDS=()

cleanup() {
    local p
    for p in "${PIDS[@]}"; do
        kill "$p" 2>/dev/null
    done
    for p in "${PIDS[@]}"; do
        wait "$p" 2>/dev/null
    done
    ip netns del "$NSA" 2>/dev/null
    ip netns del "$NSB" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'echo "run_tcp_bench.sh: interrupted" >&2; exit 130' INT TERM

# ---- pinning ----
NCPU=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
# exec_pinned CPU COMMAND...: replace the current (background) subshell by
# COMMAND, on CPU when taskset can, so that $! is the PID of COMMAND itself
# and the trap can end it. Only ever called as `exec_pinned ... &`.
exec_pinned() {
    local cpu=$1
    shift
    if command -v taskset >/dev/null && [ "$cpu" -lt "$NCPU" ]; then
        exec taskset -c "$cpu" "$@"
    fi
    exec "$@"
}

# ---- namespaces ----
ip netns add "$NSA" || exit 1
ip netns add "$NSB" || exit 1
ip -n "$NSA" link add va type veth peer name vb netns "$NSB" || exit 1
ip -n "$NSA" link set va mtu 1500 up
ip -n "$NSB" link set vb mtu 1500 up
ip -n "$NSA" link set lo up
ip -n "$NSB" link set lo up
ip -n "$NSA" addr add 192.0.2.1/24 dev va
ip -n "$NSB" addr add 192.0.2.2/24 dev vb
ip netns exec "$NSA" sysctl -qw net.ipv4.ip_local_port_range="49152 65535"
ip netns exec "$NSA" sysctl -qw net.ipv4.tcp_tw_reuse=1
if [ -e /proc/sys/net/ipv4/tcp_tw_reuse_delay ] && [ "$TW_MS" -ge 1 ]; then
    ip netns exec "$NSA" sysctl -qw net.ipv4.tcp_tw_reuse_delay="$TW_MS"
    LINUX_TW="tw_reuse after ${TW_MS} ms"
else
    LINUX_TW="tw_reuse after the kernel default (1 s)"
fi
HAVE_ETHTOOL=0
command -v ethtool >/dev/null && HAVE_ETHTOOL=1

offloads() { # offloads on|off, on both veth ends
    [ $HAVE_ETHTOOL = 1 ] || return 1
    ip netns exec "$NSA" ethtool -K va tso "$1" gso "$1" gro "$1" tx "$1" rx "$1" >/dev/null 2>&1
    ip netns exec "$NSB" ethtool -K vb tso "$1" gso "$1" gro "$1" tx "$1" rx "$1" >/dev/null 2>&1
}

# field KEY FILE: the value of KEY=... on the RESULT line of FILE
field() { sed -n "s/.*RESULT .*[ ]$1=\([^ ]*\).*/\1/p" "$2" | head -n 1; }

FAIL=0
record() { # record NAME VALUE
    if [ -z "$2" ]; then FAIL=1; return; fi
    echo "$2" >>"$TMP/m.$1"
}

# start_server NAME ARGS...: the server in $NSB, pinned; waits for READY
start_server() {
    local out=$TMP/$1.srv
    shift
    : >"$out"
    exec_pinned "$LINUX_SERVER_CPU" timeout "$STEP_TIMEOUT" ip netns exec "$NSB" "$PEER" "$@" \
        >"$out" 2>&1 &
    SRV_PID=$!
    PIDS+=("$SRV_PID")
    local _
    for _ in $(seq 1 100); do
        grep -q READY "$out" && return 0
        kill -0 "$SRV_PID" 2>/dev/null || break
        sleep 0.05
    done
    echo "run_tcp_bench.sh: server $* did not start:" >&2
    cat "$out" >&2
    return 1
}

reap() { # reap PID: wait for a process we started, then forget it
    wait "$1"
    local rc=$? p keep=()
    for p in "${PIDS[@]}"; do
        [ "$p" = "$1" ] || keep+=("$p")
    done
    PIDS=("${keep[@]}")
    return $rc
}

wait_server() { reap "$SRV_PID"; }

# run_fg OUT CPU COMMAND...: run pinned with a time limit, output to OUT.
# Started in the background and waited for, so that Ctrl-C reaches the trap
# at once (timeout puts its command in a process group of its own, out of
# reach of the terminal's signals) and the trap can end it by its PID.
run_fg() {
    local out=$1 cpu=$2
    shift 2
    exec_pinned "$cpu" timeout "$STEP_TIMEOUT" "$@" >"$out" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    reap "$pid"
}

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
        echo "run_tcp_bench.sh: linux bulk ($tag) failed:" >&2
        cat "$TMP/bulk.cli" "$TMP/bulk.srv" >&2
        FAIL=1
        return
    fi
    record "bulk_gbps.$tag" "$(field gbps "$TMP/bulk.cli")"
    record "bulk_gbps_cpu.$tag" "$(awk -v b="$MIB" -v c="$cpu1" -v d="$cpu2" \
        'BEGIN { printf "%.3f", b * 8 * 1048576 / (c + d) / 1e9 }')"
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
        echo "run_tcp_bench.sh: linux conn (conc $conc) failed:" >&2
        cat "$TMP/conn.cli" "$TMP/conn.srv" >&2
        FAIL=1
        return
    fi
    record "conn$conc.$tag" "$rate"
    record "conn${conc}_cpu.$tag" "$(awk -v n="$CONNS" -v c="$cpu1" -v d="$cpu2" \
        'BEGIN { printf "%.1f", n / (c + d) }')"
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

median() { # median FILE
    [ -s "$1" ] || { echo "-"; return; }
    sort -g "$1" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2];
        else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-";
    else printf "%.2f", a / b }'; }

row() { # row LABEL METRIC
    local s l n
    s=$(median "$TMP/m.$2.synack")
    l=$(median "$TMP/m.$2.linux")
    n=$(median "$TMP/m.$2.nooff")
    printf "%-34s %10s %10s %12s %8s %10s\n" "$1" "$s" "$l" "$n" "$(ratio "$s" "$l")" \
        "$(ratio "$s" "$n")"
}

echo
echo "medians of $ROUNDS rounds (linux-nooff: veth TSO/GSO/GRO/checksum offload off)"
printf "%-34s %10s %10s %12s %8s %10s\n" metric synack linux linux-nooff s/linux s/nooff
row "bulk Gbit/s (wall clock)" bulk_gbps
row "bulk Gbit/s per CPU-second" bulk_gbps_cpu
row "conn/s, 1 at a time" conn1
row "conn per CPU-second, 1 at a time" conn1_cpu
if [ "$CONC" != 0 ]; then
    row "conn/s, $CONC at once" "conn$CONC"
    row "conn per CPU-second, $CONC at once" "conn${CONC}_cpu"
fi
if [ $FAIL != 0 ]; then
    echo "run_tcp_bench.sh: some measurements failed (see above)" >&2
    exit 1
fi
exit 0
