/* `synack demo` internals: two synack stacks on an sk_simnet link, the two
 * applications that drive them, and the narrator that tells the conversation
 * segment by segment (tools/cmd_demo.c: options; tool_demo_sim.c: the
 * world and the applications; tool_demo_narrate.c: lines and summary;
 * tool_demo_explain.c: the per-segment explanations; tool_demo_text.c: every
 * sentence in English and Chinese).
 *
 * Output is a pure function of the options: virtual time only, no pointers,
 * no wall clock, so the same options print the same bytes. */
#ifndef SK_TOOL_DEMO_H
#define SK_TOOL_DEMO_H

#include "synack/synack.h"
#include "simnet.h"
#include "wire/seg_text.h"
#include "wire/tcp_hdr.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum demo_lang { DEMO_EN, DEMO_ZH };
enum { DEMO_CLIENT = 0, DEMO_SERVER = 1 };
enum demo_verbosity { DEMO_QUIET = -1, DEMO_NORMAL = 0, DEMO_VERBOSE = 1 };

/* The textbook exchange (no --bytes): the client's request and the reply. */
#define DEMO_REQUEST "Hello, TCP server!\r\n" /* 20 bytes */
#define DEMO_REPLY "Hi client\n"              /* 10 bytes */
#define DEMO_SERVER_PORT 5050
#define DEMO_CLIENT_PORT 40000
/* Stop a run that is still going after this much virtual time. */
#define DEMO_TIME_CAP_US (6ull * 3600 * 1000000)
#define DEMO_TIME_WAIT_US 60000000u /* 2 x MSL, the stack's default */
#define DEMO_DELACK_US 40000u       /* the stack's default */

typedef struct {
    sk_impair_config link; /* both directions */
    uint64_t seed;
    uint64_t bytes; /* 0: the textbook exchange */
    const char *pcap_path;
    const char *trace_path; /* --trace: the stacks' raw trace events */
    uint32_t isn[2];
    uint16_t mss[2];
    bool random_isn;
    bool wscale;
    bool sack, timestamps; /* off: the textbook handshake */
    bool push_ack; /* --push-ack: cfg.push_ack (off: the textbook delayed ACK) */
    bool quick_ack; /* --quick-ack: cfg.quick_acks SK_QUICK_ACKS_MAX (off: 0) */
    bool relative;
    bool explain;
    enum demo_lang lang;
    int verbosity;
    bool progress; /* a progress line instead of the narration */
    unsigned columns; /* --columns: DEMO_COL_* bits */
    const char *plot_dir;  /* --plot DIR: SVG plots (tools/tool_plot_demo.c) */
    const char *html_path; /* --html FILE: the ladder diagram page (tools/tool_html.c) */
} demo_opts;

/* --columns: the sender's state after each segment (sk_tcp_get_info). */
enum {
    DEMO_COL_CWND = 1u << 0,
    DEMO_COL_SSTHRESH = 1u << 1,
    DEMO_COL_FLIGHT = 1u << 2,
    DEMO_COL_SRTT = 1u << 3,
    DEMO_COL_RTO = 1u << 4,
};

/* Why a segment that is no retransmission was sent, as far as the
 * narration cares (a retransmission's cause is the stack's own,
 * demo_rec.rexmit_cause). */
enum demo_cause {
    DEMO_CAUSE_NONE,
    DEMO_CAUSE_DELACK,  /* pure ACK sent when the delayed-ACK timer fired */
    DEMO_CAUSE_PERSIST, /* window probe */
    DEMO_CAUSE_SACKC,   /* the ACK SACK compression held back (demo_rec.held) */
    DEMO_CAUSE_PUSHACK, /* pure ACK sent at a read of data that ended with PSH */
    DEMO_CAUSE_QUICKACK, /* pure ACK sent at once in quick-ACK mode */
};

