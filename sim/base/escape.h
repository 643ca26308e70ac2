/*
 * sim/base/escape.h - text from drivers and files made safe for a terminal.
 *
 * Driver names, driver-written details and file contents reach messages;
 * a control character in them (an escape sequence, a bell, a carriage
 * return) must not act on the user's terminal. Every byte outside
 * printable ASCII is shown as \xNN, and a backslash as \\.
 */
#ifndef SIM_BASE_ESCAPE_H
#define SIM_BASE_ESCAPE_H

#include <stddef.h>

/* Copy at most n bytes of s (up to its NUL) into out (len bytes, always
 * NUL-terminated when len > 0), escaped as above; an escape that does not
 * fit is left out whole. Returns out. */
char *sim_escape(char *out, size_t len, const char *s, size_t n);

/* Nonzero when s (NUL-terminated) needs no escaping. */
int sim_escape_clean(const char *s);

#endif /* SIM_BASE_ESCAPE_H */
