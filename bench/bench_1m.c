/* bench_1m: a million idle connections between two in-process stacks
 * (issue 10). The client stack (192.0.2.1) opens --conns N connections
 * to the server stack (192.0.2.2): the 4-tuple space is the client's
 * ports 1024-61023 times P listener ports 5001... on the server (P =
 * ceil(N / 60000)). Every connection is established, accepted and then
 * left idle. Reported:
 *
 *   - RSS (VmRSS, VmHWM from /proc/self/status) before, after opening, in
 *     all and per connection (both ends: one connection is two TCBs here,
 *     one in each stack), the bench's own handle arrays shown apart;
 *   - sizeof of the TCB (the connection record) as the stack reports it;
 *   - time to open (wall and CPU) and connections per second;
 *   - CPU seconds per idle second with keepalive off, then on (idle time
 *     --keepidle-s, default 75 s, interval 75 s): an event loop that wakes
 *     at the stacks' next deadline, at least every --tick-ms (default
 *     1000 ms) of virtual time, runs both stacks' timers, moves every
 *     frame, and so on for --idle-s (default 600) virtual seconds. CPU
 *     time is the process's (CLOCK_PROCESS_CPUTIME_ID), virtual time is
 *     what the stacks saw: the ratio is the share of one core an idle
 *     million costs in a real event loop. Keepalive is turned on for all
 *     at once, or with --spread-s S in batches over S virtual seconds
 *     (the probes then come spread, not a round at one instant);
 *   - TIME-WAIT: every client connection closed first (the server closes
 *     on the FIN), so a million connections wait out 2 MSL in the client
 *     stack's records (cfg.max_time_wait = N there) with their socket
 *     slots free: the records' count, the bytes one costs
 *     (sk_stack_time_wait_bytes) and the RSS growth while closing (which
 *     also holds what the FIN exchanges took and the allocator kept);
 *     then 2 MSL later, every record gone.
 *
 * Time is virtual throughout (passed in), so the run is repeatable and
 * takes only the CPU time it measures. --smoke: 20,000 connections, 120 s
 * idle (CI, bench/test_bench_smoke.sh). Output: the provenance header,
 * then RESULT lines (key=value), detail on stderr. Exit 1 when a
 * connection fails to open or a connection is lost while idle. */
#define _POSIX_C_SOURCE 200809L

#include "synack/error.h"
#include "synack/stack.h"

#include "tcp/tcp_conn.h" /* sizeof(sk_tcb) */

#include "bench_provenance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FRAME_CAP 2048
#define PORTS_PER_LISTENER 60000u
#define CLIENT_PORT_LO 1024u
#define SERVER_PORT_LO 5001u
#define BATCH 4096u
#define PUMP_BUDGET 64u

typedef struct {
    uint32_t conns;
    uint32_t idle_s;
    uint32_t keepidle_s;
    uint32_t tick_ms;
    uint32_t spread_s;
} opts_1m;

typedef struct {
    sk_stack *c, *s;
    uint8_t frame[FRAME_CAP];
    sk_time_us now;
    uint64_t frames;
} pair_1m;

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* VmRSS or VmHWM from /proc/self/status, bytes (0: unknown). */
static uint64_t proc_kib(const char *key)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (f == NULL)
        return 0;
    char line[256];
    uint64_t v = 0;
    size_t kl = strlen(key);
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
            v = strtoull(line + kl + 1, NULL, 10) * 1024u;
            break;
        }
    }
    fclose(f);
    return v;
}

static double mb(uint64_t bytes)
{
    return (double)bytes / 1e6;
}

static void *alloc_1m(void *ctx, size_t size)
{
    (void)ctx;
    return malloc(size);
}

static void release_1m(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    (void)size;
    free(ptr);
}

static sk_stack *make_stack(uint32_t max_sockets, uint32_t max_time_wait, sk_ip4 addr,
                            uint64_t seed)
{
    sk_stack_config cfg;
    sk_stack_config_default(&cfg);
    cfg.link = SK_LINK_IP;
    cfg.addr = addr;
    cfg.prefix_len = 24;
    cfg.mtu = 1500;
    cfg.max_sockets = max_sockets;
    cfg.max_time_wait = max_time_wait; /* 0: the default */
    cfg.seed = seed;
    cfg.alloc.allocate = alloc_1m;
    cfg.alloc.release = release_1m;
    sk_stack *s = NULL;
    int err = sk_stack_create(&cfg, &s);
    if (err != 0) {
        fprintf(stderr, "bench_1m: sk_stack_create: %s\n", sk_strerror(err));
        exit(1);
    }
    return s;
}

