/* echo_server: the smallest complete synack program. A TCP echo server on a
 * TAP device, written on the non-blocking API and the POSIX event loop.
 *
 *   sudo ip tuntap add dev tap0 mode tap
 *   sudo ip addr add 192.0.2.1/24 dev tap0 && sudo ip link set tap0 up
 *   sudo ./echo_server tap0 192.0.2.2/24 7       # then, from Linux: nc 192.0.2.2 7
 *
 * Each connection keeps the bytes it could not send back yet; it reads
 * more only when those are gone, so a slow reader slows its own writer
 * (TCP flow control) and memory stays bounded. */
#include "synack/posix/posix_alloc.h"
#include "synack/posix/posix_dev.h"
#include "synack/posix/posix_loop.h"
#include "synack/posix/posix_sys.h"
#include "synack/error.h"
#include "synack/stack.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CONNS 256

struct conn {
    sk_sock sock;
    bool used;
    size_t len, off; /* pending echo bytes: buf[off..len) */
    uint8_t buf[16384];
};

static struct conn conns[MAX_CONNS];
static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static struct conn *find(sk_sock s)
{
    for (int i = 0; i < MAX_CONNS; i++)
        if (conns[i].used && conns[i].sock.idx == s.idx && conns[i].sock.gen == s.gen)
            return &conns[i];
    return NULL;
}

/* Move bytes until the stack would block; returns false when the
 * connection is finished (the peer closed, or it failed). */
static bool pump(sk_stack *st, sk_time_us now, struct conn *c)
{
    for (;;) {
        while (c->off < c->len) {
            ptrdiff_t n = sk_tcp_send(st, now, c->sock, c->buf + c->off, c->len - c->off);
            if (n == SK_EAGAIN)
                return true; /* wait for SK_EV_WRITABLE */
            if (n < 0)
                return false;
            c->off += (size_t)n;
        }
        ptrdiff_t n = sk_tcp_recv(st, now, c->sock, c->buf, sizeof c->buf);
        if (n == SK_EAGAIN)
            return true; /* wait for SK_EV_READABLE */
        if (n <= 0)
            return false; /* 0: end of stream; < 0: reset, timeout ... */
        c->len = (size_t)n;
        c->off = 0;
    }
}

static void accept_all(sk_stack *st, sk_time_us now, sk_sock listener)
{
    sk_sock s;
    while (sk_tcp_accept(st, listener, &s, NULL) == 0) {
        struct conn *c = NULL;
        for (int i = 0; i < MAX_CONNS && c == NULL; i++)
            if (!conns[i].used)
                c = &conns[i];
        if (c == NULL) {
            sk_tcp_abort(st, now, s); /* full: refuse with RST */
            continue;
        }
        memset(c, 0, sizeof *c);
        c->used = true;
        c->sock = s;
        if (!pump(st, now, c)) {
            sk_tcp_close(st, now, s);
            c->used = false;
        }
    }
}

static int setup(const char *dev_name, const char *cidr, sk_posix_dev *dev, sk_stack **st)
{
    char err[256];
    sk_stack_config cfg;
    sk_stack_config_default(&cfg);
    if (sk_ip4_prefix_from_str(cidr, &cfg.addr, &cfg.prefix_len) != 0) {
        fprintf(stderr, "echo_server: bad address '%s' (want A.B.C.D/NN)\n", cidr);
        return -1;
    }
    if (sk_posix_dev_open(dev, SK_DEV_TAP, dev_name, err, sizeof err) != 0) {
        fprintf(stderr, "echo_server: %s\n", err);
        return -1;
    }
    cfg.link = SK_LINK_ETHERNET;
    cfg.mac = sk_posix_stable_mac(cfg.addr); /* our end of the wire, not the kernel's */
    cfg.mtu = dev->mtu;
    cfg.seed = sk_posix_seed();
    cfg.alloc = sk_posix_allocator();
    int r = sk_stack_create(&cfg, st);
    if (r != 0) {
        fprintf(stderr, "echo_server: %s\n", sk_strerror(r));
        sk_posix_dev_close(dev);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: echo_server TAP A.B.C.D/NN PORT\n");
        return 2;
    }
    sk_posix_dev dev;
    sk_stack *st;
    if (setup(argv[1], argv[2], &dev, &st) != 0)
        return 1;
    sk_sock listener;
    int r = sk_tcp_listen(st, (uint16_t)atoi(argv[3]), NULL, &listener);
    static sk_posix_loop loop;
    char err[256];
    sk_posix_loop_config lc = {.stack = st, .dev = &dev};
    if (r != 0 || sk_posix_loop_init(&loop, &lc, err, sizeof err) != 0) {
        fprintf(stderr, "echo_server: %s\n", r != 0 ? sk_strerror(r) : err);
        return 1;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    printf("echo_server: listening on %s port %s\n", argv[2], argv[3]);
    fflush(stdout);
    while (!stop) {
        /* frames in, timers, frames out; sleeps until something happens */
        if (sk_posix_loop_step(&loop, 1000000) != 0)
            break;
        sk_event ev;
        while (sk_stack_next_event(st, &ev)) {
            if (ev.sock.idx == listener.idx && ev.sock.gen == listener.gen) {
                accept_all(st, loop.now, listener);
                continue;
            }
            struct conn *c = find(ev.sock);
            if (c != NULL && !pump(st, loop.now, c)) {
                sk_tcp_close(st, loop.now, c->sock); /* FIN after what is queued */
                c->used = false;
            }
        }
    }
    sk_posix_loop_linger(&loop, 1000000);
    sk_posix_loop_free(&loop);
    sk_stack_destroy(st);
    sk_posix_dev_close(&dev);
    return 0;
}
