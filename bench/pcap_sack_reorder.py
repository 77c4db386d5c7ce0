#!/usr/bin/env python3
"""What a receiver's SACK stream tells the sender, from a capture that
run_loss_bench.sh keeps with KEEP_PCAP (needs tshark):

  bench/pcap_sack_reorder.py FILE.pcap [FILE.pcap ...]

The sender is the side that sent the most data. For the receiver's ACKs:
how many, how many carry SACK blocks, how many report a duplicate (D-SACK,
RFC 2883 §4), and how many full-sized segments were SACKed for the first
time below the highest byte SACKed before although they had been sent only
once: what a Linux sender takes for reordering (tcp_sacktag_one ->
tcp_check_sack_reordering), widening RACK's reordering window. Segments
are counted in 1448-byte steps from the first data byte (the MSS of the
loss benchmark's link)."""
import subprocess
import sys
from collections import Counter

MOD = 2**32
SEG = 1448
FIELDS = ["ip.src", "tcp.srcport", "tcp.seq_raw", "tcp.len", "tcp.ack_raw",
          "tcp.options.sack_le", "tcp.options.sack_re"]


def rows(path):
    cmd = ["tshark", "-r", path, "-Y", "tcp", "-o", "tcp.relative_sequence_numbers:FALSE",
           "-T", "fields"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [line.split("\t") for line in out.splitlines()]


def summary(path):
    rs = rows(path)
    data = Counter((r[0], r[1]) for r in rs if r[3] and int(r[3]) > 0)
    if not data:
        return f"{path}: no data"
    snd = data.most_common(1)[0][0]
    base, sent, sacked, high = None, Counter(), set(), None
    acks = with_sack = dsacks = reorder = 0
    for r in rs:
        if (r[0], r[1]) == snd:
            if r[3] and int(r[3]) > 0:
                if base is None:
                    base = int(r[2])
                sent[(int(r[2]) - base) % MOD] += 1
            continue
        if base is None:
            continue
        acks += 1
        if not r[5]:
            continue
        with_sack += 1
        ack = (int(r[4]) - base) % MOD
        left = [(int(x) - base) % MOD for x in r[5].split(",")]
        right = [(int(x) - base) % MOD for x in r[6].split(",")]
        for i, (lo, hi) in enumerate(zip(left, right)):
            inside_second = i == 0 and len(left) > 1 and lo >= left[1] and hi <= right[1]
            if hi <= ack or inside_second:
                dsacks += i == 0
                continue
            for k in range(lo, hi, SEG):
                if k in sacked:
                    continue
                if high is not None and k < high and sent[k] <= 1:
                    reorder += 1
                sacked.add(k)
            high = hi if high is None or hi > high else high
    return (f"{path}: ACKs {acks}, with SACK blocks {with_sack}, D-SACKs {dsacks}, "
            f"segments first SACKed below the highest SACK and sent once: {reorder}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: pcap_sack_reorder.py FILE.pcap [FILE.pcap ...]")
    for p in sys.argv[1:]:
        print(summary(p))
