/* Half-open records (tcp_halfopen.h): the pool with its tuple hash, the
 * lists a record waits on (its timer level or the output list) and its
 * listener's list, making and dropping records, their timers, the output
 * list's SYN,ACKs, the listener's eviction and close, ICMP errors and the
 * interface's walks. What SYN-RECEIVED answers from a record, and the
 * final ACK that makes the connection, are tcp_synrcvd.c's.
 *
 * Trace: a record reports what a child TCB did (its state changes, its
 * segments, its retransmission timer) with its ends and no handle; the
 * connection made at the end shows SYN-RECEIVED -> ESTABLISHED with its
 * handle. */
#include "tcp/tcp_conn.h"
#include "tcp/tcp_halfopen_impl.h"

#include "base/ohash.h"
#include "base/skassert.h"
#include "synack/error.h"

#include <stddef.h>
#include <string.h>

_Static_assert(sizeof(sk_ho_rec) == 88, "a half-open record is 88 bytes");
SK_REC_KEY_FIRST(sk_ho_rec);

/* ---- the pool ---- */

int sk_ho_init(sk_tcp_env *e)
{
    sk_ho_pool *p = &e->ho;
    const sk_stack_config *cfg = &e->ctx->cfg;
    /* the default: 4 records per socket slot, at most SK_HO_DEFAULT_MAX
     * (5.6 MiB with the hash), like the TIME-WAIT pool */
    uint32_t cap = sk_recpool_cap(cfg->max_half_open, cfg->max_sockets, SK_HO_DEFAULT_MAX);
    memset(p, 0, sizeof *p);
    for (uint32_t k = 0; k < SK_HO_LEVELS; k++)
        p->lv_head[k] = p->lv_tail[k] = SK_HO_NONE;
    p->out_head = p->out_tail = SK_HO_NONE;
    return sk_recpool_init(&p->pool, e->ctx, sizeof(sk_ho_rec), cap);
}

void sk_ho_free(sk_tcp_env *e)
{
    sk_recpool_free(&e->ho.pool, e->ctx);
    e->ho.out_head = e->ho.out_tail = SK_HO_NONE;
}

void sk_ho_tuple(const sk_ho_rec *r, sk_tuple *tu)
{
    sk_rec_key_tuple(&r->key, tu);
}

static sk_ho_rec *rec_at(const sk_ho_pool *p, uint32_t i)
{
    return sk_recpool_at(&p->pool, i);
}

uint32_t sk_ho_find(const sk_tcp_env *e, const sk_tuple *tu)
{
    return sk_recpool_find(&e->ho.pool, tu);
}

uint32_t sk_ho_find_h(const sk_tcp_env *e, const sk_tuple *tu, uint32_t h)
{
    return sk_recpool_find_h(&e->ho.pool, tu, h);
}

/* ---- the lists (base/recpool.h): a timer level or the output list
 * (link), and the listener's (llink) ---- */

#define WAIT offsetof(sk_ho_rec, link)
#define LSN offsetof(sk_ho_rec, llink)

static void list_push(sk_ho_pool *p, uint32_t *head, uint32_t *tail, uint32_t i)
{
    sk_rec_list_insert(&p->pool, WAIT, head, tail, *tail, i);
}

/* The list a record waits on: the output list while queued, else the
 * timer level of its timeouts. */
static void wait_unlink(sk_ho_pool *p, uint32_t i)
{
    sk_ho_rec *r = rec_at(p, i);
    if (r->key.flags & SK_HO_QUEUED)
        sk_rec_list_unlink(&p->pool, WAIT, &p->out_head, &p->out_tail, i);
    else
        sk_rec_list_unlink(&p->pool, WAIT, &p->lv_head[r->count], &p->lv_tail[r->count], i);
    r->key.flags &= (uint8_t)~SK_HO_QUEUED;
}

/* Queued for output; its deadline stays what it was (the time it fired,
 * or when it was made) until the SYN,ACK goes. */
