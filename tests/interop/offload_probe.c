/* offload_probe DEV send|recv PORT [PCAP]: one synack connection from 192.0.2.2
 * to 192.0.2.1:PORT over the TAP DEV opened with IFF_VNET_HDR and every
 * offload (sk_posix_dev_open_vnet; the stack's dev capabilities all on):
 * "send" sends stdin and closes, "recv" writes what arrives to stdout until
 * the peer closes. Its own small loop (independent of port/posix's event
 * loop, which test_offload.sh runs through synack serve/connect): frames out with sk_stack_output_meta and
 * their virtio-net header, frames in with theirs. Prints on stderr how many
 * super-segments went out and how many merged segments came in. PCAP:
 * every frame in and out as it crossed the device, one record per
 * super-segment or merged segment, a partial checksum completed on a copy
 * first (sk_frame_csum_complete), so tshark's checksum verdicts hold.
 * SK_PROBE_PLAIN=1 turns every capability off (a baseline). Bounded:
 * 60 s. Exit 0 when the transfer completed and the connection closed. */
#define _GNU_SOURCE

#include "posix/pcap_file.h"
#include "posix/posix_alloc.h"
#include "posix/posix_dev.h"
#include "posix/posix_sys.h"
#include "synack/synack.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint8_t frame[SK_TSO_MAX + 200];
static uint8_t copy[SK_TSO_MAX + 200];

typedef struct {
    sk_stack *s;
    sk_posix_dev dev;
    sk_pcap *pcap; /* NULL: none */
    unsigned long supers_out, merged_in, partial_out;
} probe;

static void capture(probe *p, sk_time_us now, const uint8_t *f, size_t n, sk_frame_meta m)
{
    if (p->pcap == NULL)
        return;
    memcpy(copy, f, n);
    (void)sk_frame_csum_complete(copy, n, &m);
    sk_pcap_write(p->pcap, now, copy, n);
}

static int flush_out(probe *p, sk_time_us now)
{
    sk_frame_meta m;
    size_t n;
    while ((n = sk_stack_output_meta(p->s, now, frame, sizeof frame, &m)) > 0) {
        p->supers_out += m.gso_type != SK_GSO_NONE;
        p->partial_out += (m.flags & SK_FRAME_NEEDS_CSUM) != 0;
        capture(p, now, frame, n, m);
        if (sk_posix_dev_write_meta(&p->dev, frame, n, &m) < 0)
            return -1;
    }
    return 0;
}

static int read_in(probe *p, sk_time_us now)
{
    sk_frame_meta m;
    for (int i = 0; i < 64; i++) {
        long n = sk_posix_dev_read_meta(&p->dev, frame, sizeof frame, &m);
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        p->merged_in += m.gso_type != SK_GSO_NONE;
        capture(p, now, frame, (size_t)n, m);
        sk_stack_input_meta(p->s, now, frame, (size_t)n, &m);
    }
    return 0;
}

static uint8_t *slurp(size_t *len)
{
    size_t cap = 1 << 20, n = 0;
    uint8_t *b = malloc(cap);
    ssize_t r;
    while (b != NULL && (r = read(0, b + n, cap - n)) > 0) {
        n += (size_t)r;
        if (n == cap) {
            uint8_t *nb = realloc(b, cap *= 2);
            if (nb == NULL)
                free(b);
            b = nb;
        }
    }
    *len = n;
    return b;
}

/* The application's turn; 1 when done: sending, everything acknowledged
 * after our FIN and the peer's FIN arrived; receiving, the peer's FIN. */
static int app(probe *p, sk_sock c, sk_time_us now, int sending, const uint8_t *data,
               size_t len, size_t *off, int *shut)
{
    static uint8_t rbuf[65536];
    if (sending) {
        while (*off < len) {
            ptrdiff_t r = sk_tcp_send(p->s, now, c, data + *off, len - *off);
            if (r <= 0)
                break;
            *off += (size_t)r;
        }
        if (*off == len && !*shut) {
            sk_tcp_shutdown(p->s, now, c);
            *shut = 1;
        }
        sk_tcp_info in;
        return *shut && (sk_sock_events(p->s, c) & SK_EV_HUP) &&
               sk_tcp_get_info(p->s, c, &in) == 0 && in.unacked == 0;
    }
    ptrdiff_t r;
    while ((r = sk_tcp_recv(p->s, now, c, rbuf, sizeof rbuf)) > 0)
        if (fwrite(rbuf, 1, (size_t)r, stdout) != (size_t)r)
            return -1;
    return r == 0 ? 1 : r == SK_EAGAIN ? 0 : -1;
}

