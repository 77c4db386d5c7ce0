/* The active-transfer extension of a TCB (sk_tcb_ext): owed ACKs, buffers,
 * SACK blocks, the RTT measurement, recovery and spurious-detection
 * episodes, the congestion control's own state. A TCB that holds none
 * points at the environment's blank extension (e->ext_blank), which is
 * read like any other (no owed ACK, empty buffers, no episode) and never
 * written: whoever changes a connection attaches a private one first
 * (sk_tcb_ext_attach). */
#include "tcp/tcp_conn.h"

#include "base/skassert.h"

#include <stddef.h>
#include <string.h>

/* Taken and given back at every transfer's start and end: on 64-bit
 * glibc, blocks up to 1,032 bytes come from the per-thread cache, larger
 * ones from the slower bins (bench/README-1m.md, 08d57ae). A field added
 * past this goes into padding or trades for another. */
_Static_assert(sizeof(void *) != 8 || sizeof(sk_tcb_ext) <= 1032,
               "the extension fits glibc's per-thread cache (1,032 bytes)");

void sk_tcb_ext_blank_init(sk_tcb_ext *x, uint8_t iw_segs)
{
    memset(x, 0, sizeof *x);
    sk_ring_init(&x->sndbuf, NULL, 0);
    sk_ring_init(&x->rcvbuf, NULL, 0);
    sk_rset_init(&x->reass, NULL, 0);
    for (int k = 0; k < SK_EXT_TIMERS; k++)
        x->timer[k] = SK_TIME_NEVER;
    x->parent = SK_TCB_NONE;
    x->child_link.next = x->child_link.prev = SK_LINK_OFF;
    x->acc_link.next = x->acc_link.prev = SK_LINK_OFF;
    x->out_link.next = x->out_link.prev = SK_LINK_OFF;
    x->past.keep_next = SK_TIME_NEVER;
    x->iw_segs = iw_segs;
}

/* Nobody wrote into the shared blank extension (debug builds). */
bool sk_tcb_ext_blank_intact(const sk_tcp_env *e)
{
    sk_tcb_ext fresh;
    sk_tcb_ext_blank_init(&fresh, e->ctx->cfg.initial_window_segments);
    return memcmp(&fresh, &e->ext_blank, sizeof fresh) == 0;
}

/* What an idle connection's send buffer starts at: SND.UNA, or with our
 * FIN sent (and so acknowledged: FIN-WAIT-2) the FIN's own number (the
 * buffer releases bytes, never the FIN); a FIN queued on a connection
 * without its extension (a close) is not sent yet. A connection gives its
 * extension back only when its fields say this and Last.ACK.sent is
 * RCV.NXT (sk_tcb_ext_derivable): attaching one again derives them, so
 * the core need not keep them. */
static sk_seq idle_buf_seq(const sk_tcb *t)
{
    return (t->flags & SK_TF_FIN_SENT) ? sk_seq_add(t->snd_una, (uint32_t)0 - 1u) : t->snd_una;
}

/* When an idle connection last sent data: last_snd_gap before the last
 * segment heard (all it sent was acknowledged since), or, for a gap of
 * 2^32 - 1 us (71 minutes) or more and for a new connection, 2^32 us
 * before it (at least; 0 early in the clock): RFC 5681 §4.1's test, idle
 * longer than the RTO, a 32-bit count of microseconds, reads the same. */
static sk_time idle_last_snd(const sk_tcb *t)
{
    if (t->last_snd_gap != SK_LAST_SND_LONG_AGO)
        return t->last_rcv - t->last_snd_gap;
    return t->last_rcv > ((sk_time)1 << 32) ? t->last_rcv - ((sk_time)1 << 32) : 0;
}

sk_seq sk_tcb_snd_buf_seq(const sk_tcp_env *e, const sk_tcb *t)
{
    return sk_tcb_ext_attached(e, t) ? t->x->snd_buf_seq : idle_buf_seq(t);
}

