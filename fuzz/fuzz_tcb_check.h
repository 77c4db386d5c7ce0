/* Invariants of every live TCB, checked by walking the stack's TCB table
 * (fuzz targets may read src/ internals). The public API only answers for
 * handles the application still holds, so a connection the application
 * closed (FIN-WAIT, LAST-ACK, TIME-WAIT) or never accepted would go
 * unchecked through it. Called after the output is drained at `now`.
 *
 * Per connection: snd_una <= snd_nxt <= snd_max, within what the send
 * buffer holds, and the buffer starting at snd_una once synchronized;
 * rcv_nxt <= rcv_adv and the offered window within the receive buffer's
 * free space; ring buffers within their storage and the configured limits;
 * out-of-order ranges ordered, after rcv_nxt and inside the free part of
 * the receive buffer; every armed timer in the future, the cached deadline
 * their minimum and the TCB in the timer heap exactly when one is armed;
 * state facts (TIME-WAIT has its timer armed and everything acknowledged;
 * LISTEN holds no data, no timer and a sane accept queue; CLOSED is in no
 * table and still held by someone). Per stack: the free list, the demux
 * hash, the output and event lists and the accept queues agree with
 * the TCBs. */
#ifndef SK_FUZZ_TCB_CHECK_H
#define SK_FUZZ_TCB_CHECK_H

#include "api/stack_impl.h"
#include "fuzz_common.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline void fz_check_seqs(const sk_tcp_env *e, const sk_tcb *t)
{
    sk_seq nxt = sk_tcb_snd_nxt(e, t), max = sk_tcb_snd_max(e, t);
    CHECK(sk_seq_le(t->snd_una, nxt));
    CHECK(sk_seq_le(nxt, max));
    /* idle: nothing in flight (attaching derives both from SND.UNA) */
    CHECK(sk_tcb_ext_attached(e, t) || (sk_seq_eq(nxt, t->snd_una) && sk_seq_eq(max, t->snd_una)));
    /* nothing is sent that the send buffer does not hold (SYN and FIN take
     * a sequence number each, no byte) */
    uint32_t fin = (t->flags & SK_TF_FIN_SENT) ? 1u : 0u;
    sk_seq buf_seq = sk_tcb_snd_buf_seq(e, t);
    CHECK(sk_seq_le(max, sk_seq_add(buf_seq, (uint32_t)t->x->sndbuf.len + fin)));
    if (!sk_tcb_synchronized(t))
        return;
    CHECK(sk_seq_le(t->iss, t->snd_una));
    /* acknowledged bytes have left the buffer; unacknowledged ones are in it */
    CHECK(sk_seq_le(buf_seq, t->snd_una));
    CHECK(sk_seq_le(t->snd_una, sk_seq_add(buf_seq, fin)));
    /* the window we offered never promised more than the buffer can take
     * (RFC 7323 §2.4 rounding included: tcp_output.c sk_tcp_fill_ack) */
    CHECK(sk_seq_le(t->rcv_nxt, t->rcv_adv));
    if (!(t->flags & SK_TF_FIN_RCVD))
        CHECK((uint32_t)sk_seq_diff(t->rcv_adv, t->rcv_nxt) <= sk_tcb_rcv_space(e, t));
}

static inline void fz_check_ring(const sk_ring *r, uint32_t limit)
{
    CHECK(r->len <= r->cap && r->cap <= limit);
    CHECK(r->cap == 0 || r->head < r->cap);
    CHECK(r->cap == 0 ? r->buf == NULL : r->buf != NULL);
}

