#!/bin/sh
# The core (src/ and include/) is portable C11 over libc: no OS headers, no
# clocks, no randomness, no printing, no sleeping. Time and entropy enter only
# through port/. This check fails the test run when that rule is broken.
top=${1:-.}
cd "$top" || exit 2
bad=$(grep -rnE '#[[:space:]]*include[[:space:]]*<(sys/|unistd\.h|time\.h|pthread\.h|netinet/|arpa/|net/|linux/|fcntl\.h|signal\.h|poll\.h|dlfcn\.h)' src include 2>/dev/null)
calls=$(grep -rnE '\b(clock_gettime|gettimeofday|time|rand|srand|random|printf|fprintf|puts|fputs|putchar|fputc|fopen|fwrite|fread|fflush|perror|getrandom|sleep|usleep|nanosleep|malloc|calloc|realloc|free|exit|abort)[[:space:]]*\(' src include 2>/dev/null \
        | grep -vE '^[^:]+:[0-9]+:[[:space:]]*(//|\*|/\*)' \
        | grep -vE '\b(sk_[a-z0-9_]*|[a-z0-9_]+_(free|time|abort))[[:space:]]*\(' )
pub=$(grep -rnE '#[[:space:]]*include[[:space:]]*<' include | grep -vE '<(stdint|stddef|stdbool)\.h>')
status=0
if [ -n "$bad" ]; then echo "core_purity: OS header included under src/ or include/:"; echo "$bad"; status=1; fi
if [ -n "$calls" ]; then echo "core_purity: forbidden call (clock, randomness, I/O, allocation) in the core:"; echo "$calls"; status=1; fi
if [ -n "$pub" ]; then echo "core_purity: public header includes more than stdint/stddef/stdbool:"; echo "$pub"; status=1; fi
if [ $status -eq 0 ]; then echo "core_purity: src/ and include/ are free of OS headers, clocks, randomness, printing and malloc"; echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; fi
exit $status
