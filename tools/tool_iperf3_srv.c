/* `synack serve --iperf3 PORT`: an iperf3 server, one test at a time (as
 * iperf3 -s: a client that comes while a test runs gets ACCESS_DENIED).
 * The protocol is described in tool_iperf3.h. */
#include "tool_iperf3.h"

#include "synack/error.h"
#include "synack/udp.h"
#include "tool.h"
#include "tool_net.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

enum phase { P_IDLE, P_COOKIE, P_PARAMS, P_STREAMS, P_RUNNING, P_RESULTS, P_DONE };

typedef struct {
    sk_sock sock;           /* TCP; unused for UDP */
    sk_endpoint peer;       /* UDP: the stream's source */
    size_t cookie_got;
    char cookie[IP3_COOKIE];
    bool ready;             /* TCP: cookie matched; UDP: hello answered */
    bool closed;            /* TCP: closed at TEST_END */
    ip3_stream_result r;
    double prev_transit;    /* UDP jitter, RFC 3550 §6.4.1 */
    bool have_transit;
} ip3_stream;

struct ip3_server {
    sk_stack *st;
    FILE *log;
    uint16_t port;
    sk_sock listener, usock;
    enum phase phase;
    sk_time_us now;
    sk_sock ctrl;
    char cookie[IP3_COOKIE];
    sk_endpoint client;
    int parallel;
    bool reverse, udp, udp64;
    uint32_t blksize;
    ip3_stream s[IP3_MAX_STREAMS];
    int n;
    sk_time_us t_start, t_end;
    size_t in_len, out_len, out_off;
    uint8_t in[IP3_JSON_MAX + 8];
    uint8_t out[IP3_JSON_MAX + 64];
    uint8_t blk[65536];
};

static bool same(sk_sock a, sk_sock b)
{
    return a.idx == b.idx && a.gen == b.gen;
}

bool ip3_server_owns(const ip3_server *sv, sk_sock h)
{
    if (same(h, sv->listener) || same(h, sv->usock) ||
        (sv->phase != P_IDLE && same(h, sv->ctrl)))
        return true;
    for (int i = 0; i < sv->n; i++)
        if (!sv->udp && !sv->s[i].closed && same(h, sv->s[i].sock))
            return true;
    return false;
}

int ip3_server_open(sk_stack *s, uint16_t port, FILE *log, ip3_server **out)
{
    ip3_server *sv = calloc(1, sizeof *sv);
    if (sv == NULL)
        return SK_ENOMEM;
    sv->st = s;
    sv->log = log;
    sv->port = port;
    for (size_t i = 0; i < sizeof sv->blk; i++)
        sv->blk[i] = (uint8_t)('0' + i % 10);
    sk_listen_opts lo = {.backlog = 64};
    sk_endpoint local = {.port = port};
    int r = sk_tcp_listen(s, port, &lo, &sv->listener);
    if (r == 0 && (r = sk_udp_open(s, &sv->usock)) == 0 && (r = sk_udp_bind(s, sv->usock, &local)) != 0)
        sk_udp_close(s, sv->usock);
    if (r != 0) {
        free(sv);
        return r;
    }
    *out = sv;
    return 0;
}

/* Queue bytes on the control connection (sent by flush_ctrl). */
static void ctrl_put(ip3_server *sv, const void *p, size_t n)
{
    if (sv->out_len + n <= sizeof sv->out) {
        memcpy(sv->out + sv->out_len, p, n);
        sv->out_len += n;
    }
}

static void ctrl_state(ip3_server *sv, int state)
{
    uint8_t b = (uint8_t)(int8_t)state;
    ctrl_put(sv, &b, 1);
}

static void flush_ctrl(ip3_server *sv)
{
    if (tool_tcp_send_rest(sv->st, sv->now, sv->ctrl, sv->out, sv->out_len, &sv->out_off) == 1)
        sv->out_off = sv->out_len = 0; /* else: an error, or later (writable) */
}

