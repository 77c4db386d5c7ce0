/* base/slab: records named by index, the memory taken at the first record
 * wanted. Checked: nothing allocated until then (and never for a slab of
 * no room), fresh records in index order, the newest given back reused
 * first and zeroed but for its free link, a full slab, the allocator
 * refusing, and freeing (twice: harmless) with every byte given back. */
#include "base/slab.h"
#include "posix/posix_alloc.h"
#include "sk_test.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    uint32_t a, b, c;
} rec;

static sk_ctx g_ctx;
static int g_allocs, g_allocs_left;
static size_t g_live;

static void *counting_alloc(void *ctx, size_t n)
{
    (void)ctx;
    if (g_allocs_left-- <= 0)
        return NULL;
    g_allocs++;
    g_live += n;
    return malloc(n);
}

static void counting_release(void *ctx, void *p, size_t n)
{
    (void)ctx;
    g_live -= n;
    free(p);
}

static void ctx_init(void)
{
    sk_stack_config cfg;
    sk_stack_config_default(&cfg);
    cfg.alloc = sk_posix_allocator();
    cfg.alloc.allocate = counting_alloc;
    cfg.alloc.release = counting_release;
    sk_ctx_init(&g_ctx, &cfg);
}

static void test_order_and_reuse(void)
{
    g_allocs = 0;
    g_allocs_left = 100;
    sk_slab s;
    sk_slab_init(&s, sizeof(rec), 4);
    SK_CHECK(s.mem == NULL);
    SK_CHECK_EQ(g_allocs, 0);
    uint32_t i[4];
    for (uint32_t k = 0; k < 4; k++) {
        SK_CHECK(sk_slab_take(&s, &g_ctx, &i[k]));
        SK_CHECK_EQ(i[k], k); /* in index order */
        *(rec *)sk_slab_at(&s, i[k]) = (rec){k + 10, k + 20, k + 30};
    }
    SK_CHECK_EQ(g_allocs, 1); /* one allocation for all */
    SK_CHECK_EQ(s.used, 4);
    SK_CHECK_EQ(g_live, 4 * sizeof(rec));
    uint32_t x;
    SK_CHECK(!sk_slab_take(&s, &g_ctx, &x)); /* full */
    SK_CHECK_EQ(((rec *)sk_slab_at(&s, 2))->b, 22);
    sk_slab_give(&s, 1);
    sk_slab_give(&s, 3);
    /* the free list, newest first; the rest of a record given back is zero */
    SK_CHECK_EQ(s.free_head, 3);
    SK_CHECK_EQ(s.used, 2);
    SK_CHECK_EQ(sk_slab_next_free(&s, 3), 1);
    SK_CHECK_EQ(sk_slab_next_free(&s, 1), SK_SLAB_NONE);
    SK_CHECK_EQ(((rec *)sk_slab_at(&s, 3))->b, 0);
    SK_CHECK_EQ(((rec *)sk_slab_at(&s, 3))->c, 0);
    SK_CHECK(sk_slab_take(&s, &g_ctx, &x));
    SK_CHECK_EQ(x, 3);
    SK_CHECK_EQ(((rec *)sk_slab_at(&s, 3))->a, 0); /* the link is cleared too */
    SK_CHECK(sk_slab_take(&s, &g_ctx, &x));
    SK_CHECK_EQ(x, 1);
    SK_CHECK(!sk_slab_take(&s, &g_ctx, &x));
    SK_CHECK_EQ(((rec *)sk_slab_at(&s, 0))->c, 30); /* the others untouched */
    sk_slab_free(&s, &g_ctx);
    SK_CHECK(s.mem == NULL && s.fresh == 0 && s.free_head == SK_SLAB_NONE && s.used == 0);
    SK_CHECK_EQ(g_live, 0);
    sk_slab_free(&s, &g_ctx); /* again: harmless */
    /* used again after freeing: a new allocation, index order again */
    SK_CHECK(sk_slab_take(&s, &g_ctx, &x));
    SK_CHECK_EQ(x, 0);
    SK_CHECK_EQ(g_allocs, 2);
    sk_slab_free(&s, &g_ctx);
    SK_CHECK_EQ(g_live, 0);
}

static void test_no_room_no_memory(void)
{
    g_allocs = 0;
    g_allocs_left = 100;
    sk_slab s;
    uint32_t x = 77;
    sk_slab_init(&s, sizeof(rec), 0);
    SK_CHECK(!sk_slab_take(&s, &g_ctx, &x)); /* no room: not even an allocation */
    SK_CHECK_EQ(g_allocs, 0);
    SK_CHECK_EQ(x, 77);
    sk_slab_init(&s, sizeof(rec), 8);
    g_allocs_left = 0;
    SK_CHECK(!sk_slab_take(&s, &g_ctx, &x)); /* the allocator refused */
    SK_CHECK(s.mem == NULL && s.fresh == 0);
    g_allocs_left = 1;
    SK_CHECK(sk_slab_take(&s, &g_ctx, &x)); /* and a later try succeeds */
    SK_CHECK_EQ(x, 0);
    sk_slab_free(&s, &g_ctx);
    SK_CHECK_EQ(g_live, 0);
}

int main(void)
{
    ctx_init();
    SK_RUN(test_order_and_reuse);
    SK_RUN(test_no_room_no_memory);
    return sk_test_finish();
}
