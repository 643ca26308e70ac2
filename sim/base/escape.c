/*
 * escape.c - showing untrusted bytes on a terminal (see escape.h).
 */
#include <stdio.h>

#include "base/escape.h"

static int plain(unsigned char c)
{
  return c >= 0x20 && c < 0x7f && c != '\\';
}

char *sim_escape(char *out, size_t len, const char *s, size_t n)
{
  if (len == 0)
    return out;
  size_t o = 0;
  for (size_t i = 0; i < n && s[i] != '\0'; i++) {
    unsigned char c = (unsigned char)s[i];
    char tmp[5];
    size_t k;
    if (plain(c)) {
      tmp[0] = (char)c;
      k = 1;
    } else if (c == '\\') {
      tmp[0] = '\\';
      tmp[1] = '\\';
      k = 2;
    } else {
      static const char hex[] = "0123456789abcdef";
      tmp[0] = '\\';
      tmp[1] = 'x';
      tmp[2] = hex[c >> 4];
      tmp[3] = hex[c & 15];
      k = 4;
    }
    if (o + k >= len)
      break;
    for (size_t j = 0; j < k; j++)
      out[o++] = tmp[j];
  }
  out[o] = '\0';
  return out;
}

int sim_escape_clean(const char *s)
{
  for (; *s; s++)
    if (!plain((unsigned char)*s))
      return 0;
  return 1;
}
