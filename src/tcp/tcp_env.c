/* The TCP environment: the TCB table and its free list, the index-linked
 * lists, readiness events, lazily allocated socket buffers with a small
 * cache, the queue of stateless control segments, drop counting and trace
 * conversion. */
#include "tcp/tcp_conn.h"

#include "base/skassert.h"
#include "synack/error.h"

#include <string.h>

static void sk_ilist_init(sk_ilist *l);

static void *env_alloc(sk_tcp_env *e, size_t n)
{
    return e->cfg.alloc.allocate(e->cfg.alloc.ctx, n);
}

static void env_release(sk_tcp_env *e, void *p, size_t n)
{
    if (p != NULL)
        e->cfg.alloc.release(e->cfg.alloc.ctx, p, n);
}

static uint32_t pow2_at_least(uint32_t n)
{
    uint32_t p = 16;
    while (p < n && p < (1u << 30))
        p <<= 1;
    return p;
}

int sk_tcp_env_init(sk_tcp_env *e, const sk_stack_config *cfg)
{
    memset(e, 0, sizeof *e);
    e->cfg = *cfg;
    e->cc_default = sk_cc_find(cfg->congestion_control != NULL ? cfg->congestion_control : "cubic");
    if (e->cc_default == NULL)
        e->cc_default = &sk_cc_cubic;
    e->cfg.congestion_control = e->cc_default->name; /* the caller's string is not kept */
    e->n_tcbs = cfg->max_sockets;
    e->tcbs = env_alloc(e, sizeof(sk_tcb) * e->n_tcbs);
    e->heap = env_alloc(e, sizeof(uint32_t) * e->n_tcbs);
    e->hash_mask = pow2_at_least(e->n_tcbs * 2) - 1;
    e->hash = env_alloc(e, sizeof(uint32_t) * (e->hash_mask + 1));
    /* zeroed before the failure path: sk_tcp_env_free reads every TCB's
     * buffer pointers, which must not be uninitialised memory */
    if (e->tcbs != NULL)
        memset(e->tcbs, 0, sizeof(sk_tcb) * e->n_tcbs);
    if (e->tcbs == NULL || e->heap == NULL || e->hash == NULL) {
        sk_tcp_env_free(e);
        return SK_ENOMEM;
    }
    memset(e->hash, 0, sizeof(uint32_t) * (e->hash_mask + 1));
    for (uint32_t i = 0; i < e->n_tcbs; i++) {
        e->tcbs[i].free_next = i + 1 < e->n_tcbs ? i + 1 : SK_TCB_NONE;
        e->tcbs[i].gen = 1;
        e->tcbs[i].heap_pos = SK_TCB_NONE;
    }
    e->free_head = 0;
    e->listen_head = SK_TCB_NONE;
    e->demux_last = SK_TCB_NONE;
    sk_ilist_init(&e->out_list);
    sk_ilist_init(&e->ev_list);
    /* Keys derived from the seed: ISNs (RFC 6528) and ephemeral ports. */
    e->isn_key.k0 = cfg->seed ^ 0x736f6d6570736575ull;
    e->isn_key.k1 = (cfg->seed * 0x9e3779b97f4a7c15ull) ^ 0x646f72616e646f6dull;
    e->ephemeral_next = (uint32_t)(cfg->seed >> 17);
    return 0;
}

/* The send buffer's block holds the record of what was sent after the
 * buffer bytes (tcp_rtb.h): both come and go together. */
static size_t snd_bytes_aligned(const sk_tcp_env *e)
{
    return ((size_t)e->cfg.sndbuf + 15u) & ~(size_t)15u;
}

static size_t snd_block_size(const sk_tcp_env *e)
{
    return snd_bytes_aligned(e) + sizeof(sk_rtb);
}

