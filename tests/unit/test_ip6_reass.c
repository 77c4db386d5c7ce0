/* RFC 8200 §4.5 reassembly (ip6_reass.c) in virtual time: in and out of
 * order, atomic fragments (RFC 6946), overlaps (RFC 5722), duplicates, the
 * parameter problems (length, size, RFC 7112 header chain), the 60 s timer
 * and its time exceeded, and the bounds. */
#include "ip6/ip6_reass.h"
#include "ip6_test_util.h"
#include "sk_test.h"

#include "synack/error.h"

static t6_heap heap;
static uint8_t payload[70000];
static uint8_t packet[1500];

static sk_ip6_reass *re_make(uint32_t datagrams, uint32_t max_bytes)
{
    sk_ip6r_config c = {0};
    c.datagrams = datagrams;
    c.max_bytes = max_bytes;
    c.alloc = t6_allocator(&heap);
    sk_ip6_reass *r = NULL;
    SK_CHECK_EQ_I(sk_ip6r_create(&c, &r), 0);
    return r;
}

static void re_done(sk_ip6_reass *r)
{
    sk_ip6r_destroy(r);
    SK_CHECK_EQ(heap.live, 0);
}

/* A fragment of datagram `id` from 2001:db8:1::1 carrying payload[off, off+len). */
static sk_ip6_frag frag(uint32_t id, uint16_t off, uint16_t len, bool more)
{
    sk_ip6_frag f;
    memset(&f, 0, sizeof f);
    f.src = t6_addr(1, 1);
    f.dst = t6_addr(1, 2);
    f.id = id;
    f.offset = off;
    f.more = more;
    f.next_header = 17;
    f.ulp_found = true;
    f.ulp = 17;
    f.ulp_off = 0;
    f.data = payload + off;
    f.len = len;
    packet[0] = 0x60;
    packet[7] = (uint8_t)id;
    f.pkt = packet;
    f.pkt_len = 48u + len;
    return f;
}

static int feed(sk_ip6_reass *r, sk_time now, sk_ip6_frag f, sk_ip6_dgram *out)
{
    return sk_ip6r_input(r, now, &f, out);
}

static void fill_payload(void)
{
    for (size_t i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)(i * 7 + 3);
}

static void test_in_and_out_of_order(void)
{
    sk_ip6_reass *r = re_make(2, 100000);
    sk_ip6_dgram d;
    SK_CHECK_EQ_I(feed(r, 0, frag(1, 0, 1000, true), &d), SK_IP6R_HELD);
    SK_CHECK_EQ_I(feed(r, 1, frag(1, 1000, 1000, true), &d), SK_IP6R_HELD);
    SK_CHECK_EQ_I(feed(r, 2, frag(1, 2000, 333, false), &d), SK_IP6R_DONE);
    SK_CHECK_EQ(d.len, 2333);
    SK_CHECK_EQ(d.next_header, 17);
    SK_CHECK(!d.atomic);
    SK_CHECK_MEM(d.data, payload, 2333);
    SK_CHECK_EQ(r->bytes, 0);
    /* last first, then the middle, then the first */
    SK_CHECK_EQ_I(feed(r, 3, frag(2, 1600, 5, false), &d), SK_IP6R_HELD);
    SK_CHECK_EQ_I(feed(r, 3, frag(2, 800, 800, true), &d), SK_IP6R_HELD);
    SK_CHECK_EQ(r->bytes, 805);
    SK_CHECK_EQ_I(feed(r, 4, frag(2, 0, 800, true), &d), SK_IP6R_DONE);
    SK_CHECK_EQ(d.len, 1605);
    SK_CHECK_MEM(d.data, payload, 1605);
    SK_CHECK_EQ(r->stats.reassembled, 2);
    SK_CHECK_EQ(sk_ip6r_poll_at(r), SK_TIME_NEVER);
    SK_CHECK_EQ(r->bytes, 0);
    re_done(r);
}

/* RFC 6946 §4: offset 0, M = 0 is handed back as it is; a reassembly in
 * progress with the same key is untouched. */
