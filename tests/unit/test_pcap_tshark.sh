#!/usr/bin/env bash
# Wireshark reads our pcap files: tests/unit/test_pcap_file writes sample
# captures (hand-built frames with correct checksums) and tshark must decode
# every frame to the expected protocols and fields, with checksum validation
# on, no malformed packet and no expert warning. A deliberately corrupted
# copy must be flagged, proving the checks themselves can fail.
# Exit 77 (skipped) when tshark is missing, 1 in CI (CI=true or
# SYNACK_REQUIRE_ALL=1; tests/support/sk_shell.sh). A tshark error (an
# unknown field or filter on this version) is a failure, never empty output.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../support/sk_shell.sh" || exit 1
if ! command -v tshark >/dev/null 2>&1; then
    sk_skip pcap_tshark "tshark not installed (run scripts/deps.sh test)"
fi

bin_dir=${SYNACK_BINARY_DIR:-$here/../../build/dev}
writer=$bin_dir/tests/test_pcap_file
if [ ! -x "$writer" ]; then
    echo "sample writer not built: $writer"
    echo "0 passed, 1 failed"
    exit 1
fi

tmp=$(mktemp -d /tmp/sk_pcap_tshark.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }

# Field values differ in spelling across tshark versions: booleans print as
# 1/0 or True/False, checksum status as 1/0 or Good/Bad, flags in hex.
norm() {
    case "$1" in
        True | Good) echo 1 ;;
        False | Bad) echo 0 ;;
        0x*) echo $(($1)) ;;
        *) echo "$1" ;;
    esac
}

# Checksum validation is off by default in Wireshark; switch it on.
TS_OPTS=(-o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE)

# Every field checked below. Each capture is decoded once into FILE.tsv:
# one line per frame, one tab-separated column per field, repeated
# occurrences joined with commas.
FIELDS=(frame.protocols frame.len eth.src eth.dst eth.type
    ip.src ip.dst ip.proto ip.ttl ip.id ip.flags.df ip.checksum.status
    icmp.type icmp.code icmp.ident icmp.seq icmp.checksum.status
    arp.opcode arp.src.hw_mac arp.src.proto_ipv4 arp.dst.hw_mac arp.dst.proto_ipv4
    tcp.srcport tcp.dstport tcp.flags tcp.seq_raw tcp.hdr_len tcp.window_size_value
    tcp.option_kind tcp.options.mss_val tcp.options.wscale.shift
    tcp.options.timestamp.tsval tcp.options.timestamp.tsecr tcp.checksum.status)

decode() {
    local args=()
    for f in "${FIELDS[@]}"; do args+=(-e "$f"); done
    sk_tshark -r "$1" "${TS_OPTS[@]}" -T fields -E occurrence=a -E aggregator=, \
        "${args[@]}" >"$1.tsv" || { bad "$(basename "$1"): tshark cannot decode it"; : >"$1.tsv"; }
}

column_of() {
    local i
    for i in "${!FIELDS[@]}"; do
        if [ "${FIELDS[$i]}" = "$1" ]; then echo $((i + 1)); return; fi
    done
    echo 0
}

# expect FILE FRAME FIELD WANT: the field's value in that frame.
expect() {
    local file=$1 frame=$2 field=$3 want=$4 got col
    [ -f "$file.tsv" ] || decode "$file"
    col=$(column_of "$field")
    got=$(awk -F '\t' -v n="$frame" -v c="$col" 'NR == n { print $c }' "$file.tsv")
    got=$(norm "$got")
    if [ "$got" = "$want" ]; then ok; else bad "$(basename "$file") frame $frame $field: got '$got', want '$want'"; fi
}

expect_count() {
    local file=$1 want=$2 got out
    out=$(sk_tshark -r "$file" -T fields -e frame.number) || { bad "$(basename "$file"): tshark cannot read it"; return; }
    got=$(printf '%s' "$out" | grep -c .)
    if [ "$got" -eq "$want" ]; then ok; else bad "$(basename "$file"): $got frames, want $want"; fi
}

# No malformed packet and no expert info at warning or error level (bad
# checksums are errors once validation is on).
expect_clean() {
    local file=$1 hits
    hits=$(sk_tshark -r "$file" "${TS_OPTS[@]}" -Y '_ws.malformed || _ws.expert.severity >= warning' \
        -T fields -e frame.number) || { bad "$(basename "$file"): tshark failed on the clean check"; return; }
    hits=$(printf '%s' "$hits" | tr '\n' ' ')
    if [ -z "$hits" ]; then ok; else bad "$(basename "$file"): malformed or expert warning in frames: $hits"; fi
}

