/* sim_pair: two synack stacks in the simulator and the scenario driver
 * (see sim_pair.h). */
#include "sim_pair.h"

#include "base/rng.h"
#include "simnet.h"
#include "synack/error.h"
#include "wire/ipv4.h"
#include "wire/seg_text.h"
#include "wire/tcp_hdr.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------
 * Counting allocator: every block carries its size, so a release with the
 * wrong size is caught as well as a leak.
 * ---------------------------------------------------------------------- */
typedef struct {
    size_t live_bytes, live_blocks, peak_bytes;
    uint64_t bad_releases;
} sp_alloc;

#define SP_HDR 16u

static void *sp_allocate(void *ctx, size_t size)
{
    sp_alloc *a = ctx;
    uint8_t *p = malloc(size + SP_HDR);
    if (p == NULL)
        return NULL;
    memcpy(p, &size, sizeof size);
    a->live_bytes += size;
    a->live_blocks++;
    if (a->live_bytes > a->peak_bytes)
        a->peak_bytes = a->live_bytes;
    return p + SP_HDR;
}

static void sp_release(void *ctx, void *ptr, size_t size)
{
    sp_alloc *a = ctx;
    if (ptr == NULL) {
        a->bad_releases++;
        return;
    }
    uint8_t *p = (uint8_t *)ptr - SP_HDR;
    size_t had;
    memcpy(&had, p, sizeof had);
    if (had != size)
        a->bad_releases++;
    a->live_bytes -= had;
    a->live_blocks--;
    free(p);
}

/* ------------------------------------------------------------------------
 * Stream data
 * ---------------------------------------------------------------------- */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static uint64_t stream_key(uint64_t seed, uint32_t conn, int dir)
{
    return mix64(seed ^ ((uint64_t)conn << 32) ^ ((uint64_t)(unsigned)dir << 62) ^ 0x5157u);
}

static uint64_t stream_block(uint64_t key, uint64_t block)
{
    return mix64(key + block * 0x9e3779b97f4a7c15ull);
}

uint8_t sp_stream_byte(uint64_t seed, uint32_t conn, int dir, uint64_t i)
{
    return (uint8_t)(stream_block(stream_key(seed, conn, dir), i >> 3) >> ((i & 7u) * 8u));
}

static void stream_fill(uint64_t key, uint64_t off, uint8_t *buf, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint64_t pos = off + i;
        uint64_t x = stream_block(key, pos >> 3);
        for (unsigned b = (unsigned)(pos & 7u); b < 8 && i < n; b++, i++)
            buf[i] = (uint8_t)(x >> (b * 8u));
    }
}

/* ------------------------------------------------------------------------
 * The run's state
 * ---------------------------------------------------------------------- */
typedef struct sp_ctx sp_ctx;

typedef struct {
    int side;
    uint32_t conn;
    sk_sock sock;
    bool open;     /* the application holds the handle */
    bool shut, eof, done, aborted, stalled;
    int err;       /* error the application saw */
    uint32_t sent, recvd;
    uint64_t pause_until;
    uint64_t key_out, key_in;
    sk_rng rng;
    uint32_t states; /* bit per state the connection went through (trace) */
    bool got_rst;    /* a RST arrived for it (trace) */
} sp_end;

typedef struct {
    sp_ctx *ctx;
    int side;
    sk_stack *s;
    sp_alloc alloc;
    bool corrupt_next; /* the tap says the next delivered copy is corrupted */
    uint32_t n_slots;  /* trace bookkeeping per handle index */
    uint32_t *slot_gen;
    uint8_t *slot_state;
    sp_end **slot_end;
    sk_sock listener;
} sp_node;

struct sp_ctx {
    const sp_scenario *sc;
    sp_result *res;
    sk_simnet *net;
    int link;
    sp_node node[2];
    sp_end end[2][SP_MAX_CONNS];
    uint64_t start_at[SP_MAX_CONNS];
    uint16_t client_port[SP_MAX_CONNS];
    uint32_t n_started, n_accepted;
    uint64_t now;
    bool apps_done;
    bool failed;
    char why[512];
};

static const char *const side_name[2] = {"client", "server"};

static void fail(sp_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(sp_ctx *c, const char *fmt, ...)
{
    if (c->failed)
        return; /* keep the first reason */
    c->failed = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->why, sizeof c->why, fmt, ap);
    va_end(ap);
}

/* The side whose data flows in direction dir is dir itself: the client
 * sends stream 0, the server stream 1. */
static uint32_t to_send(const sp_ctx *c, const sp_end *e)
{
    return c->sc->bytes[e->side];
}

static uint32_t to_recv(const sp_ctx *c, const sp_end *e)
{
    return c->sc->bytes[1 - e->side];
}

/* ------------------------------------------------------------------------
 * Trace hook: states of every connection, persist timers, zero windows
 * ---------------------------------------------------------------------- */
static sp_end *slot_owner(const sp_node *n, sk_sock h)
{
    if (h.idx == 0 || h.idx >= n->n_slots)
        return NULL;
    sp_end *e = n->slot_end[h.idx];
    return e != NULL && e->sock.gen == h.gen ? e : NULL;
}

static void on_trace(void *ctx, const sk_trace_event *ev)
{
    sp_node *n = ctx;
    if (n->ctx->sc->probe != NULL && n->s != NULL)
        n->ctx->sc->probe(n->ctx->sc->probe_ctx, n->side, n->s, ev);
    sp_result *r = n->ctx->res;
    sp_end *e = slot_owner(n, ev->sock);
    switch (ev->kind) {
    case SK_TRACE_STATE:
        if (ev->sock.idx > 0 && ev->sock.idx < n->n_slots) {
            n->slot_gen[ev->sock.idx] = ev->sock.gen;
            n->slot_state[ev->sock.idx] = (uint8_t)ev->new_state;
        }
        if (e != NULL)
            e->states |= 1u << ev->new_state;
        break;
    case SK_TRACE_SEG_IN:
        if (e != NULL && ev->seg != NULL && (ev->seg->flags & SK_TCP_RST))
            e->got_rst = true;
        break;
    case SK_TRACE_TIMER:
        if (ev->timer == SK_TIMER_PERSIST)
            r->persist_fired[n->side]++;
        break;
    case SK_TRACE_SEG_OUT:
    case SK_TRACE_RETRANSMIT:
        if (ev->seg != NULL && ev->seg->window == 0 &&
            !(ev->seg->flags & (SK_TCP_SYN | SK_TCP_RST)))
            r->zero_wnd_acks++;
        break;
    default:
        break;
    }
}