static inline void fz_check_buffers(const sk_tcp_env *e, const sk_tcb *t)
{
    /* a send buffer grown by auto-tuning (cfg.sndbuf_max) is larger than
     * the stack's, its record sized for it */
    const sk_stack_config *k = &e->ctx->cfg;
    fz_check_ring(&t->x->sndbuf, k->sndbuf_max > k->sndbuf ? k->sndbuf_max : k->sndbuf);
    if (t->x->sndbuf.cap > k->sndbuf) {
        uint32_t ne, ns;
        sk_rtb_caps((uint32_t)t->x->sndbuf.cap, &ne, &ns);
        CHECK(t->x->rtb != NULL && t->x->rtb->cap == ne && t->x->rtb->sacked.cap == ns);
        CHECK(t->x->sndbuf.cap <= sk_tcb_sndbuf(e, t) || t->x->sndbuf_kb != 0);
    }
    fz_check_ring(&t->x->rcvbuf, k->rcvbuf_max > k->rcvbuf ? k->rcvbuf_max : k->rcvbuf);
    uint32_t n = sk_rset_count(&t->x->reass);
    /* the out-of-order ranges live in the receive buffer's block, after
     * the bytes, sized from the buffer (a grown one too); none without it */
    uint32_t cap = t->x->rcvbuf.buf != NULL ? sk_reass_cap((uint32_t)t->x->rcvbuf.cap) : 0;
    CHECK(n <= sk_rset_capacity(&t->x->reass) && sk_rset_capacity(&t->x->reass) == cap);
    if (cap > 0)
        CHECK((const uint8_t *)t->x->reass.r >= t->x->rcvbuf.buf + t->x->rcvbuf.cap);
    size_t room = t->x->rcvbuf.cap - t->x->rcvbuf.len;
    for (uint32_t i = 0; i < n; i++) {
        const sk_range *q = sk_rset_at(&t->x->reass, i);
        /* held past rcv_nxt (a range reaching it is committed at once) ... */
        CHECK(sk_seq_lt(t->rcv_nxt, q->start) && sk_seq_lt(q->start, q->end));
        /* ... and placed in the free part of the ring */
        CHECK((size_t)sk_seq_diff(q->end, t->rcv_nxt) <= room);
        if (i > 0)
            CHECK(sk_seq_lt(sk_rset_at(&t->x->reass, i - 1)->end, q->start));
    }
    /* SACK bookkeeping stays within its arrays; kept peer blocks are
     * non-empty and end at or before SND.MAX (tcp_sack.c) */
    CHECK(t->x->n_sack_recent <= SK_TCP_MAX_SACK && t->x->n_peer_sack <= SK_TCP_MAX_SACK);
    for (uint8_t i = 0; i < t->x->n_peer_sack; i++)
        CHECK(sk_seq_lt(t->x->peer_sack[i].left, t->x->peer_sack[i].right) &&
              sk_seq_le(t->x->peer_sack[i].right, t->x->snd_max));
}

/* The record of what was sent (tcp_rtb.h) comes and goes with the send
 * buffer; its ranges are ascending, disjoint, non-empty, at or above
 * SND.UNA and at or below SND.MAX; the scoreboard holds nothing past
 * SND.MAX; its capacities are those the send buffer's size gives, its
 * arrays inside the send buffer's block, after the record. */
static inline void fz_check_rtb(const sk_tcp_env *e, const sk_tcb *t)
{
    CHECK((t->x->sndbuf.buf == NULL) == (t->x->rtb == NULL));
    const sk_rtb *r = t->x->rtb;
    if (r == NULL)
        return;
    uint32_t ecap, scap;
    sk_rtb_caps(e->ctx->cfg.sndbuf, &ecap, &scap);
    CHECK(r->cap == ecap && sk_rset_capacity(&r->sacked) == scap);
    const uint8_t *lo = (const uint8_t *)r, *hi = lo + sk_rtb_size(e->ctx->cfg.sndbuf);
    CHECK((const uint8_t *)r->ent > lo && (const uint8_t *)(r->ent + r->cap) <= hi);
    CHECK((const uint8_t *)(r->holes + scap) <= hi);
    CHECK((const uint8_t *)(r->sacked.r + scap) <= hi);
    CHECK(r->n <= r->cap && sk_rset_count(&r->sacked) <= scap);
    for (uint32_t i = 0; i < r->n && i < r->cap; i++) {
        CHECK(sk_seq_lt(r->ent[i].seq, r->ent[i].end));
        CHECK(sk_seq_le(t->snd_una, r->ent[i].seq));
        CHECK(sk_seq_le(r->ent[i].end, t->x->snd_max));
        if (i > 0)
            CHECK(sk_seq_le(r->ent[i - 1].end, r->ent[i].seq));
    }
    uint32_t n = sk_rset_count(&r->sacked);
    if (n > 0)
        CHECK(sk_seq_le(sk_rset_at(&r->sacked, n - 1)->end, t->x->snd_max));
}

