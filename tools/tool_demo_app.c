/* The two applications of `synack demo` and the run loop.
 *
 * Textbook exchange (no --bytes): once connected the client sends 20 bytes;
 * the server reads them and answers 10 bytes at once (its delayed ACK then
 * rides on the answer); the client reads them, and when its ACK of them has
 * gone out it closes; the server reads end of stream and closes.
 *
 * Bulk (--bytes N): the client writes N pseudo-random bytes as fast as the
 * send buffer takes them, then closes; the server reads to end of stream and
 * closes. Both ends hash the byte stream (FNV-1a-64) to verify it.
 *
 * Applications use sk_tcp_shutdown to close: on the wire it is close (a
 * FIN), and keeping the handle lets the narrator read the connection's
 * numbers to the end. */
#include "tool_demo.h"

#include <string.h>

/* Byte `i` of the bulk stream: a fixed function of (seed, i). */
static uint8_t bulk_byte(uint64_t seed, uint64_t i)
{
    uint64_t z = seed + (i >> 3) * 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (uint8_t)(z >> ((i & 7) * 8));
}

static void app_send(demo *d, demo_side *s, const uint8_t *buf, size_t len)
{
    uint64_t now = sk_simnet_now(d->net);
    ptrdiff_t n = sk_tcp_send(s->stack, now, s->conn, buf, len);
    if (n <= 0) {
        if (n != SK_EAGAIN && s->error == 0)
            s->error = (int)n;
        return;
    }
    if (s->sent == 0)
        s->t_first_send = now;
    s->hash_sent = demo_fnv1a(s->hash_sent, buf, (size_t)n);
    s->sent += (uint64_t)n;
}

static void app_read(demo *d, demo_side *s)
{
    uint64_t now = sk_simnet_now(d->net);
    uint8_t buf[16384];
    while (!s->eof) {
        ptrdiff_t n = sk_tcp_recv(s->stack, now, s->conn, buf, sizeof buf);
        if (n == SK_EAGAIN)
            return;
        if (n < 0) {
            if (s->error == 0)
                s->error = (int)n;
            return;
        }
        if (n == 0) {
            s->eof = true;
            s->t_eof = now;
            return;
        }
        s->hash_rcvd = demo_fnv1a(s->hash_rcvd, buf, (size_t)n);
        s->rcvd += (uint64_t)n;
    }
}

static void app_shut(demo *d, demo_side *s)
{
    if (s->shut)
        return;
    s->shut = true;
    int err = sk_tcp_shutdown(s->stack, sk_simnet_now(d->net), s->conn);
    if (err != 0 && s->error == 0)
        s->error = err;
}

static void client_bulk(demo *d, demo_side *c)
{
    uint8_t buf[16384];
    while (c->sent < d->o.bytes) {
        uint64_t left = d->o.bytes - c->sent;
        size_t n = left < sizeof buf ? (size_t)left : sizeof buf;
        for (size_t i = 0; i < n; i++)
            buf[i] = bulk_byte(d->o.seed, c->sent + i);
        uint64_t before = c->sent;
        app_send(d, c, buf, n);
        if (c->sent == before)
            break; /* the send buffer is full: try again after the next step */
    }
    if (c->sent == d->o.bytes)
        app_shut(d, c);
}

static void client_act(demo *d, demo_side *c)
{
    if (!c->has_conn || c->error != 0)
        return;
    uint32_t ev = sk_sock_events(c->stack, c->conn);
    if (!(ev & SK_EV_CONNECTED) && c->sent == 0)
        return;
    if (d->o.bytes > 0) {
        client_bulk(d, c);
    } else if (c->sent == 0) {
        app_send(d, c, (const uint8_t *)DEMO_REQUEST, sizeof DEMO_REQUEST - 1);
    }
    app_read(d, c);
    if (d->o.bytes == 0 && !c->shut && c->rcvd >= sizeof DEMO_REPLY - 1) {
        /* close once our ACK of the reply has gone out (by the delayed-ACK
         * timer), so that the textbook shows that ACK on its own */
        sk_tcp_info info;
        if (sk_tcp_get_info(c->stack, c->conn, &info) == 0 && c->ack_sent &&
            c->max_ack_sent == info.rcv_nxt)
            app_shut(d, c);
    }
}

