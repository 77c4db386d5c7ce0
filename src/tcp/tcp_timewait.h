/* TIME-WAIT as compact records outside the TCB table (tcp_timewait.c).
 *
 * A connection nobody holds any more (the application closed its handle)
 * that enters TIME-WAIT gives its TCB back at once: what RFC 9293
 * §3.10.7.4 still needs in that state moves to a 64-byte record here, in
 * a bounded pool with its own tuple hash and a FIFO of deadlines (every
 * record has the same lifetime, 2*MSL from its last restart, so the oldest
 * is always at the head: expiry is O(1) per record). A TCB whose handle
 * is still held stays a TCB in TIME-WAIT until the handle is closed, then
 * becomes a record with the time it has left.
 *
 * The record, 64 bytes for both families (asserted in tcp_timewait.c):
 * the key of the pool (base/recpool.h: the two addresses as 16 bytes each
 * with the family, IPv4 in the first four, the ports, and a byte that holds
 * the window shift and the timestamps flag), the window field of our
 * ACKs, SND.NXT, RCV.NXT, TS.Recent, the FIFO links, and
 * the low 32 bits of the deadline in microseconds (every live deadline
 * lies within time_wait_us, < 2^32 us, after the last expiry run, so the
 * low bits give it back exactly). The timestamp offset is not stored: it
 * is a function of the tuple (sk_tcp_ts_offset). The hash of the tuple is
 * not stored either; the pool's open-addressing index of record numbers
 * (base/recpool.h, shared with the half-open records) costs 8 more bytes
 * per record (two slots each). */
#ifndef SK_TCP_TIMEWAIT_H
#define SK_TCP_TIMEWAIT_H

#include "base/recpool.h"
#include "base/seq.h"
#include "base/sktime.h"
#include "base/tuple.h"

#include <stdbool.h>
#include <stdint.h>

#define SK_TW_NONE SK_REC_NONE
#define SK_TW_DEFAULT_MAX 65536u /* records by default at most (cfg.max_time_wait 0) */
#define SK_TW_TS 0x80u     /* flags: timestamps were on (RFC 7323) */
#define SK_TW_WSCALE 0x0fu /* flags: our window shift (RFC 7323 §2.3) */

typedef struct {
    sk_rec_key key;       /* the ends; key.flags: SK_TW_TS | window shift */
    uint16_t wnd;         /* the window field of our ACKs (already shifted) */
    sk_seq snd_nxt, rcv_nxt;
    uint32_t ts_recent;   /* TS.Recent (with SK_TW_TS) */
    uint32_t deadline_lo; /* low 32 bits of the deadline, microseconds */
    sk_rec_link link;     /* FIFO by deadline */
} sk_tw_rec;

typedef struct {
    sk_recpool pool;     /* the records, their tuple index, the free ones */
    uint32_t head, tail; /* oldest and newest deadline */
    sk_time last_now; /* the last expiry run: every live deadline is after it */
} sk_tw_pool;

#endif
