/* rr_synack: request/response latency with synack as the client, the
 * reverse of rr_peer's ping (bench/run_tap_bench.sh, issue 9): synack on a
 * TAP connects to a Linux echo server (rr_peer echo-server) and sends one
 * byte and waits for it back, again and again, through the blocking calls
 * of port/posix (posix_sock.h), timing each round trip with
 * clock_gettime(CLOCK_MONOTONIC).
 *
 *   rr_synack --tap NAME --addr A.B.C.D/NN [--busy-poll US] -t SECONDS ADDR PORT
 *
 * Prints one RESULT line with the same fields as rr_peer's ping (rtts,
 * errors, wall_s, cpu_s, p50_us, p99_us ...). */
#include "posix/posix_alloc.h"
#include "posix/posix_loop.h"
#include "posix/posix_sock.h"
#include "posix/posix_sys.h"
#include "synack/error.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#define PROG "rr_synack"
#define TIMEOUT_S 120
#define MAX_SAMPLES (16u * 1024u * 1024u)
#define WAIT_US 5000000u /* one round trip or the connect: at most 5 s */

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static double pct_us(const uint64_t *s, size_t n, unsigned p)
{
    size_t rank = (n * p + 99) / 100; /* nearest rank, as rr_peer */
    return (double)s[rank ? rank - 1 : 0] / 1000.0;
}

typedef struct {
    const char *tap, *addr, *peer;
    unsigned long port, busy_us;
    double seconds;
} opts;

static int parse(int argc, char **argv, opts *o)
{
    memset(o, 0, sizeof *o);
    int i = 1;
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        char *end;
        if (!strcmp(argv[i], "--tap"))
            o->tap = argv[i + 1];
        else if (!strcmp(argv[i], "--addr"))
            o->addr = argv[i + 1];
        else if (!strcmp(argv[i], "--busy-poll"))
            o->busy_us = strtoul(argv[i + 1], &end, 10);
        else if (!strcmp(argv[i], "-t"))
            o->seconds = strtod(argv[i + 1], &end);
        else
            return -1;
    }
    if (argc - i != 2 || !o->tap || !o->addr || !(o->seconds > 0) || o->seconds >= TIMEOUT_S ||
        o->busy_us > 1000000u)
        return -1;
    o->peer = argv[i];
    o->port = strtoul(argv[i + 1], NULL, 10);
    return o->port > 0 && o->port < 65536 ? 0 : -1;
}

static int setup(const opts *o, sk_posix_dev *dev, sk_stack **st, sk_posix_loop *loop)
{
    char err[256];
    sk_stack_config cfg;
    sk_stack_config_default(&cfg);
    if (sk_ip4_prefix_from_str(o->addr, &cfg.addr, &cfg.prefix_len) != 0) {
        fprintf(stderr, PROG ": bad address '%s'\n", o->addr);
        return -1;
    }
    if (sk_posix_dev_open(dev, SK_DEV_TAP, o->tap, err, sizeof err) != 0) {
        fprintf(stderr, PROG ": %s\n", err);
        return -1;
    }
    cfg.link = SK_LINK_ETHERNET;
    cfg.mac = sk_posix_stable_mac(cfg.addr);
    cfg.mtu = dev->mtu;
    cfg.seed = sk_posix_seed();
    cfg.alloc = sk_posix_allocator();
    if (sk_stack_create(&cfg, st) != 0)
        return -1;
    sk_posix_loop_config lc = {.stack = *st, .dev = dev, .busy_poll_us = (uint32_t)o->busy_us};
    if (sk_posix_loop_init(loop, &lc, err, sizeof err) != 0) {
        fprintf(stderr, PROG ": %s\n", err);
        return -1;
    }
    return 0;
}

/* Round trips until the time is up; their times in rtt[], the count back. */
static size_t ping(sk_posix_loop *l, sk_sock s, double seconds, uint64_t *rtt,
                   unsigned long *errors)
{
    uint64_t end = mono_ns() + (uint64_t)(seconds * 1e9);
    size_t done = 0;
    while (done < MAX_SAMPLES && ((done & 63) != 0 || mono_ns() < end)) {
        unsigned char c = (unsigned char)('a' + done % 26), back = 0;
        uint64_t t0 = mono_ns();
        if (sk_blocking_send_all(l, s, &c, 1, WAIT_US) != 1 ||
            sk_blocking_recv(l, s, &back, 1, WAIT_US) != 1 || back != c) {
            (*errors)++;
            break;
        }
        rtt[done++] = mono_ns() - t0;
    }
    return done;
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    alarm(TIMEOUT_S);
    opts o;
    if (parse(argc, argv, &o) != 0) {
        fprintf(stderr, "usage: " PROG " --tap NAME --addr A.B.C.D/NN [--busy-poll US] "
                        "-t SECONDS ADDR PORT\n");
        return 2;
    }
    static sk_posix_dev dev;
    static sk_posix_loop loop;
    sk_stack *st = NULL;
    uint64_t *rtt = malloc(MAX_SAMPLES * sizeof *rtt);
    if (rtt == NULL || setup(&o, &dev, &st, &loop) != 0)
        return 1;
    sk_endpoint peer = {.port = (uint16_t)o.port};
    sk_ip4 ip;
    if (sk_ip4_from_str(o.peer, &ip) != 0) {
        fprintf(stderr, PROG ": bad peer address '%s'\n", o.peer);
        return 2;
    }
    peer.addr = sk_ipaddr_from_ip4(ip);
    sk_sock s;
    int r = sk_blocking_connect(&loop, &peer, WAIT_US, &s);
    if (r != 0) {
        fprintf(stderr, PROG ": connect: %s\n", sk_strerror(r));
        return 1;
    }
    unsigned long errors = 0;
    double c0 = cpu_seconds();
    uint64_t t0 = mono_ns();
    size_t done = ping(&loop, s, o.seconds, rtt, &errors);
    double wall = (double)(mono_ns() - t0) / 1e9, cpu = cpu_seconds() - c0;
    if (sk_blocking_close(&loop, s, WAIT_US) != 0)
        errors++;
    sk_posix_loop_linger(&loop, 100000u);
    sk_posix_loop_free(&loop);
    sk_stack_destroy(st);
    sk_posix_dev_close(&dev);
    if (done == 0) {
        fprintf(stderr, PROG ": no round trip completed\n");
        return 1;
    }
    qsort(rtt, done, sizeof *rtt, cmp_u64);
    printf("RESULT stack=synack test=ping rtts=%zu errors=%lu wall_s=%.6f cpu_s=%.6f "
           "rtt_per_s=%.1f min_us=%.1f p50_us=%.1f p90_us=%.1f p99_us=%.1f max_us=%.1f\n",
           done, errors, wall, cpu, (double)done / wall, pct_us(rtt, done, 0),
           pct_us(rtt, done, 50), pct_us(rtt, done, 90), pct_us(rtt, done, 99),
           pct_us(rtt, done, 100));
    free(rtt);
    return errors == 0 ? 0 : 1;
}
