/* The TCP layer's internal interface: the transmission control block (one per
 * connection or listener, with RFC 9293 variable names) and the environment
 * shared by all of them (the stack context with configuration, statistics,
 * trace and keys; timer heap, output and event lists, buffer cache, the
 * control-segment queue for RSTs and ACKs that belong to no connection).
 *
 * Ownership: the environment owns a fixed table of TCBs. A TCB is "held" by
 * the application (it has a live handle), by a listener (it waits in the
 * accept queue) and/or by the protocol (its state is not CLOSED). It returns
 * to the free list when nothing holds it.
 */
#ifndef SK_TCP_CONN_H
#define SK_TCP_CONN_H

#include "base/ctx.h"
#include "base/ilist.h"
#include "base/ohash.h"
#include "base/rangeset.h"
#include "base/ring.h"
#include "base/seq.h"
#include "base/siphash.h"
#include "base/slab.h"
#include "base/tbucket.h"
#include "base/tuple.h"
#include "base/sktime.h"
#include "synack/stack.h"
#include "tcp/tcp_cc.h"
#include "tcp/tcp_halfopen.h"
#include "tcp/tcp_rtb.h"
#include "tcp/tcp_timewait.h"
#include "wire/tcp_hdr.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SK_TCB_NONE UINT32_MAX
/* A demux slot (tcp_demux.c) holds 0 (empty) or the TCB index + 1 in its
 * low SK_DEMUX_TAG_SHIFT bits (max_sockets <= 2^24) and the top bits of the
 * tuple's hash above them: a lookup reads only the TCBs whose tag matches,
 * 1 in 128 of the others. The table has at most 2^25 slots, so the tag is
 * not the bits that chose the slot. */
#define SK_DEMUX_TAG_SHIFT 25
static inline uint32_t sk_demux_slot_tcb(uint32_t v)
{
    return (v & ((1u << SK_DEMUX_TAG_SHIFT) - 1)) - 1;
}
/* Timer kinds past the public ones (enum sk_timer_kind) are internal: the
 * RACK reorder timer or the tail loss probe timeout (tcp_rack.c), one at a
 * time. They are not reported to the trace hook. */
#define SK_TIMER_RECOVERY ((enum sk_timer_kind)SK_TIMER__COUNT)
#define SK_TIMER_PACING ((enum sk_timer_kind)(SK_TIMER__COUNT + 1))
#define SK_TCB_TIMERS (SK_TIMER__COUNT + 2)
/* the extension's deadlines: every kind but keepalive (derived) */
#define SK_EXT_TIMERS (SK_TCB_TIMERS - 1)
#define SK_REASS_MAX SK_RSET_CAP /* out-of-order ranges kept: the floor (sk_reass_cap) */
#define SK_REASS_CEIL 4096u       /* and the ceiling (a 64 MiB receive buffer) */
#define SK_REASS_BYTES 16384u     /* receive buffer bytes per range */
#define SK_CTLQ_CAP 128      /* pending stateless control segments: an input batch of SYNs (64 frames) each answered with a cookie, and more */
#define SK_BUFCACHE_KEEP 64  /* spare buffers always kept per size class (tcp_bufs.c) */
#define SK_BUFCACHE_DECAY_US 1000000 /* spares above that unused this long go back */
#define SK_DEFAULT_MSS 536   /* RFC 9293 §3.7.1 when the peer sends none */
#define SK_ACK_OWED_MAX 32   /* distinct ACK points owed per connection (64 frames) */

/* Spare blocks of one size class (tcp_bufs.c): a stack of pointers that
 * grows to the most spares a burst gave back (at most one per socket) and
 * shrinks by what stayed unused for SK_BUFCACHE_DECAY_US, down to
 * SK_BUFCACHE_KEEP. */
typedef struct sk_bufcache {
    void **slot;
    uint32_t n, cap;
    uint32_t low; /* the fewest spares since the last sweep: unused all along */
} sk_bufcache;

/* Spare blocks grown by auto-tuning (any size above the stack's): a few,
 * so that a bulk transfer whose buffer empties and fills again does not
 * take a large block from the allocator each time; what stays unused for
 * SK_BUFCACHE_DECAY_US goes back. */
#define SK_BIGCACHE_SLOTS 8
typedef struct {
    void *p[SK_BIGCACHE_SLOTS];
    size_t size[SK_BIGCACHE_SLOTS];
    uint8_t n;
    bool taken; /* one was taken since the last sweep */
} sk_bigcache;

/* One owed ACK (tcp_ack.c): RCV.NXT when it became due, TS.Recent then (its
 * TSecr, RFC 7323 §4.3), how far above it data had arrived by then (its
 * SACK blocks report nothing higher; SK_ACK_ABOVE_MAX, 16 MiB, stands for
 * that much or more, and such a record reports the ranges as they stand),
 * and for a duplicate ACK caused by an out-of-order segment (with SACK)
 * that segment's left edge, whose range its first block reports (RFC 2018
 * §4); edge == ack for any other ACK (an out-of-order segment lies above
 * RCV.NXT). `dups` more ACKs share all of it. Sixteen bytes: the extension
 * holds SK_ACK_OWED_MAX of them. */
#define SK_ACK_ABOVE_MAX 0xFFFFFFu
typedef struct {
    sk_seq ack;
    sk_seq edge;
    uint32_t ecr;
    unsigned above : 24;
    unsigned dups : 8;
} sk_ack_owed;
#define SK_IP4_TCP_HDRS 40   /* IPv4 + TCP headers without options */
#define SK_IP6_TCP_HDRS 60   /* IPv6 + TCP headers without extension headers or options */

/* The MSS a link MTU allows for a family (RFC 9293 §3.7.1: MTU less the
 * fixed IP and TCP headers, 40 for IPv4; RFC 8200 §8.3: 60 for IPv6);
 * options come out of each segment's payload, see tcp_output.c. */
static inline uint16_t sk_tcp_mss_from_mtu(uint8_t family, uint16_t mtu)
{
    uint16_t hdrs = family == SK_AF_INET6 ? SK_IP6_TCP_HDRS : SK_IP4_TCP_HDRS;
    return (uint16_t)(mtu > hdrs ? mtu - hdrs : 0);
}

typedef struct sk_tcp_env sk_tcp_env;

/* Keepalive settings (idle time, interval, probes), shared: every TCB
 * names one entry of its stack's table by index (t->keep_prof), entry 0
 * being the defaults (2 h, 75 s, 9, as RFC 1122 §4.2.3.6 and Linux). A
 * connection that changes them takes an entry with the same three values,
 * or a free one; entries are counted by their users (tcp_keepprof.c). */
#define SK_KEEP_PROFILES 64 /* sk_tcb.keep_prof's six bits */
typedef struct {
    uint64_t idle, intvl;
    uint32_t refs; /* TCBs naming it (entry 0: not counted) */
    uint8_t cnt;
} sk_keep_prof;

/* Intrusive doubly linked lists of TCB indices (output list, event list,
 * accept queues), base/ilist.h's links. A link not on any list has
 * next == prev == SK_LINK_OFF. */
#define SK_LINK_OFF (UINT32_MAX - 1)
typedef struct {
    uint32_t head, tail, len;
} sk_ilist;




/* What only a listener holds (RFC 9293 §3.10.1 passive OPEN), kept out of
 * the connection record: a listener's extension points to one of these
 * (t->x->lsn), taken from the stack's allocator by sk_tcb_make_listener
 * (sk_listen_open) and given back when the TCB is released. A connection's
 * `x->lsn` is NULL. */
typedef struct {
    sk_ilist acceptq;     /* established, not yet accepted */
    sk_ilist children;    /* its children (connections not yet accepted) */
    uint32_t ho_head, ho_tail; /* its half-open records, oldest first (tcp_halfopen.h) */
    uint32_t n_ho;        /* how many */
    uint32_t listen_next; /* list of listeners */
    /* the accept queue's limit, and the half-open limit's with
     * cfg.syn_backlog (sk_listen_syn_room); half-open and unaccepted
     * together may reach twice it (a cookie's connection needs only room
     * in the accept queue), so their count is not kept: n_ho and
     * children.len are */
    uint16_t backlog;
    uint16_t listen_mss;  /* MSS override for children */
    uint32_t listen_isn;  /* fixed ISN for children (SK_TF_FIXED_ISN) */
    sk_ipaddr laddr;      /* the address it listens on (any: SK_AF_UNSPEC or all zero) */
} sk_tcb_listen;

/* A connection's ends as its TCB keeps them (tcp_ends.c), 12 bytes where
 * an sk_tuple takes 38: the ports, and the IPv4 addresses in place (their
 * four bytes as stored, network order); an IPv6 connection (SK_TF_IP6)
 * keeps its two addresses in the environment's pool, `ra` naming the
 * entry. A listener's address is in its block (sk_tcb_listen.laddr). The
 * rest of TCP reads them as an sk_tuple (sk_tcb_tuple) or compares one
 * (sk_tcb_tuple_is). */
typedef struct {
    uint32_t la, ra;
    uint16_t lport, rport;
} sk_tcb_ends;
typedef struct {
    sk_ip6 l, r;
} sk_ip6_pair;

enum sk_tcb_flags {
    SK_TF_ACK_NOW = 1u << 0,     /* send an ACK at the next output */
    SK_TF_NODELAY = 1u << 1,     /* Nagle off */
    SK_TF_KEEPALIVE = 1u << 2,
    SK_TF_FIN_QUEUED = 1u << 3,  /* the application closed sending */
    SK_TF_FIN_SENT = 1u << 4,    /* our FIN has been sent at least once */
    SK_TF_FIN_RCVD = 1u << 5,    /* the peer's FIN has been processed */
    SK_TF_RCV_CLOSED = 1u << 6,  /* the application closed receiving (close) */
    SK_TF_APP_HELD = 1u << 7,    /* the application holds a handle */
    SK_TF_IN_ACCEPTQ = 1u << 8,  /* waits in a listener's accept queue */
    SK_TF_LISTENER = 1u << 9,
    SK_TF_REXMIT_ONE = 1u << 10, /* retransmit one segment at snd_una */
    SK_TF_FORCE_ONE = 1u << 11,  /* window probe: send one byte past the window */
    SK_TF_WS_OK = 1u << 12,      /* window scaling negotiated */
    SK_TF_PASSIVE = 1u << 13,    /* created by a listener */
    SK_TF_IN_RECOVERY = 1u << 14,
    SK_TF_RTT_ACTIVE = 1u << 15,
    SK_TF_OOO_FIN = 1u << 16,    /* a FIN arrived out of order: fin at reass_fin */
    SK_TF_KEEP_PROBE = 1u << 17, /* send a keepalive probe */
    SK_TF_FIXED_ISN = 1u << 18,
    SK_TF_CHALLENGE = 1u << 19,  /* SYN-RECEIVED: a plain challenge ACK, not a SYN,ACK */
    SK_TF_SACK_OK = 1u << 20,    /* SACK-permitted both ways (RFC 2018 §2) */
    SK_TF_TS_OK = 1u << 21,      /* timestamps negotiated (RFC 7323 §3.2) */
    SK_TF_DSACK = 1u << 22,      /* a duplicate to report in the next ACK (RFC 2883) */
    SK_TF_SACK_RECOVERY = 1u << 23, /* the recovery under way is RFC 6675's (with PRR) */
    SK_TF_RACK = 1u << 24,       /* RACK-TLP (RFC 8985): SACK negotiated and configured */
    SK_TF_SYNCOOKIE = 1u << 25,  /* made from a SYN cookie's ACK (tcp_syncookie.c) */
    SK_TF_CC_PACKED = 1u << 26,  /* no extension: the CC state packed (the history record, or the idle_fresh words) */
    SK_TF_HASHED = 1u << 27,     /* in the demux table */
    SK_TF_BOUND_ADDR = 1u << 28, /* listener: only segments to lsn->laddr (sk_tcp_listen_on) */
    SK_TF_ACK_PUSHED = 1u << 29, /* in-order data with PSH since our last ACK (tcp_ack.c) */
    SK_TF_RTO_3S = 1u << 30,     /* no RTT sample and the handshake timed out: RTO 3 s (sk_tcb_rto) */
};
/* an IPv6 connection: its addresses are in the pool (sk_tcb_ends); a
 * macro, as ISO C's enumerators stop below bit 31 */
