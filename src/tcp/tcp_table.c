/* The TCP environment's table: creation and release of the environment,
 * the TCB table with its free list, and handles (index + generation). */
#include "tcp/tcp_conn.h"

#include "base/skassert.h"
#include "synack/error.h"

#include <string.h>

/* The listener block goes back to the allocator with its TCB. */
static void free_listener(sk_tcp_env *e, sk_tcb *t)
{
    if (t->x->lsn == NULL)
        return;
    sk_ctx_release(e->ctx, t->x->lsn, sizeof *t->x->lsn);
    t->x->lsn = NULL;
}

#define SK_TCB_TABLE_ALIGN 64u

static size_t tcb_table_bytes(uint32_t n)
{
    return sizeof(sk_tcb) * n + SK_TCB_TABLE_ALIGN - 1u;
}

static char *align_up(void *p)
{
    uintptr_t a = ((uintptr_t)p + SK_TCB_TABLE_ALIGN - 1u) & ~(uintptr_t)(SK_TCB_TABLE_ALIGN - 1u);
    return (char *)p + (a - (uintptr_t)p);
}

int sk_tcp_env_init(sk_tcp_env *e, sk_ctx *ctx)
{
    memset(e, 0, sizeof *e);
    e->ctx = ctx;
    const sk_stack_config *cfg = &ctx->cfg;
    e->cc_default = sk_cc_find(cfg->congestion_control != NULL ? cfg->congestion_control : "cubic");
    if (e->cc_default == NULL)
        e->cc_default = &sk_cc_cubic;
    e->ctx->cfg.congestion_control = e->cc_default->name; /* the caller's string is not kept */
    e->n_tcbs = cfg->max_sockets;
    sk_slab_init(&e->ip6, sizeof(sk_ip6_pair), e->n_tcbs);
    sk_slab_init(&e->hist, sizeof(sk_tcb_hist), e->n_tcbs);
    e->hist_empty = SK_TIME_NEVER;
    /* the table starts on a cache line (an allocator's 16-byte alignment
     * would not): with the 128-byte core every TCB then lies on exactly
     * two lines, never three (bench/README-1m.md) */
    e->tcbs_mem = sk_ctx_alloc(e->ctx, tcb_table_bytes(e->n_tcbs));
    e->tcbs = e->tcbs_mem == NULL ? NULL : (sk_tcb *)(void *)align_up(e->tcbs_mem);
    e->heap = sk_ctx_alloc(e->ctx, sizeof(uint32_t) * e->n_tcbs);
    e->heap_key = sk_ctx_alloc(e->ctx, sizeof(sk_time) * e->n_tcbs);
    e->hash_mask = sk_pow2_at_least(e->n_tcbs * 2) - 1;
    e->hash = sk_ctx_alloc(e->ctx, sizeof(uint32_t) * (e->hash_mask + 1));
    /* zeroed before the failure path: sk_tcp_env_free reads every TCB's
     * buffer pointers, which must not be uninitialised memory */
    if (e->tcbs != NULL)
        memset(e->tcbs, 0, sizeof(sk_tcb) * e->n_tcbs);
    if (e->tcbs == NULL || e->heap == NULL || e->heap_key == NULL || e->hash == NULL ||
        sk_tw_init(e) != 0 || sk_ho_init(e) != 0 || sk_tcp_bufcache_init(e) != 0) {
        sk_tcp_env_free(e);
        return SK_ENOMEM;
    }
    memset(e->hash, 0, sizeof(uint32_t) * (e->hash_mask + 1));
    sk_tcb_ext_blank_init(&e->ext_blank, cfg->initial_window_segments);
    sk_keep_prof_init(e);
    for (uint32_t i = 0; i < e->n_tcbs; i++) {
        e->tcbs[i].x = &e->ext_blank;
        e->tcbs[i].free_next = i + 1 < e->n_tcbs ? i + 1 : SK_TCB_NONE;
        e->tcbs[i].gen = 1;
    }
    e->free_head = 0;
    e->listen_head = SK_TCB_NONE;
    e->demux_last = SK_TCB_NONE;
    e->cookie_last = SK_TIME_NEVER;
    sk_ilist_init(&e->out_list);
    sk_ilist_init(&e->ev_list);
    e->ephemeral_next = (uint32_t)(cfg->seed >> 17);
    e->full_valid = false; /* the port search's memo (tcp_demux.c) */
    return 0;
}

