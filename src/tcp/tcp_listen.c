/* Listeners (RFC 9293 §3.10.7.2 LISTEN): opening and closing one, its
 * children (every connection it created and has not yet handed to the
 * application: half-open ones and those waiting in the accept queue, on
 * one per-listener list, so that closing a listener touches only its own),
 * the accept queue, and a SYN's arrival. */
#include "tcp/tcp_conn.h"

#include "base/skassert.h"
#include "synack/error.h"

#include <string.h>

sk_tcb *sk_listen_open(sk_tcp_env *e, const sk_ipaddr *laddr, uint16_t port, uint16_t backlog,
                       uint16_t mss, const uint32_t *fixed_isn)
{
    sk_tcb *l = sk_tcb_alloc(e, 0);
    if (l == NULL)
        return NULL;
    if (sk_tcb_make_listener(e, l) != 0) {
        sk_tcb_release_if_unheld(e, l);
        return NULL;
    }
    l->flags = SK_TF_LISTENER | SK_TF_APP_HELD;
    l->state = SK_TCP_LISTEN;
    l->x->lsn->ho_head = l->x->lsn->ho_tail = SK_HO_NONE;
    sk_tcb_set_listen_ends(l, laddr, port); /* listeners take every address */
    l->x->lsn->backlog = backlog;
    l->x->lsn->listen_mss = mss;
    if (fixed_isn != NULL) {
        l->flags |= SK_TF_FIXED_ISN;
        l->x->lsn->listen_isn = *fixed_isn;
    }
    l->x->lsn->listen_next = e->listen_head;
    e->listen_head = sk_tcb_index(e, l);
    return l;
}

/* A new passive connection joins its listener's children. */
void sk_listen_adopt(sk_tcp_env *e, sk_tcb *l, sk_tcb *t)
{
    SK_ASSERT(sk_tcb_ext_attached(e, t)); /* the child's place is in its extension */
    t->x->parent = sk_tcb_index(e, l);
    sk_ilist_push(e, &l->x->lsn->children, sk_tcb_index(e, t), SK_ILINK_X(child_link));
}

/* A child leaves its listener: accepted, or gone before accept(). */
void sk_listen_detach(sk_tcp_env *e, sk_tcb *t)
{
    if (t->x->parent == SK_TCB_NONE)
        return;
    sk_tcb *l = &e->tcbs[t->x->parent];
    uint32_t idx = sk_tcb_index(e, t);
    SK_ASSERT(l->x->lsn != NULL); /* sk_listen_close detaches every child first */
    if (l->x->lsn == NULL) {
        t->x->parent = SK_TCB_NONE;
        return;
    }
    if (t->flags & SK_TF_IN_ACCEPTQ) {
        sk_ilist_remove(e, &l->x->lsn->acceptq, idx, SK_ILINK_X(acc_link));
        t->flags &= ~(uint32_t)SK_TF_IN_ACCEPTQ;
    }
    sk_ilist_remove(e, &l->x->lsn->children, idx, SK_ILINK_X(child_link));
    t->x->parent = SK_TCB_NONE;
}

/* The handshake of a child completed: it waits in the accept queue. */
void sk_listen_enqueue(sk_tcp_env *e, sk_tcb *t)
{
    SK_ASSERT(t->x->parent != SK_TCB_NONE);
    sk_tcb *l = &e->tcbs[t->x->parent];
    sk_ilist_push(e, &l->x->lsn->acceptq, sk_tcb_index(e, t), SK_ILINK_X(acc_link));
    t->flags |= SK_TF_IN_ACCEPTQ;
    sk_tcb_notify(e, l, SK_EV_ACCEPT);
}

sk_tcb *sk_listen_accept(sk_tcp_env *e, sk_tcb *l)
{
    uint32_t idx = l->x->lsn->acceptq.head;
    if (idx == SK_TCB_NONE)
        return NULL;
    sk_tcb *t = &e->tcbs[idx];
    sk_listen_detach(e, t);
    t->flags |= SK_TF_APP_HELD;
    /* report what already happened on the connection */
    sk_tcb_notify(e, t, sk_tcb_readiness(e, t));
    return t;
}