#define SK_TF_IP6 (1u << 31)


/* What a connection remembers of its past beyond a new connection's,
 * besides the congestion control's state: in the extension while it has
 * one, in its history record (sk_tcb_hist) when idle and different from a
 * new connection's (tcp_ext.c, past_fresh: keep_next NEVER, recover
 * SND.UNA - 1, the rest 0). */
typedef struct {
    /* with keepalive probes sent (keep_sent > 0): when the next is due,
     * an interval after the last (sk_tcb_keep_deadline) */
    sk_time keep_next;
    /* segments retransmitted on this connection (sk_tcb_retransmits), and
     * the bytes acknowledged above 2^32 (sk_tcb_delivered) */
    uint32_t retransmits;
    uint32_t delivered_hi;
    /* RFC 6582's recover (RFC 6675's RecoveryPoint): an idle connection's
     * is SND.UNA - 1 (a new ACK outside recovery drags it there) or, after
     * a timeout or a recovery ended at it, in its history */
    sk_seq recover;
    uint8_t backoff;   /* RTO doublings (RFC 6298 §5.5), kept until a valid sample */
    int8_t soft_error; /* last ICMP soft error (RFC 1122 §4.2.3.9), reported on timeout */
} sk_tcb_past;

/* The active-transfer extension: what a connection holds only while it
 * moves data (owed ACKs, buffers, SACK blocks, an RTT measurement, a
 * recovery or spurious-detection episode, the congestion control's own
 * state). A TCB reaches it through t->x (tcp_ext.c). */
typedef struct {
    /* ACKs owed, oldest first (tcp_ack.c): a ring of the ACKs that became
     * due, each as it would have been sent then */
    sk_ack_owed ack_owed[SK_ACK_OWED_MAX];
    uint8_t ack_owed_head, n_ack_owed;
    uint8_t timeouts; /* retransmission timeouts since the last new ACK (max_retries) */
    uint8_t probes_unanswered; /* zero-window probes since the peer last spoke */
    uint8_t sackc_dups, sackc_held;
    /* Buffer auto-tuning (tcp_bufs.c): how many times the send buffer
     * doubled (sk_tcb_sndbuf: the stack's size << it, at most
     * cfg.sndbuf_max, while sndbuf_kb is 0), and the receive buffer's count
     * (SK_RCV_AUTO_SHIFT bits) with the signal that the peer filled the
     * window we offered (SK_RCV_WND_FILLED, set by tcp_input.c). A grown
     * connection keeps its extension when idle, as one with limits of its
     * own does (sk_tcb_ext_settle). One byte each, in what was padding: the
     * extension stays within glibc's per-thread cache (1,032 bytes). */
    uint8_t snd_auto_shift;
    uint8_t rcv_auto;

    /* Buffers (storage taken lazily from the environment's cache) */
    sk_ring sndbuf, rcvbuf;
    sk_seq snd_buf_seq;   /* sequence number of the first byte in sndbuf */
    sk_seq last_ack_sent; /* Last.ACK.sent (RFC 7323 §4.3) */
    sk_rtb *rtb; /* what was sent, with the send buffer (NULL without it) */
    sk_rset reass; /* ranges received out of order, above rcv_nxt; its
                    * storage in the receive buffer's block (none without) */

    /* SACK, receiving side (RFC 2018 §4, RFC 2883): left edges of the
     * ranges reported most recently, newest first, and a duplicate */
    sk_seq sack_recent[SK_TCP_MAX_SACK];
    sk_range dsack; /* with SK_TF_DSACK */
    /* SACK, sending side: the valid blocks the last ACK carried, for the
     * recovery module (RFC 6675) to read */
    sk_sack_block peer_sack[SK_TCP_MAX_SACK];

    sk_seq reass_fin;     /* with SK_TF_OOO_FIN */
    uint32_t rcv_unacked; /* in-order bytes received since our last ACK */
    /* SACK compression (tcp_ack.c, cfg.sack_compress_*): the RCV.NXT the
     * count is for, the duplicate ACKs sent at once at it, the out-of-order
     * segments whose ACK is held since our last ACK */
    sk_seq sackc_ack;
    sk_seq rtt_seq;

    /* last data (or SYN, FIN) sent: cwnd after idle (RFC 5681 §4.1) */
    sk_time last_snd;

    /* the RTT measurement under way (SK_TF_RTT_ACTIVE, RFC 6298) */
    sk_time rtt_time;

    uint8_t dupacks;
    /* enum sk_rexmit_cause of the resends output sends next (below
     * SND.MAX), set with sk_tcb_set_rexmit_cause by the path that
     * scheduled them: the timer, the ACK that revealed the loss */
    uint8_t rexmit_cause;

    /* Spurious retransmissions (tcp_spurious.c: RFC 3522, 4015, 5682, 3708) */
    uint8_t spur_rto;        /* enum sk_spur_rto: the detection running after an RTO */
    uint8_t spur_fr;         /* enum sk_spur_fr: after a fast retransmit */
    uint32_t spur_rto_tsval; /* RetransmitTS of the RTO's retransmission (RFC 3522) */
    sk_seq spur_recover;     /* SND.MAX when the RTO fired (RFC 5682 "recover") */
    sk_seq spur_frto_end;    /* F-RTO step 2b: new data may be sent up to here */
    uint32_t spur_srtt, spur_rttvar; /* SRTT_prev, RTTVAR_prev (RFC 4015 §2) */
    uint32_t spur_fr_tsval;  /* RetransmitTS of the fast retransmit */
    sk_seq spur_fr_una, spur_fr_max; /* the retransmission episode's range (DSACK) */
    uint32_t spur_fr_rexmits; /* retransmits when the episode began */
    uint32_t spur_fr_dsacks; /* DSACKs since, inside the episode's range */
    bool spur_fr_rto;        /* that episode began at a timeout, not a fast retransmit */
    uint8_t n_sack_recent;
    uint8_t n_peer_sack;
    uint8_t iw_segs; /* initial window in segments (RFC 6928), 0: RFC 5681: the
                      * stack's, in the blank extension too (sk_tcb_ext_blank_init) */

    sk_cc_priv cc_priv; /* the congestion control algorithm's own state */
    const sk_cc_ops *cc_custom; /* with cc_id SK_CC_ID_CUSTOM: its operations */
    /* Per-connection buffer limits (SK_SO_SNDBUF, SK_SO_RCVBUF) in KiB, 0:
     * the stack's cfg.sndbuf / cfg.rcvbuf (the blank extension reads 0). A
     * connection with a limit of its own keeps its extension
     * (sk_tcb_ext_settle), as one with a custom CC does: few set one, and
     * the idle core stays small. A listener's are inherited by its children
     * (child_new). Read through sk_tcb_sndbuf/_rcvbuf. */
    uint16_t sndbuf_kb, rcvbuf_kb;
    /* the largest window the peer offered (RFC 5961 §5.2's MAX.SND.WND,
     * RFC 9293 §3.8.6.2.1's sender SWS test): read and written only with
     * the extension; an idle connection gives it back only while it is
     * SND.WND, which attaching copies (tcp_ext.c) */
    uint32_t max_snd_wnd;

    /* A listener's block, and a passive connection's place under its
     * listener until accept: here, not in the core, because neither a
     * listener nor an unaccepted child ever gives its extension back
     * (sk_tcb_ext_idle). The blank extension reads lsn NULL, parent
     * SK_TCB_NONE, both links off. */
    sk_tcb_listen *lsn;   /* listener: its block (sk_tcb_make_listener), else NULL */
    uint32_t parent;      /* passive connections: the listener, until accepted */
    sk_ilink child_link;  /* passive connections: the listener's children */
    sk_ilink acc_link;    /* the listener's accept queue */
    /* the environment's output-pending list (sk_tcb_mark_output): a
     * connection with something to send holds its extension, so an idle
     * one needs no link in the core */
    sk_ilink out_link;
    /* SND.WL1 (SND.WL2 is implied: tcp_input.c, the window update). An
     * idle connection keeps none: attaching derives RCV.NXT, so the window
     * is then taken from any segment at or after RCV.NXT (tcp_ext.c;
     * docs/rfc-coverage.md) */
    sk_seq snd_wl1;

    /* pacing (cfg.pacing, tcp_output.c): new data may not leave before
     * this time, in nanoseconds of the stack's clock; 0 before the first
     * paced segment */
    uint64_t pace_next_ns;
    /* the past beyond a new connection's: while idle in the history record,
     * or the new connection's (sk_tcb_hist) */
    sk_tcb_past past;

    /* the deadlines of the retransmission, delayed-ACK, persist, recovery
     * and pacing timers (sk_tcb_timer): off while idle */
    sk_time timer[SK_EXT_TIMERS]; /* by sk_ext_timer_idx */

    /* SND.NXT (goes back to SND.UNA on a timeout) and the highest sequence
     * number sent + 1: both SND.UNA when idle, nothing in flight, which
     * attaching derives (sk_tcb_snd_nxt, sk_tcb_snd_max read either) */
    sk_seq snd_nxt, snd_max;
} sk_tcb_ext;

struct sk_tcb {
    uint32_t gen;   /* handle generation */
    uint32_t flags; /* enum sk_tcb_flags */
    /* enum sk_tcp_state (11 values); in-order arrivals still to be ACKed
     * at once (quick-ACK mode, tcp_ack.c sk_ack_quick): here, not in the
     * extension, which a receiver whose application reads at once gives
     * back after every ACK (sk_tcb_ext_settle) */
    unsigned state : 4, quick_acks : 4;
    /* keepalive settings: an index into e->keep_prof (tcp_keepprof.c,
     * SK_KEEP_PROFILES); the congestion control: sk_tcb_cc (tcp_cc.c) */
    unsigned keep_prof : 6, cc_id : 2;
    uint8_t ev_pending; /* SK_EV_* bits not yet reported (all below 0x100) */
    int8_t error; /* pending error for the application (SK_ECONNRESET ...: -1..-127) */
    sk_tcb_ends ends;   /* the tuple (sk_tcb_tuple) */
    unsigned snd_wscale : 4, rcv_wscale : 4; /* RFC 7323 §2.3: at most 14 */
    uint8_t keep_sent; /* keepalive probes unanswered */
    uint16_t rcv_mss;  /* the peer's full-sized segment, as seen (delayed ACK) */

    /* Send sequence space (RFC 9293 §3.3.1) */
    sk_seq iss;
    sk_seq snd_una; /* oldest unacknowledged (SND.NXT, SND.MAX: in the extension) */
    uint32_t snd_wnd;     /* peer's window, scaled (SND.WL1: in the extension) */
    uint16_t snd_mss;     /* effective MSS for what we send */
    uint16_t adv_mss;     /* MSS we announce */

    /* Receive sequence space */
    sk_seq irs;
    sk_seq rcv_nxt;
    sk_seq rcv_adv; /* right edge of the window we last advertised */

    /* Timestamps (RFC 7323 §4.3, §5) */
    uint32_t ts_offset;    /* TSval = now in ms + ts_offset */
    uint32_t ts_recent;    /* TS.Recent */
    /* when TS.Recent was recorded, in ms modulo 2^32 (§5.5: tcp_ts.c
     * ts_recent_valid) */
    uint32_t ts_recent_ms;

    /* RTT and retransmission (RFC 6298), microseconds */
    uint32_t srtt, rttvar; /* the RTO is derived from them: sk_tcb_rto; backoff above */
    uint32_t min_rtt;      /* windowed minimum RTT sample, 0: none yet */
    /* how long before last_rcv min_rtt was taken, saturated at
     * SK_MIN_RTT_AGE_SAT: a sample is taken while a segment is processed,
     * after last_rcv = now (sk_tcb_heard), so the age is never negative,
     * and the window test, now - taken > SK_MIN_RTT_WINDOW_US, reads the
     * same from (now - last_rcv) + age whether or not the age saturated */
    uint32_t min_rtt_age;

