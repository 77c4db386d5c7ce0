/* base/ilist: doubly linked lists of records named by index. Records are
 * an array with two links each (two lists at once) and, for a third list,
 * a link behind each record's pointer, the way a TCB's extension holds
 * its accept-queue link. Checked: the empty list, insert at the head, at
 * the tail and after a record in the middle, unlink of the first, a middle,
 * the last and the only record, links after unlink, walks both ways after
 * every step, two lists through the same records without touching each
 * other, and a seeded random run against an array model. */
#include "base/ilist.h"
#include "base/rng.h"
#include "sk_test.h"

#include <stdbool.h>

#include <stddef.h>
#include <string.h>

#define N 8u
#define NONE SK_ILIST_NONE

typedef struct {
    sk_ilink side; /* the record's link kept elsewhere */
} side_rec;

typedef struct {
    uint32_t val;
    sk_ilink a;
    sk_ilink b;
    side_rec *x;
} rec;

typedef struct {
    rec r[N];
    side_rec side[N];
} owner;

static sk_ilink *in_array(const void *o, size_t off, uint32_t i)
{
    const owner *w = o;
    return (sk_ilink *)(void *)((char *)(uintptr_t)&w->r[i] + off);
}

static sk_ilink *behind_pointer(const void *o, size_t off, uint32_t i)
{
    const owner *w = o;
    return (sk_ilink *)(void *)((char *)w->r[i].x + off);
}

static void owner_init(owner *w)
{
    memset(w, 0xa5, sizeof *w); /* links hold junk until inserted */
    for (uint32_t i = 0; i < N; i++) {
        w->r[i].val = i;
        w->r[i].x = &w->side[i];
    }
}

static sk_ilinks la(owner *w)
{
    return (sk_ilinks){in_array, w, offsetof(rec, a)};
}
static sk_ilinks lb(owner *w)
{
    return (sk_ilinks){in_array, w, offsetof(rec, b)};
}
static sk_ilinks lx(owner *w)
{
    return (sk_ilinks){behind_pointer, w, offsetof(side_rec, side)};
}

/* The list is exactly want[0..n) forwards (by next from head) and
 * backwards (by prev from tail), its ends name no neighbour. */
static void check_list(sk_ilinks L, uint32_t head, uint32_t tail, const uint32_t *want, uint32_t n)
{
    uint32_t k = 0;
    for (uint32_t i = head; i != NONE; i = sk_il_next(L, i), k++) {
        SK_CHECK(k < n);
        if (k >= n)
            return;
        SK_CHECK_EQ(i, want[k]);
    }
    SK_CHECK_EQ(k, n);
    for (uint32_t i = tail; i != NONE; i = sk_il_link(L, i)->prev) {
        SK_CHECK(k > 0);
        if (k == 0)
            return;
        SK_CHECK_EQ(i, want[--k]);
    }
    SK_CHECK_EQ(k, 0u);
    if (n == 0) {
        SK_CHECK(head == NONE && tail == NONE);
    } else {
        SK_CHECK_EQ(head, want[0]);
        SK_CHECK_EQ(tail, want[n - 1]);
        SK_CHECK_EQ(sk_il_link(L, head)->prev, NONE);
        SK_CHECK_EQ(sk_il_link(L, tail)->next, NONE);
    }
}

static void check_off(sk_ilinks L, uint32_t i)
{
    SK_CHECK_EQ(sk_il_link(L, i)->next, NONE);
    SK_CHECK_EQ(sk_il_link(L, i)->prev, NONE);
}

static void test_empty(void)
{
    owner w;
    owner_init(&w);
    uint32_t head = NONE, tail = NONE;
    check_list(la(&w), head, tail, NULL, 0);
}

/* The only record: in as head and tail, out leaves the list empty. */
static void test_only(void)
{
    owner w;
    owner_init(&w);
    uint32_t head = NONE, tail = NONE;
    sk_il_insert(la(&w), &head, &tail, tail, 5);
    check_list(la(&w), head, tail, (const uint32_t[]){5}, 1);
    sk_il_unlink(la(&w), &head, &tail, 5);
    check_list(la(&w), head, tail, NULL, 0);
    check_off(la(&w), 5);
    /* and in again, at the head this time */
    sk_il_insert(la(&w), &head, &tail, NONE, 5);
    check_list(la(&w), head, tail, (const uint32_t[]){5}, 1);
}

