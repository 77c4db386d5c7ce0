/* udp_echo: a UDP echo server on synack (RFC 862 over UDP): every datagram
 * that arrives on PORT goes back to its sender, unchanged.
 *
 *   sudo ip tuntap add dev tap0 mode tap
 *   sudo ip addr add 192.0.2.1/24 dev tap0 && sudo ip link set tap0 up
 *   sudo ./udp_echo tap0 192.0.2.2/24 7   # then: echo hi | nc -u -q1 192.0.2.2 7
 *
 * The loop wakes on a frame or a deadline; after each round every datagram
 * queued on the socket is answered. Datagrams the stack cannot send now
 * (no ARP entry yet, no buffer) are dropped, as UDP may. */
#include "synack/error.h"
#include "synack/posix/posix_alloc.h"
#include "synack/posix/posix_dev.h"
#include "synack/posix/posix_loop.h"
#include "synack/posix/posix_sys.h"
#include "synack/stack.h"
#include "synack/udp.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int open_stack(const char *tap, const char *cidr, sk_posix_dev *dev, sk_stack **st)
{
    char err[256];
    sk_stack_config cfg;
    sk_stack_config_default(&cfg);
    if (sk_ip4_prefix_from_str(cidr, &cfg.addr, &cfg.prefix_len) != 0) {
        fprintf(stderr, "udp_echo: bad address '%s' (want A.B.C.D/NN)\n", cidr);
        return -1;
    }
    if (sk_posix_dev_open(dev, SK_DEV_TAP, tap, err, sizeof err) != 0) {
        fprintf(stderr, "udp_echo: %s\n", err);
        return -1;
    }
    cfg.link = SK_LINK_ETHERNET;
    cfg.mac = sk_posix_stable_mac(cfg.addr);
    cfg.mtu = dev->mtu;
    cfg.seed = sk_posix_seed();
    cfg.alloc = sk_posix_allocator();
    int r = sk_stack_create(&cfg, st);
    if (r != 0) {
        fprintf(stderr, "udp_echo: %s\n", sk_strerror(r));
        sk_posix_dev_close(dev);
        return -1;
    }
    return 0;
}

static void echo_all(sk_stack *st, sk_time_us now, sk_sock s, unsigned long *count)
{
    static uint8_t buf[65536];
    sk_udp_meta m;
    ptrdiff_t n;
    while ((n = sk_udp_recvfrom(st, now, s, buf, sizeof buf, &m)) != SK_EAGAIN) {
        if (n < 0)
            continue; /* a pending error (ICMP unreachable) is reported once */
        if (sk_udp_sendto(st, now, s, buf, (size_t)n, &m.from) == n)
            (*count)++;
    }
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: udp_echo TAP A.B.C.D/NN PORT\n");
        return 2;
    }
    sk_posix_dev dev;
    sk_stack *st;
    if (open_stack(argv[1], argv[2], &dev, &st) != 0)
        return 1;
    sk_sock s;
    sk_endpoint local = {.port = (uint16_t)atoi(argv[3])};
    int r = sk_udp_open(st, &s);
    if (r == 0)
        r = sk_udp_bind(st, s, &local);
    static sk_posix_loop loop;
    char err[256];
    sk_posix_loop_config lc = {.stack = st, .dev = &dev};
    if (r != 0 || sk_posix_loop_init(&loop, &lc, err, sizeof err) != 0) {
        fprintf(stderr, "udp_echo: %s\n", r != 0 ? sk_strerror(r) : err);
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    printf("udp_echo: listening on %s port %s\n", argv[2], argv[3]);
    fflush(stdout);
    unsigned long count = 0;
    while (!stop && sk_posix_loop_step(&loop, 1000000) == 0) {
        sk_event ev;
        while (sk_stack_next_event(st, &ev)) {
        }
        echo_all(st, loop.now, s, &count);
    }
    printf("udp_echo: %lu datagrams echoed\n", count);
    sk_udp_close(st, s);
    sk_posix_loop_linger(&loop, 1000000);
    sk_posix_loop_free(&loop);
    sk_stack_destroy(st);
    sk_posix_dev_close(&dev);
    return 0;
}