/* ------------------------------------------------------------------------
 * The stacks as simulator nodes
 * ---------------------------------------------------------------------- */
static uint64_t integrity_drops(const sk_stats *st)
{
    uint64_t n = st->drop[SK_DROP_TCP_CHECKSUM];
    for (int r = SK_DROP_IP_TRUNCATED; r <= SK_DROP_IP_FRAG_BAD; r++)
        n += st->drop[r];
    /* a flipped version nibble makes an IPv4 packet an IPv6 one (and back) */
    for (int r = SK_DROP_IP6_TRUNCATED; r <= SK_DROP_IP6_NO_ROUTE; r++)
        n += st->drop[r];
    n += st->drop[SK_DROP_ICMP6_CHECKSUM] + st->drop[SK_DROP_ICMP_CHECKSUM];
    return n;
}

static void node_input(void *np, uint64_t now, const uint8_t *frame, size_t len)
{
    sp_node *n = np;
    sp_ctx *c = n->ctx;
    bool corrupt = n->corrupt_next;
    n->corrupt_next = false;
    if (c->sc->cut_at_us != 0 && now >= c->sc->cut_at_us)
        return; /* the link is dead */
    const sk_stats *st = sk_stack_stats(n->s);
    uint64_t drops = st->drops, segs = st->segs_in, bytes = st->bytes_in;
    uint64_t integ = integrity_drops(st);
    sk_stack_input(n->s, now, frame, len);
    uint64_t integ_now = integrity_drops(st);
    if (corrupt) {
        c->res->corrupt_dropped += integ_now - integ;
        if (integ_now != integ + 1 || st->drops != drops + 1 || st->segs_in != segs ||
            st->bytes_in != bytes)
            fail(c, "%s took a corrupted frame (%zu bytes) at %llu us: integrity drops +%llu, "
                    "segs_in +%llu, bytes_in +%llu",
                 side_name[n->side], len, (unsigned long long)now,
                 (unsigned long long)(integ_now - integ), (unsigned long long)(st->segs_in - segs),
                 (unsigned long long)(st->bytes_in - bytes));
    } else if (integ_now != integ) {
        fail(c, "%s dropped an intact frame as corrupt at %llu us", side_name[n->side],
             (unsigned long long)now);
    }
}

static size_t node_output(void *np, uint64_t now, uint8_t *buf, size_t cap)
{
    sp_node *n = np;
    return sk_stack_output(n->s, now, buf, cap);
}

/* The application's own deadline: the end of a reading pause, or the time
 * a connection is to be opened. */
static uint64_t app_wake(const sp_ctx *c, int side)
{
    uint64_t w = UINT64_MAX;
    for (uint32_t i = 0; i < c->sc->n_conns; i++) {
        const sp_end *e = &c->end[side][i];
        if (e->open && !e->done && e->pause_until > c->now && e->pause_until < w)
            w = e->pause_until;
    }
    if (side == SP_CLIENT && c->n_started < c->sc->n_conns) {
        for (uint32_t i = c->n_started; i < c->sc->n_conns; i++)
            if (c->start_at[i] < w)
                w = c->start_at[i];
    }
    return w;
}

static uint64_t node_poll_at(void *np)
{
    sp_node *n = np;
    uint64_t s = sk_stack_poll_at(n->s);
    uint64_t a = app_wake(n->ctx, n->side);
    return s < a ? s : a;
}

static const sk_sim_node_ops node_ops = {node_input, node_output, node_poll_at};

/* ------------------------------------------------------------------------
 * Verbose: every frame on the link
 * ---------------------------------------------------------------------- */
static void print_frame(const sk_sim_event *ev)
{
    sk_ip4_repr ip;
    sk_tcp_repr seg;
    char line[256];
    const char *fate = ev->what == SK_SIM_DELIVERED && (ev->flags & SK_IMPAIR_F_CORRUPTED)
                           ? "corrupted"
                           : sk_sim_what_name(ev->what);
    if (sk_ip4_parse(ev->frame, ev->len, &ip) != 0 ||
        sk_tcp_parse(ip.payload, ip.payload_len, &seg) != 0) {
        printf("  %10llu %-10s %s>%s  (%zu bytes, unparsable)\n", (unsigned long long)ev->now,
               fate, side_name[ev->from], ev->to >= 0 ? side_name[ev->to] : "-", ev->len);
        return;
    }
    char from[24], to[24];
    snprintf(from, sizeof from, "%s:%u", side_name[ev->from], seg.src_port);
    snprintf(to, sizeof to, "%s:%u", ev->to >= 0 ? side_name[ev->to] : "-", seg.dst_port);
    sk_tcp_seg_str(from, to, &seg, line, sizeof line);
    printf("  %10llu %-10s %s\n", (unsigned long long)ev->now, fate, line);
}

/* FNV-1a, 64 bits, over n bytes (the hash of the run's link events). */
static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static void hash_event(sp_result *r, const sk_sim_event *ev)
{
    uint64_t head[7] = {(uint64_t)ev->what, ev->now,       (uint64_t)(int64_t)ev->from,
                        (uint64_t)(int64_t)ev->to, (uint64_t)(int64_t)ev->link,
                        (uint64_t)ev->flags, (uint64_t)ev->len};
    uint64_t h = r->frames == 0 ? 0xcbf29ce484222325ull : r->frame_hash;
    h = fnv1a(h, head, sizeof head);
    r->frame_hash = fnv1a(h, ev->frame, ev->len);
    r->frames++;
}

