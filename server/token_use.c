#include "token_use.h"

#include <stdio.h>
#include <string.h>
#include <event2/event.h>

#include "auth_sql.h"
#include "db.h"
#include "params.h"
#include "log.h"
#include "util.h"
#include "worker.h"

/* Enough for a busy worker's tokens in one second; a full batch is sent at once. */
#define BATCH_MAX 128

struct token_use {
	struct worker *worker;
	struct event *timer;
	size_t n;
	char ids[BATCH_MAX][37];
	char text[BATCH_MAX * 37 + 3]; /* the batch being sent, as a uuid[] literal */
	bool sending;
};

static void on_written(void *arg, const struct db_result *res)
{
	struct token_use *tu = arg;

	tu->sending = false;
	if (res->status != DB_OK)
		log_warn("worker %d: last use of tokens not recorded (database %s)",
		         tu->worker->index, res->status == DB_ERROR ? "error" : "unavailable");
}

void token_use_flush(struct token_use *tu)
{
	size_t used = 0;
	struct params p = {0};

	if (!tu || tu->n == 0 || tu->sending)
		return;
	tu->text[used++] = '{';
	for (size_t i = 0; i < tu->n; i++)
		used += (size_t)snprintf(tu->text + used, sizeof(tu->text) - used, "%s%s",
		                         i ? "," : "", tu->ids[i]);
	tu->text[used++] = '}';
	tu->text[used] = '\0';
	tu->n = 0;
	tu->sending = true;
	params_text(&p, "token_ids", tu->text);
	db_query(tu->worker->db, &sql_auth_token_used, &p, on_written, tu);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	token_use_flush(arg);
}

struct token_use *token_use_new(struct worker *w)
{
	struct token_use *tu = xcalloc(1, sizeof(*tu));
	struct timeval second = {.tv_sec = 1};

	tu->worker = w;
	tu->timer = event_new(w->base, -1, EV_PERSIST, on_timer, tu);
	event_add(tu->timer, &second);
	return tu;
}

void token_use_note(struct token_use *tu, const char *token_id)
{
	for (size_t i = 0; i < tu->n; i++)
		if (!strcmp(tu->ids[i], token_id))
			return;
	if (tu->n == BATCH_MAX) {
		token_use_flush(tu);
		if (tu->n == BATCH_MAX)
			return; /* a batch is still on its way: this note waits for the next use */
	}
	snprintf(tu->ids[tu->n++], sizeof(tu->ids[0]), "%s", token_id);
}

void token_use_free(struct token_use *tu)
{
	if (!tu)
		return;
	event_free(tu->timer);
	free(tu);
}
