#!/usr/bin/env python3
"""Helpers of tests/tools/test_plot.sh and tests/interop/test_plot_linux.sh.

  plot_check.py svg FILE [--bars N] [--rexmit N] [--lost N] [--acks N]
                [--rtt N] [--lines CLS...] [--title TEXT]
      Parse an SVG written by synack (xml.etree) and check its structure:
      an <svg> root, a title, an x and a y axis each with at least two ticks
      and as many tick labels, axis labels, a legend; then the counts asked
      for, inside the data group only (the legend is outside it):
        --bars N    data segment bars (elements of class seg)
        --rexmit N  retransmission marks (class rexmit-mark)
        --lost N    lost-segment marks (class lost-mark)
        --acks N    points of the ACK step line: 2N-1 for N ACKs
        --rtt N     RTT sample dots
        --lines C.. polylines of these classes exist with >= 2 points
      Prints one line per failed check and exits 1 if any failed.

  plot_check.py convert IN OUT KIND
      Rewrite a classic pcap of raw IPv4 frames (synack demo --pcap) as:
        swapped   the same pcap, big-endian
        ns        nanosecond pcap
        ether     Ethernet link type (with one 802.1Q tag on every other frame)
        sll       Linux cooked (SLL, link type 113)
        sll2      Linux cooked v2 (SLL2, link type 276)
        ip6       raw IPv6 (link type 229): each IPv4 header replaced by an
                  IPv6 one, 2001:db8::1 / 2001:db8::2
        ng2if     pcapng, two interfaces (capture points: Ethernet with
                  if_tsresol 10^-9, raw IPv4 with microseconds), each
                  frame on both, the second 5 ms later; an unknown block
                  and a Simple Packet Block after the frames
        ngbe      big-endian pcapng, if_tsoffset, Enhanced and obsolete
                  Packet Blocks alternately
"""
import struct
import sys
import xml.etree.ElementTree as ET

NS = '{http://www.w3.org/2000/svg}'


def classes(el):
    return (el.get('class') or '').split()


def check_svg(path, args):
    fails = []
    root = ET.parse(path).getroot()
    if root.tag != NS + 'svg':
        return ['root is %s, not svg' % root.tag]
    everything = list(root.iter())
    if not any('title' in classes(e) and (e.text or '').strip() for e in everything):
        fails.append('no title')
    for axis in ('x', 'y'):
        groups = [g for g in root.iter(NS + 'g') if classes(g) == ['axis', axis]]
        if len(groups) != 1:
            fails.append('%d %s axes' % (len(groups), axis))
            continue
        ticks = [e for e in groups[0].iter(NS + 'line') if 'tick' in classes(e)]
        labels = [e for e in groups[0].iter(NS + 'text') if 'tick-label' in classes(e)]
        names = [e for e in groups[0].iter(NS + 'text') if 'axis-label' in classes(e)]
        if len(ticks) < 2 or len(labels) != len(ticks):
            fails.append('%s axis: %d ticks, %d labels' % (axis, len(ticks), len(labels)))
        if len(names) != 1 or not (names[0].text or '').strip():
            fails.append('%s axis has no label' % axis)
    if not [g for g in root.iter(NS + 'g') if classes(g) == ['legend']]:
        fails.append('no legend')
    data = [g for g in root.iter(NS + 'g') if classes(g) == ['data']]
    if len(data) != 1:
        return fails + ['%d data groups' % len(data)]
    inside = list(data[0].iter())

    def count(cls):
        return sum(1 for e in inside if cls in classes(e))

    def polyline(cls):
        lines = [e for e in inside if e.tag == NS + 'polyline' and classes(e) == [cls]]
        if len(lines) != 1:
            return None
        return len(lines[0].get('points').split())

    want = {'bars': 'seg', 'rexmit': 'rexmit-mark', 'lost': 'lost-mark', 'rtt': 'rtt'}
    for key, cls in want.items():
        n = getattr(args, key)
        if n is not None and count(cls) != n:
            fails.append('%s: %d elements of class %s, expected %d' % (path, count(cls), cls, n))
    if args.acks is not None:
        pts = polyline('ack')
        expect = 2 * args.acks - 1 if args.acks > 0 else None
        if pts != expect:
            fails.append('%s: ACK line has %s points, expected %s (%d ACKs)' % (path, pts, expect, args.acks))
    for cls in args.lines or []:
        pts = polyline(cls)
        if pts is None or pts < 2:
            fails.append('%s: no %s line with two points or more (%s)' % (path, cls, pts))
    if args.title and not any(args.title in (e.text or '') for e in everything if 'title' in classes(e)):
        fails.append('%s: title does not say %r' % (path, args.title))
    return fails


# ---- capture rewriting ----

def read_pcap(path):
    data = open(path, 'rb').read()
    magic, = struct.unpack('<I', data[:4])
    assert magic == 0xa1b2c3d4, 'expected a little-endian microsecond pcap'
    linktype, = struct.unpack('<I', data[20:24])
    frames, off = [], 24
    while off < len(data):
        sec, usec, incl, orig = struct.unpack('<IIII', data[off:off + 16])
        frames.append((sec, usec, data[off + 16:off + 16 + incl]))
        off += 16 + incl
    return linktype, frames


