#!/usr/bin/env bash
# Load test of a prefork server (bench/load.py): portal customers, public-form submissions and backend
# list/kanban loads at once, then a check that every acknowledged reply and ticket was stored.
#
#   bench/load.sh                     # target run, then the 2-workers-vs-1 throughput comparison
#   bench/load.sh --only-target       # the target run alone
#   bench/load.sh --users 20 --forms 5 --duration 60 --workers 2
#
# Target run: --workers (2) prefork workers, --users (20) customers with 1 s think time, --forms (5)
# submissions per second, 2 agents, for --duration (60) seconds. Comparison: the same mix with no think
# time (the server is saturated) for --compare-duration (30) seconds with 2 workers, then with 1; there,
# requests refused by the overloaded server are counted, not fatal (lost acknowledged work still is).
# Everything runs on 127.0.0.1; the server (own port, HTTP_PORT + 2000 unless LOAD_PORT) is stopped
# at the end. Results: bench/out/load-*.json, the summary at the end, load average included.
# Database: helpdesk_lite_load (addon without demo data; created once, reused; --fresh recreates it).
source "$(dirname "$0")/../scripts/lib.sh"

DB=helpdesk_lite_load
WORKERS_TARGET=2 USERS=20 FORMS=5 DURATION=60 COMPARE_DURATION=30 COMPARE=1 FRESH=0
while [ $# -gt 0 ]; do
    case "$1" in
        --workers) WORKERS_TARGET=$2; shift ;;
        --users) USERS=$2; shift ;;
        --forms) FORMS=$2; shift ;;
        --duration) DURATION=$2; shift ;;
        --compare-duration) COMPARE_DURATION=$2; shift ;;
        --only-target) COMPARE=0 ;;
        --fresh) FRESH=1 ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) die "unknown option $1" ;;
    esac
    shift
done

setup_all
LOAD_PORT=${LOAD_PORT:-$(( ${HTTP_PORT:-8069} + 2000 ))}
OUT=$REPO/bench/out
mkdir -p "$OUT" "$STATE/load"

db_exists() { psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname='$1'" | grep -q 1; }
if [ "$FRESH" = 1 ] && db_exists "$DB"; then
    psql_admin -qc "DROP DATABASE \"$DB\"" && rm -rf "$STATE/filestore/filestore/$DB"
fi
if db_exists "$DB"; then
    log "Updating helpdesk_lite in $DB"
    odoo_bin -d "$DB" -u helpdesk_lite --stop-after-init --max-cron-threads=0 --log-level=warn --no-http --workers=0 >&2
else
    log "Creating $DB (addon without demo data)"
    odoo_bin -d "$DB" -i helpdesk_lite --without-demo=all --stop-after-init --max-cron-threads=0 \
        --log-level=warn --no-http --workers=0 >&2
fi

SERVER_PID=
stop_server() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=
    fi
}
trap stop_server EXIT

run_load() {  # run_load WORKERS LABEL load.py-options...
    local workers=$1 label=$2; shift 2
    local server_log=$STATE/load/server-$label.log
    log "Starting Odoo with --workers=$workers on 127.0.0.1:$LOAD_PORT ($label)"
    # no cron workers: the run measures requests; mails stay queued
    # started directly (not through odoo_bin) so that $! is the server itself
    "$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$ODOO_CONF" -d "$DB" --db-filter="^$DB\$" \
        --http-port="$LOAD_PORT" --gevent-port=$(( LOAD_PORT + 1 )) --workers="$workers" --max-cron-threads=0 \
        --log-level=warn --logfile="$server_log" &
    SERVER_PID=$!
    for _ in $(seq 1 120); do
        curl -sf -o /dev/null "http://127.0.0.1:$LOAD_PORT/web/login" && break
        sleep 1
    done
    local rc=0
    # prefork serves websockets from its gevent process: the live chatter must work under load too
    if PYTHONPATH="$REPO/scripts" "$VENV/bin/python" -c "import check_gevent as c, sys; sys.exit(not c.wait_handshake($(( LOAD_PORT + 1 ))))"; then
        log "$label: websocket handshake on the gevent port $(( LOAD_PORT + 1 )) ok"
    else
        log "$label: FAILED: no websocket on the gevent port $(( LOAD_PORT + 1 ))"; rc=1
    fi
    "$VENV/bin/python" "$REPO/bench/load.py" --port "$LOAD_PORT" --db "$DB" --label "$label" \
        --out "$OUT/load-$label.json" "$@" || rc=$?
    stop_server
    local errors
    if [[ " $* " == *" --saturating "* ]]; then
        # overload: the server gave up reading requests the clients had abandoned; anything else counts
        errors=$(grep ' ERROR \| CRITICAL ' "$server_log" | grep -vc 'werkzeug: .* Request timed out' || true)
    else
        errors=$(grep -c ' ERROR \| CRITICAL ' "$server_log" || true)
    fi
    log "$label: server log $server_log ($errors ERROR lines); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
    [ "$errors" = 0 ] || rc=1
    return $rc
}

status=0
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
run_load "$WORKERS_TARGET" target --users "$USERS" --forms "$FORMS" --duration "$DURATION" --think 1 > /dev/null \
    || status=1
if [ "$COMPARE" = 1 ]; then
    run_load 2 saturated-2w --users "$USERS" --forms "$FORMS" --duration "$COMPARE_DURATION" --think 0 --saturating > /dev/null \
        || status=1
    run_load 1 saturated-1w --users "$USERS" --forms "$FORMS" --duration "$COMPARE_DURATION" --think 0 --saturating > /dev/null \
        || status=1
fi
"$VENV/bin/python" - "$OUT" "$LOAD_BEFORE" "$(cut -d' ' -f1-3 /proc/loadavg)" "$(nproc)" <<'PYEOF'
import json, os, sys
out, before, after, cpus = sys.argv[1:]
runs = {}
for label in ('target', 'saturated-2w', 'saturated-1w'):
    path = os.path.join(out, f'load-{label}.json')
    if os.path.exists(path):
        runs[label] = json.load(open(path))
print(f'load average before {before}, after {after} ({cpus} cores, shared machine)')
for label, r in runs.items():
    v = r['verification']
    print(f"{label:13} {r['throughput_rps']:7.1f} req/s  {r['requests']:6d} requests  {r['errors']} errors "
          f"({(r['error_rate'] or 0) * 100:.2f} %)  p50 {r['p50_ms']} ms  p95 {r['p95_ms']} ms  "
          f"replies {v['replies_acknowledged']} acknowledged / {v['replies_lost']} lost, "
          f"tickets {v['tickets_acknowledged']} / {v['tickets_lost']} lost")
    for kind, k in r['by_kind'].items():
        print(f"    {kind:15} {k['requests']:6d}  err {k['errors']}  p50 {k['p50_ms']} ms  p95 {k['p95_ms']} ms  max {k['max_ms']} ms")
if 'saturated-2w' in runs and 'saturated-1w' in runs:
    ratio = runs['saturated-2w']['throughput_rps'] / max(runs['saturated-1w']['throughput_rps'], 0.1)
    print(f'throughput 2 workers / 1 worker (saturated): {ratio:.2f}')
PYEOF
exit $status
