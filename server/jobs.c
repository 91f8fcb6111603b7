#include "jobs.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <event2/event.h>

#include "util.h"
#include "worker.h"

struct job {
	struct job *next;
	job_work work;
	job_done done;
	void *arg;
	struct worker *worker;
	struct event *ev_done;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static struct job *head, *tail;
static bool stopping;
static size_t pending;
static pthread_t *threads;
static int nthreads_;

static void *job_thread(void *unused)
{
	for (;;) {
		struct job *j;

		pthread_mutex_lock(&lock);
		while (!head && !stopping)
			pthread_cond_wait(&wake, &lock);
		j = head;
		if (j) {
			head = j->next;
			if (!head)
				tail = NULL;
		}
		pthread_mutex_unlock(&lock);
		if (!j)
			return NULL;
		j->work(j->arg);
		pthread_mutex_lock(&lock);
		pending--;
		pthread_mutex_unlock(&lock);
		/* Thread-safe with evthread_use_pthreads(): the loop wakes and runs on_done. */
		event_active(j->ev_done, 0, 0);
	}
}

static void on_done(evutil_socket_t fd, short what, void *arg)
{
	struct job *j = arg;

	j->worker->jobs--;
	j->done(j->arg);
	event_free(j->ev_done);
	free(j);
}

void jobs_start(int n)
{
	stopping = false;
	nthreads_ = n;
	threads = xcalloc((size_t)n, sizeof(*threads));
	for (int i = 0; i < n; i++)
		pthread_create(&threads[i], NULL, job_thread, NULL);
}

void jobs_stop(void)
{
	pthread_mutex_lock(&lock);
	stopping = true;
	pthread_cond_broadcast(&wake);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < nthreads_; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	threads = NULL;
	nthreads_ = 0;
}

bool jobs_submit(struct worker *w, job_work work, job_done done, void *arg)
{
	struct job *j;

	if (w->closing)
		return false;
	j = xcalloc(1, sizeof(*j));
	j->work = work;
	j->done = done;
	j->arg = arg;
	j->worker = w;
	j->ev_done = event_new(w->base, -1, 0, on_done, j);
	w->jobs++;
	pthread_mutex_lock(&lock);
	if (tail)
		tail->next = j;
	else
		head = j;
	tail = j;
	pending++;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	return true;
}

size_t jobs_pending(void)
{
	size_t n;

	pthread_mutex_lock(&lock);
	n = pending;
	pthread_mutex_unlock(&lock);
	return n;
}
