/* port/posix/pcap_file: classic pcap files, byte for byte.
 *
 * Also the sample writer for tests/unit/test_pcap_tshark.sh:
 *   test_pcap_file --write PATH      Ethernet file: ICMP echo, ARP, TCP SYN
 *   test_pcap_file --write-raw PATH  LINKTYPE_RAW file: the same TCP SYN
 *   test_pcap_file --write-bad PATH  the Ethernet file with wrong IPv4 and
 *                                    ICMP checksums in frame 1 and a wrong
 *                                    TCP checksum in frame 3: the negative
 *                                    control proving tshark's checks can fail.
 * The frames are built by hand here (not with the wire/ modules, so that a
 * bug there cannot hide in both the frames and the check). */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/bytes.h"
#include "base/checksum.h"
#include "posix/pcap_file.h"
#include "sk_test.h"

/* ------------------------------------------------------------------ */
/* Sample frames                                                        */
/* ------------------------------------------------------------------ */

static const uint8_t k_mac_a[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t k_mac_b[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
static const uint8_t k_ip_a[4] = {192, 0, 2, 1}; /* TEST-NET-1, RFC 5737 */
static const uint8_t k_ip_b[4] = {192, 0, 2, 2};
static const char k_icmp_payload[] = "synack echo 0123"; /* 16 bytes */

/* Golden checksum values computed independently (a few lines of Python
 * implementing RFC 1071 over the same bytes), not with base/checksum. */
#define GOLD_ICMP_IP_CSUM 0xb6ccu
#define GOLD_ICMP_CSUM 0x4b32u
#define GOLD_TCP_IP_CSUM 0x9a72u
#define GOLD_TCP_CSUM 0x9c08u

static size_t put_eth(uint8_t *p, const uint8_t dst[6], const uint8_t src[6], uint16_t type)
{
    memcpy(p, dst, 6);
    memcpy(p + 6, src, 6);
    sk_store_be16(p + 12, type);
    return 14;
}

/* IPv4 header without options (RFC 791 §3.1), DF set, TTL 64, A -> B. */
static size_t put_ipv4(uint8_t *p, uint16_t total_len, uint16_t id, uint8_t proto)
{
    p[0] = 0x45;
    p[1] = 0;
    sk_store_be16(p + 2, total_len);
    sk_store_be16(p + 4, id);
    sk_store_be16(p + 6, 0x4000); /* DF, fragment offset 0 */
    p[8] = 64;
    p[9] = proto;
    sk_store_be16(p + 10, 0);
    memcpy(p + 12, k_ip_a, 4);
    memcpy(p + 16, k_ip_b, 4);
    sk_store_be16(p + 10, sk_csum(p, 20));
    return 20;
}

/* Ethernet + IPv4 + ICMP echo request (RFC 792), id 0x1234, seq 1. */
static size_t build_icmp_echo(uint8_t *f)
{
    size_t n = put_eth(f, k_mac_b, k_mac_a, 0x0800);
    uint8_t *icmp = f + n + 20;
    size_t icmp_len = 8 + sizeof k_icmp_payload - 1;
    n += put_ipv4(f + n, (uint16_t)(20 + icmp_len), 0x0001, 1);
    icmp[0] = 8; /* echo request */
    icmp[1] = 0;
    sk_store_be16(icmp + 2, 0);
    sk_store_be16(icmp + 4, 0x1234);
    sk_store_be16(icmp + 6, 1);
    memcpy(icmp + 8, k_icmp_payload, sizeof k_icmp_payload - 1);
    sk_store_be16(icmp + 2, sk_csum(icmp, icmp_len));
    return n + icmp_len;
}

/* Ethernet broadcast ARP request (RFC 826): who has B? tell A. */
static size_t build_arp_request(uint8_t *f)
{
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    size_t n = put_eth(f, bcast, k_mac_a, 0x0806);
    uint8_t *a = f + n;
    sk_store_be16(a + 0, 1);      /* htype Ethernet */
    sk_store_be16(a + 2, 0x0800); /* ptype IPv4 */
    a[4] = 6;
    a[5] = 4;
    sk_store_be16(a + 6, 1); /* request */
    memcpy(a + 8, k_mac_a, 6);
    memcpy(a + 14, k_ip_a, 4);
    memset(a + 18, 0, 6); /* target hardware address unknown */
    memcpy(a + 24, k_ip_b, 4);
    return n + 28;
}

/* IPv4 + TCP SYN 192.0.2.1:49152 -> 192.0.2.2:80, seq 0x12345678, with
 * the options a Linux SYN carries: MSS 1460, SACK permitted, timestamps
 * (TSval 0x01020304, TSecr 0), NOP, window scale 7 (RFC 9293 §3.1,
 * RFC 2018, RFC 7323). The checksum covers the RFC 9293 §3.1 pseudo-header. */
static size_t build_tcp_syn_ip(uint8_t *f)
{
    static const uint8_t opts[20] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 1, 2,
                                     3, 4, 0,    0,    0, 0, 1, 3, 3, 7};
    uint8_t *t = f + 20;
    const uint16_t tcp_len = 40;
    put_ipv4(f, (uint16_t)(20 + tcp_len), 0x1c46, 6);
    sk_store_be16(t + 0, 49152);
    sk_store_be16(t + 2, 80);
    sk_store_be32(t + 4, 0x12345678u);
    sk_store_be32(t + 8, 0);
    t[12] = (uint8_t)((tcp_len / 4) << 4);
    t[13] = 0x02; /* SYN */
    sk_store_be16(t + 14, 64240);
    sk_store_be16(t + 16, 0);
    sk_store_be16(t + 18, 0);
    memcpy(t + 20, opts, sizeof opts);
    uint32_t sum = sk_csum_pseudo4(k_ip_a, k_ip_b, 6, tcp_len);
    sk_store_be16(t + 16, sk_csum_fold(sk_csum_partial(t, tcp_len, sum)));
    return 20u + tcp_len;
}

static size_t build_tcp_syn_eth(uint8_t *f)
{
    size_t n = put_eth(f, k_mac_b, k_mac_a, 0x0800);
    return n + build_tcp_syn_ip(f + n);
}

/* Capture times: 1.000001 s, 1.250000 s, 2.999999 s. */
static const uint64_t k_ts[3] = {1000001u, 1250000u, 2999999u};

static int write_sample(const char *path, uint32_t link, int corrupt)
{
    uint8_t f[3][128];
    size_t n[3];
    sk_pcap *p = sk_pcap_open(path, link, 0);
    if (p == NULL) {
        perror(path);
        return 1;
    }
    int rc = 0;
    if (link == SK_PCAP_LINK_RAW) {
        n[0] = build_tcp_syn_ip(f[0]);
        rc |= sk_pcap_write(p, k_ts[0], f[0], n[0]);
    } else {
        n[0] = build_icmp_echo(f[0]);
        n[1] = build_arp_request(f[1]);
        n[2] = build_tcp_syn_eth(f[2]);
        if (corrupt) {
            f[0][14 + 11] ^= 0x01;      /* IPv4 header checksum */
            f[0][14 + 20 + 3] ^= 0x01;  /* ICMP checksum */
            f[2][14 + 20 + 17] ^= 0x01; /* TCP checksum */
        }
        for (int i = 0; i < 3; i++)
            rc |= sk_pcap_write(p, k_ts[i], f[i], n[i]);
    }
    rc |= sk_pcap_close(p);
    return rc != 0;
}

/* ------------------------------------------------------------------ */
/* Tests                                                                */
/* ------------------------------------------------------------------ */

static void test_pcap_file_header_bytes(void)
{
    /* Little-endian: magic a1b2c3d4 as d4 c3 b2 a1, version 2.4,
     * thiszone 0, sigfigs 0, snaplen, linktype. */
    static const uint8_t want_eth[24] = {0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00,
                                         0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                         0xff, 0xff, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00};
    static const uint8_t want_raw[24] = {0xd4, 0xc3, 0xb2, 0xa1, 0x02, 0x00, 0x04, 0x00,
                                         0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                         0x60, 0x00, 0x00, 0x00, 0x65, 0x00, 0x00, 0x00};
    uint8_t got[24];
    memset(got, 0xaa, sizeof got);
    sk_pcap_encode_file_header(got, SK_PCAP_LINK_ETHERNET, 65535);
    SK_CHECK_MEM(got, want_eth, 24);
    memset(got, 0xaa, sizeof got);
    sk_pcap_encode_file_header(got, SK_PCAP_LINK_RAW, 96);
    SK_CHECK_MEM(got, want_raw, 24);
    /* Field by field, for readers of the encoder. */
    SK_CHECK_EQ(sk_load_le32(got), 0xa1b2c3d4u);
    SK_CHECK_EQ(sk_load_le16(got + 4), 2u);
    SK_CHECK_EQ(sk_load_le16(got + 6), 4u);
    SK_CHECK_EQ(sk_load_le32(got + 16), 96u);
    SK_CHECK_EQ(sk_load_le32(got + 20), 101u);
}

static void test_pcap_record_header_bytes(void)
{
    /* 1234567890.123456 s: ts_sec 0x499602d2, ts_usec 123456 = 0x1e240. */
    static const uint8_t want[16] = {0xd2, 0x02, 0x96, 0x49, 0x40, 0xe2, 0x01, 0x00,
                                     0x3c, 0x00, 0x00, 0x00, 0x4a, 0x00, 0x00, 0x00};
    uint8_t got[16];
    sk_pcap_encode_record_header(got, 1234567890123456ull, 60, 74);
    SK_CHECK_MEM(got, want, 16);

    sk_pcap_encode_record_header(got, 999999, 0, 0);
    SK_CHECK_EQ(sk_load_le32(got), 0u);
    SK_CHECK_EQ(sk_load_le32(got + 4), 999999u);
    sk_pcap_encode_record_header(got, 1000000, 1, 2);
    SK_CHECK_EQ(sk_load_le32(got), 1u);
    SK_CHECK_EQ(sk_load_le32(got + 4), 0u);
    SK_CHECK_EQ(sk_load_le32(got + 8), 1u);
    SK_CHECK_EQ(sk_load_le32(got + 12), 2u);
    /* Seconds past 2^32 wrap (32-bit field); microseconds are exact. */
    sk_pcap_encode_record_header(got, (0x100000005ull * 1000000u) + 7u, 0, 0);
    SK_CHECK_EQ(sk_load_le32(got), 5u);
    SK_CHECK_EQ(sk_load_le32(got + 4), 7u);
}

/* The sample frames carry correct checksums, equal to the golden values. */
static void test_pcap_sample_frames_checksums(void)
{
    uint8_t f[128];
    size_t n = build_icmp_echo(f);
    SK_CHECK_EQ(n, 14u + 20u + 8u + 16u);
    SK_CHECK_EQ(sk_load_be16(f + 14 + 10), GOLD_ICMP_IP_CSUM);
    SK_CHECK_EQ(sk_load_be16(f + 34 + 2), GOLD_ICMP_CSUM);
    SK_CHECK_EQ(sk_csum(f + 14, 20), 0u);
    SK_CHECK_EQ(sk_csum(f + 34, n - 34), 0u);

    n = build_arp_request(f);
    SK_CHECK_EQ(n, 42u);
    SK_CHECK_EQ(sk_load_be16(f + 12), 0x0806u);

    n = build_tcp_syn_ip(f);
    SK_CHECK_EQ(n, 60u);
    SK_CHECK_EQ(sk_load_be16(f + 10), GOLD_TCP_IP_CSUM);
    SK_CHECK_EQ(sk_load_be16(f + 20 + 16), GOLD_TCP_CSUM);
    uint32_t ps = sk_csum_pseudo4(k_ip_a, k_ip_b, 6, 40);
    SK_CHECK_EQ(sk_csum_fold(sk_csum_partial(f + 20, 40, ps)), 0u);
}

/* Read a whole file (up to cap bytes); returns its size or -1. */
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

typedef struct {
    char dir[64];
    char path[128];
} tmp_file;

static int tmp_open(tmp_file *t, const char *name)
{
    snprintf(t->dir, sizeof t->dir, "/tmp/sk_pcap_test.XXXXXX");
    if (mkdtemp(t->dir) == NULL)
        return 0;
    snprintf(t->path, sizeof t->path, "%s/%s", t->dir, name);
    return 1;
}

static void tmp_remove(tmp_file *t)
{
    unlink(t->path);
    rmdir(t->dir);
}

/* Append a record the way the file should hold it. */
static size_t expect_record(uint8_t *out, uint64_t ts, const uint8_t *frame, size_t len,
                            size_t caplen)
{
    sk_pcap_encode_record_header(out, ts, (uint32_t)caplen, (uint32_t)len);
    memcpy(out + 16, frame, caplen);
    return 16 + caplen;
}

static void test_pcap_write_and_read_back(void)
{
    tmp_file t;
    if (!tmp_open(&t, "three.pcap")) {
        SK_CHECK_MSG(0, "mkdtemp failed");
        return;
    }
    SK_CHECK_EQ(write_sample(t.path, SK_PCAP_LINK_ETHERNET, 0), 0);

    uint8_t want[512], got[1024], f[128];
    size_t w = 0, n;
    sk_pcap_encode_file_header(want, SK_PCAP_LINK_ETHERNET, 65535);
    w += 24;
    n = build_icmp_echo(f);
    w += expect_record(want + w, k_ts[0], f, n, n);
    n = build_arp_request(f);
    w += expect_record(want + w, k_ts[1], f, n, n);
    n = build_tcp_syn_eth(f);
    w += expect_record(want + w, k_ts[2], f, n, n);

    long size = slurp(t.path, got, sizeof got);
    SK_CHECK_EQ_I(size, (long)w);
    if (size == (long)w)
        SK_CHECK_MEM(got, want, w);
    /* Spot checks on the raw bytes: second record starts after 24+16+58. */
    SK_CHECK_EQ(sk_load_le32(got + 24 + 8), 58u);   /* caplen of frame 1 */
    SK_CHECK_EQ(sk_load_le32(got + 98 + 4), 250000u); /* usec of frame 2 */
    tmp_remove(&t);
}

static void test_pcap_raw_linktype_file(void)
{
    tmp_file t;
    if (!tmp_open(&t, "raw.pcap")) {
        SK_CHECK_MSG(0, "mkdtemp failed");
        return;
    }
    SK_CHECK_EQ(write_sample(t.path, SK_PCAP_LINK_RAW, 0), 0);
    uint8_t got[256], f[128];
    long size = slurp(t.path, got, sizeof got);
    size_t n = build_tcp_syn_ip(f);
    SK_CHECK_EQ_I(size, (long)(24 + 16 + n));
    SK_CHECK_EQ(sk_load_le32(got + 20), 101u);
    SK_CHECK_EQ(got[40], 0x45u); /* the record starts at the IPv4 header */
    SK_CHECK_MEM(got + 40, f, n);
    tmp_remove(&t);
}

static void test_pcap_snaplen_truncates_keeps_origlen(void)
{
    tmp_file t;
    if (!tmp_open(&t, "snap.pcap")) {
        SK_CHECK_MSG(0, "mkdtemp failed");
        return;
    }
    uint8_t f[128], got[256];
    size_t n = build_icmp_echo(f);
    sk_pcap *p = sk_pcap_open(t.path, SK_PCAP_LINK_ETHERNET, 34);
    SK_CHECK(p != NULL);
    if (p == NULL)
        return;
    SK_CHECK_EQ_I(sk_pcap_write(p, 5, f, n), 0);   /* cut to 34 */
    SK_CHECK_EQ_I(sk_pcap_write(p, 6, f, 20), 0);  /* shorter: whole */
    SK_CHECK_EQ_I(sk_pcap_write(p, 7, f, 34), 0);  /* exactly snaplen */
    SK_CHECK_EQ_I(sk_pcap_close(p), 0);
    long size = slurp(t.path, got, sizeof got);
    SK_CHECK_EQ_I(size, 24 + (16 + 34) + (16 + 20) + (16 + 34));
    SK_CHECK_EQ(sk_load_le32(got + 16), 34u); /* snaplen in the header */
    SK_CHECK_EQ(sk_load_le32(got + 24 + 8), 34u);
    SK_CHECK_EQ(sk_load_le32(got + 24 + 12), n);
    SK_CHECK_MEM(got + 40, f, 34);
    SK_CHECK_EQ(sk_load_le32(got + 74 + 8), 20u);
    SK_CHECK_EQ(sk_load_le32(got + 74 + 12), 20u);
    SK_CHECK_EQ(sk_load_le32(got + 110 + 8), 34u);
    SK_CHECK_EQ(sk_load_le32(got + 110 + 12), 34u);
    tmp_remove(&t);
}

static void test_pcap_empty_frame_record(void)
{
    tmp_file t;
    if (!tmp_open(&t, "empty.pcap")) {
        SK_CHECK_MSG(0, "mkdtemp failed");
        return;
    }
    uint8_t got[64], want[16];
    sk_pcap *p = sk_pcap_open(t.path, SK_PCAP_LINK_RAW, 0);
    SK_CHECK(p != NULL);
    if (p == NULL)
        return;
    SK_CHECK_EQ_I(sk_pcap_write(p, 42, NULL, 0), 0);
    SK_CHECK_EQ_I(sk_pcap_close(p), 0);
    SK_CHECK_EQ_I(slurp(t.path, got, sizeof got), 40);
    sk_pcap_encode_record_header(want, 42, 0, 0);
    SK_CHECK_MEM(got + 24, want, 16);
    tmp_remove(&t);
}

static void test_pcap_null_handle(void)
{
    uint8_t b[1] = {0};
    SK_CHECK_EQ_I(sk_pcap_close(NULL), 0);
    SK_CHECK_EQ_I(sk_pcap_write(NULL, 0, b, 1), -1);
}

static void test_pcap_open_missing_dir_fails(void)
{
    errno = 0;
    sk_pcap *p = sk_pcap_open("/nonexistent-synack-dir/x/y.pcap", SK_PCAP_LINK_ETHERNET, 0);
    SK_CHECK(p == NULL);
    SK_CHECK_EQ_I(errno, ENOENT);
    sk_pcap_close(p);
}

/* A full device: the buffered writes succeed, the final flush fails, and
 * close reports it. */
static void test_pcap_close_reports_write_error(void)
{
    if (access("/dev/full", W_OK) != 0) {
        printf("  (skipped: no /dev/full)\n");
        return;
    }
    uint8_t f[128];
    size_t n = build_icmp_echo(f);
    sk_pcap *p = sk_pcap_open("/dev/full", SK_PCAP_LINK_ETHERNET, 0);
    SK_CHECK(p != NULL);
    if (p == NULL)
        return;
    int wr = 0;
    for (int i = 0; i < 200; i++) /* more than one stdio buffer */
        wr |= sk_pcap_write(p, (uint64_t)i, f, n);
    SK_CHECK_EQ_I(wr, -1);
    SK_CHECK_EQ_I(sk_pcap_close(p), -1);
}

static int usage(void)
{
    fprintf(stderr, "usage: test_pcap_file [--write|--write-raw|--write-bad PATH]\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write") == 0)
        return write_sample(argv[2], SK_PCAP_LINK_ETHERNET, 0);
    if (argc == 3 && strcmp(argv[1], "--write-raw") == 0)
        return write_sample(argv[2], SK_PCAP_LINK_RAW, 0);
    if (argc == 3 && strcmp(argv[1], "--write-bad") == 0)
        return write_sample(argv[2], SK_PCAP_LINK_ETHERNET, 1);
    if (argc != 1)
        return usage();
    SK_RUN(test_pcap_file_header_bytes);
    SK_RUN(test_pcap_record_header_bytes);
    SK_RUN(test_pcap_sample_frames_checksums);
    SK_RUN(test_pcap_write_and_read_back);
    SK_RUN(test_pcap_raw_linktype_file);
    SK_RUN(test_pcap_snaplen_truncates_keeps_origlen);
    SK_RUN(test_pcap_empty_frame_record);
    SK_RUN(test_pcap_null_handle);
    SK_RUN(test_pcap_open_missing_dir_fails);
    SK_RUN(test_pcap_close_reports_write_error);
    return sk_test_finish();
}
