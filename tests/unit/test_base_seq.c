/* base/: sequence-number arithmetic (RFC 9293 §3.4), byte order, addresses,
 * and the error/drop-reason tables. */
#include "base/bytes.h"
#include "base/seq.h"
#include "base/sktime.h"
#include "sk_test.h"
#include "synack/synack.h"

static void test_seq_compare_wraps(void)
{
    sk_seq a = sk_seq_make(0xfffffff0u), b = sk_seq_make(0x10u);
    SK_CHECK(sk_seq_lt(a, b));
    SK_CHECK(sk_seq_gt(b, a));
    SK_CHECK(!sk_seq_lt(b, a));
    SK_CHECK(sk_seq_le(a, a) && sk_seq_ge(a, a) && !sk_seq_lt(a, a));
    SK_CHECK_EQ_I(sk_seq_diff(b, a), 0x20);
    SK_CHECK_EQ_I(sk_seq_diff(a, b), -0x20);
    SK_CHECK_EQ(sk_seq_add(a, 0x20).v, 0x10u);
    SK_CHECK_EQ(sk_seq_len(a, b), 0x20u);
    SK_CHECK_EQ(sk_seq_max(a, b).v, b.v);
    SK_CHECK_EQ(sk_seq_min(a, b).v, a.v);
}

static void test_seq_half_space_boundary(void)
{
    /* b is "after" a only while b - a < 2^31. */
    sk_seq a = sk_seq_make(0);
    SK_CHECK(sk_seq_lt(a, sk_seq_make(0x7fffffffu)));
    SK_CHECK(!sk_seq_lt(a, sk_seq_make(0x80000000u)));
    SK_CHECK(sk_seq_lt(sk_seq_make(0x80000001u), a));
}

static void test_seq_window(void)
{
    sk_seq lo = sk_seq_make(0xfffffffeu), hi = sk_seq_make(2);
    SK_CHECK(sk_seq_in(sk_seq_make(0xfffffffeu), lo, hi));
    SK_CHECK(sk_seq_in(sk_seq_make(0), lo, hi));
    SK_CHECK(sk_seq_in(sk_seq_make(1), lo, hi));
    SK_CHECK(!sk_seq_in(sk_seq_make(2), lo, hi));
    SK_CHECK(!sk_seq_in(sk_seq_make(0xfffffffdu), lo, hi));
    SK_CHECK(!sk_seq_in(lo, lo, lo)); /* empty window */
}

static void test_bytes_roundtrip(void)
{
    uint8_t b[8];
    sk_store_be16(b, 0x1234);
    SK_CHECK(b[0] == 0x12 && b[1] == 0x34);
    SK_CHECK_EQ(sk_load_be16(b), 0x1234u);
    sk_store_be32(b, 0xdeadbeefu);
    SK_CHECK(b[0] == 0xde && b[3] == 0xef);
    SK_CHECK_EQ(sk_load_be32(b), 0xdeadbeefu);
    sk_store_be64(b, 0x0102030405060708ull);
    SK_CHECK(b[0] == 1 && b[7] == 8);
    SK_CHECK_EQ(sk_load_be64(b), 0x0102030405060708ull);
    sk_store_le32(b, 0xdeadbeefu);
    SK_CHECK(b[0] == 0xef && b[3] == 0xde);
    SK_CHECK_EQ(sk_load_le32(b), 0xdeadbeefu);
    sk_store_le16(b, 0xabcd);
    SK_CHECK_EQ(sk_load_le16(b), 0xabcdu);
}

static void test_time_helpers(void)
{
    SK_CHECK_EQ(SK_MSEC(3), 3000u);
    SK_CHECK_EQ(SK_SEC(2), 2000000u);
    SK_CHECK(sk_time_due(5, 5) && sk_time_due(5, 6) && !sk_time_due(5, 4));
    SK_CHECK(!sk_time_due(SK_TIME_NEVER, SK_TIME_NEVER - 1));
    SK_CHECK(sk_time_after(SK_TIME_NEVER - 5, 100) < SK_TIME_NEVER);
    SK_CHECK_EQ(sk_time_after(10, 5), 15u);
}

