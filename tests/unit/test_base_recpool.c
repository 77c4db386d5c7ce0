/* base/recpool: records named by a 4-tuple (the TIME-WAIT and half-open
 * pools' common part). A pool of 8 records has a 16-slot index; tuples are
 * picked by the home slot their hash gives under the test's key, so runs
 * that wrap past the index's end and chains of equal homes are made on
 * purpose. Checked: add/find/remove, the key's family and spare byte, the
 * order records are handed out (fresh in index order, then the newest given
 * back first), a full pool and an empty one, allocation failure, a
 * seeded random walk against a model, and the lists of records. */
#include "base/recpool.h"
#include "base/rng.h"
#include "posix/posix_alloc.h"
#include "sk_test.h"
#include "synack/error.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define CAP 8u

typedef struct {
    sk_rec_key key;
    uint32_t val;
    sk_rec_link link;
} test_rec;

#define LINK offsetof(test_rec, link)

SK_REC_KEY_FIRST(test_rec);

static sk_ctx g_ctx;

static void ctx_init(void)
{
    sk_stack_config cfg;
    sk_stack_config_default(&cfg);
    cfg.seed = 42;
    cfg.alloc = sk_posix_allocator();
    sk_ctx_init(&g_ctx, &cfg);
}

static sk_tuple tuple6(uint16_t rport)
{
    sk_tuple tu;
    memset(&tu, 0, sizeof tu);
    tu.laddr.family = tu.raddr.family = SK_AF_INET6;
    tu.laddr.b[0] = 0x20;
    tu.laddr.b[15] = 1;
    tu.raddr.b[0] = 0x20;
    tu.raddr.b[15] = 2;
    tu.lport = 443;
    tu.rport = rport;
    return tu;
}

static uint32_t home(const sk_recpool *p, const sk_tuple *tu)
{
    return sk_tuple_hash(&g_ctx.key, tu, 0) & p->mask;
}

/* The n-th tuple (from rport `from` on) whose home is slot h. */
static sk_tuple tuple_at_home(const sk_recpool *p, uint32_t h, uint16_t *from)
{
    for (;;) {
        sk_tuple tu = tuple6((*from)++);
        if (home(p, &tu) == h)
            return tu;
    }
}

static uint32_t add(sk_recpool *p, const sk_tuple *tu, uint32_t val)
{
    test_rec r;
    memset(&r, 0, sizeof r);
    sk_rec_key_set(&r.key, tu);
    r.val = val;
    return sk_recpool_add(p, &r);
}

static const test_rec *rec(const sk_recpool *p, uint32_t i)
{
    return sk_recpool_at(p, i);
}