def write_pcap(path, linktype, frames, endian='<', nano=False):
    magic = 0xa1b23c4d if nano else 0xa1b2c3d4
    out = [struct.pack(endian + 'IHHiIII', magic, 2, 4, 0, 0, 262144, linktype)]
    for sec, frac, fr in frames:
        out.append(struct.pack(endian + 'IIII', sec, frac, len(fr), len(fr)) + fr)
    open(path, 'wb').write(b''.join(out))


def to_ip6(fr):
    ihl = (fr[0] & 15) * 4
    tcp = fr[ihl:struct.unpack('!H', fr[2:4])[0]]
    src = b'\x20\x01\x0d\xb8' + bytes(11) + fr[15:16]
    dst = b'\x20\x01\x0d\xb8' + bytes(11) + fr[19:20]
    return struct.pack('!IHBB', 6 << 28, len(tcp), 6, 64) + src + dst + tcp


def ng_block(btype, body, e='<'):
    body += bytes((4 - len(body) % 4) % 4)
    n = len(body) + 12
    return struct.pack(e + 'II', btype, n) + body + struct.pack(e + 'I', n)


def ng_option(code, value, e='<'):
    return struct.pack(e + 'HH', code, len(value)) + value + bytes((4 - len(value) % 4) % 4)


def write_ngbe(path, frames):
    """Big-endian pcapng: an IDB with if_tsoffset, frames alternately in
    Enhanced Packet Blocks and obsolete Packet Blocks (type 2)."""
    e = '>'
    out = [ng_block(0x0a0d0d0a, struct.pack(e + 'IHHq', 0x1a2b3c4d, 1, 0, -1), e)]
    opts = ng_option(14, struct.pack(e + 'q', 1000), e) + ng_option(0, b'', e)
    out.append(ng_block(1, struct.pack(e + 'HHI', 101, 0, 262144) + opts, e))
    for i, (sec, usec, fr) in enumerate(frames):
        ts = sec * 1000000 + usec
        if i % 2:
            body = struct.pack(e + 'HHIIII', 0, 0, ts >> 32, ts & 0xffffffff, len(fr), len(fr)) + fr
            out.append(ng_block(2, body, e))
        else:
            body = struct.pack(e + 'IIIII', 0, ts >> 32, ts & 0xffffffff, len(fr), len(fr)) + fr
            out.append(ng_block(6, body, e))
    open(path, 'wb').write(b''.join(out))


def write_ng2if(path, frames):
    out = [ng_block(0x0a0d0d0a, struct.pack('<IHHq', 0x1a2b3c4d, 1, 0, -1))]
    out.append(ng_block(1, struct.pack('<HHI', 1, 0, 262144) + ng_option(9, b'\x09') + ng_option(0, b'')))
    out.append(ng_block(1, struct.pack('<HHI', 101, 0, 262144)))
    for i, (sec, usec, fr) in enumerate(frames):
        for iface in (0, 1):  # two capture points: the second sees each frame 5 ms later
            us = sec * 1000000 + usec + 5000 * iface
            ts = us * 1000 if iface == 0 else us
            data = (b'\x02' * 6 + b'\x04' * 6 + b'\x08\x00' + fr) if iface == 0 else fr
            out.append(ng_block(6, struct.pack('<IIIII', iface, ts >> 32, ts & 0xffffffff, len(data), len(data)) + data))
        if i == 0:
            out.append(ng_block(0x0bad, b'an unknown block, skipped'))
    out.append(ng_block(3, struct.pack('<I', 4) + b'\x00\x00\x00\x00'))  # SPB: not IP, skipped
    open(path, 'wb').write(b''.join(out))


def convert(src, dst, kind):
    linktype, frames = read_pcap(src)
    assert linktype in (101, 228), 'expected raw IPv4 frames'
    if kind == 'swapped':
        write_pcap(dst, linktype, frames, '>')
    elif kind == 'ns':
        write_pcap(dst, linktype, [(s, u * 1000, f) for s, u, f in frames], nano=True)
    elif kind == 'ether':
        eth = []
        for i, (s, u, f) in enumerate(frames):
            tag = b'\x81\x00\x00\x05' if i % 2 else b''
            eth.append((s, u, b'\x02' * 6 + b'\x04' * 6 + tag + b'\x08\x00' + f))
        write_pcap(dst, 1, eth)
    elif kind == 'sll':
        write_pcap(dst, 113, [(s, u, struct.pack('!HHH8sH', 0, 1, 6, b'\x02' * 8, 0x0800) + f)
                              for s, u, f in frames])
    elif kind == 'sll2':
        write_pcap(dst, 276, [(s, u, struct.pack('!HHIHBB8s', 0x0800, 0, 2, 1, 0, 6, b'\x02' * 8) + f)
                              for s, u, f in frames])
    elif kind == 'ip6':
        write_pcap(dst, 229, [(s, u, to_ip6(f)) for s, u, f in frames])
    elif kind == 'ng2if':
        write_ng2if(dst, frames)
    elif kind == 'ngbe':
        write_ngbe(dst, frames)
    else:
        sys.exit('unknown kind ' + kind)


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == 'convert':
        convert(*sys.argv[2:5])
        return 0
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument('mode', choices=['svg'])
    ap.add_argument('file')
    for key in ('bars', 'rexmit', 'lost', 'acks', 'rtt'):
        ap.add_argument('--' + key, type=int)
    ap.add_argument('--lines', nargs='*')
    ap.add_argument('--title')
    args = ap.parse_args()
    fails = check_svg(args.file, args)
    for f in fails:
        print('FAIL', f)
    return 1 if fails else 0


if __name__ == '__main__':
    sys.exit(main())
