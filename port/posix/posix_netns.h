/* Network namespaces (Linux setns): a process can open a TAP device in one
 * namespace, move to another and open a second one there. A device's file
 * descriptor stays bound to the namespace it was created in, so one process
 * can then forward frames between namespaces (`synack link`). */
#ifndef SK_PORT_POSIX_NETNS_H
#define SK_PORT_POSIX_NETNS_H

#include <stddef.h>

/* Open a namespace: `ns` is a name made by `ip netns add` (/run/netns/NAME)
 * or a path with a '/' (/proc/PID/ns/net). Returns a descriptor, or -1 with
 * a one-line reason in err. */
int sk_posix_netns_open(const char *ns, char *err, size_t errcap);
/* The calling process's current namespace (to come back to), or -1. */
int sk_posix_netns_self(char *err, size_t errcap);
/* Move the calling (single-threaded) process into the namespace `fd`.
 * Needs CAP_SYS_ADMIN. Returns 0, or -1 with a reason in err. */
int sk_posix_netns_enter(int fd, const char *what, char *err, size_t errcap);

#endif
