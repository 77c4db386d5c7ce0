/* The queue of stateless control segments: RSTs and ACKs that belong to
 * no connection, sent by the stack's output before the connections. */
#include "tcp/tcp_conn.h"

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
    c->has_ts = false;
    c->wnd = 0;
    e->ctlq_len++;
    return true;
}

bool sk_ctl_push_ack(sk_tcp_env *e, const sk_tuple *tu, sk_seq seq, sk_seq ack,
                     const sk_ctl_ack *a, sk_time now)
{
    if (!sk_ctl_push(e, tu, seq, ack, SK_TCP_ACK, now))
        return false;
    sk_ctl_seg *c = &e->ctlq[(e->ctlq_head + e->ctlq_len - 1) % SK_CTLQ_CAP];
    c->wnd = a->wnd;
    c->has_ts = a->has_ts;
    c->ts_val = a->ts_val;
    c->ts_ecr = a->ts_ecr;
    return true;
}
