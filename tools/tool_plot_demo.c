/* `synack demo --plot DIR` and `--html FILE`: what the plots and the page
 * need, collected while the demo runs, through four hooks the simulation
 * calls (tools/tool_demo_sim.c): a segment sent, lost, delivered, and each
 * trace event. Congestion state is each sender's own (sk_tcp_get_info after
 * every segment it sent and every ACK it processed), RTT samples are the
 * stack's (SK_TRACE_RTT), retransmissions and their causes the stack's
 * (SK_TRACE_RETRANSMIT) - nothing is guessed. The narration beside each
 * arrow of the page is the demo's own output, captured while it is printed
 * (see tool_html.c). */
#include "tool.h"
#include "tool_demo.h"
#include "tool_plot.h"
#include "tool_plot_demo.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int demo_plot_open(demo *d)
{
    if (d->o.plot_dir == NULL && d->o.html_path == NULL)
        return 0;
    demo_plot *p = calloc(1, sizeof *p);
    if (p == NULL)
        return SK_ENOMEM;
    plot_conn_init(&p->conn);
    snprintf(p->conn.name[0], sizeof p->conn.name[0], "client 10.0.0.1:%u", DEMO_CLIENT_PORT);
    snprintf(p->conn.name[1], sizeof p->conn.name[1], "server 10.0.0.2:%u", DEMO_SERVER_PORT);
    snprintf(p->conn.source, sizeof p->conn.source, "synack demo, seed %llu", (unsigned long long)d->o.seed);
    if (d->o.html_path != NULL && d->narrate) { /* the narration is printed as usual, and kept for the page */
        p->real_out = d->out;
        p->narr_file = open_memstream(&p->narr, &p->narr_len);
        if (p->narr_file == NULL) {
            free(p);
            return SK_ENOMEM;
        }
        d->out = p->narr_file;
    }
    d->plot = p;
    return 0;
}

static void sample_cc(demo *d, int side, uint64_t now)
{
    demo_side *s = &d->side[side];
    sk_tcp_info info;
    if (!s->has_conn || sk_tcp_get_info(s->stack, s->conn, &info) != 0)
        return;
    plot_cc cc = {.t = now, .cwnd = info.cwnd, .ssthresh = info.ssthresh, .flight = info.unacked};
    cc.dir = (uint8_t)side;
    plot_add_cc(&d->plot->conn, &cc);
}

static void copy_opts(plot_seg *g, const sk_tcp_repr *t)
{
    g->mss = t->opts.has_mss ? t->opts.mss : 0;
    g->wscale = t->opts.has_wscale ? (int8_t)t->opts.wscale : -1;
    g->sack_ok = t->opts.sack_permitted;
    g->has_ts = t->opts.has_ts;
    g->ts_val = t->opts.ts_val;
    g->ts_ecr = t->opts.ts_ecr;
    g->n_sack = t->opts.n_sack > PLOT_MAX_SACK ? PLOT_MAX_SACK : (uint8_t)t->opts.n_sack;
    for (unsigned k = 0; k < g->n_sack; k++) {
        g->sack[k][0] = t->opts.sack[k].left.v;
        g->sack[k][1] = t->opts.sack[k].right.v;
    }
}

void demo_plot_sent(demo *d, const demo_rec *r)
{
    if (d->plot == NULL || r->num != d->plot->conn.n_seg + 1) /* one plot_seg per demo_rec num */
        return;
    plot_seg g;
    memset(&g, 0, sizeof g);
    g.t = r->t_sent;
    g.dir = (uint8_t)r->from;
    g.seq = r->tcp.seq.v;
    g.ack = r->tcp.ack.v;
    g.len = (uint32_t)r->tcp.payload_len;
    g.flags = r->tcp.flags;
    g.win = r->tcp.window;
    copy_opts(&g, &r->tcp);
    g.rexmit = r->rexmit;
    g.cause = r->rexmit ? sk_rexmit_cause_name(r->rexmit_cause) : NULL;
    if (plot_add_seg(&d->plot->conn, &g) == NULL)
        return;
    demo_plot *p = d->plot;
    if (r->num > p->cap_state) { /* the sender's state once it sent it */
        size_t nc = p->cap_state == 0 ? 256 : p->cap_state * 2;
        uint8_t *a = realloc(p->snd_state, nc);
        if (a == NULL) {
            p->conn.oom = true;
            return;
        }
        p->snd_state = a;
        p->cap_state = nc;
    }
    p->snd_state[r->num - 1] = (uint8_t)r->snd_state;
    sample_cc(d, r->from, r->t_sent);
}

