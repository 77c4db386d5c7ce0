/* Timers are deadlines stored in the TCB (retransmission, delayed ACK,
 * persist, keepalive, TIME-WAIT; internal: recovery, pacing). The
 * environment keeps a 4-ary min-heap of TCBs (the key in e->heap_key
 * beside the index in e->heap), so the next deadline of the whole stack
 * is O(1).
 *
 * Re-arming is lazy: a key is a lower bound of its TCB's earliest deadline
 * (the minimum of its timers), not always equal to it. A deadline that moves
 * earlier sifts its entry up at once (O(log n)); one that moves later, or
 * goes off, leaves the heap alone (O(1)): the retransmission timer pushed
 * back by every ACK, a keepalive pushed back by every segment. When a stale
 * entry comes to the top it takes its true deadline and sinks, or leaves the
 * heap if nothing is armed. The top entry is always exact (head_settle), so
 * sk_tcp_next_deadline is the true next deadline, and timers fire in the
 * order of an exact heap: by deadline, ties to the lower TCB index (a fresh
 * top is the minimum of all true deadlines, since every other key is at or
 * below its own deadline and ties compare the same index). */
#include "tcp/tcp_conn.h"

#include "base/skassert.h"
#include "synack/error.h"

#include <string.h>

/* ---- heap ---- */

static bool heap_less(const sk_tcp_env *e, uint32_t a, uint32_t b)
{
    sk_time da = e->heap_key[a], db = e->heap_key[b];
    if (da != db)
        return da < db;
    return e->heap[a] < e->heap[b]; /* deterministic tie-break */
}

static void heap_swap(sk_tcp_env *e, uint32_t a, uint32_t b)
{
    uint32_t ta = e->heap[a], tb = e->heap[b];
    sk_time ka = e->heap_key[a];
    e->heap[a] = tb;
    e->heap[b] = ta;
    e->heap_key[a] = e->heap_key[b];
    e->heap_key[b] = ka;
    e->tcbs[tb].heap_pos = a;
    e->tcbs[ta].heap_pos = b;
}

/* A 4-ary heap: half the levels of a binary one, and the four children's
 * keys side by side in heap_key (32 bytes), so a sift down at a million
 * entries touches half the cache lines. */
#define HEAP_D 4u

static void heap_up(sk_tcp_env *e, uint32_t i)
{
    while (i > 0) {
        uint32_t p = (i - 1) / HEAP_D;
        if (!heap_less(e, i, p))
            break;
        heap_swap(e, i, p);
        i = p;
    }
}

static void heap_down(sk_tcp_env *e, uint32_t i)
{
    for (;;) {
        uint32_t c = HEAP_D * i + 1, m = i;
        uint32_t end = c + HEAP_D < e->heap_len ? c + HEAP_D : e->heap_len;
        for (; c < end; c++) {
            if (heap_less(e, c, m))
                m = c;
        }
        if (m == i)
            return;
        heap_swap(e, i, m);
        i = m;
    }
}

static void heap_remove(sk_tcp_env *e, sk_tcb *t)
{
    uint32_t i = t->heap_pos;
    if (i == SK_TCB_NONE)
        return;
    uint32_t last = --e->heap_len;
    if (i != last) {
        heap_swap(e, i, last);
        heap_down(e, i);
        heap_up(e, i);
    }
    t->heap_pos = SK_TCB_NONE;
}

sk_time sk_tcb_keep_deadline(const sk_tcp_env *e, const sk_tcb *t)
{
    /* TIME-WAIT only waits out 2 MSL (RFC 9293 §3.10.8): no probes, no
     * timeout with an error */
    if (!(t->flags & SK_TF_KEEPALIVE) || !sk_tcb_synchronized(t) || t->state == SK_TCP_TIME_WAIT)
        return SK_TIME_NEVER;
    const sk_keep_prof *k = sk_tcb_keep(e, t);
    if (t->keep_sent == 0)
        return t->last_rcv + k->idle;
    if (t->flags & SK_TF_KEEP_PROBE)
        return SK_TIME_NEVER; /* the probe waits to be sent, which sets the next */
    sk_time next = sk_tcb_keep_next(e, t);
    /* a first probe lost without memory to keep its next
     * (sk_tcb_keep_probe_lost): the schedule from the last segment heard */
    return next != SK_TIME_NEVER ? next : t->last_rcv + k->idle + (sk_time)t->keep_sent * k->intvl;
}

