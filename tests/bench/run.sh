#!/usr/bin/env bash
# The bench runner (docs/performance.md): ./dev bench [inbox|transitions|creates|all] calls it with the
# bench cluster running. For each scenario it copies the data afresh from bench_seed, starts
# the release pnetd, runs wrk, reads pnetd's peak RSS, copies the data afresh again, runs
# pgbench on the statements pnetd sends for the same request and on the lean statement that
# gives the same answer (tests/bench/lean/), and prints a Markdown table with the ratios.
# Measurements only: nothing here passes or fails on a timing.
#
# Environment (set by ./dev bench): PNETD, BENCH_PGHOST, BENCH_PGPORT. Knobs:
#   BENCH_SECONDS (20)      duration of each measured wrk and pgbench run
#   BENCH_WARMUP (5)        seconds of the same load before each measured run, on the same
#                           pnetd (a wrk run of its own) or the same pgbench connections (the
#                           first seconds of the run, left out of its numbers): a backend's
#                           first statements plan and fill its caches (docs/performance.md)
#   BENCH_PORT (18089)      pnetd's loopback port
#   BENCH_POOL (4)          pnetd's --db-pool-size (per worker; 2 workers)
#   BENCH_ROUNDS (3)        rounds of pnetd / pnetd's statements / the lean statement, the
#                           order turned each round; the table gives each and the median
#   BENCH_RATE_RUN (1)      0: leave out the run at half the peak rate (rate-limited client)
#   BENCH_REGENERATE (0)    1: rebuild bench_seed even when schema and generator are unchanged
set -euo pipefail
# pgbench's and psql's sessions in pnetd's time zone (server/db.h): the lean statements give
# the same bytes as pnetd only with the same offset in their times, and count the same days.
export PGTZ=Europe/Berlin

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
: "${PNETD:?run through ./dev bench}" "${BENCH_PGHOST:?}" "${BENCH_PGPORT:?}"
DURATION=${BENCH_SECONDS:-20}
WARMUP=${BENCH_WARMUP:-5}
PORT=${BENCH_PORT:-18089}
ROUNDS=${BENCH_ROUNDS:-3}
RATE_RUN=${BENCH_RATE_RUN:-1}
THREADS=2
WORKERS=2
# pnetd's database connections per worker (BENCH_POOL): 4, pnetd's default; 8 (16 in all, as
# many as pgbench's clients) measured slower for transitions (docs/performance.md).
POOL=${BENCH_POOL:-4}
OUT=$ROOT/var/bench/$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$OUT"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# psql_as USER DB [ARGS...]
psql_as() {
    local user=$1 db=$2
    shift 2
    psql -X -q -h "$BENCH_PGHOST" -p "$BENCH_PGPORT" -U "$user" -d "$db" -v ON_ERROR_STOP=1 "$@"
}
conninfo() { echo "host='$BENCH_PGHOST' port=$BENCH_PGPORT dbname=$1 user=pnet"; }

# ---------------------------------------------------------------------------------------------
# data

