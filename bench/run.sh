#!/usr/bin/env bash
# Helpdesk Lite benchmarks: one command, reproducible numbers (see bench/RESULTS.md).
#
#   bench/run.sh                      # every scenario at its default sizes (a few minutes)
#   bench/run.sh --large              # plus 1,000,000 tickets where it matters (much longer)
#   bench/run.sh --only backend_list,backend_kanban --sizes 10000,100000
#   bench/run.sh --smoke              # tiny sizes, 1 run: checks that every scenario still works
#   bench/run.sh --list               # scenarios and their sizes
#   bench/run.sh --fresh              # recreate the benchmark database first
#
# Other options: --runs N, --db NAME (default helpdesk_lite_bench), --scratch (try-out: results only in
# bench/out/last.json, RESULTS.md untouched), --log-level LEVEL,
# --trace N (print the N slowest and most repeated queries of one more run), --keep (keep the last
# database copy, <db>_work, to EXPLAIN its queries).
# Uses the same set-up as scripts/dev.sh (scripts/lib.sh: venv, private PostgreSQL, odoo.conf).
# The database holds the installed addon without demo data and no ticket; it is reused (and the
# addon updated when its code changed) unless --fresh. Each scenario and size runs on a throwaway
# copy of it. Results: bench/out/results.json (git-ignored; merged by scenario and size) and the table
# in bench/RESULTS.md; every run also writes bench/out/last.json.
source "$(dirname "$0")/../scripts/lib.sh"

DB=helpdesk_lite_bench
FRESH=0
PASS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --fresh) FRESH=1 ;;
        --db) DB=$2; shift ;;
        --db=*) DB=${1#--db=} ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) PASS+=("$1") ;;
    esac
    shift
done

setup_all

db_exists() { psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname='$1'" | grep -q 1; }
# Everything the addon is made of except its tests and the benchmarks: a change means "update".
code_hash() {
    (cd "$REPO" && find . -path ./.local -prune -o -path ./.venv -prune -o -path ./bench -prune \
        -o -path ./tests -prune -o -path ./.git -prune -o -type f \( -name '*.py' -o -name '*.xml' \
        -o -name '*.csv' -o -name '*.js' -o -name '*.scss' \) -print0 | sort -z | xargs -0 sha1sum | sha1sum | cut -c1-40)
}
HASH_KEY=helpdesk_lite.bench_code_hash

if [ "$FRESH" = 1 ] && db_exists "$DB"; then
    log "Dropping $DB (--fresh)"
    psql_admin -qc "DROP DATABASE \"$DB\"" && rm -rf "$STATE/filestore/filestore/$DB"
fi
want=$(code_hash)
if ! db_exists "$DB"; then
    log "Creating the benchmark database $DB (addon without demo data, about a minute)"
    odoo_bin -d "$DB" -i helpdesk_lite --without-demo=all --stop-after-init --max-cron-threads=0 \
        --log-level=warn --no-http >&2
else
    have=$(psql_odoo "$DB" -tAc "SELECT value FROM ir_config_parameter WHERE key='$HASH_KEY'" 2>/dev/null || true)
    if [ "$have" != "$want" ]; then
        log "Updating helpdesk_lite in $DB (its code changed)"
        odoo_bin -d "$DB" -u helpdesk_lite --stop-after-init --max-cron-threads=0 --log-level=warn --no-http >&2
    fi
fi
psql_odoo "$DB" -qc "INSERT INTO ir_config_parameter (key, value, create_date, write_date)
    VALUES ('$HASH_KEY', '$want', now() at time zone 'UTC', now() at time zone 'UTC')
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
# A benchmark copy must start empty: refuse a database that already holds tickets.
tickets=$(psql_odoo "$DB" -tAc "SELECT count(*) FROM helpdesk_lite_ticket")
[ "$tickets" = 0 ] || die "$DB holds $tickets tickets; benchmarks need an empty one: run with --fresh."

export PYTHONPATH="$ODOO_SRC${PYTHONPATH:+:$PYTHONPATH}"
export BENCH_ARGS="${PASS[*]:-}"
exec "$VENV/bin/python" "$REPO/bench/run.py" -c "$ODOO_CONF" -d "$DB" "${PASS[@]}"