    /* Congestion control (RFC 5681, RFC 6582; tcp_cc.h). cwnd and ssthresh
     * are written only by tcp_cc*.c: the rest of TCP reports events. */
    uint32_t cwnd, ssthresh;
    /* without an extension: how long before last_rcv the last data (or
     * SYN, FIN) was sent, in us, SK_LAST_SND_LONG_AGO past 2^32 - 2
     * (tcp_ext.c: attaching derives the extension's last_snd from it) */
    uint32_t last_snd_gap;

    union {
        uint32_t heap_pos;  /* in use: position in the environment's timer heap, or NONE */
        uint32_t free_next; /* free: the next free slot */
    };
    /* without an extension: the connection's history (sk_tcb_hist) in
     * e->hist, its index + 1; 0: none, a history like a new connection's */
    uint32_t hist;

    /* The last segment heard: keepalive idleness counts from here (its
     * deadline is derived from it: sk_tcb_keep_deadline); the other
     * timers' deadlines are in the extension */
    sk_time last_rcv;

    /* the environment's event-ready list (an index link; the output list
     * links through the extension: sk_tcb_ext.out_link) */
    sk_ilink ev_link;
    sk_tcb_ext *x;        /* the active-transfer extension (tcp_ext.c) */
};

/* What an idle connection (no extension) remembers of its past beyond the
 * core, kept only when it differs from a new connection's (tcp_ext.c): the
 * congestion control's packed state (SK_TF_CC_PACKED, unless it is the
 * algorithm's idle_fresh words) and the past the extension held
 * (sk_tcb_past: the retransmissions, the bytes acknowledged above 2^32,
 * recover when not SND.UNA - 1, the RTO backoff Karn's rule kept, an ICMP
 * soft error, the next keepalive probe's deadline). A connection that
 * never left slow start, never retransmitted, moved less than 4 GiB and
 * sent no probe needs none. */
typedef struct {
    uint32_t cc[SK_CC_IDLE_WORDS];
    sk_tcb_past past;
} sk_tcb_hist;

/* Bytes acknowledged on t so far: every byte after our SYN up to SND.UNA,
 * and 2^32 for each time that count wrapped. SND.UNA moves past ISS + 1
 * only in the ACK processing (tcp_input.c on_new_ack), which carries the
 * wraps into delivered_hi. With the extension attached (the CC events). */
static inline uint64_t sk_tcb_delivered(const sk_tcb *t)
{
    return ((uint64_t)t->x->past.delivered_hi << 32) | sk_seq_len(sk_seq_add(t->iss, 1), t->snd_una);
}

/* A TCB's congestion control: one of the built-in algorithms by a byte in
 * the core, or (SK_CC_ID_CUSTOM) one that is not built in (a test's), kept
 * in the extension, which such a connection then never gives back. */
#define SK_CC_ID_CUSTOM 3 /* cc_id's two bits: the built-in ones below it */
extern const sk_cc_ops *const sk_cc_builtin[];
static inline const sk_cc_ops *sk_tcb_cc(const sk_tcb *t)
{
    return t->cc_id == SK_CC_ID_CUSTOM ? t->x->cc_custom : sk_cc_builtin[t->cc_id];
}
/* t's algorithm becomes ops (a custom one needs t's own extension). */
void sk_tcb_set_cc_ops(sk_tcb *t, const sk_cc_ops *ops);

/* With SK_TF_FIN_QUEUED, the sequence number of our FIN: it follows the
 * queued bytes (nothing is queued after it, and the buffer releases only
 * bytes, never the FIN), so it is where the send buffer ends. */
static inline sk_seq sk_tcb_fin_seq(const sk_tcb *t)
{
    return sk_seq_add(t->x->snd_buf_seq, (uint32_t)sk_ring_len(&t->x->sndbuf));
}

/* The keepalive deadline (tcp_timer.c), not kept in the core: with
 * SK_TF_KEEPALIVE in a synchronized state short of TIME-WAIT, the idle time
 * after the last segment heard; once probes went (keep_sent), an interval
 * after the last one (keep_next, in the extension or the history record of
 * an idle connection: tcp_ext.c); SK_TIME_NEVER otherwise. An idle
 * connection runs it without its extension. Whatever can move it earlier
 * (the option set, the settings changed, the state reaching ESTABLISHED, a
 * probe answered) tells the heap (sk_tcb_keep_changed); later is lazy, like
 * every timer's. */
sk_time sk_tcb_keep_deadline(const sk_tcp_env *e, const sk_tcb *t);
/* Where the other timers' deadlines live: in the extension (TIME-WAIT too:
 * a connection waiting out 2 MSL, or FIN-WAIT-2's timeout, keeps it). */
static inline unsigned sk_ext_timer_idx(enum sk_timer_kind k)
{
    return (unsigned)k > SK_TIMER_KEEPALIVE ? (unsigned)k - 1u : (unsigned)k;
}
static inline sk_time *sk_tcb_timer_slot(sk_tcb *t, enum sk_timer_kind k)
{
    return &t->x->timer[sk_ext_timer_idx(k)];
}
static inline sk_time sk_tcb_timer(const sk_tcp_env *e, const sk_tcb *t, enum sk_timer_kind k)
{
    return k == SK_TIMER_KEEPALIVE ? sk_tcb_keep_deadline(e, t) : t->x->timer[sk_ext_timer_idx(k)];
}

/* What the device said of the frame being input (sk_stack_input_meta),
 * reduced to what the transport uses: valid during sk_iface_input only,
 * and only for the datagram the frame carried whole (a reassembled one
 * has rx cleared: the flags spoke of one fragment). */
typedef struct {
    bool csum_ok;      /* dev.rx_csum and the device checked the checksum */
    uint16_t gso_size; /* dev.gro: the sender's segment size, 0: unknown */
} sk_rx_meta;

/* A stateless control segment (RST or ACK with no TCB behind it, or a
 * SYN cookie's SYN,ACK with its window and options). */
typedef struct {
    sk_tuple tuple;
    sk_seq seq, ack;
    uint8_t flags;
    uint8_t cause;     /* a half-open record's SYN,ACK sent again: SK_REXMIT_SYN */
    uint16_t wnd;      /* the window field */
    sk_tcp_opts opts;  /* a TIME-WAIT record's ACK: timestamps; a cookie's SYN,ACK: all */
} sk_ctl_seg;
/* What an ACK on the control queue carries past SEQ and ACK. */
typedef struct {
    uint16_t wnd;
    bool has_ts;
    uint32_t ts_val, ts_ecr;
} sk_ctl_ack;

/* One segment chosen by the output routine. The payload is
 * sndbuf[data_off, data_off + hdr.payload_len). */
typedef struct {
    sk_tcp_repr hdr;
    uint32_t data_off;
    bool retransmit;
    enum sk_rexmit_cause cause; /* retransmit: why (SK_REXMIT_NONE otherwise) */
} sk_seg_out;

/* Whoever schedules a retransmission says why, before the output routine
 * sends it: the cause stays until the next path schedules resends, and
 * every segment output sends below SND.MAX reports it (trace, statistics).
 * A SYN or SYN,ACK sent again is always SK_REXMIT_SYN. */
static inline void sk_tcb_set_rexmit_cause(sk_tcb *t, enum sk_rexmit_cause c)
{
    t->x->rexmit_cause = (uint8_t)c;
}

struct sk_tcp_env {
    sk_ctx *ctx; /* the stack's configuration, statistics, trace, keys */
    const sk_cc_ops *cc_default; /* cfg.congestion_control, resolved */

    sk_tcb *tcbs;     /* n_tcbs cores from a cache line's start (tcbs_mem) */
    void *tcbs_mem;   /* the allocation, SK_TCB_TABLE_ALIGN - 1 bytes larger */
    uint32_t n_tcbs;
    uint32_t free_head;
    uint32_t listen_head;

    sk_ilist out_list; /* connections with something to send */
    /* Connections without an extension that have something to send (a
     * keepalive probe, a close's FIN, ...), oldest first: a ring of TCB
     * indices and generations with room for every TCB, taken from the
     * allocator at the first one, its start back at 0 whenever it empties
     * (touched only as deep as a burst went). The output attaches each one
     * only at its turn (tcp_emit.c), so a burst of a million probes or
     * closes holds one extension at a time; the output list links through
     * the extension. An entry whose connection closed or was released
     * since is skipped. Given back once empty and unused through
     * SK_BUFCACHE_DECAY_US of timer runs. */
    struct {
        sk_sock *ent;
        uint32_t head, len;
        bool pushed;     /* since the last sweep */
        sk_time empty_at; /* when a sweep found it empty and unused */
    } idle_out;
    sk_ilist ev_list;  /* sockets with unreported events */
    /* Demux: open-addressing hash of 4-tuples to TCB index + 1 (0: empty),
     * with a tag of the tuple's hash above it (sk_demux_slot_tcb) */
    uint32_t *hash;
    uint32_t hash_mask;
    uint32_t demux_last; /* the last TCB found (only while hashed), or NONE */
    /* Timer min-heap of TCB indices (tcp_timer.c), each with its key, a
     * TCB's earliest deadline, in an array beside it: a sift compares keys
     * in one array without visiting the TCBs */
    uint32_t *heap;
    sk_time *heap_key;
    uint32_t heap_len;

    sk_ctl_seg ctlq[SK_CTLQ_CAP];
    uint32_t ctlq_head, ctlq_len;

    /* RFC 5961 §7 challenge-ACK rate limit */
    sk_time chal_window_start;
    uint32_t chal_count;
    /* RSTs for segments to no connection (cfg.tcp_rst_rate/burst) */
    sk_tbucket rst_bucket;

    /* Buffer cache: spare send and receive buffers (tcp_bufs.c) */
    sk_bufcache snd_cache, rcv_cache;
    sk_bigcache snd_big, rcv_big;
    sk_time bufcache_swept; /* when the caches last gave back unused spares */

    uint32_t ephemeral_next;
    /* The ephemeral port search's memo (tcp_demux.c): the last search that
     * found no free port for `full_dest` (its local port 0) ran at epoch
     * `full_epoch`; port_epoch moves on whenever a tuple may have become
     * free (sk_demux_port_freed), which ends the memo. */
    uint32_t port_epoch;
    uint32_t full_epoch;
    bool full_valid;
    sk_tuple full_dest;

    /* The path MTU the interface knows for a destination (RFC 8201's
     * cache for IPv6; NULL or 0: only the link MTU), asked when a
     * connection takes the peer's SYN options. Set by the interface. */
    uint16_t (*path_mtu)(void *ctx, const sk_ipaddr *raddr, sk_time now);
    void *path_mtu_ctx;
    /* ACKs of new data so far (RFC 4861 §7.3.1 forward progress: the
     * interface compares it around sk_tcp_rx to confirm the neighbour). */
    uint64_t progress;
    /* TIME-WAIT records outside the table (tcp_timewait.h) */
    sk_tw_pool tw;
    /* half-open records outside the table (tcp_halfopen.h) */
    sk_ho_pool ho;
    /* When the last SYN cookie was sent (SK_TIME_NEVER: none): ACKs to a
     * listener are checked as cookies only while one may be valid. */
    sk_time cookie_last;
    /* what a TCB without an extension points to (tcp_ext.c) */
    sk_tcb_ext ext_blank;
    /* IPv6 connections' address pairs (tcp_ends.c, sk_ip6_pair): room for
     * one per TCB, taken from the allocator at the first IPv6 connection */
    sk_slab ip6;
    /* idle connections' histories (sk_tcb_hist, tcp_ext.c): room for one
     * per TCB, taken from the allocator when the first one is kept, given
     * back once none was in use through SK_BUFCACHE_DECAY_US of timer runs
     * (since hist_empty, SK_TIME_NEVER: in use) */
    sk_slab hist;
    sk_time hist_empty;
    /* keepalive settings in use (t->keep_prof) */
    sk_keep_prof keep_prof[SK_KEEP_PROFILES];
};

/* SND.NXT and SND.MAX with the extension or without: an idle connection
 * has nothing in flight, both are SND.UNA (tcp_ext.c). */
static inline sk_seq sk_tcb_snd_nxt(const sk_tcp_env *e, const sk_tcb *t)
{
    return t->x != &e->ext_blank ? t->x->snd_nxt : t->snd_una;
}
static inline sk_seq sk_tcb_snd_max(const sk_tcp_env *e, const sk_tcb *t)
{
    return t->x != &e->ext_blank ? t->x->snd_max : t->snd_una;
}

