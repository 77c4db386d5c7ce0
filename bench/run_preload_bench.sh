#!/usr/bin/env bash
# The same nginx (one process: master_process off, one worker) served to
# ab in two ways, as run_tap_bench.sh sets them up:
#   synack  nginx under `synack run` (LD_PRELOAD) on a TAP in namespace
#           skp-s-PID; ab in that namespace on the TAP's Linux side
#           (192.0.2.1 -> 192.0.2.2)
#   linux   nginx on the kernel in skp-b-PID, ab in skp-a-PID, a veth pair
#           between them (192.0.2.1 -> 192.0.2.2), not loopback
# `ab -n N -c 10` and `ab -k -n N -c 10` for each, ROUNDS interleaved
# rounds (the order of the two servers shuffled each round, SEED), medians
# of requests/s, the per-round ratio synack/linux, and the server process's
# CPU seconds (utime+stime from /proc/PID/stat) per 1000 requests. nginx on
# SERVER_CPU, ab on CLIENT_CPU, the same for both (taskset).
#
# Bulk (TESTS containing "iperf3"): the same namespaces with iperf3, an
# unmodified program moving data: `synack run -- iperf3 -c 192.0.2.1 -t
# IPERF_S` (and with -R: receiving) against `iperf3 -s` on the TAP's Linux
# side, and Linux's `iperf3 -c` from skp-b-PID to `iperf3 -s` in skp-a-PID
# over the veth pair; the client on SERVER_CPU, the server on CLIENT_CPU;
# the rate the receiving end counted (the client's JSON, sum_received),
# and the client process's CPU seconds per GB (iperf3's own host_total,
# from getrusage: for synack that includes the stack's thread). Linux's sockets run LINUX_CC (cubic), synack's its
# own CUBIC.
#
# Usage (root): BUILD=build/release ROUNDS=3 N=10000 bench/run_preload_bench.sh
# (or the build directory as the argument; SMOKE=1: one round of 200 and
# 1 s of iperf3). TESTS: "ab iperf3" (the default), either alone.
# Exit: 0 done, 1 a measurement failed, 2 usage/missing tools, 77 not root.
ME=run_preload_bench
. "$(dirname "$0")/lib.sh"

BUILD=${1:-${BUILD:-build/release}}
ROUNDS=${ROUNDS:-3}
N=${N:-10000}
if [ "${SMOKE:-0}" = 1 ]; then # bench/test_bench_smoke.sh: one short round
    ROUNDS=1
    N=200
fi
IPERF_S=${IPERF_S:-3}
[ "${SMOKE:-0}" = 1 ] && IPERF_S=1
TESTS=${TESTS:-ab iperf3}
for t in $TESTS; do
    case $t in ab | iperf3) ;; *) echo "$ME: TESTS: unknown test '$t' (ab iperf3)" >&2; exit 2 ;; esac
done
STEP_TIMEOUT=${STEP_TIMEOUT:-120}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
need_numbers ROUNDS N STEP_TIMEOUT SERVER_CPU CLIENT_CPU IPERF_S
need_range IPERF_S 1 30
case " $TESTS " in *" iperf3 "*) need_tools iperf3 python3 ;; esac
need_range ROUNDS 1 50
need_range N 100 1000000
need_root "network namespaces, TAP devices"
need_tools nginx ab taskset ip curl
SYNACK=$BUILD/tools/synack
[ -x "$SYNACK" ] || { echo "$ME: $SYNACK not built (cmake --build --preset release)" >&2; exit 2; }

bench_start skp
NSS=skp-s-$$ # synack: TAP tp0
NSA=skp-a-$$ # Linux client, veth va
NSB=skp-b-$$ # Linux server, veth vb
netns_add "$NSS" || exit 1
ip -n "$NSS" link set lo up
ip -n "$NSS" tuntap add dev tp0 mode tap || exit 1
ip -n "$NSS" addr add 192.0.2.1/24 dev tp0
ip -n "$NSS" link set tp0 up
veth_pair || exit 1

www=$TMP/www
mkdir -p "$www"
printf 'hello from nginx\n' >"$www/index.html"
nginx_conf() { # nginx_conf TAG LISTEN
    cat >"$TMP/nginx-$1.conf" <<NGEOF
master_process off;
daemon off;
worker_processes 1;
error_log $TMP/nginx-$1.err;
pid $TMP/nginx-$1.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $TMP/b-$1; proxy_temp_path $TMP/p-$1;
  fastcgi_temp_path $TMP/f-$1; uwsgi_temp_path $TMP/u-$1; scgi_temp_path $TMP/s-$1;
  server { listen $2; root $www; }
}
NGEOF
}
nginx_conf synack 192.0.2.2:8080
nginx_conf linux 192.0.2.2:8080

