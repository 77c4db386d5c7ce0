#!/usr/bin/env bash
# Multi-queue TAP (IFF_MULTI_QUEUE), one synack stack per queue and core:
#  - `synack serve --cores 2`: many connections from Linux, each echoed byte
#    for byte, land on both stacks (the kernel spreads new flows by hash);
#  - `synack connect --cores 2`: each stack opens a connection to Linux and
#    gets every reply on its own queue (the device's steering program sends
#    a TCP flow to queue f(sport + dport), and each stack picks ephemeral
#    ports with f = its queue; port/posix/posix_steer.h): no stack sees a
#    segment for a connection it does not have (TCP_NO_SOCKET, the count of
#    frames that arrived on the wrong queue), none receives a reset. With
#    the kernel's automatic selection instead (no steering program) this
#    check failed in 3 of 8 rounds on Linux 6.18: SYN,ACKs went to the
#    other stack, which answered with resets;
#  - ARP: every stack resolves Linux's MAC on its own (ARP frames go to a
#    random queue; a stack retries until a reply lands on its queue): the
#    connections from both stacks prove it;
#  - bad --cores values and the options --cores excludes: one-line errors.
# The stacks' counters come from --stats, one block per stack
# ("stats: stack I of N").
. "$(dirname "$0")/lib.sh"
it_require socat python3
IT_TUNTAP_FLAGS=multi_queue
it_setup

CONNS=${SK_MQ_CONNS:-32}
it_random "$IT_TMP/in" 1

# stat LOG STACK PATTERN: the first number after PATTERN in stack STACK's block
stat() {
    awk -v k="stats: stack $2 of" -v pat="$3" '
        index($0, k) == 1 { on = 1; next }
        /^stats: stack / { on = 0 }
        on && index($0, pat) { s = substr($0, index($0, pat) + length(pat));
                               match(s, /[0-9]+/); print substr(s, RSTART, RLENGTH); exit }' "$1"
}
# drops LOG STACK NAME: a drop counter by name (0 when not printed)
drops() {
    awk -v k="stats: stack $2 of" -v name="$3" '
        index($0, k) == 1 { on = 1; next }
        /^stats: stack / { on = 0 }
        on && $1 == "stats:" && $2 == name { n = $3 }
        END { print n + 0 }' "$1"
}

# ---- serve --cores 2: connections from Linux ----
# serve_round MODE: with --offload (every queue opened with the virtio-net
# header: checksums, super-segments out, merged segments in) or --no-offload
for i in $(seq 1 "$CONNS"); do
    head -c $((4096 + i * 997)) "$IT_TMP/in" >"$IT_TMP/in.$i"
done
# one large stream per round, so that Linux sends merged segments and the
# echo goes back in super-segments when offloads are on
head -c 2097152 /dev/urandom >"$IT_TMP/in.big"
serve_round() {
    local mode=$1 SERVE_LOG=$IT_TMP/serve.$1.log
    "${NSX[@]}" "$SYNACK" serve --tap "$DEV" --addr "$SYNACK_IP/24" --cores 2 --echo 7 --stats \
        "$mode" >"$SERVE_LOG" 2>&1 &
    SERVE_PID=$!; IT_PIDS+=("$SERVE_PID")
    it_wait_line "$SERVE_LOG" '^synack serve: listening on .*\(2 stacks on 2 queues\)' "$SERVE_PID" 10
    check "serve --cores 2 $mode: listening on 2 queues" test $? = 0

    # the connections, 8 at a time, each its own bytes, and the large one
    local fails=0 batch=() i
    nsx timeout 60 socat -t 10 -T 10 - "TCP:$SYNACK_IP:7" <"$IT_TMP/in.big" >"$IT_TMP/out.big" &
    IT_PIDS+=("$!"); local big=$!
    for i in $(seq 1 "$CONNS"); do
        nsx timeout 30 socat -t 10 -T 10 - "TCP:$SYNACK_IP:7" <"$IT_TMP/in.$i" >"$IT_TMP/out.$i" &
        IT_PIDS+=("$!"); batch+=("$!")
        if [ "${#batch[@]}" = 8 ]; then wait "${batch[@]}"; batch=(); fi
    done
    [ "${#batch[@]}" = 0 ] || wait "${batch[@]}"
    wait "$big"
    for i in $(seq 1 "$CONNS") big; do
        it_same "$IT_TMP/in.$i" "$IT_TMP/out.$i" || fails=$((fails + 1))
    done
    check "serve --cores 2 $mode: $CONNS connections and one of 2 MiB echoed byte for byte ($fails differ)" \
        test "$fails" = 0

    it_stop "$SERVE_PID" 10
    check "serve --cores 2 $mode: SIGTERM, exits 0" test $? = 0
    local p0 p1 s ns ro w r w0 w1 r0 r1
    p0=$(stat "$SERVE_LOG" 0 "passive ")
    p1=$(stat "$SERVE_LOG" 1 "passive ")
    it_log "$mode: passive opens: stack 0 ${p0:-?}, stack 1 ${p1:-?}"
    check "serve $mode: every connection opened on one of the stacks (${p0:-?} + ${p1:-?} = $((CONNS + 1)))" \
        test "$((${p0:-0} + ${p1:-0}))" = "$((CONNS + 1))"
    check "serve $mode: connections landed on both stacks (${p0:-?} and ${p1:-?})" \
        test "${p0:-0}" -gt 0 -a "${p1:-0}" -gt 0
    for s in 0 1; do
        ns=$(drops "$SERVE_LOG" $s TCP_NO_SOCKET)
        ro=$(stat "$SERVE_LOG" $s "resets in ")
        check "serve $mode: stack $s saw no segment of another stack's connection (TCP_NO_SOCKET $ns)" \
            test "$ns" = 0
        check "serve $mode: stack $s received no reset (${ro:-?})" test "${ro:-x}" = 0
    done
    # the offload counters, summed over the stacks: printed only by a stack
    # whose queue carries the virtio-net header
    w0=$(stat "$SERVE_LOG" 0 "super-segments written "); w1=$(stat "$SERVE_LOG" 1 "super-segments written ")
    r0=$(stat "$SERVE_LOG" 0 "merged segments read "); r1=$(stat "$SERVE_LOG" 1 "merged segments read ")
    w=$((${w0:-0} + ${w1:-0})); r=$((${r0:-0} + ${r1:-0}))
    if [ "$mode" = --offload ]; then
        check "serve $mode: super-segments written ($w) and merged segments read ($r) on the queues" \
            test "$w" -gt 0 -a "$r" -gt 0
    else
        check "serve $mode: no offload counters (no virtio-net header on the queues)" \
            test -z "$(grep 'stats: offloads' "$SERVE_LOG")"
    fi
}
# in this order: the device is persistent and keeps the offloads the first
# round set, so the second proves that queues opened without the header
# take them back (else Linux would hand them merged segments larger than
# the MTU with partial checksums, and the 2 MiB echo would break)
serve_round --offload
serve_round --no-offload

