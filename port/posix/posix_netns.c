#include "posix_netns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int sk_posix_netns_open(const char *ns, char *err, size_t errcap)
{
    char path[4096];
    if (ns == NULL || ns[0] == '\0') {
        snprintf(err, errcap, "empty namespace name");
        return -1;
    }
    if (strchr(ns, '/') != NULL)
        snprintf(path, sizeof path, "%s", ns);
    else
        snprintf(path, sizeof path, "/run/netns/%s", ns);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        snprintf(err, errcap, "cannot open network namespace %s (%s): %s", ns, path,
                 strerror(errno));
    return fd;
}

int sk_posix_netns_self(char *err, size_t errcap)
{
    return sk_posix_netns_open("/proc/self/ns/net", err, errcap);
}

int sk_posix_netns_enter(int fd, const char *what, char *err, size_t errcap)
{
    if (setns(fd, CLONE_NEWNET) == 0)
        return 0;
    int e = errno;
    if (e == EPERM)
        snprintf(err, errcap, "no permission to enter network namespace %s (needs "
                 "CAP_SYS_ADMIN: run as root)", what);
    else if (e == EINVAL)
        snprintf(err, errcap, "%s is not a network namespace", what);
    else
        snprintf(err, errcap, "cannot enter network namespace %s: %s", what, strerror(e));
    return -1;
}
