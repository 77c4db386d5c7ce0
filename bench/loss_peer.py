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
"""
import socket
import struct
import sys
import time

CHUNK = 65536
# struct tcp_info: 8 bytes of u8 fields, 24 u32 (96 bytes), then the u64s
# tcpi_pacing_rate, tcpi_max_pacing_rate, tcpi_bytes_acked (offset 120).
BYTES_ACKED_OFF = 120


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
