/* Plots of one TCP connection, written as SVG by synack itself (no plotting
 * dependency): the time-sequence graph in the tcptrace/Stevens style, cwnd /
 * ssthresh / flight size over time, and RTT samples with SRTT and RTO.
 *
 * One model (plot_conn) and three sources fill it: the demo's simulated run
 * (tool_plot_demo.c: the stacks' own trace and sk_tcp_info), a live
 * connection of serve/connect (tool_plot_live.c) and any capture
 * (tool_plot_cap.c reads pcap and pcapng, tool_plot_tcp.c decodes frames and
 * infers what a capture alone can tell). tool_plot_svg.c is the SVG writer,
 * tool_plot_draw.c draws the three plots.
 *
 * Output is a pure function of the model: same input, same bytes. */
#ifndef SK_TOOL_PLOT_H
#define SK_TOOL_PLOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PLOT_NEVER UINT64_MAX /* t_recv of a segment lost on the link */
#define PLOT_MAX_SACK 4
#define PLOT_SSTHRESH_INF 0x7fffffffu /* at or above: "not yet set", not drawn */

/* TCP flags as on the wire. */
enum { PLOT_FIN = 0x01, PLOT_SYN = 0x02, PLOT_RST = 0x04, PLOT_PSH = 0x08, PLOT_ACK = 0x10 };

/* One segment, from direction `dir` (0: the connection's first sender, the
 * client; 1: the other end). Sequence and acknowledgment numbers absolute. */
typedef struct {
    uint64_t t;      /* µs: when it was sent (a capture: when it was captured) */
    uint64_t t_recv; /* µs: when it was delivered; PLOT_NEVER: lost; 0: not known */
    uint32_t seq, ack, len;
    uint32_t win; /* bytes, window scaling applied */
    uint32_t sack[PLOT_MAX_SACK][2];
    uint16_t mss;   /* MSS option, 0: none */
    int8_t wscale;  /* window scale option, -1: none */
    uint8_t dir, flags, n_sack;
    bool sack_ok, has_ts;
    bool rexmit; /* its range was sent before */
    uint8_t iface; /* a capture's interface (pcapng; 255: 255 or above), else 0 */
    const char *cause; /* rexmit: why, when the sender said so (static); NULL: unknown */
    uint32_t ts_val, ts_ecr;
} plot_seg;

/* Congestion state of direction `dir`'s sender at time t. */
typedef struct {
    uint64_t t;
    uint32_t cwnd, ssthresh, flight; /* bytes; cwnd/ssthresh 0: not known */
    uint8_t dir;
} plot_cc;

/* One RTT sample measured by direction `dir`'s sender, with the estimator
 * after it (RFC 6298). */
typedef struct {
    uint64_t t;
    uint32_t rtt_us, srtt_us, rto_us;
    uint8_t dir;
} plot_rtt;

typedef struct {
    char name[2][64]; /* "10.0.0.1:40000" */
    char source[96];  /* "synack demo", "capture x.pcap": the plots' subtitle */
    plot_seg *seg;
    size_t n_seg, cap_seg;
    plot_cc *cc;
    size_t n_cc, cap_cc;
    plot_rtt *rtt;
    size_t n_rtt, cap_rtt;
    bool inferred; /* cc and RTT inferred from a capture, not the sender's own */
    bool oom;      /* an append failed: the model is incomplete */
} plot_conn;

void plot_conn_init(plot_conn *c);
void plot_conn_free(plot_conn *c);
/* Append one record (copied); on allocation failure sets c->oom, returns
 * NULL / does nothing. */
plot_seg *plot_add_seg(plot_conn *c, const plot_seg *s);
void plot_add_cc(plot_conn *c, const plot_cc *s);
void plot_add_rtt(plot_conn *c, const plot_rtt *s);
/* The direction that sent the most payload bytes (0 when equal). */
int plot_data_dir(const plot_conn *c);
/* The first sequence number of `dir` (its SYN's, else its lowest seen). */
uint32_t plot_base_seq(const plot_conn *c, int dir);

/* ---- tool_plot_draw.c: the three plots, each one <svg> element written
 * to f (no XML declaration: fit for a file after plot_svg_prolog, or
 * inline in HTML). `dir` is the data sender's direction. ---- */
void plot_draw_tseq(FILE *f, const plot_conn *c, int dir);
void plot_draw_cwnd(FILE *f, const plot_conn *c, int dir);
void plot_draw_rtt(FILE *f, const plot_conn *c, int dir);
/* Write DIR/tseq.svg, DIR/cwnd.svg and DIR/rtt.svg (DIR is created if
 * missing) for the direction that sent the most data. 0, or -1 with errno
 * set and *what naming the file that failed. */
