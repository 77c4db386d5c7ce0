#include "posix_dev.h"

/* TCP's checksum field, from the TCP header (RFC 9293 §3.1) */
#define SK_TCP_CSUM_FIELD 16

#include "posix_sys.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static const char *kind_name(enum sk_dev_kind kind)
{
    return kind == SK_DEV_TAP ? "TAP" : "TUN";
}

static void attach_error(const char *name, enum sk_dev_kind kind, int e, char *err, size_t cap)
{
    if (e == EBUSY)
        snprintf(err, cap, "device %s is busy (another process has it open)", name);
    else if (e == EPERM || e == EACCES)
        snprintf(err, cap, "no permission to create or attach %s %s (needs CAP_NET_ADMIN or "
                 "a device owned by this user)", kind_name(kind), name);
    else if (e == EINVAL)
        snprintf(err, cap, "%s exists but is not a %s device", name, kind_name(kind));
    else
        snprintf(err, cap, "cannot attach %s %s: %s", kind_name(kind), name, strerror(e));
}

/* Interface control (MTU, MAC, up) goes through any socket of the netns. */
static int ifreq_ioctl(unsigned long req, struct ifreq *ifr)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -1;
    int r = ioctl(s, req, ifr);
    int e = errno;
    close(s);
    errno = e;
    return r;
}

static int bring_up(const char *name)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
    if (ifreq_ioctl(SIOCGIFFLAGS, &ifr) != 0)
        return -1;
    if (ifr.ifr_flags & IFF_UP)
        return 0;
    ifr.ifr_flags = (short)(ifr.ifr_flags | IFF_UP);
    return ifreq_ioctl(SIOCSIFFLAGS, &ifr);
}

/* Attaching gives the device its carrier, but Linux takes the change in
 * through its link watch, up to a second later, and until then drops what
 * it would send through the device (the first ARP reply, a SYN,ACK ...).
 * Wait (at most 3 s) until the interface is running. */
static void wait_running(const char *name)
{
    struct ifreq ifr;
    for (int i = 0; i < 300; i++) {
        memset(&ifr, 0, sizeof ifr);
        snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
        if (ifreq_ioctl(SIOCGIFFLAGS, &ifr) != 0 || (ifr.ifr_flags & IFF_RUNNING))
            break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    struct timespec settle = {0, 5 * 1000 * 1000}; /* the qdisc follows the flag */
    nanosleep(&settle, NULL);
}

static void read_link_info(sk_posix_dev *dev)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", dev->name);
    dev->mtu = 1500;
    if (ifreq_ioctl(SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu >= 68 && ifr.ifr_mtu <= 65535)
        dev->mtu = (uint16_t)ifr.ifr_mtu;
    memset(&dev->kernel_mac, 0, sizeof dev->kernel_mac);
    if (dev->kind == SK_DEV_TAP && ifreq_ioctl(SIOCGIFHWADDR, &ifr) == 0)
        memcpy(dev->kernel_mac.b, ifr.ifr_hwaddr.sa_data, 6);
}

/* extra: IFF_VNET_HDR, IFF_MULTI_QUEUE, or 0 */
static int dev_open(sk_posix_dev *dev, enum sk_dev_kind kind, const char *name, int extra,
                    char *err, size_t errcap)
{
    memset(dev, 0, sizeof *dev);
    dev->fd = -1;
    dev->kind = kind;
    if (name == NULL || name[0] == '\0' || strlen(name) >= IFNAMSIZ) {
        snprintf(err, errcap, "bad device name '%s' (1 to %d characters)", name ? name : "",
                 IFNAMSIZ - 1);
        return -1;
    }
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == EACCES || e == EPERM)
            snprintf(err, errcap, "no permission to open /dev/net/tun (run as root or with "
                     "CAP_NET_ADMIN)");
        else
            snprintf(err, errcap, "cannot open /dev/net/tun: %s", strerror(e));
        return -1;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = (short)((kind == SK_DEV_TAP ? IFF_TAP : IFF_TUN) | IFF_NO_PI | extra);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", name);
    if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
        attach_error(name, kind, errno, err, errcap);
        close(fd);
        return -1;
    }
    dev->fd = fd;
    dev->vnet = (extra & IFF_VNET_HDR) != 0;
    snprintf(dev->name, sizeof dev->name, "%s", ifr.ifr_name);
    if (bring_up(dev->name) != 0) {
        snprintf(err, errcap, "cannot bring %s up: %s", dev->name, strerror(errno));
        sk_posix_dev_close(dev);
        return -1;
    }
    wait_running(dev->name);
    read_link_info(dev);
    return 0;
}

/* A device opened without the virtio-net header: a persistent device keeps
 * the offloads an earlier sk_posix_dev_open_vnet set (TUNSETOFFLOAD outlives
 * the descriptor), and without a header to say so Linux would then hand us
 * merged segments larger than the MTU with partial checksums. Take them all
 * back. */
