/* The schema's constraint names read back: which field, which kind of rule. Pure C. */
#include "constraint_name.h"

#include <stdio.h>
#include <string.h>

/* Tables whose names prefix constraint names; the longest match wins. */
static const char *const tables[] = {
        "account",        "api_token",    "login_failure",    "audit_log",
        "organization",   "node",         "service",          "network",
        "network_member", "target_group", "taxonomy",         "chain",
        "chain_version",  "chain_step",   "chain_edge",       "chain_step_provider",
        "client_case",    "case_step",    "consent",          "referral",
        "referral_event", "webhook",      "webhook_delivery", "idempotency_key",
        "outbox",         NULL,
};

void constraint_field(const char *table, const char *constraint, char *out, size_t outlen)
{
	size_t best = 0;
	const char *rest, *last;

	out[0] = '\0';
	if (!constraint)
		return;
	if (table && !strncmp(constraint, table, strlen(table)) && constraint[strlen(table)] == '_')
		best = strlen(table);
	for (const char *const *t = tables; *t; t++) {
		size_t n = strlen(*t);
		if (n > best && !strncmp(constraint, *t, n) && constraint[n] == '_')
			best = n;
	}
	rest = constraint + (best ? best + 1 : 0);
	last = strrchr(rest, '_');
	snprintf(out, outlen, "%.*s", (int)(last ? (size_t)(last - rest) : strlen(rest)), rest);
}

/* A rule suffix: the field error's code (docs/problems.md) and its message. */
struct rule {
	const char *suffix, *code, *message;
};

static const struct rule *rule_of(const char *constraint)
{
	static const struct rule rules[] = {
	        {"_key", "taken", "is already taken"},
	        {"_fkey", "not_found", "refers to something that does not exist"},
	        {"_length", "length", "has a length outside the allowed range"},
	        {"_range", "out_of_range", "is out of the allowed range"},
	        {"_format", "format", "is not in the required format"},
	        {"_active", "inactive", "must refer to something active"},
	        {"_network", "other_network", "must belong to the same network"},
	        {"_role", "role", "does not fit the role"},
	        {"_check", "not_in_list", "is not an allowed value"},
	};
	static const struct rule other = {"", "rule", "breaks a rule"};
	size_t n = constraint ? strlen(constraint) : 0;

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		size_t k = strlen(rules[i].suffix);
		if (n > k && !strcmp(constraint + n - k, rules[i].suffix))
			return &rules[i];
	}
	return &other;
}

const char *constraint_rule_message(const char *constraint)
{
	return rule_of(constraint)->message;
}

const char *constraint_rule_code(const char *constraint)
{
	return rule_of(constraint)->code;
}