static void queue_out(sk_ho_pool *p, uint32_t i)
{
    rec_at(p, i)->key.flags |= SK_HO_QUEUED;
    list_push(p, &p->out_head, &p->out_tail, i);
}

/* On level `count` with deadline d: from the tail back past later ones
 * (armed in time order, a record goes to the tail; only one put back
 * after a failed promotion walks). */
static void level_insert(sk_ho_pool *p, uint32_t i, sk_time d)
{
    sk_ho_rec *r = rec_at(p, i);
    uint32_t k = r->count;
    r->deadline = d;
    uint32_t after = p->lv_tail[k];
    while (after != SK_HO_NONE && rec_at(p, after)->deadline > d)
        after = rec_at(p, after)->link.prev;
    sk_rec_list_insert(&p->pool, WAIT, &p->lv_head[k], &p->lv_tail[k], after, i);
}

static void listener_unlink(sk_tcp_env *e, uint32_t i)
{
    sk_tcb_listen *lsn = e->tcbs[rec_at(&e->ho, i)->listener].x->lsn;
    SK_ASSERT(lsn != NULL);
    sk_rec_list_unlink(&e->ho.pool, LSN, &lsn->ho_head, &lsn->ho_tail, i);
    lsn->n_ho--;
}

static void listener_link(sk_tcp_env *e, uint32_t i, uint32_t lidx)
{
    sk_tcb_listen *lsn = e->tcbs[lidx].x->lsn;
    rec_at(&e->ho, i)->listener = lidx;
    sk_rec_list_insert(&e->ho.pool, LSN, &lsn->ho_head, &lsn->ho_tail, lsn->ho_tail, i);
    lsn->n_ho++;
}

/* ---- trace: what a child TCB would have reported, without a handle ---- */

static void trace_init(const sk_tcp_env *e, const sk_ho_rec *r, enum sk_trace_kind kind,
                       sk_time now, sk_trace_event *ev)
{
    sk_tuple tu;
    sk_ho_tuple(r, &tu);
    sk_tcp_trace_init(e, NULL, kind, now, ev);
    ev->local.addr = tu.laddr;
    ev->local.port = tu.lport;
    ev->remote.addr = tu.raddr;
    ev->remote.port = tu.rport;
}

static void trace_state(sk_tcp_env *e, const sk_ho_rec *r, enum sk_tcp_state from,
                        enum sk_tcp_state to, sk_time now)
{
    if (!sk_ctx_tracing(e->ctx))
        return;
    sk_trace_event ev;
    trace_init(e, r, SK_TRACE_STATE, now, &ev);
    ev.old_state = from;
    ev.new_state = to;
    sk_ctx_trace(e->ctx, &ev);
}

static void trace_timer(sk_tcp_env *e, const sk_ho_rec *r, sk_time now)
{
    if (!sk_ctx_tracing(e->ctx))
        return;
    sk_trace_event ev;
    trace_init(e, r, SK_TRACE_TIMER, now, &ev);
    ev.timer = SK_TIMER_RETRANSMIT;
    sk_ctx_trace(e->ctx, &ev);
}

/* ---- making and dropping records ---- */

static void set_gauge(sk_tcp_env *e)
{
    e->ctx->stats.half_open = e->ho.pool.count;
}

/* Remove record i; `closed`: it ends (the trace shows SYN-RECEIVED ->
 * CLOSED), else it became a connection. */
void sk_ho_remove(sk_tcp_env *e, uint32_t i, bool closed, sk_time now)
{
    sk_ho_pool *p = &e->ho;
    sk_ho_rec *r = rec_at(&e->ho, i);
    if (closed)
        trace_state(e, r, SK_TCP_SYN_RECEIVED, SK_TCP_CLOSED, now);
    wait_unlink(p, i);
    listener_unlink(e, i);
    sk_recpool_remove(&p->pool, i);
    sk_demux_port_freed(e); /* even when a connection takes it: rare, safe */
    set_gauge(e);
}

