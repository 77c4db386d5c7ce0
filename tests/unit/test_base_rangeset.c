/* base/rangeset: the bounded sorted range set shared by reassembly and the
 * SACK code (merge, overlap, touching ranges, remove-below, lookup, holes,
 * wrap-around at 2^32, a full set). */
#include "base/rangeset.h"
#include "sk_test.h"

static sk_seq S(uint32_t v)
{
    return sk_seq_make(v);
}

/* The set holds exactly the ranges given as pairs (start, end). */
static bool set_is(const sk_rset *rs, uint32_t n, const uint32_t *pairs)
{
    if (sk_rset_count(rs) != n)
        return false;
    for (uint32_t i = 0; i < n; i++) {
        const sk_range *r = sk_rset_at(rs, i);
        if (r->start.v != pairs[2 * i] || r->end.v != pairs[2 * i + 1])
            return false;
    }
    return true;
}

static void test_insert_sorts_and_merges(void)
{
    sk_rset rs;
    sk_range st[SK_RSET_CAP];
    sk_rset_init(&rs, st, SK_RSET_CAP);
    SK_CHECK(sk_rset_insert(&rs, S(300), S(400)));
    SK_CHECK(sk_rset_insert(&rs, S(100), S(200)));
    SK_CHECK(sk_rset_insert(&rs, S(500), S(600)));
    SK_CHECK(set_is(&rs, 3, (const uint32_t[]){100, 200, 300, 400, 500, 600}));
    /* touching on the right merges: [200,250) joins [100,200) */
    SK_CHECK(sk_rset_insert(&rs, S(200), S(250)));
    SK_CHECK(set_is(&rs, 3, (const uint32_t[]){100, 250, 300, 400, 500, 600}));
    /* touching on the left merges: [280,300) joins [300,400) */
    SK_CHECK(sk_rset_insert(&rs, S(280), S(300)));
    SK_CHECK(set_is(&rs, 3, (const uint32_t[]){100, 250, 280, 400, 500, 600}));
    /* one range bridging three */
    SK_CHECK(sk_rset_insert(&rs, S(150), S(550)));
    SK_CHECK(set_is(&rs, 1, (const uint32_t[]){100, 600}));
    /* a duplicate inside changes nothing; an empty range is a no-op */
    SK_CHECK(sk_rset_insert(&rs, S(120), S(130)));
    SK_CHECK(sk_rset_insert(&rs, S(700), S(700)));
    SK_CHECK(set_is(&rs, 1, (const uint32_t[]){100, 600}));
    /* overlapping both ends grows it */
    SK_CHECK(sk_rset_insert(&rs, S(50), S(650)));
    SK_CHECK(set_is(&rs, 1, (const uint32_t[]){50, 650}));
}

static void test_remove_below(void)
{
    sk_rset rs;
    sk_range st[SK_RSET_CAP];
    sk_rset_init(&rs, st, SK_RSET_CAP);
    sk_rset_insert(&rs, S(100), S(200));
    sk_rset_insert(&rs, S(300), S(400));
    sk_rset_insert(&rs, S(500), S(600));
    sk_rset_remove_below(&rs, S(50)); /* nothing below */
    SK_CHECK(set_is(&rs, 3, (const uint32_t[]){100, 200, 300, 400, 500, 600}));
    sk_rset_remove_below(&rs, S(200)); /* ends exactly there: gone */
    SK_CHECK(set_is(&rs, 2, (const uint32_t[]){300, 400, 500, 600}));
    sk_rset_remove_below(&rs, S(350)); /* straddles: trimmed */
    SK_CHECK(set_is(&rs, 2, (const uint32_t[]){350, 400, 500, 600}));
    sk_rset_remove_below(&rs, S(1000));
    SK_CHECK_EQ(sk_rset_count(&rs), 0u);
}

