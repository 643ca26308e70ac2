/*
 * err.c - names and texts of OSErr values, generated from DM_MAC_ERR_MAP,
 * the one table of codes (MacErrors.h).
 */
#include <stdlib.h>
#include <string.h>

#include "MacErrors.h"
#include "devmgr/err.h"

const char *dm_err_name(int err)
{
  switch (err) {
  case noErr: return "noErr";
#define XX(name, value, text) case value: return #name;
    DM_MAC_ERR_MAP(XX)
#undef XX
  default: return NULL;
  }
}

const char *dm_strerror(int err)
{
  switch (err) {
  case noErr: return "no error";
#define XX(name, value, text) case value: return text;
    DM_MAC_ERR_MAP(XX)
#undef XX
  default: return err > 0 ? "in progress" : "unknown error";
  }
}

int dm_err_from_name(const char *name, int16_t *out)
{
  if (name == NULL || *name == '\0')
    return -1;
  static const struct { const char *name; int16_t value; } table[] = {
    { "noErr", noErr },
    { "iIOAbortErr", iIOAbortErr },
#define XX(n, value, text) { #n, value },
    DM_MAC_ERR_MAP(XX)
#undef XX
  };
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
    if (strcmp(table[i].name, name) == 0) {
      *out = table[i].value;
      return 0;
    }
  }
  char *end;
  long v = strtol(name, &end, 10);
  if (*end != '\0' || end == name || v < INT16_MIN || v > INT16_MAX)
    return -1;
  *out = (int16_t)v;
  return 0;
}
