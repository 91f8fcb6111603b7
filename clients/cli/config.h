/*
 * pnet's saved session: the server URL, the token and who it belongs to, in
 * $XDG_CONFIG_HOME/pnet/session.json (or ~/.config/pnet/), the directory 0700 and the file
 * 0600, written atomically.
 */
#ifndef PNET_CLI_CONFIG_H
#define PNET_CLI_CONFIG_H

#include <stdbool.h>

struct session {
	char *server; /* URL the token is for; NULL when none is saved */
	char *token;  /* NULL when logged out */
	char *login;
	char *expires_at;
};

/* The directory pnet keeps its files in (malloc'd), or NULL when neither variable is set. */
char *config_dir(void);

/*
 * Read the saved session into s (all NULL when there is none). Returns 0, or -1 with a
 * message on stderr when the file exists but cannot be read or parsed.
 */
int config_load(struct session *s);

/* Save s (NULL members are left out); -1 with a message on stderr on failure. */
int config_save(const struct session *s);

void config_clear(struct session *s);

#endif
