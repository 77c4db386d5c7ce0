#!/usr/bin/env bash
# Closing, seen from Linux's side with `ss -tan`:
#  - Linux closes first: Linux ends in TIME-WAIT;
#  - synack closes first (`synack connect` at the end of its input, `serve`
#    on SIGTERM): Linux passes CLOSE-WAIT and keeps no TIME-WAIT;
#  - both at once (FINs crossing, made certain by a 400 ms delay): both
#    sides pass CLOSING, Linux ends in TIME-WAIT;
#  - RST from Linux (SO_LINGER 0): synack counts it, `connect` reports it;
#  - RST from synack: a peer that never closes is reset when SIGTERM's
#    grace period ends.
. "$(dirname "$0")/lib.sh"
it_require python3 ss
it_setup
PEER=("${NSX[@]}" timeout 30 python3 "$IT_HERE/tcp_peer.py")
M=$IT_TMP/mark

# ss_count STATE FILTER: sockets in that state matching an ss filter
ss_count() { nsx ss -Htan state "$1" "$2" | wc -l; }
wait_file() { local i; for i in $(seq 1 100); do [ -e "$1" ] && return 0; sleep 0.1; done; return 1; }
# wait_listen PORT: the Linux peer listens on PORT (at most 10 s)
wait_listen() {
    local i
    for i in $(seq 1 100); do
        [ "$(nsx ss -Hltn "( sport = :$1 )" | wc -l)" -ge 1 ] && return 0
        sleep 0.1
    done
    return 1
}

it_serve close --echo 7 --discard 9 || { it_finish; exit 1; }

# Linux closes first
"${PEER[@]}" client "$SYNACK_IP" 7 send:hello recv:5 shut eof close
check "Linux first: the client ran to the end" test $? = 0
check "Linux first: TIME-WAIT on Linux" test "$(ss_count time-wait '( dport = :7 )')" = 1

# RST from Linux
"${PEER[@]}" client "$SYNACK_IP" 9 send:abc sleep:0.2 rst
check "Linux RST: sent" test $? = 0
check "Linux RST: nothing left on Linux" test "$(nsx ss -Htan '( dport = :9 )' | wc -l)" = 0

# SIGTERM: one peer closes when it sees synack's FIN, one never does
"${PEER[@]}" client "$SYNACK_IP" 9 send:x mark:$M.1 eof mark:$M.2 wait:$M.3 close &
p1=$!; IT_PIDS+=("$p1")
"${PEER[@]}" client "$SYNACK_IP" 9 send:y mark:$M.4 expect_reset &
p2=$!; IT_PIDS+=("$p2")
wait_file "$M.1" && wait_file "$M.4"
kill -TERM "$SERVE_PID"
wait_file "$M.2"
check "synack first (SIGTERM): both Linux sockets in CLOSE-WAIT" \
    test "$(ss_count close-wait '( dport = :9 )')" = 2
touch "$M.3"
wait "$p1"
check "synack first: the closing peer ran to the end" test $? = 0
wait "$p2"
check "synack RST: the silent peer saw the reset" test $? = 0
it_stop "$SERVE_PID" 10
check "serve exits 0 after SIGTERM" test $? = 0
check "synack first: no TIME-WAIT on Linux" test "$(ss_count time-wait '( dport = :9 )')" = 0
check "nothing left on Linux for the discard port" test "$(nsx ss -Htan '( dport = :9 )' | wc -l)" = 0
grep '^stats: opens' "$SERVE_LOG"
check "serve counted the RST from Linux" grep -Eq 'resets in [1-9]' "$SERVE_LOG"
n=$(it_pcap_count "$SERVE_PCAP" "ip.src == $SYNACK_IP && tcp.flags.reset == 1 && tcp.dstport != 0")
check "capture: synack sent a RST ($n)" test "$n" -ge 1
check "capture clean" it_pcap_clean "$SERVE_PCAP"

CONNECT=("${NSX[@]}" timeout 30 "$SYNACK" connect "--$SK_LINK" "$DEV" --addr "$SYNACK_IP/24")

# synack connect closes first (empty input)
"${PEER[@]}" server 45010 eof mark:$M.5 wait:$M.6 close &
p=$!; IT_PIDS+=("$p")
wait_listen 45010
"${CONNECT[@]}" "$LINUX_IP" 45010 </dev/null >/dev/null 2>"$IT_TMP/c1.err" &
c=$!; IT_PIDS+=("$c")
wait_file "$M.5"
check "connect first: Linux in CLOSE-WAIT" test "$(ss_count close-wait '( sport = :45010 )')" = 1
touch "$M.6"
wait "$c"
check "connect first: connect exits 0" test $? = 0
wait "$p"
check "connect first: no TIME-WAIT on Linux" test "$(ss_count time-wait '( sport = :45010 )')" = 0

# both at once: 400 ms each way (ARP and the handshake take ~1.6 s, Linux
# accepts at ~2.0 s and closes 300 ms later, its FIN reaches synack at
# ~2.7 s); synack's input ends at 2.3 s: each FIN leaves before the other
# arrives
"${PEER[@]}" server 45011 sleep:0.3 close &
p=$!; IT_PIDS+=("$p")
wait_listen 45011
sleep 2.3 | "${CONNECT[@]}" --impair delay=400ms --trace "$LINUX_IP" 45011 >/dev/null 2>"$IT_TMP/c2.err"
check "both at once: connect exits 0" test $? = 0
wait "$p"
check "both at once: synack passed CLOSING" grep -q -- '-> CLOSING' "$IT_TMP/c2.err"
check "both at once: TIME-WAIT on Linux" test "$(ss_count time-wait '( sport = :45011 )')" = 1

# RST from Linux to synack connect
"${PEER[@]}" server 45012 recv:1 rst &
p=$!; IT_PIDS+=("$p")
wait_listen 45012
(echo x; sleep 2) | "${CONNECT[@]}" "$LINUX_IP" 45012 >/dev/null 2>"$IT_TMP/c3.err"
rc=$?
check "Linux RST: connect exits 1 ($(cat "$IT_TMP/c3.err"))" \
    sh -c "[ $rc = 1 ] && grep -q 'reset by peer' '$IT_TMP/c3.err'"
wait "$p"
it_finish