/* Close (or abort) a listener: its children not yet accepted are reset
 * (as Linux's inet_csk_listen_stop resets its accept queue), those already
 * closed by their peer are released, its half-open records are dropped
 * without a RST (sk_ho_listener_closed, as Linux's request sockets); no
 * other connection is looked at. */
void sk_listen_close(sk_tcp_env *e, sk_tcb *l, sk_time now)
{
    uint32_t idx = sk_tcb_index(e, l);
    uint32_t *pp = &e->listen_head;
    while (*pp != SK_TCB_NONE && *pp != idx)
        pp = &e->tcbs[*pp].x->lsn->listen_next;
    if (*pp == idx)
        *pp = l->x->lsn->listen_next;
    sk_demux_port_freed(e); /* its port */
    while (l->x->lsn->children.head != SK_TCB_NONE) {
        sk_tcb *c = &e->tcbs[l->x->lsn->children.head];
        if (c->state != SK_TCP_CLOSED) {
            sk_tcb_reset(e, c, SK_ECONNABORTED, now); /* detaches it */
        } else {
            sk_listen_detach(e, c);
            sk_tcb_release_if_unheld(e, c);
        }
    }
    sk_ho_listener_closed(e, l, now);
    l->flags &= SK_TF_HASHED; /* sk_tcb_release_if_unheld unhashes it */
    l->state = SK_TCP_CLOSED;
    sk_tcb_release_if_unheld(e, l);
}

/* ---- a SYN arrives (RFC 9293 §3.10.7.2) ---- */

/* Half-open: its records, and a child a cookie's ACK is making. */
static uint32_t half_open(const sk_tcb *l)
{
    return l->x->lsn->n_ho + l->x->lsn->children.len - l->x->lsn->acceptq.len;
}

static uint32_t syn_limit(const sk_tcp_env *e, const sk_tcb *l)
{
    uint32_t cfg = e->ctx->cfg.syn_backlog;
    return cfg != 0 && cfg < l->x->lsn->backlog ? cfg : l->x->lsn->backlog;
}

/* Would sk_listen_syn keep a new half-open connection without a cookie
 * (room in the SYN queue, or with cookies off an old record to make it)?
 * The gate of a SYN that reopens TIME-WAIT (its ISS is fixed, so no
 * cookie): the TIME-WAIT state goes only for a SYN the listener takes. */
bool sk_listen_syn_room(const sk_tcp_env *e, const sk_tcb *l)
{
    if (l->x->lsn->acceptq.len >= l->x->lsn->backlog)
        return false;
    return half_open(l) < syn_limit(e, l) ||
           (e->ctx->cfg.syn_cookies == SK_SYNCOOKIES_OFF && sk_ho_evictable(e, l));
}

bool sk_listen_acceptq_full(const sk_tcp_env *e, const sk_tcb *t)
{
    if (t->x->parent == SK_TCB_NONE)
        return false;
    const sk_tcb *l = &e->tcbs[t->x->parent];
    return l->x->lsn->acceptq.len >= l->x->lsn->backlog;
}

/* The MSS we announce to tu: the listener's, bounded by the MTU towards
 * the peer (the link's of its family, an RA's MTU option for IPv6, RFC
 * 4861 §6.3.4, or a path MTU learnt before). */
static uint16_t child_adv_mss(sk_tcp_env *e, const sk_tcb *l, const sk_tuple *tu, sk_time now)
{
    uint16_t mtu_mss = sk_tcp_mss_from_mtu(tu->laddr.family, sk_tcp_path_mtu(e, &tu->raddr, now));
    return l->x->lsn->listen_mss != 0 && l->x->lsn->listen_mss < mtu_mss ? l->x->lsn->listen_mss : mtu_mss;
}

