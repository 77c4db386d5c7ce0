#!/usr/bin/env bash
# synack plot on Linux's own traffic: two namespaces joined by a veth pair,
# Python's http.server in one (192.0.2.1, 2001:db8::1), curl in the other
# (192.0.2.2, 2001:db8::2), tcpdump on the client's end. An nftables rule in
# the client's prerouting hook drops every 50th data segment from the
# server (after tcpdump saw it), so Linux retransmits. Then, from the
# capture alone:
# - --list shows the two connections (IPv4 and IPv6) and the marker's;
# - for each: as many segment bars as tshark counts data segments from the
#   server, as many retransmission marks as tshark flags retransmissions
#   or out-of-order segments (and some), the ACK line through every ACK
#   from the client; flight and RTT plots;
# - the same capture as pcapng (editcap) gives the same plots.
# Nothing leaves the two namespaces this test creates; every wait is
# bounded; cleanup kills only the processes it started, by PID.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=${SYNACK_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
bin_dir=${SYNACK_BINARY_DIR:-$src/build/dev}
synack=$bin_dir/tools/synack
. "$src/tests/support/sk_shell.sh" || exit 1
[ "$(id -u)" -eq 0 ] || sk_skip plot_linux "needs root (network namespaces)"
for t in ip nft tcpdump tshark editcap curl python3 ethtool; do
    command -v "$t" >/dev/null 2>&1 || sk_skip plot_linux "$t not installed (run scripts/deps.sh test)"
done

