/* synack serve: placeholder until the subcommand lands (its own issue). */
#include "tool.h"

int cmd_serve(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    tool_error("serve", "not built yet");
    return 1;
}
