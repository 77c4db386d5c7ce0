/* What a capture alone tells about one of its connections (the second half
 * of tools/tool_plot_tcp.c): who the client is, the real windows, which
 * segments are retransmissions, RTT samples, SRTT/RTO and flight size.
 * Everything is inferred from the segments as they passed the capture
 * point; the plots say so. */
#include "tool_plot.h"

#include <stdlib.h>
#include <string.h>

#define RTO_MIN_US 1000000u /* RFC 6298 §2.4 */
#define RTO_MAX_US 60000000u /* RFC 6298 §2.5 allows a maximum; 60 s */

static bool seq_lt(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}

/* A segment not yet acknowledged, for Karn's rule. */
typedef struct {
    uint32_t seq, end;
    uint64_t t;
    bool ambiguous; /* its range was sent again: no RTT sample from it */
} infl;

typedef struct {
    infl *q;
    size_t head, n, cap;
    bool have_max, have_ack;
    uint32_t snd_max, max_ack;
    uint32_t srtt, rttvar; /* µs; srtt 0: no sample yet */
    uint8_t shift;         /* window scale this side announced, applied when both did */
} side_st;

static bool q_push(side_st *s, const infl *e)
{
    if (s->head > 0 && s->head == s->n) {
        s->head = 0;
        s->n = 0;
    }
    if (s->n == s->cap) {
        size_t nc = s->cap == 0 ? 256 : s->cap * 2;
        infl *a = realloc(s->q, nc * sizeof *a);
        if (a == NULL)
            return false;
        s->q = a;
        s->cap = nc;
    }
    s->q[s->n++] = *e;
    return true;
}

/* RFC 6298 §2.2-2.4 with one new measurement r. */
static void rtt_update(side_st *s, uint32_t r, plot_rtt *out)
{
    if (s->srtt == 0) {
        s->srtt = r > 0 ? r : 1;
        s->rttvar = r / 2;
    } else {
        uint32_t diff = s->srtt > r ? s->srtt - r : r - s->srtt;
        s->rttvar = (3 * s->rttvar + diff) / 4;
        s->srtt = (7 * s->srtt + r) / 8;
    }
    uint64_t rto = (uint64_t)s->srtt + 4ull * s->rttvar;
    out->rtt_us = r;
    out->srtt_us = s->srtt;
    out->rto_us = (uint32_t)(rto < RTO_MIN_US ? RTO_MIN_US : rto > RTO_MAX_US ? RTO_MAX_US : rto);
}

/* Segment g from side d, occupying [g->seq, end): a retransmission when it
 * starts below the highest byte already sent. */
static bool note_sent(side_st *s, plot_seg *g, uint32_t end)
{
    if (end == g->seq)
        return true;
    if (s->have_max && seq_lt(g->seq, s->snd_max)) {
        g->rexmit = true;
        for (size_t i = s->head; i < s->n; i++)
            if (seq_lt(s->q[i].seq, end) && seq_lt(g->seq, s->q[i].end))
                s->q[i].ambiguous = true;
    }
    if (!s->have_max || seq_lt(s->snd_max, end)) {
        if (!g->rexmit || !s->have_max) {
            infl e = {g->seq, end, g->t, false};
            if (!q_push(s, &e))
                return false;
        }
        s->snd_max = end;
        s->have_max = true;
    }
    return true;
}

/* An ACK from the other side for side s's bytes: pops what it covers; an
 * RTT sample from the newest covered segment unless it was ambiguous. */
static void note_ack(plot_conn *c, side_st *s, int d, const plot_seg *g)
{
    if (s->have_ack && !seq_lt(s->max_ack, g->ack))
        return;
    s->max_ack = g->ack;
    s->have_ack = true;
    const infl *last = NULL;
    while (s->head < s->n && !seq_lt(g->ack, s->q[s->head].end))
        last = &s->q[s->head++];
    if (last != NULL && !last->ambiguous && g->t >= last->t) {
        plot_rtt r = {.t = g->t, .dir = (uint8_t)d};
        rtt_update(s, (uint32_t)(g->t - last->t), &r);
        plot_add_rtt(c, &r);
    }
}

