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
    l->flags = SK_TF_LISTENER | SK_TF_APP_HELD;
    l->state = SK_TCP_LISTEN;
    l->tuple.laddr = *laddr; /* listeners take every address */
    l->tuple.lport = port;
    l->backlog = backlog;
    l->listen_mss = mss;
    if (fixed_isn != NULL) {
        l->flags |= SK_TF_FIXED_ISN;
        l->listen_isn = *fixed_isn;
    }
    l->listen_next = e->listen_head;
    e->listen_head = sk_tcb_index(e, l);
    return l;
}

/* A new passive connection joins its listener's children. */
void sk_listen_adopt(sk_tcp_env *e, sk_tcb *l, sk_tcb *t)
{
    t->parent = sk_tcb_index(e, l);
    sk_ilist_push(e, &l->children, sk_tcb_index(e, t), offsetof(sk_tcb, child_link));
    l->pending++;
}

/* A child leaves its listener: accepted, or gone before accept(). */
void sk_listen_detach(sk_tcp_env *e, sk_tcb *t)
{
    if (t->parent == SK_TCB_NONE)
        return;
    sk_tcb *l = &e->tcbs[t->parent];
    uint32_t idx = sk_tcb_index(e, t);
    if (t->flags & SK_TF_IN_ACCEPTQ) {
        sk_ilist_remove(e, &l->acceptq, idx, offsetof(sk_tcb, acc_link));
        t->flags &= ~(uint32_t)SK_TF_IN_ACCEPTQ;
    }
    sk_ilist_remove(e, &l->children, idx, offsetof(sk_tcb, child_link));
    if (l->pending > 0)
        l->pending--;
    t->parent = SK_TCB_NONE;
}

/* The handshake of a child completed: it waits in the accept queue. */
void sk_listen_enqueue(sk_tcp_env *e, sk_tcb *t)
{
    SK_ASSERT(t->parent != SK_TCB_NONE);
    sk_tcb *l = &e->tcbs[t->parent];
    sk_ilist_push(e, &l->acceptq, sk_tcb_index(e, t), offsetof(sk_tcb, acc_link));
    t->flags |= SK_TF_IN_ACCEPTQ;
    sk_tcb_notify(e, l, SK_EV_ACCEPT);
}

sk_tcb *sk_listen_accept(sk_tcp_env *e, sk_tcb *l)
{
    uint32_t idx = l->acceptq.head;
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
 * (like Linux's listen queue purge), those already closed by their peer
 * are released; no other connection is looked at. */
void sk_listen_close(sk_tcp_env *e, sk_tcb *l, sk_time now)
{
    uint32_t idx = sk_tcb_index(e, l);
    uint32_t *pp = &e->listen_head;
    while (*pp != SK_TCB_NONE && *pp != idx)
        pp = &e->tcbs[*pp].listen_next;
    if (*pp == idx)
        *pp = l->listen_next;
    while (l->children.head != SK_TCB_NONE) {
        sk_tcb *c = &e->tcbs[l->children.head];
        if (c->state != SK_TCP_CLOSED) {
            sk_tcb_reset(e, c, SK_ECONNABORTED, now); /* detaches it */
        } else {
            sk_listen_detach(e, c);
            sk_tcb_release_if_unheld(e, c);
        }
    }
    l->flags = 0;
    l->state = SK_TCP_CLOSED;
    sk_tcb_release_if_unheld(e, l);
}

/* ---- a SYN arrives (RFC 9293 §3.10.7.2) ---- */

/* `reuse_iss`: the ISS a connection reopened from TIME-WAIT must take
 * (tcp_input.c's time_wait_reopen), NULL otherwise. */
void sk_listen_syn(sk_tcp_env *e, sk_tcb *l, const sk_tuple *tu, const sk_tcp_repr *seg,
                   const sk_seq *reuse_iss, sk_time now)
{
    if (l->pending >= l->backlog) {
        sk_tcp_count_drop(e, SK_DROP_TCP_BACKLOG_FULL, l, now);
        return;
    }
    sk_tcb *t = sk_tcb_alloc(e, now);
    if (t == NULL) {
        sk_tcp_count_drop(e, SK_DROP_TCP_NO_MEMORY, l, now);
        return;
    }
    /* the MTU towards the peer: the link's of its family (an RA's MTU
     * option lowers IPv6's, RFC 4861 §6.3.4) or a path MTU learnt before */
    uint16_t mtu_mss = sk_tcp_mss_from_mtu(tu->laddr.family, sk_tcp_path_mtu(e, &tu->raddr, now));
    uint16_t adv = l->listen_mss != 0 && l->listen_mss < mtu_mss ? l->listen_mss : mtu_mss;
    t->cc = l->cc; /* the listener's algorithm (sk_tcp_set_cc) */
    sk_tcb_init_conn(e, t, tu, adv, now);
    /* a new connection inherits the listener's options, as with BSD
     * sockets: Nagle off, keepalive and its timings */
    t->flags |= SK_TF_PASSIVE | (l->flags & (SK_TF_NODELAY | SK_TF_KEEPALIVE));
    t->keep_idle = l->keep_idle;
    t->keep_intvl = l->keep_intvl;
    t->keep_cnt = l->keep_cnt;
    sk_listen_adopt(e, l, t);
    t->irs = seg->seq;
    t->rcv_nxt = sk_seq_add(seg->seq, 1);
    t->rcv_adv = t->rcv_nxt;
    if (reuse_iss != NULL)
        t->iss = *reuse_iss;
    else
        t->iss = (l->flags & SK_TF_FIXED_ISN) ? sk_seq_make(l->listen_isn) : sk_tcp_isn(e, tu, now);
    t->snd_una = t->snd_nxt = t->snd_max = t->iss;
    t->snd_buf_seq = sk_seq_add(t->iss, 1);
    t->recover = t->iss;
    sk_tcp_take_syn_options(e, t, seg, now);
    sk_tcp_update_window(t, seg);
    sk_tcb_set_state(e, t, SK_TCP_SYN_RECEIVED, now);
    sk_demux_insert(e, t);
    e->ctx->stats.passive_opens++;
    sk_tcb_mark_output(e, t);
}

void sk_listen_input(sk_tcp_env *e, sk_tcb *l, const sk_tuple *tu, const sk_tcp_repr *seg,
                     sk_time now)
{
    if (seg->flags & SK_TCP_RST) {
        sk_tcp_count_drop(e, SK_DROP_TCP_LISTEN_NOT_SYN, l, now);
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
