#!/usr/bin/env bash
# synack's SVG plots (tools/tool_plot*.c), checked structurally with
# tests/tools/plot_check.py (xml.etree):
# - demo --plot on a lossy run: as many segment bars as the client sent data
#   segments, as many retransmission marks as the stack traced
#   retransmissions of data, as many lost marks as the narration says were
#   lost, the ACK line through every ACK the client received, one dot per
#   RTT sample the client's stack traced, cwnd/ssthresh/flight lines; the
#   same run gives the same bytes (with --html written too, or not);
# - synack plot on that run's pcap agrees (the capture holds every segment
#   sent, lost ones too): bars and retransmissions inferred from the capture
#   alone equal the stack's own counts; the same capture as big-endian pcap,
#   nanosecond pcap, Ethernet (802.1Q tags), Linux cooked SLL and SLL2, raw
#   IPv6, a two-interface pcapng (two capture points, one in ns: the first
#   drawn by default, --iface 1 the other) and a big-endian
#   pcapng (if_tsoffset, obsolete Packet Blocks) give the same plots;
#   tshark's pcapng conversion too;
# - --list, --conn, --port; 5000 interleaved connections (4096 kept); bad input (no file, empty, wrong magic, cut
#   short, garbage blocks) is one line on stderr and exit 1, bad options
#   exit 2.
# Needs python3 (and tshark's editcap for one case): exit 77 without (1 in CI).
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=${SYNACK_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
bin_dir=${SYNACK_BINARY_DIR:-$src/build/dev}
synack=$bin_dir/tools/synack
. "$src/tests/support/sk_shell.sh" || exit 1
command -v python3 >/dev/null 2>&1 || sk_skip plot "python3 not installed"

tmp=$(mktemp -d /tmp/sk_plot.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
check() { # check DESCRIPTION SVG ARGS...: plot_check.py svg
    local what=$1 out
    shift
    if out=$(python3 "$here/plot_check.py" svg "$@" 2>&1); then ok; else bad "$what: $out"; fi
}

# ---- demo --plot on a lossy run with SACK ----
run=(demo --bytes 30000 --loss 0.05 --seed 3 --sack)
"$synack" "${run[@]}" --trace "$tmp/trace.txt" --pcap "$tmp/demo.pcap" --plot "$tmp/p1" >"$tmp/narr.txt" ||
    bad "demo --plot failed"
"$synack" "${run[@]}" --quiet --plot "$tmp/p2" --html "$tmp/p2.html" >/dev/null || bad "second demo --plot failed"
for f in tseq cwnd rtt; do
    cmp -s "$tmp/p1/$f.svg" "$tmp/p2/$f.svg" && ok || bad "$f.svg differs between two runs (one with --html)"
done
# what the client's stack traced: data segments sent (out and RTX), data
# retransmissions, segments received with ACK, RTT samples
data=$(grep -cE '^client .* (out|RTX) .*len=[1-9]' "$tmp/trace.txt")
rexmit=$(grep -cE '^client .* RTX .*len=[1-9]' "$tmp/trace.txt")
acks=$(grep -E '^client .* in .*\[[^]]*\.\]' "$tmp/trace.txt" | grep -c .)
rtts=$(grep -cE '^client .* rtt ' "$tmp/trace.txt")
lost=$(grep -E 'client → server .*len=[1-9].*✗' "$tmp/narr.txt" | grep -c .)
[ "$rexmit" -gt 0 ] && [ "$lost" -gt 0 ] && [ "$rtts" -gt 0 ] && ok ||
    bad "the lossy run should lose, retransmit and sample (rexmit=$rexmit lost=$lost rtt=$rtts)"
check "demo tseq" "$tmp/p1/tseq.svg" --bars "$data" --rexmit "$rexmit" --lost "$lost" --acks "$acks" \
    --lines win --title "time-sequence"
check "demo cwnd" "$tmp/p1/cwnd.svg" --lines cwnd ssthresh flight --title "cwnd"
check "demo rtt" "$tmp/p1/rtt.svg" --rtt "$rtts" --lines srtt --title "RTT"

# ---- synack plot on the demo's capture, in every format ----
mkdir -p "$tmp/raw" && cp "$tmp/demo.pcap" "$tmp/raw/cap"
"$synack" plot "$tmp/raw/cap" -o "$tmp/c-raw" >/dev/null || bad "synack plot on the demo's pcap failed"
check "capture tseq" "$tmp/c-raw/tseq.svg" --bars "$data" --rexmit "$rexmit" --lost 0 --title "time-sequence"
check "capture flight" "$tmp/c-raw/cwnd.svg" --lines flight --title "inferred"
check "capture rtt" "$tmp/c-raw/rtt.svg" --lines srtt rto --title "Karn"
for kind in swapped ns ether sll sll2 ip6 ng2if ngbe; do
    mkdir -p "$tmp/$kind"
    python3 "$here/plot_check.py" convert "$tmp/demo.pcap" "$tmp/$kind/cap" "$kind" || { bad "convert $kind"; continue; }
    if ! "$synack" plot "$tmp/$kind/cap" -o "$tmp/c-$kind" >/dev/null; then
        bad "synack plot on the $kind capture failed"
        continue
    fi
    # the same plots, but for the addresses in the subtitle (IPv6) and the
    # capture point drawn (two interfaces saw the connection)
    for f in tseq cwnd rtt; do
        if [ "$kind" = ng2if ]; then
            sed 's/, interface 0)/)/' "$tmp/c-$kind/$f.svg" | cmp -s "$tmp/c-raw/$f.svg" - && ok ||
                bad "$kind: $f.svg differs"
        elif [ "$kind" = ip6 ]; then
            sed -e 's/10\.0\.0\.1:40000/[2001:db8::1]:40000/; s/10\.0\.0\.2:5050/[2001:db8::2]:5050/' \
                "$tmp/c-raw/$f.svg" >"$tmp/c-raw/$f.v6"
            cmp -s "$tmp/c-raw/$f.v6" "$tmp/c-$kind/$f.svg" && ok || bad "$kind: $f.svg differs"
        else
            cmp -s "$tmp/c-raw/$f.svg" "$tmp/c-$kind/$f.svg" && ok || bad "$kind: $f.svg differs"
        fi
    done
done
# two capture points: the first by default, the other on request (5 ms
# later throughout: the same plots); an interface that did not see it fails
"$synack" plot "$tmp/ng2if/cap" --iface 1 -o "$tmp/c-if1" >/dev/null &&
    sed 's/, interface 1)/)/' "$tmp/c-if1/tseq.svg" | cmp -s "$tmp/c-raw/tseq.svg" - && ok ||
    bad "--iface 1 should draw the second capture point"
grep -q 'connection 1, interface 0)' "$tmp/c-ng2if/tseq.svg" && ok || bad "the subtitle should name interface 0"
if command -v editcap >/dev/null 2>&1; then
    mkdir -p "$tmp/ws" && editcap -F pcapng "$tmp/demo.pcap" "$tmp/ws/cap" && ok || bad "editcap -F pcapng"
    "$synack" plot "$tmp/ws/cap" -o "$tmp/c-ws" >/dev/null && cmp -s "$tmp/c-raw/tseq.svg" "$tmp/c-ws/tseq.svg" &&
        ok || bad "editcap's pcapng gives other plots"
elif sk_require_all; then
    bad "editcap not installed"
fi

# ---- choosing a connection ----
out=$("$synack" plot "$tmp/raw/cap" --list) && [ "$(echo "$out" | grep -c .)" = 1 ] &&
    echo "$out" | grep -q '10.0.0.1:40000 <-> 10.0.0.2:5050' && ok || bad "--list: $out"
"$synack" plot "$tmp/raw/cap" --conn 1 -o "$tmp/c-conn" >/dev/null && cmp -s "$tmp/c-raw/tseq.svg" \
    "$tmp/c-conn/tseq.svg" && ok || bad "--conn 1 should be the same connection"
"$synack" plot "$tmp/raw/cap" --port 5050 -o "$tmp/c-port" >/dev/null && ok || bad "--port 5050"

# many connections, interleaved, both directions: each packet finds its
# own; beyond 4096 connections new ones are skipped
python3 - "$tmp/many" <<'EOF'
import struct, sys
def seg(src, dst, sport, dport, seq, flags, payload=b''):
    tcp = struct.pack('!HHIIBBHHH', sport, dport, seq, 0, 5 << 4, flags, 65535, 0, 0) + payload
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), 0, 0, 64, 6, 0, src, dst)
    return ip + tcp
