#!/usr/bin/env bash
# Capture the golden IPv6/ICMPv6/ND/MLDv2/UDP frames of tests/support/golden_ip6.h
# from Linux and print them as C arrays on standard output.
#
#   sudo bash tests/tools/capture_golden6.sh > /tmp/golden_ip6.h
#
# Needs root and the tools of `scripts/deps.sh golden` (tcpdump or tshark,
# dnsmasq, socat, ping, ip, ethtool). Makes three network namespaces of its
# own, joined by veth pairs, with documentation addresses only:
#
#   A (host)                 B (router, dnsmasq RA)             C (far host)
#   va 02:00:00:00:00:0a --- vb 02:00:00:00:00:0b
#      2001:db8:1::a/64         2001:db8:1::b/64
#      192.0.2.1/24             192.0.2.2/24
#                               vbc 02:00:00:00:00:bc --- vc 02:00:00:00:00:0c
#                               2001:db8:2::b/64 (MTU 1280)  2001:db8:2::c/64
#
# and captures on A's va from before the link comes up: A's MLDv2 reports
# and DAD neighbour solicitation, its router solicitation and B's router
# advertisement (dnsmasq --enable-ra, prefix 2001:db8:1::/64), address
# resolution (NS/NA) and `ping -6` to B, UDP to B over IPv6 and IPv4
# (socat, to a listening port and to a closed one: port unreachable),
# `ping -6 -t 1` to C (time exceeded from B) and a 1400-byte ping to C
# (packet too big from B, MTU 1280). Checksum offload is off on every veth
# so the captured checksums are the real ones. Traffic stays inside the
# namespaces; every wait is bounded; everything is removed on any exit.
set -euo pipefail

[ "$(id -u)" -eq 0 ] || { echo "capture_golden6: run as root" >&2; exit 77; }
for t in ip ping socat dnsmasq ethtool python3; do
    command -v "$t" >/dev/null || { echo "capture_golden6: $t missing (scripts/deps.sh golden)" >&2; exit 77; }
done

A=g6a-$$ B=g6b-$$ C=g6c-$$
TMP=$(mktemp -d /tmp/golden6.XXXXXX)
PIDS=()
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${PIDS[@]}"; do
        for _ in $(seq 20); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$p" 2>/dev/null || true
    done
    ip netns del "$A" 2>/dev/null || true
    ip netns del "$B" 2>/dev/null || true
    ip netns del "$C" 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

# wait_for DESCRIPTION TRIES COMMAND...: poll every 0.1 s, at most TRIES times.
wait_for() {
    local what=$1 n=$2
    shift 2
    for _ in $(seq "$n"); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 0.1
    done
    echo "capture_golden6: timed out waiting for $what" >&2
    exit 1
}

ip netns add "$A"
ip netns add "$B"
ip netns add "$C"
ip link add va netns "$A" address 02:00:00:00:00:0a type veth peer name vb netns "$B" address 02:00:00:00:00:0b
ip link add vbc netns "$B" address 02:00:00:00:00:bc type veth peer name vc netns "$C" address 02:00:00:00:00:0c
for ns_dev in "$A va" "$B vb" "$B vbc" "$C vc"; do
    set -- $ns_dev
    ip netns exec "$1" ethtool -K "$2" tx off rx off >/dev/null 2>&1 || true
    ip netns exec "$1" ip link set lo up
done
ip netns exec "$B" sysctl -qw net.ipv6.conf.all.forwarding=1
ip netns exec "$B" ip link set vbc mtu 1280
ip netns exec "$C" ip link set vc mtu 1280
ip -n "$A" addr add 192.0.2.1/24 dev va
ip -n "$B" addr add 192.0.2.2/24 dev vb
ip -n "$B" -6 addr add 2001:db8:1::b/64 dev vb nodad
ip -n "$B" -6 addr add 2001:db8:2::b/64 dev vbc nodad
ip -n "$C" -6 addr add 2001:db8:2::c/64 dev vc nodad
ip -n "$B" link set vbc up
ip -n "$C" link set vc up
ip -n "$C" -6 route add default via 2001:db8:2::b dev vc
# A: one DAD probe, router solicitations answered, its static address added
# with DAD so that Linux sends the NS from the unspecified address.
ip netns exec "$A" sysctl -qw net.ipv6.conf.va.dad_transmits=1
ip netns exec "$A" sysctl -qw net.ipv6.conf.va.accept_ra=1
ip -n "$A" -6 addr add 2001:db8:1::a/64 dev va

