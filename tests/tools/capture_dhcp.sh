#!/usr/bin/env bash
# Capture golden DHCPv4 replies from dnsmasq for tests/support/golden_dhcp.h.
#   bash tests/tools/capture_dhcp.sh > tests/support/golden_dhcp.h   (as root)
# Two network namespaces joined by a veth pair: dnsmasq serves 192.0.2.0/24
# (range .100-.150, lease 1 h, router .1, DNS .53, MTU 1400) from 192.0.2.1
# in one; in the other a small python client (fixed xid and chaddr, the
# broadcast flag set, no address on its interface) sends DISCOVER, REQUEST,
# and a REQUEST for an address of another network, and prints the OFFER, ACK
# and NAK as C arrays. Only 192.0.2.0/24 inside the namespaces made here;
# everything is removed on exit (trap); only the dnsmasq started here is
# killed, by its PID.
set -euo pipefail
command -v dnsmasq >/dev/null || { echo "capture_dhcp: needs dnsmasq (apt-get install dnsmasq-base)" >&2; exit 1; }
tag=$$
srv=skdhcp-s-$tag
cli=skdhcp-c-$tag
tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null
    ip netns del "$srv" 2>/dev/null
    ip netns del "$cli" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
ip netns add "$srv"
ip netns add "$cli"
ip -n "$srv" link add skh0 type veth peer name skh1 netns "$cli"
ip -n "$cli" link set skh1 address 02:00:00:00:00:02
ip -n "$srv" addr add 192.0.2.1/24 dev skh0
ip -n "$srv" link set skh0 up
ip -n "$cli" link set skh1 up
ip netns exec "$srv" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
    --port=0 --interface=skh0 --bind-interfaces --user=root \
    --dhcp-range=192.0.2.100,192.0.2.150,255.255.255.0,1h --dhcp-authoritative \
    --dhcp-option=option:router,192.0.2.1 --dhcp-option=option:dns-server,192.0.2.53 \
    --dhcp-option=option:mtu,1400 \
    --dhcp-leasefile="$tmp/leases" --pid-file="$tmp/pid" --log-facility="$tmp/log" &
pid=$!
for _ in $(seq 1 50); do
    ip netns exec "$srv" ss -lun | grep -q ':67 ' && break
    sleep 0.1
done
ip netns exec "$srv" ss -lun | grep -q ':67 ' || { echo "capture_dhcp: dnsmasq did not start" >&2; exit 1; }
ip netns exec "$cli" python3 - <<'PY'
import socket, struct

XID = 0x5ca1ab1e
MAC = bytes([2, 0, 0, 0, 0, 2])

def msg(opts, ciaddr=b"\0" * 4):
    fixed = struct.pack(">BBBBIHH", 1, 1, 6, 0, XID, 0, 0x8000) + ciaddr + b"\0" * 12
    fixed += MAC + b"\0" * 10 + b"\0" * 192
    body = b""
    for code, val in opts:
        body += bytes([code, len(val)]) + val
    return fixed + bytes([99, 130, 83, 99]) + body + b"\xff"

PRL = bytes([1, 3, 6, 12, 26, 51, 54, 58, 59])
CID = b"\x01" + MAC

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, b"skh1")
s.bind(("0.0.0.0", 68))
s.settimeout(5)

def exchange(m, want):
    s.sendto(m, ("255.255.255.255", 67))
    for _ in range(10):
        data, _ = s.recvfrom(2048)
        if len(data) > 240 and data[0] == 2 and data[4:8] == struct.pack(">I", XID):
            i = 240
            while i < len(data) and data[i] != 255:
                if data[i] == 0:
                    i += 1
                    continue
                if data[i] == 53 and data[i + 2] == want:
                    return data
                i += 2 + data[i + 1]
    raise SystemExit("capture_dhcp: no reply of type %d" % want)

def emit(cname, comment, data):
    print("/* %s (%d bytes) */" % (comment, len(data)))
    print("static const uint8_t %s[] = {" % cname)
    for i in range(0, len(data), 12):
        print("    " + ", ".join("0x%02x" % b for b in data[i:i + 12]) + ",")
    print("};")
    print()

offer = exchange(msg([(53, b"\x01"), (61, CID), (12, b"synack"), (55, PRL)]), 2)
yiaddr = offer[16:20]
ack = exchange(msg([(53, b"\x03"), (61, CID), (12, b"synack"), (50, yiaddr),
                    (54, bytes([192, 0, 2, 1])), (55, PRL)]), 5)
nak = exchange(msg([(53, b"\x03"), (61, CID), (50, bytes([198, 51, 100, 5])), (55, PRL)]), 6)
print("/* Golden DHCPv4 replies from dnsmasq 2.90 (Debian), captured by")
print(" * tests/tools/capture_dhcp.sh: server 192.0.2.1, range 192.0.2.100-150/24,")
print(" * lease 3600 s, router 192.0.2.1, DNS 192.0.2.53, MTU 1400; client xid")
print(" * 0x5ca1ab1e, chaddr 02:00:00:00:00:02, broadcast flag. */")
print("#ifndef SK_GOLDEN_DHCP_H")
print("#define SK_GOLDEN_DHCP_H")
print()
print("#include <stdint.h>")
print()
emit("golden_dhcp_offer", "DHCPOFFER in answer to DISCOVER", offer)
emit("golden_dhcp_ack", "DHCPACK in answer to REQUEST (SELECTING)", ack)
emit("golden_dhcp_nak", "DHCPNAK in answer to REQUEST for 198.51.100.5 (INIT-REBOOT)", nak)
print("#endif")
PY
