#!/usr/bin/env bash
# curl against `synack serve --http`: files byte for byte (a multi-megabyte
# one too), several URLs over one kept-alive connection, HEAD (status,
# length, no body), the error statuses (400 403 404 405 505), Connection:
# close and HTTP/1.0, generated pages without --root, 200 connections open
# at once (all connected before any request; every one answered while all
# are open; every SYN accepted the first time), a clean SIGTERM exit and a
# capture tshark finds clean. Adversarial: symlinks out of the root, a FIFO,
# empty lines before a request, and --idle (408 to a stalled head, an idle
# kept-alive connection closed, a client that never reads reset).
. "$(dirname "$0")/lib.sh"
it_require curl socat python3
it_setup

root=$IT_TMP/www
mkdir -p "$root/sub"
printf '<html><body>hello from synack</body></html>\n' >"$root/index.html"
printf 'plain text\n' >"$root/sub/a.txt"
it_random "$root/big.bin" 6
it_random "$root/small.bin" 1
head -c 65536 /dev/urandom >"$root/c64k.bin"
ln -s /etc/passwd "$root/out"      # symlinks leading out of the root
ln -s /etc "$root/outdir"
ln -s /dev/zero "$root/zero"
ln -s sub/a.txt "$root/in.txt"     # one staying inside it
mkfifo "$root/fifo"

CURL=(nsx curl -sS --max-time 30)
U=http://$SYNACK_IP

# no --root: generated pages
it_serve gen --http 8080 || { it_finish; exit 1; }
"${CURL[@]}" -o "$IT_TMP/gen" "$U:8080/bytes/3000000"
check "generated /bytes/3000000 has 3000000 bytes" test "$(stat -c %s "$IT_TMP/gen")" = 3000000
"${CURL[@]}" -o "$IT_TMP/gen" "$U:8080/"
check "generated index page" grep -q synack "$IT_TMP/gen"
it_stop "$SERVE_PID" 10
check "SIGTERM: serve exits 0" test $? = 0
check "capture: no malformed frame, no bad checksum" it_pcap_clean "$SERVE_PCAP"

it_serve http --http 80 --root "$root" || { it_finish; exit 1; }

# several URLs, one invocation: one connection, reused (num_connects 1, 0, 0, 0)
conns=$("${CURL[@]}" -w '%{num_connects} %{http_code}\n' \
    -o "$IT_TMP/o1" "$U/" -o "$IT_TMP/o2" "$U/big.bin" -o "$IT_TMP/o3" "$U/sub/a.txt" \
    -o "$IT_TMP/o4" "$U/small.bin")
check "four URLs over one kept-alive connection ($(echo $conns | tr '\n' ' '))" \
    test "$(echo $conns)" = "1 200 0 200 0 200 0 200"
check "index page byte-exact" it_same "$IT_TMP/o1" "$root/index.html"
check "6 MiB file byte-exact" it_same "$IT_TMP/o2" "$root/big.bin"
check "file in a subdirectory" it_same "$IT_TMP/o3" "$root/sub/a.txt"
check "1 MiB file byte-exact" it_same "$IT_TMP/o4" "$root/small.bin"

got=$("${CURL[@]}" -o "$IT_TMP/o5" -w '%{speed_download} %{size_download}' "$U/big.bin")
read -r rate get_len <<<"$got"
check "6 MiB again byte-exact" it_same "$IT_TMP/o5" "$root/big.bin"
it_log "download rate: $(awk -v r="$rate" 'BEGIN { printf "%.1f Mbit/s", r * 8 / 1e6 }')"

