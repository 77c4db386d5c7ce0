/* Classic libpcap capture files (the format of tcpdump -w, documented in
 * pcap-savefile(5) and draft-ietf-opsawg-pcap): a 24-byte file header, then
 * per packet a 16-byte record header and the captured bytes.
 *
 * Byte order: every header field is written explicitly LITTLE-ENDIAN, so the
 * magic 0xa1b2c3d4 appears on disk as d4 c3 b2 a1. libpcap writes host order
 * and readers detect the order from the magic, so this is exactly what a
 * little-endian host's libpcap writes, and the same bytes come out on any
 * host: captures of a deterministic simulation are byte-identical
 * everywhere. Timestamps are microseconds (magic a1b2c3d4, not a1b23c4d).
 *
 * A name ending in ".pcapng" gets pcapng instead (posix/pcapng_file.c):
 * one section, interface 0 with the given link type, more interfaces with
 * sk_pcap_add_interface, and records that name their interface and may
 * carry a comment (sk_pcap_write_on). */
#include "posix/pcap_file.h"
#include "posix/pcapng_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "synack/bytes.h"

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_VERSION_MAJOR 2
#define PCAP_VERSION_MINOR 4
#define PCAP_DEFAULT_SNAPLEN 65535u

struct sk_pcap {
    FILE *f;
    uint32_t snaplen;
    uint32_t linktype;
    int failed; /* a write failed: reported again by sk_pcap_close */
    bool ng;    /* pcapng */
    uint32_t n_if; /* pcapng: interfaces described so far */
    uint8_t *buf;  /* pcapng: one block being encoded */
    size_t buf_cap;
};

void sk_pcap_encode_file_header(uint8_t out[24], uint32_t linktype, uint32_t snaplen)
{
    sk_store_le32(out + 0, PCAP_MAGIC_US);
    sk_store_le16(out + 4, PCAP_VERSION_MAJOR);
    sk_store_le16(out + 6, PCAP_VERSION_MINOR);
    sk_store_le32(out + 8, 0);  /* thiszone: timestamps are UTC */
    sk_store_le32(out + 12, 0); /* sigfigs: always 0 in practice */
    sk_store_le32(out + 16, snaplen);
    sk_store_le32(out + 20, linktype);
}

/* ts_sec is 32 bits: times past 2^32 s (year 2106 as wall time) wrap. */
void sk_pcap_encode_record_header(uint8_t out[16], uint64_t ts_us, uint32_t caplen,
                                  uint32_t origlen)
{
    sk_store_le32(out + 0, (uint32_t)(ts_us / 1000000u));
    sk_store_le32(out + 4, (uint32_t)(ts_us % 1000000u));
    sk_store_le32(out + 8, caplen);
    sk_store_le32(out + 12, origlen);
}

bool sk_pcap_name_is_ng(const char *path)
{
    size_t n = strlen(path), k = strlen(".pcapng");
    return n >= k && strcmp(path + n - k, ".pcapng") == 0;
}

/* Room for a block of `need` bytes in p->buf (the encoders, asked with no
 * room, return the length they need and write nothing). */
static bool reserve(sk_pcap *p, size_t need)
{
    if (need <= p->buf_cap)
        return true;
    uint8_t *nb = realloc(p->buf, need);
    if (nb == NULL) {
        p->failed = 1;
        return false;
    }
    p->buf = nb;
    p->buf_cap = need;
    return true;
}

static int put_block(sk_pcap *p, size_t len)
{
    if (fwrite(p->buf, len, 1, p->f) != 1) {
        p->failed = 1;
        return -1;
    }
    return 0;
}

int sk_pcap_add_interface(sk_pcap *p, const char *name)
{
    if (p == NULL || !p->ng)
        return -1;
    size_t need = sk_pcapng_encode_idb(NULL, 0, (uint16_t)p->linktype, p->snaplen, name);
    if (!reserve(p, need))
        return -1;
    sk_pcapng_encode_idb(p->buf, p->buf_cap, (uint16_t)p->linktype, p->snaplen, name);
    if (put_block(p, need) != 0)
        return -1;
    return (int)p->n_if++;
}

