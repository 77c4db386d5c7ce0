/* The byte-order helpers are public (include/synack/bytes.h); the core keeps
 * including them under their old name. */
#ifndef SK_BASE_BYTES_H
#define SK_BASE_BYTES_H
#include "synack/bytes.h"
#endif