# HEAD (RFC 9110 §9.3.2): GET's status and Content-Length, no body. Read
# from a raw socket to the server's close: any body byte would show.
hd=$(nsx timeout 20 python3 - "$SYNACK_IP" <<'PY'
import socket, sys
s = socket.create_connection((sys.argv[1], 80), timeout=10)
s.sendall(b"HEAD /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
data = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    data += d
head, sep, body = data.partition(b"\r\n\r\n")
lines = head.decode("latin-1").split("\r\n")
cl = [l.split(":", 1)[1].strip() for l in lines[1:] if l.lower().startswith("content-length:")]
print(lines[0].split(" ")[1] if " " in lines[0] else "-", cl[0] if cl else "-",
      len(body) if sep else "-")
PY
)
read -r h_status h_len h_body <<<"$hd"
check "HEAD: status 200 (${h_status:-none})" test "$h_status" = 200
check "HEAD: Content-Length ${h_len:-none} equals GET's body length ${get_len:-none}" \
    test -n "$get_len" -a "$h_len" = "$get_len"
check "HEAD: no body bytes (${h_body:-none})" test "$h_body" = 0
code() { "${CURL[@]}" -o /dev/null -w '%{http_code}' "$@"; }
check "404 for a missing file" test "$(code "$U/nope")" = 404
check "403 for ../ traversal" test "$(code --path-as-is "$U/../../etc/passwd")" = 403
check "403 for %2e%2e traversal" test "$(code "$U/%2e%2e/%2e%2e/etc/passwd")" = 403
check "405 for POST" test "$(code -X POST -d x=1 "$U/")" = 405
check "405 for DELETE" test "$(code -X DELETE "$U/")" = 405

raw() { printf "$1" | nsx timeout 10 socat -t 5 - "TCP:$SYNACK_IP:80" | head -1 | tr -d '\r'; }
check "403 for a symlink to a file outside the root" test "$(code "$U/out")" = 403
check "403 through a symlink to a directory outside the root" \
    test "$(code "$U/outdir/passwd")" = 403
check "403 for a symlink to /dev/zero" test "$(code "$U/zero")" = 403
check "a symlink inside the root is served" test "$(code "$U/in.txt")" = 200
check "404 for a FIFO, without hanging" test "$(code --max-time 5 "$U/fifo")" = 404
check "empty lines before the request line are skipped (RFC 9112 §2.2)" \
    test "$(raw '\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')" = \
    "HTTP/1.1 200 OK"
check "505 for HTTP/2.0" test "$(raw 'GET / HTTP/2.0\r\nHost: x\r\n\r\n')" = \
    "HTTP/1.1 505 HTTP Version Not Supported"
check "400 for garbage" test "$(raw 'garbage\r\n\r\n')" = "HTTP/1.1 400 Bad Request"
check "400 for HTTP/1.1 without Host" test "$(raw 'GET / HTTP/1.1\r\n\r\n')" = \
    "HTTP/1.1 400 Bad Request"

v=$("${CURL[@]}" -v -H 'Connection: close' "$U/" 2>&1 >/dev/null | tr -d '\r')
check "Connection: close answered" grep -q "^< Connection: close" <<<"$v"
check "Connection: close honoured (curl saw the close)" grep -qi "closing connection" <<<"$v"
v=$("${CURL[@]}" -0 -v "$U/" 2>&1 >/dev/null | tr -d '\r')
check "HTTP/1.0 gets Connection: close" grep -q "^< Connection: close" <<<"$v"

it_stop "$SERVE_PID" 10
check "SIGTERM: serve exits 0" test $? = 0
check "capture: no malformed frame, no bad checksum" it_pcap_clean "$SERVE_PCAP"

# 200 connections open at once, on a server of their own (so its counters
# and capture hold only them): http_many.py sends 200 SYNs in one burst and
# waits until all 200 are connected; ss then counts 200 established sockets;
# only then do the 200 requests go out, and every response is read while all
# 200 connections stay open (still ESTABLISHED on Linux at the end).
it_serve many --http 80 --root "$root" || { it_finish; exit 1; }
"${NSX[@]}" timeout 60 python3 "$IT_HERE/http_many.py" "$SYNACK_IP" 80 200 /c64k.bin \
    "$root/c64k.bin" "$IT_TMP/many.ready" "$IT_TMP/many.go" >"$IT_TMP/many.out" 2>&1 &
mp=$!; IT_PIDS+=("$mp")
it_wait_line "$IT_TMP/many.ready" . "$mp" 30
check "200 at once: all connected before any request ($(cat "$IT_TMP/many.ready" 2>/dev/null))" \
    test "$(cat "$IT_TMP/many.ready" 2>/dev/null)" = 200
n=$(nsx ss -Htn state established "( dport = :80 )" | wc -l)
check "200 at once: ss shows 200 established at one instant ($n)" test "$n" = 200
touch "$IT_TMP/many.go"
wait "$mp"
rc=$?
check "200 at once: 200 answered 200 OK byte-exact with all 200 still open ($(cat "$IT_TMP/many.out"))" \
    test "$rc" = 0
it_stop "$SERVE_PID" 10
check "SIGTERM: serve exits 0" test $? = 0
grep '^stats' "$SERVE_LOG" | head -4
opens=$(sed -n 's/^stats: opens active [0-9]* passive \([0-9]*\), established \([0-9]*\),.*/\1 \2/p' \
    "$SERVE_LOG")
check "synack accepted every connection (passive opens, established: $opens)" \
    test "$opens" = "200 200"
check "synack refused no SYN (no TCP_BACKLOG_FULL or TCP_NO_MEMORY drop)" \
    test "$(grep -cE '^stats: +TCP_(BACKLOG_FULL|NO_MEMORY) ' "$SERVE_LOG")" = 0
# Every connection is one tcp.stream: its SYN and any retransmission of it.
syn_frames=$(it_pcap_count "$SERVE_PCAP" "tcp.flags.syn == 1 && tcp.flags.ack == 0")
# streams FILTER: how many connections (tcp.stream) have a frame matching it
streams() {
    local out
    out=$(sk_tshark -r "$SERVE_PCAP" -Y "$1" -T fields -e tcp.stream) || { echo tshark-error; return 1; }
    printf '%s' "$out" | sort -u | grep -c .
}
syn_conns=$(streams "tcp.flags.syn == 1 && tcp.flags.ack == 0 && ip.src == $LINUX_IP")
synack_conns=$(streams "tcp.flags.syn == 1 && tcp.flags.ack == 1 && ip.src == $SYNACK_IP")
check "capture: 200 connections opened ($syn_conns with a SYN)" test "$syn_conns" = 200
check "capture: synack answered every one with a SYN-ACK ($synack_conns)" test "$synack_conns" = 200
# Linux sends a SYN again only when no SYN-ACK came within its initial RTO
# (1 s, RFC 6298 §2.1, §5.7): a retransmitted SYN means synack lost, refused
# or ignored a SYN. The link loses nothing and the backlog (1024) holds the
# 200, so every SYN is answered the first time: none is retransmitted.
check "capture: no SYN retransmitted ($((syn_frames - syn_conns)) of $syn_frames SYNs)" \
    test "$syn_frames" = "$syn_conns"
check "capture: no malformed frame, no bad checksum" it_pcap_clean "$SERVE_PCAP"

# --idle 1: connections that make no progress are closed (RFC 9112 §9.8)
head -c 8388608 /dev/urandom >"$root/big8.bin"
it_serve idle --http 80 --root "$root" --idle 1 || { it_finish; exit 1; }
# each case waits (at most 20 s) for what the server does, not a fixed time
idle=$(nsx timeout 90 python3 - "$SYNACK_IP" <<'PY'
import socket, sys, time
ip = sys.argv[1]
LIMIT_S = 20
def outcome(s, limit):
    s.settimeout(limit)
    got = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                return got, "eof"
            got += d
    except socket.timeout:
        return got, "timeout"
    except ConnectionResetError:
        return got, "reset"
s = socket.create_connection((ip, 80))
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX: never ends")
got, how = outcome(s, LIMIT_S)
print("stalled-head", got.split(b"\r\n")[0].decode(), how)
s = socket.create_connection((ip, 80))
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
got, how = outcome(s, LIMIT_S)
print("idle-keepalive", got.split(b"\r\n")[0].decode(), how)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect((ip, 80))
s.sendall(b"GET /big8.bin HTTP/1.1\r\nHost: x\r\n\r\n")
# never read: wait until the connection is no longer ESTABLISHED (synack's
# reset arrived), without reading a byte
deadline = time.time() + LIMIT_S
while s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0] == 1 and time.time() < deadline:
    time.sleep(0.05)
got, how = outcome(s, LIMIT_S)
print("never-reads", len(got) < 8388608, how)
PY
)
echo "$idle" | sed 's/^/  /'
check "--idle: a stalled request head gets 408 and a close" \
    grep -q "^stalled-head HTTP/1.1 408 Request Timeout eof$" <<<"$idle"
check "--idle: an idle kept-alive connection is closed" \
    grep -q "^idle-keepalive HTTP/1.1 200 OK eof$" <<<"$idle"
check "--idle: a client that never reads is reset" grep -q "^never-reads True reset$" <<<"$idle"
check "--idle: still serving" test "$(code "$U/sub/a.txt")" = 200
it_stop "$SERVE_PID" 10
check "--idle: SIGTERM, serve exits 0" test $? = 0
it_finish
