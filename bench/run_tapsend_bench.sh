#!/usr/bin/env bash
# Bulk with synack sending over a TAP, with and without offloads (issue 9):
# run_tap_bench.sh measures synack receiving (Linux's client writes to
# `synack serve --discard`); this measures the other direction.
#
#   synack connect --tap tw0 --addr 192.0.2.2/24 [--offload|--no-offload]
#       192.0.2.1 5001 < FILE
#
# in namespace skt-w-PID, against `linux_tcp_peer -v bulk-sink 5001` on the
# Linux side of the TAP (192.0.2.1/24), which checks every byte (FILE holds
# the peer's pattern) and prints its wall time from accept to EOF. Each round
# runs "on" and "off" in a seeded shuffled order; medians of the rounds, and
# the median [min-max] of the per-round ratios on/off. CPU: /proc/stat busy
# time of the two pinned CPUs (synack on SERVER_CPU, the sink on CLIENT_CPU)
# per GB, which on a shared machine also holds other jobs' time.
#
# The baseline, "linux", in the same rounds: Linux's own TCP sending the
# same bytes (`linux_tcp_peer bulk-source`, pinned to SERVER_CPU, in
# namespace skt-b-PID) over a veth pair with its default offloads to the
# same verifying sink (CLIENT_CPU, skt-a-PID), as run_tap_bench.sh's
# `linux` column does in the other direction. Linux's sender writes its
# pattern from memory, where synack reads FILE from stdin; "linux-file" is
# the like-for-like baseline: Linux's sender reading the same FILE from
# stdin into one 64 KiB buffer and writing it on (`bulk-source -i`, as
# `nc < FILE` does), so both senders do the same work besides TCP.
#
# From memory, with the standard tool: "iperf3" is `synack connect --iperf3
# -t IPERF_S` (its client writes one 128 KiB block from memory again and
# again, as iperf3's own does) against `iperf3 -s` on the Linux side of the
# TAP; "linux-iperf3" is Linux's `iperf3 -c -C LINUX_CC -t IPERF_S` over the
# veth pair to `iperf3 -s` in skt-a-PID. Same pinning (the sender on
# SERVER_CPU, the server on CLIENT_CPU); the rate is what the iperf3 server
# received (its JSON `sum_received`), the CPU per GB of those bytes. The
# iperf3 server only counts bytes, where bulk-sink checks each one: its CPU
# is not the limit there.
#
# A/B of two builds in the same rounds: BASE=DIR (another build directory)
# adds the mode "base", DIR's synack run as "on" is, and the column
# on/base; MODES defaults to "on base" then.
#
# SYNACK_ARGS: more arguments for both builds' `synack connect` (after
# --offload/--no-offload and --stats), e.g. "--sndbuf 1M".
#
# Environment: MODES (any of "on off linux linux-file iperf3 linux-iperf3
# base", default all but base), IPERF_S (4: seconds of each iperf3 run), ROUNDS (3),
# MIB (512: bytes sent per run), LINUX_CC (cubic; lib.sh: the congestion
# control of the sinks' and Linux's sending sockets), CLIENT_CPU (0),
# SERVER_CPU (1), SEED, STEP_TIMEOUT (60). Exit: 0 done, 1 a run failed,
# 2 usage/missing binaries, 77 not root. Addresses exist only in the
# namespace the script makes; the trap deletes it and ends only its PIDs.
set -u
ME=run_tapsend_bench.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh" || exit 2

BUILD_DIR=${1:-build/release}
ROUNDS=${ROUNDS:-3}
MIB=${MIB:-512}
CLIENT_CPU=${CLIENT_CPU:-0}
SERVER_CPU=${SERVER_CPU:-1}
STEP_TIMEOUT=${STEP_TIMEOUT:-60}
BASE=${BASE:-}
SYNACK_ARGS=${SYNACK_ARGS:-}
IPERF_S=${IPERF_S:-4}
ALL_MODES="on off linux linux-file iperf3 linux-iperf3 base"
if [ -n "$BASE" ]; then MODES=${MODES:-on base}; else MODES=${MODES:-on off linux linux-file iperf3 linux-iperf3}; fi
for m in $MODES; do
    case $m in on | off | linux | linux-file | iperf3 | linux-iperf3) ;;
    base) [ -n "$BASE" ] || { echo "$ME: MODES: 'base' needs BASE=DIR (a build directory)" >&2; exit 2; } ;;
    *) echo "$ME: MODES: unknown mode '$m' ($ALL_MODES)" >&2; exit 2 ;;
    esac