# Capture on A's side before the link carries anything: va is up (tcpdump
# needs that) but has no carrier until B's end comes up, and IPv6 starts
# only with the carrier.
ip -n "$A" link set va up
if command -v tcpdump >/dev/null; then
    ip netns exec "$A" tcpdump -i va -U -n -w "$TMP/g6.pcap" 2>"$TMP/cap.err" &
    PIDS+=($!)
    wait_for "tcpdump to listen" 100 grep -q "listening on" "$TMP/cap.err"
else
    ip netns exec "$A" tshark -i va -w "$TMP/g6.pcap" 2>"$TMP/cap.err" &
    PIDS+=($!)
    wait_for "tshark to capture" 100 grep -q "Capturing on" "$TMP/cap.err"
fi

ip -n "$B" link set vb up
# B advertises 2001:db8:1::/64 (M and O clear: SLAAC only).
ip netns exec "$B" dnsmasq --keep-in-foreground --no-resolv --no-hosts --port=0 \
    --interface=vb --bind-interfaces --enable-ra --ra-param=vb,10,1800 \
    --dhcp-range=2001:db8:1::,ra-only,64 --pid-file="$TMP/dnsmasq.pid" \
    --log-facility="$TMP/dnsmasq.log" &
PIDS+=($!)
wait_for "A's addresses to leave DAD" 100 sh -c \
    "ip -n $A -6 addr show dev va | grep -q 2001:db8:1::a/64 && ! ip -n $A -6 addr show dev va | grep -q tentative"
wait_for "a router advertisement (default route on A)" 300 sh -c "ip -n $A -6 route show default | grep -q via"

# Echo and address resolution; then UDP to a listening and a closed port.
ip netns exec "$A" ping -6 -c 1 -W 2 2001:db8:1::b >/dev/null
ip netns exec "$B" socat -u UDP6-RECV:7777,ipv6only=1 OPEN:"$TMP/udp6.out",creat &
PIDS+=($!)
ip netns exec "$B" socat -u UDP4-RECV:7777 OPEN:"$TMP/udp4.out",creat &
PIDS+=($!)
wait_for "B's UDP listeners" 100 sh -c "ip netns exec $B ss -uln | grep -q ':7777 ' && [ \$(ip netns exec $B ss -uln | grep -c ':7777 ') -ge 2 ]"
printf 'synack6\n' | ip netns exec "$A" socat -u - UDP6-SENDTO:[2001:db8:1::b]:7777,sourceport=40000
printf 'synack4\n' | ip netns exec "$A" socat -u - UDP4-SENDTO:192.0.2.2:7777,sourceport=40001
wait_for "the UDP datagrams at B" 100 sh -c "grep -q synack6 $TMP/udp6.out && grep -q synack4 $TMP/udp4.out"
printf 'closed\n' | ip netns exec "$A" socat -u - UDP6-SENDTO:[2001:db8:1::b]:9999,sourceport=40002
# Through B to C: hop limit 1 (time exceeded), then too big for B's 1280 link.
ip netns exec "$A" ping -6 -c 1 -W 2 -t 1 2001:db8:2::c >/dev/null || true
ip netns exec "$A" ping -6 -c 1 -W 2 -s 1400 -M do 2001:db8:2::c >/dev/null || true
ip netns exec "$A" ping -6 -c 1 -W 2 -s 1400 -M do 2001:db8:2::c >/dev/null || true

# Let the capture see the last frames: wait until it holds a packet too big.
have_ptb() { python3 - "$TMP/g6.pcap" <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
i = 24
while i + 16 <= len(d):
    n = struct.unpack("<I", d[i + 8:i + 12])[0]
    f = d[i + 16:i + 16 + n]
    if len(f) > 54 and f[12:14] == b"\x86\xdd" and f[20] == 58 and f[54] == 2:
        sys.exit(0)
    i += 16 + n
sys.exit(1)
EOF
}
wait_for "the packet too big in the capture" 100 have_ptb
kill "${PIDS[0]}"
for _ in $(seq 50); do kill -0 "${PIDS[0]}" 2>/dev/null || break; sleep 0.1; done

