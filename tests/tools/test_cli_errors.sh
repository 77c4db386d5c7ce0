#!/usr/bin/env bash
# Bad command-line input to every subcommand: a one-line error on stderr,
# nothing on stdout, exit status 2, never a crash or a hang. Then errors
# found at start (exit 1, one line naming the problem): a missing device,
# and, as root in a namespace of its own, a host that never answers ARP. Every case is
# rejected while parsing, before any device is opened; as a guard against a
# regression that would get further, the cases run in a private network
# namespace (unshare --net) when we are root, and under a timeout.
set -u
bin=${SYNACK_BINARY_DIR:-build/dev}/tools/synack
[ -x "$bin" ] || { echo "synack binary not built: $bin"; exit 1; }
run=(timeout 10)
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null; then
    run=(unshare --net timeout 10)
fi
pass=0 fail=0
expect_usage_error() {
    local out err rc
    err=$(mktemp)
    out=$("${run[@]}" "$bin" "$@" 2>"$err" </dev/null)
    rc=$?
    local lines
    lines=$(grep -c . "$err")
    if [ "$rc" -eq 2 ] && [ "$lines" -eq 1 ] && [ -z "$out" ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: synack $* -> rc=$rc, $lines stderr line(s), stdout '${out:0:60}'"
        sed 's/^/    /' "$err"
    fi
    rm -f "$err"
}
# expect_error_says PATTERN ARGS...: a usage error whose line matches PATTERN
expect_error_says() {
    local pat=$1 err rc
    shift
    err=$("${run[@]}" "$bin" "$@" 2>&1 >/dev/null </dev/null)
    rc=$?
    if [ "$rc" -eq 2 ] && [ "$(grep -c . <<<"$err")" -eq 1 ] && grep -qE "$pat" <<<"$err"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: synack $* -> rc=$rc, want one line matching /$pat/: $err"
    fi
}
# expect_fail RC PATTERN ARGS...: exit status RC, exactly one line on stderr
# matching PATTERN, nothing on stdout (no banner before the error)
expect_fail() {
    local want=$1 pat=$2 err rc out errf
    shift 2
    errf=$(mktemp)
    out=$("${run[@]}" "$bin" "$@" 2>"$errf" </dev/null)
    rc=$?
    err=$(cat "$errf"); rm -f "$errf"
    if [ "$rc" -eq "$want" ] && [ -z "$out" ] && [ "$(grep -c . <<<"$err")" -eq 1 ] &&
        grep -qE "$pat" <<<"$err"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1))
        echo "FAIL: synack $* -> rc=$rc (want $want), stdout '${out:0:60}', want one line matching /$pat/: $err"
    fi
}
# no command at all: the usage listing on stderr, exit 2
"${run[@]}" "$bin" >/dev/null 2>/tmp/sk_cli_usage.$$ </dev/null
rc=$?
if [ "$rc" -eq 2 ] && head -1 /tmp/sk_cli_usage.$$ | grep -q '^usage: synack <command>'; then
    pass=$((pass + 1))
else
    fail=$((fail + 1)); echo "FAIL: synack with no command -> rc=$rc"
