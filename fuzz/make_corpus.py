#!/usr/bin/env python3
"""Write the small seed corpora for the fuzz targets (run from the repo root).
Frames are built by hand here, except the IPv6 family's wire seeds, which
are the golden frames captured from Linux (tests/support/golden_ip6.h, read
from its C arrays). Re-running produces identical files."""
import os, re, struct

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF

def ip4(src, dst, proto, payload, ident=1):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000, 64, proto, 0,
                    bytes(src), bytes(dst))
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload

def tcp(src, dst, sport, dport, seq, ack, flags, win, opts=b"", data=b""):
    off = (20 + len(opts)) // 4
    h = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, win, 0, 0) + opts + data
    ph = bytes(src) + bytes(dst) + struct.pack("!BBH", 0, 6, len(h))
    c = csum(ph + h)
    return h[:16] + struct.pack("!H", c) + h[18:]

A, B = [10, 0, 0, 1], [10, 0, 0, 2]
SYN_OPTS = bytes([2, 4, 5, 0xB4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7])
SACK_OPTS = bytes([1, 1, 5, 10]) + struct.pack("!II", 1000, 2000)

def write(d, name, blob):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(blob)

eth = bytes.fromhex("ffffffffffff020000000001") + b"\x08\x06"
arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, bytes.fromhex("020000000001"), bytes(A),
                  bytes(6), bytes(B))
icmp = struct.pack("!BBHHH", 8, 0, 0, 7, 1) + b"ping"
icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
syn = tcp(A, B, 5000, 80, 1000, 0, 0x02, 65535, SYN_OPTS)
d = "fuzz/corpus/wire"
write(d, "eth_arp", b"\x00" + eth + arp)
write(d, "arp_request", b"\x01" + arp)
write(d, "ipv4_icmp", b"\x02" + ip4(A, B, 1, icmp))
write(d, "icmp_echo", b"\x03" + icmp)
write(d, "tcp_syn_opts", b"\x04" + syn)
write(d, "tcp_sack", b"\x04" + tcp(A, B, 5000, 80, 1, 2, 0x10, 100, SACK_OPTS))
write(d, "tcp_data", b"\x04" + tcp(A, B, 5000, 80, 1, 2, 0x18, 100, b"", b"hello"))
# timestamps beside three SACK blocks (the most that fit, RFC 2018 §3)
TS_SACK3 = bytes([1, 1, 8, 10]) + struct.pack("!II", 7, 9) + bytes([1, 1, 5, 26]) + \
    struct.pack("!IIIIII", 100, 200, 300, 400, 500, 600)
write(d, "tcp_ts_sack3", b"\x04" + tcp(A, B, 5000, 80, 1, 2, 0x10, 100, TS_SACK3))

# IPv6 family (fuzz/fuzz_wire6.h): selector 5 IPv6 packet, 6 ICMPv6 message,
# 7 ND message, 8 UDP datagram, 9 MLDv2 report, 10 IPv6 address text.
def golden_frames(path):
    text = open(path).read()
    arrays = re.finditer(r"static const uint8_t (\w+)\[\d+\] = \{(.*?)\};", text, re.S)
    return [(m.group(1), bytes(int(x, 16) for x in re.findall(r"0x([0-9a-f]{2})", m.group(2))))
            for m in arrays]

for name, f in golden_frames("tests/support/golden_ip6.h"):
    if f[12:14] == b"\x08\x00":  # UDP over IPv4
        write(d, "udp_" + name, b"\x08" + f[34:])
        continue
    ip = f[14:]
    write(d, "ip6_" + name, b"\x05" + ip)
    nh, off = ip[6], 40
    if nh == 0:  # one hop-by-hop header (the MLDv2 report's router alert)
        nh, off = ip[40], 40 + (ip[41] + 1) * 8
    up = ip[off:]
    if nh == 17:
        write(d, "udp_" + name, b"\x08" + up)
    elif nh == 58:
        write(d, "icmp6_" + name, b"\x06" + up)
        if 133 <= up[0] <= 137:
            write(d, "nd_" + name, b"\x07" + up)
        if up[0] == 143:
            write(d, "mld_" + name, b"\x09" + up)
for i, t in enumerate(["2001:db8:1::a", "::ffff:192.0.2.1", "fe80::ff:fe00:a", "1:0:0:2::3",
                       "::", "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"]):
    write(d, "ip6_text_%d" % i, b"\x0a" + t.encode())

# Stack scripts: records are (kind, len, bytes); odd kinds < 0xa0 get the IPv4
# header and checksums fixed by the target, 0xa0.. advance time, 0xd0.. app calls.
def rec_frame(tcp_seg):
    return bytes([0x01, len(tcp_seg)]) + tcp_seg