static void test_add_find_remove(void)
{
    sk_recpool p;
    SK_CHECK_EQ(sk_recpool_init(&p, &g_ctx, sizeof(test_rec), CAP), 0);
    SK_CHECK_EQ(p.mask, 15u);
    sk_tuple a = tuple6(1000), b = tuple6(1001), c = tuple6(1002);
    SK_CHECK_EQ(sk_recpool_find(&p, &a), SK_REC_NONE); /* empty */
    SK_CHECK_EQ(add(&p, &a, 10), 0u);
    SK_CHECK_EQ(add(&p, &b, 11), 1u);
    SK_CHECK_EQ(add(&p, &c, 12), 2u);
    SK_CHECK_EQ(p.count, 3u);
    SK_CHECK_EQ(sk_recpool_find(&p, &a), 0u);
    SK_CHECK_EQ(sk_recpool_find(&p, &b), 1u);
    SK_CHECK_EQ(sk_recpool_find(&p, &c), 2u);
    SK_CHECK_EQ(rec(&p, 1)->val, 11u); /* the whole record was copied */
    sk_tuple back;
    sk_rec_key_tuple(&rec(&p, 1)->key, &back);
    SK_CHECK(sk_tuple_eq(&back, &b) && back.laddr.family == SK_AF_INET6);

    /* not the same tuple: another port, the ends swapped, another family
     * with the same bytes */
    sk_tuple other = tuple6(999);
    SK_CHECK_EQ(sk_recpool_find(&p, &other), SK_REC_NONE);
    sk_tuple swapped = a;
    swapped.laddr = a.raddr;
    swapped.raddr = a.laddr;
    SK_CHECK_EQ(sk_recpool_find(&p, &swapped), SK_REC_NONE);

    /* the same 16 address bytes and ports in another family: an IPv6
     * record whose addresses end in zeros, and the IPv4 tuple with those
     * bytes, picked where both hash to the same home so that the lookup
     * meets the record and must tell them apart by family */
    sk_tuple v6, v4;
    for (uint16_t port = 6000;; port++) {
        v6 = tuple6(port);
        v6.laddr.b[15] = v6.raddr.b[15] = 0;
        v6.laddr.b[3] = 1;
        v6.raddr.b[3] = 2;
        v4 = v6;
        v4.laddr.family = v4.raddr.family = SK_AF_INET4;
        if (home(&p, &v6) == home(&p, &v4))
            break;
    }
    SK_CHECK_EQ(add(&p, &v6, 13), 3u);
    SK_CHECK_EQ(sk_recpool_find(&p, &v4), SK_REC_NONE);
    SK_CHECK_EQ(sk_recpool_find(&p, &v6), 3u);
    sk_recpool_remove(&p, 3);

    /* the owner's flags are not part of the key */
    ((sk_rec_key *)sk_recpool_at(&p, 0))->flags = 0x5a;
    SK_CHECK_EQ(sk_recpool_find(&p, &a), 0u);

    sk_recpool_remove(&p, 1);
    SK_CHECK_EQ(p.count, 2u);
    SK_CHECK_EQ(rec(&p, 1)->key.family, 0); /* a free record's key is clear */
    SK_CHECK_EQ(sk_recpool_find(&p, &b), SK_REC_NONE);
    SK_CHECK_EQ(sk_recpool_find(&p, &a), 0u);
    SK_CHECK_EQ(sk_recpool_find(&p, &c), 2u);
    SK_CHECK_EQ(add(&p, &b, 21), 1u); /* the newest record given back is used first */
    SK_CHECK_EQ(rec(&p, 1)->val, 21u);
    SK_CHECK_EQ(sk_recpool_find(&p, &b), 1u);
    sk_recpool_free(&p, &g_ctx);
    SK_CHECK(p.recs == NULL && p.slot == NULL && p.cap == 0);
}

/* Homes 15, 15, 15 and 0 fill slots 15, 0, 1, 2. Taking out the first
 * (slot 15) must move the second back across the end into 15, the third
 * into 0 and leave the home-0 record reachable (it moves to 1); every
 * other record stays reachable after each removal. */
static void test_wrap_around(void)
{
    sk_recpool p;
    SK_CHECK_EQ(sk_recpool_init(&p, &g_ctx, sizeof(test_rec), CAP), 0);
    uint16_t from = 2000;
    sk_tuple t[4];
    t[0] = tuple_at_home(&p, 15, &from);
    t[1] = tuple_at_home(&p, 15, &from);
    t[2] = tuple_at_home(&p, 15, &from);
    t[3] = tuple_at_home(&p, 0, &from);
    for (uint32_t i = 0; i < 4; i++)
        SK_CHECK_EQ(add(&p, &t[i], i), i);
    SK_CHECK_EQ(p.slot[15], 1u);
    SK_CHECK_EQ(p.slot[0], 2u);
    SK_CHECK_EQ(p.slot[1], 3u);
    SK_CHECK_EQ(p.slot[2], 4u);
    sk_recpool_remove(&p, 0);
    SK_CHECK_EQ(p.slot[15], 2u);
    SK_CHECK_EQ(p.slot[0], 3u);
    SK_CHECK_EQ(p.slot[1], 4u);
    SK_CHECK_EQ(p.slot[2], 0u);
    SK_CHECK_EQ(sk_recpool_find(&p, &t[0]), SK_REC_NONE);
    for (uint32_t i = 1; i < 4; i++)
        SK_CHECK_EQ(sk_recpool_find(&p, &t[i]), i);
    sk_recpool_remove(&p, 2);
    SK_CHECK_EQ(sk_recpool_find(&p, &t[1]), 1u);
    SK_CHECK_EQ(sk_recpool_find(&p, &t[3]), 3u);
    SK_CHECK_EQ(p.slot[0], 4u); /* home 0 again at its home */
    sk_recpool_remove(&p, 1);
    sk_recpool_remove(&p, 3);
    SK_CHECK_EQ(p.count, 0u);
    for (uint32_t s = 0; s <= p.mask; s++)
        SK_CHECK_EQ(p.slot[s], 0u);
    sk_recpool_free(&p, &g_ctx);
}

