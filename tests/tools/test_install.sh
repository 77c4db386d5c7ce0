#!/usr/bin/env bash
# The installed package works for a program outside the tree (issue 12):
#  - a library-only Release build installed with `cmake --install --prefix P`
#    holds libsynack.a, libsynack-posix.a, the core headers, the port's
#    headers under P/include/synack/posix/, a CMake package and two
#    pkg-config files, and no header of src/ (every installed header
#    compiles on its own with -IP/include alone);
#  - pkg-config answers P's directories (not /usr/local);
#  - examples/ (echo_server, http_client, udp_echo) build from an external
#    directory against P, once with find_package(synack) and once with
#    pkg-config --cflags --libs synack-posix;
#  - as root, in a namespace of its own: the externally built programs run
#    (echo 1 MiB, fetch 1 MiB from python's http.server, echo a datagram).
. "$(dirname "$0")/../interop/lib.sh"
it_require cmake pkg-config cc
SRC=$IT_SRC
T=$(mktemp -d /tmp/skit-install.XXXXXX) || exit 1
# lib.sh's it_setup (below, as root) makes its own IT_TMP and trap: ours
# (the build and the prefix) goes too, whichever way the test ends
trap 'it_cleanup; rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
P=$T/prefix

# ---- build and install the libraries alone
cmake -S "$SRC" -B "$T/build" -DCMAKE_BUILD_TYPE=Release -DSYNACK_WERROR=ON \
    -DSYNACK_TESTS=OFF -DSYNACK_TOOLS=OFF -DSYNACK_BENCH=OFF -DSYNACK_EXAMPLES=OFF \
    >"$T/configure.log" 2>&1 &&
    cmake --build "$T/build" -j2 >"$T/build.log" 2>&1 &&
    cmake --install "$T/build" --prefix "$P" >"$T/install.log" 2>&1
