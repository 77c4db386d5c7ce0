/* synack connect: placeholder until the subcommand lands (its own issue). */
#include "tool.h"

int cmd_connect(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    tool_error("connect", "not built yet");
    return 1;
}
