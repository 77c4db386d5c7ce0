/* port/posix: the event loop on a device opened with virtio-net headers
 * (dev.vnet), without a real device. The "device" is one end of an AF_UNIX
 * SOCK_SEQPACKET pair, as in test_posix_loop.c: readv/writev of the 10-byte
 * header and the frame keep their boundary, so two stacks with every
 * offload (SK_LINK_IP) pass super-segments, partial checksums and their
 * metadata through it, as a TAP would pass them to a guest. */
#define _GNU_SOURCE

#include "posix/posix_alloc.h"
#include "posix/posix_loop.h"
#include "posix/posix_sock.h"
#include "posix/posix_vnet.h"
#include "sk_test.h"
#include "synack/udp.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define XFER (1u << 20)

typedef struct {
    sk_posix_dev dev;
    sk_stack *st;
    sk_posix_loop loop; /* a 64 KiB buffer: the hosts are static */
} host;

static host host_a, host_b;
static int pair[2];
static uint8_t sent[XFER], got[XFER];

static int host_open(host *h, int fd, uint8_t last, const char *pcap,
                     const sk_impair_config *imp, char *err, size_t errcap)
{
    memset(&h->dev, 0, sizeof h->dev);
    h->dev.fd = fd;
    h->dev.kind = SK_DEV_TUN;
    h->dev.mtu = 1500;
    h->dev.vnet = true;
    snprintf(h->dev.name, sizeof h->dev.name, "vpair%d", fd);
    sk_stack_config cfg;
    sk_stack_config_default(&cfg);
    cfg.addr = sk_ip4_make(192, 0, 2, last);
    cfg.prefix_len = 24;
    cfg.link = SK_LINK_IP;
    cfg.mtu = 1500;
    cfg.seed = last;
    cfg.alloc = sk_posix_allocator();
    cfg.dev = (sk_dev_caps){.tx_csum = true, .rx_csum = true, .tso_max = SK_TSO_MAX, .gro = true};
    if (sk_stack_create(&cfg, &h->st) != 0)
        return -1;
    sk_posix_loop_config lc = {.stack = h->st, .dev = &h->dev, .pcap_path = pcap,
                               .impair_out = imp, .impair_seed = last};
    return sk_posix_loop_init(&h->loop, &lc, err, errcap);
}

static void host_close(host *h)
{
    sk_posix_loop_free(&h->loop);
    sk_stack_destroy(h->st);
}

/* The TCP checksum of an IPv4 packet verifies (pseudo-header included). */
static int tcp4_csum_ok(const uint8_t *ip, size_t len)
{
    size_t ihl = (size_t)(ip[0] & 15) * 4, tot = (size_t)ip[2] << 8 | ip[3];
    if (len < tot || tot < ihl + 20 || ip[9] != 6)
        return 0;
    uint32_t sum = 6 + (uint32_t)(tot - ihl);
    for (size_t i = 12; i < 20; i += 2)
        sum += (uint32_t)ip[i] << 8 | ip[i + 1];
    for (size_t i = ihl; i < tot; i += 2)
        sum += (uint32_t)ip[i] << 8 | (i + 1 < tot ? ip[i + 1] : 0);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return sum == 0xffff;
}

static void *server_main(void *arg)
{
    int *result = arg;
    sk_sock ls, s;
    *result = sk_tcp_listen(host_b.st, 7, NULL, &ls);
    if (*result == 0)
        *result = sk_blocking_accept(&host_b.loop, ls, 10000000u, &s, NULL);
    if (*result != 0)
        return NULL;
    size_t off = 0;
    ptrdiff_t n;
    while (off < XFER && (n = sk_blocking_recv(&host_b.loop, s, got + off, XFER - off,
                                               10000000u)) > 0)
        off += (size_t)n;
    *result = off == XFER ? sk_blocking_close(&host_b.loop, s, 10000000u) : -1;
    return NULL;
}

/* 1 MiB from A to B through both loops: A writes super-segments with
 * partial checksums, B reads them whole with their metadata (as merged
 * segments) and trusts the checksum; every byte arrives, nothing is
 * dropped but duplicates of a retransmission. */