/* t's earliest deadline: the minimum of its timers. */
static sk_time tcb_deadline(const sk_tcp_env *e, const sk_tcb *t)
{
    sk_time d = SK_TIME_NEVER;
    for (int k = 0; k < SK_TCB_TIMERS; k++)
        d = sk_time_min(d, sk_tcb_timer(e, t, (enum sk_timer_kind)k));
    return d;
}

sk_time sk_tcb_deadline(const sk_tcp_env *e, const sk_tcb *t)
{
    return tcb_deadline(e, t);
}

/* Make the top entry exact: stale ones take their true deadline and sink,
 * or leave when nothing of theirs is armed. Each stale entry pays here once
 * for all the re-arms it skipped. */
static void head_settle(sk_tcp_env *e)
{
    while (e->heap_len > 0) {
        sk_tcb *h = &e->tcbs[e->heap[0]];
        sk_time d = tcb_deadline(e, h);
        SK_ASSERT(d >= e->heap_key[0]);
        if (d == e->heap_key[0])
            return;
        if (d == SK_TIME_NEVER) {
            heap_remove(e, h);
            continue;
        }
        e->heap_key[0] = d;
        heap_down(e, 0);
    }
}

/* t's deadlines changed: insert it, move its entry up, or (later, off)
 * leave the entry stale unless it is the top one. */
static void timer_resched(sk_tcp_env *e, sk_tcb *t)
{
    sk_time d = tcb_deadline(e, t);
    if (t->heap_pos == SK_TCB_NONE) {
        if (d == SK_TIME_NEVER)
            return;
        t->heap_pos = e->heap_len;
        e->heap[e->heap_len++] = sk_tcb_index(e, t);
        e->heap_key[t->heap_pos] = d;
        heap_up(e, t->heap_pos);
        return;
    }
    if (d < e->heap_key[t->heap_pos]) {
        e->heap_key[t->heap_pos] = d;
        heap_up(e, t->heap_pos);
    } else if (t->heap_pos == 0) {
        head_settle(e);
    }
}

void sk_tcb_timer_set(sk_tcp_env *e, sk_tcb *t, enum sk_timer_kind k, sk_time when)
{
    SK_ASSERT(k != SK_TIMER_KEEPALIVE); /* derived: sk_tcb_keep_changed */
    if (k == SK_TIMER_KEEPALIVE || *sk_tcb_timer_slot(t, k) == when)
        return;
    /* only keepalive runs while idle: the others are in the extension,
     * attached by the paths that set them (FIN-WAIT-2's timeout at close
     * attaches it itself: sk_tcp_user_close) */
    SK_ASSERT(sk_tcb_ext_attached(e, t));
    if (!sk_tcb_ext_attach(e, t))
        return;
    *sk_tcb_timer_slot(t, k) = when;
    timer_resched(e, t);
}

void sk_tcb_keep_changed(sk_tcp_env *e, sk_tcb *t)
{
    timer_resched(e, t);
}

/* Every timer off; the keepalive deadline follows the state (the callers
 * close the connection). */
void sk_tcb_timer_clear_all(sk_tcp_env *e, sk_tcb *t)
{
    if (sk_tcb_ext_attached(e, t)) { /* the blank one's are off */
        for (int k = 0; k < SK_EXT_TIMERS; k++)
            t->x->timer[k] = SK_TIME_NEVER;
    }
    bool top = t->heap_pos == 0;
    heap_remove(e, t);
    if (top)
        head_settle(e);
}

