#!/usr/bin/env bash
# run_xdp_bench.sh: synack over AF_XDP (serve --xdp on a veth end) against
# synack over a TAP and Linux over veth, in one run, rounds interleaved in
# a seeded random order, medians and per-round ratios (bench/lib.sh, the
# method of run_tap_bench.sh; bench/README-tap.md).
#
#   sudo bench/run_xdp_bench.sh [BUILD_DIR]        (default: build/release)
#
#   synack  (the column the ratios divide) `synack serve --xdp xa0` in
#           namespace skx-x-PID; xa0's veth peer xb0 (192.0.2.1/24) is in
#           skx-p-PID with the Linux client; xb0's TX checksum offload is
#           off (XDP gets no "checksum partial" flag: with it on, every TCP
#           checksum synack sees is only the pseudo-header's)
#   tap     `synack serve --tap ts0` in skx-s-PID (as run_tap_bench.sh;
#           serve's default: offloads on, IFF_VNET_HDR)
#   xdpg    the same as synack on the generic (SKB) hook (--xdp-generic),
#           with xb0's TSO and GSO off for those runs
#   linux   Linux's TCP on both ends of a veth pair (skx-a/skx-b-PID),
#           default offloads
#
# Tests, pinned (client CLIENT_CPU, synack or Linux's server SERVER_CPU):
#   bulk   Linux -> stack: bench/linux_tcp_peer bulk-source for RUN_S s to
#          the discard port: Gbit/s, CPU-s per GB (/proc/stat, both CPUs)
#   send   stack -> Linux: `synack connect` sends SEND_MIB MiB from a file
#          (page cache) to linux_tcp_peer bulk-sink: Gbit/s from the sink's
#          bytes / wall time (accept to EOF); not run for linux (its bulk
#          is the same both ways)
#   conn1  connections one at a time for RUN_S s, 1 byte each way
#
# Environment: LINUX_CC (cubic; lib.sh: linux_tcp_peer's congestion control),
# ROUNDS (5), RUN_S (2), SEND_MIB (1024), CLIENT_CPU (0),
# SERVER_CPU (1), SEED, STEP_TIMEOUT (60), SMOKE=1 (1 round of 0.3 s runs,
# 16 MiB). Exit: 0, 1 a measurement failed, 2 usage/missing binaries,
# 77 not root.
set -u
ME=run_xdp_bench.sh
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh" || exit 2

BUILD_DIR=${1:-build/release}
SMOKE=${SMOKE:-0}
ROUNDS=${ROUNDS:-5}
RUN_S=${RUN_S:-2}
SEND_MIB=${SEND_MIB:-1024}
CLIENT_CPU=${CLIENT_CPU:-0}
SERVER_CPU=${SERVER_CPU:-1}
STEP_TIMEOUT=${STEP_TIMEOUT:-60}
CONC=0
if [ "$SMOKE" = 1 ]; then ROUNDS=1; RUN_S=0.3; SEND_MIB=16; fi
COMMAND="LINUX_CC=$LINUX_CC ROUNDS=$ROUNDS RUN_S=$RUN_S SEND_MIB=$SEND_MIB SMOKE=$SMOKE bash bench/run_xdp_bench.sh $BUILD_DIR"

need_root "network namespaces, TAP devices, XDP programs"
need_numbers ROUNDS SEND_MIB CLIENT_CPU SERVER_CPU STEP_TIMEOUT
need_range ROUNDS 1 50
need_seconds RUN_S "$STEP_TIMEOUT"
need_tools ip timeout ethtool

PEER=$BUILD_DIR/bench/linux_tcp_peer
SYNACK=$BUILD_DIR/tools/synack
if [ ! -x "$PEER" ] || [ ! -x "$SYNACK" ]; then
    echo "$ME: $PEER or $SYNACK is missing; build first" >&2
    exit 2
fi
"$SYNACK" serve --help 2>&1 | grep -q -- "--xdp" || {
    echo "$ME: $SYNACK has no --xdp" >&2; exit 2; }

