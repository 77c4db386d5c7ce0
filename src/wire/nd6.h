/* Neighbour Discovery messages (RFC 4861 §4): router solicitation and
 * advertisement, neighbour solicitation and advertisement, redirect (parse
 * only), with their options (§4.6). The message has passed sk_icmp6_parse
 * (length and checksum) first. sk_nd_check applies the validity rules of
 * §6.1.1, §6.1.2, §7.1.1, §7.1.2 and §8.1 that concern the packet itself;
 * the rules that need state (a redirect from the current first-hop router)
 * are the caller's. */
#ifndef SK_WIRE_ND6_H
#define SK_WIRE_ND6_H

#include "wire/icmp6.h"
#include "wire/ipv6.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Option types (RFC 4861 §4.6, RFC 8106 §5.1; the nonce of RFC 3971 §5.3.2
 * and DNSSL, RFC 8106 §5.2, are skipped as unknown). */
#define SK_NDOPT_SLLAO 1
#define SK_NDOPT_TLLAO 2
#define SK_NDOPT_PREFIX 3
#define SK_NDOPT_REDIRECTED 4
#define SK_NDOPT_MTU 5
#define SK_NDOPT_NONCE 14
#define SK_NDOPT_RDNSS 25

/* Prefix information options kept in the representation; more are
 * counted in n_prefix_over (and stay in the options view). */
#define SK_ND_MAX_PREFIX 4
/* RDNSS addresses kept (RFC 8106 §5.1); more are ignored. */
#define SK_ND_MAX_RDNSS 3

typedef struct {
    uint8_t prefix_len;
    bool on_link;    /* L */
    bool autonomous; /* A */
    uint32_t valid_lifetime;     /* seconds; 0xffffffff is infinity */
    uint32_t preferred_lifetime;
    sk_ip6 prefix;
} sk_nd_prefix;

typedef struct {
    bool has_sllao;
    bool has_tllao;
    bool has_mtu;
    sk_mac sllao; /* Ethernet only: a link-layer option of another length is unknown */
    sk_mac tllao;
    uint32_t mtu;
    uint8_t n_prefix;
    uint8_t n_prefix_over;
    sk_nd_prefix prefix[SK_ND_MAX_PREFIX];
    uint8_t n_rdnss;   /* RDNSS addresses (from every RDNSS option), each with its lifetime */
    sk_ip6 rdnss[SK_ND_MAX_RDNSS];
    uint32_t rdnss_lifetime[SK_ND_MAX_RDNSS]; /* seconds; 0xffffffff is infinity */
    uint8_t n_rdnss_bad; /* RDNSS options of length < 3 or even (RFC 8106 §5.1): ignored */
    uint8_t n_unknown; /* options skipped (unknown types, a second copy of one kept) */
    const uint8_t *redirected; /* Redirected Header option: the quoted packet */
    size_t redirected_len;
} sk_nd_opts;

typedef struct {
    uint8_t type; /* SK_ICMP6_ND_* */
    uint8_t code;
    uint16_t checksum; /* parse: as found */
    /* router advertisement (§4.2) */
    uint8_t cur_hop_limit;
    bool managed; /* M */
    bool other;   /* O */
    uint8_t ra_flags_rest; /* the other six flag bits (RFC 4191 preference, ...) as found */
    uint16_t router_lifetime; /* seconds */
    uint32_t reachable_time;  /* ms */
    uint32_t retrans_timer;   /* ms */
    /* neighbour advertisement (§4.4) */
    bool router;    /* R */
    bool solicited; /* S */
    bool override;  /* O */
    sk_ip6 target;  /* NS, NA, redirect */
    sk_ip6 dest;    /* redirect: the destination */
    /* The options as found (parse), or to copy (emit: when NULL, emit
     * builds them from opts instead). */
    const uint8_t *options;
    size_t options_len;
    sk_nd_opts opts;
} sk_nd_repr;

/* Parse an ND message (msg[0..len): the whole ICMPv6 message). Returns 0,
 * or SK_DROP_ICMP6_UNHANDLED (not an ND type), SK_DROP_ND_TRUNCATED (ICMP
 * length below the type's fixed part: RS 8, RA 16, NS and NA 24, redirect
 * 40), SK_DROP_ND_BAD_OPTION (an option of length 0, §4.6, or one past the
 * message). */
int sk_nd_parse(const uint8_t *msg, size_t len, sk_nd_repr *out);

/* The packet rules of RFC 4861 for a parsed message in a parsed IPv6
 * packet: hop limit 255 (ND_HOP_LIMIT), code 0 (ND_BAD_CODE); RA and
 * redirect from a link-local source (ND_SRC_NOT_LINK_LOCAL); NS and NA
 * target not multicast (ND_TARGET_MULTICAST); RS and NS from the
 * unspecified address without a source link-layer option (ND_UNSPEC_SLLAO),
 * NS from it only to a solicited-node address (ND_UNSPEC_DST); NA to a
 * multicast destination without the S flag (ND_SOLICITED_MCAST); redirect
 * destination not multicast and target link-local or the destination
 * (ND_REDIRECT_BAD). Returns 0 or that reason. */
int sk_nd_check(const sk_ip6_repr *ip, const sk_nd_repr *nd);

/* Write an RS, RA, NS or NA with its checksum for src -> dst: the fixed
 * part from r (reserved bits zero), then r->options verbatim when non-NULL,
 * else options built from r->opts in this order: source and target
 * link-layer address, MTU, prefixes. Returns bytes written, or 0 for a
 * redirect or another type, or when cap is too small. */
size_t sk_nd_emit(sk_ip6 src, sk_ip6 dst, const sk_nd_repr *r, uint8_t *buf, size_t cap);

/* Step through an options view that sk_nd_parse accepted: true with the
 * next option's type and its bytes after the type and length bytes. */
bool sk_nd_opt_next(const uint8_t **p, size_t *left, uint8_t *type, const uint8_t **body,
                    size_t *body_len);

#endif
