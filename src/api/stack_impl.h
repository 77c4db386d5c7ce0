/* The stack object shared by the api/ files. */
#ifndef SK_API_STACK_IMPL_H
#define SK_API_STACK_IMPL_H

#include "iface/iface.h"
#include "synack/stack.h"
#include "tcp/tcp_conn.h"
#include "udp/udp.h"

struct sk_stack {
    sk_ctx ctx;     /* configuration, statistics, trace, keys: shared by the layers */
    sk_tcp_env env; /* TCP (env.ctx == &ctx) */
    sk_iface ifc;   /* link, ARP, IPv4, ICMP (ifc.ctx == &ctx, ifc.tcp == &env, ifc.udp == &udp) */
    sk_udp udp;     /* UDP sockets (udp.ctx == &ctx) */
    bool udp_turn;  /* output alternates between UDP and TCP connections */
};

/* The TCB behind a handle, or NULL for a stale or invalid handle. */
sk_tcb *sk_stack_tcb(const sk_stack *s, sk_sock h);

#endif
