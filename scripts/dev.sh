#!/usr/bin/env bash
# Set everything up and run Helpdesk Lite: venv, private PostgreSQL, a database with the addon and
# demo data, then Odoo on http://localhost:$HTTP_PORT. Idempotent: run it again to reuse what exists.
# Env: ODOO_SRC (Odoo 18 source folder), HTTP_PORT (8069), DB (helpdesk_lite), PGPORT (54329),
# WORKERS (0: threaded; N: prefork with N HTTP workers, CRON_WORKERS cron workers and the gevent
# websocket process on GEVENT_PORT, default HTTP_PORT + 1000).
source "$(dirname "$0")/lib.sh"
DB=${DB:-helpdesk_lite}
HTTP_PORT=${HTTP_PORT:-8069}
setup_all

if psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname='$DB'" | grep -q 1; then
    log "Database $DB exists: updating helpdesk_lite"
    odoo_bin -d "$DB" -u helpdesk_lite --stop-after-init --log-level=warn --workers=0
else
    log "Creating database $DB with helpdesk_lite and demo data (about a minute)"
    odoo_bin -d "$DB" -i helpdesk_lite --stop-after-init --log-level=warn --workers=0
fi

cleanup() { log "Stopping PostgreSQL"; stop_postgres; }
trap cleanup EXIT
trap 'exit 130' INT TERM
cat <<MSG

  Helpdesk Lite is starting on  http://localhost:$HTTP_PORT/odoo/helpdesk-lite
  Backend login:  admin / admin      Portal demo login:  portal / portal  (then /my/helpdesk)
  Public help center: http://localhost:$HTTP_PORT/helpdesk/help   Ctrl-C stops Odoo and PostgreSQL.
  Mode: $([ "${WORKERS:-0}" -gt 0 ] && echo "prefork, $WORKERS workers, websockets on port $(( ${GEVENT_PORT:-$((HTTP_PORT + 1000))} ))" || echo "threaded (WORKERS=2 for prefork)")

MSG
odoo_bin -d "$DB" --db-filter="^$DB\$" --http-port="$HTTP_PORT"
