#!/usr/bin/env bash
# Unmodified programs over synack through `synack run` (LD_PRELOAD of
# libsynack-preload.so), against Linux in the namespace: curl and wget
# fetch a 6 MiB file byte-exact from Linux's python http.server; python's
# http.server under synack serves the same file to Linux's curl; OpenBSD nc
# and socat under synack exchange 1 MiB both ways with a Linux socat echo;
# a python asyncio client under synack; errno seen by a program (refused
# connect); native IPv6 both ways (curl -6, http.server bound to synack's
# IPv6 address) and bind() to an address not ours; a python UDP client
# (100 datagrams); fork() refused in the child; nginx (when installed) serving
# 10,000 ab requests; synack run's own usage errors.
# Every program is bounded by timeout(1) and runs inside the test's namespace.
. "$(dirname "$0")/lib.sh"
it_require curl wget socat nc python3 cmp
it_setup

PY=$(python3 -c 'import sys; print(sys.executable)') # not a pyenv shim script
LIB=$IT_BIN/tools/libsynack-preload.so
[ -r "$LIB" ] || { bad "preload library built ($LIB)"; it_finish; exit 1; }
RUN=("${NSX[@]}" timeout 60 "$SYNACK" run --tap "$DEV" --addr "$SYNACK_IP/24" --)
SRUN=("${NSX[@]}" "$SYNACK" run --tap "$DEV" --addr "$SYNACK_IP/24" --) # servers: stopped by the test
www=$IT_TMP/www
mkdir -p "$www"
it_random "$www/big.bin" 6
it_random "$IT_TMP/up.bin" 1

# a Linux http.server for synack's clients
(cd "$www" && exec "${NSX[@]}" "$PY" -m http.server 8000 --bind "$LINUX_IP") \
    >"$IT_TMP/linux_http.log" 2>&1 &
IT_PIDS+=($!)
it_wait_listen 8000 || { it_finish; exit 1; }

speed=$("${RUN[@]}" curl -sS --max-time 30 -w '%{speed_download}' -o "$IT_TMP/curl.out" \
    "http://$LINUX_IP:8000/big.bin")
check "curl under synack: exit 0" test $? = 0
it_log "curl under synack: 6 MiB at $(awk -v r="$speed" 'BEGIN { printf "%.0f Mbit/s", r * 8 / 1e6 }')"
check "curl under synack: 6 MiB byte-exact" it_same "$IT_TMP/curl.out" "$www/big.bin"

"${RUN[@]}" wget -q -T 30 -t 1 -O "$IT_TMP/wget.out" "http://$LINUX_IP:8000/big.bin"
check "wget under synack: exit 0" test $? = 0
check "wget under synack: 6 MiB byte-exact" it_same "$IT_TMP/wget.out" "$www/big.bin"

# the frames went through the TAP (synack), not the kernel's loopback:
# Linux's side of the device sent the 2 x 6 MiB to synack and received its
# ACKs. Bytes, not frames: how many ACKs carry 12 MiB depends on how the
# kernel merges segments and how synack's loop batches them (945 frames in
# one run against a threshold of 1000 that had held before).
tx=$(nsx cat "/sys/class/net/$DEV/statistics/tx_bytes")
rx=$(nsx cat "/sys/class/net/$DEV/statistics/rx_packets")
check "the TAP carried the downloads to synack ($tx bytes sent by Linux)" test "$tx" -ge $((12 * 1024 * 1024))
check "the TAP carried synack's ACKs ($rx frames received by Linux)" test "$rx" -gt 0

# a refused connect: the program sees ECONNREFUSED (curl exit 7)
"${RUN[@]}" curl -sS --max-time 10 -o /dev/null "http://$LINUX_IP:8001/" 2>"$IT_TMP/refused.err"
rc=$?
check "curl to a closed port: exit 7 (couldn't connect: $(tr -d '\n' <"$IT_TMP/refused.err"))" \
    test $rc = 7

# python's http.server under synack, Linux's curl as the client
(cd "$www" && exec "${SRUN[@]}" "$PY" -u -m http.server 8080 --bind "$SYNACK_IP") \
    >"$IT_TMP/synack_http.log" 2>&1 &
