/* Initial sequence numbers (RFC 6528 §3: ISN = M + F(4-tuple, secretkey),
 * M a timer ticking every 4 us). Every other test pins the ISN with
 * fixed_isn, so this file is where a regression of sk_tcp_isn to a
 * constant, to the clock alone, to a hash without the key, to a counter or
 * to a hash of part of the tuple is caught, and where the SYN and SYN,ACK on
 * the wire are shown to carry the ISN the function predicts. */
#include "posix/posix_alloc.h"
#include "sk_test.h"
#include "tcp_script.h"

#include "tcp/tcp_conn.h"

#include <stdlib.h>
#include <string.h>

#define N_TUPLES 4096u

/* A TCP environment keyed like a stack created with ts_config and `seed`. */
static bool env_with_seed(sk_tcp_env *e, uint64_t seed)
{
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.seed = seed;
    cfg.alloc = sk_posix_allocator();
    memset(e, 0, sizeof *e);
    sk_ctx *c = malloc(sizeof *c);
    if (c == NULL)
        return false;
    sk_ctx_init(c, &cfg);
    if (sk_tcp_env_init(e, c) == 0)
        return true;
    free(c);
    return false;
}

static void env_free(sk_tcp_env *e)
{
    sk_ctx *c = e->ctx;
    sk_tcp_env_free(e);
    free(c);
}

static sk_tuple tuple(uint8_t l3, uint16_t lport, uint8_t r3, uint16_t rport)
{
    sk_tuple tu;
    memset(&tu, 0, sizeof tu);
    tu.laddr = sk_addr4(sk_ip4_make(10, 0, 0, l3));
    tu.raddr = sk_addr4(sk_ip4_make(10, 0, 0, r3));
    tu.lport = lport;
    tu.rport = rport;
    return tu;
}

/* The i-th of a family of tuples a client sees: many peers, many ports. */
static sk_tuple tuple_i(uint32_t i)
{
    return tuple(2, (uint16_t)(49152u + i % 1024u), (uint8_t)(1u + i / 1024u), 80);
}

