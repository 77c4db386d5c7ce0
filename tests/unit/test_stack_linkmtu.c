/* sk_stack_set_mtu with live connections (found by fuzz_stack's runtime
 * reconfiguration): the link MTU lowered below IPv6's 1280 must still
 * bound every segment (an established IPv6 connection used to keep the
 * RFC 8201 floor of 1280 and send segments over the link MTU), and a
 * SYN-RECEIVED child whose MSS came from the old MTU takes the new one.
 * Two stacks on a raw IP link in memory, 2001:db8::1 and 2001:db8::2. */
#include "posix/posix_alloc.h"
#include "sk_test.h"
#include "synack/synack.h"

#include <stdlib.h>
#include <string.h>

static sk_ip6 addr6(uint8_t last)
{
    sk_ip6 a = {{0x20, 0x01, 0x0d, 0xb8}};
    a.b[15] = last;
    return a;
}

static sk_stack *make(uint8_t last)
{
    sk_stack_config cfg;
    sk_stack_config_default(&cfg);
    cfg.alloc = sk_posix_allocator();
    cfg.seed = last;
    cfg.n_addrs = 1;
    cfg.addrs[0].addr = sk_ipaddr_from_ip6(addr6(last));
    cfg.addrs[0].prefix_len = 64;
    sk_stack *s = NULL;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), 0);
    return s;
}

/* Frames from `from` to `to` until `from` has none (at most 1000); the
 * largest is returned. */
static size_t move(sk_stack *from, sk_stack *to, uint64_t now)
{
    static uint8_t f[2048];
    size_t n, big = 0;
    for (int i = 0; i < 1000 && (n = sk_stack_output(from, now, f, sizeof f)) > 0; i++) {
        big = n > big ? n : big;
        sk_stack_input(to, now, f, n);
    }
    return big;
}

static uint8_t data[20000];

/* Everything `a` sends to `b` in `rounds` exchanges; returns the largest
 * frame a sent, reads what b received into `got` (its count in *n). */
static size_t exchange(sk_stack *a, sk_stack *b, sk_sock rb, uint64_t *now, uint8_t *got, size_t *n)
{
    size_t big = 0;
    for (int r = 0; r < 200; r++) {
        *now += 1000;
        size_t m = move(a, b, *now);
        big = m > big ? m : big;
        ptrdiff_t k;
        while ((k = sk_tcp_recv(b, *now, rb, got + *n, sizeof data - *n)) > 0)
            *n += (size_t)k;
        move(b, a, *now);
    }
    return big;
}

static void test_established_ipv6_follows_link_mtu(void)
{
    sk_stack *a = make(1), *b = make(2);
    sk_sock l, c, acc;
    uint64_t now = 1000;
    SK_CHECK_EQ_I(sk_tcp_listen(b, 80, NULL, &l), 0);
    sk_endpoint ep = {sk_ipaddr_from_ip6(addr6(2)), 80};
    SK_CHECK_EQ_I(sk_tcp_connect(a, now, &ep, NULL, &c), 0);
    for (int i = 0; i < 3; i++) {
        move(a, b, now);
        move(b, a, now);
    }
    SK_CHECK_EQ_I(sk_tcp_accept(b, l, &acc, NULL), 0);
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7);
    SK_CHECK_EQ_I(sk_stack_set_mtu(a, 576), 0);
    SK_CHECK_EQ_I(sk_tcp_send(a, now, c, data, 8000), 8000);
    static uint8_t got[sizeof data];
    size_t n = 0;
    size_t big = exchange(a, b, acc, &now, got, &n);
    SK_CHECK_EQ(big, 576u);
    SK_CHECK_EQ(sk_stack_stats(a)->drop[SK_DROP_TCP_OVER_MTU], 0u);
    SK_CHECK_EQ(n, 8000u);
    SK_CHECK(memcmp(got, data, 8000) == 0);
    sk_stack_destroy(a);
    sk_stack_destroy(b);
}

/* The child answers the SYN (its MSS from 1500), the link MTU drops to
 * 576, then the handshake completes and the child sends. */
static void test_syn_received_child_takes_new_mtu(void)
{
    sk_stack *a = make(1), *b = make(2);
    sk_sock l, c, acc;
    uint64_t now = 1000;
    SK_CHECK_EQ_I(sk_tcp_listen(b, 80, NULL, &l), 0);
    sk_endpoint ep = {sk_ipaddr_from_ip6(addr6(2)), 80};
    SK_CHECK_EQ_I(sk_tcp_connect(a, now, &ep, NULL, &c), 0);
    move(a, b, now); /* SYN */
    SK_CHECK_EQ_I(sk_stack_set_mtu(b, 576), 0);
    move(b, a, now); /* SYN,ACK */
    move(a, b, now); /* ACK */
    SK_CHECK_EQ_I(sk_tcp_accept(b, l, &acc, NULL), 0);
    SK_CHECK_EQ_I(sk_tcp_send(b, now, acc, data, 6000), 6000);
    static uint8_t got[sizeof data];
    size_t n = 0;
    size_t big = exchange(b, a, c, &now, got, &n);
    SK_CHECK_EQ(big, 576u);
    SK_CHECK_EQ(sk_stack_stats(b)->drop[SK_DROP_TCP_OVER_MTU], 0u);
    SK_CHECK_EQ(n, 6000u);
    SK_CHECK(memcmp(got, data, 6000) == 0);
    sk_stack_destroy(a);
    sk_stack_destroy(b);
}

int main(void)
{
    SK_RUN(test_established_ipv6_follows_link_mtu);
    SK_RUN(test_syn_received_child_takes_new_mtu);
    return sk_test_finish();
}