void sk_tcp_env_free(sk_tcp_env *e)
{
    if (e->tcbs != NULL) {
        /* nothing wrote into the blank extension (tcp_ext.c) */
        SK_ASSERT(e->tcbs[0].x == NULL || sk_tcb_ext_blank_intact(e));
        for (uint32_t i = 0; i < e->n_tcbs; i++) {
            if (e->tcbs[i].x == NULL) /* creation failed before the table was set up */
                continue;
            sk_tcb_free_buffers(e, &e->tcbs[i]);
            free_listener(e, &e->tcbs[i]);
            sk_tcb_ext_detach(e, &e->tcbs[i]);
        }
    }
    sk_tcp_bufcache_free(e);
    sk_tw_free(e);
    sk_ho_free(e);
    sk_tcp_ends_free(e);
    sk_tcp_idle_out_free(e);
    sk_slab_free(&e->hist, e->ctx);
    sk_ctx_release(e->ctx, e->tcbs_mem, tcb_table_bytes(e->n_tcbs));
    e->tcbs_mem = NULL;
    sk_ctx_release(e->ctx, e->heap, sizeof(uint32_t) * e->n_tcbs);
    sk_ctx_release(e->ctx, e->heap_key, sizeof(sk_time) * e->n_tcbs);
    sk_ctx_release(e->ctx, e->hash, sizeof(uint32_t) * (e->hash_mask + 1));
    e->tcbs = NULL;
    e->heap = NULL;
    e->heap_key = NULL;
    e->hash = NULL;
}

int sk_tcb_make_listener(sk_tcp_env *e, sk_tcb *t)
{
    /* the block hangs off the listener's extension, which it keeps */
    if (!sk_tcb_ext_attach(e, t))
        return SK_ENOMEM;
    if (t->x->lsn == NULL)
        t->x->lsn = sk_ctx_alloc(e->ctx, sizeof *t->x->lsn);
    if (t->x->lsn == NULL)
        return SK_ENOMEM;
    memset(t->x->lsn, 0, sizeof *t->x->lsn);
    sk_ilist_init(&t->x->lsn->acceptq);
    sk_ilist_init(&t->x->lsn->children);
    t->x->lsn->listen_next = SK_TCB_NONE;
    return 0;
}

sk_tcb *sk_tcb_alloc(sk_tcp_env *e, sk_time now)
{
    if (e->free_head == SK_TCB_NONE)
        return NULL;
    uint32_t idx = e->free_head;
    sk_tcb *t = &e->tcbs[idx];
    e->free_head = t->free_next;
    uint32_t gen = t->gen;
    memset(t, 0, sizeof *t);
    t->gen = gen;
    t->x = &e->ext_blank; /* a connection attaches its own (sk_tcb_ext_attach) */
    t->state = SK_TCP_CLOSED;
    t->heap_pos = SK_TCB_NONE;
    t->free_next = SK_TCB_NONE;
    t->ev_link.next = t->ev_link.prev = SK_LINK_OFF;
    t->last_rcv = now;
    t->last_snd_gap = SK_LAST_SND_LONG_AGO; /* nothing sent yet: as long ago as can be */
    t->keep_prof = SK_KEEP_DEFAULT; /* 2 h, 75 s, 9 probes */
    sk_tcb_set_cc_ops(t, e->cc_default); /* built in: no extension needed */
    return t;
}

void sk_tcb_release_if_unheld(sk_tcp_env *e, sk_tcb *t)
{
    if (t->flags & (SK_TF_APP_HELD | SK_TF_IN_ACCEPTQ))
        return;
    if (t->state == SK_TCP_TIME_WAIT) { /* the last holder let go */
        sk_tw_take(e, t, e->tw.last_now);
        return;
    }
    if (t->state != SK_TCP_CLOSED)
        return;
    uint32_t idx = sk_tcb_index(e, t);
    sk_tcb_timer_clear_all(e, t);
    sk_ilist_remove(e, &e->out_list, idx, SK_ILINK_X(out_link)); /* before the extension goes */
    sk_ilist_remove(e, &e->ev_list, idx, offsetof(sk_tcb, ev_link));
    sk_tcb_free_buffers(e, t);
    free_listener(e, t);
    sk_tcb_ext_detach(e, t);
    sk_demux_remove(e, t);
    sk_tcb_drop_ends(e, t);
    sk_tcb_hist_drop(e, t);
    sk_keep_prof_use(e, t, SK_KEEP_DEFAULT);
    t->gen++;
    if (t->gen == 0)
        t->gen = 1;
    t->flags = 0;
    t->free_next = e->free_head;
    e->free_head = idx;
}

sk_sock sk_tcb_handle(const sk_tcp_env *e, const sk_tcb *t)
{
    sk_sock h;
    h.idx = sk_tcb_index(e, t) + 1; /* idx 0 is the invalid handle */
    h.gen = t->gen;
    return h;
}
