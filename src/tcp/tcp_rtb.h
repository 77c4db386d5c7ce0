/* A record of what was sent (ngtcp2's rtb is the model): per connection,
 * the sequence ranges emitted and not yet cumulatively acknowledged, each
 * with the time of its last transmission, its transmission count and marks,
 * and the SACK scoreboard (RFC 6675 §3: what the peer reported holding, a
 * range set). Loss recovery (tcp_recovery.c) keeps its per-episode
 * variables here too, so that the TCB carries one pointer, not the record.
 *
 * The record is allocated with the send buffer (tcp_bufs.c puts it after the
 * buffer bytes in the same block): an idle connection, whose send buffer has
 * been given back, holds none. It is bounded: ranges sent at the same time
 * with the same marks merge as they are recorded; when a split is needed
 * and the record is full, neighbours with the same marks merge (the later
 * send time kept), and if that is not enough the transmission is recorded
 * over whole ranges (coarser, never wrong about what is outstanding),
 * counted in stats.rtb_coarse.
 */
#ifndef SK_TCP_RTB_H
#define SK_TCP_RTB_H

#include "base/rangeset.h"
#include "base/seq.h"
#include "base/sktime.h"

#include <stdbool.h>
#include <stdint.h>

#define SK_RTB_CAP 48

enum sk_rtb_mark {
    SK_RTB_REXMIT = 1u << 0, /* sent more than once */
    SK_RTB_LOST = 1u << 1,   /* judged lost, not yet retransmitted */
    SK_RTB_SACKED = 1u << 2, /* wholly SACKed (delivered) */
};

typedef struct {
    sk_seq seq, end; /* [seq, end) */
    sk_time sent;    /* `now` of the last transmission */
    uint8_t xmits;   /* transmissions so far */
    uint8_t marks;   /* enum sk_rtb_mark */
} sk_rtb_ent;

typedef struct sk_rtb {
    sk_rtb_ent ent[SK_RTB_CAP]; /* ascending, disjoint */
    uint8_t n;
    sk_rset sacked; /* the SACK scoreboard above snd_una */
    /* loss recovery (tcp_recovery.c): RFC 6675 HighRxt (as the end of the
     * highest retransmission), RFC 6937 PRR */
    sk_seq high_rxt;
    sk_seq rescue_rxt; /* RFC 6675 RescueRxt, with rescue_set */
    uint32_t prr_delivered, prr_out, recover_fs;
    bool rescue_set;     /* RescueRxt is defined */
    bool rescue_pending; /* the segment output builds is NextSeg rule (4)'s */
    /* RACK-TLP (tcp_rack.c, RFC 8985 §6-7) */
    sk_time rack_xmit_ts;   /* RACK.xmit_ts */
    sk_seq rack_end_seq;    /* RACK.end_seq */
    sk_seq rack_fack;       /* RACK.fack: highest delivered end */
    sk_seq dsack_round;     /* RACK.dsack_round: reo_wnd grows once per round */
    sk_seq tlp_end_seq;     /* TLP.end_seq, with tlp_pending */
    uint32_t rack_rtt;      /* RACK.rtt */
    uint8_t reo_wnd_mult, reo_wnd_persist;
    bool rack_valid, reordering_seen, tlp_pending, tlp_is_retrans, tlp_probe_due;
    bool timer_is_reo; /* SK_TIMER_RECOVERY is the reorder timer, else the PTO */
    bool ack_dsack;    /* the ACK being processed carried a DSACK */
} sk_rtb;

void sk_rtb_init(sk_rtb *r);
/* [seq, end) was emitted at `now` (new data, a retransmission or both).
 * Returns false when it was recorded coarser than asked (record full). */
bool sk_rtb_sent(sk_rtb *r, sk_seq seq, sk_seq end, sk_time now);
/* The cumulative ACK reached `una`: forget what lies below it. */
void sk_rtb_acked(sk_rtb *r, sk_seq una);
/* Mark [l, r) SACKed; false when the scoreboard had no room (forgotten). */
bool sk_rtb_sack(sk_rtb *r, sk_seq l, sk_seq right);
/* Bytes the scoreboard holds SACKed at or above `from`. */
uint32_t sk_rtb_sacked_above(const sk_rtb *r, sk_seq from);
/* Split the ranges at l and at right, so that [l, right) is whole ranges
 * (as far as the record has room). */
void sk_rtb_split(sk_rtb *r, sk_seq l, sk_seq right);
/* The recorded range holding `s`, or NULL. */
const sk_rtb_ent *sk_rtb_find(const sk_rtb *r, sk_seq s);

#endif