SPID=$!
IT_PIDS+=($SPID)
if it_wait_line "$IT_TMP/synack_http.log" '^Serving HTTP' "$SPID" 20; then
    nsx curl -sS --max-time 30 -o "$IT_TMP/py.out" "http://$SYNACK_IP:8080/big.bin"
    check "http.server under synack: Linux curl exit 0" test $? = 0
    check "http.server under synack: 6 MiB byte-exact" it_same "$IT_TMP/py.out" "$www/big.bin"
    n=0
    for i in $(seq 1 20); do
        nsx curl -sS --max-time 10 -o "$IT_TMP/small.out" "http://$SYNACK_IP:8080/" && n=$((n + 1))
    done
    check "http.server under synack: 20 more requests answered ($n)" test $n = 20
else
    bad "http.server under synack did not start: $(tail -3 "$IT_TMP/synack_http.log")"
fi
it_stop "$SPID" 5

# native IPv6 (synack run --addr6): curl -6 under synack fetches from
# Linux's http.server on an IPv6 address; python's http.server under
# synack, bound to synack's IPv6 address, serves Linux's curl -6; bind()
# to an address synack does not have is EADDRNOTAVAIL in the program
LINUX_IP6=2001:db8:12::1
SYNACK_IP6=2001:db8:12::2
nsx ip -6 addr add "$LINUX_IP6/64" dev "$DEV" nodad
RUN6=("${NSX[@]}" timeout 60 "$SYNACK" run --tap "$DEV" --addr "$SYNACK_IP/24" --addr6 "$SYNACK_IP6/64" --)
SRUN6=("${NSX[@]}" "$SYNACK" run --tap "$DEV" --addr "$SYNACK_IP/24" --addr6 "$SYNACK_IP6/64" --)
(cd "$www" && exec "${NSX[@]}" "$PY" -m http.server 8003 --bind "$LINUX_IP6") \
    >"$IT_TMP/linux_http6.log" 2>&1 &
IT_PIDS+=($!)
if it_wait_listen 8003; then
    "${RUN6[@]}" curl -6 -g -sS --max-time 30 -o "$IT_TMP/curl6.out" "http://[$LINUX_IP6]:8003/big.bin"
    check "curl -6 under synack: exit 0" test $? = 0
    check "curl -6 under synack: 6 MiB byte-exact over IPv6" it_same "$IT_TMP/curl6.out" "$www/big.bin"
fi
(cd "$www" && exec "${SRUN6[@]}" "$PY" -u -m http.server 8083 --bind "$SYNACK_IP6") \
    >"$IT_TMP/synack_http6.log" 2>&1 &
SPID=$!
IT_PIDS+=($SPID)
if it_wait_line "$IT_TMP/synack_http6.log" '^Serving HTTP' "$SPID" 20; then
    nsx curl -6 -g -sS --max-time 30 -o "$IT_TMP/py6.out" "http://[$SYNACK_IP6]:8083/big.bin"
    check "http.server under synack on $SYNACK_IP6: Linux curl -6 exit 0" test $? = 0
    check "http.server under synack on IPv6: 6 MiB byte-exact" it_same "$IT_TMP/py6.out" "$www/big.bin"
    # bound to the IPv6 address only: synack's IPv4 address answers RST
    nsx curl -sS --max-time 10 -o /dev/null "http://$SYNACK_IP:8083/" 2>/dev/null
    rc=$?
    check "http.server bound to $SYNACK_IP6: a connect to $SYNACK_IP:8083 refused (curl exit $rc)" \
        test $rc = 7
else
    bad "http.server under synack on IPv6 did not start: $(tail -3 "$IT_TMP/synack_http6.log")"