/* Up to PUMP_BUDGET frames from one stack into the other. */
static uint64_t move(pair_1m *p, sk_stack *from, sk_stack *to)
{
    uint64_t n = 0;
    size_t len;
    while (n < PUMP_BUDGET && (len = sk_stack_output(from, p->now, p->frame, sizeof p->frame)) > 0) {
        sk_stack_input(to, p->now, p->frame, len);
        n++;
    }
    return n;
}

/* Move every frame both stacks have to send at p->now, until both are
 * quiet: PUMP_BUDGET frames each way in turn, as an event loop takes a
 * batch from each device (a NAPI budget), so a burst of a million
 * keepalive probes is answered as it goes, not after the last one. */
static void pump(pair_1m *p)
{
    for (;;) {
        uint64_t n = move(p, p->c, p->s) + move(p, p->s, p->c);
        if (n == 0)
            break;
        p->frames += n;
    }
}

static uint32_t accept_all(pair_1m *p, const sk_sock *ls, uint32_t n_ls, sk_sock *out,
                           uint32_t have)
{
    for (uint32_t i = 0; i < n_ls; i++) {
        sk_sock a;
        while (sk_tcp_accept(p->s, ls[i], &a, NULL) == 0)
            out[have++] = a;
    }
    return have;
}

/* Open o->conns connections in batches of BATCH; false on a failure. */
static int open_all(pair_1m *p, const opts_1m *o, const sk_sock *ls, uint32_t n_ls,
                    sk_sock *cli, sk_sock *srv)
{
    uint32_t accepted = 0;
    for (uint32_t i = 0; i < o->conns;) {
        uint32_t end = i + BATCH < o->conns ? i + BATCH : o->conns;
        for (; i < end; i++) {
            sk_endpoint ep;
            memset(&ep, 0, sizeof ep);
            ep.addr = sk_ipaddr_from_ip4(sk_ip4_make(192, 0, 2, 2));
            ep.port = (uint16_t)(SERVER_PORT_LO + i / PORTS_PER_LISTENER);
            sk_connect_opts co;
            memset(&co, 0, sizeof co);
            co.local_port = (uint16_t)(CLIENT_PORT_LO + i % PORTS_PER_LISTENER);
            int err = sk_tcp_connect(p->c, p->now, &ep, &co, &cli[i]);
            if (err != 0) {
                fprintf(stderr, "bench_1m: connect %u: %s\n", i, sk_strerror(err));
                return 0;
            }
        }
        pump(p);
        accepted = accept_all(p, ls, n_ls, srv, accepted);
        if (accepted != end) {
            fprintf(stderr, "bench_1m: %u of %u accepted\n", accepted, end);
            return 0;
        }
        p->now += 1000; /* 1 ms of virtual time per batch */
    }
    return 1;
}

/* The idle event loop for `secs` virtual seconds; returns CPU seconds. */
static double idle_run(pair_1m *p, const opts_1m *o, uint32_t secs, uint64_t *wakeups)
{
    sk_time_us end = p->now + (sk_time_us)secs * 1000000u;
    sk_time_us tick = (sk_time_us)o->tick_ms * 1000u;
    double c0 = cpu_seconds();
    *wakeups = 0;
    while (p->now < end) {
        sk_time_us a = sk_stack_poll_at(p->c), b = sk_stack_poll_at(p->s);
        sk_time_us next = a < b ? a : b;
        if (next > p->now + tick)
            next = p->now + tick;
        if (next < p->now)
            next = p->now;
        p->now = next > end ? end : next;
        pump(p);
        (*wakeups)++;
        if (next == p->now && next == end)
            break;
    }
    return cpu_seconds() - c0;
}

static uint32_t count_established(const sk_stack *s, const sk_sock *h, uint32_t n)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t ev = sk_sock_events(s, h[i]);
        k += (ev & (SK_EV_ERROR | SK_EV_CLOSED | SK_EV_HUP)) == 0;
    }
    return k;
}

/* Keepalive on every server connection, in batches of BATCH spread evenly
 * over spread_us of virtual time (0: all at once). Each connection has
 * been idle longer than idle_us, so its first probe goes when it is turned
 * on, and its later ones keep that phase: spread, the probes' deadlines
 * are spread as a real server's are by its connections' last activity. */
static int set_keepalive(pair_1m *p, const sk_sock *srv, uint32_t n, uint64_t idle_us,
                         uint64_t spread_us)
{
    uint32_t batches = (n + BATCH - 1) / BATCH;
    for (uint32_t i = 0; i < n;) {
        uint32_t end = i + BATCH < n ? i + BATCH : n;
        for (uint32_t k = i; k < end; k++) {
            if (sk_tcp_setopt(p->s, srv[k], SK_SO_KEEPIDLE_US, idle_us) != 0 ||
                sk_tcp_setopt(p->s, srv[k], SK_SO_KEEPINTVL_US, idle_us) != 0 ||
                sk_tcp_setopt(p->s, srv[k], SK_SO_KEEPALIVE, 1) != 0)
                return 0;
        }
        i = end;
        if (spread_us > 0) {
            p->now += spread_us / batches;
            pump(p);
        }
    }
    return 1;
}

