#include "static.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <event2/http.h>

#include "crypto.h"
#include "http.h"
#include "log.h"
#include "util.h"

/* Limits that keep a wrong --web-dir (say, /) from filling the memory. */
#define STATIC_MAX_BYTES (64L * 1024 * 1024)
#define STATIC_MAX_FILES 4096
#define STATIC_MAX_DEPTH 16

/*
 * Every HTML answer carries these: no inline script or style, nothing from elsewhere. The
 * service worker and the web app manifest are named too (they would fall back to
 * default-src), so that the policy says in one place where the installed app may come from.
 */
#define STATIC_CSP                                                                                 \
	"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "          \
	"connect-src 'self'; worker-src 'self'; manifest-src 'self'; frame-ancestors 'none'; "     \
	"base-uri 'none'; form-action 'self'"

/*
 * The service worker's URL path (clients/web/src/sw.js, written by the build): at the root,
 * so that its scope is the whole app. Its own fetches obey the policy of its script's answer.
 */
#define STATIC_SERVICE_WORKER "/sw.js"

struct static_file {
	char *path; /* "/index.html", "/assets/index-3f2a9c.js": the URL path */
	char *data;
	size_t len;
	const char *type;
	char etag[20];  /* "\"" + 16 hex digits of the SHA-256 + "\"" */
	bool immutable; /* under /assets/: the name carries a content hash */
	bool html;
	bool worker; /* the service worker: carries the Content-Security-Policy, as HTML does */
};

static struct static_file *files;
static size_t nfiles;
static size_t total_bytes;
static const struct static_file *index_file;

static const struct {
	const char *ext;
	const char *type;
} types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".mjs", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".json", "application/json"},
        {".map", "application/json"},
        {".webmanifest", "application/manifest+json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".jpg", "image/jpeg"},
        {".jpeg", "image/jpeg"},
        {".gif", "image/gif"},
        {".webp", "image/webp"},
        {".ico", "image/x-icon"},
        {".woff2", "font/woff2"},
        {".woff", "font/woff"},
        {".ttf", "font/ttf"},
        {".txt", "text/plain; charset=utf-8"},
};

static const char *type_of(const char *path)
{
	const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');

	if (dot && (!slash || dot > slash))
		for (size_t i = 0; i < ARRAY_SIZE(types); i++)
			if (!strcasecmp(dot, types[i].ext))
				return types[i].type;
	return "application/octet-stream";
}

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct static_file *)a)->path, ((const struct static_file *)b)->path);
}

static int key_by_path(const void *key, const void *file)
{
	return strcmp(*(const char *const *)key, ((const struct static_file *)file)->path);
}

/* The loaded file at this URL path, or NULL. */
static const struct static_file *find(const char *path)
{
	return bsearch(&path, files, nfiles, sizeof(*files), key_by_path);
}

/* Read one file whole; -1 after logging why. */
static int read_file(const char *fs_path, const char *url_path, off_t size)
{
	struct static_file *f;
	char hash[CRYPTO_SHA256_HEX_LEN + 1];
	FILE *in;

	if (nfiles >= STATIC_MAX_FILES || total_bytes + (size_t)size > STATIC_MAX_BYTES) {
		log_error("web-dir: more than %d files or %ld bytes; is --web-dir right?",
		          STATIC_MAX_FILES, STATIC_MAX_BYTES);
		return -1;
	}
	in = fopen(fs_path, "rb");
	if (!in) {
		log_error("web-dir: cannot open %s: %s", fs_path, strerror(errno));
		return -1;
	}
	files = xrealloc(files, (nfiles + 1) * sizeof(*files));
	f = &files[nfiles];
	memset(f, 0, sizeof(*f));
	f->data = xmalloc((size_t)size + 1);
	f->len = fread(f->data, 1, (size_t)size, in);
	if (f->len != (size_t)size || ferror(in)) {
		log_error("web-dir: cannot read %s", fs_path);
		fclose(in);
		free(f->data);
		return -1;
	}
	fclose(in);
	f->path = xstrdup(url_path);
	f->type = type_of(url_path);
	f->html = !strncmp(f->type, "text/html", 9);
	f->immutable = !strncmp(url_path, "/assets/", 8);
	f->worker = !strcmp(url_path, STATIC_SERVICE_WORKER);
	crypto_sha256_hex(f->data, f->len, hash);
	snprintf(f->etag, sizeof(f->etag), "\"%.16s\"", hash);
	total_bytes += f->len;
	nfiles++;
	return 0;
}

