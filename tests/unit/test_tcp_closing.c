/* sk_tcp_closing_count: the connections an application closed that still
 * deliver (data or a FIN not yet acknowledged), what a process embedding
 * the stack waits for before it exits. Two stacks in one process, frames
 * passed by hand: a close with 200 KiB queued counts until the peer has
 * acknowledged everything and the FIN, a shutdown the application still
 * holds does not count, nor does a listener, an aborted connection or one
 * closed without data in flight once its FIN is acknowledged. */
#include "sk_test.h"

#include "posix/posix_alloc.h"
#include "synack/error.h"
#include "synack/stack.h"

#include <stdbool.h>
#include <string.h>

static uint8_t frame[2048];
static uint8_t data[200 * 1024];
static uint8_t rbuf[65536];

static sk_stack *make(uint8_t last)
{
    sk_stack_config cfg;
    sk_stack_config_default(&cfg);
    cfg.addr = sk_ip4_make(192, 0, 2, last);
    cfg.prefix_len = 24;
    cfg.alloc = sk_posix_allocator();
    cfg.seed = last;
    sk_stack *s = NULL;
    SK_CHECK_EQ_I(sk_stack_create(&cfg, &s), 0);
    return s;
}

/* Frames both ways at now; returns how many moved. `drop_to_b`: lose
 * every frame from a to b (the peer is gone). */
static unsigned exchange(sk_stack *a, sk_stack *b, sk_time_us now, bool drop_to_b)
{
    unsigned n = 0;
    size_t len;
    while ((len = sk_stack_output(a, now, frame, sizeof frame)) > 0) {
        if (!drop_to_b)
            sk_stack_input(b, now, frame, len);
        n++;
    }
    while ((len = sk_stack_output(b, now, frame, sizeof frame)) > 0) {
        sk_stack_input(a, now, frame, len);
        n++;
    }
    return n;
}

typedef struct {
    sk_stack *a, *b;
    sk_sock c, l, srv;
    sk_time_us now;
} pair;

static void connect_pair(pair *p)
{
    memset(p, 0, sizeof *p);
    p->a = make(1);
    p->b = make(2);
    SK_CHECK_EQ_I(sk_tcp_listen(p->b, 5001, NULL, &p->l), 0);
    sk_endpoint ep = {sk_ipaddr_from_ip4(sk_ip4_make(192, 0, 2, 2)), 5001};
    SK_CHECK_EQ_I(sk_tcp_connect(p->a, 0, &ep, NULL, &p->c), 0);
    for (int i = 0; i < 10 && p->srv.gen == 0; i++) {
        p->now += 100;
        (void)exchange(p->a, p->b, p->now, false);
        (void)sk_tcp_accept(p->b, p->l, &p->srv, NULL);
    }
    SK_CHECK(p->srv.gen != 0);
}

/* Run both stacks until nothing moves and no timer is near, reading on b. */
static void run(pair *p, sk_time_us until, bool drop_to_b)
{
    while (p->now < until) {
        unsigned moved = exchange(p->a, p->b, p->now, drop_to_b);
        while (sk_tcp_recv(p->b, p->now, p->srv, rbuf, sizeof rbuf) > 0)
            moved++;
        if (moved == 0) {
            sk_time_us ta = sk_stack_poll_at(p->a), tb = sk_stack_poll_at(p->b);
            sk_time_us t = ta < tb ? ta : tb;
            if (t == SK_NEVER || t >= until)
                break;
            p->now = t > p->now ? t : p->now + 1;
        } else {
            p->now += 10;
        }
    }
}

static void free_pair(pair *p)
{
    sk_stack_destroy(p->a);
    sk_stack_destroy(p->b);
}

static void test_close_with_data_counts_until_acked(void)
{
    pair p;
    connect_pair(&p);
    SK_CHECK_EQ(sk_tcp_closing_count(p.a), 0u);
    ptrdiff_t r = sk_tcp_send(p.a, p.now, p.c, data, sizeof data);
    SK_CHECK(r > 0);
    SK_CHECK_EQ_I(sk_tcp_close(p.a, p.now, p.c), 0);
    SK_CHECK_EQ(sk_tcp_closing_count(p.a), 1u); /* released, everything unacknowledged */
    run(&p, p.now + 50000, false);
    SK_CHECK_EQ(sk_tcp_closing_count(p.a), 0u); /* data and FIN acknowledged: FIN-WAIT-2 */
    free_pair(&p);
}

static void test_peer_gone_keeps_counting(void)
{
    pair p;
    connect_pair(&p);
    SK_CHECK(sk_tcp_send(p.a, p.now, p.c, data, 1000) > 0);
    SK_CHECK_EQ_I(sk_tcp_close(p.a, p.now, p.c), 0);
    run(&p, p.now + 2000000, true); /* two seconds of retransmissions, all lost */
    SK_CHECK_EQ(sk_tcp_closing_count(p.a), 1u);
    free_pair(&p);
}

static void test_held_listener_and_abort_do_not_count(void)
{
    pair p;
    connect_pair(&p);
    SK_CHECK(sk_tcp_send(p.a, p.now, p.c, data, 1000) > 0);
    SK_CHECK_EQ_I(sk_tcp_shutdown(p.a, p.now, p.c), 0);
    SK_CHECK_EQ(sk_tcp_closing_count(p.a), 0u); /* FIN queued, but the application holds it */
    SK_CHECK_EQ(sk_tcp_closing_count(p.b), 0u); /* a listener and an open connection */
    SK_CHECK_EQ_I(sk_tcp_abort(p.a, p.now, p.c), 0);
    SK_CHECK_EQ(sk_tcp_closing_count(p.a), 0u);
    /* the passive side closes after reading: LAST-ACK counts until acked */
    run(&p, p.now + 1000, false);
    sk_sock c2;
    sk_endpoint ep = {sk_ipaddr_from_ip4(sk_ip4_make(192, 0, 2, 2)), 5001};
    SK_CHECK_EQ_I(sk_tcp_connect(p.a, p.now, &ep, NULL, &c2), 0);
    sk_sock s2 = {0, 0};
    for (int i = 0; i < 10 && s2.gen == 0; i++) {
        p.now += 100;
        (void)exchange(p.a, p.b, p.now, false);
        (void)sk_tcp_accept(p.b, p.l, &s2, NULL);
    }
    SK_CHECK(s2.gen != 0);
    SK_CHECK_EQ_I(sk_tcp_shutdown(p.a, p.now, c2), 0);
    p.now += 100;
    (void)exchange(p.a, p.b, p.now, false); /* b: CLOSE-WAIT */
    (void)sk_tcp_recv(p.b, p.now, s2, rbuf, sizeof rbuf);
    SK_CHECK_EQ_I(sk_tcp_close(p.b, p.now, s2), 0);
    SK_CHECK_EQ(sk_tcp_closing_count(p.b), 1u); /* LAST-ACK, FIN unacknowledged */
    for (int i = 0; i < 2; i++) { /* b's FIN out, a's ACK back */
        p.now += 100;
        (void)exchange(p.a, p.b, p.now, false);
    }
    SK_CHECK_EQ(sk_tcp_closing_count(p.b), 0u);
    SK_CHECK_EQ(sk_tcp_closing_count(NULL), 0u);
    free_pair(&p);
}

int main(void)
{
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 13);
    SK_RUN(test_close_with_data_counts_until_acked);
    SK_RUN(test_peer_gone_keeps_counting);
    SK_RUN(test_held_listener_and_abort_do_not_count);
    return sk_test_finish();
}