static double secs_of(const ip3_server *sv)
{
    sk_time_us end = sv->t_end ? sv->t_end : sv->now;
    return sv->t_start && end > sv->t_start ? (double)(end - sv->t_start) / 1e6 : 0.0;
}

static void log_result(ip3_server *sv, const char *how)
{
    uint64_t bytes = 0, pk = 0, lost = 0;
    double jit = 0;
    for (int i = 0; i < sv->n; i++) {
        bytes += sv->s[i].r.bytes;
        pk += sv->s[i].r.packets;
        lost += sv->s[i].r.errors;
        jit += sv->s[i].r.jitter_s / sv->n;
    }
    char peer[80];
    double secs = secs_of(sv);
    fprintf(sv->log, "iperf3 %s: %s %llu bytes in %.2f s = %.1f Mbit/s (%d %s stream%s%s)",
            tool_endpoint_str(&sv->client, peer, sizeof peer), sv->reverse ? "sent" : "received",
            (unsigned long long)bytes, secs, secs > 0 ? (double)bytes * 8 / secs / 1e6 : 0.0,
            sv->n, sv->udp ? "UDP" : "TCP", sv->n == 1 ? "" : "s", sv->reverse ? ", reverse" : "");
    if (sv->udp && !sv->reverse)
        fprintf(sv->log, ", lost %llu of %llu datagrams, jitter %.3f ms",
                (unsigned long long)lost, (unsigned long long)pk, jit * 1e3);
    fprintf(sv->log, "%s%s\n", how[0] ? ": " : "", how);
    fflush(sv->log);
}

/* The data connections end with the test (as iperf3 -s closes them at
 * TEST_END): a reversed test's client reads until their FIN. */
static void close_streams(ip3_server *sv)
{
    for (int i = 0; i < sv->n && !sv->udp; i++) {
        if (sv->s[i].closed)
            continue;
        if (sk_tcp_close(sv->st, sv->now, sv->s[i].sock) != 0)
            sk_tcp_abort(sv->st, sv->now, sv->s[i].sock);
        sv->s[i].closed = true;
    }
}

/* Close everything of the test and wait for the next client. */
static void end_test(ip3_server *sv)
{
    flush_ctrl(sv);
    if (sk_tcp_close(sv->st, sv->now, sv->ctrl) != 0)
        sk_tcp_abort(sv->st, sv->now, sv->ctrl);
    close_streams(sv);
    sv->phase = P_IDLE;
    sv->n = 0;
    sv->in_len = sv->out_len = sv->out_off = 0;
    sv->t_start = sv->t_end = 0;
    memset(&sv->ctrl, 0, sizeof sv->ctrl);
}

static void abort_test(ip3_server *sv, const char *why)
{
    if (sv->phase >= P_STREAMS)
        log_result(sv, why);
    else
        fprintf(sv->log, "iperf3: test abandoned: %s\n", why);
    fflush(sv->log);
    end_test(sv);
}

/* A length-prefixed JSON object at the front of the control input: its
 * text (NUL-terminated in place of the next byte, which is saved) or NULL
 * while incomplete; *bad when the length is impossible. */
static char *take_json(ip3_server *sv, size_t *used, bool *bad)
{
    *bad = false;
    if (sv->in_len < 4)
        return NULL;
    uint32_t len = (uint32_t)sv->in[0] << 24 | (uint32_t)sv->in[1] << 16 |
                   (uint32_t)sv->in[2] << 8 | sv->in[3];
    if (len == 0 || len > IP3_JSON_MAX) {
        *bad = true;
        return NULL;
    }
    if (sv->in_len < 4 + (size_t)len)
        return NULL;
    static char js[IP3_JSON_MAX + 1];
    memcpy(js, sv->in + 4, len);
    js[len] = '\0';
    *used = 4 + (size_t)len;
    return js;
}

static void consume(ip3_server *sv, size_t n)
{
    memmove(sv->in, sv->in + n, sv->in_len - n);
    sv->in_len -= n;
}

