/* A connection's ends (tcp_ends.c): the TCB keeps IPv4 addresses in place
 * and an IPv6 connection's two addresses in the environment's pool, taken
 * at the first IPv6 connection. A stack that only ever speaks IPv4 takes
 * no pool; IPv6 pairs are handed out one per open connection and reused
 * after close; the tuple every path reads back (the API's endpoints, the
 * demux of the peer's answer, an accepted child's peer) is the one the
 * connection was made with; the allocator failing at the pool is SK_ENOMEM
 * for that connect only, and nothing leaks. */
#include "api/stack_impl.h"
#include "iface_fixture.h"
#include "sk_test.h"
#include "wire/ipv6.h"
#include "wire/tcp_hdr.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    long calls, fail_at;
    size_t live;
} counting_alloc;

static void *ca_allocate(void *ctx, size_t n)
{
    counting_alloc *a = ctx;
    if (++a->calls == a->fail_at)
        return NULL;
    void *p = malloc(n);
    if (p != NULL)
        a->live += n;
    return p;
}

static void ca_release(void *ctx, void *p, size_t n)
{
    counting_alloc *a = ctx;
    if (p == NULL)
        return;
    a->live -= n;
    free(p);
}

static sk_ip6 a6(uint8_t last)
{
    sk_ip6 r = {{0x20, 0x01, 0x0d, 0xb8}};
    r.b[15] = last;
    return r;
}

/* A raw-IP stack with 192.0.2.2 and 2001:db8::2, through allocator a. */
static sk_stack *make(counting_alloc *a)
{
    sk_stack_config cfg;
    ifx_ip_config(&cfg, sk_ip4_make(0, 0, 0, 0));
    cfg.max_sockets = 8;
    cfg.n_addrs = 2;
    cfg.addrs[0].addr = sk_ipaddr_from_ip4(sk_ip4_make(192, 0, 2, 2));
    cfg.addrs[0].prefix_len = 24;
    cfg.addrs[1].addr = sk_ipaddr_from_ip6(a6(2));
    cfg.addrs[1].prefix_len = 64;
    cfg.alloc = (sk_allocator){ca_allocate, ca_release, a};
    sk_stack *s = NULL;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), 0);
    return s;
}

static int connect_to(sk_stack *s, sk_ipaddr peer, uint16_t lport, sk_sock *out)
{
    sk_endpoint remote = {peer, 80};
    sk_connect_opts co = {lport, 0, true, 1000};
    return sk_tcp_connect(s, SK_MSEC(1), &remote, &co, out);
}

static void check_ends(sk_stack *s, sk_sock c, sk_ipaddr local, uint16_t lport, sk_ipaddr peer,
                       uint16_t rport)
{
    sk_tcp_info in;
    SK_CHECK_EQ_I(sk_tcp_get_info(s, c, &in), 0);
    SK_CHECK(sk_ipaddr_eq(&in.local.addr, &local));
    SK_CHECK(sk_ipaddr_eq(&in.remote.addr, &peer));
    SK_CHECK_EQ(in.local.port, lport);
    SK_CHECK_EQ(in.remote.port, rport);
}

static void test_ipv4_takes_no_pool(void)
{
    counting_alloc a = {0, 0, 0};
    sk_stack *s = make(&a);
    if (s == NULL)
        return;
    sk_ipaddr me = sk_ipaddr_from_ip4(sk_ip4_make(192, 0, 2, 2));
    for (uint16_t i = 0; i < 4; i++) {
        sk_ipaddr peer = sk_ipaddr_from_ip4(sk_ip4_make(192, 0, 2, (uint8_t)(10 + i)));
        sk_sock c;
        SK_CHECK_EQ_I(connect_to(s, peer, (uint16_t)(40000 + i), &c), 0);
        check_ends(s, c, me, (uint16_t)(40000 + i), peer, 80);
        SK_CHECK(!(sk_stack_tcb(s, c)->flags & SK_TF_IP6));
    }
    SK_CHECK(s->env.ip6.mem == NULL);
    sk_stack_destroy(s);
    SK_CHECK_EQ(a.live, 0);
}

