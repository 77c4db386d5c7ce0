#!/usr/bin/env bash
# serve/connect --plot DIR against Linux: the plots of a live connection,
# from the stack's own trace, checked against the capture synack wrote of
# the same run (offloads off, so each frame is one wire segment):
# - connect: 2 MiB to a Linux socat; as many bars as data segments synack
#   sent, the ACK line through every ACK Linux sent, one dot per RTT sample
#   the trace printed, cwnd/ssthresh/flight lines;
# - connect receiving 2 MiB from Linux: Linux's segments as bars, and the
#   cwnd plot says the sender's state is the peer's;
# - serve --http: curl downloads 3 MB; the same checks on the server's
#   side; the plot's line names the connection;
# - --plot with --cores 2 is a one-line usage error.
. "$(dirname "$0")/lib.sh"
it_require socat curl python3
it_setup
CHECK=(python3 "$IT_SRC/tests/tools/plot_check.py" svg)

# ---- connect ----
head -c 2097152 /dev/urandom >"$IT_TMP/in"
"${NSX[@]}" timeout 60 socat -u TCP-LISTEN:45100,reuseaddr "OPEN:$IT_TMP/got,creat,trunc" &
srv=$!
IT_PIDS+=("$srv")
it_wait_listen 45100 || bad "Linux listens on 45100"
"${NSX[@]}" timeout 60 "$SYNACK" connect "--$SK_LINK" "$DEV" --addr "$SYNACK_IP/24" --no-offload --trace \
    --pcap "$IT_TMP/c.pcap" --plot "$IT_TMP/cplot" "$LINUX_IP" 45100 <"$IT_TMP/in" >/dev/null 2>"$IT_TMP/c.log"
check "connect --plot exits 0" test $? = 0
wait "$srv"
check "2 MiB byte for byte" it_same "$IT_TMP/in" "$IT_TMP/got"
check "connect says what it plotted" grep -q "^plot: $SYNACK_IP:[0-9]* -> $LINUX_IP:45100 " "$IT_TMP/c.log"
data=$(it_pcap_count "$IT_TMP/c.pcap" "ip.src == $SYNACK_IP && tcp.len > 0")
acks=$(it_pcap_count "$IT_TMP/c.pcap" "ip.src == $LINUX_IP && tcp.flags.ack == 1")
rtts=$(grep -c '^ *[0-9.]* rtt ' "$IT_TMP/c.log")
it_log "connect: $data data segments, $acks ACKs, $rtts RTT samples"
check "connect: some RTT samples" test "$rtts" -gt 0
check "connect: tseq.svg bars and ACKs as captured" "${CHECK[@]}" "$IT_TMP/cplot/tseq.svg" --bars "$data" \
    --acks "$acks" --rexmit 0 --lines win
check "connect: cwnd.svg" "${CHECK[@]}" "$IT_TMP/cplot/cwnd.svg" --lines cwnd flight --title cwnd
check "connect: rtt.svg has every sample" "${CHECK[@]}" "$IT_TMP/cplot/rtt.svg" --rtt "$rtts" --lines srtt

# ---- connect, the other way: Linux sends, synack's plot draws Linux's
# segments as they arrived, and says it cannot know Linux's cwnd ----
"${NSX[@]}" timeout 60 socat -u "OPEN:$IT_TMP/in" TCP-LISTEN:45101,reuseaddr &
srv=$!
IT_PIDS+=("$srv")
it_wait_listen 45101 || bad "Linux listens on 45101"
"${NSX[@]}" timeout 60 "$SYNACK" connect "--$SK_LINK" "$DEV" --addr "$SYNACK_IP/24" --no-offload \
    --pcap "$IT_TMP/d.pcap" --plot "$IT_TMP/dplot" "$LINUX_IP" 45101 </dev/null >"$IT_TMP/got2" 2>"$IT_TMP/d.log"
check "download: connect exits 0" test $? = 0
wait "$srv"
check "download: 2 MiB byte for byte" it_same "$IT_TMP/in" "$IT_TMP/got2"
data=$(it_pcap_count "$IT_TMP/d.pcap" "ip.src == $LINUX_IP && tcp.len > 0")
check "download: tseq.svg has Linux's $data data segments" "${CHECK[@]}" "$IT_TMP/dplot/tseq.svg" --bars "$data"
check "download: cwnd.svg says the sender is the peer" grep -q 'sender is the peer' "$IT_TMP/dplot/cwnd.svg"

# ---- serve ----
it_serve http --http 80 --no-offload --trace --plot "$IT_TMP/splot" || { it_finish; exit 1; }
nsx curl -sS --max-time 30 -o "$IT_TMP/page" "http://$SYNACK_IP/bytes/3000000"
check "curl got 3000000 bytes" test "$(stat -c %s "$IT_TMP/page")" = 3000000
it_stop "$SERVE_PID" 10
check "serve exits 0" test $? = 0
check "serve says what it plotted" grep -q "^plot: $SYNACK_IP:80 -> $LINUX_IP:[0-9]* " "$SERVE_LOG"
data=$(it_pcap_count "$SERVE_PCAP" "ip.src == $SYNACK_IP && tcp.len > 0")
acks=$(it_pcap_count "$SERVE_PCAP" "ip.src == $LINUX_IP && tcp.flags.ack == 1 && tcp.dstport == 80")
rtts=$(grep -c '^ *[0-9.]* rtt ' "$SERVE_LOG")
it_log "serve: $data data segments, $acks ACKs, $rtts RTT samples"
check "serve: tseq.svg bars and ACKs as captured" "${CHECK[@]}" "$IT_TMP/splot/tseq.svg" --bars "$data" \
    --acks "$acks" --lines win
check "serve: cwnd.svg" "${CHECK[@]}" "$IT_TMP/splot/cwnd.svg" --lines cwnd flight
check "serve: rtt.svg" "${CHECK[@]}" "$IT_TMP/splot/rtt.svg" --rtt "$rtts"

# ---- one stack only ----
"${NSX[@]}" "$SYNACK" serve --tap "$DEV" --addr "$SYNACK_IP/24" --cores 2 --plot "$IT_TMP/x" --echo 7 \
    >/dev/null 2>"$IT_TMP/err"
rc=$?
check "--plot with --cores 2: exit 2, one line ($(cat "$IT_TMP/err"))" test "$rc" = 2 -a "$(grep -c . "$IT_TMP/err")" = 1
it_finish