# start_nginx TAG: SPID, answering in its client namespace (bounded wait)
start_nginx() {
    if [ "$1" = synack ]; then
        CNS=$NSS
        ip netns exec "$NSS" taskset -c "$SERVER_CPU" "$SYNACK" run --tap tp0 \
            --addr 192.0.2.2/24 -- nginx -c "$TMP/nginx-synack.conf" >"$TMP/synack.log" 2>&1 &
    else
        CNS=$NSA
        ip netns exec "$NSB" taskset -c "$SERVER_CPU" nginx -c "$TMP/nginx-linux.conf" \
            >"$TMP/linux.log" 2>&1 &
    fi
    SPID=$!
    PIDS+=("$SPID")
    local _
    for _ in $(seq 1 100); do # at most 100 tries of at most 1 s
        ip netns exec "$CNS" curl -s --max-time 1 -o /dev/null http://192.0.2.2:8080/ && return 0
        kill -0 "$SPID" 2>/dev/null || break
        sleep 0.1
    done
    echo "$ME: nginx ($1) did not answer" >&2
    return 1
}
stop_nginx() {
    kill "$SPID" 2>/dev/null
    wait "$SPID" 2>/dev/null
}
cpu_s() { # cpu_s PID: utime+stime in seconds (fields 14, 15 after the comm)
    awk -v hz="$USER_HZ" '{ sub(/.*\) /, ""); printf "%.4f", ($12 + $13) / hz }' "/proc/$1/stat"
}
# the process whose CPU time counts: nginx itself (ip netns exec and taskset exec it)
one_run() { # one_run TAG KA(""|-k)
    local tag=$1 ka=$2 key c0 c1 out ndone failed rps
    key=$tag${ka:+-ka}
    c0=$(cpu_s "$SPID")
    out=$(ip netns exec "$CNS" timeout "$STEP_TIMEOUT" taskset -c "$CLIENT_CPU" \
        ab ${ka:+"$ka"} -n "$N" -c 10 http://192.0.2.2:8080/index.html 2>&1)
    c1=$(cpu_s "$SPID")
    read -r ndone failed rps <<<"$(awk '/^Complete requests/ {c=$3} /^Failed requests/ {f=$3}
        /^Requests per second/ {r=$4} END {print c+0, f+0, r+0}' <<<"$out")"
    echo "round $ROUND $key: $ndone complete, $failed failed, $rps req/s, cpu $(awk -v a="$c0" -v b="$c1" 'BEGIN{printf "%.3f", b-a}') s" >&2
    if [ "$ndone" != "$N" ] || [ "$failed" != 0 ]; then
        FAIL=1
        return
    fi
    echo "$ROUND $rps" >>"$TMP/m.rps.$key"
    awk -v r="$ROUND" -v a="$c0" -v b="$c1" -v n="$N" \
        'BEGIN { printf "%s %.4f\n", r, (b - a) * 1000 / n }' >>"$TMP/m.cpu.$key"
}

# iperf_run TAG DIR(send|recv): one iperf3 transfer, the client under
# synack run (TAG synack) or on Linux over veth (linux)
iperf_run() {
    local tag=$1 dir=$2 sns=$NSS cns=$NSS out=$TMP/iperf.$1.$2.$ROUND rev=()
    [ "$dir" = recv ] && rev=(-R)
    if [ "$tag" = linux ]; then sns=$NSA; cns=$NSB; fi
    ip netns exec "$sns" timeout "$STEP_TIMEOUT" taskset -c "$CLIENT_CPU" iperf3 -s -1 \
        >"$TMP/iperf-s.log" 2>&1 &
    local srv=$! _
    PIDS+=("$srv")
    for _ in $(seq 1 100); do
        ip netns exec "$sns" ss -Hltn 'sport = :5201' | grep -q . && break
        sleep 0.05
    done
    if [ "$tag" = synack ]; then
        ip netns exec "$cns" timeout "$STEP_TIMEOUT" taskset -c "$SERVER_CPU" "$SYNACK" run \
            --tap tp0 --addr 192.0.2.2/24 -- iperf3 -c 192.0.2.1 -t "$IPERF_S" "${rev[@]}" -J \
            >"$out" 2>&1 &
    else
        ip netns exec "$cns" timeout "$STEP_TIMEOUT" taskset -c "$SERVER_CPU" iperf3 \
            -c 192.0.2.1 -C "$LINUX_CC" -t "$IPERF_S" "${rev[@]}" -J >"$out" 2>&1 &
    fi
    local cpid=$!
    PIDS+=("$cpid")
    local rc r
    reap "$cpid"
    rc=$?
    reap "$srv"
    r=$(python3 -c '
import json, sys
try:
    j = json.load(open(sys.argv[1]))
    e = j["end"]["sum_received"]
    c = j["end"]["cpu_utilization_percent"]["host_total"]
    print(int(e["bytes"]), e["bits_per_second"], c, e["seconds"])
except (OSError, ValueError, KeyError, TypeError):
    pass' "$out")
    if [ $rc != 0 ] || [ -z "$r" ]; then
        echo "round $ROUND iperf3 $tag $dir: failed (rc $rc): $(tail -c 300 "$out" | tr '\n' ' ')" >&2
        FAIL=1
        return
    fi
    local bytes bps cpu secs
    read -r bytes bps cpu secs <<<"$r"
    local gbps cpugb
    gbps=$(awk -v b="$bps" 'BEGIN { printf "%.3f", b / 1e9 }')
    # iperf3's host_total: the client process's CPU over the test, in % of one CPU
    cpugb=$(awk -v c="$cpu" -v s="$secs" -v b="$bytes" 'BEGIN { if (b > 0) printf "%.4f", c / 100 * s / (b / 1e9) }')
    echo "round $ROUND iperf3 $tag $dir: $gbps Gbit/s, $bytes bytes, client CPU ${cpu} %" >&2
    echo "$ROUND $gbps" >>"$TMP/m.gbps.$tag.$dir"
    echo "$ROUND $cpugb" >>"$TMP/m.cpugb.$tag.$dir"
}

provenance "$BUILD" "BUILD=$BUILD ROUNDS=$ROUNDS N=$N IPERF_S=$IPERF_S TESTS=\"$TESTS\" SERVER_CPU=$SERVER_CPU CLIENT_CPU=$CLIENT_CPU bench/run_preload_bench.sh"
linux_cc_note "$NSB"
seed_order
echo "# nginx $(nginx -v 2>&1 | sed 's/.*: //'), ab -c 10 -n $N, $ROUNDS rounds, seed $SEED; iperf3 -t $IPERF_S"
for ROUND in $(seq 1 "$ROUNDS"); do
    shuffle synack linux
    for tag in "${ORDER[@]}"; do
        case " $TESTS " in *" ab "*)
            start_nginx "$tag" || { FAIL=1; continue; }
            one_run "$tag" ""
            one_run "$tag" -k
            stop_nginx ;;
        esac
        case " $TESTS " in *" iperf3 "*)
            iperf_run "$tag" send
            iperf_run "$tag" recv ;;
        esac
    done
