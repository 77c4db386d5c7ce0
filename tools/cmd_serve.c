/* synack serve: echo, discard, HTTP/1.1 and iperf 2 servers and a UDP
 * echo on a TAP/TUN device, all in one single-threaded event loop on the
 * non-blocking API. */
#include "synack/error.h"
#include "tool.h"
#include "tool_http.h"
#include "tool_iperf3.h"
#include "tool_lease.h"
#include "posix/posix_mq.h"
#include "posix/posix_xdp.h"
#include "tool_net.h"
#include "tool_udp.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CMD "serve"
#define OUT_CAP 32768
#define DRAIN_US 2000000u /* how long SIGINT/SIGTERM waits for peers to close */
#define IDLE_S_DEFAULT 60 /* --idle: an HTTP connection without progress is closed */
#define MAX_CONNS_DEFAULT 4096u /* --max-conns: connections at once (the socket table) */

enum svc { SVC_ECHO, SVC_DISCARD, SVC_HTTP, SVC_IPERF, SVC__COUNT };
static const char *const svc_opt[SVC__COUNT] = {"--echo", "--discard", "--http", "--iperf"};

typedef struct {
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
    uint8_t out[OUT_CAP];
} conn;

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
    conn **conns;          /* indexed by handle slot */
    uint32_t max_conns, nconns;
    sk_time_us idle_us, next_sweep; /* http idle timeout */
    tool_udp_echo uecho;   /* --udp-echo */
    uint16_t ip3_port;     /* --iperf3 PORT (tools/tool_iperf3_srv.c); 0: off */
    ip3_server *ip3;
    FILE *log;
    atomic_uint *ready;    /* --cores: stacks listening so far (shared at start only) */
} server;

static const char usage_text[] =
    "usage: synack serve (--tap NAME | --tun NAME | --xdp IFNAME[:Q]) (--addr A.B.C.D/NN | --dhcp) [options]\n"
    "services (any number, each on its own port):\n"
    "  --echo PORT               send back every byte received\n"
    "  --discard PORT            read and drop\n"
    "  --http PORT [--root DIR]  HTTP/1.1: GET/HEAD files under DIR, or generated pages\n"
    "                            (/ and /bytes/N) when no DIR is given\n"
    "  --iperf PORT              iperf 2 TCP server: run `iperf -c ADDR -p PORT` against it\n"
    "  --iperf3 PORT             iperf3 server (TCP and UDP on PORT): `iperf3 -c ADDR -p PORT`,\n"
    "                            with -R, -P N, -t, -u\n"
    "  --udp-echo PORT           UDP: send every datagram back to its source\n"
    "  --idle SECS               close an HTTP connection after SECS without progress\n"
    "                            (default 60): 408 to a partial request, reset for a\n"
    "                            client that stopped reading\n"
    "  --max-conns N             connections at once, default 4096 (the socket table,\n"
    "                            per queue with --cores; closed connections wait out\n"
    "                            TIME-WAIT outside it)\n"
    "  --time-wait MS            TIME-WAIT (2*MSL) in milliseconds, default 60000\n"
    "  --max-time-wait N         TIME-WAIT records kept, default 4 x the socket table\n"
    "                            (at most 65536); when full, the oldest is recycled\n"
    "  --syn-backlog N           half-open connections per listener, 1..65535, default\n"
    "                            256 (the listen backlog is 1024, or N when larger)\n"
    "  --syn-cookies MODE        off | auto | always, default auto: a SYN the full SYN\n"
    "                            queue cannot keep gets a SYN cookie (RFC 4987); always:\n"
    "                            every SYN does; off: the oldest half-open connection\n"
    "                            already retransmitted makes room, else the SYN is dropped\n"
    "  --max-half-open N         half-open connections kept (96-byte records outside\n"
    "                            the socket table), default 4 x the socket table (at\n"
    "                            most 65536); when full, SYNs get SYN cookies (as\n"
    "                            --syn-cookies says)\n"
    "  --cores N                 N queues of a multi-queue device, one stack and one\n"
    "                            thread per queue, each pinned to its own CPU, nothing\n"
    "                            shared; the kernel spreads the connections (default 1)\n"
    "other options:\n";

/* ---- connections ---- */

static conn *conn_of(const server *sv, sk_sock s)
{
    if (s.idx >= sv->max_conns || sv->conns[s.idx] == NULL)
        return NULL;
    conn *c = sv->conns[s.idx];
    return c->sock.gen == s.gen ? c : NULL;
}

static void conn_free(server *sv, conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    sv->conns[c->sock.idx] = NULL;
    sv->nconns--;
    free(c);
}

