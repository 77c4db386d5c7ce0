# shellcheck shell=bash
# Helpers shared by the shell-driven tests (sourced, not run): skips that
# cannot pass for passes in CI, and tshark runs whose errors are failures.
#
# A test that cannot run (not root, no /dev/net/tun, a tool missing) exits
# 77, which CTest reports as "Skipped" and scripts/test.sh lists at the end.
# In CI a skip is a failure: with CI=true (or 1) or SYNACK_REQUIRE_ALL=1
# (.ci/run exports it) the same test exits 1 and says what it lacked, so a
# green CI run means every test ran.

# sk_require_all: true when skips are failures (CI).
sk_require_all() {
    [ "${SYNACK_REQUIRE_ALL:-}" = 1 ] && return 0
    case "${CI:-}" in
        true | TRUE | True | 1) return 0 ;;
    esac
    return 1
}

# sk_skip NAME REASON...: skip the test (exit 77), or in CI fail it (exit 1).
sk_skip() {
    local name=$1
    shift
    if sk_require_all; then
        echo "[$name] FAIL: cannot run: $*"
        echo "[$name] skips are failures here (CI=${CI:-} SYNACK_REQUIRE_ALL=${SYNACK_REQUIRE_ALL:-});" \
            "unset both to allow the skip"
        echo "0 passed, 1 failed"
        exit 1
    fi
    echo "[$name] SKIP: $*"
    exit 77
}

# sk_tshark ARGS...: run tshark; its standard output passes through. When
# tshark fails (an unknown field, preference or filter on this version, an
# unreadable or cut-short capture) print its exit status and its stderr on
# stderr and return non-zero, so that empty output is never read as "no
# frames" or "nothing matched". On success its stderr (a warning about
# running as root) is dropped.
sk_tshark() {
    local err rc
    err=$(mktemp /tmp/sk_tshark.XXXXXX) || return 1
    tshark "$@" 2>"$err"
    rc=$?
    if [ $rc -ne 0 ]; then
        {
            echo "tshark failed (exit $rc): tshark $*"
            sed 's/^/    /' "$err"
        } >&2
    fi
    rm -f "$err"
    return $rc
}
