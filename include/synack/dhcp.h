/* DHCPv4 client (RFC 2131, options RFC 2132), sans-I/O. The client never
 * touches a socket: the host passes time and the datagrams that arrive on
 * UDP port 68 in, and takes datagrams to send from port 68 to port 67 out.
 *
 * The host's loop, after any call:
 *   while (sk_dhcp_next_datagram(c, now, &d))  send d.len bytes of d.data
 *       from d.src:68 to d.dst:67 (d.broadcast: to 255.255.255.255 as a
 *       link broadcast, source 0.0.0.0 unless the client holds an address);
 *   while (sk_dhcp_next_event(c, &ev))         apply ev (BOUND: configure
 *       ev.lease; LOST: remove ev.lost_addr);
 *   sleep until sk_dhcp_poll_at(c), then sk_dhcp_run_timers(c, now).
 * After BOUND the host may probe the address (ARP, RFC 5227) and report a
 * conflict with sk_dhcp_conflict(): the client sends DHCPDECLINE and starts
 * again after 10 s (RFC 2131 §3.1 step 5).
 *
 * Memory: one caller-owned sk_dhcp_client; pointers handed out stay valid
 * until the next call on it. Bad bytes from the network are dropped and
 * counted (sk_dhcp_stats), never an error code. Fields are private to
 * src/dhcp/: public only so that the caller can own the memory. */
#ifndef SYNACK_DHCP_H
#define SYNACK_DHCP_H

#include "synack/addr.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SK_DHCP_MAX_DNS 3
#define SK_DHCP_HOSTNAME_MAX 63
#define SK_DHCP_MSG_MAX 576 /* RFC 2131 §2: what a client must accept */

/* RFC 2131 §4.4, figure 5. INIT-REBOOT is the start with a remembered
 * address; it passes at once to REBOOTING. */
#define SK_DHCP_STATES(X)                                                      \
    X(STOPPED, "stopped")                                                      \
    X(INIT, "INIT")                                                            \
    X(SELECTING, "SELECTING")                                                  \
    X(REQUESTING, "REQUESTING")                                                \
    X(BOUND, "BOUND")                                                          \
    X(RENEWING, "RENEWING")                                                    \
    X(REBINDING, "REBINDING")                                                  \
    X(REBOOTING, "REBOOTING")
enum sk_dhcp_state {
#define SK_DHCP_STATE_ENUM_(name, msg) SK_DHCP_##name,
    SK_DHCP_STATES(SK_DHCP_STATE_ENUM_)
#undef SK_DHCP_STATE_ENUM_
        SK_DHCP_STATE_COUNT
};
const char *sk_dhcp_state_str(int state);

/* Replies dropped, by reason. */
#define SK_DHCP_DROPS(X)                                                       \
    X(SHORT, "shorter than the BOOTP fixed part and magic cookie")             \
    X(NO_COOKIE, "no DHCP magic cookie")                                       \
    X(NOT_REPLY, "op is not BOOTREPLY")                                        \
    X(WRONG_XID, "xid differs from ours")                                      \
    X(WRONG_CHADDR, "chaddr (or htype/hlen) is not ours")                      \
    X(MALFORMED, "an option overruns the message or has a bad length")         \
    X(OVERLOAD, "option overload (52) is not supported")                       \
    X(NO_TYPE, "no DHCP message type option")                                  \
    X(UNEXPECTED, "a message type this state does not wait for")               \
    X(WRONG_SERVER, "ACK or NAK from another server than the one asked")       \
    X(BAD_OFFER, "OFFER without server identifier or address")                 \
    X(BAD_ACK, "ACK without lease time, or for another address")
enum sk_dhcp_drop {
#define SK_DHCP_DROP_ENUM_(name, msg) SK_DHCP_DROP_##name,
    SK_DHCP_DROPS(SK_DHCP_DROP_ENUM_)
#undef SK_DHCP_DROP_ENUM_
        SK_DHCP_DROP_COUNT
};
const char *sk_dhcp_drop_str(int reason);

typedef struct {
    uint64_t drops[SK_DHCP_DROP_COUNT];
    uint64_t sent[9];   /* by message type: [1] DISCOVER, [3] REQUEST, [4] DECLINE */
    uint64_t naks;      /* NAKs taken */
    uint64_t leases;    /* ACKs taken (BOUND events) */
    uint64_t expiries;  /* leases that ran out */
} sk_dhcp_stats;