/* ---- per-connection buffer limits (SK_SO_SNDBUF, SK_SO_RCVBUF) ---- */
#define SK_TCP_BUF_MIN SK_TCP_BUF_MIN_BYTES /* the smallest limit a connection takes */
#define SK_TCP_BUF_KB_MAX 65535u   /* what 16 bits of KiB hold (64 MiB - 1 KiB) */
#define SK_TCP_SNDBUF_AUTO_MAX (SK_TCP_BUF_KB_MAX * 1024u) /* cfg.sndbuf_max's ceiling */
#define SK_RCV_AUTO_SHIFT 0x7fu /* sk_tcb_ext.rcv_auto: the doublings */
#define SK_RCV_WND_FILLED 0x80u /* ... and the peer filled the window offered */
/* A buffer grown by auto-tuning: the stack's size doubled `shift` times,
 * at most the ceiling. */
static inline uint32_t sk_tcb_auto_limit(uint32_t stack, uint32_t max, unsigned shift)
{
    uint64_t v = (uint64_t)stack << (shift < 32u ? shift : 32u);
    return v > max ? max : (uint32_t)v;
}
/* A limit of `kb` KiB (0: none) under the stack's buffer size `stack`:
 * the buffer blocks are the stack's size, a connection uses at most this. */
static inline uint32_t sk_tcb_buf_limit(uint32_t stack, uint16_t kb)
{
    uint32_t v = (uint32_t)kb * 1024u;
    return kb == 0 || v > stack ? stack : v;
}
/* bytes -> the stored KiB (rounded up; 0 when it is the stack's size) */
static inline uint16_t sk_tcb_buf_kb(uint32_t stack, uint64_t bytes)
{
    if (bytes >= stack)
        return 0;
    uint64_t kb = (bytes + 1023u) / 1024u;
    return (uint16_t)(kb > SK_TCP_BUF_KB_MAX ? SK_TCP_BUF_KB_MAX : kb);
}
static inline uint32_t sk_tcb_sndbuf(const sk_tcp_env *e, const sk_tcb *t)
{
    if (t->x->sndbuf_kb == 0 && t->x->snd_auto_shift != 0)
        return sk_tcb_auto_limit(e->ctx->cfg.sndbuf, e->ctx->cfg.sndbuf_max, t->x->snd_auto_shift);
    return sk_tcb_buf_limit(e->ctx->cfg.sndbuf, t->x->sndbuf_kb);
}
static inline uint32_t sk_tcb_rcvbuf(const sk_tcp_env *e, const sk_tcb *t)
{
    if (t->x->rcvbuf_kb == 0 && (t->x->rcv_auto & SK_RCV_AUTO_SHIFT) != 0)
        return sk_tcb_auto_limit(e->ctx->cfg.rcvbuf, e->ctx->cfg.rcvbuf_max,
                                 t->x->rcv_auto & SK_RCV_AUTO_SHIFT);
    return sk_tcb_buf_limit(e->ctx->cfg.rcvbuf, t->x->rcvbuf_kb);
}

/* ---- tcp_ilist.c: index-linked lists ---- */
static inline void sk_ilist_init(sk_ilist *l)
{
    l->head = l->tail = SK_TCB_NONE;
    l->len = 0;
}
void sk_ilist_push(sk_tcp_env *e, sk_ilist *l, uint32_t idx, size_t link_off);
void sk_ilist_remove(sk_tcp_env *e, sk_ilist *l, uint32_t idx, size_t link_off);
uint32_t sk_ilist_pop(sk_tcp_env *e, sk_ilist *l, size_t link_off);
/* Is the TCB at idx on a list through its link at link_off? */
bool sk_ilink_on(const sk_tcp_env *e, uint32_t idx, size_t link_off);
/* A link offset is into the TCB (offsetof(sk_tcb, ev_link)), or, with
 * SK_ILINK_EXT, into its extension (SK_ILINK_X(acc_link)): a TCB on such a
 * list holds its own extension, never the blank one. */
#define SK_ILINK_EXT ((size_t)1 << 30)
#define SK_ILINK_X(member) (SK_ILINK_EXT | offsetof(sk_tcb_ext, member))
static inline const sk_ilink *sk_ilink_at(const sk_tcp_env *e, uint32_t idx, size_t link_off)
{
    const char *base = (link_off & SK_ILINK_EXT) ? (const char *)e->tcbs[idx].x
                                                 : (const char *)&e->tcbs[idx];
    return (const sk_ilink *)(const void *)(base + (link_off & ~SK_ILINK_EXT));
}

/* ---- tcp_ext.c: the active-transfer extension ---- */
void sk_tcb_ext_blank_init(sk_tcb_ext *x, uint8_t iw_segs);
bool sk_tcb_ext_blank_intact(const sk_tcp_env *e);
/* Is t idle in the sense that it may give its extension back: ESTABLISHED,
 * CLOSE-WAIT, FIN-WAIT-2 or TIME-WAIT, no buffer, no owed ACK, no timer but keepalive, no episode (recovery,
 * spurious detection, RTT measurement) and nothing pending for output? */
bool sk_tcb_ext_idle(const sk_tcp_env *e, const sk_tcb *t);
/* Do t's SND.NXT and SND.MAX (SND.UNA: nothing in flight), send buffer
 * start and Last.ACK.sent read what attaching derives (SND.UNA, or the
 * FIN's number once it is sent; RCV.NXT), and was its
 * last data sent no later than the last segment heard (so the core can
 * keep the time as a gap before last_rcv)? An idle connection gives its
 * extension back only then. */
bool sk_tcb_ext_derivable(const sk_tcb *t);
#define SK_LAST_SND_LONG_AGO UINT32_MAX
/* Where t's send buffer starts, with its extension or without (then
 * derived: the TCB is idle). The stack reads t->x->snd_buf_seq on the
 * paths that attach first; this is for whoever looks from outside. */
sk_seq sk_tcb_snd_buf_seq(const sk_tcp_env *e, const sk_tcb *t);
/* Idle in every other respect, but those fields read otherwise: a
 * connection that holds memory it need not (the fuzz invariants look). */
bool sk_tcb_ext_idle_but_underivable(const sk_tcp_env *e, const sk_tcb *t);
/* At the end of an entry point (segment input, output, a timer, the
 * application's read): give an idle connection's extension back, its CC
 * state packed, in a history record if it needs one (sk_tcb_hist). */
void sk_tcb_ext_settle(sk_tcp_env *e, sk_tcb *t);
/* Does t hold an extension of its own (not the shared blank one)? */
bool sk_tcb_ext_attached(const sk_tcp_env *e, const sk_tcb *t);
/* Give t an extension of its own (a copy of the blank one) before t is
 * changed; false when the allocator has none. */
bool sk_tcb_ext_attach(sk_tcp_env *e, sk_tcb *t);
/* Give t's extension back: t reads the blank one again. */
void sk_tcb_ext_detach(sk_tcp_env *e, sk_tcb *t);
/* t gives its history record back (attaching, or being released). */
void sk_tcb_hist_drop(sk_tcp_env *e, sk_tcb *t);
/* The records' memory back once unused a while (sk_tcp_run_timers). */
void sk_tcb_hist_sweep(sk_tcp_env *e, sk_time now);
/* keep_next with the extension or without (keep_sent > 0): the output
 * that sends a probe sets it in the extension, an idle connection's
 * history record keeps it. */
sk_time sk_tcb_keep_next(const sk_tcp_env *e, const sk_tcb *t);
/* t's keepalive probe found no memory to go (sk_tcb_mark_output, the
 * idle-output queue): lost like a dropped segment, it still counts
 * (keep_sent), and the next goes an interval from now where keep_next can
 * be kept (the extension, or the history record, which a connection keeps
 * once a probe of its went out: hist_keep). One none of whose probes went
 * out may have neither: its next comes on the schedule from the last
 * segment heard (sk_tcb_keep_deadline), which timers run late may find
 * due at once, each time spending one of the probes. */
void sk_tcb_keep_probe_lost(sk_tcp_env *e, sk_tcb *t, sk_time now);
/* Segments t retransmitted, and its last ICMP soft error, with its
 * extension or without. */
uint32_t sk_tcb_retransmits(const sk_tcp_env *e, const sk_tcb *t);
int sk_tcb_soft_error(const sk_tcp_env *e, const sk_tcb *t);

/* ---- tcp_ends.c: a connection's ends ---- */
/* t's ends become tu's (t is new: it had none); false when an IPv6
 * connection finds no room for its addresses (the allocator had none). */
bool sk_tcb_set_ends(sk_tcp_env *e, sk_tcb *t, const sk_tuple *tu);
/* A listener's: its address and port. */
void sk_tcb_set_listen_ends(sk_tcb *l, const sk_ipaddr *laddr, uint16_t port);
/* t gives its ends back (it is being released). */
void sk_tcb_drop_ends(sk_tcp_env *e, sk_tcb *t);
/* The pool goes back to the allocator (sk_tcp_env_free). */
void sk_tcp_ends_free(sk_tcp_env *e);
sk_tuple sk_tcb_tuple_slow(const sk_tcp_env *e, const sk_tcb *t);
/* t's tuple: an IPv4 connection's from the core alone (inline: every
 * segment sent reads it), the others' through the pool or the block. */
static inline sk_tuple sk_tcb_tuple(const sk_tcp_env *e, const sk_tcb *t)
{
    if (t->flags & (SK_TF_IP6 | SK_TF_LISTENER))
        return sk_tcb_tuple_slow(e, t);
    sk_tuple tu;
    memset(&tu, 0, sizeof tu);
    tu.laddr.family = tu.raddr.family = SK_AF_INET4;
    memcpy(tu.laddr.b, &t->ends.la, 4);
    memcpy(tu.raddr.b, &t->ends.ra, 4);
    tu.lport = t->ends.lport;
    tu.rport = t->ends.rport;
    return tu;
}
sk_ipaddr sk_tcb_laddr(const sk_tcp_env *e, const sk_tcb *t);
sk_ipaddr sk_tcb_raddr(const sk_tcp_env *e, const sk_tcb *t);
/* A connection's family: SK_AF_INET6 or SK_AF_INET4 */
static inline uint8_t sk_tcb_family(const sk_tcb *t)
{
    return (t->flags & SK_TF_IP6) ? SK_AF_INET6 : SK_AF_INET4;
}
bool sk_tcb_tuple_is6(const sk_tcp_env *e, const sk_tcb *t, const sk_tuple *tu);
/* Is tu t's tuple? (t a connection: the demux compares) Ports first, they
 * differ most often. */
static inline bool sk_tcb_tuple_is(const sk_tcp_env *e, const sk_tcb *t, const sk_tuple *tu)
{
    if (t->ends.lport != tu->lport || t->ends.rport != tu->rport)
        return false;
    if (t->flags & SK_TF_IP6)
        return sk_tcb_tuple_is6(e, t, tu);
    uint32_t la, ra;
    memcpy(&la, tu->laddr.b, 4);
    memcpy(&ra, tu->raddr.b, 4);
    return tu->raddr.family == SK_AF_INET4 && la == t->ends.la && ra == t->ends.ra;
}

/* ---- tcp_keepprof.c: keepalive settings shared by index ---- */
void sk_keep_prof_init(sk_tcp_env *e);
static inline const sk_keep_prof *sk_tcb_keep(const sk_tcp_env *e, const sk_tcb *t)
{
    return &e->keep_prof[t->keep_prof];
}
/* t's settings become (idle, intvl, cnt): 0, or SK_ENOBUFS when
 * SK_KEEP_PROFILES - 1 other combinations are in use (t keeps its own). */
int sk_keep_prof_set(sk_tcp_env *e, sk_tcb *t, uint64_t idle, uint64_t intvl, uint8_t cnt);
/* t names entry `prof` (a child inherits its listener's), or lets go of
 * its own (SK_KEEP_DEFAULT) */
void sk_keep_prof_use(sk_tcp_env *e, sk_tcb *t, uint8_t prof);
#define SK_KEEP_DEFAULT 0

