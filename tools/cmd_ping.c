/* synack ping: placeholder until the subcommand lands (its own issue). */
#include "tool.h"

int cmd_ping(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    tool_error("ping", "not built yet");
    return 1;
}
