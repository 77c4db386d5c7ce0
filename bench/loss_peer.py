#!/usr/bin/env python3
"""Linux's end of a bench/run_loss_bench.sh transfer: a bulk sink or source
with a hard time limit that still reports what it moved.

  loss_peer.py sink PORT LIMIT_S
      listen, print READY, accept one connection, read to EOF (or until
      LIMIT_S after the accept), close.
  loss_peer.py source ADDR PORT BYTES LIMIT_S [CC]
      connect, write BYTES zero bytes, half-close, read to the peer's EOF,
      all within LIMIT_S of the connect; with CC, the socket's congestion
      control (TCP_CONGESTION; one outside tcp_allowed_congestion_control
      needs CAP_NET_ADMIN).

Each prints one line
  RESULT bytes=N secs=S done=1|0 [cc=NAME]
bytes: received (sink), or acknowledged (source: tcpi_bytes_acked from
TCP_INFO when the limit ended it); secs: accept -> EOF (sink), connect ->
the peer's EOF after ours (source), or the limit when done=0. Exit 0 when
done, 3 when the limit ended it, 1 on an error.

With LOSS_PEER_TRACE=FILE in the environment, a thread writes the
connection's TCP_INFO (what `ss -ti` shows, read from the socket itself)
to FILE every LOSS_PEER_TRACE_MS (default 10) ms from connect/accept to
the end, one line each, the columns named on the first line.
"""
import os
import socket
import struct
import sys
import threading
import time

CHUNK = 65536
# struct tcp_info: 8 bytes of u8 fields, 24 u32 (96 bytes), then the u64s
# tcpi_pacing_rate, tcpi_max_pacing_rate, tcpi_bytes_acked (offset 120).
BYTES_ACKED_OFF = 120


# (name, struct format, offset) in struct tcp_info (linux/tcp.h)
TRACE_FIELDS = (
    ("ca_state", "B", 1), ("mss", "I", 16), ("unacked", "I", 24), ("sacked", "I", 28),
    ("lost", "I", 32), ("retrans", "I", 36), ("rcv_ssthresh", "I", 64), ("rtt_us", "I", 68),
    ("rttvar_us", "I", 72), ("ssthresh", "I", 76), ("cwnd", "I", 80), ("rcv_space", "I", 96),
    ("total_retrans", "I", 100), ("bytes_acked", "Q", 120), ("bytes_received", "Q", 128),
    ("min_rtt_us", "I", 148), ("busy_us", "Q", 168), ("rwnd_limited_us", "Q", 176),
    ("sndbuf_limited_us", "Q", 184), ("bytes_sent", "Q", 200), ("snd_wnd", "I", 228),
    ("rcv_wnd", "I", 232), ("rto_us", "I", 8), ("reordering", "I", 88),
    ("dsack_dups", "I", 216), ("reord_seen", "I", 220),
)


class Tracer:
    """Samples a connected socket's TCP_INFO into LOSS_PEER_TRACE."""

    def __init__(self, sock):
        self.path = os.environ.get("LOSS_PEER_TRACE", "")
        self.every = float(os.environ.get("LOSS_PEER_TRACE_MS", "10")) / 1000.0
        self.sock = sock
        self.stop = threading.Event()
        self.thread = None
        if self.path:
            self.out = open(self.path, "w")
            self.out.write("# t_s " + " ".join(f[0] for f in TRACE_FIELDS) + "\n")
            self.t0 = time.monotonic()
            self.thread = threading.Thread(target=self.run, daemon=True)
            self.thread.start()

    def sample(self):
        try:
            info = self.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 512)
        except OSError:
            return
        vals = []
        for _, fmt, off in TRACE_FIELDS:
            size = struct.calcsize("=" + fmt)
            vals.append(str(struct.unpack_from("=" + fmt, info, off)[0])
                        if off + size <= len(info) else "-")
        self.out.write("%.6f %s\n" % (time.monotonic() - self.t0, " ".join(vals)))

    def run(self):
        while not self.stop.wait(self.every):
            self.sample()

    def close(self):
        if self.thread is not None:
            self.stop.set()
            self.thread.join()
            self.sample()
            self.out.close()
            self.thread = None


def result(nbytes, secs, done, extra=""):
    print("RESULT bytes=%d secs=%.6f done=%d%s" % (nbytes, secs, 1 if done else 0, extra),
          flush=True)
    return 0 if done else 3


def left(deadline):
    return max(0.001, deadline - time.monotonic())


def sink(port, limit):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(1)
    print("READY", flush=True)
    ls.settimeout(limit)
    try:
        conn, _ = ls.accept()
    except socket.timeout:
        return result(0, limit, False)
    t0 = time.monotonic()
    deadline = t0 + limit
    tr = Tracer(conn)
    try:
        return sink_read(conn, t0, deadline, limit, tr)
    finally:
        tr.close()


def sink_read(conn, t0, deadline, limit, tr):
    total = 0
    while True:
        conn.settimeout(left(deadline))
        try:
            data = conn.recv(CHUNK)
        except socket.timeout:
            return result(total, limit, False)
        if not data:
            break
        total += len(data)
        if time.monotonic() >= deadline:
            return result(total, limit, False)
    secs = time.monotonic() - t0
    rc = result(total, secs, True)  # before the close: the source waits for it
    tr.close()
    conn.close()
    return rc


def bytes_acked(sock):
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
        return struct.unpack_from("=Q", info, BYTES_ACKED_OFF)[0]
    except (OSError, struct.error):
        return 0


def connect(addr, port, limit, cc):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if cc:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, cc.encode())
    s.settimeout(limit)
    s.connect((addr, port))
    name = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, 16)
    return s, " cc=" + name.split(b"\0", 1)[0].decode()


def source(addr, port, nbytes, limit, cc):
    t0 = time.monotonic()
    deadline = t0 + limit
    s, extra = connect(addr, port, limit, cc)
    tr = Tracer(s)
    try:
        return source_send(s, extra, t0, deadline, nbytes, limit)
    finally:
        tr.close()


def source_send(s, extra, t0, deadline, nbytes, limit):
    buf = bytes(CHUNK)
    sent = 0
    try:
        while sent < nbytes:
            s.settimeout(left(deadline))
            n = s.send(buf[: min(CHUNK, nbytes - sent)])
            sent += n
            if time.monotonic() >= deadline:
                raise socket.timeout
        s.shutdown(socket.SHUT_WR)
        while True:
            s.settimeout(left(deadline))
            if not s.recv(CHUNK):
                break
            if time.monotonic() >= deadline:
                raise socket.timeout
    except socket.timeout:
        return result(min(bytes_acked(s), nbytes), limit, False, extra)
    secs = time.monotonic() - t0
    s.close()
    return result(nbytes, secs, True, extra)


def main(argv):
    try:
        if len(argv) == 4 and argv[1] == "sink":
            return sink(int(argv[2]), float(argv[3]))
        if len(argv) in (6, 7) and argv[1] == "source":
            cc = argv[6] if len(argv) == 7 else ""
            return source(argv[2], int(argv[3]), int(argv[4]), float(argv[5]), cc)
    except OSError as e:
        print("loss_peer.py: %s" % e, file=sys.stderr)
        return 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
