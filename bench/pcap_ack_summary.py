#!/usr/bin/env python3
"""What the Linux receiver's ACKs did to a sender, from the captures
run_loss_bench.sh keeps with KEEP_PCAP (needs tshark):

  bench/pcap_ack_summary.py DIR/CELL-TAG-rROUND     (e.g. /tmp/p/100-0.5-s-send-r1)

for a transfer from B to A (s-send, linux-ba): the sender is in B, the
Linux receiver in A.
  -a.pcap (ta, at the receiver): delayed ACKs (an ACK sent > 1 ms after
          the data it acknowledges; Linux's delayed-ACK timer is 40 ms or
          more), their total delay, and how many came within 200 ms of
          the previous one (one RTT at 100 ms: a chain, a lone segment
          whose answer is a lone segment again)
  -b.pcap (tb, before the link on the sender's side): the sender's turn-
          around (an ACK -> its next data segment), what it sends within
          2 ms of an isolated ACK of one segment (> 20 ms after the ACK
          before, no SACK), and its loss recoveries (first ACK with SACK
          -> the ACK covering what was sent by then): how many, how long,
          and the segments sent per RTT (100 ms) in recovery over those
          sent in the 100 ms before it
"""
import statistics
import subprocess
import sys

RCV = "192.0.2.1"  # the Linux receiver in A


def fields(pcap, *names, filt="tcp"):
    cmd = ["tshark", "-r", pcap, "-o", "tcp.relative_sequence_numbers:TRUE", "-T", "fields",
           "-Y", filt]
    for n in names:
        cmd += ["-e", n]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [line.split("\t") for line in out.splitlines()]


def receiver_side(pcap):
    d = [(float(t), float(r) * 1000) for t, r in
         fields(pcap, "frame.time_relative", "tcp.analysis.ack_rtt",
                filt="tcp.analysis.ack_rtt && tcp.len == 0 && ip.src == " + RCV)]
    slow = [(t, r) for t, r in d if r > 1]
    chain = sum(1 for i in range(1, len(slow)) if slow[i][0] - slow[i - 1][0] < 0.2)
    return ("%d ACKs, %d delayed > 1 ms (total %.0f ms), %d of them within 200 ms of the one before"
            % (len(d), len(slow), sum(r for _, r in slow), chain))


def sender_side(pcap):
    rows = fields(pcap, "frame.time_relative", "ip.src", "tcp.seq", "tcp.len", "tcp.ack",
                  "tcp.options.sack_le")
    turn, hist = [], {}
    last_ack_t, prev_ack, pending_t, watch, cnt, t0 = -1.0, 0, None, False, 0, 0.0
    sent, maxsent, rec, eps = [], 0, None, []
    for r in rows:
        t, src, seq, ln, ack = float(r[0]), r[1], int(r[2] or 0), int(r[3] or 0), int(r[4] or 0)
        sack = len(r) > 5 and r[5] != ""
        if src == RCV and ln == 0:
            if watch:
                hist[cnt] = hist.get(cnt, 0) + 1
            watch = t - last_ack_t > 0.02 and not sack and ack - prev_ack == 1448
            cnt, t0 = 0, t
            last_ack_t, prev_ack, pending_t = t, ack, t
            if rec is None and sack:
                before = sum(1 for s in sent if s > t - 0.1)
                rec = {"t0": t, "point": maxsent, "segs": 0, "before": before}
            elif rec is not None and ack >= rec["point"]:
                rec["dur"] = t - rec["t0"]
                eps.append(rec)
                rec = None
        elif src != RCV and ln > 0:
            if pending_t is not None:
                turn.append((t - pending_t) * 1e6)
                pending_t = None
            if watch and t - t0 < 0.002:
                cnt += 1
            sent.append(t)
            if rec is not None:
                rec["segs"] += 1
            maxsent = max(maxsent, seq + ln)
    turn.sort()
    out = ["turnaround ACK -> data: median %.0f us, p90 %.0f us"
           % (turn[len(turn) // 2], turn[int(len(turn) * 0.9)]) if turn else "no turnaround",
           "after an isolated 1-segment ACK, segments sent: " +
           ", ".join("%d: %d" % (k, hist[k]) for k in sorted(hist))]
    if eps:
        ratio = [e["segs"] / max(1, e["before"]) / max(e["dur"] / 0.1, 1e-9) for e in eps]
        out.append("recoveries %d, %.0f ms each (mean), %.2f s in all; sent per RTT in recovery "
                   "/ in the RTT before: median %.2f"
                   % (len(eps), 1000 * statistics.mean(e["dur"] for e in eps),
                      sum(e["dur"] for e in eps), statistics.median(ratio)))
    return "; ".join(out)


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    print(argv[1])
    print("  receiver (a):", receiver_side(argv[1] + "-a.pcap"))
    print("  sender (b):  ", sender_side(argv[1] + "-b.pcap"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
