#!/usr/bin/env bash
# TCP over IPv6 against TCP over IPv4 in the in-process bench (bench_tcp:
# two synack stacks in one process, no device, no root): ROUNDS rounds,
# each running bulk and conn for IPv4 then IPv6 (the order alternates
# between rounds); prints per-round ratios IPv6/IPv4 and their median.
# Usage: ROUNDS=5 MIB=256 CONNS=20000 bash bench/run_ip6_bench.sh [BUILD_DIR]
# (BUILD_DIR default build/release: ASan builds measure the sanitizer).
set -u
BUILD_DIR=${1:-build/release}
BENCH=$BUILD_DIR/bench/bench_tcp
ROUNDS=${ROUNDS:-5}
MIB=${MIB:-256}
CONNS=${CONNS:-20000}
[ -x "$BENCH" ] || { echo "run_ip6_bench: $BENCH missing (cmake --preset release && cmake --build --preset release --target bench_tcp)" >&2; exit 2; }
TMP=$(mktemp -d /tmp/skb-ip6.XXXXXX) || exit 1
trap 'rm -rf "$TMP"' EXIT
field() { sed -n "s/.*RESULT .*[ ]$1=\([^ ]*\).*/\1/p" "$2" | head -n 1; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "# $(git -C "$(dirname "$0")" describe --always --dirty 2>/dev/null) $(nproc) CPUs; ROUNDS=$ROUNDS MIB=$MIB CONNS=$CONNS"
for r in $(seq 1 "$ROUNDS"); do
    fams="4 6"
    [ $((r % 2)) -eq 0 ] && fams="6 4"
    for f in $fams; do
        flag=
        [ "$f" = 6 ] && flag=--ipv6
        timeout 300 "$BENCH" bulk --mib "$MIB" $flag >"$TMP/bulk$f" 2>/dev/null || { echo "bulk IPv$f failed"; exit 1; }
        timeout 300 "$BENCH" conn --conns "$CONNS" $flag >"$TMP/conn$f" 2>/dev/null || { echo "conn IPv$f failed"; exit 1; }
    done
    b4=$(field gbps_per_cpu "$TMP/bulk4"); b6=$(field gbps_per_cpu "$TMP/bulk6")
    c4=$(field conn_per_cpu_s "$TMP/conn4"); c6=$(field conn_per_cpu_s "$TMP/conn6")
    rb=$(awk -v a="$b6" -v b="$b4" 'BEGIN { printf "%.4f", a / b }')
    rc=$(awk -v a="$c6" -v b="$c4" 'BEGIN { printf "%.4f", a / b }')
    echo "round $r: bulk Gbit/s per CPU-s IPv4 $b4 IPv6 $b6 (ratio $rb); conn/CPU-s IPv4 $c4 IPv6 $c6 (ratio $rc)"
    echo "$rb" >>"$TMP/rb"
    echo "$rc" >>"$TMP/rc"
done
echo "median IPv6/IPv4: bulk $(median <"$TMP/rb"), conn $(median <"$TMP/rc")"