bool sk_tcb_ext_attached(const sk_tcp_env *e, const sk_tcb *t)
{
    return t->x != &e->ext_blank;
}

static sk_tcb_hist *hist_of(const sk_tcp_env *e, const sk_tcb *t)
{
    SK_ASSERT(t->hist != 0 && t->hist <= e->hist.fresh);
    return sk_slab_at(&e->hist, t->hist - 1);
}

void sk_tcb_hist_drop(sk_tcp_env *e, sk_tcb *t)
{
    if (t->hist == 0)
        return;
    sk_slab_give(&e->hist, t->hist - 1);
    t->hist = 0;
}

void sk_tcb_hist_sweep(sk_tcp_env *e, sk_time now)
{
    if (e->hist.mem == NULL || e->hist.used != 0) {
        e->hist_empty = SK_TIME_NEVER;
        return;
    }
    if (e->hist_empty == SK_TIME_NEVER || now < e->hist_empty)
        e->hist_empty = now;
    else if (now - e->hist_empty >= SK_BUFCACHE_DECAY_US)
        sk_slab_free(&e->hist, e->ctx);
}

/* t's past wherever it is: the extension, the history record, or (idle
 * without a record) the blank extension's, read only for what does not
 * depend on the connection (not recover: past_fresh). */
static const sk_tcb_past *past_of(const sk_tcp_env *e, const sk_tcb *t)
{
    if (sk_tcb_ext_attached(e, t) || t->hist == 0)
        return &t->x->past;
    return &hist_of(e, t)->past;
}

uint32_t sk_tcb_retransmits(const sk_tcp_env *e, const sk_tcb *t)
{
    return past_of(e, t)->retransmits;
}

int sk_tcb_soft_error(const sk_tcp_env *e, const sk_tcb *t)
{
    return past_of(e, t)->soft_error;
}

sk_time sk_tcb_keep_next(const sk_tcp_env *e, const sk_tcb *t)
{
    return past_of(e, t)->keep_next;
}

/* A new connection's past, as an idle connection without a record has it:
 * nothing retransmitted, no backoff, no error, no probe sent, and recover
 * SND.UNA - 1 (a new ACK outside recovery drags it there: tcp_recovery.c). */
static sk_tcb_past past_fresh(const sk_tcb *t)
{
    return (sk_tcb_past){.keep_next = SK_TIME_NEVER,
                         .recover = sk_seq_add(t->snd_una, (uint32_t)0 - 1u)};
}

static bool past_is_fresh(const sk_tcb_past *p, const sk_tcb *t)
{
    sk_tcb_past f = past_fresh(t);
    return p->keep_next == f.keep_next && p->retransmits == f.retransmits &&
           p->delivered_hi == f.delivered_hi && sk_seq_eq(p->recover, f.recover) &&
           p->backoff == f.backoff && p->soft_error == f.soft_error;
}

/* A record holding a new connection's history, for t (which has none). */
static sk_tcb_hist *hist_new(sk_tcp_env *e, sk_tcb *t)
{
    SK_ASSERT(t->hist == 0);
    uint32_t i;
    if (!sk_slab_take(&e->hist, e->ctx, &i))
        return NULL;
    sk_tcb_hist *h = sk_slab_at(&e->hist, i);
    memcpy(h->cc, sk_tcb_cc(t)->idle_fresh, sizeof h->cc);
    h->past = past_fresh(t);
    t->hist = i + 1;
    return h;
}

void sk_tcb_keep_probe_lost(sk_tcp_env *e, sk_tcb *t, sk_time now)
{
    t->flags &= ~(uint32_t)SK_TF_KEEP_PROBE;
    sk_time next = sk_time_after(now, sk_tcb_keep(e, t)->intvl);
    if (sk_tcb_ext_attached(e, t))
        t->x->past.keep_next = next;
    else if (t->hist != 0)
        hist_of(e, t)->past.keep_next = next;
    sk_tcb_keep_changed(e, t);
}

