#!/usr/bin/env bash
# Run the whole Helpdesk Lite test suite on a fresh throwaway database and print
# "N passed, N failed[, N skipped]". Exits non-zero on any failing test, install error,
# traceback or ERROR in the log, skipped browser test, or when no test ran.
# Env: TEST_TAGS (default /helpdesk_lite), KEEP_DB=1 to keep the database, ODOO_SRC.
source "$(dirname "$0")/lib.sh"
TEST_TAGS=${TEST_TAGS:-/helpdesk_lite}
setup_all

DB=hdl_test_$(date +%s)_$$
LOGDIR=$STATE/test-logs
mkdir -p "$LOGDIR"
LOG=$LOGDIR/$DB.log
export TMPDIR=$STATE/tmp/$DB   # Chromium leaves profiles behind: keep them per run
mkdir -p "$TMPDIR"

cleanup() {
    if [ "${KEEP_DB:-}" != 1 ]; then
        psql_admin -qc "DROP DATABASE IF EXISTS \"$DB\"" >/dev/null 2>&1 || true
        rm -rf "$STATE/filestore/filestore/$DB"
    fi
    rm -rf "$TMPDIR"
    [ "${CI:-}" = true ] && stop_postgres
    return 0
}
trap cleanup EXIT

log "Installing helpdesk_lite with demo data into $DB and running tests ($TEST_TAGS); log: $LOG"
set +e
odoo_bin -d "$DB" -i helpdesk_lite --test-enable --test-tags "$TEST_TAGS" --stop-after-init \
    --log-level=test --http-port="${TEST_HTTP_PORT:-8169}" --max-cron-threads=0 > "$LOG" 2>&1
rc=$?
set -e

"$VENV/bin/python" "$REPO/scripts/test_summary.py" "$LOG" "$rc"
