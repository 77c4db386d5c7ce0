/* One line per trace event, for `serve`/`connect --trace` and `demo
 * --trace`: seconds.microseconds since the start, then the event. Every line
 * about a connection names it (local > remote); times are microseconds with
 * their unit; a retransmission says why the stack sent it (the cause the
 * stack reported, sk_rexmit_cause_name), never a guess. */
#include "tool.h"
#include "tool_net.h"
#include "wire/seg_text.h"

#include <string.h>

static void seg_repr(const sk_trace_seg *s, sk_tcp_repr *r)
{
    memset(r, 0, sizeof *r);
    r->src_port = s->src.port;
    r->dst_port = s->dst.port;
    r->seq = sk_seq_make(s->seq);
    r->ack = sk_seq_make(s->ack);
    r->flags = s->flags;
    r->window = s->window;
    r->payload_len = s->len;
    r->gso_size = s->gso_size;
    r->opts.has_mss = s->has_mss;
    r->opts.mss = s->mss;
    r->opts.has_wscale = s->has_wscale;
    r->opts.wscale = s->wscale;
    r->opts.sack_permitted = s->sack_permitted;
    r->opts.has_ts = s->has_ts;
    r->opts.ts_val = s->ts_val;
    r->opts.ts_ecr = s->ts_ecr;
    r->opts.n_sack = s->n_sack > SK_TCP_MAX_SACK ? SK_TCP_MAX_SACK : s->n_sack;
    for (unsigned k = 0; k < r->opts.n_sack; k++) {
        r->opts.sack[k].left = sk_seq_make(s->sack[k][0]);
        r->opts.sack[k].right = sk_seq_make(s->sack[k][1]);
    }
}

static void trace_seg(FILE *f, const sk_trace_event *ev, const char *what)
{
    sk_tcp_repr r;
    seg_repr(ev->seg, &r);
    char from[64], to[64], line[512];
    tool_endpoint_str(&ev->seg->src, from, sizeof from);
    tool_endpoint_str(&ev->seg->dst, to, sizeof to);
    sk_tcp_seg_str(from, to, &r, line, sizeof line);
    if (ev->kind == SK_TRACE_RETRANSMIT)
        fprintf(f, "%s %s cause=%s\n", what, line, sk_rexmit_cause_name(ev->rexmit_cause));
    else
        fprintf(f, "%s %s\n", what, line);
}

/* "10.0.0.1:40000 > 10.0.0.2:5050", or "-" for no connection. */
static const char *conn_str(const sk_trace_event *ev, char *buf, size_t cap)
{
    /* no handle and no ends: no connection; a record (TIME-WAIT,
     * half-open) has its ends and no handle */
    if (ev->sock.idx == 0 && ev->sock.gen == 0 && ev->local.port == 0) {
        snprintf(buf, cap, "-");
        return buf;
    }
    char l[64], r[64];
    snprintf(buf, cap, "%s > %s", tool_endpoint_str(&ev->local, l, sizeof l),
             tool_endpoint_str(&ev->remote, r, sizeof r));
    return buf;
}

void tool_trace_line(FILE *f, sk_time_us t, const sk_trace_event *ev)
{
    char c[140];
    fprintf(f, "%4llu.%06llu ", (unsigned long long)(t / 1000000u), (unsigned long long)(t % 1000000u));
    switch (ev->kind) {
    case SK_TRACE_SEG_IN: trace_seg(f, ev, "in "); break;
    case SK_TRACE_SEG_OUT: trace_seg(f, ev, "out"); break;
    case SK_TRACE_RETRANSMIT: trace_seg(f, ev, "RTX"); break;
    case SK_TRACE_STATE:
        fprintf(f, "state %s %s -> %s\n", conn_str(ev, c, sizeof c), sk_tcp_state_name(ev->old_state),
                sk_tcp_state_name(ev->new_state));
        break;
    case SK_TRACE_TIMER:
        fprintf(f, "timer %s %s fired\n", conn_str(ev, c, sizeof c), sk_timer_name(ev->timer));
        break;
    case SK_TRACE_RTT:
        fprintf(f, "rtt %s sample %u us srtt %u us rttvar %u us rto %u us\n", conn_str(ev, c, sizeof c),
                ev->rtt_us, ev->srtt_us, ev->rttvar_us, ev->rto_us);
        break;
    case SK_TRACE_DROP:
        fprintf(f, "drop %s %s\n", conn_str(ev, c, sizeof c), sk_drop_reason_name(ev->drop_reason));
        break;
    default: fprintf(f, "event %d\n", (int)ev->kind); break;
    }
}