static void on_tap(void *ctx, const sk_sim_event *ev)
{
    sp_ctx *c = ctx;
    hash_event(c->res, ev);
    if (ev->what == SK_SIM_SENT && ev->len > 0 && (ev->frame[0] >> 4) == 6)
        c->res->ip6_frames++;
    else if (ev->what == SK_SIM_SENT && ev->len > 0 && (ev->frame[0] >> 4) == 4)
        c->res->ip4_frames++;
    if (ev->what == SK_SIM_DELIVERED && (ev->flags & SK_IMPAIR_F_CORRUPTED) && ev->to >= 0)
        c->node[ev->to].corrupt_next = true;
    if (c->sc->verbose && ev->what != SK_SIM_SENT)
        print_frame(ev);
}

/* ------------------------------------------------------------------------
 * The applications
 * ---------------------------------------------------------------------- */
#define SP_IO_MAX 65536u
static uint8_t g_buf[SP_IO_MAX], g_want[SP_IO_MAX];

static sk_stack *stack_of(sp_ctx *c, const sp_end *e)
{
    return c->node[e->side].s;
}

static void set_keepalive(sp_ctx *c, int side, sk_sock h)
{
    sk_stack *s = c->node[side].s;
    uint64_t k = c->sc->keepalive_us;
    if (sk_tcp_setopt(s, h, SK_SO_KEEPALIVE, 1) != 0 ||
        sk_tcp_setopt(s, h, SK_SO_KEEPIDLE_US, k) != 0 ||
        sk_tcp_setopt(s, h, SK_SO_KEEPINTVL_US, k) != 0 || sk_tcp_setopt(s, h, SK_SO_KEEPCNT, 20) != 0)
        fail(c, "%s: setting keepalive failed", side_name[side]);
}

static void end_bind(sp_ctx *c, int side, uint32_t conn, sk_sock h)
{
    sp_end *e = &c->end[side][conn];
    e->side = side;
    e->conn = conn;
    e->sock = h;
    e->open = true;
    e->key_out = stream_key(c->sc->seed, conn, side);
    e->key_in = stream_key(c->sc->seed, conn, 1 - side);
    sk_rng_seed(&e->rng, mix64(c->sc->seed ^ ((uint64_t)(conn * 2u + (uint32_t)side + 1u) << 40)));
    sp_node *n = &c->node[side];
    if (h.idx < n->n_slots)
        n->slot_end[h.idx] = e;
    if (c->sc->keepalive_us != 0)
        set_keepalive(c, side, h);
}

static void end_release(sp_ctx *c, sp_end *e, bool abort)
{
    sk_stack *s = stack_of(c, e);
    int rc = abort ? sk_tcp_abort(s, c->now, e->sock) : sk_tcp_close(s, c->now, e->sock);
    if (rc != 0)
        fail(c, "%s conn %u: %s returned %s", side_name[e->side], e->conn,
             abort ? "sk_tcp_abort" : "sk_tcp_close", sk_errname(rc));
    uint8_t b;
    if (sk_tcp_recv(s, c->now, e->sock, &b, 1) != SK_EBADHANDLE)
        fail(c, "%s conn %u: the handle is still valid after close", side_name[e->side], e->conn);
    e->open = false;
    e->done = true;
}

/* An error reached the application: expected only in the failure modes. */
static void end_error(sp_ctx *c, sp_end *e, int err)
{
    const sp_scenario *sc = c->sc;
    e->err = err;
    if (err == SK_ETIMEDOUT)
        c->res->n_timedout[e->side]++;
    if (err == SK_ECONNRESET)
        c->res->n_reset[e->side]++;
    bool want = (sc->cut_at_us != 0 && err == SK_ETIMEDOUT) ||
                (sc->abort_side >= 0 && sc->abort_side != e->side && err == SK_ECONNRESET);
    if (!want)
        fail(c, "%s conn %u: unexpected %s after %u bytes sent, %u read", side_name[e->side],
             e->conn, sk_errname(err), e->sent, e->recvd);
    sk_tcp_info in;
    if (sk_tcp_get_info(stack_of(c, e), e->sock, &in) != 0 || in.state != SK_TCP_CLOSED ||
        in.error != err)
        fail(c, "%s conn %u: after %s the info is not CLOSED with that error", side_name[e->side],
             e->conn, sk_errname(err));
    end_release(c, e, false);
}

static void end_eof(sp_ctx *c, sp_end *e)
{
    if (e->recvd != to_recv(c, e))
        fail(c, "%s conn %u: end of stream after %u of %u bytes", side_name[e->side], e->conn,
             e->recvd, to_recv(c, e));
    uint8_t b;
    if (sk_tcp_recv(stack_of(c, e), c->now, e->sock, &b, 1) != 0)
        fail(c, "%s conn %u: a second read after EOF is not 0", side_name[e->side], e->conn);
    e->eof = true;
}

static void check_bytes(sp_ctx *c, sp_end *e, size_t n)
{
    if ((uint64_t)e->recvd + n > to_recv(c, e)) {
        fail(c, "%s conn %u: read %zu bytes past the %u sent", side_name[e->side], e->conn, n,
             to_recv(c, e));
        return;
    }
    stream_fill(e->key_in, e->recvd, g_want, n);
    if (memcmp(g_buf, g_want, n) == 0)
        return;
    size_t i = 0;
    while (g_buf[i] == g_want[i])
        i++;
    fail(c, "%s conn %u: byte %u of the stream is 0x%02x, want 0x%02x", side_name[e->side],
         e->conn, e->recvd + (uint32_t)i, g_buf[i], g_want[i]);
}

/* Reading pauses: random ones, the scripted stall, and the abort point. */
static bool end_may_read(sp_ctx *c, sp_end *e)
{
    const sp_scenario *sc = c->sc;
    if (sc->stall_side == e->side && !e->stalled && e->recvd >= sc->stall_at) {
        e->stalled = true;
        e->pause_until = c->now + sc->stall_us;
    }
    if (sc->abort_side == e->side && e->recvd >= sc->abort_after) {
        e->aborted = true;
        end_release(c, e, true);
        return false;
    }
    return e->pause_until <= c->now;
}

