#!/usr/bin/env bash
# List the tests CTest did not run, loudly (called by scripts/test.sh).
#   scripts/skip_report.sh CTEST_OUTPUT [LASTTEST_LOG]
# CTEST_OUTPUT is what `ctest` printed; LASTTEST_LOG (Testing/Temporary/
# LastTest.log, which records a skipped test as "Test Passed.") supplies
# each skipped test's own "SKIP: why" line.
# Exit 0 when every test ran, or when some were skipped outside CI (the list
# is printed); 1 when some were skipped and skips are failures (CI=true or
# SYNACK_REQUIRE_ALL=1); 2 when CTEST_OUTPUT is missing or holds no test
# result line (a format this script does not know must not read as "none
# skipped").
set -u
out=${1:?usage: skip_report.sh CTEST_OUTPUT [LASTTEST_LOG]}
last=${2:-}
. "$(cd "$(dirname "$0")" && pwd)/../tests/support/sk_shell.sh" || exit 2

[ -r "$out" ] || { echo "skip_report: cannot read $out"; exit 2; }
if ! grep -qE '^ *[0-9]+/[0-9]+ +Test +#[0-9]+: ' "$out"; then
    echo "skip_report: no test result line in $out (not CTest output?)"
    exit 2
fi

# Names from both places CTest reports them: the progress line
#   "12/40 Test #35: test_echo ......***Skipped   0.03 sec"
# and the summary block "The following tests did not run:" with lines
#   "	 35 - test_echo (Skipped)"  (also "(Disabled)").
names=$( {
    sed -nE 's/^ *[0-9]+\/[0-9]+ +Test +#[0-9]+: +([^ ]+) .*\*\*\*(Skipped|Not Run).*/\1/p' "$out"
    sed -nE 's/^[[:space:]]*[0-9]+ - ([^ ]+) \((Skipped|Disabled|Not Run)\)[[:space:]]*$/\1/p' "$out"
} | sort -u)

[ -n "$names" ] || exit 0

# why NAME: the test's own SKIP line(s) from LastTest.log, else its last line.
why() {
    [ -n "$last" ] && [ -r "$last" ] || return 0
    awk -v t="$1" '
        $0 ~ /^[0-9]+\/[0-9]+ Test: / { cur = ($3 == t) ; inout = 0; next }
        cur && /^Output:$/ { inout = 1; next }
        cur && /^<end of output>$/ { inout = 0; cur = 0; next }
        cur && inout && !/^-+$/ && NF { lastline = $0; if ($0 ~ /SKIP|[Ss]kipped|not installed|missing/) { print; found = 1 } }
        END { if (!found && lastline != "") print lastline }' "$last" | head -3
}

count=$(echo "$names" | wc -l)
bar="======================================================================"
echo
echo "$bar"
echo "SKIPPED: $count test(s) did not run; CTest's \"tests passed\" above counts them as passed:"
for n in $names; do
    echo "  $n"
    why "$n" | sed 's/^/      /'
done
if sk_require_all; then
    echo "Skips are failures here (CI=${CI:-} SYNACK_REQUIRE_ALL=${SYNACK_REQUIRE_ALL:-}): FAILED."
    echo "$bar"
    exit 1
fi
echo "Run as root with the test tools installed (bash scripts/deps.sh test) to run them."
echo "In CI (CI=true or SYNACK_REQUIRE_ALL=1) a skip fails the run."
echo "$bar"
exit 0
