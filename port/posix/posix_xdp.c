#include "posix_xdp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sk_posix_xdp_parse(const char *spec, char *ifname, size_t cap, unsigned *queue)
{
    const char *colon = strchr(spec, ':');
    size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
    if (n == 0 || n >= cap || n >= 16)
        return -1;
    memcpy(ifname, spec, n);
    ifname[n] = '\0';
    *queue = 0;
    if (colon == NULL)
        return 0;
    char *end;
    unsigned long q = strtoul(colon + 1, &end, 10);
    if (colon[1] < '0' || colon[1] > '9' || *end != '\0' || q > 4095)
        return -1;
    *queue = (unsigned)q;
    return 0;
}

#ifndef SK_HAVE_XDP

bool sk_posix_xdp_available(void)
{
    return false;
}

static int xdp_open(sk_posix_dev *dev, const char *ifname, unsigned queue, bool generic,
                    char *err, size_t errcap)
{
    (void)queue;
    (void)generic;
    memset(dev, 0, sizeof *dev);
    dev->fd = -1;
    snprintf(err, errcap, "cannot open %s over AF_XDP: this build has no AF_XDP (libxdp-dev and "
             "libbpf-dev were not found when it was configured; run scripts/deps.sh bench and "
             "configure again)", ifname);
    return -1;
}

const char *sk_posix_xdp_mode(const sk_posix_dev *dev)
{
    (void)dev;
    return "";
}

#else /* SK_HAVE_XDP */

#include <errno.h>
#include <linux/if_link.h>
#include <linux/if_xdp.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include <xdp/xsk.h>

/* UMEM: SK_XDP_FRAMES chunks of one page each; the first half lives on the
 * fill/RX side, the second half is the TX pool (a stack of free chunks). */
#define SK_XDP_FRAME_SIZE 4096u
#define SK_XDP_FRAMES 4096u
#define SK_XDP_RING 2048u           /* each of the four rings */
#define SK_XDP_TX_FRAMES (SK_XDP_FRAMES / 2)
#define SK_XDP_KICK_EVERY 64u       /* queued TX frames that force a kick */
#define SK_XDP_KICK_MAX 256u        /* sendto calls per flush, at most */

typedef struct {
    void *area;
    struct xsk_umem *umem;
    struct xsk_socket *xsk;
    struct xsk_ring_prod fill, tx;
    struct xsk_ring_cons comp, rx;
    uint64_t tx_free[SK_XDP_TX_FRAMES];
    uint32_t n_tx_free;
    uint32_t tx_queued;             /* on the TX ring, not yet kicked */
    uint32_t tx_outstanding;        /* kicked, completion not yet seen */
    const char *mode;
} sk_xdp;

bool sk_posix_xdp_available(void)
{
    return true;
}

/* Give the kernel up to n empty RX chunks (the fill ring's free room). */
static void fill_chunks(sk_xdp *x, const uint64_t *addrs, uint32_t n)
{
    uint32_t idx;
    uint32_t got = xsk_ring_prod__reserve(&x->fill, n, &idx);
    for (uint32_t i = 0; i < got; i++)
        *xsk_ring_prod__fill_addr(&x->fill, idx + i) = addrs[i];
    xsk_ring_prod__submit(&x->fill, got);
}

/* Take back the chunks the kernel has finished sending. */
static void reclaim(sk_xdp *x)
{
    uint32_t idx;
    uint32_t n = xsk_ring_cons__peek(&x->comp, SK_XDP_RING, &idx);
    for (uint32_t i = 0; i < n; i++)
        x->tx_free[x->n_tx_free++] = *xsk_ring_cons__comp_addr(&x->comp, idx + i);
    xsk_ring_cons__release(&x->comp, n);
    x->tx_outstanding -= n;
}

/* af_xdp.rst: TX in copy mode runs in the sendto() call, a bounded batch
 * per call (EAGAIN: more to send; EBUSY/ENOBUFS: the kernel is behind);
 * call again while frames wait on the ring. */
static void kick(sk_xdp *x)
{
    int fd = xsk_socket__fd(x->xsk);
    x->tx_outstanding += x->tx_queued;
    x->tx_queued = 0;
    for (unsigned i = 0; i < SK_XDP_KICK_MAX; i++) {
        if (sendto(fd, NULL, 0, MSG_DONTWAIT, NULL, 0) >= 0)
            break;
        if (errno != EAGAIN && errno != EBUSY && errno != ENOBUFS && errno != EINTR)
            break;
        reclaim(x);
        if (x->tx_outstanding == 0)
            break;
    }
    reclaim(x);
}

static void xdp_flush(void *impl)
{
    sk_xdp *x = impl;
    if (x->tx_queued > 0)
        kick(x);
    else if (x->tx_outstanding > 0)
        reclaim(x);
}

