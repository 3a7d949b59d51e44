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

# Install or update with a progress line: Odoo logs "Loading module <name> (<i>/<n>)" for each module it
# installs; the full log stays in $STATE/dev-install.log.
run_with_progress() {
    local what=$1; shift
    local install_log=$STATE/dev-install.log start=$SECONDS line pid rc
    odoo_bin "$@" --stop-after-init --log-level=info > "$install_log" 2>&1 &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        line=$(grep -oE 'Loading module [a-z0-9_]+ \([0-9]+/[0-9]+\)|loading demo|Modules loaded' "$install_log" | tail -1)
        printf '\r[helpdesk_lite] %s: %-45s %3d s ' "$what" "${line:-starting Odoo}" $((SECONDS - start)) >&2
        sleep 2
    done
    wait "$pid" && rc=0 || rc=$?
    printf '\n' >&2
    if [ "$rc" != 0 ] || grep -qE ' (ERROR|CRITICAL) ' "$install_log"; then
        grep -E ' (ERROR|CRITICAL) |Traceback' -A20 "$install_log" | head -60 >&2
        die "$what failed (exit $rc); full log: $install_log"
    fi
    log "$what done in $((SECONDS - start)) s"
}

if psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname='$DB'" | grep -q 1; then
    log "Database $DB exists: updating helpdesk_lite"
    run_with_progress "Updating $DB" -d "$DB" -u helpdesk_lite --workers=0
else
    log "Creating database $DB with helpdesk_lite and demo data (2 to 3 minutes on a laptop; longer on a busy machine)"
    run_with_progress "Creating $DB" -d "$DB" -i helpdesk_lite --workers=0
fi

cleanup() { log "Stopping PostgreSQL"; stop_postgres; }
trap cleanup EXIT
trap 'exit 130' INT TERM
cat <<MSG

  Helpdesk Lite is starting on  http://localhost:$HTTP_PORT/odoo/helpdesk-lite   (Ctrl-C stops Odoo and PostgreSQL)
  Demo logins (login / password):
    admin   / admin     administrator, helpdesk manager
    manager / manager   Mia Manager, helpdesk manager (reports, configuration)
    agent   / agent     Sam Agent, agent in Customer Support and Technical Support
    lena    / lena      Lena Kowalski, agent and leader of Billing & Accounts
    demo    / demo      Marc Demo, agent and leader of Technical Support
    portal  / portal    Joel Willis, customer: http://localhost:$HTTP_PORT/my/helpdesk
  Public pages: http://localhost:$HTTP_PORT/helpdesk/help (help center), http://localhost:$HTTP_PORT/helpdesk/submit
  Mode: $([ "${WORKERS:-0}" -gt 0 ] && echo "prefork, $WORKERS workers, websockets on port $(( ${GEVENT_PORT:-$((HTTP_PORT + 1000))} ))" || echo "threaded (WORKERS=2 for prefork)")

MSG
odoo_bin -d "$DB" --db-filter="^$DB\$" --http-port="$HTTP_PORT"