static uint32_t isn(const sk_tcp_env *e, const sk_tuple *tu, sk_time now)
{
    return sk_tcp_isn(e, tu, now).v;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static uint32_t count_distinct(uint32_t *v, uint32_t n)
{
    qsort(v, n, sizeof *v, cmp_u32);
    uint32_t d = n > 0;
    for (uint32_t i = 1; i < n; i++)
        d += v[i] != v[i - 1];
    return d;
}

/* Many tuples at one instant: no two ISNs are equal (a constant or the clock
 * alone would make them all equal), the steps from one tuple to the next are
 * not one constant (a counter, or a hash of the tuple plus a port, would
 * step evenly), every bit of the ISN takes both values in roughly half of
 * the tuples, and the same call twice gives the same answer (no hidden
 * counter: the core is deterministic). */
static void test_isn_tuples_unrelated(void)
{
    sk_tcp_env e;
    SK_CHECK(env_with_seed(&e, 0x5eed));
    static uint32_t v[N_TUPLES], step[N_TUPLES];
    const sk_time now = 1000000007ull;
    for (uint32_t i = 0; i < N_TUPLES; i++) {
        sk_tuple tu = tuple_i(i);
        v[i] = isn(&e, &tu, now);
        SK_CHECK_EQ(isn(&e, &tu, now), v[i]);
        step[i] = i > 0 ? v[i] - v[i - 1] : 0;
    }
    for (int bit = 0; bit < 32; bit++) {
        uint32_t ones = 0;
        for (uint32_t i = 0; i < N_TUPLES; i++)
            ones += (v[i] >> bit) & 1u;
        /* a fair bit lies within 8 standard deviations (32) of 2048 */
        SK_CHECK_MSG(ones > N_TUPLES / 2 - 256 && ones < N_TUPLES / 2 + 256,
                     "bit %d of the ISN is set in %u of %u tuples", bit, ones, N_TUPLES);
    }
    SK_CHECK_EQ(count_distinct(step + 1, N_TUPLES - 1), N_TUPLES - 1);
    SK_CHECK_EQ(count_distinct(v, N_TUPLES), N_TUPLES);
    env_free(&e);
}

/* F covers the whole 4-tuple: a change of any one field (one bit of an
 * address, one port number) or swapping the ends gives another ISN, and not
 * by a fixed offset. */
static void test_isn_every_tuple_field(void)
{
    sk_tcp_env e;
    SK_CHECK(env_with_seed(&e, 0x5eed));
    const sk_time now = 4000000ull;
    sk_tuple base = tuple(2, 40000, 1, 80);
    uint32_t b = isn(&e, &base, now);
    uint32_t d[96];
    for (int bit = 0; bit < 96; bit++) {
        sk_tuple tu = base;
        uint8_t *field = bit < 32   ? tu.laddr.b
                         : bit < 64 ? tu.raddr.b
                                    : NULL;
        if (field != NULL)
            field[(bit % 32) / 8] ^= (uint8_t)(1u << (bit % 8));
        else if (bit < 80)
            tu.lport ^= (uint16_t)(1u << (bit - 64));
        else
            tu.rport ^= (uint16_t)(1u << (bit - 80));
        d[bit] = isn(&e, &tu, now) - b;
        SK_CHECK_MSG(d[bit] != 0, "flipping tuple bit %d leaves the ISN unchanged", bit);
    }
    SK_CHECK_EQ(count_distinct(d, 96), 96);
    sk_tuple swapped = tuple(1, 80, 2, 40000);
    SK_CHECK(isn(&e, &swapped, now) != b);
    env_free(&e);
}

/* The secret key comes from the stack's seed: other seeds give other ISNs
 * for every tuple, and not by one offset (a key added outside the hash,
 * or an unkeyed hash plus the seed, would shift every ISN alike). */
static void test_isn_keyed_by_seed(void)
{
    sk_tcp_env a, b;
    SK_CHECK(env_with_seed(&a, 0x5eed));
    SK_CHECK(env_with_seed(&b, 0x5eee));
    const sk_time now = 123456789ull;
    static uint32_t diff[N_TUPLES];
    for (uint32_t i = 0; i < N_TUPLES; i++) {
        sk_tuple tu = tuple_i(i);
        diff[i] = isn(&a, &tu, now) - isn(&b, &tu, now);
        SK_CHECK_MSG(diff[i] != 0, "tuple %u: seeds 0x5eed and 0x5eee give one ISN", i);
    }
    SK_CHECK(count_distinct(diff, N_TUPLES) > N_TUPLES - 8);
    env_free(&b);
    /* one tuple, 64 seeds: 64 ISNs */
    uint32_t per_seed[64];
    sk_tuple tu = tuple(2, 40000, 1, 80);
    for (uint64_t s = 0; s < 64; s++) {
        SK_CHECK(env_with_seed(&b, s * 0x100000001ull));
        per_seed[s] = isn(&b, &tu, now);
        env_free(&b);
    }
    SK_CHECK_EQ(count_distinct(per_seed, 64), 64);
    env_free(&a);
}

/* M ticks every 4 us (RFC 6528 §3): between two times the ISN of one tuple
 * grows by exactly floor(t2/4) - floor(t1/4), modulo 2^32, at any scale
 * (a microsecond or millisecond clock, or none, fails here). A new
 * incarnation of a tuple a second later gets a larger ISN (RFC 9293 §3.4.1). */
static void test_isn_clock_4us(void)
{
    sk_tcp_env e;
    SK_CHECK(env_with_seed(&e, 0x5eed));
    sk_tuple tu = tuple(2, 40000, 1, 80);
    const sk_time t0 = 1000000000ull; /* a multiple of 4 */
    uint32_t i0 = isn(&e, &tu, t0);
    SK_CHECK_EQ(isn(&e, &tu, t0 + 1), i0);
    SK_CHECK_EQ(isn(&e, &tu, t0 + 3), i0);
    SK_CHECK_EQ(isn(&e, &tu, t0 + 4), i0 + 1u);
    SK_CHECK_EQ(isn(&e, &tu, t0 + 7), i0 + 1u);
    SK_CHECK_EQ(isn(&e, &tu, t0 + 8), i0 + 2u);
    SK_CHECK_EQ(isn(&e, &tu, t0 + 1000), i0 + 250u);
    SK_CHECK_EQ(isn(&e, &tu, t0 + 1000000), i0 + 250000u);
    /* 2^32 ticks (about 4.8 hours) bring it round to the same value */
    SK_CHECK_EQ(isn(&e, &tu, t0 + 4ull * 0x100000000ull), i0);
    SK_CHECK_EQ(isn(&e, &tu, t0 + 4ull * 0x100000000ull + 4000), i0 + 1000u);
    static const sk_time times[] = {0, 1, 5, 6, 4095, 65537, 999999999, 0x123456789abull,
                                    0xfffffffffffull, UINT64_MAX - 3};
    for (size_t i = 0; i + 1 < sizeof times / sizeof times[0]; i++) {
        uint32_t want = (uint32_t)(times[i + 1] / 4u) - (uint32_t)(times[i] / 4u);
        SK_CHECK_EQ(isn(&e, &tu, times[i + 1]) - isn(&e, &tu, times[i]), want);
    }
    SK_CHECK(sk_seq_gt(sk_tcp_isn(&e, &tu, t0 + 1000000), sk_tcp_isn(&e, &tu, t0)));
    /* the clock moves every tuple alike: F does not depend on time */
    sk_tuple other = tuple(2, 40001, 1, 80);
    SK_CHECK_EQ(isn(&e, &other, t0 + 40) - isn(&e, &other, t0), 10u);
    env_free(&e);
}

/* connect without fixed_isn sends the SYN with the ISN sk_tcp_isn predicts
 * for the stack's seed, the connection's tuple and the time of the call,
 * for a given local port and for an ephemeral one. */
static void test_isn_connect_on_wire(void)
{
    sk_tcp_env e;
    SK_CHECK(env_with_seed(&e, 0x5eed));
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK_EQ(ts.cfg.seed, 0x5eed);
    const sk_time times[3] = {4000003ull, 4000003ull, 987654321ull};
    const uint16_t lports[3] = {40000, 0, 40002};
    uint32_t seen[3];
    for (int k = 0; k < 3; k++) {
        sk_connect_opts co;
        memset(&co, 0, sizeof co);
        co.local_port = lports[k];
        sk_endpoint ep = ts_endpoint(10, 0, 0, 1, 80);
        sk_sock c;
        SK_CHECK_EQ_I(sk_tcp_connect(ts.s, times[k], &ep, &co, &c), 0);
        const ts_out *o = ts_next(&ts, times[k]);
        SK_CHECK(o != NULL);
        if (o == NULL)
            break;
        SK_CHECK_EQ(o->hdr.flags, TS_S);
        SK_CHECK(lports[k] == 0 || o->hdr.src_port == lports[k]);
        sk_tuple tu = tuple(2, o->hdr.src_port, 1, 80);
        SK_CHECK_EQ(o->hdr.seq.v, isn(&e, &tu, times[k]));
        sk_tcp_info in;
        SK_CHECK_EQ_I(sk_tcp_get_info(ts.s, c, &in), 0);
        SK_CHECK_EQ(in.iss, o->hdr.seq.v);
        seen[k] = o->hdr.seq.v;
        SK_CHECK_EQ_I(sk_tcp_abort(ts.s, times[k], c), 0);
        ts_discard(&ts, times[k]);
    }
    SK_CHECK(seen[0] != seen[1] && seen[1] != seen[2] && seen[0] != seen[2]);
    ts_free(&ts);
    env_free(&e);
}

/* A listener without fixed_isn answers a SYN with a SYN,ACK whose sequence
 * number is the ISN predicted for (us:80, peer:port) at the SYN's time
 * (the listener's child takes it in tcp_input.c). */
static void test_isn_accept_on_wire(void)
{
    sk_tcp_env e;
    SK_CHECK(env_with_seed(&e, 0x5eed));
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK_EQ_I(sk_tcp_listen(ts.s, TS_US_PORT_PASSIVE, NULL, &ts.listener), 0);
    const sk_time times[2] = {2000001ull, 3000000123ull};
    const uint16_t rports[2] = {50000, 50001};
    uint32_t seen[2];
    for (int k = 0; k < 2; k++) {
        TS_INJECT(&ts, times[k], .flags = TS_S, .seq = 7000, .sport = rports[k],
                  .dport = TS_US_PORT_PASSIVE);
        const ts_out *o = ts_next(&ts, times[k]);
        SK_CHECK(o != NULL);
        if (o == NULL)
            break;
        SK_CHECK_EQ(o->hdr.flags, TS_SA);
        SK_CHECK_EQ(o->hdr.ack.v, 7001u);
        SK_CHECK_EQ(o->hdr.dst_port, rports[k]);
        sk_tuple tu = tuple(2, TS_US_PORT_PASSIVE, 1, rports[k]);
        SK_CHECK_EQ(o->hdr.seq.v, isn(&e, &tu, times[k]));
        seen[k] = o->hdr.seq.v;
        SK_CHECK_EQ(ts_discard(&ts, times[k]), 0);
        /* the peer resets the half-open connection (RFC 9293 §3.10.7.4):
         * no SYN,ACK retransmission is left to run into the next one */
        TS_INJECT(&ts, times[k], .flags = TS_R, .seq = 7001, .sport = rports[k],
                  .dport = TS_US_PORT_PASSIVE);
        SK_CHECK_EQ(ts_discard(&ts, times[k]), 0);
    }
    SK_CHECK(seen[0] != seen[1]);
    ts_free(&ts);
    env_free(&e);
}

int main(void)
{
    SK_RUN(test_isn_tuples_unrelated);
    SK_RUN(test_isn_every_tuple_field);
    SK_RUN(test_isn_keyed_by_seed);
    SK_RUN(test_isn_clock_4us);
    SK_RUN(test_isn_connect_on_wire);
    SK_RUN(test_isn_accept_on_wire);
    return sk_test_finish();
}