# The IPv4 + TCP SYN checked in both files (frame n of file f).
expect_tcp_syn() {
    local f=$1 n=$2
    expect "$f" "$n" ip.src 192.0.2.1
    expect "$f" "$n" ip.dst 192.0.2.2
    expect "$f" "$n" ip.ttl 64
    expect "$f" "$n" ip.id 7238
    expect "$f" "$n" ip.flags.df 1
    expect "$f" "$n" ip.checksum.status 1
    expect "$f" "$n" tcp.srcport 49152
    expect "$f" "$n" tcp.dstport 80
    expect "$f" "$n" tcp.flags 2
    expect "$f" "$n" tcp.seq_raw 305419896
    expect "$f" "$n" tcp.hdr_len 40
    expect "$f" "$n" tcp.window_size_value 64240
    expect "$f" "$n" tcp.option_kind 2,4,8,1,3
    expect "$f" "$n" tcp.options.mss_val 1460
    expect "$f" "$n" tcp.options.wscale.shift 7
    expect "$f" "$n" tcp.options.timestamp.tsval 16909060
    expect "$f" "$n" tcp.options.timestamp.tsecr 0
    expect "$f" "$n" tcp.checksum.status 1
}

eth=$tmp/eth.pcap
raw=$tmp/raw.pcap
corrupt=$tmp/bad.pcap
"$writer" --write "$eth" && ok || bad "writer --write"
"$writer" --write-raw "$raw" && ok || bad "writer --write-raw"
"$writer" --write-bad "$corrupt" && ok || bad "writer --write-bad"

# Ethernet file: ICMP echo request, ARP request, TCP SYN.
expect_count "$eth" 3
expect_clean "$eth"
expect "$eth" 1 frame.protocols eth:ethertype:ip:icmp:data
expect "$eth" 1 frame.len 58
expect "$eth" 1 eth.src 02:00:00:00:00:01
expect "$eth" 1 eth.dst 02:00:00:00:00:02
expect "$eth" 1 ip.src 192.0.2.1
expect "$eth" 1 ip.dst 192.0.2.2
expect "$eth" 1 ip.proto 1
expect "$eth" 1 ip.checksum.status 1
expect "$eth" 1 icmp.type 8
expect "$eth" 1 icmp.code 0
expect "$eth" 1 icmp.ident 4660
expect "$eth" 1 icmp.seq 1
expect "$eth" 1 icmp.checksum.status 1
expect "$eth" 2 frame.protocols eth:ethertype:arp
expect "$eth" 2 frame.len 42
expect "$eth" 2 eth.dst ff:ff:ff:ff:ff:ff
expect "$eth" 2 arp.opcode 1
expect "$eth" 2 arp.src.hw_mac 02:00:00:00:00:01
expect "$eth" 2 arp.src.proto_ipv4 192.0.2.1
expect "$eth" 2 arp.dst.hw_mac 00:00:00:00:00:00
expect "$eth" 2 arp.dst.proto_ipv4 192.0.2.2
expect "$eth" 3 frame.protocols eth:ethertype:ip:tcp
expect "$eth" 3 frame.len 74
expect "$eth" 3 eth.type 2048
expect_tcp_syn "$eth" 3

# Record timestamps from ts_us (1.000001 s, 1.25 s, 2.999999 s).
times=$(sk_tshark -r "$eth" -T fields -e frame.time_epoch) || bad "timestamps: tshark failed"
times=$(echo "$times" | awk '{printf "%.6f ", $1}')
if [ "$times" = "1.000001 1.250000 2.999999 " ]; then ok; else bad "timestamps: got '$times'"; fi

# Raw-IP file (LINKTYPE_RAW): the same SYN without an Ethernet header.
expect_count "$raw" 1
expect_clean "$raw"
expect "$raw" 1 frame.protocols raw:ip:tcp
expect "$raw" 1 frame.len 60
expect_tcp_syn "$raw" 1

# Negative control: the corrupted copy must be caught by the same checks.
expect "$corrupt" 1 ip.checksum.status 0
expect "$corrupt" 1 icmp.checksum.status 0
expect "$corrupt" 3 tcp.checksum.status 0
flagged=$(sk_tshark -r "$corrupt" "${TS_OPTS[@]}" -Y '_ws.malformed || _ws.expert.severity >= warning' \
    -T fields -e frame.number) || bad "corrupted file: tshark failed"
flagged=$(printf '%s' "$flagged" | tr '\n' ' ')
if [ "$flagged" = "1 3" ]; then ok; else bad "corrupted file: flagged frames '$flagged', want '1 3'"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
