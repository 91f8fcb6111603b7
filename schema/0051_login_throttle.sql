-- replaces sha256 4eedcb2f757828e8db91fab2fb1547cecdde443b7efcd51829e9ee7cfff8ab77
-- This migration as first released also defined login_attempt(); it lives in
-- schema/functions/session.sql now, and the line above lets pnetd migrate accept a database
-- that applied the first text (docs/architecture.md, "Migrations").

-- The login throttle counts an attempt before the password is checked, atomically, and
-- holds back by growing delays per (login, address) rather than locking a login out
-- (docs/architecture.md, "Accounts and tokens").
--
-- Before, pnetd read the failure count, checked the password and wrote the failure after it:
-- parallel attempts all read the same count and all got their password checked. Now
-- login_attempt() takes a transaction advisory lock on the login and one on the address,
-- decides, and records the attempt as a failure in the same transaction; a successful check
-- deletes that row again. Attempts for one login or from one address therefore queue for a
-- moment and each sees every attempt before it.

-- Where a login has logged in successfully: such an address is not held back by the bounds
-- per login and per address (a stranger's failures must not lock the rightful user out, and
-- one address shared by a whole agency must not lock all of it out). Kept for
-- --login-known-days after the last success.
CREATE TABLE login_known_address (
    login           text NOT NULL,
    client_addr     text NOT NULL,
    last_success_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (login, client_addr)
);
