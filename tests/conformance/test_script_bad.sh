#!/usr/bin/env bash
# synack script on bad input (docs/conformance.md): every malformed script
# in tests/conformance/bad/ is refused with exit status 2 and exactly one
# error line "FILE:LINE: why" naming the right line; scripts that parse but
# do not match synack fail with status 1 and one such line saying what was
# expected and what came; a stale xfail (the script passes) is a failure.
# No crash on any of them (the dev build runs under ASan/UBSan).
set -u
SRC=${SYNACK_SOURCE_DIR:?}
BIN=${SYNACK_BINARY_DIR:?}/tools/synack
DIR=$SRC/tests/conformance/bad
pass=0 fail=0

# check NAME STATUS LINE PATTERN: the script's exit status, the line number
# in its one error line, and a pattern the line must contain.
check() {
    local name=$1 want_rc=$2 want_line=$3 pattern=$4 err rc n
    err=$("$BIN" script "$DIR/$name.pkt" 2>&1 >/dev/null)
    rc=$?
    n=$(printf '%s\n' "$err" | grep -c .)
    if [ "$rc" = "$want_rc" ] && [ "$n" = 1 ] &&
        printf '%s' "$err" | grep -q "^$DIR/$name.pkt:$want_line: " &&
        printf '%s' "$err" | grep -qF -- "$pattern"; then
        pass=$((pass + 1))
    else
        echo "FAIL $name: status $rc (want $want_rc), $n lines (want 1), line $want_line, '$pattern':"
        printf '%s\n' "$err"
        fail=$((fail + 1))
    fi
}

check flag 2 2 "unknown TCP flag 'X'"
check length 2 1 "end - start is 10, not the length 5"
check noack 2 1 "the ACK flag '.' needs 'ack N'"
check option 2 1 "unknown TCP option"
check call 2 1 "unsupported call 'frobnicate'"
check result 2 1 "after the result"
check window 2 1 "at most 65535"
check time 2 1 "expected a time"
check decimals 2 1 "at most 6 decimals"
check late_option 2 2 "options must come before the first event"
check unknown_option 2 1 "unknown option '--no_such_option'"
check comment 2 2 "unterminated /* comment"
check shell 2 1 "shell commands are not supported"
check empty 2 1 "no events in the script"
check sackblocks 2 1 "at most 4 SACK blocks"
check unterminated 2 1 "unterminated argument list"
check longline 2 1 "line too long"
check optlen 2 1 "more than TCP's 40"
check family 2 1 "bad value in '--ip_version=ipv5'"
check fails_wrong_ack 1 6 "got > S. 0:0(0) ack 1"
check fails_early 1 7 "at 1.001000, got > S. 0:0(0) ack 1 win 65535 <mss 1460> at 1.000000"
check fails_unexpected 1 6 "unexpected outbound segment at 0.000000"
check fails_result 1 5 "accept() returned -1 EAGAIN, expected 4"
check fails_xpass 1 1 "passed, but its xfail says it fails: this script passes"

# A missing file and bad usage are one-line errors too.
err=$("$BIN" script "$DIR/no_such_file.pkt" 2>&1 >/dev/null)
if [ $? = 2 ] && printf '%s' "$err" | grep -q "no_such_file.pkt:0: cannot read"; then
    pass=$((pass + 1))
else
    echo "FAIL missing file: $err"
    fail=$((fail + 1))
fi
if "$BIN" script >/dev/null 2>&1; then
    echo "FAIL: no script given is not an error"
    fail=$((fail + 1))
else
    pass=$((pass + 1))
fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
