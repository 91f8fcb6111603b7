/*
 * Notifications by e-mail, the sending side (docs/architecture.md, "Notifications by e-mail"):
 * on worker 0's loop, like webhook deliveries. Each round composes what is due into e-mails
 * (email_compose() in the database: at most one per account every --mail-batch-minutes),
 * claims one waiting e-mail with FOR UPDATE SKIP LOCKED and a lease, sends it through the
 * SMTP server of the options (mail_smtp.c) and records the outcome: sent, refused for good
 * (5xx), or tried again after a pause that doubles. Several pnetd share the queue; none sends
 * an e-mail another holds.
 */
#ifndef PNET_MAIL_H
#define PNET_MAIL_H

#include <stddef.h>

#include "db.h"

struct worker;
struct mail_sender;

/* Start sending on w's loop (worker 0, before its thread starts); NULL without --smtp-host. */
struct mail_sender *mail_start(struct worker *w);

/* Events arrived: compose and send now rather than at the next poll. NULL ok. */
void mail_wake(struct mail_sender *m);

/* SIGTERM: start nothing more; an e-mail under way finishes (it holds the worker). NULL ok. */
void mail_drain(struct mail_sender *m);

/* After the worker's pool is freed: drop what is under way (its lease expires). NULL ok. */
void mail_free(struct mail_sender *m);

/*
 * The message as sent (RFC 5322, MIME): headers with the subject as UTF-8 encoded words
 * (RFC 2047) and the text in base64, CRLF line ends, no line starting with '.'. The caller
 * frees it. date is the Date header's value.
 */
char *mail_message(const char *id, const char *from, const char *to, const char *subject,
                   const char *text, const char *date);

#endif
