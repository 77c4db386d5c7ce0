#!/usr/bin/env bash
# IPv6 against Linux over a TAP in the test's own namespace (2001:db8::/32
# only): neighbour discovery both ways (Linux resolves synack's global
# address; synack resolves Linux's), ping -6 to synack and synack's ping to
# Linux, curl -6 to `synack serve --http` (a small page and a 6 MiB file
# byte-exact over one kept-alive connection), iperf -V into synack's iperf
# server, synack taking its address by SLAAC from dnsmasq's router
# advertisements (RFC 7217 identifier, DAD) and a DNS server from their
# RDNSS option (RFC 8106), socat UDP6 echo both ways (to synack's UDP echo, and
# `synack connect --udp` to a Linux echo), Linux's ICMPv6 port unreachable
# failing synack's connected UDP socket, and captures tshark finds clean.
. "$(dirname "$0")/lib.sh"
it_require curl socat dnsmasq
[ "$SK_LINK" = tap ] || it_skip "IPv6 neighbour discovery needs the TAP (Ethernet) link"
it_setup

L6=2001:db8:1::1
S6=2001:db8:1::2
nsx sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf."$DEV".disable_ipv6=0 || true
nsx ip -6 addr add "$L6/64" dev "$DEV" nodad || it_skip "cannot add an IPv6 address"

root=$IT_TMP/www
mkdir -p "$root"
printf '<html><body>hello over IPv6</body></html>\n' >"$root/index.html"
it_random "$root/big.bin" 6

it_serve v6 --addr "$S6/64" --http 80 --root "$root" --iperf 5001 --udp-echo 7 || { it_finish; exit 1; }

# Linux -> synack: ND for synack's address, then echo
check "ping -6 from Linux to synack" nsx timeout 20 ping -6 -c 3 -i 0.2 -W 5 "$S6"

# curl -6: the page and the 6 MiB file over one connection
CURL=(nsx curl -6 -sS --max-time 60)
conns=$("${CURL[@]}" -w '%{num_connects} %{http_code}\n' \
    -o "$IT_TMP/o1" "http://[$S6]/" -o "$IT_TMP/o2" "http://[$S6]/big.bin")
check "curl -6: two URLs over one kept-alive connection ($(echo $conns))" \
    test "$(echo $conns)" = "1 200 0 200"
check "curl -6: page byte-exact" it_same "$IT_TMP/o1" "$root/index.html"
check "curl -6: 6 MiB file byte-exact" it_same "$IT_TMP/o2" "$root/big.bin"

if command -v iperf >/dev/null; then
    nsx timeout 30 iperf -V -c "$S6" -p 5001 -n 50M -f m >"$IT_TMP/iperf.out" 2>&1
    check "iperf -V -c -n 50M exits 0" test $? = 0
    rate=$(grep -Eo '[0-9.]+ Mbits/sec' "$IT_TMP/iperf.out" | tail -1)
    check "iperf -V reports a rate ($rate)" test -n "$rate"
    it_log "iperf over IPv6: $rate"
fi
# UDP6: socat sends 100 datagrams of 1200 bytes, one at a time, to synack's
# UDP echo; every byte comes back (RFC 768 over IPv6, checksum mandatory)
head -c 120000 /dev/urandom >"$IT_TMP/u6in"
mkfifo "$IT_TMP/u6fifo"
"${NSX[@]}" timeout 60 socat -b 1200 -t 2 - "UDP6:[$S6]:7" <"$IT_TMP/u6fifo" >"$IT_TMP/u6out" &
u6=$!
IT_PIDS+=("$u6")
exec 8>"$IT_TMP/u6fifo"
for i in $(seq 0 99); do
    dd if="$IT_TMP/u6in" bs=1200 skip="$i" count=1 status=none >&8
    for _ in $(seq 1 100); do # wait for this datagram's echo: bounded
        [ "$(stat -c %s "$IT_TMP/u6out")" -ge $(((i + 1) * 1200)) ] && break
        kill -0 "$u6" 2>/dev/null || break
        sleep 0.02
    done
done
exec 8>&-
it_wait_exit "$u6" 20
check "socat UDP6 client: 100 datagrams echoed byte for byte by synack" it_same "$IT_TMP/u6in" "$IT_TMP/u6out"


