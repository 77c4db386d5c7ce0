/* The stack object shared by the api/ files. */
#ifndef SK_API_STACK_IMPL_H
#define SK_API_STACK_IMPL_H

#include "synack/stack.h"
#include "tcp/tcp_conn.h"

struct sk_stack {
    sk_tcp_env env;
    uint16_t ip_id; /* IPv4 identification for outgoing packets */
};

/* The TCB behind a handle, or NULL for a stale or invalid handle. */
sk_tcb *sk_stack_tcb(const sk_stack *s, sk_sock h);

#endif
