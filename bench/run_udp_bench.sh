#!/usr/bin/env bash
# run_udp_bench.sh: UDP echo, the same Linux client against synack over a
# TAP and against Linux's own UDP over veth (issue 8). Every run lasts RUN_S
# seconds, the runs of a round go in a random order (seeded, printed), and
# the table gives each stack's median over the rounds and the median
# [min-max] of the per-round ratios synack/linux.
#
#   sudo bench/run_udp_bench.sh [BUILD_DIR]        (default: build/release)
#
#   synack  `synack serve --tap tu0 --udp-echo 7` in namespace sku-s-PID;
#           the TAP's Linux side holds 192.0.2.1/24, synack is 192.0.2.2
#   linux   bench/linux_udp_peer udp-echo in sku-b-PID, the client in
#           sku-a-PID, joined by a veth pair (offloads left at defaults:
#           UDP echo of single datagrams gets no TSO/GRO benefit)
#
# Client: bench/linux_udp_peer udp-client, connected UDP socket, WINDOW
# datagrams outstanding (each echo lets one more go), payload SIZE 64 and
# 1472 bytes (1472: a full 1500-byte IP packet). A datagram not echoed by
# the end of the run plus a 200 ms drain is lost: the loss column reports
# them (when nothing returns for 20 ms the client refills its window, so a
# loss costs 20 ms, not the run).
#
# Pinning: client on CLIENT_CPU (0), server on SERVER_CPU (1). CPU time:
# busy time of both CPUs from /proc/stat around the client's run (kernel
# work counted wherever it runs) and, beside it, the processes' own
# (client getrusage + server utime+stime), per million echoed datagrams.
#
# In-process (same rounds, interleaved): bench/bench_udp, two synack
# stacks in one process passing frames in memory (pinned to CLIENT_CPU),
# against Linux UDP over loopback (linux_udp_peer echo and client in one
# namespace, pinned as above); datagrams/s and CPU ns per datagram.
#
# Environment: ROUNDS (3), RUN_S (3), WINDOW (32), CLIENT_CPU (0),
# SERVER_CPU (1), SEED, STEP_TIMEOUT (60), SMOKE=1 (1 round of 0.3 s runs:
# fails on any error or empty cell; not a measurement).
# Exit: 0 done, 1 a measurement failed, 2 usage/missing binaries, 77 not root.
set -u
ME=run_udp_bench.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh" || exit 2

BUILD_DIR=${1:-build/release}
SMOKE=${SMOKE:-0}
ROUNDS=${ROUNDS:-3}
RUN_S=${RUN_S:-3}
WINDOW=${WINDOW:-32}
CLIENT_CPU=${CLIENT_CPU:-0}
SERVER_CPU=${SERVER_CPU:-1}
STEP_TIMEOUT=${STEP_TIMEOUT:-60}
if [ "$SMOKE" = 1 ]; then
    ROUNDS=1
    RUN_S=0.3
fi
COMMAND="ROUNDS=$ROUNDS RUN_S=$RUN_S WINDOW=$WINDOW SMOKE=$SMOKE bash bench/run_udp_bench.sh $BUILD_DIR"

need_root "network namespaces, TAP devices"
need_numbers ROUNDS WINDOW CLIENT_CPU SERVER_CPU STEP_TIMEOUT
need_range ROUNDS 1 50
need_range WINDOW 1 4096
need_seconds RUN_S "$STEP_TIMEOUT"
need_tools ip timeout pgrep

PEER=$BUILD_DIR/bench/linux_udp_peer
SYNACK=$BUILD_DIR/tools/synack
BENCH=$BUILD_DIR/bench/bench_udp
for b in "$PEER" "$SYNACK" "$BENCH"; do
    if [ ! -x "$b" ]; then
        echo "$ME: $b is missing; build first:" >&2
        echo "    cmake --preset release && cmake --build --preset release -j2" >&2
        exit 2
    fi
done

NSS=sku-s-$$ # synack: TAP tu0
NSA=sku-a-$$ # Linux client, veth va
NSB=sku-b-$$ # Linux echo, veth vb
bench_start sku-udp
TICK=$(getconf CLK_TCK 2>/dev/null || echo 100)

netns_add "$NSS" || exit 1
ip -n "$NSS" link set lo up
ip -n "$NSS" tuntap add dev tu0 mode tap || exit 1
ip -n "$NSS" link set tu0 mtu 1500 up
ip -n "$NSS" addr add 192.0.2.1/24 dev tu0
veth_pair || exit 1

cpu_of() { # cpu_of PID: utime+stime of the process, seconds
    [ -r "/proc/$1/stat" ] || { echo ""; return; }
    sed 's/.*) //' "/proc/$1/stat" | awk -v t="$TICK" '{ printf "%.3f", ($12 + $13) / t }'
}
delta() { awk -v a="$1" -v b="$2" 'BEGIN { if (a != "" && b != "") printf "%.3f", b - a }'; }
per_m() { # per_m CPU_S N: CPU-seconds per million datagrams
    awk -v c="$1" -v n="$2" 'BEGIN { if (c != "" && n + 0 > 0) printf "%.4g", c / (n / 1e6) }'
}

