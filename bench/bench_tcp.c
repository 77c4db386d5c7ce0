/* bench_tcp: synack's TCP throughput and connection rate, two stacks joined
 * in one process (no kernel, no copies besides the stack's own).
 *
 *   bulk   one connection, client -> server, --mib MiB (default 256), MTU 1500.
 *          Prints Gbit/s (wall clock) and CPU ns per byte (process CPU time:
 *          both stacks, both applications, the frame hand-off). Every byte
 *          received is compared with the bytes sent (memcmp against the
 *          sender's pattern; Linux's bulk-sink does the same with -v): a
 *          difference fails the run.
 *   conn   --conns N connections (default 20000), --conc C open at once
 *          (default 1: strictly one after another). Each: connect, one byte
 *          client -> server, the same byte back (checked), the client closes
 *          first (so TIME-WAIT lands on the client, as with Linux's client),
 *          the server reads EOF and closes. Prints connections per second.
 *   provenance   print the header below and exit.
 *
 * --seconds S sizes either test by time instead: keep transferring (or
 * opening connections) until S seconds have passed, then finish what is in
 * flight and report work / elapsed time. run_tcp_bench.sh sizes every run
 * this way, so synack's and Linux's runs last alike.
 *
 * Output: a provenance header ("# commit: ...", kernel, CPU, date), then one
 * "RESULT key=value ..." line per measurement, for bench/run_tcp_bench.sh,
 * plus human-readable detail on stderr.
 *
 * Time is the real monotonic clock, so timers (delayed ACK, TIME-WAIT) run
 * as they would in a real program. Every loop is bounded by --timeout. */
#define _POSIX_C_SOURCE 200809L

#include "synack/error.h"
#include "synack/stack.h"

#include "posix/posix_alloc.h"
#include "posix/posix_sys.h"

#include "bench_provenance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FRAME_CAP (65536 + 64) /* --tso: a super-segment */
#define PAT_LEN (64 * 1024)
#define SERVER_PORT 5001

typedef struct {
    uint64_t mib;          /* bulk size */
    uint32_t conns;        /* conn: total connections */
    uint32_t conc;         /* conn: open at once */
    uint32_t tw_ms;        /* TIME-WAIT length for both stacks */
    uint32_t buf_kib;      /* sndbuf = rcvbuf */
    uint32_t max_sockets;  /* socket table of each stack */
    uint32_t timeout_s;    /* bound on each measurement */
    int batch;             /* move frames a window at a time (see pump) */
    int do_bulk, do_conn, do_provenance;
    double seconds;        /* > 0: size each test by time, not by mib/conns */
    int ipv6;              /* connect over IPv6 (2001:db8::1 -> 2001:db8::2) */
    int tso;               /* both stacks offload: checksums, TSO, GRO (frame metadata) */
} bench_opts;

static int g_ipv6; /* o->ipv6, for server_endpoint */

/* 2001:db8::n */
static sk_ipaddr bench_addr6(uint8_t n)
{
    sk_ip6 a = {{0x20, 0x01, 0x0d, 0xb8}};
    a.b[15] = n;
    return sk_ipaddr_from_ip6(a);
}

typedef struct {
    sk_stack *a; /* client, 192.0.2.1 */
    sk_stack *b; /* server, 192.0.2.2 */
    uint8_t frame[FRAME_CAP];
    uint64_t frames;
    uint64_t waits; /* times the loop slept until a timer was due */
    sk_time_us now; /* the clock as last read by pump() or wait_timers() */
    int batch;
    int tso;
} bench_pair;

/* ---- clocks and memory ---- */

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_seconds(void)
{
    return (double)sk_posix_now_us() / 1e6;
}

/* ---- the two stacks and the wire between them ---- */