done
[ -n "$MODES" ] || { echo "$ME: MODES: empty ($ALL_MODES)" >&2; exit 2; }
COMMAND="${BASE:+BASE=$BASE }${SYNACK_ARGS:+SYNACK_ARGS=\"$SYNACK_ARGS\" }MODES=\"$MODES\" LINUX_CC=$LINUX_CC ROUNDS=$ROUNDS MIB=$MIB IPERF_S=$IPERF_S bash bench/run_tapsend_bench.sh $BUILD_DIR"
need_root "network namespaces, TAP devices"
need_numbers ROUNDS MIB CLIENT_CPU SERVER_CPU STEP_TIMEOUT IPERF_S
need_range ROUNDS 1 50
need_range MIB 1 4096
need_range IPERF_S 1 30
case " $MODES " in *iperf3*) need_tools iperf3 python3 ;; esac
PEER=$BUILD_DIR/bench/linux_tcp_peer
SYNACK=$BUILD_DIR/tools/synack
BASE_SYNACK=${BASE:+$BASE/tools/synack}
for b in "$PEER" "$SYNACK" $BASE_SYNACK; do
    [ -x "$b" ] || { echo "$ME: $b is missing; build first" >&2; exit 2; }
done
"$SYNACK" connect --help 2>&1 | grep -q -- --offload ||
    { echo "$ME: $SYNACK connect has no --offload" >&2; exit 2; }

NS=skt-w-$$
bench_start skt-tapsend
netns_add "$NS" || exit 1
ip -n "$NS" link set lo up
ip -n "$NS" tuntap add dev tw0 mode tap || exit 1
ip -n "$NS" link set tw0 mtu 1500 up
ip -n "$NS" addr add 192.0.2.1/24 dev tw0
NSA=skt-a-$$ # the sink for linux, veth va 192.0.2.1
NSB=skt-b-$$ # Linux's sender, veth vb 192.0.2.2
veth_pair || exit 1

# the peer's pattern: byte i of every 64 KiB block is i*7 + i/256
python3 -c '
import sys
b = bytes(((i * 7 + (i >> 8)) & 255) for i in range(65536))
with open(sys.argv[1], "wb") as f:
    for _ in range(int(sys.argv[2]) * 16):
        f.write(b)' "$TMP/data" "$MIB" || exit 1
# written back now, not while the first rounds run (the file stays cached)
sync -f "$TMP/data"
BYTES=$((MIB * 1048576))

