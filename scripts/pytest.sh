#!/usr/bin/env bash
# Run Python tests of the addon with pytest (pytest-odoo) against a database where helpdesk_lite is
# already installed: DB (default helpdesk_lite, the scripts/dev.sh one; or a test database kept by
# KEEP_DB=1 scripts/test.sh). Arguments go to pytest; paths inside the repository are given through the
# addons folder ($STATE/addons/helpdesk_lite), since pytest-odoo names the addon after its folder.
#   DB=hdl_test_... scripts/pytest.sh tests/test_production.py -k Settings
# pytest-odoo ignores the post_install tags and needs --odoo-http for HttpCase tests.
# scripts/test.sh stays the reference run (fresh database, every test, browser tours, checks).
source "$(dirname "$0")/lib.sh"
setup_all
args=()
for arg in "$@"; do
    if [ -e "$REPO/${arg%%::*}" ] && [[ "$arg" != /* ]]; then args+=("$STATE/addons/helpdesk_lite/$arg"); else args+=("$arg"); fi
done
export PYTHONPATH="$ODOO_SRC${PYTHONPATH:+:$PYTHONPATH}"
exec "$VENV/bin/pytest" -p no:cacheprovider --odoo-config="$ODOO_CONF" --odoo-database="${DB:-helpdesk_lite}" "${args[@]}"
