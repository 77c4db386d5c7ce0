/* `synack script`: conformance scripts in packetdrill's syntax, run against
 * one synack stack in virtual time (docs/conformance.md).
 *
 * The script plays the remote peer. A script is parsed whole first
 * (tool_script_parse.c: one sc_line per event line), then run
 * (tool_script_run.c: the clock, the socket calls, the output queue) with
 * segments built and compared by tool_script_pkt.c. Every failure is one
 * line "FILE:LINE: ..." on the error stream. */
#ifndef SK_TOOL_SCRIPT_H
#define SK_TOOL_SCRIPT_H

#include "synack/stack.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Copy src into dst[cap] (cap > 0), cut to fit, always terminated. */
static inline void sc_copy(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

#define SC_MAX_LINES 4096
#define SC_MAX_OPTS 12
#define SC_MAX_ARGS 6
#define SC_TEXT 96

enum sc_time_kind { SC_T_ABS, SC_T_REL, SC_T_ANY };
enum sc_kind { SC_IN, SC_OUT, SC_CALL };

/* One TCP option of a segment line, in the order written. */
enum sc_opt_kind { SC_O_NOP, SC_O_EOL, SC_O_MSS, SC_O_WS, SC_O_SACKOK, SC_O_TS, SC_O_SACK };
typedef struct {
    uint8_t kind;        /* enum sc_opt_kind */
    uint8_t n_blocks;    /* SACK: blocks in v[] (left, right pairs) */
    uint32_t v[8];       /* MSS, WS: v[0]; TS: val, ecr; SACK: blocks */
} sc_opt;

typedef struct {
    uint8_t flags;       /* SK_TCP_* */
    uint32_t seq, end;   /* start:end(len) */
    bool has_ack, has_win, has_opts;
    uint32_t ack;
    uint32_t win;
    uint8_t n_opts;
    sc_opt opts[SC_MAX_OPTS];
} sc_seg;

typedef struct {
    char name[16];
    uint8_t n_args;
    char args[SC_MAX_ARGS][SC_TEXT];
    int64_t ret;          /* the result after '=' */
    char err[24];         /* "-1 ENAME (...)": ENAME, else "" */
} sc_call;

typedef struct {
    int line;
    uint8_t time_kind;    /* enum sc_time_kind */
    int64_t t_us;         /* absolute or relative microseconds */
    uint8_t kind;         /* enum sc_kind */
    sc_seg seg;
    sc_call call;
} sc_line;

/* What a script's header says, and the options before its first event. */
typedef struct {
    sk_stack_config cfg;  /* the stack's configuration (defaults + options) */
    uint32_t tolerance_us;
    uint16_t mss;         /* MSS synack announces (0: from the MTU) */
    uint8_t family;       /* SK_AF_INET4 (default) or SK_AF_INET6 */
    char xfail[160];      /* "// xfail: reason": the script is known to fail */
    int xfail_line;
} sc_setup;

typedef struct {
    const char *file;
    sc_setup setup;
    int n;
    sc_line *lines;       /* SC_MAX_LINES */
} sc_script;

/* Fill setup with the defaults (synack's own, us 192.0.2.1/24). */
void sc_setup_default(sc_setup *st);
/* Apply one "--name=value" option; 0, or -1 with a message in err. */
int sc_setup_option(sc_setup *st, const char *opt, char *err, size_t cap);

/* Parse a whole script file into sc (lines allocated; sc_script_free).
 * 0, or -1 after printing "FILE:LINE: message" to err. */
int sc_parse_file(sc_script *sc, const char *path, FILE *err);
/* Parse one event line (without comments) into out; 0, or -1 with a
 * message in msg. */
int sc_parse_line(const char *text, sc_line *out, char *msg, size_t cap);
void sc_script_free(sc_script *sc);

/* Run a parsed script. 0: passed; 1: a line failed (one line printed to
 * err); verbose prints each event to out. */
int sc_run(const sc_script *sc, FILE *out, FILE *err, bool verbose);

/* The run's state, shared by tool_script_run.c and tool_script_call.c. */
#define SC_QCAP 256
#define SC_FRAME_CAP 2048
#define SC_MAX_FDS 32
#define SC_LISTEN_PORT 8080 /* packetdrill's local port */
#define SC_PEER_PORT 48000  /* the script's port when it connects to us */

typedef struct {
    sk_time_us t;
    uint16_t len;
    uint8_t data[SC_FRAME_CAP];
} sc_frame;

enum sc_fd_kind { SC_FD_FREE, SC_FD_SOCKET, SC_FD_LISTEN, SC_FD_CONN };
typedef struct {
    uint8_t kind;        /* enum sc_fd_kind */
    sk_sock sock;
    bool has_nodelay, has_keepalive;
    bool nodelay, keepalive;
    bool abort_on_close; /* SO_LINGER {onoff=1, linger=0}: close() is ABORT */
    uint64_t keepidle_us, keepintvl_us, keepcnt; /* 0: not set */
} sc_fd;

typedef struct {
    uint32_t our_isn;    /* learned from our first SYN */
    bool isn_known;
    int64_t ts_off;      /* our TSval - the script's, from the first `>` with TS */
    bool ts_known;
    uint16_t lport, rport;
    sk_ipaddr us, peer;  /* 192.0.2.1 and .2, or 2001:db8::1 and ::2 */
} sc_flow;

/* The addresses of a family: synack's and the peer's. */
void sc_addrs(uint8_t family, sk_ipaddr *us, sk_ipaddr *peer);

typedef struct {
    const sc_script *sc;
    FILE *out, *err;
    bool verbose;
    sk_stack *s;
    sk_time_us now;
    sc_frame *q;         /* emitted, not yet matched: SC_QCAP */
    size_t qh, qn;
    sc_flow fl;
    sc_fd fds[SC_MAX_FDS];
    int line;            /* the line being run */
} sc_runner;

/* Run one socket call (tool_script_call.c): 0 when its result is the
 * script's, else -1 with the reason in why. */
int sc_do_call(sc_runner *r, const sc_call *c, char *why, size_t cap);

/* Build the peer's IPv4 packet for a `<` line; returns its length (0 when
 * it does not fit cap). */
size_t sc_build_in(const sc_flow *fl, const sc_seg *sg, uint8_t *buf, size_t cap);
/* Compare an emitted frame with a `>` line: true when it matches; else a
 * reason in why. Learns our ISN (a SYN) and the TS offset. */
bool sc_match_out(sc_flow *fl, const sc_seg *want, const uint8_t *frame, size_t len,
                  char *why, size_t cap);
/* The frame in the script's syntax (relative to the flow), for messages. */
void sc_format_frame(const sc_flow *fl, const uint8_t *frame, size_t len, char *out,
                     size_t cap);
/* A segment line in the script's syntax. */
void sc_format_seg(const sc_seg *sg, char dir, char *out, size_t cap);

#endif