static plot_seg *seg_of(demo *d, const demo_rec *r)
{
    if (d->plot == NULL || r == NULL || r->num == 0 || r->num > d->plot->conn.n_seg)
        return NULL;
    return &d->plot->conn.seg[r->num - 1];
}

void demo_plot_lost(demo *d, const demo_rec *r)
{
    plot_seg *g = seg_of(d, r);
    if (g != NULL && g->t_recv == 0)
        g->t_recv = PLOT_NEVER;
}

void demo_plot_delivered(demo *d, const demo_rec *r, int to, uint64_t now)
{
    plot_seg *g = seg_of(d, r);
    if (g == NULL)
        return;
    if (g->t_recv == 0 || g->t_recv == PLOT_NEVER) /* a duplicate keeps the first delivery */
        g->t_recv = now;
    sample_cc(d, to, now);
}

static void add_state(demo_plot *p, uint64_t t, uint32_t next, int side, enum sk_tcp_state st)
{
    if (p->n_states == DEMO_PLOT_MAX_STATES)
        return;
    p->states[p->n_states++] = (demo_plot_state){t, next, (uint8_t)side, (uint8_t)st};
}

void demo_plot_trace(demo *d, int side, const sk_trace_event *ev)
{
    demo_plot *p = d->plot;
    if (p == NULL)
        return;
    if (ev->kind == SK_TRACE_RTT) {
        plot_rtt r = {.t = ev->now, .rtt_us = ev->rtt_us, .srtt_us = ev->srtt_us, .rto_us = ev->rto_us};
        r.dir = (uint8_t)side;
        plot_add_rtt(&p->conn, &r);
    } else if (ev->kind == SK_TRACE_STATE) {
        const demo_side *s = &d->side[side];
        bool listener = side == DEMO_SERVER && ev->sock.idx == s->listener.idx && ev->sock.gen == s->listener.gen;
        if (!listener)
            add_state(p, ev->now, d->next_num + 1, side, ev->new_state);
    }
}

/* Window scaling (RFC 7323 §2.2): in effect when both SYNs carried the
 * option; each side's windows outside SYNs are shifted by its own count. */
static void scale_windows(plot_conn *c)
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

/* After the run: write the plots and the page; 0, or 1 after an error line. */
int demo_plot_finish(demo *d)
{
    demo_plot *p = d->plot;
    if (p == NULL)
        return 0;
    int status = 0;
    if (p->narr_file != NULL) {
        fclose(p->narr_file);
        p->narr_file = NULL;
        d->out = p->real_out;
        if (p->narr != NULL)
            fwrite(p->narr, 1, p->narr_len, d->out);
    }
    scale_windows(&p->conn);
    if (p->conn.oom) {
        tool_error("demo", "out of memory collecting the plots");
        return 1;
    }
    const char *what = NULL;
    if (d->o.plot_dir != NULL && plot_write_dir(&p->conn, d->o.plot_dir, &what) != 0) {
        tool_error("demo", "--plot: cannot write %s in '%s': %s", what, d->o.plot_dir, strerror(errno));
        status = 1;
    }
    if (d->o.html_path != NULL && demo_html_write(d, p) != 0) {
        tool_error("demo", "--html: cannot write '%s': %s", d->o.html_path, strerror(errno));
        status = 1;
    }
    return status;
}

void demo_plot_free(demo *d)
{
    demo_plot *p = d->plot;
    if (p == NULL)
        return;
    if (p->narr_file != NULL) {
        fclose(p->narr_file);
        d->out = p->real_out;
    }
    free(p->narr);
    free(p->snd_state);
    plot_conn_free(&p->conn);
    free(p);
    d->plot = NULL;
}