# ---- connect --cores 2: connections to Linux ----
# Linux echoes: socat, a cat per connection (a few KiB each way)
"${NSX[@]}" timeout 120 socat TCP-LISTEN:45100,reuseaddr,fork EXEC:cat &
srv=$!; IT_PIDS+=("$srv")
it_wait_listen 45100 || bad "Linux listens on 45100"
ROUNDS=${SK_MQ_ROUNDS:-8}
cfail=0
for r in $(seq 1 "$ROUNDS"); do
    nsx timeout 60 "$SYNACK" connect --tap "$DEV" --addr "$SYNACK_IP/24" --cores 2 --stats \
        --seed "$r" "$LINUX_IP" 45100 <"$IT_TMP/in.$r" >"$IT_TMP/cout.$r" 2>"$IT_TMP/c.$r.log"
    rc=$?
    cat "$IT_TMP/in.$r" "$IT_TMP/in.$r" >"$IT_TMP/want.$r"
    if [ "$rc" != 0 ] || ! it_same "$IT_TMP/want.$r" "$IT_TMP/cout.$r"; then
        cfail=$((cfail + 1)); echo "  round $r: exit $rc"; head -5 "$IT_TMP/c.$r.log"
    fi
    for s in 0 1; do
        a=$(stat "$IT_TMP/c.$r.log" $s "opens active ")
        ns=$(drops "$IT_TMP/c.$r.log" $s TCP_NO_SOCKET)
        ri=$(stat "$IT_TMP/c.$r.log" $s "resets in ")
        ro=$(stat "$IT_TMP/c.$r.log" $s " out ")
        [ "${a:-x}" = 1 ] && [ "$ns" = 0 ] && [ "${ri:-x}" = 0 ] || {
            cfail=$((cfail + 1)); echo "  round $r stack $s: active ${a:-?}, TCP_NO_SOCKET $ns, resets in ${ri:-?}"; }
    done
done
check "connect --cores 2: $ROUNDS rounds of 2 connections (one per stack) echoed byte for byte, each stack one active open, no segment for an unknown connection, no reset ($cfail problems)" \
    test "$cfail" = 0
kill "$srv" 2>/dev/null

# ---- errors ----
err() { # err NAME WANT_RC PATTERN CMD...
    local name=$1 want=$2 pat=$3 rc; shift 3
    "$@" </dev/null >/dev/null 2>"$IT_TMP/err"; rc=$?
    if [ "$rc" = "$want" ] && [ "$(wc -l <"$IT_TMP/err")" = 1 ] && grep -q -- "$pat" "$IT_TMP/err"; then
        ok "$name: exit $rc, $(cat "$IT_TMP/err")"
    else
        bad "$name: exit $rc (want $want), stderr: $(cat "$IT_TMP/err")"
    fi
}
SV=("${NSX[@]}" "$SYNACK" serve --tap "$DEV" --addr "$SYNACK_IP/24" --echo 7)
CN=("${NSX[@]}" "$SYNACK" connect --tap "$DEV" --addr "$SYNACK_IP/24")
err "--cores 0" 2 "bad --cores" "${SV[@]}" --cores 0
err "--cores too many" 2 "bad --cores" "${SV[@]}" --cores 100000
err "--cores not a number" 2 "bad --cores" "${CN[@]}" --cores two "$LINUX_IP" 1
err "--cores with --pcap" 2 "--pcap" "${SV[@]}" --cores 2 --pcap "$IT_TMP/x.pcap"
err "--cores with --udp" 2 "--cores takes TCP" "${CN[@]}" --cores 2 --udp "$LINUX_IP" 1
err "--cores with a name" 2 "--cores takes TCP" "${CN[@]}" --cores 2 --dns 192.0.2.1 example.com 1
it_finish
