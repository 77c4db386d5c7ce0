/* port/posix/pcapng_file and the pcapng side of pcap_file: blocks byte for
 * byte (draft-ietf-opsawg-pcapng §4.1 SHB, §4.2 IDB, §4.3 EPB, §3.5 options),
 * a file named *.pcapng read back block by block, and the calls a classic
 * pcap file refuses. tshark reading the demo's pcapng is in
 * tests/tools/test_demo_golden.sh. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/bytes.h"
#include "posix/pcap_file.h"
#include "posix/pcapng_file.h"
#include "sk_test.h"

static void test_pcapng_shb_bytes(void)
{
    /* type, length 44, magic, 1.0, section length -1, shb_userappl
     * "synack" (6 bytes, padded to 8), opt_endofopt, length again */
    static const uint8_t want[40] = {
        0x0a, 0x0d, 0x0d, 0x0a, 44, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0,
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 4, 0, 6, 0, 's', 'y', 'n', 'a',
        'c', 'k', 0, 0, 0, 0, 0, 0};
    uint8_t got[64 + 4];
    memset(got, 0xaa, sizeof got);
    SK_CHECK_EQ(sk_pcapng_encode_shb(got, sizeof got, "synack"), 44u);
    SK_CHECK_MEM(got, want, 40);
    SK_CHECK_EQ(sk_load_le32(got + 40), 44u); /* trailing length */
    /* no options: 28 bytes, no opt_endofopt */
    SK_CHECK_EQ(sk_pcapng_encode_shb(got, sizeof got, NULL), 28u);
    SK_CHECK_EQ(sk_load_le32(got + 24), 28u);
    /* too small: nothing written, the length needed returned */
    memset(got, 0xaa, sizeof got);
    SK_CHECK_EQ(sk_pcapng_encode_shb(got, 10, "synack"), 44u);
    SK_CHECK_EQ(got[0], 0xaau);
}

static void test_pcapng_idb_bytes(void)
{
    /* LINKTYPE_RAW 101, snaplen 65535, if_name "client" */
    static const uint8_t want[36] = {1, 0, 0, 0, 36, 0, 0, 0, 101, 0, 0, 0, 0xff, 0xff, 0, 0,
                                     2, 0, 6, 0, 'c', 'l', 'i', 'e', 'n', 't', 0, 0,
                                     0, 0, 0, 0, 36, 0, 0, 0};
    uint8_t got[64];
    SK_CHECK_EQ(sk_pcapng_encode_idb(got, sizeof got, 101, 65535, "client"), 36u);
    SK_CHECK_MEM(got, want, 36);
    SK_CHECK_EQ(sk_pcapng_encode_idb(got, sizeof got, 1, 96, ""), 20u);
    SK_CHECK_EQ(sk_load_le16(got + 8), 1u);
    SK_CHECK_EQ(sk_load_le32(got + 12), 96u);
    SK_CHECK_EQ(sk_load_le32(got + 16), 20u);
}

static void test_pcapng_epb_bytes(void)
{
    /* interface 1, 4294967296.000005 s = 2^32 s + 5 us, 5 data bytes
     * (padded to 8), comment "hi" (padded to 4) */
    static const uint8_t data[5] = {0x45, 1, 2, 3, 4};
    uint64_t ts = 4294967296000005ull;
    uint8_t got[128];
    size_t n = sk_pcapng_encode_epb(got, sizeof got, 1, ts, data, 5, 60, "hi");
    SK_CHECK_EQ(n, 12u + 20u + 8u + 8u + 4u);
    SK_CHECK_EQ(sk_load_le32(got), 6u);
    SK_CHECK_EQ(sk_load_le32(got + 4), n);
    SK_CHECK_EQ(sk_load_le32(got + 8), 1u);
    SK_CHECK_EQ(sk_load_le32(got + 12), (uint32_t)(ts >> 32));
    SK_CHECK_EQ(sk_load_le32(got + 16), (uint32_t)ts);
    SK_CHECK_EQ(sk_load_le32(got + 20), 5u);
    SK_CHECK_EQ(sk_load_le32(got + 24), 60u); /* original length */
    SK_CHECK_MEM(got + 28, data, 5);
    static const uint8_t pad_opts[16] = {0, 0, 0, 1, 0, 2, 0, 'h', 'i', 0, 0, 0, 0, 0, 0};
    SK_CHECK_MEM(got + 33, pad_opts, 15);
    SK_CHECK_EQ(sk_load_le32(got + n - 4), n);
    /* no comment: no options at all */
    SK_CHECK_EQ(sk_pcapng_encode_epb(got, sizeof got, 0, 0, data, 4, 4, NULL), 36u);
    SK_CHECK_EQ(sk_load_le32(got + 32), 36u);
    SK_CHECK_EQ(sk_pcapng_encode_epb(got, sizeof got, 0, 0, NULL, 0, 0, ""), 32u);
}

static long slurp(const char *path, uint8_t *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;
    size_t n = fread(buf, 1, cap, f);
    int more = fgetc(f) != EOF;
    fclose(f);
    return more ? -1 : (long)n;
}

/* Walk the blocks: types in order, each length framed twice. */
static int walk(const uint8_t *b, long size, uint32_t *types, int max)
{
    long off = 0;
    int n = 0;
    while (off + 12 <= size && n < max) {
        uint32_t len = sk_load_le32(b + off + 4);
        if (len < 12 || len % 4 != 0 || off + len > size || sk_load_le32(b + off + len - 4) != len)
            return -1;
        types[n++] = sk_load_le32(b + off);
        off += len;
    }
    return off == size ? n : -1;
}