/* Close every connection, the client first, then the server on the FIN
 * (LAST-ACK), in batches as they were opened; false when a close fails. */
static int close_all(pair_1m *p, const opts_1m *o, const sk_sock *cli, const sk_sock *srv)
{
    for (uint32_t i = 0; i < o->conns;) {
        uint32_t end = i + BATCH < o->conns ? i + BATCH : o->conns;
        for (uint32_t k = i; k < end; k++)
            if (sk_tcp_close(p->c, p->now, cli[k]) != 0)
                return 0;
        pump(p);
        for (uint32_t k = i; k < end; k++)
            if (sk_tcp_close(p->s, p->now, srv[k]) != 0)
                return 0;
        pump(p);
        i = end;
        p->now += 1000;
    }
    return 1;
}

static int parse(int argc, char **argv, opts_1m *o)
{
    o->conns = 1000000;
    o->idle_s = 600;
    o->keepidle_s = 75;
    o->tick_ms = 1000;
    o->spread_s = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--smoke") == 0) {
            o->conns = 20000;
            o->idle_s = 120;
            continue;
        }
        if (v == NULL)
            return 0;
        char *end;
        unsigned long x = strtoul(v, &end, 10);
        if (*v < '0' || *v > '9' || *end != '\0')
            return 0; /* not a number: --spread-s 0 is one, "x" is not */
        if (strcmp(a, "--conns") == 0 && x > 0 && x <= 3000000)
            o->conns = (uint32_t)x;
        else if (strcmp(a, "--idle-s") == 0 && x > 0 && x <= 86400)
            o->idle_s = (uint32_t)x;
        else if (strcmp(a, "--keepidle-s") == 0 && x > 0 && x <= 86400)
            o->keepidle_s = (uint32_t)x;
        else if (strcmp(a, "--tick-ms") == 0 && x > 0 && x <= 60000)
            o->tick_ms = (uint32_t)x;
        else if (strcmp(a, "--spread-s") == 0 && x <= 86400)
            o->spread_s = (uint32_t)x;
        else
            return 0;
        i++;
    }
    return 1;
}

static void report_idle(const char *what, double cpu, uint32_t secs, uint64_t wakeups)
{
    printf("RESULT idle_%s_cpu_s=%.4f virtual_s=%u cpu_per_idle_s=%.6f core_pct=%.4f "
           "wakeups=%llu\n",
           what, cpu, secs, cpu / secs, 100.0 * cpu / secs, (unsigned long long)wakeups);
}

