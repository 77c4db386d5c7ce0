/* Checks of `--addr`, `--gw` and the device name that say what is wrong
 * (issue 12): the stack refuses the same configurations with SK_EINVAL,
 * which alone would read "cannot create the stack: invalid argument". */
#include "tool_net.h"

#include "synack/error.h"
#include "tool.h"

#include <net/if.h>
#include <string.h>

static uint32_t ip4_u32(sk_ip4 a)
{
    return (uint32_t)a.b[0] << 24 | (uint32_t)a.b[1] << 16 | (uint32_t)a.b[2] << 8 | a.b[3];
}

static sk_ip4 u32_ip4(uint32_t v)
{
    sk_ip4 a = {{(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v}};
    return a;
}

static uint32_t prefix_mask(uint8_t len)
{
    return len == 0 ? 0 : 0xffffffffu << (32 - len);
}

/* "192.0.2.0/24" for the prefix holding addr */
static const char *net_str(sk_ip4 addr, uint8_t len, char *buf, size_t cap)
{
    char a[16];
    sk_ip4_to_str(u32_ip4(ip4_u32(addr) & prefix_mask(len)), a, sizeof a);
    snprintf(buf, cap, "%s/%u", a, len);
    return buf;
}

/* RFC 1122 §3.2.1.3 (and RFC 919/922): a host address is neither the
 * prefix's all-zeros (the network) nor its all-ones (directed broadcast)
 * host part; RFC 3021 lets a /31 use both, a /32 is one host. A gateway
 * must be on the link (RFC 1122 §3.3.1.1: the first hop is a neighbour). */
int tool_net_check_addr(const char *cmd, const tool_net_opts *o)
{
    if (!o->have_addr4)
        return 0;
    char a[16], net[24];
    uint32_t mask = prefix_mask(o->prefix_len), v = ip4_u32(o->addr);
    sk_ip4_to_str(o->addr, a, sizeof a);
    net_str(o->addr, o->prefix_len, net, sizeof net);
    if (o->prefix_len <= 30 && (v & ~mask) == ~mask) {
        tool_error(cmd, "bad --addr: %s is the broadcast address of %s", a, net);
        return -1;
    }
    if (o->prefix_len <= 30 && (v & ~mask) == 0) {
        tool_error(cmd, "bad --addr: %s is the network address of %s", a, net);
        return -1;
    }
    uint32_t gw = ip4_u32(o->gateway);
    if (gw != 0 && (gw & mask) != (v & mask)) {
        char g[16];
        sk_ip4_to_str(o->gateway, g, sizeof g);
        tool_error(cmd, "bad --gw: gateway %s is not on %s", g, net);
        return -1;
    }
    if (gw != 0 && gw == v) {
        tool_error(cmd, "bad --gw: gateway %s is synack's own address", a);
        return -1;
    }
    return 0;
}

int tool_net_check_dev(const char *cmd, const tool_net_opts *o)
{
    if (o->xdp || o->create || if_nametoindex(o->dev_name) != 0)
        return 0;
    const char *mode = o->kind == SK_DEV_TAP ? "tap" : "tun";
    tool_error(cmd, "no such device '%s' (create it: ip tuntap add dev %s mode %s; or give "
                    "--create)", o->dev_name, o->dev_name, mode);
    return -1;
}

/* SK_EHOSTUNREACH for a TCP connection in SYN-SENT means its next hop did
 * not answer (RFC 1122 §2.3.2.2: ARP gave up and told the transport) when
 * there was one, or that there was no route at all: say which. */
const char *tool_unreach_str(const tool_net_opts *o, const sk_ipaddr *dst, char *buf, size_t cap)
{
    if (o->kind != SK_DEV_TAP || o->xdp)
        return sk_strerror(SK_EHOSTUNREACH);
    if (dst->family == SK_AF_INET6) {
        snprintf(buf, cap, "host unreachable (no neighbor advertisement for the next hop)");
        return buf;
    }
    sk_ip4 d;
    memcpy(d.b, dst->b, 4);
    char ds[16], gs[16], net[24];
    sk_ip4_to_str(d, ds, sizeof ds);
    uint32_t mask = prefix_mask(o->prefix_len);
    if (o->have_addr4 && (ip4_u32(d) & mask) == (ip4_u32(o->addr) & mask))
        snprintf(buf, cap, "host unreachable (no ARP reply from %s)", ds);
    else if (ip4_u32(o->gateway) != 0)
        snprintf(buf, cap, "host unreachable (no ARP reply from the gateway %s)",
                 sk_ip4_to_str(o->gateway, gs, sizeof gs));
    else if (o->have_addr4)
        snprintf(buf, cap, "no route to host (%s is not on %s and no --gw was given)", ds,
                 net_str(o->addr, o->prefix_len, net, sizeof net));
    else
        return sk_strerror(SK_EHOSTUNREACH);
    return buf;
}
