#!/usr/bin/env bash
# Regenerate i18n/helpdesk_lite.pot from the code with Odoo's own export, then bring every
# i18n/*.po up to date with it (new terms untranslated, vanished ones dropped). Run it after any
# change of user-visible text (and after merging branches); scripts/test.sh fails while the .pot is
# stale. Uses a throwaway database without demo data (about a minute).
source "$(dirname "$0")/lib.sh"
setup_all
DB=hdl_pot_$(date +%s)_$$
cleanup() { psql_admin -qc "DROP DATABASE IF EXISTS \"$DB\"" >/dev/null 2>&1 || true; rm -rf "$STATE/filestore/filestore/$DB"; }
trap cleanup EXIT
log "Installing helpdesk_lite into $DB (no demo data)"
odoo_bin -d "$DB" -i helpdesk_lite --without-demo=all --stop-after-init --max-cron-threads=0 --no-http --log-level=warn --workers=0
log "Exporting i18n/helpdesk_lite.pot"
export_pot "$DB" "$REPO/i18n/helpdesk_lite.pot"
shopt -s nullglob
po_files=("$REPO"/i18n/*.po)
[ ${#po_files[@]} -eq 0 ] || "$VENV/bin/python" "$REPO/scripts/i18n_tools.py" merge "$REPO/i18n/helpdesk_lite.pot" "${po_files[@]}"
