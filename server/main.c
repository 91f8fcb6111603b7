/* pnetd: flags and configuration, the one-shot commands, signals, and the workers. */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <event2/util.h>

#include "api/api.h"
#include "config.h"
#include "conn.h"
#include "jobs.h"
#include "log.h"
#include "metrics.h"
#include "notify.h"
#include "static.h"
#include "pnet_config.h"
#include "tls.h"
#include "tools/tools.h"
#include "util.h"
#include "worker.h"

/* Highest migration in schema-dir: /readyz compares the database with it. */
int main_schema_version;

/* Bind the one listening socket the workers share; -1 after logging why. */
static int listen_on(const char *host, long port, int *actual_port)
{
	struct addrinfo hints = {.ai_family = AF_UNSPEC,
	                         .ai_socktype = SOCK_STREAM,
	                         .ai_flags = AI_PASSIVE | AI_NUMERICHOST};
	struct addrinfo *ai;
	char service[16];
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	int fd, one = 1, rc;

	snprintf(service, sizeof(service), "%ld", port);
	rc = getaddrinfo(host, service, &hints, &ai);
	if (rc) {
		log_error("listen address %s: %s", host, gai_strerror(rc));
		return -1;
	}
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 1024) < 0 ||
	    evutil_make_socket_nonblocking(fd) < 0) {
		log_error("cannot listen on %s port %ld: %s", host, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	getsockname(fd, (struct sockaddr *)&ss, &sslen);
	*actual_port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
	                                              : ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	log_info("signal %d: shutting down", (int)sig);
	event_base_loopbreak(arg);
}

static int serve(void)
{
	struct event_base *main_base;
	struct event *ev_term, *ev_int;
	struct worker *workers;
	int nworkers = (int)cfg.workers, fd, port;

	if (cfg.migrate && migrate_run(cfg.database, cfg.schema_dir) < 0)
		return 1;
	main_schema_version = migrate_latest(cfg.schema_dir);
	if (cfg.tls_cert &&
	    !tls_init(cfg.tls_cert, cfg.tls_key, cfg.tls_ciphers, cfg.tls_ciphersuites))
		return 1;
	if (nworkers <= 0)
		nworkers = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (nworkers <= 0)
		nworkers = 1;
	if (static_load(cfg.web_dir) < 0)
		return 1;

	evthread_use_pthreads();
	signal(SIGPIPE, SIG_IGN);
	fd = listen_on(cfg.listen, cfg.port, &port);
	if (fd < 0)
		return 1;
	api_init();
	system_preload();
	metrics_init(router_count(), nworkers);
	jobs_start(nworkers > 1 ? nworkers : 2);

	/* Signals are caught before the first request can be served, so that a SIGTERM is
	   always a graceful stop, however early it comes. */
	main_base = event_base_new();
	ev_term = evsignal_new(main_base, SIGTERM, on_signal, main_base);
	ev_int = evsignal_new(main_base, SIGINT, on_signal, main_base);
	event_add(ev_term, NULL);
	event_add(ev_int, NULL);
	conn_init(nworkers);
	workers = workers_start(nworkers, fd);
	notify_start(workers, nworkers);
	log_write(LOG_INFO, NULL, "listening",
	          json_pack("{s:s, s:i, s:i, s:b, s:s}", "address", cfg.listen, "port", port,
	                    "workers", nworkers, "tls", tls_enabled(), "version", PNET_VERSION));
	event_base_dispatch(main_base);

	close(fd);
	notify_stop();
	/* Workers first (each waits for its own jobs), then the job threads, and only then the
	   event bases that a finishing job would have woken. */
	workers_drain(workers, nworkers);
	jobs_stop();
	workers_free(workers, nworkers);
	conn_free();
	event_free(ev_term);
	event_free(ev_int);
	event_base_free(main_base);
	metrics_free();
	api_free();
	static_free();
	tls_free();
	log_info("stopped");
	return 0;
}

int main(int argc, char **argv)
{
	const char *command = "serve";
	char **rest;
	int nrest, first = 1, rc;

	if (argc > 1 && argv[1][0] != '-') {
		command = argv[1];
		first = 2;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") ||
		    !strcmp(command, "help")) {
			config_print_help(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--help-markdown")) {
			config_print_markdown(stdout);
			return 0;
		}
		if (!strcmp(argv[i], "--version")) {
			printf("pnetd %s\n", PNET_VERSION);
			return 0;
		}
	}
	if (config_load(argc, argv, first, &rest, &nrest) < 0) {
		free(rest);
		config_free();
		return 2;
	}
	log_set_level(cfg.log_level);

	if (!strcmp(command, "serve")) {
		if (nrest) {
			fprintf(stderr, "pnetd: unknown argument %s (see pnetd --help)\n", rest[0]);
			rc = 2;
		} else {
			rc = serve();
		}
	} else if (!strcmp(command, "migrate")) {
		rc = nrest ? 2 : migrate_run(cfg.database, cfg.schema_dir) < 0 ? 1 : 0;
		if (nrest)
			fprintf(stderr, "pnetd migrate: unknown argument %s\n", rest[0]);
	} else if (!strcmp(command, "routes")) {
		/* The route table, for the test that keeps docs/openapi.yaml in step. */
		api_init();
		for (size_t i = 0; i < router_count(); i++)
			printf("%s %s\n", router_get(i)->method, router_get(i)->pattern);
		api_free();
		rc = 0;
	} else if (!strcmp(command, "create-admin")) {
		rc = create_admin_main(nrest, rest);
	} else if (!strcmp(command, "purge")) {
		rc = purge_main(nrest, rest);
	} else if (!strcmp(command, "hsds-import")) {
		rc = hsds_import_main(nrest, rest);
	} else {
		fprintf(stderr, "pnetd: unknown command %s (see pnetd --help)\n", command);
		rc = 2;
	}
	free(rest);
	config_free();
	return rc;
}
