/* Classic libpcap capture files (the format of tcpdump -w, documented in
 * pcap-savefile(5) and draft-ietf-opsawg-pcap): a 24-byte file header, then
 * per packet a 16-byte record header and the captured bytes.
 *
 * Byte order: every header field is written explicitly LITTLE-ENDIAN, so the
 * magic 0xa1b2c3d4 appears on disk as d4 c3 b2 a1. libpcap writes host order
 * and readers detect the order from the magic, so this is exactly what a
 * little-endian host's libpcap writes, and the same bytes come out on any
 * host: captures of a deterministic simulation are byte-identical
 * everywhere. Timestamps are microseconds (magic a1b2c3d4, not a1b23c4d). */
#include "posix/pcap_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "synack/bytes.h"

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_VERSION_MAJOR 2
#define PCAP_VERSION_MINOR 4
#define PCAP_DEFAULT_SNAPLEN 65535u

struct sk_pcap {
    FILE *f;
    uint32_t snaplen;
    int failed; /* a write failed: reported again by sk_pcap_close */
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

sk_pcap *sk_pcap_open(const char *path, uint32_t linktype, uint32_t snaplen)
{
    uint8_t hdr[24];
    sk_pcap *p = malloc(sizeof *p);
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
    p->failed = 0;
    sk_pcap_encode_file_header(hdr, linktype, p->snaplen);
    errno = 0;
    if (fwrite(hdr, sizeof hdr, 1, p->f) != 1) {
        int e = errno ? errno : EIO;
        fclose(p->f);
        free(p);
        errno = e;
        return NULL;
    }
    return p;
}

int sk_pcap_write(sk_pcap *p, uint64_t ts_us, const void *frame, size_t len)
{
    uint8_t hdr[16];
    if (p == NULL)
        return -1;
    /* origlen is 32 bits: a longer frame (impossible on a real link) is
     * recorded as 0xffffffff. */
    uint32_t origlen = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
    uint32_t caplen = origlen < p->snaplen ? origlen : p->snaplen;
    sk_pcap_encode_record_header(hdr, ts_us, caplen, origlen);
    if (fwrite(hdr, sizeof hdr, 1, p->f) != 1 ||
        (caplen > 0 && fwrite(frame, caplen, 1, p->f) != 1)) {
        p->failed = 1;
        return -1;
    }
    return 0;
}

int sk_pcap_close(sk_pcap *p)
{
    if (p == NULL)
        return 0;
    int bad = p->failed || ferror(p->f);
    if (fclose(p->f) != 0)
        bad = 1;
    free(p);
    return bad ? -1 : 0;
}
