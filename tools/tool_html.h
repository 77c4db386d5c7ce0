/* The pieces of `demo --html` (tools/tool_html*.c): the narration split per
 * segment, the ladder's rows, the page. */
#ifndef SK_TOOL_HTML_H
#define SK_TOOL_HTML_H

#include "tool_plot_demo.h"

#include <stddef.h>
#include <stdint.h>

/* What the demo printed about segment i + 1: the event lines just before
 * its line (a timer, a retransmission's cause), its line, and the
 * explanation lines after it, as one span of text. */
typedef struct {
    size_t off, len; /* into html_narr.text; len 0: nothing printed */
} html_narr_seg;

typedef struct {
    const char *text;
    html_narr_seg *seg; /* [n] */
    size_t n;
    size_t tail_off, tail_len; /* event lines after the last segment (TIME-WAIT ends ...) */
} html_narr;

/* Split the narration of a run with n segments; -1 when out of memory. */
int html_narr_split(html_narr *nr, const char *text, size_t len, size_t n);
void html_narr_free(html_narr *nr);

typedef struct {
    double *row_y;
    uint64_t *row_t;
    long *seg_row; /* [2i]: send row of segment i, [2i+1]: delivery row, -1: none */
    size_t n_rows;
    double height;
} html_lad;

int html_layout(html_lad *L, const demo_plot *p, const html_narr *nr);
void html_layout_free(html_lad *L);
double html_time_y(const html_lad *L, uint64_t t);
double html_x(int side);

/* Text for HTML, and for a JSON string inside a <script> (no "</"). */
void html_escape(FILE *f, const char *s, size_t n);
void html_json_string(FILE *f, const char *s, size_t n);

#endif