/* The peer's segment h from 2001:db8::<from> to us, into the stack. */
static void inject6(sk_stack *s, sk_time_us now, uint8_t from, const sk_tcp_repr *h)
{
    ifx_tcp6_in(s, now, a6(from), a6(2), h);
}

/* Every segment we send at `now` goes; the TCP header of the last one to
 * port `dport` of 2001:db8::<to>. */
static bool drain(sk_stack *s, sk_time_us now, uint8_t to, uint16_t dport, sk_tcp_repr *out)
{
    uint8_t buf[2048];
    bool any = false;
    for (size_t n; (n = sk_stack_output(s, now, buf, sizeof buf)) > 0;) {
        sk_ip6_repr ip;
        sk_tcp_repr h;
        if (sk_ip6_parse(buf, n, &ip) == 0 && ip.next_header == SK_IPPROTO_TCP &&
            sk_ip6_eq(ip.dst, a6(to)) && sk_tcp_parse(ip.payload, ip.payload_len, &h) == 0 &&
            h.dst_port == dport) {
            *out = h;
            any = true;
        }
    }
    return any;
}

static void test_ipv6_pairs_reused(void)
{
    counting_alloc a = {0, 0, 0};
    sk_stack *s = make(&a);
    if (s == NULL)
        return;
    sk_ipaddr me = sk_ipaddr_from_ip6(a6(2));
    sk_sock c[3];
    for (uint16_t i = 0; i < 3; i++) {
        sk_ipaddr peer = sk_ipaddr_from_ip6(a6((uint8_t)(10 + i)));
        SK_CHECK_EQ_I(connect_to(s, peer, (uint16_t)(40000 + i), &c[i]), 0);
        check_ends(s, c[i], me, (uint16_t)(40000 + i), peer, 80);
    }
    SK_CHECK(s->env.ip6.mem != NULL);
    SK_CHECK_EQ(s->env.ip6.fresh, 3);
    /* the middle one's peer answers: the demux finds it by its pair */
    sk_tcp_repr h, out;
    SK_CHECK(drain(s, SK_MSEC(1), 11, 80, &out));
    SK_CHECK_EQ(out.flags, SK_TCP_SYN);
    SK_CHECK_EQ(out.src_port, 40001);
    memset(&h, 0, sizeof h);
    h.src_port = 80;
    h.dst_port = 40001;
    h.seq = sk_seq_make(5000);
    h.ack = sk_seq_make(1001);
    h.flags = SK_TCP_SYN | SK_TCP_ACK;
    h.window = 65535;
    inject6(s, SK_MSEC(2), 11, &h);
    SK_CHECK_EQ(sk_stack_tcb(s, c[1])->state, SK_TCP_ESTABLISHED);
    SK_CHECK_EQ(sk_stack_tcb(s, c[0])->state, SK_TCP_SYN_SENT);
    /* c[1]'s ports from another peer: not c[1]'s, though the demux's
     * one-entry cache holds c[1] (a RST at its RCV.NXT would close it) */
    sk_tcp_repr r = h;
    r.seq = sk_seq_make(5001);
    r.flags = SK_TCP_RST;
    inject6(s, SK_MSEC(2), 98, &r);
    SK_CHECK_EQ(sk_stack_tcb(s, c[1])->state, SK_TCP_ESTABLISHED);
    /* the same segment from another address is no one's: answered by RST */
    h.dst_port = 40002;
    inject6(s, SK_MSEC(2), 99, &h);
    SK_CHECK_EQ(sk_stack_tcb(s, c[2])->state, SK_TCP_SYN_SENT);
    SK_CHECK(drain(s, SK_MSEC(2), 99, 80, &out));
    SK_CHECK(out.flags & SK_TCP_RST);
    /* closed, the pair goes back; the next IPv6 connection takes it */
    SK_CHECK_EQ_I(sk_tcp_abort(s, SK_MSEC(3), c[0]), 0);
    sk_ipaddr peer = sk_ipaddr_from_ip6(a6(20));
    sk_sock d;
    SK_CHECK_EQ_I(connect_to(s, peer, 40010, &d), 0);
    SK_CHECK_EQ(s->env.ip6.fresh, 3);
    check_ends(s, d, me, 40010, peer, 80);
    check_ends(s, c[1], me, 40001, sk_ipaddr_from_ip6(a6(11)), 80);
    check_ends(s, c[2], me, 40002, sk_ipaddr_from_ip6(a6(12)), 80);
    /* a passive connection takes one too, and its peer is the SYN's */
    sk_sock l;
    sk_listen_opts lo = {8, 0, true, 7000};
    SK_CHECK_EQ_I(sk_tcp_listen(s, 443, &lo, &l), 0);
    memset(&h, 0, sizeof h);
    h.src_port = 50000;
    h.dst_port = 443;
    h.seq = sk_seq_make(9000);
    h.flags = SK_TCP_SYN;
    h.window = 65535;
    inject6(s, SK_MSEC(4), 30, &h);
    SK_CHECK(drain(s, SK_MSEC(4), 30, 50000, &out));
    SK_CHECK_EQ(out.flags, SK_TCP_SYN | SK_TCP_ACK);
    h.flags = SK_TCP_ACK;
    h.seq = sk_seq_make(9001);
    h.ack = sk_seq_add(out.seq, 1);
    inject6(s, SK_MSEC(5), 30, &h);
    sk_sock k;
    sk_endpoint who;
    SK_CHECK_EQ_I(sk_tcp_accept(s, l, &k, &who), 0);
    sk_ipaddr p30 = sk_ipaddr_from_ip6(a6(30));
    SK_CHECK(sk_ipaddr_eq(&who.addr, &p30));
    SK_CHECK_EQ(who.port, 50000);
    check_ends(s, k, me, 443, p30, 50000);
    SK_CHECK_EQ(s->env.ip6.fresh, 4);
    /* a listener's own address reads back as it was given (any) */
    sk_tcp_info in;
    SK_CHECK_EQ_I(sk_tcp_get_info(s, l, &in), 0);
    SK_CHECK_EQ(in.local.port, 443);
    SK_CHECK_EQ(in.remote.addr.family, SK_AF_UNSPEC);
    sk_stack_destroy(s);
    SK_CHECK_EQ(a.live, 0);
}

