#include <string.h>
#include <strings.h>

#include "core/rule.h"

const FgRule *const fg_rules[] = {
#define FG_RULE(sym) &sym,
#include "rules.def"
#undef FG_RULE
};

const size_t fg_nrules = sizeof fg_rules / sizeof fg_rules[0];

const FgRule *fg_rule_find(const char *code_or_name) {
  for (size_t i = 0; i < fg_nrules; i++) {
    if (strcasecmp(fg_rules[i]->code, code_or_name) == 0 ||
        strcmp(fg_rules[i]->name, code_or_name) == 0)
      return fg_rules[i];
  }
  return NULL;
}
