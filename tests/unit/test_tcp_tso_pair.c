/* Two stacks in one process, the sender with TSO and checksum offload, the
 * wire a "device" that completes each partial checksum in software
 * (sk_frame_csum_complete) and hands the frame on whole, without metadata,
 * to a receiver that offloads nothing and checks every checksum: over IPv4
 * and IPv6, 1 MiB arrives byte for byte, carried mostly in super-segments
 * (the receiver takes them as merged segments), and no checksum fails. */
#include "sk_test.h"

#include "posix/posix_alloc.h"
#include "synack/error.h"
#include "synack/stack.h"

#include <stdbool.h>

#include <stdlib.h>
#include <string.h>

#define MIB (1024u * 1024u)

static uint8_t frame[70000];
static uint8_t rbuf[65536];

static sk_ipaddr addr_of(bool v6, uint8_t last)
{
    if (!v6)
        return sk_ipaddr_from_ip4(sk_ip4_make(192, 0, 2, last));
    sk_ip6 a = {{0x20, 0x01, 0x0d, 0xb8}};
    a.b[15] = last;
    return sk_ipaddr_from_ip6(a);
}

static sk_stack *make(uint8_t last, bool offload)
{
    sk_stack_config cfg;
    sk_stack_config_default(&cfg);
    cfg.n_addrs = 2; /* dual stack */
    cfg.addrs[0].addr = addr_of(false, last);
    cfg.addrs[0].prefix_len = 24;
    cfg.addrs[1].addr = addr_of(true, last);
    cfg.addrs[1].prefix_len = 64;
    cfg.alloc = sk_posix_allocator();
    cfg.seed = last;
    if (offload) {
        cfg.dev.tx_csum = true;
        cfg.dev.tso_max = SK_TSO_MAX;
    }
    sk_stack *s = NULL;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), 0);
    return s;
}

/* Frames from `from` to `to` at now; counts super-segments. */
static unsigned wire(sk_stack *from, sk_stack *to, sk_time_us now, unsigned *supers)
{
    unsigned n = 0;
    sk_frame_meta m;
    size_t len;
    while ((len = sk_stack_output_meta(from, now, frame, sizeof frame, &m)) > 0) {
        SK_CHECK_EQ_I(sk_frame_csum_complete(frame, len, &m), 0);
        *supers += m.gso_type != SK_GSO_NONE;
        sk_stack_input(to, now, frame, len);
        n++;
    }
    return n;
}

static void transfer(bool v6)
{
    sk_stack *a = make(1, true), *b = make(2, false);
    sk_sock l, c, srv = {0, 0};
    SK_CHECK_EQ_I(sk_tcp_listen(b, 5001, NULL, &l), 0);
    sk_endpoint ep = {addr_of(v6, 2), 5001};
    SK_CHECK_EQ_I(sk_tcp_connect(a, 0, &ep, NULL, &c), 0);
    static uint8_t pat[4096];
    for (size_t i = 0; i < sizeof pat; i++)
        pat[i] = (uint8_t)(i * 7 + 3);
    uint32_t sent = 0, got = 0;
    unsigned supers = 0, ignored = 0;
    sk_time_us now = 0;
    for (int round = 0; round < 200000 && got < MIB; round++) {
        now += 10;
        if (srv.gen == 0)
            (void)sk_tcp_accept(b, l, &srv, NULL);
        while (sent < MIB) {
            uint32_t off = sent % sizeof pat, n = (uint32_t)sizeof pat - off;
            n = n < MIB - sent ? n : MIB - sent;
            ptrdiff_t r = sk_tcp_send(a, now, c, pat + off, n);
            if (r <= 0)
                break;
            sent += (uint32_t)r;
        }
        unsigned moved = wire(a, b, now, &supers) + wire(b, a, now, &ignored);
        ptrdiff_t r;
        while (srv.gen != 0 && (r = sk_tcp_recv(b, now, srv, rbuf, sizeof rbuf)) > 0) {
            for (ptrdiff_t i = 0; i < r; i++)
                if (rbuf[i] != pat[(got + (uint32_t)i) % sizeof pat]) {
                    SK_CHECK_MSG(false, "byte %u differs", got + (uint32_t)i);
                    got = MIB;
                    break;
                }
            got += (uint32_t)r;
        }
        if (moved == 0) { /* nothing on the wire: jump to the next deadline */
            sk_time_us ta = sk_stack_poll_at(a), tb = sk_stack_poll_at(b);
            sk_time_us t = ta < tb ? ta : tb;
            if (t != SK_NEVER && t > now)
                now = t;
        }
    }
    SK_CHECK_EQ(got, MIB);
    SK_CHECK(supers > 0);
    SK_CHECK_EQ(sk_stack_stats(b)->drop[SK_DROP_TCP_CHECKSUM], 0u);
    SK_CHECK_EQ(sk_stack_stats(a)->retransmits, 0u);
    sk_stack_destroy(a);
    sk_stack_destroy(b);
}

static void test_ipv4(void)
{
    transfer(false);
}

static void test_ipv6(void)
{
    transfer(true);
}

int main(void)
{
    SK_RUN(test_ipv4);
    SK_RUN(test_ipv6);
    return sk_test_finish();
}
