/* DNS stub resolver (RFC 1035, RFC 3596 AAAA, RFC 7766 TCP fallback),
 * sans-I/O. The resolver never touches a socket: the host passes time and
 * datagrams in and takes datagrams (and, for TCP, a byte stream) out.
 *
 * The host's loop, after any call:
 *   while (sk_dns_next_datagram(r, now, &d))  send d.len bytes of d.data
 *                                             from local UDP port d.src_port
 *                                             to d.dst;
 *   while (sk_dns_tcp_want(r, &w))            open or close w.conn's TCP
 *                                             connection to w.server;
 *   sleep until sk_dns_poll_at(r), then sk_dns_run_timers(r, now).
 * A UDP datagram that arrives on a port the resolver used goes to
 * sk_dns_input(); a TCP connection's events go to sk_dns_tcp_opened,
 * sk_dns_tcp_input, sk_dns_tcp_output and sk_dns_tcp_closed.
 *
 * Cache: answers with addresses are kept for their TTL (RFC 1035 §3.2.1;
 * TTL 0 is not kept; the smallest TTL of the records used, CNAMEs included)
 * in SK_DNS_CACHE_ENTRIES entries, the one expiring first replaced; a query
 * started for a cached name and type is answered at once. No negative
 * caching (RFC 2308). cfg.no_cache turns it off.
 *
 * Memory: an sk_dns_resolver is one caller-owned object (about 21 KiB) with
 * fixed capacities: SK_DNS_MAX_QUERIES queries, each at most
 * SK_DNS_MAX_ADDRS addresses. Pointers handed out stay valid until the next
 * call on the resolver. Bad bytes from the network are dropped and counted
 * (sk_dns_stats), never an error code. The fields of the structures below
 * are private to src/dns/: they are public only so that the caller can own
 * the memory. */
#ifndef SYNACK_DNS_H
#define SYNACK_DNS_H

#include "synack/addr.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SK_DNS_MAX_SERVERS 3
#define SK_DNS_MAX_QUERIES 4
#define SK_DNS_MAX_ADDRS 8
#define SK_DNS_NAME_WIRE_MAX 255 /* RFC 1035 §2.3.4 */
#define SK_DNS_UDP_MAX 512       /* RFC 1035 §2.3.4 (no EDNS) */
#define SK_DNS_TCP_MSG_MAX 2048  /* longer TCP responses are refused */
#define SK_DNS_CACHE_ENTRIES 8   /* answers kept for their TTL (A, AAAA) */

enum sk_dns_want { SK_DNS_WANT_A = 1, SK_DNS_WANT_AAAA = 2, SK_DNS_WANT_BOTH = 3 };

/* A query's outcome. Every value but OK and PENDING carries no address. */
#define SK_DNS_STATUSES(X)                                                     \
    X(OK, "resolved")                                                          \
    X(PENDING, "still resolving")                                              \
    X(NXDOMAIN, "no such name (NXDOMAIN)")                                     \
    X(NODATA, "the name has no address of the family asked for")               \
    X(TIMEOUT, "no server answered in time")                                   \
    X(SERVFAIL, "every server failed (SERVFAIL, REFUSED, NOTIMP or a broken TCP exchange)")
enum sk_dns_status {
#define SK_DNS_STATUS_ENUM_(name, msg) SK_DNS_##name,
    SK_DNS_STATUSES(SK_DNS_STATUS_ENUM_)
#undef SK_DNS_STATUS_ENUM_
        SK_DNS_STATUS_COUNT
};
const char *sk_dns_status_str(int status);