static bool take_params(ip3_server *sv, const char *js)
{
    double v;
    sv->parallel = ip3_json_num(js, "parallel", &v) ? (int)v : 1;
    sv->reverse = ip3_json_num(js, "reverse", &v) && v != 0;
    sv->udp = ip3_json_num(js, "udp", &v) && v != 0;
    sv->udp64 = ip3_json_num(js, "udp_counters_64bit", &v) && v != 0;
    sv->blksize = ip3_json_num(js, "len", &v) && v >= 16 && v <= 65536 ? (uint32_t)v : 131072;
    if (sv->blksize > sizeof sv->blk)
        sv->blksize = sizeof sv->blk;
    if (ip3_json_num(js, "bidirectional", &v) && v != 0) {
        fprintf(sv->log, "iperf3: --bidir is not supported: test refused\n");
        return false;
    }
    if (sv->udp && sv->reverse) {
        fprintf(sv->log, "iperf3: -u with -R (UDP from the server) is not supported: test refused\n");
        return false;
    }
    if (sv->parallel < 1 || sv->parallel > IP3_MAX_STREAMS) {
        fprintf(sv->log, "iperf3: -P %d: at most %d streams: test refused\n", sv->parallel,
                IP3_MAX_STREAMS);
        return false;
    }
    return true;
}

/* The client's results came: answer with ours, then DISPLAY_RESULTS. */
static void exchange_results(ip3_server *sv, const char *js)
{
    ip3_stream_result theirs[IP3_MAX_STREAMS], ours[IP3_MAX_STREAMS];
    int nt = ip3_json_streams(js, theirs, IP3_MAX_STREAMS);
    uint64_t tb = 0;
    for (int i = 0; i < nt; i++)
        tb += theirs[i].bytes;
    for (int i = 0; i < sv->n; i++)
        ours[i] = sv->s[i].r;
    static char buf[IP3_JSON_MAX];
    size_t len = ip3_json_results(buf, sizeof buf, ours, sv->n, secs_of(sv));
    uint8_t hdr[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len};
    ctrl_put(sv, hdr, 4);
    ctrl_put(sv, buf, len);
    ctrl_state(sv, IP3_DISPLAY_RESULTS);
    char how[80];
    snprintf(how, sizeof how, "the client %s %llu bytes", sv->reverse ? "received" : "sent",
             (unsigned long long)tb);
    log_result(sv, how);
}

/* One step of the control conversation on what has arrived; false when
 * nothing more can be done now. */
static bool ctrl_step(ip3_server *sv)
{
    size_t used;
    bool bad;
    char *js;
    switch (sv->phase) {
    case P_COOKIE:
        if (sv->in_len < IP3_COOKIE)
            return false;
        memcpy(sv->cookie, sv->in, IP3_COOKIE);
        consume(sv, IP3_COOKIE);
        ctrl_state(sv, IP3_PARAM_EXCHANGE);
        sv->phase = P_PARAMS;
        return true;
    case P_PARAMS:
    case P_RESULTS:
        if ((js = take_json(sv, &used, &bad)) == NULL) {
            if (bad)
                abort_test(sv, "bad JSON length on the control connection");
            return false;
        }
        consume(sv, used);
        if (sv->phase == P_RESULTS) {
            exchange_results(sv, js);
            sv->phase = P_DONE;
        } else if (!take_params(sv, js)) {
            ctrl_state(sv, IP3_SERVER_ERROR);
            end_test(sv);
            return false;
        } else {
            ctrl_state(sv, IP3_CREATE_STREAMS);
            sv->phase = P_STREAMS;
        }
        return true;
    default: /* one state byte from the client */
        if (sv->in_len < 1)
            return false;
        int8_t b = (int8_t)sv->in[0];
        consume(sv, 1);
        if (b == IP3_TEST_END && sv->phase == P_RUNNING) {
            sv->t_end = sv->now;
            close_streams(sv);
            ctrl_state(sv, IP3_EXCHANGE_RESULTS);
            sv->phase = P_RESULTS;
        } else if (b == IP3_IPERF_DONE && sv->phase == P_DONE) {
            end_test(sv);
            return false;
        } else if (b == IP3_CLIENT_TERMINATE) {
            abort_test(sv, "the client ended the test (CLIENT_TERMINATE)");
            return false;
        }
        return true;
    }
}

