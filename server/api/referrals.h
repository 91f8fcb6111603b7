/* Referrals: what the referral and link modules share (the one check of a move). */
#ifndef PNET_API_REFERRALS_H
#define PNET_API_REFERRALS_H

#include <stdbool.h>

#include "referral.h"

struct req;
struct params;

/*
 * Check the move of the referral in status from into to by side, with the inputs in (the
 * request body's reason, outcome, expected_on, appointment_at), against lib/referral.c. True
 * when it may be made; otherwise the request is answered: 409 naming the status and the
 * allowed moves, 403 for the wrong side, 422 naming the fields.
 */
bool referral_move_checked(struct req *r, enum referral_status from, enum referral_status to,
                           unsigned side, const struct referral_input *in);

/*
 * Draw a link's token (lib/crypto.c: 32 bytes from OpenSSL's RAND_bytes, base64url) and add
 * what link_issue() (schema/functions/links.sql) takes: link_hash (its SHA-256), link_token,
 * link_days (--link-days) and public_url. False when there was no randomness (answered 500).
 */
bool link_token_params(struct req *r, struct params *p);

#endif