done
case " $TESTS " in *" ab "*)
    echo "| ab | synack req/s | linux req/s | synack/linux | synack CPU s/1000 req | linux CPU s/1000 req |"
    echo "|---|---:|---:|---:|---:|---:|"
    for ka in "" -ka; do
        echo "| -c 10${ka:+ -k} | $(median "$TMP/m.rps.synack$ka") | $(median "$TMP/m.rps.linux$ka") |" \
            "$(paired "$TMP/m.rps.synack$ka" "$TMP/m.rps.linux$ka") |" \
            "$(median "$TMP/m.cpu.synack$ka") | $(median "$TMP/m.cpu.linux$ka") |"
    done ;;
esac
case " $TESTS " in *" iperf3 "*)
    echo
    echo "| iperf3 -t $IPERF_S, the client | synack Gbit/s | linux Gbit/s | synack/linux | synack client CPU-s/GB | linux client CPU-s/GB |"
    echo "|---|---:|---:|---:|---:|---:|"
    for dir in send recv; do
        echo "| $dir | $(median "$TMP/m.gbps.synack.$dir") | $(median "$TMP/m.gbps.linux.$dir") |" \
            "$(paired "$TMP/m.gbps.synack.$dir" "$TMP/m.gbps.linux.$dir") |" \
            "$(median "$TMP/m.cpugb.synack.$dir") | $(median "$TMP/m.cpugb.linux.$dir") |"
    done ;;
esac
exit "$FAIL"
