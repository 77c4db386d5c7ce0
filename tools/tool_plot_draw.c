/* The three plots of a connection (tools/tool_plot.h) and the model's
 * arrays. The time-sequence graph follows tcptrace and Stevens (TCP/IP
 * Illustrated vol. 1): the data sender's segments as vertical bars from seq
 * to seq+len at their send time, the receiver's cumulative ACK as a step
 * line at the time the sender got it, the advertised window's right edge
 * (ACK + window, RFC 9293 §3.8.6) as a second step line, SACK blocks
 * (RFC 2018) as short bars, retransmissions in red with a ring, segments
 * lost on the link dashed with a cross. */
#include "tool_plot.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- the model ---- */

void plot_conn_init(plot_conn *c)
{
    memset(c, 0, sizeof *c);
}

void plot_conn_free(plot_conn *c)
{
    free(c->seg);
    free(c->cc);
    free(c->rtt);
    memset(c, 0, sizeof *c);
}

static void *grow(void *arr, size_t *cap, size_t n, size_t size, bool *oom)
{
    if (n < *cap)
        return arr;
    size_t nc = *cap == 0 ? 64 : *cap * 2;
    void *p = realloc(arr, nc * size);
    if (p == NULL) {
        *oom = true;
        return NULL;
    }
    *cap = nc;
    return p;
}

plot_seg *plot_add_seg(plot_conn *c, const plot_seg *s)
{
    plot_seg *a = grow(c->seg, &c->cap_seg, c->n_seg, sizeof *a, &c->oom);
    if (a == NULL)
        return NULL;
    c->seg = a;
    a[c->n_seg] = *s;
    return &a[c->n_seg++];
}

void plot_add_cc(plot_conn *c, const plot_cc *s)
{
    plot_cc *a = grow(c->cc, &c->cap_cc, c->n_cc, sizeof *a, &c->oom);
    if (a == NULL)
        return;
    c->cc = a;
    a[c->n_cc++] = *s;
}

void plot_add_rtt(plot_conn *c, const plot_rtt *s)
{
    plot_rtt *a = grow(c->rtt, &c->cap_rtt, c->n_rtt, sizeof *a, &c->oom);
    if (a == NULL)
        return;
    c->rtt = a;
    a[c->n_rtt++] = *s;
}

int plot_data_dir(const plot_conn *c)
{
    uint64_t bytes[2] = {0, 0};
    for (size_t i = 0; i < c->n_seg; i++)
        bytes[c->seg[i].dir & 1] += c->seg[i].len;
    return bytes[1] > bytes[0] ? 1 : 0;
}

uint32_t plot_base_seq(const plot_conn *c, int dir)
{
    bool have = false;
    uint32_t lo = 0;
    for (size_t i = 0; i < c->n_seg; i++) {
        const plot_seg *s = &c->seg[i];
        if (s->dir != dir)
            continue;
        if (s->flags & PLOT_SYN)
            return s->seq;
        if (!have || (int32_t)(s->seq - lo) < 0)
            lo = s->seq;
        have = true;
    }
    return lo;
}

/* ---- time axis ---- */

typedef struct {
    uint64_t t0;
    double div; /* µs per unit */
    const char *label;
} time_axis;

static time_axis time_axis_of(const plot_conn *c)
{
    time_axis ta = {0, 1000.0, "time (ms)"};
    uint64_t lo = UINT64_MAX, hi = 0;
    for (size_t i = 0; i < c->n_seg; i++) {
        lo = c->seg[i].t < lo ? c->seg[i].t : lo;
        hi = c->seg[i].t > hi ? c->seg[i].t : hi;
    }
    if (lo == UINT64_MAX)
        lo = hi = 0;
    ta.t0 = lo;
    if (hi - lo > 10000000u) {
        ta.div = 1e6;
        ta.label = "time (s)";
    }
    return ta;
}

static double tx(const time_axis *ta, uint64_t t)
{
    return (double)(t - ta->t0) / ta->div;
}

static double time_span(const plot_conn *c, const time_axis *ta)
{
    double hi = 0;
    for (size_t i = 0; i < c->n_seg; i++) {
        double x = tx(ta, c->seg[i].t);
        hi = x > hi ? x : hi;
    }
    return hi;
}

