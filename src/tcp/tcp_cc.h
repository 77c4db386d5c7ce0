/* Congestion control as events carrying facts (the shape of FreeBSD's
 * cc_algo, ngtcp2's ngtcp2_cc and smoltcp's Controller).
 *
 * The connection reports what happened: an ACK with its facts (time, bytes
 * newly acknowledged, the RTT sample, min RTT, srtt, bytes in flight, bytes
 * delivered, recovery, application-limited), a congestion signal (loss,
 * timeout, ECN), the end of recovery (a full ACK), a restart after idle, a
 * congestion signal found spurious. The algorithm answers by setting cwnd
 * and ssthresh, and nothing else writes them: the loss-recovery window
 * arithmetic of RFC 5681 §3.2 and RFC 6582 §3.2 (inflation by duplicate
 * ACKs, partial-ACK deflation, the full-ACK rule) lives in tcp_cc.c, which
 * the input and timer code call (tests/unit/check: grep "cwnd =").
 *
 * Each algorithm keeps its own per-connection state in sk_tcb.cc_priv, a
 * fixed-size blob sized for the largest algorithm (no allocation). Time is
 * the `now` passed into the events; the core reads no clock.
 */
#ifndef SK_TCP_CC_H
#define SK_TCP_CC_H

#include "base/seq.h"
#include "base/sktime.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct sk_tcb sk_tcb;

/* The facts of one ACK that acknowledged new data. */
typedef struct {
    sk_time now;
    sk_seq ack;           /* SEG.ACK */
    uint32_t acked;       /* bytes newly acknowledged by this ACK */
    uint32_t rtt_us;      /* the RTT sample this ACK gave, 0: none (Karn) */
    uint32_t min_rtt_us;  /* windowed minimum RTT, 0: no sample yet */
    uint32_t srtt_us;     /* smoothed RTT, 0: no sample yet */
    uint32_t in_flight;   /* bytes outstanding after this ACK */
    uint64_t delivered;   /* bytes acknowledged on this connection, this ACK included */
    bool in_recovery;     /* fast recovery was under way when the ACK came */
    bool app_limited;     /* the sender was not using its window: no unsent data
                             waited while less than cwnd was in flight */
    bool paced;           /* the sender paces (cfg.pacing): its flights are spread
                             over up to half an RTT in slow start */
} sk_cc_ack;

enum sk_cc_kind {
    SK_CC_LOSS,    /* fast retransmit: entering fast recovery */
    SK_CC_TIMEOUT, /* the first retransmission timeout of a loss episode */
    SK_CC_TIMEOUT_IN_RECOVERY, /* the first timeout inside fast recovery, whose
                                  entry made the episode's reduction: the loss
                                  window, ssthresh (and CUBIC's curve) kept */
    SK_CC_ECN,     /* ECN-Echo (RFC 3168 §6.1.2): reduce, retransmit nothing */
};

/* Per-connection private state, owned by the algorithm. */
#define SK_CC_PRIV_SIZE 136 /* cubic_state with its slow-start usage round (sk_cc_usage) */
typedef union {
    uint8_t bytes[SK_CC_PRIV_SIZE];
    uint64_t align_;
} sk_cc_priv;

/* What an algorithm keeps of its state while a connection is idle and has
 * given its extension back (tcp_ext.c): SK_CC_IDLE_WORDS words. */
#define SK_CC_IDLE_WORDS 6

typedef struct sk_cc_ops {
    const char *name;
    /* a new connection (or the MSS became known): the initial window */
    void (*init)(sk_tcb *t, sk_time now);
    /* new data acknowledged outside fast recovery */
    void (*on_ack)(sk_tcb *t, const sk_cc_ack *a);
    /* a congestion signal: set ssthresh (and cwnd: the loss window on a
     * timeout, ssthresh otherwise; tcp_cc.c then inflates for recovery) */
    void (*on_congestion)(sk_tcb *t, enum sk_cc_kind kind, sk_time now);
    /* a full ACK ended fast recovery (RFC 6582 §3.2 step 3) */
    void (*on_recovery_exit)(sk_tcb *t, const sk_cc_ack *a);
    /* nothing was sent for more than an RTO: restart (RFC 5681 §4.1) */
    void (*after_idle)(sk_tcb *t, sk_time now);
    /* the last congestion signal was spurious (F-RTO, Eifel): undo it */
    void (*on_spurious)(sk_tcb *t, sk_time now);
    /* the connection goes idle (its extension, with cc_priv, is given
     * back): keep what must survive in `w` (false: the state does not
     * fit now, the connection keeps its extension); and the reverse, into
     * a zeroed cc_priv, when it becomes active again. NULL: nothing kept. */
    bool (*idle_pack)(const sk_tcb *t, uint32_t w[SK_CC_IDLE_WORDS]);
    void (*idle_unpack)(sk_tcb *t, const uint32_t w[SK_CC_IDLE_WORDS]);
    /* what idle_pack gives for a connection still in its first slow start
     * (no congestion signal, nothing counted): an idle connection whose
     * words are these keeps none (tcp_ext.c, sk_tcb_hist), and unpacks
     * these when it wakes */
    uint32_t idle_fresh[SK_CC_IDLE_WORDS];
} sk_cc_ops;

extern const sk_cc_ops sk_cc_newreno;
extern const sk_cc_ops sk_cc_cubic;

/* The algorithm called `name` ("newreno", "cubic"), or NULL. */
const sk_cc_ops *sk_cc_find(const char *name);

