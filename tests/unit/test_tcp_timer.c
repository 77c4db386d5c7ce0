/* The timer heap (tcp_timer.c) with lazy re-arming, white-box: a deadline
 * moved later leaves its entry's key alone unless it is the top one; the
 * top is always exact, so the stack's next deadline and the firing order
 * (deadline, then TCB index) are an exact heap's. */
#include "sk_test.h"
#include "tcp_script.h"

#include "api/stack_impl.h"
#include "tcp/tcp_conn.h"

static sk_time key_of(const sk_tcp_env *e, const sk_tcb *t)
{
    return t->heap_pos == SK_TCB_NONE ? SK_TIME_NEVER : e->heap_key[t->heap_pos];
}

static void keep(sk_tcp_env *e, sk_tcb *t, sk_time when)
{
    sk_tcb_timer_set(e, t, SK_TIMER_KEEPALIVE, when);
}

static void test_later_deadline_is_lazy(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    sk_tcp_env *e = &ts.s->env;
    SK_CHECK_EQ(e->heap_len, 0);
    sk_tcb *a = sk_tcb_alloc(e, 0), *b = sk_tcb_alloc(e, 0), *c = sk_tcb_alloc(e, 0);
    SK_CHECK(a != NULL && b != NULL && c != NULL);
    keep(e, a, 100);
    keep(e, b, 200);
    keep(e, c, 300);
    SK_CHECK_EQ(sk_tcp_next_deadline(e), 100);
    /* b is not the top: moving it later does not touch the heap */
    keep(e, b, 500);
    SK_CHECK_EQ(key_of(e, b), 200);
    SK_CHECK_EQ(sk_tcb_deadline(b), 500);
    SK_CHECK_EQ(sk_tcp_next_deadline(e), 100);
    /* earlier moves at once */
    keep(e, b, 150);
    SK_CHECK_EQ(key_of(e, b), 150);
    keep(e, b, 500);
    SK_CHECK_EQ(key_of(e, b), 150);
    /* the top moved later: stale entries reaching the top take their true
     * deadlines (b: 500) until the top is exact (c: 300) */
    keep(e, a, 400);
    SK_CHECK_EQ(sk_tcp_next_deadline(e), 300);
    SK_CHECK_EQ(e->heap[0], sk_tcb_index(e, c));
    SK_CHECK_EQ(key_of(e, b), 500);
    /* off, not the top: the entry stays until it comes up, then leaves */
    keep(e, a, SK_TIME_NEVER);
    SK_CHECK(a->heap_pos != SK_TCB_NONE);
    SK_CHECK_EQ(e->heap_len, 3);
    keep(e, c, SK_TIME_NEVER); /* the top: a's stale entry leaves with it */
    SK_CHECK_EQ(e->heap_len, 1);
    SK_CHECK_EQ(a->heap_pos, SK_TCB_NONE);
    SK_CHECK_EQ(sk_tcp_next_deadline(e), 500);
    /* firing at 500 runs b's keepalive (not enabled: nothing sent) */
    sk_tcp_run_timers(e, 499);
    SK_CHECK_EQ(e->heap_len, 1);
    sk_tcp_run_timers(e, 500);
    SK_CHECK_EQ(e->heap_len, 0);
    SK_CHECK_EQ(sk_tcp_next_deadline(e), SK_TIME_NEVER);
    sk_tcb *all[] = {a, b, c};
    for (int i = 0; i < 3; i++)
        sk_tcb_release_if_unheld(e, all[i]);
    ts_free(&ts);
}

/* Equal deadlines: the lower TCB index is at the top, whether the other
 * entry got there by a stale key or not. */
static void test_ties_go_to_the_lower_index(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    sk_tcp_env *e = &ts.s->env;
    sk_tcb *lo = sk_tcb_alloc(e, 0), *hi = sk_tcb_alloc(e, 0);
    SK_CHECK(lo != NULL && hi != NULL && sk_tcb_index(e, lo) < sk_tcb_index(e, hi));
    keep(e, hi, 100);
    keep(e, lo, 50);
    keep(e, lo, 300); /* the top: settles to 300, below hi's 100 */
    SK_CHECK_EQ(e->heap[0], sk_tcb_index(e, hi));
    keep(e, hi, 300); /* the top again: equal keys, lo goes first */
    SK_CHECK_EQ(e->heap[0], sk_tcb_index(e, lo));
    SK_CHECK_EQ(sk_tcp_next_deadline(e), 300);
    sk_tcb_timer_clear_all(e, lo); /* the top leaves: hi is exact at the top */
    SK_CHECK_EQ(e->heap[0], sk_tcb_index(e, hi));
    SK_CHECK_EQ(key_of(e, hi), 300);
    sk_tcb_timer_clear_all(e, hi);
    SK_CHECK_EQ(e->heap_len, 0);
    sk_tcb_release_if_unheld(e, lo);
    sk_tcb_release_if_unheld(e, hi);
    ts_free(&ts);
}

int main(void)
{
    SK_RUN(test_later_deadline_is_lazy);
    SK_RUN(test_ties_go_to_the_lower_index);
    return sk_test_finish();
}
