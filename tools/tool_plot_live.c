/* `synack serve --plot DIR` and `connect --plot DIR`: the plots of a live
 * connection, from the stack's trace events (tools/tool_net.c calls
 * plot_live_event for each). Segments sent (SEG_OUT, RETRANSMIT with the
 * stack's cause) and received (SEG_IN) become the time-sequence graph; a
 * super-segment (TSO/GRO, gso_size) is drawn as the wire segments it
 * stands for; the sender's cwnd, ssthresh and flight are read with
 * sk_tcp_get_info (a pure read) at each of those events; SK_TRACE_RTT gives
 * the RTT samples with SRTT and RTO. Up to PLIVE_CONNS connections are
 * followed (the first ones seen); at the end the one that carried the most
 * data is plotted. Memory is bounded: PLIVE_MAX_SEGS segments per
 * connection, then the plot's subtitle says it was cut. */
#include "tool.h"
#include "tool_net.h"
#include "tool_plot.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PLIVE_CONNS 16
#define PLIVE_MAX_SEGS 400000u

typedef struct {
    sk_sock sock;
    plot_conn c; /* dir 0: sent by this stack, dir 1: received */
    bool cut;
} plive_conn;

struct plot_live {
    plive_conn conn[PLIVE_CONNS];
    unsigned n;
    sk_time_us start;
};

plot_live *plot_live_new(sk_time_us start)
{
    plot_live *pl = calloc(1, sizeof *pl);
    if (pl != NULL)
        pl->start = start;
    return pl;
}

void plot_live_free(plot_live *pl)
{
    if (pl == NULL)
        return;
    for (unsigned i = 0; i < pl->n; i++)
        plot_conn_free(&pl->conn[i].c);
    free(pl);
}

static bool same_ends(const plive_conn *pc, const sk_trace_event *ev)
{
    char l[64], r[64];
    tool_endpoint_str(&ev->local, l, sizeof l);
    tool_endpoint_str(&ev->remote, r, sizeof r);
    return strcmp(pc->c.name[0], l) == 0 && strcmp(pc->c.name[1], r) == 0;
}

/* A half-open connection is a record with no handle (src/tcp/tcp_halfopen.c):
 * its SYN,ACKs start an entry followed by its ends, the segments that
 * reach the record (the final ACK among them) join it, and the connection
 * the final ACK makes takes it over with its handle. Other events without
 * a handle (control segments) start nothing. */
static plive_conn *find(plot_live *pl, const sk_trace_event *ev)
{
    bool handle = ev->sock.idx != 0 || ev->sock.gen != 0;
    bool synack_out = ev->kind != SK_TRACE_SEG_IN && ev->seg != NULL &&
                      (ev->seg->flags & (PLOT_SYN | PLOT_ACK)) == (PLOT_SYN | PLOT_ACK);
    if (!handle && ev->local.port == 0)
        return NULL;
    for (unsigned i = 0; handle && i < pl->n; i++)
        if (pl->conn[i].sock.idx == ev->sock.idx && pl->conn[i].sock.gen == ev->sock.gen)
            return &pl->conn[i];
    for (unsigned i = 0; i < pl->n; i++) {
        plive_conn *pc = &pl->conn[i];
        if (pc->sock.idx == 0 && pc->sock.gen == 0 && same_ends(pc, ev)) {
            pc->sock = ev->sock;
            return pc;
        }
    }
    if (pl->n == PLIVE_CONNS || (!handle && !synack_out))
        return NULL;
    plive_conn *pc = &pl->conn[pl->n++];
    pc->sock = ev->sock;
    plot_conn_init(&pc->c);
    tool_endpoint_str(&ev->local, pc->c.name[0], sizeof pc->c.name[0]);
    tool_endpoint_str(&ev->remote, pc->c.name[1], sizeof pc->c.name[1]);
    return pc;
}