fi
rm -f /tmp/sk_cli_usage.$$
expect_usage_error bogus
expect_usage_error serve
expect_usage_error serve --tap
expect_usage_error serve --tap x --addr 1.2.3.4
expect_usage_error serve --tap x --addr 300.1.1.1/24 --echo 7
expect_usage_error serve --tap x --addr 1.2.3.4/24
expect_usage_error serve --tap x --addr 1.2.3.4/24 --echo 0
expect_usage_error serve --tap x --addr 1.2.3.4/24 --echo 70000
expect_usage_error serve --tap x --addr 1.2.3.4/24 --echo +7
expect_usage_error serve --tap x --addr 1.2.3.4/24 --http " 80"
expect_usage_error serve --tap x --addr 1.2.3.4/24 --echo 7 --echo 8
expect_usage_error serve --tap x --addr 1.2.3.4/24 --impair loss=2 --echo 7
expect_usage_error serve --tap x --tun y --addr 1.2.3.4/24 --echo 7
expect_usage_error serve --tap x --addr 1.2.3.4/24 --echo 7 --busy-poll x
expect_usage_error serve --tap x --addr 1.2.3.4/24 --echo 7 --busy-poll -5
expect_usage_error serve --tap x --addr 1.2.3.4/24 --echo 7 --busy-poll 1000001
expect_usage_error serve --tap x --addr 1.2.3.4/24 --echo 7 --busy-poll
expect_usage_error serve --tap x --addr 1.2.3.4/24 --echo 7 --rx-coalesce 10001
expect_usage_error serve --tap x --addr 1.2.3.4/24 --echo 7 --sack-compress 256
expect_usage_error serve --tap x --addr 1.2.3.4/24 --echo 7 --sack-compress x
expect_usage_error connect --tap x --addr 1.2.3.4/24 --sack-compress
expect_usage_error serve --tap x --addr 1.2.3.4/24 --echo 7 --push-ack maybe
expect_usage_error connect --tap x --addr 1.2.3.4/24 --push-ack
expect_usage_error serve --tap x --addr 1.2.3.4/24 --echo 7 --quick-ack maybe
expect_usage_error connect --tap x --addr 1.2.3.4/24 --quick-ack
expect_usage_error serve --tap x --addr 1.2.3.4/24 --echo 7 --rx-coalesce -1
expect_usage_error serve --tap x --addr 1.2.3.4/24 --echo 7 --rx-coalesce
expect_usage_error connect --tap x --addr 1.2.3.4/24 --rx-coalesce 1ms 1.2.3.5 80
expect_usage_error serve --tap x --tap y --addr 1.2.3.4/24 --echo 7
expect_usage_error serve --tap x --addr 1.2.3.4/24 --gw 1.2.3 --echo 7
expect_usage_error serve --tap x --addr 1.2.3.4/24 --mac 02:00 --echo 7
expect_usage_error connect --tap x --addr 1.2.3.4/24 1.2.3.5
# buffer sizes: bytes 1024..256M with K/M suffixes; each bad one named
for v in 0 1023 257M 268435457 6G 6MB 6.5M -1 M k "" " 6M" 0x100 99999999999999999999K; do
    expect_error_says "bad --rcvbuf '.*' \(bytes 1024\.\.256M" serve --tap x --addr 1.2.3.4/24 \
        --echo 7 --rcvbuf "$v"
    expect_error_says "bad --sndbuf '.*' \(bytes 1024\.\.256M" connect --tap x \
        --addr 1.2.3.4/24 --sndbuf "$v" 1.2.3.5 80
done
expect_usage_error serve --tap x --addr 1.2.3.4/24 --echo 7 --rcvbuf
# the send buffer's auto-tuning ceiling: 0 (off) or 1024..65535K
for v in 1023 64M 65536K 6G x -1 "" 0x100; do
    expect_error_says "bad --sndbuf-max '.*' \\(0: off, or bytes 1024\.\.65535K" connect --tap x \
        --addr 1.2.3.4/24 --sndbuf-max "$v" 1.2.3.5 80
done
for v in 0 1024 4M 65535K; do
    expect_error_says "bad --busy-poll 'x'" serve --tap x --addr 1.2.3.4/24 --echo 7 \
        --sndbuf-max "$v" --busy-poll x
done
# good sizes are taken (the error is then about the next, bad option)
for v in 1024 1K 256k 6M 6m 256M 268435456; do
    expect_error_says "bad --busy-poll 'x'" serve --tap x --addr 1.2.3.4/24 --echo 7 \
        --rcvbuf "$v" --sndbuf "$v" --busy-poll x
done
expect_usage_error connect --tap x --addr 1.2.3.4/24 999.1.1.1 80
expect_usage_error connect --tap x --addr 1.2.3.4/24 1.2.3.5 abc
# names: a DNS server is needed (--dns or --dhcp; on a TAP a router may
# advertise one, RFC 8106, so only --tun is refused before start), a name
# must be one (RFC 1035 §2.3.4), --dhcp replaces --addr/--gw and needs Ethernet
expect_error_says "no DNS server to resolve 'www.example.test'" connect --tun x --addr 1.2.3.4/24 \
    www.example.test 80
expect_error_says "bad host 'a\.\.b'" connect --tap x --addr 1.2.3.4/24 --dns 1.2.3.1 a..b 80
expect_error_says "bad host" connect --tap x --addr 1.2.3.4/24 --dns 1.2.3.1 \
    "$(printf 'a%.0s' {1..64}).test" 80