int plot_write_dir(const plot_conn *c, const char *dir, const char **what);

/* ---- tool_plot_cap.c: pcap (both byte orders, µs and ns) and pcapng
 * (SHB, IDB, EPB, SPB; other blocks skipped) ---- */
typedef struct {
    uint64_t t_ns; /* since the epoch, as the file says */
    uint32_t linktype;
    uint32_t iface; /* pcapng interface id; 0 in a pcap */
    const uint8_t *data;
    size_t len; /* captured bytes */
} plot_frame;

/* Read the capture in buf[0..len) and call fn for each frame in file order.
 * 0, or -1 with a one-line reason in err (truncated file, wrong magic, a
 * garbage block). */
int plot_cap_read(const uint8_t *buf, size_t len, int (*fn)(void *ctx, const plot_frame *fr), void *ctx,
                  char *err, size_t errcap);

/* ---- tool_plot_tcp.c: TCP connections of a capture ---- */
typedef struct plot_capture plot_capture;
/* Decode every frame of buf (link types Ethernet, raw IPv4/IPv6, Linux
 * cooked SLL and SLL2; IPv4 and IPv6); NULL with err set on a bad file. */
plot_capture *plot_capture_load(const uint8_t *buf, size_t len, char *err, size_t errcap);
void plot_capture_free(plot_capture *pc);
size_t plot_capture_count(const plot_capture *pc);
/* One line per connection: "N  a:p <-> b:p  packets P  bytes B / B". */
void plot_capture_list(const plot_capture *pc, FILE *f);
/* The index of the connection with the most payload bytes, or of the
 * largest one with `port` at either end (port 0: any); -1 when none. */
int plot_capture_pick(const plot_capture *pc, uint16_t port);
/* Build connection `idx`'s model: segments with window scaling from the
 * SYNs, retransmissions, RTT samples (Karn), inferred flight size. A
 * connection seen on several interfaces of a pcapng (one capture point
 * each, e.g. both ends of a link) is drawn from one vantage point: `iface`,
 * or with -1 the interface that saw most of its segments (the lowest on a
 * tie); *used says which (-1: it was on one interface only). -1 when it has
 * no segment on `iface`, or out of memory (out->oom). */
int plot_capture_conn(const plot_capture *pc, int idx, int iface, plot_conn *out, const char *source, int *used);
/* Connection idx's segments as captured (dir 0: its first packet's source,
 * raw windows) and its two endpoints' names (tool_plot_infer.c uses it). */
int plot_capture_raw(const plot_capture *pc, int idx, const plot_conn **segs, char name[2][64]);

/* ---- tool_plot_live.c: serve/connect --plot ---- */
#include "synack/stack.h"
typedef struct plot_live plot_live;
/* start: the time subtracted from every event's (the tool's start). */
plot_live *plot_live_new(sk_time_us start);
void plot_live_free(plot_live *pl);
/* One trace event of `stack` (called from its trace hook). */
void plot_live_event(plot_live *pl, const sk_stack *stack, const sk_trace_event *ev);
/* Plot the connection that carried the most data into dir; 0, or -1 after
 * a one-line error naming cmd; a line on log says what was plotted. */
int plot_live_write(plot_live *pl, const char *dir, const char *cmd, FILE *log);

/* ---- tool_plot_svg.c: the SVG writer ---- */
typedef struct {
    FILE *f;
    double x0, x1, y0, y1; /* data ranges */
    int w, h;              /* pixels */
    int ml, mr, mt, mb;    /* margins */
    int legend_n;
} plot_svg;

/* Open an <svg> with a title, a subtitle, axes with ticks and labels. */
void plot_svg_begin(plot_svg *p, FILE *f, const char *title, const char *subtitle, const char *xlabel,
                    const char *ylabel, double x0, double x1, double y0, double y1);
void plot_svg_end(plot_svg *p);
void plot_svg_prolog(FILE *f);
double plot_svg_x(const plot_svg *p, double v);
double plot_svg_y(const plot_svg *p, double v);
/* A legend entry: a short line (or a mark) of class cls and its label. */
void plot_svg_legend(plot_svg *p, const char *cls, const char *label, bool mark);
/* Text with &, <, >, " escaped. */
void plot_svg_escape(FILE *f, const char *s);
/* A polyline of class cls through n points; a step line when `step`. */
typedef struct {
    plot_svg *p;
    const char *cls;
    bool started;
    bool step;
    double last_y;
    size_t n;
} plot_line;
void plot_line_begin(plot_line *l, plot_svg *p, const char *cls, bool step);
void plot_line_point(plot_line *l, double x, double y);
void plot_line_end(plot_line *l);

#endif