static void end_read(sp_ctx *c, sp_end *e)
{
    const sp_scenario *sc = c->sc;
    while (e->open && !e->eof) {
        if (!end_may_read(c, e))
            return;
        size_t n = 1 + (size_t)sk_rng_below(&e->rng, sc->read_max);
        ptrdiff_t r = sk_tcp_recv(stack_of(c, e), c->now, e->sock, g_buf, n);
        if (r == SK_EAGAIN)
            return;
        if (r < 0) {
            end_error(c, e, (int)r);
            return;
        }
        if (r == 0) {
            end_eof(c, e);
            return;
        }
        check_bytes(c, e, (size_t)r);
        e->recvd += (uint32_t)r;
        c->res->bytes[1 - e->side] += (uint64_t)r;
        if (sc->pause_chance > 0 && sk_rng_chance(&e->rng, sc->pause_chance))
            e->pause_until = c->now + 1 + sk_rng_below(&e->rng, sc->pause_max_us);
    }
}

static void end_write(sp_ctx *c, sp_end *e)
{
    const sp_scenario *sc = c->sc;
    sk_stack *s = stack_of(c, e);
    while (e->open && e->sent < to_send(c, e)) {
        sk_tcp_info in;
        if (sk_tcp_get_info(s, e->sock, &in) != 0)
            return;
        size_t room = in.sndbuf > in.sndbuf_used ? in.sndbuf - in.sndbuf_used : 0;
        size_t n = 1 + (size_t)sk_rng_below(&e->rng, sc->write_max);
        if (n > to_send(c, e) - e->sent)
            n = to_send(c, e) - e->sent;
        if (n > room)
            n = room;
        if (n == 0)
            n = 1; /* a full buffer: the stack must say EAGAIN */
        stream_fill(e->key_out, e->sent, g_buf, n);
        ptrdiff_t r = sk_tcp_send(s, c->now, e->sock, g_buf, n);
        if (r == SK_EAGAIN)
            return;
        if (r < 0) {
            end_error(c, e, (int)r);
            return;
        }
        if (r == 0 || (size_t)r > n) {
            fail(c, "%s conn %u: sk_tcp_send took %td of %zu", side_name[e->side], e->conn, r, n);
            return;
        }
        e->sent += (uint32_t)r;
    }
}

static void end_shutdown(sp_ctx *c, sp_end *e)
{
    int rc = sk_tcp_shutdown(stack_of(c, e), c->now, e->sock);
    if (rc != 0)
        fail(c, "%s conn %u: sk_tcp_shutdown returned %s", side_name[e->side], e->conn,
             sk_errname(rc));
    e->shut = true;
}

/* Close right after EOF, with our data maybe still in flight: the stack
 * sends it and the FIN in the background (LAST-ACK); the trace must see
 * the connection CLOSED in the end. */
static void end_close_early(sp_ctx *c, sp_end *e)
{
    sk_tcp_info in;
    if (sk_tcp_get_info(stack_of(c, e), e->sock, &in) != 0 || in.rcvbuf_used != 0 ||
        in.state != SK_TCP_CLOSE_WAIT)
        fail(c, "%s conn %u: before close: state %s, %zu bytes unread", side_name[e->side],
             e->conn, sk_tcp_state_name(in.state), in.rcvbuf_used);
    e->shut = true;
    c->res->n_closed_early++;
    end_release(c, e, false);
}

/* All our data is queued and acknowledged, and all the peer's data read. */
static bool end_drained(sp_ctx *c, const sp_end *e)
{
    sk_tcp_info in;
    if (!e->open || e->shut || e->sent != to_send(c, e) || e->recvd != to_recv(c, e))
        return false;
    return sk_tcp_get_info(stack_of(c, e), e->sock, &in) == 0 && in.unacked == 0 &&
           in.sndbuf_used == 0;
}

static void conn_close_logic(sp_ctx *c, uint32_t i)
{
    sp_end *cl = &c->end[SP_CLIENT][i], *sv = &c->end[SP_SERVER][i];
    if (c->sc->close == SP_CLOSE_SIMULTANEOUS) {
        if (end_drained(c, cl) && end_drained(c, sv)) {
            end_shutdown(c, cl);
            end_shutdown(c, sv);
        }
        return;
    }
    sp_end *first = c->sc->close == SP_CLOSE_CLIENT_FIRST ? cl : sv;
    sp_end *second = first == cl ? sv : cl;
    if (first->open && !first->shut && first->sent == to_send(c, first))
        end_shutdown(c, first);
    if (second->open && !second->shut && second->sent == to_send(c, second) && second->eof) {
        if (c->sc->second_closes)
            end_close_early(c, second);
        else
            end_shutdown(c, second);
    }
}

/* An active closer goes through TIME-WAIT, a passive one through LAST-ACK.
 * The one exception: our FIN (or its ACK) was lost until the peer's
 * TIME-WAIT ended, and the peer answered the retransmitted FIN with a RST
 * (RFC 9293 §3.10.7.4: CLOSING and LAST-ACK close on a RST, no error); the
 * peer had all our data then, which its own checks prove. */
static void check_close_path(sp_ctx *c, sp_end *e, const sk_tcp_info *in)
{
    enum sp_close m = c->sc->close;
    bool active = m == SP_CLOSE_SIMULTANEOUS || (m == SP_CLOSE_CLIENT_FIRST) == (e->side == SP_CLIENT);
    bool tw = (e->states & (1u << SK_TCP_TIME_WAIT)) != 0;
    bool lastack = (e->states & (1u << SK_TCP_LAST_ACK)) != 0;
    bool late_rst = e->got_rst && in->state == SK_TCP_CLOSED && !tw;
    if (late_rst) {
        c->res->n_late_rst[e->side]++;
    } else if (in->unacked != 0 || in->snd_una != in->snd_max) {
        fail(c, "%s conn %u: closed with %u bytes unacknowledged", side_name[e->side], e->conn,
             in->unacked);
    } else if (active ? !tw || lastack : tw || !lastack) {
        fail(c, "%s conn %u: as the %s closer it went %s TIME-WAIT and %s LAST-ACK",
             side_name[e->side], e->conn, active ? "active" : "passive",
             tw ? "through" : "not through", lastack ? "through" : "not through");
    }
    if (tw)
        c->res->n_time_wait[e->side]++;
    if (e->states & (1u << SK_TCP_CLOSING))
        c->res->n_closing[e->side]++;
}

