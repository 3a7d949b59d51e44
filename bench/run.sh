#!/usr/bin/env bash
# Helpdesk Lite benchmarks: one command, reproducible numbers (see bench/RESULTS.md).
#
#   bench/run.sh                      # every scenario at its default sizes (a few minutes)
#   bench/run.sh --large              # plus 1,000,000 tickets where it matters (much longer)
#   bench/run.sh --only backend_list,backend_kanban --sizes 10000,100000
#   bench/run.sh --smoke              # tiny sizes, 1 run: checks that every scenario still works
#   bench/run.sh --list               # scenarios and their sizes
#   bench/run.sh --fresh              # recreate the benchmark database first
#   bench/run.sh --no-peer            # ours only (by default the peer runs beside us, see below)
#
# Peer: OCA's helpdesk_mgmt (18.0, from the package registry, a benchmark peer only, never a
# dependency) is unpacked into .local/peer and installed into its own database <db>_peer; the
# addons path of that folder is only in the benchmarks' own config (.local/odoo-bench.conf), never
# in odoo.conf. Scenarios that define peer_prepare/peer_run are measured on both sides in the same
# run, at the same size, interleaved (ours, peer, ours, peer...), and the table shows ours/peer.
#
# Other options: --runs N, --db NAME (default helpdesk_lite_bench), --scratch (try-out: results only in
# bench/out/last.json, RESULTS.md untouched), --log-level LEVEL,
# --trace N (print the N slowest and most repeated queries of one more run), --profile N (print the N
# costliest functions of one more run under cProfile), --keep (keep the last
# database copy, <db>_work, to EXPLAIN its queries).
# Uses the same set-up as scripts/dev.sh (scripts/lib.sh: venv, private PostgreSQL, odoo.conf).
# The database holds the installed addon without demo data and no ticket; it is reused (and the
# addon updated when its code changed) unless --fresh. Each scenario and size runs on a throwaway
# copy of it. Results: bench/out/results.json (git-ignored; merged by scenario and size) and the table
# in bench/RESULTS.md; every run also writes bench/out/last.json.
source "$(dirname "$0")/../scripts/lib.sh"

DB=helpdesk_lite_bench
FRESH=0
PEER=1
PEER_VERSION=18.0.1.19.5
PASS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --fresh) FRESH=1 ;;
        --db) DB=$2; shift ;;
        --db=*) DB=${1#--db=} ;;
        --no-peer) PEER=0 ;;
        --list|--smoke) PASS+=("$1"); PEER=0 ;;
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

CONF=$ODOO_CONF
if [ "$PEER" = 1 ]; then
    PEER_ADDONS=$STATE/peer/$PEER_VERSION/odoo/addons
    if [ ! -f "$PEER_ADDONS/helpdesk_mgmt/__manifest__.py" ]; then
        log "Fetching the peer odoo-addon-helpdesk_mgmt==$PEER_VERSION (benchmark only, not installed in the venv)"
        mkdir -p "$STATE/peer/download"
        "$VENV/bin/pip" download -q --disable-pip-version-check --no-deps -d "$STATE/peer/download" \
            "odoo-addon-helpdesk_mgmt==$PEER_VERSION" >&2
        "$VENV/bin/python" -m zipfile -e "$STATE/peer/download/odoo_addon_helpdesk_mgmt-$PEER_VERSION-py3-none-any.whl" \
            "$STATE/peer/$PEER_VERSION"
    fi
    CONF=$STATE/odoo-bench.conf
    sed "s|^addons_path = .*|&,$PEER_ADDONS|" "$ODOO_CONF" > "$CONF"
    PEER_DB=${DB}_peer
    if [ "$FRESH" = 1 ] && db_exists "$PEER_DB"; then
        psql_admin -qc "DROP DATABASE \"$PEER_DB\"" && rm -rf "$STATE/filestore/filestore/$PEER_DB"
    fi
    if ! db_exists "$PEER_DB"; then
        log "Creating the peer database $PEER_DB (helpdesk_mgmt $PEER_VERSION without demo data)"
        "$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$CONF" -d "$PEER_DB" -i helpdesk_mgmt --without-demo=all \
            --stop-after-init --max-cron-threads=0 --log-level=warn --no-http >&2
    fi
    tickets=$(psql_odoo "$PEER_DB" -tAc "SELECT count(*) FROM helpdesk_ticket")
    [ "$tickets" = 0 ] || die "$PEER_DB holds $tickets tickets; benchmarks need an empty one: run with --fresh."
    PASS+=(--peer-database "$PEER_DB")
fi

export PYTHONPATH="$ODOO_SRC${PYTHONPATH:+:$PYTHONPATH}"
export BENCH_ARGS="${PASS[*]:-}"
exec "$VENV/bin/python" "$REPO/bench/run.py" -c "$CONF" -d "$DB" "${PASS[@]}"
