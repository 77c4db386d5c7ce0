/* The timer heap (tcp_timer.c) with lazy re-arming, white-box: a deadline
 * moved later leaves its entry's key alone unless it is the top one; the
 * top is always exact, so the stack's next deadline and the firing order
 * (deadline, then TCB index) are an exact heap's: the last test runs it
 * against a model that knows nothing of heaps. */
#include "sk_test.h"
#include "tcp_script.h"

#include "api/stack_impl.h"
#include "tcp/tcp_conn.h"

static sk_time key_of(const sk_tcp_env *e, const sk_tcb *t)
{
    return t->heap_pos == SK_TCB_NONE ? SK_TIME_NEVER : e->heap_key[t->heap_pos];
}

/* A deadline on a bare TCB: the delayed-ACK timer (its firing only marks
 * the TCB for output, which nobody runs here), in an extension of its own. */
static void keep(sk_tcp_env *e, sk_tcb *t, sk_time when)
{
    SK_CHECK(sk_tcb_ext_attach(e, t));
    sk_tcb_timer_set(e, t, SK_TIMER_DELACK, when);
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
    SK_CHECK_EQ(sk_tcb_deadline(e, b), 500);
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

/* A deadline after now: microseconds to days, a few milliseconds on a
 * grid (ties), or off. */
static sk_time pick(uint64_t *s, sk_time now)
{
    static const sk_time span[] = {SK_MSEC(2), SK_SEC(2), SK_SEC(300), SK_SEC(20 * 3600),
                                   SK_SEC(10 * 86400)};
    uint64_t r = rnd(s) % 14;
    if (r >= 12)
        return SK_TIME_NEVER;
    if (r >= 10) /* on a coarse grid: equal deadlines, ties go by index */
        return now + SK_MSEC(1) * (1 + rnd(s) % 4);
    return now + 1 + rnd(s) % span[r / 2];
}

/* Every step compares the next deadline with the minimum over all TCBs and,
 * after a run, what fired (by the trace, in its order) with every deadline
 * due, sorted by (deadline, index) as one exact heap would fire them. */
static void test_heap_matches_a_model(void)
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
    uint32_t fired_total = 0, stale = 0, ties = 0;
    for (int step = 0; step < 20000; step++) {
        uint32_t i = (uint32_t)(rnd(&seed) % MODEL_N);
        if (rnd(&seed) % 16 == 0) {
            sk_tcb_timer_clear_all(m.e, m.t[i]);
            dl[i] = SK_TIME_NEVER;
        } else {
            dl[i] = pick(&seed, now);
            keep(m.e, m.t[i], dl[i]);
        }
        stale += m.t[i]->heap_pos != SK_TCB_NONE && key_of(m.e, m.t[i]) < dl[i];
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
        SK_CHECK_EQ(m.n_fired, n);
        for (uint32_t j = 1; j < n; j++)
            ties += dl[want[j]] == dl[want[j - 1]];
        for (uint32_t j = 0; j < n && j < m.n_fired; j++) {
            SK_CHECK_EQ(m.fired[j], want[j]);
            dl[want[j]] = SK_TIME_NEVER;
        }
        for (uint32_t k = 0; k < MODEL_N; k++)
            SK_CHECK_EQ(sk_tcb_timer(m.e, m.t[k], SK_TIMER_DELACK), dl[k]);
        fired_total += n;
    }
    /* timers fired, and entries were left stale by lazy re-arming */
    SK_CHECK(fired_total > 1000);
    SK_CHECK(stale > 1000);
    SK_CHECK(ties > 100);
    for (uint32_t i = 0; i < MODEL_N; i++) {
        sk_tcb_timer_clear_all(m.e, m.t[i]);
        sk_tcb_release_if_unheld(m.e, m.t[i]);
    }
    SK_CHECK_EQ(m.e->heap_len, 0);
    ts_free(&ts);
}

int main(void)
{
    SK_RUN(test_later_deadline_is_lazy);
    SK_RUN(test_ties_go_to_the_lower_index);
    SK_RUN(test_heap_matches_a_model);
    return sk_test_finish();
}
