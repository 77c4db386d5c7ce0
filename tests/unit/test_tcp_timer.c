/* The timer heap (tcp_timer.c) with lazy re-arming, white-box: a deadline
 * moved later leaves its entry's key alone unless it is the top one; the
 * top is always exact, so the stack's next deadline and the firing order
 * (deadline, then TCB index) are an exact heap's. Far deadlines wait on the
 * two-level wheel and reach the heap before they are due: the last test
 * runs both against a model that knows nothing of either. */
#include "sk_test.h"
#include "tcp_script.h"

#include "api/stack_impl.h"
#include "tcp/tcp_conn.h"

static bool on_wheel(const sk_tcb *t)
{
    return t->heap_pos != SK_TCB_NONE && (t->heap_pos & SK_TCB_WHEEL) != 0;
}

static sk_time key_of(const sk_tcp_env *e, const sk_tcb *t)
{
    SK_CHECK(!on_wheel(t));
    return t->heap_pos == SK_TCB_NONE ? SK_TIME_NEVER : e->heap_key[t->heap_pos];
}

/* t's wheel slot as level << 8 | slot */
static uint32_t wheel_slot(const sk_tcb *t)
{
    SK_CHECK(on_wheel(t));
    return t->heap_pos & ~SK_TCB_WHEEL;
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


/* A deadline past the horizon waits on the wheel; the next deadline stays
 * exact. Later is lazy (the slot stays), before the slot's start moves it,
 * before the horizon puts it in the heap. Level 1 holds the blocks after
 * the current one, anything past 19 h waits in the last, and the horizon
 * walks there when the heap runs empty. */
static void test_far_deadline_waits_on_the_wheel(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    sk_tcp_env *e = &ts.s->env;
    sk_tcb *a = sk_tcb_alloc(e, 0), *b = sk_tcb_alloc(e, 0);
    SK_CHECK(a != NULL && b != NULL);
    /* the first deadline: the horizon (0) walks to just past it */
    keep(e, a, SK_SEC(10));
    SK_CHECK(!on_wheel(a));
    SK_CHECK_EQ(key_of(e, a), SK_SEC(10));
    SK_CHECK_EQ(e->wheel_base, (SK_SEC(10) >> SK_WHEEL_SHIFT) + 1);
    /* 100 s: bucket 95 of block 0, level 0 */
    keep(e, b, SK_SEC(100));
    SK_CHECK_EQ(wheel_slot(b), 95u);
    SK_CHECK_EQ(e->heap_len, 1);
    SK_CHECK_EQ(sk_tcp_next_deadline(e), SK_SEC(10));
    keep(e, b, SK_SEC(200)); /* later: lazy */
    SK_CHECK_EQ(wheel_slot(b), 95u);
    keep(e, b, SK_SEC(99)); /* before bucket 95's start (99.6 s): bucket 94 */
    SK_CHECK_EQ(wheel_slot(b), 94u);
    keep(e, b, SK_SEC(5)); /* before the horizon: the heap, at the top */
    SK_CHECK_EQ(key_of(e, b), SK_SEC(5));
    SK_CHECK_EQ(sk_tcp_next_deadline(e), SK_SEC(5));
    /* 1 h: block 13 (a block is 268.4 s) on level 1; the top moved past
     * the horizon, so its entry went to the wheel and a is the top */
    keep(e, b, SK_SEC(3600));
    SK_CHECK_EQ(sk_tcp_next_deadline(e), SK_SEC(10));
    SK_CHECK_EQ(wheel_slot(b), 1u << 8 | 13u);
    const sk_time three_days = SK_SEC(3 * 86400);
    keep(e, b, three_days); /* later: lazy */
    SK_CHECK_EQ(wheel_slot(b), 1u << 8 | 13u);
    keep(e, b, SK_SEC(3500)); /* earlier, but not before block 13's start (3,489.7 s) */
    SK_CHECK_EQ(wheel_slot(b), 1u << 8 | 13u);
    keep(e, b, SK_SEC(1000)); /* block 3 */
    SK_CHECK_EQ(wheel_slot(b), 1u << 8 | 3u);
    keep(e, b, SK_SEC(100)); /* back to level 0 */
    SK_CHECK_EQ(wheel_slot(b), 95u);
    keep(e, b, three_days);
    SK_CHECK_EQ(wheel_slot(b), 95u); /* later: lazy, even this much */
    /* a fires and leaves the heap empty: the horizon walks bucket by
     * bucket and block by block until b is in the heap, exact */
    sk_tcp_run_timers(e, SK_SEC(10));
    SK_CHECK_EQ(a->timer_keep, SK_TIME_NEVER);
    SK_CHECK(!on_wheel(b) && b->heap_pos != SK_TCB_NONE);
    SK_CHECK_EQ(sk_tcp_next_deadline(e), three_days);
    SK_CHECK_EQ(e->wheel_len[0] + e->wheel_len[1], 0);
    sk_tcp_run_timers(e, three_days - 1);
    SK_CHECK_EQ(b->timer_keep, three_days);
    sk_tcp_run_timers(e, three_days);
    SK_CHECK_EQ(b->timer_keep, SK_TIME_NEVER);
    SK_CHECK_EQ(e->heap_len, 0);
    SK_CHECK_EQ(sk_tcp_next_deadline(e), SK_TIME_NEVER);
    /* off on the wheel: gone at once; the saturated far end works too */
    keep(e, a, SK_SEC(4 * 86400));
    keep(e, b, SK_TIME_NEVER - 1);
    SK_CHECK(on_wheel(b));
    SK_CHECK_EQ(sk_tcp_next_deadline(e), SK_SEC(4 * 86400));
    keep(e, b, SK_TIME_NEVER);
    SK_CHECK_EQ(b->heap_pos, SK_TCB_NONE);
    SK_CHECK_EQ(e->wheel_len[0] + e->wheel_len[1], 0);
    sk_tcb_timer_clear_all(e, a);
    SK_CHECK_EQ(e->heap_len, 0);
    sk_tcb_release_if_unheld(e, a);
    sk_tcb_release_if_unheld(e, b);
    ts_free(&ts);
}

/* ---- against a model: random deadlines at every scale ---- */

enum { MODEL_N = 40 };

typedef struct {
    sk_tcp_env *e;
    sk_tcb *t[MODEL_N];
    uint32_t fired[MODEL_N * 4], n_fired;
} model_run;

static void on_trace(void *ctx, const sk_trace_event *ev)
{
    model_run *m = ctx;
    if (ev->kind != SK_TRACE_TIMER)
        return;
    for (uint32_t i = 0; i < MODEL_N; i++) {
        if (ev->sock.idx == sk_tcb_handle(m->e, m->t[i]).idx && m->n_fired < MODEL_N * 4)
            m->fired[m->n_fired++] = i;
    }
}

static uint64_t rnd(uint64_t *s)
{
    *s = *s * 6364136223846793005u + 1442695040888963407u;
    return *s >> 33;
}

/* A deadline after now: microseconds to days, or off. */
static sk_time pick(uint64_t *s, sk_time now)
{
    static const sk_time span[] = {SK_MSEC(2), SK_SEC(2), SK_SEC(300), SK_SEC(20 * 3600),
                                   SK_SEC(10 * 86400)};
    uint64_t r = rnd(s) % 12;
    if (r >= 10)
        return SK_TIME_NEVER;
    return now + 1 + rnd(s) % span[r / 2];
}

/* Every step compares the next deadline with the minimum over all TCBs and,
 * after a run, what fired (by the trace, in its order) with every deadline
 * due, sorted by (deadline, index) as one exact heap would fire them. */
static void test_wheel_matches_a_model(void)
{
    model_run m = {0};
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.max_sockets = MODEL_N;
    cfg.trace = on_trace;
    cfg.trace_ctx = &m;
    ts_script ts;
    ts_init(&ts, &cfg);
    m.e = &ts.s->env;
    sk_time dl[MODEL_N];
    for (uint32_t i = 0; i < MODEL_N; i++) {
        m.t[i] = sk_tcb_alloc(m.e, 0);
        SK_CHECK(m.t[i] != NULL);
        dl[i] = SK_TIME_NEVER;
    }
    uint64_t seed = 42;
    sk_time now = SK_SEC(1000);
    uint32_t fired_total = 0, far = 0;
    for (int step = 0; step < 20000; step++) {
        uint32_t i = (uint32_t)(rnd(&seed) % MODEL_N);
        if (rnd(&seed) % 16 == 0) {
            sk_tcb_timer_clear_all(m.e, m.t[i]);
            dl[i] = SK_TIME_NEVER;
        } else {
            dl[i] = pick(&seed, now);
            keep(m.e, m.t[i], dl[i]);
        }
        far += on_wheel(m.t[i]);
        sk_time min = SK_TIME_NEVER;
        for (uint32_t k = 0; k < MODEL_N; k++)
            min = dl[k] < min ? dl[k] : min;
        SK_CHECK_EQ(sk_tcp_next_deadline(m.e), min);
        if (rnd(&seed) % 4 != 0)
            continue;
        static const sk_time jump[] = {SK_MSEC(1), SK_SEC(1), SK_SEC(200), SK_SEC(86400)};
        uint64_t r = rnd(&seed) % 16;
        now += rnd(&seed) % jump[r < 8 ? 0 : r < 13 ? 1 : r < 15 ? 2 : 3];
        if (rnd(&seed) % 8 == 0 && min != SK_TIME_NEVER && min > now)
            now = min; /* exactly at a deadline */
        uint32_t want[MODEL_N], n = 0;
        for (uint32_t k = 0; k < MODEL_N; k++) {
            if (dl[k] > now)
                continue;
            uint32_t j = n++;
            while (j > 0 && (dl[want[j - 1]] > dl[k] ||
                             (dl[want[j - 1]] == dl[k] &&
                              sk_tcb_index(m.e, m.t[want[j - 1]]) > sk_tcb_index(m.e, m.t[k])))) {
                want[j] = want[j - 1];
                j--;
            }
            want[j] = k;
        }
        m.n_fired = 0;
        sk_tcp_run_timers(m.e, now);
        /* the horizon is past now: what comes due soon is armed in the heap */
        SK_CHECK(m.e->wheel_base > (now >> SK_WHEEL_SHIFT));
        SK_CHECK_EQ(m.n_fired, n);
        for (uint32_t j = 0; j < n && j < m.n_fired; j++) {
            SK_CHECK_EQ(m.fired[j], want[j]);
            dl[want[j]] = SK_TIME_NEVER;
        }
        for (uint32_t k = 0; k < MODEL_N; k++)
            SK_CHECK_EQ(m.t[k]->timer_keep, dl[k]);
        fired_total += n;
    }
    /* the run went through both structures */
    SK_CHECK(fired_total > 1000);
    SK_CHECK(far > 1000);
    for (uint32_t i = 0; i < MODEL_N; i++) {
        sk_tcb_timer_clear_all(m.e, m.t[i]);
        sk_tcb_release_if_unheld(m.e, m.t[i]);
    }
    SK_CHECK_EQ(m.e->heap_len, 0);
    SK_CHECK_EQ(m.e->wheel_len[0] + m.e->wheel_len[1], 0);
    ts_free(&ts);
}

int main(void)
{
    SK_RUN(test_later_deadline_is_lazy);
    SK_RUN(test_ties_go_to_the_lower_index);
    SK_RUN(test_far_deadline_waits_on_the_wheel);
    SK_RUN(test_wheel_matches_a_model);
    return sk_test_finish();
}
