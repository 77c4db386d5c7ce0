#!/usr/bin/env bash
# Closing, seen from Linux's side (`ss -tan`, and each Python peer's own
# TCP_INFO state):
#  - Linux closes first: Linux ends in TIME-WAIT;
#  - synack closes first (`synack connect` at the end of its input, `serve`
#    on SIGTERM): Linux passes CLOSE-WAIT and keeps no TIME-WAIT;
#  - both at once (the FINs cross): both sides pass CLOSING, Linux ends in
#    TIME-WAIT. Ordered with SIGSTOP and an inbound delay line, not timed;
#    the capture shows that neither FIN acknowledged the other;
#  - RST from Linux (SO_LINGER 0): synack counts it, `connect` reports it;
#  - RST from synack: a peer that never closes is reset when SIGTERM's
#    grace period ends.
# Every wait is for the thing itself: a listening socket, a socket state, a
# mark file written by a peer, a line in synack's log.
. "$(dirname "$0")/lib.sh"
it_require python3 ss
it_setup
PEER=("${NSX[@]}" timeout 30 python3 "$IT_HERE/tcp_peer.py")
M=$IT_TMP/mark

# ss_count STATE FILTER: sockets in that state matching an ss filter
ss_count() { nsx ss -Htan state "$1" "$2" | wc -l; }
# wait_file FILE...: until every FILE exists (a peer's mark; at most 20 s)
wait_file() {
    local f
    for f in "$@"; do
        for _ in $(seq 1 400); do [ -e "$f" ] && continue 2; sleep 0.05; done
        echo "  $f did not appear"
        return 1
    done
}

it_serve close --echo 7 --discard 9 || { it_finish; exit 1; }

# Linux closes first
"${PEER[@]}" client "$SYNACK_IP" 7 send:hello recv:5 shut eof close
check "Linux first: the client ran to the end" test $? = 0
check "Linux first: TIME-WAIT on Linux" test "$(ss_count time-wait '( dport = :7 )')" = 1

# RST from Linux, once synack has acknowledged the data (so synack has
# certainly accepted the connection the RST ends)
"${PEER[@]}" client "$SYNACK_IP" 9 send:abc acked rst
check "Linux RST: sent" test $? = 0
check "Linux RST: nothing left on Linux" test "$(nsx ss -Htan '( dport = :9 )' | wc -l)" = 0

# SIGTERM: one peer closes when it sees synack's FIN, one never does. Each
# peer marks when synack has acknowledged its byte (synack has accepted the
# connection), and checks its own socket is in CLOSE-WAIT after synack's FIN.
"${PEER[@]}" client "$SYNACK_IP" 9 send:x acked mark:"$M.1" eof state:CLOSE_WAIT close &
p1=$!; IT_PIDS+=("$p1")
"${PEER[@]}" client "$SYNACK_IP" 9 send:y acked mark:"$M.4" eof state:CLOSE_WAIT expect_reset &
p2=$!; IT_PIDS+=("$p2")
check "both peers connected and acknowledged" wait_file "$M.1" "$M.4"
kill -TERM "$SERVE_PID"
wait "$p1"
check "synack first (SIGTERM): the closing peer was in CLOSE-WAIT after synack's FIN, then closed" \
    test $? = 0
wait "$p2"
check "synack RST: the silent peer was in CLOSE-WAIT, then saw the reset" test $? = 0
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
"${PEER[@]}" server 45010 eof state:CLOSE_WAIT mark:"$M.5" wait:"$M.6" close &
p=$!; IT_PIDS+=("$p")
it_wait_listen 45010 || bad "connect first: the peer listens"
"${CONNECT[@]}" "$LINUX_IP" 45010 </dev/null >/dev/null 2>"$IT_TMP/c1.err" &
c=$!; IT_PIDS+=("$c")
check "connect first: Linux saw synack's FIN" wait_file "$M.5"
check "connect first: Linux in CLOSE-WAIT" test "$(ss_count close-wait '( sport = :45010 )')" = 1
touch "$M.6"
wait "$c"
check "connect first: connect exits 0" test $? = 0
wait "$p"
check "connect first: the peer ran to the end" test $? = 0
check "connect first: no TIME-WAIT on Linux" test "$(ss_count time-wait '( sport = :45010 )')" = 0

