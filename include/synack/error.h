/* Error codes returned by the API: 0 is success, errors are negative.
 * One X-macro table yields both the codes and their messages
 * (sk_strerror / sk_errname). Bad bytes from the network are never an error
 * code: they are dropped and counted (see stats.h). */
#ifndef SYNACK_ERROR_H
#define SYNACK_ERROR_H

#define SK_ERRORS(X)                                                                \
    X(OK,           0,   "success")                                                \
    X(EINVAL,       -1,  "invalid argument")                                       \
    X(ENOMEM,       -2,  "out of memory")                                          \
    X(EAGAIN,       -3,  "operation would block; retry when ready")                \
    X(EBADHANDLE,   -4,  "stale or invalid handle")                                \
    X(EADDRINUSE,   -5,  "address and port already in use")                        \
    X(ECONNREFUSED, -6,  "connection refused by peer")                             \
    X(ECONNRESET,   -7,  "connection reset by peer")                               \
    X(ETIMEDOUT,    -8,  "connection timed out")                                   \
    X(ENOTCONN,     -9,  "socket is not connected")                                \
    X(EISCONN,      -10, "socket is already connected")                            \
    X(ESHUTDOWN,    -11, "cannot send after shutdown")                             \
    X(ECLOSED,      -12, "connection closed")                                      \
    X(ENOBUFS,      -13, "no buffer space available")                              \
    X(EMSGSIZE,     -14, "message too long")                                       \
    X(EHOSTUNREACH, -15, "no route to host")                                       \
    X(ESTATE,       -16, "operation not valid in this connection state")           \
    X(ENOSPC,       -17, "table full: no free slot")                               \
    X(ENOTSUP,      -18, "operation not supported")                                \
    X(EPERM,        -19, "permission denied")                                      \
    X(ENODEV,       -20, "no such device")                                         \
    X(EIO,          -21, "input/output error")                                     \
    X(ECONNABORTED, -22, "connection aborted")                                     \
    X(EAFNOSUPPORT, -23, "address family not supported")                           \
    X(ENOENT,       -24, "no such entry")                                          \
    X(EEXIST,       -25, "entry already exists")                                   \
    X(ERANGE,       -26, "value out of range")                                     \
    X(EOFFLOAD,     -27, "device capabilities: TSO needs tx_csum and a tso_max "   \
                         "from the MTU to SK_TSO_MAX")

enum sk_error {
#define SK_ERROR_ENUM_(name, code, msg) SK_##name = (code),
    SK_ERRORS(SK_ERROR_ENUM_)
#undef SK_ERROR_ENUM_
};

/* Message for an error code ("unknown error" for codes not in the table). */
const char *sk_strerror(int err);
/* Symbolic name ("SK_EAGAIN"), or "SK_E?" for unknown codes. */
const char *sk_errname(int err);

#endif
