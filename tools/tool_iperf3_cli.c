/* `synack connect --iperf3 HOST [PORT]`: an iperf3 client (TCP; -R, -P,
 * -t) against iperf3 -s. The protocol is described in tool_iperf3.h. */
#include "tool_iperf3.h"

#include "posix/posix_sock.h"
#include "posix/posix_sys.h"
#include "synack/error.h"
#include "synack/udp.h"
#include "tool.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WAIT_US 10000000u /* any one step of the protocol: at most 10 s */

typedef struct {
    const char *cmd;
    sk_posix_loop *l;
    sk_stack *st;
    const ip3_client_opts *o;
    const sk_endpoint *server;
    FILE *out;
    sk_sock ctrl;
    sk_sock s[IP3_MAX_STREAMS];
    bool eof[IP3_MAX_STREAMS];
    ip3_stream_result r[IP3_MAX_STREAMS];
    int n;
    bool counting;            /* the test runs: data counts */
    uint64_t udp_sent;        /* -u: bytes the rate allowed so far, all streams */
    sk_time_us t_start, t_end;
    char cookie[IP3_COOKIE];
    uint8_t blk[131072];
} ip3_client;

/* A one-line error; returns 2 (on_state's "failed"). */
static int fail(ip3_client *c, const char *what, int err)
{
    tool_error(c->cmd, "iperf3: %s%s%s", what, err ? ": " : "", err ? sk_strerror(err) : "");
    return 2;
}

/* 36 characters of iperf3's cookie alphabet and a NUL */
static void make_cookie(char *cookie)
{
    static const char abc[] = "abcdefghijklmnopqrstuvwxyz234567";
    uint8_t rnd[IP3_COOKIE - 1];
    if (sk_posix_entropy(rnd, sizeof rnd) != 0)
        memset(rnd, 7, sizeof rnd);
    for (size_t i = 0; i < sizeof rnd; i++)
        cookie[i] = abc[rnd[i] % 32];
    cookie[IP3_COOKIE - 1] = '\0';
}

static int send_json(ip3_client *c, const char *js, size_t len)
{
    uint8_t hdr[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len};
    if (sk_blocking_send_all(c->l, c->ctrl, hdr, 4, WAIT_US) != 4)
        return -1;
    return sk_blocking_send_all(c->l, c->ctrl, js, len, WAIT_US) == (ptrdiff_t)len ? 0 : -1;
}

static int send_state(ip3_client *c, int state)
{
    uint8_t b = (uint8_t)(int8_t)state;
    return sk_blocking_send_all(c->l, c->ctrl, &b, 1, WAIT_US) == 1 ? 0 : -1;
}

/* -u: datagrams at the rate (-b), each with iperf3's 12-byte header
 * (seconds, microseconds of our clock, sequence number from 1, 32-bit
 * big-endian), spread over the streams in turn. A full send queue drops
 * the datagram: it counts as sent and lost, as on a host NIC queue. */
static void send_udp(ip3_client *c)
{
    sk_time_us now = c->l->now;
    uint64_t allowed = (uint64_t)((double)c->o->bandwidth / 8.0 * (double)(now - c->t_start) / 1e6);
    for (int k = 0; c->udp_sent + c->o->len <= allowed; k = (k + 1) % c->n) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint32_t w[3] = {(uint32_t)ts.tv_sec, (uint32_t)(ts.tv_nsec / 1000),
                         (uint32_t)++c->r[k].packets};
        for (int i = 0; i < 3; i++)
            for (int b = 0; b < 4; b++)
                c->blk[4 * i + b] = (uint8_t)(w[i] >> (24 - 8 * b));
        sk_udp_send(c->st, now, c->s[k], c->blk, c->o->len);
        c->r[k].bytes += c->o->len;
        c->udp_sent += c->o->len;
    }
}

/* Move data on every stream as far as the buffers allow: out (forward),
 * or in (reversed, and always read to drain what arrives). */
static void move_data(ip3_client *c)
{
    sk_time_us now = c->l->now;
    if (c->o->udp) {
        if (c->counting)
            send_udp(c);
        return;
    }
    for (int i = 0; i < c->n; i++) {
        ptrdiff_t n;
        while (c->counting && !c->o->reverse &&
               (n = sk_tcp_send(c->st, now, c->s[i], c->blk, c->o->len)) > 0)
            c->r[i].bytes += (uint64_t)n;
        while (!c->eof[i] && (n = sk_tcp_recv(c->st, now, c->s[i], c->blk, sizeof c->blk)) != SK_EAGAIN) {
            if (n <= 0) {
                c->eof[i] = true; /* the server closes the streams at TEST_END */
                break;
            }
            if (c->counting && c->o->reverse)
                c->r[i].bytes += (uint64_t)n;
        }
    }
}