it_stop "$SERVE_PID" 10
check "serve exits 0 on SIGTERM" test $? = 0
check "serve capture clean (tshark: no malformed frame, no bad checksum)" it_pcap_clean "$SERVE_PCAP"
check "serve capture: no bad ICMPv6 checksum" \
    test "$(it_pcap_count "$SERVE_PCAP" 'icmpv6.checksum.status == 0')" = 0
check "serve capture has IPv6 TCP" test "$(it_pcap_count "$SERVE_PCAP" 'ipv6 && tcp')" -gt 100
check "serve capture has synack's MLDv2 report (RFC 3810)" \
    test "$(it_pcap_count "$SERVE_PCAP" 'icmpv6.type == 143 && ipv6.dst == ff02::16')" -gt 0
check "serve capture has the NA synack sent" \
    test "$(it_pcap_count "$SERVE_PCAP" "icmpv6.type == 136 && ipv6.src == $S6")" -gt 0

# the other way (the TAP is free again): synack's `connect --udp` to a Linux UDP6 echo
printf 'line %s over UDP6\n' $(seq 1 50) >"$IT_TMP/u6lines"
"${NSX[@]}" timeout 60 socat UDP6-LISTEN:9000,bind="[$L6]" PIPE &
lsrv=$!
IT_PIDS+=("$lsrv")
for _ in $(seq 1 200); do nsx ss -Huln 'sport = :9000' | grep -q . && break; sleep 0.05; done
nsx timeout 60 "$SYNACK" connect --tap "$DEV" --addr "$S6/64" --pcap "$IT_TMP/u6c.pcap" \
    --udp --window 1 --wait 10 "$L6" 9000 <"$IT_TMP/u6lines" >"$IT_TMP/u6back" 2>"$IT_TMP/u6c.err"
check "connect --udp to Linux over IPv6: exits 0" test $? = 0 || cat "$IT_TMP/u6c.err"
check "connect --udp over IPv6: 50 lines back byte for byte" it_same "$IT_TMP/u6lines" "$IT_TMP/u6back"
check "connect --udp capture clean" it_pcap_clean "$IT_TMP/u6c.pcap"
check "connect --udp capture: UDP over IPv6 both ways" \
    test "$(it_pcap_count "$IT_TMP/u6c.pcap" "ipv6 && udp.port == 9000")" -ge 100
kill "$lsrv" 2>/dev/null

# ... and to a closed Linux UDP6 port: Linux's ICMPv6 port unreachable
# reaches synack's connected socket (RFC 4443 §3.1), which fails the connect
printf 'anyone?\n' >"$IT_TMP/u6one"
nsx timeout 30 "$SYNACK" connect --tap "$DEV" --addr "$S6/64" --pcap "$IT_TMP/u6r.pcap" \
    --udp --wait 5 "$L6" 9001 <"$IT_TMP/u6one" >/dev/null 2>"$IT_TMP/u6r.err"
rc=$?
check "connect --udp to a closed Linux UDP6 port: exit 1 ($rc)" test "$rc" = 1
check "connect --udp to a closed UDP6 port: connection refused" \
    grep -q 'connection refused by peer' "$IT_TMP/u6r.err" || cat "$IT_TMP/u6r.err"
n=$(it_pcap_count "$IT_TMP/u6r.pcap" "ipv6.src == $L6 && icmpv6.type == 1 && icmpv6.code == 4")
check "capture: Linux's ICMPv6 port unreachable ($n)" test "$n" -ge 1
check "connect --udp (refused) capture clean" it_pcap_clean "$IT_TMP/u6r.pcap"

# synack -> Linux: synack's ping resolves Linux's address (NS, NA) itself
PLOG=$IT_TMP/ping.log
nsx timeout 20 "$SYNACK" ping --tap "$DEV" --addr "$S6/64" --pcap "$IT_TMP/ping.pcap" \
    -c 3 -i 0.2 "$L6" >"$PLOG" 2>&1
check "synack ping to Linux: 3 replies" grep -q '3 received' "$PLOG" || cat "$PLOG"
check "ping capture clean" it_pcap_clean "$IT_TMP/ping.pcap"

