#!/bin/sh
# The core (src/ and include/) is portable C11 over libc: no OS headers, no
# clocks, no randomness, no printing, no sleeping. Time and entropy enter only
# through port/. This check fails the test run when that rule is broken.
#
# Calls are checked on the code only: comments and the contents of string
# and character literals are removed first (a small lexer below, which also
# follows /* */ across lines), then the allowed calls (the project's own
# sk_* functions, names ending in _free/_time/_abort, and calls through a
# struct member such as alloc->free) are removed from the line, and what is
# left must call none of the forbidden functions. So `if (sk_ok(p)) free(p);`
# and `*out = rand();` fail; `sk_buf_free(b);  /* free(p) */` passes.
# tests/tools/test_purity_check.sh proves both on small trees.
top=${1:-.}
cd "$top" || exit 2
[ -d src ] && [ -d include ] || { echo "core_purity: no src/ and include/ under $top"; echo "0 passed, 1 failed"; exit 2; }

forbidden='clock_gettime|gettimeofday|time|rand|srand|random|printf|fprintf|puts|fputs|putchar|fputc|fopen|fwrite|fread|fflush|perror|getrandom|sleep|usleep|nanosleep|malloc|calloc|realloc|free|exit|abort'

# code_only FILE...: "file:line:code" for every line with code left once
# comments are dropped and literals emptied ("..." and '...' stay as "" '').
code_only() {
    awk '
    FNR == 1 { incomment = 0 }
    {
        line = $0; n = length(line); out = ""; i = 1
        while (i <= n) {
            c = substr(line, i, 1); c2 = substr(line, i, 2)
            if (incomment) {
                if (c2 == "*/") { incomment = 0; out = out " "; i += 2 } else i++
                continue
            }
            if (c2 == "/*") { incomment = 1; i += 2; continue }
            if (c2 == "//") break
            if (c == "\"" || c == "\047") {
                j = i + 1
                while (j <= n) {
                    d = substr(line, j, 1)
                    if (d == "\\") { j += 2; continue }
                    if (d == c) break
                    j++
                }
                out = out c c; i = j + 1
                continue
            }
            out = out c; i++
        }
        if (out ~ /[^ \t]/) print FILENAME ":" FNR ":" out
    }' "$@"
}

files=$(find src include -type f \( -name '*.c' -o -name '*.h' \) | sort)
bad=$(grep -rnE '#[[:space:]]*include[[:space:]]*<(sys/|unistd\.h|time\.h|pthread\.h|netinet/|arpa/|net/|linux/|fcntl\.h|signal\.h|poll\.h|dlfcn\.h)' src include 2>/dev/null)
[ -n "$files" ] || { echo "core_purity: no .c or .h file under src/ and include/"; echo "0 passed, 1 failed"; exit 2; }
# shellcheck disable=SC2086 # file names under src/ and include/ have no spaces
code=$(code_only $files) && [ -n "$code" ] ||
    { echo "core_purity: the comment and literal stripper failed (awk)"; echo "0 passed, 1 failed"; exit 2; }
calls=$(printf '%s\n' "$code" \
    | sed -E 's/\b(sk_[A-Za-z0-9_]*|[A-Za-z0-9_]+_(free|time|abort))[[:space:]]*\(/(/g;
              s/(->|\.)[[:space:]]*[A-Za-z_][A-Za-z0-9_]*[[:space:]]*\(/(/g' \
    | grep -E "^[^:]+:[0-9]+:.*\\b($forbidden)[[:space:]]*\\(")
pub=$(grep -rnE '#[[:space:]]*include[[:space:]]*<' include | grep -vE '<(stdint|stddef|stdbool)\.h>')
status=0
if [ -n "$bad" ]; then echo "core_purity: OS header included under src/ or include/:"; echo "$bad"; status=1; fi
if [ -n "$calls" ]; then
    echo "core_purity: forbidden call (clock, randomness, I/O, allocation) in the core (comments, literals and allowed calls removed):"
    echo "$calls"
    status=1
fi
if [ -n "$pub" ]; then echo "core_purity: public header includes more than stdint/stddef/stdbool:"; echo "$pub"; status=1; fi
if [ $status -eq 0 ]; then echo "core_purity: src/ and include/ are free of OS headers, clocks, randomness, printing and malloc"; echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; fi
exit $status