/* The next state byte from the server, moving data meanwhile; until
 * `until` (absolute) when data is being moved for the test's duration:
 * then 0 with *state = 0 when the time came first. */
static int next_state(ip3_client *c, sk_time_us until, bool timed, int *state)
{
    *state = 0;
    for (;;) {
        uint8_t b;
        ptrdiff_t n = sk_tcp_recv(c->st, c->l->now, c->ctrl, &b, 1);
        if (n == 1) {
            *state = (int8_t)b;
            return 0;
        }
        if (n != SK_EAGAIN)
            return n == 0 ? SK_ECONNRESET : (int)n;
        move_data(c);
        sk_time_us now = c->l->now;
        if (now >= until)
            return timed ? 0 : SK_ETIMEDOUT;
        sk_time_us cap = c->o->udp && c->counting ? 1000 : 100000; /* -u: pace per ms */
        if (sk_posix_loop_step(c->l, until - now < cap ? until - now : cap) != 0)
            return SK_EIO;
    }
}

static int send_params(ip3_client *c)
{
    char js[512];
    int n = snprintf(js, sizeof js,
                     "{\"%s\":true,\"omit\":0,\"time\":%u,\"num\":0,\"blockcount\":0,"
                     "\"parallel\":%u,%s\"len\":%u,\"bandwidth\":%llu,\"pacing_timer\":1000,"
                     "\"client_version\":\"3.12\"}",
                     c->o->udp ? "udp" : "tcp", (unsigned)c->o->time_s, c->o->parallel,
                     c->o->reverse ? "\"reverse\":true," : "", c->o->len,
                     (unsigned long long)(c->o->udp ? c->o->bandwidth : 0)); /* TCP: no limit */
    return n > 0 && (size_t)n < sizeof js ? send_json(c, js, (size_t)n) : -1;
}

/* -u: a connected UDP socket per stream, opened with iperf3's 4-byte
 * hello, which the server answers (both in the sender's byte order). */
static int create_udp_streams(ip3_client *c)
{
    for (unsigned i = 0; i < c->o->parallel; i++) {
        uint32_t hello = IP3_UDP_CONNECT_MSG, reply = 0;
        int r = sk_udp_open(c->st, &c->s[i]);
        if (r == 0 && (r = sk_udp_connect(c->st, c->s[i], c->server)) != 0)
            sk_udp_close(c->st, c->s[i]);
        if (r != 0)
            return fail(c, "cannot open a UDP stream", r);
        c->n++;
        c->r[i].id = ip3_stream_id((int)i);
        sk_time_us until = c->l->now + WAIT_US, resend = 0;
        ptrdiff_t n = SK_EAGAIN;
        while (n == SK_EAGAIN && c->l->now < until) {
            if (c->l->now >= resend) { /* the first may wait for ARP: again each second */
                sk_udp_send(c->st, c->l->now, c->s[i], &hello, 4);
                resend = c->l->now + 1000000u;
            }
            if (sk_posix_loop_step(c->l, 100000) != 0)
                return fail(c, "device failed", SK_EIO);
            n = sk_udp_recv(c->st, c->l->now, c->s[i], &reply, sizeof reply);
        }
        if (n != 4)
            return fail(c, "no answer to the UDP stream's hello", n < 0 ? (int)n : 0);
    }
    return 0;
}

static int create_streams(ip3_client *c)
{
    if (c->o->udp)
        return create_udp_streams(c);
    for (unsigned i = 0; i < c->o->parallel; i++) {
        int r = sk_blocking_connect(c->l, c->server, WAIT_US, &c->s[i]);
        if (r != 0)
            return fail(c, "cannot open a data stream", r);
        c->n++;
        c->r[i].id = ip3_stream_id((int)i);
        if (sk_blocking_send_all(c->l, c->s[i], c->cookie, IP3_COOKIE, WAIT_US) != IP3_COOKIE)
            return fail(c, "cannot send the cookie on a data stream", 0);
    }
    return 0;
}

