/* bench_udp: synack's UDP echo rate, two stacks joined in one process (no
 * kernel, no copies besides the stack's own).
 *
 *   bench_udp SIZE WINDOW SECONDS
 *
 * The client stack (192.0.2.1) keeps WINDOW datagrams of SIZE bytes
 * outstanding to an echo socket on the server stack (192.0.2.2 port 7),
 * which sends every datagram back to its source; each echo (checked: it
 * carries a sequence number the client sent) lets one more go. Frames move
 * between the stacks in memory (SK_LINK_IP, MTU 1500). After SECONDS the
 * client stops sending and the stacks are pumped until quiet; a datagram
 * never echoed is lost (none should be: both queues hold WINDOW).
 *
 * Output: the provenance header, then "RESULT size=.. window=.. sent=..
 * echoed=.. lost=.. wall_s=.. cpu_s=.. dgram_per_s=.. cpu_ns_per_dgram=.."
 * (process CPU time: both stacks, both applications, the hand-off). Every
 * loop is bounded by the time limit plus a fixed number of rounds. */
#define _POSIX_C_SOURCE 200809L

#include "synack/error.h"
#include "synack/stack.h"
#include "synack/udp.h"

#include "posix/posix_alloc.h"
#include "posix/posix_sys.h"

#include "bench_provenance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FRAME_CAP 2048
#define ECHO_PORT 7
#define MAX_SIZE 1472
#define MAX_WINDOW 64 /* the default UDP queue bound, in datagrams */

typedef struct {
    sk_stack *a, *b;   /* client 192.0.2.1, server 192.0.2.2 */
    sk_sock cs, ss;    /* client socket, echo socket */
    size_t size;
    uint64_t sent, echoed, bad;
    uint8_t frame[FRAME_CAP];
    uint8_t buf[MAX_SIZE];
} udp_pair;

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int err)
{
    fprintf(stderr, "bench_udp: %s: %s\n", what, sk_strerror(err));
    exit(1);
}

static sk_stack *make_stack(uint8_t last, uint64_t seed)
{
    sk_stack_config cfg;
    sk_stack_config_default(&cfg);
    cfg.link = SK_LINK_IP;
    cfg.n_addrs = 1;
    cfg.addrs[0].addr = sk_ipaddr_from_ip4(sk_ip4_make(192, 0, 2, last));
    cfg.addrs[0].prefix_len = 24;
    cfg.mtu = 1500;
    cfg.seed = seed;
    cfg.alloc = sk_posix_allocator();
    sk_stack *s = NULL;
    int err = sk_stack_create(&cfg, &s);
    if (err != 0)
        die("sk_stack_create", err);
    return s;
}

static sk_endpoint endpoint(uint8_t last, uint16_t port)
{
    sk_endpoint ep;
    memset(&ep, 0, sizeof ep);
    ep.addr = sk_ipaddr_from_ip4(sk_ip4_make(192, 0, 2, last));
    ep.port = port;
    return ep;
}

static void pair_open(udp_pair *p, size_t size)
{
    memset(p, 0, sizeof *p);
    uint64_t seed = sk_posix_seed();
    p->a = make_stack(1, seed);
    p->b = make_stack(2, seed ^ 0x9e3779b97f4a7c15u);
    p->size = size;
    int err;
    sk_endpoint local = endpoint(2, ECHO_PORT);
    if ((err = sk_udp_open(p->b, &p->ss)) != 0 || (err = sk_udp_bind(p->b, p->ss, &local)) != 0)
        die("echo socket", err);
    sk_endpoint remote = endpoint(2, ECHO_PORT);
    if ((err = sk_udp_open(p->a, &p->cs)) != 0 ||
        (err = sk_udp_connect(p->a, p->cs, &remote)) != 0)
        die("client socket", err);
    memset(p->buf, 0x5a, sizeof p->buf);
}

/* Move every frame `from` has to send now into `to`; returns how many. */
static uint64_t drain(udp_pair *p, sk_stack *from, sk_stack *to, sk_time_us now)
{
    uint64_t n = 0;
    size_t len;
    while ((len = sk_stack_output(from, now, p->frame, sizeof p->frame)) > 0) {
        sk_stack_input(to, now, p->frame, len);
        n++;
    }
    return n;
}

