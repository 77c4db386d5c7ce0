/* synack ping: ICMP echo requests from synack over a TAP device. The stack
 * has no ICMP/ARP layer yet (it arrives with the interface layer), so for
 * now this only says so. */
#include "tool.h"

#include <stdio.h>
#include <string.h>

int cmd_ping(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: synack ping --tap NAME --addr A.B.C.D/NN [--gw G] HOST\n"
               "(not available yet: needs the Ethernet/ARP/ICMP interface layer)\n");
        return 0;
    }
    tool_error("ping", "not available yet: this build of synack has no ICMP/ARP layer "
               "(it comes with the Ethernet interface layer)");
    return 1;
}