static void subtitle(const plot_conn *c, int dir, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s → %s   (%s)", c->name[dir], c->name[1 - dir], c->source);
}

/* ---- time-sequence graph ---- */

/* When the data sender learnt of an ACK: its arrival when known. */
static uint64_t ack_time(const plot_seg *s)
{
    return s->t_recv != 0 && s->t_recv != PLOT_NEVER ? s->t_recv : s->t;
}

static double rel(uint32_t v, uint32_t base)
{
    return (double)(uint32_t)(v - base);
}

/* The data and ACKs fill the frame; the window's edge is shown when it is
 * near them (a far edge would flatten the data into a line: clipped). */
static double tseq_ymax(const plot_conn *c, int dir, uint32_t base)
{
    double hi = 1, wmax = 0;
    for (size_t i = 0; i < c->n_seg; i++) {
        const plot_seg *s = &c->seg[i];
        double y = s->dir == dir ? rel(s->seq, base) + s->len : (s->flags & PLOT_ACK ? rel(s->ack, base) : 0);
        double w = s->dir != dir && (s->flags & PLOT_ACK) ? rel(s->ack, base) + s->win : 0;
        hi = y > hi ? y : hi;
        wmax = w > wmax ? w : wmax;
    }
    return (wmax <= 2 * hi && wmax > hi ? wmax : hi) * 1.05;
}

static void draw_bar(plot_svg *p, const time_axis *ta, const plot_seg *s, uint32_t base)
{
    double x = plot_svg_x(p, tx(ta, s->t));
    double y0 = plot_svg_y(p, rel(s->seq, base)), y1 = plot_svg_y(p, rel(s->seq, base) + s->len);
    bool lost = s->t_recv == PLOT_NEVER;
    fprintf(p->f, "<line class=\"seg%s%s\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n",
            s->rexmit ? " rexmit" : "", lost ? " lost" : "", x, y0, x, y1 - (y0 - y1 < 2 ? 1 : 0));
    if (s->rexmit)
        fprintf(p->f, "<circle class=\"rexmit-mark\" cx=\"%.1f\" cy=\"%.1f\" r=\"4\"/>\n", x, y1 - 5);
    if (lost)
        fprintf(p->f, "<path class=\"lost-mark\" d=\"M%.1f %.1fl8 8m0 -8l-8 8\"/>\n", x - 4, y1 - 14);
}

static void draw_acks(plot_svg *p, const plot_conn *c, const time_axis *ta, int dir, uint32_t base)
{
    plot_line ack, win;
    plot_line_begin(&ack, p, "ack", true);
    for (size_t i = 0; i < c->n_seg; i++) {
        const plot_seg *s = &c->seg[i];
        if (s->dir != dir && (s->flags & PLOT_ACK) && s->t_recv != PLOT_NEVER)
            plot_line_point(&ack, tx(ta, ack_time(s)), rel(s->ack, base));
    }
    plot_line_end(&ack);
    plot_line_begin(&win, p, "win", true);
    for (size_t i = 0; i < c->n_seg; i++) {
        const plot_seg *s = &c->seg[i];
        if (s->dir != dir && (s->flags & PLOT_ACK) && s->t_recv != PLOT_NEVER)
            plot_line_point(&win, tx(ta, ack_time(s)), rel(s->ack, base) + s->win);
    }
    plot_line_end(&win);
    for (size_t i = 0; i < c->n_seg; i++) {
        const plot_seg *s = &c->seg[i];
        if (s->dir == dir || s->t_recv == PLOT_NEVER)
            continue;
        double x = plot_svg_x(p, tx(ta, ack_time(s)));
        for (unsigned k = 0; k < s->n_sack; k++)
            fprintf(p->f, "<line class=\"sack\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x,
                    plot_svg_y(p, rel(s->sack[k][0], base)), x, plot_svg_y(p, rel(s->sack[k][1], base)));
    }
}