static inline void fz_check_timers(const sk_tcp_env *e, const sk_tcb *t, uint64_t now)
{
    sk_time d = SK_TIME_NEVER;
    for (int k = 0; k < SK_TCB_TIMERS; k++) {
        CHECK(sk_tcb_timer(e, t, (enum sk_timer_kind)k) == SK_TIME_NEVER || sk_tcb_timer(e, t, (enum sk_timer_kind)k) > now);
        if (sk_tcb_timer(e, t, (enum sk_timer_kind)k) < d)
            d = sk_tcb_timer(e, t, (enum sk_timer_kind)k);
    }
    CHECK(sk_tcb_deadline(e, t) == d);
    /* lazy re-arming (tcp_timer.c): an entry's key is at or below its
     * deadline, exact at the top; an entry may outlive its last timer */
    if (t->heap_pos != SK_TCB_NONE) {
        CHECK(t->heap_pos < e->heap_len);
        CHECK(e->heap[t->heap_pos] == sk_tcb_index(e, t));
        CHECK(e->heap_key[t->heap_pos] <= d);
        CHECK(t->heap_pos != 0 || e->heap_key[0] == d);
    } else {
        CHECK(d == SK_TIME_NEVER);
    }
}

static inline void fz_check_state(const sk_tcp_env *e, const sk_tcb *t)
{
    switch (t->state) {
    case SK_TCP_LISTEN:
        CHECK(t->flags & SK_TF_LISTENER);
        CHECK(t->x->sndbuf.len == 0 && t->x->rcvbuf.len == 0 && sk_rset_count(&t->x->reass) == 0);
        CHECK(!(t->flags & SK_TF_HASHED) && sk_tcb_deadline(e, t) == SK_TIME_NEVER);
        /* the public bounds (include/synack/stack.h): at most backlog in
         * the accept queue and min(backlog, syn_backlog) half-open; a
         * cookie's connection may join the accept queue while the SYN
         * queue is full, so the two together may exceed backlog */
        CHECK(t->x->lsn != NULL && t->x->lsn->acceptq.len <= t->x->lsn->children.len &&
              t->x->lsn->acceptq.len <= t->x->lsn->backlog && t->x->lsn->n_ho <= t->x->lsn->backlog);
        break;
    case SK_TCP_TIME_WAIT:
        /* RFC 9293 §3.10.7.4: only our FIN's ACK leads here */
        CHECK(sk_tcb_timer(e, t, SK_TIMER_TIME_WAIT) != SK_TIME_NEVER);
        CHECK(sk_seq_eq(t->snd_una, sk_tcb_snd_max(e, t)) && t->x->sndbuf.len == 0);
        CHECK((t->flags & SK_TF_HASHED));
        break;
    case SK_TCP_CLOSED:
        CHECK(!(t->flags & SK_TF_HASHED) && sk_tcb_deadline(e, t) == SK_TIME_NEVER);
        CHECK(t->flags & (SK_TF_APP_HELD | SK_TF_IN_ACCEPTQ));
        break;
    default:
        CHECK(!(t->flags & SK_TF_LISTENER));
        CHECK((t->flags & SK_TF_HASHED));
        break;
    }
}