a, b = bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])
out = [struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101)]
t = 0
for rnd in range(3):
    for port in range(1000, 6000):
        fr = seg(a, b, port, 80, 1000 + rnd, 0x02) if rnd < 2 else seg(b, a, 80, port, 7, 0x12)
        if port == 1500 and rnd == 1:
            fr = seg(a, b, port, 80, 1001, 0x18, b'x' * 100)
        out.append(struct.pack('<IIII', 1, t, len(fr), len(fr)) + fr)
        t += 1
open(sys.argv[1], 'wb').write(b''.join(out))
EOF
out=$("$synack" plot "$tmp/many" --list)
[ "$(echo "$out" | grep -c .)" = 4096 ] && echo "$out" | grep -q '^ *501  192.0.2.1:1500 <-> 192.0.2.2:80  packets 3  bytes 100 / 0$' &&
    ok || bad "4096 connections of 5000, each with its 3 packets: $(echo "$out" | sed -n '501p;4096p')"
"$synack" plot "$tmp/many" -o "$tmp/c-many" >"$tmp/many.out" && grep -q '192.0.2.1:1500 -> 192.0.2.2:80 (3 segments)' \
    "$tmp/many.out" && ok || bad "the largest of many connections: $(cat "$tmp/many.out")"

# ---- bad input: one line on stderr, exit 1 (2 for bad options) ----
expect_fail() { # expect_fail STATUS DESCRIPTION ARGS...
    local want=$1 what=$2 rc lines
    shift 2
    "$synack" plot "$@" -o "$tmp/never" >/dev/null 2>"$tmp/err"
    rc=$?
    lines=$(grep -c . "$tmp/err")
    if [ $rc -eq "$want" ] && [ "$lines" = 1 ] && grep -q '^synack plot: ' "$tmp/err"; then
        ok
    else
        bad "$what: exit $rc (want $want), stderr: $(cat "$tmp/err")"
    fi
}
head -c 30 "$tmp/demo.pcap" >"$tmp/trunc-rec"
head -c 100 "$tmp/demo.pcap" >"$tmp/trunc-data"
head -c 20 "$tmp/demo.pcap" >"$tmp/trunc-hdr"
: >"$tmp/empty"
printf 'GIF89a this is not a capture' >"$tmp/magic"
python3 - "$tmp" <<'EOF'
import struct, sys
d = sys.argv[1]
shb = struct.pack('<IIIHHq', 0x0a0d0d0a, 28, 0x1a2b3c4d, 1, 0, -1) + struct.pack('<I', 28)
idb = struct.pack('<IIHHI', 1, 20, 1, 0, 65535) + struct.pack('<I', 20)
open(d + '/ng-len', 'wb').write(shb + struct.pack('<II', 6, 13) + b'x' * 5)            # length not a multiple of 4
open(d + '/ng-trail', 'wb').write(shb + idb + struct.pack('<III', 6, 12, 16))          # trailing length differs
open(d + '/ng-big', 'wb').write(shb + idb + struct.pack('<II', 6, 1 << 30) + bytes(8))  # longer than the file
epb = struct.pack('<IIIIII', 6, 48, 3, 0, 0, 4) + struct.pack('<I', 4) + b'abcd' + struct.pack('<II', 0, 48)
open(d + '/ng-iface', 'wb').write(shb + idb + epb[:-8] + struct.pack('<I', 48))       # interface 3 undeclared
bom = struct.pack('<IIIHHq', 0x0a0d0d0a, 28, 0x11223344, 1, 0, -1) + struct.pack('<I', 28)
open(d + '/ng-bom', 'wb').write(bom)                                                   # byte-order magic wrong
hdr = struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101)
open(d + '/pcap-huge', 'wb').write(hdr + struct.pack('<IIII', 0, 0, 1 << 30, 1 << 30))  # record too large
open(d + '/pcap-frac', 'wb').write(hdr + struct.pack('<IIII', 0, 2000000, 0, 0))      # usec >= 1 s
EOF
expect_fail 1 "no such file" "$tmp/does-not-exist"
expect_fail 1 "empty file" "$tmp/empty"
expect_fail 1 "wrong magic" "$tmp/magic"
expect_fail 1 "header cut short" "$tmp/trunc-hdr"
expect_fail 1 "record header cut short" "$tmp/trunc-rec"
expect_fail 1 "record data cut short" "$tmp/trunc-data"
for f in ng-len ng-trail ng-big ng-iface ng-bom pcap-huge pcap-frac; do
    expect_fail 1 "$f" "$tmp/$f"
