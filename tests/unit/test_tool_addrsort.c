/* tools/tool_addrsort.c: the order in which `synack connect NAME` tries
 * the addresses (RFC 6724 §6 rules 1 and 6, RFC 8305 §4 interleaving). */
#include "sk_test.h"
#include "tool_addrsort.h"

#include <string.h>

static sk_ipaddr v4(uint8_t last)
{
    return sk_ipaddr_from_ip4(sk_ip4_make(192, 0, 2, last));
}

static sk_ipaddr v6(uint8_t last)
{
    sk_ip6 a = {{0x20, 0x01, 0x0d, 0xb8}};
    a.b[15] = last;
    return sk_ipaddr_from_ip6(a);
}

/* The list as text: "4.1 6.2 ..." (family.last byte). */
static const char *show(const sk_ipaddr *a, size_t n)
{
    static char buf[256];
    size_t k = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && k + 8 < sizeof buf; i++) {
        uint8_t last = a[i].family == SK_AF_INET4 ? a[i].b[3] : a[i].b[15];
        k += (size_t)snprintf(buf + k, sizeof buf - k, "%s%d.%d", i ? " " : "", a[i].family, last);
    }
    return buf;
}

typedef struct {
    bool v4_ok, v6_ok;
    uint8_t bad_last; /* an address ending in this byte is unusable (0: none) */
} reach;

static bool reach_usable(const void *ctx, const sk_ipaddr *a)
{
    const reach *r = ctx;
    uint8_t last = a->family == SK_AF_INET4 ? a->b[3] : a->b[15];
    if (r->bad_last != 0 && last == r->bad_last)
        return false;
    return a->family == SK_AF_INET4 ? r->v4_ok : r->v6_ok;
}

static const char *order(sk_ipaddr *a, size_t n, bool v4_ok, bool v6_ok, int force)
{
    reach r = {v4_ok, v6_ok, 0};
    tool_addr_pref p = {reach_usable, &r, force};
    size_t k = tool_addr_order(a, n, &p);
    return show(a, k);
}

/* RFC 6724 §2.1 default policy: IPv6 (precedence 40) before IPv4 (35)
 * when both are usable, though the DNS result lists A first. */
static void test_ipv6_first_when_usable(void)
{
    sk_ipaddr a[] = {v4(1), v6(2)};
    SK_CHECK_STR(order(a, 2, true, true, 0), "6.2 4.1");
}

/* Rule 1: without a usable IPv6 source or route, IPv4 leads and IPv6 is
 * still tried last (kept, not dropped). */
static void test_ipv4_first_without_ipv6(void)
{
    sk_ipaddr a[] = {v6(2), v4(1)};
    SK_CHECK_STR(order(a, 2, true, false, 0), "4.1 6.2");
    sk_ipaddr b[] = {v4(1), v6(2)};
    SK_CHECK_STR(order(b, 2, false, true, 0), "6.2 4.1");
}

/* RFC 8305 §4: the families alternate, each in the DNS order, the longer
 * family's tail last. */
static void test_interleaves_families(void)
{
    sk_ipaddr a[] = {v4(1), v4(3), v4(5), v6(2), v6(4)};
    SK_CHECK_STR(order(a, 5, true, true, 0), "6.2 4.1 6.4 4.3 4.5");
    sk_ipaddr b[] = {v4(1), v6(2), v6(4), v6(6)};
    SK_CHECK_STR(order(b, 4, true, false, 0), "4.1 6.2 6.4 6.6");
}

/* --ipv4 / --ipv6: only that family, in DNS order; none left is 0. */
static void test_force_family(void)
{
    sk_ipaddr a[] = {v4(1), v4(3), v6(2), v6(4)};
    SK_CHECK_STR(order(a, 4, true, true, SK_AF_INET4), "4.1 4.3");
    sk_ipaddr b[] = {v4(1), v4(3), v6(2), v6(4)};
    SK_CHECK_STR(order(b, 4, true, true, SK_AF_INET6), "6.2 6.4");
    sk_ipaddr c[] = {v4(1)};
    SK_CHECK_EQ(order(c, 1, true, true, SK_AF_INET6)[0], '\0');
}

/* One unusable address of a usable family goes after the usable ones. */
static void test_unusable_address_last(void)
{
    sk_ipaddr a[] = {v4(1), v6(2), v6(4)};
    reach r = {true, true, 2};
    tool_addr_pref p = {reach_usable, &r, 0};
    size_t k = tool_addr_order(a, 3, &p);
    SK_CHECK_STR(show(a, k), "6.4 4.1 6.2");
}

/* Bad input: no addresses, an unknown family (dropped), NULL `usable`. */
static void test_edges(void)
{
    tool_addr_pref p = {NULL, NULL, 0};
    SK_CHECK_EQ(tool_addr_order(NULL, 0, &p), 0u);
    sk_ipaddr a[] = {v4(1), v6(2), v4(3)};
    a[1].family = SK_AF_UNSPEC;
    size_t k = tool_addr_order(a, 3, &p);
    SK_CHECK_STR(show(a, k), "4.1 4.3");
    sk_ipaddr b[] = {v4(1), v6(2)};
    k = tool_addr_order(b, 2, &p);
    SK_CHECK_STR(show(b, k), "6.2 4.1");
}

static void test_in_prefix(void)
{
    sk_ipaddr a = v6(0x42), pfx = v6(0);
    SK_CHECK(tool_addr_in_prefix(&a, &pfx, 64));
    SK_CHECK(tool_addr_in_prefix(&a, &pfx, 121)); /* 0x42 = 0100 0010: 7 bits agree */
    SK_CHECK(!tool_addr_in_prefix(&a, &pfx, 122));
    SK_CHECK(!tool_addr_in_prefix(&a, &pfx, 129));
    sk_ipaddr b = v4(7), net = v4(0);
    SK_CHECK(tool_addr_in_prefix(&b, &net, 24));
    SK_CHECK(!tool_addr_in_prefix(&b, &net, 32));
    SK_CHECK(!tool_addr_in_prefix(&b, &pfx, 0)); /* families differ */
    SK_CHECK(tool_addr_in_prefix(&b, &net, 0));
}

int main(void)
{
    SK_RUN(test_ipv6_first_when_usable);
    SK_RUN(test_ipv4_first_without_ipv6);
    SK_RUN(test_interleaves_families);
    SK_RUN(test_force_family);
    SK_RUN(test_unusable_address_last);
    SK_RUN(test_edges);
    SK_RUN(test_in_prefix);
    return sk_test_finish();
}