/* ---- tcp_table.c: the environment, the TCB table and handles ---- */
int sk_tcp_env_init(sk_tcp_env *e, sk_ctx *ctx);
void sk_tcp_env_free(sk_tcp_env *e);
sk_tcb *sk_tcb_alloc(sk_tcp_env *e, sk_time now);
void sk_tcb_release_if_unheld(sk_tcp_env *e, sk_tcb *t);
/* Give t a listener block (empty accept queue and child list); SK_ENOMEM
 * when the allocator has none. Released with the TCB. */
int sk_tcb_make_listener(sk_tcp_env *e, sk_tcb *t);
static inline uint32_t sk_tcb_index(const sk_tcp_env *e, const sk_tcb *t)
{
    return (uint32_t)(t - e->tcbs);
}
sk_sock sk_tcb_handle(const sk_tcp_env *e, const sk_tcb *t);

/* ---- tcp_events.c: output list, readiness, events ---- */
/* t has something to send: on the output list (with its extension), or,
 * without one, in the queue that attaches it at its turn; false when
 * neither had memory (counted TCP_NO_MEMORY: lost like a dropped segment). */
bool sk_tcb_mark_output(sk_tcp_env *e, sk_tcb *t);
void sk_tcb_unmark_output(sk_tcp_env *e, sk_tcb *t);
void sk_tcb_notify(sk_tcp_env *e, sk_tcb *t, uint32_t events);
uint32_t sk_tcb_readiness(const sk_tcp_env *e, const sk_tcb *t);

/* ---- tcp_bufs.c: lazily allocated buffers with their cache ---- */
bool sk_tcb_ensure_sndbuf(sk_tcp_env *e, sk_tcb *t);
/* Send buffer auto-tuning (cfg.sndbuf_max; tcp_bufs.c): is the send buffer
 * what holds the connection back? Asked when an ACK arrives, before it
 * releases anything. */
bool sk_tcb_sndbuf_limited(const sk_tcp_env *e, const sk_tcb *t);
/* Double the send buffer (at most cfg.sndbuf_max): its bytes and the
 * record of what was sent move to a larger block. Out of memory: the
 * buffer stays as it was, counted in stats.sndbuf_grow_failed. */
void sk_tcb_sndbuf_grow(sk_tcp_env *e, sk_tcb *t);
/* Receive buffer auto-tuning (cfg.rcvbuf_max): at a read that took every
 * byte held, after the peer filled the window offered, double the receive
 * buffer (its bytes, in order and out of order, and the reassembly ranges
 * move to a larger block). */
void sk_tcb_rcvbuf_maybe_grow(sk_tcp_env *e, sk_tcb *t);
/* The window scale a SYN of t offers: from its receive limit, or from
 * cfg.rcvbuf_max when the buffer may grow (RFC 7323 §2.2). */
uint8_t sk_tcb_our_wscale(const sk_tcp_env *e, const sk_tcb *t);
bool sk_tcb_ensure_rcvbuf(sk_tcp_env *e, sk_tcb *t);
void sk_tcb_trim_buffers(sk_tcp_env *e, sk_tcb *t);
void sk_tcb_free_buffers(sk_tcp_env *e, sk_tcb *t);
/* The caches' stacks of pointers for SK_BUFCACHE_KEEP spares each (at
 * creation); 0 or -1 when out of memory. */
int sk_tcp_bufcache_init(sk_tcp_env *e);
/* Release the spare buffers (sk_tcp_env_free). */
void sk_tcp_bufcache_free(sk_tcp_env *e);
/* Give back the spares above SK_BUFCACHE_KEEP that no connection took in
 * the last SK_BUFCACHE_DECAY_US (sk_tcp_run_timers; no deadline of its
 * own: an idle stack keeps its spares until it runs again). */
void sk_tcp_bufcache_sweep(sk_tcp_env *e, sk_time now);

/* ---- tcp_rstlimit.c ---- */
/* May a RST answer a segment for no connection now? (the
 * token bucket cfg.tcp_rst_rate / tcp_rst_burst; a refusal is counted) */
bool sk_tcp_rst_allowed(sk_tcp_env *e, sk_time now);

/* ---- tcp_ctlq.c: stateless control segments ---- */
/* Queue a stateless RST; false (counted as TCP_CTLQ_FULL) when full. */
/* An ACK with a window and maybe timestamps (a TIME-WAIT record's). */
bool sk_ctl_push_ack(sk_tcp_env *e, const sk_tuple *tu, sk_seq seq, sk_seq ack,
                     const sk_ctl_ack *a, sk_time now);
bool sk_ctl_push(sk_tcp_env *e, const sk_tuple *tu, sk_seq seq, sk_seq ack, uint8_t flags,
                 sk_time now);
/* A segment built whole (a half-open record's SYN,ACK or challenge ACK). */
bool sk_ctl_push_seg(sk_tcp_env *e, const sk_ctl_seg *c, sk_time now);
/* The same with a window field and options (a SYN cookie's SYN,ACK). */
bool sk_ctl_push_opts(sk_tcp_env *e, const sk_tuple *tu, sk_seq seq, sk_seq ack, uint8_t flags,
                      uint16_t wnd, const sk_tcp_opts *opts, sk_time now);

/* ---- tcp_trace.c: drops and trace events with a connection ---- */
void sk_tcp_count_drop(sk_tcp_env *e, int reason, const sk_tcb *t, sk_time now);
void sk_tcp_trace_state(sk_tcp_env *e, sk_tcb *t, enum sk_tcp_state old, sk_time now);

/* ---- tcp_demux.c: 4-tuple hash table and listeners ---- */
void sk_demux_insert(sk_tcp_env *e, sk_tcb *t);
void sk_demux_remove(sk_tcp_env *e, sk_tcb *t);
sk_tcb *sk_demux_lookup(sk_tcp_env *e, const sk_tuple *tu);
/* The tuple hash the demux and the TIME-WAIT and half-open pools index by
 * (sk_tuple_hash, tweak 0, the stack's key): computed once, it is passed to
 * the three *_h lookups (the ephemeral port search). */
uint32_t sk_demux_hash(const sk_tcp_env *e, const sk_tuple *tu);
/* A 4-tuple may have stopped being held (a connection, TIME-WAIT or
 * half-open record or a listener went without another taking its tuple):
 * the ephemeral port search's "no free port" memo ends. */
static inline void sk_demux_port_freed(sk_tcp_env *e)
{
    e->port_epoch++;
}
sk_tcb *sk_demux_lookup_h(sk_tcp_env *e, const sk_tuple *tu, uint32_t h);
sk_tcb *sk_demux_listener(sk_tcp_env *e, const sk_ipaddr *laddr, uint16_t lport);
bool sk_demux_port_used(sk_tcp_env *e, uint16_t lport);
/* Choose a free ephemeral port for the remote end (RFC 6056 §3.3.3-like). */
uint16_t sk_demux_ephemeral(sk_tcp_env *e, const sk_tuple *partial);

/* ---- tcp_state.c ---- */
void sk_tcb_set_state(sk_tcp_env *e, sk_tcb *t, enum sk_tcp_state st, sk_time now);
/* The connection is finished: report `err` (0 for a clean close), drop
 * buffers and timers and release the TCB when nothing else holds it. */
void sk_tcb_close(sk_tcp_env *e, sk_tcb *t, int err, sk_time now);
/* Queue a RST for this connection (RFC 9293 §3.10.7: <SEQ=SND.NXT><CTL=RST>)
 * and close it with `err`. */
void sk_tcb_reset(sk_tcp_env *e, sk_tcb *t, int err, sk_time now);
bool sk_tcb_synchronized(const sk_tcb *t);
void sk_tcb_init_conn(sk_tcp_env *e, sk_tcb *t, const sk_tuple *tu, uint16_t adv_mss, sk_time now);
/* The window shift we announce (RFC 7323 §2.3), from the configuration. */
uint8_t sk_tcp_our_wscale(const sk_tcp_env *e, uint32_t rcvbuf);
/* The first in-order, not-yet-read byte count and the free space. */
uint32_t sk_tcb_rcv_space(const sk_tcp_env *e, const sk_tcb *t);
/* What arriving text may fill: the space above, or the window already
 * offered when that is larger (a receive buffer shrunk by SK_SO_RCVBUF
 * never takes back an edge we advertised, RFC 9293 §3.8.6.2.2 and RFC 7323
 * §2.4: the bytes fit, the buffer block is the stack's full size). */
uint32_t sk_tcb_rcv_room(const sk_tcp_env *e, const sk_tcb *t);
/* Application close of the send side (shutdown or close). */
void sk_tcb_queue_fin(sk_tcp_env *e, sk_tcb *t, sk_time now);

/* ---- tcp_isn.c (RFC 6528) ---- */
sk_seq sk_tcp_isn(const sk_tcp_env *e, const sk_tuple *tu, sk_time now);

/* Per-connection timestamp clock offset (RFC 7323 §5.4), keyed like the ISN. */
uint32_t sk_tcp_ts_offset(const sk_tcp_env *e, const sk_tuple *tu);

/* ---- tcp_spurious.c (RFC 3522, 4015, 5682, 3708) ---- */
enum sk_spur_rto { SK_SPUR_NONE, SK_SPUR_EIFEL, SK_SPUR_FRTO1, SK_SPUR_FRTO2 };
enum sk_spur_fr { SK_SPUR_FR_NONE, SK_SPUR_FR_EIFEL, SK_SPUR_FR_DSACK };
/* The retransmission timer fired (`first`: the first of a loss episode),
 * before the congestion event. */
void sk_spur_on_timeout(sk_tcp_env *e, sk_tcb *t, bool first, sk_time now);
/* An acceptable ACK was processed; SND.UNA and recovery as they were
 * before it. May undo the last congestion signal. */
void sk_spur_on_ack(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg, sk_seq prior_una,
                    bool was_recovering, sk_time now);
/* Bytes beyond cwnd F-RTO may send now (RFC 5682 §2 step 2b). */
uint32_t sk_spur_frto_allowance(const sk_tcb *t);

/* ---- tcp_sack.c (RFC 2018, RFC 2883) ---- */
/* The peer's SYN or SYN,ACK: is SACK permitted both ways? */
void sk_sack_on_syn(const sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg);
/* Data [seq, seq+len) arrived: remember the part we already had (below
 * rcv_nxt or held out of order) as the duplicate to report. */
void sk_sack_on_data(sk_tcb *t, sk_seq seq, uint32_t len);
/* An out-of-order segment starting at seq was queued (or was already held). */
void sk_sack_on_ooo(sk_tcb *t, sk_seq seq);
/* The SACK blocks of our next ACK, at most `max` (RFC 2018 §3-4): of the
 * owed ACK `rec` (tcp_ack.c: its own segment's range first, after a DSACK
 * block, and nothing above its `high`), or with rec NULL of an ACK now.
 * Pure. */
void sk_sack_fill(const sk_tcb *t, sk_tcp_opts *o, uint8_t max, const sk_ack_owed *rec);
/* The highest sequence number received (RCV.NXT or the top of the held
 * ranges). */
sk_seq sk_sack_rcv_high(const sk_tcb *t);
/* The blocks in `o` were sent. */
void sk_sack_sent(sk_tcp_env *e, sk_tcb *t, const sk_tcp_opts *o);
/* An acceptable ACK arrived: record its valid blocks (before snd_una moves). */
void sk_sack_on_ack(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg);

/* ---- tcp_listen.c: listeners, their children and accept queue ---- */
/* A listener on port (NULL: table full); fixed_isn NULL: RFC 6528 ISNs. */
sk_tcb *sk_listen_open(sk_tcp_env *e, const sk_ipaddr *laddr, uint16_t port, uint16_t backlog,
                       uint16_t mss, const uint32_t *fixed_isn);
