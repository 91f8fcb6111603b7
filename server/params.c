#include "params.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "page.h"
#include "util.h"

/* Add value under name; owned says whether the builder made it (and so frees it). */
static void add(struct params *p, const char *name, const char *value, char *owned)
{
	if (p->n >= PARAMS_MAX) {
		p->overflow = true;
		free(owned);
		return;
	}
	p->names[p->n] = name;
	p->values[p->n] = value;
	p->owned[p->n] = owned;
	p->n++;
}

void params_text(struct params *p, const char *name, const char *value)
{
	add(p, name, value, NULL);
}

void params_text_copy(struct params *p, const char *name, const char *value)
{
	char *copy = value ? xstrdup(value) : NULL;

	add(p, name, copy, copy);
}

void params_long(struct params *p, const char *name, long long value)
{
	char *text = xasprintf("%lld", value);

	add(p, name, text, text);
}

void params_bool(struct params *p, const char *name, bool value)
{
	add(p, name, value ? "true" : "false", NULL);
}

void params_json_bool(struct params *p, const char *name, const json_t *value)
{
	add(p, name, json_is_boolean(value) ? (json_is_true(value) ? "true" : "false") : NULL,
	    NULL);
}

void params_json_int(struct params *p, const char *name, const json_t *value)
{
	if (json_is_integer(value))
		params_long(p, name, json_integer_value(value));
	else
		add(p, name, NULL, NULL);
}

void params_json(struct params *p, const char *name, const json_t *value)
{
	char *text = value ? json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;

	if (value && !text)
		abort(); /* out of memory: the allocation policy of util.h */
	add(p, name, text, text);
}

void params_array(struct params *p, const char *name, const json_t *strings)
{
	size_t i, len = 3;
	json_t *item;
	char *text, *o;

	if (!strings) {
		add(p, name, NULL, NULL);
		return;
	}
	json_array_foreach(strings, i, item)
		len += 2 * json_string_length(item) + 3;
	o = text = xmalloc(len);
	*o++ = '{';
	/* Every element double-quoted, with " and \ escaped: any text reads back as it was. */
	json_array_foreach(strings, i, item) {
		const char *s = json_string_value(item);
		if (i)
			*o++ = ',';
		*o++ = '"';
		for (size_t k = 0; s && k < json_string_length(item); k++) {
			if (s[k] == '"' || s[k] == '\\')
				*o++ = '\\';
			*o++ = s[k];
		}
		*o++ = '"';
	}
	*o++ = '}';
	*o = '\0';
	add(p, name, text, text);
}

void params_page(struct params *p, const struct page *page)
{
	static const char *const keys[PAGE_MAX_KEYS] = {"after_1", "after_2", "after_3", "after_4"};

	for (size_t i = 0; i < page->nkeys; i++)
		add(p, keys[i], page_key(page, i), NULL);
	add(p, "limit", page->limit_text, NULL);
}

bool params_match(const struct params *p, const struct db_stmt *stmt)
{
	if (p->overflow || p->n != stmt->nparams) {
		log_error("statement %s takes %d parameters, the caller gave %d%s", stmt->name,
		          stmt->nparams, p->n, p->overflow ? " (too many)" : "");
		return false;
	}
	for (int i = 0; i < p->n; i++) {
		if (strcmp(p->names[i], stmt->params[i]) != 0) {
			log_error("statement %s: parameter $%d is %s, the caller gave %s",
			          stmt->name, i + 1, stmt->params[i], p->names[i]);
			return false;
		}
	}
	return true;
}

void params_clear(struct params *p)
{
	for (int i = 0; i < p->n; i++)
		free(p->owned[i]);
	memset(p, 0, sizeof(*p));
}