/* One segment as it left its sender (payload pointer cleared). */
typedef struct {
    uint32_t num; /* 1, 2, ... in sending order; 0: unknown */
    int from;
    uint64_t t_sent;
    uint64_t hash; /* FNV-1a of the whole frame, to recognise copies */
    uint16_t frame_len;
    uint16_t ip_id;
    sk_tcp_repr tcp;
    bool rexmit;
    enum sk_rexmit_cause rexmit_cause; /* rexmit: why, as the stack's trace said */
    bool by_timer; /* rexmit: the retransmission timer itself sent it */
    enum demo_cause cause;
    uint32_t held; /* DEMO_CAUSE_SACKC: out-of-order segments it reports */
    uint32_t orig_num; /* rexmit: the segment first sent with this seq */
    enum sk_tcp_state snd_state; /* the sender's state once it sent it */
    bool edge_kept; /* the window shrank because its right edge stayed */
    bool info_ok;   /* the sender's connection right after sending it: */
    uint32_t cwnd, ssthresh, flight, srtt_us, rto_us, snd_mss;
} demo_rec;

typedef struct demo demo;

typedef struct {
    demo *d;
    int id;
    sk_stack *stack;
    sk_ip4 addr;
    sk_sock listener;
    sk_sock conn;
    bool has_conn;
    enum sk_tcp_state state; /* of its connection, from the trace */
    /* what the trace reported during the current stack call(s) */
    bool rto_fired, delack_fired, persist_fired, tw_fired, cur_rexmit;
    enum sk_rexmit_cause cur_cause; /* of the RETRANSMIT event, with cur_rexmit */
    int drop_reason;
    /* sequence-space facts learnt from the segments it sent */
    bool syn_sent, fin_sent;
    bool got_syn; /* a SYN was delivered to it (explained) */
    uint32_t iss, fin_seq;
    bool syn_ws; /* its SYN carried a window scale: */
    uint8_t ws;  /* that shift (RFC 7323 §2.3: at most 14) */
    uint32_t max_ack_sent;
    bool ack_sent;
    uint32_t last_ack, last_win; /* of its latest segment with ACK */
    /* the application */
    uint64_t sent, rcvd;
    uint64_t hash_sent, hash_rcvd;
    bool reply_sent, shut, eof, handshake_told;
    int error;
    uint64_t t_first_send, t_eof;
    uint64_t segs; /* segments sent */
    uint64_t sackc_seen; /* stats.sack_compressed at its previous segment */
    uint64_t pushack_seen; /* stats.acks_pushed at its previous segment */
    uint64_t quickack_seen; /* stats.acks_quick at its previous segment */
    uint64_t quick_owed;    /* of those, not yet seen to leave */
} demo_side;

/* What happened when one delivered copy was processed. */
typedef struct {
    const demo_rec *rec; /* NULL: matched no segment sent */
    int from, to;
    unsigned link_flags; /* SK_IMPAIR_F_* */
    int drop_reason;     /* at the receiver, 0 if none */
    uint64_t now;        /* when it was delivered */
    bool info_ok;        /* the receiver's connection before/after */
    sk_tcp_info before, after;
    enum sk_tcp_state state_before[2];
} demo_delivery;

#define DEMO_RING 8192u

/* One entry of the narration's event queue (tool_demo_queue.c): lines to
 * print and/or a pcapng record, at time t. */
typedef struct {
    uint64_t t, order;
    uint32_t rec_num; /* a segment's line waiting for its fate; 0: none */
    bool ready;       /* text known: may leave the queue */
    bool print;       /* text is narration (else only the record's comment) */
    char *text;
    uint8_t *frame; /* a pcapng record of this frame on interface ifid */
    size_t frame_len;
    int ifid;
} demo_qent;

struct demo {
    demo_opts o;
    FILE *out;
    sk_simnet *net;
    demo_side side[2];
    demo_rec *ring; /* the last DEMO_RING segments, by num % DEMO_RING */
    uint32_t next_num;
    unsigned deliver_flags;
    struct sk_pcap *pcap;
    bool pcap_failed;
    FILE *trace; /* --trace */
    bool narrate;
    uint32_t num_width, time_width, seq_width, opts_width;
    uint64_t progress_shown;
    uint64_t t_established, t_last;
    bool established;
    bool told_psh, told_pure_ack, told_quick_ack, told_handshake, told_win_edge, told_ts_echo;
    bool told_rto_min, told_iw;
    uint32_t told_sack[2]; /* the first SACK block last explained, [0] == [1]: none */
    bool keep_lines; /* narrating, or writing pcapng comments */
    demo_qent *q;    /* the event queue, a ring */
    size_t q_head, q_len, q_cap;
    uint64_t q_order;
    bool q_failed;
    char last_line[1024]; /* the latest segment line (a record's comment) */
    char why[512]; /* the failure, for the one-line error */
    struct demo_plot *plot; /* --plot / --html: tools/tool_plot_demo.h; NULL: off */
};

