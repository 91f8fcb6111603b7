/* Field rules: pure predicates over strings, no allocation, no I/O. */
#include "validate.h"

#include <string.h>
#include <strings.h>

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* ASCII only, whatever the locale says. */
static bool is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

bool validate_uuid(const char *s)
{
	if (!s || strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!is_hex(s[i])) {
			return false;
		}
	}
	return true;
}

/*
 * Decode one code point from s[0..len) into *cp; returns its length in bytes, or 0 when the
 * bytes there are not well-formed UTF-8 (RFC 3629: no overlongs, surrogates, or > U+10FFFF).
 */
static size_t utf8_decode(const unsigned char *s, size_t len, unsigned long *cp)
{
	unsigned char c = s[0];
	size_t n;
	unsigned long v, min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		v = c & 0x1f;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		v = c & 0x0f;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		v = c & 0x07;
		min = 0x10000;
	} else {
		return 0; /* continuation byte, C0/C1 overlong lead, or 5/6-byte lead */
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

bool validate_utf8(const char *s, size_t len)
{
	return validate_utf8_length(s, len) >= 0;
}

long validate_utf8_length(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	long count = 0;

	if (!s && len)
		return -1;
	while (len) {
		unsigned long cp;
		size_t n = utf8_decode(p, len, &cp);

		if (!n)
			return -1;
		p += n;
		len -= n;
		count++;
	}
	return count;
}

enum validate_text_result validate_text_check(const char *s, size_t len, size_t min_chars,
                                              size_t max_chars, bool multiline)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t count = 0, left = len;
	bool control = false;

	if (!s && len)
		return VALIDATE_TEXT_BAD_UTF8;
	while (left) {
		unsigned long cp;
		size_t n = utf8_decode(p, left, &cp);

		if (!n)
			return VALIDATE_TEXT_BAD_UTF8;
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
			if (!(multiline && (cp == '\n' || cp == '\t')))
				control = true;
		}
		p += n;
		left -= n;
		count++;
	}
	if (control)
		return VALIDATE_TEXT_CONTROL;
	if (count < min_chars)
		return VALIDATE_TEXT_TOO_SHORT;
	if (count > max_chars)
		return VALIDATE_TEXT_TOO_LONG;
	return VALIDATE_TEXT_OK;
}

bool validate_text(const char *s, size_t min_chars, size_t max_chars, bool multiline)
{
	if (!s)
		return false;
	return validate_text_check(s, strlen(s), min_chars, max_chars, multiline) ==
	       VALIDATE_TEXT_OK;
}

/* Read exactly n decimal digits at s into *out; false if any is not a digit. */
static bool read_digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static bool is_leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && is_leap_year(y))
		return 29;
	return days[m - 1];
}

/* The date part YYYY-MM-DD at the start of s (no terminator check). */
static bool date_prefix(const char *s)
{
	int y, m, d;

	if (!read_digits(s, 4, &y) || s[4] != '-' || !read_digits(s + 5, 2, &m) || s[7] != '-' ||
	    !read_digits(s + 8, 2, &d))
		return false;
	return y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

bool validate_date(const char *s)
{
	if (!s || strlen(s) != 10)
		return false;
	return date_prefix(s);
}

bool validate_timestamp(const char *s)
{
	int hh, mm, ss, oh = 0, om = 0, sign = 0;
	const char *p;

	if (!s || strlen(s) < 20 || !date_prefix(s))
		return false;
	if (s[10] != 'T' && s[10] != 't')
		return false;
	p = s + 11;
	if (!read_digits(p, 2, &hh) || p[2] != ':' || !read_digits(p + 3, 2, &mm) || p[5] != ':' ||
	    !read_digits(p + 6, 2, &ss))
		return false;
	if (hh > 23 || mm > 59 || ss > 60)
		return false;
	p += 8;
	if (*p == '.') {
		int digits = 0;

		p++;
		while (is_digit(*p)) {
			p++;
			digits++;
		}
		if (digits < 1 || digits > 9)
			return false;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '+' ? 1 : -1;
		if (!read_digits(p + 1, 2, &oh) || p[3] != ':' || !read_digits(p + 4, 2, &om))
			return false;
		if (oh > 23 || om > 59)
			return false;
		p += 6;
	} else {
		return false;
	}
	if (*p)
		return false;
	if (ss == 60) {
		/* A leap second is only ever inserted as 23:59:60 UTC. */
		int utc = ((hh * 60 + mm - sign * (oh * 60 + om)) % 1440 + 1440) % 1440;

		if (utc != 23 * 60 + 59)
			return false;
	}
	return true;
}

bool validate_enum(const char *s, const char *const *allowed)
{
	if (!s || !allowed)
		return false;
	for (; *allowed; allowed++) {
		if (strcmp(s, *allowed) == 0)
			return true;
	}
	return false;
}

bool validate_login(const char *s)
{
	size_t len;

	if (!s)
		return false;
	len = strlen(s);
	if (len < 3 || len > 64 || !(is_lower(s[0]) || is_digit(s[0])))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!(is_lower(c) || is_digit(c) || c == '.' || c == '_' || c == '-'))
			return false;
	}
	return true;
}