/* The echo application: every queued datagram back to its source. */
static void echo_all(udp_pair *p, sk_time_us now)
{
    uint8_t in[MAX_SIZE];
    sk_udp_meta m;
    ptrdiff_t r;
    while ((r = sk_udp_recvfrom(p->b, now, p->ss, in, sizeof in, &m)) >= 0) {
        ptrdiff_t w = sk_udp_sendto(p->b, now, p->ss, in, (size_t)r, &m.from);
        if (w < 0)
            die("echo sendto", (int)w);
    }
}

/* The client: count (and check) the echoes; returns how many arrived. */
static uint64_t client_recv(udp_pair *p, sk_time_us now)
{
    uint8_t in[MAX_SIZE];
    uint64_t got = 0;
    ptrdiff_t r;
    while ((r = sk_udp_recv(p->a, now, p->cs, in, sizeof in)) >= 0) {
        uint64_t seq;
        memcpy(&seq, in, sizeof seq);
        if ((size_t)r != p->size || seq >= p->sent) {
            p->bad++;
            continue;
        }
        p->echoed++;
        got++;
    }
    return got;
}

static void client_send(udp_pair *p, sk_time_us now, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        uint64_t seq = p->sent;
        memcpy(p->buf, &seq, sizeof seq);
        ptrdiff_t w = sk_udp_send(p->a, now, p->cs, p->buf, p->size);
        if (w == SK_EAGAIN)
            return;
        if (w < 0)
            die("client send", (int)w);
        p->sent++;
    }
}

/* One exchange: frames a->b, echo, b->a, count; returns echoes. */
static uint64_t step(udp_pair *p, sk_time_us now)
{
    drain(p, p->a, p->b, now);
    echo_all(p, now);
    drain(p, p->b, p->a, now);
    return client_recv(p, now);
}

static int run(size_t size, uint64_t window, double seconds)
{
    udp_pair *p = malloc(sizeof *p);
    if (p == NULL)
        return 1;
    pair_open(p, size);
    sk_time_us now = sk_posix_now_us();
    sk_time_us t0 = now, stop = now + (sk_time_us)(seconds * 1e6);
    double c0 = cpu_seconds();
    client_send(p, now, window);
    for (uint32_t round = 0; now < stop; round++) {
        if (round % 8 == 0)
            now = sk_posix_now_us();
        uint64_t got = step(p, now);
        /* nothing came back: in memory every exchange completes within one
         * step, so the outstanding ones are lost; refill the window, as the
         * Linux client does after a stall */
        client_send(p, now, got > 0 ? got : window);
    }
    for (int i = 0; i < 16 && p->echoed < p->sent; i++) /* finish what is in flight */
        step(p, now);
    double wall = (double)(sk_posix_now_us() - t0) / 1e6;
    double cpu = cpu_seconds() - c0;
    printf("RESULT size=%zu window=%llu sent=%llu echoed=%llu lost=%llu bad=%llu wall_s=%.3f "
           "cpu_s=%.3f dgram_per_s=%.0f cpu_ns_per_dgram=%.1f\n",
           size, (unsigned long long)window, (unsigned long long)p->sent,
           (unsigned long long)p->echoed, (unsigned long long)(p->sent - p->echoed),
           (unsigned long long)p->bad, wall, cpu, (double)p->echoed / wall,
           p->echoed ? cpu * 1e9 / (double)p->echoed : 0.0);
    int ok = p->echoed > 0 && p->bad == 0;
    sk_stack_destroy(p->a);
    sk_stack_destroy(p->b);
    free(p);
    return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: bench_udp SIZE WINDOW SECONDS (SIZE 8..%d, WINDOW 1..%d)\n",
                MAX_SIZE, MAX_WINDOW);
        return 2;
    }
    char *e1, *e2, *e3;
    unsigned long size = strtoul(argv[1], &e1, 10);
    unsigned long window = strtoul(argv[2], &e2, 10);
    double seconds = strtod(argv[3], &e3);
    if (*e1 || *e2 || *e3 || size < 8 || size > MAX_SIZE || window < 1 || window > MAX_WINDOW ||
        !(seconds > 0 && seconds < 600)) {
        fprintf(stderr, "bench_udp: bad arguments\n");
        return 2;
    }
    bench_print_provenance(stdout, "# ");
    return run((size_t)size, window, seconds);
}