expect_error_says "bad host '192\.0\.2'" connect --tap x --addr 1.2.3.4/24 --dns 1.2.3.1 192.0.2 80
expect_error_says "bad host '999\.1\.1\.1\.'" connect --tap x --addr 1.2.3.4/24 --dns 1.2.3.1 999.1.1.1. 80
expect_error_says "bad --dns '1.2.3.999'" connect --tap x --addr 1.2.3.4/24 --dns 1.2.3.999 x 80
expect_error_says "at most 3 servers" connect --tap x --addr 1.2.3.4/24 --dns 1.1.1.1 \
    --dns 1.1.1.2 --dns 1.1.1.3 --dns 1.1.1.4 x 80
expect_usage_error connect --tap x --addr 1.2.3.4/24 --dns 1.2.3.1 x
expect_error_says "give --dhcp or --addr/--gw, not both" connect --tap x --dhcp \
    --addr 1.2.3.4/24 1.2.3.5 80
expect_error_says "give --dhcp or --addr/--gw, not both" connect --tap x --dhcp --gw 1.2.3.1 \
    1.2.3.5 80
expect_error_says "give --dhcp or --addr/--gw, not both" serve --tap x --dhcp \
    --addr 1.2.3.4/24 --echo 7
expect_error_says "dhcp needs an Ethernet link" serve --tun x --dhcp --echo 7
expect_error_says "\(or --dhcp\) is required" serve --tap x --echo 7
expect_usage_error connect --tap x --addr 1.2.3.4/24 1.2.3.5 80 extra
expect_usage_error connect --tun x --tap y --addr 1.2.3.4/24 1.2.3.5 80
# IPv6: --addr up to twice as X:X::X/NN, never a group, :: or ::1; --gw6;
# IPv6 hosts for connect and ping
expect_error_says "bad --addr '2001:db8::1/129'" serve --tap x --addr 2001:db8::1/129 --echo 7
expect_error_says "bad --addr 'ff02::1/64' \(want a unicast" serve --tap x --addr ff02::1/64 --echo 7
expect_error_says "bad --addr '::1/128'" serve --tap x --addr ::1/128 --echo 7
expect_error_says "bad --addr '2001:db8::3/64'.*at most 2" serve --tap x --addr 2001:db8::1/64 \
    --addr 2001:db8::2/64 --addr 2001:db8::3/64 --echo 7
expect_error_says "bad --addr '1.2.3.5/24'.*once" serve --tap x --addr 1.2.3.4/24 \
    --addr 1.2.3.5/24 --echo 7
expect_error_says "bad --gw6 '2001:db8::g'" serve --tap x --addr 2001:db8::1/64 \
    --gw6 2001:db8::g --echo 7
expect_error_says "bad host '2001:db8:::1'" connect --tap x --addr 2001:db8::1/64 2001:db8:::1 80
# -4/--ipv4 and -6/--ipv6: one family; an address literal of the other is refused
expect_error_says "connect: --ipv4 and --ipv6 exclude each other$" connect --tap x --addr 1.2.3.4/24 \
    --dns 1.2.3.1 -4 -6 www.example.test 80
expect_error_says "connect: --ipv4 and --ipv6 exclude each other$" connect --tap x --addr 1.2.3.4/24 \
    --dns 1.2.3.1 --ipv6 --ipv4 www.example.test 80
expect_error_says "'2001:db8::5' is an IPv6 address, but --ipv4 was given" connect --tap x \
    --addr 2001:db8::1/64 -4 2001:db8::5 80
expect_error_says "'1.2.3.5' is an IPv4 address, but --ipv6 was given" connect --tap x \
    --addr 1.2.3.4/24 --ipv6 1.2.3.5 80
expect_error_says "unknown option '-5'" connect --tap x --addr 1.2.3.4/24 -5 1.2.3.5 80
expect_error_says "bad host '\[2001:db8::1\]'" ping --tap x --addr 2001:db8::1/64 '[2001:db8::1]'
# offloads: on and off at once; on with impairment (the delay lines carry
# no offload metadata); every subcommand that opens a device
expect_error_says "give --offload or --no-offload, not both" serve --tap x --addr 1.2.3.4/24 \
    --echo 7 --offload --no-offload
expect_error_says "give --offload or --no-offload, not both" connect --tap x --addr 1.2.3.4/24 \
    --no-offload --offload 1.2.3.5 7
expect_error_says "^synack [a-z]*: --offload does not combine with --impair" serve --tap x --addr 1.2.3.4/24 \
    --echo 7 --offload --impair loss=1%
