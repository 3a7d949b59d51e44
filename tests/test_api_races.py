import uuid
from unittest.mock import Mock, patch

from psycopg2 import errors

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.helpdesk_lite.models import helpdesk_lite_api_rate as rate_module


@tagged('post_install', '-at_install')
class TestApiRaces(TransactionCase):
    """Two real transactions at once (committed cursors, cleaned up afterwards), as two workers."""

    @mute_logger('odoo.sql_db')
    def test_idempotency_key_used_by_two_workers(self):
        key = f'race-{uuid.uuid4()}'
        self.addCleanup(self._delete, 'helpdesk_lite_api_idempotency', 'key', key)
        with self.registry.cursor() as cr1, self.registry.cursor() as cr2:
            first = api.Environment(cr1, SUPERUSER_ID, {})['helpdesk.lite.api.idempotency']
            second = api.Environment(cr2, SUPERUSER_ID, {})['helpdesk.lite.api.idempotency']
            self.assertIsNone(first._begin(key, 'POST /x', 'hash'))
            # while the first request runs, the duplicate waits on the key (here: gives up after 200 ms
            # with an error Odoo retries the request on)
            cr2.execute("SET LOCAL lock_timeout = '200ms'")
            with self.assertRaises(errors.LockNotAvailable):
                second._begin(key, 'POST /x', 'hash')
            cr2.rollback()
            cr2.execute("SELECT 1")  # the duplicate's snapshot predates the first request's commit
            first._finish(201, {'id': 7})
            cr1.commit()
            # it cannot see the stored answer yet: a serialization failure, and Odoo runs the request again ...
            with self.assertRaises(errors.SerializationFailure):
                second._begin(key, 'POST /x', 'hash')
            cr2.rollback()
            # ... which replays the first answer
            self.assertEqual(second._begin(key, 'POST /x', 'hash'), ('replay', 201, {'id': 7}))
            self.assertEqual(second._begin(key, 'POST /x', 'other'), ('mismatch',))

    def test_rate_counter_shared_by_workers(self):
        bucket = f'key:race-{uuid.uuid4()}'
        self.addCleanup(self._delete, 'helpdesk_lite_api_rate', 'bucket', bucket)
        self.startPatcher(patch.object(rate_module, 'time', Mock(time=Mock(return_value=1_800_000_010))))
        counts = []
        for _worker in range(3):
            with self.registry.cursor() as cr:
                counts.append(api.Environment(cr, SUPERUSER_ID, {})['helpdesk.lite.api.rate']._hit(bucket, 'key'))
        self.assertEqual(counts, [(300, 1, 50), (300, 2, 50), (300, 3, 50)])
        # committed at once, on the counter's own cursor: every worker sees it
        with self.registry.cursor() as cr:
            cr.execute(SQL("SELECT hits FROM helpdesk_lite_api_rate WHERE bucket = %s", bucket))
            self.assertEqual(cr.fetchall(), [(3,)])

    def _delete(self, table, column, value):
        with self.registry.cursor() as cr:
            cr.execute(SQL("DELETE FROM %s WHERE %s = %s", SQL.identifier(table), SQL.identifier(column), value))