void sk_listen_close(sk_tcp_env *e, sk_tcb *l, sk_time now);
/* The first connection of the accept queue, now the application's. */
sk_tcb *sk_listen_accept(sk_tcp_env *e, sk_tcb *l);
void sk_listen_adopt(sk_tcp_env *e, sk_tcb *l, sk_tcb *t);
void sk_listen_detach(sk_tcp_env *e, sk_tcb *t);
void sk_listen_enqueue(sk_tcp_env *e, sk_tcb *t);
/* Is the accept queue of t's listener full (false: t has none)? */
bool sk_listen_acceptq_full(const sk_tcp_env *e, const sk_tcb *t);
/* Would listener l keep a new half-open connection without a cookie? */
bool sk_listen_syn_room(const sk_tcp_env *e, const sk_tcb *l);
/* A segment for a listener (RFC 9293 §3.10.7.2). */
void sk_listen_input(sk_tcp_env *e, sk_tcb *l, const sk_tuple *tu, const sk_tcp_repr *seg,
                     sk_time now);
void sk_listen_syn(sk_tcp_env *e, sk_tcb *l, const sk_tuple *tu, const sk_tcp_repr *seg,
                   const sk_seq *reuse_iss, sk_time now);
/* What a handshake left for the connection its final ACK makes: a SYN
 * cookie's (from_record false: the ACK rebuilt it all) or a half-open
 * record's (tcp_halfopen.c), with the timings of its SYN,ACK. */
typedef struct {
    bool from_record;
    sk_seq iss;
    uint16_t adv_mss;    /* the MSS our SYN,ACK announced */
    uint32_t rcv_wnd;    /* the window we offered (RCV.WND) */
    uint8_t timeouts;    /* SYN,ACK timeouts */
    uint8_t resends;     /* SYN,ACKs sent again */
    bool rtt_timed;      /* the first SYN,ACK, never sent again, is timed */
    sk_time rtt_time;    /* when it was sent */
    sk_time last_snd;    /* when the last one was sent */
    int8_t soft_error;   /* an ICMP soft error, 0: none */
} sk_listen_hs;
/* The connection in SYN-RECEIVED for the SYN `syn` to l (its options
 * taken) and our SYN,ACK as `hs` says it went, on l's children; the caller
 * then passes it the final ACK (sk_tcp_input). NULL when the socket table
 * or the allocator has no room (counted TCP_NO_MEMORY). */
sk_tcb *sk_listen_promote(sk_tcp_env *e, sk_tcb *l, const sk_tuple *tu, const sk_tcp_repr *syn,
                          const sk_listen_hs *hs, sk_time now);

/* ---- tcp_syncookie.c: SYN cookies (RFC 4987 §3.6) ---- */
#define SK_COOKIE_PERIOD_US (64ull * 1000000ull) /* the time counter's step, as Linux's */
#define SK_COOKIE_MAX_AGE 2u /* valid in the counter it was made in and the next */
/* The options a cookie carries beside the MSS (in the TSval's low bits). */
typedef struct {
    int8_t wscale; /* the peer's window shift, -1: none */
    bool sack_ok;
    bool ts_ok;
} sk_cookie_opts;
uint32_t sk_cookie_mss_count(void);
uint16_t sk_cookie_mss_entry(uint32_t i);
/* The ISS of a cookie SYN,ACK for the SYN <SEQ=irs> with the peer's MSS. */
uint32_t sk_cookie_make(const sk_tcp_env *e, const sk_tuple *tu, sk_seq irs, uint16_t mss,
                        sk_time now);
/* Does iss (SEG.ACK - 1) hold a valid cookie for irs (SEG.SEQ - 1)? Then
 * *mss is the MSS it carries. */
bool sk_cookie_check(const sk_tcp_env *e, const sk_tuple *tu, sk_seq irs, sk_seq iss,
                     sk_time now, uint16_t *mss);
uint32_t sk_cookie_ts_encode(uint32_t ts_now, const sk_cookie_opts *o);
/* The options from the echoed TSval; false: not a cookie's TSval. */
bool sk_cookie_ts_decode(uint32_t ts_ecr, sk_cookie_opts *o);

/* ---- tcp_user.c: the user calls (RFC 9293 §3.10.1-§3.10.5) ---- */
/* OPEN, active: a SYN-SENT connection held by the application in *out,
 * or SK_ENOSPC (table full) or SK_EADDRINUSE (the tuple's TIME-WAIT record
 * may not be reused); fixed_isn NULL: the RFC 6528 ISN, or above the
 * TIME-WAIT record's SND.NXT when one is reused. */
int sk_tcp_user_connect(sk_tcp_env *e, const sk_tuple *tu, uint16_t adv_mss,
                        const uint32_t *fixed_isn, sk_time now, sk_tcb **out);
ptrdiff_t sk_tcp_user_send(sk_tcp_env *e, sk_tcb *t, const void *data, size_t len);
/* sk_tcp_send_fill / sk_tcp_recv_view (stack.h): the application writes
 * into the send ring's free spans and reads the receive ring's in-order
 * spans in place. */
ptrdiff_t sk_tcp_user_send_space(const sk_tcp_env *e, const sk_tcb *t);
ptrdiff_t sk_tcp_user_send_fill(sk_tcp_env *e, sk_tcb *t, sk_tcp_fill_fn fill, void *ctx);
ptrdiff_t sk_tcp_user_recv_view(sk_tcp_env *e, sk_tcb *t, sk_tcp_view_fn view, void *ctx);
/* The receive limit grew (SK_SO_RCVBUF): a window update when it is
 * worth one, as after a read. */
void sk_tcp_user_window_changed(sk_tcp_env *e, sk_tcb *t);
ptrdiff_t sk_tcp_user_recv(sk_tcp_env *e, sk_tcb *t, void *buf, size_t cap);
int sk_tcp_user_shutdown(sk_tcp_env *e, sk_tcb *t, sk_time now);
void sk_tcp_user_close(sk_tcp_env *e, sk_tcb *t, sk_time now);
void sk_tcp_user_abort(sk_tcp_env *e, sk_tcb *t, sk_time now);

/* ---- tcp_ts.c (RFC 7323 §3-5, RFC 6191) ---- */
uint32_t sk_ts_now(const sk_tcb *t, sk_time now);
/* The peer's SYN or SYN,ACK: negotiate and record TS.Recent. */
void sk_ts_on_syn(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg, sk_time now);
/* PAWS (§5.3 R1) and the §3.2 rule for missing timestamps: false when the
 * segment is dropped (counted; PAWS asks for an ACK). */
bool sk_ts_check(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg, sk_time now);
/* Timestamps compare modulo 2^32 like sequence numbers (RFC 7323 §5.2). */
static inline bool sk_ts_before(uint32_t a, uint32_t b)
{
    return sk_seq_lt(sk_seq_make(a), sk_seq_make(b));
}
/* PAWS for whatever holds TS.Recent: a TCB (sk_ts_check) or a TIME-WAIT or
 * half-open record (RFC 7323 §5.3 R1, §3.2). A RST, or timestamps off,
 * passes. A segment without a timestamp is dropped silently, an old
 * duplicate is dropped to be answered with an ACK; both are counted (on
 * `t`, NULL for a record). A record lives far less than §5.5's 24 days, so
 * its TS.Recent is always valid: it passes recent_valid true. */
enum sk_paws { SK_PAWS_OK, SK_PAWS_DROP, SK_PAWS_ANSWER };
enum sk_paws sk_ts_paws(sk_tcp_env *e, bool ts_on, bool recent_valid, uint32_t ts_recent,
                        const sk_tcp_repr *seg, sk_tcb *t, sk_time now);
/* §4.3 / §5.3 R3: record TS.Recent from an acceptable segment. */
void sk_ts_record(sk_tcb *t, const sk_tcp_repr *seg, sk_time now);
/* §4.1 RTTM: an ACK advancing snd_una with a timestamp gives an RTT
 * sample (taken here); false when it gives none. */
bool sk_ts_rtt(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg, sk_time now, sk_cc_ack *facts);
/* tcp_spurious.c: the ACK reports a duplicate (a D-SACK, RFC 2883 §4). */
bool sk_seg_has_dsack(const sk_tcb *t, const sk_tcp_repr *seg);
/* RFC 6191: may a SYN reopen this TIME-WAIT connection? */
bool sk_ts_reopen_ok(const sk_tcb *t, const sk_tcp_repr *seg);

/* ---- tcp_timer.c ---- */
/* Timer k (not keepalive: derived) of t goes off at `when`. */
void sk_tcb_timer_set(sk_tcp_env *e, sk_tcb *t, enum sk_timer_kind k, sk_time when);
/* What the keepalive deadline is derived from changed (sk_tcb_keep_deadline). */
void sk_tcb_keep_changed(sk_tcp_env *e, sk_tcb *t);
void sk_tcb_timer_clear_all(sk_tcp_env *e, sk_tcb *t);
sk_time sk_tcp_next_deadline(const sk_tcp_env *e);
/* t's earliest deadline (the minimum of its timers), SK_TIME_NEVER: none */
sk_time sk_tcb_deadline(const sk_tcp_env *e, const sk_tcb *t);
/* Fire every timer due at `now`. */
void sk_tcp_run_timers(sk_tcp_env *e, sk_time now);

/* ---- tcp_rtt.c (RFC 6298) ---- */
/* No RTT sample yet: the RTO is the initial one (RFC 6298 §2.1). */
void sk_rtt_init(sk_tcb *t);
/* The one function that takes every RTT sample (Karn's rule is decided by
 * the caller): the trace event, srtt/rttvar and so the RTO (RFC 6298 §2), the
 * windowed minimum RTT, and the CC facts (`facts` may be NULL: rtt_us,
 * srtt_us, min_rtt_us are filled in). */
void sk_rtt_sample(sk_tcp_env *e, sk_tcb *t, uint32_t rtt_us, sk_time now, sk_cc_ack *facts);
/* Set SRTT and RTTVAR (RFC 4015's rebase after a spurious timeout); the
 * RTO follows from them (sk_tcb_rto). */
void sk_rtt_rebase(sk_tcb *t, uint32_t srtt, uint32_t rttvar);
/* RFC 6298's RTO before backoff: from SRTT and RTTVAR (§2.3, with the
 * configured floors and ceiling), the initial value before any sample
 * (§2.1), 3 s once established without a sample after the handshake timed
 * out (§5.7, SK_TF_RTO_3S). Computed, not kept: the core stays small. */
uint32_t sk_tcb_rto(const sk_tcp_env *e, const sk_tcb *t);
/* The initial RTO within the configured bounds (RFC 6298 §2.1). */
uint32_t sk_rto_initial(const sk_stack_config *cfg);
/* rto doubled k times (RFC 6298 §5.5), at most rto_max. */
uint32_t sk_rto_backoff(const sk_stack_config *cfg, uint32_t rto, uint32_t k);
/* sk_tcb_rto doubled per backoff (RFC 6298 §5.5), at most rto_max. */
uint32_t sk_tcb_rto_current(const sk_tcb *t, const sk_tcp_env *e);
/* How long a minimum RTT sample stands (like Linux's tcp_min_rtt_wlen). */
#define SK_MIN_RTT_WINDOW_US (300ull * 1000000ull)
#define SK_MIN_RTT_AGE_SAT ((uint32_t)SK_MIN_RTT_WINDOW_US + 1u) /* fits 32 bits */
_Static_assert(SK_QUICK_ACKS_MAX <= 15 && SK_TCP__STATE_COUNT <= 16,
               "the state and the quick-ACK count share a byte of the core");
_Static_assert(SK_MIN_RTT_WINDOW_US < UINT32_MAX, "the min RTT's age is a 32-bit offset");
/* RFC 7323 §5.5: TS.Recent is invalid after 24 days without a segment
 * recording it (well before the peer's clock can wrap at one tick per ms). */
#define SK_PAWS_IDLE_MS (24u * 24u * 3600u * 1000u)
/* The timestamp clocks' milliseconds: `now` in ms, modulo 2^32. */
static inline uint32_t sk_ts_ms(sk_time now)
{
    return (uint32_t)(now / 1000u);
}
/* A segment for t arrived at now: keepalive idleness counts from here, and
 * the min RTT's age (kept relative to last_rcv) grows by the gap. After
 * more than 24 days of silence TS.Recent (recorded only while a segment is
 * processed, so never after last_rcv) is past §5.5's limit: its 32-bit ms
 * stamp is set to say so, as it could have wrapped (2^32 ms is 49.7 days)
 * and read young. Within 24 days of the last segment the stamp's age is
 * exact unless TS.Recent went 49.7 days without an update while segments
 * kept arriving, which only old duplicates that PAWS drops could do
 * (docs/rfc-coverage.md). */