/* ---- tool_demo_sim.c ---- */
int demo_setup(demo *d);
/* Run to the end; returns 0 when everything arrived and verified, 1 if not. */
int demo_run(demo *d);
void demo_teardown(demo *d);
uint64_t demo_fnv1a(uint64_t h, const void *data, size_t len);
#define DEMO_FNV_INIT 0xcbf29ce484222325ull

/* ---- tool_demo_narrate.c ---- */
void demo_narrate_header(demo *d);
void demo_narrate_lost(demo *d, uint64_t now, const demo_rec *r, enum sk_sim_what what);
void demo_narrate_delivery(demo *d, const demo_delivery *dv);
/* An event line at time `now` (text already localised). */
void demo_narrate_event(demo *d, uint64_t now, const char *text);
void demo_narrate_progress(demo *d, bool final);
void demo_narrate_summary(demo *d, bool ok, const char *why);
const char *demo_side_name(const demo *d, int side);
const demo_rec *demo_find_rec_seq(const demo *d, int from, uint32_t seq, uint32_t below);
/* "12.345" for a time in microseconds; demo_ms_short drops a ".000". */
char *demo_ms(uint64_t us, char *buf, size_t cap);
char *demo_ms_short(uint64_t us, char *buf, size_t cap);
/* A sequence or acknowledgment number in `side`'s sequence space, as shown
 * (absolute, or relative to that side's ISN with --relative). */
const char *demo_seqnum(const demo *d, int side, uint32_t v);

/* The window r announces, in bytes: the field shifted by its sender's
 * window scale once both SYNs carried one (RFC 7323 §2.2-2.3). */
uint32_t demo_real_window(const demo *d, const demo_rec *r);

/* ---- tool_demo_queue.c: lines in time order ---- */
/* Queue an entry at time t (never before the last one): ready with `text`,
 * or (text NULL) waiting for segment rec_num's line. NULL when out of
 * memory. The pointer is valid until the next push or flush. */
demo_qent *demo_q_push(demo *d, uint64_t t, uint32_t rec_num, const char *text, bool print);
void demo_q_attach_frame(demo *d, demo_qent *e, int ifid, const uint8_t *frame, size_t len);
demo_qent *demo_q_find(demo *d, uint32_t num);
demo_qent *demo_q_by_order(demo *d, uint64_t order);
void demo_q_fill(demo_qent *e, const char *text);
/* Print / write the ready entries at the head; `force` more leave even if
 * not ready (SIZE_MAX: everything, at the end). */
void demo_q_flush(demo *d, size_t force);
void demo_q_free(demo *d);

/* ---- tool_demo_explain.c ---- */
void demo_explain(demo *d, const demo_delivery *dv);
void demo_explain_lost(demo *d, const demo_rec *r);

/* ---- tool_demo_text.c: every sentence, in English and Chinese ---- */
enum demo_msg {
#define DEMO_MSG_ENUM_(id, en, zh) DEMO_##id,
#include "tool_demo_msgs.h"
#undef DEMO_MSG_ENUM_
    DEMO_MSG__COUNT
};
/* Fill `id`'s sentence in the chosen language, replacing {0}..{9} with
 * args[0..9]; returns buf. */
char *demo_text(const demo *d, enum demo_msg id, char *buf, size_t cap, int nargs,
                const char *const *args);
/* demo_text with `nargs` const char * arguments, written into one of 8
 * rotating static buffers (so a few results can be used together). */
const char *demo_say(const demo *d, enum demo_msg id, int nargs, ...);
/* The sentence itself, placeholders untouched (for names and words). */
const char *demo_raw(const demo *d, enum demo_msg id);
/* Decimal text of v in one of 16 rotating static buffers. */
const char *demo_u(uint64_t v);

#endif
