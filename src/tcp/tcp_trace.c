/* TCP's trace glue: events about a connection (its handle and ends filled
 * in), segments in and out, state changes, and drops with a connection. */
#include "tcp/tcp_conn.h"

#include <string.h>

static sk_endpoint endpoint(const sk_ipaddr *a, uint16_t port)
{
    sk_endpoint ep;
    ep.addr = *a;
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
    sk_tuple tu = sk_tcb_tuple(e, t);
    ev->local = endpoint(&tu.laddr, tu.lport);
    ev->remote = endpoint(&tu.raddr, tu.rport);
}

void sk_tcp_count_drop(sk_tcp_env *e, int reason, const sk_tcb *t, sk_time now)
{
    if (!sk_ctx_count_drop(e->ctx, reason) || !sk_ctx_tracing(e->ctx))
        return;
    sk_trace_event ev;
    sk_tcp_trace_init(e, t, SK_TRACE_DROP, now, &ev);
    ev.drop_reason = reason;
    sk_ctx_trace(e->ctx, &ev);
}

void sk_tcp_trace_state(sk_tcp_env *e, sk_tcb *t, enum sk_tcp_state old, sk_time now)
{
    if (!sk_ctx_tracing(e->ctx))
        return;
    sk_trace_event ev;
    sk_tcp_trace_init(e, t, SK_TRACE_STATE, now, &ev);
    ev.old_state = old;
    ev.new_state = t->state;
    sk_ctx_trace(e->ctx, &ev);
}

void sk_tcp_trace_seg(sk_tcp_env *e, enum sk_trace_kind kind, const sk_tcb *t,
                      const sk_tuple *tu, bool outbound, const sk_tcp_repr *seg, sk_time now,
                      enum sk_rexmit_cause cause)
{
    if (!sk_ctx_tracing(e->ctx))
        return;
    sk_trace_seg ts;
    memset(&ts, 0, sizeof ts);
    sk_endpoint local = endpoint(&tu->laddr, tu->lport);
    sk_endpoint remote = endpoint(&tu->raddr, tu->rport);
    ts.src = outbound ? local : remote;
    ts.dst = outbound ? remote : local;
    ts.seq = seg->seq.v;
    ts.ack = seg->ack.v;
    ts.flags = seg->flags;
    ts.window = seg->window;
    ts.len = (uint32_t)seg->payload_len;
    ts.payload = seg->payload;
    ts.gso_size = seg->gso_size;
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
    if (t == NULL) { /* a control segment or a record's: its ends, no handle */
        ev.local = local;
        ev.remote = remote;
    }
    ev.seg = &ts;
    ev.rexmit_cause = cause;
    sk_ctx_trace(e->ctx, &ev);
}
