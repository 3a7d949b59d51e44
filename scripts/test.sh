#!/usr/bin/env bash
# Run the whole Helpdesk Lite test suite on a fresh throwaway database and print
# "N passed, N failed[, N skipped]". Exits non-zero on any failing test, install error,
# traceback or ERROR in the log, skipped browser test, or when no test ran.
# The whole suite also runs three deployment checks on that database (CHECKS=0 skips them, CHECKS=1
# forces them with TEST_TAGS): the gevent process of prefork mode starts and accepts a websocket, the
# translation template i18n/helpdesk_lite.pot is current, and the wheel builds complete.
# Env: TEST_TAGS (default /helpdesk_lite), KEEP_DB=1 to keep the database, CHECKS, ODOO_SRC.
source "$(dirname "$0")/lib.sh"
CHECKS=${CHECKS:-$([ -z "${TEST_TAGS:-}" ] && echo 1 || echo 0)}
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
    --log-level=test --http-port="${TEST_HTTP_PORT:-8169}" --max-cron-threads=0 --workers=0 > "$LOG" 2>&1
rc=$?

failed_checks=()
if [ "$CHECKS" = 1 ]; then
    log "Check: odoo-bin gevent starts and accepts a websocket"
    "$VENV/bin/python" "$REPO/scripts/check_gevent.py" "$ODOO_SRC/odoo-bin" "$ODOO_CONF" "$DB" \
        "${TEST_GEVENT_PORT:-$(( ${TEST_HTTP_PORT:-8169} + 1000 ))}" || failed_checks+=(gevent)
    log "Check: i18n/helpdesk_lite.pot matches the code"
    export_pot "$DB" "$TMPDIR/fresh.pot" >> "$LOG.checks" 2>&1 \
        && "$VENV/bin/python" "$REPO/scripts/i18n_tools.py" check "$REPO/i18n/helpdesk_lite.pot" "$TMPDIR/fresh.pot" \
        || failed_checks+=(pot)
    "$VENV/bin/python" "$REPO/scripts/i18n_tools.py" stats "$REPO"/i18n/*.po
    log "Check: the wheel odoo-addon-helpdesk_lite builds with its data files"
    "$VENV/bin/python" "$REPO/scripts/check_wheel.py" "$TMPDIR/wheel" > "$LOG.wheel" 2>&1 || failed_checks+=(wheel)
    tail -1 "$LOG.wheel"; grep '^FAILED' "$LOG.wheel" || true
    log "Wheel content: $LOG.wheel"
fi
set -e

summary_rc=0
"$VENV/bin/python" "$REPO/scripts/test_summary.py" "$LOG" "$rc" > "$LOG.summary" || summary_rc=$?
head -n -1 "$LOG.summary"
for check in "${failed_checks[@]}"; do echo "FAILED: deployment check '$check'"; done
tail -n 1 "$LOG.summary"
[ "$summary_rc" = 0 ] && [ ${#failed_checks[@]} -eq 0 ]
