/* Drop reasons: every frame or segment the stack discards is counted under
 * exactly one of these. Parsers return them; the stack counts them. */
#ifndef SYNACK_STATS_H
#define SYNACK_STATS_H

#include <stdint.h>

#define SK_DROP_REASONS(X)                                                          \
    X(NONE,               "not dropped")                                           \
    /* link layer */                                                               \
    X(ETH_TRUNCATED,      "Ethernet frame shorter than its header")                \
    X(ETH_NOT_FOR_US,     "Ethernet destination is not our MAC or broadcast")      \
    X(ETH_UNKNOWN_TYPE,   "Ethernet type not handled")                             \
    X(ARP_TRUNCATED,      "ARP packet shorter than 28 bytes")                      \
    X(ARP_UNSUPPORTED,    "ARP hardware/protocol type or lengths not Ethernet/IPv4") \
    X(ARP_BAD_OP,         "ARP operation neither request nor reply")               \
    X(ARP_BAD_SENDER,     "ARP sender MAC is broadcast/multicast or sender IP is ours") \
    X(ARP_NOT_FOR_US,     "ARP packet whose target is not our address")            \
    X(ARP_REPLY_QUEUE_FULL, "ARP request not answered: reply queue full")          \
    X(ARP_CACHE_FULL,     "packet dropped: ARP cache full of unresolved entries")  \
    X(ARP_QUEUE_FULL,     "packet dropped: queue of packets awaiting ARP full")    \
    X(ARP_UNRESOLVED,     "packet dropped: next hop did not answer ARP requests")  \
    /* IPv4 */                                                                     \
    X(IP_TRUNCATED,       "IPv4 packet shorter than 20 bytes")                     \
    X(IP_VERSION,         "IP version is not 4")                                   \
    X(IP_HDR_LEN,         "IPv4 IHL below 5 or past the packet")                   \
    X(IP_TOTAL_LEN,       "IPv4 total length below IHL or past the buffer")        \
    X(IP_CHECKSUM,        "IPv4 header checksum wrong")                            \
    X(IP_BAD_SRC,         "IPv4 source is broadcast, multicast or ours")           \
    X(IP_NOT_FOR_US,      "IPv4 destination is not our address")                   \
    X(IP_FRAGMENT,        "IPv4 fragment (reassembly not enabled)")                \
    X(IP_FRAG_BAD,        "IPv4 fragment malformed (reserved bit, bad offset)")    \
    X(IP_FRAG_NOMEM,      "IPv4 reassembly memory exhausted")                      \
    X(IP_FRAG_TIMEOUT,    "IPv4 reassembly timed out")                             \
    X(IP_UNKNOWN_PROTO,   "IPv4 protocol not handled")                             \
    X(IP_TTL_EXPIRED,     "IPv4 TTL expired")                                      \
    X(IP_FRAG_OVERLAP,    "IPv4 fragment overlaps earlier data with different bytes: datagram dropped") \
    X(IP_NO_ROUTE,        "IPv4 packet to an off-link address and no gateway")     \
    /* ICMPv4 */                                                                   \
    X(ICMP_TRUNCATED,     "ICMP message shorter than its header")                  \
    X(ICMP_CHECKSUM,      "ICMP checksum wrong")                                   \
    X(ICMP_UNHANDLED,     "ICMP type or code not handled")                         \
    X(ICMP_BAD_QUOTE,     "ICMP error quotes no valid IPv4/TCP header")            \
    X(ICMP_NO_CONN,       "ICMP error for no known connection")                    \
    X(ICMP_OUT_OF_WINDOW, "ICMP error quotes a sequence number not in flight (RFC 5927)") \
    X(ICMP_PMTU_IGNORED,  "ICMP fragmentation needed / packet too big that would not lower the path MTU") \
    X(ICMP_PMTU_UNSENT,   "ICMP fragmentation needed / packet too big quoting no packet we could have sent (RFC 8201 §4)") \
    X(ICMP_BROADCAST,     "ICMP to a broadcast address (only enabled echo requests are answered)") \
    X(ICMP_TOO_BIG,       "ICMP echo request whose reply would exceed the MTU")    \
    X(ICMP_QUEUE_FULL,    "ICMP echo request not answered: output queue full")     \
    X(PING_QUEUE_FULL,    "ICMP echo reply dropped: ping reply queue full")        \
    /* TCP header */                                                               \
    X(TCP_TRUNCATED,      "TCP segment shorter than 20 bytes")                     \
    X(TCP_DATA_OFFSET,    "TCP data offset below 5 or past the segment")           \
    X(TCP_SYN_RST,        "TCP SYN and RST both set")                              \
    X(TCP_SYN_FIN,        "TCP SYN and FIN both set")                              \
    X(TCP_CHECKSUM,       "TCP checksum wrong")                                    \
    X(TCP_BAD_PORT,       "TCP source or destination port is zero")                \
    X(TCP_BAD_ADDR,       "TCP to or from a broadcast or multicast address")       \
    /* TCP state machine (RFC 9293 §3.10.7) */                                     \
    X(TCP_NO_SOCKET,      "TCP segment for no connection or listener")             \
    X(TCP_LISTEN_NOT_SYN, "TCP segment to a listener that is not a SYN")           \
    X(TCP_BACKLOG_FULL,   "TCP SYN to a listener whose backlog is full")           \
    X(TCP_NO_MEMORY,      "TCP connection table or memory exhausted")              \
    X(TCP_SYNSENT_BAD,    "TCP segment in SYN-SENT neither SYN nor acceptable RST") \
    X(TCP_BAD_ACK,        "TCP ACK acknowledges nothing sent")                     \
    X(TCP_OLD_ACK,        "TCP ACK older than snd_una (duplicate or old)")         \
    X(TCP_OUT_OF_WINDOW,  "TCP segment outside the receive window")                \
    X(TCP_RST_OUT_OF_WINDOW, "TCP RST outside the receive window")                 \
    X(TCP_RST_CHALLENGED, "TCP RST in window but not exact: challenge ACK sent (RFC 5961)") \
    X(TCP_SYN_CHALLENGED, "TCP SYN in a synchronized state: challenge ACK sent (RFC 5961)") \
    X(TCP_NO_ACK,         "TCP segment without ACK in a synchronized state")       \
    X(TCP_DATA_AFTER_FIN, "TCP data past the peer's FIN")                          \
    X(TCP_REASS_FULL,     "TCP out-of-order segment: reassembly queue full")       \
    X(TCP_RCV_CLOSED,     "TCP data after the application closed receiving")       \
    X(TCP_TIMEWAIT,       "TCP segment in TIME-WAIT")                              \
    X(TCP_PAWS,           "TCP segment failed PAWS timestamp check")               \
    X(TCP_CTLQ_FULL,      "TCP RST not sent: control-segment queue full")           \
    X(TCP_OVER_MTU,       "TCP segment not sent: frame over the MTU (a stack bug)") \
    X(TCP_NO_TS,          "TCP segment without timestamps on a connection that negotiated them (RFC 7323 §3.2)") \
    /* IPv6 (RFC 8200) */                                                          \
    X(IP6_TRUNCATED,      "IPv6 packet shorter than 40 bytes")                     \
    X(IP6_VERSION,        "IPv6 version is not 6")                                 \
    X(IP6_PAYLOAD_LEN,    "IPv6 payload length past the end of the frame")         \
    X(IP6_BAD_SRC,        "IPv6 source is a multicast address (RFC 4291 §2.7)")    \
    X(IP6_EXT_TRUNCATED,  "IPv6 extension header runs past the packet")            \
    X(IP6_HBH_NOT_FIRST,  "IPv6 hop-by-hop options header not right after the IPv6 header") \
    X(IP6_OPT_BAD,        "IPv6 option runs past its extension header")            \
    X(IP6_OPT_UNKNOWN,    "IPv6 option of unknown type whose action is discard (RFC 8200 §4.2)") \
    X(IP6_ROUTING,        "IPv6 routing header with segments left (type 0 refused, RFC 5095)") \
    X(IP6_FRAG_BAD,       "IPv6 fragment malformed (length not a multiple of 8 with M set, or past 65535)") \
    X(IP6_NOT_FOR_US,     "IPv6 destination is neither our address nor a group we joined") \
    X(IP6_SRC_OURS,       "IPv6 source is one of our addresses, loopback or v4-mapped") \
    X(IP6_UNKNOWN_PROTO,  "IPv6 next header not handled (parameter problem, RFC 8200 §4)") \
    X(IP6_FRAGMENT,       "IPv6 fragment kept or refused by reassembly (RFC 8200 §4.5)") \
    X(IP6_NO_ROUTE,       "IPv6 packet with no source address or next hop") \
    /* ICMPv6 (RFC 4443), Neighbour Discovery (RFC 4861), MLDv2 (RFC 3810) */   \
    X(ICMP6_TRUNCATED,    "ICMPv6 message shorter than its header")                \
    X(ICMP6_CHECKSUM,     "ICMPv6 checksum wrong")                                 \
    X(ICMP6_UNHANDLED,    "ICMPv6 type not handled")                               \
    X(ICMP6_BAD_QUOTE,    "ICMPv6 error quotes no IPv6 header")                    \
    X(ICMP6_QUOTE_TRUNCATED, "ICMPv6 error quote ends before the transport header (or quotes a later fragment)") \
    X(ND_TRUNCATED,       "ND message shorter than its fixed part")                \
    X(ND_BAD_OPTION,      "ND option of length 0 or past the message (RFC 4861 §4.6)") \
    X(ND_HOP_LIMIT,       "ND message with hop limit not 255 (sent from off the link)") \
    X(ND_BAD_CODE,        "ND message with an ICMP code other than 0")             \
    X(ND_TARGET_MULTICAST, "ND solicitation or advertisement for a multicast target") \
    X(ND_SRC_NOT_LINK_LOCAL, "router advertisement or redirect from a source not link-local") \
    X(ND_REDIRECT_NOT_FIRST_HOP, "redirect not from the current first-hop router for its destination (RFC 4861 §8.1)") \
    X(ND_UNSPEC_SLLAO,    "RS or NS from the unspecified address with a source link-layer address") \
    X(ND_UNSPEC_DST,      "NS from the unspecified address not to a solicited-node address") \
    X(ND_SOLICITED_MCAST, "NA to a multicast address with the Solicited flag set") \
    X(IP6_DAD_DUPLICATE,  "our tentative IPv6 address is another node's (DAD, RFC 4862 §5.4.5): not used") \
    X(ND_BAD_RDNSS,       "RDNSS option of a length other than 3 + 2n (RFC 8106 §5.1): ignored, the RA kept") \
    X(IP6_ADDR_LIST_FULL, "autoconfigured IPv6 address with the address list full (SK_CFG_ADDRS)") \
    X(ND_REDIRECT_BAD,    "redirect to a multicast destination or a target neither link-local nor the destination") \
    X(MLD_BAD_QUERY,      "MLD query shorter than 24 bytes, or an MLDv2 one of 28 whose sources run past it") \
    X(MLD_QUERY_SRC,      "MLD query from a source not link-local (RFC 3810 §5.1.14)") \
    X(MLD_BAD_REPORT,     "MLDv2 report whose records run past the message")      \
    /* UDP (RFC 768) */                                                            \
    X(UDP_TRUNCATED,      "UDP datagram shorter than 8 bytes")                     \
    X(UDP_LENGTH,         "UDP length below 8 or past the IP payload")             \
    X(UDP_CHECKSUM,       "UDP checksum wrong")                                    \
    X(UDP_ZERO_CHECKSUM6, "UDP over IPv6 with a zero checksum (RFC 8200 §8.1)") \
    X(UDP_BAD_PORT,       "UDP destination port is zero")                          \
    X(UDP_NO_SOCKET,      "UDP datagram for no socket (port unreachable sent unless broadcast)") \
    X(UDP_QUEUE_FULL,     "UDP datagram dropped: the socket's receive queue is full") \
    X(UDP_NO_MEMORY,      "UDP datagram dropped: no memory for the socket's receive queue") \
    X(UDP_ICMP_SOFT,      "ICMP soft error about a UDP datagram: not reported (as Linux without IP_RECVERR)") \
    X(UDP_OVER_MTU,       "UDP datagram not sent: queued before the MTU was lowered past it") \
    X(ARP_EVICTED,        "packet dropped: its next hop's ARP entry, still unresolved, was reused for another") \
    X(TCP_TW_RECYCLED,    "TIME-WAIT record ended early: the pool (max_time_wait) was full") \
    /* TCP listeners under load */                                               \
    X(TCP_COOKIE_BAD,     "TCP ACK to a listener with an invalid or expired SYN cookie (RST sent)") \
    X(TCP_ACCEPTQ_FULL,   "TCP handshake's final ACK with the accept queue full (dropped, or RST with accept_overflow_reset)") \
    X(TCP_SYN_EVICTED,    "TCP half-open connection dropped to make room for a new SYN (SYN queue full, cookies off)") \
    X(TCP_HALFOPEN_FULL,  "TCP SYN dropped: the pool of half-open records (max_half_open) is full, cookies off")

enum sk_drop_reason {
#define SK_DROP_ENUM_(name, msg) SK_DROP_##name,
    SK_DROP_REASONS(SK_DROP_ENUM_)
#undef SK_DROP_ENUM_
    SK_DROP__COUNT
};

/* Text for a drop reason ("unknown drop reason" when out of range). */
const char *sk_drop_reason_str(int reason);
/* Short name ("TCP_CHECKSUM"). */
const char *sk_drop_reason_name(int reason);

#endif
