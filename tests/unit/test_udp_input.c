/* UDP input through the stack: the receive queue's overflow is counted and
 * the stack keeps serving; checksum rules (a wrong one dropped, zero means
 * none over IPv4, RFC 768); bad lengths dropped by reason and never
 * answered; a datagram reassembled from IP fragments delivered whole;
 * an echo loop of many datagrams with the queues' memory given back. */
#include "base/bytes.h"
#include "sk_test.h"
#include "synack/synack.h"
#include "udp_fixture.h"
#include "wire/icmp4.h"

#include <stdlib.h>
#include <string.h>

static const sk_ip4 US = UFX_US_IP;
static const sk_ip4 PEER = UFX_PEER_IP;

static size_t live;

static void *count_alloc(void *ctx, size_t n)
{
    (void)ctx;
    live += n;
    return malloc(n);
}

static void count_release(void *ctx, void *p, size_t n)
{
    (void)ctx;
    live -= n;
    free(p);
}

static sk_stack *make(sk_stack_config *cfg)
{
    sk_stack *s = NULL;
    SK_CHECK_EQ_I(sk_stack_create(cfg, &s), 0);
    return s;
}

static sk_sock bound_sock(sk_stack *s, uint16_t port)
{
    sk_sock h;
    SK_CHECK_EQ_I(sk_udp_open(s, &h), 0);
    sk_endpoint any;
    memset(&any, 0, sizeof any);
    any.port = port;
    SK_CHECK_EQ_I(sk_udp_bind(s, h, &any), 0);
    return h;
}

static size_t drain(sk_stack *s, sk_time_us now)
{
    uint8_t out[2048];
    size_t frames = 0;
    while (sk_stack_output(s, now, out, sizeof out) > 0)
        frames++;
    return frames;
}

/* 4 datagrams fit; 6 more are dropped and counted; a ping is still
 * answered, another socket still served; after a read the queue takes
 * datagrams again. */
static void test_overflow_counted_and_serving(void)
{
    sk_stack_config cfg;
    ufx_config(&cfg);
    cfg.udp_rcvq_datagrams = 4;
    sk_stack *s = make(&cfg);
    sk_sock full = bound_sock(s, 7), other = bound_sock(s, 8);
    uint8_t pkt[256], buf[16];
    for (int i = 0; i < 10; i++) {
        char d = (char)('0' + i);
        size_t n = ufx_pkt(pkt, sizeof pkt, PEER, 1000, US, 7, &d, 1);
        ufx_inject(s, 0, pkt, n);
    }
    const sk_stats *st = sk_stack_stats(s);
    SK_CHECK_EQ(st->udp_in, 4);
    SK_CHECK_EQ(st->udp_rcvq_full, 6);
    SK_CHECK_EQ(st->drop[SK_DROP_UDP_QUEUE_FULL], 6);
    sk_udp_info info;
    SK_CHECK_EQ_I(sk_udp_get_info(s, full, &info), 0);
    SK_CHECK_EQ(info.overflows, 6);
    SK_CHECK_EQ(info.rcvq_datagrams, 4);
    SK_CHECK_EQ(drain(s, 0), 0); /* a full queue is no port unreachable */
    /* still serving: a ping, the other socket */
    SK_CHECK_EQ_I(sk_ping_send(s, 0, PEER, 1, 1, "p", 1), 0);
    SK_CHECK_EQ(drain(s, 0), 1);
    size_t n = ufx_pkt(pkt, sizeof pkt, PEER, 1000, US, 8, "ok", 2);
    ufx_inject(s, 0, pkt, n);
    SK_CHECK_EQ_I(sk_udp_recv(s, 0, other, buf, sizeof buf), 2);
    /* the first four, in order; then room again */
    for (int i = 0; i < 4; i++) {
        SK_CHECK_EQ_I(sk_udp_recv(s, 0, full, buf, sizeof buf), 1);
        SK_CHECK_EQ(buf[0], '0' + i);
    }
    n = ufx_pkt(pkt, sizeof pkt, PEER, 1000, US, 7, "z", 1);
    ufx_inject(s, 0, pkt, n);
    SK_CHECK_EQ_I(sk_udp_recv(s, 0, full, buf, sizeof buf), 1);
    SK_CHECK_EQ(buf[0], 'z');
    sk_stack_destroy(s);
}