static void add_segs(plive_conn *pc, const sk_trace_event *ev, uint64_t t, int dir)
{
    const sk_trace_seg *s = ev->seg;
    plot_seg g;
    memset(&g, 0, sizeof g);
    g.t = t;
    g.dir = (uint8_t)dir;
    g.ack = s->ack;
    g.flags = s->flags;
    g.win = s->window;
    g.mss = s->has_mss ? s->mss : 0;
    g.wscale = s->has_wscale ? (int8_t)s->wscale : -1;
    g.sack_ok = s->sack_permitted;
    g.has_ts = s->has_ts;
    g.ts_val = s->ts_val;
    g.ts_ecr = s->ts_ecr;
    g.n_sack = s->n_sack > PLOT_MAX_SACK ? PLOT_MAX_SACK : s->n_sack;
    memcpy(g.sack, s->sack, sizeof g.sack[0] * g.n_sack);
    g.rexmit = ev->kind == SK_TRACE_RETRANSMIT;
    g.cause = g.rexmit ? sk_rexmit_cause_name(ev->rexmit_cause) : NULL;
    uint32_t piece = s->gso_size != 0 ? s->gso_size : (s->len > 0 ? s->len : 1);
    uint32_t off = 0;
    do {
        if (pc->c.n_seg >= PLIVE_MAX_SEGS) {
            pc->cut = true;
            return;
        }
        g.seq = s->seq + off;
        g.len = s->len - off < piece ? s->len - off : piece;
        plot_add_seg(&pc->c, &g);
        off += g.len;
    } while (off < s->len);
}

void plot_live_event(plot_live *pl, const sk_stack *stack, const sk_trace_event *ev)
{
    if (pl == NULL)
        return;
    plive_conn *pc = find(pl, ev);
    if (pc == NULL)
        return;
    uint64_t t = ev->now - pl->start;
    if (ev->kind == SK_TRACE_RTT) {
        plot_rtt r = {.t = t, .rtt_us = ev->rtt_us, .srtt_us = ev->srtt_us, .rto_us = ev->rto_us, .dir = 0};
        plot_add_rtt(&pc->c, &r);
        return;
    }
    if (ev->seg == NULL ||
        (ev->kind != SK_TRACE_SEG_OUT && ev->kind != SK_TRACE_RETRANSMIT && ev->kind != SK_TRACE_SEG_IN))
        return;
    add_segs(pc, ev, t, ev->kind == SK_TRACE_SEG_IN ? 1 : 0);
    sk_tcp_info info;
    if (sk_tcp_get_info(stack, ev->sock, &info) == 0) {
        plot_cc cc = {.t = t, .cwnd = info.cwnd, .ssthresh = info.ssthresh, .flight = info.unacked, .dir = 0};
        plot_add_cc(&pc->c, &cc);
    }
}

/* Window scaling as negotiated in the SYNs (RFC 7323 §2.2). */
static void scale(plot_conn *c)
{
    int ws[2] = {-1, -1};
    for (size_t i = 0; i < c->n_seg; i++)
        if ((c->seg[i].flags & PLOT_SYN) && ws[c->seg[i].dir] < 0)
            ws[c->seg[i].dir] = c->seg[i].wscale;
    if (ws[0] < 0 || ws[1] < 0)
        return;
    for (size_t i = 0; i < c->n_seg; i++)
        if (!(c->seg[i].flags & PLOT_SYN))
            c->seg[i].win <<= ws[c->seg[i].dir];
}

int plot_live_write(plot_live *pl, const char *dir, const char *cmd, FILE *log)
{
    plive_conn *best = NULL;
    uint64_t best_bytes = 0;
    for (unsigned i = 0; pl != NULL && i < pl->n; i++) {
        uint64_t b = 0;
        for (size_t k = 0; k < pl->conn[i].c.n_seg; k++)
            b += pl->conn[i].c.seg[k].len;
        if (best == NULL || b > best_bytes) {
            best = &pl->conn[i];
            best_bytes = b;
        }
    }
    if (best == NULL) {
        tool_error(cmd, "--plot: no TCP connection to plot");
        return -1;
    }
    snprintf(best->c.source, sizeof best->c.source, "synack %s, live%s", cmd,
             best->cut ? ", first segments only" : "");
    scale(&best->c);
    const char *what = NULL;
    if (best->c.oom || plot_write_dir(&best->c, dir, &what) != 0) {
        tool_error(cmd, "--plot: cannot write %s in '%s': %s", best->c.oom ? "the plots" : what, dir,
                   best->c.oom ? "out of memory" : strerror(errno));
        return -1;
    }
    fprintf(log, "plot: %s -> %s (%zu segments) in %s/\n", best->c.name[0], best->c.name[1], best->c.n_seg, dir);
    return 0;
}
