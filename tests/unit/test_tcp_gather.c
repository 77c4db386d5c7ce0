/* sk_stack_output_gather: a TCP payload left in the send buffer and handed
 * out as views. Two stacks in one process; the sender offloads checksums
 * and TSO and gathers, the "device" concatenates the headers and the views,
 * completes the checksum (sk_frame_csum_complete) and hands the frame
 * whole to a receiver that checks every checksum. Over IPv4 and IPv6 1 MiB
 * arrives byte for byte, every payload byte went out as a view (none was
 * copied into the frame buffer: its bytes past the headers stay as they
 * were), and some frames took two views (the send buffer wrapped). While a
 * trace callback is installed, and without checksum offload, every frame is
 * whole. Bad arguments return 0 with the outputs cleared. */
#include "sk_test.h"

#include "posix/posix_alloc.h"
#include "synack/error.h"
#include "synack/stack.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MIB (1024u * 1024u)
#define POISON 0xee

enum mode { GATHER, GATHER_TRACED, GATHER_NO_CSUM };

static uint8_t frame[70000], wirebuf[70000];
static uint8_t rbuf[65536];
static uint8_t pat[4096];

typedef struct {
    unsigned frames, gathered, two_spans, whole_data, untouched_fail;
    uint64_t span_bytes;
    unsigned traced, trace_mismatch;
    uint32_t iss; /* the sender's ISN, from the trace of its SYN */
} counts;

static counts cnt;

static sk_ipaddr addr_of(bool v6, uint8_t last)
{
    if (!v6)
        return sk_ipaddr_from_ip4(sk_ip4_make(192, 0, 2, last));
    sk_ip6 a = {{0x20, 0x01, 0x0d, 0xb8}};
    a.b[15] = last;
    return sk_ipaddr_from_ip6(a);
}

/* The sender's trace: each data segment's payload is the pattern at its
 * sequence number (the trace's view is the frame's copy). */
static void on_trace(void *ctx, const sk_trace_event *ev)
{
    (void)ctx;
    const sk_trace_seg *ts = ev->seg;
    if (ts == NULL || (ev->kind != SK_TRACE_SEG_OUT && ev->kind != SK_TRACE_RETRANSMIT))
        return;
    if (ts->flags & 0x02) { /* SYN */
        cnt.iss = ts->seq;
        return;
    }
    if (ts->len == 0)
        return;
    cnt.traced++;
    uint32_t at = ts->seq - cnt.iss - 1;
    if (ts->payload == NULL || ts->payload[0] != pat[at % sizeof pat] ||
        ts->payload[ts->len - 1] != pat[(at + ts->len - 1) % sizeof pat])
        cnt.trace_mismatch++;
}

static sk_stack *make(uint8_t last, bool offload, bool csum, bool traced)
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
    cfg.sndbuf = 100000; /* not a multiple of the writes or the segments: it wraps anywhere */
    if (offload) {
        cfg.dev.tx_csum = csum;
        cfg.dev.tso_max = csum ? SK_TSO_MAX : 0;
    }
    if (traced)
        cfg.trace = on_trace;
    sk_stack *s = NULL;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), 0);
    return s;
}

/* The sender's frames, gathered, to the receiver whole. */
static unsigned wire_gather(sk_stack *from, sk_stack *to, sk_time_us now)
{
    unsigned n = 0;
    sk_frame_meta m;
    sk_frame_span sp[SK_FRAME_SPANS_MAX];
    size_t len, ns;
    for (;;) {
        memset(frame, POISON, sizeof frame);
        if ((len = sk_stack_output_gather(from, now, frame, sizeof frame, &m, sp, &ns)) == 0)
            break;
        SK_CHECK(ns <= SK_FRAME_SPANS_MAX);
        memcpy(wirebuf, frame, len);
        size_t total = len;
        for (size_t i = 0; i < ns; i++) {
            SK_CHECK(sp[i].data != NULL && sp[i].len > 0);
            SK_CHECK(total + sp[i].len <= sizeof wirebuf);
            memcpy(wirebuf + total, sp[i].data, sp[i].len);
            total += sp[i].len;
            cnt.span_bytes += sp[i].len;
        }
        cnt.frames++;
        if (ns > 0) {
            cnt.gathered++;
            cnt.two_spans += ns == 2;
            /* only a frame whose checksum the device completes */
            SK_CHECK(m.flags & SK_FRAME_NEEDS_CSUM);
            /* the payload was not copied: the buffer past the headers is as it was */
            if (frame[len] != POISON || frame[total - 1] != POISON)
                cnt.untouched_fail++;
        } else if (total > 80) {
            cnt.whole_data++;
        }
        SK_CHECK_EQ_I(sk_frame_csum_complete(wirebuf, total, &m), 0);
        sk_stack_input(to, now, wirebuf, total);
        n++;
    }
    return n;
}

static unsigned wire_plain(sk_stack *from, sk_stack *to, sk_time_us now)
{
    unsigned n = 0;
    size_t len;
    while ((len = sk_stack_output(from, now, frame, sizeof frame)) > 0) {
        sk_stack_input(to, now, frame, len);
        n++;
    }
    return n;
}

