#!/usr/bin/env bash
# synack over AF_XDP (--xdp) on a veth end: a veth pair between two new
# namespaces, synack on one end through an AF_XDP socket (that end has no
# kernel address), Linux on the other at 192.0.2.1/24. Linux pings synack;
# 10 MiB go Linux -> synack -> Linux through `serve --echo`; `synack
# connect` sends 10 MiB to a Linux socat and receives 10 MiB from another,
# byte for byte; the captures are clean; the XDP program is gone when
# synack exits; bad --xdp values are one-line errors; with the peer's
# checksum offload on, the segments are dropped and counted as TCP_CHECKSUM;
# the generic (SKB) hook, forced with --xdp-generic: ping and 10 MiB echo.
#
# The Linux end sends with full checksums (ethtool -K tx off): a veth
# hands XDP the frame as Linux queued it, and with checksum offload on, a
# TCP checksum is only the pseudo-header's (CHECKSUM_PARTIAL); XDP carries
# no flag saying so, and synack would drop every segment as TCP_CHECKSUM
# (bench/README-tap.md, "AF_XDP").
#
# Skipped (a failure in CI) when the build has no AF_XDP (libxdp-dev and
# libbpf-dev missing at configure time) or the kernel refuses AF_XDP.
. "$(dirname "$0")/lib.sh"
it_require socat ping ethtool
[ "$(id -u)" -eq 0 ] || it_skip "needs root (network namespaces, XDP programs)"
it_require ip timeout tshark
[ -x "$SYNACK" ] || { echo "synack not built: $SYNACK"; echo "0 passed, 1 failed"; exit 1; }

PEER=skit-xdpl-$$
DEV=skxa0
IT_TMP=$(mktemp -d "/tmp/skit-$IT_NAME.XXXXXX") || exit 1
xdp_cleanup() { it_cleanup; ip netns del "$PEER" 2>/dev/null; }
trap xdp_cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$NS" || it_skip "cannot create a network namespace"
ip netns add "$PEER" || it_skip "cannot create a network namespace"
PX=(ip netns exec "$PEER")
ip link add "$DEV" netns "$NS" type veth peer name skxb0 netns "$PEER" ||
    it_skip "cannot create a veth pair"
nsx ip link set lo up
nsx ip link set "$DEV" up
"${PX[@]}" ip link set lo up
"${PX[@]}" ip addr add "$LINUX_IP/24" dev skxb0
"${PX[@]}" ip link set skxb0 up
"${PX[@]}" ethtool -K skxb0 tx off >/dev/null

# Bad values first: one-line errors, exit 2, nothing attached.
nsx "$SYNACK" serve --xdp "" --addr "$SYNACK_IP/24" --echo 7 >"$IT_TMP/e1" 2>&1
check "--xdp '': exit 2" test $? = 2
check "--xdp '': says bad --xdp" grep -q "bad --xdp" "$IT_TMP/e1"
nsx "$SYNACK" serve --xdp "$DEV:x1" --addr "$SYNACK_IP/24" --echo 7 >"$IT_TMP/e2" 2>&1
check "--xdp $DEV:x1: exit 2" test $? = 2
nsx "$SYNACK" serve --xdp "$DEV:4096" --addr "$SYNACK_IP/24" --echo 7 >"$IT_TMP/e3" 2>&1
check "--xdp $DEV:4096 (queue out of range): exit 2" test $? = 2
nsx "$SYNACK" serve --xdp skno0 --addr "$SYNACK_IP/24" --echo 7 >"$IT_TMP/e4" 2>&1
check "--xdp skno0 (no such interface): fails" test $? -ne 0
check "--xdp skno0: says no interface" grep -q "no interface 'skno0'" "$IT_TMP/e4"
nsx "$SYNACK" serve --xdp "$DEV" --tap skt0 --addr "$SYNACK_IP/24" --echo 7 >"$IT_TMP/e5" 2>&1
check "--xdp with --tap: exit 2 (one device)" test $? = 2
nsx "$SYNACK" serve --xdp "$DEV" --offload --addr "$SYNACK_IP/24" --echo 7 >"$IT_TMP/e7" 2>&1
check "--xdp with --offload: exit 2" test $? = 2
check "--xdp with --offload: says why" grep -q "no offload metadata" "$IT_TMP/e7"
nsx "$SYNACK" serve --xdp "$DEV" --cores 2 --addr "$SYNACK_IP/24" --echo 7 >"$IT_TMP/e8" 2>&1
check "--xdp with --cores 2: exit 2" test $? = 2
check "--xdp with --cores 2: says why" grep -q "not with --xdp" "$IT_TMP/e8"