static int offloads_off(sk_posix_dev *dev, char *err, size_t errcap)
{
    if (ioctl(dev->fd, TUNSETOFFLOAD, 0u) != 0) {
        snprintf(err, errcap, "cannot turn offloads off on %s: %s", dev->name, strerror(errno));
        sk_posix_dev_close(dev);
        return -1;
    }
    return 0;
}

/* A device opened with IFF_VNET_HDR: the header's size, and TUNSETOFFLOAD
 * set to what caps says we can read: partial checksums with rx_csum, merged
 * TCP segments with gro (writing them is always allowed). On a multi-queue
 * device the offloads are the device's: every queue sets the same. */
static int offloads_on(sk_posix_dev *dev, const sk_dev_caps *caps, char *err, size_t errcap)
{
    int hdr = SK_VNET_HDR_LEN;
    unsigned off = 0;
    if (caps->rx_csum)
        off |= TUN_F_CSUM;
    if (caps->rx_csum && caps->gro)
        off |= TUN_F_TSO4 | TUN_F_TSO6;
    if (ioctl(dev->fd, TUNSETVNETHDRSZ, &hdr) != 0 || ioctl(dev->fd, TUNSETOFFLOAD, off) != 0) {
        snprintf(err, errcap, "cannot set up offloads on %s: %s", dev->name, strerror(errno));
        sk_posix_dev_close(dev);
        return -1;
    }
    return 0;
}

int sk_posix_dev_open(sk_posix_dev *dev, enum sk_dev_kind kind, const char *name, char *err,
                      size_t errcap)
{
    if (dev_open(dev, kind, name, 0, err, errcap) != 0)
        return -1;
    return offloads_off(dev, err, errcap);
}

/* IFF_MULTI_QUEUE: every TUNSETIFF on the same name attaches one more queue
 * (one more file descriptor) to the device, up to the kernel's
 * MAX_TAP_QUEUES; a device created without the flag refuses (EINVAL). The
 * last TUNSETIFF's flags (IFF_VNET_HDR among them) are the device's, so
 * every queue of one device is opened the same way. */
int sk_posix_dev_open_queue(sk_posix_dev *dev, enum sk_dev_kind kind, const char *name,
                            char *err, size_t errcap)
{
    if (dev_open(dev, kind, name, IFF_MULTI_QUEUE, err, errcap) != 0)
        return -1;
    return offloads_off(dev, err, errcap);
}

int sk_posix_dev_open_vnet(sk_posix_dev *dev, enum sk_dev_kind kind, const char *name,
                           const sk_dev_caps *caps, char *err, size_t errcap)
{
    if (dev_open(dev, kind, name, IFF_VNET_HDR, err, errcap) != 0)
        return -1;
    return offloads_on(dev, caps, err, errcap);
}

int sk_posix_dev_open_queue_vnet(sk_posix_dev *dev, enum sk_dev_kind kind, const char *name,
                                 const sk_dev_caps *caps, char *err, size_t errcap)
{
    if (dev_open(dev, kind, name, IFF_MULTI_QUEUE | IFF_VNET_HDR, err, errcap) != 0)
        return -1;
    return offloads_on(dev, caps, err, errcap);
}

void sk_posix_dev_close(sk_posix_dev *dev)
{
    if (dev->ops != NULL) { /* the backend owns its descriptor */
        dev->ops->close(dev->impl);
        dev->ops = NULL;
        dev->impl = NULL;
    } else if (dev->fd >= 0) {
        close(dev->fd);
    }
    dev->fd = -1;
}

void sk_posix_dev_flush(sk_posix_dev *dev)
{
    if (dev->ops != NULL)
        dev->ops->flush(dev->impl);
}

long sk_posix_dev_read(sk_posix_dev *dev, uint8_t *buf, size_t cap)
{
    if (dev->ops != NULL)
        return dev->ops->read(dev->impl, buf, cap);
    for (;;) {
        ssize_t n = read(dev->fd, buf, cap);
        if (n >= 0)
            return (long)n;
        if (errno == EINTR)
            continue;
        return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
    }
}

/* One frame written from iov: 0 sent, 1 lost (a full queue, a link down
 * or a frame the kernel refuses), -1 fatal. */
static int write_frame(int fd, const struct iovec *iov, int iovcnt)
{
    for (;;) {
        ssize_t n = iovcnt == 1 ? write(fd, iov[0].iov_base, iov[0].iov_len)
                                : writev(fd, iov, iovcnt);
        if (n >= 0)
            return 0;
        if (errno == EINTR)
            continue;
        /* ENOBUFS/EAGAIN: the kernel's queue is full; EIO: the interface is
         * down; EINVAL: the kernel refuses this one frame (a TUN packet
         * whose version nibble is neither 4 nor 6, as a corrupting
         * impairment makes; a TAP frame shorter than an Ethernet header).
         * Like a real link, the frame is lost and TCP recovers. A removed
         * device fails every write (EBADFD): that one is fatal. */
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS || errno == EIO ||
            errno == EINVAL)
            return 1;
        return -1;
    }
}

