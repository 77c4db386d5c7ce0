/* Scripted keepalive (RFC 1122 §4.2.3.6, RFC 9293 §3.8.4): off by default;
 * when on, a probe <SEQ=SND.UNA-1> with no data after the idle time,
 * repeated every interval, and the connection dropped after keepcnt
 * unanswered probes. */
#include "sk_test.h"
#include "tcp_script.h"

static void test_keepalive_off_by_default(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ(sk_stack_poll_at(ts.s), SK_NEVER);
    TS_NOTHING(&ts, TS_SEC(3 * 3600));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    ts_free(&ts);
}

static void set_keepalive(ts_script *ts, uint64_t idle, uint64_t intvl, uint64_t cnt)
{
    SK_CHECK_EQ_I(sk_tcp_setopt(ts->s, ts->sock, SK_SO_KEEPIDLE_US, idle), 0);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts->s, ts->sock, SK_SO_KEEPINTVL_US, intvl), 0);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts->s, ts->sock, SK_SO_KEEPCNT, cnt), 0);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts->s, ts->sock, SK_SO_KEEPALIVE, 1), 0);
}

/* Probes after idle; answered probes keep the connection; unanswered ones
 * end it with SK_ETIMEDOUT after keepcnt. */
static void test_keepalive_probes_and_drop(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1))); /* last segment in: 1 ms */
    set_keepalive(&ts, TS_SEC(10), TS_SEC(1), 3);
    sk_time_us t = TS_MS(1) + TS_SEC(10);
    TS_NOTHING(&ts, t - 1);
    TS_EXPECT(&ts, t, .flags = TS_A, .seq = 1000, .ack = 5001, .len = 0);
    TS_NOTHING(&ts, t);
    /* answered: the idle time starts over from the answer */
    TS_INJECT(&ts, t + TS_MS(5), .flags = TS_A, .seq = 5001, .ack = 1001);
    TS_NOTHING(&ts, t + TS_MS(5));
    t += TS_MS(5) + TS_SEC(10);
    TS_NOTHING(&ts, t - 1);
    TS_EXPECT(&ts, t, .flags = TS_A, .seq = 1000, .ack = 5001, .len = 0);
    /* unanswered: every second, three in all, then the connection is dropped */
    TS_NOTHING(&ts, t + TS_SEC(1) - 1);
    TS_EXPECT(&ts, t + TS_SEC(1), .flags = TS_A, .seq = 1000, .ack = 5001);
    TS_EXPECT(&ts, t + TS_SEC(2), .flags = TS_A, .seq = 1000, .ack = 5001);
    TS_NOTHING(&ts, t + TS_SEC(3) - 1);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    TS_NOTHING(&ts, t + TS_SEC(3));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSED);
    SK_CHECK_EQ_I(ts_info(&ts).error, SK_ETIMEDOUT);
    SK_CHECK(sk_sock_events(ts.s, ts.sock) & SK_EV_ERROR);
    SK_CHECK_EQ(sk_stack_poll_at(ts.s), SK_NEVER);
    ts_free(&ts);
}

/* The keepalive deadline is derived (tcp_timer.c sk_tcb_keep_deadline):
 * the first probe is due one idle time after the last segment heard, the
 * next an interval after the last probe (timers run late, as on a busy
 * host, move the rest with it, as on Linux); the stack's next deadline is
 * exact after every change, later (a segment heard) or sooner (a probe
 * answered with an idle time shorter than the interval). Turned on for a
 * connection idle longer than that, the first probe goes at once and the
 * rest follow at the interval, not all at once. */