void plot_draw_tseq(FILE *f, const plot_conn *c, int dir)
{
    time_axis ta = time_axis_of(c);
    uint32_t base = plot_base_seq(c, dir);
    char sub[256];
    subtitle(c, dir, sub, sizeof sub);
    plot_svg p;
    plot_svg_begin(&p, f, "time-sequence graph", sub, ta.label, "sequence number (bytes, relative to the ISN)",
                   0, time_span(c, &ta) * 1.02, 0, tseq_ymax(c, dir, base));
    for (size_t i = 0; i < c->n_seg; i++) {
        const plot_seg *s = &c->seg[i];
        if (s->dir == dir && s->len > 0)
            draw_bar(&p, &ta, s, base);
    }
    draw_acks(&p, c, &ta, dir, base);
    plot_svg_legend(&p, "seg", "data segment", false);
    plot_svg_legend(&p, "seg rexmit", "retransmission", false);
    plot_svg_legend(&p, "seg lost", "lost on the link", false);
    plot_svg_legend(&p, "ack", "ACK", false);
    plot_svg_legend(&p, "win", "ACK + window", false);
    plot_svg_legend(&p, "sack", "SACK block", false);
    plot_svg_end(&p);
}

/* ---- cwnd / ssthresh / flight ---- */

static bool has_samples(const plot_conn *c, int dir, bool rtt)
{
    size_t n = rtt ? c->n_rtt : c->n_cc;
    for (size_t i = 0; i < n; i++)
        if ((rtt ? c->rtt[i].dir : c->cc[i].dir) == dir)
            return true;
    return false;
}

/* A live connection whose data came from the peer: its sender's state is
 * the peer's, not known here. */
static void no_samples_note(plot_svg *p)
{
    fprintf(p->f, "<text class=\"note\" x=\"%d\" y=\"%d\">no samples: this direction's sender is the peer, "
                  "whose state synack cannot see</text>\n",
            p->ml + 10, p->mt + 14);
}

static double cc_ymax(const plot_conn *c, int dir)
{
    double hi = 1;
    for (size_t i = 0; i < c->n_cc; i++) {
        const plot_cc *s = &c->cc[i];
        if (s->dir != dir)
            continue;
        hi = s->cwnd > hi ? s->cwnd : hi;
        hi = s->flight > hi ? s->flight : hi;
        if (s->ssthresh < PLOT_SSTHRESH_INF)
            hi = s->ssthresh > hi ? s->ssthresh : hi;
    }
    return hi * 1.1;
}

static void cc_line(plot_svg *p, const plot_conn *c, const time_axis *ta, int dir, const char *cls, int which)
{
    plot_line l;
    plot_line_begin(&l, p, cls, true);
    for (size_t i = 0; i < c->n_cc; i++) {
        const plot_cc *s = &c->cc[i];
        uint32_t v = which == 0 ? s->cwnd : which == 1 ? s->ssthresh : s->flight;
        if (s->dir != dir || (which == 1 && v >= PLOT_SSTHRESH_INF))
            continue;
        plot_line_point(&l, tx(ta, s->t), v);
    }
    plot_line_end(&l);
}

void plot_draw_cwnd(FILE *f, const plot_conn *c, int dir)
{
    time_axis ta = time_axis_of(c);
    char sub[256];
    subtitle(c, dir, sub, sizeof sub);
    plot_svg p;
    plot_svg_begin(&p, f, c->inferred ? "flight size (inferred from the capture)" : "cwnd, ssthresh and flight size",
                   sub, ta.label, "bytes", 0, time_span(c, &ta) * 1.02, 0, cc_ymax(c, dir));
    if (!c->inferred) {
        cc_line(&p, c, &ta, dir, "cwnd", 0);
        cc_line(&p, c, &ta, dir, "ssthresh", 1);
    }
    cc_line(&p, c, &ta, dir, "flight", 2);
    if (c->inferred)
        fprintf(f, "<text class=\"note\" x=\"%d\" y=\"%d\">inferred: flight = highest byte sent − highest "
                   "ACK seen; cwnd and ssthresh are not on the wire</text>\n",
                p.ml + 10, p.mt + 14);
    else if (!has_samples(c, dir, false))
        no_samples_note(&p);
    if (!c->inferred) {
        plot_svg_legend(&p, "cwnd", "cwnd", false);
        plot_svg_legend(&p, "ssthresh", "ssthresh", false);
    }
    plot_svg_legend(&p, "flight", c->inferred ? "flight (inferred)" : "flight size", false);
    plot_svg_end(&p);
}

