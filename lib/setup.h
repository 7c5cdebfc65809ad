/*
 * setup.h - first include of every library source file.
 *
 * Brings in config.h and the feature macros the library relies on, so that
 * no .c file has to repeat them (compare curl's curl_setup.h).
 */
#ifndef SSPIGSS_SETUP_H
#define SSPIGSS_SETUP_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* Mark the functions that leave the shared object; the linker version
 * script (lib/libsspigss.map) is the second fence. */
#define SSPIGSS_EXPORT __attribute__((visibility("default")))

#endif /* SSPIGSS_SETUP_H */