sk_time sk_tcp_next_deadline(const sk_tcp_env *e)
{
    sk_time tw = sk_tw_next_deadline(e); /* TIME-WAIT records (tcp_timewait.c) */
    sk_time ho = sk_ho_next_deadline(e); /* half-open records (tcp_halfopen.c) */
    sk_time t = e->heap_len == 0 ? SK_TIME_NEVER : e->heap_key[0];
    return sk_time_min(sk_time_min(tw, ho), t);
}

/* ---- firing ---- */

static void trace_timer(sk_tcp_env *e, sk_tcb *t, enum sk_timer_kind k, sk_time now)
{
    if (!sk_ctx_tracing(e->ctx) || (int)k >= SK_TIMER__COUNT) /* internal kinds */
        return;
    sk_trace_event ev;
    sk_tcp_trace_init(e, t, SK_TRACE_TIMER, now, &ev);
    ev.timer = k;
    sk_ctx_trace(e->ctx, &ev);
}

/* RFC 6298 §5.4-5.7 and RFC 5681 §3.1: back off, collapse the window, go
 * back to the oldest unacknowledged byte. */
static void fire_retransmit(sk_tcp_env *e, sk_tcb *t, sk_time now)
{
    bool syn_phase = t->state == SK_TCP_SYN_SENT || t->state == SK_TCP_SYN_RECEIVED;
    uint8_t limit = syn_phase ? e->ctx->cfg.syn_retries : e->ctx->cfg.max_retries;
    if (t->state == SK_TCP_SYN_RECEIVED && e->ctx->cfg.synack_retries != 0)
        limit = e->ctx->cfg.synack_retries;
    if (t->x->timeouts >= limit) {
        e->ctx->stats.conn_timeouts++;
        /* a handshake that died after an ICMP soft error reports it
         * (RFC 1122 §4.2.3.9; see tcp_icmp.c) */
        int err = syn_phase && t->x->past.soft_error != 0 ? t->x->past.soft_error : SK_ETIMEDOUT;
        sk_tcb_close(e, t, err, now);
        return;
    }
    e->ctx->stats.timeouts++;
    if (!syn_phase) {
        sk_spur_on_timeout(e, t, t->x->timeouts == 0, now);
        sk_cc_timeout(t, t->x->timeouts == 0, now);
    }
    t->x->timeouts++;
    if (t->x->past.backoff < 16)
        t->x->past.backoff++;
    t->flags &= ~(uint32_t)SK_TF_RTT_ACTIVE;
    sk_rec_on_timeout(e, t); /* leaves recovery, recover = SND.MAX, scoreboard gone */
    t->x->snd_nxt = syn_phase ? t->iss : t->snd_una;
    /* everything resent from here to SND.MAX is this timeout's go-back-N */
    sk_tcb_set_rexmit_cause(t, syn_phase ? SK_REXMIT_SYN : SK_REXMIT_TIMEOUT);
    sk_tcb_mark_output(e, t);
}

/* Due (sk_tcb_keep_deadline): cnt probes unanswered close the connection;
 * otherwise one more probe, and the next is due an interval after it is
 * sent (tcp_output.c): a connection waiting to send one (in the
 * idle-output queue, a million of them in a burst) keeps no deadline. */
static void fire_keepalive(sk_tcp_env *e, sk_tcb *t, sk_time now)
{
    SK_ASSERT(sk_tcb_keep_deadline(e, t) <= now);
    if (t->keep_sent >= sk_tcb_keep(e, t)->cnt) {
        e->ctx->stats.conn_timeouts++;
        sk_tcb_close(e, t, SK_ETIMEDOUT, now);
        return;
    }
    t->keep_sent++;
    t->flags |= SK_TF_KEEP_PROBE;
    /* without its extension it waits in the idle-output queue, which
     * attaches one at a time (tcp_emit.c) */
    if (!sk_tcb_mark_output(e, t)) /* no memory: lost like a dropped segment (counted) */
        sk_tcb_keep_probe_lost(e, t, now);
}