static void test_keepalive_schedule_from_last_heard(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    set_keepalive(&ts, TS_SEC(10), TS_SEC(30), 3);
    sk_time_us t = TS_MS(1) + TS_SEC(10);
    SK_CHECK_EQ(sk_stack_poll_at(ts.s), t);
    /* a segment heard moves it later, and the next deadline says so */
    TS_INJECT(&ts, TS_SEC(4), .flags = TS_A, .seq = 5001, .ack = 1001);
    t = TS_SEC(4) + TS_SEC(10);
    SK_CHECK_EQ(sk_stack_poll_at(ts.s), t);
    /* the timers run 5 s late: the first probe then, the second 30 s on */
    TS_EXPECT(&ts, t + TS_SEC(5), .flags = TS_A, .seq = 1000, .ack = 5001, .len = 0);
    t += TS_SEC(5);
    SK_CHECK_EQ(sk_stack_poll_at(ts.s), t + TS_SEC(30));
    TS_NOTHING(&ts, t + TS_SEC(30) - 1);
    TS_EXPECT(&ts, t + TS_SEC(30), .flags = TS_A, .seq = 1000, .ack = 5001, .len = 0);
    /* answered: 10 s idle from the answer, sooner than the third probe */
    TS_INJECT(&ts, t + TS_SEC(31), .flags = TS_A, .seq = 5001, .ack = 1001);
    SK_CHECK_EQ(sk_stack_poll_at(ts.s), t + TS_SEC(41));
    TS_NOTHING(&ts, t + TS_SEC(41) - 1);
    TS_EXPECT(&ts, t + TS_SEC(41), .flags = TS_A, .seq = 1000, .ack = 5001, .len = 0);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    /* answered; turned off: nothing is due for an hour of silence */
    TS_INJECT(&ts, t + TS_SEC(42), .flags = TS_A, .seq = 5001, .ack = 1001);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_KEEPALIVE, 0), 0);
    TS_NOTHING(&ts, t + TS_SEC(3642));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    /* on again an hour into the silence (cnt 3): one probe at once, then
     * every 30 s, the verdict after the third */
    t += TS_SEC(3642);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_KEEPALIVE, 1), 0);
    TS_EXPECT(&ts, t, .flags = TS_A, .seq = 1000, .ack = 5001, .len = 0);
    TS_NOTHING(&ts, t + TS_SEC(30) - 1);
    TS_EXPECT(&ts, t + TS_SEC(30), .flags = TS_A, .seq = 1000, .ack = 5001, .len = 0);
    TS_EXPECT(&ts, t + TS_SEC(60), .flags = TS_A, .seq = 1000, .ack = 5001, .len = 0);
    TS_NOTHING(&ts, t + TS_SEC(90) - 1);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    TS_NOTHING(&ts, t + TS_SEC(90));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSED);
    SK_CHECK_EQ_I(ts_info(&ts).error, SK_ETIMEDOUT);
    ts_free(&ts);
}

/* Keepalive and its timings set on a listener carry over to the
 * connections it accepts (as SO_KEEPALIVE and TCP_KEEPIDLE do on Linux):
 * the first probe comes one idle time after the handshake's last segment. */
static void test_keepalive_inherited_from_listener(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_listen(&ts, 0));
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.listener, SK_SO_KEEPIDLE_US, TS_SEC(10)), 0);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.listener, SK_SO_KEEPINTVL_US, TS_SEC(1)), 0);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.listener, SK_SO_KEEPCNT, 2), 0);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.listener, SK_SO_KEEPALIVE, 1), 0);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    sk_time_us t = TS_MS(1) + TS_SEC(10);
    TS_NOTHING(&ts, t - 1);
    TS_EXPECT(&ts, t, .flags = TS_A, .seq = ts.us_isn, .ack = ts.peer_isn + 1, .len = 0);
    TS_EXPECT(&ts, t + TS_SEC(1), .flags = TS_A, .seq = ts.us_isn, .ack = ts.peer_isn + 1);
    TS_NOTHING(&ts, t + TS_SEC(2));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSED);
    SK_CHECK_EQ_I(ts_info(&ts).error, SK_ETIMEDOUT);
    ts_free(&ts);
}

/* Traffic from the peer postpones the first probe. */
static void test_keepalive_postponed_by_traffic(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_passive(&ts, 0, TS_MS(1)));
    set_keepalive(&ts, TS_SEC(10), TS_SEC(1), 3);
    TS_INJECT(&ts, TS_SEC(5), .flags = TS_PA, .seq = 5001, .ack = 1001, .len = 10);
    TS_EXPECT(&ts, TS_SEC(5) + TS_MS(40), .flags = TS_A, .seq = 1001, .ack = 5011);
    TS_NOTHING(&ts, TS_SEC(15) - 1);
    TS_EXPECT(&ts, TS_SEC(15), .flags = TS_A, .seq = 1000, .ack = 5011);
    TS_NOTHING(&ts, TS_SEC(15));
    ts_free(&ts);
}

/* Options set after keepalive was turned on take effect. */
static void test_keepalive_idle_changed_after_enable(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_KEEPALIVE, 1), 0);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_KEEPIDLE_US, TS_SEC(10)), 0);
    TS_NOTHING(&ts, TS_MS(1) + TS_SEC(10) - 1);
    TS_EXPECT(&ts, TS_MS(1) + TS_SEC(10), .flags = TS_A, .seq = 1000, .ack = 5001);
    TS_NOTHING(&ts, TS_MS(1) + TS_SEC(10));
    /* turned off: no more probes */
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_KEEPALIVE, 0), 0);
    TS_NOTHING(&ts, TS_SEC(24 * 3600));
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    ts_free(&ts);
}

