/* synack: a deterministic, sans-I/O user-space TCP/IPv4 stack.
 * This umbrella header is the whole public API. */
#ifndef SYNACK_H
#define SYNACK_H

#include "synack/addr.h"
#include "synack/error.h"
#include "synack/icmp.h"
#include "synack/stack.h"
#include "synack/stats.h"
#include "synack/udp.h"

#endif