static inline void sk_tcb_heard(sk_tcp_env *e, sk_tcb *t, sk_time now)
{
    uint64_t gap = now - t->last_rcv;
    uint64_t age = (uint64_t)t->min_rtt_age + gap;
    t->min_rtt_age = age > SK_MIN_RTT_AGE_SAT ? SK_MIN_RTT_AGE_SAT : (uint32_t)age;
    if (gap > (uint64_t)SK_PAWS_IDLE_MS * 1000u)
        t->ts_recent_ms = sk_ts_ms(now) - SK_PAWS_IDLE_MS - 1u;
    t->last_rcv = now;
    /* the keepalive deadline moved later: lazy (the timer heap), unless
     * t is at the heap's top, which is kept exact */
    if (t->heap_pos == 0)
        sk_tcb_keep_changed(e, t);
}

/* ---- tcp_reass.c ---- */
/* Out-of-order ranges kept with a receive buffer of `rcvbuf` bytes: one per
 * SK_REASS_BYTES of buffer (about 11 full segments), at least SK_REASS_MAX,
 * at most SK_REASS_CEIL. The default 256 KiB buffer keeps the 16 of old (the
 * demos show that queue filling up); a 4 MiB one holds 256, a 32 MiB one
 * 2048. The sender's scoreboard is sized more generously (tcp_rtb.h: every
 * other segment lost): a receiver that runs out drops the segment and it is
 * sent again, a sender that runs out forgets what was delivered. */
uint32_t sk_reass_cap(uint32_t rcvbuf);
/* Place an out-of-order segment; returns false when the queue is full. */
bool sk_reass_insert(sk_tcp_env *e, sk_tcb *t, sk_seq seq, const uint8_t *data, uint32_t len);
/* After rcv_nxt advanced: commit contiguous ranges; returns bytes added. */
uint32_t sk_reass_advance(sk_tcb *t);

/* ---- tcp_ack.c: the ACKs owed (RFC 5681 §4.2, RFC 1122 §4.2.3.2) ---- */
/* An ACK of RCV.NXT is due now: record it behind those already owed, so
 * that a batch of segments read before the next output still gets one ACK
 * per two full-sized segments and one duplicate ACK per out-of-order one.
 * Stops the delayed-ACK timer: this ACK covers every byte received. */
void sk_ack_owe(sk_tcp_env *e, sk_tcb *t);
/* After the application read: an ACK at once for data that ended with PSH. */
void sk_ack_on_read(sk_tcp_env *e, sk_tcb *t);
/* A duplicate ACK is due for the out-of-order segment at seq (queued):
 * owed at once, or, with SACK compression, held for one ACK a little later
 * (the delayed-ACK timer) that reports it with the segments after it. */
void sk_ack_owe_ooo(sk_tcp_env *e, sk_tcb *t, sk_seq seq, sk_time now);
/* The oldest owed ACK and whether it is the last one owed; false when none
 * is owed. */
bool sk_ack_peek(const sk_tcb *t, sk_ack_owed *rec, bool *last);
/* An owed ACK's own out-of-order segment (RFC 2018 §4's first block), and
 * the highest sequence number received when it became due. */
bool sk_ack_has_edge(const sk_ack_owed *o);
sk_seq sk_ack_high(const sk_ack_owed *o);
/* Last.ACK.sent as RFC 7323 §4.3 means it: the newest ACK we decided to
 * send (the newest owed one), else the last one sent. */
sk_seq sk_ack_point(const sk_tcb *t);
/* Remove the oldest owed ACK. */
void sk_ack_pop(sk_tcb *t);
/* The receive MSS estimate from an in-order segment of len bytes (a
 * merged one's gso_size: the sender's segment size), and the bytes it
 * counts for in the every-second-segment rule: ceil(len/MSS) full segments
 * when it is longer than the MSS (merged by the device), RFC 5681 §4.2. */
void sk_ack_update_rcv_mss(sk_tcb *t, uint32_t len, uint16_t gso_size);
uint32_t sk_ack_count_bytes(const sk_tcb *t, uint32_t len);
/* In-order text arrived (rcv_unacked counts it): owe an ACK for a pair of
 * full-sized segments, else start the delayed-ACK timer. */
void sk_ack_schedule(sk_tcp_env *e, sk_tcb *t, sk_time now);
/* Quick-ACK mode (cfg.quick_acks): the next in-order arrivals, up to the
 * configured count and half the window in segments (at least 2), are each
 * ACKed at once. Called at a connection's first data and for a duplicate
 * segment; sending data ends it (sk_ack_quick_end). */
void sk_ack_quick(sk_tcp_env *e, sk_tcb *t);
static inline void sk_ack_quick_end(sk_tcb *t)
{
    t->quick_acks = 0;
}
/* A challenge ACK (RFC 5961), rate limited per stack (§7). */
void sk_ack_challenge(sk_tcp_env *e, sk_tcb *t, sk_time now);
/* The rate limit alone (RFC 5961 §7): true, and counted, when one more
 * challenge ACK may go out now. */
bool sk_ack_challenge_allowed(sk_tcp_env *e, sk_time now);

/* ---- tcp_recovery.c: loss recovery (RFC 6582, RFC 6675, RFC 6937) ---- */
/* What one acceptable ACK said. */
typedef struct {
    sk_seq ack;           /* SEG.ACK */
    uint32_t acked;       /* bytes it newly acknowledged cumulatively */
    int32_t sacked_delta; /* change of SACKed bytes above the cumulative point */
    bool dup;             /* a duplicate ACK (RFC 5681 §2) */
    const sk_cc_ack *facts; /* new data acknowledged: the CC facts; NULL otherwise */
} sk_rec_ack;
/* A retransmission output should build: up to `max` bytes at `seq`. */
typedef struct {
    sk_seq seq;
    uint32_t max;
    enum sk_rexmit_cause cause;
    bool rescue; /* RFC 6675 NextSeg rule (4): HighRxt stays */
} sk_rec_seg;
/* The ACK's valid SACK blocks (t->x->peer_sack) into the scoreboard, before
 * snd_una moves; returns the change in SACKed bytes above the ACK. */
int32_t sk_rec_mark_sacked(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg, sk_time now);
/* An ACK of new data (before snd_una moves) or a duplicate ACK. */
void sk_rec_on_ack(sk_tcp_env *e, sk_tcb *t, const sk_rec_ack *ra, sk_time now);
void sk_rec_on_timeout(sk_tcp_env *e, sk_tcb *t);
/* The next retransmission (NewReno's one segment at SND.UNA, or RFC 6675
 * NextSeg rules 1 and 3); false when none is due or allowed. */
bool sk_rec_next_rexmit(sk_tcb *t, uint32_t budget, sk_rec_seg *s);
/* During SACK recovery, the bytes of new data cwnd - pipe allows (true);
 * false when no SACK recovery is under way. */
bool sk_rec_new_data_room(const sk_tcb *t, uint32_t *room);
/* The loss recovery after a timeout, with SACK: until the cumulative ACK
 * reaches `recover` (SND.MAX when the RTO fired; RFC 6675 §5.1, Linux's
 * loss state). RFC 8985's "RTO recovery". */
bool sk_rec_rto_recovery(const sk_tcb *t);
/* In it: the go-back-N's SND.NXT moved past what the peer has SACKed since
 * the timeout (RFC 6675 §5.1: use the SACK information that arrives during
 * the loss recovery following an RTO), and the bytes in flight for cwnd:
 * [SND.UNA, SND.NXT) less what is SACKed there and what RACK marked lost
 * and was not sent again (as Linux's packets_in_flight). */
uint32_t sk_rec_rto_skip_sacked(sk_tcb *t); /* bytes to the next SACKed range, or UINT32_MAX */
uint32_t sk_rec_rto_flight(const sk_tcb *t);
/* n sequence numbers at seq were just emitted (before SND.MAX moves). */
void sk_rec_sent(sk_tcb *t, sk_seq seq, uint32_t n);
/* The scoreboard's holes above `una` (at most t->x->rtb->sacked.cap, into h)
 * and RFC 6675 SetPipe (for tests too). */
uint32_t sk_rec_holes(const sk_tcb *t, sk_seq una, sk_rec_hole *h);
uint32_t sk_rec_pipe(const sk_tcb *t, sk_seq una);

/* ---- tcp_rack.c: RACK-TLP (RFC 8985) ---- */
bool sk_rack_on(const sk_tcb *t);
bool sk_rack_on_ack(sk_tcb *t, sk_seq ack, sk_time now);
void sk_rack_dsack(sk_tcb *t, sk_seq ack);
void sk_rack_recovery_done(sk_tcb *t);
uint32_t sk_rack_reo_wnd(const sk_tcb *t);
uint32_t sk_rack_detect(sk_tcp_env *e, sk_tcb *t, sk_seq una, sk_time now, uint64_t *wait);
bool sk_rack_lost(const sk_tcb *t, sk_seq s);
bool sk_rack_any_lost(const sk_tcb *t, sk_seq una);
void sk_tlp_arm(sk_tcp_env *e, sk_tcb *t, sk_time now);
/* The recovery timer fired (tcp_timer.c). */
void sk_rec_on_recovery_timer(sk_tcp_env *e, sk_tcb *t, sk_time now);
void sk_rec_enter_if_lost(sk_tcp_env *e, sk_tcb *t, sk_time now);
/* After an ACK of new data was processed (snd_una moved): restart the
 * probe timeout (RFC 8985 §7.2). */
void sk_rec_after_ack(sk_tcp_env *e, sk_tcb *t, sk_time now);

/* ---- tcp_rx.c: segments from the interface ---- */
/* A TCP segment seg[0..len) arrived from src to dst (one of ours, unicast):
 * checksum (skipped when rx->csum_ok), parse, demux, input. Drops are
 * counted. */
void sk_tcp_rx(sk_tcp_env *e, const sk_ipaddr *src, const sk_ipaddr *dst, const uint8_t *seg,
               size_t len, const sk_rx_meta *rx, sk_time now);

/* ---- tcp_input.c ---- */
/* The peer's options from its SYN (MSS, SACK, timestamps, window scale). */
void sk_tcp_take_syn_options(sk_tcp_env *e, sk_tcb *t, const sk_tcp_repr *seg, sk_time now);
/* SND.WND, SND.WL1, SND.WL2 from an acceptable segment. */
void sk_tcp_update_window(sk_tcb *t, const sk_tcp_repr *seg);
/* RFC 5681 §2's duplicate-ACK conditions on the segment itself: no data,
 * no SYN or FIN, the advertised window unchanged (the ACK value and the
 * outstanding data are the caller's to check). */
bool sk_tcp_ack_is_bare(const sk_tcb *t, const sk_tcp_repr *seg);
/* A segment for this TCB (or listener). `seg` is parsed and checksummed. */
void sk_tcp_input(sk_tcp_env *e, sk_tcb *t, const sk_tuple *tu, const sk_tcp_repr *seg,
                  sk_time now);
/* A segment for no connection or listener (RFC 9293 §3.10.7.1). */
void sk_tcp_input_closed(sk_tcp_env *e, const sk_tuple *tu, const sk_tcp_repr *seg,
                         sk_time now);

/* ---- tcp_output.c ---- */
/* The one emission path: choose the next segment for t, update the send
 * state as if it were sent, and return true; false when t has nothing to send.
 * tso_room: payload bytes one super-segment may carry (the device's TSO
 * limit and the caller's buffer; 0: one MSS per segment). A segment longer
 * than the MSS has hdr.gso_size set. */
bool sk_tcp_output(sk_tcp_env *e, sk_tcb *t, sk_time now, uint32_t tso_room, sk_seg_out *out);
/* The window we would advertise now, unscaled bytes. */
uint32_t sk_tcp_rcv_window(const sk_tcp_env *e, const sk_tcb *t);

/* ---- tcp_emit.c: segments out, framed by the interface ---- */
/* Where the interface wants a transport segment in the output buffer, by
 * family (index 0: IPv4, 1: IPv6): its offset and the longest segment the
 * MTU carries. */