static void add_flight(plot_conn *c, const side_st *s, int d, uint64_t t)
{
    if (!s->have_max)
        return;
    plot_cc cc = {.t = t, .dir = (uint8_t)d};
    cc.flight = s->have_ack && seq_lt(s->max_ack, s->snd_max) ? s->snd_max - s->max_ack : 0;
    plot_add_cc(c, &cc);
}

/* Window scaling is in effect when both SYNs carried the option (RFC 7323
 * §2.2); then each side's windows, except in SYNs, are shifted by the
 * count that side announced. */
static void scale_windows(plot_conn *c, side_st st[2])
{
    int8_t ws[2] = {-1, -1};
    for (size_t i = 0; i < c->n_seg; i++)
        if ((c->seg[i].flags & PLOT_SYN) && ws[c->seg[i].dir] < 0)
            ws[c->seg[i].dir] = c->seg[i].wscale;
    for (int d = 0; d < 2; d++)
        st[d].shift = ws[0] >= 0 && ws[1] >= 0 ? (uint8_t)ws[d] : 0;
    for (size_t i = 0; i < c->n_seg; i++)
        if (!(c->seg[i].flags & PLOT_SYN))
            c->seg[i].win <<= st[c->seg[i].dir].shift;
}

static int infer(plot_conn *c)
{
    side_st st[2];
    memset(st, 0, sizeof st);
    scale_windows(c, st);
    int rc = 0;
    for (size_t i = 0; i < c->n_seg && rc == 0; i++) {
        plot_seg *g = &c->seg[i];
        int d = g->dir;
        uint32_t end = g->seq + g->len + ((g->flags & PLOT_SYN) ? 1u : 0u) + ((g->flags & PLOT_FIN) ? 1u : 0u);
        if (!note_sent(&st[d], g, end))
            rc = -1;
        if (g->flags & PLOT_ACK)
            note_ack(c, &st[1 - d], 1 - d, g);
        add_flight(c, &st[d], d, g->t);
        if (g->flags & PLOT_ACK)
            add_flight(c, &st[1 - d], 1 - d, g->t);
    }
    free(st[0].q);
    free(st[1].q);
    return rc != 0 || c->oom ? -1 : 0;
}

/* The interface to draw from: `want`, or the one with most segments. */
static int vantage(const plot_conn *raw, int want, int *used)
{
    size_t count[256];
    memset(count, 0, sizeof count);
    int n_if = 0, best = 0;
    for (size_t i = 0; i < raw->n_seg; i++)
        n_if += count[raw->seg[i].iface]++ == 0;
    for (int k = 1; k < 256; k++)
        best = count[k] > count[best] ? k : best;
    *used = n_if > 1 || want >= 0 ? (want >= 0 ? want : best) : -1;
    return want >= 0 ? (want < 256 && count[want] > 0 ? want : -1) : best;
}

int plot_capture_conn(const plot_capture *pc, int idx, int iface, plot_conn *out, const char *source, int *used)
{
    const plot_conn *raw;
    char name[2][64];
    plot_conn_init(out);
    *used = -1;
    if (plot_capture_raw(pc, idx, &raw, name) != 0)
        return -1;
    int from = vantage(raw, iface, used);
    if (from < 0)
        return -1;
    /* the client is the side whose SYN carried no ACK */
    int client = 0;
    for (size_t i = 0; i < raw->n_seg; i++) {
        if (raw->seg[i].iface == from && (raw->seg[i].flags & (PLOT_SYN | PLOT_ACK)) == PLOT_SYN) {
            client = raw->seg[i].dir;
            break;
        }
    }
    for (size_t i = 0; i < raw->n_seg; i++) {
        plot_seg s = raw->seg[i];
        if (s.iface != from)
            continue;
        s.dir = (uint8_t)(s.dir ^ client);
        if (plot_add_seg(out, &s) == NULL)
            return -1;
    }
    snprintf(out->name[0], sizeof out->name[0], "%s", name[client]);
    snprintf(out->name[1], sizeof out->name[1], "%s", name[1 - client]);
    snprintf(out->source, sizeof out->source, "%s", source);
    out->inferred = true;
    return infer(out);
}