/* A child in SYN-RECEIVED for the SYN `syn` (its options taken), with
 * our ISS; NULL when the table is full. Nothing is sent. A record's child
 * was in SYN-RECEIVED (and counted as a passive open) since its SYN: no
 * state change is traced for it. */
static sk_tcb *child_new(sk_tcp_env *e, sk_tcb *l, const sk_tuple *tu, const sk_tcp_repr *syn,
                         const sk_listen_hs *hs, sk_time now)
{
    sk_tcb *t = sk_tcb_alloc(e, now);
    if (t == NULL)
        return NULL;
    if (!sk_tcb_ext_attach(e, t) || !sk_tcb_set_ends(e, t, tu)) { /* the handshake's extension (tcp_ext.c) */
        sk_tcb_release_if_unheld(e, t);
        return NULL;
    }
    sk_tcb_set_cc_ops(t, sk_tcb_cc(l)); /* the listener's algorithm (sk_tcp_set_cc) */
    /* and its buffer limits, before the window scale is chosen from them
     * (as Linux's children take the listener's SO_RCVBUF/SO_SNDBUF) */
    t->x->sndbuf_kb = l->x->sndbuf_kb;
    t->x->rcvbuf_kb = l->x->rcvbuf_kb;
    sk_tcb_init_conn(e, t, tu, hs->adv_mss, now);
    /* a new connection inherits the listener's options, as with BSD
     * sockets: Nagle off, keepalive and its timings */
    t->flags |= SK_TF_PASSIVE | (l->flags & (SK_TF_NODELAY | SK_TF_KEEPALIVE));
    sk_keep_prof_use(e, t, l->keep_prof);
    sk_listen_adopt(e, l, t);
    t->irs = syn->seq;
    t->rcv_nxt = sk_seq_add(syn->seq, 1);
    t->rcv_adv = t->rcv_nxt;
    t->iss = hs->iss;
    t->snd_una = t->x->snd_nxt = t->x->snd_max = t->iss;
    t->x->snd_buf_seq = sk_seq_add(t->iss, 1);
    t->x->past.recover = t->iss;
    sk_tcp_take_syn_options(e, t, syn, now);
    sk_tcp_update_window(t, syn);
    if (hs->from_record) {
        t->state = SK_TCP_SYN_RECEIVED;
    } else {
        sk_tcb_set_state(e, t, SK_TCP_SYN_RECEIVED, now);
        e->ctx->stats.passive_opens++;
    }
    sk_demux_insert(e, t);
    return t;
}

sk_tcb *sk_listen_promote(sk_tcp_env *e, sk_tcb *l, const sk_tuple *tu, const sk_tcp_repr *syn,
                          const sk_listen_hs *hs, sk_time now)
{
    sk_tcb *t = child_new(e, l, tu, syn, hs, now);
    if (t == NULL) {
        sk_tcp_count_drop(e, SK_DROP_TCP_NO_MEMORY, l, now);
        return NULL;
    }
    /* the SYN,ACK was sent: SND.NXT past it, the window it offered, and
     * its ACK is RFC 7323 §4.3's Last.ACK.sent (a cookie's too) */
    t->x->snd_nxt = t->x->snd_max = sk_seq_add(hs->iss, 1);
    t->rcv_adv = sk_seq_add(t->rcv_nxt, hs->rcv_wnd);
    t->x->last_ack_sent = t->rcv_nxt;
    if (!hs->from_record) {
        e->ctx->stats.syncookies_recv++;
        t->flags |= SK_TF_SYNCOOKIE;
        return t;
    }
    /* as output_syn and the retransmission timer left a child: Karn's
     * timing of the first SYN,ACK (RFC 6298 §3), the backoff of its
     * timeouts (§5.5, and §5.7 once established) */
    t->x->last_snd = hs->last_snd;
    t->x->timeouts = hs->timeouts;
    t->x->past.backoff = hs->timeouts < 16 ? hs->timeouts : 16;
    t->x->past.retransmits = hs->resends;
    t->x->past.soft_error = hs->soft_error;
    if (hs->rtt_timed) {
        t->flags |= SK_TF_RTT_ACTIVE;
        t->x->rtt_seq = hs->iss;
        t->x->rtt_time = hs->rtt_time;
    }
    return t;
}