/* RFC 9293 §3.8.6.1: probe the zero window for as long as the peer
 * answers; a peer that stays silent through max_retries probes is gone
 * (Linux does the same with tcp_retries2). */
static void fire_persist(sk_tcp_env *e, sk_tcb *t, sk_time now)
{
    if (t->x->probes_unanswered >= e->ctx->cfg.max_retries) {
        e->ctx->stats.conn_timeouts++;
        sk_tcb_close(e, t, SK_ETIMEDOUT, now);
        return;
    }
    t->x->probes_unanswered++;
    t->flags |= SK_TF_FORCE_ONE;
    if (t->x->past.backoff < 16)
        t->x->past.backoff++;
    sk_tcb_mark_output(e, t);
}

static void fire_one(sk_tcp_env *e, sk_tcb *t, enum sk_timer_kind k, sk_time now)
{
    trace_timer(e, t, k, now);
    if (k == SK_TIMER_PACING) { /* new data may leave again (tcp_output.c) */
        sk_tcb_mark_output(e, t);
        return;
    }
    switch (k) {
    case SK_TIMER_RETRANSMIT:
        fire_retransmit(e, t, now);
        break;
    case SK_TIMER_DELACK:
        t->flags |= SK_TF_ACK_NOW;
        sk_tcb_mark_output(e, t);
        break;
    case SK_TIMER_PERSIST:
        fire_persist(e, t, now);
        break;
    case SK_TIMER_KEEPALIVE:
        fire_keepalive(e, t, now);
        break;
    case SK_TIMER_TIME_WAIT:
        sk_tcb_close(e, t, 0, now);
        break;
    case SK_TIMER_RECOVERY:
        sk_rec_on_recovery_timer(e, t, now);
        break;
    default:
        break;
    }
}

void sk_tcp_run_timers(sk_tcp_env *e, sk_time now)
{
    sk_tcp_bufcache_sweep(e, now);
    sk_tcp_idle_out_sweep(e, now);
    sk_tcb_hist_sweep(e, now);
    sk_tw_expire(e, now);
    sk_ho_expire(e, now);
    while (e->heap_len > 0) {
        sk_tcb *t = &e->tcbs[e->heap[0]];
        if (e->heap_key[0] > now)
            return;
        /* Fire the earliest due timer of this TCB, then look again: firing
         * may close the TCB (removing it from the heap) or re-arm timers. */
        int first = -1;
        for (int k = 0; k < SK_TCB_TIMERS; k++) {
            sk_time d = sk_tcb_timer(e, t, (enum sk_timer_kind)k);
            if (sk_time_due(d, now) &&
                (first < 0 || d < sk_tcb_timer(e, t, (enum sk_timer_kind)first)))
                first = k;
        }
        SK_ASSERT(first >= 0);
        if (first < 0)
            return;
        if (first == SK_TIMER_KEEPALIVE) {
            /* derived: firing moves it (a probe) or ends it (a close) */
            fire_one(e, t, SK_TIMER_KEEPALIVE, now);
            timer_resched(e, t);
            sk_tcb_ext_settle(e, t);
            continue;
        }
        /* RFC 8985 §7.2: a probe scheduled in the RTO's place (at its
         * expiry) goes first; firing it restarts the RTO */
        if (first == SK_TIMER_RETRANSMIT && t->x->rtb != NULL && !t->x->rtb->timer_is_reo &&
            sk_tcb_timer(e, t, SK_TIMER_RECOVERY) == sk_tcb_timer(e, t, SK_TIMER_RETRANSMIT))
            first = SK_TIMER_RECOVERY;
        *sk_tcb_timer_slot(t, (enum sk_timer_kind)first) = SK_TIME_NEVER;
        timer_resched(e, t);
        /* an idle connection (no extension) runs only keepalive */
        SK_ASSERT(sk_tcb_ext_attached(e, t) || first == SK_TIMER_KEEPALIVE);
        fire_one(e, t, (enum sk_timer_kind)first, now);
        sk_tcb_ext_settle(e, t);
    }
}