static sk_stack *make_stack(const bench_opts *o, sk_ip4 addr, uint64_t seed)
{
    sk_stack_config cfg;
    sk_stack_config_default(&cfg);
    cfg.link = SK_LINK_IP;
    /* dual stack: the IPv4 address and 2001:db8::(its last byte) */
    cfg.n_addrs = 2;
    cfg.addrs[0].addr = sk_ipaddr_from_ip4(addr);
    cfg.addrs[0].prefix_len = 24;
    cfg.addrs[1].addr = bench_addr6(addr.b[3]);
    cfg.addrs[1].prefix_len = 64;
    cfg.mtu = 1500;
    cfg.max_sockets = o->max_sockets;
    cfg.sndbuf = o->buf_kib * 1024u;
    cfg.rcvbuf = o->buf_kib * 1024u;
    cfg.time_wait_us = o->tw_ms * 1000u;
    cfg.seed = seed;
    cfg.alloc = sk_posix_allocator();
    if (o->tso) {
        /* a virtio-net link between two guests of one host: the checksum
         * stays partial and is trusted, super-segments cross whole */
        cfg.dev.tx_csum = true;
        cfg.dev.rx_csum = true;
        cfg.dev.gro = true;
        cfg.dev.tso_max = SK_TSO_MAX;
    }
    sk_stack *s = NULL;
    int err = sk_stack_create(&cfg, &s);
    if (err != 0) {
        fprintf(stderr, "bench_tcp: sk_stack_create: %s\n", sk_strerror(err));
        exit(1);
    }
    return s;
}

static void pair_open(bench_pair *p, const bench_opts *o)
{
    memset(p, 0, sizeof *p);
    uint64_t seed = sk_posix_seed();
    p->a = make_stack(o, sk_ip4_make(192, 0, 2, 1), seed);
    p->b = make_stack(o, sk_ip4_make(192, 0, 2, 2), seed ^ 0x9e3779b97f4a7c15u);
    p->batch = o->batch;
    p->tso = o->tso;
    p->now = sk_posix_now_us();
}

static void pair_close(bench_pair *p)
{
    sk_stack_destroy(p->a);
    sk_stack_destroy(p->b);
}

/* Move up to `max` frames that `from` has to send now into `to`. */
static uint64_t drain(bench_pair *p, sk_stack *from, sk_stack *to, sk_time_us now, uint64_t max)
{
    uint64_t n = 0;
    size_t len;
    if (p->tso) {
        sk_frame_meta m;
        while (n < max && (len = sk_stack_output_meta(from, now, p->frame, sizeof p->frame, &m))) {
            sk_stack_input_meta(to, now, p->frame, len, &m);
            n++;
        }
        return n;
    }
    while (n < max && (len = sk_stack_output(from, now, p->frame, sizeof p->frame)) > 0) {
        sk_stack_input(to, now, p->frame, len);
        n++;
    }
    return n;
}

/* Exchange frames until both stacks are quiet; returns frames moved. The
 * clock is read once per 8 rounds, as an event loop reads it once per batch
 * of frames (reading it per frame costs ~10% of a connection here). By
 * default the wire alternates one frame each way, so the receiver answers
 * every segment as it would on a real link (an ACK for every second
 * segment); --batch drains each side completely in turn, which lets the
 * receiver acknowledge a whole window at once (like GRO on a busy NIC). */
static uint64_t pump(bench_pair *p)
{
    uint64_t total = 0;
    uint64_t max = p->batch ? UINT64_MAX : 1;
    for (uint32_t round = 0;; round++) {
        if (round % 8 == 0)
            p->now = sk_posix_now_us();
        uint64_t n = drain(p, p->a, p->b, p->now, max) + drain(p, p->b, p->a, p->now, max);
        if (n == 0)
            break;
        total += n;
    }
    p->frames += total;
    return total;
}

/* Nothing moved: sleep until the earlier of the two stacks' deadlines, as
 * an event loop would (so waiting, e.g. for TIME-WAIT to free a port, costs
 * wall time but no CPU time). False when neither stack will ever do anything
 * again, or the deadline is past `limit_us`. */
