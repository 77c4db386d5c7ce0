/* TCP segments on their way out: the stateless control segments first,
 * then the connections round robin (sk_tcp_output chooses each segment),
 * each written header, options and payload at the transport offset the
 * interface gives; the interface then writes the IP header and fills the
 * checksum over the pseudo-header of the tuple's family (RFC 9293 §3.1,
 * RFC 8200 §8.1). The stack's output loop only calls in. */
#include "base/skassert.h"
#include "tcp/tcp_conn.h"

#include <string.h>

/* The output path sizes every segment to fit (tcp_output.c's segment
 * budget): a segment over the MTU's room is a bug, asserted and counted,
 * never silent. Header, options and payload at the family's offset;
 * o->out.hdr.payload then views the copy in the frame. With f->gather a
 * connection's payload stays in its send buffer (o->deferred) for the
 * caller to view or copy; the room is checked as if it were copied. */
static void seg_write(sk_tcp_env *e, sk_time now, const sk_tcp_frame *f, sk_tcp_seg *o)
{
    sk_tcp_repr *h = &o->out.hdr;
    int fi = o->tuple->raddr.family == SK_AF_INET6;
    size_t off = f->off[fi], cap = f->cap > off ? f->cap - off : 0;
    size_t thl = sk_tcp_hdr_len(h);
    size_t len = thl + h->payload_len;
    size_t max = h->gso_size > 0 ? f->gso_max[fi] : f->max[fi];
    o->len = 0;
    o->deferred = false;
    if (len > cap || len > max) {
        SK_ASSERT(len <= max);
        sk_tcp_count_drop(e, SK_DROP_TCP_OVER_MTU, NULL, now);
        return;
    }
    uint8_t *seg = f->buf + off;
    size_t plen = h->payload_len;
    h->payload = NULL;
    h->payload_len = 0;
    sk_tcp_emit(h, seg, cap);
    o->deferred = plen > 0 && f->gather && !sk_ctx_tracing(e->ctx);
    if (plen > 0 && !o->deferred)
        sk_ring_peek(&o->t->x->sndbuf, o->out.data_off, seg + thl, plen);
    h->payload_len = plen;
    h->payload = o->deferred ? NULL : seg + thl;
    o->len = len;
}

void sk_tcp_seg_fill_payload(sk_tcp_seg *o, uint8_t *dst)
{
    SK_ASSERT(o->deferred && o->t != NULL);
    sk_tcp_repr *h = &o->out.hdr;
    sk_ring_peek(&o->t->x->sndbuf, o->out.data_off, dst, h->payload_len);
    h->payload = dst;
    o->deferred = false;
}

size_t sk_tcp_seg_spans(const sk_tcp_seg *o, sk_frame_span spans[SK_FRAME_SPANS_MAX])
{
    SK_ASSERT(o->deferred && o->t != NULL);
    const sk_ring *r = &o->t->x->sndbuf;
    size_t want = o->out.hdr.payload_len, off = o->out.data_off, n = 0;
    while (want > 0 && n < SK_FRAME_SPANS_MAX) {
        const uint8_t *p;
        size_t got = sk_ring_span(r, off, &p);
        SK_ASSERT(got > 0); /* the payload lies inside the buffer (build_data) */
        if (got == 0)
            break;
        if (got > want)
            got = want;
        spans[n].data = p;
        spans[n].len = got;
        n++;
        off += got;
        want -= got;
    }
    SK_ASSERT(want == 0); /* a ring wraps once */
    return n;
}

/* The stateless control queue first, then the SYN,ACKs of half-open
 * records (new ones, and those whose timer fired). A SYN,ACK sent again is
 * a retransmission (SK_REXMIT_SYN) as a child's was. */
bool sk_tcp_next_ctl(sk_tcp_env *e, sk_time now, const sk_tcp_frame *f, sk_tcp_seg *o)
{
    sk_ctl_seg c;
    if (e->ctlq_len > 0) {
        c = e->ctlq[e->ctlq_head];
        e->ctlq_head = (e->ctlq_head + 1) % SK_CTLQ_CAP;
        e->ctlq_len--;
    } else if (!sk_ho_next_out(e, now, &c)) {
        return false;
    }
    memset(o, 0, sizeof *o);
    o->tuple_buf = c.tuple;
    o->tuple = &o->tuple_buf;
    sk_tcp_repr *h = &o->out.hdr;
    h->src_port = c.tuple.lport;
    h->dst_port = c.tuple.rport;
    h->seq = c.seq;
    h->ack = c.ack;
    h->flags = c.flags;
    h->window = c.wnd;
    h->opts = c.opts;
    o->out.cause = SK_REXMIT_NONE;
    if (c.cause != SK_REXMIT_NONE && c.cause < SK_REXMIT__COUNT) {
        o->out.retransmit = true;
        o->out.cause = (enum sk_rexmit_cause)c.cause;
        e->ctx->stats.retransmits++;
        e->ctx->stats.retransmits_by_cause[c.cause]++;
    }
    seg_write(e, now, f, o);
    return true;
}

