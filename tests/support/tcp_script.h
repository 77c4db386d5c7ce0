/* tcp_script: scripted TCP tests in virtual time (layer 2 of the test plan).
 *
 * One synack stack ("us", 10.0.0.2) and a virtual peer ("peer", 10.0.0.1)
 * that is the test itself. The test injects segments from the peer at a
 * virtual time t, built as real IPv4+TCP packets with correct checksums, and
 * then checks, segment by segment, what the stack emits at time t:
 *
 *     TS_INJECT(&ts, t, .flags = TS_A, .seq = 5001, .ack = 1001, .len = 100);
 *     TS_EXPECT(&ts, t, .flags = TS_A, .seq = 1001, .ack = 5101, TS_WIN(65535));
 *     TS_NOTHING(&ts, t);             -- "nothing else was sent", one assertion
 *
 * Segments are compared by fields: ports, flags (PSH only with TS_PSH),
 * seq, ack (when ACK is set), payload length, payload bytes, the window when
 * TS_WIN is given, and the options (what is not expected must be absent).
 * On a mismatch both segments are printed in the one-line form of
 * wire/seg_text.h with the test's file and line.
 *
 * Payloads: a segment given a length but no data carries a deterministic
 * pattern of its stream: for the peer, byte i of its stream (i = seq - irs - 1)
 * is ts_pattern(TS_PEER_STREAM, i); for us, the bytes ts_send() queued, and an
 * expected segment without .data is checked against that pattern. ts_recv()
 * checks that what the application reads is the peer's stream, byte exact.
 *
 * Time: every call takes an absolute virtual time in microseconds and time
 * never goes back. Output is drained only by TS_EXPECT/TS_NOTHING (and
 * ts_discard), at the time they are given, so "nothing at 999 ms, the
 * segment at 1000 ms" is written as it reads.
 */
#ifndef SK_TCP_SCRIPT_H
#define SK_TCP_SCRIPT_H

#include "synack/error.h"
#include "synack/stack.h"
#include "wire/tcp_hdr.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Flag shorthands */
#define TS_S SK_TCP_SYN
#define TS_A SK_TCP_ACK
#define TS_F SK_TCP_FIN
#define TS_R SK_TCP_RST
#define TS_P SK_TCP_PSH
#define TS_SA (SK_TCP_SYN | SK_TCP_ACK)
#define TS_FA (SK_TCP_FIN | SK_TCP_ACK)
#define TS_RA (SK_TCP_RST | SK_TCP_ACK)
#define TS_PA (SK_TCP_PSH | SK_TCP_ACK)

/* Fixed initial sequence numbers and ports of the scripted connection. */
#define TS_US_ISN 1000u
#define TS_PEER_ISN 5000u
#define TS_US_PORT_ACTIVE 40000   /* our port when we connect */
#define TS_PEER_PORT_ACTIVE 80    /* the peer's port when we connect */
#define TS_US_PORT_PASSIVE 80     /* our listening port */
#define TS_PEER_PORT_PASSIVE 50000 /* the peer's port when it connects */

#define TS_MS(n) ((sk_time_us)(n) * 1000u)
#define TS_SEC(n) ((sk_time_us)(n) * 1000000u)

enum { TS_PEER_STREAM = 1, TS_US_STREAM = 2 };

/* One segment, injected or expected. Zero fields mean zero, except: the
 * window (TS_WIN; injected: the script's peer_win when not given), the ports
 * (0: the scripted connection's) and the payload (see above). */
typedef struct {
    uint8_t flags;
    uint32_t seq, ack;
    uint32_t len;
    const void *data;
    bool has_win;
    uint16_t win;
    bool has_mss;
    uint16_t mss;
    bool has_ws;
    uint8_t ws;
    bool check_psh; /* expected: compare the PSH bit too */
    uint16_t sport, dport;
    bool sack_ok;   /* SACK-permitted (RFC 2018 §2) */
    bool has_ts;    /* timestamps with exactly these values */
    uint32_t tsval, tsecr;
    bool no_ts;     /* no timestamps, even with ts->ts_on */
    uint8_t n_sack; /* SACK blocks [left, right) */
    uint32_t sack[SK_TCP_MAX_SACK][2];
} ts_seg;