start_server() { # start_server NS OUT COMMAND...: sets SRV_PID, SRV_REAL
    local ns=$1 out=$2 _
    shift 2
    serve_bg "$out" "$SERVER_CPU" ip netns exec "$ns" "$@"
    SRV_REAL=
    for _ in $(seq 1 100); do
        SRV_REAL=$(pgrep -P "$SRV_PID" | head -n 1)
        [ -n "$SRV_REAL" ] && break
        sleep 0.02
    done
}
stop_server() {
    kill -TERM "$SRV_PID" 2>/dev/null
    reap "$SRV_PID" 2>/dev/null
}
# wait_echo NS: until 192.0.2.2:7 echoes a datagram (the Linux side also
# has to learn the server's MAC by ARP); at most 50 probes of 0.1 s
wait_echo() {
    local _ out=$TMP/probe
    for _ in $(seq 1 50); do
        kill -0 "$SRV_PID" 2>/dev/null || return 1
        ip netns exec "$1" timeout 5 "$PEER" -t 0.1 udp-client 192.0.2.2 7 64 1 >"$out" 2>&1 &&
            return 0
    done
    return 1
}

CPUS=$(cpu_list "$CLIENT_CPU" "$SERVER_CPU")

store() { # store TAG SIZE CLIENT_OUT SERVER_CPU_S
    local tag=$1 size=$2 out=$3 scpu=$4 n pcpu
    n=$(field echoed "$out")
    pcpu=$(add "$(field cpu_s "$out")" "$scpu")
    if [ -z "$n" ] || [ -z "$pcpu" ] || [ "$n" = 0 ]; then
        echo "$ME: $tag u$size failed:" >&2
        cat "$out" >&2
        FAIL=1
        return
    fi
    record "dps$size.$tag" "$(field dgram_per_s "$out")"
    record "cpum$size.$tag" "$(per_m "$STAT_BUSY_S" "$n")"
    record "pcpum$size.$tag" "$(per_m "$pcpu" "$n")"
    record "lost$size.$tag" "$(field lost "$out")"
    echo "  $tag u$size: $(field dgram_per_s "$out") dgram/s, sent $(field sent "$out")" \
        "echoed $n lost $(field lost "$out") (refills $(field refills "$out"));" \
        "CPUs $STAT_LIST busy $STAT_BUSY_S s; client $(field cpu_s "$out") s + server $scpu s"
}

run_one() { # run_one TAG NS_CLIENT SIZE: the server is running
    local tag=$1 ns=$2 size=$3 cli=$TMP/$1.cli c0 c1
    c0=$(cpu_of "$SRV_REAL")
    stat_begin "$CPUS"
    run_fg "$cli" "$CLIENT_CPU" ip netns exec "$ns" "$PEER" -t "$RUN_S" udp-client \
        192.0.2.2 7 "$size" "$WINDOW"
    stat_end
    c1=$(cpu_of "$SRV_REAL")
    store "$tag" "$size" "$cli" "$(delta "$c0" "$c1")"
}

ns_per() { # ns_per CPU_S N: CPU nanoseconds per datagram
    awk -v c="$1" -v n="$2" 'BEGIN { if (c != "" && n + 0 > 0) printf "%.1f", c * 1e9 / n }'
}
# in-process: synack's two stacks in one process (bench_udp, on CLIENT_CPU)
# or Linux over loopback in $NSA (echo on SERVER_CPU, client on CLIENT_CPU)
inproc_one() { # inproc_one TAG SIZE
    local tag=$1 size=$2 out=$TMP/ip.$1 srv=$TMP/ip.srv scpu=0 n pcpu
    if [ "$tag" = synack ]; then
        stat_begin "$CPUS"
        run_fg "$out" "$CLIENT_CPU" "$BENCH" "$size" "$WINDOW" "$RUN_S"
        stat_end
    else
        start_server "$NSA" "$srv" "$PEER" udp-echo 7
        wait_ready "$srv" || { echo "$ME: loopback echo did not start" >&2; stop_server
            FAIL=1; return; }
        stat_begin "$CPUS"
        run_fg "$out" "$CLIENT_CPU" ip netns exec "$NSA" "$PEER" -t "$RUN_S" udp-client \
            127.0.0.1 7 "$size" "$WINDOW"
        ip netns exec "$NSA" "$PEER" udp-quit 127.0.0.1 7
        reap "$SRV_PID" || FAIL=1
        stat_end
        scpu=$(field cpu_s "$srv")
    fi
    n=$(field echoed "$out")
    pcpu=$(add "$(field cpu_s "$out")" "$scpu")
    if [ -z "$n" ] || [ "$n" = 0 ] || [ -z "$pcpu" ]; then
        echo "$ME: in-process $tag u$size failed:" >&2
        cat "$out" >&2
        FAIL=1
        return
    fi
    record "ipdps$size.$tag" "$(field dgram_per_s "$out")"
    record "ipns$size.$tag" "$(ns_per "$STAT_BUSY_S" "$n")"
    record "ippns$size.$tag" "$(ns_per "$pcpu" "$n")"
    record "iplost$size.$tag" "$(field lost "$out")"
    echo "  in-process $tag u$size: $(field dgram_per_s "$out") dgram/s, echoed $n" \
        "lost $(field lost "$out"); CPUs $STAT_LIST busy $STAT_BUSY_S s; processes $pcpu s"
}

