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

/* frame_meta.c: device capabilities and frame metadata */
/* 0, or SK_EOFFLOAD for capabilities that do not go together. */
int sk_dev_caps_check(const sk_stack_config *cfg);
sk_rx_meta sk_rx_meta_of(const sk_stack *s, const sk_frame_meta *m);
uint32_t sk_tso_room(sk_stack *s, const sk_tuple *tu, size_t cap, sk_time now);
void sk_tcp_frame_meta(sk_frame_meta *m, uint8_t family, size_t off, size_t thl,
                       bool csum_partial, uint16_t gso_size);

#endif