static void transfer(bool v6, enum mode mode)
{
    memset(&cnt, 0, sizeof cnt);
    sk_stack *a = make(1, true, mode != GATHER_NO_CSUM, mode == GATHER_TRACED);
    sk_stack *b = make(2, false, false, false);
    sk_sock l, c, srv = {0, 0};
    SK_CHECK_EQ_I(sk_tcp_listen(b, 5001, NULL, &l), 0);
    sk_endpoint ep = {addr_of(v6, 2), 5001};
    SK_CHECK_EQ_I(sk_tcp_connect(a, 0, &ep, NULL, &c), 0);
    uint32_t sent = 0, got = 0;
    sk_time_us now = 0;
    for (int round = 0; round < 200000 && got < MIB; round++) {
        now += 10;
        if (srv.gen == 0)
            (void)sk_tcp_accept(b, l, &srv, NULL);
        while (sent < MIB) {
            uint32_t off = sent % sizeof pat, n = (uint32_t)sizeof pat - off;
            n = n < MIB - sent ? n : MIB - sent;
            n = n > 3000 ? 3000 : n; /* writes that do not line up with the buffer */
            ptrdiff_t r = sk_tcp_send(a, now, c, pat + off, n);
            if (r <= 0)
                break;
            sent += (uint32_t)r;
        }
        unsigned moved = wire_gather(a, b, now) + wire_plain(b, a, now);
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
    SK_CHECK_EQ(sk_stack_stats(b)->drop[SK_DROP_TCP_CHECKSUM], 0u);
    SK_CHECK_EQ(sk_stack_stats(a)->retransmits, 0u);
    if (mode == GATHER) {
        /* every payload byte left as a view, none copied */
        SK_CHECK_EQ(cnt.span_bytes, (uint64_t)MIB);
        SK_CHECK(cnt.gathered > 0);
        SK_CHECK_MSG(cnt.two_spans > 0, "no frame wrapped the send buffer (%u gathered)",
                     cnt.gathered);
        SK_CHECK_EQ(cnt.whole_data, 0u);
        SK_CHECK_EQ(cnt.untouched_fail, 0u);
    } else {
        SK_CHECK_EQ(cnt.gathered, 0u);
        SK_CHECK_EQ(cnt.span_bytes, 0u);
        SK_CHECK(cnt.whole_data > 0);
    }
    if (mode == GATHER_TRACED) {
        SK_CHECK(cnt.traced > 0);
        SK_CHECK_EQ(cnt.trace_mismatch, 0u);
    }
    sk_stack_destroy(a);
    sk_stack_destroy(b);
}

static void test_ipv4(void)
{
    transfer(false, GATHER);
}

static void test_ipv6(void)
{
    transfer(true, GATHER);
}

static void test_traced_whole(void)
{
    transfer(false, GATHER_TRACED);
}

static void test_no_csum_offload_whole(void)
{
    transfer(true, GATHER_NO_CSUM);
}

static void test_bad_arguments(void)
{
    sk_stack *a = make(1, true, true, false);
    sk_sock c;
    sk_endpoint ep = {addr_of(false, 2), 5001};
    SK_CHECK_EQ_I(sk_tcp_connect(a, 0, &ep, NULL, &c), 0); /* a SYN waits */
    sk_frame_meta m;
    sk_frame_span sp[SK_FRAME_SPANS_MAX];
    size_t ns;
    memset(&m, 0xff, sizeof m);
    ns = 99;
    SK_CHECK_EQ(sk_stack_output_gather(a, 0, frame, sizeof frame, &m, NULL, &ns), 0u);
    SK_CHECK_EQ(ns, 0u);
    SK_CHECK_EQ(m.flags, 0u);
    SK_CHECK_EQ(sk_stack_output_gather(a, 0, frame, sizeof frame, &m, sp, NULL), 0u);
    ns = 99;
    SK_CHECK_EQ(sk_stack_output_gather(a, 0, frame, sizeof frame, NULL, sp, &ns), 0u);
    SK_CHECK_EQ(ns, 0u);
    SK_CHECK_EQ(sk_stack_output_gather(a, 0, NULL, sizeof frame, &m, sp, &ns), 0u);
    SK_CHECK_EQ(sk_stack_output_gather(NULL, 0, frame, sizeof frame, &m, sp, &ns), 0u);
    SK_CHECK_EQ(sk_stack_output_gather(a, 0, frame, 100, &m, sp, &ns), 0u); /* < MTU */
    /* none of them took the SYN: it is still there, whole */
    size_t len = sk_stack_output_gather(a, 0, frame, sizeof frame, &m, sp, &ns);
    SK_CHECK(len > 40);
    SK_CHECK_EQ(ns, 0u);
    sk_stack_destroy(a);
}

int main(void)
{
    for (size_t i = 0; i < sizeof pat; i++)
        pat[i] = (uint8_t)(i * 7 + 3);
    SK_RUN(test_ipv4);
    SK_RUN(test_ipv6);
    SK_RUN(test_traced_whole);
    SK_RUN(test_no_csum_offload_whole);
    SK_RUN(test_bad_arguments);
    return sk_test_finish();
}