SERVE_LOG=$IT_TMP/serve.log
SERVE_PCAP=$IT_TMP/serve.pcap
"${NSX[@]}" "$SYNACK" serve --xdp "$DEV" --addr "$SYNACK_IP/24" --pcap "$SERVE_PCAP" --stats \
    --echo 7 >"$SERVE_LOG" 2>&1 &
SERVE_PID=$!
IT_PIDS+=("$SERVE_PID")
if ! it_wait_line "$SERVE_LOG" '^synack serve: listening on ' "$SERVE_PID" 10; then
    it_wait_exit "$SERVE_PID" 5
    grep -q "this build has no AF_XDP" "$SERVE_LOG" &&
        it_skip "this build has no AF_XDP (bash scripts/deps.sh test, then configure again)"
    grep -Eq "Address family not supported|Operation not supported" "$SERVE_LOG" &&
        it_skip "the kernel refuses AF_XDP: $(head -1 "$SERVE_LOG")"
    echo "synack serve did not start:"; cat "$SERVE_LOG"
    bad "serve --xdp starts"
    it_finish; exit 1
fi
grep '^synack serve: listening' "$SERVE_LOG"
check "serve: listening on AF_XDP $DEV" grep -Eq "listening on AF_XDP $DEV queue 0 \((native|generic) XDP\)" "$SERVE_LOG"
check "an XDP program is attached to $DEV" bash -c "ip -n $NS link show $DEV | grep -q prog/xdp"

"${PX[@]}" timeout 20 ping -c 5 -i 0.2 -W 2 "$SYNACK_IP" >"$IT_TMP/ping.out" 2>&1
check "Linux ping: 5 replies" grep -q "5 received" "$IT_TMP/ping.out"
"${PX[@]}" timeout 20 ping -c 3 -i 0.2 -W 2 -s 1400 "$SYNACK_IP" >"$IT_TMP/ping2.out" 2>&1
check "Linux ping -s 1400: 3 replies" grep -q "3 received" "$IT_TMP/ping2.out"

# a second socket on the queue the first one holds: EBUSY, tried again for
# 2 s (a queue whose socket has just closed comes free by itself), then
# reported; the running serve is untouched (the echo below goes through it)
nsx timeout 30 "$SYNACK" serve --xdp "$DEV" --addr "$SYNACK_IP/24" --echo 7 >"$IT_TMP/e9" 2>&1
check "a second serve on the same queue: fails" test $? = 1
check "a second serve on the same queue: says the queue is held" \
    grep -q "Device or resource busy (another AF_XDP socket holds the queue" "$IT_TMP/e9"

it_random "$IT_TMP/in" 10
"${PX[@]}" timeout 60 socat -t 30 -T 30 -b 65536 - "TCP:$SYNACK_IP:7" <"$IT_TMP/in" >"$IT_TMP/out"
check "echo: socat exits 0" test $? = 0
check "echo: 10 MiB Linux -> synack -> Linux byte for byte" it_same "$IT_TMP/in" "$IT_TMP/out"
it_stop "$SERVE_PID" 10
check "serve: SIGTERM, exit 0" test $? = 0
in_bytes=$(sed -n 's/^stats: .*payload bytes in \([0-9]*\).*/\1/p' "$SERVE_LOG")
check "serve counted 10 MiB in ($in_bytes)" test "$in_bytes" = $((10 * 1048576))
check "serve: no TCP checksum drops" bash -c "! grep -q TCP_CHECKSUM '$SERVE_LOG'"
check "serve: capture clean" it_pcap_clean "$SERVE_PCAP"
check "the XDP program is detached after exit" bash -c "! ip -n $NS link show $DEV | grep -q prog/xdp"

# wait_peer_listen PORT: a Linux socket in the peer namespace listens (bounded)
wait_peer_listen() {
    local _
    for _ in $(seq 1 200); do
        "${PX[@]}" ss -Htln "sport = :$1" | grep -q . && return 0
        sleep 0.05
    done
    return 1
}
CONNECT=("${NSX[@]}" timeout 60 "$SYNACK" connect --xdp "$DEV" --addr "$SYNACK_IP/24")

"${PX[@]}" timeout 60 socat -u TCP-LISTEN:45000,reuseaddr "OPEN:$IT_TMP/got1,creat,trunc" &
srv=$!; IT_PIDS+=("$srv")
wait_peer_listen 45000 || bad "Linux listens on 45000"
"${CONNECT[@]}" --pcap "$IT_TMP/c1.pcap" "$LINUX_IP" 45000 <"$IT_TMP/in" >/dev/null 2>"$IT_TMP/c1.err"
check "synack -> Linux: connect exits 0" test $? = 0
wait "$srv"
check "synack -> Linux: 10 MiB byte for byte" it_same "$IT_TMP/in" "$IT_TMP/got1"
check "synack -> Linux: capture clean" it_pcap_clean "$IT_TMP/c1.pcap"

