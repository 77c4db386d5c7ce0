/* base/ring: the byte ring behind TCP send and receive buffers. Wraparound is
 * checked at every head position for an odd and an even capacity, and a long
 * randomized run is compared against a plain linear array model. */
#include "base/ring.h"
#include "base/rng.h"
#include "sk_test.h"

/* Fill a pattern whose bytes differ from their neighbours and from 0. */
static void fill_pattern(uint8_t *p, size_t n, uint8_t start)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(start + i * 7u + 1u);
}

/* Put the head of an empty ring at physical index h. */
static void ring_at_head(sk_ring *r, uint8_t *st, size_t cap, size_t h)
{
    uint8_t junk[16] = {0};
    sk_ring_init(r, st, cap);
    SK_CHECK_EQ(sk_ring_write(r, junk, h), h);
    SK_CHECK_EQ(sk_ring_read(r, NULL, h), h);
    SK_CHECK_EQ(r->head, h % (cap ? cap : 1));
    SK_CHECK(sk_ring_empty(r));
}

/* For every head position and every fill level: write, peek, span, read. */
static void check_wrap_cap(size_t cap)
{
    /* in/out are larger than needed: GCC's -O2 -Wstringop-overflow
     * cannot prove n <= cap <= 8 here and would warn. */
    uint8_t st[8], in[16], out[16];
    SK_CHECK(cap <= sizeof st);
    if (cap > sizeof st)
        return;
    for (size_t h = 0; h < cap; h++) {
        for (size_t n = 0; n <= cap; n++) {
            sk_ring r;
            ring_at_head(&r, st, cap, h);
            fill_pattern(in, n, (uint8_t)(h * 16 + n));
            SK_CHECK_EQ(sk_ring_write(&r, in, n), n);
            SK_CHECK_EQ(sk_ring_len(&r), n);
            SK_CHECK_EQ(sk_ring_free(&r), cap - n);
            for (size_t off = 0; off < n; off++) {
                memset(out, 0, sizeof out);
                SK_CHECK_EQ(sk_ring_peek(&r, off, out, cap), n - off);
                SK_CHECK_MEM(out, in + off, n - off);
                const uint8_t *p = NULL;
                size_t s = sk_ring_span(&r, off, &p);
                size_t phys = (h + off) % cap;
                size_t want = n - off < cap - phys ? n - off : cap - phys;
                SK_CHECK_EQ(s, want);
                SK_CHECK(p == st + phys);
                if (p != NULL)
                    SK_CHECK_MEM(p, in + off, s);
            }
            memset(out, 0, sizeof out);
            SK_CHECK_EQ(sk_ring_read(&r, out, cap + 3), n);
            SK_CHECK_MEM(out, in, n);
            SK_CHECK(sk_ring_empty(&r));
            SK_CHECK_EQ(r.head, (h + n) % cap);
        }
    }
}

static void test_ring_wrap_every_head_cap7(void) { check_wrap_cap(7); }
static void test_ring_wrap_every_head_cap8(void) { check_wrap_cap(8); }

static void test_ring_write_truncates_to_free(void)
{
    uint8_t st[7], in[10], out[10];
    sk_ring r;
    fill_pattern(in, sizeof in, 0);
    sk_ring_init(&r, st, sizeof st);
    SK_CHECK_EQ(sk_ring_write(&r, in, 4), 4u);
    SK_CHECK_EQ(sk_ring_write(&r, in + 4, 6), 3u); /* only 3 free */
    SK_CHECK_EQ(sk_ring_len(&r), 7u);
    SK_CHECK_EQ(sk_ring_free(&r), 0u);
    SK_CHECK_EQ(sk_ring_write(&r, in, 1), 0u); /* full */
    SK_CHECK_EQ(sk_ring_read(&r, out, sizeof out), 7u);
    SK_CHECK_MEM(out, in, 7);
}

