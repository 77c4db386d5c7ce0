/* A record of what was sent (ngtcp2's rtb is the model): per connection,
 * the sequence ranges emitted and not yet cumulatively acknowledged, each
 * with the time of its last transmission, its transmission count and marks,
 * and the SACK scoreboard (RFC 6675 §3: what the peer reported holding, a
 * range set). Loss recovery (tcp_recovery.c) keeps its per-episode
 * variables here too, so that the TCB carries one pointer, not the record.
 *
 * The record is allocated with the send buffer (tcp_bufs.c puts it after the
 * buffer bytes in the same block): an idle connection, whose send buffer has
 * been given back, holds none. Its capacities scale with the send buffer
 * (sk_rtb_caps): a window of sndbuf bytes in MSS-sized segments has at most
 * sndbuf / (2 MSS) holes (every other segment lost), so the scoreboard keeps
 * that many ranges and the record three times as many entries (a hole, its
 * retransmission and the SACKed range above it), never fewer than the
 * fixed 16 and 48 of old and at most SK_RTB_SACK_MAX. It is bounded: ranges sent at the same time
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
#include <stddef.h>
#include <stdint.h>

#define SK_RTB_CAP 48           /* the record's floor (entries) */
#define SK_RTB_SACK_MIN SK_RSET_CAP /* the scoreboard's floor (ranges) */
#define SK_RTB_SACK_MAX 4096u    /* and ceiling (a 12 MiB send buffer) */
#define SK_RTB_SEG_NOMINAL 1460u /* the MSS the capacities assume */

enum sk_rtb_mark {
    SK_RTB_REXMIT = 1u << 0, /* sent more than once */
    SK_RTB_LOST = 1u << 1,   /* judged lost, not yet retransmitted */
    SK_RTB_SACKED = 1u << 2, /* wholly SACKed (delivered) */
    /* the copy this retransmission replaced had been judged lost (LOST
     * when it was resent): for pipe, the original is no longer in flight
     * (RFC 6675 IsLost with RACK's marks, tcp_recovery.c sk_rec_pipe) */
    SK_RTB_WAS_LOST = 1u << 3,
    /* SACKed by the ACK being processed, for RACK's pass over the ranges it
     * delivered in ascending order; set and cleared within sk_rack_on_ack */
    SK_RTB_NEWLY_SACKED = 1u << 4,
};

typedef struct {
    sk_seq seq, end; /* [seq, end) */
    sk_time sent;    /* `now` of the last transmission */
    uint8_t xmits;   /* transmissions so far */
    uint8_t marks;   /* enum sk_rtb_mark */
} sk_rtb_ent;

/* A hole of the scoreboard, with RFC 6675 IsLost() (tcp_recovery.c). */
typedef struct {
    sk_seq start, end;
    bool lost;
    bool rack; /* lost by RACK's time rule only (not by RFC 6675 IsLost) */
} sk_rec_hole;

typedef struct sk_rtb {
    sk_rtb_ent *ent; /* ent[0..n) ascending, disjoint; room for cap */
    uint32_t n, cap;
    sk_rset sacked;     /* the SACK scoreboard above snd_una */
    sk_rec_hole *holes; /* scratch for the scoreboard's holes (sacked.cap) */
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
    bool rack_fack_valid; /* rack_fack holds a delivered end (none yet: no reordering to see) */
    bool timer_is_reo; /* SK_TIMER_RECOVERY is the reorder timer, else the PTO */
    bool ack_dsack;    /* the ACK being processed carried a DSACK */
} sk_rtb;

/* The capacities for a send buffer of `sndbuf` bytes (see above). */
void sk_rtb_caps(uint32_t sndbuf, uint32_t *ent_cap, uint32_t *sack_cap);
/* Bytes sk_rtb_place needs: the record and its arrays. */
size_t sk_rtb_size(uint32_t sndbuf);
/* Lay out an empty record, sized for `sndbuf`, in `mem` (sk_rtb_size bytes,
 * aligned like the allocator's blocks). */
sk_rtb *sk_rtb_place(void *mem, uint32_t sndbuf);
/* The send buffer grew: lay out a record for `sndbuf` in `mem` (as
 * sk_rtb_place) holding what `from` holds (its entries, scoreboard and
 * recovery variables), `sndbuf` at least what `from` was placed for. */
sk_rtb *sk_rtb_move(void *mem, uint32_t sndbuf, const sk_rtb *from);
/* Empty the record, keeping its storage. */
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