# seed: bench_seed, generated unless it was made from the same schema and generator.
seed() {
    local want have start
    want=$(cat "$ROOT"/schema/*.sql "$HERE/generate.sql" | sha1sum | cut -c1-40)
    have=$(psql_as postgres postgres -Atc "SELECT shobj_description(oid, 'pg_database')
                                           FROM pg_database WHERE datname = 'bench_seed'")
    if [ "$have" = "$want" ] && [ "${BENCH_REGENERATE:-0}" != 1 ]; then
        # schema/functions may have changed since: migrate applies them again (seconds),
        # dropping every other function too; the generator's own (bench_id ...) come back.
        "$PNETD" migrate --database "$(conninfo bench_seed)" --schema-dir "$ROOT/schema" \
            >"$OUT/migrate.log" 2>&1 || { cat "$OUT/migrate.log" >&2; die "migrate failed"; }
        awk '/^CREATE FUNCTION/, /^\$\$;$/' "$HERE/generate.sql" |
            sed 's/^CREATE FUNCTION/CREATE OR REPLACE FUNCTION/' | psql_as postgres bench_seed
        say "bench_seed is up to date (functions applied again)"
        return 0
    fi
    say "generating bench_seed (5,000 nodes, 250,000 cases, 1,000,000 referrals)"
    start=$(date +%s)
    psql_as postgres postgres -c 'DROP DATABASE IF EXISTS bench_run WITH (FORCE)' \
        -c 'DROP DATABASE IF EXISTS bench_seed WITH (FORCE)' \
        -c 'CREATE DATABASE bench_seed OWNER pnet'
    "$PNETD" migrate --database "$(conninfo bench_seed)" --schema-dir "$ROOT/schema" \
        >"$OUT/migrate.log" 2>&1 || { cat "$OUT/migrate.log" >&2; die "migrate failed"; }
    psql_as postgres bench_seed -f "$HERE/generate.sql" | tee "$OUT/generate.log" >&2
    psql_as postgres bench_seed -c 'CREATE EXTENSION IF NOT EXISTS pg_prewarm'
    psql_as postgres postgres -c "COMMENT ON DATABASE bench_seed IS '$want'"
    GENERATED_IN=$(($(date +%s) - start))
    say "bench_seed generated in ${GENERATED_IN} s"
}

# reset: bench_run, a fresh copy of bench_seed, its hot tables read into shared_buffers.
reset() {
    psql_as postgres postgres -c 'DROP DATABASE IF EXISTS bench_run WITH (FORCE)' \
        -c 'CREATE DATABASE bench_run TEMPLATE bench_seed OWNER pnet STRATEGY FILE_COPY'
    psql_as postgres bench_run -Atc "SELECT sum(pg_prewarm(c.oid)) FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'i')
          AND c.relname !~ '^(referral_event|audit_log|outbox)'" >/dev/null
}

# written ACTION: audit rows of ACTION in bench_run (the seed has none), i.e. writes that took.
written() {
    psql_as postgres bench_run -Atc "SELECT count(*) FROM audit_log WHERE action = '$1'"
}

# ---------------------------------------------------------------------------------------------
# runs

PNETD_PID=
stop_pnetd() {
    [ -n "$PNETD_PID" ] || return 0
    kill -TERM "$PNETD_PID" 2>/dev/null || true
    wait "$PNETD_PID" 2>/dev/null || true
    PNETD_PID=
}
trap stop_pnetd EXIT

# wrk_field FILE WHAT: a number from wrk's output (rps, p50, p99, non2xx, socket).
wrk_field() {
    case "$2" in
        rps) awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$1" ;;
        p50) awk '$1 == "50%" {print $2}' "$1" ;;
        p99) awk '$1 == "99%" {print $2}' "$1" ;;
        requests) awk '/requests in/ {print $1}' "$1" ;;
        non2xx) awk '/Non-2xx or 3xx responses:/ {print $5}' "$1" ;;
        socket) awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$1" ;;
    esac
}

# wrk_count WHAT FILE...: the sum of a count (requests, non2xx, socket) over wrk outputs; a
# count wrk does not print is 0.
wrk_count() {
    local what=$1 f n sum=0
    shift
    for f in "$@"; do
        n=$(wrk_field "$f" "$what")
        sum=$((sum + ${n:-0}))
    done
    echo "$sum"
}

# run_pnetd SCENARIO POOL CONNECTIONS [RATE]: one wrk run against a fresh pnetd on fresh data
# (RATE: a rate-limited client, requests per second); sets R_RPS R_P50 R_P99 R_ERR R_RSS.
run_pnetd() {
    local scenario=$1 pool=$2 conns=$3 rate=${4:-} tag log wout warm ok requests
    tag="$1-pool$2-c$3${4:+-rate$4}-$ROUND"
    reset
    if [ "$scenario" = transitions ]; then
        # The transition pool: every sent referral of a busy node, with its receiver's token.
        psql_as postgres bench_run -Atc "SELECT substr(to_node_id::text, 25)::int, id
            FROM referral WHERE status = 'sent' AND version = 1
             AND to_node_id <= 'bbbbbbb2-0000-4000-8000-000000000200'
             AND to_node_id >= 'bbbbbbb2-0000-4000-8000-000000000001'
            ORDER BY id" -F ' ' >"$OUT/transition-ids.txt"
        export BENCH_IDS=$OUT/transition-ids.txt
    fi
    log=$OUT/pnetd-$tag.log
    "$PNETD" serve --listen 127.0.0.1 --port "$PORT" --workers "$WORKERS" \
        --db-pool-size "$pool" --database "$(conninfo bench_run)" 2>"$log" &
    PNETD_PID=$!
    for _ in $(seq 1 100); do
        curl -fsS -o /dev/null "http://127.0.0.1:$PORT/readyz" 2>/dev/null && break
        kill -0 "$PNETD_PID" 2>/dev/null || { tail -5 "$log" >&2; die "pnetd exited"; }
        sleep 0.1
    done
    [ "$scenario" = inbox ] && same_bytes
    wout=$OUT/wrk-$tag.txt
    warm=$OUT/wrk-$tag-warmup.txt
    if [ "$WARMUP" -gt 0 ]; then
        say "wrk $tag warm-up (${WARMUP} s)"
        # BENCH_PHASE=warmup: the scripts take other referrals and pairs than the measured run.
        BENCH_PHASE=warmup BENCH_RATE=$rate BENCH_CONNS=$conns wrk -t "$THREADS" -c "$conns" \
            -d "${WARMUP}s" --timeout 10s -s "$HERE/$scenario.lua" "http://127.0.0.1:$PORT" -- \
            "$THREADS" >"$warm"
    else
        : >"$warm"
    fi
    say "wrk $tag (${DURATION} s)"
    BENCH_RATE=$rate BENCH_CONNS=$conns wrk -t "$THREADS" -c "$conns" -d "${DURATION}s" \
        --timeout 10s --latency -s "$HERE/$scenario.lua" "http://127.0.0.1:$PORT" -- \
        "$THREADS" >"$wout"
    R_RSS=$(awk '/^VmHWM:/ {printf "%.0f MiB", $2 / 1024}' "/proc/$PNETD_PID/status")
    stop_pnetd
    R_RPS=$(wrk_field "$wout" rps)
    R_P50=$(wrk_field "$wout" p50)
    R_P99=$(wrk_field "$wout" p99)
    # Errors and writes count the warm-up's requests too: every write must have taken.
    requests=$(wrk_count requests "$wout" "$warm")
    R_ERR=$(($(wrk_count non2xx "$wout" "$warm") + $(wrk_count socket "$wout" "$warm")))
    case "$scenario" in
        transitions) ok=$(written referral.transition) ;;
        creates) ok=$(written referral.create) ;;
        *) ok= ;;
    esac
    # A write wrk saw answered but the database does not hold is an error too.
    [ -n "$ok" ] && [ $((requests - ok)) -gt "$R_ERR" ] && R_ERR=$((requests - ok))
    return 0
}

# same_bytes: pnetd's inbox answer for token 1 and the lean statement's are the same bytes
# (the lean statement must answer what pnetd answers, or its rate means nothing).
same_bytes() {
    local a=$OUT/inbox-pnetd.json b=$OUT/inbox-lean.json
    curl -fsS -H "Authorization: Bearer bench-token-1" -o "$a" \
        "http://127.0.0.1:$PORT/v1/referrals?box=inbox&status=sent,received&limit=50"
    sed -e '/^\\set/d' -e 's/bench_token_hash(:t)/bench_token_hash(1)/' \
        -e "s/:request/'bench'/; s/:client/'127.0.0.1'/" "$HERE/lean/inbox.sql" |
        grep -v '^--' | psql_as pnet bench_run -At >"$b"
    printf '%s' "$(cat "$b")" >"$b"
    cmp -s "$a" "$b" || die "the lean inbox statement answers other bytes than pnetd ($a, $b)"
    say "lean inbox statement: the same $(wc -c <"$a") bytes as pnetd"
}

# pgbench_script SCENARIO KIND: the script to run (own: pnetd's statements, expanded;
# lean: the lean statement as it is).
pgbench_script() {
    if [ "$2" = own ]; then
        "$HERE/pgbench_script.py" "$ROOT" "$HERE/pgbench/$1.sql" >"$OUT/pgbench-$1.sql" ||
            die "pgbench script $1"
        echo "$OUT/pgbench-$1.sql"
    else
        echo "$HERE/lean/$1.sql"
    fi
}

# window_stats FILE: "tps p50 p99" of the transactions in pgbench's per-transaction logs
# FILE* that ended WARMUP seconds or more after the first one began (the lines give the
# latency in µs, third column, and the end as epoch seconds and µs, fifth and sixth; with -R
# the latency counts from the scheduled start, lag included). The warm-up's transactions ran
# on the same connections and count only as writes.
window_stats() {
    cat "$1".* | awk -v w="$WARMUP" '
        {e = $5 + $6 / 1e6; b = e - $3 / 1e6; end_[NR] = e; lat[NR] = $3
         if (NR == 1 || b < t0) t0 = b; if (e > t1) t1 = e}
        END {for (i = 1; i <= NR; i++) if (end_[i] >= t0 + w) print lat[i], t1 - (t0 + w)}' |
        sort -n | awk '{v[NR] = $1; span = $2}
            END {if (NR == 0 || span <= 0) {print "0 0ms 0ms"; exit}
                 a = int(NR * 0.5); if (a < 1) a = 1; b = int(NR * 0.99); if (b < 1) b = 1
                 printf "%.0f %.2fms %.2fms\n", NR / span, v[a] / 1000, v[b] / 1000}'
}

# run_pgbench SCENARIO KIND CLIENTS [RATE]: pgbench (-M prepared) on fresh data; sets G_TPS
# G_P50 G_P99 G_ERR.
run_pgbench() {
    local scenario=$1 kind=$2 clients=$3 rate=${4:-} tag script pout ok tx
    tag="$1-$2-c$3${4:+-rate$4}-$ROUND"
    script=$(pgbench_script "$scenario" "$kind")
    reset
    pout=$OUT/pgbench-$tag.txt
    say "pgbench $tag (${WARMUP} s warm-up, ${DURATION} s measured)"
    (cd "$OUT" && pgbench -h "$BENCH_PGHOST" -p "$BENCH_PGPORT" -U pnet -n -M prepared \
        -c "$clients" -j "$THREADS" -T $((WARMUP + DURATION)) ${rate:+-R "$rate"} \
        --log --log-prefix="pglog-$tag" -D i=0 -D clients="$clients" -D zero=0 \
        -D request=bench -D client=127.0.0.1 -D 'statuses={sent,received}' -D limit1=51 \
        -D one=1 -D to=received -D 'allowed={2:sent,3:sent}' -D reason=Bench -f "$script" bench_run) >"$pout" 2>&1 ||
        { tail -5 "$pout" >&2; die "pgbench failed"; }
    read -r G_TPS G_P50 G_P99 < <(window_stats "$OUT/pglog-$tag")
    rm -f "$OUT/pglog-$tag".*
    tx=$(awk '/^number of transactions actually processed:/ {print $6}' "$pout")
    G_ERR=$(awk '/^number of failed transactions:/ {print $5}' "$pout")
    G_ERR=${G_ERR:-0}
    case "$scenario" in
        transitions) ok=$(written referral.transition) ;;
        creates) ok=$(written referral.create) ;;
        *) ok= ;;
    esac
    [ -n "$ok" ] && [ $((tx - ok)) -gt "$G_ERR" ] && G_ERR=$((tx - ok))
    return 0
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.0f %%", 100 * a / b}'; }
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

ROWS=()
# measure SCENARIO POOL CONNECTIONS: ROUNDS rounds of pnetd, pnetd's statements and the lean
# statement, the order turned each round (absolute rates move between rounds on a shared
# machine; the ratios are taken within a round), then the median round; then the three at
# half of pnetd's median peak rate with a rate-limited client.
measure() {
    local scenario=$1 pool=$2 conns=$3 order k rps=() own=() lean=() rp=() ro=() half
    for ROUND in $(seq 1 "$ROUNDS"); do
        if [ $((ROUND % 2)) = 1 ]; then order="pnetd own lean"; else order="lean own pnetd"; fi
        for k in $order; do
            case $k in
                pnetd) run_pnetd "$scenario" "$pool" "$conns" ;;
                *) run_pgbench "$scenario" "$k" "$conns"
                   eval "${k}_tps=\$G_TPS ${k}_lat=\"\$G_P50 / \$G_P99\" ${k}_err=\$G_ERR" ;;
            esac
        done
        rps+=("$R_RPS") own+=("$own_tps") lean+=("$lean_tps")
        rp+=("$(ratio "$R_RPS" "$lean_tps" | cut -d' ' -f1)")
        ro+=("$(ratio "$own_tps" "$lean_tps" | cut -d' ' -f1)")
        ROWS+=("| $scenario | $ROUND | $R_RPS; $R_P50 / $R_P99 | $R_ERR | $R_RSS | $own_tps; $own_lat | $own_err | $lean_tps; $lean_lat | $lean_err | $(ratio "$R_RPS" "$lean_tps") | $(ratio "$own_tps" "$lean_tps") |")
        printf '%s\n' "${ROWS[-1]}" >&2
    done
    ROWS+=("| $scenario | **median** | **$(median "${rps[@]}")** | | | **$(median "${own[@]}")** | | **$(median "${lean[@]}")** | | **$(median "${rp[@]}") %** | **$(median "${ro[@]}") %** |")
    printf '%s\n' "${ROWS[-1]}" >&2
    [ "$RATE_RUN" = 1 ] || return 0
    half=$(($(median "${rps[@]}") / 2))
    ROUND=half
    run_pnetd "$scenario" "$pool" "$conns" "$half"
    run_pgbench "$scenario" own "$conns" "$half"
    own_lat="$G_TPS; $G_P50 / $G_P99"
    run_pgbench "$scenario" lean "$conns" "$half"
    ROWS+=("| $scenario | at $half/s | $R_RPS; $R_P50 / $R_P99 | $R_ERR | $R_RSS | $own_lat | | $G_TPS; $G_P50 / $G_P99 | | | |")
    printf '%s\n' "${ROWS[-1]}" >&2
}

main() {
    local what=${1:-all} scenarios=() s
    case "$what" in
        all) scenarios=(inbox transitions creates) ;;
        inbox | transitions | creates) scenarios=("$what") ;;
        seed) seed; return 0 ;;
        *) die "unknown scenario '$what' (inbox, transitions, creates or all)" ;;
    esac
    if curl -s -o /dev/null "http://127.0.0.1:$PORT/" 2>/dev/null; then
        die "port $PORT is taken (set BENCH_PORT)"
    fi
    GENERATED_IN=
    seed
    for s in "${scenarios[@]}"; do
        measure "$s" "$POOL" 16
    done
    {
        printf '\n%s, %s cores, load average %s; pnetd --workers=%s --db-pool-size=%s, 16 connections,' \
            "$(date -u +%Y-%m-%dT%H:%MZ)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" "$WORKERS" \
            "$POOL"
        printf ' wrk -t%s / pgbench -M prepared -j%s, %s s measured per run after %s s of warm-up,' \
            "$THREADS" "$THREADS" "$DURATION" "$WARMUP"
        printf ' fsync and synchronous_commit on\n'
        [ -n "$GENERATED_IN" ] && printf 'bench_seed generated in %s s\n' "$GENERATED_IN"
        printf '\n| scenario | round | pnetd over HTTP: req/s; p50 / p99 | errors | peak RSS'
        printf ' | pgbench, pnetd'"'"'s statements: tps; p50 / p99 | errors'
        printf ' | pgbench, lean statement: tps; p50 / p99 | errors | pnetd / lean | own / lean |\n'
        printf '|---|---|---|---|---|---|---|---|---|---|---|\n'
        printf '%s\n' "${ROWS[@]}"
        printf '\nlogs and raw output: %s\n' "${OUT#"$ROOT"/}"
    } | tee "$OUT/results.md"
}

main "$@"