/* Load the folder fs_dir, whose URL path is url_dir ("" for the root); -1 on failure. */
static int load_dir(const char *root, const char *fs_dir, const char *url_dir, int depth)
{
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if (depth > STATIC_MAX_DEPTH)
		return 0;
	d = opendir(fs_dir);
	if (!d) {
		log_error("web-dir: cannot open %s: %s", fs_dir, strerror(errno));
		return -1;
	}
	while (rc == 0 && (e = readdir(d))) {
		char *fs_path, *url_path, *real;
		struct stat st;
		size_t rootlen = strlen(root);

		if (e->d_name[0] == '.')
			continue; /* ".", "..", and dotfiles are never served */
		fs_path = xasprintf("%s/%s", fs_dir, e->d_name);
		url_path = xasprintf("%s/%s", url_dir, e->d_name);
		real = realpath(fs_path, NULL);
		/* A symbolic link that leads out of the folder is not served. */
		if (real && !strncmp(real, root, rootlen) && real[rootlen] == '/' &&
		    stat(real, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				rc = load_dir(root, fs_path, url_path, depth + 1);
			else if (S_ISREG(st.st_mode))
				rc = read_file(real, url_path, st.st_size);
		}
		free(real);
		free(fs_path);
		free(url_path);
	}
	closedir(d);
	return rc;
}

int static_load(const char *dir)
{
	char *root;

	static_free();
	if (!dir || !*dir)
		return 0;
	root = realpath(dir, NULL);
	if (!root) {
		log_warn("web-dir %s: %s; the web app is not served (build it: ./dev build)", dir,
		         strerror(errno));
		return 0;
	}
	if (load_dir(root, root, "", 0) < 0) {
		free(root);
		static_free();
		return -1;
	}
	free(root);
	qsort(files, nfiles, sizeof(*files), by_path);
	index_file = find("/index.html");
	log_write(LOG_INFO, NULL, "web app loaded",
	          json_pack("{s:s, s:I, s:I, s:b}", "web_dir", dir, "files", (json_int_t)nfiles,
	                    "bytes", (json_int_t)total_bytes, "index", index_file != NULL));
	return (int)nfiles;
}

void static_free(void)
{
	for (size_t i = 0; i < nfiles; i++) {
		free(files[i].path);
		free(files[i].data);
	}
	free(files);
	files = NULL;
	nfiles = 0;
	total_bytes = 0;
	index_file = NULL;
}

/* Does If-None-Match (a list of entity tags, or "*") name this file's ETag? */
static bool etag_matches(const char *header, const char *etag)
{
	size_t n = strlen(etag);

	for (const char *p = header; *p;) {
		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (*p == '*')
			return true;
		if (!strncmp(p, "W/", 2))
			p += 2;
		if (!strncmp(p, etag, n) && (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
			return true;
		p += strcspn(p, ",");
	}
	return false;
}

static void answer_file(struct req *r, const struct static_file *f)
{
	const char *inm =
	        evhttp_find_header(evhttp_request_get_input_headers(r->evreq), "If-None-Match");

	http_header(r, "ETag", f->etag);
	http_header(r, "Cache-Control",
	            f->immutable ? "public, max-age=31536000, immutable" : "no-cache");
	http_header(r, "Referrer-Policy", "no-referrer");
	if (f->html || f->worker)
		http_header(r, "Content-Security-Policy", STATIC_CSP);
	if (f->html)
		http_header(r, "X-Frame-Options", "DENY");
	if (inm && etag_matches(inm, f->etag)) {
		http_reply_raw(r, 304, NULL, NULL, 0);
		return;
	}
	http_reply_raw(r, 200, f->type, f->data, f->len);
}

/* Is the decoded path one the app may serve: no empty, dot-led or backslashed segment? */
static bool path_is_clean(const char *path, size_t len)
{
	if (len == 0 || path[0] != '/' || strlen(path) != len)
		return false; /* an encoded NUL */
	for (const char *p = path; *p; p++) {
		if (*p == '\\')
			return false;
		if (*p == '/' && p[1] == '.')
			return false; /* "..", "./", and dotfiles */
		if (*p == '/' && p[1] == '/')
			return false;
	}
	return true;
}

bool static_serve(struct req *r)
{
	const struct static_file *f;
	const char *last;
	size_t len = 0;
	char *path;

	if (!nfiles || (strcmp(r->method, "GET") && strcmp(r->method, "HEAD")) ||
	    !strcmp(r->path, "/v1") || !strncmp(r->path, "/v1/", 4))
		return false;
	path = evhttp_uridecode(r->path, 0, &len);
	if (!path || !path_is_clean(path, len)) {
		free(path);
		http_not_found(r);
		return true;
	}
	f = find(!strcmp(path, "/") ? "/index.html" : path);
	last = strrchr(path, '/');
	if (!f && index_file && !strchr(last, '.'))
		f = index_file; /* one of the app's own pages */
	free(path);
	if (!f) {
		http_problem(r, 404, "not-found", "Not found", "There is nothing at %s.", r->path);
		return true;
	}
	answer_file(r, f);
	return true;
}