/* Records are handed out fresh in index order until all have been used,
 * then the one given back last comes first; a full pool says so and adds
 * nothing (making room is the owner's choice). */
static void test_full_and_order(void)
{
    sk_recpool p;
    SK_CHECK_EQ(sk_recpool_init(&p, &g_ctx, sizeof(test_rec), CAP), 0);
    sk_tuple t[CAP + 1];
    for (uint32_t i = 0; i <= CAP; i++)
        t[i] = tuple6((uint16_t)(3000 + i));
    SK_CHECK_EQ(add(&p, &t[0], 0), 0u);
    SK_CHECK_EQ(add(&p, &t[1], 1), 1u);
    SK_CHECK_EQ(add(&p, &t[2], 2), 2u);
    sk_recpool_remove(&p, 1);
    SK_CHECK_EQ(p.fresh, 3u);
    SK_CHECK_EQ(add(&p, &t[3], 3), 1u); /* given back before fresh */
    SK_CHECK_EQ(add(&p, &t[4], 4), 3u); /* then fresh, in order */
    for (uint32_t i = 5; i < CAP + 1; i++)
        SK_CHECK_EQ(add(&p, &t[i], i), i - 1);
    SK_CHECK_EQ(p.count, CAP);
    SK_CHECK(sk_recpool_full(&p));
    sk_tuple extra = tuple6(4000);
    SK_CHECK_EQ(add(&p, &extra, 99), SK_REC_NONE);
    SK_CHECK_EQ(p.count, CAP);
    SK_CHECK_EQ(sk_recpool_find(&p, &extra), SK_REC_NONE);
    for (uint32_t i = 0; i < CAP + 1; i++)
        if (i != 1)
            SK_CHECK(sk_recpool_find(&p, &t[i]) != SK_REC_NONE);
    /* give back 5, then 2: 2 comes back first, then 5 */
    sk_recpool_remove(&p, 5);
    sk_recpool_remove(&p, 2);
    SK_CHECK(!sk_recpool_full(&p));
    SK_CHECK_EQ(add(&p, &extra, 99), 2u);
    sk_tuple extra2 = tuple6(4001);
    SK_CHECK_EQ(add(&p, &extra2, 98), 5u);
    SK_CHECK(sk_recpool_full(&p));
    sk_recpool_free(&p, &g_ctx);

    /* a pool of none is always full and finds nothing */
    SK_CHECK_EQ(sk_recpool_init(&p, &g_ctx, sizeof(test_rec), 0), 0);
    SK_CHECK(sk_recpool_full(&p));
    SK_CHECK_EQ(add(&p, &t[0], 0), SK_REC_NONE);
    SK_CHECK_EQ(sk_recpool_find(&p, &t[0]), SK_REC_NONE);
    sk_recpool_free(&p, &g_ctx);
}

static int g_allocs_left;

static void *failing_alloc(void *ctx, size_t n)
{
    (void)ctx;
    if (g_allocs_left-- <= 0)
        return NULL;
    return malloc(n);
}

static void counted_release(void *ctx, void *ptr, size_t n)
{
    (void)ctx;
    (void)n;
    free(ptr);
}

/* The records' allocation failing: SK_ENOMEM and nothing held (ASan
 * would report a leak). The index is taken only at the first record: a
 * pool never used holds none, and one whose index is refused adds nothing
 * (SK_REC_NONE), finds nothing, and adds once memory is back. */
