. "$(dirname "$0")/lib.sh"
it_require socat
it_setup
it_random "$IT_TMP/in" 10
for i in 1 2 3 4; do
"${NSX[@]}" timeout 60 socat TCP-LISTEN:45002,reuseaddr PIPE &
srv=$!; IT_PIDS+=("$srv")
sleep 0.3
start=$(date +%s.%N)
"${NSX[@]}" timeout 60 $SYNACK connect --tap $DEV --addr $SYNACK_IP/24 --stats --pcap $IT_TMP/c$i.pcap $LINUX_IP 45002 <"$IT_TMP/in" >"$IT_TMP/got3" 2>"$IT_TMP/c$i.err"
end=$(date +%s.%N)
wait $srv
echo "run $i: $(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.2f s", e - s }')"
grep -E "retrans|drops|device" $IT_TMP/c$i.err
done
SK_KEEP=1