static void test_checksums(void)
{
    sk_stack_config cfg;
    ufx_config(&cfg);
    sk_stack *s = make(&cfg);
    sk_sock h = bound_sock(s, 7);
    uint8_t pkt[256], buf[16];
    size_t n = ufx_pkt(pkt, sizeof pkt, PEER, 1000, US, 7, "abcd", 4);
    pkt[n - 1] ^= 0x20; /* payload changed under the checksum */
    ufx_inject(s, 0, pkt, n);
    const sk_stats *st = sk_stack_stats(s);
    SK_CHECK_EQ(st->drop[SK_DROP_UDP_CHECKSUM], 1);
    SK_CHECK_EQ(st->udp_bad_checksum, 1);
    SK_CHECK_EQ_I(sk_udp_recv(s, 0, h, buf, sizeof buf), SK_EAGAIN);
    SK_CHECK_EQ(drain(s, 0), 0); /* never answered */
    /* zero: no checksum (RFC 768), the datagram is taken as it is */
    sk_store_be16(pkt + 20 + 6, 0);
    ufx_inject(s, 0, pkt, n);
    SK_CHECK_EQ_I(sk_udp_recv(s, 0, h, buf, sizeof buf), 4);
    SK_CHECK_MEM(buf, "abcD", 4);
    /* 0xffff is a computed zero: accepted when it is right */
    uint8_t z[2] = {0, 0};
    bool found = false;
    for (unsigned v = 0; v < 65536 && !found; v++) {
        sk_store_be16(z, (uint16_t)v);
        n = ufx_pkt(pkt, sizeof pkt, PEER, 1000, US, 7, z, 2);
        found = sk_load_be16(pkt + 26) == 0xffff;
    }
    SK_CHECK(found);
    ufx_inject(s, 0, pkt, n);
    SK_CHECK_EQ_I(sk_udp_recv(s, 0, h, buf, sizeof buf), 2);
    SK_CHECK_EQ(st->udp_in, 2);
    sk_stack_destroy(s);
}

static void test_bad_lengths(void)
{
    sk_stack_config cfg;
    ufx_config(&cfg);
    sk_stack *s = make(&cfg);
    sk_sock h = bound_sock(s, 7);
    uint8_t pkt[256], buf[16];
    /* 7 bytes of UDP: shorter than the header */
    size_t n = ufx_pkt(pkt, sizeof pkt, PEER, 1000, US, 7, "abcd", 4);
    sk_ip4_repr ip;
    SK_CHECK_EQ_I(sk_ip4_parse(pkt, n, &ip), 0);
    ip.total_len = 27;
    sk_ip4_emit(&ip, pkt, sizeof pkt);
    ufx_inject(s, 0, pkt, 27);
    /* a length field past the IP payload, and one below 8 */
    n = ufx_pkt(pkt, sizeof pkt, PEER, 1000, US, 7, "abcd", 4);
    sk_store_be16(pkt + 24, 13);
    ufx_inject(s, 0, pkt, n);
    sk_store_be16(pkt + 24, 4);
    ufx_inject(s, 0, pkt, n);
    const sk_stats *st = sk_stack_stats(s);
    SK_CHECK_EQ(st->drop[SK_DROP_UDP_TRUNCATED], 1);
    SK_CHECK_EQ(st->drop[SK_DROP_UDP_LENGTH], 2);
    SK_CHECK_EQ(st->udp_bad_length, 3);
    SK_CHECK_EQ(st->udp_in, 0);
    SK_CHECK_EQ(drain(s, 0), 0);
    SK_CHECK_EQ_I(sk_udp_recv(s, 0, h, buf, sizeof buf), SK_EAGAIN);
    sk_stack_destroy(s);
}

