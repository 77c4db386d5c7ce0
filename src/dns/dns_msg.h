/* DNS message codec (RFC 1035 §4.1): header, question, answer records,
 * names with compression pointers (§4.1.4), A (§3.4.1) and AAAA (RFC 3596
 * §2.2). No state; every read is bounds checked. */
#ifndef SK_DNS_MSG_H
#define SK_DNS_MSG_H

#include "synack/dns.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SK_DNS_HDR_LEN 12
#define SK_DNS_TYPE_A 1
#define SK_DNS_TYPE_CNAME 5
#define SK_DNS_TYPE_AAAA 28
#define SK_DNS_CLASS_IN 1
#define SK_DNS_CNAME_MAX 8 /* CNAME links followed within one answer */

#define SK_DNS_RCODE_NOERROR 0
#define SK_DNS_RCODE_FORMERR 1
#define SK_DNS_RCODE_SERVFAIL 2
#define SK_DNS_RCODE_NXDOMAIN 3
#define SK_DNS_RCODE_NOTIMP 4
#define SK_DNS_RCODE_REFUSED 5

typedef struct {
    uint16_t id;
    bool qr, aa, tc, rd, ra;
    uint8_t opcode, rcode;
    uint16_t qdcount, ancount, nscount, arcount;
} sk_dns_hdr;

/* Addresses an answer gives for one question. */
typedef struct {
    uint8_t count;
    sk_ipaddr addrs[8];
    uint32_t ttl; /* smallest TTL of the records used (CNAMEs included) */
    uint8_t cname_hops;
} sk_dns_answer;

/* Text name to wire form (labels 1..63 bytes, at most 255 bytes in all,
 * §2.3.4; an optional final dot; "" and "." refused). Returns the wire
 * length or -1. */
int sk_dns_name_encode(const char *text, uint8_t *out, size_t cap);

/* Read the name at msg[off] into its uncompressed wire form (out, 255
 * bytes). Pointers (§4.1.4) must point strictly before the pointer itself,
 * which rules out loops; labels 0x40/0x80 are refused. *next = the offset
 * after the name where it starts. Returns the wire length or -1. */
int sk_dns_name_decode(const uint8_t *msg, size_t len, size_t off, uint8_t *out, size_t *next);

/* Wire names equal, ASCII case ignored (RFC 4343 §3). */
bool sk_dns_name_eq(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);

bool sk_dns_hdr_parse(const uint8_t *msg, size_t len, sk_dns_hdr *h);

/* A query: header (id, RD=1, one question) + qname + qtype + class IN.
 * Returns its length, or 0 when cap is too small. */
size_t sk_dns_build_query(uint8_t *buf, size_t cap, uint16_t id, const uint8_t *qname,
                          size_t qlen, uint16_t qtype);

/* 1 when the message has exactly one question and it is (qname, qtype,
 * IN); 0 when it differs; -1 when it is malformed. *after = offset after it. */
int sk_dns_question_matches(const uint8_t *msg, size_t len, const uint8_t *qname, size_t qlen,
                            uint16_t qtype, size_t *after);

/* Walk the answer section (after = offset after the question): follow the
 * CNAME chain from qname (at most SK_DNS_CNAME_MAX links), collect the
 * qtype records of the chain's end (up to 8), skip other types. Every record
 * is bounds checked. Returns 0, or -1 when any record is malformed. */
int sk_dns_parse_answers(const uint8_t *msg, size_t len, size_t after, uint16_t ancount,
                         const uint8_t *qname, size_t qlen, uint16_t qtype, sk_dns_answer *ans);

#endif