expect_error_says "^synack [a-z]*: --offload does not combine with --impair" connect --tap x --addr 1.2.3.4/24 \
    --impair-in delay=1ms --offload 1.2.3.5 7
expect_error_says "^synack [a-z]*: --offload does not combine with --impair" ping --tap x --addr 1.2.3.4/24 \
    --offload --impair-out loss=1% 1.2.3.5
expect_error_says "unknown option '--offload=1'" serve --tap x --addr 1.2.3.4/24 \
    --echo 7 --offload=1
expect_usage_error serve --tap x --addr 1.2.3.4/24 --udp-echo
expect_usage_error serve --tap x --addr 1.2.3.4/24 --udp-echo 0
expect_usage_error serve --tap x --addr 1.2.3.4/24 --udp-echo 65536
expect_usage_error serve --tap x --addr 1.2.3.4/24 --udp-echo 7 --udp-echo 8
expect_usage_error connect --tap x --addr 1.2.3.4/24 --udp 1.2.3.5
expect_usage_error connect --tap x --addr 1.2.3.4/24 --udp --window x 1.2.3.5 7
expect_usage_error connect --tap x --addr 1.2.3.4/24 --udp --window -1 1.2.3.5 7
expect_usage_error connect --tap x --addr 1.2.3.4/24 --trace-cc-ms 0 1.2.3.5 7
expect_usage_error connect --tap x --addr 1.2.3.4/24 --trace-cc-ms 60001 1.2.3.5 7
expect_usage_error connect --tap x --addr 1.2.3.4/24 --trace-cc-ms x 1.2.3.5 7
expect_error_says "trace-cc goes with one TCP connection" connect --tap x --addr 1.2.3.4/24 --udp --trace-cc /tmp/x 1.2.3.5 7
expect_error_says "trace-cc goes with one TCP connection" connect --tap x --addr 1.2.3.4/24 --iperf3 --trace-cc /tmp/x 1.2.3.5
expect_usage_error connect --tap x --addr 1.2.3.4/24 --udp --wait 0 1.2.3.5 7
expect_usage_error connect --tap x --addr 1.2.3.4/24 --udp 1.2.3.5 0
expect_usage_error ping
expect_usage_error ping --tap x --addr 1.2.3.4/24
expect_usage_error ping --tap x --addr 1.2.3.4/24 -c -1 1.2.3.5
expect_usage_error ping --tap x --addr 1.2.3.4/24 -c abc 1.2.3.5
expect_usage_error link
expect_usage_error link --tap-a
expect_usage_error link --tap-a x
expect_usage_error link --tap-a x --tap-b x
expect_usage_error link --tap-a x --tap-b y --impair loss=2
expect_usage_error link --tap-a x --tap-b y --impair ge=0.1
expect_usage_error link --tap-a x --tap-b y --b2a ge=0.1/0
expect_usage_error link --tap-a x --tap-b y --impair delay=1ms --a2b loss=1%
expect_usage_error link --tap-a x --tap-b y --seed abc
expect_usage_error link --tap-a x --tap-b y --seed -1
expect_usage_error link --tap-a x --tap-b y --time 0
expect_usage_error link --tap-a x --tap-b y --bogus
expect_usage_error link --tap-a x --tap-b y extra
expect_usage_error demo --loss
expect_usage_error demo --loss 2
expect_usage_error demo --bytes -5
expect_usage_error demo --lang fr
expect_usage_error demo --isn-client 99999999999
expect_usage_error demo --impair bogus=1
expect_usage_error demo extra
# ---- errors that say what is wrong (issue 12)
# an address that is its prefix's broadcast or network address (RFC 1122
# §3.2.1.3); /31 (RFC 3021) and /32 have neither, so the error is then
# about the next, bad option
expect_error_says "^synack serve: bad --addr: 192\.0\.2\.255 is the broadcast address of 192\.0\.2\.0/24$" \
    serve --tap x --addr 192.0.2.255/24 --echo 7
expect_error_says "^synack serve: bad --addr: 192\.0\.2\.0 is the network address of 192\.0\.2\.0/24$" \
    serve --tap x --addr 192.0.2.0/24 --echo 7
expect_error_says "^synack connect: bad --addr: 10\.1\.255\.255 is the broadcast address of 10\.1\.0\.0/16$" \
    connect --tap x --addr 10.1.255.255/16 10.1.0.1 80