static void test_ring_zero_capacity(void)
{
    uint8_t in[4] = {1, 2, 3, 4}, out[4] = {0};
    const uint8_t *p = in;
    sk_ring r;
    sk_ring_init(&r, NULL, 0);
    SK_CHECK_EQ(sk_ring_cap(&r), 0u);
    SK_CHECK(sk_ring_empty(&r));
    SK_CHECK_EQ(sk_ring_free(&r), 0u);
    SK_CHECK_EQ(sk_ring_write(&r, in, 4), 0u);
    SK_CHECK_EQ(sk_ring_write_at(&r, 0, in, 4), 0u);
    SK_CHECK_EQ(sk_ring_peek(&r, 0, out, 4), 0u);
    SK_CHECK_EQ(sk_ring_read(&r, out, 4), 0u);
    SK_CHECK_EQ(sk_ring_span(&r, 0, &p), 0u);
    SK_CHECK(p == NULL);
    uint8_t *t = in;
    SK_CHECK_EQ(sk_ring_tail_span(&r, &t), 0u);
    SK_CHECK(t == NULL);
    sk_ring_commit(&r, 0);
    sk_ring_drop(&r, 0);
    SK_CHECK_EQ(sk_ring_len(&r), 0u);
    SK_CHECK_EQ(out[0], 0u);
}

/* The tail span, filled in place and committed, at every head and fill
 * level: it starts at the physical tail, ends at the storage's end or the
 * head, and two spans in turn cover the whole free space. */
static void test_ring_tail_span_every_head(void)
{
    uint8_t st[7], in[16], out[16];
    const size_t cap = sizeof st;
    for (size_t h = 0; h < cap; h++) {
        for (size_t n = 0; n <= cap; n++) {
            sk_ring r;
            ring_at_head(&r, st, cap, h);
            fill_pattern(in, cap, (uint8_t)(h * 16 + n));
            SK_CHECK_EQ(sk_ring_write(&r, in, n), n);
            uint8_t *p = NULL;
            size_t s = sk_ring_tail_span(&r, &p);
            size_t phys = (h + n) % cap, room = cap - n;
            size_t want = room < cap - phys ? room : cap - phys;
            SK_CHECK_EQ(s, want);
            SK_CHECK(room == 0 ? p == NULL : p == st + phys);
            if (p != NULL)
                memcpy(p, in + n, s);
            sk_ring_commit(&r, s);
            SK_CHECK_EQ(sk_ring_len(&r), n + s);
            /* the rest of the free space (after a wrap) is the next span */
            size_t s2 = sk_ring_tail_span(&r, &p);
            SK_CHECK_EQ(s2, room - s);
            SK_CHECK(s2 == 0 ? p == NULL : p == st);
            if (p != NULL)
                memcpy(p, in + n + s, s2);
            sk_ring_commit(&r, s2);
            SK_CHECK_EQ(sk_ring_len(&r), cap);
            memset(out, 0, sizeof out);
            SK_CHECK_EQ(sk_ring_read(&r, out, cap), cap);
            SK_CHECK_MEM(out, in, cap);
        }
    }
}

static void test_ring_peek_and_span_past_len(void)
{
    uint8_t st[8], in[3] = {9, 8, 7}, out[4] = {0, 0, 0, 0};
    const uint8_t *p = in;
    sk_ring r;
    sk_ring_init(&r, st, sizeof st);
    sk_ring_write(&r, in, 3);
    SK_CHECK_EQ(sk_ring_peek(&r, 3, out, 4), 0u);
    SK_CHECK_EQ(sk_ring_peek(&r, 100, out, 4), 0u);
    SK_CHECK_EQ(sk_ring_peek(&r, 2, out, 4), 1u);
    SK_CHECK_EQ(out[0], 7u);
    SK_CHECK_EQ(sk_ring_peek(&r, 0, out, 0), 0u);
    SK_CHECK_EQ(sk_ring_span(&r, 3, &p), 0u);
    SK_CHECK(p == NULL);
    SK_CHECK_EQ(sk_ring_len(&r), 3u); /* peeking consumed nothing */
}