static void end_check_done(sp_ctx *c, sp_end *e)
{
    if (!e->open || !e->eof || !e->shut)
        return;
    sk_tcp_info in;
    if (sk_tcp_get_info(stack_of(c, e), e->sock, &in) != 0 ||
        (in.state != SK_TCP_CLOSED && in.state != SK_TCP_TIME_WAIT))
        return;
    if (e->sent != to_send(c, e) || e->recvd != to_recv(c, e) || in.sndbuf_used != 0 ||
        in.rcvbuf_used != 0 || in.error != 0)
        fail(c, "%s conn %u: closed with sent %u read %u sndbuf %zu rcvbuf %zu error %s",
             side_name[e->side], e->conn, e->sent, e->recvd, in.sndbuf_used, in.rcvbuf_used,
             sk_errname(in.error));
    check_close_path(c, e, &in);
    end_release(c, e, false);
}

/* 2001:db8::n (RFC 3849 documentation prefix). */
static sk_ipaddr sp_addr6(uint8_t n)
{
    sk_ipaddr a;
    memset(&a, 0, sizeof a);
    a.family = SK_AF_INET6;
    a.b[0] = 0x20;
    a.b[1] = 0x01;
    a.b[2] = 0x0d;
    a.b[3] = 0xb8;
    a.b[15] = n;
    return a;
}

static void client_connect(sp_ctx *c)
{
    sk_stack *s = c->node[SP_CLIENT].s;
    while (c->n_started < c->sc->n_conns && c->start_at[c->n_started] <= c->now) {
        uint32_t i = c->n_started++;
        sk_endpoint r;
        r.addr = c->sc->ipv6 ? sp_addr6(2) : sk_ipaddr_from_ip4(sk_ip4_make(10, 0, 0, 2));
        r.port = SP_PORT;
        sk_connect_opts o;
        memset(&o, 0, sizeof o);
        o.mss = c->sc->mss[SP_CLIENT];
        sk_sock h;
        sk_tcp_info in;
        int rc = sk_tcp_connect(s, c->now, &r, &o, &h);
        if (rc != 0 || sk_tcp_get_info(s, h, &in) != 0) {
            fail(c, "client conn %u: sk_tcp_connect returned %s", i, sk_errname(rc));
            return;
        }
        c->client_port[i] = in.local.port;
        end_bind(c, SP_CLIENT, i, h);
        if (c->sc->nodelay[SP_CLIENT] && sk_tcp_setopt(s, h, SK_SO_NODELAY, 1) != 0)
            fail(c, "client conn %u: SK_SO_NODELAY failed", i);
    }
}

static void server_accept(sp_ctx *c)
{
    sp_node *n = &c->node[SP_SERVER];
    for (;;) {
        sk_sock h;
        sk_endpoint peer;
        int rc = sk_tcp_accept(n->s, n->listener, &h, &peer);
        if (rc == SK_EAGAIN)
            return;
        if (rc != 0) {
            fail(c, "server: sk_tcp_accept returned %s", sk_errname(rc));
            return;
        }
        uint32_t i = 0;
        while (i < c->n_started && (c->client_port[i] != peer.port || c->end[SP_SERVER][i].sock.idx))
            i++;
        if (i == c->n_started) {
            fail(c, "server: accepted a connection from unknown port %u", peer.port);
            return;
        }
        c->n_accepted++;
        end_bind(c, SP_SERVER, i, h);
    }
}

static void drain_events(sp_ctx *c, int side)
{
    sk_event ev;
    while (sk_stack_next_event(c->node[side].s, &ev)) {
        if (ev.events == 0)
            fail(c, "%s: an event with no bits", side_name[side]);
    }
}

static void apps_run(sp_ctx *c)
{
    client_connect(c);
    server_accept(c);
    for (int side = 0; side < 2; side++) {
        drain_events(c, side);
        for (uint32_t i = 0; i < c->sc->n_conns; i++) {
            sp_end *e = &c->end[side][i];
            end_read(c, e);
            end_write(c, e);
        }
    }
    for (uint32_t i = 0; i < c->sc->n_conns; i++) {
        conn_close_logic(c, i);
        end_check_done(c, &c->end[SP_CLIENT][i]);
        end_check_done(c, &c->end[SP_SERVER][i]);
    }
}

/* When the link dies a connection may never reach the server's accept
 * queue: no server application ever holds it, so it cannot wait for it. */
static bool end_finished(const sp_ctx *c, const sp_end *e)
{
    return e->done || (c->sc->cut_at_us != 0 && !e->open && e->sock.idx == 0);
}

static bool apps_done(const sp_ctx *c)
{
    for (uint32_t i = 0; i < c->sc->n_conns; i++)
        if (!end_finished(c, &c->end[SP_CLIENT][i]) || !end_finished(c, &c->end[SP_SERVER][i]))
            return false;
    return true;
}

/* ------------------------------------------------------------------------
 * Set-up and tear-down
 * ---------------------------------------------------------------------- */