static void test_insert_places(void)
{
    owner w;
    owner_init(&w);
    uint32_t head = NONE, tail = NONE;
    sk_il_insert(la(&w), &head, &tail, tail, 0);                 /* tail of empty */
    sk_il_insert(la(&w), &head, &tail, tail, 1);                 /* tail */
    check_list(la(&w), head, tail, (const uint32_t[]){0, 1}, 2);
    sk_il_insert(la(&w), &head, &tail, NONE, 2);                 /* head */
    check_list(la(&w), head, tail, (const uint32_t[]){2, 0, 1}, 3);
    sk_il_insert(la(&w), &head, &tail, 0, 3);                    /* after a middle one */
    check_list(la(&w), head, tail, (const uint32_t[]){2, 0, 3, 1}, 4);
    sk_il_insert(la(&w), &head, &tail, 2, 4);                    /* after the head */
    check_list(la(&w), head, tail, (const uint32_t[]){2, 4, 0, 3, 1}, 5);
    sk_il_insert(la(&w), &head, &tail, 1, 6);                    /* after the tail */
    check_list(la(&w), head, tail, (const uint32_t[]){2, 4, 0, 3, 1, 6}, 6);
}

static void test_unlink_places(void)
{
    owner w;
    owner_init(&w);
    uint32_t head = NONE, tail = NONE;
    for (uint32_t i = 0; i < 5; i++)
        sk_il_insert(la(&w), &head, &tail, tail, i);
    sk_il_unlink(la(&w), &head, &tail, 0); /* first */
    check_list(la(&w), head, tail, (const uint32_t[]){1, 2, 3, 4}, 4);
    check_off(la(&w), 0);
    sk_il_unlink(la(&w), &head, &tail, 2); /* middle */
    check_list(la(&w), head, tail, (const uint32_t[]){1, 3, 4}, 3);
    check_off(la(&w), 2);
    sk_il_unlink(la(&w), &head, &tail, 4); /* last */
    check_list(la(&w), head, tail, (const uint32_t[]){1, 3}, 2);
    check_off(la(&w), 4);
    sk_il_unlink(la(&w), &head, &tail, 1);
    sk_il_unlink(la(&w), &head, &tail, 3); /* the only one left */
    check_list(la(&w), head, tail, NULL, 0);
    for (uint32_t i = 0; i < N; i++)
        SK_CHECK_EQ(w.r[i].val, i); /* only links were written */
}

/* Three lists through the same records: each keeps its own order, and a
 * list through a pointer writes only behind it. */
static void test_lists_apart(void)
{
    owner w;
    owner_init(&w);
    uint32_t ha = NONE, ta = NONE, hb = NONE, tb = NONE, hx = NONE, tx = NONE;
    for (uint32_t i = 0; i < 4; i++) {
        sk_il_insert(la(&w), &ha, &ta, ta, i);       /* 0 1 2 3 */
        sk_il_insert(lb(&w), &hb, &tb, NONE, i);     /* 3 2 1 0 */
        sk_il_insert(lx(&w), &hx, &tx, tx, 3 - i);   /* 3 2 1 0 */
    }
    sk_il_unlink(lb(&w), &hb, &tb, 2);
    sk_il_unlink(lx(&w), &hx, &tx, 3);
    check_list(la(&w), ha, ta, (const uint32_t[]){0, 1, 2, 3}, 4);
    check_list(lb(&w), hb, tb, (const uint32_t[]){3, 1, 0}, 3);
    check_list(lx(&w), hx, tx, (const uint32_t[]){2, 1, 0}, 3);
    for (uint32_t i = 0; i < N; i++)
        SK_CHECK(w.r[i].x == &w.side[i]);
}

/* Random inserts (after a random member or at the head) and unlinks,
 * against an array that holds the same order. */
static void test_random_against_model(void)
{
    owner w;
    owner_init(&w);
    sk_rng rng;
    sk_rng_seed(&rng, 7);
    uint32_t head = NONE, tail = NONE;
    uint32_t model[N], n = 0;
    bool on[N] = {false};
    for (int step = 0; step < 4000; step++) {
        uint32_t i = sk_rng_u32(&rng) % N;
        if (on[i]) {
            sk_il_unlink(la(&w), &head, &tail, i);
            uint32_t k = 0;
            while (model[k] != i)
                k++;
            memmove(&model[k], &model[k + 1], (n - k - 1) * sizeof model[0]);
            n--;
            on[i] = false;
            check_off(la(&w), i);
        } else {
            uint32_t pos = sk_rng_u32(&rng) % (n + 1); /* 0: the head, k: after model[k-1] */
            uint32_t after = pos == 0 ? NONE : model[pos - 1];
            sk_il_insert(la(&w), &head, &tail, after, i);
            memmove(&model[pos + 1], &model[pos], (n - pos) * sizeof model[0]);
            model[pos] = i;
            n++;
            on[i] = true;
        }
        check_list(la(&w), head, tail, model, n);
    }
}

int main(void)
{
    SK_RUN(test_empty);
    SK_RUN(test_only);
    SK_RUN(test_insert_places);
    SK_RUN(test_unlink_places);
    SK_RUN(test_lists_apart);
    SK_RUN(test_random_against_model);
    return sk_test_finish();
}