fi
it_stop "$SPID" 5
out=$("${RUN6[@]}" "$PY" -c '
import errno, socket
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
try:
    s.bind(("192.0.2.99", 0)); print("bound")
except OSError as e:
    print(errno.errorcode.get(e.errno, e.errno))
' 2>&1)
check "bind to an address synack does not have: EADDRNOTAVAIL ($out)" test "$out" = EADDRNOTAVAIL

# socat echo on Linux; nc and socat under synack send 1 MiB and read it back
"${NSX[@]}" socat "TCP-LISTEN:9000,bind=$LINUX_IP,reuseaddr,fork" EXEC:cat \
    >"$IT_TMP/echo.log" 2>&1 &
IT_PIDS+=($!)
it_wait_listen 9000 || { it_finish; exit 1; }
"${RUN[@]}" nc -N "$LINUX_IP" 9000 <"$IT_TMP/up.bin" >"$IT_TMP/nc.out"
check "OpenBSD nc under synack: exit 0" test $? = 0
check "OpenBSD nc under synack: 1 MiB echoed byte-exact" it_same "$IT_TMP/nc.out" "$IT_TMP/up.bin"
"${RUN[@]}" socat -t 10 - "TCP:$LINUX_IP:9000" <"$IT_TMP/up.bin" >"$IT_TMP/socat.out"
check "socat under synack: exit 0" test $? = 0
check "socat under synack: 1 MiB echoed byte-exact" it_same "$IT_TMP/socat.out" "$IT_TMP/up.bin"

# offloads (synack run's default): socat under synack sends 6 MiB to a Linux
# sink; the TAP's Linux side took them in super-segments (its rx counters
# count one per write: more than a 1514-byte frame on average), and with
# --offload off in frames of at most one MTU
tap_rx() { # tap_rx: "packets bytes" Linux's side of the TAP received so far
    echo "$(nsx cat "/sys/class/net/$DEV/statistics/rx_packets")" \
        "$(nsx cat "/sys/class/net/$DEV/statistics/rx_bytes")"
}
upload() { # upload MODE: 6 MiB from socat under synack run --offload MODE
    "${NSX[@]}" timeout 60 socat -u "TCP-LISTEN:9100,bind=$LINUX_IP,reuseaddr" \
        "OPEN:$IT_TMP/sink.$1,creat,trunc" &
    local srv=$!
    IT_PIDS+=($srv)
    it_wait_listen 9100 || return 1
    local before after rc
    before=$(tap_rx)
    "${NSX[@]}" timeout 60 "$SYNACK" run --tap "$DEV" --addr "$SYNACK_IP/24" --offload "$1" -- \
        socat -u - "TCP:$LINUX_IP:9100" <"$www/big.bin"
    rc=$?
    [ $rc = 0 ] || { it_log "upload $1: socat under synack exit $rc"; return 1; }
    wait "$srv"
    rc=$?
    [ $rc = 0 ] || { it_log "upload $1: the Linux sink exit $rc"; return 1; }
    after=$(tap_rx)
    UP_AVG=$(echo "$before $after" | awk '{ n = $3 - $1; print (n > 0 ? int(($4 - $2) / n) : 0) }')
}
upload on
check "socat under synack run --offload on: 6 MiB sent byte-exact" it_same "$IT_TMP/sink.on" "$www/big.bin"
check "--offload on: super-segments on the TAP (${UP_AVG:-none} bytes per write on average)" \
    test "${UP_AVG:-0}" -gt 1514
upload off
check "socat under synack run --offload off: 6 MiB sent byte-exact" it_same "$IT_TMP/sink.off" "$www/big.bin"
check "--offload off: at most one MTU per frame (${UP_AVG:-none} bytes per write on average)" \
    test "${UP_AVG:-9999}" -le 1514 -a "${UP_AVG:-0}" -gt 0

# a python asyncio client under synack (non-blocking connect, epoll)
cat >"$IT_TMP/aclient.py" <<PYEOF
import asyncio, hashlib, sys
async def main():
    r, w = await asyncio.open_connection("$LINUX_IP", 9000)
    data = open(sys.argv[1], "rb").read()
    w.write(data)
    await w.drain()
    w.write_eof()
    got = await r.read()
    w.close()
    print("same" if got == data else "differ %d %d" % (len(got), len(data)))
asyncio.run(main())
PYEOF
out=$("${RUN[@]}" "$PY" "$IT_TMP/aclient.py" "$IT_TMP/up.bin" 2>&1)
check "python asyncio client under synack: 1 MiB echoed ($out)" test "$out" = same

# fork(): the child cannot use the parent's synack socket (EBADF and one
# line on stderr), the parent goes on using it
cat >"$IT_TMP/fork.py" <<PYEOF
import os, socket
s = socket.create_connection(("$LINUX_IP", 9000))
pid = os.fork()
if pid == 0:
    try:
        s.send(b"x")
        print("child sent", flush=True)
    except OSError as e:
        print("child errno", e.errno, flush=True)
    os._exit(0)
os.waitpid(pid, 0)
s.sendall(b"hello")
s.shutdown(socket.SHUT_WR)
got = b""
while True:
    b = s.recv(100)
    if not b:
        break
    got += b
print("parent", got.decode(), flush=True)
PYEOF
out=$("${RUN[@]}" "$PY" "$IT_TMP/fork.py" 2>"$IT_TMP/fork.err")
check "fork: the child gets EBADF ($(echo $out))" sh -c "echo '$out' | grep -qx 'child errno 9'"
check "fork: the parent's connection still works" sh -c "echo '$out' | grep -qx 'parent hello'"
check "fork: one line on stderr says why ($(head -1 "$IT_TMP/fork.err"))" \
    grep -q 'after fork()' "$IT_TMP/fork.err"

# UDP: a python client under synack, 100 datagrams of 1 to 1400 bytes
# to a Linux echo, each answered byte-exact (sendto/recvfrom, a timeout
# through poll)
cat >"$IT_TMP/uecho.py" <<PYEOF
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("$LINUX_IP", 9001))
print("ready", flush=True)
for _ in range(100):
    d, a = s.recvfrom(2048)
    s.sendto(d, a)