static bool node_init(sp_ctx *c, int side)
{
    sp_node *n = &c->node[side];
    n->ctx = c;
    n->side = side;
    sk_stack_config cfg = c->sc->cfg[side];
    cfg.link = SK_LINK_IP;
    if (c->sc->ipv6) {
        cfg.n_addrs = 2;
        cfg.addrs[0].addr = sk_ipaddr_from_ip4(sk_ip4_make(10, 0, 0, (uint8_t)(side + 1)));
        cfg.addrs[0].prefix_len = 24;
        cfg.addrs[1].addr = sp_addr6((uint8_t)(side + 1));
        cfg.addrs[1].prefix_len = 64;
    } else {
        cfg.addr = sk_ip4_make(10, 0, 0, (uint8_t)(side + 1));
        cfg.prefix_len = 24;
    }
    cfg.seed = mix64(c->sc->seed * 2u + (uint64_t)side + 0x57ac);
    cfg.alloc.allocate = sp_allocate;
    cfg.alloc.release = sp_release;
    cfg.alloc.ctx = &n->alloc;
    cfg.trace = on_trace;
    cfg.trace_ctx = n;
    n->n_slots = cfg.max_sockets + 1;
    n->slot_gen = calloc(n->n_slots, sizeof *n->slot_gen);
    n->slot_state = calloc(n->n_slots, sizeof *n->slot_state);
    n->slot_end = calloc(n->n_slots, sizeof *n->slot_end);
    if (n->slot_gen == NULL || n->slot_state == NULL || n->slot_end == NULL)
        return false;
    int rc = sk_stack_create(&cfg, &n->s);
    if (rc != 0) {
        fail(c, "%s: sk_stack_create returned %s", side_name[side], sk_errname(rc));
        return false;
    }
    return sk_simnet_add_node(c->net, &node_ops, n) == side;
}

static void sort_u64(uint64_t *a, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint64_t v = a[i];
        size_t j = i;
        for (; j > 0 && a[j - 1] > v; j--)
            a[j] = a[j - 1];
        a[j] = v;
    }
}

static bool setup(sp_ctx *c)
{
    const sp_scenario *sc = c->sc;
    if (sc->n_conns == 0 || sc->n_conns > SP_MAX_CONNS || sc->read_max == 0 ||
        sc->read_max > SP_IO_MAX || sc->write_max == 0 || sc->write_max > SP_IO_MAX) {
        fail(c, "bad scenario (n_conns, read_max, write_max)");
        return false;
    }
    c->net = sk_simnet_new(mix64(sc->seed ^ 0x11e7ull));
    if (c->net == NULL || !node_init(c, SP_CLIENT) || !node_init(c, SP_SERVER))
        return false;
    c->link = sk_simnet_link(c->net, SP_CLIENT, SP_SERVER, &sc->link[0], &sc->link[1]);
    if (c->link < 0) {
        fail(c, "sk_simnet_link refused the impairment");
        return false;
    }
    sk_simnet_set_tap(c->net, on_tap, c);
    sk_listen_opts lo;
    memset(&lo, 0, sizeof lo);
    lo.backlog = (int)sc->n_conns;
    lo.mss = sc->mss[SP_SERVER];
    int rc = sk_tcp_listen(c->node[SP_SERVER].s, SP_PORT, &lo, &c->node[SP_SERVER].listener);
    if (rc != 0) {
        fail(c, "server: sk_tcp_listen returned %s", sk_errname(rc));
        return false;
    }
    if (sc->nodelay[SP_SERVER] &&
        sk_tcp_setopt(c->node[SP_SERVER].s, c->node[SP_SERVER].listener, SK_SO_NODELAY, 1) != 0) {
        fail(c, "server: SK_SO_NODELAY on the listener failed");
        return false;
    }
    sk_rng r;
    sk_rng_seed(&r, mix64(sc->seed ^ 0xc0ull));
    for (uint32_t i = 0; i < sc->n_conns; i++)
        c->start_at[i] = sc->connect_spread_us ? sk_rng_below(&r, sc->connect_spread_us + 1u) : 0;
    sort_u64(c->start_at, sc->n_conns);
    return true;
}

static void teardown(sp_ctx *c)
{
    for (int side = 0; side < 2; side++) {
        sp_node *n = &c->node[side];
        if (n->s != NULL) {
            if (side == SP_SERVER && n->listener.idx != 0 &&
                sk_tcp_close(n->s, c->now, n->listener) != 0)
                fail(c, "server: closing the listener failed");
            sk_stack_destroy(n->s);
            n->s = NULL;
            if (n->alloc.live_blocks != 0 || n->alloc.live_bytes != 0)
                fail(c, "%s: %zu bytes in %zu blocks leaked", side_name[side],
                     n->alloc.live_bytes, n->alloc.live_blocks);
            if (n->alloc.bad_releases != 0)
                fail(c, "%s: %llu releases with a wrong size or pointer", side_name[side],
                     (unsigned long long)n->alloc.bad_releases);
        }
        c->res->peak_bytes[side] = n->alloc.peak_bytes;
        free(n->slot_gen);
        free(n->slot_state);
        free(n->slot_end);
    }
    sk_simnet_free(c->net);
}

/* ------------------------------------------------------------------------
 * The loop
 * ---------------------------------------------------------------------- */
static uint64_t link_pending(const sp_ctx *c, int from)
{
    const sk_impair_stats *st = sk_simnet_link_stats(c->net, c->link, from);
    return st->submitted + st->duplicated - st->delivered - st->lost - st->queue_dropped -
           st->mtu_dropped;
}

/* Nothing will ever happen again. */
static bool quiet(const sp_ctx *c)
{
    for (int side = 0; side < 2; side++) {
        if (sk_stack_poll_at(c->node[side].s) != SK_NEVER || link_pending(c, side) != 0 ||
            app_wake(c, side) != UINT64_MAX)
            return false;
    }
    return true;
}

static bool drive(sp_ctx *c)
{
    const sp_scenario *sc = c->sc;
    for (;;) {
        c->now = sk_simnet_now(c->net);
        apps_run(c);
        if (c->failed)
            return false;
        bool done = apps_done(c);
        if (done && !c->apps_done) {
            c->apps_done = true;
            c->res->done_us = c->now;
        }
        if (quiet(c)) {
            if (!done)
                fail(c, "stuck: nothing is scheduled and the applications are not done");
            return done;
        }
        uint64_t overruns = sk_simnet_overruns(c->net);
        if (!sk_simnet_step(c->net, sc->time_limit_us)) {
            c->now = sk_simnet_now(c->net);
            if (sk_simnet_overruns(c->net) != overruns)
                fail(c, "livelock: the simulator's instant guard fired");
            else
                fail(c, "virtual time limit (%llu us) reached",
                     (unsigned long long)sc->time_limit_us);
            return false;
        }
    }
}