NSS=skx-s-$$ # synack over TAP ts0
NSX=skx-x-$$ # synack over AF_XDP on veth xa0
NSP=skx-p-$$ # its Linux peer, veth xb0
NSA=skx-a-$$ # Linux client, veth va
NSB=skx-b-$$ # Linux server, veth vb
bench_start skx
SEND_FILE=$TMP/send.bin
head -c $((SEND_MIB * 1048576)) /dev/zero >"$SEND_FILE"

client_ns() {
    ip -n "$1" link set lo up
    ip netns exec "$1" sysctl -qw net.ipv4.ip_local_port_range="49152 65535"
    ip netns exec "$1" sysctl -qw net.ipv4.tcp_max_tw_buckets=0
}
netns_add "$NSS" || exit 1
client_ns "$NSS"
ip -n "$NSS" tuntap add dev ts0 mode tap || exit 1
ip -n "$NSS" link set ts0 mtu 1500 up
ip -n "$NSS" addr add 192.0.2.1/24 dev ts0
netns_add "$NSX" || exit 1
netns_add "$NSP" || exit 1
ip -n "$NSX" link set lo up
client_ns "$NSP"
ip -n "$NSX" link add xa0 type veth peer name xb0 netns "$NSP" || exit 1
ip -n "$NSX" link set xa0 mtu 1500 up
ip -n "$NSP" link set xb0 mtu 1500 up
ip -n "$NSP" addr add 192.0.2.1/24 dev xb0
ip netns exec "$NSP" ethtool -K xb0 tx off >/dev/null
veth_pair || exit 1
client_ns "$NSA"
offloads on

CPUS=$(cpu_list "$CLIENT_CPU" "$SERVER_CPU")
stop_server() { kill -TERM "$SRV_PID" 2>/dev/null; reap "$SRV_PID" 2>/dev/null; }
wait_tcp() { # wait_tcp NS: 192.0.2.2:5001 accepts
    local _
    for _ in $(seq 1 50); do
        kill -0 "$SRV_PID" 2>/dev/null || return 1
        ip netns exec "$1" timeout 1 bash -c 'exec 3<>/dev/tcp/192.0.2.2/5001' 2>/dev/null &&
            return 0
        sleep 0.1
    done
    return 1
}
dev_args() {
    case $1 in synack) echo "--xdp xa0" ;; xdpg) echo "--xdp xa0 --xdp-generic" ;;
    tap) echo "--tap ts0" ;; esac
}
stack_ns() { case $1 in synack | xdpg) echo "$NSX" ;; tap) echo "$NSS" ;; esac; }
peer_ns() { case $1 in synack | xdpg) echo "$NSP" ;; tap) echo "$NSS" ;; esac; }
# peer_seg TAG on|off: xb0's segmentation off for the generic hook (veth
# turns TSO off itself only for a native program; a 64 KiB GSO frame does
# not fit a UMEM chunk)
peer_seg() { [ "$1" = xdpg ] && ip netns exec "$NSP" ethtool -K xb0 tso "$2" gso "$2" >/dev/null; true; }

store() { # store TAG TEST CLIENT_OUT
    local tag=$1 test=$2 out=$3 n
    grep -q "RESULT " "$out" || { echo "$ME: $tag $test: the client gave no result:" >&2; cat "$out" >&2; }
    case $test in
    bulk) n=$(field bytes "$out")
        record "bulk_gbps.$tag" "$(field gbps "$out")"
        record "bulk_cpugb.$tag" "$(per_gb "$STAT_BUSY_S" "$n")"
        echo "  $tag bulk: $(field gbps "$out") Gbit/s, $n bytes, CPUs busy $STAT_BUSY_S s" ;;
    conn1) n=$(field conns "$out")
        record "conn1.$tag" "$(field conn_per_s "$out")"
        record "conn1_cpuk.$tag" "$(per_kconn "$STAT_BUSY_S" "$n")"
        echo "  $tag conn1: $(field conn_per_s "$out") conn/s, errors $(field errors "$out")"
        [ "$(field errors "$out")" = 0 ] || FAIL=1 ;;
    esac
}