/* With syn_cookies off and the SYN queue full: the oldest half-open
 * record whose SYN,ACK already timed out once makes room (as Linux prefers
 * to drop "old" requests to "young" ones); a peer that answers promptly is
 * never pushed out by a flood. False when none has. */
static bool evict_old(sk_tcp_env *e, sk_tcb *l, sk_time now)
{
    return sk_ho_evict_old(e, l, now);
}

/* Answer the SYN with a cookie SYN,ACK from the control queue: no state is
 * kept. Without the peer's timestamps only the MSS survives, so only the
 * MSS is announced (as Linux does); with them, window scale and SACK as a
 * child would announce them, encoded in the TSval (tcp_syncookie.c). */
static void send_cookie(sk_tcp_env *e, sk_tcb *l, const sk_tuple *tu, const sk_tcp_repr *syn,
                        sk_time now)
{
    const sk_stack_config *cfg = &e->ctx->cfg;
    uint16_t peer_mss = syn->opts.has_mss ? syn->opts.mss : SK_DEFAULT_MSS;
    sk_seq iss = sk_seq_make(sk_cookie_make(e, tu, syn->seq, peer_mss, now));
    sk_tcp_opts o;
    memset(&o, 0, sizeof o);
    o.has_mss = true;
    o.mss = child_adv_mss(e, l, tu, now);
    if (syn->opts.has_ts && cfg->timestamps) {
        sk_cookie_opts co = {.wscale = -1};
        if (syn->opts.has_wscale && cfg->window_scaling) {
            co.wscale = (int8_t)(syn->opts.wscale > 14 ? 14 : syn->opts.wscale);
            o.has_wscale = true;
            o.wscale = sk_tcb_our_wscale(e, l); /* as child_new's */
        }
        co.sack_ok = o.sack_permitted = syn->opts.sack_permitted && cfg->sack;
        o.has_ts = true;
        uint32_t ts_now = (uint32_t)(now / 1000u) + sk_tcp_ts_offset(e, tu);
        o.ts_val = sk_cookie_ts_encode(ts_now, &co);
        o.ts_ecr = syn->opts.ts_val;
    }
    uint32_t rcvbuf = sk_tcb_rcvbuf(e, l);
    uint16_t win = (uint16_t)(rcvbuf > 65535 ? 65535 : rcvbuf);
    if (sk_ctl_push_opts(e, tu, iss, sk_seq_add(syn->seq, 1), SK_TCP_SYN | SK_TCP_ACK, win, &o,
                         now)) {
        e->ctx->stats.syncookies_sent++;
        e->cookie_last = now;
    }
}

/* `reuse_iss`: the ISS a connection reopened from TIME-WAIT must take
 * (tcp_input.c's time_wait_reopen), NULL otherwise; such a SYN is never
 * answered with a cookie (the ISS is not ours to choose). */
