#!/usr/bin/env bash
# synack demo --html in a real browser (headless Chromium):
# - the textbook conversation's page loads with no console message (an
#   uncaught exception or any console output is a failure; a control page
#   with a deliberate error proves the check sees one), its script ran to the
#   end (it stamps data-arrows on <body>), and the ladder has one arrow per
#   segment of tests/tools/demo_default.txt;
# - opening the page at #seg5 fills the details panel with segment 5's
#   header, as a click does;
# - a lossy run's page has one arrow per segment, the lost ones marked (as
#   many as the narration says), and loads without errors; a
#   retransmission's details name the stack's cause; the Chinese page loads
#   without errors too;
# - the page is self-contained: no http(s) URL, no external script or style;
# - same options, same bytes;
# - a screenshot of the page is saved as demo_html.png in the build directory.
# Needs chromium (scripts/deps.sh test): exit 77 without it (1 in CI).
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=${SYNACK_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
bin_dir=${SYNACK_BINARY_DIR:-$src/build/dev}
synack=$bin_dir/tools/synack
. "$src/tests/support/sk_shell.sh" || exit 1
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || sk_skip demo_html "chromium not installed (run scripts/deps.sh test)"

tmp=$(mktemp -d /tmp/sk_demo_html.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }

# load URL: the DOM after the scripts ran in $tmp/dom, the console in
# $tmp/console (Chromium logs each console message on stderr as CONSOLE).
load() {
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$tmp/profile" \
        --enable-logging=stderr --v=0 --dump-dom "$1" >"$tmp/dom" 2>"$tmp/stderr"
    local rc=$?
    grep -E 'CONSOLE|Uncaught' "$tmp/stderr" >"$tmp/console"
    return $rc
}
arrows() { grep -o '<g class="arrow[^"]*"' "$tmp/dom" | grep -c .; }

# ---- the control: the check sees a console error ----
printf '<!DOCTYPE html><html><body><script>no_such_function();</script></body></html>\n' >"$tmp/control.html"
load "file://$tmp/control.html"
grep -q 'no_such_function' "$tmp/console" && ok || bad "the console check missed the control page's error"

# ---- the textbook conversation ----
"$synack" demo --html "$tmp/page.html" >"$tmp/narr.txt" || bad "demo --html failed"
"$synack" demo --html "$tmp/page2.html" >/dev/null && cmp -s "$tmp/page.html" "$tmp/page2.html" && ok ||
    bad "two identical runs wrote different pages"
# a segment's line: its number first, then who sends it to whom
seg_line='^ *[0-9]+ .*(client → server|server → client)'
want=$(grep -cE "$seg_line" "$src/tests/tools/demo_default.txt")
[ "$want" -eq 10 ] && ok || bad "demo_default.txt should show 10 segments, counted $want"
if load "file://$tmp/page.html#seg5"; then ok; else bad "chromium failed on the page: $(tail -3 "$tmp/stderr")"; fi
[ ! -s "$tmp/console" ] && ok || bad "console messages: $(cat "$tmp/console")"
got=$(arrows)
[ "$got" -eq "$want" ] && ok || bad "the ladder has $got arrows, expected $want"
grep -q "data-arrows=\"$want\"" "$tmp/dom" && ok || bad "the page's script did not run to the end"
# segment 5 is the server's 10 bytes with the piggybacked ACK
grep -A8 '<div id="details">#5  server → client' "$tmp/dom" | grep -q 'flags  PSH+ACK' && ok ||
    bad "#seg5 did not fill the details panel: $(grep -A3 'id="details"' "$tmp/dom")"
grep -qE '(src|href)="https?:|@import|url\(http' "$tmp/page.html" && bad "the page fetches something" || ok
[ "$(grep -c '<svg' "$tmp/page.html")" -eq 4 ] && ok || bad "expected the ladder and three plots"
timeout 120 "$browser" --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir="$tmp/profile" \
    --hide-scrollbars --window-size=1500,1300 --screenshot="$bin_dir/demo_html.png" "file://$tmp/page.html" \
    >/dev/null 2>&1
[ "$(head -c 4 "$bin_dir/demo_html.png" 2>/dev/null | od -An -tx1 | tr -d ' ')" = 89504e47 ] && ok ||
    bad "no screenshot in $bin_dir/demo_html.png"

# ---- a lossy run, and the Chinese page ----
"$synack" demo --bytes 30000 --loss 0.05 --seed 3 --sack --html "$tmp/loss.html" >"$tmp/loss.txt" ||
    bad "lossy demo --html failed"
segs=$(grep -cE "$seg_line" "$tmp/loss.txt")
lost=$(grep -E "$seg_line.*✗" "$tmp/loss.txt" | grep -c .)
load "file://$tmp/loss.html" || bad "chromium failed on the lossy page"
[ ! -s "$tmp/console" ] && ok || bad "lossy page console: $(cat "$tmp/console")"
[ "$(arrows)" -eq "$segs" ] && [ "$segs" -gt 30 ] && ok || bad "lossy page: $(arrows) arrows, $segs segments"
got=$(grep -o '<g class="arrow[^"]*lost"' "$tmp/dom" | grep -c .)
[ "$got" -eq "$lost" ] && [ "$lost" -gt 0 ] && ok || bad "lossy page: $got lost arrows, narration says $lost"
# a retransmission's details name the stack's cause
n=$(grep -E "$seg_line.*retransmission of" "$tmp/loss.txt" | head -1 | awk '{print $1}')
load "file://$tmp/loss.html#seg$n" || bad "chromium failed on the lossy page at #seg$n"
grep -A14 "<div id=\"details\">#$n " "$tmp/dom" | grep -qE 'retransmission, cause: (timeout|fast|partial-ack|sack|rack|tlp) \(' &&
    ok || bad "#seg$n (a retransmission) shows no cause: $(grep -A14 'id="details"' "$tmp/dom")"
"$synack" demo --lang zh --html "$tmp/zh.html" >/dev/null || bad "demo --lang zh --html failed"
load "file://$tmp/zh.html" && [ ! -s "$tmp/console" ] && [ "$(arrows)" -eq "$want" ] && ok ||
    bad "the Chinese page: $(cat "$tmp/console")"
grep -q '客户端' "$tmp/zh.html" && ok || bad "the Chinese page has no Chinese narration"

# ---- a bad file name is one line and exit 1 ----
"$synack" demo --html "$tmp/no/such/dir/x.html" >/dev/null 2>"$tmp/err"
[ $? -eq 1 ] && [ "$(grep -c . "$tmp/err")" = 1 ] && ok || bad "unwritable --html: $(cat "$tmp/err")"

echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