static void test_atomic_fragment(void)
{
    sk_ip6_reass *r = re_make(1, 100000);
    sk_ip6_dgram d;
    SK_CHECK_EQ_I(feed(r, 0, frag(5, 8, 8, true), &d), SK_IP6R_HELD);
    SK_CHECK_EQ_I(feed(r, 1, frag(5, 0, 40, false), &d), SK_IP6R_DONE);
    SK_CHECK(d.atomic);
    SK_CHECK_EQ(d.len, 40);
    SK_CHECK(d.data == payload);
    SK_CHECK_EQ(r->stats.atomic, 1);
    SK_CHECK_EQ(r->d[0].n_pieces, 1);
    SK_CHECK_EQ(r->bytes, 8);
    SK_CHECK_EQ(sk_ip6r_poll_at(r), SK_SEC(60)); /* the old timer, not restarted */
    /* and with every slot busy it still goes through */
    sk_ip6_frag f = frag(6, 0, 16, false);
    SK_CHECK_EQ_I(sk_ip6r_input(r, 2, &f, &d), SK_IP6R_DONE);
    SK_CHECK_EQ(r->stats.drop_no_slot, 0);
    re_done(r);
}

/* RFC 5722: an overlap discards the datagram and every later fragment of
 * it until its timer ends; no time exceeded for it. */
static void test_overlap_discards_datagram(void)
{
    sk_ip6_reass *r = re_make(2, 100000);
    sk_ip6_dgram d;
    feed(r, 0, frag(1, 0, 800, true), &d);
    feed(r, 0, frag(1, 1600, 8, false), &d);
    SK_CHECK_EQ_I(feed(r, 1, frag(1, 792, 808, true), &d), SK_IP6R_DROPPED);
    SK_CHECK_EQ(r->stats.drop_overlap, 1);
    SK_CHECK_EQ(r->bytes, 0);
    /* the fragment that would have completed it is dropped */
    SK_CHECK_EQ_I(feed(r, 2, frag(1, 800, 800, true), &d), SK_IP6R_DROPPED);
    SK_CHECK_EQ(r->stats.drop_dead, 1);
    SK_CHECK_EQ(sk_ip6r_poll_at(r), SK_SEC(60));
    sk_ip6r_run_timers(r, SK_SEC(60));
    sk_ip6_intent in;
    SK_CHECK(!sk_ip6r_next_intent(r, &in));
    SK_CHECK_EQ(r->stats.timeouts, 0);
    /* after that, the key starts afresh */
    SK_CHECK_EQ_I(feed(r, SK_SEC(61), frag(1, 0, 8, true), &d), SK_IP6R_HELD);
    SK_CHECK_EQ_I(feed(r, SK_SEC(61), frag(1, 8, 8, false), &d), SK_IP6R_DONE);
    /* a fragment inside another one overlaps too */
    feed(r, SK_SEC(62), frag(2, 0, 800, true), &d);
    SK_CHECK_EQ_I(feed(r, SK_SEC(62), frag(2, 8, 16, true), &d), SK_IP6R_DROPPED);
    SK_CHECK_EQ(r->stats.drop_overlap, 2);
    re_done(r);
}

/* An exact duplicate is dropped alone; the same range with other bytes is
 * an overlap. */
static void test_duplicates(void)
{
    sk_ip6_reass *r = re_make(2, 100000);
    sk_ip6_dgram d;
    feed(r, 0, frag(1, 0, 800, true), &d);
    SK_CHECK_EQ_I(feed(r, 0, frag(1, 0, 800, true), &d), SK_IP6R_DROPPED);
    SK_CHECK_EQ(r->stats.drop_dup, 1);
    SK_CHECK_EQ_I(feed(r, 0, frag(1, 800, 8, false), &d), SK_IP6R_DONE);
    feed(r, 1, frag(2, 0, 800, true), &d);
    sk_ip6_frag f = frag(2, 0, 800, true);
    f.data = payload + 8; /* other bytes */
    SK_CHECK_EQ_I(sk_ip6r_input(r, 1, &f, &d), SK_IP6R_DROPPED);
    SK_CHECK_EQ(r->stats.drop_overlap, 1);
    re_done(r);
}

/* A non-final fragment whose length is not a multiple of 8: parameter
 * problem code 0 at the Payload Length field (4), quoting the packet. */
static void test_bad_length_param_problem(void)
{
    sk_ip6_reass *r = re_make(2, 100000);
    sk_ip6_dgram d;
    SK_CHECK_EQ_I(feed(r, 0, frag(1, 0, 804, true), &d), SK_IP6R_DROPPED);
    SK_CHECK_EQ(r->stats.drop_frag_len, 1);
    sk_ip6_intent in;
    SK_CHECK(sk_ip6r_next_intent(r, &in));
    SK_CHECK_EQ(in.kind, SK_I6_PARAM_PROBLEM);
    SK_CHECK_EQ(in.code, 0);
    SK_CHECK_EQ(in.value, 4);
    sk_ip6_addr src = t6_addr(1, 1);
    SK_CHECK(t6_addr_is(&in.dst, &src));
    SK_CHECK_EQ(in.len, 48 + 804);
    SK_CHECK_MEM(in.data, packet, 48);
    SK_CHECK(!sk_ip6r_next_intent(r, &in));
    SK_CHECK_EQ(sk_ip6r_poll_at(r), SK_TIME_NEVER); /* nothing kept */
    /* the last fragment may have any length */
    SK_CHECK_EQ_I(feed(r, 0, frag(2, 8, 5, false), &d), SK_IP6R_HELD);
    re_done(r);
}