/* Responses dropped, by reason (RFC 5452 spoofing checks among them). */
#define SK_DNS_DROPS(X)                                                        \
    X(SHORT, "shorter than a DNS header")                                      \
    X(NO_PORT, "arrived on a port no query is waiting on")                     \
    X(WRONG_SOURCE, "not from the server queried (address or port)")           \
    X(WRONG_ID, "ID differs from the query's")                                 \
    X(NOT_RESPONSE, "QR=0 or opcode not QUERY")                                \
    X(WRONG_QUESTION, "question section differs from the query's")             \
    X(MALFORMED, "bad name, pointer or record bounds")                         \
    X(TCP_TOO_LONG, "TCP response longer than SK_DNS_TCP_MSG_MAX")            \
    X(TCP_UNEXPECTED, "TCP bytes for a connection not waiting for them")
enum sk_dns_drop {
#define SK_DNS_DROP_ENUM_(name, msg) SK_DNS_DROP_##name,
    SK_DNS_DROPS(SK_DNS_DROP_ENUM_)
#undef SK_DNS_DROP_ENUM_
        SK_DNS_DROP_COUNT
};
const char *sk_dns_drop_str(int reason);

typedef struct {
    uint64_t drops[SK_DNS_DROP_COUNT];
    uint64_t queries_sent;   /* UDP datagrams handed out */
    uint64_t retries;        /* attempts after the first (timeouts, failures) */
    uint64_t tcp_fallbacks;  /* TC=1 answers that moved a query to TCP */
    uint64_t cache_hits;     /* questions answered from the cache */
} sk_dns_stats;

typedef struct {
    sk_endpoint servers[SK_DNS_MAX_SERVERS]; /* port 0 means 53 */
    uint8_t server_count;                    /* 1..SK_DNS_MAX_SERVERS */
    uint64_t timeout_us;                     /* first round's; 0: 1 s */
    uint8_t rounds;                          /* passes over the servers, 1..5; 0: 3 */
    uint64_t seed;                           /* for IDs and source ports */
    bool no_cache;                           /* true: ask every time */
} sk_dns_config;

/* A query handle: slot index + generation; 0 is never valid. */
typedef uint32_t sk_dns_query;

typedef struct {
    int status; /* enum sk_dns_status */
    uint8_t count;
    sk_ipaddr addrs[SK_DNS_MAX_ADDRS]; /* A first, then AAAA */
    uint32_t ttl;                      /* smallest TTL among the records used */
} sk_dns_result;

typedef struct {
    uint16_t src_port;
    sk_endpoint dst;
    const uint8_t *data; /* valid until the next call on the resolver */
    size_t len;
} sk_dns_datagram;

enum sk_dns_tcp_op { SK_DNS_TCP_OPEN = 1, SK_DNS_TCP_CLOSE = 2 };
typedef struct {
    int op;          /* enum sk_dns_tcp_op */
    uint32_t conn;   /* names the connection in the sk_dns_tcp_* calls */
    sk_endpoint server;
} sk_dns_tcp_intent;

/* Private state of one question (A or AAAA) of a query. */
typedef struct {
    uint8_t qtype_idx;  /* 0: A, 1: AAAA; 0xff: unused */
    uint8_t phase;      /* idle, udp wait, tcp open/wait, done */
    uint8_t attempt;
    uint8_t server;     /* index of the server of this attempt */
    uint8_t failed;     /* bit per server that failed for this question */
    uint8_t must_send;  /* a datagram waits for next_datagram */
    uint8_t tcp_open;   /* an OPEN intent waits for sk_dns_tcp_want */
    uint8_t status;
    uint16_t id;
    uint16_t port;
    uint32_t ttl;
    uint64_t deadline;
    uint16_t tcp_out_off; /* bytes of the TCP query taken by the host */
    uint16_t tcp_in_len;  /* bytes of the TCP response held */
    uint8_t count;
    sk_ipaddr addrs[SK_DNS_MAX_ADDRS];
    uint8_t tcp_in[2 + SK_DNS_TCP_MSG_MAX];
} sk_dns_question_;

typedef struct {
    uint16_t gen;
    uint8_t used;
    uint8_t qname_len;
    uint8_t qname[SK_DNS_NAME_WIRE_MAX];
    sk_dns_question_ q[2];
} sk_dns_slot_;

