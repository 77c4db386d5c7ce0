#!/usr/bin/env bash
# synack configured by dnsmasq over its own sockets (RFC 2131, RFC 1035):
#  - `synack connect --dhcp` on the TAP takes its address, prefix, router
#    and DNS server from dnsmasq (192.0.2.100-150/24, lease 1 h), prints the
#    lease in one line, resolves www.example.test (dnsmasq --address) through
#    the lease's DNS server and fetches a page by name from a Linux HTTP
#    server (python3 -m http.server) in the namespace;
#  - a name dnsmasq does not know ends with a one-line "no such name" error;
#  - `synack serve --dhcp --echo 7` takes a lease, then answers a Linux
#    client on the leased address;
#  - `synack connect NAME` with both an IPv4 and an IPv6 address of its own
#    resolves A and AAAA (dnsmasq --host-record) and reaches a Linux HTTP
#    server over IPv6; with -4 over IPv4; where the IPv6 port refuses (RST)
#    it falls back to the IPv4 address and still fetches the page;
#  - tshark finds no malformed frame and no bad IPv4, UDP or TCP checksum,
#    and sees the DISCOVER from 0.0.0.0 to 255.255.255.255 and the DNS query.
# Only 192.0.2.0/24 and 2001:db8:5::/64 inside the test's namespace; dnsmasq and the HTTP server
# are started here and killed by PID on exit (lib.sh's trap).
. "$(dirname "$0")/lib.sh"
it_require dnsmasq python3 socat ss
[ "$SK_LINK" = tap ] || it_skip "DHCP needs the Ethernet link (SK_LINK=tap)"
it_setup

L6=2001:db8:5::1
nsx sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf."$DEV".disable_ipv6=0 || true
nsx ip -6 addr add "$L6/64" dev "$DEV" nodad || it_skip "cannot add an IPv6 address"

nsx dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
    --interface="$DEV" --bind-interfaces --port=53 --local=/example.test/ \
    --address=/www.example.test/"$LINUX_IP" --host-record=dual.example.test,"$LINUX_IP","$L6" \
    --dhcp-range=192.0.2.100,192.0.2.150,255.255.255.0,1h --dhcp-authoritative \
    --dhcp-option=option:router,"$LINUX_IP" --dhcp-option=option:dns-server,"$LINUX_IP" \
    --dhcp-leasefile="$IT_TMP/leases" --user=root --pid-file="$IT_TMP/dnsmasq.pid" \
    --log-facility="$IT_TMP/dnsmasq.log" --log-dhcp --log-queries &
IT_PIDS+=($!)
for _ in $(seq 1 100); do
    nsx ss -Hlun 'sport = :67' | grep -q . && nsx ss -Hltn 'sport = :53' | grep -q . && break
    sleep 0.05
done
check "dnsmasq listens on 67/udp and 53/tcp" sh -c "ip netns exec $NS ss -Hlun 'sport = :67' | grep -q ."

mkdir "$IT_TMP/www"
head -c 30000 /dev/urandom | base64 >"$IT_TMP/www/page.txt"
"${NSX[@]}" python3 -m http.server 8080 --bind "$LINUX_IP" --directory "$IT_TMP/www" \
    >"$IT_TMP/http.log" 2>&1 &
IT_PIDS+=($!)
it_wait_listen 8080 10 || bad "python3 http.server listens on 8080"