expect_error_says "^synack ping: bad --addr: 192\.0\.2\.4 is the network address of 192\.0\.2\.4/30$" \
    ping --tap x --addr 192.0.2.4/30 192.0.2.5
for a in 192.0.2.0/31 192.0.2.1/31 192.0.2.255/32 192.0.2.0/32; do
    expect_error_says "bad --busy-poll 'x'" serve --tap x --addr "$a" --echo 7 --busy-poll x
done
# a gateway off the link, or our own address
expect_error_says "^synack serve: bad --gw: gateway 10\.9\.9\.9 is not on 192\.0\.2\.0/24$" \
    serve --tap x --addr 192.0.2.2/24 --gw 10.9.9.9 --echo 7
expect_error_says "^synack connect: bad --gw: gateway 192\.0\.3\.1 is not on 192\.0\.2\.0/24$" \
    connect --tap x --addr 192.0.2.2/24 --gw 192.0.3.1 192.0.2.1 80
expect_error_says "^synack serve: bad --gw: gateway 192\.0\.2\.2 is synack's own address$" \
    serve --tap x --addr 192.0.2.2/24 --gw 192.0.2.2 --echo 7
expect_error_says "bad --busy-poll 'x'" serve --tap x --addr 192.0.2.2/24 --gw 192.0.2.254 \
    --echo 7 --busy-poll x
# one port for two TCP services: refused before any banner (expect_fail
# checks stdout is empty); TCP and UDP on one number are two ports
expect_fail 2 "^synack serve: port 80 given twice \(--echo and --http\)$" \
    serve --tap x --addr 192.0.2.2/24 --http 80 --echo 80
expect_fail 2 "^synack serve: port 9 given twice \(--discard and --iperf\)$" \
    serve --tap x --addr 192.0.2.2/24 --echo 7 --iperf 9 --discard 9
expect_error_says "bad --busy-poll 'x'" serve --tap x --addr 192.0.2.2/24 --echo 7 \
    --udp-echo 7 --busy-poll x
# --version and -V: the CMake project version (and git describe in a checkout)
src=${SYNACK_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
want=$(sed -n 's/^project(synack VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
for v in --version -V; do
    out=$("$bin" "$v" 2>&1); rc=$?
    if [ "$rc" -eq 0 ] && [ -n "$want" ] && grep -qE "^synack ${want//./\\.}( \(git [^)]+\))?$" <<<"$out"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1)); echo "FAIL: synack $v -> rc=$rc '$out' (want 'synack $want ...')"
    fi
done
# a device that does not exist: an error, not a new TAP, unless --create.
# As root the cases run in an empty namespace (unshare --net), where eth0
# does not exist either; otherwise only an improbable name is tried.
if [ "${run[0]}" = unshare ]; then
    expect_fail 1 "^synack serve: no such device 'eth0' \(create it: ip tuntap add dev eth0 mode tap; or give --create\)$" \
        serve --tap eth0 --addr 192.0.2.2/24 --echo 7
    expect_fail 1 "^synack ping: no such device 'sktun9' \(create it: ip tuntap add dev sktun9 mode tun; or give --create\)$" \
        ping --tun sktun9 --addr 192.0.2.2/24 192.0.2.1
fi
expect_fail 1 "^synack connect: no such device 'sk-nodev-$$'" \
    connect --tap "sk-nodev-$$" --addr 192.0.2.2/24 192.0.2.1 80

# the listener limits: SYN cookies and the SYN queue (issue 10)
expect_error_says "^synack serve: bad --syn-cookies 'on' \(off, auto or always\)$" serve --tap x \
    --addr 192.0.2.2/24 --echo 7 --syn-cookies on
expect_error_says "^synack serve: bad --syn-cookies 'AUTO' \(off, auto or always\)$" serve --tap x \
    --addr 192.0.2.2/24 --echo 7 --syn-cookies AUTO
expect_error_says "^synack serve: bad --syn-cookies '' \(off, auto or always\)$" serve --tap x \
    --addr 192.0.2.2/24 --echo 7 --syn-cookies
for v in 0 65536 -1 x 12k ""; do
    expect_error_says "^synack serve: bad --syn-backlog '$v' \(half-open connections, 1\.\.65535\)$" \
        serve --tap x --addr 192.0.2.2/24 --echo 7 --syn-backlog "$v"
done
expect_error_says "^synack serve: bad --syn-backlog '' " serve --tap x --addr 192.0.2.2/24 --echo 7 \
    --syn-backlog
