/* Blocking convenience calls for simple programs, built on the public
 * non-blocking API: each one runs the posix loop (sk_posix_loop_step) until
 * its operation can complete or `timeout_us` passes. They wait on socket
 * readiness (sk_sock_events), so they leave the event queue to the caller.
 *
 * A timeout returns SK_ETIMEDOUT; timeout_us = 0 waits without limit.
 * Connection errors come back as the stack reports them (SK_ECONNREFUSED,
 * SK_ECONNRESET, SK_ETIMEDOUT ...). A device failure returns SK_EIO. */
#ifndef SK_PORT_POSIX_SOCK_H
#define SK_PORT_POSIX_SOCK_H

#include "posix_loop.h"
#include "synack/stack.h"

#include <stddef.h>
#include <stdint.h>

/* Open a connection and wait until it is established. On failure the socket
 * is released and *out left untouched. */
int sk_blocking_connect(sk_posix_loop *l, const sk_endpoint *remote, uint64_t timeout_us,
                        sk_sock *out);
/* Wait for a connection on a listener. */
int sk_blocking_accept(sk_posix_loop *l, sk_sock listener, uint64_t timeout_us, sk_sock *out,
                       sk_endpoint *peer);
/* Queue all `len` bytes, waiting for room in the send buffer. Returns len,
 * or an error (bytes already queued stay queued). */
ptrdiff_t sk_blocking_send_all(sk_posix_loop *l, sk_sock sock, const void *data, size_t len,
                               uint64_t timeout_us);
/* Wait for data: returns bytes read (> 0), 0 at end of stream, or an error. */
ptrdiff_t sk_blocking_recv(sk_posix_loop *l, sk_sock sock, void *buf, size_t cap,
                           uint64_t timeout_us);
/* Graceful close: send FIN after the queued data, read and discard until
 * the peer's FIN, wait until our FIN is acknowledged, then release the
 * handle. Returns 0 when the connection closed cleanly, or an error (the
 * handle is released in every case; on timeout the connection is reset). */
int sk_blocking_close(sk_posix_loop *l, sk_sock sock, uint64_t timeout_us);

#endif
