/* Field rules shared by the server, the client and the tests: pure predicates, no I/O. */
#ifndef PNET_VALIDATE_H
#define PNET_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

/* Canonical lower- or upper-case 8-4-4-4-12 hex UUID. */
bool validate_uuid(const char *s);

/* Well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF). */
bool validate_utf8(const char *s, size_t len);

/* Number of code points in valid UTF-8 text; -1 if it is not valid UTF-8. */
long validate_utf8_length(const char *s, size_t len);

/*
 * Free text a person typed: valid UTF-8, min..max code points, no control characters
 * except newline and tab when multiline is true.
 */
bool validate_text(const char *s, size_t min_chars, size_t max_chars, bool multiline);

/* A calendar date YYYY-MM-DD that exists (leap years included). */
bool validate_date(const char *s);

/* An RFC 3339 date-time with seconds and a zone (Z or +hh:mm), e.g. 2026-03-01T09:30:00+01:00. */
bool validate_timestamp(const char *s);

/* s is one of the NULL-terminated list. */
bool validate_enum(const char *s, const char *const *allowed);

/* Login names: 3..64 of [a-z0-9._-], starting with a letter or digit. */
bool validate_login(const char *s);

/* A key within a chain or a code: 1..64 of [a-z0-9_-], starting with a letter. */
bool validate_key(const char *s);

/* A plausible e-mail address (one @, a dot in the domain, no spaces), at most 254 bytes. */
bool validate_email(const char *s);

/* An absolute http or https URL with a host, at most 2048 bytes. */
bool validate_url(const char *s);

/* A phone number as people write it: digits, spaces, + ( ) / -, 3..40 characters. */
bool validate_phone(const char *s);

#endif