# good values pass the parser (and its order): the run fails later, at the device
for a in "--syn-cookies off --syn-backlog 1" "--syn-cookies auto --syn-backlog 65535" \
    "--syn-backlog 64 --syn-cookies always" "--max-conns 10 --syn-cookies off --time-wait 0"; do
    # shellcheck disable=SC2086 # the options are words
    expect_fail 1 "^synack serve: no such device 'sk-nodev-$$'" \
        serve --tap "sk-nodev-$$" --addr 192.0.2.2/24 --echo 7 $a
done

# connect --iperf3's options
expect_error_says "^synack connect: -R, -P, -t, -u and -b go with --iperf3" connect --tap x \
    --addr 192.0.2.2/24 -R 192.0.2.1 80
expect_error_says "^synack connect: bad -P \(streams, 1\.\.16\)$" connect --tap x \
    --addr 192.0.2.2/24 --iperf3 -P 17 192.0.2.1
expect_error_says "^synack connect: bad -t" connect --tap x --addr 192.0.2.2/24 --iperf3 -t 0 192.0.2.1
expect_error_says "^synack connect: bad -b" connect --tap x --addr 192.0.2.2/24 --iperf3 -u -b 5x 192.0.2.1
expect_error_says "^synack connect: --iperf3 -u -R is not supported" connect --tap x \
    --addr 192.0.2.2/24 --iperf3 -u -R 192.0.2.1
expect_error_says "^synack serve: --iperf3 needs a port number" serve --tap x --addr 192.0.2.2/24 --iperf3 0
expect_fail 2 "^synack serve: port 5201 given twice \(--echo and --iperf3\)$" \
    serve --tap x --addr 192.0.2.2/24 --iperf3 5201 --echo 5201

# ---- a host that never answers ARP (root: a namespace of our own)
if [ "$(id -u)" -eq 0 ] && command -v ip >/dev/null && [ -c /dev/net/tun ]; then
    ns=skcli-$$
    trap 'ip netns del "$ns" 2>/dev/null' EXIT
    ip netns add "$ns" && ip netns exec "$ns" ip link set lo up
    nrun() { timeout 30 ip netns exec "$ns" "$bin" "$@"; }
    # --create makes the TAP; no one on the link answers 192.0.2.9
    err=$(nrun connect --tap skarp0 --create --addr 192.0.2.2/24 192.0.2.9 80 2>&1 </dev/null)
    rc=$?
    if [ "$rc" -eq 1 ] && [ "$err" = "synack connect: 192.0.2.9:80: host unreachable (no ARP reply from 192.0.2.9)" ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1)); echo "FAIL: connect to a silent host -> rc=$rc: $err"
    fi
    err=$(nrun connect --tap skarp0 --create --addr 192.0.2.2/24 --gw 192.0.2.1 198.51.100.7 80 2>&1 </dev/null)
    rc=$?
    if [ "$rc" -eq 1 ] && [ "$err" = "synack connect: 198.51.100.7:80: host unreachable (no ARP reply from the gateway 192.0.2.1)" ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1)); echo "FAIL: connect via a silent gateway -> rc=$rc: $err"
    fi
    err=$(nrun connect --tap skarp0 --create --addr 192.0.2.2/24 198.51.100.7 80 2>&1 </dev/null)
    rc=$?
    if [ "$rc" -eq 1 ] && [ "$err" = "synack connect: 198.51.100.7:80: no route to host (198.51.100.7 is not on 192.0.2.0/24 and no --gw was given)" ]; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1)); echo "FAIL: connect off-link without a gateway -> rc=$rc: $err"
    fi
    # ping: one "Destination Host Unreachable" line per request, as Linux's
    out=$(nrun ping --tap skarp0 --create --addr 192.0.2.2/24 -c 2 -i 0.2 192.0.2.9 2>&1)
    rc=$?
    lines=$(grep -cx "From 192.0.2.2 icmp_seq=[12] Destination Host Unreachable" <<<"$out")
    if [ "$rc" -eq 1 ] && [ "$lines" -eq 2 ] &&
        grep -qx "2 packets transmitted, 0 received, +2 errors, 100% packet loss" <<<"$out"; then
        pass=$((pass + 1))
    else
        fail=$((fail + 1)); echo "FAIL: ping a silent host -> rc=$rc:"; sed 's/^/    /' <<<"$out"
    fi
else
    echo "(not root: the ARP cases need a namespace and a TAP; skipped)"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