/* Private: one cached answer (a question's addresses until `expires`). */
typedef struct {
    uint8_t used, qtype_idx, count, qname_len;
    uint8_t qname[SK_DNS_NAME_WIRE_MAX];
    sk_ipaddr addrs[SK_DNS_MAX_ADDRS];
    uint64_t expires;
} sk_dns_cache_entry_;

typedef struct {
    sk_dns_config cfg;
    struct {
        uint64_t s[4];
    } rng;
    sk_dns_stats stats;
    sk_dns_slot_ slots[SK_DNS_MAX_QUERIES];
    uint32_t tcp_close[2 * SK_DNS_MAX_QUERIES]; /* CLOSE intents waiting */
    uint8_t tcp_close_count;
    sk_dns_cache_entry_ cache[SK_DNS_CACHE_ENTRIES];
    uint8_t out[SK_DNS_UDP_MAX + 2];
} sk_dns_resolver;

/* Set up r from cfg (copied). SK_EINVAL: no server, more than
 * SK_DNS_MAX_SERVERS, a server without an IPv4 or IPv6 address, rounds
 * over 5 or timeout_us over 60 s. */
int sk_dns_init(sk_dns_resolver *r, const sk_dns_config *cfg);

/* Start resolving `name` (dotted text, an optional final dot, labels of 1-63
 * bytes, at most 253 characters). On success *out is the handle and 0 is
 * returned; SK_EINVAL for a bad name or want, SK_ENOSPC when all
 * SK_DNS_MAX_QUERIES slots are taken. */
int sk_dns_start(sk_dns_resolver *r, const char *name, int want, uint64_t now, sk_dns_query *out);

/* The query's result: 0 with out filled once it is finished (out->status
 * not PENDING), SK_EAGAIN while pending (out->status = PENDING),
 * SK_EBADHANDLE for a stale handle. */
int sk_dns_result_get(const sk_dns_resolver *r, sk_dns_query q, sk_dns_result *out);

/* Forget a query (finished or not; any TCP connection it had is asked to
 * close through sk_dns_tcp_want). SK_EBADHANDLE for a stale handle. */
int sk_dns_release(sk_dns_resolver *r, sk_dns_query q);

/* The next datagram to send: true with *out filled, false when none. */
bool sk_dns_next_datagram(sk_dns_resolver *r, uint64_t now, sk_dns_datagram *out);

/* A UDP datagram from `from` arrived on local port `dst_port`. */
void sk_dns_input(sk_dns_resolver *r, uint64_t now, const sk_endpoint *from, uint16_t dst_port,
                  const uint8_t *data, size_t len);

/* The next TCP intent: true with *out filled, false when none. */
bool sk_dns_tcp_want(sk_dns_resolver *r, sk_dns_tcp_intent *out);
/* The connection asked for by an OPEN intent is established. */
void sk_dns_tcp_opened(sk_dns_resolver *r, uint64_t now, uint32_t conn);
/* Copy up to cap bytes the resolver wants written on the connection (the
 * 2-byte length prefix and the query, RFC 7766 §8); returns the count. */
size_t sk_dns_tcp_output(sk_dns_resolver *r, uint32_t conn, uint8_t *buf, size_t cap);
/* Bytes read from the connection. */
void sk_dns_tcp_input(sk_dns_resolver *r, uint64_t now, uint32_t conn, const uint8_t *data,
                      size_t len);
/* The connection failed or was closed by the peer (or could not open). */
void sk_dns_tcp_closed(sk_dns_resolver *r, uint64_t now, uint32_t conn);

/* The next deadline (UINT64_MAX when none), and the call that honours it. */
uint64_t sk_dns_poll_at(const sk_dns_resolver *r);
void sk_dns_run_timers(sk_dns_resolver *r, uint64_t now);

const sk_dns_stats *sk_dns_get_stats(const sk_dns_resolver *r);
/* Forget every cached answer. */
void sk_dns_cache_flush(sk_dns_resolver *r);

#endif
