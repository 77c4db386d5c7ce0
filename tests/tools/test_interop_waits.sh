#!/usr/bin/env bash
# Test hygiene (issue 10, Build 7): no interop test uses a fixed sleep as
# readiness. Every shell `sleep` in tests/interop/*.sh must sit inside a
# loop (for/while/until ... do ... done): a bounded poll for a listening
# socket, a log line, a file or a state, never "start it, sleep, hope".
# Python waits inside the tests (time.sleep) are not shell and not checked
# here. The checker is tried first on two files of its own: one it must
# accept, one with a bare sleep it must reject, so that it cannot pass by
# accepting everything.
set -u
src=${SYNACK_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

# bare_sleeps FILE: print FILE:LINE for each shell sleep outside a loop
bare_sleeps() {
    awk -v f="$1" '
        { line = $0; sub(/#.*/, "", line) }             # comments out
        line ~ /time\.sleep/ { next }                    # Python, not shell
        {
            n = split(line, w, /[ \t;]+/)
            for (i = 1; i <= n; i++) {
                if (w[i] == "do") depth++
                else if (w[i] == "done" && depth > 0) depth--
                else if (w[i] == "sleep" && depth == 0) print f ":" NR ": " $0
            }
        }' "$1"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/good.sh" <<'EOF'
# sleep in a comment is fine
for _ in $(seq 1 10); do
    ss -ltn | grep -q :80 && break
    sleep 0.05
done
for _ in 1 2 3; do kill -0 1 || break; sleep 0.2; done
while true; do
    sleep 0.1; break
done
EOF
cat >"$tmp/bad.sh" <<'EOF'
server &
sleep 0.3
curl http://192.0.2.2/
EOF
[ -z "$(bare_sleeps "$tmp/good.sh")" ] && ok "checker: sleeps inside loops pass" ||
    bad "checker: flagged a sleep inside a loop: $(bare_sleeps "$tmp/good.sh")"
[ "$(bare_sleeps "$tmp/bad.sh")" = "$tmp/bad.sh:2: sleep 0.3" ] && ok "checker: a bare sleep is found" ||
    bad "checker: missed the bare sleep ($(bare_sleeps "$tmp/bad.sh"))"

n=0
for f in "$src"/tests/interop/*.sh; do
    n=$((n + 1))
    hits=$(bare_sleeps "$f")
    if [ -z "$hits" ]; then
        ok "$(basename "$f"): every sleep is inside a polling loop"
    else
        bad "$(basename "$f"): fixed sleep outside a loop:"
        echo "$hits" | sed 's/^/    /'
    fi
done
[ "$n" -gt 10 ] && ok "checked $n interop scripts" || bad "found only $n interop scripts under $src"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