static void test_no_memory(void)
{
    sk_ctx c = g_ctx;
    c.cfg.alloc.allocate = failing_alloc;
    c.cfg.alloc.release = counted_release;
    g_allocs_left = 0;
    sk_recpool p;
    SK_CHECK_EQ_I(sk_recpool_init(&p, &c, sizeof(test_rec), CAP), SK_ENOMEM);
    SK_CHECK(p.recs == NULL && p.slot == NULL && p.cap == 0);
    sk_recpool_free(&p, &c); /* again: harmless */
    g_allocs_left = 1;
    SK_CHECK_EQ_I(sk_recpool_init(&p, &c, sizeof(test_rec), CAP), 0);
    SK_CHECK(p.recs != NULL && p.slot == NULL); /* no index yet */
    sk_tuple t = tuple6(1);
    SK_CHECK_EQ(sk_recpool_find(&p, &t), SK_REC_NONE);
    SK_CHECK_EQ(add(&p, &t, 5), SK_REC_NONE); /* the index refused */
    SK_CHECK(p.slot == NULL && p.count == 0 && p.fresh == 0);
    g_allocs_left = 1;
    SK_CHECK_EQ(add(&p, &t, 5), 0u);
    SK_CHECK_EQ(sk_recpool_find(&p, &t), 0u);
    sk_recpool_free(&p, &c);
    SK_CHECK(p.recs == NULL && p.slot == NULL);
}

/* A seeded walk of adds and removes over 24 tuples crowded onto 4 homes
 * (long runs, wrapping), checked against a model after every step: each
 * record in the model is found at its index with its value, each other
 * tuple is not, and every record index is live or on the free list once. */
static void test_random_against_model(void)
{
    sk_recpool p;
    SK_CHECK_EQ(sk_recpool_init(&p, &g_ctx, sizeof(test_rec), CAP), 0);
    enum { NT = 24 };
    sk_tuple t[NT];
    uint16_t from = 5000;
    for (uint32_t i = 0; i < NT; i++)
        t[i] = tuple_at_home(&p, (uint32_t[]){14, 15, 0, 7}[i % 4], &from);
    uint32_t at[NT];
    for (uint32_t i = 0; i < NT; i++)
        at[i] = SK_REC_NONE;
    sk_rng rng;
    sk_rng_seed(&rng, 7);
    for (int step = 0; step < 4000; step++) {
        uint32_t k = sk_rng_u32(&rng) % NT;
        if (at[k] != SK_REC_NONE) {
            sk_recpool_remove(&p, at[k]);
            at[k] = SK_REC_NONE;
        } else {
            bool full = sk_recpool_full(&p);
            uint32_t i = add(&p, &t[k], 1000u + k);
            SK_CHECK_EQ(i == SK_REC_NONE, full);
            at[k] = i;
        }
        uint32_t live = 0;
        bool used[CAP] = {false};
        for (uint32_t j = 0; j < NT; j++) {
            uint32_t got = sk_recpool_find(&p, &t[j]);
            /* the hash passed in finds the same record (the port search) */
            uint32_t h = sk_tuple_hash(&g_ctx.key, &t[j], 0);
            SK_CHECK_EQ(sk_recpool_find_h(&p, &t[j], h), got);
            if (got != at[j]) {
                SK_CHECK_MSG(false, "step %d: tuple %u found at %u, model %u", step, j, got, at[j]);
                return;
            }
            if (got != SK_REC_NONE) {
                SK_CHECK_EQ(rec(&p, got)->val, 1000u + j);
                SK_CHECK(!used[got]);
                used[got] = true;
                live++;
            }
        }
        SK_CHECK_EQ(p.count, live);
        uint32_t n_free = 0;
        for (uint32_t i = p.free_head; i != SK_REC_NONE && n_free <= CAP; n_free++) {
            SK_CHECK(i < p.fresh && !used[i]);
            used[i] = true;
            uint32_t next;
            memcpy(&next, rec(&p, i)->key.laddr, sizeof next);
            i = next;
        }
        SK_CHECK_EQ(live + n_free, p.fresh);
    }
    sk_recpool_free(&p, &g_ctx);
}

/* The list read both ways equals want[0..n). */
static bool list_is(const sk_recpool *p, uint32_t head, uint32_t tail, const uint32_t *want,
                    uint32_t n)
{
    uint32_t k = 0;
    for (uint32_t i = head; i != SK_REC_NONE; i = sk_rec_link_at(p, LINK, i)->next, k++)
        if (k >= n || i != want[k])
            return false;
    if (k != n)
        return false;
    for (uint32_t i = tail; i != SK_REC_NONE; i = sk_rec_link_at(p, LINK, i)->prev)
        if (k == 0 || i != want[--k])
            return false;
    return k == 0;
}