static void test_ip4_text(void)
{
    sk_ip4 a;
    uint8_t plen = 0;
    char buf[32];
    SK_CHECK_EQ_I(sk_ip4_from_str("192.0.2.1", &a), 0);
    SK_CHECK(a.b[0] == 192 && a.b[1] == 0 && a.b[2] == 2 && a.b[3] == 1);
    SK_CHECK_STR(sk_ip4_to_str(a, buf, sizeof buf), "192.0.2.1");
    SK_CHECK_EQ_I(sk_ip4_prefix_from_str("10.1.2.3/24", &a, &plen), 0);
    SK_CHECK_EQ(plen, 24u);
    const char *bad[] = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ", "a.b.c.d",
                         "1..2.3", "1.2.3.4/", "1.2.3.4/33", "1.2.3.-1", "1234.1.1.1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        SK_CHECK_MSG(sk_ip4_from_str(bad[i], &a) == SK_EINVAL,
                     "accepted bad address \"%s\"", bad[i]);
        SK_CHECK_MSG(sk_ip4_prefix_from_str(bad[i], &a, &plen) == SK_EINVAL,
                     "accepted bad prefix \"%s\"", bad[i]);
    }
    SK_CHECK_EQ_I(sk_ip4_from_str(NULL, &a), SK_EINVAL);
}

static void test_mac_text(void)
{
    sk_mac m;
    char buf[32];
    SK_CHECK_EQ_I(sk_mac_from_str("02:00:5E:10:00:01", &m), 0);
    SK_CHECK_STR(sk_mac_to_str(m, buf, sizeof buf), "02:00:5e:10:00:01");
    SK_CHECK_EQ_I(sk_mac_from_str("02:00:5e:10:00", &m), SK_EINVAL);
    SK_CHECK_EQ_I(sk_mac_from_str("02-00-5e-10-00-01", &m), SK_EINVAL);
    SK_CHECK_EQ_I(sk_mac_from_str("0g:00:5e:10:00:01", &m), SK_EINVAL);
}

static void test_ipaddr_family(void)
{
    sk_ipaddr a = sk_ipaddr_from_ip4(sk_ip4_make(192, 0, 2, 1));
    sk_ipaddr b = sk_ipaddr_from_ip4(sk_ip4_make(192, 0, 2, 1));
    sk_ipaddr c = sk_ipaddr_from_ip4(sk_ip4_make(192, 0, 2, 2));
    SK_CHECK_EQ(a.family, SK_AF_INET4);
    SK_CHECK(sk_ipaddr_eq(&a, &b));
    SK_CHECK(!sk_ipaddr_eq(&a, &c));
    b.family = SK_AF_INET6;
    SK_CHECK(!sk_ipaddr_eq(&a, &b));
}

static void test_error_table(void)
{
    SK_CHECK_STR(sk_strerror(SK_OK), "success");
    SK_CHECK_STR(sk_strerror(SK_EAGAIN), "operation would block; retry when ready");
    SK_CHECK_STR(sk_errname(SK_ETIMEDOUT), "SK_ETIMEDOUT");
    SK_CHECK_STR(sk_strerror(-9999), "unknown error");
    SK_CHECK_STR(sk_errname(12345), "SK_E?");
    SK_CHECK_STR(sk_drop_reason_name(SK_DROP_TCP_CHECKSUM), "TCP_CHECKSUM");
    SK_CHECK_STR(sk_drop_reason_str(SK_DROP_TCP_CHECKSUM), "TCP checksum wrong");
    SK_CHECK_STR(sk_drop_reason_str(-1), "unknown drop reason");
    SK_CHECK_STR(sk_drop_reason_str(SK_DROP__COUNT), "unknown drop reason");
    /* every reason has distinct, non-empty text */
    for (int i = 1; i < SK_DROP__COUNT; i++)
        SK_CHECK_MSG(sk_drop_reason_str(i)[0] != '\0', "reason %d has no text", i);
}

int main(void)
{
    SK_RUN(test_seq_compare_wraps);
    SK_RUN(test_seq_half_space_boundary);
    SK_RUN(test_seq_window);
    SK_RUN(test_bytes_roundtrip);
    SK_RUN(test_time_helpers);
    SK_RUN(test_ip4_text);
    SK_RUN(test_mac_text);
    SK_RUN(test_ipaddr_family);
    SK_RUN(test_error_table);
    return sk_test_finish();
}
