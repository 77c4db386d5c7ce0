/* The demo's plots and page (tools/tool_plot_demo.c collects, tool_html.c
 * writes the page). tool_demo_sim.c calls the four hooks; cmd_demo.c opens,
 * finishes and frees. Each hook does nothing without --plot or --html. */
#ifndef SK_TOOL_PLOT_DEMO_H
#define SK_TOOL_PLOT_DEMO_H

#include "tool_demo.h"
#include "tool_plot.h"

#define DEMO_PLOT_MAX_STATES 256

typedef struct {
    uint64_t t;
    uint32_t next; /* the number the next segment sent will have */
    uint8_t side, state; /* enum sk_tcp_state */
} demo_plot_state;

struct demo_plot {
    plot_conn conn; /* seg[i] is the demo's segment number i + 1 */
    uint8_t *snd_state; /* [i]: the sender's state once it sent segment i + 1 */
    size_t cap_state;
    demo_plot_state states[DEMO_PLOT_MAX_STATES]; /* both ends' state changes */
    size_t n_states;
    FILE *narr_file, *real_out; /* --html: the narration, kept while printed */
    char *narr;
    size_t narr_len;
};
typedef struct demo_plot demo_plot;

int demo_plot_open(demo *d);
void demo_plot_sent(demo *d, const demo_rec *r);
void demo_plot_lost(demo *d, const demo_rec *r);
void demo_plot_delivered(demo *d, const demo_rec *r, int to, uint64_t now);
void demo_plot_trace(demo *d, int side, const sk_trace_event *ev);
int demo_plot_finish(demo *d);
void demo_plot_free(demo *d);

/* ---- tool_html.c ---- */
/* Write d->o.html_path; 0, or -1 with errno set. */
int demo_html_write(demo *d, const demo_plot *p);

#endif