static void server_act(demo *d, demo_side *s)
{
    if (!s->has_conn && sk_tcp_accept(s->stack, s->listener, &s->conn, NULL) == 0)
        s->has_conn = true;
    if (!s->has_conn || s->error != 0)
        return;
    app_read(d, s);
    if (d->o.bytes == 0 && !s->reply_sent && s->rcvd >= sizeof DEMO_REQUEST - 1) {
        s->reply_sent = true;
        app_send(d, s, (const uint8_t *)DEMO_REPLY, sizeof DEMO_REPLY - 1);
    }
    if (s->eof)
        app_shut(d, s);
}

static bool idle(const demo *d)
{
    return sk_stack_poll_at(d->side[0].stack) == SK_NEVER &&
           sk_stack_poll_at(d->side[1].stack) == SK_NEVER;
}

static bool all_good(const demo *d, const char **why)
{
    const demo_side *c = &d->side[DEMO_CLIENT], *s = &d->side[DEMO_SERVER];
    static char buf[512];
    *why = NULL;
    for (int i = 0; i < 2; i++) {
        int err = d->side[i].error;
        if (err == SK_ETIMEDOUT)
            *why = demo_say(d, DEMO_F_TIMEOUT, 1, demo_side_name(d, i));
        else if (err != 0 && *why == NULL)
            *why = demo_say(d, DEMO_F_RESET, 0);
    }
    uint64_t want = d->o.bytes > 0 ? d->o.bytes : sizeof DEMO_REQUEST - 1;
    if (*why == NULL && s->rcvd != want)
        *why = demo_say(d, DEMO_F_INCOMPLETE, 2, demo_u(s->rcvd), demo_u(want));
    if (*why == NULL && d->o.bytes == 0 && c->rcvd != sizeof DEMO_REPLY - 1)
        *why = demo_say(d, DEMO_F_INCOMPLETE, 2, demo_u(c->rcvd), demo_u(sizeof DEMO_REPLY - 1));
    if (*why == NULL && (c->hash_sent != s->hash_rcvd || s->hash_sent != c->hash_rcvd))
        *why = demo_say(d, DEMO_F_MISMATCH, 0);
    if (*why == NULL && (!c->eof || !s->eof))
        *why = demo_say(d, DEMO_F_NOTCLOSED, 0);
    if (*why != NULL) {
        snprintf(buf, sizeof buf, "%s", *why);
        *why = buf;
    }
    return *why == NULL;
}

int demo_run(demo *d)
{
    bool capped = false;
    for (;;) {
        client_act(d, &d->side[DEMO_CLIENT]);
        server_act(d, &d->side[DEMO_SERVER]);
        if (d->o.progress)
            demo_narrate_progress(d, false);
        /* with no limit the clock stays at the last event when nothing is
         * scheduled any more */
        if (sk_simnet_step(d->net, UINT64_MAX)) {
            if (sk_simnet_now(d->net) <= DEMO_TIME_CAP_US)
                continue;
            capped = true;
            break;
        }
        if (sk_simnet_overruns(d->net) > 0) {
            capped = true;
            break;
        }
        client_act(d, &d->side[DEMO_CLIENT]);
        server_act(d, &d->side[DEMO_SERVER]);
        if (idle(d))
            break;
    }
    if (d->o.progress)
        demo_narrate_progress(d, true);
    const char *why = NULL;
    bool ok = all_good(d, &why);
    if (capped && ok) {
        ok = false;
        why = demo_say(d, DEMO_F_TIMECAP, 1, demo_u(DEMO_TIME_CAP_US / 1000000));
    }
    if (!ok)
        snprintf(d->why, sizeof d->why, "%s", why != NULL ? why : "?");
    demo_narrate_summary(d, ok, why);
    return ok ? 0 : 1;
}
