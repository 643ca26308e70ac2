/*
 * rules.c - ids and texts of the rule catalogue, generated from DM_RULE_MAP.
 */
#include <string.h>

#include "devmgr/rules.h"

static const struct {
  const char *id;
  const char *text;
} rules[DM_RULE_COUNT] = {
#define XX(name, id, text) { id, text },
  DM_RULE_MAP(XX)
#undef XX
};

const char *dm_rule_id(dm_rule rule)
{
  return (unsigned)rule < DM_RULE_COUNT ? rules[rule].id : NULL;
}

const char *dm_rule_text(dm_rule rule)
{
  return (unsigned)rule < DM_RULE_COUNT ? rules[rule].text : NULL;
}

dm_rule dm_rule_from_id(const char *id)
{
  for (unsigned i = 0; id != NULL && i < DM_RULE_COUNT; i++)
    if (strcmp(rules[i].id, id) == 0)
      return (dm_rule)i;
  return DM_RULE_COUNT;
}