# SLAAC and RDNSS: dnsmasq advertises 2001:db8:2::/64 and itself as DNS
# server (RFC 8106 RDNSS, 2001:db8:2::1, serving rdnss.example.test ->
# $LINUX_IP); synack, with no IPv6 address configured, forms 2001:db8:2:: +
# an RFC 7217 identifier after DAD (it says which on its log), answers ping
# there, and `synack connect` without --dns resolves the name through the
# RA-learned server over IPv6.
{
    nsx ip -6 addr add 2001:db8:2::1/64 dev "$DEV" nodad
    "${NSX[@]}" "$SYNACK" serve --tap "$DEV" --addr "$SYNACK_IP/24" --mac 02:00:5e:00:53:02 \
        --echo 7 --pcap "$IT_TMP/slaac.pcap" >"$IT_TMP/slaac.log" 2>&1 &
    spid=$!
    IT_PIDS+=("$spid")
    it_wait_line "$IT_TMP/slaac.log" '^synack serve: listening on ' "$spid" 10
    "${NSX[@]}" dnsmasq --no-daemon --conf-file=/dev/null --interface="$DEV" --bind-interfaces \
        --listen-address=2001:db8:2::1 --port=53 --no-resolv --no-hosts \
        --host-record=rdnss.example.test,"$LINUX_IP" --enable-ra --ra-param="$DEV",3 \
        --dhcp-range=2001:db8:2::,ra-only,64,1h --dhcp-option=option6:dns-server,[2001:db8:2::1] \
        --pid-file="$IT_TMP/dnsmasq.pid" >"$IT_TMP/dnsmasq.log" 2>&1 &
    IT_PIDS+=("$!")
    it_wait_line "$IT_TMP/slaac.log" '^synack serve: IPv6 address 2001:db8:2:' "$spid" 30
    SL=$(sed -n 's|^synack serve: IPv6 address \(2001:db8:2:[0-9a-f:]*\)/64 in use$|\1|p' \
        "$IT_TMP/slaac.log" | head -1)
    EUI=2001:db8:2::5eff:fe00:5302 # 02:00:5e:00:53:02's EUI-64: not used (RFC 8064)
    check "SLAAC from dnsmasq's RA: an RFC 7217 address ($SL), not the EUI-64 one" \
        test -n "$SL" -a "$SL" != "$EUI"
    got=1
    for _ in $(seq 1 20); do
        [ -n "$SL" ] && nsx ping -6 -c 1 -W 1 "$SL" >/dev/null 2>&1 && { got=0; break; }
    done
    check "SLAAC: synack answers ping at $SL" test "$got" = 0
    it_stop "$spid" 10
    check "SLAAC serve exits 0 on SIGTERM" test $? = 0
    check "SLAAC capture clean" it_pcap_clean "$IT_TMP/slaac.pcap"
    check "SLAAC capture: synack's DAD probe for $SL (NS from ::, RFC 4862 §5.4.2)" \
        test "$(it_pcap_count "$IT_TMP/slaac.pcap" \
            "icmpv6.type == 135 && ipv6.src == :: && icmpv6.nd.ns.target_address == ${SL:-::1}")" -ge 1
    printf 'via RDNSS\n' >"$IT_TMP/rd.in"
    "${NSX[@]}" timeout 30 socat -u TCP-LISTEN:45100,reuseaddr "OPEN:$IT_TMP/rd.got,creat,trunc" &
    rsrv=$!
    IT_PIDS+=("$rsrv")
    it_wait_listen 45100 || true
    nsx timeout 30 "$SYNACK" connect --tap "$DEV" --addr "$SYNACK_IP/24" \
        --pcap "$IT_TMP/rd.pcap" rdnss.example.test 45100 <"$IT_TMP/rd.in" >/dev/null 2>"$IT_TMP/rd.err"
    check "connect without --dns: rdnss.example.test resolved via the RA's RDNSS server" \
        test $? = 0 || cat "$IT_TMP/rd.err"
    wait "$rsrv"
    check "connect via RDNSS: bytes arrived" it_same "$IT_TMP/rd.in" "$IT_TMP/rd.got"
    check "connect via RDNSS: the DNS query went over IPv6 to 2001:db8:2::1" \
        test "$(it_pcap_count "$IT_TMP/rd.pcap" "ipv6.dst == 2001:db8:2::1 && udp.dstport == 53")" -ge 1
}
it_finish