bool sk_tcp_idle_out_push(sk_tcp_env *e, sk_tcb *t)
{
    if (e->idle_out.ent == NULL) {
        e->idle_out.ent = sk_ctx_alloc(e->ctx, sizeof(sk_sock) * e->n_tcbs);
        if (e->idle_out.ent == NULL)
            return false;
        e->idle_out.head = e->idle_out.len = 0;
    }
    /* a connection marked again before its turn waits twice (the second
     * finds nothing to send); full, the caller attaches at once */
    if (e->idle_out.len >= e->n_tcbs)
        return false;
    uint32_t at = e->idle_out.head + e->idle_out.len;
    e->idle_out.ent[at >= e->n_tcbs ? at - e->n_tcbs : at] = sk_tcb_handle(e, t);
    e->idle_out.len++;
    e->idle_out.pushed = true;
    return true;
}

void sk_tcp_idle_out_sweep(sk_tcp_env *e, sk_time now)
{
    if (e->idle_out.ent == NULL || e->idle_out.len > 0)
        return;
    if (e->idle_out.pushed) {
        e->idle_out.pushed = false;
        e->idle_out.empty_at = now;
    } else if (sk_time_due(sk_time_after(e->idle_out.empty_at, SK_BUFCACHE_DECAY_US), now)) {
        sk_tcp_idle_out_free(e);
    }
}

void sk_tcp_idle_out_free(sk_tcp_env *e)
{
    sk_ctx_release(e->ctx, e->idle_out.ent, sizeof(sk_sock) * e->n_tcbs);
    e->idle_out.ent = NULL;
    e->idle_out.head = e->idle_out.len = 0;
    e->idle_out.pushed = false;
}

/* The queue's next connection still open as it was when it waited (not
 * closed or released since), attached and on the output list; NULL when
 * none is left. Without memory what it had to send is lost like a dropped
 * segment: a keepalive probe's next comes an interval later
 * (sk_tcb_keep_probe_lost). */
static sk_tcb *idle_out_next(sk_tcp_env *e, sk_time now)
{
    while (e->idle_out.len > 0) {
        sk_sock h = e->idle_out.ent[e->idle_out.head];
        e->idle_out.len--;
        e->idle_out.head = e->idle_out.len == 0 || e->idle_out.head + 1 == e->n_tcbs ? 0 : e->idle_out.head + 1;
        sk_tcb *t = &e->tcbs[h.idx - 1]; /* sk_tcb_handle: index + 1 */
        if (t->gen != h.gen || t->state == SK_TCP_CLOSED || t->state == SK_TCP_LISTEN)
            continue;
        if (!sk_tcb_ext_attach(e, t)) {
            if (t->flags & SK_TF_KEEP_PROBE)
                sk_tcb_keep_probe_lost(e, t, now);
            sk_tcp_count_drop(e, SK_DROP_TCP_NO_MEMORY, t, now);
            continue;
        }
        sk_tcb_mark_output(e, t);
        return t;
    }
    return NULL;
}

bool sk_tcp_next_conn(sk_tcp_env *e, sk_time now, const sk_tcp_frame *f, sk_tcp_seg *o)
{
    sk_tcb *t = e->out_list.head != SK_TCB_NONE ? &e->tcbs[e->out_list.head] : idle_out_next(e, now);
    if (t == NULL)
        return false;
    SK_ASSERT(sk_tcb_ext_attached(e, t)); /* the list links through it (sk_tcb_mark_output) */
    o->tuple_buf = sk_tcb_tuple(e, t);
    o->tuple = &o->tuple_buf;
    uint32_t room = f->tso_room != NULL ? f->tso_room(f->tso_arg, o->tuple, f->cap, now) : 0;
    bool any = sk_tcp_output(e, t, now, room, &o->out);
    sk_tcb_unmark_output(e, t);
    if (!any) {
        sk_tcb_ext_settle(e, t);
        return false;
    }
    o->t = t;
    seg_write(e, now, f, o);
    /* round robin: the connection goes to the back of the list, unless
     * that was its last segment (a keepalive probe, a pure ACK of an idle
     * connection): it gives its extension back now, not one round of the
     * whole list later, so a burst of probes holds one extension at a time */
    if (sk_tcb_ext_idle(e, t))
        sk_tcb_ext_settle(e, t);
    else
        sk_tcb_mark_output(e, t);
    return true;
}

void sk_tcp_seg_sent(sk_tcp_env *e, sk_time now, const sk_tcp_seg *o)
{
    e->ctx->stats.segs_out++;
    enum sk_trace_kind k = o->out.retransmit ? SK_TRACE_RETRANSMIT : SK_TRACE_SEG_OUT;
    sk_tcp_trace_seg(e, k, o->t, o->tuple, true, &o->out.hdr, now, o->out.cause);
}