int main(int argc, char **argv)
{
    opts_1m o;
    if (!parse(argc, argv, &o)) {
        fprintf(stderr, "usage: bench_1m [--smoke] [--conns N] [--idle-s S] "
                        "[--keepidle-s S] [--tick-ms MS] [--spread-s S]\n");
        return 2;
    }
    bench_print_provenance(stdout, "# ");
    uint32_t n_ls = (o.conns + PORTS_PER_LISTENER - 1) / PORTS_PER_LISTENER;
    uint64_t rss0 = proc_kib("VmRSS");
    size_t harr = sizeof(sk_sock) * o.conns;
    sk_sock *cli = malloc(harr), *srv = malloc(harr);
    if (cli == NULL || srv == NULL)
        return 1;
    memset(cli, 0xff, harr); /* touched now (not 0: that becomes calloc): counted apart */
    memset(srv, 0xff, harr);
    uint64_t rss_arr = proc_kib("VmRSS");
    pair_1m *p = calloc(1, sizeof *p);
    if (p == NULL)
        return 1;
    p->c = make_stack(o.conns + 16, o.conns, sk_ip4_make(192, 0, 2, 1), 0x1234);
    p->s = make_stack(o.conns + n_ls + 16, 0, sk_ip4_make(192, 0, 2, 2), 0x5678);
    p->now = 1000000;
    uint64_t rss_created = proc_kib("VmRSS");
    sk_sock ls[64];
    for (uint32_t i = 0; i < n_ls; i++) {
        sk_listen_opts lo;
        memset(&lo, 0, sizeof lo);
        lo.backlog = 65535;
        if (sk_tcp_listen(p->s, (uint16_t)(SERVER_PORT_LO + i), &lo, &ls[i]) != 0)
            return 1;
    }
    double w0 = wall_seconds(), c0 = cpu_seconds();
    if (!open_all(p, &o, ls, n_ls, cli, srv))
        return 1;
    double open_wall = wall_seconds() - w0, open_cpu = cpu_seconds() - c0;
    uint64_t rss1 = proc_kib("VmRSS"), hwm1 = proc_kib("VmHWM");
    uint64_t stacks = rss1 - rss_arr;
    printf("RESULT conns=%u listeners=%u tcbs=%u sizeof_tcb=%zu\n", o.conns, n_ls, 2 * o.conns,
           sizeof(sk_tcb));
    printf("RESULT open_wall_s=%.3f open_cpu_s=%.3f conn_per_s=%.0f frames=%llu\n", open_wall,
           open_cpu, o.conns / open_wall, (unsigned long long)p->frames);
    printf("RESULT rss_mb=%.1f hwm_mb=%.1f rss_before_mb=%.1f handles_mb=%.1f "
           "stacks_created_mb=%.1f stacks_mb=%.1f\n",
           mb(rss1), mb(hwm1), mb(rss0), mb(rss_arr - rss0), mb(rss_created - rss_arr), mb(stacks));
    printf("RESULT bytes_per_conn=%.0f bytes_per_tcb=%.0f (both stacks, both ends)\n",
           (double)stacks / o.conns, (double)stacks / (2.0 * o.conns));
    uint64_t wk;
    double cpu_off = idle_run(p, &o, o.idle_s, &wk);
    report_idle("keepalive_off", cpu_off, o.idle_s, wk);
    if (count_established(p->c, cli, o.conns) != o.conns) {
        fprintf(stderr, "bench_1m: connections lost while idle\n");
        return 1;
    }
    uint64_t probes0 = sk_stack_stats(p->c)->segs_in;
    double cpu_set0 = cpu_seconds();
    if (!set_keepalive(p, srv, o.conns, (uint64_t)o.keepidle_s * 1000000u,
                       (uint64_t)o.spread_s * 1000000u))
        return 1;
    double cpu_set = cpu_seconds() - cpu_set0;
    double cpu_on = idle_run(p, &o, o.idle_s, &wk);
    report_idle("keepalive_on", cpu_on, o.idle_s, wk);
    uint64_t probes = sk_stack_stats(p->c)->segs_in - probes0;
    /* with a spread the first probes go while keepalive is turned on:
     * that CPU counts too (turning it on for a million: ~0.1 s) */
    printf("RESULT keepalive_idle_s=%u spread_s=%u probes=%llu set_cpu_s=%.4f "
           "cpu_us_per_probe=%.2f\n",
           o.keepidle_s, o.spread_s, (unsigned long long)probes, cpu_set,
           probes ? (cpu_set + cpu_on) * 1e6 / (double)probes : 0.0);
    uint32_t alive = count_established(p->c, cli, o.conns);
    printf("RESULT established_after=%u hwm_end_mb=%.1f\n", alive, mb(proc_kib("VmHWM")));
    if (alive != o.conns)
        return 1;

    /* TIME-WAIT: the client closes first and keeps a record per connection */
    const sk_stats *cs = sk_stack_stats(p->c), *ss = sk_stack_stats(p->s);
    uint64_t rss_tw0 = proc_kib("VmRSS"), tw_made0 = cs->tw_records;
    if (!close_all(p, &o, cli, srv)) {
        fprintf(stderr, "bench_1m: a close failed\n");
        return 1;
    }
    uint64_t rss_tw1 = proc_kib("VmRSS");
    uint64_t tw_now = cs->time_wait, tw_made = cs->tw_records - tw_made0;
    printf("RESULT time_wait=%llu tw_records_made=%llu tw_rec_bytes=%zu tw_bytes=%zu tw_mb=%.1f "
           "rss_growth_closing_mb=%.1f server_time_wait=%llu\n",
           (unsigned long long)tw_now, (unsigned long long)tw_made, sizeof(sk_tw_rec),
           sk_stack_time_wait_bytes(),
           mb((uint64_t)tw_now * sk_stack_time_wait_bytes()),
           mb(rss_tw1 > rss_tw0 ? rss_tw1 - rss_tw0 : 0), (unsigned long long)ss->time_wait);
    /* 2 MSL (60 s) later no record is left */
    uint64_t wk_tw;
    (void)idle_run(p, &o, 61, &wk_tw);
    printf("RESULT time_wait_after_2msl=%llu tw_expired=%llu\n",
           (unsigned long long)cs->time_wait, (unsigned long long)cs->tw_expired);
    int ok = tw_now == o.conns && cs->time_wait == 0;
    if (!ok)
        fprintf(stderr, "bench_1m: %llu of %u connections in TIME-WAIT, %llu left after 2 MSL\n",
                (unsigned long long)tw_now, o.conns, (unsigned long long)cs->time_wait);
    sk_stack_destroy(p->c);
    sk_stack_destroy(p->s);
    free(p);
    free(cli);
    free(srv);
    return ok ? 0 : 1;
}
