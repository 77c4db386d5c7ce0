/* DHCPv4 message codec: the BOOTP fixed part (RFC 2131 §2, figure 1), the
 * magic cookie and options (RFC 2132). No state; every read bounds checked. */
#ifndef SK_DHCP_MSG_H
#define SK_DHCP_MSG_H

#include "synack/dhcp.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SK_DHCP_FIXED_LEN 236 /* op .. file */
#define SK_DHCP_OPTS_OFF 240  /* after the magic cookie */
#define SK_DHCP_MIN_LEN 300   /* BOOTP's minimum (RFC 1542 §2.1) */

enum {
    SK_DHCPDISCOVER = 1, SK_DHCPOFFER, SK_DHCPREQUEST, SK_DHCPDECLINE,
    SK_DHCPACK, SK_DHCPNAK, SK_DHCPRELEASE, SK_DHCPINFORM
};

/* which options a parsed message carried */
enum {
    SK_DHCP_HAS_MASK = 1 << 0, SK_DHCP_HAS_ROUTER = 1 << 1, SK_DHCP_HAS_LEASE = 1 << 2,
    SK_DHCP_HAS_T1 = 1 << 3, SK_DHCP_HAS_T2 = 1 << 4, SK_DHCP_HAS_SERVER = 1 << 5,
    SK_DHCP_HAS_MTU = 1 << 6, SK_DHCP_HAS_OVERLOAD = 1 << 7
};

typedef struct {
    uint8_t op, htype, hlen;
    uint32_t xid;
    uint16_t secs, flags;
    sk_ip4 ciaddr, yiaddr, siaddr, giaddr;
    uint8_t chaddr[16];
    uint8_t type; /* option 53; 0 when absent */
    uint16_t has; /* SK_DHCP_HAS_* */
    sk_ip4 mask, router, server_id;
    sk_ip4 dns[SK_DHCP_MAX_DNS];
    uint8_t dns_count;
    uint16_t mtu;
    uint32_t lease, t1, t2;
} sk_dhcp_msg;

/* SK_DHCP_PARSE_OK, or the enum sk_dhcp_drop reason (SHORT, NO_COOKIE,
 * MALFORMED, OVERLOAD) the bytes fail. */
#define SK_DHCP_PARSE_OK (-1)
int sk_dhcp_parse(const uint8_t *data, size_t len, sk_dhcp_msg *m);

/* What the client sends. */
typedef struct {
    uint8_t type;
    uint32_t xid;
    uint16_t secs;
    bool broadcast_flag;
    sk_ip4 ciaddr;
    sk_mac chaddr;
    sk_ip4 requested; /* option 50 when not 0.0.0.0 */
    sk_ip4 server_id; /* option 54 when not 0.0.0.0 */
    const char *hostname; /* option 12 when not empty */
} sk_dhcp_out;

/* Returns the length (at least SK_DHCP_MIN_LEN), or 0 when cap is short. */
size_t sk_dhcp_build(uint8_t *buf, size_t cap, const sk_dhcp_out *o);

uint8_t sk_dhcp_prefix_len(sk_ip4 mask); /* 0..32; 0 for a mask with holes */

#endif