d = "fuzz/corpus/stack"
# The target forces the ports of a frame whose first byte is odd: source
# 5000, destination 80 when bit 1 of the second byte is set, else 40000.
# 5003 = 0x138b reaches the listener on port 80, 5001 = 0x1389 the active
# connection on port 40000.
def seg(sport, dport, seq, ack, flags, data=b""):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 0x50, flags, 65535, 0, 0) + data

def app(op):
    return bytes([0xd0, op])

def wait(steps):  # 2.55 s each
    return bytes([0xcf, 255]) * steps

SYN, FIN, RST, ACK, PA, FA = 0x02, 0x11, 0x04, 0x10, 0x18, 0x11
CLOSE, ACCEPT_SEND_CLOSE = 4, 0x44  # app_call: op % 6 == 4; op % 6 == 2 with 0x40
# a passive open on port 80 (the listener's fixed ISN is 8000)
syn80 = seg(5003, 80, 1000, 0, SYN)
ack80 = seg(5003, 80, 1001, 8001, ACK)
data80 = seg(5003, 80, 1001, 8001, PA, b"GET /")
write(d, "passive_open", rec_frame(syn80) + rec_frame(ack80) + bytes([0xd2, 2]) + rec_frame(data80))
# the active connection: SYN-ACK from 10.0.0.1:5000 to port 40000 (our ISN 1000)
synack = seg(5001, 40000, 7000, 1001, 0x12)
write(d, "active_open", rec_frame(synack) + bytes([0xd0, 20, 0xb0, 50]))
write(d, "timeouts", bytes([0xd0, 30, 0xc0, 200, 0xc0, 200, 0xc0, 200]))
# closes: FIN-WAIT-1, FIN-WAIT-2, TIME-WAIT (expiring); CLOSE-WAIT, LAST-ACK;
# CLOSING; an accepted child closed by the application at once
write(d, "close_active", rec_frame(synack) + app(CLOSE) + rec_frame(seg(5001, 40000, 7001, 1002, ACK))
      + rec_frame(seg(5001, 40000, 7001, 1002, FA)) + wait(25))
write(d, "close_passive", rec_frame(synack) + rec_frame(seg(5001, 40000, 7001, 1001, FA)) + app(CLOSE)
      + rec_frame(seg(5001, 40000, 7002, 1002, ACK)))
write(d, "close_simultaneous", rec_frame(synack) + app(CLOSE) + rec_frame(seg(5001, 40000, 7001, 1001, FA))
      + rec_frame(seg(5001, 40000, 7002, 1002, ACK)) + wait(25))
write(d, "close_accepted", rec_frame(syn80) + rec_frame(ack80) + app(ACCEPT_SEND_CLOSE)
      + rec_frame(seg(5003, 80, 1001, 8102, ACK)) + rec_frame(seg(5003, 80, 1001, 8102, FA)) + wait(25))
# out-of-order data held for reassembly, then the hole filled
write(d, "reassembly", rec_frame(synack) + rec_frame(seg(5001, 40000, 7011, 1001, PA, b"x" * 20))
      + rec_frame(seg(5001, 40000, 7001, 1001, PA, b"y" * 10)) + app(1))

# SACK (RFC 2018, 2883) and timestamps (RFC 7323): segments with options.
# Source port 4867 (0x1303) is odd with bit 1 of the low byte set: the
# target points it at port 80.
def oseg(sport, dport, seq, ack, flags, opts=b"", data=b""):
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, ((20 + len(opts)) // 4) << 4,
                       flags, 65535, 0, 0) + opts + data

def ts(val, ecr):
    return bytes([1, 1, 8, 10]) + struct.pack("!II", val, ecr)

def sack(*blocks):
    b = bytes([1, 1, 5, 2 + 8 * len(blocks)])
    return b + b"".join(struct.pack("!II", l, r) for l, r in blocks)

SYN_SACK_TS = bytes([2, 4, 5, 0xB4, 4, 2, 8, 10]) + struct.pack("!II", 100, 0) + bytes([1, 3, 3, 7])
P = 4867
write(d, "passive_sack_ts",
      rec_frame(oseg(P, 80, 1000, 0, 0x02, SYN_SACK_TS)) +
      rec_frame(oseg(P, 80, 1001, 8001, 0x10, ts(101, 1))) +
      rec_frame(oseg(P, 80, 1101, 8001, 0x18, ts(102, 1), b"later")) +       # out of order: SACK
      rec_frame(oseg(P, 80, 1201, 8001, 0x18, ts(103, 1), b"after")) +       # a second block
      rec_frame(oseg(P, 80, 1101, 8001, 0x18, ts(104, 1), b"later")) +       # held again: DSACK
      rec_frame(oseg(P, 80, 1001, 8001, 0x18, ts(105, 1), b"x" * 100)) +     # fills the holes
      rec_frame(oseg(P, 80, 1001, 8001, 0x18, ts(106, 1), b"x" * 100)) +     # below rcv_nxt: DSACK
      rec_frame(oseg(P, 80, 1206, 8001, 0x18, ts(50, 1), b"old")) +          # PAWS
      rec_frame(oseg(P, 80, 1206, 8001, 0x18, b"", b"nots")) +               # no timestamps
      bytes([0xa0, 100]) +
      rec_frame(oseg(P, 80, 1206, 8001, 0x14, ts(1, 0))))                    # RST, old TSval
