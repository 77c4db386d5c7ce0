/* base/tuple: the one tuple key (byte layout per family), the keyed hash
 * with its tweaks, tuple equality, and TCP's MSS from the MTU by family. */
#include "base/tuple.h"
#include "sk_test.h"
#include "tcp/tcp_conn.h"

static sk_ipaddr addr6(uint8_t last)
{
    sk_ipaddr a;
    memset(&a, 0, sizeof a);
    a.family = SK_AF_INET6;
    a.b[0] = 0x20;
    a.b[1] = 0x01;
    a.b[2] = 0x0d;
    a.b[3] = 0xb8;
    a.b[15] = last;
    return a;
}

/* IPv4: laddr, lport (big-endian), raddr, rport: 12 bytes. */
static void test_key_ipv4_layout(void)
{
    sk_tuple tu = {sk_addr4(sk_ip4_make(192, 0, 2, 1)), sk_addr4(sk_ip4_make(198, 51, 100, 7)),
                   0x1234, 0xabcd};
    uint8_t key[SK_TUPLE_KEY_MAX];
    static const uint8_t want[12] = {192, 0, 2, 1, 0x12, 0x34, 198, 51, 100, 7, 0xab, 0xcd};
    SK_CHECK_EQ(sk_tuple_key(&tu, key), 12);
    SK_CHECK_MEM(key, want, 12);
}

/* IPv6: the same order with 16-byte addresses: 36 bytes. */
static void test_key_ipv6_layout(void)
{
    sk_tuple tu = {addr6(1), addr6(2), 80, 49152};
    uint8_t key[SK_TUPLE_KEY_MAX];
    SK_CHECK_EQ(sk_tuple_key(&tu, key), 36);
    SK_CHECK_MEM(key, tu.laddr.b, 16);
    SK_CHECK_EQ(key[16], 0);
    SK_CHECK_EQ(key[17], 80);
    SK_CHECK_MEM(key + 18, tu.raddr.b, 16);
    SK_CHECK_EQ(key[34], 0xc0);
    SK_CHECK_EQ(key[35], 0x00);
}

/* The hash is SipHash-2-4 of exactly those bytes; a tweak changes k1 only. */
static void test_hash_is_siphash_of_key(void)
{
    sk_siphash_key k = {0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
    sk_tuple tu = {sk_addr4(sk_ip4_make(10, 0, 0, 2)), sk_addr4(sk_ip4_make(10, 0, 0, 1)), 40000,
                   80};
    uint8_t key[SK_TUPLE_KEY_MAX];
    size_t n = sk_tuple_key(&tu, key);
    SK_CHECK_EQ(sk_tuple_hash(&k, &tu, 0), (uint32_t)sk_siphash24(&k, key, n));
    sk_siphash_key kt = k;
    kt.k1 ^= 0x1234;
    SK_CHECK_EQ(sk_tuple_hash(&k, &tu, 0x1234), (uint32_t)sk_siphash24(&kt, key, n));
    SK_CHECK(sk_tuple_hash(&k, &tu, 0x1234) != sk_tuple_hash(&k, &tu, 0));
}

/* An IPv4 tuple and the IPv6 tuple with the same first four address bytes
 * are different tuples, with different hashes. */
static void test_family_separates(void)
{
    sk_siphash_key k = {1, 2};
    sk_tuple a = {sk_addr4(sk_ip4_make(32, 1, 13, 184)), sk_addr4(sk_ip4_make(32, 1, 13, 184)),
                  80, 80};
    sk_tuple b = {addr6(0), addr6(0), 80, 80};
    SK_CHECK(!sk_tuple_eq(&a, &b));
    SK_CHECK(sk_tuple_hash(&k, &a, 0) != sk_tuple_hash(&k, &b, 0));
    sk_tuple c = a;
    SK_CHECK(sk_tuple_eq(&a, &c));
    c.rport = 81;
    SK_CHECK(!sk_tuple_eq(&a, &c));
}

/* RFC 9293 §3.7.1 (IPv4: MTU - 40), RFC 8200 §8.3 (IPv6: MTU - 60); an
 * MTU below the headers gives 0. */
static void test_mss_from_mtu_by_family(void)
{
    SK_CHECK_EQ(sk_tcp_mss_from_mtu(SK_AF_INET4, 1500), 1460);
    SK_CHECK_EQ(sk_tcp_mss_from_mtu(SK_AF_INET6, 1500), 1440);
    SK_CHECK_EQ(sk_tcp_mss_from_mtu(SK_AF_INET6, 1280), 1220);
    SK_CHECK_EQ(sk_tcp_mss_from_mtu(SK_AF_INET4, 40), 0);
    SK_CHECK_EQ(sk_tcp_mss_from_mtu(SK_AF_INET6, 59), 0);
}

int main(void)
{
    SK_RUN(test_key_ipv4_layout);
    SK_RUN(test_key_ipv6_layout);
    SK_RUN(test_hash_is_siphash_of_key);
    SK_RUN(test_family_separates);
    SK_RUN(test_mss_from_mtu_by_family);
    return sk_test_finish();
}
