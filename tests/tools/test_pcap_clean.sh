#!/usr/bin/env bash
# The interop tests' capture checks (it_pcap_clean, it_pcap_count in
# tests/interop/lib.sh) can fail, and a tshark error is a failure:
# - captures written by forge_pcap.py with one defect each (synack's or
#   Linux's bad TCP checksum, 0xffff from synack, a bad IP checksum, a frame
#   cut short, a TCP header longer than the frame) are flagged; the correct
#   capture and Linux's 0xffff-for-0x0000 checksum pass (the controls);
# - a capture file cut off in the middle of a record is flagged;
# - a tshark that does not know a field used in the display filter (as on
#   another tshark version: it prints nothing and exits non-zero) makes
#   it_pcap_clean fail with tshark's message, it_pcap_count print
#   "tshark-error" and fail, and test_demo_golden.sh fail;
# - it_pcap_count counts what matches.
# Needs tshark and python3: exit 77 without them (1 in CI).
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=${SYNACK_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
bin_dir=${SYNACK_BINARY_DIR:-$src/build/dev}
. "$src/tests/support/sk_shell.sh" || exit 1
for t in tshark python3; do
    command -v "$t" >/dev/null 2>&1 || sk_skip pcap_clean "$t not installed (run scripts/deps.sh test)"
done

tmp=$(mktemp -d /tmp/sk_pcap_clean.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }

# lib FUNCTION ARGS...: call an interop helper in a subshell that sourced
# lib.sh (it sets nothing up until it_setup is called).
lib() { (. "$src/tests/interop/lib.sh" && "$@"); }

forge() { python3 "$here/forge_pcap.py" "$tmp/$1.pcap" "$1" || bad "forge_pcap.py $1 failed"; }

# clean_is KIND WANT: it_pcap_clean on a forged capture returns WANT (0 or 1).
clean_is() {
    local out rc
    forge "$1"
    out=$(lib it_pcap_clean "$tmp/$1.pcap" 2>&1)
    rc=$?
    if [ $rc -eq "$2" ]; then ok; else bad "it_pcap_clean on '$1': exit $rc, want $2: $out"; fi
}
clean_is good 0
clean_is linux-ffff 0
clean_is tcp-checksum 1
clean_is linux-tcp-checksum 1
clean_is synack-ffff 1
clean_is ip-checksum 1
clean_is truncated 1
clean_is short-tcp-header 1

# A capture file cut off in the middle of its last record.
head -c $(($(wc -c <"$tmp/good.pcap") - 5)) "$tmp/good.pcap" >"$tmp/cut.pcap"
out=$(lib it_pcap_clean "$tmp/cut.pcap" 2>&1)
rc=$?
if [ $rc -ne 0 ] && grep -q 'cut short' <<<"$out"; then ok; else bad "cut-short file: exit $rc: $out"; fi

# it_pcap_count counts (2 SYN+ACKs, 0 RSTs).
n=$(lib it_pcap_count "$tmp/good.pcap" 'tcp.flags.syn == 1 && tcp.flags.ack == 1')
[ "$n" = 2 ] && ok || bad "it_pcap_count SYN+ACK: '$n', want 2"
n=$(lib it_pcap_count "$tmp/good.pcap" 'tcp.flags.reset == 1')
[ "$n" = 0 ] && ok || bad "it_pcap_count RST: '$n', want 0"
n=$(lib it_pcap_count "$tmp/good.pcap" 'tcp.no_such_field == 1' 2>/dev/null)
rc=$?
[ $rc -ne 0 ] && [ "$n" = tshark-error ] && ok || bad "it_pcap_count with an unknown field: exit $rc, printed '$n'"

# A tshark that lacks a field the display filter uses: every -Y filter gets
# "|| sk_no_such_field == 1" added, and the real tshark rejects it.
real=$(command -v tshark)
mkdir -p "$tmp/oldshark"
cat >"$tmp/oldshark/tshark" <<EOF
#!/usr/bin/env bash
args=()
prev=
for a in "\$@"; do
    [ "\$prev" = -Y ] && a="(\$a) || sk_no_such_field == 1"
    args+=("\$a")
    prev=\$a
done
exec "$real" "\${args[@]}"
EOF
chmod +x "$tmp/oldshark/tshark"
oldpath=$tmp/oldshark:$PATH
out=$(PATH=$oldpath lib it_pcap_clean "$tmp/good.pcap" 2>&1)
rc=$?
if [ $rc -ne 0 ] && grep -q 'tshark failed (exit' <<<"$out" && grep -q 'sk_no_such_field' <<<"$out"; then ok; else
    bad "it_pcap_clean with a filter tshark rejects: exit $rc (must fail with tshark's message): $out"
fi
n=$(PATH=$oldpath lib it_pcap_count "$tmp/good.pcap" tcp 2>/dev/null)
rc=$?
[ $rc -ne 0 ] && [ "$n" = tshark-error ] && ok || bad "it_pcap_count under that tshark: exit $rc, printed '$n'"
if [ -x "$bin_dir/tools/synack" ]; then
    out=$(PATH=$oldpath bash "$src/tests/tools/test_demo_golden.sh" 2>&1)
    rc=$?
    if [ $rc -eq 1 ] && grep -q 'tshark failed on the clean check' <<<"$out"; then ok; else
        bad "test_demo_golden.sh under a tshark that rejects its filter: exit $rc: $(tail -5 <<<"$out")"
    fi
else
    bad "synack not built: $bin_dir/tools/synack"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