static void test_transfer_with_offloads(void)
{
    char err[256] = "";
    SK_CHECK_EQ_I(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair), 0);
    SK_CHECK_EQ_I(host_open(&host_a, pair[0], 2, NULL, NULL, err, sizeof err), 0);
    SK_CHECK_EQ_I(host_open(&host_b, pair[1], 1, NULL, NULL, err, sizeof err), 0);
    for (size_t i = 0; i < XFER; i++)
        sent[i] = (uint8_t)(i * 7u + (i >> 9));
    int server_result = -1;
    pthread_t th;
    SK_CHECK_EQ_I(pthread_create(&th, NULL, server_main, &server_result), 0);
    sk_endpoint peer = {sk_ipaddr_from_ip4(sk_ip4_make(192, 0, 2, 1)), 7};
    sk_sock s;
    int r = sk_blocking_connect(&host_a.loop, &peer, 10000000u, &s);
    SK_CHECK_EQ_I(r, 0);
    if (r == 0) {
        SK_CHECK_EQ_I(sk_blocking_send_all(&host_a.loop, s, sent, XFER, 10000000u), XFER);
        SK_CHECK_EQ_I(sk_blocking_close(&host_a.loop, s, 10000000u), 0);
    }
    pthread_join(th, NULL);
    SK_CHECK_EQ_I(server_result, 0);
    SK_CHECK_MEM(got, sent, XFER);
    SK_CHECK(host_a.loop.stats.supers_out > 0);
    SK_CHECK(host_b.loop.stats.merged_in > 0);
    SK_CHECK_EQ_I(host_b.loop.stats.merged_in, host_a.loop.stats.supers_out);
    /* nothing dropped but the duplicates of A's retransmissions (a loss
     * probe or a timeout fires when a thread is descheduled on a loaded
     * machine; its copy is out of B's window, answered and counted) */
    const sk_stats *sb = sk_stack_stats(host_b.st);
    SK_CHECK(sb->drops <= sk_stack_stats(host_a.st)->retransmits);
    SK_CHECK_EQ_I(sb->drops, sb->drop[SK_DROP_TCP_OUT_OF_WINDOW]);
    SK_CHECK_EQ_I(sk_stack_stats(host_b.st)->retransmits, 0);
    host_close(&host_a);
    host_close(&host_b);
    close(pair[0]);
    close(pair[1]);
}

/* The capture completes a partial checksum for its record only: the SYN
 * on the device still holds the pseudo-header sum with NEEDS_CSUM (a
 * device completes it); the record is that frame completed, and it
 * verifies. The file's snap length holds a whole super-segment. */
static void test_capture_completes_a_copy(void)
{
    char err[256] = "", path[] = "/tmp/sk_loop_vnet_XXXXXX";
    int pfd = mkstemp(path);
    SK_CHECK(pfd >= 0);
    SK_CHECK_EQ_I(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair), 0);
    SK_CHECK_EQ_I(host_open(&host_a, pair[0], 2, path, NULL, err, sizeof err), 0);
    sk_endpoint peer = {sk_ipaddr_from_ip4(sk_ip4_make(192, 0, 2, 1)), 7};
    sk_sock s;
    SK_CHECK_EQ_I(sk_tcp_connect(host_a.st, sk_posix_loop_clock(&host_a.loop), &peer, NULL, &s),
                  0);
    SK_CHECK_EQ_I(sk_posix_loop_flush(&host_a.loop), 0);
    host_close(&host_a); /* closes the capture */
    uint8_t wire[SK_VNET_HDR_LEN + 128];
    ssize_t n = recv(pair[1], wire, sizeof wire, MSG_DONTWAIT);
    SK_CHECK(n >= SK_VNET_HDR_LEN + 40);
    sk_frame_meta m;
    sk_vnet_hdr_decode(wire, &m);
    uint8_t *syn = wire + SK_VNET_HDR_LEN;
    size_t len = (size_t)n - SK_VNET_HDR_LEN;
    SK_CHECK(m.flags & SK_FRAME_NEEDS_CSUM);
    SK_CHECK_EQ_I(m.csum_start, 20);
    SK_CHECK(!tcp4_csum_ok(syn, len)); /* partial on the device */
    uint8_t file[24 + 16 + 128];
    ssize_t fl = pread(pfd, file, sizeof file, 0);
    SK_CHECK_EQ_I(fl, (ssize_t)(24 + 16 + len));
    uint32_t snaplen = (uint32_t)file[16] | (uint32_t)file[17] << 8 | (uint32_t)file[18] << 16 |
                       (uint32_t)file[19] << 24;
    SK_CHECK_EQ_I(snaplen, 262144);
    SK_CHECK(tcp4_csum_ok(file + 40, len)); /* complete in the record */
    SK_CHECK_EQ_I(sk_frame_csum_complete(syn, len, &m), 0);
    SK_CHECK_MEM(file + 40, syn, len); /* the record is the frame completed */
    close(pfd);
    unlink(path);
    close(pair[0]);
    close(pair[1]);
}

