#!/usr/bin/env python3
"""A scripted Linux TCP peer for the interop close tests.

  tcp_peer.py client HOST PORT STEPS...
  tcp_peer.py server PORT STEPS...    (accepts one connection, then STEPS)

Steps, run in order on the connection:
  send:TEXT      send bytes
  recv:N         read until N bytes arrived (or EOF)
  eof            read until end of stream (the peer's FIN)
  echo           send back everything read, until end of stream
  shut           shutdown(SHUT_WR): send FIN, keep reading
  close          close()
  rst            SO_LINGER 0 + close(): send RST
  sleep:SECS     wait
  mark:FILE      create FILE (tells the shell script a point was reached)
  wait:FILE      wait until FILE exists (at most 20 s)
  expect_reset   read until an error; exit 1 unless it is ECONNRESET
Exit status 0 when every step ran; every blocking call times out after 20 s.
"""
import os
import socket
import struct
import sys
import time


def run(sock, steps):
    for step in steps:
        op, _, arg = step.partition(":")
        if op == "send":
            sock.sendall(arg.encode())
        elif op == "recv":
            got = 0
            while got < int(arg):
                b = sock.recv(65536)
                if not b:
                    break
                got += len(b)
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
            deadline = time.time() + 20
            while not os.path.exists(arg):
                if time.time() > deadline:
                    raise TimeoutError("wait " + arg)
                time.sleep(0.02)
        elif op == "expect_reset":
            try:
                while True:
                    if not sock.recv(65536):
                        sock.send(b"x")  # after the FIN: a send provokes the RST's error
                        time.sleep(0.2)
            except ConnectionResetError:
                pass
            except BrokenPipeError:
                pass
        else:
            raise ValueError("unknown step " + step)


def main():
    mode = sys.argv[1]
    if mode == "client":
        sock = socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=20)
        run(sock, sys.argv[4:])
    else:
        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("0.0.0.0", int(sys.argv[2])))
        ls.listen(1)
        ls.settimeout(20)
        sock, _ = ls.accept()
        sock.settimeout(20)
        ls.close()
        run(sock, sys.argv[3:])


if __name__ == "__main__":
    main()