void sk_listen_syn(sk_tcp_env *e, sk_tcb *l, const sk_tuple *tu, const sk_tcp_repr *seg,
                   const sk_seq *reuse_iss, sk_time now)
{
    uint8_t mode = e->ctx->cfg.syn_cookies;
    /* a full accept queue refuses new handshakes, cookies or not (as
     * Linux's ListenOverflows): the application is not keeping up */
    if (l->x->lsn->acceptq.len >= l->x->lsn->backlog) {
        sk_tcp_count_drop(e, SK_DROP_TCP_BACKLOG_FULL, l, now);
        return;
    }
    bool may_cookie = reuse_iss == NULL && mode != SK_SYNCOOKIES_OFF;
    if (may_cookie && mode == SK_SYNCOOKIES_ALWAYS) {
        send_cookie(e, l, tu, seg, now);
        return;
    }
    if (half_open(l) >= syn_limit(e, l)) {
        if (may_cookie) {
            send_cookie(e, l, tu, seg, now);
            return;
        }
        if (mode != SK_SYNCOOKIES_OFF || !evict_old(e, l, now)) {
            sk_tcp_count_drop(e, SK_DROP_TCP_BACKLOG_FULL, l, now);
            return;
        }
    }
    sk_seq iss;
    if (reuse_iss != NULL)
        iss = *reuse_iss;
    else
        iss = (l->flags & SK_TF_FIXED_ISN) ? sk_seq_make(l->x->lsn->listen_isn) : sk_tcp_isn(e, tu, now);
    uint16_t adv_mss = child_adv_mss(e, l, tu, now);
    bool ok = sk_ho_new(e, l, tu, seg, iss, adv_mss, now);
    /* the pool of half-open records is full: without cookies an old
     * record gives its place, as when the SYN queue is full */
    if (!ok && mode == SK_SYNCOOKIES_OFF && evict_old(e, l, now))
        ok = sk_ho_new(e, l, tu, seg, iss, adv_mss, now);
    if (!ok) {
        if (may_cookie) /* the pool is full: the state rides in the cookie */
            send_cookie(e, l, tu, seg, now);
        else
            sk_tcp_count_drop(e, SK_DROP_TCP_HALFOPEN_FULL, l, now);
    }
}

/* ---- an ACK arrives: a SYN cookie's? (RFC 4987 §3.6) ---- */

static bool cookies_live(const sk_tcp_env *e, sk_time now)
{
    if (e->ctx->cfg.syn_cookies == SK_SYNCOOKIES_ALWAYS)
        return true;
    return e->cookie_last != SK_TIME_NEVER &&
           now - e->cookie_last < SK_COOKIE_MAX_AGE * SK_COOKIE_PERIOD_US;
}

/* The SYN the cookie stands for, rebuilt from the ACK: SEQ = IRS, the
 * options the cookie carried, TS.Recent from the ACK's TSval. */
static void cookie_syn(const sk_tcp_repr *ack, uint16_t mss, const sk_cookie_opts *co,
                       sk_tcp_repr *syn)
{
    memset(syn, 0, sizeof *syn);
    syn->flags = SK_TCP_SYN;
    syn->seq = sk_seq_add(ack->seq, (uint32_t)0 - 1u);
    syn->window = ack->window;
    syn->opts.has_mss = true;
    syn->opts.mss = mss;
    syn->opts.has_wscale = co->wscale >= 0;
    syn->opts.wscale = (uint8_t)(co->wscale >= 0 ? co->wscale : 0);
    syn->opts.sack_permitted = co->sack_ok;
    syn->opts.has_ts = co->ts_ok;
    syn->opts.ts_val = ack->opts.ts_val;
}

static void cookie_bad(sk_tcp_env *e, sk_tcb *l, const sk_tuple *tu, const sk_tcp_repr *seg,
                       sk_time now)
{
    e->ctx->stats.syncookies_failed++;
    sk_tcp_count_drop(e, SK_DROP_TCP_COOKIE_BAD, l, now);
    /* as any unacceptable ACK to a listener: <SEQ=SEG.ACK><CTL=RST> */
    if (sk_ctl_push(e, tu, seg->ack, sk_seq_make(0), SK_TCP_RST, now))
        e->ctx->stats.resets_out++;
}

/* An ACK (no SYN, no RST) to a listener while cookies may be out: a valid
 * cookie makes the connection, which then takes the ACK (and its text and
 * FIN) as in SYN-RECEIVED; an invalid one is dropped, counted and answered
 * with RST. */
