/* Keepalive settings shared by index (sk_keep_prof): a TCB holds one byte
 * instead of 17 (idle time and interval in microseconds, probe count), as
 * almost every connection keeps the defaults or its listener's. */
#include "tcp/tcp_conn.h"

#include "base/skassert.h"
#include "synack/error.h"

void sk_keep_prof_init(sk_tcp_env *e)
{
    e->keep_prof[SK_KEEP_DEFAULT].idle = SK_SEC(7200);
    e->keep_prof[SK_KEEP_DEFAULT].intvl = SK_SEC(75);
    e->keep_prof[SK_KEEP_DEFAULT].cnt = 9;
}

_Static_assert(SK_KEEP_PROFILES <= 64, "a profile index fits sk_tcb.keep_prof's six bits");

void sk_keep_prof_use(sk_tcp_env *e, sk_tcb *t, uint8_t prof)
{
    if (t->keep_prof != SK_KEEP_DEFAULT) {
        SK_ASSERT(e->keep_prof[t->keep_prof].refs > 0);
        e->keep_prof[t->keep_prof].refs--;
    }
    SK_ASSERT(prof < SK_KEEP_PROFILES);
    t->keep_prof = prof & (SK_KEEP_PROFILES - 1u);
    if (prof != SK_KEEP_DEFAULT)
        e->keep_prof[prof].refs++;
}

int sk_keep_prof_set(sk_tcp_env *e, sk_tcb *t, uint64_t idle, uint64_t intvl, uint8_t cnt)
{
    int spare = -1;
    for (int i = 0; i < SK_KEEP_PROFILES; i++) {
        const sk_keep_prof *p = &e->keep_prof[i];
        bool live = i == SK_KEEP_DEFAULT || p->refs > 0;
        if (live && p->idle == idle && p->intvl == intvl && p->cnt == cnt) {
            sk_keep_prof_use(e, t, (uint8_t)i);
            return 0;
        }
        /* t's own entry is free for reuse once t lets go of it */
        if (!live || (i == t->keep_prof && p->refs == 1))
            spare = spare < 0 ? i : spare;
    }
    if (spare < 0)
        return SK_ENOBUFS;
    sk_keep_prof_use(e, t, SK_KEEP_DEFAULT); /* may free `spare` */
    sk_keep_prof *p = &e->keep_prof[spare];
    p->idle = idle;
    p->intvl = intvl;
    p->cnt = cnt;
    sk_keep_prof_use(e, t, (uint8_t)spare);
    return 0;
}
