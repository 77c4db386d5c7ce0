/* `synack demo --html FILE`: the textbook's figure, alive. One
 * self-contained page (inline CSS, JS and SVG; nothing fetched): the ladder
 * diagram - the client's and the server's timelines, each segment a slanted
 * arrow from its send time to its delivery time, labelled with flags, seq,
 * ack, len, window and options; a lost segment ends mid-air with a cross -
 * both ends' states along their timelines, the demo's own narration beside
 * each arrow, then the plots. Hovering or clicking an arrow shows the whole
 * header, the times and a retransmission's cause (the stack's own).
 *
 * Rows, not a linear clock: every send and every delivery is one row, in
 * time order, so a burst stays readable; a row with narration is as tall as
 * its text. The narration is whatever the demo printed for the segment
 * (tool_html_narr.c splits it), so its wording has one source. */
#include "tool_demo.h"
#include "tool_html.h"
#include "tool_plot_demo.h"

#include <stdlib.h>
#include <string.h>

#define LAD_TOP 60
#define LAD_X0 170  /* the client's timeline */
#define LAD_X1 670  /* the server's */
#define LAD_ROW 24  /* pixels per row at least */
#define LAD_LINE 15 /* pixels per narration line */
#define LAD_CHARS 78 /* narration characters per line, for the row height */

typedef struct {
    uint64_t t;
    uint8_t kind; /* 0 delivery, 1 send: a delivery comes before what it caused */
    uint32_t i;   /* segment index */
} lad_ev;

static int ev_cmp(const void *a, const void *b)
{
    const lad_ev *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i;
}

static unsigned text_lines(const char *s, size_t n)
{
    unsigned lines = 0, col = 0;
    for (size_t i = 0; i < n; i++) {
        if ((s[i] & 0xc0) == 0x80)
            continue; /* UTF-8 continuation: one character */
        col += ((unsigned char)s[i] >= 0xe0) ? 1 : 0; /* CJK: two columns wide */
        if (s[i] == '\n' || ++col >= LAD_CHARS) {
            lines++;
            col = 0;
        }
    }
    return lines + (col > 0);
}

/* Rows in time order; row_y[k] its y, seg_row[2*i] / [2*i+1] the rows of
 * segment i's send and delivery (-1: none). */
int html_layout(html_lad *L, const demo_plot *p, const html_narr *nr)
{
    const plot_conn *c = &p->conn;
    size_t n = c->n_seg;
    lad_ev *ev = calloc(2 * n + 1, sizeof *ev);
    L->row_y = calloc(2 * n + 2, sizeof *L->row_y);
    L->row_t = calloc(2 * n + 2, sizeof *L->row_t);
    L->seg_row = calloc(2 * n + 1, sizeof *L->seg_row);
    if (ev == NULL || L->row_y == NULL || L->row_t == NULL || L->seg_row == NULL) {
        free(ev);
        return -1;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        ev[m++] = (lad_ev){c->seg[i].t, 1, (uint32_t)i};
        uint64_t tr = c->seg[i].t_recv;
        if (tr != 0 && tr != PLOT_NEVER)
            ev[m++] = (lad_ev){tr, 0, (uint32_t)i};
        L->seg_row[2 * i] = L->seg_row[2 * i + 1] = -1;
    }
    qsort(ev, m, sizeof *ev, ev_cmp);
    double y = LAD_TOP + 30;
    for (size_t k = 0; k < m; k++) {
        L->row_y[k] = y;
        L->row_t[k] = ev[k].t;
        L->seg_row[2 * ev[k].i + (ev[k].kind == 1 ? 0 : 1)] = (long)k;
        double h = LAD_ROW;
        if (ev[k].kind == 1 && ev[k].i < nr->n) {
            const html_narr_seg *ns = &nr->seg[ev[k].i];
            double th = (text_lines(nr->text + ns->off, ns->len) + 0.6) * LAD_LINE;
            h = th > h ? th : h;
        }
        y += h;
    }
    L->row_y[m] = y; /* one past the last row: a lost segment's end may need it */
    L->row_t[m] = m > 0 ? L->row_t[m - 1] : 0;
    L->n_rows = m;
    L->height = y + 40;
    free(ev);
    return 0;
}

void html_layout_free(html_lad *L)
{
    free(L->row_y);
    free(L->row_t);
    free(L->seg_row);
}

/* The y of the first row at or after t (a state change shows where the
 * segment that caused it is). */
double html_time_y(const html_lad *L, uint64_t t)
{
    for (size_t k = 0; k < L->n_rows; k++)
        if (L->row_t[k] >= t)
            return L->row_y[k];
    return L->row_y[L->n_rows];
}

double html_x(int side)
{
    return side == DEMO_CLIENT ? LAD_X0 : LAD_X1;
}