write(d, "active_sack_ts",
      rec_frame(oseg(5001, 40000, 7000, 1001, 0x12, SYN_SACK_TS)) +
      bytes([0xd0, 198, 0xa0, 1]) +                                        # send 594 bytes
      rec_frame(oseg(5001, 40000, 7001, 1001, 0x10, ts(110, 1) + sack((1101, 1201), (9000, 9100)))) +
      rec_frame(oseg(5001, 40000, 7001, 1101, 0x10, ts(111, 1) + sack((1001, 1101), (1151, 1201)))) +
      bytes([0xb0, 200]))

# Segments built by the target (kinds 0x98-0x9f, fuzz/fuzz_segbuild.h):
# after the active SACK/TS handshake and 594 bytes sent, ACKs around
# SND.UNA/SND.MAX with timestamps and SACK blocks, an old TSval (PAWS), a
# DSACK, then a spurious-looking timeout (a late ACK echoing an old TSecr).
def built(flags, sel, dseq, dack, opts, win, plen, tail=b""):
    return bytes([0x98, 8 + len(tail), flags, sel, (dseq >> 8) & 0xff, dseq & 0xff, dack & 0xff,
                  opts, win, plen]) + tail
TSB = 0x02  # timestamps; SACK block count in bits 2-4
write(d, "built_sack_ts",
      rec_frame(oseg(5001, 40000, 7000, 1001, 0x12, SYN_SACK_TS)) +
      bytes([0xd0, 198, 0xa0, 1]) +
      built(0x10, 0x03, 0, 0, TSB | (2 << 2), 0xff, 0, bytes([0, 0, 5]) + bytes([0, 100, 12, 2, 1, 4]))
      + built(0x10, 0x13, 0, 0, TSB, 0xff, 0, bytes([0x80, 1, 0]))       # TSval far back: PAWS
      + built(0x10, 0x03, 0, 0, TSB | (1 << 2), 0xff, 0, bytes([1, 0, 0]) + bytes([0, 0, 8]))  # DSACK
      + bytes([0xc0, 150])                                                # the RTO fires
      + built(0x10, 0x23, 0, 0, TSB, 0xff, 0, bytes([2, 0, 200])))        # late ACK of SND.MAX

# UDP (kinds 0x90-0x97: a datagram whose ports the target points at the
# socket bound to 53, or with bit 0 of the first byte at the one connected
# from 40001 to 10.0.0.1:5353; bit 2 of the kind keeps the fuzzed checksum;
# 0xe8.. UDP calls: op % 6 == 0 send, 1 sendto, 2 recv, 3 close and reopen,
# 4 connect, 5 disconnect). Datagrams to both, a bad checksum, the queue of
# 4 overflowed, reads, sends both ways, then the ICMP port unreachable
# about the connected socket's datagram (its pending error), and a rebind.
def udp_rec(first, data, kind=0x90, check=0):
    body = bytes([first, 0, 0, 0, 0, 0, check >> 8, check & 0xff]) + data
    return bytes([kind, len(body)]) + body

def udp_call(op):
    return bytes([0xe8, op])

udp_sent = struct.pack("!HHHH", 40001, 5353, 8 + 3, 0) + bytes([6, 6, 6])
quote = ip4(B, A, 17, udp_sent)
unreach = struct.pack("!BBHI", 3, 3, 0, 0) + quote
unreach = unreach[:2] + struct.pack("!H", csum(unreach)) + unreach[4:]
write(d, "udp",
      udp_rec(0, b"to 53") + udp_rec(1, b"to the connected one") +
      udp_rec(0, b"bad sum", kind=0x94, check=0x1234) +
      b"".join(udp_rec(0, bytes([i]) * 100) for i in range(5)) +
      udp_call(2) + udp_call(2 | 0x40) + udp_call(1) + udp_call(6) + bytes([0xa0, 1]) +
      bytes([0x00, len(ip4(A, B, 1, unreach))]) + ip4(A, B, 1, unreach) +
      udp_call(6) + udp_call(6) + udp_call(3) + udp_call(4) + udp_call(5))
