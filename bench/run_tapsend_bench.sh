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
# Environment: ROUNDS (3), MIB (512: bytes sent per run), CLIENT_CPU (0),
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
COMMAND="ROUNDS=$ROUNDS MIB=$MIB bash bench/run_tapsend_bench.sh $BUILD_DIR"
need_root "network namespaces, TAP devices"
need_numbers ROUNDS MIB CLIENT_CPU SERVER_CPU STEP_TIMEOUT
need_range ROUNDS 1 50
need_range MIB 1 4096
PEER=$BUILD_DIR/bench/linux_tcp_peer
SYNACK=$BUILD_DIR/tools/synack
for b in "$PEER" "$SYNACK"; do
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

# the peer's pattern: byte i of every 64 KiB block is i*7 + i/256
python3 -c '
import sys
b = bytes(((i * 7 + (i >> 8)) & 255) for i in range(65536))
with open(sys.argv[1], "wb") as f:
    for _ in range(int(sys.argv[2]) * 16):
        f.write(b)' "$TMP/data" "$MIB" || exit 1
BYTES=$((MIB * 1048576))

# wait_listen: the sink listens on 5001 (ss in the namespace; at most 5 s)
wait_listen() {
    local _
    for _ in $(seq 1 100); do
        ip netns exec "$NS" ss -Hltn 'sport = :5001' | grep -q . && return 0
        kill -0 "$SRV_PID" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

run_one() { # run_one on|off
    local mode=$1 out=$TMP/sink.$1.$ROUND
    serve_bg "$out" "$CLIENT_CPU" ip netns exec "$NS" "$PEER" -v bulk-sink 5001
    wait_listen || { echo "$ME: the sink did not listen"; cat "$out"; FAIL=1; return; }
    stat_begin "$(cpu_list "$CLIENT_CPU" "$SERVER_CPU")"
    # as run_fg, with FILE on stdin (a background job's default is /dev/null)
    exec_pinned "$SERVER_CPU" timeout "$STEP_TIMEOUT" ip netns exec "$NS" "$SYNACK" connect \
        --tap tw0 --addr 192.0.2.2/24 "--$([ "$mode" = on ] && echo offload || echo no-offload)" \
        --stats 192.0.2.1 5001 <"$TMP/data" >"$TMP/synack.$mode.$ROUND" 2>&1 &
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
        "$(sed -n 's/^stats: offloads: /offloads: /p' "$TMP/synack.$mode.$ROUND")"
}

provenance "$BUILD_DIR" "$COMMAND"
seed_order
for r in $(seq 1 "$ROUNDS"); do
    ROUND=$r
    shuffle on off
    echo "round $r/$ROUNDS order: ${ORDER[*]}"
    for m in "${ORDER[@]}"; do run_one "$m"; done
done
echo
echo "Medians of $ROUNDS rounds, synack sending $MIB MiB over a TAP to Linux (bulk-sink):"
echo "| | --offload | --no-offload | on/off |"
echo "|---|---|---|---|"
echo "| Gbit/s | $(median "$TMP/m.send_gbps.on") | $(median "$TMP/m.send_gbps.off") |" \
    "$(paired "$TMP/m.send_gbps.on" "$TMP/m.send_gbps.off") |"
echo "| CPU-s/GB (2 pinned CPUs) | $(median "$TMP/m.send_cpugb.on") |" \
    "$(median "$TMP/m.send_cpugb.off") | $(paired "$TMP/m.send_cpugb.on" "$TMP/m.send_cpugb.off") |"
exit $FAIL
