#!/usr/bin/env python3
"""FNV-1a-64 of the byte stream `synack demo --bytes N --seed S` must send,
computed here from the stream's definition, independently of the C code, so
that a wrong generator or a wrong hash cannot also be "verified" by the demo
(tests/tools/test_demo_golden.sh compares the demo's digests to this one).

usage: demo_bulk_digest.py N SEED      prints the digest as 16 hex digits

The stream (tools/tool_demo_app.c): byte i is byte (i mod 8), least
significant first, of the SplitMix64 finalizer applied to
SEED + floor(i / 8) * 0x9e3779b97f4a7c15 (mod 2^64). FNV-1a-64: offset basis
0xcbf29ce484222325, prime 0x100000001b3; for each byte, xor then multiply.
"""
import sys

MASK = (1 << 64) - 1


def splitmix64_mix(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def digest(n, seed):
    h = 0xCBF29CE484222325
    for word in range((n + 7) // 8):
        z = splitmix64_mix((seed + word * 0x9E3779B97F4A7C15) & MASK)
        for k in range(min(8, n - 8 * word)):
            h = ((h ^ ((z >> (8 * k)) & 0xFF)) * 0x100000001B3) & MASK
    return h


def main():
    if len(sys.argv) != 3:
        sys.stderr.write("usage: demo_bulk_digest.py N SEED\n")
        return 2
    print("%016x" % digest(int(sys.argv[1]), int(sys.argv[2])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