"${PX[@]}" timeout 60 socat -u "OPEN:$IT_TMP/in" TCP-LISTEN:45001,reuseaddr &
srv=$!; IT_PIDS+=("$srv")
wait_peer_listen 45001 || bad "Linux listens on 45001"
"${CONNECT[@]}" --pcap "$IT_TMP/c2.pcap" "$LINUX_IP" 45001 </dev/null >"$IT_TMP/got2" 2>"$IT_TMP/c2.err"
check "Linux -> synack: connect exits 0" test $? = 0
wait "$srv"
check "Linux -> synack: 10 MiB byte for byte" it_same "$IT_TMP/in" "$IT_TMP/got2"
check "Linux -> synack: capture clean" it_pcap_clean "$IT_TMP/c2.pcap"

# The generic (SKB) hook, the fallback for drivers without native XDP:
# forced with --xdp-generic. veth turns the peer's TSO off only for a
# native program, so here the peer's segmentation is off by hand (a 64 KiB
# GSO frame does not fit a 4 KiB UMEM chunk).
nsx "$SYNACK" serve --xdp-generic --tap skt0 --addr "$SYNACK_IP/24" --echo 7 >"$IT_TMP/e6" 2>&1
check "--xdp-generic without --xdp: exit 2" test $? = 2
"${PX[@]}" ethtool -K skxb0 tso off gso off >/dev/null
"${NSX[@]}" "$SYNACK" serve --xdp "$DEV" --xdp-generic --addr "$SYNACK_IP/24" --stats --echo 7 \
    >"$IT_TMP/generic.log" 2>&1 &
SERVE_PID=$!
IT_PIDS+=("$SERVE_PID")
it_wait_line "$IT_TMP/generic.log" '^synack serve: listening on ' "$SERVE_PID" 10
check "generic: serve starts" test $? = 0
check "generic: on the generic hook" grep -q "listening on AF_XDP $DEV queue 0 (generic XDP)" \
    "$IT_TMP/generic.log"
check "generic: an SKB-mode program on $DEV" bash -c "ip -n $NS link show $DEV | grep -q xdpgeneric"
"${PX[@]}" timeout 20 ping -c 3 -i 0.2 -W 2 "$SYNACK_IP" >"$IT_TMP/ping3.out" 2>&1
check "generic: Linux ping, 3 replies" grep -q "3 received" "$IT_TMP/ping3.out"
"${PX[@]}" timeout 60 socat -t 30 -T 30 -b 65536 - "TCP:$SYNACK_IP:7" <"$IT_TMP/in" >"$IT_TMP/out4"
check "generic: echo, 10 MiB back byte for byte" it_same "$IT_TMP/in" "$IT_TMP/out4"
it_stop "$SERVE_PID" 10
check "generic: serve exits 0" test $? = 0
check "generic: the program is detached after exit" \
    bash -c "! ip -n $NS link show $DEV | grep -q prog/xdp"
"${PX[@]}" ethtool -K skxb0 tso on gso on >/dev/null

# The reason for `tx off` above: with the peer's checksum offload on, what
# reaches synack over XDP carries only the pseudo-header sum; synack drops
# those segments and counts them (no connection, no crash).
"${PX[@]}" ethtool -K skxb0 tx on >/dev/null
"${NSX[@]}" "$SYNACK" serve --xdp "$DEV" --addr "$SYNACK_IP/24" --stats --echo 7 \
    >"$IT_TMP/partial.log" 2>&1 &
SERVE_PID=$!
IT_PIDS+=("$SERVE_PID")
it_wait_line "$IT_TMP/partial.log" '^synack serve: listening on ' "$SERVE_PID" 10
check "checksum offload on: serve starts" test $? = 0
"${PX[@]}" timeout 20 ping -c 1 -W 5 "$SYNACK_IP" >/dev/null 2>&1 # ARP, ICMP: full checksums
"${PX[@]}" timeout 10 socat -u OPEN:/dev/null "TCP:$SYNACK_IP:7,connect-timeout=3" \
    >/dev/null 2>&1
check "checksum offload on: Linux cannot connect" test $? -ne 0
it_stop "$SERVE_PID" 10
check "checksum offload on: serve exits 0" test $? = 0
bad_sum=$(sed -n 's/^stats: *TCP_CHECKSUM *\([0-9]*\).*/\1/p' "$IT_TMP/partial.log")
check "checksum offload on: the SYNs counted as TCP_CHECKSUM drops (${bad_sum:-none})" \
    test "${bad_sum:-0}" -gt 0
it_finish