/* One round: output, a wait of at most 10 ms, input. */
static int round_trip(probe *p)
{
    sk_time_us now = sk_posix_now_us();
    if (flush_out(p, now) != 0)
        return -1;
    sk_time_us at = sk_stack_poll_at(p->s);
    int ms = at <= now ? 0 : at - now > 10000 ? 10 : (int)((at - now) / 1000);
    struct pollfd pfd = {p->dev.fd, POLLIN, 0};
    (void)poll(&pfd, 1, ms);
    return read_in(p, sk_posix_now_us());
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 5 || (strcmp(argv[2], "send") != 0 && strcmp(argv[2], "recv") != 0)) {
        fprintf(stderr, "usage: offload_probe DEV send|recv PORT [PCAP]\n");
        return 2;
    }
    int sending = strcmp(argv[2], "send") == 0;
    size_t len = 0, off = 0;
    uint8_t *data = sending ? slurp(&len) : NULL;
    sk_stack_config cfg;
    sk_stack_config_default(&cfg);
    cfg.link = SK_LINK_ETHERNET;
    cfg.addr = sk_ip4_make(192, 0, 2, 2);
    cfg.mac = sk_posix_stable_mac(cfg.addr);
    cfg.alloc = sk_posix_allocator();
    cfg.seed = sk_posix_seed();
    /* SK_PROBE_PLAIN=1: the same device, every capability off (a baseline) */
    const char *plain = getenv("SK_PROBE_PLAIN");
    if (plain == NULL || strcmp(plain, "1") != 0) {
        cfg.dev.tx_csum = cfg.dev.rx_csum = cfg.dev.gro = true;
        cfg.dev.tso_max = SK_TSO_MAX;
    }
    probe p;
    memset(&p, 0, sizeof p);
    char err[256];
    if (sk_posix_dev_open_vnet(&p.dev, SK_DEV_TAP, argv[1], &cfg.dev, err, sizeof err) != 0) {
        fprintf(stderr, "offload_probe: %s\n", err);
        return 1;
    }
    if (argc == 5 && (p.pcap = sk_pcap_open(argv[4], 1, 262144)) == NULL) {
        fprintf(stderr, "offload_probe: cannot write %s\n", argv[4]);
        return 1;
    }
    int e = sk_stack_create(&cfg, &p.s);
    if (e != 0) {
        fprintf(stderr, "offload_probe: %s\n", sk_strerror(e));
        return 1;
    }
    sk_sock c;
    sk_endpoint ep = {sk_ipaddr_from_ip4(sk_ip4_make(192, 0, 2, 1)), (uint16_t)atoi(argv[3])};
    sk_time_us start = sk_posix_now_us(), now = start;
    if (sk_tcp_connect(p.s, now, &ep, NULL, &c) != 0)
        return 1;
    int shut = 0, done = 0;
    while (!done && now - start < 60000000u) {
        now = sk_posix_now_us();
        int r = app(&p, c, now, sending, data, len, &off, &shut);
        if (r < 0 || (sk_sock_events(p.s, c) & SK_EV_ERROR))
            break;
        done = r;
        if (round_trip(&p) != 0)
            break;
    }
    sk_tcp_close(p.s, sk_posix_now_us(), c);
    for (int i = 0; i < 20; i++) /* our FIN or last ACK out, its ACK in */
        (void)round_trip(&p);
    fflush(stdout);
    fprintf(stderr, "offload_probe: done=%d supers_out=%lu partial_out=%lu merged_in=%lu\n", done,
            p.supers_out, p.partial_out, p.merged_in);
    if (p.pcap != NULL)
        sk_pcap_close(p.pcap);
    sk_stack_destroy(p.s);
    sk_posix_dev_close(&p.dev);
    free(data);
    return done ? 0 : 1;
}
