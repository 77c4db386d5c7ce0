#!/usr/bin/env bash
# `synack link` joins two namespaces through the impairment model:
#
#   namespace A (skit-link-PID)          namespace B (skit-linkb-PID)
#   ta 192.0.2.1  ==[synack link]==  tb --+-- br0 192.0.2.2 (Linux)
#                                         +-- ts --- synack serve 192.0.2.3
#
# Linux in A reaches Linux in B and synack in B over the identical link (B's
# bridge puts both behind tb). Checks, each with the link restarted on a new
# spec and a fixed seed:
#  1. delay=10ms: ping's smallest RTT is at least 2 x 10 ms (no frame can
#     cross faster than the configured delay each way: a physical bound, not
#     a performance threshold); 4 MiB A -> B byte-exact (sha256).
#  1b. --a2b and --b2a: a direction that loses everything passes nothing,
#     the other delivers all; a namespace that does not exist is an error.
#  2. loss=2%: the link counts its losses each way and its counters balance
#     (in = out + lost + queue_drops + pending); 4 MiB still byte-exact.
#  3. rate=20mbit,queue=64k: goodput of an 8 MiB transfer is at most the
#     rate (every payload byte crossed the link's serialization, plus
#     headers, so more is impossible; a measured bound, not a threshold); B's
#     ip -s link sees what the link counted as written.
#  4. Linux <-> synack across the same link with loss=1%,delay=5ms: 2 MiB
#     echoed byte for byte by `synack serve --echo`; synack's stats show its
#     retransmissions or the link's losses.
# Every wait is bounded; the trap ends our processes and deletes both
# namespaces.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || it_skip "needs root (network namespaces and TAP devices)"
[ -c /dev/net/tun ] || it_skip "/dev/net/tun is missing"
it_require ip timeout socat ping sha256sum ss awk
[ -x "$SYNACK" ] || { echo "synack not built: $SYNACK"; echo "0 passed, 1 failed"; exit 1; }

NSA=$NS
NSB=skit-linkb-$$
LINK_PID=
link_cleanup() {
    it_cleanup
    ip netns del "$NSB" 2>/dev/null
}
IT_TMP=$(mktemp -d "/tmp/skit-$IT_NAME.XXXXXX") || exit 1
trap link_cleanup EXIT
trap 'exit 130' INT TERM
# listed before use: a failure half-way still deletes both
ip netns add "$NSA" || it_skip "cannot create a network namespace"
ip netns add "$NSB" || it_skip "cannot create a network namespace"
A=(ip netns exec "$NSA")
B=(ip netns exec "$NSB")

setup() {
    ip -n "$NSA" link set lo up && ip -n "$NSB" link set lo up &&
        ip -n "$NSA" tuntap add dev ta mode tap &&
        ip -n "$NSB" tuntap add dev tb mode tap &&
        ip -n "$NSB" tuntap add dev ts mode tap &&
        ip -n "$NSB" link add br0 type bridge stp_state 0 forward_delay 0 &&
        ip -n "$NSB" link set tb master br0 && ip -n "$NSB" link set ts master br0 &&
        ip -n "$NSA" addr add 192.0.2.1/24 dev ta &&
        ip -n "$NSB" addr add 192.0.2.2/24 dev br0 || return 1
    local d
    "${A[@]}" ethtool -K ta tso off gso off gro off >/dev/null 2>&1
    for d in tb ts br0; do "${B[@]}" ethtool -K "$d" tso off gso off gro off >/dev/null 2>&1; done
    ip -n "$NSA" link set ta up && ip -n "$NSB" link set br0 up &&
        ip -n "$NSB" link set tb up && ip -n "$NSB" link set ts up
}
setup || { bad "namespaces, TAPs and bridge set up"; it_finish; exit 1; }

# link_start SPEC: (re)start the link on SPEC with seed 7; waits for its line
# (at most 15 s: opening each TAP waits up to 3 s for the kernel's link
# watch, longer on a loaded machine).
LINK_LOG=
link_start() {
    LINK_LOG=$IT_TMP/link.$((++LINK_N)).log
    "$SYNACK" link --ns-a "$NSA" --tap-a ta --ns-b "$NSB" --tap-b tb --impair "$1" \
        --seed 7 --stats --time 300 2>"$LINK_LOG" &
    LINK_PID=$!
    IT_PIDS+=("$LINK_PID")
    local _
    for _ in $(seq 1 150); do
        grep -q "running" "$LINK_LOG" 2>/dev/null && return 0
        kill -0 "$LINK_PID" 2>/dev/null || break
        sleep 0.1
    done
    cat "$LINK_LOG"
    return 1
}
LINK_N=0

# link_stop: SIGINT, exit status 0, counters in $LINK_LOG
link_stop() {
    it_stop "$LINK_PID" 10
    check "link exits 0 on SIGINT/SIGTERM" test $? = 0
    grep '^link' "$LINK_LOG"
}

