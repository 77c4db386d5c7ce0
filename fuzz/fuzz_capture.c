/* libFuzzer target: `synack plot`'s capture reader and what it infers
 * (tools/tool_plot_cap.c, tool_plot_tcp.c, tool_plot_infer.c) and the SVG
 * drawing (tool_plot_draw.c, tool_plot_svg.c). The input is the capture
 * file. A file that loads gives connections whose models hold together:
 * every segment of either direction, retransmissions only where bytes or a
 * SYN/FIN were sent, RTT estimates within RFC 6298's bounds, flight never
 * more than the bytes sent; each model is drawn (to /dev/null). A file
 * that does not load has a one-line reason. */
#include "tool_plot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "CHECK failed: %s (%s:%d)\n", #c, __FILE__, __LINE__);                 \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* used: the interface drawn (-1: the connection was on one only) */
static void check_model(const plot_conn *c, size_t raw_segs, int used)
{
    CHECK(used >= 0 ? c->n_seg <= raw_segs : c->n_seg == raw_segs);
    CHECK(c->inferred);
    uint64_t sent[2] = {0, 0};
    for (size_t i = 0; i < c->n_seg; i++) {
        const plot_seg *s = &c->seg[i];
        CHECK(s->dir <= 1);
        CHECK(used < 0 || s->iface == used);
        CHECK(s->n_sack <= PLOT_MAX_SACK);
        CHECK(!s->rexmit || s->len > 0 || (s->flags & (PLOT_SYN | PLOT_FIN)));
        sent[s->dir] += s->len + 2u;
    }
    for (size_t i = 0; i < c->n_rtt; i++) {
        const plot_rtt *r = &c->rtt[i];
        CHECK(r->dir <= 1);
        CHECK(r->srtt_us > 0 || r->rtt_us == 0);
        CHECK(r->rto_us >= 1000000u && r->rto_us <= 60000000u);
    }
    for (size_t i = 0; i < c->n_cc; i++)
        CHECK(c->cc[i].dir <= 1 && c->cc[i].flight <= sent[c->cc[i].dir] + (1ull << 31));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (sink == NULL)
        sink = fopen("/dev/null", "w");
    char err[160];
    err[0] = '\0';
    plot_capture *pc = plot_capture_load(data, size, err, sizeof err);
    if (pc == NULL) {
        CHECK(err[0] != '\0' && strchr(err, '\n') == NULL);
        return 0;
    }
    size_t n = plot_capture_count(pc);
    int best = plot_capture_pick(pc, 0);
    CHECK((n == 0) == (best < 0));
    for (size_t i = 0; i < n && i < 3; i++) {
        const plot_conn *raw;
        char name[2][64];
        CHECK(plot_capture_raw(pc, (int)i, &raw, name) == 0);
        plot_conn c;
        int used = 0;
        if (plot_capture_conn(pc, (int)i, -1, &c, "fuzz", &used) == 0) {
            CHECK(used >= -1 && used < 256);
            check_model(&c, raw->n_seg, used);
            int dir = plot_data_dir(&c);
            plot_draw_tseq(sink, &c, dir);
            plot_draw_cwnd(sink, &c, dir);
            plot_draw_rtt(sink, &c, 1 - dir);
        }
        plot_conn_free(&c);
    }
    plot_capture_free(pc);
    return 0;
}