/* Out-of-range values are refused. */
static void test_keepalive_option_ranges(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_KEEPIDLE_US, 0), SK_ERANGE);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_KEEPINTVL_US, 0), SK_ERANGE);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_KEEPCNT, 0), SK_ERANGE);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_KEEPCNT, 256), SK_ERANGE);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, (enum sk_sockopt)99, 1), SK_EINVAL);
    ts_free(&ts);
}

/* RFC 1122 §4.2.3.6: the idle time "MUST default to no less than two
 * hours"; turned on without options: the first probe exactly 7200 s after
 * the last segment received, then every 75 s, and after 9 unanswered
 * probes the connection ends with SK_ETIMEDOUT (Linux's defaults). */
static void test_keepalive_defaults(void)
{
    ts_script ts;
    ts_init(&ts, NULL);
    SK_CHECK(ts_open_active(&ts, 0, TS_MS(1)));
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, ts.sock, SK_SO_KEEPALIVE, 1), 0);
    sk_time_us t = TS_MS(1) + TS_SEC(7200);
    TS_NOTHING(&ts, t - 1);
    for (int i = 0; i < 9; i++) {
        TS_EXPECT(&ts, t, .flags = TS_A, .seq = 1000, .ack = 5001);
        TS_NOTHING(&ts, t + TS_SEC(75) - 1);
        t += TS_SEC(75);
    }
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_ESTABLISHED);
    TS_NOTHING(&ts, t);
    SK_CHECK_EQ(ts_state(&ts), SK_TCP_CLOSED);
    SK_CHECK_EQ_I(ts_info(&ts).error, SK_ETIMEDOUT);
    ts_free(&ts);
}

/* The keepalive settings are kept in a table of SK_KEEP_PROFILES (64)
 * combinations per stack, shared by the connections that use the same
 * (the TCB holds an index: tcp_keepprof.c). The defaults are entry 0;
 * 63 more combinations may be in use at once, the 64th is refused with
 * SK_ENOBUFS (the socket keeps its settings), a combination in use is
 * shared, and an entry no socket uses any more is taken again. */
static void test_keepalive_settings_table(void)
{
    ts_script ts;
    sk_stack_config cfg;
    ts_config(&cfg);
    cfg.max_sockets = 80;
    ts_init(&ts, &cfg);
    sk_sock l[66];
    for (int i = 0; i < 66; i++)
        SK_CHECK_EQ_I(sk_tcp_listen(ts.s, (uint16_t)(2000 + i), NULL, &l[i]), 0);
    for (int i = 0; i < 63; i++) /* 1 s .. 63 s: entries 1..63 */
        SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, l[i], SK_SO_KEEPIDLE_US, TS_SEC(1 + (uint64_t)i)), 0);
    /* full: a new combination is refused, a shared one or the defaults not */
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, l[63], SK_SO_KEEPIDLE_US, TS_SEC(100)), SK_ENOBUFS);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, l[63], SK_SO_KEEPCNT, 3), SK_ENOBUFS);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, l[63], SK_SO_KEEPIDLE_US, TS_SEC(5)), 0);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, l[64], SK_SO_KEEPIDLE_US, TS_SEC(7200)), 0);
    /* l[0] alone uses 1 s: it may change its own entry while full */
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, l[0], SK_SO_KEEPINTVL_US, TS_SEC(2)), 0);
    /* l[4] and l[63] share 5 s: neither frees it by leaving */
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, l[4], SK_SO_KEEPIDLE_US, TS_SEC(7200)), 0);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, l[65], SK_SO_KEEPIDLE_US, TS_SEC(100)), SK_ENOBUFS);
    /* a closed listener gives its entry back */
    SK_CHECK_EQ_I(sk_tcp_close(ts.s, TS_MS(1), l[10]), 0);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, l[65], SK_SO_KEEPIDLE_US, TS_SEC(100)), 0);
    SK_CHECK_EQ_I(sk_tcp_setopt(ts.s, l[64], SK_SO_KEEPIDLE_US, TS_SEC(101)), SK_ENOBUFS);
    ts_free(&ts);
}

int main(void)
{
    SK_RUN(test_keepalive_off_by_default);
    SK_RUN(test_keepalive_probes_and_drop);
    SK_RUN(test_keepalive_postponed_by_traffic);
    SK_RUN(test_keepalive_idle_changed_after_enable);
    SK_RUN(test_keepalive_option_ranges);
    SK_RUN(test_keepalive_defaults);
    SK_RUN(test_keepalive_inherited_from_listener);
    SK_RUN(test_keepalive_schedule_from_last_heard);
    SK_RUN(test_keepalive_settings_table);
    return sk_test_finish();
}
