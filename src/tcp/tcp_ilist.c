/* Index-linked lists of TCBs: the output list, the event list and the
 * accept queues link TCBs by table index through an sk_ilink member; the
 * list mechanics are base/ilist.h's, this file adds the TCB's link
 * accessor, the "on no list" mark (SK_LINK_OFF) and the length. */
#include "tcp/tcp_conn.h"

#include "base/skassert.h"

_Static_assert(SK_TCB_NONE == SK_ILIST_NONE, "a table's 'none' ends a list");
_Static_assert(SK_LINK_OFF != SK_ILIST_NONE, "'on no list' differs from 'at an end'");

static sk_ilink *link_of(const void *env, size_t off, uint32_t idx)
{
    const sk_tcp_env *e = env;
    /* an extension's link is written only in a TCB's own extension */
    SK_ASSERT(!(off & SK_ILINK_EXT) || e->tcbs[idx].x != &e->ext_blank);
    return (sk_ilink *)(uintptr_t)sk_ilink_at(e, idx, off);
}

static sk_ilinks links(const sk_tcp_env *e, size_t off)
{
    return (sk_ilinks){link_of, e, off};
}

bool sk_ilink_on(const sk_tcp_env *e, uint32_t idx, size_t off)
{
    return sk_ilink_at(e, idx, off)->next != SK_LINK_OFF;
}

void sk_ilist_push(sk_tcp_env *e, sk_ilist *l, uint32_t idx, size_t off)
{
    SK_ASSERT(!sk_ilink_on(e, idx, off));
    sk_il_insert(links(e, off), &l->head, &l->tail, l->tail, idx);
    l->len++;
}

void sk_ilist_remove(sk_tcp_env *e, sk_ilist *l, uint32_t idx, size_t off)
{
    if (!sk_ilink_on(e, idx, off))
        return;
    sk_il_unlink(links(e, off), &l->head, &l->tail, idx);
    sk_ilink *k = link_of(e, off, idx);
    k->next = k->prev = SK_LINK_OFF;
    l->len--;
}

uint32_t sk_ilist_pop(sk_tcp_env *e, sk_ilist *l, size_t off)
{
    uint32_t idx = l->head;
    if (idx != SK_TCB_NONE)
        sk_ilist_remove(e, l, idx, off);
    return idx;
}
