#!/usr/bin/env python3
"""Write a small Ethernet pcap with one deliberate defect, for the harness
self-test (tests/tools/test_harness.sh) that proves it_pcap_clean flags bad
captures instead of calling them clean.

usage: forge_pcap.py OUT KIND

Every capture holds two frames: a correct SYN+ACK from synack (192.0.2.2)
to Linux (192.0.2.1), then one frame of the KIND asked for:

  good                correct (the control: the check must pass it)
  tcp-checksum        synack's TCP checksum off by one
  linux-tcp-checksum  Linux's TCP checksum off by one (not 0xffff)
  linux-ffff          Linux's segment whose checksum is 0x0000 sent as 0xffff
                      (equal in ones' complement; allowed from Linux)
  synack-ffff         the same from synack (not allowed)
  ip-checksum         the IPv4 header checksum off by one
  truncated           the frame's last 10 bytes cut (a TCP header cut short)
  short-tcp-header    TCP data offset 15 (60 bytes) with 24 bytes present

Checksums are computed here (RFC 1071 ones' complement sum over the RFC 9293
§3.1 pseudo-header), independently of synack's code.
"""
import struct
import sys

SYNACK = "192.0.2.2"
LINUX = "192.0.2.1"


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def ones_sum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def tcp_segment(src, dst, window, doff_words=None):
    opts = struct.pack("!BBH", 2, 4, 1460)  # MSS 1460
    doff = doff_words if doff_words is not None else (20 + len(opts)) // 4
    return struct.pack("!HHIIBBHHH", 80, 49152, 1000, 2000, doff << 4, 0x12,
                       window, 0, 0) + opts


def pseudo(src, dst, seg):
    return ip4(src) + ip4(dst) + struct.pack("!BBH", 0, 6, len(seg))


def with_checksum(seg, value):
    return seg[:16] + struct.pack("!H", value & 0xFFFF) + seg[18:]


def frame(src=SYNACK, dst=LINUX, tcp_delta=0, ip_delta=0, ffff=False, cut=0, doff_words=None):
    window = 64240
    if ffff:
        # choose the window so that the correct checksum is 0x0000, i.e.
        # the ones' complement sum of everything else plus the window is 0xffff
        rest = ones_sum(pseudo(src, dst, tcp_segment(src, dst, 0)) + tcp_segment(src, dst, 0))
        window = 0xFFFF - rest if rest != 0xFFFF else 0xFFFF
    seg = tcp_segment(src, dst, window, doff_words)
    check = (~ones_sum(pseudo(src, dst, seg) + seg)) & 0xFFFF
    if ffff:
        assert check == 0, check
        check = 0xFFFF
    seg = with_checksum(seg, check + tcp_delta)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), 1, 0x4000, 64, 6, 0,
                      ip4(src), ip4(dst))
    hdr = hdr[:10] + struct.pack("!H", ((~ones_sum(hdr)) + ip_delta) & 0xFFFF) + hdr[12:]
    eth = bytes.fromhex("020000000001" "020000000002" "0800")
    f = eth + hdr + seg
    return f[:-cut] if cut else f


KINDS = {
    "good": lambda: frame(),
    "tcp-checksum": lambda: frame(tcp_delta=1),
    "linux-tcp-checksum": lambda: frame(src=LINUX, dst=SYNACK, tcp_delta=1),
    "linux-ffff": lambda: frame(src=LINUX, dst=SYNACK, ffff=True),
    "synack-ffff": lambda: frame(ffff=True),
    "ip-checksum": lambda: frame(ip_delta=1),
    "truncated": lambda: frame(cut=10),
    "short-tcp-header": lambda: frame(doff_words=15),
}


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in KINDS:
        sys.stderr.write("usage: forge_pcap.py OUT {%s}\n" % "|".join(KINDS))
        return 2
    frames = [frame(), KINDS[sys.argv[2]]()]
    with open(sys.argv[1], "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, f in enumerate(frames):
            out.write(struct.pack("<IIII", 1 + i, 0, len(f), len(f)) + f)
    return 0


if __name__ == "__main__":
    sys.exit(main())