bool sk_ho_new(sk_tcp_env *e, sk_tcb *l, const sk_tuple *tu, const sk_tcp_repr *syn, sk_seq iss,
               uint16_t adv_mss, sk_time now)
{
    const sk_stack_config *cfg = &e->ctx->cfg;
    sk_ho_rec n, *r = &n;
    memset(r, 0, sizeof *r);
    sk_rec_key_set(&r->key, tu);
    r->iss = iss;
    r->irs = syn->seq;
    r->peer_mss = syn->opts.has_mss ? syn->opts.mss : SK_DEFAULT_MSS;
    r->adv_mss = adv_mss;
    r->syn_wnd = syn->window;
    /* what a child's sk_tcp_take_syn_options would negotiate */
    if (cfg->timestamps && syn->opts.has_ts) {
        r->key.flags |= SK_HO_TS;
        r->ts_recent = syn->opts.ts_val;
    }
    if (cfg->sack && syn->opts.sack_permitted)
        r->key.flags |= SK_HO_SACK;
    if (cfg->window_scaling && syn->opts.has_wscale) {
        r->key.flags |= SK_HO_WS;
        r->wscale = syn->opts.wscale > 14 ? 14 : syn->opts.wscale;
    }
    r->deadline = now;
    uint32_t i = sk_recpool_add(&e->ho.pool, r);
    if (i == SK_HO_NONE)
        return false;
    r = rec_at(&e->ho, i);
    set_gauge(e);
    listener_link(e, i, sk_tcb_index(e, l));
    queue_out(&e->ho, i);
    e->ctx->stats.passive_opens++;
    e->ctx->stats.ho_records++;
    trace_state(e, r, SK_TCP_CLOSED, SK_TCP_SYN_RECEIVED, now);
    return true;
}

/* ---- timers ---- */

/* The timer interval after k timeouts: the initial RTO doubled k times,
 * at most rto_max, as a connection's (tcp_rtt.c). */
uint64_t sk_ho_interval(const sk_tcp_env *e, uint32_t k)
{
    const sk_stack_config *cfg = &e->ctx->cfg;
    return sk_rto_backoff(cfg, sk_rto_initial(cfg), k);
}


/* SYN,ACK timeouts before a record is dropped (fire_retransmit's limit
 * for SYN-RECEIVED); records wait on levels 0..limit. */
static uint32_t retry_limit(const sk_tcp_env *e)
{
    const sk_stack_config *cfg = &e->ctx->cfg;
    return cfg->synack_retries != 0 ? cfg->synack_retries : cfg->syn_retries;
}

static void fire(sk_tcp_env *e, uint32_t i, sk_time now)
{
    sk_ho_pool *p = &e->ho;
    sk_ho_rec *r = rec_at(&e->ho, i);
    trace_timer(e, r, now);
    if (r->count >= retry_limit(e)) {
        e->ctx->stats.conn_timeouts++;
        sk_ho_remove(e, i, true, now);
        return;
    }
    e->ctx->stats.timeouts++;
    wait_unlink(p, i);
    r->count++;
    queue_out(p, i);
}

void sk_ho_expire(sk_tcp_env *e, sk_time now)
{
    sk_ho_pool *p = &e->ho;
    if (p->pool.count == 0)
        return;
    for (;;) {
        uint32_t best = SK_HO_NONE;
        for (uint32_t k = 0; k <= retry_limit(e) && k < SK_HO_LEVELS; k++) {
            uint32_t h = p->lv_head[k];
            if (h != SK_HO_NONE && rec_at(&e->ho, h)->deadline <= now &&
                (best == SK_HO_NONE || rec_at(&e->ho, h)->deadline < rec_at(&e->ho, best)->deadline))
                best = h;
        }
        if (best == SK_HO_NONE)
            return;
        fire(e, best, now);
    }
}