static void pump_ctrl(ip3_server *sv)
{
    ptrdiff_t n = 0;
    while (sv->in_len < sizeof sv->in) {
        n = sk_tcp_recv(sv->st, sv->now, sv->ctrl, sv->in + sv->in_len, sizeof sv->in - sv->in_len);
        if (n <= 0)
            break;
        sv->in_len += (size_t)n;
    }
    while (sv->phase != P_IDLE && ctrl_step(sv)) {
    }
    /* the end of the control connection ends the test (IPERF_DONE may
     * come with the FIN: it was taken above) */
    if (sv->phase != P_IDLE && n <= 0 && n != SK_EAGAIN)
        abort_test(sv, n == 0 ? "the client closed the control connection" : sk_strerror((int)n));
}

/* A TCP data stream: its cookie first, then data in (counted while the
 * test runs) or, reversed, data out until TEST_END. */
static void pump_stream(ip3_server *sv, ip3_stream *s)
{
    while (s->cookie_got < IP3_COOKIE) {
        ptrdiff_t n = sk_tcp_recv(sv->st, sv->now, s->sock, s->cookie + s->cookie_got,
                                  IP3_COOKIE - s->cookie_got);
        if (n <= 0) {
            if (n != SK_EAGAIN)
                abort_test(sv, "a data stream closed before its cookie");
            return;
        }
        s->cookie_got += (size_t)n;
        if (s->cookie_got == IP3_COOKIE && memcmp(s->cookie, sv->cookie, IP3_COOKIE) != 0) {
            abort_test(sv, "a data stream with another test's cookie");
            return;
        }
        s->ready = s->cookie_got == IP3_COOKIE;
    }
    bool counting = sv->phase == P_RUNNING || sv->phase == P_STREAMS;
    if (sv->reverse) {
        ptrdiff_t n;
        while (sv->phase == P_RUNNING &&
               (n = sk_tcp_send(sv->st, sv->now, s->sock, sv->blk, sv->blksize)) > 0)
            s->r.bytes += (uint64_t)n;
        /* and drop whatever the client sends */
    }
    static uint8_t sink[65536];
    ptrdiff_t n;
    while ((n = sk_tcp_recv(sv->st, sv->now, s->sock, sink, sizeof sink)) > 0)
        if (counting && !sv->reverse)
            s->r.bytes += (uint64_t)n;
}