static int wait_timers(bench_pair *p, sk_time_us limit_us)
{
    sk_time_us da = sk_stack_poll_at(p->a);
    sk_time_us db = sk_stack_poll_at(p->b);
    sk_time_us next = da < db ? da : db;
    if (next == SK_NEVER || next > limit_us)
        return 0;
    if (next > sk_posix_now_us()) {
        struct timespec ts;
        ts.tv_sec = (time_t)(next / 1000000u);
        ts.tv_nsec = (long)(next % 1000000u) * 1000;
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
    }
    p->now = sk_posix_now_us();
    p->waits++;
    return 1;
}

static sk_endpoint server_endpoint(void)
{
    sk_endpoint ep;
    memset(&ep, 0, sizeof ep);
    ep.addr = g_ipv6 ? bench_addr6(2) : sk_ipaddr_from_ip4(sk_ip4_make(192, 0, 2, 2));
    ep.port = SERVER_PORT;
    return ep;
}

static sk_sock listen_or_die(sk_stack *s, int backlog)
{
    sk_listen_opts lo;
    memset(&lo, 0, sizeof lo);
    lo.backlog = backlog;
    sk_sock l;
    int err = sk_tcp_listen(s, SERVER_PORT, &lo, &l);
    if (err != 0) {
        fprintf(stderr, "bench_tcp: listen: %s\n", sk_strerror(err));
        exit(1);
    }
    return l;
}

/* ---- bulk ---- */

typedef struct {
    const uint8_t *pat;
    uint64_t total, sent, received;
    uint8_t *rbuf;
    int verify_failed;
} bulk_state;

static void bulk_send(bench_pair *p, sk_sock cs, bulk_state *st)
{
    sk_time_us now = p->now;
    while (st->sent < st->total) {
        size_t off = (size_t)(st->sent % PAT_LEN);
        uint64_t left = st->total - st->sent;
        size_t n = PAT_LEN - off < left ? PAT_LEN - off : (size_t)left;
        ptrdiff_t r = sk_tcp_send(p->a, now, cs, st->pat + off, n);
        if (r <= 0)
            return;
        st->sent += (uint64_t)r;
    }
}

/* Whether the n bytes in buf differ from the stream's bytes at offset `at`
 * (the pattern repeats every PAT_LEN bytes). */
static int pattern_differs(const uint8_t *pat, uint64_t at, const uint8_t *buf, size_t n)
{
    while (n > 0) {
        size_t off = (size_t)(at % PAT_LEN);
        size_t k = PAT_LEN - off < n ? PAT_LEN - off : n;
        if (memcmp(buf, pat + off, k) != 0)
            return 1;
        buf += k;
        at += k;
        n -= k;
    }
    return 0;
}

static int bulk_recv(bench_pair *p, sk_sock ss, bulk_state *st)
{
    sk_time_us now = p->now;
    for (;;) {
        ptrdiff_t r = sk_tcp_recv(p->b, now, ss, st->rbuf, PAT_LEN);
        if (r == SK_EAGAIN || r == 0)
            return 0;
        if (r < 0) {
            fprintf(stderr, "bench_tcp: bulk recv: %s\n", sk_strerror((int)r));
            return -1;
        }
        if (pattern_differs(st->pat, st->received, st->rbuf, (size_t)r))
            st->verify_failed = 1;
        st->received += (uint64_t)r;
    }
}

static sk_sock bulk_connect(bench_pair *p, sk_sock l, sk_sock *server)
{
    sk_endpoint ep = server_endpoint();
    sk_sock cs;
    p->now = sk_posix_now_us();
    int err = sk_tcp_connect(p->a, p->now, &ep, NULL, &cs);
    if (err != 0) {
        fprintf(stderr, "bench_tcp: connect: %s\n", sk_strerror(err));
        exit(1);
    }
    pump(p);
    if (sk_tcp_accept(p->b, l, server, NULL) != 0) {
        fprintf(stderr, "bench_tcp: bulk: handshake did not complete\n");
        exit(1);
    }
    return cs;
}