# Linux -> stack: synack serve on its device, the client in the peer namespace
serve_test() { # serve_test TAG TEST
    local tag=$1 test=$2 srv=$TMP/$1.srv cli=$TMP/$1.cli args dev
    read -r -a dev <<<"$(dev_args "$tag")"
    peer_seg "$tag" off
    serve_bg "$srv" "$SERVER_CPU" ip netns exec "$(stack_ns "$tag")" "$SYNACK" serve "${dev[@]}" \
        --addr 192.0.2.2/24 --discard 5001 --echo 5002 --stats
    if ! wait_tcp "$(peer_ns "$tag")"; then
        echo "$ME: $tag serve did not start:" >&2; cat "$srv" >&2; stop_server
        peer_seg "$tag" on; FAIL=1; return
    fi
    case $test in
    bulk) args=("$PEER" "${LINUX_CC_ARGS[@]}" -t "$RUN_S" bulk-source 192.0.2.2 5001 0) ;;
    conn1) args=("$PEER" "${LINUX_CC_ARGS[@]}" -t "$RUN_S" conn-client 192.0.2.2 5002 0 1) ;;
    esac
    stat_begin "$CPUS"
    run_fg "$cli" "$CLIENT_CPU" ip netns exec "$(peer_ns "$tag")" "${args[@]}"
    stat_end
    stop_server
    peer_seg "$tag" on
    store "$tag" "$test" "$cli"
    grep -h "listening on\|stats: drops\|TCP_CHECKSUM\|write drops" "$srv" |
        sed "s/^/    $tag server: /" | cut -c 1-160
}

# stack -> Linux: bulk-sink in the peer namespace, synack connect sends the file
send_test() { # send_test TAG
    local tag=$1 srv=$TMP/$1.sink cli=$TMP/$1.conn dev
    read -r -a dev <<<"$(dev_args "$tag")"
    peer_seg "$tag" off
    serve_bg "$srv" "$CLIENT_CPU" ip netns exec "$(peer_ns "$tag")" "$PEER" "${LINUX_CC_ARGS[@]}" bulk-sink 5001
    wait_ready "$srv" || { echo "$ME: sink did not start" >&2; stop_server; FAIL=1; return; }
    stat_begin "$CPUS"
    exec_pinned "$SERVER_CPU" timeout "$STEP_TIMEOUT" ip netns exec "$(stack_ns "$tag")" \
        "$SYNACK" connect "${dev[@]}" --addr 192.0.2.2/24 192.0.2.1 5001 \
        <"$SEND_FILE" >"$cli" 2>&1 &
    local pid=$!
    PIDS+=("$pid")
    reap "$pid" || { echo "$ME: $tag connect failed:" >&2; cat "$cli" >&2; FAIL=1; }
    reap "$SRV_PID" || FAIL=1
    stat_end
    peer_seg "$tag" on
    local n w g
    n=$(field bytes "$srv"); w=$(field wall_s "$srv")
    g=$(awk -v n="$n" -v w="$w" 'BEGIN { if (n + 0 > 0 && w + 0 > 0) printf "%.3f", n * 8 / w / 1e9 }')
    [ "$n" = $((SEND_MIB * 1048576)) ] || { echo "$ME: $tag send: sink got ${n:-nothing}" >&2; FAIL=1; }
    record "send_gbps.$tag" "$g"
    record "send_cpugb.$tag" "$(per_gb "$STAT_BUSY_S" "$n")"
    echo "  $tag send: $g Gbit/s, $n bytes, CPUs busy $STAT_BUSY_S s"
}