/* ---- the events, as the connection reports them (tcp_cc.c) ---- */
/* The facts of an ACK of new data up to `ack`, taken before the send state
 * moves (the RTT fields are filled by sk_rtt_sample when it takes one). */
void sk_cc_ack_facts(const sk_tcb *t, sk_seq ack, sk_time now, sk_cc_ack *a);
void sk_cc_init(sk_tcb *t, sk_time now);
/* Switch algorithm on a live connection: cwnd and ssthresh are kept, the
 * new algorithm starts with fresh private state. */
void sk_cc_select(sk_tcb *t, const sk_cc_ops *ops, sk_time now);
/* New data acknowledged outside fast recovery. */
void sk_cc_on_ack(sk_tcb *t, const sk_cc_ack *a);
/* The third duplicate ACK: enter fast recovery (RFC 6582 §3.2 step 2). */
void sk_cc_enter_recovery(sk_tcb *t, sk_time now);
/* A further duplicate ACK during fast recovery (RFC 6582 §3.2 step 4). */
void sk_cc_dupack_in_recovery(sk_tcb *t);
/* A partial ACK of `acked` bytes during fast recovery (step 5). */
void sk_cc_partial_ack(sk_tcb *t, uint32_t acked);
/* RFC 6675 / RFC 6937 recovery: entering sets ssthresh (and cwnd =
 * ssthresh) through the algorithm's loss event; during recovery PRR sets
 * cwnd to pipe + sndcnt; on exit cwnd = ssthresh (RFC 6937 §3). */
void sk_cc_prr_enter(sk_tcb *t, sk_time now);
void sk_cc_prr_set(sk_tcb *t, uint32_t cwnd);
void sk_cc_prr_exit(sk_tcb *t, const sk_cc_ack *a);
/* A full ACK ends fast recovery (step 3). */
void sk_cc_recovery_exit(sk_tcb *t, const sk_cc_ack *a);
/* A retransmission timeout; `first` for the first of a loss episode
 * (later ones keep ssthresh and only reset the loss window, RFC 5681 §3.1). */
void sk_cc_timeout(sk_tcb *t, bool first, sk_time now);
/* An ECN-Echo (no caller yet: synack does not negotiate ECN). */
void sk_cc_ecn(sk_tcb *t, sk_time now);
void sk_cc_after_idle(sk_tcb *t, sk_time now);
void sk_cc_spurious(sk_tcb *t, sk_time now);

/* F-RTO found the timeout genuine after sending new data (RFC 5682 §2
 * step 3a): cwnd at most 3 SMSS, slow start continues. */
void sk_cc_frto_conventional(sk_tcb *t);

/* ---- helpers the algorithms share ---- */
/* The sender's SMSS as congestion control counts it (RFC 5681 §2: the
 * largest segment the sender can transmit, excluding options): the
 * effective send MSS less the options every segment carries (timestamps,
 * 12 bytes, when negotiated). IW, increments and floors use this. */
uint32_t sk_cc_smss(const sk_tcb *t);
/* Slow start's increase for an ACK of `acked` bytes: RFC 3465 §2.3 byte
 * counting with L = 2 SMSS (the receiver ACKs every second segment, so
 * cwnd doubles per round trip, as with Linux, which counts all acked
 * segments). */
uint32_t sk_cc_slow_start_inc(const sk_tcb *t, uint32_t acked);
/* Whether slow start may grow cwnd on the ACK `a` (RFC 7661 §4.3, RFC
 * 9438 §5.8: no growth while the application, not cwnd, limits the flow):
 * yes unless the sender was application-limited and the most it had in
 * flight this round trip was at most half of cwnd (Linux's
 * tcp_is_cwnd_limited in slow start: cwnd < 2 * max_packets_out; half, as
 * slow start doubles the window each round trip). The flight just before
 * an ACK is the largest since the previous ACK (only sends raise it), so
 * the round's maximum is taken over ACKs; the round ends when SND.MAX at
 * its start is acknowledged. `u` lives in the algorithm's cc_priv. */
typedef struct {
    sk_seq round_end;
    uint32_t max_flight : 31; /* bytes; windows stay below 2^31 */
    uint32_t started : 1;
} sk_cc_usage;
bool sk_cc_slow_start_limited(sk_cc_usage *u, const sk_tcb *t, const sk_cc_ack *a);
/* The initial window: RFC 6928 with t->iw_segs segments, or RFC 5681
 * §3.1's rule when iw_segs is 0. */
uint32_t sk_cc_initial_window(const sk_tcb *t);
/* FlightSize as RFC 5681 eqn. 4 reads it, at most cwnd. The cap is what
 * leaves Limited Transmit's bytes out (RFC 5681 §3.2 step 2): they are
 * exactly those beyond cwnd, as no new ACK (and no cwnd change) comes
 * between the first duplicate ACK and the loss signal. And with SACK
 * the outstanding bytes include SACKed ones above the holes, not in the
 * network, and after a recovery that ended with a large scoreboard they can
 * far exceed cwnd; ssthresh from them rose from one recovery to the next
 * (RFC 9438 §4.6 allows cwnd; Linux's Reno and CUBIC use cwnd). */
uint32_t sk_cc_flight_for_ssthresh(const sk_tcb *t);
/* RFC 6582 §3.2 step 3 option (1): cwnd = min(ssthresh, max(FlightSize,
 * SMSS) + SMSS), FlightSize as left by the full ACK `ack`. */
uint32_t sk_cc_full_ack_window(const sk_tcb *t, sk_seq ack);

#endif