typedef struct {
    uint8_t *buf;
    size_t cap;
    size_t off[2], max[2];
    size_t gso_max[2]; /* the longest super-segment (IP length field) */
    /* How much payload one super-segment to tu may carry in cap bytes (0 or
     * NULL: one segment per frame): the device's TSO room (api/frame_meta.c). */
    uint32_t (*tso_room)(void *arg, const sk_tuple *tu, size_t cap, sk_time now);
    void *tso_arg;
    /* The caller may send a connection's payload from the send buffer
     * (sk_stack_output_gather): seg_write leaves it out of the frame, and
     * the caller either takes views of it (sk_tcp_seg_spans) or copies it
     * in (sk_tcp_seg_fill_payload). Never while tracing: the trace shows
     * the payload from the frame. */
    bool gather;
} sk_tcp_frame;
/* One TCP segment on its way out: chosen and written at the frame's
 * offset for its family (sk_tcp_next_ctl, then sk_tcp_next_conn), framed
 * by the interface when len > 0, then reported (sk_tcp_seg_sent:
 * statistics, trace) whether or not it could be framed. */
typedef struct {
    sk_seg_out out;        /* header, payload offset, retransmission cause */
    sk_tcb *t;             /* NULL: a stateless control segment */
    const sk_tuple *tuple; /* &tuple_buf */
    sk_tuple tuple_buf;    /* the connection's (sk_tcb_tuple) or the control segment's */
    size_t len;            /* bytes written; 0: over the MTU (counted, asserted) */
    bool deferred;         /* the payload is still in the send buffer at out.data_off
                            * (sk_tcp_frame.gather), not after the header */
} sk_tcp_seg;
#define SK_TCP_SEG_CSUM_OFF SK_TCP_CSUM_OFF /* where the interface puts the checksum */
static inline bool sk_tcp_ctl_pending(const sk_tcp_env *e)
{
    return e->ctlq_len > 0 || e->ho.out_head != SK_HO_NONE;
}
static inline bool sk_tcp_conn_pending(const sk_tcp_env *e)
{
    return e->out_list.head != SK_TCB_NONE || e->idle_out.len > 0;
}
/* t, without its extension, has something to send (tcp_emit.c); false
 * when the queue's memory could not be had or it is full. */
bool sk_tcp_idle_out_push(sk_tcp_env *e, sk_tcb *t);
void sk_tcp_idle_out_free(sk_tcp_env *e);
/* The queue's memory back once empty and unused a while (sk_tcp_run_timers). */
void sk_tcp_idle_out_sweep(sk_tcp_env *e, sk_time now);
/* The next control segment, written into f (false: none queued). */
bool sk_tcp_next_ctl(sk_tcp_env *e, sk_time now, const sk_tcp_frame *f, sk_tcp_seg *o);
/* A deferred payload (o->deferred): copied to dst, where the frame wants it
 * (after the TCP header), or viewed in place, at most two spans (the send
 * buffer wraps), returning how many. The views hold until the send buffer
 * changes: the caller's next call into the stack. */
void sk_tcp_seg_fill_payload(sk_tcp_seg *o, uint8_t *dst);
size_t sk_tcp_seg_spans(const sk_tcp_seg *o, sk_frame_span spans[SK_FRAME_SPANS_MAX]);
/* The next segment of the connection at the head of the output list (or,
 * with that list empty, of the next connection in the idle-output queue),
 * written into f; the connection goes to the back of the list. False when
 * it had nothing to send (it leaves the list: call again while
 * sk_tcp_conn_pending). */
bool sk_tcp_next_conn(sk_tcp_env *e, sk_time now, const sk_tcp_frame *f, sk_tcp_seg *o);
void sk_tcp_seg_sent(sk_tcp_env *e, sk_time now, const sk_tcp_seg *o);

/* ---- tcp_icmp.c: ICMP errors about our segments (RFC 1122 §4.2.3.9, RFC 5927) ---- */
enum {
    SK_TCP_ICMP_UNREACH, /* soft: net/host unreachable, time exceeded ... */
    SK_TCP_ICMP_REFUSED, /* hard: protocol or port unreachable */
};
/* An ICMP error quoting our segment on tuple `tu` with sequence number
 * `seq`. Returns 0 when it was acted on, else a drop reason (not counted). */
/* The interface could not resolve this connection's next hop (ARP gave
 * up): a connection still in SYN-SENT fails with SK_EHOSTUNREACH (as
 * Linux reports an unresolved neighbour); others keep it as a soft error. */
void sk_tcp_host_unreachable(sk_tcp_env *e, sk_tcb *t, sk_time now);
/* The seam between the interface and TCP for RFC 1122 §2.3.2.2 ("the link
 * layer SHOULD ... inform the transport"): every connection for which
 * `via(ctx, tuple)` is true learns that its next hop is unreachable. The
 * interface owns the routing question, TCP its table; UDP gets the same. */
typedef bool (*sk_tcp_route_match)(const void *ctx, const sk_tuple *tu);
void sk_tcp_unreachable_via(sk_tcp_env *e, sk_tcp_route_match via, const void *ctx, sk_time now);
/* The link MTU of `family` (0: both) went down to `mtu` (sk_stack_set_mtu,
 * an RA's MTU option): every connection of it whose MSS no longer fits
 * shrinks it. */
void sk_tcp_mtu_lowered(sk_tcp_env *e, uint8_t family, uint16_t mtu);
void sk_tcp_local_addr_gone(sk_tcp_env *e, const sk_ipaddr *local, int err, sk_time now);
int sk_tcp_icmp_error(sk_tcp_env *e, const sk_tuple *tu, sk_seq seq, int kind, sk_time now);
/* RFC 5927 §4.1 alone: the quoted tuple names a connection and `seq` is
 * in flight. 0, SK_DROP_ICMP_NO_CONN or SK_DROP_ICMP_OUT_OF_WINDOW. */
int sk_tcp_icmp_check(sk_tcp_env *e, const sk_tuple *tu, sk_seq seq);
/* The path MTU to `raddr` is now `mtu` (the interface's path MTU cache,
 * RFC 8201 §5.2): every synchronized connection to it whose MSS no longer
 * fits lowers it (as sk_tcp_mtu_lowered). Returns how many did. */
uint32_t sk_tcp_pmtu_to(sk_tcp_env *e, const sk_ipaddr *raddr, uint16_t mtu);
/* The MTU a connection to `raddr` starts with: the link MTU, or the
 * smaller path MTU the interface knows. */
uint16_t sk_tcp_path_mtu(sk_tcp_env *e, const sk_ipaddr *raddr, sk_time now);

/* ---- tcp_timewait.c: TIME-WAIT records (tcp_timewait.h) ---- */
int sk_tw_init(sk_tcp_env *e);
void sk_tw_free(sk_tcp_env *e);
/* t is in TIME-WAIT, not held, its TIME-WAIT timer set: its state moves
 * to a record (the oldest is recycled when the pool is full, counted
 * TCP_TW_RECYCLED), the ACK it owed is queued from the record, and the
 * TCB is freed. */
void sk_tw_take(sk_tcp_env *e, sk_tcb *t, sk_time now);
/* The record holding tu, or SK_TW_NONE. */
uint32_t sk_tw_find(const sk_tcp_env *e, const sk_tuple *tu);
/* The same with h = sk_demux_hash(e, tu) computed by the caller. */
uint32_t sk_tw_find_h(const sk_tcp_env *e, const sk_tuple *tu, uint32_t h);
/* A segment for no TCB: true when a TIME-WAIT record took it. */
bool sk_tw_input(sk_tcp_env *e, const sk_tuple *tu, const sk_tcp_repr *seg, sk_time now);
/* Records whose 2*MSL ran out by `now` go. */
void sk_tw_expire(sk_tcp_env *e, sk_time now);
sk_time sk_tw_next_deadline(const sk_tcp_env *e);
/* An active open on tu: 0 when no record holds it; 1 when one did and
 * reuse is safe (the record is gone, *iss is the ISS to take); -1 when
 * it is not safe (the caller refuses the tuple). */
int sk_tw_reuse(sk_tcp_env *e, const sk_tuple *tu, sk_seq *iss, sk_time now);
/* Would sk_tw_reuse say 1 for tu (a record holds it and reuse is safe)? */
bool sk_tw_reuse_safe(const sk_tcp_env *e, const sk_tuple *tu);
/* The same for record i (from sk_tw_find). */
bool sk_tw_rec_reusable(const sk_tcp_env *e, uint32_t i);

/* ---- tcp_halfopen.c: half-open records (tcp_halfopen.h) ---- */
int sk_ho_init(sk_tcp_env *e);
void sk_ho_free(sk_tcp_env *e);
/* The record holding tu, or SK_HO_NONE. */
uint32_t sk_ho_find(const sk_tcp_env *e, const sk_tuple *tu);
/* The same with h = sk_demux_hash(e, tu) computed by the caller. */
uint32_t sk_ho_find_h(const sk_tcp_env *e, const sk_tuple *tu, uint32_t h);
/* A record for the SYN `syn` to listener l with our ISS (its options
 * taken; the SYN,ACK is queued): false when the pool is full. */
bool sk_ho_new(sk_tcp_env *e, sk_tcb *l, const sk_tuple *tu, const sk_tcp_repr *syn, sk_seq iss,
               uint16_t adv_mss, sk_time now);
/* A segment for the record holding tu (RFC 9293 §3.10.7.4 in
 * SYN-RECEIVED): answered from the record, or the ACK that completes the
 * handshake makes the connection (sk_listen_promote). */
void sk_ho_input(sk_tcp_env *e, uint32_t i, const sk_tuple *tu, const sk_tcp_repr *seg,
                 sk_time now);
/* With cookies off: the oldest record of l whose SYN,ACK timed out at
 * least once is dropped (counted TCP_SYN_EVICTED); false when none has. */
bool sk_ho_evict_old(sk_tcp_env *e, sk_tcb *l, sk_time now);
/* Has l a record sk_ho_evict_old would drop? */
bool sk_ho_evictable(const sk_tcp_env *e, const sk_tcb *l);
/* Listener l closes: its records are dropped without a RST (ho_orphaned). */
void sk_ho_listener_closed(sk_tcp_env *e, sk_tcb *l, sk_time now);
/* Timers: SYN,ACKs due again are queued, records out of retries dropped. */
void sk_ho_expire(sk_tcp_env *e, sk_time now);
sk_time sk_ho_next_deadline(const sk_tcp_env *e);
/* The next queued SYN,ACK, as a control segment (false: none). */
bool sk_ho_next_out(sk_tcp_env *e, sk_time now, sk_ctl_seg *c);
/* ICMP about a segment we sent on tu (RFC 5927 §4.1: SEQ = ISS): 0 when a
 * record took it, else SK_DROP_ICMP_NO_CONN or SK_DROP_ICMP_OUT_OF_WINDOW. */
int sk_ho_icmp(sk_tcp_env *e, const sk_tuple *tu, sk_seq seq, int kind, bool check_only);
/* The interface's walks (tcp_icmp.c) over records as over TCBs. */
void sk_ho_unreachable_via(sk_tcp_env *e, sk_tcp_route_match via, const void *ctx);
void sk_ho_mtu_lowered(sk_tcp_env *e, uint8_t family, uint16_t mtu);
void sk_ho_local_addr_gone(sk_tcp_env *e, const sk_ipaddr *local, sk_time now);

/* ---- tcp_trace.c: trace conversion ---- */
/* An event of `kind` at `now` about t (NULL: no connection), with its
 * handle and ends filled in; the caller adds the kind's fields. */
void sk_tcp_trace_init(const sk_tcp_env *e, const sk_tcb *t, enum sk_trace_kind kind, sk_time now,
                       sk_trace_event *ev);
/* A segment in or out; `cause` is the retransmission's (SK_TRACE_RETRANSMIT). */
void sk_tcp_trace_seg(sk_tcp_env *e, enum sk_trace_kind kind, const sk_tcb *t,
                      const sk_tuple *tu, bool outbound, const sk_tcp_repr *seg, sk_time now,
                      enum sk_rexmit_cause cause);

#endif