linux_test() { # linux_test TEST
    local test=$1 srv=$TMP/linux.srv cli=$TMP/linux.cli sargs args
    case $test in
    bulk) sargs=("$PEER" "${LINUX_CC_ARGS[@]}" bulk-sink 5001); args=("$PEER" "${LINUX_CC_ARGS[@]}" -t "$RUN_S" bulk-source 192.0.2.2 5001 0) ;;
    conn1) sargs=("$PEER" "${LINUX_CC_ARGS[@]}" conn-server 5002 0 1)
        args=("$PEER" "${LINUX_CC_ARGS[@]}" -t "$RUN_S" conn-client 192.0.2.2 5002 0 1) ;;
    esac
    serve_bg "$srv" "$SERVER_CPU" ip netns exec "$NSB" "${sargs[@]}"
    wait_ready "$srv" || { echo "$ME: linux server did not start" >&2; stop_server; FAIL=1; return; }
    stat_begin "$CPUS"
    run_fg "$cli" "$CLIENT_CPU" ip netns exec "$NSA" "${args[@]}"
    reap "$SRV_PID" || FAIL=1
    stat_end
    store linux "$test" "$cli"
}

run_item() {
    local stack=${1%%:*} test=${1#*:}
    case $stack:$test in
    linux:*) linux_test "$test" ;;
    *:send) send_test "$stack" ;;
    *) serve_test "$stack" "$test" ;;
    esac
}

ALL_ITEMS="linux:bulk linux:conn1 synack:bulk synack:conn1 synack:send tap:bulk tap:conn1 tap:send
    xdpg:bulk xdpg:conn1 xdpg:send"
# ITEMS: the measurements to run (default all), e.g. ITEMS="xdpg:conn1 synack:conn1"
read -r -a ITEMS <<<"$(echo ${ITEMS:-$ALL_ITEMS})"
for item in "${ITEMS[@]}"; do
    case " $(echo $ALL_ITEMS) " in *" $item "*) ;;
    *) echo "$ME: ITEMS: unknown item '$item' (one of: $(echo $ALL_ITEMS))" >&2; exit 2 ;; esac
done
[ "${#ITEMS[@]}" = 11 ] || SKIP_EMPTY_ROWS=1 # lib.sh's table(): rows of items not run
provenance "$BUILD_DIR" "$COMMAND"
linux_cc_note "$NSA"
seed_order
echo "# AF_XDP benchmark: $ROUNDS rounds; bulk $RUN_S s, send $SEND_MIB MiB, conn1 $RUN_S s; MTU 1500"
echo "# background before: $(background_load "$CPUS" 1) busy CPU-s per s on CPUs $CPUS"
for r in $(seq 1 "$ROUNDS"); do
    ROUND=$r
    shuffle "${ITEMS[@]}"
    echo "round $r/$ROUNDS order: ${ORDER[*]}"
    for item in "${ORDER[@]}"; do run_item "$item"; done
done
echo "# background after: $(background_load "$CPUS" 1) busy CPU-s per s on CPUs $CPUS"
echo
echo "Medians of $ROUNDS rounds. synack: synack over AF_XDP (veth, native, copy mode); xdpg: the"
echo "same on the generic hook (--xdp-generic, the peer's TSO/GSO off); tap: synack"
echo "over a TAP; linux: Linux over veth. synack/X: median [min-max] of per-round ratios."
echo
col_name() {
    case $1 in synack) echo synack-xdp ;; xdpg) echo synack-xdp-generic ;;
    tap) echo synack-tap ;; *) echo "$1" ;; esac
}
TABLE_TAGS=(synack xdpg tap linux); TABLE_VS=(xdpg tap linux)
table "bulk Linux -> stack, Gbit/s|bulk_gbps" "bulk CPU-s per GB (/proc/stat)|bulk_cpugb" \
    "conn/s, 1 at a time|conn1" "CPU-s per 1000 conn (/proc/stat)|conn1_cpuk"
echo
TABLE_TAGS=(synack xdpg tap); TABLE_VS=(xdpg tap)
table "send stack -> Linux, Gbit/s|send_gbps" "send CPU-s per GB (/proc/stat)|send_cpugb"
if [ "$SMOKE" = 1 ] && [ "$MISSING" != 0 ]; then
    echo "$ME: SMOKE: $MISSING table cells are empty" >&2
    FAIL=1
fi
bench_exit