static void test_pcapng_file_two_interfaces(void)
{
    char dir[] = "/tmp/sk_pcapng_test.XXXXXX", path[128];
    if (mkdtemp(dir) == NULL) {
        SK_CHECK_MSG(0, "mkdtemp failed");
        return;
    }
    snprintf(path, sizeof path, "%s/two.pcapng", dir);
    SK_CHECK(sk_pcap_name_is_ng(path));
    SK_CHECK(!sk_pcap_name_is_ng("x.pcap"));
    SK_CHECK(!sk_pcap_name_is_ng("pcapng"));
    sk_pcap *p = sk_pcap_open_named(path, SK_PCAP_LINK_RAW, 0, "client");
    SK_CHECK(p != NULL && sk_pcap_is_ng(p));
    if (p == NULL)
        return;
    uint8_t frame[40] = {0x45};
    SK_CHECK_EQ_I(sk_pcap_add_interface(p, "server"), 1);
    SK_CHECK_EQ_I(sk_pcap_write_on(p, 0, 1000, frame, sizeof frame, "sent"), 0);
    SK_CHECK_EQ_I(sk_pcap_write_on(p, 1, 11000, frame, sizeof frame, "delivered"), 0);
    SK_CHECK_EQ_I(sk_pcap_write(p, 12000, frame, sizeof frame), 0); /* interface 0 */
    SK_CHECK_EQ_I(sk_pcap_write_on(p, 2, 13000, frame, sizeof frame, NULL), -1); /* not described */
    SK_CHECK_EQ_I(sk_pcap_close(p), 0);
    uint8_t got[1024];
    uint32_t types[8];
    long size = slurp(path, got, sizeof got);
    SK_CHECK_EQ_I(walk(got, size, types, 8), 6);
    static const uint32_t want[6] = {SK_PCAPNG_SHB_TYPE, SK_PCAPNG_IDB_TYPE, SK_PCAPNG_IDB_TYPE,
                                     SK_PCAPNG_EPB_TYPE, SK_PCAPNG_EPB_TYPE, SK_PCAPNG_EPB_TYPE};
    SK_CHECK_MEM(types, want, sizeof want);
    unlink(path);
    rmdir(dir);
}

/* sk_pcap_open, as serve/connect --pcap call it: a .pcapng name gets one
 * unnamed interface, and sk_pcap_write records on it. */
static void test_pcapng_plain_open(void)
{
    char dir[] = "/tmp/sk_pcapng_test.XXXXXX", path[128];
    if (mkdtemp(dir) == NULL) {
        SK_CHECK_MSG(0, "mkdtemp failed");
        return;
    }
    snprintf(path, sizeof path, "%s/loop.pcapng", dir);
    sk_pcap *p = sk_pcap_open(path, SK_PCAP_LINK_ETHERNET, 0);
    SK_CHECK(p != NULL && sk_pcap_is_ng(p));
    if (p == NULL)
        return;
    uint8_t frame[60] = {0};
    SK_CHECK_EQ_I(sk_pcap_write(p, 7, frame, sizeof frame), 0);
    SK_CHECK_EQ_I(sk_pcap_close(p), 0);
    uint8_t got[512];
    uint32_t types[4];
    long size = slurp(path, got, sizeof got);
    SK_CHECK_EQ_I(walk(got, size, types, 4), 3);
    SK_CHECK_EQ(types[1], SK_PCAPNG_IDB_TYPE);
    SK_CHECK_EQ(types[2], SK_PCAPNG_EPB_TYPE);
    long idb = 12 + 16 + 12 + 4; /* the SHB with "synack" */
    SK_CHECK_EQ(sk_load_le32(got + idb + 4), 20u); /* no if_name */
    SK_CHECK_EQ(sk_load_le16(got + idb + 8), 1u); /* LINKTYPE_ETHERNET */
    SK_CHECK_EQ(sk_load_le32(got + idb + 20 + 8), 0u); /* interface 0 */
    SK_CHECK_EQ(sk_load_le32(got + idb + 20 + 16), 7u); /* ts low */
    unlink(path);
    rmdir(dir);
}

/* A classic pcap file has one interface and no comments. */
static void test_pcapng_classic_refuses_interfaces(void)
{
    char dir[] = "/tmp/sk_pcapng_test.XXXXXX", path[128];
    if (mkdtemp(dir) == NULL) {
        SK_CHECK_MSG(0, "mkdtemp failed");
        return;
    }
    snprintf(path, sizeof path, "%s/one.pcap", dir);
    sk_pcap *p = sk_pcap_open_named(path, SK_PCAP_LINK_RAW, 0, "ignored");
    SK_CHECK(p != NULL && !sk_pcap_is_ng(p));
    if (p == NULL)
        return;
    SK_CHECK_EQ_I(sk_pcap_add_interface(p, "server"), -1);
    uint8_t frame[20] = {0x45};
    SK_CHECK_EQ_I(sk_pcap_write_on(p, 0, 5, frame, sizeof frame, "dropped comment"), 0);
    SK_CHECK_EQ_I(sk_pcap_close(p), 0);
    uint8_t got[128];
    SK_CHECK_EQ_I(slurp(path, got, sizeof got), 24 + 16 + 20);
    SK_CHECK_EQ(sk_load_le32(got), 0xa1b2c3d4u);
    SK_CHECK_EQ_I(sk_pcap_add_interface(NULL, "x"), -1);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    SK_RUN(test_pcapng_shb_bytes);
    SK_RUN(test_pcapng_idb_bytes);
    SK_RUN(test_pcapng_epb_bytes);
    SK_RUN(test_pcapng_file_two_interfaces);
    SK_RUN(test_pcapng_classic_refuses_interfaces);
    SK_RUN(test_pcapng_plain_open);
    return sk_test_finish();
}
