#!/usr/bin/env python3
"""N HTTP connections open at the same time, for test_http.sh.

  http_many.py HOST PORT N PATH FILE READY GO

Starts N non-blocking connects at once (N SYNs in one burst) and waits
until every one is connected; then writes READY (the shell counts the
established sockets with ss) and waits for GO. Only then does it send
"GET PATH" on every connection, and reads every response whole
(Content-Length) while keeping every connection open. At the end every
socket must still be ESTABLISHED on Linux: the server answered all N
requests while all N connections were open at once.

Prints one line: "connected C answered A exact E open O" and exits 0 only
when all four are N. Every wait is bounded (20 s).
"""
import os
import selectors
import socket
import sys
import time

LIMIT_S = 20
TCP_ESTABLISHED = 1


def connect_all(host, port, n):
    socks = []
    sel = selectors.DefaultSelector()
    for _ in range(n):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex((host, port))
        socks.append(s)
        sel.register(s, selectors.EVENT_WRITE)
    pending, connected = n, 0
    deadline = time.time() + LIMIT_S
    while pending and time.time() < deadline:
        for key, _ in sel.select(timeout=max(0.0, deadline - time.time())):
            sel.unregister(key.fileobj)
            pending -= 1
            if key.fileobj.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
                connected += 1
    sel.close()
    for s in socks:
        s.setblocking(True)
        s.settimeout(LIMIT_S)
    return socks, connected


def wait_file(path):
    deadline = time.time() + LIMIT_S
    while not os.path.exists(path):
        if time.time() > deadline:
            sys.exit("http_many: %s did not appear" % path)
        time.sleep(0.02)


def read_response(s):
    """(status, body) of one response, read exactly (no byte past it)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(1)  # byte by byte: nothing past the head is consumed
        if not d:
            return None, b""
        buf += d
    lines = buf.decode("latin-1").split("\r\n")
    status = lines[0].split(" ")[1]
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    body = b""
    while len(body) < length:
        d = s.recv(min(65536, length - len(body)))
        if not d:
            break
        body += d
    return status, body


def main():
    host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    path, want_file, ready, go = sys.argv[4:8]
    with open(want_file, "rb") as f:
        want = f.read()
    socks, connected = connect_all(host, port, n)
    with open(ready, "w") as f:
        f.write("%d\n" % connected)
    wait_file(go)
    answered = exact = 0
    try:
        for s in socks:
            s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\n\r\n" % (path, host)).encode())
        for s in socks:
            status, body = read_response(s)
            answered += status == "200"
            exact += body == want
    except OSError as e:
        print("http_many: %s" % e, file=sys.stderr)
    still_open = 0
    for s in socks:
        if s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0] == TCP_ESTABLISHED:
            still_open += 1
    print("connected %d answered %d exact %d open %d" % (connected, answered, exact, still_open))
    for s in socks:
        s.close()
    sys.exit(0 if connected == answered == exact == still_open == n else 1)


if __name__ == "__main__":
    main()