/* read(n) == peek(0, n) followed by drop(n); read(NULL) discards. */
static void test_ring_read_is_peek_plus_drop(void)
{
    uint8_t st[7], in[7], a[7], b[7];
    sk_ring r1, r2;
    fill_pattern(in, sizeof in, 3);
    uint8_t st2[7];
    sk_ring_init(&r1, st, 7);
    sk_ring_init(&r2, st2, 7);
    for (int round = 0; round < 5; round++) {
        sk_ring_write(&r1, in, 5);
        sk_ring_write(&r2, in, 5);
        SK_CHECK_EQ(sk_ring_peek(&r1, 0, a, 3), 3u);
        sk_ring_drop(&r1, 3);
        SK_CHECK_EQ(sk_ring_read(&r2, b, 3), 3u);
        SK_CHECK_MEM(a, b, 3);
        SK_CHECK_EQ(r1.head, r2.head);
        SK_CHECK_EQ(r1.len, r2.len);
        SK_CHECK_EQ(sk_ring_read(&r1, NULL, 2), 2u);
        SK_CHECK_EQ(sk_ring_read(&r2, b, 2), 2u);
        SK_CHECK_EQ(r1.head, r2.head);
        SK_CHECK(sk_ring_empty(&r1) && sk_ring_empty(&r2));
    }
}

/* Out-of-order placement: bytes written ahead of the tail are invisible
 * until the gap is filled and the whole run is committed. */
static void test_ring_write_at_then_commit(void)
{
    uint8_t st[7], out[7];
    const uint8_t head[3] = {1, 2, 3}, gap[2] = {4, 5}, ahead[2] = {6, 7};
    sk_ring r;
    sk_ring_init(&r, st, sizeof st);
    sk_ring_write(&r, head, 3);
    sk_ring_read(&r, out, 2); /* head now at 2: later bytes wrap */
    SK_CHECK_EQ(sk_ring_len(&r), 1u);
    SK_CHECK_EQ(sk_ring_write_at(&r, 2, ahead, 2), 2u);
    SK_CHECK_EQ(sk_ring_len(&r), 1u);
    SK_CHECK_EQ(sk_ring_peek(&r, 1, out, 4), 0u);
    SK_CHECK_EQ(sk_ring_write_at(&r, 0, gap, 2), 2u);
    sk_ring_commit(&r, 4);
    SK_CHECK_EQ(sk_ring_len(&r), 5u);
    const uint8_t want[5] = {3, 4, 5, 6, 7};
    SK_CHECK_EQ(sk_ring_read(&r, out, 7), 5u);
    SK_CHECK_MEM(out, want, 5);
}

static void test_ring_write_at_bounded_by_free(void)
{
    uint8_t st[8], in[8];
    sk_ring r;
    fill_pattern(in, sizeof in, 0);
    sk_ring_init(&r, st, sizeof st);
    sk_ring_write(&r, in, 3); /* 5 free */
    SK_CHECK_EQ(sk_ring_write_at(&r, 0, in, 8), 5u);
    SK_CHECK_EQ(sk_ring_write_at(&r, 4, in, 8), 1u);
    SK_CHECK_EQ(sk_ring_write_at(&r, 5, in, 1), 0u);
    SK_CHECK_EQ(sk_ring_write_at(&r, 99, in, 1), 0u);
    SK_CHECK_EQ(sk_ring_write_at(&r, 2, in, 0), 0u);
    SK_CHECK_EQ(sk_ring_len(&r), 3u);
}

/* Placed bytes survive the ring draining to empty (the head is not reset). */
static void test_ring_write_at_survives_empty(void)
{
    uint8_t st[5], out[5];
    const uint8_t a[2] = {0xa1, 0xa2}, b[2] = {0xb1, 0xb2};
    sk_ring r;
    sk_ring_init(&r, st, sizeof st);
    sk_ring_write(&r, a, 2);
    SK_CHECK_EQ(sk_ring_write_at(&r, 0, b, 2), 2u);
    SK_CHECK_EQ(sk_ring_read(&r, out, 2), 2u);
    SK_CHECK(sk_ring_empty(&r));
    sk_ring_commit(&r, 2);
    SK_CHECK_EQ(sk_ring_read(&r, out, 5), 2u);
    SK_CHECK_MEM(out, b, 2);
}

/* A linear model: win[0..cap) holds the logical positions 0..cap in order,
 * content first (win[0..len)), then the free region where write_at places
 * bytes ahead. Consuming k bytes rotates the window left by k, because the
 * storage they occupied becomes the end of the free region. */
typedef struct {
    uint8_t win[32];
    size_t len;
    size_t cap;
} ring_model;

static void model_consume(ring_model *m, size_t k)
{
    uint8_t tmp[32];
    memcpy(tmp, m->win, k);
    memmove(m->win, m->win + k, m->cap - k);
    memcpy(m->win + m->cap - k, tmp, k);
    m->len -= k;
}

