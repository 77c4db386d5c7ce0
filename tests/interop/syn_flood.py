#!/usr/bin/env python3
"""500 SYNs to DST port 9 from on-link sources that nobody answers for,
2 ms apart, as raw IP packets with our own header (IPv4: IP_HDRINCL;
IPv6: IPPROTO_RAW, which implies IPV6_HDRINCL). Sources: 192.0.2.10-254
(each about twice, other source ports) or PREFIX::1000 + i. For
tests/interop/test_neighflood.sh, inside its namespace only.

usage: syn_flood.py 4 DST | syn_flood.py 6 DST PREFIX"""
import socket, struct, sys, time


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def syn(i, pseudo_of):
    tcp = struct.pack("!HHIIBBHHH", 20000 + i, 9, 1000 * i, 0, 5 << 4, 0x02, 65535, 0, 0)
    return tcp[:16] + struct.pack("!H", csum(pseudo_of(len(tcp)) + tcp)) + tcp[18:]


def packet4(i, d):
    src = socket.inet_aton("192.0.2.%d" % (10 + i % 245))
    tcp = syn(i, lambda n: src + d + struct.pack("!BBH", 0, 6, n))
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), i, 0, 64, 6, 0, src, d) + tcp


def packet6(i, d, prefix):
    src = socket.inet_pton(socket.AF_INET6, "%s::%x" % (prefix, 0x1000 + i))
    tcp = syn(i, lambda n: src + d + struct.pack("!IxxxB", n, 6))
    return struct.pack("!IHBB16s16s", 6 << 28, len(tcp), 6, 64, src, d) + tcp


def main():
    fam, dst = sys.argv[1], sys.argv[2]
    if fam == "4":
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        d = socket.inet_aton(dst)
        make = lambda i: packet4(i, d)
    else:
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
        d = socket.inet_pton(socket.AF_INET6, dst)
        make = lambda i: packet6(i, d, sys.argv[3])
    for i in range(500):
        s.sendto(make(i), (dst, 0))
        if i == 0:
            print("flood started", flush=True)
        time.sleep(0.002)
    print("flood done", flush=True)


main()
