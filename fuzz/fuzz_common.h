/* What the libFuzzer targets share: CHECK (abort, so that libFuzzer reports
 * the input), a stack on the heap with a listener on port 80 and an active
 * connection from port 40000 to the peer's port 5000, the output drain with
 * its poll_at invariant, and the drop-counter invariant. Header-only (static
 * inline): each target is one source file (fuzz/CMakeLists.txt). */
#ifndef SK_FUZZ_COMMON_H
#define SK_FUZZ_COMMON_H

#include "synack/synack.h"

#include <stdint.h>
#include <stdlib.h>

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c))                                                                                  \
            abort();                                                                               \
    } while (0)

static inline void *fz_alloc(void *ctx, size_t n)
{
    (void)ctx;
    return malloc(n);
}

static inline void fz_free(void *ctx, void *p, size_t n)
{
    (void)ctx;
    (void)n;
    free(p);
}

/* The defaults at `addr` on malloc, with 8 sockets, 4 KiB buffers, seed 1. */
static inline void fz_config(sk_stack_config *cfg, sk_ip4 addr)
{
    sk_stack_config_default(cfg);
    cfg->addr = addr;
    cfg->alloc.allocate = fz_alloc;
    cfg->alloc.release = fz_free;
    cfg->max_sockets = 8;
    cfg->sndbuf = 4096;
    cfg->rcvbuf = 4096;
    cfg->seed = 1;
}

/* Send everything the stack has (at most 1000 frames); once drained,
 * poll_at must not be in the past. Returns poll_at. */
static inline uint64_t fz_drain(sk_stack *s, uint64_t now)
{
    uint8_t out[1600];
    for (int i = 0; i < 1000 && sk_stack_output(s, now, out, sizeof out) > 0; i++) {
    }
    uint64_t at = sk_stack_poll_at(s);
    CHECK(at == SK_NEVER || at > now);
    return at;
}

/* The stack, a listener on port 80 (with `lo`, NULL: defaults) and a
 * connection 40000 -> peer:5000 (ISN 1000) whose SYN has been sent at 0. */
static inline sk_stack *fz_start(const sk_stack_config *cfg, const sk_listen_opts *lo,
                                 sk_ip4 peer, sk_sock *l, sk_sock *c)
{
    sk_stack *s;
    CHECK(sk_stack_create(cfg, &s) == 0);
    CHECK(sk_tcp_listen(s, 80, lo, l) == 0);
    sk_endpoint ep = {sk_ipaddr_from_ip4(peer), 5000};
    sk_connect_opts co = {40000, 0, true, 1000};
    CHECK(sk_tcp_connect(s, 0, &ep, &co, c) == 0);
    fz_drain(s, 0);
    return s;
}

/* The drops by reason add up to the total; then the stack is destroyed. */
static inline void fz_finish(sk_stack *s)
{
    const sk_stats *st = sk_stack_stats(s);
    uint64_t total = 0;
    for (int k = 0; k < SK_DROP__COUNT; k++)
        total += st->drop[k];
    CHECK(total == st->drops);
    sk_stack_destroy(s);
}

#endif