/* ---- RTT ---- */

/* The samples fill the frame; the RTO line is shown when it is near them
 * (a 1 s floor over 10 ms samples is clipped, and its value noted). */
static double rtt_ymax(const plot_conn *c, int dir, uint32_t *rto_max)
{
    double hi = 1;
    *rto_max = 0;
    for (size_t i = 0; i < c->n_rtt; i++) {
        const plot_rtt *s = &c->rtt[i];
        if (s->dir != dir)
            continue;
        uint32_t m = s->srtt_us > s->rtt_us ? s->srtt_us : s->rtt_us;
        hi = m / 1000.0 > hi ? m / 1000.0 : hi;
        *rto_max = s->rto_us > *rto_max ? s->rto_us : *rto_max;
    }
    if (*rto_max / 1000.0 <= 3 * hi) {
        hi = *rto_max / 1000.0 > hi ? *rto_max / 1000.0 : hi;
        *rto_max = 0;
    }
    return hi * 1.1;
}

void plot_draw_rtt(FILE *f, const plot_conn *c, int dir)
{
    time_axis ta = time_axis_of(c);
    uint32_t rto_off = 0;
    double hi = rtt_ymax(c, dir, &rto_off);
    char sub[256];
    subtitle(c, dir, sub, sizeof sub);
    plot_svg p;
    plot_svg_begin(&p, f, c->inferred ? "RTT samples (inferred, Karn), SRTT and RTO (RFC 6298)"
                                      : "RTT samples, SRTT and RTO (the sender's, RFC 6298)",
                   sub, ta.label, "milliseconds", 0, time_span(c, &ta) * 1.02, 0, hi);
    if (rto_off != 0)
        fprintf(f, "<text class=\"note\" x=\"%d\" y=\"%d\">RTO above the frame, up to %.1f ms</text>\n",
                p.ml + 10, p.mt + 14, rto_off / 1000.0);
    for (size_t i = 0; i < c->n_rtt; i++) {
        const plot_rtt *s = &c->rtt[i];
        if (s->dir == dir)
            fprintf(f, "<circle class=\"rtt\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\"/>\n", plot_svg_x(&p, tx(&ta, s->t)),
                    plot_svg_y(&p, s->rtt_us / 1000.0));
    }
    static const char *const cls[2] = {"srtt", "rto"};
    for (int k = 0; k < 2; k++) {
        plot_line l;
        plot_line_begin(&l, &p, cls[k], true);
        for (size_t i = 0; i < c->n_rtt; i++) {
            const plot_rtt *s = &c->rtt[i];
            if (s->dir == dir)
                plot_line_point(&l, tx(&ta, s->t), (k == 0 ? s->srtt_us : s->rto_us) / 1000.0);
        }
        plot_line_end(&l);
    }
    if (!c->inferred && !has_samples(c, dir, true))
        no_samples_note(&p);
    plot_svg_legend(&p, "rtt", "RTT sample", true);
    plot_svg_legend(&p, "srtt", "SRTT", false);
    plot_svg_legend(&p, "rto", "RTO", false);
    plot_svg_end(&p);
}

/* ---- files ---- */

static int write_one(const plot_conn *c, const char *dir, const char *name, int data_dir,
                     void (*draw)(FILE *, const plot_conn *, int))
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    plot_svg_prolog(f);
    draw(f, c, data_dir);
    int bad = ferror(f);
    if (fclose(f) != 0 || bad) {
        errno = errno != 0 ? errno : EIO;
        return -1;
    }
    return 0;
}

int plot_write_dir(const plot_conn *c, const char *dir, const char **what)
{
    static const char *const names[3] = {"tseq.svg", "cwnd.svg", "rtt.svg"};
    void (*const draws[3])(FILE *, const plot_conn *, int) = {plot_draw_tseq, plot_draw_cwnd, plot_draw_rtt};
    *what = dir;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return -1;
    int data_dir = plot_data_dir(c);
    for (int i = 0; i < 3; i++) {
        *what = names[i];
        if (write_one(c, dir, names[i], data_dir, draws[i]) != 0)
            return -1;
    }
    return 0;
}