/* Going idle: keep what differs from a new connection's history (the CC's
 * packed words w, the past: sk_tcb_past) in a record; false when it needs
 * one and the allocator has none (the connection keeps its extension). A
 * connection that sent a keepalive probe needs one (its next deadline);
 * keep_next means nothing without probes sent. */
static bool hist_keep(sk_tcp_env *e, sk_tcb *t, const uint32_t w[SK_CC_IDLE_WORDS])
{
    SK_ASSERT(t->hist == 0);
    sk_tcb_past past = t->x->past;
    if (t->keep_sent == 0)
        past.keep_next = SK_TIME_NEVER;
    if (memcmp(w, sk_tcb_cc(t)->idle_fresh, sizeof(uint32_t) * SK_CC_IDLE_WORDS) == 0 &&
        past_is_fresh(&past, t) && t->keep_sent == 0)
        return true;
    sk_tcb_hist *h = hist_new(e, t);
    if (h == NULL)
        return false;
    memcpy(h->cc, w, sizeof h->cc);
    h->past = past;
    return true;
}

bool sk_tcb_ext_attach(sk_tcp_env *e, sk_tcb *t)
{
    if (sk_tcb_ext_attached(e, t))
        return true;
    SK_ASSERT(sk_tcb_ext_blank_intact(e));
    sk_tcb_ext *x = sk_ctx_alloc(e->ctx, sizeof *x);
    if (x == NULL)
        return false;
    memcpy(x, &e->ext_blank, sizeof *x);
    x->snd_buf_seq = idle_buf_seq(t);
    x->last_ack_sent = t->rcv_nxt;
    x->last_snd = idle_last_snd(t);
    x->max_snd_wnd = t->snd_wnd;
    x->snd_nxt = x->snd_max = t->snd_una; /* nothing in flight */
    x->snd_wl1 = t->rcv_nxt; /* the window from any segment at or after RCV.NXT */
    const sk_tcb_hist *h = t->hist != 0 ? hist_of(e, t) : NULL;
    x->past = h != NULL ? h->past : past_fresh(t);
    t->x = x;
    if (t->flags & SK_TF_CC_PACKED) {
        t->flags &= ~(uint32_t)SK_TF_CC_PACKED;
        if (sk_tcb_cc(t)->idle_unpack != NULL)
            sk_tcb_cc(t)->idle_unpack(t, h != NULL ? h->cc : sk_tcb_cc(t)->idle_fresh);
    }
    sk_tcb_hist_drop(e, t);
    return true;
}

void sk_tcb_ext_detach(sk_tcp_env *e, sk_tcb *t)
{
    if (!sk_tcb_ext_attached(e, t))
        return;
    sk_ctx_release(e->ctx, t->x, sizeof *t->x);
    t->x = &e->ext_blank;
    SK_ASSERT(sk_tcb_ext_blank_intact(e));
}

/* What an idle connection must not have: anything for output, an owed
 * ACK, a duplicate to report, an episode (recovery, RTT measurement), a
 * resend scheduled, an out-of-order FIN, a keepalive probe to send, a
 * place in an accept queue. */
#define EXT_BUSY_FLAGS                                                                       \
    (SK_TF_ACK_NOW | SK_TF_REXMIT_ONE | SK_TF_FORCE_ONE | SK_TF_IN_RECOVERY |                \
     SK_TF_RTT_ACTIVE | SK_TF_OOO_FIN | SK_TF_KEEP_PROBE | SK_TF_DSACK | SK_TF_SACK_RECOVERY | \
     SK_TF_IN_ACCEPTQ)

bool sk_tcb_ext_derivable(const sk_tcb *t)
{
    return sk_seq_eq(t->x->snd_nxt, t->snd_una) && sk_seq_eq(t->x->snd_max, t->snd_una) &&
           sk_seq_eq(t->x->snd_buf_seq, idle_buf_seq(t)) &&
           sk_seq_eq(t->x->last_ack_sent, t->rcv_nxt) && t->x->last_snd <= t->last_rcv;
}

