#!/bin/sh
# Congestion control is events with facts (src/tcp/tcp_cc.h): only the CC
# module (src/tcp/tcp_cc*.c) writes a connection's cwnd or ssthresh; the
# rest of TCP reports events. This check fails when another file assigns
# to either field (sk_tcp_info's copies, `out->cwnd`, are reads).
top=${1:-.}
cd "$top" || exit 2
bad=$(grep -rnE '(->|\.)(cwnd|ssthresh)[[:space:]]*([-+*/|&^]?=[^=]|<<=|>>=|\+\+|--)|(\+\+|--)[[:space:]]*[a-z_]+(->|\.)(cwnd|ssthresh)' src include \
      | grep -vE '^src/tcp/tcp_cc[a-z_]*\.c:' | grep -vE 'out->(cwnd|ssthresh)[[:space:]]*=')
if [ -n "$bad" ]; then
    echo "cc_writers: cwnd/ssthresh written outside src/tcp/tcp_cc*.c:"
    echo "$bad"
    echo "0 passed, 1 failed"
    exit 1
fi
echo "cc_writers: only src/tcp/tcp_cc*.c write cwnd and ssthresh"
echo "1 passed, 0 failed"