/* Insert at the tail, the head and in the middle; unlink the head, the
 * tail, the middle and the last one; an unlinked record's links are
 * SK_REC_NONE. */
static void test_lists(void)
{
    sk_recpool p;
    SK_CHECK_EQ(sk_recpool_init(&p, &g_ctx, sizeof(test_rec), CAP), 0);
    for (uint32_t i = 0; i < 5; i++) {
        sk_tuple tu = tuple6((uint16_t)(7000 + i));
        SK_CHECK_EQ(add(&p, &tu, i), i);
    }
    uint32_t head = SK_REC_NONE, tail = SK_REC_NONE;
    SK_CHECK(list_is(&p, head, tail, NULL, 0));
    sk_rec_list_insert(&p, LINK, &head, &tail, tail, 0);
    SK_CHECK(list_is(&p, head, tail, (const uint32_t[]){0}, 1));
    sk_rec_list_insert(&p, LINK, &head, &tail, tail, 1);
    sk_rec_list_insert(&p, LINK, &head, &tail, SK_REC_NONE, 2); /* at the head */
    SK_CHECK(list_is(&p, head, tail, (const uint32_t[]){2, 0, 1}, 3));
    sk_rec_list_insert(&p, LINK, &head, &tail, 0, 3); /* after 0 */
    sk_rec_list_insert(&p, LINK, &head, &tail, 1, 4); /* after the tail */
    SK_CHECK(list_is(&p, head, tail, (const uint32_t[]){2, 0, 3, 1, 4}, 5));
    sk_rec_list_unlink(&p, LINK, &head, &tail, 2); /* the head */
    SK_CHECK(list_is(&p, head, tail, (const uint32_t[]){0, 3, 1, 4}, 4));
    SK_CHECK(sk_rec_link_at(&p, LINK, 2)->next == SK_REC_NONE &&
             sk_rec_link_at(&p, LINK, 2)->prev == SK_REC_NONE);
    sk_rec_list_unlink(&p, LINK, &head, &tail, 4); /* the tail */
    SK_CHECK(list_is(&p, head, tail, (const uint32_t[]){0, 3, 1}, 3));
    sk_rec_list_unlink(&p, LINK, &head, &tail, 3); /* the middle */
    SK_CHECK(list_is(&p, head, tail, (const uint32_t[]){0, 1}, 2));
    sk_rec_list_unlink(&p, LINK, &head, &tail, 0);
    sk_rec_list_unlink(&p, LINK, &head, &tail, 1);
    SK_CHECK(head == SK_REC_NONE && tail == SK_REC_NONE);
    SK_CHECK_EQ(rec(&p, 3)->val, 3u); /* the links are the only bytes written */
    sk_recpool_free(&p, &g_ctx);
}

/* The size: what is configured, else 4 per socket slot up to the default;
 * never above SK_REC_MAX. */
static void test_cap(void)
{
    SK_CHECK_EQ(sk_recpool_cap(5, 1000, 65536), 5u);
    SK_CHECK_EQ(sk_recpool_cap(100000, 10, 65536), 100000u); /* above the default: asked for */
    SK_CHECK_EQ(sk_recpool_cap(0, 1000, 65536), 4000u);
    SK_CHECK_EQ(sk_recpool_cap(0, 1000000, 65536), 65536u);
    SK_CHECK_EQ(sk_recpool_cap(0, UINT32_MAX, UINT32_MAX), SK_REC_MAX); /* no wrap in 32 bits */
    SK_CHECK_EQ(sk_recpool_cap(1u << 30, 0, 0), SK_REC_MAX);
    SK_CHECK_EQ(sk_recpool_cap(0, 0, 65536), 0u);
}

int main(void)
{
    ctx_init();
    SK_RUN(test_add_find_remove);
    SK_RUN(test_wrap_around);
    SK_RUN(test_full_and_order);
    SK_RUN(test_no_memory);
    SK_RUN(test_random_against_model);
    SK_RUN(test_lists);
    SK_RUN(test_cap);
    return sk_test_finish();
}