static void iperf_report(server *sv, const conn *c)
{
    char peer[64];
    double secs = c->t_last > c->t0 ? (double)(c->t_last - c->t0) / 1e6 : 0.0;
    double mbit = secs > 0 ? (double)c->bytes * 8.0 / secs / 1e6 : 0.0;
    fprintf(sv->log, "iperf %s: %llu bytes in %.2f s = %.1f Mbit/s\n",
            tool_endpoint_str(&c->peer, peer, sizeof peer), (unsigned long long)c->bytes, secs,
            mbit);
}

/* status > 0: the peer finished (graceful close); < 0: the connection failed. */
static void conn_end(server *sv, conn *c, int status)
{
    if (c->svc == SVC_IPERF && status > 0)
        iperf_report(sv, c);
    if (sk_tcp_close(sv->stack, sv->loop->now, c->sock) != 0)
        sk_tcp_abort(sv->stack, sv->loop->now, c->sock);
    conn_free(sv, c);
}

/* Send what is pending in c->out: 1 all sent, 0 would block, -1 error. */
static int flush_out(server *sv, conn *c)
{
    size_t off = c->out_off;
    int r = tool_tcp_send_rest(sv->stack, sv->loop->now, c->sock, c->out, c->out_len, &c->out_off);
    if (c->out_off != off)
        c->t_active = sv->loop->now;
    if (r != 1)
        return r < 0 ? -1 : 0;
    c->out_off = c->out_len = 0;
    return 1;
}

/* ---- echo, discard, iperf, drain: 0 keep going, 1 peer done, -1 failed ---- */

static int pump_echo(server *sv, conn *c)
{
    for (;;) {
        int f = flush_out(sv, c);
        if (f <= 0)
            return f;
        ptrdiff_t n = sk_tcp_recv(sv->stack, sv->loop->now, c->sock, c->out, OUT_CAP);
        if (n == SK_EAGAIN)
            return 0;
        if (n <= 0)
            return n == 0 ? 1 : -1;
        c->out_len = (size_t)n;
    }
}

static int pump_sink(server *sv, conn *c)
{
    for (;;) {
        ptrdiff_t n = sk_tcp_recv(sv->stack, sv->loop->now, c->sock, c->out, OUT_CAP);
        if (n == SK_EAGAIN)
            return 0;
        if (n <= 0)
            return n == 0 ? 1 : -1;
        if (c->svc == SVC_IPERF && c->bytes == 0 && !c->draining &&
            tool_iperf2_refuse(sv->log, &c->peer, c->out, (size_t)n))
            return -1; /* reset: the client reports the failure */
        c->bytes += (uint64_t)n;
        c->t_last = c->t_active = sv->loop->now;
    }
}

/* ---- http ---- */

static const char index_page[] =
    "<!DOCTYPE html>\n<html><head><title>synack</title></head><body>\n"
    "<h1>synack</h1>\n<p>This page was served by synack, a user-space TCP/IPv4 stack.</p>\n"
    "<p><a href=\"/bytes/1048576\">/bytes/N</a> returns N bytes of a test pattern.</p>\n"
    "</body></html>\n";
