#!/usr/bin/env bash
# The bench runner (docs/performance.md): ./dev bench [inbox|transitions|creates|all] calls it with the
# bench cluster running. For each scenario it copies the data afresh from bench_seed, starts
# the release pnetd, runs wrk, reads pnetd's peak RSS, copies the data afresh again, runs
# pgbench on the statements pnetd sends for the same request, and prints a Markdown table.
# Measurements only: nothing here passes or fails on a timing.
#
# Environment (set by ./dev bench): PNETD, BENCH_PGHOST, BENCH_PGPORT. Knobs:
#   BENCH_SECONDS (20)      duration of each wrk and pgbench run
#   BENCH_PORT (18089)      pnetd's loopback port
#   BENCH_VARIANTS (1)      0: only pool 4 / 16 connections; 1: also pool 8 and 32 connections
#   BENCH_REGENERATE (0)    1: rebuild bench_seed even when schema and generator are unchanged
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
: "${PNETD:?run through ./dev bench}" "${BENCH_PGHOST:?}" "${BENCH_PGPORT:?}"
DURATION=${BENCH_SECONDS:-20}
PORT=${BENCH_PORT:-18089}
VARIANTS=${BENCH_VARIANTS:-1}
THREADS=2
WORKERS=2
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
        say "bench_seed is up to date"
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

# run_pnetd SCENARIO POOL CONNECTIONS: one wrk run against a fresh pnetd on fresh data; sets
# R_RPS R_P50 R_P99 R_ERR R_RSS.
run_pnetd() {
    local scenario=$1 pool=$2 conns=$3 tag="$1-pool$2-c$3" log wout ok requests non2xx socket
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
    wout=$OUT/wrk-$tag.txt
    say "wrk $tag (${DURATION} s)"
    wrk -t "$THREADS" -c "$conns" -d "${DURATION}s" --timeout 10s --latency \
        -s "$HERE/$scenario.lua" "http://127.0.0.1:$PORT" -- "$THREADS" >"$wout"
    R_RSS=$(awk '/^VmHWM:/ {printf "%.0f MiB", $2 / 1024}' "/proc/$PNETD_PID/status")
    stop_pnetd
    R_RPS=$(wrk_field "$wout" rps)
    R_P50=$(wrk_field "$wout" p50)
    R_P99=$(wrk_field "$wout" p99)
    requests=$(wrk_field "$wout" requests)
    non2xx=$(wrk_field "$wout" non2xx)
    socket=$(wrk_field "$wout" socket)
    R_ERR=$((${non2xx:-0} + ${socket:-0}))
    case "$scenario" in
        transitions) ok=$(written referral.transition) ;;
        creates) ok=$(written referral.create) ;;
        *) ok= ;;
    esac
    # A write wrk saw answered but the database does not hold is an error too.
    [ -n "$ok" ] && [ $((requests - ok)) -gt "$R_ERR" ] && R_ERR=$((requests - ok))
    if [ -n "$ok" ]; then R_ERR="$R_ERR (${ok} written)"; fi
}

# statement NAME: pnetd's SQL text of statement NAME on one line, from the file that embeds
# it into pnetd (server/**/*.sql, "-- name: NAME"; docs/developing.md, "Statements").
statement() {
    awk -v name="$1" '
        $0 == "-- name: " name { found = 1; head = 1; next }
        found && /^-- name: / { exit }
        found && head && /^--/ { next }
        found { head = 0; sub(/[[:space:]]*--.*$/, ""); printf "%s ", $0 }
    ' "$ROOT"/server/*.sql "$ROOT"/server/api/*.sql |
        sed -e 's/[[:space:]]*;[[:space:]]*$//' -e 's/[[:space:]][[:space:]]*/ /g'
}

