/* A connection's ends: the TCB keeps 12 bytes (sk_tcb_ends), the ports
 * and, for IPv4, both addresses in place; an IPv6 connection's two
 * addresses (32 bytes) live in the environment's pool of pairs, which
 * holds room for one per TCB, taken from the allocator only when the first
 * IPv6 connection opens. A stack that speaks IPv4 only never pays for
 * IPv6's addresses, and no TCB carries the 26 bytes an sk_tuple would
 * waste on them (bench/README-1m.md). */
#include "tcp/tcp_conn.h"

#include "base/skassert.h"

#include <string.h>

static sk_ip6_pair *pair(const sk_tcp_env *e, uint32_t i)
{
    return sk_slab_at(&e->ip6, i);
}

void sk_tcp_ends_free(sk_tcp_env *e)
{
    sk_slab_free(&e->ip6, e->ctx);
}

bool sk_tcb_set_ends(sk_tcp_env *e, sk_tcb *t, const sk_tuple *tu)
{
    SK_ASSERT(!(t->flags & (SK_TF_IP6 | SK_TF_LISTENER)));
    SK_ASSERT(tu->laddr.family == tu->raddr.family);
    t->ends.lport = tu->lport;
    t->ends.rport = tu->rport;
    if (tu->raddr.family != SK_AF_INET6) {
        SK_ASSERT(tu->raddr.family == SK_AF_INET4);
        memcpy(&t->ends.la, tu->laddr.b, 4);
        memcpy(&t->ends.ra, tu->raddr.b, 4);
        return true;
    }
    uint32_t i;
    if (!sk_slab_take(&e->ip6, e->ctx, &i))
        return false;
    memcpy(pair(e, i)->l.b, tu->laddr.b, 16);
    memcpy(pair(e, i)->r.b, tu->raddr.b, 16);
    t->ends.la = 0;
    t->ends.ra = i;
    t->flags |= SK_TF_IP6;
    return true;
}

void sk_tcb_set_listen_ends(sk_tcb *l, const sk_ipaddr *laddr, uint16_t port)
{
    SK_ASSERT((l->flags & SK_TF_LISTENER) && l->x->lsn != NULL);
    l->x->lsn->laddr = *laddr;
    l->ends.lport = port;
}

void sk_tcb_drop_ends(sk_tcp_env *e, sk_tcb *t)
{
    if (t->flags & SK_TF_IP6)
        sk_slab_give(&e->ip6, t->ends.ra);
    t->flags &= ~(uint32_t)SK_TF_IP6;
    memset(&t->ends, 0, sizeof t->ends);
}

static sk_ipaddr addr4(uint32_t stored)
{
    sk_ip4 a;
    memcpy(a.b, &stored, 4);
    return sk_addr4(a);
}

sk_ipaddr sk_tcb_laddr(const sk_tcp_env *e, const sk_tcb *t)
{
    if (t->flags & SK_TF_LISTENER)
        return t->x->lsn->laddr;
    return (t->flags & SK_TF_IP6) ? sk_ipaddr_from_ip6(pair(e, t->ends.ra)->l) : addr4(t->ends.la);
}

sk_ipaddr sk_tcb_raddr(const sk_tcp_env *e, const sk_tcb *t)
{
    if (t->flags & SK_TF_LISTENER) {
        sk_ipaddr none;
        memset(&none, 0, sizeof none);
        return none;
    }
    return (t->flags & SK_TF_IP6) ? sk_ipaddr_from_ip6(pair(e, t->ends.ra)->r) : addr4(t->ends.ra);
}

sk_tuple sk_tcb_tuple_slow(const sk_tcp_env *e, const sk_tcb *t)
{
    sk_tuple tu;
    tu.laddr = sk_tcb_laddr(e, t);
    tu.raddr = sk_tcb_raddr(e, t);
    tu.lport = t->ends.lport;
    tu.rport = t->ends.rport;
    return tu;
}

bool sk_tcb_tuple_is6(const sk_tcp_env *e, const sk_tcb *t, const sk_tuple *tu)
{
    const sk_ip6_pair *p = pair(e, t->ends.ra);
    return tu->raddr.family == SK_AF_INET6 && memcmp(p->r.b, tu->raddr.b, 16) == 0 &&
           memcmp(p->l.b, tu->laddr.b, 16) == 0;
}
