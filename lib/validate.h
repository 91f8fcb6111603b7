/* Field rules shared by the server, the client and the tests: pure predicates, no I/O. */
#ifndef PNET_VALIDATE_H
#define PNET_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

/* A UUID in the canonical 8-4-4-4-12 hex form (hex digits of either case). */
bool validate_uuid(const char *s);

/* Well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF). */
bool validate_utf8(const char *s, size_t len);

/* Number of code points in valid UTF-8 text; -1 if it is not valid UTF-8. */
long validate_utf8_length(const char *s, size_t len);

/* What is wrong with a piece of text, for messages that say more than "invalid". */
enum validate_text_result {
	VALIDATE_TEXT_OK = 0,
	VALIDATE_TEXT_BAD_UTF8,  /* not well-formed UTF-8 (see validate_utf8) */
	VALIDATE_TEXT_CONTROL,   /* a control character (C0, DEL, C1), or a newline/tab when
	                            single-line */
	VALIDATE_TEXT_TOO_SHORT, /* fewer than min_chars code points */
	VALIDATE_TEXT_TOO_LONG,  /* more than max_chars code points */
};

/*
 * Classify the len bytes at s as free text: the checks of validate_text, reporting the first
 * problem found in the order of the enum (encoding, then characters, then length).
 */
enum validate_text_result validate_text_check(const char *s, size_t len, size_t min_chars,
                                              size_t max_chars, bool multiline);

/*
 * Free text a person typed: valid UTF-8, min..max code points (max is a real bound, 0 means
 * only the empty string), no control characters (U+0000..U+001F, U+007F, U+0080..U+009F)
 * except newline and tab when multiline is true. NULL is never valid.
 */
bool validate_text(const char *s, size_t min_chars, size_t max_chars, bool multiline);

/* A calendar date YYYY-MM-DD that exists (leap years included), year 0001..9999. */
bool validate_date(const char *s);

/*
 * An RFC 3339 date-time with seconds and a zone, e.g. 2026-03-01T09:30:00+01:00: 'T' or 't'
 * between date and time, an optional fraction of 1..9 digits, 'Z', 'z' or +hh:mm / -hh:mm
 * (hh 00..23). Hours 00..23 (no 24:00); second 60 only as a leap second, i.e. when the time
 * is 23:59 in UTC. The date must exist, year 0001..9999.
 */
bool validate_timestamp(const char *s);

/* s is one of the NULL-terminated list (false for a NULL s or list). */
bool validate_enum(const char *s, const char *const *allowed);

/* Login names: 3..64 of [a-z0-9._-], starting with a letter or digit. */
bool validate_login(const char *s);

/* A key within a chain or a code: 1..64 of [a-z0-9_-], starting with a letter. */
bool validate_key(const char *s);

/*
 * A plausible e-mail address, at most 254 bytes: valid UTF-8, exactly one @, a local part of
 * 1..64 bytes, a domain with a dot and no empty labels, no spaces or control characters.
 */
bool validate_email(const char *s);

/*
 * An absolute http or https URL with a host, at most 2048 bytes of printable ASCII (no
 * spaces; internationalized names must be punycode/percent-encoded). The host is a name of
 * [A-Za-z0-9.-] or a bracketed IPv6 literal, optionally followed by :port (1..65535);
 * credentials (user@host) are rejected.
 */
bool validate_url(const char *s);

/*
 * A phone number as people write it: digits, spaces, ( ) / -, and + only as the first
 * character; 3..40 characters, at least 3 of them digits.
 */
bool validate_phone(const char *s);

/*
 * Whether s (NUL-terminated) can be a case reference: a pseudonym of letters, digits and
 * . _ / - (so no "First Last"), with nothing shaped like a German date (a birth date) or a
 * benefit number (BG-Nummer, such as 12345BG6789), the things people would otherwise type.
 * Returns NULL when it can, else a short message; *code (when code is not NULL) gets a
 * stable code for the rule: pseudonym_characters, pseudonym_looks_like_birth_date or
 * pseudonym_looks_like_benefit_number.
 */
const char *validate_pseudonym(const char *s, const char **code);

#endif