static int bench_bulk(const bench_opts *o)
{
    bench_pair p;
    pair_open(&p, o);
    uint8_t *pat = malloc(PAT_LEN);
    uint8_t *rbuf = malloc(PAT_LEN);
    if (pat == NULL || rbuf == NULL)
        return 1;
    for (size_t i = 0; i < PAT_LEN; i++)
        pat[i] = (uint8_t)(i * 7u + (i >> 8));
    sk_sock l = listen_or_die(p.b, 16);
    sk_sock ss;
    sk_sock cs = bulk_connect(&p, l, &ss);
    /* sized by time: no end until the time is up, then what was sent */
    bulk_state st = {pat, o->seconds > 0 ? UINT64_MAX : o->mib << 20, 0, 0, rbuf, 0};
    sk_time_us start = sk_posix_now_us();
    sk_time_us limit = start + (sk_time_us)o->timeout_s * 1000000u;
    sk_time_us stop = start + (sk_time_us)(o->seconds * 1e6);
    double w0 = wall_seconds(), c0 = cpu_seconds();
    int rc = 0;
    while (st.received < st.total && rc == 0) {
        if (st.total == UINT64_MAX && p.now >= stop)
            st.total = st.sent;
        bulk_send(&p, cs, &st);
        uint64_t moved = pump(&p);
        uint64_t before = st.received;
        rc = bulk_recv(&p, ss, &st);
        if (moved == 0 && st.received == before && !wait_timers(&p, limit)) {
            fprintf(stderr, "bench_tcp: bulk stalled at %llu of %llu bytes\n",
                    (unsigned long long)st.received, (unsigned long long)st.total);
            rc = 1;
        }
        if (p.now > limit) {
            fprintf(stderr, "bench_tcp: bulk: timeout after %u s\n", o->timeout_s);
            rc = 1;
        }
    }
    double wall = wall_seconds() - w0, cpu = cpu_seconds() - c0;
    const sk_stats *sa = sk_stack_stats(p.a);
    if (rc == 0 && st.verify_failed) {
        fprintf(stderr, "bench_tcp: bulk: received bytes differ from those sent\n");
        rc = 1;
    }
    if (rc == 0) {
        double bytes = (double)st.total;
        fprintf(stderr,
                "synack bulk: %.0f MiB in %.3f s wall, %.3f s CPU; %llu frames, "
                "%llu retransmits, %llu timer waits, every byte verified\n",
                bytes / 1048576.0, wall, cpu, (unsigned long long)p.frames,
                (unsigned long long)sa->retransmits, (unsigned long long)p.waits);
        printf("RESULT stack=synack family=%s test=bulk verified=yes bytes=%llu wall_s=%.6f cpu_s=%.6f "
               "gbps=%.3f gbps_per_cpu=%.3f cpu_ns_per_byte=%.4f frames=%llu\n",
               o->ipv6 ? "ipv6" : "ipv4", (unsigned long long)st.total, wall, cpu,
               bytes * 8.0 / wall / 1e9,
               bytes * 8.0 / cpu / 1e9, cpu * 1e9 / bytes, (unsigned long long)p.frames);
    }
    sk_tcp_close(p.a, sk_posix_now_us(), cs);
    sk_tcp_close(p.b, sk_posix_now_us(), ss);
    pair_close(&p);
    free(pat);
    free(rbuf);
    return rc;
}

/* ---- connections per second ---- */

enum { CS_FREE, CS_CONNECTING, CS_WAIT_REPLY };
enum { SS_FREE, SS_WAIT_REQUEST, SS_WAIT_EOF };

typedef struct {
    uint8_t *cstate; /* indexed by client sock.idx */
    uint32_t *cgen;
    uint8_t *sstate; /* indexed by server sock.idx */
    uint32_t *sgen;
    uint32_t started, done, active, errors, port_stalls;
    uint32_t limit; /* connections to open: --conns, or when the time is up */
    sk_sock listener;
} conn_state;

static void conn_fail(conn_state *cs, const char *what, int err)
{
    if (cs->errors++ < 5)
        fprintf(stderr, "bench_tcp: conn: %s: %s\n", what, sk_strerror(err));
}