python3 - "$TMP/g6.pcap" <<'EOF'
import struct, sys
d = open(sys.argv[1], "rb").read()
assert struct.unpack("<I", d[:4])[0] == 0xa1b2c3d4, "not a little-endian microsecond pcap"
frames = []
i = 24
while i + 16 <= len(d):
    n = struct.unpack("<I", d[i + 8:i + 12])[0]
    frames.append(d[i + 16:i + 16 + n])
    i += 16 + n

A_MAC = bytes.fromhex("02000000000a")

def icmp6(f):
    """(type, frame) of an ICMPv6 frame, walking one hop-by-hop header."""
    if len(f) < 54 or f[12:14] != b"\x86\xdd":
        return None
    nh, off = f[20], 54
    if nh == 0:
        nh, off = f[54], 54 + (f[55] + 1) * 8
    return f[off] if nh == 58 and len(f) > off else None

def udp(f, family):
    if family == 6:
        return len(f) > 54 and f[12:14] == b"\x86\xdd" and f[20] == 17
    return len(f) > 34 and f[12:14] == b"\x08\x00" and f[23] == 17

wanted = [
    ("mld2_report", "A's first MLDv2 report (to ff02::16, router alert)",
     lambda f: icmp6(f) == 143 and f[6:12] == A_MAC),
    ("ns_dad", "A's DAD probe for 2001:db8:1::a (from ::)",
     lambda f: icmp6(f) == 135 and f[22:38] == bytes(16) and f[62:78] == bytes.fromhex("20010db8000100000000000000000000")[:15] + b"\x0a"),
    ("rs", "A's router solicitation",
     lambda f: icmp6(f) == 133 and f[6:12] == A_MAC),
    ("ra", "B's router advertisement (dnsmasq) from its link-local address",
     lambda f: icmp6(f) == 134 and f[22:24] == b"\xfe\x80"),
    ("ra_global_src", "an advertisement dnsmasq sent before B's link-local address "
     "left DAD: from a global source, which RFC 4861 section 6.1.2 says to discard",
     lambda f: icmp6(f) == 134 and f[22:24] != b"\xfe\x80"),
    ("ns", "A's address resolution for 2001:db8:1::b",
     lambda f: icmp6(f) == 135 and f[22:38] != bytes(16) and f[6:12] == A_MAC and f[0] == 0x33),
    ("na", "B's solicited advertisement for 2001:db8:1::b",
     lambda f: icmp6(f) == 136 and f[0:6] == A_MAC),
    ("echo6_request", "ping -6 2001:db8:1::b",
     lambda f: icmp6(f) == 128 and f[38:54] == bytes.fromhex("20010db8000100000000000000000000")[:15] + b"\x0b"),
    ("echo6_reply", "B's echo reply",
     lambda f: icmp6(f) == 129),
    ("udp6", "socat: 'synack6\\n' from port 40000 to [2001:db8:1::b]:7777",
     lambda f: udp(f, 6) and f[54:56] == struct.pack("!H", 40000)),
    ("udp4", "socat: 'synack4\\n' from port 40001 to 192.0.2.2:7777",
     lambda f: udp(f, 4) and f[34:36] == struct.pack("!H", 40001)),
    ("port_unreach6", "B: port unreachable for 'closed\\n' to port 9999",
     lambda f: icmp6(f) == 1),
    ("time_exceeded6", "B: hop limit exceeded (ping -t 1 to 2001:db8:2::c)",
     lambda f: icmp6(f) == 3),
    ("too_big6", "B: packet too big, MTU 1280 (1400-byte ping to 2001:db8:2::c)",
     lambda f: icmp6(f) == 2),
]
print("/* Generated by tests/tools/capture_golden6.sh (see its header). */")
for name, what, match in wanted:
    f = next((f for f in frames if match(f)), None)
    if f is None:
        print("capture_golden6: no frame for %s" % name, file=sys.stderr)
        sys.exit(1)
    print("\n/* %s */" % what)
    print("static const uint8_t %s[%d] = {" % (name, len(f)))
    for j in range(0, len(f), 12):
        print("    " + " ".join("0x%02x," % b for b in f[j:j + 12]))
    print("};")
EOF