bool validate_key(const char *s)
{
	size_t len;

	if (!s)
		return false;
	len = strlen(s);
	if (len < 1 || len > 64 || !is_lower(s[0]))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (!(is_lower(c) || is_digit(c) || c == '_' || c == '-'))
			return false;
	}
	return true;
}

bool validate_email(const char *s)
{
	const char *at, *dom;
	size_t len, dlen;
	bool dot = false;

	if (!s)
		return false;
	len = strlen(s);
	if (len < 3 || len > 254 || !validate_utf8(s, len))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c == 0x7f)
			return false;
	}
	/* The C1 range encodes as 0xc2 0x80..0x9f; no-break space as 0xc2 0xa0. */
	for (size_t i = 0; i + 1 < len; i++) {
		if ((unsigned char)s[i] == 0xc2 && (unsigned char)s[i + 1] <= 0xa0)
			return false;
	}
	at = strchr(s, '@');
	if (!at || strchr(at + 1, '@') || at == s || at - s > 64)
		return false;
	dom = at + 1;
	dlen = strlen(dom);
	if (dlen < 3 || dom[0] == '.' || dom[dlen - 1] == '.' || strstr(dom, ".."))
		return false;
	for (size_t i = 0; i < dlen; i++) {
		if (dom[i] == '.')
			dot = true;
	}
	return dot;
}

/* The port after ':' in [s, end): 1..5 digits, 1..65535. */
static bool url_port(const char *s, const char *end)
{
	long v = 0;

	if (s == end || end - s > 5)
		return false;
	for (; s < end; s++) {
		if (!is_digit(*s))
			return false;
		v = v * 10 + (*s - '0');
	}
	return v >= 1 && v <= 65535;
}

bool validate_url(const char *s)
{
	const char *host, *end, *p;
	size_t len;

	if (!s)
		return false;
	len = strlen(s);
	if (len > 2048)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f)
			return false;
	}
	if (strncasecmp(s, "http://", 7) == 0)
		host = s + 7;
	else if (strncasecmp(s, "https://", 8) == 0)
		host = s + 8;
	else
		return false;
	end = host + strcspn(host, "/?#");
	if (end == host)
		return false;
	if (memchr(host, '@', (size_t)(end - host)))
		return false;
	if (*host == '[') {
		p = host + 1;
		while (p < end && (is_hex(*p) || *p == ':' || *p == '.'))
			p++;
		if (p == host + 1 || p >= end || *p != ']')
			return false;
		p++;
	} else {
		p = host;
		while (p < end && (is_digit(*p) || is_lower(*p) || (*p >= 'A' && *p <= 'Z') ||
		                   *p == '.' || *p == '-'))
			p++;
		if (p == host || *host == '.' || *host == '-')
			return false;
	}
	if (p == end)
		return true;
	if (*p != ':')
		return false;
	return url_port(p + 1, end);
}

bool validate_phone(const char *s)
{
	size_t len;
	int digits = 0;

	if (!s)
		return false;
	len = strlen(s);
	if (len < 3 || len > 40)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (is_digit(c))
			digits++;
		else if (c == '+' && i == 0)
			continue;
		else if (!(c == ' ' || c == '(' || c == ')' || c == '/' || c == '-'))
			return false;
	}
	return digits >= 3;
}

/* A German date at s[i] (d.m.yy or d.m.yyyy, one or two digits for day and month). */
static bool date_at(const char *s, size_t n, size_t i)
{
	int d = 0, m = 0, y = 0;
	size_t j = i;

	while (j < n && is_digit(s[j]) && d < 3)
		j++, d++;
	if (d < 1 || d > 2 || j >= n || s[j] != '.')
		return false;
	j++;
	while (j < n && is_digit(s[j]) && m < 3)
		j++, m++;
	if (m < 1 || m > 2 || j >= n || s[j] != '.')
		return false;
	j++;
	while (j < n && is_digit(s[j]))
		j++, y++;
	return y == 2 || y == 4;
}

/* "BG" between digits, after at least five characters (a BG-Nummer: 12345BG6789). */
static bool benefit_number_at(const char *s, size_t n, size_t i)
{
	return i >= 5 && i + 2 < n && (s[i] == 'B' || s[i] == 'b') &&
	       (s[i + 1] == 'G' || s[i + 1] == 'g') && is_digit(s[i - 1]) && is_digit(s[i + 2]);
}

const char *validate_pseudonym(const char *s, const char **code)
{
	size_t n = strlen(s);
	const char *unused;

	if (!code)
		code = &unused;
	for (size_t i = 0; i < n; i++) {
		if (!is_alnum(s[i]) && !strchr("._/-", s[i])) {
			*code = "pseudonym_characters";
			return "use a pseudonym of letters, digits and . _ / - only (no names, no "
			       "spaces)";
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (date_at(s, n, i)) {
			*code = "pseudonym_looks_like_birth_date";
			return "looks like a date of birth: use a pseudonym";
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (benefit_number_at(s, n, i)) {
			*code = "pseudonym_looks_like_benefit_number";
			return "looks like a benefit number (BG-Nummer): use a pseudonym";
		}
	}
	*code = NULL;
	return NULL;
}