void sk_tcp_env_free(sk_tcp_env *e)
{
    if (e->tcbs != NULL) {
        for (uint32_t i = 0; i < e->n_tcbs; i++)
            sk_tcb_free_buffers(e, &e->tcbs[i]);
    }
    for (uint32_t i = 0; i < e->n_snd_cache; i++)
        env_release(e, e->snd_cache[i], snd_block_size(e));
    for (uint32_t i = 0; i < e->n_rcv_cache; i++)
        env_release(e, e->rcv_cache[i], e->cfg.rcvbuf);
    e->n_snd_cache = e->n_rcv_cache = 0;
    env_release(e, e->tcbs, sizeof(sk_tcb) * e->n_tcbs);
    env_release(e, e->heap, sizeof(uint32_t) * e->n_tcbs);
    env_release(e, e->hash, sizeof(uint32_t) * (e->hash_mask + 1));
    e->tcbs = NULL;
    e->heap = NULL;
    e->hash = NULL;
}

/* ---- index-linked lists ---- */

static sk_ilink *link_of(sk_tcp_env *e, uint32_t idx, size_t off)
{
    return (sk_ilink *)(void *)((char *)&e->tcbs[idx] + off);
}

static void sk_ilist_init(sk_ilist *l)
{
    l->head = l->tail = SK_TCB_NONE;
    l->len = 0;
}

static bool sk_ilink_on(const sk_tcp_env *e, uint32_t idx, size_t off)
{
    const sk_ilink *k = (const sk_ilink *)(const void *)((const char *)&e->tcbs[idx] + off);
    return k->next != SK_LINK_OFF;
}

void sk_ilist_push(sk_tcp_env *e, sk_ilist *l, uint32_t idx, size_t off)
{
    sk_ilink *k = link_of(e, idx, off);
    SK_ASSERT(k->next == SK_LINK_OFF);
    k->next = SK_TCB_NONE;
    k->prev = l->tail;
    if (l->tail != SK_TCB_NONE)
        link_of(e, l->tail, off)->next = idx;
    else
        l->head = idx;
    l->tail = idx;
    l->len++;
}

void sk_ilist_remove(sk_tcp_env *e, sk_ilist *l, uint32_t idx, size_t off)
{
    sk_ilink *k = link_of(e, idx, off);
    if (k->next == SK_LINK_OFF)
        return;
    if (k->prev != SK_TCB_NONE)
        link_of(e, k->prev, off)->next = k->next;
    else
        l->head = k->next;
    if (k->next != SK_TCB_NONE)
        link_of(e, k->next, off)->prev = k->prev;
    else
        l->tail = k->prev;
    k->next = k->prev = SK_LINK_OFF;
    l->len--;
}

uint32_t sk_ilist_pop(sk_tcp_env *e, sk_ilist *l, size_t off)
{
    uint32_t idx = l->head;
    if (idx != SK_TCB_NONE)
        sk_ilist_remove(e, l, idx, off);
    return idx;
}

/* ---- TCB table ---- */

sk_tcb *sk_tcb_alloc(sk_tcp_env *e, sk_time now)
{
    if (e->free_head == SK_TCB_NONE)
        return NULL;
    uint32_t idx = e->free_head;
    sk_tcb *t = &e->tcbs[idx];
    e->free_head = t->free_next;
    uint32_t gen = t->gen;
    memset(t, 0, sizeof *t);
    t->gen = gen;
    t->state = SK_TCP_CLOSED;
    t->heap_pos = SK_TCB_NONE;
    t->free_next = SK_TCB_NONE;
    t->parent = SK_TCB_NONE;
    t->listen_next = SK_TCB_NONE;
    t->out_link.next = t->out_link.prev = SK_LINK_OFF;
    t->ev_link.next = t->ev_link.prev = SK_LINK_OFF;
    t->acc_link.next = t->acc_link.prev = SK_LINK_OFF;
    sk_ilist_init(&t->acceptq);
    for (int k = 0; k < SK_TCB_TIMERS; k++)
        t->timer[k] = SK_TIME_NEVER;
    t->deadline = SK_TIME_NEVER;
    t->last_rcv = now;
    t->keep_idle = SK_SEC(7200);
    t->keep_intvl = SK_SEC(75);
    t->keep_cnt = 9;
    t->cc = e->cc_default;
    t->iw_segs = e->cfg.initial_window_segments;
    return t;
}

