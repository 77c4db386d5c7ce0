/* The stack object shared by the api/ files. */
#ifndef SK_API_STACK_IMPL_H
#define SK_API_STACK_IMPL_H

#include "iface/iface.h"
#include "synack/stack.h"
#include "tcp/tcp_conn.h"
#include "udp/udp.h"

struct sk_stack {
    sk_tcp_env env;
    sk_iface ifc; /* link, ARP, IPv4, ICMP (ifc.env == &env) */
    sk_udp udp;   /* UDP sockets (udp.ctx == &env, ifc.udp == &udp) */
    bool udp_turn; /* output alternates between UDP and TCP connections */
};

/* The TCB behind a handle, or NULL for a stale or invalid handle. */
sk_tcb *sk_stack_tcb(const sk_stack *s, sk_sock h);

#endif