# an HTTP server on both families (port 8081; IPv4 clients appear as
# ::ffff:a.b.c.d); the one on 8080 listens on IPv4 only
"${NSX[@]}" python3 -c 'import http.server, socket, sys, functools
class S(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
S(("::", 8081), h).serve_forever()' "$IT_TMP/www" >"$IT_TMP/http6.log" 2>&1 &
IT_PIDS+=($!)
it_wait_listen 8081 10 || bad "the dual-stack HTTP server listens on 8081"

# ---- a name with A and AAAA: IPv6 first, -4 over IPv4, fallback ----
printf 'GET /page.txt HTTP/1.0\r\nHost: dual.example.test\r\n\r\n' >"$IT_TMP/req6"
DUAL=(--tap "$DEV" --addr 192.0.2.21/24 --addr 2001:db8:5::21/64 --dns "$LINUX_IP")
nsx timeout 60 "$SYNACK" connect "${DUAL[@]}" --pcap "$IT_TMP/d6.pcap" dual.example.test 8081 \
    <"$IT_TMP/req6" >"$IT_TMP/resp6" 2>"$IT_TMP/d6.err"
rc=$?
check "connect dual.example.test 8081: exits 0 ($rc)" test "$rc" = 0
sed '1,/^\r$/d' "$IT_TMP/resp6" >"$IT_TMP/body6"
check "connect dual.example.test: the page byte for byte" it_same "$IT_TMP/www/page.txt" "$IT_TMP/body6"
check "connect dual.example.test: the server saw the IPv6 address" \
    grep -q '^2001:db8:5::21 .*GET /page.txt' "$IT_TMP/http6.log"
check "dnsmasq answered A and AAAA for dual.example.test" sh -c \
    "grep -q 'query\[A\] dual.example.test' '$IT_TMP/dnsmasq.log' && grep -q 'query\[AAAA\] dual.example.test' '$IT_TMP/dnsmasq.log'"
n=$(it_pcap_count "$IT_TMP/d6.pcap" "ipv6.src == 2001:db8:5::21 && tcp.flags.syn == 1")
check "capture: the SYN went over IPv6 ($n)" test "$n" -ge 1
n=$(it_pcap_count "$IT_TMP/d6.pcap" "ip.src == 192.0.2.21 && tcp")
check "capture: no IPv4 TCP ($n)" test "$n" = 0
check "capture (connect dual): clean" it_pcap_clean "$IT_TMP/d6.pcap"

nsx timeout 60 "$SYNACK" connect "${DUAL[@]}" -4 dual.example.test 8081 \
    <"$IT_TMP/req6" >"$IT_TMP/resp4" 2>"$IT_TMP/d4.err"
check "connect -4 dual.example.test 8081: exits 0" test $? = 0
sed '1,/^\r$/d' "$IT_TMP/resp4" >"$IT_TMP/body4"
check "connect -4: the page byte for byte" it_same "$IT_TMP/www/page.txt" "$IT_TMP/body4"
check "connect -4: the server saw the IPv4 address" \
    grep -q '^::ffff:192.0.2.21 .*GET /page.txt' "$IT_TMP/http6.log"
check "connect -4: no AAAA asked" sh -c \
    "test \$(grep -c 'query\[AAAA\] dual.example.test' '$IT_TMP/dnsmasq.log') = 1"

nsx timeout 60 "$SYNACK" connect "${DUAL[@]}" dual.example.test 8080 \
    <"$IT_TMP/req6" >"$IT_TMP/respf" 2>"$IT_TMP/df.err"
check "connect dual.example.test 8080 (IPv4 only): exits 0" test $? = 0
sed '1,/^\r$/d' "$IT_TMP/respf" >"$IT_TMP/bodyf"
check "fallback: the page byte for byte over IPv4" it_same "$IT_TMP/www/page.txt" "$IT_TMP/bodyf"
check "fallback: one line for the refused IPv6 attempt" \
    grep -qx 'synack connect: dual.example.test (\[2001:db8:5::1\]:8080): connection refused by peer; trying 192.0.2.1:8080' \
    "$IT_TMP/df.err"

# ---- connect --dhcp, a name from the lease's DNS server ----
printf 'GET /page.txt HTTP/1.0\r\nHost: www.example.test\r\n\r\n' >"$IT_TMP/req"
nsx timeout 60 "$SYNACK" connect --tap "$DEV" --dhcp --pcap "$IT_TMP/c1.pcap" --stats \
    www.example.test 8080 <"$IT_TMP/req" >"$IT_TMP/resp" 2>"$IT_TMP/c1.err"
rc=$?
check "connect --dhcp www.example.test 8080: exits 0 ($rc)" test "$rc" = 0
lease=$(grep '^synack: DHCP lease' "$IT_TMP/c1.err")
it_log "$lease"
check "the lease in one line" \
    grep -Eq '^synack: DHCP lease 192\.0\.2\.1([0-4][0-9]|50)/24 router 192\.0\.2\.1 dns 192\.0\.2\.1 lease 3600 s$' \
    <<<"$lease"
addr=$(sed -n 's/^synack: DHCP lease \([0-9.]*\)\/.*/\1/p' <<<"$lease")
check "the HTTP response is 200" grep -q '^HTTP/1.0 200' "$IT_TMP/resp"
sed '1,/^\r$/d' "$IT_TMP/resp" >"$IT_TMP/body"
check "the page came back byte for byte, by name" it_same "$IT_TMP/www/page.txt" "$IT_TMP/body"
check "dnsmasq answered www.example.test to $addr" \
    grep -q "query\[A\] www.example.test from $addr" "$IT_TMP/dnsmasq.log"
check "the HTTP server saw $addr" grep -q "^$addr .*GET /page.txt" "$IT_TMP/http.log"
check "capture (connect --dhcp): clean" it_pcap_clean "$IT_TMP/c1.pcap"
n=$(it_pcap_count "$IT_TMP/c1.pcap" "ip.src == 0.0.0.0 && ip.dst == 255.255.255.255 && dhcp.option.dhcp == 1")
check "capture: DISCOVER from 0.0.0.0 to 255.255.255.255 ($n)" test "$n" -ge 1
n=$(it_pcap_count "$IT_TMP/c1.pcap" "ip.src == $addr && dns.qry.name == \"www.example.test\"")
check "capture: the DNS query from the leased address ($n)" test "$n" -ge 1
# every UDP datagram synack sent (DHCP from 0.0.0.0 and from the lease, DNS)
# has a checksum tshark verifies as good
sk_tshark -r "$IT_TMP/c1.pcap" -o udp.check_checksum:TRUE \
    -Y "udp && ip.src != $LINUX_IP && udp.checksum.status != 1" -T fields -e frame.number >"$IT_TMP/badudp"
good=$(sk_tshark -r "$IT_TMP/c1.pcap" -o udp.check_checksum:TRUE \
    -Y "udp && ip.src != $LINUX_IP && udp.checksum.status == 1" -T fields -e frame.number | grep -c .)
check "capture: every UDP checksum synack sent verifies ($good good)" \
    test ! -s "$IT_TMP/badudp" -a "$good" -ge 3

# ---- an unknown name: one line, exit 1 ----
nsx timeout 60 "$SYNACK" connect --tap "$DEV" --dhcp nope.example.test 8080 \
    </dev/null >/dev/null 2>"$IT_TMP/c2.err"
rc=$?
check "connect to an unknown name: exit 1 ($rc)" test "$rc" = 1
check "connect to an unknown name: the lease line, then one error line" \
    test "$(grep -vc '^synack: DHCP lease' "$IT_TMP/c2.err")" = 1
check "connect to an unknown name: no such name" \
    grep -q "^synack connect: cannot resolve 'nope.example.test': no such name (NXDOMAIN)$" "$IT_TMP/c2.err"

# ---- --dns instead of the lease's server, with --addr ----
nsx timeout 60 "$SYNACK" connect --tap "$DEV" --addr 192.0.2.20/24 --dns "$LINUX_IP" \
    www.example.test 8080 <"$IT_TMP/req" >"$IT_TMP/resp3" 2>"$IT_TMP/c3.err"
check "connect --addr --dns: exits 0" test $? = 0
sed '1,/^\r$/d' "$IT_TMP/resp3" >"$IT_TMP/body3"
check "connect --addr --dns: the page byte for byte" it_same "$IT_TMP/www/page.txt" "$IT_TMP/body3"

# ---- serve --dhcp ----
SERVE_LOG=$IT_TMP/serve.log
"${NSX[@]}" "$SYNACK" serve --tap "$DEV" --dhcp --echo 7 --pcap "$IT_TMP/serve.pcap" \
    >"$SERVE_LOG" 2>&1 &
SERVE_PID=$!
IT_PIDS+=("$SERVE_PID")
it_wait_line "$SERVE_LOG" '^synack serve: listening on ' "$SERVE_PID" 40 || { bad "serve --dhcp started"; cat "$SERVE_LOG"; }
saddr=$(sed -n 's/^synack: DHCP lease \([0-9.]*\)\/24 router .*/\1/p' "$SERVE_LOG")
check "serve --dhcp printed its lease ($saddr)" test -n "$saddr"
printf 'echo over a leased address\n' >"$IT_TMP/ein"
nsx timeout 20 socat -t 5 - "TCP:${saddr:-192.0.2.2}:7" <"$IT_TMP/ein" >"$IT_TMP/eout"
check "Linux reaches serve's echo on the leased address" it_same "$IT_TMP/ein" "$IT_TMP/eout"
it_stop "$SERVE_PID" 10
check "SIGTERM: serve exits 0" test $? = 0
check "capture (serve --dhcp): clean" it_pcap_clean "$IT_TMP/serve.pcap"
it_finish