static void test_find_covers_holes(void)
{
    sk_rset rs;
    sk_range st[SK_RSET_CAP];
    sk_rset_init(&rs, st, SK_RSET_CAP);
    sk_rset_insert(&rs, S(100), S(200));
    sk_rset_insert(&rs, S(300), S(400));
    SK_CHECK(sk_rset_find(&rs, S(99)) == NULL);
    SK_CHECK(sk_rset_find(&rs, S(100)) == sk_rset_at(&rs, 0));
    SK_CHECK(sk_rset_find(&rs, S(199)) == sk_rset_at(&rs, 0));
    SK_CHECK(!sk_rset_contains(&rs, S(200))); /* end is exclusive */
    SK_CHECK(sk_rset_find(&rs, S(350)) == sk_rset_at(&rs, 1));
    SK_CHECK(!sk_rset_contains(&rs, S(400)));
    SK_CHECK(sk_rset_covers(&rs, S(100), S(200)));
    SK_CHECK(sk_rset_covers(&rs, S(150), S(160)));
    SK_CHECK(!sk_rset_covers(&rs, S(150), S(201)));
    SK_CHECK(!sk_rset_covers(&rs, S(150), S(350))); /* spans a hole */
    SK_CHECK(!sk_rset_covers(&rs, S(90), S(110)));
    sk_range h;
    SK_CHECK(sk_rset_first_hole(&rs, S(50), &h));
    SK_CHECK(h.start.v == 50 && h.end.v == 100);
    SK_CHECK(sk_rset_first_hole(&rs, S(150), &h)); /* inside a range: the hole after it */
    SK_CHECK(h.start.v == 200 && h.end.v == 300);
    SK_CHECK(sk_rset_first_hole(&rs, S(200), &h));
    SK_CHECK(h.start.v == 200 && h.end.v == 300);
    SK_CHECK(!sk_rset_first_hole(&rs, S(350), &h)); /* nothing held past it */
    SK_CHECK(!sk_rset_first_hole(&rs, S(400), &h));
}

/* Sequence numbers wrap at 2^32: order and merging follow seq.h. */
static void test_wraparound(void)
{
    sk_rset rs;
    sk_range st[SK_RSET_CAP];
    sk_rset_init(&rs, st, SK_RSET_CAP);
    SK_CHECK(sk_rset_insert(&rs, S(0x10), S(0x20)));
    SK_CHECK(sk_rset_insert(&rs, S(0xfffffff0u), S(0xfffffff8u)));
    /* the range before the wrap sorts first */
    SK_CHECK(set_is(&rs, 2, (const uint32_t[]){0xfffffff0u, 0xfffffff8u, 0x10, 0x20}));
    /* a range across 2^32 joins both */
    SK_CHECK(sk_rset_insert(&rs, S(0xfffffff8u), S(0x10)));
    SK_CHECK(set_is(&rs, 1, (const uint32_t[]){0xfffffff0u, 0x20}));
    SK_CHECK(sk_rset_contains(&rs, S(0)));
    SK_CHECK(sk_rset_contains(&rs, S(0xffffffffu)));
    SK_CHECK(sk_rset_covers(&rs, S(0xfffffffeu), S(2)));
    sk_rset_remove_below(&rs, S(4));
    SK_CHECK(set_is(&rs, 1, (const uint32_t[]){4, 0x20}));
    sk_range h;
    SK_CHECK(sk_rset_insert(&rs, S(0x40), S(0x50)));
    SK_CHECK(sk_rset_first_hole(&rs, S(0xfffffff0u), &h));
    SK_CHECK(h.start.v == 0xfffffff0u && h.end.v == 4);
}

/* A full set refuses a new range and is unchanged; merging still works. */
static void test_capacity_full(void)
{
    sk_rset rs;
    sk_range st[SK_RSET_CAP];
    sk_rset_init(&rs, st, SK_RSET_CAP);
    SK_CHECK_EQ(sk_rset_capacity(&rs), (uint32_t)SK_RSET_CAP);
    for (uint32_t i = 0; i < SK_RSET_CAP; i++)
        SK_CHECK(sk_rset_insert(&rs, S(i * 10), S(i * 10 + 5)));
    SK_CHECK(sk_rset_full(&rs));
    SK_CHECK(!sk_rset_insert(&rs, S(1000), S(1005))); /* past the end */
    SK_CHECK(!sk_rset_insert(&rs, S(6), S(8)));       /* between two */
    SK_CHECK_EQ(sk_rset_count(&rs), (uint32_t)SK_RSET_CAP);
    SK_CHECK(!sk_rset_contains(&rs, S(1000)) && !sk_rset_contains(&rs, S(6)));
    /* growing a range needs no slot; bridging two frees one */
    SK_CHECK(sk_rset_insert(&rs, S(5), S(7)));
    SK_CHECK(sk_rset_insert(&rs, S(7), S(10)));
    SK_CHECK_EQ(sk_rset_count(&rs), (uint32_t)SK_RSET_CAP - 1u);
    SK_CHECK(!sk_rset_full(&rs));
    SK_CHECK(sk_rset_insert(&rs, S(1000), S(1005)));
    SK_CHECK(sk_rset_at(&rs, SK_RSET_CAP - 1u)->start.v == 1000);
}

int main(void)
{
    SK_RUN(test_insert_sorts_and_merges);
    SK_RUN(test_remove_below);
    SK_RUN(test_find_covers_holes);
    SK_RUN(test_wraparound);
    SK_RUN(test_capacity_full);
    return sk_test_finish();
}
