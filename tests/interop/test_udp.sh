#!/usr/bin/env bash
# UDP against Linux (RFC 768):
#  - socat (a UDP4 client) sends 400 datagrams of 1..1400 bytes to
#    `synack serve --udp-echo` (beside a TCP echo on another port) and reads
#    them back byte for byte; synack counts every datagram in and out;
#  - a Linux socket connected to a closed synack port gets ECONNREFUSED from
#    synack's ICMP port unreachable (socat reports "Connection refused");
#  - `synack connect --udp` sends 300 lines to a Linux socat UDP echo and
#    writes the replies byte for byte; towards a closed Linux port it exits 1
#    with "connection refused" (Linux's port unreachable reached the socket);
#  - tshark finds no malformed frame and no bad IPv4, UDP or ICMP checksum in
#    the captures, and sees the port unreachables sent by each side.
. "$(dirname "$0")/lib.sh"
it_require socat ss ping
it_setup

UDP_TS=(-o udp.check_checksum:TRUE -o ip.check_checksum:TRUE
    -d udp.port==1-65535,data)

# udp_pcap_clean FILE: UDP frames whose checksums tshark verified as good,
# and none malformed or with a bad checksum
udp_pcap_clean() {
    local f=$1 out n
    n=$(sk_tshark -r "$f" "${UDP_TS[@]}" -Y "udp.checksum.status == 1" -T fields -e frame.number | grep -c .)
    [ "$n" -gt 0 ] || { echo "  $f: no UDP checksum verified good ($n)"; return 1; }
    out=$(sk_tshark -r "$f" "${UDP_TS[@]}" \
        -Y "_ws.malformed || ip.checksum.status == 0 || udp.checksum.status == 0 ||
            icmp.checksum.status == 0 || _ws.expert.severity == error" \
        -T fields -e frame.number) || { echo "  $f: tshark failed"; return 1; }
    [ -z "$out" ] || { echo "  $f: bad frames $(printf '%s\n' "$out" | head -5 | tr '\n' ' ')"; return 1; }
}

# lines FILE N MAXLEN: N lines of printable random text, 0..MAXLEN-1 bytes
# before each newline (seeded, so a failure replays)
lines() {
    awk -v n="$2" -v max="$3" 'BEGIN { srand(8); for (i = 0; i < n; i++) {
        len = int(rand() * max); s = "";
        for (j = 0; j < len; j++) s = s sprintf("%c", 33 + int(rand() * 94));
        print s } }' >"$1"
}

# ---- synack serves, Linux is the client ----
it_serve udp --udp-echo 7 --echo 8 || { it_finish; exit 1; }
check "serve announces the UDP echo" grep -q ' udp-echo on 7' "$SERVE_LOG"

# socat sends each block it reads as one datagram: 1400-byte blocks keep
# every datagram within the MTU (synack never fragments its replies). It
# sends faster than it reads the replies, so its receive buffer is made
# large enough for all of them (SO_RCVBUFFORCE, 1:33: rmem_max may be
# small) and Linux's UdpRcvbufErrors stays 0. Its input is a FIFO written
# in 1400-byte blocks (atomic in a pipe, so each read is one block) and
# closed only once every reply has been written out (bounded wait): socat
# ends at that EOF, not after a guessed time.
# Linux resolves synack's MAC first (a ping waits for its reply): datagrams
# Linux queues while ARP resolves are flushed interleaved with newer ones,
# which reorders a burst (UDP promises no order; this test checks bytes in
# order, so the path must be settled before it starts).
nsx ping -c 1 -W 5 "$SYNACK_IP" >/dev/null
check "Linux has resolved synack's address (ping answered)" test $? = 0
head -c 560000 /dev/urandom >"$IT_TMP/in"
mkfifo "$IT_TMP/fifo"
"${NSX[@]}" timeout 60 socat -b 1400 -t 1 - "UDP4:$SYNACK_IP:7,setsockopt-int=1:33:4194304" \
    <"$IT_TMP/fifo" >"$IT_TMP/out" &
sc=$!; IT_PIDS+=("$sc")
exec 7>"$IT_TMP/fifo"
dd if="$IT_TMP/in" bs=1400 status=none >&7
for _ in $(seq 1 600); do
    [ "$(stat -c %s "$IT_TMP/out")" -ge 560000 ] && break
    kill -0 "$sc" 2>/dev/null || break
    sleep 0.05
