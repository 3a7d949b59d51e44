# Benchmarks of Helpdesk Lite (see harness.py and run.sh). Not imported by the addon itself: the
# harness and the smoke test import odoo.addons.helpdesk_lite.bench.* explicitly.