void sk_tcb_release_if_unheld(sk_tcp_env *e, sk_tcb *t)
{
    if (t->flags & (SK_TF_APP_HELD | SK_TF_IN_ACCEPTQ))
        return;
    if (t->state != SK_TCP_CLOSED)
        return;
    uint32_t idx = sk_tcb_index(e, t);
    sk_tcb_timer_clear_all(e, t);
    sk_tcb_free_buffers(e, t);
    sk_demux_remove(e, t);
    sk_ilist_remove(e, &e->out_list, idx, offsetof(sk_tcb, out_link));
    sk_ilist_remove(e, &e->ev_list, idx, offsetof(sk_tcb, ev_link));
    t->gen++;
    if (t->gen == 0)
        t->gen = 1;
    t->flags = 0;
    t->free_next = e->free_head;
    e->free_head = idx;
}

sk_sock sk_tcb_handle(const sk_tcp_env *e, const sk_tcb *t)
{
    sk_sock h;
    h.idx = sk_tcb_index(e, t) + 1; /* idx 0 is the invalid handle */
    h.gen = t->gen;
    return h;
}

void sk_tcb_mark_output(sk_tcp_env *e, sk_tcb *t)
{
    uint32_t idx = sk_tcb_index(e, t);
    if (!sk_ilink_on(e, idx, offsetof(sk_tcb, out_link)))
        sk_ilist_push(e, &e->out_list, idx, offsetof(sk_tcb, out_link));
}

void sk_tcb_unmark_output(sk_tcp_env *e, sk_tcb *t)
{
    sk_ilist_remove(e, &e->out_list, sk_tcb_index(e, t), offsetof(sk_tcb, out_link));
}

/* ---- readiness and events ---- */

uint32_t sk_tcb_readiness(const sk_tcp_env *e, const sk_tcb *t)
{
    uint32_t ev = 0;
    if (t->flags & SK_TF_LISTENER)
        return t->acceptq.len > 0 ? SK_EV_ACCEPT : 0;
    if (t->error != 0)
        ev |= SK_EV_ERROR | SK_EV_READABLE | SK_EV_CLOSED;
    if (sk_ring_len(&t->rcvbuf) > 0 || (t->flags & SK_TF_FIN_RCVD))
        ev |= SK_EV_READABLE;
    if (t->flags & SK_TF_FIN_RCVD)
        ev |= SK_EV_HUP;
    switch (t->state) {
    case SK_TCP_ESTABLISHED:
    case SK_TCP_CLOSE_WAIT:
        ev |= SK_EV_CONNECTED;
        if (!(t->flags & SK_TF_FIN_QUEUED) && sk_ring_len(&t->sndbuf) < e->cfg.sndbuf)
            ev |= SK_EV_WRITABLE;
        break;
    case SK_TCP_FIN_WAIT_1:
    case SK_TCP_FIN_WAIT_2:
    case SK_TCP_CLOSING:
    case SK_TCP_LAST_ACK:
    case SK_TCP_TIME_WAIT:
        ev |= SK_EV_CONNECTED;
        break;
    case SK_TCP_CLOSED:
        if (t->error == 0)
            ev |= SK_EV_CLOSED;
        break;
    default:
        break;
    }
    if (t->state == SK_TCP_TIME_WAIT)
        ev |= SK_EV_CLOSED;
    return ev;
}

void sk_tcb_notify(sk_tcp_env *e, sk_tcb *t, uint32_t events)
{
    if (!(t->flags & (SK_TF_APP_HELD | SK_TF_LISTENER)))
        return;
    t->ev_pending |= events;
    uint32_t idx = sk_tcb_index(e, t);
    if (!sk_ilink_on(e, idx, offsetof(sk_tcb, ev_link)))
        sk_ilist_push(e, &e->ev_list, idx, offsetof(sk_tcb, ev_link));
}