# both at once (RFC 9293 §3.6, simultaneous close): each side sends its FIN
# before it has received the other's, so each receives a FIN while its own
# is unacknowledged (FIN-WAIT-1 -> CLOSING -> TIME-WAIT). Ordered, not timed:
#  1. synack connects (its input a FIFO we hold open), Linux accepts; then
#     synack is stopped (SIGSTOP);
#  2. Linux closes: its FIN waits in the TAP's queue (ss: FIN-WAIT-1);
#  3. synack's input ends and synack continues (SIGCONT): it reads Linux's
#     FIN into a 1 s inbound delay line (--impair-in delay=1s), then, in the
#     same pass of its loop, the end of its input, and sends its FIN while
#     Linux's FIN is still in the delay line.
"${PEER[@]}" server 45011 mark:"$M.8" wait:"$M.9" close &
p=$!; IT_PIDS+=("$p")
it_wait_listen 45011 || bad "both at once: the peer listens"
FIFO=$IT_TMP/c2.in
mkfifo "$FIFO"
exec 8<>"$FIFO"  # the only writer of synack's input, until step 3
# not under `timeout`: SIGSTOP must reach synack itself (bounded by it_wait_exit)
"${NSX[@]}" "$SYNACK" connect "--$SK_LINK" "$DEV" --addr "$SYNACK_IP/24" --impair-in delay=1s \
    --trace --pcap "$IT_TMP/c2.pcap" "$LINUX_IP" 45011 <"$FIFO" >/dev/null 2>"$IT_TMP/c2.err" 8>&- &
c=$!; IT_PIDS+=("$c")
check "both at once: Linux accepted" wait_file "$M.8"
kill -STOP "$c"
touch "$M.9"
check "both at once: Linux sent its FIN (FIN-WAIT-1) while synack was stopped" \
    it_wait_state fin-wait-1 '( sport = :45011 )'
exec 8>&-
kill -CONT "$c"
it_wait_exit "$c" 30
check "both at once: connect exits 0" test $? = 0
wait "$p"
check "both at once: the peer ran to the end" test $? = 0
check "both at once: synack went FIN-WAIT-1 -> CLOSING -> TIME-WAIT" \
    grep -Pzq 'FIN-WAIT-1 -> CLOSING\n(.*\n)*.*CLOSING -> TIME-WAIT' "$IT_TMP/c2.err"
check "both at once: TIME-WAIT on Linux" test "$(ss_count time-wait '( sport = :45011 )')" = 1
# the first FIN each way: its ACK field is the other side's FIN's sequence
# number (everything before that FIN, not the FIN itself): each FIN left
# before the other arrived, so each side took a FIN in FIN-WAIT-1 with its
# own FIN unacknowledged: CLOSING (RFC 9293 §3.10.7.4, eighth step)
fin() { sk_tshark -r "$IT_TMP/c2.pcap" -Y "tcp.flags.fin == 1 && ip.src == $1" \
    -T fields -e tcp.seq_raw -e tcp.ack_raw | head -1; }
read -r s_seq s_ack <<<"$(fin "$SYNACK_IP")"
read -r l_seq l_ack <<<"$(fin "$LINUX_IP")"
check "both at once: the FINs crossed (synack FIN seq ${s_seq:-?} ack ${s_ack:-?}, Linux FIN seq ${l_seq:-?} ack ${l_ack:-?})" \
    test -n "$s_seq" -a -n "$l_seq" -a "$s_ack" = "$l_seq" -a "$l_ack" = "$s_seq"

# RST from Linux to synack connect; synack's input stays open (a FIFO we
# hold) so that the RST, not the end of its input, ends the connection
"${PEER[@]}" server 45012 recv:1 rst &
p=$!; IT_PIDS+=("$p")
it_wait_listen 45012 || bad "Linux RST: the peer listens"
FIFO=$IT_TMP/c3.in
mkfifo "$FIFO"
exec 8<>"$FIFO"
echo x >&8
"${CONNECT[@]}" "$LINUX_IP" 45012 <"$FIFO" >/dev/null 2>"$IT_TMP/c3.err" 8>&-
rc=$?
exec 8>&-
check "Linux RST: connect exits 1 ($(cat "$IT_TMP/c3.err"))" \
    sh -c "[ $rc = 1 ] && grep -q 'reset by peer' '$IT_TMP/c3.err'"
wait "$p"
check "Linux RST: the peer ran to the end" test $? = 0
it_finish
