/* Half-open connections as compact records outside the TCB table
 * (tcp_halfopen.c).
 *
 * A SYN that a listener keeps (RFC 9293 §3.10.7.2) no longer makes a TCB:
 * what SYN-RECEIVED needs until the final ACK waits in an 88-byte record
 * in a bounded pool with its own tuple hash, the SYN,ACK and its
 * retransmissions are sent from it, and the ACK that completes the
 * handshake makes the connection the way a SYN cookie's ACK does
 * (tcp_listen.c), so that the two differ only in where their handshake
 * state waited.
 *
 * The record: the key of the pool (base/recpool.h: the two addresses as
 * 16 bytes each with the family, the ports, and the option flags), ISS,
 * IRS, TS.Recent, the peer's MSS, window shift and SYN window, our
 * announced MSS, the timeouts so far, the deadline of its next SYN,ACK
 * (or of its end), the links of the list it waits on (its timer level or
 * the output list) and of its
 * listener's list. Its timer: every record that has timed out k times
 * waits the same interval (the initial RTO doubled k times, at most
 * rto_max), and they are armed in time order, so one FIFO per level k is
 * sorted by deadline (O(1) arm, expiry, removal; the next deadline is the
 * earliest of at most SK_HO_LEVELS heads). The timestamp offset is a
 * function of the tuple and is not stored; nor is the tuple's hash (the
 * pool's open-addressing index, base/recpool.h, shared with the TIME-WAIT
 * records, costs 8 more bytes per record). */
#ifndef SK_TCP_HALFOPEN_H
#define SK_TCP_HALFOPEN_H

#include "base/recpool.h"
#include "base/seq.h"
#include "base/sktime.h"

#include <stdbool.h>
#include <stdint.h>

#define SK_HO_NONE SK_REC_NONE
#define SK_HO_DEFAULT_MAX 65536u /* records by default at most (cfg.max_half_open 0) */
#define SK_HO_LEVELS 256u         /* timeouts 0..255 (syn_retries is a uint8_t) */

enum sk_ho_flags {
    SK_HO_SENT = 1u << 0,    /* the SYN,ACK went out at least once: SND.NXT = ISS + 1 */
    SK_HO_TS = 1u << 1,      /* timestamps on (RFC 7323 §3.2) */
    SK_HO_SACK = 1u << 2,    /* SACK-permitted both ways (RFC 2018 §2) */
    SK_HO_WS = 1u << 3,      /* window scaling both ways (RFC 7323 §2.2) */
    SK_HO_RESENT = 1u << 4,  /* sent again: no RTT sample by Karn's rule */
    SK_HO_QUEUED = 1u << 5,  /* on the output list (not on a timer level) */
    SK_HO_WIDE = 1u << 6,    /* a challenge ACK offered the scaled window */
    SK_HO_SOFT = 1u << 7,    /* an ICMP soft error arrived (RFC 1122 §4.2.3.9) */
};

typedef struct {
    sk_rec_key key;      /* the ends; key.flags: enum sk_ho_flags */
    uint16_t peer_mss;   /* the peer's MSS option (536 without one) */
    sk_time deadline;    /* next SYN,ACK, or the end (queued: when it was queued) */
    sk_seq iss, irs;
    uint32_t ts_recent;  /* TS.Recent (with SK_HO_TS) */
    sk_rec_link link;    /* its timer level's FIFO, or the output list */
    sk_rec_link llink;   /* its listener's records, oldest first */
    uint32_t listener;   /* the listener's TCB index */
    uint16_t adv_mss;    /* the MSS our SYN,ACK announces */
    uint16_t syn_wnd;    /* the window field of the peer's SYN (never scaled) */
    uint8_t wscale;      /* the peer's window shift (with SK_HO_WS) */
    uint8_t count;       /* SYN,ACK timeouts so far (its timer level) */
    uint8_t resends;     /* SYN,ACKs sent again, for any reason (saturates) */
    uint8_t soft_kind;   /* with SK_HO_SOFT: 0 unreachable, 1 refused */
} sk_ho_rec;

typedef struct {
    sk_recpool pool; /* the records, their tuple index, the free ones */
    uint32_t lv_head[SK_HO_LEVELS], lv_tail[SK_HO_LEVELS]; /* by timeouts so far */
    uint32_t out_head, out_tail; /* SYN,ACKs to send (new, or their timer fired) */
} sk_ho_pool;

#endif