static int write_header(sk_pcap *p, const char *if0_name)
{
    if (!p->ng) {
        uint8_t hdr[24];
        sk_pcap_encode_file_header(hdr, p->linktype, p->snaplen);
        return fwrite(hdr, sizeof hdr, 1, p->f) == 1 ? 0 : -1;
    }
    size_t need = sk_pcapng_encode_shb(NULL, 0, "synack");
    if (!reserve(p, need))
        return -1;
    sk_pcapng_encode_shb(p->buf, p->buf_cap, "synack");
    if (put_block(p, need) != 0)
        return -1;
    return sk_pcap_add_interface(p, if0_name) == 0 ? 0 : -1;
}

sk_pcap *sk_pcap_open_named(const char *path, uint32_t linktype, uint32_t snaplen,
                            const char *if0_name)
{
    sk_pcap *p = calloc(1, sizeof *p);
    if (p == NULL) {
        errno = ENOMEM;
        return NULL;
    }
    p->f = fopen(path, "wb");
    if (p->f == NULL) {
        int e = errno;
        free(p);
        errno = e;
        return NULL;
    }
    p->snaplen = snaplen == 0 ? PCAP_DEFAULT_SNAPLEN : snaplen;
    p->linktype = linktype;
    p->ng = sk_pcap_name_is_ng(path);
    errno = 0;
    if (write_header(p, if0_name) != 0) {
        int e = errno ? errno : EIO;
        fclose(p->f);
        free(p->buf);
        free(p);
        errno = e;
        return NULL;
    }
    return p;
}

sk_pcap *sk_pcap_open(const char *path, uint32_t linktype, uint32_t snaplen)
{
    return sk_pcap_open_named(path, linktype, snaplen, NULL);
}

bool sk_pcap_is_ng(const sk_pcap *p)
{
    return p != NULL && p->ng;
}

static int write_ng(sk_pcap *p, uint32_t ifid, uint64_t ts_us, const void *frame, uint32_t caplen,
                    uint32_t origlen, const char *comment)
{
    if (ifid >= p->n_if)
        return -1;
    size_t need = sk_pcapng_encode_epb(NULL, 0, ifid, ts_us, frame, caplen, origlen, comment);
    if (!reserve(p, need))
        return -1;
    sk_pcapng_encode_epb(p->buf, p->buf_cap, ifid, ts_us, frame, caplen, origlen, comment);
    return put_block(p, need);
}

int sk_pcap_write_on(sk_pcap *p, uint32_t ifid, uint64_t ts_us, const void *frame, size_t len,
                     const char *comment)
{
    uint8_t hdr[16];
    if (p == NULL)
        return -1;
    /* origlen is 32 bits: a longer frame (impossible on a real link) is
     * recorded as 0xffffffff. */
    uint32_t origlen = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
    uint32_t caplen = origlen < p->snaplen ? origlen : p->snaplen;
    if (p->ng)
        return write_ng(p, ifid, ts_us, frame, caplen, origlen, comment);
    sk_pcap_encode_record_header(hdr, ts_us, caplen, origlen);
    if (fwrite(hdr, sizeof hdr, 1, p->f) != 1 ||
        (caplen > 0 && fwrite(frame, caplen, 1, p->f) != 1)) {
        p->failed = 1;
        return -1;
    }
    return 0;
}

int sk_pcap_write(sk_pcap *p, uint64_t ts_us, const void *frame, size_t len)
{
    return sk_pcap_write_on(p, 0, ts_us, frame, len, NULL);
}

int sk_pcap_close(sk_pcap *p)
{
    if (p == NULL)
        return 0;
    int bad = p->failed || ferror(p->f);
    if (fclose(p->f) != 0)
        bad = 1;
    free(p->buf);
    free(p);
    return bad ? -1 : 0;
}