int sk_posix_dev_write(sk_posix_dev *dev, const uint8_t *frame, size_t len)
{
    if (dev->ops != NULL)
        return dev->ops->write(dev->impl, frame, len);
    struct iovec iov = {(void *)(uintptr_t)frame, len};
    return write_frame(dev->fd, &iov, 1);
}

long sk_posix_dev_read_meta(sk_posix_dev *dev, uint8_t *buf, size_t cap, sk_frame_meta *meta)
{
    uint8_t hdr[SK_VNET_HDR_LEN];
    struct iovec iov[2] = {{hdr, sizeof hdr}, {buf, cap}};
    memset(meta, 0, sizeof *meta);
    for (;;) {
        ssize_t n = readv(dev->fd, iov, 2);
        if (n >= (ssize_t)sizeof hdr) {
            sk_vnet_hdr_decode(hdr, meta);
            return (long)(n - (ssize_t)sizeof hdr);
        }
        if (n >= 0)
            return 0;
        if (errno == EINTR)
            continue;
        return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
    }
}

int sk_posix_dev_write_meta(sk_posix_dev *dev, const uint8_t *frame, size_t len,
                            const sk_frame_meta *meta)
{
    uint8_t hdr[SK_VNET_HDR_LEN];
    sk_vnet_hdr_encode(meta, hdr);
    struct iovec iov[2] = {{hdr, sizeof hdr}, {(void *)(uintptr_t)frame, len}};
    return write_frame(dev->fd, iov, 2);
}

long sk_posix_dev_read_meta_inplace(sk_posix_dev *dev, uint8_t *buf, size_t cap,
                                    sk_frame_meta *meta)
{
    uint8_t *hdr = buf - SK_VNET_HDR_LEN;
    memset(meta, 0, sizeof *meta);
    for (;;) {
        ssize_t n = read(dev->fd, hdr, cap + SK_VNET_HDR_LEN);
        if (n >= SK_VNET_HDR_LEN) {
            sk_vnet_hdr_decode(hdr, meta);
            return (long)(n - SK_VNET_HDR_LEN);
        }
        if (n >= 0)
            return 0;
        if (errno == EINTR)
            continue;
        return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
    }
}

int sk_posix_dev_write_meta_inplace(sk_posix_dev *dev, uint8_t *frame, size_t len,
                                    const sk_frame_meta *meta)
{
    uint8_t *hdr = frame - SK_VNET_HDR_LEN;
    sk_vnet_hdr_encode(meta, hdr);
    struct iovec iov = {hdr, len + SK_VNET_HDR_LEN};
    return write_frame(dev->fd, &iov, 1);
}

long sk_posix_dev_read_frame(sk_posix_dev *dev, uint8_t *buf, size_t cap, sk_frame_meta *meta)
{
    if (!dev->vnet) {
        memset(meta, 0, sizeof *meta);
        return sk_posix_dev_read(dev, buf, cap);
    }
    long n = sk_posix_dev_read_meta_inplace(dev, buf, cap, meta);
    if (n > 0 && (meta->flags & SK_FRAME_NEEDS_CSUM) && meta->csum_offset != SK_TCP_CSUM_FIELD)
        (void)sk_frame_csum_complete(buf, (size_t)n, meta);
    return n;
}

int sk_posix_dev_write_gather_inplace(sk_posix_dev *dev, uint8_t *frame, size_t len,
                                      const sk_frame_span *spans, size_t n_spans,
                                      const sk_frame_meta *meta)
{
    if (n_spans > SK_FRAME_SPANS_MAX)
        return -1;
    uint8_t *hdr = frame - SK_VNET_HDR_LEN;
    sk_vnet_hdr_encode(meta, hdr);
    struct iovec iov[1 + SK_FRAME_SPANS_MAX];
    iov[0].iov_base = hdr;
    iov[0].iov_len = len + SK_VNET_HDR_LEN;
    for (size_t i = 0; i < n_spans; i++) {
        iov[1 + i].iov_base = (void *)(uintptr_t)spans[i].data;
        iov[1 + i].iov_len = spans[i].len;
    }
    return write_frame(dev->fd, iov, (int)(1 + n_spans));
}

sk_mac sk_posix_random_mac(void)
{
    sk_mac m;
    if (sk_posix_entropy(m.b, sizeof m.b) != 0) {
        uint64_t t = sk_posix_now_us() ^ (uint64_t)getpid();
        for (int i = 0; i < 6; i++)
            m.b[i] = (uint8_t)(t >> (8 * i));
    }
    m.b[0] = (uint8_t)((m.b[0] & 0xfe) | 0x02); /* unicast, locally administered */
    return m;
}

sk_mac sk_posix_stable_mac(sk_ip4 addr)
{
    sk_mac m = {{0x02, 0x73, 0x6b, addr.b[1], addr.b[2], addr.b[3]}};
    return m;
}
