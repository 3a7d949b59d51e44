# Shared set-up for scripts/dev.sh, scripts/test.sh and bench/run.sh. Source it; do not run it.
# Everything it creates lives under $STATE (git-ignored .local/ by default): venv, PostgreSQL
# cluster, Odoo config and an addons folder that exposes this repo as "helpdesk_lite".
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${HELPDESK_STATE:-$REPO/.local}
VENV=${VENV:-$REPO/.venv}
PGPORT=${PGPORT:-54329}
PGDATA_DIR=$STATE/pg
PGSOCK=$STATE/pgsock
ODOO_CONF=$STATE/odoo.conf
ODOO_BRANCH=18.0
ODOO_GIT_URL=${ODOO_GIT_URL:-https://github.com/odoo/odoo.git}

log() { printf '[helpdesk_lite] %s\n' "$*" >&2; }
die() { printf '[helpdesk_lite] ERROR: %s\n' "$*" >&2; exit 2; }

as_pg_user() {
    # PostgreSQL refuses to run as root: run its server tools as the unprivileged "postgres" user.
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

is_odoo_src() { [ -f "$1/odoo-bin" ] && [ -d "$1/odoo/addons/base" ]; }

locate_odoo() {
    local candidate
    if [ -n "${ODOO_SRC:-}" ]; then
        is_odoo_src "$ODOO_SRC" || die "ODOO_SRC=$ODOO_SRC is not an Odoo 18 source folder (no odoo-bin / odoo/addons/base)."
        return
    fi
    for candidate in /opt/odoo-18.0 "$REPO/../odoo-18.0" "$HOME/odoo-18.0" "$STATE/odoo-18.0"; do
        if is_odoo_src "$candidate"; then ODOO_SRC=$(cd "$candidate" && pwd); return; fi
    done
    log "No Odoo 18 source found; cloning upstream $ODOO_BRANCH into $STATE/odoo-18.0 ..."
    if git clone --depth 1 --branch "$ODOO_BRANCH" "$ODOO_GIT_URL" "$STATE/odoo-18.0" >&2; then
        ODOO_SRC=$STATE/odoo-18.0
    else
        rm -rf "$STATE/odoo-18.0"
        die "Could not find or clone Odoo 18. Provide it and run again:
    ODOO_SRC=/path/to/odoo-18.0 $0
(the folder that holds odoo-bin; see README 'Odoo source'). Looked in: /opt/odoo-18.0, ../odoo-18.0, ~/odoo-18.0."
    fi
}

ensure_system_packages() {
    local missing=()
    command -v wkhtmltopdf >/dev/null || missing+=(wkhtmltopdf)
    command -v chromium >/dev/null || command -v chromium-browser >/dev/null || missing+=(chromium)
    command -v pdftoppm >/dev/null || missing+=(poppler-utils)
    # A CJK-capable font, else wkhtmltopdf prints Chinese/Japanese/Korean names as empty boxes.
    { command -v fc-list >/dev/null && [ -n "$(fc-list :lang=ja family)" ]; } || missing+=(fonts-droid-fallback)
    command -v initdb >/dev/null || [ -x /usr/lib/postgresql/15/bin/initdb ] || missing+=(postgresql)
    [ ${#missing[@]} -eq 0 ] && return
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        log "Installing system packages: ${missing[*]}"
        apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
    else
        die "Missing system packages: ${missing[*]} (install them with your package manager)."
    fi
}

ensure_venv() {
    local stamp=$VENV/.requirements.sha
    local want
    want=$(cat "$REPO/requirements-dev.txt" "$REPO/scripts/pip-constraints.txt" | sha1sum | cut -d' ' -f1)
    if [ ! -x "$VENV/bin/python" ]; then
        log "Creating virtualenv $VENV"
        "${PYTHON:-python3.11}" -m venv "$VENV" 2>/dev/null || python3 -m venv "$VENV"
    fi
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        log "Installing Python requirements (about 30 s)"
        # cbor2 5.4.2 does not build with setuptools >= 81 (no pkg_resources).
        PIP_CONSTRAINT=$REPO/scripts/pip-constraints.txt "$VENV/bin/pip" install -q --disable-pip-version-check \
            -r "$REPO/requirements-dev.txt" >&2
        echo "$want" > "$stamp"
    fi
}

pg_bin() {
    local tool=$1
    if command -v "$tool" >/dev/null; then command -v "$tool"; else echo "/usr/lib/postgresql/15/bin/$tool"; fi
}

start_postgres() {
    mkdir -p "$STATE" "$PGSOCK" "$STATE/pglog"
    if [ "$(id -u)" = 0 ]; then chown postgres "$PGSOCK" "$STATE/pglog"; fi
    if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
        log "Creating a private PostgreSQL cluster in $PGDATA_DIR"
        mkdir -p "$PGDATA_DIR"
        [ "$(id -u)" = 0 ] && chown postgres "$PGDATA_DIR"
        as_pg_user "$(pg_bin initdb)" -D "$PGDATA_DIR" --auth=trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
    fi
    if ! as_pg_user "$(pg_bin pg_ctl)" -D "$PGDATA_DIR" status >/dev/null 2>&1; then
        log "Starting PostgreSQL on port $PGPORT (socket $PGSOCK)"
        # Durability does not matter for a dev/test cluster; speed does.
        as_pg_user "$(pg_bin pg_ctl)" -D "$PGDATA_DIR" -l "$STATE/pglog/postgres.log" -w start \
            -o "-p $PGPORT -k $PGSOCK -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null
    fi
    psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname='odoo'" | grep -q 1 \
        || psql_admin -qc "CREATE ROLE odoo LOGIN CREATEDB"
}

stop_postgres() {
    as_pg_user "$(pg_bin pg_ctl)" -D "$PGDATA_DIR" -m fast stop >/dev/null 2>&1 || true
}

psql_admin() { psql -h "$PGSOCK" -p "$PGPORT" -U postgres -d postgres -X "$@"; }
psql_odoo() { local db=$1; shift; psql -h "$PGSOCK" -p "$PGPORT" -U odoo -d "$db" -X "$@"; }

write_odoo_conf() {
    # Odoo finds addons by folder name: expose this repo as "helpdesk_lite" whatever the clone is called.
    mkdir -p "$STATE/addons" "$STATE/filestore"
    ln -sfn "$REPO" "$STATE/addons/helpdesk_lite"
    cat > "$ODOO_CONF" <<EOF
[options]
addons_path = $ODOO_SRC/odoo/addons,$STATE/addons
data_dir = $STATE/filestore
db_host = $PGSOCK
db_port = $PGPORT
db_user = odoo
db_password = False
http_interface = 127.0.0.1
http_port = ${HTTP_PORT:-8069}
gevent_port = ${GEVENT_PORT:-$(( ${HTTP_PORT:-8069} + 1000 ))}
list_db = False
workers = ${WORKERS:-0}
max_cron_threads = ${CRON_WORKERS:-1}
; Connections per Odoo process. Threaded mode: one per concurrent request and cron thread (a request
; may briefly hold two), so odoo_bin() caps the HTTP threads at (db_maxconn - max_cron_threads) / 2.
; Prefork: each worker serves one request at a time but keeps its own pool, and the gevent process
; has one per open websocket. PostgreSQL must allow (workers + max_cron_threads + 1) x db_maxconn:
; the private cluster is started with max_connections = 300.
db_maxconn = 32
limit_time_cpu = 60
limit_time_real = 120
EOF
}

odoo_bin() {
    # A sub-command (shell, ...) must come before the options.
    local cmd=()
    case "${1:-}" in shell|scaffold|populate|neutralize|gevent) cmd=("$1"); shift ;; esac
    # Threaded mode: without a cap every accepted connection gets a thread, and 25 busy clients exhaust
    # the connection pool ("PoolError: The Connection Pool Is Full"); any non-number means
    # (db_maxconn - max_cron_threads) / 2 threads.
    ODOO_MAX_HTTP_THREADS=${ODOO_MAX_HTTP_THREADS:-auto} \
        "$VENV/bin/python" "$ODOO_SRC/odoo-bin" "${cmd[@]}" -c "$ODOO_CONF" "$@"
}

clean_addon_copy() {
    # The files of the addon alone (tracked or new, not ignored) in $1/helpdesk_lite: the repository
    # folder also holds .venv/ and .local/, which Odoo's translation export would walk and scan.
    local dest=$1/helpdesk_lite file
    mkdir -p "$dest"
    while IFS= read -r -d '' file; do
        [ -f "$REPO/$file" ] && mkdir -p "$dest/$(dirname "$file")" && cp "$REPO/$file" "$dest/$file"
    done < <(git -C "$REPO" ls-files -z --cached --others --exclude-standard)
}

export_pot() {
    # export_pot DB FILE: Odoo's own export of the addon's terms (code and data) from an installed database.
    local tmp
    tmp=$(mktemp -d)
    clean_addon_copy "$tmp"
    odoo_bin -d "$1" --addons-path="$ODOO_SRC/odoo/addons,$tmp" --i18n-export="$2" --modules=helpdesk_lite \
        --stop-after-init --no-http --log-level=warn --workers=0
    local rc=$?
    rm -rf "$tmp"
    return $rc
}

setup_all() {
    ensure_system_packages
    locate_odoo
    ensure_venv
    start_postgres
    write_odoo_conf
}