static void server_serve(bench_pair *p, conn_state *c, sk_sock s)
{
    if (c->sstate[s.idx] == SS_FREE || c->sgen[s.idx] != s.gen)
        return;
    sk_time_us now = p->now;
    uint8_t byte;
    for (;;) {
        ptrdiff_t r = sk_tcp_recv(p->b, now, s, &byte, 1);
        if (r == SK_EAGAIN)
            return;
        if (r == 1 && c->sstate[s.idx] == SS_WAIT_REQUEST) {
            ptrdiff_t w = sk_tcp_send(p->b, now, s, &byte, 1);
            if (w != 1)
                conn_fail(c, "server send", (int)w);
            c->sstate[s.idx] = SS_WAIT_EOF;
            continue;
        }
        if (r < 0)
            conn_fail(c, "server recv", (int)r);
        else if (r > 0)
            conn_fail(c, "server recv: unexpected data", 0);
        /* end of stream (or an error): the server closes its side */
        sk_tcp_close(p->b, now, s);
        c->sstate[s.idx] = SS_FREE;
        return;
    }
}

static void server_accept_all(bench_pair *p, conn_state *c)
{
    sk_sock s;
    while (sk_tcp_accept(p->b, c->listener, &s, NULL) == 0) {
        c->sstate[s.idx] = SS_WAIT_REQUEST;
        c->sgen[s.idx] = s.gen;
        server_serve(p, c, s);
    }
}

static void client_step(bench_pair *p, conn_state *c, sk_sock s, uint32_t events)
{
    if (c->cstate[s.idx] == CS_FREE || c->cgen[s.idx] != s.gen)
        return;
    sk_time_us now = p->now;
    if (events & SK_EV_ERROR) {
        conn_fail(c, "client", SK_ECONNRESET);
        sk_tcp_close(p->a, now, s);
        c->cstate[s.idx] = CS_FREE;
        c->active--;
        c->done++;
        return;
    }
    uint8_t byte = 'x';
    if (c->cstate[s.idx] == CS_CONNECTING && (events & SK_EV_CONNECTED)) {
        ptrdiff_t w = sk_tcp_send(p->a, now, s, &byte, 1);
        if (w != 1)
            conn_fail(c, "client send", (int)w);
        c->cstate[s.idx] = CS_WAIT_REPLY;
    }
    if (c->cstate[s.idx] == CS_WAIT_REPLY && (events & SK_EV_READABLE)) {
        ptrdiff_t r = sk_tcp_recv(p->a, now, s, &byte, 1);
        if (r == SK_EAGAIN)
            return;
        if (r != 1)
            conn_fail(c, "client recv", (int)r);
        else if (byte != 'x')
            conn_fail(c, "client recv: the echo differs from the byte sent", 0);
        /* the client closes first: TIME-WAIT stays on the client */
        sk_tcp_close(p->a, now, s);
        c->cstate[s.idx] = CS_FREE;
        c->active--;
        c->done++;
    }
}

/* Open connections until `conc` are in flight. Running out of ports or
 * sockets (TIME-WAIT holds both) is not an error: it is counted, and the
 * loop waits for TIME-WAIT to expire, as an application would retry. */
static void client_start(bench_pair *p, conn_state *c, const bench_opts *o)
{
    sk_endpoint ep = server_endpoint();
    while (c->active < o->conc && c->started < c->limit) {
        sk_sock s;
        int err = sk_tcp_connect(p->a, p->now, &ep, NULL, &s);
        if (err == SK_EADDRINUSE || err == SK_ENOSPC) {
            c->port_stalls++;
            return;
        }
        if (err != 0) {
            conn_fail(c, "connect", err);
            c->started++;
            c->done++;
            continue;
        }
        c->cstate[s.idx] = CS_CONNECTING;
        c->cgen[s.idx] = s.gen;
        c->started++;
        c->active++;
    }
}