/* Past 65535 bytes of Payload Length: parameter problem code 0 at the
 * Fragment Offset field (40 + extension headers + 2). */
static void test_too_big_param_problem(void)
{
    sk_ip6_reass *r = re_make(2, 200000);
    sk_ip6_dgram d;
    sk_ip6_frag f = frag(1, 65528, 8, true);
    SK_CHECK_EQ_I(sk_ip6r_input(r, 0, &f, &d), SK_IP6R_DROPPED);
    f = frag(1, 65520, 16, false);
    f.unfrag_len = 8; /* a hop-by-hop header before the fragment header */
    SK_CHECK_EQ_I(sk_ip6r_input(r, 0, &f, &d), SK_IP6R_DROPPED);
    SK_CHECK_EQ(r->stats.drop_too_big, 2);
    sk_ip6_intent in;
    SK_CHECK(sk_ip6r_next_intent(r, &in));
    SK_CHECK_EQ(in.value, 42);
    SK_CHECK(sk_ip6r_next_intent(r, &in));
    SK_CHECK_EQ(in.kind, SK_I6_PARAM_PROBLEM);
    SK_CHECK_EQ(in.value, 50);
    /* exactly 65535 is fine */
    f = frag(2, 65528, 7, false);
    SK_CHECK_EQ_I(sk_ip6r_input(r, 0, &f, &d), SK_IP6R_HELD);
    re_done(r);
}

/* RFC 7112 §5: a first fragment without the whole chain up to the
 * upper-layer header: parameter problem code 3, pointer 0. */
static void test_first_fragment_header_chain(void)
{
    sk_ip6_reass *r = re_make(2, 100000);
    sk_ip6_dgram d;
    sk_ip6_frag f = frag(1, 0, 16, true);
    f.ulp = 6; /* TCP needs 20 bytes */
    SK_CHECK_EQ_I(sk_ip6r_input(r, 0, &f, &d), SK_IP6R_DROPPED);
    f = frag(1, 0, 24, true);
    f.ulp = 6;
    f.ulp_off = 8; /* 8 bytes of destination options first: 28 needed */
    SK_CHECK_EQ_I(sk_ip6r_input(r, 0, &f, &d), SK_IP6R_DROPPED);
    f = frag(1, 0, 32, true);
    f.ulp_found = false; /* the chain goes past this fragment */
    SK_CHECK_EQ_I(sk_ip6r_input(r, 0, &f, &d), SK_IP6R_DROPPED);
    SK_CHECK_EQ(r->stats.drop_chain, 3);
    sk_ip6_intent in;
    for (int i = 0; i < 3; i++) {
        SK_CHECK(sk_ip6r_next_intent(r, &in));
        SK_CHECK_EQ(in.kind, SK_I6_PARAM_PROBLEM);
        SK_CHECK_EQ(in.code, 3);
        SK_CHECK_EQ(in.value, 0);
    }
    SK_CHECK(!sk_ip6r_next_intent(r, &in));
    f = frag(1, 0, 32, true);
    f.ulp = 6;
    f.ulp_off = 8;
    SK_CHECK_EQ_I(sk_ip6r_input(r, 0, &f, &d), SK_IP6R_HELD);
    /* later fragments carry no header to check */
    SK_CHECK_EQ_I(feed(r, 0, frag(1, 32, 8, false), &d), SK_IP6R_DONE);
    re_done(r);
}

/* 60 s after the first fragment to arrive: time exceeded code 1 quoting
 * the offset-0 fragment, only when it had arrived. */