sk_time sk_ho_next_deadline(const sk_tcp_env *e)
{
    const sk_ho_pool *p = &e->ho;
    sk_time d = SK_TIME_NEVER;
    if (p->pool.count == 0)
        return d;
    for (uint32_t k = 0; k <= retry_limit(e) && k < SK_HO_LEVELS; k++)
        if (p->lv_head[k] != SK_HO_NONE)
            d = sk_time_min(d, rec_at(p, p->lv_head[k])->deadline);
    return d;
}

/* The next SYN,ACK of the output list: new, or its timer fired. */
bool sk_ho_next_out(sk_tcp_env *e, sk_time now, sk_ctl_seg *c)
{
    sk_ho_pool *p = &e->ho;
    uint32_t i = p->out_head;
    if (i == SK_HO_NONE)
        return false;
    sk_ho_rec *r = rec_at(&e->ho, i);
    wait_unlink(p, i);
    sk_ho_build_synack(e, r, now, c);
    if (r->key.flags & SK_HO_SENT)
        sk_ho_count_resend(r, c);
    r->key.flags |= SK_HO_SENT;
    /* the retransmission timer starts with the segment (arm_rexmt) */
    level_insert(p, i, sk_time_after(now, sk_ho_interval(e, r->count)));
    return true;
}

/* The record held back from promotion goes where it was (a failed
 * promotion: the socket table is full; the peer sends its ACK again). */
void sk_ho_restore(sk_tcp_env *e, const sk_ho_rec *saved, sk_time now)
{
    (void)now;
    uint32_t i = sk_recpool_add(&e->ho.pool, saved);
    SK_ASSERT(i != SK_HO_NONE);
    if (i == SK_HO_NONE)
        return;
    sk_ho_rec *r = rec_at(&e->ho, i);
    set_gauge(e);
    listener_link(e, i, saved->listener);
    r->key.flags &= (uint8_t)~SK_HO_QUEUED;
    if (saved->key.flags & SK_HO_QUEUED)
        queue_out(&e->ho, i);
    else
        level_insert(&e->ho, i, saved->deadline);
}

/* ---- the listener's records ---- */

/* l's oldest record whose SYN,ACK already timed out once, or NONE. */
static uint32_t oldest_timed_out(const sk_tcp_env *e, const sk_tcb *l)
{
    uint32_t i = l->x->lsn->ho_head;
    while (i != SK_HO_NONE && rec_at(&e->ho, i)->count == 0)
        i = rec_at(&e->ho, i)->llink.next;
    return i;
}

bool sk_ho_evictable(const sk_tcp_env *e, const sk_tcb *l)
{
    return oldest_timed_out(e, l) != SK_HO_NONE;
}

bool sk_ho_evict_old(sk_tcp_env *e, sk_tcb *l, sk_time now)
{
    uint32_t i = oldest_timed_out(e, l);
    if (i == SK_HO_NONE)
        return false;
    sk_tcp_count_drop(e, SK_DROP_TCP_SYN_EVICTED, NULL, now);
    sk_ho_remove(e, i, true, now);
    return true;
}

/* A closing listener's records go without a RST, as Linux's request
 * sockets do (tcp_v4_rcv drops one whose listener is no longer listening,
 * and looks again): a record is a SYN answered, not yet a connection, and
 * the peer's final ACK or data now meets a closed port, which answers
 * <SEQ=SEG.ACK><CTL=RST> (RFC 9293 §3.10.7.1). So closing a listener under
 * a SYN flood sends no burst of RSTs to the flood's forged sources, and a
 * burst larger than the control queue loses none. */
void sk_ho_listener_closed(sk_tcp_env *e, sk_tcb *l, sk_time now)
{
    while (l->x->lsn->ho_head != SK_HO_NONE) {
        sk_ho_remove(e, l->x->lsn->ho_head, true, now);
        e->ctx->stats.ho_orphaned++;
    }
}

