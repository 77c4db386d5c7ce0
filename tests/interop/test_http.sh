#!/usr/bin/env bash
# curl against `synack serve --http`: files byte for byte (a multi-megabyte
# one too), several URLs over one kept-alive connection, HEAD, the error
# statuses (400 403 404 405 505), Connection: close and HTTP/1.0, generated
# pages without --root, 200 concurrent connections, a clean SIGTERM exit and
# a capture tshark finds clean. Adversarial: symlinks out of the root, a FIFO,
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

rate=$("${CURL[@]}" -o "$IT_TMP/o5" -w '%{speed_download}' "$U/big.bin")
check "6 MiB again byte-exact" it_same "$IT_TMP/o5" "$root/big.bin"
it_log "download rate: $(awk -v r="$rate" 'BEGIN { printf "%.1f Mbit/s", r * 8 / 1e6 }')"

head=$("${CURL[@]}" -I "$U/big.bin" | tr -d '\r')
check "HEAD: 200 and the file's length" \
    grep -q "^Content-Length: $((6 * 1048576))$" <<<"$head"
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

# 200 concurrent connections from one curl
urls=()
for i in $(seq 1 200); do urls+=(-o "$IT_TMP/p$i" "$U/c64k.bin"); done
codes=$(nsx curl -sS --no-progress-meter --max-time 60 --parallel --parallel-immediate --parallel-max 200 \
    -w '%{http_code}\n' "${urls[@]}" 2>"$IT_TMP/parallel.err" | sort | uniq -c | tr -s ' ')
check "200 parallel fetches all 200 OK ($codes)" test "$(echo $codes)" = "200 200"
same=0
for i in $(seq 1 200); do it_same "$IT_TMP/p$i" "$root/c64k.bin" && same=$((same + 1)); done
check "200 parallel fetches byte-exact ($same)" test "$same" = 200

it_stop "$SERVE_PID" 10
check "SIGTERM: serve exits 0" test $? = 0
grep '^stats' "$SERVE_LOG" | head -4
syns=$(it_pcap_count "$SERVE_PCAP" 'tcp.flags.syn == 1 && tcp.flags.ack == 0')
check "capture: at least 200 connections opened ($syns SYNs)" test "$syns" -ge 200
check "capture: no malformed frame, no bad checksum" it_pcap_clean "$SERVE_PCAP"

# --idle 1: connections that make no progress are closed (RFC 9112 §9.8)
head -c 8388608 /dev/urandom >"$root/big8.bin"
it_serve idle --http 80 --root "$root" --idle 1 || { it_finish; exit 1; }
idle=$(nsx timeout 30 python3 - "$SYNACK_IP" <<'PY'
import socket, sys, time
ip = sys.argv[1]
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
got, how = outcome(s, 6)
print("stalled-head", got.split(b"\r\n")[0].decode(), how)
s = socket.create_connection((ip, 80))
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
got, how = outcome(s, 6)
print("idle-keepalive", got.split(b"\r\n")[0].decode(), how)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect((ip, 80))
s.sendall(b"GET /big8.bin HTTP/1.1\r\nHost: x\r\n\r\n")
time.sleep(4)
got, how = outcome(s, 6)
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
