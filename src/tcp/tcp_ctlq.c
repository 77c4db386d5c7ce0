/* The queue of stateless control segments: RSTs and ACKs that belong to
 * no connection, sent by the stack's output before the connections. */
#include "tcp/tcp_conn.h"

#include <string.h>

/* A full queue (a burst to closed ports between two output calls) is a
 * counted drop of the RST we would have sent: the queue is a fixed
 * capacity, and RFC 9293 makes no RST mandatory enough to grow it. */
bool sk_ctl_push(sk_tcp_env *e, const sk_tuple *tu, sk_seq seq, sk_seq ack, uint8_t flags,
                 sk_time now)
{
    return sk_ctl_push_opts(e, tu, seq, ack, flags, 0, NULL, now);
}

bool sk_ctl_push_opts(sk_tcp_env *e, const sk_tuple *tu, sk_seq seq, sk_seq ack, uint8_t flags,
                      uint16_t wnd, const sk_tcp_opts *opts, sk_time now)
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
    c->cause = SK_REXMIT_NONE;
    c->wnd = wnd;
    if (opts != NULL)
        c->opts = *opts;
    else
        memset(&c->opts, 0, sizeof c->opts);
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
    c->opts.has_ts = a->has_ts;
    c->opts.ts_val = a->ts_val;
    c->opts.ts_ecr = a->ts_ecr;
    return true;
}

bool sk_ctl_push_seg(sk_tcp_env *e, const sk_ctl_seg *c, sk_time now)
{
    if (!sk_ctl_push(e, &c->tuple, c->seq, c->ack, c->flags, now))
        return false;
    e->ctlq[(e->ctlq_head + e->ctlq_len - 1) % SK_CTLQ_CAP] = *c;
    return true;
}
