#include "synack/error.h"
#include "synack/stats.h"
#include "synack/stack.h"

const char *sk_strerror(int err)
{
    switch (err) {
#define SK_ERROR_MSG_(name, code, msg)                                         \
    case code:                                                                 \
        return msg;
        SK_ERRORS(SK_ERROR_MSG_)
#undef SK_ERROR_MSG_
    default:
        return "unknown error";
    }
}

const char *sk_errname(int err)
{
    switch (err) {
#define SK_ERROR_NAME_(name, code, msg)                                        \
    case code:                                                                 \
        return "SK_" #name;
        SK_ERRORS(SK_ERROR_NAME_)
#undef SK_ERROR_NAME_
    default:
        return "SK_E?";
    }
}

static const char *const drop_text[SK_DROP__COUNT] = {
#define SK_DROP_TEXT_(name, msg) msg,
    SK_DROP_REASONS(SK_DROP_TEXT_)
#undef SK_DROP_TEXT_
};

static const char *const drop_name[SK_DROP__COUNT] = {
#define SK_DROP_NAME_(name, msg) #name,
    SK_DROP_REASONS(SK_DROP_NAME_)
#undef SK_DROP_NAME_
};

const char *sk_drop_reason_str(int reason)
{
    if (reason < 0 || reason >= SK_DROP__COUNT)
        return "unknown drop reason";
    return drop_text[reason];
}

const char *sk_drop_reason_name(int reason)
{
    if (reason < 0 || reason >= SK_DROP__COUNT)
        return "?";
    return drop_name[reason];
}

static const char *const rexmit_name[SK_REXMIT__COUNT] = {
#define SK_REXMIT_NAME_(name, shortname, text) shortname,
    SK_REXMIT_CAUSES(SK_REXMIT_NAME_)
#undef SK_REXMIT_NAME_
};

static const char *const rexmit_text[SK_REXMIT__COUNT] = {
#define SK_REXMIT_TEXT_(name, shortname, text) text,
    SK_REXMIT_CAUSES(SK_REXMIT_TEXT_)
#undef SK_REXMIT_TEXT_
};

const char *sk_rexmit_cause_name(enum sk_rexmit_cause c)
{
    return (unsigned)c < SK_REXMIT__COUNT ? rexmit_name[c] : "?";
}

const char *sk_rexmit_cause_str(enum sk_rexmit_cause c)
{
    return (unsigned)c < SK_REXMIT__COUNT ? rexmit_text[c] : "unknown retransmission cause";
}