# stat DIR KEY: a counter from the link's --stats
link_stat() { sed -n "s/^link $1:.*[ ]$2=\([0-9.]*\).*/\1/p" "$LINK_LOG" | head -n 1; }

# sink PORT FILE: a Linux receiver in B on 192.0.2.2; waits until it listens
SINK_PID=
sink() {
    "${B[@]}" timeout 120 socat -u "TCP-LISTEN:$1,reuseaddr" "OPEN:$2,creat,trunc" &
    SINK_PID=$!
    IT_PIDS+=("$SINK_PID")
    local _
    for _ in $(seq 1 150); do
        "${B[@]}" ss -ltn "sport = :$1" | grep -q LISTEN && return 0
        sleep 0.1
    done
    return 1
}

# send_file FILE PORT: from A to B's sink, then wait for the sink; sets SECS
send_file() {
    local s e
    s=$(date +%s.%N)
    "${A[@]}" timeout 120 socat -u "OPEN:$1" "TCP:192.0.2.2:$2"
    local rc=$?
    wait "$SINK_PID"
    e=$(date +%s.%N)
    SECS=$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", e - s }')
    return $rc
}

same_sha() { [ "$(sha256sum <"$1")" = "$(sha256sum <"$2")" ]; }

it_random "$IT_TMP/in4" 4
it_random "$IT_TMP/in8" 8

# 1. delay
link_start "delay=10ms" || { bad "link starts"; it_finish; exit 1; }
"${A[@]}" timeout 30 ping -n -c 20 -i 0.05 -W 5 192.0.2.2 >"$IT_TMP/ping" 2>&1
check "delay: ping gets replies across the link" grep -q ' 0% packet loss' "$IT_TMP/ping"
rtt_min=$(sed -n 's|.*= \([0-9.]*\)/\([0-9.]*\)/.*|\1|p' "$IT_TMP/ping")
rtt_avg=$(sed -n 's|.*= \([0-9.]*\)/\([0-9.]*\)/.*|\2|p' "$IT_TMP/ping")
it_log "delay=10ms: ping RTT min $rtt_min ms, avg $rtt_avg ms"
check "delay: RTT min ${rtt_min:-?} ms >= 2 x 10 ms" \
    awk -v m="${rtt_min:-0}" 'BEGIN { exit !(m >= 20.0) }'
sink 5001 "$IT_TMP/out1" || bad "delay: sink listens"
send_file "$IT_TMP/in4" 5001
check "delay: 4 MiB A -> B exits 0" test $? = 0
check "delay: 4 MiB byte-exact (sha256)" same_sha "$IT_TMP/in4" "$IT_TMP/out1"
link_stop
check "delay: nothing lost or dropped" test "$(link_stat a2b lost)$(link_stat b2a lost)$(link_stat a2b queue_drops)" = 000

# 1b. one spec per direction: --a2b and --b2a
LINK_LOG=$IT_TMP/link.asym.log
"$SYNACK" link --ns-a "$NSA" --tap-a ta --ns-b "$NSB" --tap-b tb --a2b delay=15ms \
    --b2a "delay=1ms,loss=100%" --seed 7 --stats --time 300 2>"$LINK_LOG" &
LINK_PID=$!
IT_PIDS+=("$LINK_PID")
for _ in $(seq 1 150); do grep -q running "$LINK_LOG" && break; sleep 0.1; done
"${A[@]}" timeout 10 ping -n -c 3 -i 0.2 -W 1 192.0.2.2 >"$IT_TMP/ping2" 2>&1
link_stop
check "--a2b/--b2a: b2a loses everything (no reply; b2a lost $(link_stat b2a lost), out $(link_stat b2a out))" \
    test "$(link_stat b2a out)" = 0 -a "$(link_stat b2a lost)" -gt 0
check "--a2b/--b2a: a2b delivers what it got ($(link_stat a2b in) in, $(link_stat a2b out) out)" \
    test "$(link_stat a2b lost)" = 0 -a "$(link_stat a2b out)" = "$(link_stat a2b in)"
"$SYNACK" link --ns-a "skit-none-$$" --tap-a ta --ns-b "$NSB" --tap-b tb >/dev/null 2>"$IT_TMP/nons"
check "a missing namespace: exit 1 with a reason" test $? = 1
check "  ... naming the namespace ($(head -c 80 "$IT_TMP/nons"))" grep -q "skit-none-$$" "$IT_TMP/nons"