PYEOF
cat >"$IT_TMP/uclient.py" <<PYEOF
import os, socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(5)
ok = 0
for i in range(100):
    d = os.urandom(1 + (i * 14) % 1400)
    s.sendto(d, ("$LINUX_IP", 9001))
    got, a = s.recvfrom(2048)
    ok += got == d and a == ("$LINUX_IP", 9001)
print(ok)
PYEOF
"${NSX[@]}" "$PY" -u "$IT_TMP/uecho.py" >"$IT_TMP/uecho.log" 2>&1 &
UPID=$!
IT_PIDS+=($UPID)
if it_wait_line "$IT_TMP/uecho.log" '^ready' "$UPID" 10; then
    out=$("${RUN[@]}" "$PY" "$IT_TMP/uclient.py" 2>&1)
    check "UDP under synack: 100 datagrams echoed byte-exact ($out)" test "$out" = 100
else
    bad "the Linux UDP echo did not start"
fi

# nginx (event-driven: epoll edge-triggered, accept4, writev, sendfile)
# under synack, one process (master_process off), serving 10,000 requests
# from Linux's ab with no failure; the same nginx on the kernel beside it
# for the requests-per-second comparison (logged, not judged)
nginx_conf() { # nginx_conf FILE LISTEN
    cat >"$1" <<NGEOF
master_process off;
daemon off;
worker_processes 1;
error_log $IT_TMP/nginx-$2.err info;
pid $IT_TMP/nginx-$2.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $IT_TMP/ngx-body; proxy_temp_path $IT_TMP/ngx-proxy;
  fastcgi_temp_path $IT_TMP/ngx-fcgi; uwsgi_temp_path $IT_TMP/ngx-uwsgi;
  scgi_temp_path $IT_TMP/ngx-scgi;
  server { listen $2; root $www; }
}
NGEOF
}
ab_run() { # ab_run URL: "complete failed rps"
    nsx timeout 120 ab -n 10000 -c 10 "$1" 2>&1 |
        awk '/^Complete requests/ {c=$3} /^Failed requests/ {f=$3} /^Requests per second/ {r=$4}
             END {print c+0, f+0, r+0}'
}
if command -v nginx >/dev/null && command -v ab >/dev/null; then
    printf 'hello from nginx\n' >"$www/index.html"
    nginx_conf "$IT_TMP/nginx-synack.conf" "$SYNACK_IP:8081"
    "${SRUN[@]}" nginx -c "$IT_TMP/nginx-synack.conf" >"$IT_TMP/nginx-synack.log" 2>&1 &
    NPID=$!
    IT_PIDS+=($NPID)
    up=0
    for i in $(seq 1 100); do # bounded: 100 tries of at most 1 s
        nsx curl -s --max-time 1 -o /dev/null "http://$SYNACK_IP:8081/" && { up=1; break; }
        kill -0 "$NPID" 2>/dev/null || break
        sleep 0.1
    done
    check "nginx under synack answers" test $up = 1
    nsx curl -sS --max-time 30 -o "$IT_TMP/ngx.out" "http://$SYNACK_IP:8081/big.bin"
    check "nginx under synack: 6 MiB byte-exact (sendfile)" it_same "$IT_TMP/ngx.out" "$www/big.bin"
    read -r c f rps <<<"$(ab_run "http://$SYNACK_IP:8081/index.html")"
    check "nginx under synack: ab 10000 requests, $c complete, $f failed" \
        sh -c "test '$c' = 10000 && test '$f' = 0"
    it_stop "$NPID" 5
    nginx_conf "$IT_TMP/nginx-kernel.conf" "$LINUX_IP:8082"
    "${NSX[@]}" nginx -c "$IT_TMP/nginx-kernel.conf" >"$IT_TMP/nginx-kernel.log" 2>&1 &
    KPID=$!
    IT_PIDS+=($KPID)
    if it_wait_listen 8082; then
        read -r kc kf krps <<<"$(ab_run "http://$LINUX_IP:8082/index.html")"
        it_log "nginx, ab -n 10000 -c 10: synack (LD_PRELOAD, TAP) $rps req/s; kernel (loopback) $krps req/s ($kc complete, $kf failed)"
    fi
    it_stop "$KPID" 5