static size_t min_sz(size_t a, size_t b) { return a < b ? a : b; }

static int model_span_ok(const sk_ring *r, const ring_model *m, size_t off)
{
    const uint8_t *p = NULL;
    size_t got = sk_ring_span(r, off, &p);
    if (off >= m->len)
        return got == 0 && p == NULL;
    /* A span may stop early at the end of storage, never past len. */
    return got > 0 && got <= m->len - off && memcmp(p, m->win + off, got) == 0;
}

/* One random operation applied to both ring and model; returns 0 on a
 * mismatch so the run stops at the first divergence. */
static int random_step(sk_rng *g, sk_ring *r, ring_model *m)
{
    uint8_t in[40], out[40];
    size_t n = (size_t)sk_rng_below(g, m->cap + 3), got = 0, want = 0;
    size_t off = (size_t)sk_rng_below(g, m->cap + 1), room = m->cap - m->len;
    fill_pattern(in, sizeof in, (uint8_t)sk_rng_next(g));
    switch (sk_rng_below(g, 7)) {
    case 0:
        want = min_sz(n, room);
        got = sk_ring_write(r, in, n);
        memcpy(m->win + m->len, in, want);
        m->len += want;
        break;
    case 1:
        want = off >= room ? 0 : min_sz(n, room - off);
        got = sk_ring_write_at(r, off, in, n);
        memcpy(m->win + m->len + off, in, want);
        break;
    case 2:
        got = want = (size_t)sk_rng_below(g, room + 1);
        sk_ring_commit(r, want);
        m->len += want;
        break;
    case 3:
        want = off >= m->len ? 0 : min_sz(n, m->len - off);
        got = sk_ring_peek(r, off, out, n);
        if (memcmp(out, m->win + off, want) != 0)
            return 0;
        break;
    case 4:
        want = min_sz(n, m->len);
        got = sk_ring_read(r, out, n);
        if (memcmp(out, m->win, want) != 0)
            return 0;
        model_consume(m, want);
        break;
    case 5:
        got = want = (size_t)sk_rng_below(g, m->len + 1);
        sk_ring_drop(r, want);
        model_consume(m, want);
        break;
    default:
        if (!model_span_ok(r, m, off))
            return 0;
        break;
    }
    return got == want && sk_ring_len(r) == m->len;
}

static void check_model_cap(size_t cap, uint64_t seed, int steps)
{
    uint8_t st[32];
    sk_ring r;
    ring_model m;
    sk_rng g;
    memset(&m, 0, sizeof m);
    memset(st, 0, sizeof st);
    m.cap = cap;
    sk_ring_init(&r, st, cap);
    sk_rng_seed(&g, seed);
    int i;
    for (i = 0; i < steps; i++)
        if (!random_step(&g, &r, &m))
            break;
    SK_CHECK_MSG(i == steps, "cap %zu: ring and model diverged at step %d", cap, i);
    /* Final drain: the whole content matches. */
    uint8_t out[32];
    size_t len = m.len;
    size_t n = sk_ring_read(&r, out, sizeof out);
    SK_CHECK_EQ(n, len);
    SK_CHECK_MEM(out, m.win, n);
}

static void test_ring_random_vs_model(void)
{
    check_model_cap(7, 1, 5000);
    check_model_cap(8, 2, 5000);
    check_model_cap(1, 3, 2000);
    check_model_cap(13, 4, 5000);
    check_model_cap(32, 5, 5000);
}

int main(void)
{
    SK_RUN(test_ring_wrap_every_head_cap7);
    SK_RUN(test_ring_wrap_every_head_cap8);
    SK_RUN(test_ring_write_truncates_to_free);
    SK_RUN(test_ring_zero_capacity);
    SK_RUN(test_ring_peek_and_span_past_len);
    SK_RUN(test_ring_tail_span_every_head);
    SK_RUN(test_ring_read_is_peek_plus_drop);
    SK_RUN(test_ring_write_at_then_commit);
    SK_RUN(test_ring_write_at_bounded_by_free);
    SK_RUN(test_ring_write_at_survives_empty);
    SK_RUN(test_ring_random_vs_model);
    return sk_test_finish();
}