static const char pattern[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+\n";

static void http_head(conn *c, int status, bool keep, uint64_t len, const char *type, int minor)
{
    c->out_len = tool_http_response_head((char *)c->out, OUT_CAP, status, minor, keep, len, type);
    c->out_off = 0;
    c->close_after = !keep;
    c->responding = true;
}

static void http_error(conn *c, int status, bool keep, int minor, bool head)
{
    char body[64];
    int n = snprintf(body, sizeof body, "%d %s\n", status, tool_http_reason(status));
    http_head(c, status, keep, (uint64_t)n, "text/plain; charset=utf-8", minor);
    if (!head && c->out_len + (size_t)n <= OUT_CAP) {
        memcpy(c->out + c->out_len, body, (size_t)n);
        c->out_len += (size_t)n;
    }
}

/* Resolve `full` (symlinks, "." and "..") into real[PATH_MAX] and require
 * the result to be inside the canonical root: a symlink in the document
 * root must not serve files from outside it. 0, or a status. */
static int resolve_under_root(const char *root_real, const char *full, char *real)
{
    if (realpath(full, real) == NULL)
        return errno == ENAMETOOLONG ? 414 : errno == EACCES ? 403 : 404;
    size_t rl = strlen(root_real);
    if (strcmp(root_real, "/") == 0)
        return 0;
    if (strncmp(real, root_real, rl) != 0 || (real[rl] != '\0' && real[rl] != '/'))
        return 403;
    return 0;
}

/* A file under the root: 0 and an open fd with its size, or a status. Only
 * regular files are served: a device or a FIFO (opened non-blocking, so a
 * FIFO swapped in after the check cannot hang the server) answers 404. */
static int open_under_root(const char *root_real, const char *path, int *fd, uint64_t *size)
{
    char full[PATH_MAX], real[PATH_MAX];
    struct stat st;
    int n = snprintf(full, sizeof full, "%s%s", root_real, path);
    if (n < 0 || (size_t)n >= sizeof full)
        return 414;
    int r = resolve_under_root(root_real, full, real);
    if (r != 0)
        return r;
    if (stat(real, &st) == 0 && S_ISDIR(st.st_mode)) {
        n = snprintf(full, sizeof full, "%s/index.html", real);
        if (n < 0 || (size_t)n >= sizeof full)
            return 414;
        if ((r = resolve_under_root(root_real, full, real)) != 0)
            return r;
    }
    *fd = open(real, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
    if (*fd < 0)
        return errno == EACCES ? 403 : 404;
    if (fstat(*fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(*fd);
        *fd = -1;
        return 404;
    }
    *size = (uint64_t)st.st_size;
    return 0;
}

/* Generated content when there is no --root: "/" and "/bytes/N". */
static int generated(conn *c, const char *path, uint64_t *size, const char **type)
{
    char *end;
    if (strcmp(path, "/") == 0 || strcmp(path, "/index.html") == 0) {
        c->page = index_page;
        *size = sizeof index_page - 1;
        *type = "text/html; charset=utf-8";
        return 0;
    }
    if (strncmp(path, "/bytes/", 7) == 0 && path[7] >= '0' && path[7] <= '9') {
        unsigned long long n = strtoull(path + 7, &end, 10);
        if (*end != '\0' || n > (1ull << 40))
            return 404;
        c->pattern = true;
        *size = n;
        *type = "application/octet-stream";
        return 0;
    }
    return 404;
}

static void http_start(server *sv, conn *c, size_t head_len)
{
    tool_http_req req;
    int st = tool_http_parse(c->req, head_len, &req);
    memmove(c->req, c->req + head_len, c->req_len - head_len);
    c->req_len -= head_len;
    if (st != 0) {
        http_error(c, st, req.keep_alive, req.minor, req.head);
        return;
    }
    uint64_t size = 0;
    const char *type = NULL;
    c->fd = -1;
    c->page = NULL;
    c->pattern = false;
    if (sv->root != NULL) {
        st = open_under_root(sv->root_real, req.path, &c->fd, &size);
        type = tool_http_mime(req.path);
    } else {
        st = generated(c, req.path, &size, &type);
    }
    if (st != 0) {
        http_error(c, st, req.keep_alive, req.minor, req.head);
        return;
    }
    http_head(c, 200, req.keep_alive, size, type, req.minor);
    c->body_off = 0;
    c->body_left = req.head ? 0 : size;
}

/* Refill c->out with the next piece of the body: 0, or -1 (file error). */
static int http_refill(conn *c)
{
    size_t want = c->body_left < OUT_CAP ? (size_t)c->body_left : OUT_CAP;
    if (c->fd >= 0) {
        ssize_t n = pread(c->fd, c->out, want, (off_t)c->body_off);
        if (n <= 0)
            return -1; /* the file shrank or failed: the response cannot be completed */
        want = (size_t)n;
    } else if (c->page != NULL) {
        memcpy(c->out, c->page + c->body_off, want);
    } else {
        for (size_t i = 0; i < want; i++)
            c->out[i] = (uint8_t)pattern[(c->body_off + i) % (sizeof pattern - 1)];
    }
    c->out_len = want;
    c->out_off = 0;
    c->body_off += want;
    c->body_left -= want;
    return 0;
}

/* The response in progress: 1 done, 0 would block, -1 failed. */
static int http_respond(server *sv, conn *c)
{
    for (;;) {
        int f = flush_out(sv, c);
        if (f <= 0)
            return f;
        if (c->body_left == 0)
            break;
        if (http_refill(c) != 0)
            return -1;
    }
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->responding = false;
    return 1;
}

static int pump_http(server *sv, conn *c)
{
    for (;;) {
        if (c->responding) {
            int r = http_respond(sv, c);
            if (r <= 0)
                return r;
            if (c->close_after)
                return 1;
            continue;
        }
        size_t hl = tool_http_head_len(c->req, c->req_len);
        if (hl > 0) {
            http_start(sv, c, hl);
            continue;
        }
        if (c->req_len == sizeof c->req) {
            http_error(c, 431, false, 1, false);
            continue;
        }
        ptrdiff_t n = sk_tcp_recv(sv->stack, sv->loop->now, c->sock, c->req + c->req_len,
                                  sizeof c->req - c->req_len);
        if (n == SK_EAGAIN)
            return 0;
        if (n <= 0)
            return n == 0 ? 1 : -1;
        c->req_len += (size_t)n;
        c->t_active = sv->loop->now;
    }
}

/* ---- dispatch ---- */

static void conn_pump(server *sv, conn *c)
{
    int r;
    if (c->draining)
        r = pump_sink(sv, c);
    else if (c->svc == SVC_ECHO)
        r = pump_echo(sv, c);
    else if (c->svc == SVC_HTTP)
        r = pump_http(sv, c);
    else
        r = pump_sink(sv, c);
    if (r > 0 && c->svc == SVC_HTTP && c->close_after && !c->draining) {
        /* RFC 9112 §9.6: half-close, then read until the client closes, so
         * that unread request bytes do not turn our close into a RST that
         * could destroy the response before the client reads it. */
        c->draining = true;
        r = sk_tcp_shutdown(sv->stack, sv->loop->now, c->sock) == 0 ? pump_sink(sv, c) : -1;
    }
    if (r != 0)
        conn_end(sv, c, r);
}

static void accept_all(server *sv, enum svc svc)
{
    for (;;) {
        sk_sock s;
        sk_endpoint peer;
        if (sk_tcp_accept(sv->stack, sv->listener[svc], &s, &peer) != 0)
            return;
        conn *c = s.idx < sv->max_conns ? calloc(1, sizeof *c) : NULL;
        if (c == NULL) {
            sk_tcp_abort(sv->stack, sv->loop->now, s);
            continue;
        }
        c->sock = s;
        c->svc = svc;
        c->peer = peer;
        c->fd = -1;
        c->t0 = c->t_last = c->t_active = sv->loop->now;
        sv->conns[s.idx] = c;
        sv->nconns++;
        conn_pump(sv, c);
    }
}

static bool same_sock(sk_sock a, sk_sock b)
{
    return a.idx == b.idx && a.gen == b.gen;
}

static void dispatch(server *sv)
{
    sk_event ev;
    while (sk_stack_next_event(sv->stack, &ev)) {
        if (sv->ip3 != NULL && ip3_server_owns(sv->ip3, ev.sock)) {
            ip3_server_pump(sv->ip3, sv->loop->now);
            continue;
        }
        if (tool_udp_echo_owns(&sv->uecho, ev.sock)) {
            tool_udp_echo_pump(&sv->uecho, sv->stack, sv->loop->now);
            continue;
        }
        bool listener = false;
        for (int k = 0; k < SVC__COUNT; k++) {
            if (sv->on[k] && same_sock(ev.sock, sv->listener[k])) {
                accept_all(sv, (enum svc)k);
                listener = true;
            }
        }
        conn *c = listener ? NULL : conn_of(sv, ev.sock);
        if (c != NULL)
            conn_pump(sv, c);
    }
}

/* RFC 9112 §9.8 lets a server close idle connections. Without a bound, a
 * client that sends half a request head and stalls, never reads its
 * response, or never answers our FIN would hold its slot (and ~40 KiB)
 * forever: a few thousand such clients would shut everyone else out. */
static void http_idle(server *sv, conn *c)
{
    if (c->draining || c->responding) {
        /* the peer stopped reading or closing: reset (a close would leave
         * the stack probing a zero window with our unsent data forever) */
        sk_tcp_abort(sv->stack, sv->loop->now, c->sock);
        conn_free(sv, c);
        return;
    }
    c->t_active = sv->loop->now; /* one more period for the close below */
    if (c->req_len > 0) {
        http_error(c, 408, false, 1, false); /* RFC 9110 §15.5.9 */
        conn_pump(sv, c);
        return;
    }
    c->close_after = true; /* an idle persistent connection: just close it */
    c->draining = true;
    if (sk_tcp_shutdown(sv->stack, sv->loop->now, c->sock) != 0)
        conn_end(sv, c, -1);
}

static void sweep_idle(server *sv)
{
    sk_time_us now = sv->loop->now;
    if (now < sv->next_sweep)
        return;
    sv->next_sweep = now + 250000u;
    for (uint32_t i = 0; i < sv->max_conns; i++) {
        conn *c = sv->conns[i];
        if (c != NULL && c->svc == SVC_HTTP && now - c->t_active >= sv->idle_us)
            http_idle(sv, c);
    }
}

/* ---- start-up and shutdown ---- */

/* Listen on every service's port, then print the readiness line
 * ("synack serve: listening on ...") that scripts wait for: it appears only
 * once every listener exists (the device is already open), and never when
 * one fails, which prints an error and makes serve exit 1. */
static int start_listeners(server *sv)
{
    /* the SYN queue is at most the listen backlog (tcp_listen.c): a larger
     * --syn-backlog raises both */
    uint32_t backlog = sv->lim.syn_backlog;
    sk_listen_opts lo = {.backlog = backlog > 1024 ? (int)backlog : 1024};
    for (int k = 0; k < SVC__COUNT; k++) {
        if (!sv->on[k])
            continue;
        int r = sk_tcp_listen(sv->stack, sv->port[k], &lo, &sv->listener[k]);
        if (r != 0) {
            tool_error(CMD, "cannot listen on port %u for %s: %s", sv->port[k], svc_opt[k] + 2,
                       sk_strerror(r));
            return -1;
        }
    }
    int r = sv->ip3_port ? ip3_server_open(sv->stack, sv->ip3_port, sv->log, &sv->ip3) : 0;
    if (r != 0) {
        tool_error(CMD, "cannot listen on port %u for iperf3: %s", sv->ip3_port, sk_strerror(r));
        return -1;
    }
    r = sv->uecho.on ? tool_udp_echo_open(&sv->uecho, sv->stack) : 0;
    if (r != 0) {
        tool_error(CMD, "cannot bind UDP port %u for udp-echo: %s", sv->uecho.port,
                   sk_strerror(r));
        return -1;
    }
    const tool_net_opts *o = sv->net.opts;
    /* with --cores, the last stack to listen prints the line for all */
    if (o->cores > 1 && atomic_fetch_add(sv->ready, 1u) + 1u < o->cores)
        return 0;
    char ip[SK_IP6_STR_LEN];
    if (o->xdp)
        fprintf(sv->log, "synack serve: listening on AF_XDP %s queue %u (%s XDP), synack at",
                sv->net.dev.name, o->xdp_queue, sk_posix_xdp_mode(&sv->net.dev));
    else
        fprintf(sv->log, "synack serve: listening on %s %s, synack at",
                sv->net.dev.kind == SK_DEV_TAP ? "TAP" : "TUN", sv->net.dev.name);
    if (o->have_addr4)
        fprintf(sv->log, " %s/%u", sk_ip4_to_str(o->addr, ip, sizeof ip), o->prefix_len);
    for (uint8_t i = 0; i < o->n_addr6; i++)
        fprintf(sv->log, " %s/%u", sk_ip6_to_str(o->addr6[i], ip, sizeof ip), o->plen6[i]);
    fprintf(sv->log, ":");
    for (int k = 0; k < SVC__COUNT; k++)
        if (sv->on[k])
            fprintf(sv->log, " %s on %u", svc_opt[k] + 2, sv->port[k]);
    if (sv->ip3_port)
        fprintf(sv->log, " iperf3 on %u", sv->ip3_port);
    if (sv->uecho.on)
        fprintf(sv->log, " udp-echo on %u", sv->uecho.port);
    if (o->cores > 1)
        fprintf(sv->log, " (%u stacks on %u queues)", o->cores, o->cores);
    fprintf(sv->log, "\n");
    fflush(sv->log);
    return 0;
}

/* SIGINT/SIGTERM: stop listening, FIN every connection, wait up to DRAIN_US
 * for the peers' FINs, reset what is left. */
static int drain(server *sv)
{
    if (sv->uecho.on)
        sk_udp_close(sv->stack, sv->uecho.sock);
    ip3_server_close(sv->ip3, sv->loop->now);
    sv->ip3 = NULL;
    for (int k = 0; k < SVC__COUNT; k++)
        if (sv->on[k])
            sk_tcp_close(sv->stack, sv->loop->now, sv->listener[k]);
    for (uint32_t i = 0; i < sv->max_conns; i++) {
        conn *c = sv->conns[i];
        if (c == NULL)
            continue;
        c->draining = true;
        if (sk_tcp_shutdown(sv->stack, sv->loop->now, c->sock) != 0)
            conn_end(sv, c, -1);
    }
    sk_time_us until = sv->loop->now + DRAIN_US;
    while (sv->nconns > 0 && sv->loop->now < until) {
        if (sk_posix_loop_step(sv->loop, until - sv->loop->now) != 0)
            return -1;
        dispatch(sv);
    }
    for (uint32_t i = 0; i < sv->max_conns; i++)
        if (sv->conns[i] != NULL) {
            sk_tcp_abort(sv->stack, sv->loop->now, sv->conns[i]->sock);
            conn_free(sv, sv->conns[i]);
        }
    /* a last moment for the final ACKs and RSTs to go out */
    until = sv->loop->now + 100000u;
    while (sv->loop->now < until)
        if (sk_posix_loop_step(sv->loop, until - sv->loop->now) != 0)
            return -1;
    return 0;
}


/* --syn-cookies off|auto|always: *used 1 when argv[*i] was it; returns
 * nonzero (with *used = 2) for a bad value. */
static int parse_syn_cookies(serve_limits *lim, char **argv, int argc, int *i, int *used)
{
    static const char *const mode[] = {
        [SK_SYNCOOKIES_OFF] = "off",
        [SK_SYNCOOKIES_WHEN_FULL] = "auto",
        [SK_SYNCOOKIES_ALWAYS] = "always",
    };
    *used = 0;
    if (strcmp(argv[*i], "--syn-cookies") != 0)
        return 0;
    const char *v = *i + 1 < argc ? argv[*i + 1] : "";
    for (size_t k = 0; k < sizeof mode / sizeof mode[0]; k++) {
        if (strcmp(v, mode[k]) == 0) {
            lim->syn_cookies = (uint8_t)k;
            (*i)++;
            *used = 1;
            return 0;
        }
    }
    tool_error(CMD, "bad --syn-cookies '%s' (off, auto or always)", v);
    *used = 2;
    return 1;
}

/* --max-conns, --time-wait, --max-time-wait, --syn-backlog, --max-half-open: *used 1 when argv[*i] was
 * one of them; returns nonzero (with *used = 2) for a bad value. */
static int parse_limit(serve_limits *lim, char **argv, int argc, int *i, int *used)
{
    const struct {
        const char *opt, *what;
        uint64_t lo, hi, scale;
        uint32_t *dst;
    } opt[] = {
        {"--max-conns", "connections, 1..1048576", 1, 1u << 20, 1, &lim->max_conns},
        {"--time-wait", "milliseconds, 0..3600000", 0, 3600000, 1000, &lim->time_wait_us},
        {"--max-time-wait", "records, 1..16777216", 1, 1u << 24, 1, &lim->max_time_wait},
        {"--syn-backlog", "half-open connections, 1..65535", 1, 65535, 1, &lim->syn_backlog},
        {"--max-half-open", "records, 1..16777216", 1, 1u << 24, 1, &lim->max_half_open},
    };
    *used = 0;
    for (size_t k = 0; k < sizeof opt / sizeof opt[0]; k++) {
        if (strcmp(argv[*i], opt[k].opt) != 0)
            continue;
        uint64_t v;
        if (*i + 1 >= argc || tool_parse_u64(argv[*i + 1], opt[k].lo, opt[k].hi, &v) != 0) {
            tool_error(CMD, "bad %s '%s' (%s)", opt[k].opt, *i + 1 < argc ? argv[*i + 1] : "",
                       opt[k].what);
            *used = 2;
            return 1;
        }
        *opt[k].dst = (uint32_t)(v * opt[k].scale);
        (*i)++;
        *used = 1;
        return 0;
    }
    return 0;
}

static int parse_args(server *sv, tool_net_opts *o, int argc, char **argv)
{
    int i = 0, t;
    while ((t = tool_net_next_arg(CMD, usage_text, o, argc, argv, &i)) == TOOL_ARG_OWN) {
        if (!strcmp(argv[i], "--cores") && i + 1 < argc) {
            if (tool_net_parse_cores(CMD, argv[++i], o) != 0)
                return 2;
            continue;
        }
        if (parse_limit(&sv->lim, argv, argc, &i, &t) != 0)
            return t;
        if (t == 0 && parse_syn_cookies(&sv->lim, argv, argc, &i, &t) != 0)
            return t;
        if (t == 1) {
            t = 0;
            continue;
        }
        if (!strcmp(argv[i], "--root") && i + 1 < argc) {
            sv->root = argv[++i];
            continue;
        }
        if (!strcmp(argv[i], "--idle") && i + 1 < argc) {
            uint64_t secs;
            if (tool_parse_u64(argv[++i], 1, 86400, &secs) != 0) {
                tool_error(CMD, "bad --idle '%s' (seconds, 1..86400)", argv[i]);
                return 2;
            }
            sv->idle_us = (sk_time_us)secs * 1000000u;
            continue;
        }
        if (!strcmp(argv[i], "--iperf3")) {
            if (tool_iperf3_port(CMD, argc, argv, &i, &sv->ip3_port) != 0)
                return 2;
            continue;
        }
        if (!strcmp(argv[i], "--udp-echo")) {
            uint64_t p;
            if (i + 1 >= argc || tool_parse_u64(argv[i + 1], 1, 65535, &p) != 0) {
                tool_error(CMD, "--udp-echo needs a port number 1..65535 (try --help)");
                return 2;
            }
            if (sv->uecho.on) {
                tool_error(CMD, "--udp-echo given twice (one port per service)");
                return 2;
            }
            sv->uecho.on = true;
            sv->uecho.port = (uint16_t)p;
            i++;
            continue;
        }
        int k = 0;
        while (k < SVC__COUNT && strcmp(argv[i], svc_opt[k]) != 0)
            k++;
        char *end;
        unsigned long p = k < SVC__COUNT && i + 1 < argc ? strtoul(argv[i + 1], &end, 10) : 0;
        if (k == SVC__COUNT) {
            tool_error(CMD, "unknown option '%s' (try --help)", argv[i]);
            return 2;
        }
        if (i + 1 >= argc || *end != '\0' || p == 0 || p > 65535) {
            tool_error(CMD, "%s needs a port number 1..65535 (try --help)", argv[i]);
            return 2;
        }
        if (sv->on[k]) {
            tool_error(CMD, "%s given twice (one port per service)", argv[i]);
            return 2;
        }
        sv->on[k] = true;
        sv->port[k] = (uint16_t)p;
        i++;
    }
    return t == TOOL_ARG_END ? -1 : t;
}

static int check_args(server *sv, const tool_net_opts *o)
{
    if (tool_net_check(CMD, o) != 0 || tool_net_check_cores(CMD, o) != 0 ||
        tool_check_ports(CMD, svc_opt, sv->port, sv->on, SVC__COUNT) != 0 ||
        tool_iperf3_check(CMD, sv->ip3_port, svc_opt, sv->port, sv->on, SVC__COUNT) != 0)
        return 2;
    bool any = sv->uecho.on || sv->ip3_port != 0;
    for (int k = 0; k < SVC__COUNT; k++)
        any = any || sv->on[k];
    if (!any) {
        tool_error(CMD, "no service: give at least one of --echo, --discard, --http, --iperf, "
                        "--iperf3, --udp-echo");
        return 2;
    }
    struct stat st;
    if (sv->root != NULL && (stat(sv->root, &st) != 0 || !S_ISDIR(st.st_mode))) {
        tool_error(CMD, "--root %s is not a directory", sv->root);
        return 2;
    }
    if (sv->root != NULL && (sv->root_real = realpath(sv->root, NULL)) == NULL) {
        tool_error(CMD, "--root %s: %s", sv->root, strerror(errno));
        return 2;
    }
    return 0;
}

/* The limits into the stack's config (ctx: serve_limits). The socket
 * table: the connections, plus a slot for each listener. */
static void serve_tweak(sk_stack_config *cfg, const void *ctx)
{
    const serve_limits *lim = ctx;
    cfg->max_sockets = lim->max_conns + SVC__COUNT;
    cfg->time_wait_us = lim->time_wait_us;
    cfg->max_time_wait = lim->max_time_wait;
    cfg->syn_cookies = lim->syn_cookies;
    if (lim->syn_backlog != 0)
        cfg->syn_backlog = lim->syn_backlog;
    cfg->max_half_open = lim->max_half_open;
}

/* A line for each IPv6 address that comes into use after start (the
 * link-local one after DAD, RFC 4862 §5.4; SLAAC ones from RAs, RFC 7217
 * identifiers), for scripts that wait for one. */
static void log_new_addrs(server *sv, sk_ifaddr *seen, int *n_seen)
{
    sk_ifaddr now[SK_CFG_ADDRS];
    int n = sk_stack_ip6_addrs(sv->stack, now, SK_CFG_ADDRS);
    for (int i = 0; i < n; i++) {
        bool known = false;
        for (int k = 0; k < *n_seen; k++)
            known = known || memcmp(seen[k].addr.b, now[i].addr.b, 16) == 0;
        if (known)
            continue;
        char ip[SK_IP6_STR_LEN];
        sk_ip6 a;
        memcpy(a.b, now[i].addr.b, 16);
        fprintf(sv->log, "synack serve: IPv6 address %s/%u in use\n",
                sk_ip6_to_str(a, ip, sizeof ip), now[i].prefix_len);
        fflush(sv->log);
    }
    memcpy(seen, now, sizeof(sk_ifaddr) * (size_t)n);
    *n_seen = n;
}

static int run(server *sv)
{
    sk_ifaddr seen[SK_CFG_ADDRS];
    int n_seen = sk_stack_ip6_addrs(sv->stack, seen, SK_CFG_ADDRS);
    bool log6 = sv->net.opts->queue == 0; /* with --cores, every stack has the addresses */
    while (!tool_stop_flag) {
        if (tool_net_step(&sv->net, 1000000u) != 0) {
            tool_error(CMD, "device %s failed: %s", sv->net.dev.name, strerror(errno));
            return 1;
        }
        if (log6)
            log_new_addrs(sv, seen, &n_seen);
        dispatch(sv);
        sweep_idle(sv);
    }
    if (drain(sv) != 0) {
        tool_error(CMD, "device %s failed: %s", sv->net.dev.name, strerror(errno));
        return 1;
    }
    return 0;
}

/* One stack on its queue, from start to drain; tool_net_stop (the stats)
 * is the caller's, so that --cores prints them in queue order. */
static int serve_one(server *sv)
{
    if (tool_net_start(&sv->net, CMD, sv->net.opts, sv->log, serve_tweak, &sv->lim) != 0)
        return 1;
    sv->stack = sv->net.stack;
    sv->loop = sv->net.loop;
    if (tool_dhcp_acquire(&sv->net, 30000000u) != 0)
        return 1;
    sv->max_conns = sv->lim.max_conns + SVC__COUNT + 1; /* indexed by handle slot, 1-based */
    sv->conns = calloc(sv->max_conns, sizeof *sv->conns);
    int r = sv->conns == NULL ? 1 : start_listeners(sv) != 0 ? 1 : run(sv);
    free(sv->conns);
    sv->conns = NULL;
    return r;
}

typedef struct {
    server *sv;            /* one per queue */
    tool_net_opts *opts;   /* one per queue: the same but for .queue */
    int rc[SK_POSIX_MQ_MAX];
} serve_mq;

static void serve_thread(unsigned i, void *ctx)
{
    serve_mq *m = ctx;
    m->rc[i] = serve_one(&m->sv[i]);
    if (m->rc[i] != 0)
        tool_stop_flag = 1; /* one stack failed: the others stop too */
}

/* --cores N: N copies of the server, each with its own queue, stack, loop
 * and connections, in N pinned threads (posix_mq.h). The queues are all
 * attached before any thread runs (tool_net_open_queues). */
static int serve_cores(const server *proto, const tool_net_opts *o)
{
    unsigned n = o->cores;
    serve_mq m = {.sv = calloc(n, sizeof *m.sv), .opts = calloc(n, sizeof *m.opts)};
    sk_posix_dev devs[SK_POSIX_MQ_MAX];
    atomic_uint ready = 0;
    char err[128];
    if (m.sv == NULL || m.opts == NULL || tool_net_open_queues(CMD, o, devs) != 0) {
        if (m.sv == NULL || m.opts == NULL)
            tool_error(CMD, "out of memory");
        free(m.sv);
        free(m.opts);
        return 1;
    }
    for (unsigned i = 0; i < n; i++) {
        m.opts[i] = *o;
        m.opts[i].queue = i;
        m.opts[i].queue_dev = &devs[i];
        m.sv[i] = *proto;
        m.sv[i].net.opts = &m.opts[i];
        m.sv[i].net.dev.fd = -1;
        m.sv[i].ready = &ready;
        m.rc[i] = -1; /* not started */
    }
    int r = 0;
    if (sk_posix_mq_run(n, true, serve_thread, &m, err, sizeof err) != 0) {
        tool_error(CMD, "%s", err);
        r = 1;
    }
    for (unsigned i = 0; i < n; i++) {
        if (m.rc[i] < 0)
            sk_posix_dev_close(&devs[i]); /* its thread never ran */
        else
            tool_net_stop(&m.sv[i].net);
        r = r != 0 ? r : m.rc[i] != 0;
    }
    free(m.sv);
    free(m.opts);
    return r;
}

int cmd_serve(int argc, char **argv)
{
    static server sv;
    tool_net_opts o;
    memset(&o, 0, sizeof o);
    memset(&sv, 0, sizeof sv);
    sv.lim.max_conns = MAX_CONNS_DEFAULT;
    sv.lim.time_wait_us = 60000000u;
    sv.lim.syn_cookies = SK_SYNCOOKIES_WHEN_FULL;
    sv.idle_us = (sk_time_us)IDLE_S_DEFAULT * 1000000u;
    sv.log = stdout;
    setvbuf(stdout, NULL, _IOLBF, 0);
    int r = parse_args(&sv, &o, argc, argv);
    if (r >= 0)
        return r;
    if ((r = check_args(&sv, &o)) != 0)
        return r;
    tool_signals_install();
    if (o.cores > 1) {
        r = serve_cores(&sv, &o);
    } else {
        sv.net.opts = &o;
        r = serve_one(&sv);
        tool_net_stop(&sv.net);
    }
    free(sv.root_real);
    return r;
}