/* Delay lines carry frames without metadata: refused on a vnet device. */
static void test_impairment_refused(void)
{
    char err[256] = "";
    sk_impair_config delay = {.delay_us = 1000};
    SK_CHECK_EQ_I(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair), 0);
    SK_CHECK_EQ_I(host_open(&host_a, pair[0], 2, NULL, &delay, err, sizeof err), -1);
    SK_CHECK(strstr(err, "impairment needs a device without offloads") != NULL);
    SK_CHECK(!host_a.loop.has_imp_out); /* freed on the way out */
    sk_stack_destroy(host_a.st);
    close(pair[0]);
    close(pair[1]);
}

/* A UDP datagram from this host (Linux leaves its checksum partial:
 * NEEDS_CSUM, csum_offset 6, the field holding the pseudo-header sum) is
 * completed by the loop before input: the stack checks UDP in software and
 * would drop it as UDP_CHECKSUM. */
static void test_partial_udp_checksum_completed(void)
{
    char err[256] = "";
    SK_CHECK_EQ_I(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair), 0);
    SK_CHECK_EQ_I(host_open(&host_a, pair[0], 2, NULL, NULL, err, sizeof err), 0);
    sk_sock u;
    sk_endpoint local = {sk_ipaddr_from_ip4(sk_ip4_make(192, 0, 2, 2)), 53};
    SK_CHECK_EQ_I(sk_udp_open(host_a.st, &u), 0);
    SK_CHECK_EQ_I(sk_udp_bind(host_a.st, u, &local), 0);
    /* IPv4 192.0.2.1 -> 192.0.2.2, UDP 5353 -> 53, payload "hello" */
    uint8_t f[SK_VNET_HDR_LEN + 33] = {0};
    uint8_t *ip = f + SK_VNET_HDR_LEN;
    static const uint8_t iph[20] = {0x45, 0, 0, 33, 0, 1, 0x40, 0, 64, 17, 0, 0,
                                    192, 0, 2, 1, 192, 0, 2, 2};
    memcpy(ip, iph, 20);
    uint32_t hs = 0;
    for (int i = 0; i < 20; i += 2)
        hs += (uint32_t)ip[i] << 8 | ip[i + 1];
    while (hs >> 16)
        hs = (hs & 0xffff) + (hs >> 16);
    ip[10] = (uint8_t)(~hs >> 8);
    ip[11] = (uint8_t)~hs;
    static const uint8_t udp[13] = {0x14, 0xe9, 0, 53, 0, 13, 0, 0, 'h', 'e', 'l', 'l', 'o'};
    memcpy(ip + 20, udp, sizeof udp);
    uint32_t ps = 0xc000 + 0x0201 + 0xc000 + 0x0202 + 17 + 13; /* pseudo-header */
    while (ps >> 16)
        ps = (ps & 0xffff) + (ps >> 16);
    ip[26] = (uint8_t)(ps >> 8);
    ip[27] = (uint8_t)ps;
    sk_frame_meta m = {.flags = SK_FRAME_NEEDS_CSUM, .csum_start = 20, .csum_offset = 6};
    sk_vnet_hdr_encode(&m, f);
    SK_CHECK_EQ_I(send(pair[1], f, sizeof f, 0), (ssize_t)sizeof f);
    SK_CHECK_EQ_I(sk_posix_loop_step(&host_a.loop, 1000000u), 0);
    char buf[16] = {0};
    SK_CHECK_EQ_I(sk_udp_recv(host_a.st, host_a.loop.now, u, buf, sizeof buf), 5);
    SK_CHECK_MEM(buf, "hello", 5);
    SK_CHECK_EQ_I(sk_stack_stats(host_a.st)->udp_bad_checksum, 0);
    host_close(&host_a);
    close(pair[0]);
    close(pair[1]);
}

