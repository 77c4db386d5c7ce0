/* Readiness and events: the output-pending list, what a socket is ready
 * for (the readiness predicate) and the list of sockets with unreported
 * events. */
#include "tcp/tcp_conn.h"

#include "base/skassert.h"

/* The output list links through the extension. A connection without one
 * (an idle connection's keepalive probe, a close of an idle connection)
 * waits in the idle-output queue and takes one only at its turn
 * (tcp_emit.c); when that queue has no room it takes one now, and one
 * that finds no memory loses what it owed like a dropped segment
 * (counted): the peer or our timers ask again. */
bool sk_tcb_mark_output(sk_tcp_env *e, sk_tcb *t)
{
    if (!sk_tcb_ext_attached(e, t) && sk_tcp_idle_out_push(e, t))
        return true;
    if (!sk_tcb_ext_attach(e, t)) {
        sk_ctx_count_drop(e->ctx, SK_DROP_TCP_NO_MEMORY);
        return false;
    }
    uint32_t idx = sk_tcb_index(e, t);
    if (!sk_ilink_on(e, idx, SK_ILINK_X(out_link)))
        sk_ilist_push(e, &e->out_list, idx, SK_ILINK_X(out_link));
    return true;
}

void sk_tcb_unmark_output(sk_tcp_env *e, sk_tcb *t)
{
    sk_ilist_remove(e, &e->out_list, sk_tcb_index(e, t), SK_ILINK_X(out_link));
}

/* ---- readiness and events ---- */

uint32_t sk_tcb_readiness(const sk_tcp_env *e, const sk_tcb *t)
{
    uint32_t ev = 0;
    if (t->flags & SK_TF_LISTENER)
        return t->x->lsn->acceptq.len > 0 ? SK_EV_ACCEPT : 0;
    if (t->error != 0)
        ev |= SK_EV_ERROR | SK_EV_READABLE | SK_EV_CLOSED;
    if (sk_ring_len(&t->x->rcvbuf) > 0 || (t->flags & SK_TF_FIN_RCVD))
        ev |= SK_EV_READABLE;
    if (t->flags & SK_TF_FIN_RCVD)
        ev |= SK_EV_HUP;
    switch (t->state) {
    case SK_TCP_ESTABLISHED:
    case SK_TCP_CLOSE_WAIT:
        ev |= SK_EV_CONNECTED;
        if (!(t->flags & SK_TF_FIN_QUEUED) && sk_ring_len(&t->x->sndbuf) < sk_tcb_sndbuf(e, t))
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
    SK_ASSERT(events < 0x100u);
    t->ev_pending = (uint8_t)(t->ev_pending | events); /* SK_EV_* fit in 8 bits */
    uint32_t idx = sk_tcb_index(e, t);
    if (!sk_ilink_on(e, idx, offsetof(sk_tcb, ev_link)))
        sk_ilist_push(e, &e->ev_list, idx, offsetof(sk_tcb, ev_link));
}