/* Idle but for the fields attaching derives (sk_tcb_ext_derivable). */
static bool idle_otherwise(const sk_tcp_env *e, const sk_tcb *t)
{
    const sk_tcb_ext *x = t->x;
    if ((t->state != SK_TCP_ESTABLISHED && t->state != SK_TCP_CLOSE_WAIT &&
         t->state != SK_TCP_FIN_WAIT_2) ||
        (t->flags & EXT_BUSY_FLAGS) != 0)
        return false;
    if (x->sndbuf.buf != NULL || x->rcvbuf.buf != NULL || x->rtb != NULL)
        return false;
    if (x->n_ack_owed != 0 || x->dupacks != 0 || x->rcv_unacked != 0 ||
        t->x->parent != SK_TCB_NONE || x->timeouts != 0 || x->probes_unanswered != 0)
        return false;
    if (x->spur_rto != SK_SPUR_NONE || x->spur_fr != SK_SPUR_FR_NONE)
        return false;
    for (int k = 0; k < SK_EXT_TIMERS; k++) { /* every timer but keepalive (derived) */
        if (x->timer[k] != SK_TIME_NEVER)
            return false;
    }
    return !sk_ilink_on(e, sk_tcb_index(e, t), SK_ILINK_X(out_link));
}

/* The peer's window is the largest it ever offered: the usual idle peer,
 * its receive buffer read. Not so (its application has not read what we
 * sent, or its buffer shrank) the connection keeps its extension, which is
 * not a leak: the fuzz invariants (sk_tcb_ext_idle_but_underivable) ask
 * only about the fields that always read what attaching derives. So does
 * one whose window was last set by a segment beyond RCV.NXT (a pure ACK
 * ahead of our window's left edge): attaching takes SND.WL1 = RCV.NXT. */
static bool max_wnd_derivable(const sk_tcb *t)
{
    return t->x->max_snd_wnd == t->snd_wnd && sk_seq_le(t->x->snd_wl1, t->rcv_nxt);
}

bool sk_tcb_ext_idle(const sk_tcp_env *e, const sk_tcb *t)
{
    return idle_otherwise(e, t) && sk_tcb_ext_derivable(t) && max_wnd_derivable(t);
}

bool sk_tcb_ext_idle_but_underivable(const sk_tcp_env *e, const sk_tcb *t)
{
    return idle_otherwise(e, t) && !sk_tcb_ext_derivable(t);
}

void sk_tcb_ext_settle(sk_tcp_env *e, sk_tcb *t)
{
    /* a custom CC, or buffer limits of its own (set, or grown by
     * auto-tuning: a bulk transfer whose buffer empties at each read must
     * not start again from the stack's size), live only in the extension */
    if (!sk_tcb_ext_attached(e, t) || !sk_tcb_ext_idle(e, t) || t->cc_id == SK_CC_ID_CUSTOM ||
        t->x->sndbuf_kb != 0 || t->x->rcvbuf_kb != 0 || t->x->snd_auto_shift != 0 ||
        (t->x->rcv_auto & SK_RCV_AUTO_SHIFT) != 0)
        return;
    uint32_t w[SK_CC_IDLE_WORDS] = {0};
    const sk_cc_ops *cc = sk_tcb_cc(t);
    if ((cc->idle_pack != NULL && !cc->idle_pack(t, w)) || !hist_keep(e, t, w))
        return;
    if (cc->idle_pack != NULL)
        t->flags |= SK_TF_CC_PACKED;
    sk_time gap = t->last_rcv - t->x->last_snd; /* not negative: sk_tcb_ext_derivable */
    t->last_snd_gap = gap < SK_LAST_SND_LONG_AGO ? (uint32_t)gap : SK_LAST_SND_LONG_AGO;
    sk_tcb_ext_detach(e, t);
}