run_item() { # run_item STACK:SIZE
    local stack=${1%%:*} size=${1#*:} srv=$TMP/${1%%:*}.srv
    case $stack in
    ipsynack) inproc_one synack "$size" ;;
    iplinux) inproc_one linux "$size" ;;
    synack) start_server "$NSS" "$srv" "$SYNACK" serve --tap tu0 --addr 192.0.2.2/24 \
        --udp-echo 7 --stats
        wait_echo "$NSS" || { echo "$ME: synack echo did not answer:" >&2; cat "$srv" >&2
            stop_server; FAIL=1; return; }
        run_one synack "$NSS" "$size"
        stop_server ;;
    linux) start_server "$NSB" "$srv" "$PEER" udp-echo 7
        wait_echo "$NSA" || { echo "$ME: linux echo did not answer:" >&2; cat "$srv" >&2
            stop_server; FAIL=1; return; }
        run_one linux "$NSA" "$size"
        ip netns exec "$NSA" "$PEER" udp-quit 192.0.2.2 7
        reap "$SRV_PID" || FAIL=1 ;;
    esac
}

ITEMS=(synack:64 linux:64 synack:1472 linux:1472 ipsynack:64 iplinux:64 ipsynack:1472
    iplinux:1472)
provenance "$BUILD_DIR" "$COMMAND"
seed_order
echo "# UDP echo benchmark: $ROUNDS rounds of ${RUN_S} s runs, window $WINDOW datagrams," \
    "payload 64 and 1472 bytes; MTU 1500"
echo "# pinning: client CPU $CLIENT_CPU, server CPU $SERVER_CPU; /proc/stat CPU time: CPUs $CPUS"
echo "# background before: $(background_load "$CPUS" 1) busy CPU-s per s on CPUs $CPUS" \
    "with none of our runs (other jobs; the /proc/stat rows include it)"
for r in $(seq 1 "$ROUNDS"); do
    ROUND=$r
    shuffle "${ITEMS[@]}"
    echo "round $r/$ROUNDS order: ${ORDER[*]}"
    for item in "${ORDER[@]}"; do
        run_item "$item"
    done
done
echo "# background after: $(background_load "$CPUS" 1) busy CPU-s per s on CPUs $CPUS"
echo
echo "Medians of $ROUNDS rounds; synack over a TAP, linux over veth; synack/linux: median"
echo "[min-max] of the per-round ratios (CPU rows: below 1 means synack costs less)."
echo
TABLE_TAGS=(synack linux)
TABLE_VS=(linux)
table "datagrams/s, 64 B|dps64" "CPU-s per M dgram, 64 B (/proc/stat)|cpum64" \
    "CPU-s per M dgram, 64 B (processes)|pcpum64" \
    "datagrams/s, 1472 B|dps1472" "CPU-s per M dgram, 1472 B (/proc/stat)|cpum1472" \
    "CPU-s per M dgram, 1472 B (processes)|pcpum1472"
echo
echo "In-process: synack = two stacks in one process (bench_udp, one CPU), frames in"
echo "memory; linux = UDP over loopback (echo and client processes, two CPUs)."
echo
table "in-process datagrams/s, 64 B|ipdps64" "in-process CPU ns per dgram, 64 B (/proc/stat)|ipns64" \
    "in-process CPU ns per dgram, 64 B (processes)|ippns64" \
    "in-process datagrams/s, 1472 B|ipdps1472" \
    "in-process CPU ns per dgram, 1472 B (/proc/stat)|ipns1472" \
    "in-process CPU ns per dgram, 1472 B (processes)|ippns1472"
echo
TABLE_VS=() # no ratio for a count that is usually 0
table "datagrams lost per run, 64 B|lost64" "datagrams lost per run, 1472 B|lost1472" \
    "in-process datagrams lost per run, 64 B|iplost64" \
    "in-process datagrams lost per run, 1472 B|iplost1472"
if [ "$SMOKE" = 1 ] && [ "$MISSING" != 0 ]; then
    echo "$ME: SMOKE: $MISSING table cells are empty" >&2
    FAIL=1
fi
bench_exit