done
python3 - "$tmp/notcp" <<'EOF'
import struct, sys
hdr = struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101)
udp = bytes([0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 192, 0, 2, 1, 192, 0, 2, 2]) + bytes(8)
open(sys.argv[1], 'wb').write(hdr + struct.pack('<IIII', 1, 0, len(udp), len(udp)) + udp)
EOF
expect_fail 1 "no TCP in the capture" "$tmp/notcp"
expect_fail 1 "--conn beyond the list" "$tmp/raw/cap" --conn 2
expect_fail 1 "--port of no connection" "$tmp/raw/cap" --port 9
expect_fail 2 "no capture named" --list
expect_fail 2 "unknown option" "$tmp/raw/cap" --bogus
expect_fail 2 "--conn 0" "$tmp/raw/cap" --conn 0
expect_fail 2 "--port 70000" "$tmp/raw/cap" --port 70000
expect_fail 2 "two captures" "$tmp/raw/cap" "$tmp/raw/cap"
expect_fail 1 "--iface that did not see it" "$tmp/ng2if/cap" --iface 2
expect_fail 2 "--iface 255" "$tmp/ng2if/cap" --iface 255
[ ! -e "$tmp/never" ] && ok || bad "a failed plot created its output directory"
# an output directory that cannot be made: one line, exit 1
"$synack" plot "$tmp/raw/cap" -o "$tmp/no/such/dir" >/dev/null 2>"$tmp/err"
[ $? -eq 1 ] && [ "$(grep -c . "$tmp/err")" = 1 ] && grep -q "^synack plot: cannot write" "$tmp/err" && ok ||
    bad "plot -o into a missing directory: $(cat "$tmp/err")"
"$synack" demo --quiet --plot "$tmp/no/such/dir" >/dev/null 2>"$tmp/err"
[ $? -eq 1 ] && [ "$(grep -c . "$tmp/err")" = 1 ] && grep -q "^synack demo: --plot: cannot write" "$tmp/err" && ok ||
    bad "demo --plot into a missing directory: $(cat "$tmp/err")"
"$synack" demo --plot "" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && [ "$(grep -c . "$tmp/err")" = 1 ] && ok || bad "demo --plot '': $(cat "$tmp/err")"

# every prefix of a pcapng cut anywhere is either read or refused in one line
for n in 1 7 12 27 28 40 64 100 150; do
    head -c "$n" "$tmp/ng2if/cap" >"$tmp/cut"
    "$synack" plot "$tmp/cut" -o "$tmp/cutout" >/dev/null 2>"$tmp/err"
    rc=$?
    { [ $rc -eq 0 ] || { [ $rc -eq 1 ] && [ "$(grep -c . "$tmp/err")" = 1 ]; }; } && ok ||
        bad "pcapng cut at $n bytes: exit $rc: $(cat "$tmp/err")"
done

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