# wait_listen NS [PORT]: the sink listens on PORT, default 5001 (ss in NS;
# at most 5 s)
wait_listen() {
    local _
    for _ in $(seq 1 100); do
        ip netns exec "$1" ss -Hltn "sport = :${2:-5001}" | grep -q . && return 0
        kill -0 "$SRV_PID" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

# iperf3_rx JSON: bytes and bits/s the iperf3 server received ("B BPS")
iperf3_rx() {
    python3 -c '
import json, sys
try:
    e = json.load(open(sys.argv[1]))["end"]["sum_received"]
    print(int(e["bytes"]), e["bits_per_second"])
except (OSError, ValueError, KeyError, TypeError):
    pass' "$1"
}

run_iperf3() { # run_iperf3 iperf3|linux-iperf3: from memory, to iperf3 -s
    local mode=$1 out=$TMP/sink.$1.$ROUND sink_ns=$NS
    [ "$mode" = linux-iperf3 ] && sink_ns=$NSA
    serve_bg "$out" "$CLIENT_CPU" ip netns exec "$sink_ns" iperf3 -s -1 -J
    wait_listen "$sink_ns" 5201 || { echo "$ME: iperf3 -s did not listen"; cat "$out"; FAIL=1; return; }
    stat_begin "$(cpu_list "$CLIENT_CPU" "$SERVER_CPU")"
    if [ "$mode" = linux-iperf3 ]; then
        exec_pinned "$SERVER_CPU" timeout "$STEP_TIMEOUT" ip netns exec "$NSB" iperf3 -c 192.0.2.1 \
            -C "$LINUX_CC" -t "$IPERF_S" >"$TMP/synack.$mode.$ROUND" 2>&1 &
    else
        # shellcheck disable=SC2086 # SYNACK_ARGS: words
        exec_pinned "$SERVER_CPU" timeout "$STEP_TIMEOUT" ip netns exec "$NS" "$SYNACK" connect \
            --tap tw0 --addr 192.0.2.2/24 --offload --stats $SYNACK_ARGS \
            --iperf3 -t "$IPERF_S" 192.0.2.1 </dev/null >"$TMP/synack.$mode.$ROUND" 2>&1 &
    fi
    local pid=$!
    PIDS+=("$pid")
    reap "$pid"
    local rc=$?
    reap "$SRV_PID"
    stat_end
    local rx bytes bps
    rx=$(iperf3_rx "$out")
    bytes=${rx%% *}; bps=${rx#* }
    if [ $rc != 0 ] || [ -z "$rx" ] || [ "${bytes:-0}" -le 0 ]; then
        echo "$ME: $mode round $ROUND failed: client rc=$rc, server received '${bytes:-nothing}'"
        sed 's/^/    /' "$TMP/synack.$mode.$ROUND" | tail -5
        FAIL=1
        return
    fi
    local gbps
    gbps=$(awk -v b="$bps" 'BEGIN { printf "%.3f", b / 1e9 }')
    record "send_gbps.$mode" "$gbps"
    record "send_cpugb.$mode" "$(per_gb "$STAT_BUSY_S" "$bytes")"
    echo "  $mode: $gbps Gbit/s, $bytes bytes received by iperf3 -s in ${IPERF_S} s, pinned CPUs busy ${STAT_BUSY_S} s"
}

run_one() { # run_one on|off|linux|linux-file|base|iperf3|linux-iperf3
    case $1 in iperf3 | linux-iperf3) run_iperf3 "$1"; return ;; esac
    local mode=$1 out=$TMP/sink.$1.$ROUND sink_ns=$NS
    [ "${mode#linux}" != "$mode" ] && sink_ns=$NSA
    serve_bg "$out" "$CLIENT_CPU" ip netns exec "$sink_ns" "$PEER" "${LINUX_CC_ARGS[@]}" -v bulk-sink 5001
    wait_listen "$sink_ns" || { echo "$ME: the sink did not listen"; cat "$out"; FAIL=1; return; }
    stat_begin "$(cpu_list "$CLIENT_CPU" "$SERVER_CPU")"
    if [ "$mode" = linux ]; then
        exec_pinned "$SERVER_CPU" timeout "$STEP_TIMEOUT" ip netns exec "$NSB" "$PEER" \
            "${LINUX_CC_ARGS[@]}" bulk-source 192.0.2.1 5001 "$MIB" >"$TMP/synack.$mode.$ROUND" 2>&1 &
    elif [ "$mode" = linux-file ]; then
        exec_pinned "$SERVER_CPU" timeout "$STEP_TIMEOUT" ip netns exec "$NSB" "$PEER" \
            "${LINUX_CC_ARGS[@]}" -i bulk-source 192.0.2.1 5001 "$MIB" <"$TMP/data" \
            >"$TMP/synack.$mode.$ROUND" 2>&1 &
    else
        # as run_fg, with FILE on stdin (a background job's default is /dev/null)
        local bin=$SYNACK
        [ "$mode" = base ] && bin=$BASE_SYNACK
        # shellcheck disable=SC2086 # SYNACK_ARGS: words
        exec_pinned "$SERVER_CPU" timeout "$STEP_TIMEOUT" ip netns exec "$NS" "$bin" connect \
            --tap tw0 --addr 192.0.2.2/24 "--$([ "$mode" = off ] && echo no-offload || echo offload)" \
            --stats $SYNACK_ARGS 192.0.2.1 5001 <"$TMP/data" >"$TMP/synack.$mode.$ROUND" 2>&1 &
    fi
    local pid=$!
    PIDS+=("$pid")
    reap "$pid"
    local rc=$?
    reap "$SRV_PID"
    stat_end
    local got wall ver
    got=$(field bytes "$out"); wall=$(field wall_s "$out"); ver=$(field verified "$out")
    if [ $rc != 0 ] || [ "$ver" != yes ] || [ "$got" != "$BYTES" ]; then
        echo "$ME: $mode round $ROUND failed: connect rc=$rc, sink verified=$ver bytes=$got"
        sed 's/^/    /' "$TMP/synack.$mode.$ROUND" | tail -5
        FAIL=1
        return
    fi
    local gbps
    gbps=$(awk -v b="$BYTES" -v w="$wall" 'BEGIN { printf "%.3f", b * 8 / w / 1e9 }')
    record "send_gbps.$mode" "$gbps"
    record "send_cpugb.$mode" "$(per_gb "$STAT_BUSY_S" "$BYTES")"
    echo "  $mode: $gbps Gbit/s, $BYTES bytes verified, pinned CPUs busy ${STAT_BUSY_S} s;" \
        "$(sed -n 's/^stats: offloads: /offloads: /p' "$TMP/synack.$mode.$ROUND")" \
        "$(sed -n 's/^stats: retransmissions \([0-9]*\) .*/; retransmissions \1/p' "$TMP/synack.$mode.$ROUND")" \
        "$(sed -n 's/^stats: recovery: .*\(tail loss probes [0-9]* (repaired a loss [0-9]*)\).*/, \1/p' "$TMP/synack.$mode.$ROUND")"
}

provenance "$BUILD_DIR" "$COMMAND"
linux_cc_note "$NS"
echo "# synack sends with its own congestion control (CUBIC)"
seed_order
for r in $(seq 1 "$ROUNDS"); do
    ROUND=$r
    # shellcheck disable=SC2086 # MODES: words
    shuffle $MODES
    echo "round $r/$ROUNDS order: ${ORDER[*]}"
    for m in "${ORDER[@]}"; do run_one "$m"; done
done
case " $MODES " in *" on "* | *" off "* | *" linux "* | *" linux-file "* | *" base "*)
    echo
    echo "Medians of $ROUNDS rounds, $MIB MiB sent to Linux's bulk-sink: synack over a TAP"
    echo "(--offload, --no-offload; FILE on stdin), Linux over veth with its default offloads"
    echo "(linux: from memory; linux-file: FILE on stdin); ratios: median [min-max] of the"
    echo "per-round ratios"
    echo "| | --offload | --no-offload | linux | linux-file | on/off | on/linux | on/linux-file |"
    echo "|---|---|---|---|---|---|---|---|"
    for metric in send_gbps send_cpugb; do
        label="Gbit/s"
        [ $metric = send_cpugb ] && label="CPU-s/GB (2 pinned CPUs)"
        f=$TMP/m.$metric
        echo "| $label | $(median "$f.on") | $(median "$f.off") | $(median "$f.linux") |" \
            "$(median "$f.linux-file") | $(paired "$f.on" "$f.off") | $(paired "$f.on" "$f.linux") |" \
            "$(paired "$f.on" "$f.linux-file") |"
    done
    ;;
esac
case " $MODES " in *iperf3*)
    echo
    echo "From memory with iperf3 (medians of $ROUNDS rounds of $IPERF_S s, what iperf3 -s received):"
    echo "synack connect --iperf3 over the TAP (--offload) against Linux's iperf3 -c over veth"
    echo "| | synack --iperf3 | Linux iperf3 -c | synack/Linux |"
    echo "|---|---|---|---|"
    for metric in send_gbps send_cpugb; do
        label="Gbit/s"
        [ $metric = send_cpugb ] && label="CPU-s/GB (2 pinned CPUs)"
        f=$TMP/m.$metric
        echo "| $label | $(median "$f.iperf3") | $(median "$f.linux-iperf3") |" \
            "$(paired "$f.iperf3" "$f.linux-iperf3") |"
    done ;;
esac
if [ -n "$BASE" ]; then
    echo
    echo "A/B with BASE=$BASE (both --offload, the same rounds):"
    echo "| | on | base | on/base |"
    echo "|---|---|---|---|"
    for metric in send_gbps send_cpugb; do
        f=$TMP/m.$metric
        echo "| $metric | $(median "$f.on") | $(median "$f.base") | $(paired "$f.on" "$f.base") |"
    done
fi
exit $FAIL
