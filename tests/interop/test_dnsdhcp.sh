#!/usr/bin/env bash
# The DNS resolver and the DHCPv4 client against dnsmasq over real sockets
# (tests/interop/dnsdhcp_probe.c is the glue). Two network namespaces joined
# by a veth pair: dnsmasq serves DHCP (192.0.2.100-150/24, lease 1 h) and DNS
# (the zone of tests/tools/capture_dns.sh) at 192.0.2.1; the probe takes a
# lease, then starts again from INIT-REBOOT with that address (ACK, no
# DISCOVER) and with a foreign one (NAK, then DISCOVER), the test puts the
# leased address on the client's veth, and the
# probe resolves: A through a CNAME, AAAA, both, NXDOMAIN, a TC=1 answer
# that moves to TCP, and a first server that never answers (192.0.2.99:
# nobody, retried at 1 s on the second). It also checks the committed
# goldens still match what dnsmasq answers. Only 192.0.2.0/24 inside the
# namespaces made here; everything is removed on exit (trap); only the
# dnsmasq started here is killed, by its PID.
set -u
name=dnsdhcp
here=$(cd "$(dirname "$0")" && pwd)
src=${SYNACK_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
bin=${SYNACK_BINARY_DIR:-$src/build/dev}
probe=$bin/tests/dnsdhcp_probe
. "$src/tests/support/sk_shell.sh" || exit 1
[ "$(id -u)" = 0 ] || sk_skip "$name" "needs root (network namespaces)"
command -v dnsmasq >/dev/null || sk_skip "$name" "needs dnsmasq (scripts/deps.sh test)"
[ -x "$probe" ] || { echo "FAIL: $probe not built"; echo "0 passed, 1 failed"; exit 1; }

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
srv=skdd-s-$$
cli=skdd-c-$$
tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    ip netns del "$srv" 2>/dev/null
    ip netns del "$cli" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$srv" && ip netns add "$cli" || { echo "FAIL: netns"; exit 1; }
ip -n "$srv" link add skdd0 type veth peer name skdd1 netns "$cli"
ip -n "$cli" link set skdd1 address 02:00:00:00:00:02
ip -n "$srv" addr add 192.0.2.1/24 dev skdd0
ip -n "$srv" link set skdd0 up
ip -n "$cli" link set skdd1 up
ip -n "$cli" link set lo up
for i in $(seq 1 40); do echo "192.0.2.$((100 + i)) many.example.test"; done >"$tmp/hosts"
ip netns exec "$srv" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
    --interface=skdd0 --bind-interfaces --port=53 --local=/example.test/ --local-ttl=300 \
    --host-record=host.example.test,192.0.2.10,2001:db8::10 --host-record=host.example.test,192.0.2.11 \
    --cname=www.example.test,host.example.test --addn-hosts="$tmp/hosts" \
    --dhcp-range=192.0.2.100,192.0.2.150,255.255.255.0,1h --dhcp-authoritative \
    --dhcp-option=option:router,192.0.2.1 --dhcp-option=option:dns-server,192.0.2.1 \
    --dhcp-option=option:mtu,1400 --dhcp-leasefile="$tmp/leases" --user=root \
    --pid-file="$tmp/pid" --log-facility="$tmp/log" &
pid=$!
for _ in $(seq 1 50); do
    ip netns exec "$srv" ss -lun | grep -q ':67 ' && ip netns exec "$srv" ss -ltn | grep -q '192.0.2.1:53 ' && break
    sleep 0.1
done

lease=$(ip netns exec "$cli" timeout 30 "$probe" dhcp skdd1 02:00:00:00:00:02)
echo "dhcp: $lease"
want="bound 192.0.2.146/24 router 192.0.2.1 dns 192.0.2.1 mtu 1400 lease 3600 t1 1800 t2 3150 discovers 1"
[ "$lease" = "$want" ] && ok "DHCP lease from dnsmasq" || bad "DHCP lease: got '$lease', want '$want'"
addr=$(echo "$lease" | awk '{print $2}')
again=$(ip netns exec "$cli" timeout 30 "$probe" dhcp skdd1 02:00:00:00:00:02 192.0.2.146)
echo "dhcp INIT-REBOOT 192.0.2.146: $again"
[ "$again" = "${want% 1} 0" ] && ok "INIT-REBOOT keeps the address, no DISCOVER" || bad "INIT-REBOOT: got '$again'"
again=$(ip netns exec "$cli" timeout 30 "$probe" dhcp skdd1 02:00:00:00:00:02 198.51.100.5)
echo "dhcp INIT-REBOOT 198.51.100.5: $again"
[ "$again" = "$want" ] && ok "INIT-REBOOT for a foreign address: NAK, then DISCOVER" || bad "INIT-REBOOT NAK: got '$again'"
ip -n "$cli" addr add "${addr:-192.0.2.146/24}" dev skdd1

resolve() { ip netns exec "$cli" timeout 30 "$probe" dns "$@"; }
expect() { # expect DESCRIPTION WANT_PATTERN ARGS...
    local d=$1 w=$2 got
    shift 2
    got=$(resolve "$@")
    echo "$d: $got"
    if echo "$got" | grep -Eq "$w"; then ok "$d"; else bad "$d: '$got' !~ '$w'"; fi
}
expect "A through a CNAME" '^OK 2 192\.0\.2\.1[01] 192\.0\.2\.1[01] ttl 300 tcp 0 retries 0$' www.example.test a 192.0.2.1
expect "AAAA" '^OK 1 2001:db8::10 ttl 300 tcp 0' www.example.test aaaa 192.0.2.1
expect "both families" '^OK 3 192\.0\.2\.1[01] 192\.0\.2\.1[01] 2001:db8::10 ' www.example.test both 192.0.2.1
expect "NXDOMAIN" '^no such name \(NXDOMAIN\) 0 ' nope.example.test a 192.0.2.1
expect "TC=1 -> TCP" '^OK 8 (192\.0\.2\.1[0-4][0-9] ){8}ttl 300 tcp 1 retries 0$' many.example.test a 192.0.2.1
expect "failover after 1 s" '^OK 2 .* tcp 0 retries 1$' www.example.test a 192.0.2.99 192.0.2.1

bash "$src/tests/tools/capture_dns.sh" >"$tmp/golden_dns.h" 2>"$tmp/cap.err" &&
    cmp -s "$tmp/golden_dns.h" "$src/tests/support/golden_dns.h" &&
    ok "golden_dns.h matches dnsmasq" || bad "golden_dns.h differs from a new capture ($(head -3 "$tmp/cap.err"))"
bash "$src/tests/tools/capture_dhcp.sh" >"$tmp/golden_dhcp.h" 2>"$tmp/cap.err" &&
    cmp -s "$tmp/golden_dhcp.h" "$src/tests/support/golden_dhcp.h" &&
    ok "golden_dhcp.h matches dnsmasq" || bad "golden_dhcp.h differs from a new capture ($(head -3 "$tmp/cap.err"))"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
