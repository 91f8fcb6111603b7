/*
 * The web app's static files (clients/web/dist), served at / by the route-less fallback in
 * http.c. The whole folder is read into memory once at start (static_load), so that serving
 * never touches the disk on the event loop; the table is immutable afterwards and shared by
 * every worker without locks.
 */
#ifndef PNET_STATIC_H
#define PNET_STATIC_H

#include <stdbool.h>

struct req;

/*
 * Read every regular file under dir (dotfiles and anything whose real path leaves dir are
 * skipped). A missing dir is not an error: the app is then not served. Returns the number of
 * files loaded, or -1 after logging why (a file could not be read, or the folder is too big).
 */
int static_load(const char *dir);

/* Release what static_load read. */
void static_free(void);

/*
 * Answer a GET or HEAD of a path no API route matched: a loaded file, 304 for a matching
 * If-None-Match, index.html for an unknown path that does not name a file (the app's own
 * routes), 404 otherwise. Returns false, without answering, when the path is not the web
 * app's (under /v1/, not GET or HEAD, or nothing loaded).
 */
bool static_serve(struct req *r);

#endif