/* ---- ICMP and the interface's walks ---- */

int sk_ho_icmp(sk_tcp_env *e, const sk_tuple *tu, sk_seq seq, int kind, bool check_only)
{
    uint32_t i = sk_ho_find(e, tu);
    if (i == SK_HO_NONE)
        return SK_DROP_ICMP_NO_CONN;
    sk_ho_rec *r = rec_at(&e->ho, i);
    /* RFC 5927 §4.1: SND.UNA <= SEQ < SND.NXT, i.e. our SYN,ACK's ISS */
    if (!(r->key.flags & SK_HO_SENT) || !sk_seq_eq(seq, r->iss))
        return SK_DROP_ICMP_OUT_OF_WINDOW;
    if (!check_only) {
        /* kept as the connection's soft error, as a child keeps it */
        r->key.flags |= SK_HO_SOFT;
        r->soft_kind = kind == SK_TCP_ICMP_REFUSED ? 1 : 0;
    }
    return 0;
}

/* The walks go through the listeners' lists: O(records), no scan of the
 * pool. The next record is taken first: a visit may remove the one it is
 * given. */
typedef void (*rec_visit)(sk_tcp_env *e, uint32_t i, const void *arg, sk_time now);

static void each_rec(sk_tcp_env *e, rec_visit visit, const void *arg, sk_time now)
{
    for (uint32_t l = e->listen_head; l != SK_TCB_NONE; l = e->tcbs[l].x->lsn->listen_next) {
        uint32_t i = e->tcbs[l].x->lsn->ho_head;
        while (i != SK_HO_NONE) {
            uint32_t next = rec_at(&e->ho, i)->llink.next;
            visit(e, i, arg, now);
            i = next;
        }
    }
}

typedef struct {
    sk_tcp_route_match via;
    const void *ctx;
} via_arg;

static void visit_unreachable(sk_tcp_env *e, uint32_t i, const void *arg, sk_time now)
{
    (void)now;
    const via_arg *a = arg;
    sk_ho_rec *r = rec_at(&e->ho, i);
    sk_tuple tu;
    sk_ho_tuple(r, &tu);
    if (a->via(a->ctx, &tu)) {
        r->key.flags |= SK_HO_SOFT;
        r->soft_kind = 0;
    }
}

void sk_ho_unreachable_via(sk_tcp_env *e, sk_tcp_route_match via, const void *ctx)
{
    via_arg a = {via, ctx};
    each_rec(e, visit_unreachable, &a, 0);
}

typedef struct {
    uint8_t family;
    uint16_t mtu;
} mtu_arg;

static void visit_mtu(sk_tcp_env *e, uint32_t i, const void *arg, sk_time now)
{
    (void)now;
    const mtu_arg *a = arg;
    sk_ho_rec *r = rec_at(&e->ho, i);
    if (a->family != 0 && r->key.family != a->family)
        return;
    uint16_t mss = sk_tcp_mss_from_mtu(r->key.family, a->mtu);
    if (mss < r->adv_mss)
        r->adv_mss = mss; /* a SYN,ACK sent again announces what fits */
}

void sk_ho_mtu_lowered(sk_tcp_env *e, uint8_t family, uint16_t mtu)
{
    mtu_arg a = {family, mtu};
    each_rec(e, visit_mtu, &a, 0);
}

static void visit_addr_gone(sk_tcp_env *e, uint32_t i, const void *arg, sk_time now)
{
    sk_tuple tu;
    sk_ho_tuple(rec_at(&e->ho, i), &tu);
    if (sk_ipaddr_eq(&tu.laddr, (const sk_ipaddr *)arg))
        sk_ho_remove(e, i, true, now);
}

void sk_ho_local_addr_gone(sk_tcp_env *e, const sk_ipaddr *local, sk_time now)
{
    each_rec(e, visit_addr_gone, local, now);
}