/* The allocator fails exactly when the first IPv6 connection asks for the
 * pool: that connect is SK_ENOMEM with nothing held, the next one works. */
static void test_ipv6_pool_without_memory(void)
{
    counting_alloc a = {0, 0, 0};
    sk_stack *s = make(&a);
    if (s == NULL)
        return;
    sk_ipaddr peer = sk_ipaddr_from_ip6(a6(10));
    sk_sock c;
    /* the connect allocates the handshake's extension, then the pool */
    a.fail_at = a.calls + 2;
    SK_CHECK_EQ_I(connect_to(s, peer, 40000, &c), SK_ENOMEM);
    SK_CHECK(s->env.ip6.mem == NULL);
    SK_CHECK_EQ(a.calls, a.fail_at);
    SK_CHECK_EQ_I(connect_to(s, peer, 40000, &c), 0);
    check_ends(s, c, sk_ipaddr_from_ip6(a6(2)), 40000, peer, 80);
    SK_CHECK_EQ(s->env.ip6.fresh, 1);
    sk_stack_destroy(s);
    SK_CHECK_EQ(a.live, 0);
}

int main(void)
{
    SK_RUN(test_ipv4_takes_no_pool);
    SK_RUN(test_ipv6_pairs_reused);
    SK_RUN(test_ipv6_pool_without_memory);
    return sk_test_finish();
}