#define TS_WIN(w) .has_win = true, .win = (uint16_t)(w)
#define TS_MSS(m) .has_mss = true, .mss = (uint16_t)(m)
#define TS_WS(s) .has_ws = true, .ws = (uint8_t)(s)
#define TS_PSH .check_psh = true
#define TS_SACKOK .sack_ok = true
#define TS_TSOPT(val, ecr) .has_ts = true, .tsval = (uint32_t)(val), .tsecr = (uint32_t)(ecr)
#define TS_NOTS .no_ts = true
/* TS_SACK(2, {100, 200}, {300, 400}) */
#define TS_SACK(n, ...) .n_sack = (uint8_t)(n), .sack = {__VA_ARGS__}
/* The peer's timestamp clock: TS_PEER_TS0 + t in ms. */
#define TS_PEER_TS0 700000u

/* A segment the stack emitted. */
typedef struct {
    sk_tcp_repr hdr; /* hdr.payload points into data */
    uint8_t data[2048];
    sk_time_us at;
    bool ip_ok; /* IPv4 header from us to the peer, DF, checksums right */
} ts_out;

#define TS_QUEUE_CAP 256

typedef struct {
    sk_stack *s;
    sk_stack_config cfg;
    sk_time_us now;
    sk_sock sock;     /* the connection under test */
    sk_sock listener; /* passive opens */
    uint16_t lport, rport;
    uint32_t iss, irs;

    /* the peer's behaviour in scripted handshakes */
    uint16_t peer_mss; /* 0: no MSS option */
    int peer_ws;       /* -1: no window scale option */
    uint16_t peer_win; /* window field of injected segments without TS_WIN */
    uint32_t us_isn, peer_isn; /* ISNs of scripted handshakes (TS_*_ISN) */
    bool peer_sack;    /* the peer's SYN offers SACK-permitted */
    bool peer_ts;      /* the peer's SYN offers timestamps */
    /* timestamps are on (both offered): injected segments without TS_TSOPT
     * or TS_NOTS carry TSval = the peer's clock, TSecr = us_tsval; expected
     * ones must carry timestamps (values compared only with TS_TSOPT) */
    bool ts_on;
    uint32_t us_tsval; /* the last TSval we sent */

    /* bytes the application has sent (ts_send) and read (ts_recv) */
    uint32_t sent, read;

    ts_out *q; /* drained, not yet checked */
    size_t q_head, q_len;

    int fails; /* failures the harness reported */

    /* allocator accounting */
    size_t live_bytes, live_blocks;
    size_t fail_alloc_min; /* allocations of at least this many bytes fail (0: none) */
} ts_script;

/* A default configuration for scripts: us = 10.0.0.2/24, a counting malloc
 * allocator, fixed seed. Change fields, then pass it to ts_init. */
void ts_config(sk_stack_config *cfg);
/* ts_config with the textbook sender of RFC 5681 and RFC 6582: NewReno
 * and RFC 5681 §3.1's initial window (2-4 segments), for tests that assert
 * that arithmetic rather than the defaults (CUBIC, IW 10). */
void ts_config_newreno(sk_stack_config *cfg);
/* Create the stack (cfg NULL: ts_config defaults). The allocator of cfg is
 * replaced by the script's counting allocator. */
void ts_init(ts_script *ts, const sk_stack_config *cfg);
/* Destroy the stack; fails the test if checked segments were left over or
 * memory was leaked. */
void ts_free(ts_script *ts);

/* The pattern byte at offset i of a stream. */
uint8_t ts_pattern(int stream, uint32_t i);

/* Build the peer's segment as an IPv4 packet (for tests that corrupt it). */
size_t ts_build(const ts_script *ts, const ts_seg *seg, uint8_t *buf, size_t cap);
/* Feed raw bytes to the stack at time t. */
void ts_inject_raw(ts_script *ts, sk_time_us t, const uint8_t *pkt, size_t len);
/* The same with the device's frame metadata (sk_stack_input_meta). */
void ts_inject_meta(ts_script *ts, sk_time_us t, const uint8_t *pkt, size_t len,
                    const sk_frame_meta *meta);
