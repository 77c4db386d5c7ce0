#!/usr/bin/env python3
"""How a sender repaired its losses, from the sender-side captures
run_loss_bench.sh keeps with KEEP_PCAP (needs tshark):

  bench/pcap_rexmit_summary.py PCAP...    (e.g. /tmp/p/100-5-s-send-r1-b.pcap)

Each PCAP is a -b.pcap (tb, before the link on the sender's side) of one
transfer; the data connection is the one that sent the most data segments.
Per capture:
  resent    segments sent more than once; first -> second transmission
            (median, mean: loss detection plus the wait for the window) and
            first transmission -> the cumulative ACK covering it
  stalls    gaps of more than 150 ms between advances of the cumulative
            ACK, in all and by length (100 ms bins)
  timer     data segments sent with no ACK in the 2 ms before (a tail loss
            probe, a timeout, RACK's reorder timer, or a segment sent with
            those), new data or a resend, by the time since the last ACK
            (50 ms bins)
  dsacks    D-SACKs the receiver sent (a first SACK block at or below the
            cumulative ACK): each is a copy that arrived twice
Compare a synack transfer with the Linux one of the same cell and round
(s-send and linux-ba: the same direction, the same loss stream).
"""
import statistics
import subprocess
import sys
from collections import Counter

FIELDS = ["frame.time_relative", "ip.src", "tcp.srcport", "ip.dst", "tcp.dstport", "tcp.seq_raw",
          "tcp.len", "tcp.ack_raw", "tcp.options.sack_le", "tcp.options.sack_re"]
MOD = 2 ** 32


def after(a, b):
    """a is after b in sequence space"""
    return a != b and (a - b) % MOD < 2 ** 31


def rows(pcap, fields=FIELDS):
    cmd = ["tshark", "-r", pcap, "-Y", "tcp", "-o", "tcp.relative_sequence_numbers:FALSE",
           "-T", "fields"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [line.split("\t") for line in out.splitlines()]


def bins(values, width, cap):
    return sorted(Counter(min(int(v / width) * int(width * 1000), cap) for v in values).items())


def summary(pcap):
    rs = rows(pcap)
    data = Counter((r[1], r[2]) for r in rs if int(r[6] or 0) > 0)
    if not data:
        print(f"{pcap}: no data segments")
        return
    snd = data.most_common(1)[0][0]
    first, sends, acked_at = {}, Counter(), {}
    resent = []
    una = t_adv = last_ack = None
    stalls, timer, dsacks = [], Counter(), 0
    for r in rs:
        t, n = float(r[0]), int(r[6] or 0)
        if (r[1], r[2]) == snd and n > 0:
            s = int(r[5])
            sends[s] += 1
            if s not in first:
                first[s] = (t, (s + n) % MOD)
            elif sends[s] == 2:
                resent.append((s, t - first[s][0]))
            if last_ack is not None and t - last_ack > 0.002:
                timer[("resend" if sends[s] > 1 else "new", min(int((t - last_ack) * 20) * 50, 1000))] += 1
        elif (r[3], r[4]) == snd:
            a = int(r[7])
            last_ack = t
            if r[8] and r[9]:
                le, re_ = int(r[8].split(",")[0]), int(r[9].split(",")[0])
                if not after(re_, a):
                    dsacks += 1
            if una is None or after(a, una):
                if t_adv is not None and t - t_adv > 0.15:
                    stalls.append(t - t_adv)
                una, t_adv = a, t
                for s, (t0, e) in first.items():
                    if s not in acked_at and not after(e, a):
                        acked_at[s] = t
    print(f"{pcap}:")
    if resent:
        d = [x for _, x in resent]
        held = [acked_at[s] - first[s][0] for s, _ in resent if s in acked_at]
        print(f"  resent  {len(d)} segments; first -> second transmission median "
              f"{statistics.median(d) * 1000:.0f} ms, mean {statistics.mean(d) * 1000:.0f} ms; "
              f"first transmission -> ACKed median "
              f"{statistics.median(held) * 1000:.0f} ms, mean {statistics.mean(held) * 1000:.0f} ms"
              if held else f"  resent  {len(d)} segments")
        print(f"          first -> second, 50 ms bins: {bins(d, 0.05, 1000)}")
    else:
        print("  resent  none")
    print(f"  stalls  {len(stalls)} over 150 ms, {sum(stalls):.1f} s in all; 100 ms bins: "
          f"{bins(stalls, 0.1, 1000)}")
    print(f"  timer   {sorted(timer.items())}")
    print(f"  dsacks  {dsacks}")


def main():
    if len(sys.argv) < 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    for p in sys.argv[1:]:
        summary(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
