-- Logging in (server/api/session.c): the login throttle (docs/architecture.md, "Accounts
-- and tokens"). An attempt is counted before the password is checked, atomically, and held
-- back by growing delays per (login, address) rather than locking a login out.

-- Whole seconds from p_now until p_at, at least 1: a Retry-After.
CREATE FUNCTION seconds_until(p_at timestamptz, p_now timestamptz) RETURNS integer
LANGUAGE sql IMMUTABLE AS $$
    SELECT greatest(1, ceil(extract(epoch FROM p_at - p_now)))::integer
$$;

-- One login attempt of p_login from p_addr. Either it is held back: retry_after (seconds) and
-- reason ('pair': the growing delay of this login from this address; 'login': too many
-- failures of this login from addresses it never logged in from; 'address': too many
-- failures from this address for logins never used there), and nothing is written. Or it is
-- let through: the attempt is recorded as a failure (attempt_id) and the account, if there is
-- one, is returned for the password check.
--
-- The delay: the first p_free failures of a pair within the window cost nothing; after that
-- each further attempt must wait 2^(failures - p_free) seconds after the last failure, at
-- most p_max_delay_s.
CREATE FUNCTION login_attempt(p_login text, p_addr text, p_window_minutes integer,
                              p_free integer, p_max_delay_s integer, p_max_login integer,
                              p_max_addr integer, p_known_days integer,
                              OUT retry_after integer, OUT reason text, OUT attempt_id bigint,
                              OUT account_id uuid, OUT password_hash text,
                              OUT disabled boolean)
LANGUAGE plpgsql AS $$
DECLARE
    t timestamptz;
    since timestamptz;
    pair_failures integer;
    pair_last timestamptz;
    delay double precision;
    login_bound timestamptz;
    addr_bound timestamptz;
BEGIN
    -- Always in this order (login, then address), so that two attempts cannot deadlock.
    PERFORM pg_advisory_xact_lock(51001, hashtext(p_login));
    PERFORM pg_advisory_xact_lock(51002, hashtext(p_addr));
    -- The time after the locks: an attempt that waited compares with what came before it.
    t := clock_timestamp();
    since := t - make_interval(mins => p_window_minutes);

    SELECT count(*), max(f.at) INTO pair_failures, pair_last FROM login_failure f
     WHERE f.login = p_login AND f.client_addr = p_addr AND f.at > since;
    IF pair_failures >= p_free THEN
        delay := least(power(2, least(pair_failures - p_free, 30)), p_max_delay_s);
        IF t < pair_last + make_interval(secs => delay) THEN
            retry_after := seconds_until(pair_last + make_interval(secs => delay), t);
            reason := 'pair';
            RETURN;
        END IF;
    END IF;

    IF NOT EXISTS (SELECT 1 FROM login_known_address k
                    WHERE k.login = p_login AND k.client_addr = p_addr
                      AND k.last_success_at > t - make_interval(days => p_known_days)) THEN
        -- The failure that reached each bound (NULL: not reached); the attempt is held back
        -- until it leaves the window.
        SELECT (SELECT f.at FROM login_failure f WHERE f.login = p_login AND f.at > since
                 ORDER BY f.at DESC OFFSET p_max_login - 1 LIMIT 1),
               (SELECT f.at FROM login_failure f WHERE f.client_addr = p_addr AND f.at > since
                 ORDER BY f.at DESC OFFSET p_max_addr - 1 LIMIT 1)
          INTO login_bound, addr_bound;
        IF coalesce(login_bound, addr_bound) IS NOT NULL THEN
            retry_after := seconds_until(coalesce(login_bound, addr_bound)
                                         + make_interval(mins => p_window_minutes), t);
            reason := CASE WHEN login_bound IS NOT NULL THEN 'login' ELSE 'address' END;
            RETURN;
        END IF;
    END IF;

    INSERT INTO login_failure (login, client_addr, at) VALUES (p_login, p_addr, t)
    RETURNING id INTO attempt_id;
    SELECT a.id, a.password_hash, a.disabled INTO account_id, password_hash, disabled
      FROM account a WHERE a.login = p_login;
END $$;