elif [ "${SYNACK_REQUIRE_ALL:-0}" = 1 ]; then
    check "nginx and ab installed (scripts/deps.sh test: nginx-light, apache2-utils)" false
else
    it_log "nginx or ab not installed: nginx part skipped"
fi

# synack run's usage errors: exit 2 and a line naming the problem
out=$("$SYNACK" run --tap "$DEV" --addr 192.0.2.2 -- true 2>&1)
check "run: --addr without a prefix is refused ($out)" \
    sh -c "test $? = 2 && echo '$out' | grep -q 'want an IPv4 address with its prefix'"
out=$("$SYNACK" run --tap "$DEV" --addr 192.0.2.2/24 --addr6 2001:db8::2 -- true 2>&1)
check "run: --addr6 without a prefix is refused ($out)" \
    sh -c "test $? = 2 && echo '$out' | grep -q 'want an IPv6 address with its prefix'"
out=$("$SYNACK" run --tap "$DEV" --addr 192.0.2.2/24 2>&1)
check "run: no program is refused" sh -c "test $? = 2 && echo '$out' | grep -q 'no program'"
out=$("$SYNACK" run --tap "$DEV" --addr 192.0.2.2/24 --offload maybe -- true 2>&1)
check "run: --offload maybe is refused ($out)" sh -c "test $? = 2 && echo '$out' | grep -q 'want on or off'"
out=$("${NSX[@]}" env SYNACK_TAP="$DEV" SYNACK_ADDR="$SYNACK_IP/24" SYNACK_OFFLOAD=maybe \
    LD_PRELOAD="$LIB" "$PY" -c 'import socket; socket.create_connection(("'"$LINUX_IP"'", 9000))' 2>&1)
check "SYNACK_OFFLOAD=maybe: the library says why it has no stack" \
    sh -c "echo '$out' | grep -q 'SYNACK_OFFLOAD must be on or off'"
out=$("${NSX[@]}" env SYNACK_TAP="$DEV" SYNACK_ADDR="$SYNACK_IP/24" SYNACK_LINGER_S=soon \
    LD_PRELOAD="$LIB" "$PY" -c 'import socket; socket.create_connection(("'"$LINUX_IP"'", 9000))' 2>&1)
check "SYNACK_LINGER_S=soon: the library says why it has no stack" \
    sh -c "echo '$out' | grep -q 'SYNACK_LINGER_S must be whole seconds'"

it_finish