/* One frame from sk_stack_output_meta at t, outside the checked queue (for
 * frames longer than ts_out holds); keeps the script's TSecr current. */
size_t ts_output_meta(ts_script *ts, sk_time_us t, uint8_t *buf, size_t cap, sk_frame_meta *meta);

void ts_inject_(ts_script *ts, const char *file, int line, sk_time_us t, ts_seg seg);
void ts_expect_(ts_script *ts, const char *file, int line, sk_time_us t, ts_seg seg);
void ts_nothing_(ts_script *ts, const char *file, int line, sk_time_us t);

#define TS_INJECT(ts, t, ...) ts_inject_((ts), __FILE__, __LINE__, (t), (ts_seg){__VA_ARGS__})
#define TS_EXPECT(ts, t, ...) ts_expect_((ts), __FILE__, __LINE__, (t), (ts_seg){__VA_ARGS__})
#define TS_NOTHING(ts, t) ts_nothing_((ts), __FILE__, __LINE__, (t))

/* Drain and discard what the stack emits at t; returns the count. */
size_t ts_discard(ts_script *ts, sk_time_us t);
/* Drain at t and hand out the next emitted segment without checking it
 * (NULL when none). Valid until the next script call. */
const ts_out *ts_next(ts_script *ts, sk_time_us t);

/* Connections in ESTABLISHED through a scripted handshake with the fixed
 * ISNs (ts->us_isn, ts->peer_isn: TS_US_ISN and TS_PEER_ISN unless changed) and the peer's options from
 * ts->peer_mss / peer_ws. Active: our SYN at t, the peer's SYN,ACK at t+rtt,
 * our ACK. Passive: the peer's SYN at t, our SYN,ACK, the peer's ACK at
 * t+rtt, accept. Both leave ts->now = t + rtt and return true on success. */
/* The endpoint a.b.c.d:port. */
sk_endpoint ts_endpoint(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port);
bool ts_open_active(ts_script *ts, sk_time_us t, sk_time_us rtt);
/* ts_open_active's first step alone: connect from TS_US_PORT_ACTIVE to
 * the peer's TS_PEER_PORT_ACTIVE with ts->us_isn at t and check our SYN
 * (its window, MSS, scale, SACK-permitted and timestamp from ts->cfg);
 * the connection is left in SYN-SENT. */
bool ts_connect_syn(ts_script *ts, sk_time_us t);
bool ts_open_passive(ts_script *ts, sk_time_us t, sk_time_us rtt);
/* Listen on TS_US_PORT_PASSIVE with the fixed ISN (backlog 0: default). */
bool ts_listen(ts_script *ts, int backlog);

/* The application sends n pattern bytes of our stream; returns what
 * sk_tcp_send returned. */
ptrdiff_t ts_send(ts_script *ts, sk_time_us t, size_t n);
/* The application reads up to n bytes; fails the test unless they are the
 * next bytes of the peer's stream. Returns what sk_tcp_recv returned. */
ptrdiff_t ts_recv_(ts_script *ts, const char *file, int line, sk_time_us t, size_t n);
#define ts_recv(ts, t, n) ts_recv_((ts), __FILE__, __LINE__, (t), (n))

sk_tcp_info ts_info(const ts_script *ts);
/* Our TSval at time t on the connection under test (RFC 7323 clock). */
uint32_t ts_us_clock(const ts_script *ts, sk_time_us t);
/* The peer's TSval at time t. */
static inline uint32_t ts_peer_clock(sk_time_us t)
{
    return TS_PEER_TS0 + (uint32_t)(t / 1000u);
}
/* Shorthands of the info fields. */
enum sk_tcp_state ts_state(const ts_script *ts);
/* Drops counted for a reason. */
uint64_t ts_drops(const ts_script *ts, int reason);
/* The half-open and TIME-WAIT pools' indexes, taken at their first record
 * (base/recpool.c): bytes and allocations (0, 1 or 2). */
size_t ts_pool_index_bytes(const ts_script *ts);
size_t ts_pool_index_blocks(const ts_script *ts);

#endif