static inline void fz_check_tcb(const sk_tcp_env *e, const sk_tcb *t, uint64_t now)
{
    fz_check_state(e, t);
    /* an idle connection's extension goes back at the end of every entry
     * point unless the fields attaching derives say otherwise: they must
     * not (tcp_ext.c) */
    if (sk_tcb_ext_attached(e, t) && t->cc_id != SK_CC_ID_CUSTOM && t->x->sndbuf_kb == 0 &&
        t->x->rcvbuf_kb == 0)
        CHECK(!sk_tcb_ext_idle_but_underivable(e, t));
    fz_check_rtb(e, t);
    fz_check_timers(e, t, now);
    /* a CLOSED TCB the application still holds (reset, timed out) has
     * given its buffers back; its sequence variables are history */
    if (t->state == SK_TCP_LISTEN || t->state == SK_TCP_CLOSED)
        return;
    fz_check_seqs(e, t);
    fz_check_buffers(e, t);
    /* the TSval offset is the tuple's */
    sk_tuple tu = sk_tcb_tuple(e, t);
    CHECK(t->ts_offset == sk_tcp_ts_offset(e, &tu));
    /* MAX.SND.WND: the largest window offered, the current one among them */
    if (sk_tcb_ext_attached(e, t) && sk_tcb_synchronized(t))
        CHECK(t->x->max_snd_wnd >= t->snd_wnd);
}

/* A list's links are consistent (prev pointers, tail, length) and it holds
 * only live TCBs. */
static inline void fz_walk_list(const sk_tcp_env *e, const sk_ilist *l, size_t off,
                                    const uint8_t *is_free)
{
    uint32_t n = 0, prev = SK_TCB_NONE;
    for (uint32_t i = l->head; i != SK_TCB_NONE; n++) {
        CHECK(i < e->n_tcbs && !is_free[i] && n < e->n_tcbs);
        const sk_ilink *k = sk_ilink_at(e, i, off);
        CHECK(k->prev == prev);
        prev = i;
        i = k->next;
    }
    CHECK(prev == l->tail && n == l->len);
}

static inline void fz_check_tables(const sk_tcp_env *e, const uint8_t *is_free)
{
    uint32_t hashed = 0, in_hash = 0;
    for (uint32_t i = 0; i < e->n_tcbs; i++)
        hashed += !is_free[i] && (e->tcbs[i].flags & SK_TF_HASHED) != 0;
    for (uint32_t b = 0; b <= e->hash_mask; b++) {
        if (e->hash[b] == 0)
            continue;
        uint32_t i = sk_demux_slot_tcb(e->hash[b]);
        CHECK(i < e->n_tcbs && !is_free[i]);
        CHECK(e->tcbs[i].flags & SK_TF_HASHED);
        /* the tag is the tuple hash's top bits */
        sk_tuple tu = sk_tcb_tuple(e, &e->tcbs[i]);
        CHECK(e->hash[b] >> SK_DEMUX_TAG_SHIFT == sk_demux_hash(e, &tu) >> SK_DEMUX_TAG_SHIFT);
        in_hash++;
    }
    CHECK(hashed == in_hash);
    fz_walk_list(e, &e->out_list, SK_ILINK_X(out_link), is_free);
    fz_walk_list(e, &e->ev_list, offsetof(sk_tcb, ev_link), is_free);
    uint32_t in_heap = 0;
    for (uint32_t i = 0; i < e->n_tcbs; i++)
        in_heap += !is_free[i] && e->tcbs[i].heap_pos != SK_TCB_NONE;
    CHECK(in_heap == e->heap_len);
}