static void cookie_ack(sk_tcp_env *e, sk_tcb *l, const sk_tuple *tu, const sk_tcp_repr *seg,
                       sk_time now)
{
    sk_seq irs = sk_seq_add(seg->seq, (uint32_t)0 - 1u);
    sk_seq iss = sk_seq_add(seg->ack, (uint32_t)0 - 1u);
    uint16_t mss;
    sk_cookie_opts co = {.wscale = -1};
    if (!sk_cookie_check(e, tu, irs, iss, now, &mss) ||
        (seg->opts.has_ts && e->ctx->cfg.timestamps && !sk_cookie_ts_decode(seg->opts.ts_ecr, &co))) {
        cookie_bad(e, l, tu, seg, now);
        return;
    }
    if (l->x->lsn->acceptq.len >= l->x->lsn->backlog) {
        sk_tcp_count_drop(e, SK_DROP_TCP_ACCEPTQ_FULL, l, now);
        if (e->ctx->cfg.accept_overflow_reset &&
            sk_ctl_push(e, tu, seg->ack, sk_seq_make(0), SK_TCP_RST, now))
            e->ctx->stats.resets_out++;
        return;
    }
    sk_tcp_repr syn;
    cookie_syn(seg, mss, &co, &syn);
    sk_listen_hs hs;
    memset(&hs, 0, sizeof hs);
    hs.iss = iss;
    hs.adv_mss = child_adv_mss(e, l, tu, now);
    uint32_t rcvbuf = sk_tcb_rcvbuf(e, l);
    hs.rcv_wnd = rcvbuf > 65535 ? 65535 : rcvbuf;
    sk_tcb *t = sk_listen_promote(e, l, tu, &syn, &hs, now);
    if (t == NULL)
        return;
    sk_tcp_input(e, t, tu, seg, now);
    /* an ACK the connection refused (PAWS, out of window) leaves it in
     * SYN-RECEIVED with no SYN,ACK to retransmit: forget it, stateless
     * again (its next segment checks the cookie anew) */
    if (t->state == SK_TCP_SYN_RECEIVED)
        sk_tcb_close(e, t, 0, now);
}

void sk_listen_input(sk_tcp_env *e, sk_tcb *l, const sk_tuple *tu, const sk_tcp_repr *seg,
                     sk_time now)
{
    if (seg->flags & SK_TCP_RST) {
        sk_tcp_count_drop(e, SK_DROP_TCP_LISTEN_NOT_SYN, l, now);
        return;
    }
    if ((seg->flags & (SK_TCP_ACK | SK_TCP_SYN)) == SK_TCP_ACK && cookies_live(e, now)) {
        cookie_ack(e, l, tu, seg, now);
        return;
    }
    if (seg->flags & SK_TCP_ACK) {
        /* <SEQ=SEG.ACK><CTL=RST> */
        if (sk_ctl_push(e, tu, seg->ack, sk_seq_make(0), SK_TCP_RST, now))
            e->ctx->stats.resets_out++;
        sk_tcp_count_drop(e, SK_DROP_TCP_LISTEN_NOT_SYN, l, now);
        return;
    }
    /* SYN+FIN opens nothing: RFC 9293 would queue the FIN for after the
     * handshake, but no client opens that way (T/TCP, RFC 1644, is
     * historic); it is a scanner's probe. Like Linux, drop it (counted),
     * before any state is taken. */
    if ((seg->flags & (SK_TCP_SYN | SK_TCP_FIN)) == (SK_TCP_SYN | SK_TCP_FIN)) {
        sk_tcp_count_drop(e, SK_DROP_TCP_SYN_FIN, l, now);
        return;
    }
    if (seg->flags & SK_TCP_SYN) {
        sk_listen_syn(e, l, tu, seg, NULL, now);
        return;
    }
    sk_tcp_count_drop(e, SK_DROP_TCP_LISTEN_NOT_SYN, l, now);
}
