/*
 * An iCalendar file (RFC 5545) with one appointment: CRLF line ends, lines folded at 75
 * octets (never inside a UTF-8 character), text values escaped. Times are UTC ("...Z"), so the
 * file needs no VTIMEZONE. Pure, for unit tests.
 */
#ifndef PNET_ICS_H
#define PNET_ICS_H

struct ics_appointment {
	const char *uid;      /* unique and stable for this appointment */
	const char *stamp;    /* DTSTAMP, UTC: YYYYMMDDTHHMMSSZ */
	const char *start;    /* DTSTART, UTC: YYYYMMDDTHHMMSSZ */
	long duration_min;    /* DURATION */
	long sequence;        /* SEQUENCE: how often it was changed */
	const char *summary;  /* SUMMARY (text) */
	const char *location; /* LOCATION (text) or NULL */
};

/* The calendar's text; the caller frees it. */
char *ics_appointment(const struct ics_appointment *a);

#endif