/* Ours first, then the server's (the client's order in iperf3). */
static int exchange_results(ip3_client *c, ip3_stream_result *theirs_sum)
{
    static char js[IP3_JSON_MAX + 1];
    double secs = (double)(c->t_end - c->t_start) / 1e6;
    size_t len = ip3_json_results(js, sizeof js, c->r, c->n, secs);
    if (len == 0 || send_json(c, js, len) != 0)
        return fail(c, "cannot send the results", 0);
    uint8_t hdr[4];
    size_t got = 0;
    while (got < 4) {
        ptrdiff_t n = sk_blocking_recv(c->l, c->ctrl, hdr + got, 4 - got, WAIT_US);
        if (n <= 0)
            return fail(c, "no results from the server", n < 0 ? (int)n : 0);
        got += (size_t)n;
    }
    len = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
    if (len == 0 || len > IP3_JSON_MAX)
        return fail(c, "bad results length from the server", 0);
    for (got = 0; got < len;) {
        ptrdiff_t n = sk_blocking_recv(c->l, c->ctrl, js + got, len - got, WAIT_US);
        if (n <= 0)
            return fail(c, "the server's results were cut short", n < 0 ? (int)n : 0);
        got += (size_t)n;
    }
    js[len] = '\0';
    ip3_stream_result theirs[IP3_MAX_STREAMS];
    int nt = ip3_json_streams(js, theirs, IP3_MAX_STREAMS);
    memset(theirs_sum, 0, sizeof *theirs_sum);
    for (int i = 0; i < nt; i++) {
        theirs_sum->bytes += theirs[i].bytes;
        theirs_sum->packets += theirs[i].packets;
        theirs_sum->errors += theirs[i].errors;
        theirs_sum->jitter_s += theirs[i].jitter_s / nt;
    }
    return 0;
}

static void report(ip3_client *c, const ip3_stream_result *ts)
{
    uint64_t theirs = ts->bytes;
    uint64_t ours = 0;
    for (int i = 0; i < c->n; i++)
        ours += c->r[i].bytes;
    double secs = (double)(c->t_end - c->t_start) / 1e6;
    uint64_t sent = c->o->reverse ? theirs : ours, recvd = c->o->reverse ? ours : theirs;
    fprintf(c->out, "[SUM] 0.00-%.2f sec  %llu bytes  %.1f Mbit/s  sender%s\n", secs,
            (unsigned long long)sent, (double)sent * 8 / secs / 1e6,
            c->o->reverse ? " (the server)" : "");
    fprintf(c->out, "[SUM] 0.00-%.2f sec  %llu bytes  %.1f Mbit/s  receiver%s\n", secs,
            (unsigned long long)recvd, (double)recvd * 8 / secs / 1e6,
            c->o->reverse ? "" : " (the server)");
    if (c->o->udp)
        fprintf(c->out, "[SUM] the server lost %llu of %llu datagrams, jitter %.3f ms\n",
                (unsigned long long)ts->errors, (unsigned long long)ts->packets,
                ts->jitter_s * 1e3);
    fflush(c->out);
}

static void close_all(ip3_client *c)
{
    for (int i = 0; i < c->n; i++)
        if (c->o->udp)
            sk_udp_close(c->st, c->s[i]);
        else if (sk_tcp_close(c->st, c->l->now, c->s[i]) != 0)
            sk_tcp_abort(c->st, c->l->now, c->s[i]);
    sk_blocking_close(c->l, c->ctrl, 2000000u);
}

/* What the server said: 1 the test goes on, 0 done, 2 failed. */
static int on_state(ip3_client *c, int st)
{
    ip3_stream_result theirs;
    switch (st) {
    case IP3_PARAM_EXCHANGE:
        return send_params(c) == 0 ? 1 : fail(c, "cannot send the parameters", 0);
    case IP3_CREATE_STREAMS:
        return create_streams(c) == 0 ? 1 : 2;
    case IP3_TEST_START:
        return 1;
    case IP3_TEST_RUNNING:
        c->t_start = c->l->now;
        c->t_end = c->t_start + (sk_time_us)(c->o->time_s * 1e6);
        c->counting = true;
        return 1;
    case IP3_EXCHANGE_RESULTS:
        if (exchange_results(c, &theirs) != 0)
            return 2;
        report(c, &theirs);
        return 1;
    case IP3_DISPLAY_RESULTS:
        return send_state(c, IP3_IPERF_DONE) == 0 ? 0 : fail(c, "cannot send IPERF_DONE", 0);
    case IP3_ACCESS_DENIED:
        return fail(c, "the server is busy with another test (ACCESS_DENIED)", 0);
    case IP3_SERVER_ERROR:
        return fail(c, "the server refused the test (SERVER_ERROR)", 0);
    case IP3_SERVER_TERMINATE:
        return fail(c, "the server ended the test (SERVER_TERMINATE)", 0);
    default:
        return 1; /* a state this client does not act on */
    }
}