static int xdp_write(void *impl, const uint8_t *frame, size_t len)
{
    sk_xdp *x = impl;
    if (len > SK_XDP_FRAME_SIZE - XDP_PACKET_HEADROOM)
        return 1; /* larger than a chunk: lost, as on a link with a smaller MTU */
    if (x->n_tx_free == 0)
        reclaim(x);
    if (x->n_tx_free == 0 && x->tx_queued > 0)
        kick(x);
    uint32_t idx;
    if (x->n_tx_free == 0 || xsk_ring_prod__reserve(&x->tx, 1, &idx) != 1)
        return 1; /* no room: dropped, as a full queue would */
    uint64_t addr = x->tx_free[--x->n_tx_free];
    memcpy(xsk_umem__get_data(x->area, addr), frame, len);
    struct xdp_desc *d = xsk_ring_prod__tx_desc(&x->tx, idx);
    d->addr = addr;
    d->len = (uint32_t)len;
    d->options = 0;
    xsk_ring_prod__submit(&x->tx, 1);
    if (++x->tx_queued >= SK_XDP_KICK_EVERY)
        kick(x);
    return 0;
}

static long xdp_read(void *impl, uint8_t *buf, size_t cap)
{
    sk_xdp *x = impl;
    uint32_t idx;
    if (xsk_ring_cons__peek(&x->rx, 1, &idx) != 1) {
        /* af_xdp.rst, XDP_USE_NEED_WAKEUP: when the kernel ran out of fill
         * chunks it waits for a poll or recvfrom to go on receiving */
        if (xsk_ring_prod__needs_wakeup(&x->fill))
            recvfrom(xsk_socket__fd(x->xsk), NULL, 0, MSG_DONTWAIT, NULL, NULL);
        return 0;
    }
    const struct xdp_desc *d = xsk_ring_cons__rx_desc(&x->rx, idx);
    uint64_t addr = d->addr;
    size_t len = d->len <= cap ? d->len : cap;
    memcpy(buf, xsk_umem__get_data(x->area, addr), len);
    xsk_ring_cons__release(&x->rx, 1);
    uint64_t chunk = addr & ~(uint64_t)(SK_XDP_FRAME_SIZE - 1);
    fill_chunks(x, &chunk, 1); /* the chunk goes straight back to the kernel */
    return (long)len;
}

/* The socket, the UMEM and its memory, each if present; x itself stays. */
static void xdp_release(sk_xdp *x)
{
    if (x->xsk != NULL)
        xsk_socket__delete(x->xsk); /* detaches libxdp's program (test_xdp) */
    x->xsk = NULL;
    if (x->umem != NULL)
        xsk_umem__delete(x->umem);
    x->umem = NULL;
    if (x->area != NULL)
        munmap(x->area, (size_t)SK_XDP_FRAMES * SK_XDP_FRAME_SIZE);
    x->area = NULL;
}

static void xdp_close(void *impl)
{
    xdp_release(impl);
    free(impl);
}

static const sk_posix_dev_ops xdp_ops = {
    .read = xdp_read, .write = xdp_write, .flush = xdp_flush, .close = xdp_close};

/* The socket, native XDP first (unless generic), then the generic hook.
 * -errno on failure. */
static int create_socket(sk_xdp *x, const char *ifname, unsigned queue, bool generic)
{
    struct xsk_socket_config sc = {
        .rx_size = SK_XDP_RING,
        .tx_size = SK_XDP_RING,
        .libxdp_flags = 0, /* load libxdp's default redirect program */
        .xdp_flags = XDP_FLAGS_DRV_MODE,
        .bind_flags = XDP_COPY | XDP_USE_NEED_WAKEUP,
    };
    int r = generic ? -EOPNOTSUPP
                    : xsk_socket__create(&x->xsk, ifname, queue, x->umem, &x->rx, &x->tx, &sc);
    x->mode = "native";
    if (r == -EBUSY) { /* the queue is taken, not the mode missing: no fallback */
        x->xsk = NULL;
        return r;
    }
    if (r != 0) {
        x->xsk = NULL;
        sc.xdp_flags = XDP_FLAGS_SKB_MODE;
        r = xsk_socket__create(&x->xsk, ifname, queue, x->umem, &x->rx, &x->tx, &sc);
        x->mode = "generic";
    }
    if (r != 0)
        x->xsk = NULL;
    return r;
}

static int make_umem(sk_xdp *x)
{
    size_t size = (size_t)SK_XDP_FRAMES * SK_XDP_FRAME_SIZE;
    void *area = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED)
        return -errno;
    x->area = area;
    struct xsk_umem_config uc = {
        .fill_size = SK_XDP_RING,
        .comp_size = SK_XDP_RING,
        .frame_size = SK_XDP_FRAME_SIZE,
        .frame_headroom = 0,
        .flags = 0,
    };
    return xsk_umem__create(&x->umem, area, size, &x->fill, &x->comp, &uc);
}