/* A 3000-byte datagram in three IP fragments comes out whole. */
static void test_reassembled(void)
{
    sk_stack_config cfg;
    ufx_config(&cfg);
    sk_stack *s = make(&cfg);
    sk_sock h = bound_sock(s, 7);
    static uint8_t data[3000], whole[4000], frag[1600], got[4000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 13 + 1);
    size_t n = ufx_pkt(whole, sizeof whole, PEER, 1000, US, 7, data, sizeof data);
    const uint8_t *udp = whole + 20;
    size_t ulen = n - 20;
    for (size_t off = 0; off < ulen; off += 1480) {
        size_t part = ulen - off < 1480 ? ulen - off : 1480;
        sk_ip4_repr ip;
        memset(&ip, 0, sizeof ip);
        ip.id = 77;
        ip.ttl = 64;
        ip.proto = SK_IPPROTO_UDP;
        ip.src = PEER;
        ip.dst = US;
        ip.frag_off = (uint16_t)off;
        ip.mf = off + part < ulen;
        ip.total_len = (uint16_t)(20 + part);
        sk_ip4_emit(&ip, frag, sizeof frag);
        memcpy(frag + 20, udp + off, part);
        ufx_inject(s, 0, frag, 20 + part);
    }
    sk_udp_meta m;
    SK_CHECK_EQ_I(sk_udp_recvfrom(s, 0, h, got, sizeof got, &m), 3000);
    SK_CHECK_MEM(got, data, sizeof data);
    sk_stack_destroy(s);
}

/* 500 datagrams of every size 0..499 echoed one by one: each comes back
 * byte for byte, and afterwards the queues hold no memory. */
static void test_echo_loop_memory(void)
{
    sk_stack_config cfg;
    ufx_config(&cfg);
    cfg.alloc.allocate = count_alloc;
    cfg.alloc.release = count_release;
    sk_stack *s = make(&cfg);
    sk_sock h = bound_sock(s, 7);
    size_t idle = live;
    uint8_t pkt[2048], buf[2048], out[2048], data[500];
    for (size_t len = 0; len < 500; len++) {
        for (size_t i = 0; i < len; i++)
            data[i] = (uint8_t)(len + i);
        size_t n = ufx_pkt(pkt, sizeof pkt, PEER, 1000, US, 7, data, len);
        ufx_inject(s, (sk_time_us)len, pkt, n);
        sk_udp_meta m;
        ptrdiff_t r = sk_udp_recvfrom(s, (sk_time_us)len, h, buf, sizeof buf, &m);
        SK_CHECK_EQ_I(r, (ptrdiff_t)len);
        SK_CHECK_EQ_I(sk_udp_sendto(s, (sk_time_us)len, h, buf, (size_t)r, &m.from), r);
        size_t o = sk_stack_output(s, (sk_time_us)len, out, sizeof out);
        ufx_out f;
        SK_CHECK(ufx_parse(out, o, &f) && f.is_udp && f.csum_ok);
        SK_CHECK_EQ(f.data_len, len);
        SK_CHECK(len == 0 || memcmp(f.data, data, len) == 0);
        if (sk_test_current_failed())
            break;
    }
    SK_CHECK_EQ(live, idle);
    SK_CHECK_EQ(sk_stack_stats(s)->udp_out, 500);
    sk_stack_destroy(s);
}

int main(void)
{
    SK_RUN(test_overflow_counted_and_serving);
    SK_RUN(test_checksums);
    SK_RUN(test_bad_lengths);
    SK_RUN(test_reassembled);
    SK_RUN(test_echo_loop_memory);
    return sk_test_finish();
}