# 2. loss
link_start "loss=2%,delay=2ms" || bad "link starts (loss)"
sink 5002 "$IT_TMP/out2" || bad "loss: sink listens"
send_file "$IT_TMP/in4" 5002
check "loss: 4 MiB A -> B exits 0" test $? = 0
check "loss: 4 MiB byte-exact (sha256) despite the losses" same_sha "$IT_TMP/in4" "$IT_TMP/out2"
link_stop
la=$(link_stat a2b lost) lb=$(link_stat b2a lost)
check "loss: the link counted losses both ways (a2b ${la:-?}, b2a ${lb:-?})" \
    test "${la:-0}" -gt 0 -a "${lb:-0}" -gt 0
for d in a2b b2a; do
    in=$(link_stat $d in) out=$(link_stat $d out) lost=$(link_stat $d lost) q=$(link_stat $d queue_drops)
    pend=$(link_stat $d pending) wd=$(link_stat $d write_drops)
    check "loss: $d counters balance (in $in = out $out + lost $lost + queue $q + write drops $wd + pending $pend)" \
        test "${in:-x}" = "$((${out:-0} + ${lost:-0} + ${q:-0} + ${wd:-0} + ${pend:-0}))"
done

# 3. rate
# tb's receive counters: "BYTES DROPPED"
rx_counts() {
    ip -n "$NSB" -s -j link show tb 2>/dev/null |
        sed -n 's/.*"rx":{"bytes":\([0-9]*\),"packets":[0-9]*,"errors":[0-9]*,"dropped":\([0-9]*\).*/\1 \2/p' | head -n 1
}
read -r rx0 rxd0 < <(rx_counts)
link_start "rate=20mbit,queue=64k,delay=5ms" || bad "link starts (rate)"
sink 5003 "$IT_TMP/out3" || bad "rate: sink listens"
send_file "$IT_TMP/in8" 5003
check "rate: 8 MiB A -> B exits 0" test $? = 0
check "rate: 8 MiB byte-exact (sha256)" same_sha "$IT_TMP/in8" "$IT_TMP/out3"
link_stop
mbit=$(awk -v s="$SECS" 'BEGIN { printf "%.2f", 8 * 8 * 1.048576 / s }')
it_log "rate=20mbit: 8 MiB in $SECS s = $mbit Mbit/s goodput; link a2b out $(link_stat a2b out_mbit_s) Mbit/s over its run, queue drops $(link_stat a2b queue_drops)"
check "rate: goodput $mbit Mbit/s <= 20 Mbit/s" awk -v m="$mbit" 'BEGIN { exit !(m <= 20.0) }'
read -r rx1 rxd1 < <(rx_counts)
# every byte the link wrote arrived, unless the kernel dropped frames at
# tb's input (its backlog, on a loaded machine): then it says so
rx_ok() { [ "$((rx1 - rx0))" = "$(link_stat a2b bytes_out)" ] || [ "$((rxd1 - rxd0))" -gt 0 ]; }
check "rate: ip -s link on tb received what the link wrote ($((rx1 - rx0)) = $(link_stat a2b bytes_out), dropped $((rxd1 - rxd0)))" rx_ok
mbit_rx=$(awk -v b="$((rx1 - rx0))" -v s="$SECS" 'BEGIN { printf "%.2f", b * 8 / s / 1e6 }')
check "rate: tb's received frames, $mbit_rx Mbit/s over the transfer, <= 20 Mbit/s" \
    awk -v m="$mbit_rx" 'BEGIN { exit !(m <= 20.0) }'

# 4. Linux <-> synack behind the same link
link_start "loss=1%,delay=5ms" || bad "link starts (synack)"
SLOG=$IT_TMP/serve.log
"${B[@]}" "$SYNACK" serve --tap ts --addr 192.0.2.3/24 --echo 7 --stats >"$SLOG" 2>&1 &
SERVE_PID=$!
IT_PIDS+=("$SERVE_PID")
for _ in $(seq 1 150); do
    grep -q "synack serve:" "$SLOG" 2>/dev/null && break
    kill -0 "$SERVE_PID" 2>/dev/null || break
    sleep 0.1
done
check "synack serve runs on ts" grep -q "synack serve:" "$SLOG"
head -c 2097152 "$IT_TMP/in4" >"$IT_TMP/in2"
"${A[@]}" timeout 90 socat -t 60 -T 60 -b 65536 - "TCP:192.0.2.3:7" <"$IT_TMP/in2" >"$IT_TMP/out4"
check "synack: socat through the link exits 0" test $? = 0
check "synack: 2 MiB echoed byte-exact (sha256)" same_sha "$IT_TMP/in2" "$IT_TMP/out4"
it_stop "$SERVE_PID" 10
check "synack: serve exits 0" test $? = 0
link_stop
grep -E '^stats: retrans' "$SLOG"
check "synack: the link lost frames on the way (a2b $(link_stat a2b lost), b2a $(link_stat b2a lost))" \
    test "$(($(link_stat a2b lost) + $(link_stat b2a lost)))" -gt 0

it_finish