static void test_timeout(void)
{
    sk_ip6_reass *r = re_make(2, 100000);
    sk_ip6_dgram d;
    feed(r, SK_SEC(5), frag(1, 8, 8, true), &d);
    feed(r, SK_SEC(6), frag(1, 0, 8, true), &d);
    feed(r, SK_SEC(7), frag(2, 8, 8, true), &d); /* no first fragment */
    SK_CHECK_EQ(sk_ip6r_poll_at(r), SK_SEC(65));
    sk_ip6r_run_timers(r, SK_SEC(65) - 1);
    sk_ip6_intent in;
    SK_CHECK(!sk_ip6r_next_intent(r, &in));
    sk_ip6r_run_timers(r, SK_SEC(65));
    SK_CHECK(sk_ip6r_next_intent(r, &in));
    SK_CHECK_EQ(in.kind, SK_I6_TIME_EXCEEDED);
    SK_CHECK_EQ(in.code, 1);
    sk_ip6_addr src = t6_addr(1, 1);
    SK_CHECK(t6_addr_is(&in.dst, &src));
    SK_CHECK_EQ(in.len, 56);
    SK_CHECK_EQ(in.data[7], 1);
    SK_CHECK(!sk_ip6r_next_intent(r, &in));
    SK_CHECK_EQ(sk_ip6r_poll_at(r), SK_SEC(67));
    sk_ip6r_run_timers(r, SK_SEC(67));
    SK_CHECK(!sk_ip6r_next_intent(r, &in));
    SK_CHECK_EQ(r->stats.timeouts, 2);
    SK_CHECK_EQ(r->stats.time_exceeded, 1);
    SK_CHECK_EQ(r->bytes, 0);
    SK_CHECK_EQ(sk_ip6r_poll_at(r), SK_TIME_NEVER);
    re_done(r);
}

/* Bounds: datagrams at once, bytes held, pieces per datagram. */
static void test_bounds(void)
{
    sk_ip6_reass *r = re_make(2, 1000);
    sk_ip6_dgram d;
    feed(r, 0, frag(1, 0, 400, true), &d);
    feed(r, 0, frag(2, 0, 400, true), &d);
    SK_CHECK_EQ_I(feed(r, 0, frag(3, 0, 8, true), &d), SK_IP6R_DROPPED);
    SK_CHECK_EQ(r->stats.drop_no_slot, 1);
    SK_CHECK_EQ_I(feed(r, 0, frag(1, 400, 400, true), &d), SK_IP6R_DROPPED);
    SK_CHECK_EQ(r->stats.drop_bytes_full, 1);
    SK_CHECK_EQ(r->bytes, 800);
    SK_CHECK_EQ_I(feed(r, 0, frag(1, 400, 200, false), &d), SK_IP6R_DONE);
    SK_CHECK_EQ(r->bytes, 400);
    re_done(r);
    r = re_make(1, 100000);
    for (uint16_t i = 0; i < SK_IP6R_PIECES; i++)
        SK_CHECK_EQ_I(feed(r, 0, frag(1, (uint16_t)(i * 16), 8, true), &d), SK_IP6R_HELD);
    SK_CHECK_EQ_I(feed(r, 0, frag(1, 8, 8, true), &d), SK_IP6R_DROPPED);
    SK_CHECK_EQ(r->stats.drop_pieces, 1);
    re_done(r);
}

/* Inconsistent ends: a second last fragment with another end, data past
 * the end, a last fragment below data already held. */
static void test_bad_ends(void)
{
    sk_ip6_reass *r = re_make(3, 100000);
    sk_ip6_dgram d;
    feed(r, 0, frag(1, 8, 8, false), &d);
    SK_CHECK_EQ_I(feed(r, 0, frag(1, 24, 8, false), &d), SK_IP6R_DROPPED);
    feed(r, 0, frag(2, 8, 8, false), &d);
    SK_CHECK_EQ_I(feed(r, 0, frag(2, 16, 8, true), &d), SK_IP6R_DROPPED);
    feed(r, 0, frag(3, 32, 8, true), &d);
    SK_CHECK_EQ_I(feed(r, 0, frag(3, 8, 8, false), &d), SK_IP6R_DROPPED);
    SK_CHECK_EQ(r->stats.drop_bad_end, 3);
    SK_CHECK_EQ(r->bytes, 0);
    /* empty fragments */
    SK_CHECK_EQ_I(feed(r, 0, frag(4, 8, 0, true), &d), SK_IP6R_DROPPED);
    SK_CHECK_EQ(r->stats.drop_empty, 1);
    re_done(r);
}

int main(void)
{
    fill_payload();
    SK_RUN(test_in_and_out_of_order);
    SK_RUN(test_atomic_fragment);
    SK_RUN(test_overlap_discards_datagram);
    SK_RUN(test_duplicates);
    SK_RUN(test_bad_length_param_problem);
    SK_RUN(test_too_big_param_problem);
    SK_RUN(test_first_fragment_header_chain);
    SK_RUN(test_timeout);
    SK_RUN(test_bounds);
    SK_RUN(test_bad_ends);
    return sk_test_finish();
}