static void check_all_closed(sp_ctx *c)
{
    for (int side = 0; side < 2; side++) {
        const sp_node *n = &c->node[side];
        for (uint32_t i = 1; i < n->n_slots; i++) {
            if (n->slot_gen[i] != 0 && n->slot_state[i] != SK_TCP_CLOSED)
                fail(c, "%s: the connection in slot %u was left in %s", side_name[side], i,
                     sk_tcp_state_name((enum sk_tcp_state)n->slot_state[i]));
        }
        const sk_stats *st = sk_stack_stats(n->s);
        if (c->sc->cut_at_us == 0 && st->conn_timeouts != 0)
            fail(c, "%s: %llu connection(s) timed out", side_name[side],
                 (unsigned long long)st->conn_timeouts);
        const sk_impair_stats *ls = sk_simnet_link_stats(c->net, c->link, side);
        if (ls->mtu_dropped != 0)
            fail(c, "%s sent %llu frame(s) over the link MTU", side_name[side],
                 (unsigned long long)ls->mtu_dropped);
    }
    if (c->sc->cut_at_us == 0 && c->res->corrupt_dropped != c->res->corrupted)
        fail(c, "%llu corrupted copies delivered, %llu dropped",
             (unsigned long long)c->res->corrupted, (unsigned long long)c->res->corrupt_dropped);
}

static void collect(sp_ctx *c)
{
    sp_result *r = c->res;
    r->end_us = c->now;
    r->n_accepted = c->n_accepted;
    for (int side = 0; side < 2; side++) {
        const sk_stats *st = sk_stack_stats(c->node[side].s);
        r->retransmits += st->retransmits;
        r->timeouts += st->timeouts;
        r->fast_retransmits += st->fast_retransmits;
        r->conn_timeouts += st->conn_timeouts;
        r->ooo_segments += st->ooo_segments;
        r->dup_acks += st->dup_acks_in;
        r->sack_blocks_out += st->sack_blocks_out;
        r->dsack_out += st->dsack_out;
        r->sack_recoveries += st->sack_recoveries;
        r->rack_marks += st->rack_marks;
        r->rack_reordering += st->rack_reordering;
        r->sack_ranges_untold += st->sack_ranges_untold;
        r->tlp_probes += st->tlp_probes;
        r->sndbuf_grown += st->sndbuf_grown;
        r->rcvbuf_grown += st->rcvbuf_grown;
        r->ts_rtt_samples += st->ts_rtt_samples;
        r->spurious_rtos += st->spurious_rtos;
        r->spurious_frs += st->spurious_fast_retransmits;
        memcpy(r->drop[side], st->drop, sizeof r->drop[side]);
        const sk_impair_stats *ls = sk_simnet_link_stats(c->net, c->link, side);
        r->lost += ls->lost;
        r->dup += ls->duplicated;
        r->reordered += ls->reordered;
        r->corrupted += ls->corrupted;
        r->queue_drops += ls->queue_dropped;
    }
}

/* ------------------------------------------------------------------------
 * The failure report
 * ---------------------------------------------------------------------- */
void sp_impair_str(const sk_impair_config *c, char *buf, size_t cap)
{
    snprintf(buf, cap,
             "loss=%.2f%%,dup=%.2f%%,reorder=%.2f%%,corrupt=%.2f%%,delay=%uus,jitter=%uus,"
             "rate=%llubit,queue=%u,mtu=%u",
             c->loss * 100.0, c->dup * 100.0, c->reorder * 100.0, c->corrupt * 100.0, c->delay_us,
             c->jitter_us, (unsigned long long)c->bandwidth_bps, c->queue_limit_bytes, c->mtu);
}

static const char *close_name(enum sp_close m)
{
    return m == SP_CLOSE_CLIENT_FIRST   ? "client first"
           : m == SP_CLOSE_SERVER_FIRST ? "server first"
                                        : "simultaneous";
}

static void report_config(const sp_ctx *c)
{
    const sp_scenario *sc = c->sc;
    char imp[256];
    for (int d = 0; d < 2; d++) {
        sp_impair_str(&sc->link[d], imp, sizeof imp);
        printf("    link %s->%s: %s\n", side_name[d], side_name[1 - d], imp);
    }
    for (int side = 0; side < 2; side++) {
        const sk_stack_config *k = &sc->cfg[side];
        printf("    %s: mtu %u mss %u sndbuf %u rcvbuf %u wscale %s sack %s timestamps %s "
               "rto init/min/max %u/%u/%u us retries %u/%u delack %u us time-wait %u us cc %s iw %u\n",
               side_name[side], k->mtu, sc->mss[side], k->sndbuf, k->rcvbuf,
               k->window_scaling ? "on" : "off", k->sack ? "on" : "off",
               k->timestamps ? "on" : "off", k->rto_initial_us, k->rto_min_us, k->rto_max_us,
               k->max_retries, k->syn_retries, k->delack_us, k->time_wait_us,
               k->congestion_control != NULL ? k->congestion_control : "default",
               k->initial_window_segments);
    }
    printf("    %u connection(s), %u bytes client->server, %u server->client, writes <= %u, "
           "reads <= %u, pauses %.1f%% <= %u us, close %s%s, nodelay %d/%d, keepalive %llu us\n",
           sc->n_conns, sc->bytes[0], sc->bytes[1], sc->write_max, sc->read_max,
           sc->pause_chance * 100.0, sc->pause_max_us, close_name(sc->close),
           sc->second_closes ? " (second with sk_tcp_close)" : "", sc->nodelay[0],
           sc->nodelay[1], (unsigned long long)sc->keepalive_us);
    if (sc->cut_at_us || sc->abort_side >= 0 || sc->stall_side >= 0)
        printf("    link dies at %llu us; abort side %d after %u; stall side %d at %u for %llu us\n",
               (unsigned long long)sc->cut_at_us, sc->abort_side, sc->abort_after, sc->stall_side,
               sc->stall_at, (unsigned long long)sc->stall_us);
}

