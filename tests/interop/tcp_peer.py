#!/usr/bin/env python3
"""A scripted Linux TCP peer for the interop close tests.

  tcp_peer.py client HOST PORT STEPS...
  tcp_peer.py server PORT STEPS...    (accepts one connection, then STEPS)

Steps, run in order on the connection:
  send:TEXT      send bytes
  recv:N         read exactly N bytes; exit 1 if the stream ends before
  eof            read until end of stream (the peer's FIN)
  echo           send back everything read, until end of stream
  shut           shutdown(SHUT_WR): send FIN, keep reading
  close          close()
  rst            SO_LINGER 0 + close(): send RST
  sleep:SECS     wait (pacing that is part of a scenario, never readiness)
  mark:FILE      create FILE (tells the shell script a point was reached)
  wait:FILE      wait until FILE exists (at most 20 s)
  acked          wait until everything sent was acknowledged (send queue
                 empty, SIOCOUTQ 0; at most 20 s)
  state:NAME     exit 1 unless Linux has this socket in TCP state NAME
                 (CLOSE_WAIT, FIN_WAIT1, ...; read from TCP_INFO)
  expect_reset   read until an error; exit 1 unless it is ECONNRESET
                 (or EPIPE) within 20 s
Exit status 0 when every step ran; every blocking call times out after 20 s.
A failed step prints "tcp_peer: STEP: why" on stderr and exits 1.
"""
import fcntl
import os
import socket
import struct
import sys
import termios
import time

LIMIT_S = 20
# include/net/tcp_states.h
TCP_STATES = ["", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",
              "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING"]


def fail(step, why):
    sys.exit("tcp_peer: %s: %s" % (step, why))


def recv_exact(sock, n, step):
    got = 0
    while got < n:
        b = sock.recv(min(65536, n - got))
        if not b:
            fail(step, "the stream ended after %d of %d bytes" % (got, n))
        got += len(b)


def wait_acked(sock, step):
    deadline = time.time() + LIMIT_S
    buf = bytearray(4)
    while True:
        fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, buf)  # SIOCOUTQ: sent, not yet acked
        left = struct.unpack("i", buf)[0]
        if left == 0:
            return
        if time.time() > deadline:
            fail(step, "%d bytes still unacknowledged after %d s" % (left, LIMIT_S))
        time.sleep(0.01)


def check_state(sock, want, step):
    st = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0]
    name = TCP_STATES[st] if st < len(TCP_STATES) else str(st)
    if name != want:
        fail(step, "the socket is in %s" % name)


def expect_reset(sock, step):
    deadline = time.time() + LIMIT_S
    try:
        while time.time() < deadline:
            if not sock.recv(65536):
                # after the FIN: a send provokes the RST's error. Pacing,
                # not readiness: one probe byte every 0.2 s until the reset.
                sock.send(b"x")
                time.sleep(0.2)
    except (ConnectionResetError, BrokenPipeError):
        return
    except socket.timeout:
        pass
    fail(step, "no reset within %d s" % LIMIT_S)


def run(sock, steps):
    for step in steps:
        op, _, arg = step.partition(":")
        if op == "send":
            sock.sendall(arg.encode())
        elif op == "recv":
            recv_exact(sock, int(arg), step)
        elif op == "eof":
            while sock.recv(65536):
                pass
        elif op == "echo":
            while True:
                b = sock.recv(65536)
                if not b:
                    break
                sock.sendall(b)
        elif op == "shut":
            sock.shutdown(socket.SHUT_WR)
        elif op == "close":
            sock.close()
        elif op == "rst":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
        elif op == "sleep":
            time.sleep(float(arg))
        elif op == "mark":
            open(arg, "w").close()
        elif op == "wait":
            deadline = time.time() + LIMIT_S
            while not os.path.exists(arg):
                if time.time() > deadline:
                    fail(step, "no such file after %d s" % LIMIT_S)
                time.sleep(0.02)
        elif op == "acked":
            wait_acked(sock, step)
        elif op == "state":
            check_state(sock, arg, step)
        elif op == "expect_reset":
            expect_reset(sock, step)
        else:
            raise ValueError("unknown step " + step)


def main():
    mode = sys.argv[1]
    if mode == "client":
        sock = socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=LIMIT_S)
        run(sock, sys.argv[4:])
    else:
        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("0.0.0.0", int(sys.argv[2])))
        ls.listen(1)
        ls.settimeout(LIMIT_S)
        sock, _ = ls.accept()
        sock.settimeout(LIMIT_S)
        ls.close()
        run(sock, sys.argv[3:])


if __name__ == "__main__":
    main()