int ip3_client_run(const char *cmd, sk_posix_loop *loop, const sk_endpoint *server,
                   const ip3_client_opts *o, FILE *out)
{
    static ip3_client c;
    memset(&c, 0, sizeof c);
    c.cmd = cmd;
    c.l = loop;
    c.st = loop->stack;
    c.o = o;
    c.server = server;
    c.out = out;
    for (size_t i = 0; i < sizeof c.blk; i++)
        c.blk[i] = (uint8_t)('0' + i % 10);
    make_cookie(c.cookie);
    int r = sk_blocking_connect(loop, server, WAIT_US, &c.ctrl);
    if (r != 0) {
        fail(&c, "cannot connect", r);
        return 1;
    }
    if (sk_blocking_send_all(loop, c.ctrl, c.cookie, IP3_COOKIE, WAIT_US) != IP3_COOKIE) {
        fail(&c, "cannot send the cookie", 0);
        sk_tcp_abort(c.st, loop->now, c.ctrl);
        return 1;
    }
    int st, go = 1;
    while (go == 1) {
        bool timed = c.counting;
        sk_time_us until = timed ? c.t_end : c.l->now + WAIT_US;
        if ((r = next_state(&c, until, timed, &st)) != 0) {
            go = fail(&c, "control connection", r);
            break;
        }
        if (st == 0) { /* the test's time is over */
            c.counting = false;
            c.t_end = c.l->now;
            go = send_state(&c, IP3_TEST_END) == 0 ? 1 : fail(&c, "cannot send TEST_END", 0);
            continue;
        }
        go = on_state(&c, st);
    }
    close_all(&c);
    return go == 0 ? 0 : 1;
}

/* -b: "20M", "500K", "1G", "64000" in bit/s (decimal multipliers, as
 * iperf3's), 1K..100G. */
static int parse_rate(const char *v, uint64_t *out)
{
    char digits[24];
    size_t n = strlen(v);
    uint64_t mult = 1, x;
    if (n == 0 || n >= sizeof digits)
        return -1;
    switch (v[n - 1]) {
    case 'k': case 'K': mult = 1000; break;
    case 'm': case 'M': mult = 1000000; break;
    case 'g': case 'G': mult = 1000000000; break;
    default: n++; break;
    }
    memcpy(digits, v, n - 1);
    digits[n - 1] = '\0';
    if (tool_parse_u64(digits, 1, 100000000000ull, &x) != 0 || x > 100000000000ull / mult ||
        x * mult < 1000)
        return -1;
    *out = x * mult;
    return 0;
}

int ip3_client_arg(const char *cmd, int argc, char **argv, int *i, ip3_client_opts *o)
{
    const char *a = argv[*i];
    uint64_t v;
    if (!strcmp(a, "-R")) {
        o->reverse = true;
    } else if (!strcmp(a, "-u")) {
        o->udp = true;
    } else if (!strcmp(a, "-b")) {
        if (*i + 1 >= argc || parse_rate(argv[*i + 1], &o->bandwidth) != 0) {
            tool_error(cmd, "bad -b (bit/s with K, M or G, e.g. 20M; 1K..100G)");
            return -1;
        }
        ++*i;
    } else if (!strcmp(a, "-P") || !strcmp(a, "-t")) {
        if (*i + 1 >= argc || tool_parse_u64(argv[*i + 1], 1, a[1] == 'P' ? IP3_MAX_STREAMS : 86400,
                                              &v) != 0) {
            tool_error(cmd, a[1] == 'P' ? "bad -P (streams, 1..%d)" : "bad -t (seconds, 1..%d)",
                       a[1] == 'P' ? IP3_MAX_STREAMS : 86400);
            return -1;
        }
        ++*i;
        if (a[1] == 'P')
            o->parallel = (unsigned)v;
        else
            o->time_s = (double)v;
    } else {
        return 0;
    }
    o->given = true;
    return 1;
}