check "library-only build installs into P" test $? = 0 || tail -20 "$T"/*.log

for f in lib/libsynack.a lib/libsynack-posix.a include/synack/stack.h \
    include/synack/posix/posix_loop.h include/synack/posix/posix_dev.h \
    include/synack/posix/posix_sock.h include/synack/posix/pcap_file.h \
    include/synack/posix/impair.h include/synack/posix/posix_alloc.h \
    lib/cmake/synack/synackConfig.cmake lib/pkgconfig/synack.pc lib/pkgconfig/synack-posix.pc; do
    check "installed: $f" test -f "$P/$f"
done
check "installed: include/synack/posix/synack_bsd.h" test -f "$P/include/synack/posix/synack_bsd.h"
# the port's internals (*_priv.h, e.g. bsd_priv.h) stay out
ppriv=$(cd "$P/include" && find . -name '*_priv.h')
check "no *_priv.h installed (${ppriv:-none})" test -z "$ppriv"
# nothing but synack/ under include/, and no core-private directory in it
extra=$(cd "$P/include" && ls | grep -vx synack)
check "include/ holds synack/ only (${extra:-nothing else})" test -z "$extra"
private=$(cd "$P/include/synack" && find . -mindepth 1 -type d ! -name posix)
check "no private header directory installed (${private:-none})" test -z "$private"
nbad=0
for h in $(cd "$P/include" && find synack -name '*.h' | sort); do
    if ! printf '#include <%s>\n' "$h" | cc -std=c11 -fsyntax-only -Wall -Werror \
        -I"$P/include" -x c - 2>"$T/hdr.err"; then
        nbad=$((nbad + 1)); echo "  $h needs more than P/include:"; head -3 "$T/hdr.err"
    fi
done
check "every installed header compiles with -IP/include alone ($nbad do not)" test "$nbad" = 0

# ---- pkg-config names P, not the configure-time default
export PKG_CONFIG_PATH=$P/lib/pkgconfig
cflags=$(pkg-config --cflags synack); cflags=${cflags%% }
check "pkg-config --cflags synack = -I$P/include ($cflags)" test "$cflags" = "-I$P/include"
libs=$(pkg-config --libs synack-posix)
check "pkg-config --libs synack-posix names P/lib and both libraries ($libs)" \
    sh -c "case '$libs' in *-L$P/lib*-lsynack-posix*-lsynack*) exit 0;; esac; exit 1"

# ---- the examples from an external directory: CMake package ...
cmake -S "$SRC/examples/external" -B "$T/ex-cmake" -DCMAKE_PREFIX_PATH="$P" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS="-Wall -Wextra -Werror" >"$T/ex.log" 2>&1 &&
    cmake --build "$T/ex-cmake" -j2 >>"$T/ex.log" 2>&1
check "examples/external builds with find_package(synack)" test $? = 0 || tail -20 "$T/ex.log"
# ... and pkg-config, with nothing of the source tree on the command line
mkdir -p "$T/ex-pc"
for ex in echo_server http_client udp_echo; do
    cp "$SRC/examples/$ex.c" "$T/ex-pc/"
    # shellcheck disable=SC2046
    (cd "$T/ex-pc" && cc -std=c11 -Wall -Wextra -Werror -O2 "$ex.c" -o "$ex" \
        $(pkg-config --cflags --libs synack-posix)) 2>"$T/pc-$ex.err"
    check "examples/$ex.c builds with pkg-config synack-posix" test -x "$T/ex-pc/$ex" ||
        head -5 "$T/pc-$ex.err"
done

if [ "$(id -u)" -ne 0 ] || ! command -v socat >/dev/null || ! command -v python3 >/dev/null; then
    echo "[install] not run (needs root, socat, python3): the examples on a TAP"
    it_finish
    exit $?
fi
# ---- run them in our own namespace (lib.sh: 192.0.2.1 Linux, .2 synack)
it_setup
trap 'it_cleanup; rm -rf "$T"' EXIT
it_random "$T/in" 1
# echo_server (CMake build)
"${NSX[@]}" "$T/ex-cmake/echo_server" "$DEV" "$SYNACK_IP/24" 7 >"$T/echo.log" 2>&1 &
pid=$!; IT_PIDS+=("$pid")
it_wait_line "$T/echo.log" '^echo_server: listening on ' "$pid" 10
check "installed echo_server: listening" test $? = 0
nsx timeout 30 socat -t 10 -T 10 - "TCP:$SYNACK_IP:7" <"$T/in" >"$T/out"
check "installed echo_server: 1 MiB back byte for byte" it_same "$T/in" "$T/out"
it_stop "$pid" 10
check "installed echo_server: exits 0 on SIGTERM" test $? = 0
# http_client (pkg-config build) against python's http.server in the namespace
mkdir -p "$T/www" && cp "$T/in" "$T/www/blob"
"${NSX[@]}" python3 -m http.server 8080 --bind "$LINUX_IP" --directory "$T/www" \
    >"$T/httpd.log" 2>&1 &
IT_PIDS+=("$!")
it_wait_listen 8080
nsx timeout 30 "$T/ex-pc/http_client" "$DEV" "$SYNACK_IP/24" "$LINUX_IP" 8080 /blob \
    >"$T/got" 2>"$T/client.err"
check "installed http_client: exits 0 (2xx)" test $? = 0 || cat "$T/client.err"
check "installed http_client: 1 MiB body byte for byte" it_same "$T/in" "$T/got"
# udp_echo (CMake build)
"${NSX[@]}" "$T/ex-cmake/udp_echo" "$DEV" "$SYNACK_IP/24" 7 >"$T/udp.log" 2>&1 &
pid=$!; IT_PIDS+=("$pid")
it_wait_line "$T/udp.log" '^udp_echo: listening on ' "$pid" 10
check "installed udp_echo: listening" test $? = 0
got=$(printf 'datagram-%s' $$ | nsx timeout 10 socat -T 3 - "UDP:$SYNACK_IP:7")
check "installed udp_echo: the datagram comes back ($got)" test "$got" = "datagram-$$"
it_stop "$pid" 10
check "installed udp_echo: exits 0 on SIGTERM" test $? = 0
grep -q '^udp_echo: 1 datagrams echoed' "$T/udp.log"
check "installed udp_echo: counted one datagram" test $? = 0
it_finish