static inline void fz_check_acceptqs(const sk_tcp_env *e, const uint8_t *is_free)
{
    for (uint32_t i = 0; i < e->n_tcbs; i++) {
        const sk_tcb *l = &e->tcbs[i];
        if (is_free[i] || l->state != SK_TCP_LISTEN)
            continue;
        fz_walk_list(e, &l->x->lsn->acceptq, SK_ILINK_X(acc_link), is_free);
        for (uint32_t c = l->x->lsn->acceptq.head; c != SK_TCB_NONE; c = e->tcbs[c].x->acc_link.next)
            CHECK((e->tcbs[c].flags & SK_TF_IN_ACCEPTQ) && e->tcbs[c].x->parent == i);
    }
}

static inline const sk_ho_rec *fz_ho_rec(const sk_ho_pool *p, uint32_t i)
{
    return (const sk_ho_rec *)sk_recpool_at(&p->pool, i);
}

/* Half-open records (tcp_halfopen.c): every live one is found by its
 * tuple, waits on exactly one list (the output list, or the level of its
 * timeouts with its deadline after `now`), on its listener's list, and
 * the counts agree (the pool's, each listener's). Records past the pool's
 * `fresh` were never used and are not read (base/recpool.h). */
static inline void fz_check_halfopen(const sk_tcp_env *e, const uint8_t *is_free, uint64_t now)
{
    const sk_ho_pool *p = &e->ho;
    uint32_t live = 0, waiting = 0, by_listener = 0;
    CHECK(p->pool.fresh <= p->pool.cap);
    for (uint32_t i = 0; i < p->pool.fresh; i++) {
        const sk_ho_rec *r = fz_ho_rec(p, i);
        if (r->key.family == 0)
            continue;
        live++;
        sk_tuple tu;
        sk_rec_key_tuple(&r->key, &tu);
        CHECK(sk_ho_find(e, &tu) == i);
        CHECK(r->listener < e->n_tcbs && !is_free[r->listener] &&
              e->tcbs[r->listener].state == SK_TCP_LISTEN);
        if (!(r->key.flags & SK_HO_QUEUED))
            CHECK(r->deadline > now && (r->key.flags & SK_HO_SENT));
    }
    CHECK(live == p->pool.count);
    for (uint32_t i = p->out_head; i != SK_HO_NONE; i = fz_ho_rec(p, i)->link.next) {
        CHECK(fz_ho_rec(p, i)->key.flags & SK_HO_QUEUED);
        waiting++;
        CHECK(waiting <= live);
    }
    for (uint32_t k = 0; k < SK_HO_LEVELS; k++) {
        uint64_t last = 0;
        for (uint32_t i = p->lv_head[k]; i != SK_HO_NONE; i = fz_ho_rec(p, i)->link.next) {
            const sk_ho_rec *r = fz_ho_rec(p, i);
            CHECK(!(r->key.flags & SK_HO_QUEUED) && r->count == k && r->deadline >= last);
            last = r->deadline;
            waiting++;
            CHECK(waiting <= live);
        }
    }
    CHECK(waiting == live);
    for (uint32_t l = 0; l < e->n_tcbs; l++) {
        const sk_tcb *t = &e->tcbs[l];
        if (is_free[l] || t->state != SK_TCP_LISTEN)
            continue;
        uint32_t n = 0;
        for (uint32_t i = t->x->lsn->ho_head; i != SK_HO_NONE; i = fz_ho_rec(p, i)->llink.next) {
            CHECK(fz_ho_rec(p, i)->listener == l);
            n++;
            CHECK(n <= live);
        }
        CHECK(n == t->x->lsn->n_ho);
        by_listener += n;
    }
    CHECK(by_listener == live);
}

/* The IPv6 address pairs (tcp_ends.c): each IPv6 TCB names one of its
 * own, every other handed-out pair is on the free list, and a TCB's
 * addresses are those it is hashed under. */