static void report_end(const sp_ctx *c, const sp_end *e)
{
    printf("      %s: sent %u/%u read %u/%u%s%s%s err %s", side_name[e->side], e->sent,
           to_send(c, e), e->recvd, to_recv(c, e), e->shut ? " shut" : "", e->eof ? " eof" : "",
           e->pause_until > c->now ? " paused" : "", sk_errname(e->err));
    sk_tcp_info in;
    if (!e->open || sk_tcp_get_info(c->node[e->side].s, e->sock, &in) != 0) {
        printf(e->done ? " (done)\n" : " (no handle)\n");
        return;
    }
    printf("\n        %s snd_una %u snd_nxt %u snd_max %u rcv_nxt %u (relative) snd_wnd %u "
           "rcv_wnd %u cwnd %u ssthresh %u rto %u us srtt %u us rexmits %u sndbuf %zu rcvbuf %zu\n",
           sk_tcp_state_name(in.state), in.snd_una - in.iss, in.snd_nxt - in.iss,
           in.snd_max - in.iss, in.rcv_nxt - in.irs, in.snd_wnd, in.rcv_wnd, in.cwnd, in.ssthresh,
           in.rto_us, in.srtt_us, in.retransmits, in.sndbuf_used, in.rcvbuf_used);
}

static void report_stack(const sp_ctx *c, int side)
{
    const sk_stats *st = sk_stack_stats(c->node[side].s);
    printf("    %s stack: segs in/out %llu/%llu rexmits %llu (fast %llu) RTOs %llu timeouts %llu "
           "resets in/out %llu/%llu challenge ACKs %llu ooo %llu\n      drops:",
           side_name[side], (unsigned long long)st->segs_in, (unsigned long long)st->segs_out,
           (unsigned long long)st->retransmits, (unsigned long long)st->fast_retransmits,
           (unsigned long long)st->timeouts, (unsigned long long)st->conn_timeouts,
           (unsigned long long)st->resets_in, (unsigned long long)st->resets_out,
           (unsigned long long)st->challenge_acks, (unsigned long long)st->ooo_segments);
    for (int r = 1; r < SK_DROP__COUNT; r++)
        if (st->drop[r] != 0)
            printf(" %s=%llu", sk_drop_reason_name(r), (unsigned long long)st->drop[r]);
    const sk_impair_stats *ls = sk_simnet_link_stats(c->net, c->link, side);
    printf("\n    link from %s: submitted %llu delivered %llu lost %llu dup %llu reordered %llu "
           "corrupted %llu queue-drops %llu mtu-drops %llu\n",
           side_name[side], (unsigned long long)ls->submitted, (unsigned long long)ls->delivered,
           (unsigned long long)ls->lost, (unsigned long long)ls->duplicated,
           (unsigned long long)ls->reordered, (unsigned long long)ls->corrupted,
           (unsigned long long)ls->queue_dropped, (unsigned long long)ls->mtu_dropped);
}

static void report(const sp_ctx *c)
{
    const sp_scenario *sc = c->sc;
    printf("  SIM FAIL [%s] seed=%llu at %llu us: %s\n", sc->name ? sc->name : "?",
           (unsigned long long)sc->seed, (unsigned long long)c->now, c->why);
    report_config(c);
    int shown = 0;
    for (uint32_t i = 0; i < sc->n_conns && shown < 8; i++) {
        const sp_end *cl = &c->end[SP_CLIENT][i], *sv = &c->end[SP_SERVER][i];
        if (cl->done && sv->done && sc->n_conns > 1)
            continue;
        printf("    conn %u (client port %u):\n", i, c->client_port[i]);
        report_end(c, cl);
        report_end(c, sv);
        shown++;
    }
    for (int side = 0; side < 2; side++)
        if (c->node[side].s != NULL)
            report_stack(c, side);
    printf("    replay: %s\n", sc->replay ? sc->replay : "(no replay command given)");
    fflush(stdout);
}

/* ------------------------------------------------------------------------
 * Entry points
 * ---------------------------------------------------------------------- */
void sp_scenario_default(sp_scenario *sc, uint64_t seed)
{
    memset(sc, 0, sizeof *sc);
    sc->name = "default";
    sc->seed = seed;
    for (int side = 0; side < 2; side++) {
        sk_stack_config *k = &sc->cfg[side];
        sk_stack_config_default(k);
        k->max_sockets = 128;
        k->rto_initial_us = 500000;
        k->rto_min_us = 200000;
        k->rto_max_us = 10000000;
        k->max_retries = 20;
        k->syn_retries = 20;
        k->time_wait_us = 1000000;
    }
    sc->n_conns = 1;
    sc->bytes[0] = sc->bytes[1] = 64 * 1024;
    sc->write_max = 8192;
    sc->read_max = 8192;
    sc->close = SP_CLOSE_CLIENT_FIRST;
    sc->abort_side = -1;
    sc->stall_side = -1;
    sc->time_limit_us = 600ull * 1000000u;
}

bool sp_run(const sp_scenario *sc, sp_result *res)
{
    sp_result local;
    sp_ctx *c = calloc(1, sizeof *c);
    if (c == NULL)
        return false;
    c->sc = sc;
    c->res = res != NULL ? res : &local;
    memset(c->res, 0, sizeof *c->res);
    if (sc->verbose)
        printf("  [%s] seed=%llu\n", sc->name ? sc->name : "?", (unsigned long long)sc->seed);
    if (setup(c) && drive(c)) {
        collect(c);
        check_all_closed(c);
    } else if (c->net != NULL && c->node[SP_SERVER].s != NULL) {
        collect(c);
    }
    if (c->failed)
        report(c);
    bool failed_before = c->failed;
    teardown(c);
    if (c->failed && !failed_before)
        report(c);
    bool ok = !c->failed;
    free(c);
    return ok;
}