static uint16_t link_mtu(const char *ifname)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", ifname);
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    uint16_t mtu = 1500;
    if (s >= 0 && ioctl(s, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu > 0 && ifr.ifr_mtu < 65536)
        mtu = (uint16_t)ifr.ifr_mtu;
    if (s >= 0)
        close(s);
    return mtu;
}

/* The fill ring starts with every RX chunk; the TX pool with the rest. */
static void seed_chunks(sk_xdp *x)
{
    uint64_t addrs[SK_XDP_RING];
    uint32_t n = SK_XDP_FRAMES / 2 < SK_XDP_RING ? SK_XDP_FRAMES / 2 : SK_XDP_RING;
    for (uint32_t i = 0; i < n; i++)
        addrs[i] = (uint64_t)i * SK_XDP_FRAME_SIZE;
    fill_chunks(x, addrs, n);
    for (uint32_t i = 0; i < SK_XDP_TX_FRAMES; i++)
        x->tx_free[x->n_tx_free++] = (uint64_t)(SK_XDP_FRAMES / 2 + i) * SK_XDP_FRAME_SIZE;
}

static int xdp_open(sk_posix_dev *dev, const char *ifname, unsigned queue, bool generic,
                    char *err, size_t errcap)
{
    memset(dev, 0, sizeof *dev);
    dev->fd = -1;
    if (ifname == NULL || ifname[0] == '\0' || strlen(ifname) >= sizeof dev->name ||
        if_nametoindex(ifname) == 0) {
        snprintf(err, errcap, "no interface '%s' for AF_XDP", ifname ? ifname : "");
        return -1;
    }
    /* libbpf and libxdp narrate on stderr (ELF sections they skip, no
     * bpffs so no dispatcher): quiet; a failure is reported below */
    libbpf_set_print(NULL);
    libxdp_set_print(NULL);
    sk_xdp *x = calloc(1, sizeof *x);
    if (x == NULL) {
        snprintf(err, errcap, "out of memory");
        return -1;
    }
    /* A queue whose AF_XDP socket has just been closed (by this program's
     * previous run, say) stays bound for a moment: the kernel releases the
     * socket's buffer pool from the queue in deferred work after the close,
     * and a bind before that work has run fails with EBUSY. So EBUSY is
     * tried again, every 20 ms for up to SK_XDP_BUSY_TRIES times (2 s),
     * before it is reported. */
    enum { SK_XDP_BUSY_TRIES = 100 };
    const struct timespec pause = {.tv_sec = 0, .tv_nsec = 20 * 1000 * 1000};
    const char *what;
    int r;
    for (int tries = 1;; tries++) {
        what = "UMEM";
        r = make_umem(x);
        if (r == 0) {
            what = "AF_XDP socket";
            r = create_socket(x, ifname, queue, generic);
        }
        if (r != -EBUSY || tries >= SK_XDP_BUSY_TRIES)
            break;
        xdp_release(x);
        nanosleep(&pause, NULL);
    }
    if (r != 0) {
        snprintf(err, errcap, "cannot open %s queue %u over AF_XDP: %s: %s%s", ifname, queue,
                 what, strerror(-r),
                 -r == EPERM ? " (run as root or with CAP_NET_ADMIN, CAP_BPF and CAP_NET_RAW)"
                 : -r == EBUSY ? " (another AF_XDP socket holds the queue; still so after 2 s)"
                               : "");
        xdp_close(x);
        return -1;
    }
    seed_chunks(x);
    dev->fd = xsk_socket__fd(x->xsk);
    dev->kind = SK_DEV_TAP; /* Ethernet frames, like a TAP */
    snprintf(dev->name, sizeof dev->name, "%s", ifname);
    dev->mtu = link_mtu(ifname);
    dev->ops = &xdp_ops;
    dev->impl = x;
    return 0;
}

const char *sk_posix_xdp_mode(const sk_posix_dev *dev)
{
    if (dev->ops != &xdp_ops)
        return "";
    return ((const sk_xdp *)dev->impl)->mode;
}

#endif /* SK_HAVE_XDP */

int sk_posix_xdp_open(sk_posix_dev *dev, const char *ifname, unsigned queue, char *err,
                      size_t errcap)
{
    return xdp_open(dev, ifname, queue, false, err, errcap);
}

int sk_posix_xdp_open_generic(sk_posix_dev *dev, const char *ifname, unsigned queue, char *err,
                              size_t errcap)
{
    return xdp_open(dev, ifname, queue, true, err, errcap);
}