static inline void fz_check_ends(const sk_tcp_env *e, const uint8_t *is_free)
{
    const sk_slab *p = &e->ip6;
    if (p->mem == NULL) {
        for (uint32_t i = 0; i < e->n_tcbs; i++)
            CHECK(!(e->tcbs[i].flags & SK_TF_IP6));
        return;
    }
    CHECK(p->fresh <= e->n_tcbs && p->fresh <= 256);
    uint8_t used[256] = {0};
    uint32_t n_used = 0, n_free = 0;
    for (uint32_t i = 0; i < e->n_tcbs; i++) {
        const sk_tcb *t = &e->tcbs[i];
        if (is_free[i] || !(t->flags & SK_TF_IP6))
            continue;
        CHECK(!(t->flags & SK_TF_LISTENER) && t->ends.ra < p->fresh && !used[t->ends.ra]);
        used[t->ends.ra] = 1;
        n_used++;
        sk_tuple tu = sk_tcb_tuple(e, t);
        CHECK(tu.laddr.family == SK_AF_INET6 && sk_tcb_tuple_is(e, t, &tu));
    }
    for (uint32_t i = p->free_head; i != SK_SLAB_NONE; n_free++) {
        CHECK(i < p->fresh && !used[i] && n_free < p->fresh);
        used[i] = 1;
        i = sk_slab_next_free(p, i);
    }
    CHECK(n_used + n_free == p->fresh);
}

/* The idle connections' histories (tcp_ext.c, sk_tcb_hist): a TCB names
 * a record only while it has no extension (waking gives it back), each a
 * record of its own, and one that sent keepalive probes has one (the next
 * probe's deadline); every other handed-out record is on the free list,
 * and a free TCB names none. */
static inline void fz_check_hist(const sk_tcp_env *e, const uint8_t *is_free)
{
    const sk_slab *p = &e->hist;
    uint32_t n_used = 0, n_free = 0;
    uint8_t used[256] = {0};
    CHECK(p->fresh <= e->n_tcbs && p->fresh <= sizeof used);
    for (uint32_t i = 0; i < e->n_tcbs; i++) {
        const sk_tcb *t = &e->tcbs[i];
        /* keepalive probes sent: the next one's deadline is kept somewhere */
        if (!is_free[i] && t->keep_sent != 0 && !(t->flags & SK_TF_KEEP_PROBE) &&
            !sk_tcb_ext_attached(e, t))
            CHECK(t->hist != 0 && sk_tcb_keep_next(e, t) != SK_TIME_NEVER);
        if (t->hist == 0)
            continue;
        CHECK(!is_free[i] && !sk_tcb_ext_attached(e, t) && p->mem != NULL);
        CHECK(t->hist <= p->fresh && !used[t->hist - 1]);
        used[t->hist - 1] = 1;
        n_used++;
    }
    if (p->mem == NULL)
        return;
    for (uint32_t i = p->free_head; i != SK_SLAB_NONE; n_free++) {
        CHECK(i < p->fresh && !used[i] && n_free < p->fresh);
        used[i] = 1;
        i = sk_slab_next_free(p, i);
    }
    CHECK(n_used + n_free == p->fresh);
}

/* Every TCB that is not on the free list, and the tables that index them. */
static inline void fz_check_stack(const sk_stack *s, uint64_t now)
{
    const sk_tcp_env *e = &s->env;
    uint8_t is_free[256] = {0};
    CHECK(e->n_tcbs <= sizeof is_free);
    uint32_t n_free = 0;
    for (uint32_t i = e->free_head; i != SK_TCB_NONE; i = e->tcbs[i].free_next) {
        CHECK(i < e->n_tcbs && !is_free[i]);
        is_free[i] = 1;
        n_free++;
    }
    for (uint32_t i = 0; i < e->n_tcbs; i++) {
        if (is_free[i])
            CHECK(e->tcbs[i].flags == 0 && e->tcbs[i].state == SK_TCP_CLOSED);
        else
            fz_check_tcb(e, &e->tcbs[i], now);
    }
    fz_check_tables(e, is_free);
    fz_check_ends(e, is_free);
    fz_check_hist(e, is_free);
    fz_check_acceptqs(e, is_free);
    fz_check_halfopen(e, is_free, now);
}

#endif
