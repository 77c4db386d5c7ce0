/* synack serve, inside: what its files share. Not for other commands (the
 * pieces they share with serve are tool_net.h, tool_udp.h, tool_iperf3.h
 * and tool_http.h).
 *
 *   cmd_serve.c         the command line: usage, options, their checks
 *   tool_serve_run.c    start-up, the event loop, the drain, --cores threads
 *   tool_serve_conn.c   TCP connections and events; echo, discard, iperf 2
 *   tool_serve_http.c   the HTTP/1.1 application and its idle timeout
 *
 * One server runs one stack on one device queue, single-threaded; with
 * --cores each queue has its own server (a copy made before any starts). */
#ifndef SK_TOOL_SERVE_H
#define SK_TOOL_SERVE_H

#include "tool_http.h"
#include "tool_iperf3.h"
#include "tool_net.h"
#include "tool_udp.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define SERVE_CMD "serve"
#define SERVE_OUT_CAP 32768

enum svc { SVC_ECHO, SVC_DISCARD, SVC_HTTP, SVC_IPERF, SVC__COUNT };
/* The option of each TCP service ("--echo" ...; cmd_serve.c). */
extern const char *const serve_svc_opt[SVC__COUNT];

/* One accepted TCP connection. Everything before `req` starts zeroed;
 * req and out are written before they are read (req_len, out_len), so a
 * recycled one (server.spare) is not cleared whole: 40 KiB a connection
 * zeroed was 4 % of the server's CPU at 35 k connections/s. */
typedef struct serve_conn {
    struct serve_conn *next_spare;
    sk_sock sock;
    enum svc svc;
    sk_endpoint peer;
    bool draining;         /* FIN sent at exit: read and drop until the peer's */
    sk_time_us t0, t_last; /* iperf: first and last byte */
    sk_time_us t_active;   /* http: the last byte received or sent */
    uint64_t bytes;
    /* pending output: echo data, or an HTTP response head / body chunk */
    size_t out_len, out_off;
    /* http */
    size_t req_len;
    bool responding, close_after;
    int fd;                /* body from a file, or -1 */
    uint64_t body_off, body_left;
    const char *page;      /* body from memory (generated), or NULL */
    bool pattern;          /* body: the /bytes/N pattern */
    char req[TOOL_HTTP_MAX_HEAD];
    uint8_t out[SERVE_OUT_CAP];
} serve_conn;

/* The stack's limits, the same for every stack of this server. */
typedef struct {
    uint32_t max_conns;     /* --max-conns */
    uint32_t time_wait_us;  /* --time-wait */
    uint32_t max_time_wait; /* 0: the stack's default */
    uint32_t syn_backlog;   /* 0: the stack's default */
    uint8_t syn_cookies;    /* SK_SYNCOOKIES_* */
    uint32_t max_half_open; /* 0: the stack's default */
} serve_limits;

typedef struct {
    tool_net net;
    sk_stack *stack;
    sk_posix_loop *loop;
    serve_limits lim;
    const char *root;
    char *root_real;       /* realpath(root): files must resolve inside it */
    uint16_t port[SVC__COUNT];
    bool on[SVC__COUNT];
    sk_sock listener[SVC__COUNT];
    serve_conn **conns;    /* indexed by handle slot */
    uint32_t max_conns, nconns;
    serve_conn *spare;     /* freed connections kept for the next (SERVE_SPARE_MAX) */
    uint32_t nspare;
    sk_time_us idle_us, next_sweep; /* http idle timeout */
    tool_udp_echo uecho;   /* --udp-echo */
    uint16_t ip3_port;     /* --iperf3 PORT (tools/tool_iperf3_srv.c); 0: off */
    ip3_server *ip3;
    FILE *log;
    atomic_uint *ready;    /* --cores: stacks listening so far (shared at start only) */
} server;

/* ---- tool_serve_run.c ---- */
/* Run the checked server (o: its device and address options) until
 * SIGINT/SIGTERM, then drain; with o->cores > 1, one copy per queue. The
 * exit status: 0, or 1 after a one-line error. */
int serve_run(server *sv, tool_net_opts *o);

/* ---- tool_serve_conn.c ---- */
/* Every pending event of the stack to its owner. */
void serve_dispatch(server *sv);
/* Move a connection on after an event: read, write, end it when done. */
void serve_conn_pump(server *sv, serve_conn *c);
/* status > 0: the peer finished (graceful close); < 0: the connection
 * failed. Closes (or resets) and frees c. */
void serve_conn_end(server *sv, serve_conn *c, int status);
/* A connection's state, header zeroed (a spare one, or a new one); NULL
 * when out of memory. */
serve_conn *serve_conn_new(server *sv);
/* Give back every spare (at the server's end). */
void serve_conn_spares_free(server *sv);
/* Free c and its slot; its socket is the caller's to close first. */
void serve_conn_free(server *sv, serve_conn *c);
/* Send what is pending in c->out: 1 all sent, 0 would block, -1 error. */
int serve_flush_out(server *sv, serve_conn *c);

/* ---- tool_serve_http.c ---- */
/* An HTTP connection's turn: 0 keep going, 1 done (peer closed, or the
 * response ended a non-persistent connection), -1 failed. */
int serve_http_pump(server *sv, serve_conn *c);
/* Close the HTTP connections idle for sv->idle_us (at most every 250 ms). */
void serve_http_sweep(server *sv);

#endif