# pgbench_script SCENARIO: $OUT/pgbench-SCENARIO.sql, the script with pnetd's statements.
pgbench_script() {
    local out=$OUT/pgbench-$1.sql line name sql
    : >"$out"
    while IFS= read -r line; do
        if [[ $line =~ @([a-z_]+)@ ]]; then
            name=${BASH_REMATCH[1]}
            sql=$(statement "$name")
            [ -n "$sql" ] || die "statement $name not found in $PNETD"
            line=${line/@$name@/$sql}
        fi
        printf '%s\n' "$line" >>"$out"
    done <"$HERE/pgbench/$1.sql"
}

# run_pgbench SCENARIO CLIENTS: pgbench on fresh data; sets G_TPS G_LAT G_ERR.
run_pgbench() {
    local scenario=$1 clients=$2 tag="$1-c$2" script=$OUT/pgbench-$1.sql pout ok tx
    pgbench_script "$scenario"
    reset
    pout=$OUT/pgbench-$tag.txt
    say "pgbench $tag (${DURATION} s)"
    pgbench -h "$BENCH_PGHOST" -p "$BENCH_PGPORT" -U pnet -n -M simple -c "$clients" \
        -j "$THREADS" -T "$DURATION" -D prepared=0 -D i=0 -D clients="$clients" \
        -f "$script" bench_run >"$pout" 2>&1 || { tail -5 "$pout" >&2; die "pgbench failed"; }
    G_TPS=$(awk '/^tps = .*without initial/ {printf "%.0f", $3}' "$pout")
    G_LAT=$(awk '/^latency average/ {print $4 " ms"}' "$pout")
    tx=$(awk '/^number of transactions actually processed:/ {print $6}' "$pout")
    G_ERR=$(awk '/^number of failed transactions:/ {print $5}' "$pout")
    G_ERR=${G_ERR:-0}
    case "$scenario" in
        transitions) ok=$(written referral.transition) ;;
        creates) ok=$(written referral.create) ;;
        *) ok= ;;
    esac
    [ -n "$ok" ] && [ $((tx - ok)) -gt "$G_ERR" ] && G_ERR=$((tx - ok))
    if [ -n "$ok" ]; then G_ERR="$G_ERR (${ok} written)"; fi
}

ROWS=()
# measure SCENARIO POOL CONNECTIONS: one row of the table.
measure() {
    run_pnetd "$1" "$2" "$3"
    run_pgbench "$1" "$3"
    ROWS+=("| $1 | $2 | $3 | $R_RPS | $R_P50 | $R_P99 | $R_ERR | $R_RSS | $G_TPS | $G_LAT | $G_ERR |")
    printf '%s\n' "${ROWS[-1]}" >&2
}

main() {
    local what=${1:-all} scenarios=() s
    case "$what" in
        all) scenarios=(inbox transitions creates) ;;
        inbox | transitions | creates) scenarios=("$what") ;;
        *) die "unknown scenario '$what' (inbox, transitions, creates or all)" ;;
    esac
    if curl -s -o /dev/null "http://127.0.0.1:$PORT/" 2>/dev/null; then
        die "port $PORT is taken (set BENCH_PORT)"
    fi
    GENERATED_IN=
    seed
    for s in "${scenarios[@]}"; do
        measure "$s" 4 16
        if [ "$VARIANTS" = 1 ]; then
            measure "$s" 8 16
            measure "$s" 4 32
        fi
    done
    {
        printf '\n%s, %s cores, load average %s; pnetd --workers=%s, wrk -t%s, %s s per run\n' \
            "$(date -u +%Y-%m-%dT%H:%MZ)" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)" \
            "$WORKERS" "$THREADS" "$DURATION"
        [ -n "$GENERATED_IN" ] && printf 'bench_seed generated in %s s\n' "$GENERATED_IN"
        printf '\n| scenario | pool/worker | connections | pnetd req/s | p50 | p99 | errors'
        printf ' | peak RSS | pgbench tps | pgbench latency | pgbench errors |\n'
        printf '|---|---|---|---|---|---|---|---|---|---|---|\n'
        printf '%s\n' "${ROWS[@]}"
        printf '\nlogs and raw output: %s\n' "${OUT#"$ROOT"/}"
    } | tee "$OUT/results.md"
}

main "$@"