static uint32_t conn_events(bench_pair *p, conn_state *c)
{
    uint32_t n = 0;
    sk_event ev;
    while (sk_stack_next_event(p->b, &ev)) {
        n++;
        if (ev.sock.idx == c->listener.idx && ev.sock.gen == c->listener.gen)
            server_accept_all(p, c);
        else
            server_serve(p, c, ev.sock);
    }
    while (sk_stack_next_event(p->a, &ev)) {
        n++;
        client_step(p, c, ev.sock, sk_sock_events(p->a, ev.sock) | ev.events);
    }
    return n;
}

static int conn_alloc(conn_state *c, uint32_t n)
{
    memset(c, 0, sizeof *c);
    c->cstate = calloc(n, 1);
    c->sstate = calloc(n, 1);
    c->cgen = calloc(n, sizeof *c->cgen);
    c->sgen = calloc(n, sizeof *c->sgen);
    return c->cstate && c->sstate && c->cgen && c->sgen ? 0 : -1;
}

static void conn_free(conn_state *c)
{
    free(c->cstate);
    free(c->sstate);
    free(c->cgen);
    free(c->sgen);
}

static int conn_loop(bench_pair *p, conn_state *c, const bench_opts *o)
{
    sk_time_us start = sk_posix_now_us();
    sk_time_us limit = start + (sk_time_us)o->timeout_s * 1000000u;
    sk_time_us stop = start + (sk_time_us)(o->seconds * 1e6);
    c->limit = o->seconds > 0 ? UINT32_MAX : o->conns;
    while (c->done < c->limit) {
        if (c->limit == UINT32_MAX && p->now >= stop)
            c->limit = c->started; /* time is up: finish those in flight */
        client_start(p, c, o);
        uint64_t moved = pump(p);
        uint32_t evs = conn_events(p, c);
        if (moved == 0 && evs == 0 && !wait_timers(p, limit)) {
            fprintf(stderr, "bench_tcp: conn stalled after %u connections\n", c->done);
            return 1;
        }
        if (p->now > limit) {
            fprintf(stderr, "bench_tcp: conn: timeout after %u s (%u done)\n", o->timeout_s,
                    c->done);
            return 1;
        }
    }
    return c->errors != 0;
}

static int bench_conn(const bench_opts *o)
{
    bench_pair p;
    pair_open(&p, o);
    conn_state c;
    if (conn_alloc(&c, o->max_sockets + 1) != 0)
        return 1;
    c.listener = listen_or_die(p.b, (int)(o->conc < 65535 ? o->conc + 16 : 65535));
    double w0 = wall_seconds(), c0 = cpu_seconds();
    int rc = conn_loop(&p, &c, o);
    double wall = wall_seconds() - w0, cpu = cpu_seconds() - c0;
    const sk_stats *sa = sk_stack_stats(p.a);
    const sk_stats *sb = sk_stack_stats(p.b);
    fprintf(stderr,
            "synack conn: %u connections (%u at once) in %.3f s wall, %.3f s CPU; "
            "%llu frames, %u errors, %u port/socket stalls, %llu timer waits, "
            "retransmits %llu+%llu, established %llu/%llu\n",
            c.done, o->conc, wall, cpu, (unsigned long long)p.frames, c.errors, c.port_stalls,
            (unsigned long long)p.waits,
            (unsigned long long)sa->retransmits, (unsigned long long)sb->retransmits,
            (unsigned long long)sa->established, (unsigned long long)sb->established);
    if (rc == 0)
        printf("RESULT stack=synack family=%s test=conn conc=%u conns=%u wall_s=%.6f cpu_s=%.6f "
               "conn_per_s=%.1f conn_per_cpu_s=%.1f cpu_us_per_conn=%.3f port_stalls=%u\n",
               o->ipv6 ? "ipv6" : "ipv4", o->conc, c.done, wall, cpu, (double)c.done / wall,
               (double)c.done / cpu,
               cpu * 1e6 / (double)c.done, c.port_stalls);
    conn_free(&c);
    pair_close(&p);
    return rc;
}

/* ---- command line ---- */