/* ---- buffers ---- */

static void *cache_take(sk_tcp_env *e, void **cache, uint32_t *n, size_t size)
{
    if (*n > 0)
        return cache[--*n];
    return env_alloc(e, size);
}

static void cache_give(sk_tcp_env *e, void **cache, uint32_t *n, void *p, size_t size)
{
    if (*n < SK_BUFCACHE_MAX)
        cache[(*n)++] = p;
    else
        env_release(e, p, size);
}

bool sk_tcb_ensure_sndbuf(sk_tcp_env *e, sk_tcb *t)
{
    if (t->sndbuf.buf != NULL)
        return true;
    uint8_t *p = cache_take(e, e->snd_cache, &e->n_snd_cache, snd_block_size(e));
    if (p == NULL)
        return false;
    sk_ring_init(&t->sndbuf, p, e->cfg.sndbuf);
    t->rtb = (sk_rtb *)(void *)(p + snd_bytes_aligned(e));
    sk_rtb_init(t->rtb);
    return true;
}

bool sk_tcb_ensure_rcvbuf(sk_tcp_env *e, sk_tcb *t)
{
    if (t->rcvbuf.buf != NULL)
        return true;
    uint8_t *p = cache_take(e, e->rcv_cache, &e->n_rcv_cache, e->cfg.rcvbuf);
    if (p == NULL)
        return false;
    sk_ring_init(&t->rcvbuf, p, e->cfg.rcvbuf);
    return true;
}

/* Give back buffers that hold nothing, so idle connections cost no buffer
 * memory. The receive buffer is kept while out-of-order data sits in it. */
void sk_tcb_trim_buffers(sk_tcp_env *e, sk_tcb *t)
{
    if (t->sndbuf.buf != NULL && sk_ring_empty(&t->sndbuf)) {
        cache_give(e, e->snd_cache, &e->n_snd_cache, t->sndbuf.buf, snd_block_size(e));
        sk_ring_init(&t->sndbuf, NULL, 0);
        t->rtb = NULL;
        /* the probe or reorder timer belongs to the record (tcp_rack.c) */
        sk_tcb_timer_set(e, t, SK_TIMER_RECOVERY, SK_TIME_NEVER);
    }
    if (t->rcvbuf.buf != NULL && sk_ring_empty(&t->rcvbuf) && sk_rset_count(&t->reass) == 0) {
        cache_give(e, e->rcv_cache, &e->n_rcv_cache, t->rcvbuf.buf, e->cfg.rcvbuf);
        sk_ring_init(&t->rcvbuf, NULL, 0);
    }
}

void sk_tcb_free_buffers(sk_tcp_env *e, sk_tcb *t)
{
    if (t->sndbuf.buf != NULL)
        cache_give(e, e->snd_cache, &e->n_snd_cache, t->sndbuf.buf, snd_block_size(e));
    t->rtb = NULL;
    if (t->rcvbuf.buf != NULL)
        cache_give(e, e->rcv_cache, &e->n_rcv_cache, t->rcvbuf.buf, e->cfg.rcvbuf);
    sk_ring_init(&t->sndbuf, NULL, 0);
    sk_ring_init(&t->rcvbuf, NULL, 0);
    sk_rset_init(&t->reass);
}

/* ---- control segments, drops, trace ---- */

/* A full queue (a burst to closed ports between two output calls) is a
 * counted drop of the RST we would have sent: the queue is a fixed
 * capacity, and RFC 9293 makes no RST mandatory enough to grow it. */