/* The in-place calls (header in the bytes before the frame, one read or
 * write of one block) and the two-iovec calls speak the same format: each
 * reads what the other wrote, metadata and frame intact; the headroom holds
 * the header after a read; a datagram shorter than a header reads as
 * nothing (0), EAGAIN too. */
static void test_inplace_calls_match_iovec_calls(void)
{
    SK_CHECK_EQ_I(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, pair), 0);
    sk_posix_dev a = {.fd = pair[0], .kind = SK_DEV_TAP, .vnet = true};
    sk_posix_dev b = {.fd = pair[1], .kind = SK_DEV_TAP, .vnet = true};
    static const sk_frame_meta m = {.flags = SK_FRAME_NEEDS_CSUM, .gso_type = SK_GSO_TCPV4,
                                    .hdr_len = 66, .gso_size = 1448, .csum_start = 34,
                                    .csum_offset = 16};
    uint8_t room[SK_VNET_HDR_LEN + 100], frame[90];
    for (size_t i = 0; i < sizeof frame; i++)
        frame[i] = (uint8_t)(i * 7 + 1);
    /* in place -> two iovecs */
    memset(room, 0xee, sizeof room);
    memcpy(room + SK_VNET_HDR_LEN, frame, sizeof frame);
    SK_CHECK_EQ_I(sk_posix_dev_write_meta_inplace(&a, room + SK_VNET_HDR_LEN, sizeof frame, &m), 0);
    SK_CHECK_MEM(room + SK_VNET_HDR_LEN, frame, sizeof frame); /* the frame untouched */
    uint8_t got_frame[100];
    sk_frame_meta gm;
    SK_CHECK_EQ_I(sk_posix_dev_read_meta(&b, got_frame, sizeof got_frame, &gm), (long)sizeof frame);
    SK_CHECK_MEM(got_frame, frame, sizeof frame);
    SK_CHECK_MEM(&gm, &m, sizeof m);
    /* two iovecs -> in place */
    SK_CHECK_EQ_I(sk_posix_dev_write_meta(&b, frame, sizeof frame, &m), 0);
    memset(room, 0, sizeof room);
    SK_CHECK_EQ_I(sk_posix_dev_read_meta_inplace(&a, room + SK_VNET_HDR_LEN, 100, &gm),
                  (long)sizeof frame);
    SK_CHECK_MEM(room + SK_VNET_HDR_LEN, frame, sizeof frame);
    SK_CHECK_MEM(&gm, &m, sizeof m);
    uint8_t hdr[SK_VNET_HDR_LEN];
    sk_vnet_hdr_encode(&m, hdr);
    SK_CHECK_MEM(room, hdr, sizeof hdr); /* the header landed in the headroom */
    /* nothing waiting; then a runt shorter than a header */
    SK_CHECK_EQ_I(sk_posix_dev_read_meta_inplace(&a, room + SK_VNET_HDR_LEN, 100, &gm), 0);
    SK_CHECK_EQ_I(send(pair[1], "abc", 3, 0), 3);
    SK_CHECK_EQ_I(sk_posix_dev_read_meta_inplace(&a, room + SK_VNET_HDR_LEN, 100, &gm), 0);
    close(pair[0]);
    close(pair[1]);
}

int main(void)
{
    SK_RUN(test_inplace_calls_match_iovec_calls);
    SK_RUN(test_transfer_with_offloads);
    SK_RUN(test_capture_completes_a_copy);
    SK_RUN(test_impairment_refused);
    SK_RUN(test_partial_udp_checksum_completed);
    return sk_test_finish();
}