static void usage(void)
{
    fprintf(stderr,
            "usage: bench_tcp [bulk|conn|all|provenance] [options]\n"
            "  --seconds S      size each test by time: S seconds (0 < S <= 3600)\n"
            "  --mib N          bulk transfer size in MiB (default 256)\n"
            "  --conns N        connections for conn (default 20000)\n"
            "  --conc N         connections open at once (default 1)\n"
            "  --tw-ms N        TIME-WAIT length in ms (default 20)\n"
            "  --buf-kib N      send and receive buffer per connection (default 256)\n"
            "  --max-sockets N  socket table size per stack (default 65536)\n"
            "  --timeout N      seconds allowed per measurement (default 120)\n"
            "  --batch          move frames a window at a time, not one each way\n"
            "  --ipv6           connect over IPv6 (default IPv4; both stacks are dual-stack)\n"
            "  --tso            both stacks offload checksums, TSO and GRO (frame metadata)\n");
}

static int parse_u32(const char *s, uint32_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v > 0xffffffffull)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

static int parse_args(int argc, char **argv, bench_opts *o)
{
    uint32_t mib = 256;
    int i = 1;
    if (argc > 1 && strcmp(argv[1], "provenance") == 0) {
        o->do_provenance = 1;
        return argc == 2 ? 0 : -1;
    }
    if (argc > 1 && argv[1][0] != '-') {
        o->do_bulk = strcmp(argv[1], "bulk") == 0 || strcmp(argv[1], "all") == 0;
        o->do_conn = strcmp(argv[1], "conn") == 0 || strcmp(argv[1], "all") == 0;
        if (!o->do_bulk && !o->do_conn)
            return -1;
        i = 2;
    }
    for (; i < argc; i++) {
        const char *a = argv[i];
        uint32_t *dst = NULL;
        if (strcmp(a, "--batch") == 0) {
            o->batch = 1;
            continue;
        }
        if (strcmp(a, "--ipv6") == 0) {
            o->ipv6 = 1;
            continue;
        }
        if (strcmp(a, "--tso") == 0) {
            o->tso = 1;
            continue;
        }
        if (strcmp(a, "--seconds") == 0) {
            char *end;
            o->seconds = i + 1 < argc ? strtod(argv[++i], &end) : 0;
            if (o->seconds <= 0 || o->seconds > 3600 || *end != '\0')
                return -1;
            continue;
        }
        if (strcmp(a, "--mib") == 0)
            dst = &mib;
        else if (strcmp(a, "--conns") == 0)
            dst = &o->conns;
        else if (strcmp(a, "--conc") == 0)
            dst = &o->conc;
        else if (strcmp(a, "--tw-ms") == 0)
            dst = &o->tw_ms;
        else if (strcmp(a, "--buf-kib") == 0)
            dst = &o->buf_kib;
        else if (strcmp(a, "--max-sockets") == 0)
            dst = &o->max_sockets;
        else if (strcmp(a, "--timeout") == 0)
            dst = &o->timeout_s;
        if (dst == NULL || i + 1 >= argc || parse_u32(argv[i + 1], dst) != 0)
            return -1;
        i++;
    }
    o->mib = mib;
    if (o->mib == 0 || o->conns == 0 || o->conc == 0 || o->buf_kib == 0 ||
        o->max_sockets < 2 * o->conc + 2 || o->timeout_s == 0 || o->tw_ms > 4000000 ||
        o->seconds >= o->timeout_s)
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    bench_opts o = {256, 20000, 1, 20, 256, 65536, 120, 0, 1, 1, 0, 0, 0, 0};
    if (parse_args(argc, argv, &o) != 0) {
        usage();
        return 2;
    }
    g_ipv6 = o.ipv6;
    bench_print_provenance(stdout, "# ");
    fflush(stdout);
    if (o.do_provenance)
        return 0;
    int rc = 0;
    if (o.do_bulk)
        rc |= bench_bulk(&o);
    if (o.do_conn)
        rc |= bench_conn(&o);
    return rc;
}