bool sk_ctl_push(sk_tcp_env *e, const sk_tuple *tu, sk_seq seq, sk_seq ack, uint8_t flags,
                 sk_time now)
{
    if (e->ctlq_len == SK_CTLQ_CAP) {
        sk_tcp_count_drop(e, SK_DROP_TCP_CTLQ_FULL, NULL, now);
        return false;
    }
    sk_ctl_seg *c = &e->ctlq[(e->ctlq_head + e->ctlq_len) % SK_CTLQ_CAP];
    c->tuple = *tu;
    c->seq = seq;
    c->ack = ack;
    c->flags = flags;
    e->ctlq_len++;
    return true;
}

static sk_endpoint endpoint4(sk_ip4 a, uint16_t port)
{
    sk_endpoint ep;
    ep.addr = sk_ipaddr_from_ip4(a);
    ep.port = port;
    return ep;
}

void sk_tcp_trace_init(const sk_tcp_env *e, const sk_tcb *t, enum sk_trace_kind kind, sk_time now,
                       sk_trace_event *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->kind = kind;
    ev->now = now;
    if (t == NULL)
        return;
    ev->sock = sk_tcb_handle(e, t);
    ev->local = endpoint4(t->tuple.laddr, t->tuple.lport);
    ev->remote = endpoint4(t->tuple.raddr, t->tuple.rport);
}

void sk_tcp_count_drop(sk_tcp_env *e, int reason, const sk_tcb *t, sk_time now)
{
    if (reason <= 0 || reason >= SK_DROP__COUNT)
        return;
    e->stats.drop[reason]++;
    e->stats.drops++;
    if (e->cfg.trace != NULL) {
        sk_trace_event ev;
        sk_tcp_trace_init(e, t, SK_TRACE_DROP, now, &ev);
        ev.drop_reason = reason;
        e->cfg.trace(e->cfg.trace_ctx, &ev);
    }
}

void sk_tcp_trace_state(sk_tcp_env *e, sk_tcb *t, enum sk_tcp_state old, sk_time now)
{
    if (e->cfg.trace == NULL)
        return;
    sk_trace_event ev;
    sk_tcp_trace_init(e, t, SK_TRACE_STATE, now, &ev);
    ev.old_state = old;
    ev.new_state = t->state;
    e->cfg.trace(e->cfg.trace_ctx, &ev);
}

void sk_tcp_trace_seg(sk_tcp_env *e, enum sk_trace_kind kind, const sk_tcb *t,
                      const sk_tuple *tu, bool outbound, const sk_tcp_repr *seg, sk_time now,
                      enum sk_rexmit_cause cause)
{
    if (e->cfg.trace == NULL)
        return;
    sk_trace_seg ts;
    memset(&ts, 0, sizeof ts);
    sk_endpoint local = endpoint4(tu->laddr, tu->lport);
    sk_endpoint remote = endpoint4(tu->raddr, tu->rport);
    ts.src = outbound ? local : remote;
    ts.dst = outbound ? remote : local;
    ts.seq = seg->seq.v;
    ts.ack = seg->ack.v;
    ts.flags = seg->flags;
    ts.window = seg->window;
    ts.len = (uint32_t)seg->payload_len;
    ts.payload = seg->payload;
    ts.has_mss = seg->opts.has_mss;
    ts.mss = seg->opts.mss;
    ts.has_wscale = seg->opts.has_wscale;
    ts.wscale = seg->opts.wscale;
    ts.sack_permitted = seg->opts.sack_permitted;
    ts.has_ts = seg->opts.has_ts;
    ts.ts_val = seg->opts.ts_val;
    ts.ts_ecr = seg->opts.ts_ecr;
    ts.n_sack = seg->opts.n_sack;
    for (int i = 0; i < seg->opts.n_sack && i < 4; i++) {
        ts.sack[i][0] = seg->opts.sack[i].left.v;
        ts.sack[i][1] = seg->opts.sack[i].right.v;
    }
    sk_trace_event ev;
    sk_tcp_trace_init(e, t, kind, now, &ev);
    ev.seg = &ts;
    ev.rexmit_cause = cause;
    e->cfg.trace(e->cfg.trace_ctx, &ev);
}
