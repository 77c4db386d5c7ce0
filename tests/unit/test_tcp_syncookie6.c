/* SYN cookies over IPv6 (RFC 4987 §3.6 with RFC 8200 §8.3's MSS): a
 * listener answering every SYN with a cookie (SK_SYNCOOKIES_ALWAYS) on a raw
 * IP link, us 2001:db8::2, the peer 2001:db8::1. The cookie SYN,ACK goes out
 * in an IPv6 packet announcing MSS 1500 - 60; the ACK that brings it back
 * makes a connection whose send MSS is the table's entry for the peer's
 * (IPv6's minimum-MTU MSS 1220 exact, 1400 rounded down to 1300), with the
 * peer's window scale, SACK and timestamps; a forged cookie ACK is answered
 * with RST over IPv6 and counted. */
#include "api/stack_impl.h"
#include "base/checksum.h"
#include "iface_fixture.h"
#include "sk_test.h"
#include "wire/ipv6.h"
#include "wire/tcp_hdr.h"

#include <string.h>

static sk_ip6 a6(uint8_t last)
{
    sk_ip6 r = {{0x20, 0x01, 0x0d, 0xb8}};
    r.b[15] = last;
    return r;
}

static sk_stack *make(void)
{
    sk_stack_config cfg;
    ifx_ip_config(&cfg, sk_ip4_make(0, 0, 0, 0));
    cfg.n_addrs = 1;
    cfg.addrs[0].addr = sk_ipaddr_from_ip6(a6(2));
    cfg.addrs[0].prefix_len = 64;
    cfg.syn_cookies = SK_SYNCOOKIES_ALWAYS;
    return ifx_create(&cfg);
}

/* The peer's segment h in an IPv6 packet to us, into the stack. */
static void inject(sk_stack *s, sk_time_us now, const sk_tcp_repr *h)
{
    ifx_tcp6_in(s, now, a6(1), a6(2), h);
}

/* The one segment we send at `now` (false: none), checksum verified. */
static bool answer(sk_stack *s, sk_time_us now, uint8_t *buf, sk_tcp_repr *out)
{
    size_t n = sk_stack_output(s, now, buf, 2048);
    sk_ip6_repr ip;
    if (n == 0 || sk_ip6_parse(buf, n, &ip) != 0 || ip.next_header != SK_IPPROTO_TCP)
        return false;
    sk_ipaddr src = sk_ipaddr_from_ip6(ip.src), dst = sk_ipaddr_from_ip6(ip.dst);
    SK_CHECK(sk_csum_l4_ok(&src, &dst, SK_IPPROTO_TCP, ip.payload, ip.payload_len));
    SK_CHECK(sk_ip6_eq(ip.dst, a6(1)));
    return sk_tcp_parse(ip.payload, ip.payload_len, out) == 0;
}

static void handshake(sk_stack *s, sk_sock l, uint16_t sport, uint16_t peer_mss, uint16_t want)
{
    sk_tcp_repr h = {0};
    memset(&h, 0, sizeof h);
    h.src_port = sport;
    h.dst_port = 80;
    h.seq = sk_seq_make(1000);
    h.flags = SK_TCP_SYN;
    h.window = 65535;
    h.opts.has_mss = true;
    h.opts.mss = peer_mss;
    h.opts.has_wscale = true;
    h.opts.wscale = 6;
    h.opts.sack_permitted = true;
    h.opts.has_ts = true;
    h.opts.ts_val = 5555;
    inject(s, 0, &h);
    uint8_t out[2048];
    sk_tcp_repr sa = {0};
    SK_CHECK(answer(s, 0, out, &sa));
    SK_CHECK_EQ(sa.flags, SK_TCP_SYN | SK_TCP_ACK);
    SK_CHECK_EQ(sa.opts.mss, 1440); /* 1500 - 60 */
    SK_CHECK(sa.opts.has_wscale && sa.opts.sack_permitted && sa.opts.has_ts);
    SK_CHECK_EQ(sa.opts.ts_ecr, 5555u);
    sk_tcp_repr more = {0};
    SK_CHECK(!answer(s, 0, out, &more)); /* nothing else */
    memset(&h.opts, 0, sizeof h.opts);
    h.flags = SK_TCP_ACK;
    h.seq = sk_seq_make(1001);
    h.ack = sk_seq_add(sa.seq, 1);
    h.window = 100;
    h.opts.has_ts = true;
    h.opts.ts_val = 5556;
    h.opts.ts_ecr = sa.opts.ts_val;
    inject(s, SK_MSEC(1), &h);
    sk_sock c;
    SK_CHECK_EQ_I(sk_tcp_accept(s, l, &c, NULL), 0);
    sk_tcb *t = sk_stack_tcb(s, c);
    SK_CHECK(t != NULL);
    if (t == NULL)
        return;
    SK_CHECK_EQ(sk_tcb_raddr(&s->env, t).family, SK_AF_INET6);
    SK_CHECK_EQ(t->state, SK_TCP_ESTABLISHED);
    SK_CHECK_EQ(t->snd_mss, want);
    SK_CHECK_EQ(t->snd_wscale, 6);
    SK_CHECK_EQ(t->snd_wnd, 100u << 6);
    SK_CHECK((t->flags & SK_TF_SACK_OK) && (t->flags & SK_TF_TS_OK));
}

static void test_cookie_handshake6(void)
{
    sk_stack *s = make();
    sk_sock l;
    SK_CHECK_EQ_I(sk_tcp_listen(s, 80, NULL, &l), 0);
    handshake(s, l, 40000, 1220, 1220);
    handshake(s, l, 40001, 1400, 1300);
    SK_CHECK_EQ(sk_stack_stats(s)->syncookies_recv, 2u);
    /* a forged cookie ACK: RST <SEQ=SEG.ACK> over IPv6, counted */
    sk_tcp_repr h = {0};
    memset(&h, 0, sizeof h);
    h.src_port = 40002;
    h.dst_port = 80;
    h.seq = sk_seq_make(2001);
    h.ack = sk_seq_make(0x5eed);
    h.flags = SK_TCP_ACK;
    h.window = 100;
    inject(s, SK_MSEC(2), &h);
    uint8_t out[2048];
    sk_tcp_repr r = {0};
    SK_CHECK(answer(s, SK_MSEC(2), out, &r));
    SK_CHECK_EQ(r.flags, SK_TCP_RST);
    SK_CHECK_EQ(r.seq.v, 0x5eedu);
    SK_CHECK_EQ(ifx_drops(s, SK_DROP_TCP_COOKIE_BAD), 1u);
    sk_stack_destroy(s);
}

int main(void)
{
    SK_RUN(test_cookie_handshake6);
    return sk_test_finish();
}
