/*
 * Constraints are named <table>_<column>_<rule> (docs/data-model.md, "Conventions"), so that a
 * broken one can be answered naming the field and the kind of rule. No I/O: unit-tested in
 * tests/unit/test_constraint_name.c.
 */
#ifndef PNET_CONSTRAINT_NAME_H
#define PNET_CONSTRAINT_NAME_H

#include <stddef.h>

/*
 * The field a constraint is about, into out: "service_capacity_free_range" -> "capacity_free".
 * table (the error's table, may be NULL) is tried first, then the known tables, the longest
 * prefix winning ("chain_step_key_key" is chain_step's "key"). Empty when constraint is NULL.
 */
void constraint_field(const char *table, const char *constraint, char *out, size_t outlen);

/* What breaking the constraint means, by its rule suffix ("is already taken" for _key). */
const char *constraint_rule_message(const char *constraint);

/*
 * The same as the stable code of a field error (docs/problems.md): "taken" for _key,
 * "not_found" for _fkey, ..., "rule" for a suffix without a meaning of its own.
 */
const char *constraint_rule_code(const char *constraint);

#endif