done
exec 7>&-
it_wait_exit "$sc" 20
check "socat UDP client: exits 0" test $? = 0
check "socat UDP client: 560000 bytes echoed byte for byte" it_same "$IT_TMP/in" "$IT_TMP/out"
rcvbuf_err=$(nsx nstat -as UdpRcvbufErrors 2>/dev/null | awk '/UdpRcvbufErrors/ { print $2 }')
it_log "Linux UdpRcvbufErrors: ${rcvbuf_err:-0}"

# the TCP echo on the same stack still answers
printf 'tcp beside udp\n' >"$IT_TMP/tin"
nsx timeout 20 socat -t 5 - "TCP:$SYNACK_IP:8" <"$IT_TMP/tin" >"$IT_TMP/tout"
check "TCP echo beside the UDP echo" it_same "$IT_TMP/tin" "$IT_TMP/tout"

# a connected Linux socket to a closed port: ICMP port unreachable -> ECONNREFUSED
printf 'anyone?\n' | nsx timeout 30 socat -t 10 - "UDP4:$SYNACK_IP:9999" >/dev/null 2>"$IT_TMP/refused.err"
rc=$?
check "Linux sees synack's port unreachable: socat fails ($rc) with Connection refused" \
    test "$rc" != 0 -a "$rc" != 124
grep -q 'Connection refused' "$IT_TMP/refused.err" || { bad "socat's error names ECONNREFUSED"; cat "$IT_TMP/refused.err"; }

it_stop "$SERVE_PID" 10
check "SIGTERM: serve exits 0" test $? = 0
grep '^stats: udp' "$SERVE_LOG"
udp=$(sed -n 's/^stats: udp datagrams in \([0-9]*\) out \([0-9]*\), no port \([0-9]*\), receive queue full \([0-9]*\), bad checksum \([0-9]*\), bad length \([0-9]*\)$/\1 \2 \3 \4 \5 \6/p' "$SERVE_LOG")
check "serve counted 400 datagrams in and out, 1 for no port, nothing bad ($udp)" \
    test "$udp" = "400 400 1 0 0 0"
check "capture (serve): clean" udp_pcap_clean "$SERVE_PCAP"
n=$(it_pcap_count "$SERVE_PCAP" "ip.src == $SYNACK_IP && icmp.type == 3 && icmp.code == 3 && udp.dstport == 9999")
check "capture (serve): synack's port unreachable quotes the datagram to 9999 ($n)" test "$n" = 1

# ---- Linux serves, synack is the client ----
lines "$IT_TMP/lines" 300 1400
"${NSX[@]}" timeout 60 socat UDP4-LISTEN:9000 PIPE &
srv=$!; IT_PIDS+=("$srv")
for _ in $(seq 1 200); do nsx ss -Huln 'sport = :9000' | grep -q . && break; sleep 0.05; done
check "Linux UDP echo bound on 9000" sh -c "ip netns exec $NS ss -Huln 'sport = :9000' | grep -q ."
CONNECT=("${NSX[@]}" timeout 60 "$SYNACK" connect "--$SK_LINK" "$DEV" --addr "$SYNACK_IP/24")
# --window 1: one line at a time, so that socat's PIPE never holds two
# datagrams (it would send them back as one) and the first datagrams do not
# overflow the queue of packets waiting for ARP
"${CONNECT[@]}" --pcap "$IT_TMP/c1.pcap" --stats --udp --window 1 --wait 10 "$LINUX_IP" 9000 \
    <"$IT_TMP/lines" >"$IT_TMP/back" 2>"$IT_TMP/c1.err"
check "connect --udp: exits 0" test $? = 0
check "connect --udp: 300 lines back byte for byte" it_same "$IT_TMP/lines" "$IT_TMP/back"
check "capture (connect): clean" udp_pcap_clean "$IT_TMP/c1.pcap"
kill "$srv" 2>/dev/null

"${CONNECT[@]}" --pcap "$IT_TMP/c2.pcap" --udp --wait 5 "$LINUX_IP" 9001 \
    <"$IT_TMP/tin" >/dev/null 2>"$IT_TMP/c2.err"
rc=$?
check "connect --udp to a closed port: exit 1 ($rc)" test "$rc" = 1
check "connect --udp to a closed port: one line, connection refused" \
    test "$(cat "$IT_TMP/c2.err")" = "synack connect: $LINUX_IP:9001: connection refused by peer"
n=$(it_pcap_count "$IT_TMP/c2.pcap" "ip.src == $LINUX_IP && icmp.type == 3 && icmp.code == 3")
check "capture (connect): Linux's port unreachable ($n)" test "$n" -ge 1
check "capture (connect, refused): clean" udp_pcap_clean "$IT_TMP/c2.pcap"
it_finish