typedef struct {
    sk_mac chaddr;                          /* our hardware address */
    char hostname[SK_DHCP_HOSTNAME_MAX + 1]; /* option 12; "" for none */
    uint64_t seed;                          /* xid and retransmission jitter */
    sk_ip4 remembered; /* an address from an earlier lease: INIT-REBOOT
                          (§3.2); 0.0.0.0 for a plain INIT */
} sk_dhcp_config;

/* What an ACK configured (RFC 2132 options; zero when absent). */
typedef struct {
    sk_ip4 addr;
    uint8_t prefix_len; /* from option 1; 0 when absent */
    sk_ip4 router;      /* first of option 3; 0.0.0.0 when absent */
    sk_ip4 dns[SK_DHCP_MAX_DNS];
    uint8_t dns_count;
    uint16_t mtu;       /* option 26; 0 when absent */
    sk_ip4 server_id;   /* option 54 */
    uint32_t lease_s, t1_s, t2_s;
    uint64_t t1_at, t2_at, expires_at; /* absolute, in the caller's time */
} sk_dhcp_lease;

enum sk_dhcp_event_kind { SK_DHCP_EV_BOUND = 1, SK_DHCP_EV_LOST = 2 };
typedef struct {
    int kind;           /* enum sk_dhcp_event_kind */
    sk_dhcp_lease lease; /* BOUND: the configuration to apply (also on renewals) */
    sk_ip4 lost_addr;    /* LOST: the address to remove */
} sk_dhcp_event;

typedef struct {
    sk_ip4 src, dst; /* src 0.0.0.0 until bound; dst 255.255.255.255 when broadcast */
    bool broadcast;
    uint16_t src_port, dst_port; /* 68, 67 */
    const uint8_t *data; /* valid until the next call on the client */
    size_t len;
} sk_dhcp_datagram;

typedef struct {
    sk_dhcp_config cfg;
    struct {
        uint64_t s[4];
    } rng;
    sk_dhcp_stats stats;
    uint8_t state;
    uint8_t tries;      /* transmissions of the current message */
    uint8_t must_send;  /* message type waiting for next_datagram, 0 none */
    uint8_t ev_count;
    uint32_t xid;
    uint64_t started_at;  /* of this exchange, for 'secs' */
    uint64_t sent_at;     /* last REQUEST, for the lease times (§4.4.1) */
    uint64_t deadline;
    sk_ip4 offered, server;
    sk_ip4 declined;      /* DECLINE waiting: the address */
    sk_dhcp_lease lease;
    sk_dhcp_event ev[4];
    uint8_t out[SK_DHCP_MSG_MAX];
} sk_dhcp_client;

/* Set up c from cfg (copied). SK_EINVAL for a hostname without its NUL. */
int sk_dhcp_init(sk_dhcp_client *c, const sk_dhcp_config *cfg);
/* Start: INIT -> SELECTING (a DISCOVER is sent at once), or with
 * cfg.remembered INIT-REBOOT -> REBOOTING (a REQUEST for it is broadcast at
 * once; NAK or no answer after 4 transmissions: INIT). SK_ESTATE when
 * already started. */
int sk_dhcp_start(sk_dhcp_client *c, uint64_t now);
/* Stop: forget the lease (no DHCPRELEASE is sent); a LOST event when an
 * address was held. */
void sk_dhcp_stop(sk_dhcp_client *c, uint64_t now);
/* The host found the bound address in use (ARP): DHCPDECLINE, LOST, and
 * INIT again 10 s later. SK_ESTATE when not BOUND. */
int sk_dhcp_conflict(sk_dhcp_client *c, uint64_t now);

/* A UDP datagram that arrived on port 68. */
void sk_dhcp_input(sk_dhcp_client *c, uint64_t now, const uint8_t *data, size_t len);
bool sk_dhcp_next_datagram(sk_dhcp_client *c, uint64_t now, sk_dhcp_datagram *out);
bool sk_dhcp_next_event(sk_dhcp_client *c, sk_dhcp_event *out);

uint64_t sk_dhcp_poll_at(const sk_dhcp_client *c);
void sk_dhcp_run_timers(sk_dhcp_client *c, uint64_t now);

int sk_dhcp_state_get(const sk_dhcp_client *c);
/* The current lease (valid in BOUND, RENEWING, REBINDING), else NULL. */
const sk_dhcp_lease *sk_dhcp_lease_get(const sk_dhcp_client *c);
const sk_dhcp_stats *sk_dhcp_get_stats(const sk_dhcp_client *c);

#endif
