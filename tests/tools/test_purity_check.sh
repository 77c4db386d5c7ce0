#!/usr/bin/env bash
# tests/check_core_purity.sh can fail: it is run on small temporary trees.
# Each forbidden line sits alone in an otherwise clean tree and must be
# reported at its own file:line (so it is flagged for that line, not for
# something else); the clean tree, full of lines that merely look like calls
# (comments, strings, sk_* and *_free calls, member calls), must pass; and
# the real tree must pass.
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=${SYNACK_SOURCE_DIR:-$(cd "$here/../.." && pwd)}
checker=$src/tests/check_core_purity.sh

tmp=$(mktemp -d /tmp/sk_purity.XXXXXX) || exit 1
trap 'rm -rf "$tmp"' EXIT

passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }

# Lines that look like forbidden calls but are not (all in one file).
CLEAN='#include <stdint.h>
#include "base/seq.h"
/* free(p) is the caller'"'"'s job; printf("x") is for port/ */
// rand() lives in port/posix
static const char *s = "printf(\"%d\", x); free(p)";
static const char c = '"'"'"'"'"';
/*
 * exit(1)
   abort();
 */
void f(struct a *a, void *p)
{
    sk_buf_free(a->buf);      /* free(p) in a trailing comment */
    a->alloc.free(a->ctx, p); // member call through the allocator
    a->release(p);
    uint64_t t = sk_now_time(a) + a->time;
    int n = sk_len(a) + sk_rand_u32(a->rng);
    tcb_abort(a);
    (void)t; (void)n; (void)s; (void)c;
}'

# tree NAME LINE: a tree with the clean file and LINE in src/tcp/x.c line 3.
tree() {
    local d=$tmp/$1
    mkdir -p "$d/src/tcp" "$d/src/base" "$d/include/synack"
    printf '%s\n' "$CLEAN" >"$d/src/base/clean.c"
    printf '#include <stdint.h>\nint g(void);\n' >"$d/include/synack/api.h"
    printf 'void h(int *p, int *out)\n{\n%s\n}\n' "$2" >"$d/src/tcp/x.c"
    echo "$d"
}

# must_fail NAME LINE: the checker exits 1 and names src/tcp/x.c:3.
must_fail() {
    local d out rc
    d=$(tree "$1" "$2")
    out=$(sh "$checker" "$d" 2>&1)
    rc=$?
    if [ $rc -eq 1 ] && grep -q '^src/tcp/x\.c:3:' <<<"$out"; then ok; else
        bad "$1: '$2' not caught (exit $rc): $out"
    fi
}

must_fail free_after_sk_call '    if (sk_ok(p)) free(p);'
must_fail rand_after_sk_call '    *out = sk_len(p) + rand();'
must_fail line_starts_with_star '    *out = rand();'
must_fail printf_after_comment_like_string '    const char *s = "/* not a comment"; printf("%s", s);'
must_fail printf_after_slashes_string '    const char *s = "// nor this"; printf("%s", s);'
must_fail call_after_closed_comment '    /* done */ exit(1);'
must_fail call_after_quote_char "    char q = '\"'; free(p);"
must_fail call_after_escaped_quote '    const char *s = "a\"b"; abort();'
must_fail time_with_space '    *out = (int)time (0);'
must_fail malloc_after_free_named_call '    sk_buf_free(p); p = malloc(8);'
# A call after a comment that spans lines (the call is on line 4 of y.c).
d=$(tree two_lines_call '    /* a comment that ends here */ (void)p;')
printf 'void k(void)\n{\n    /* fine:\n       free(p) */ nanosleep(0, 0);\n}\n' >"$d/src/tcp/y.c"
out=$(sh "$checker" "$d" 2>&1)
if [ $? -eq 1 ] && grep -q '^src/tcp/y\.c:4:' <<<"$out"; then ok; else bad "call after a multi-line comment not caught: $out"; fi

# OS header in the core, and a public header including more than it may.
d=$(tree os_header '    (void)p;')
printf '#include <sys/socket.h>\n' >>"$d/src/base/clean.c"
out=$(sh "$checker" "$d" 2>&1)
if [ $? -eq 1 ] && grep -q 'OS header' <<<"$out"; then ok; else bad "OS header not caught: $out"; fi
d=$(tree public_header '    (void)p;')
printf '#include <stdio.h>\n' >>"$d/include/synack/api.h"
out=$(sh "$checker" "$d" 2>&1)
if [ $? -eq 1 ] && grep -q 'public header' <<<"$out"; then ok; else bad "public header not caught: $out"; fi

# The clean tree passes (so the failures above are about their lines).
d=$(tree clean '    *out = *p; /* rand() */')
out=$(sh "$checker" "$d" 2>&1)
if [ $? -eq 0 ]; then ok; else bad "clean tree rejected: $out"; fi

# A tree with nothing to check is an error, not a pass.
mkdir -p "$tmp/empty/src" "$tmp/empty/include"
out=$(sh "$checker" "$tmp/empty" 2>&1)
rc=$?
if [ $rc -ne 0 ]; then ok; else bad "empty tree passed: $out"; fi

# The real tree passes.
out=$(sh "$checker" "$src" 2>&1)
if [ $? -eq 0 ]; then ok; else bad "the real tree fails: $out"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
