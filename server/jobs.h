/*
 * A few threads for work that must not run on an event loop (scrypt password hashing).
 * The result comes back on the submitting worker's loop. Each worker counts its jobs
 * (worker->jobs), so that a stopping worker keeps its loop, and so its event base, until the
 * last of them has come back: a job finishing later would touch a freed base.
 */
#ifndef PNET_JOBS_H
#define PNET_JOBS_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

struct worker;

/* Runs on a job thread. */
typedef void (*job_work)(void *arg);
/* Runs afterwards on the submitting worker's event loop, in its thread. */
typedef void (*job_done)(void *arg);

void jobs_start(int nthreads);

/* Finish queued jobs and join the threads. Call it once no worker loop runs any more. */
void jobs_stop(void);

/*
 * On w's loop: run work on a job thread, then done on w's loop. False (and nothing runs) when
 * w's loop is ending: the caller answers 503 (http_shutting_down).
 */
MUST_CHECK bool jobs_submit(struct worker *w, job_work work, job_done done, void *arg);

/* Jobs submitted and not finished yet (queued or running), for back-pressure. */
size_t jobs_pending(void);

#endif