NS_S=skplot-s-$$
NS_C=skplot-c-$$
PIDS=()
tmp=$(mktemp -d /tmp/skit-plot.XXXXXX) || exit 1
cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${PIDS[@]}"; do
        for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.2; done
        kill -9 "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    ip netns del "$NS_S" 2>/dev/null
    ip netns del "$NS_C" 2>/dev/null
    if [ "${SK_KEEP:-0}" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
finish() {
    echo "$passed passed, $failed failed"
    [ $failed -eq 0 ]
    exit
}

# wait_for FILE PATTERN PID: a line of FILE matches while PID lives (10 s)
wait_for() {
    for _ in $(seq 1 200); do
        grep -Eq "$2" "$1" 2>/dev/null && return 0
        kill -0 "$3" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}
wait_listen() { # wait_listen PORT: a socket listens in the server namespace
    for _ in $(seq 1 200); do
        ip netns exec "$NS_S" ss -Htln "sport = :$1" | grep -q . && return 0
        sleep 0.05
    done
    return 1
}

ip netns add "$NS_S" && ip netns add "$NS_C" || sk_skip plot_linux "cannot create network namespaces"
ip -n "$NS_S" link add s0 type veth peer name c0 netns "$NS_C" || sk_skip plot_linux "cannot create a veth pair"
for ns in "$NS_S" "$NS_C"; do ip -n "$ns" link set lo up; done
ip -n "$NS_S" addr add 192.0.2.1/24 dev s0
ip -n "$NS_S" addr add 2001:db8::1/64 dev s0 nodad
ip -n "$NS_C" addr add 192.0.2.2/24 dev c0
ip -n "$NS_C" addr add 2001:db8::2/64 dev c0 nodad
ip -n "$NS_S" link set s0 up
ip -n "$NS_C" link set c0 up
# MSS-sized segments on the wire, as the capture shows them
ip netns exec "$NS_S" ethtool -K s0 tso off gso off gro off >/dev/null 2>&1
ip netns exec "$NS_C" ethtool -K c0 tso off gso off gro off >/dev/null 2>&1
ip netns exec "$NS_C" nft -f - <<'EOF' || sk_skip plot_linux "nftables cannot load the drop rule"
table inet skplot {
    chain pre {
        type filter hook prerouting priority 0; policy accept;
        tcp sport { 8000, 8001 } meta length > 200 numgen inc mod 50 == 7 drop
    }
}
EOF

mkdir -p "$tmp/www"
head -c 1500000 /dev/urandom >"$tmp/www/v4.bin"
head -c 600000 /dev/urandom >"$tmp/www/v6.bin"
for spec in "8000 192.0.2.1" "8001 2001:db8::1"; do
    set -- $spec
    ip netns exec "$NS_S" python3 -m http.server "$1" --bind "$2" --directory "$tmp/www" \
        >"$tmp/http$1.log" 2>&1 &
    PIDS+=($!)
    wait_listen "$1" || { bad "http.server on port $1 did not start: $(cat "$tmp/http$1.log")"; finish; }
done
ip netns exec "$NS_C" tcpdump -i c0 -U -s 256 -w "$tmp/linux.pcap" tcp >/dev/null 2>"$tmp/tcpdump.log" &
tcpdump_pid=$!
PIDS+=("$tcpdump_pid")
wait_for "$tmp/tcpdump.log" 'listening on' "$tcpdump_pid" || { bad "tcpdump did not start: $(cat "$tmp/tcpdump.log")"; finish; }

ip netns exec "$NS_C" curl -sS --max-time 60 -o "$tmp/got4" http://192.0.2.1:8000/v4.bin &&
    cmp -s "$tmp/got4" "$tmp/www/v4.bin" && ok "curl over IPv4" || bad "curl over IPv4"
ip netns exec "$NS_C" curl -sS --max-time 60 -o "$tmp/got6" "http://[2001:db8::1]:8001/v6.bin" &&
    cmp -s "$tmp/got6" "$tmp/www/v6.bin" && ok "curl over IPv6" || bad "curl over IPv6"
# a marker after both transfers: a SYN to a closed port (answered by RST);
# tcpdump writes in order, so once the marker is in the file, so is
# everything before it. Then stop tcpdump.
ip netns exec "$NS_C" curl -sS --max-time 5 http://192.0.2.1:9/ >/dev/null 2>&1
for _ in $(seq 1 200); do
    tcpdump -r "$tmp/linux.pcap" -c 1 'tcp port 9' 2>/dev/null | grep -q . && break
    sleep 0.05
done
tcpdump -r "$tmp/linux.pcap" -c 1 'tcp port 9' 2>/dev/null | grep -q . && ok "tcpdump wrote every packet" ||
    bad "the marker never reached the capture"
kill -TERM "$tcpdump_pid"
for _ in $(seq 1 100); do kill -0 "$tcpdump_pid" 2>/dev/null || break; sleep 0.05; done
wait "$tcpdump_pid" 2>/dev/null

out=$("$synack" plot "$tmp/linux.pcap" --list)
[ "$(echo "$out" | grep -c .)" = 3 ] && echo "$out" | grep -q '192.0.2.2:[0-9]* <-> 192.0.2.1:8000' &&
    echo "$out" | grep -q '\[2001:db8::2\]:[0-9]* <-> \[2001:db8::1\]:8001' && ok "--list: both connections" ||
    bad "--list: $out"

count() { sk_tshark -r "$tmp/linux.pcap" -Y "$1" -T fields -e frame.number | grep -c .; }
for port in 8000 8001; do
    dir=$tmp/plot$port
    if ! "$synack" plot "$tmp/linux.pcap" --port "$port" -o "$dir" >"$tmp/plot.out" 2>&1; then
        bad "synack plot --port $port: $(cat "$tmp/plot.out")"
        continue
    fi
    data=$(count "tcp.srcport == $port && tcp.len > 0")
    # a range sent before: tshark calls one that fills a gap quickly
    # "out-of-order", the others retransmissions
    rexmit=$(count "tcp.srcport == $port && tcp.len > 0 && (tcp.analysis.retransmission ||
        tcp.analysis.fast_retransmission || tcp.analysis.spurious_retransmission || tcp.analysis.out_of_order)")
    acks=$(count "tcp.dstport == $port && tcp.flags.ack == 1")
    echo "     port $port: tshark: $data data segments, $rexmit retransmissions, $acks ACKs"
    [ "$rexmit" -gt 0 ] && ok "port $port: Linux retransmitted" || bad "port $port: no retransmission to plot"
    if out=$(python3 "$src/tests/tools/plot_check.py" svg "$dir/tseq.svg" --bars "$data" --rexmit "$rexmit" \
        --acks "$acks" --lines win); then
        ok "port $port: tseq.svg has tshark's segments, retransmissions and ACKs"
    else
        bad "port $port: $out"
    fi
    python3 "$src/tests/tools/plot_check.py" svg "$dir/cwnd.svg" --lines flight --title inferred &&
        python3 "$src/tests/tools/plot_check.py" svg "$dir/rtt.svg" --lines srtt rto && ok "port $port: flight and RTT plots" ||
        bad "port $port: flight or RTT plot"
done

mkdir -p "$tmp/ng" && cp "$tmp/linux.pcap" "$tmp/ng/cap.pcap" && editcap -F pcapng "$tmp/linux.pcap" "$tmp/ng/cap" &&
    cp "$tmp/linux.pcap" "$tmp/cap" || bad "editcap -F pcapng"
"$synack" plot "$tmp/cap" --port 8001 -o "$tmp/a" >/dev/null && "$synack" plot "$tmp/ng/cap" --port 8001 -o "$tmp/b" \
    >/dev/null && cmp -s "$tmp/a/tseq.svg" "$tmp/b/tseq.svg" && cmp -s "$tmp/a/rtt.svg" "$tmp/b/rtt.svg" &&
    ok "pcapng from editcap: the same plots" || bad "pcapng from editcap: other plots"
finish
