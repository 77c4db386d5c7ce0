/* The ping API (synack/icmp.h): thin wrappers over iface/icmp.c. */
#include "api/stack_impl.h"

#include "synack/error.h"
#include "synack/icmp.h"

int sk_ping_send(sk_stack *s, sk_time_us now, sk_ip4 dst, uint16_t id, uint16_t seq,
                 const void *data, size_t len)
{
    if (s == NULL)
        return SK_EINVAL;
    return sk_icmp_ping_send(&s->ifc, now, dst, id, seq, data, len);
}

int sk_ping6_send(sk_stack *s, sk_time_us now, sk_ip6 dst, uint16_t id, uint16_t seq,
                  const void *data, size_t len)
{
    if (s == NULL)
        return SK_EINVAL;
    return sk_icmp6_ping_send(&s->ifc, now, dst, id, seq, data, len);
}

bool sk_ping_next_reply(sk_stack *s, sk_ping_reply *out)
{
    if (s == NULL || out == NULL)
        return false;
    return sk_icmp_ping_next(&s->ifc, out);
}
