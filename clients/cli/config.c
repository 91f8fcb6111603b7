#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#define SESSION_FILE "session.json"

char *config_dir(void)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char *dir = NULL;

	/* The XDG spec says a relative XDG_CONFIG_HOME is invalid and to be ignored. */
	if (xdg && xdg[0] == '/') {
		if (asprintf(&dir, "%s/pnet", xdg) < 0)
			abort();
	} else if (home && home[0]) {
		if (asprintf(&dir, "%s/.config/pnet", home) < 0)
			abort();
	}
	return dir;
}

static char *session_path(void)
{
	char *dir = config_dir(), *path;

	if (!dir)
		return NULL;
	if (asprintf(&path, "%s/" SESSION_FILE, dir) < 0)
		abort();
	free(dir);
	return path;
}

static char *member(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	return s ? strdup(s) : NULL;
}

int config_load(struct session *s)
{
	char *path = session_path();
	json_error_t error;
	struct stat st;
	json_t *doc;

	memset(s, 0, sizeof(*s));
	if (!path)
		return 0;
	if (stat(path, &st) < 0) {
		int rc = errno == ENOENT ? 0 : -1;
		if (rc)
			fprintf(stderr, "pnet: %s: %s\n", path, strerror(errno));
		free(path);
		return rc;
	}
	if (st.st_mode & 077)
		fprintf(stderr, "pnet: warning: %s is readable by others; chmod 600 it\n", path);
	doc = json_load_file(path, JSON_REJECT_DUPLICATES, &error);
	if (!doc || !json_is_object(doc)) {
		fprintf(stderr, "pnet: %s: %s (delete it and log in again)\n", path,
		        doc ? "not a JSON object" : error.text);
		json_decref(doc);
		free(path);
		return -1;
	}
	s->server = member(doc, "server");
	s->token = member(doc, "token");
	s->login = member(doc, "login");
	s->expires_at = member(doc, "expires_at");
	json_decref(doc);
	free(path);
	return 0;
}

/* mkdir -p for the last two levels (~/.config and pnet), the last one 0700. */
static int make_dir(const char *dir)
{
	char *parent = strdup(dir), *slash;

	if (!parent)
		abort();
	slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		if (mkdir(parent, 0700) < 0 && errno != EEXIST) {
			fprintf(stderr, "pnet: cannot create %s: %s\n", parent, strerror(errno));
			free(parent);
			return -1;
		}
	}
	free(parent);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		fprintf(stderr, "pnet: cannot create %s: %s\n", dir, strerror(errno));
		return -1;
	}
	/* An existing directory is tightened too: it holds a secret. */
	if (chmod(dir, 0700) < 0) {
		fprintf(stderr, "pnet: cannot chmod %s: %s\n", dir, strerror(errno));
		return -1;
	}
	return 0;
}

static void set(json_t *doc, const char *key, const char *value)
{
	if (value)
		json_object_set_new(doc, key, json_string(value));
}

int config_save(const struct session *s)
{
	char *dir = config_dir(), *path = NULL, *tmp = NULL, *text = NULL;
	json_t *doc = json_object();
	int fd = -1, rc = -1;
	size_t len, done = 0;

	if (!dir) {
		fprintf(stderr, "pnet: set HOME or XDG_CONFIG_HOME to save the session\n");
		goto out;
	}
	if (make_dir(dir) < 0)
		goto out;
	if (asprintf(&path, "%s/" SESSION_FILE, dir) < 0 ||
	    asprintf(&tmp, "%s/." SESSION_FILE ".%ld", dir, (long)getpid()) < 0)
		abort();
	set(doc, "server", s->server);
	set(doc, "login", s->login);
	set(doc, "token", s->token);
	set(doc, "expires_at", s->expires_at);
	text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (!text)
		abort();
	len = strlen(text);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "pnet: cannot write %s: %s\n", tmp, strerror(errno));
		goto out;
	}
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "pnet: cannot write %s: %s\n", tmp, strerror(errno));
			goto out;
		}
		done += (size_t)n;
	}
	if (write(fd, "\n", 1) != 1 || fsync(fd) < 0) {
		fprintf(stderr, "pnet: cannot write %s: %s\n", tmp, strerror(errno));
		goto out;
	}
	rc = close(fd);
	fd = -1;
	if (rc < 0) {
		fprintf(stderr, "pnet: cannot write %s: %s\n", tmp, strerror(errno));
		goto out;
	}
	rc = -1;
	if (rename(tmp, path) < 0) {
		fprintf(stderr, "pnet: cannot replace %s: %s\n", path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0 && tmp)
		unlink(tmp);
	free(text);
	json_decref(doc);
	free(tmp);
	free(path);
	free(dir);
	return rc;
}

void config_clear(struct session *s)
{
	free(s->server);
	free(s->token);
	free(s->login);
	free(s->expires_at);
	memset(s, 0, sizeof(*s));
}