static uint64_t be_u(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

static ip3_stream *udp_stream_of(ip3_server *sv, const sk_endpoint *from)
{
    for (int i = 0; i < sv->n; i++)
        if (sv->s[i].peer.port == from->port &&
            memcmp(&sv->s[i].peer.addr, &from->addr, sizeof from->addr) == 0)
            return &sv->s[i];
    return NULL;
}

/* A UDP datagram of the test: sequence number, loss and RFC 3550 §6.4.1
 * jitter (J += (|D| - J) / 16, D the change of transit time), as iperf3
 * counts them: packets = the highest sequence number seen, errors = the
 * numbers never seen. */
static void udp_datagram(ip3_server *sv, ip3_stream *s, const uint8_t *d, size_t len)
{
    if (len < (sv->udp64 ? 16u : 12u))
        return;
    uint64_t sec = be_u(d, 4), usec = be_u(d + 4, 4);
    uint64_t seq = be_u(d + 8, sv->udp64 ? 8 : 4);
    if (sv->phase != P_RUNNING || seq == 0 || (!sv->udp64 && seq >= 0x80000000u))
        return;
    s->r.bytes += len;
    if (seq > s->r.packets) {
        s->r.errors += seq - s->r.packets - 1;
        s->r.packets = seq;
    } else if (s->r.errors > 0) {
        s->r.errors--; /* late: it was counted missing */
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    double transit = ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9) -
                     ((double)sec + (double)usec / 1e6);
    if (s->have_transit) {
        double dd = transit - s->prev_transit;
        s->r.jitter_s += ((dd < 0 ? -dd : dd) - s->r.jitter_s) / 16.0;
    }
    s->prev_transit = transit;
    s->have_transit = true;
}

static void pump_udp(ip3_server *sv)
{
    static uint8_t d[65536];
    sk_udp_meta m;
    ptrdiff_t n;
    while ((n = sk_udp_recvfrom(sv->st, sv->now, sv->usock, d, sizeof d, &m)) != SK_EAGAIN) {
        if (n < 0 || !sv->udp || sv->phase < P_STREAMS)
            continue;
        ip3_stream *s = udp_stream_of(sv, &m.from);
        if (s == NULL && n == 4 && sv->phase == P_STREAMS && sv->n < sv->parallel) {
            s = &sv->s[sv->n];
            memset(s, 0, sizeof *s);
            s->peer = m.from;
            s->r.id = ip3_stream_id(sv->n++);
            s->ready = true;
            uint32_t reply = IP3_UDP_CONNECT_REPLY; /* in our byte order, as iperf3 writes it */
            sk_udp_sendto(sv->st, sv->now, sv->usock, &reply, 4, &m.from);
        } else if (s != NULL) {
            udp_datagram(sv, s, d, (size_t)n);
        }
    }
}

static void accept_all(ip3_server *sv)
{
    sk_sock c;
    sk_endpoint peer;
    while (sk_tcp_accept(sv->st, sv->listener, &c, &peer) == 0) {
        if (sv->phase == P_IDLE) {
            sv->ctrl = c;
            sv->client = peer;
            sv->phase = P_COOKIE;
            continue;
        }
        if (sv->phase == P_STREAMS && !sv->udp && sv->n < sv->parallel) {
            ip3_stream *s = &sv->s[sv->n];
            memset(s, 0, sizeof *s);
            s->sock = c;
            s->peer = peer;
            s->r.id = ip3_stream_id(sv->n++);
            continue;
        }
        /* a test runs: iperf3 -s answers ACCESS_DENIED and closes */
        uint8_t denied = (uint8_t)(int8_t)IP3_ACCESS_DENIED;
        sk_tcp_send(sv->st, sv->now, c, &denied, 1);
        sk_tcp_close(sv->st, sv->now, c);
    }
}

static bool all_ready(const ip3_server *sv)
{
    if (sv->n < sv->parallel)
        return false;
    for (int i = 0; i < sv->n; i++)
        if (!sv->s[i].ready)
            return false;
    return true;
}

void ip3_server_pump(ip3_server *sv, sk_time_us now)
{
    sv->now = now;
    accept_all(sv);
    if (sv->phase != P_IDLE)
        pump_ctrl(sv);
    pump_udp(sv);
    for (int i = 0; i < sv->n && sv->phase != P_IDLE && !sv->udp; i++)
        if (!sv->s[i].closed)
            pump_stream(sv, &sv->s[i]);
    if (sv->phase == P_STREAMS && all_ready(sv)) {
        ctrl_state(sv, IP3_TEST_START);
        ctrl_state(sv, IP3_TEST_RUNNING);
        sv->t_start = now;
        sv->phase = P_RUNNING;
        for (int i = 0; i < sv->n && sv->reverse; i++)
            pump_stream(sv, &sv->s[i]);
    }
    if (sv->phase != P_IDLE)
        flush_ctrl(sv);
}

void ip3_server_close(ip3_server *sv, sk_time_us now)
{
    if (sv == NULL)
        return;
    sv->now = now;
    if (sv->phase != P_IDLE)
        abort_test(sv, "the server is stopping");
    sk_tcp_close(sv->st, now, sv->listener);
    sk_udp_close(sv->st, sv->usock);
    free(sv);
}
