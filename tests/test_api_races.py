import threading
import uuid

from psycopg2 import errors

from odoo import SUPERUSER_ID, api
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL


@tagged('post_install', '-at_install')
class TestApiRaces(TransactionCase):
    """Two real transactions at once (committed cursors, cleaned up afterwards), as two workers."""

    def _run_in_thread(self, func):
        result = {}

        def target():
            try:
                with self.registry.cursor() as cr:
                    result['value'] = func(api.Environment(cr, SUPERUSER_ID, {}))
            except Exception as error:  # noqa: BLE001 - handed to the test
                result['error'] = error

        thread = threading.Thread(target=target)
        thread.start()
        return thread, result

    def test_idempotency_key_used_by_two_workers(self):
        key = f'race-{uuid.uuid4()}'
        self.addCleanup(self._delete, 'helpdesk_lite_api_idempotency', 'key', key)
        with self.registry.cursor() as cr1:
            first = api.Environment(cr1, SUPERUSER_ID, {})['helpdesk.lite.api.idempotency']
            self.assertIsNone(first._begin(key, 'POST /x', 'hash'))
            # the second worker waits on the unique index while the first one runs ...
            thread, result = self._run_in_thread(
                lambda env: env['helpdesk.lite.api.idempotency']._begin(key, 'POST /x', 'hash'))
            thread.join(timeout=1)
            self.assertTrue(thread.is_alive(), 'the duplicate waits for the first request')
            first._finish(201, {'id': 7})
        # ... and when the first commits, it fails with a serialization error: Odoo runs the request again
        thread.join(timeout=10)
        self.assertIsInstance(result.get('error'), errors.SerializationFailure)
        with self.registry.cursor() as cr3:
            again = api.Environment(cr3, SUPERUSER_ID, {})['helpdesk.lite.api.idempotency']
            self.assertEqual(again._begin(key, 'POST /x', 'hash'), ('replay', 201, {'id': 7}))
            self.assertEqual(again._begin(key, 'POST /x', 'other'), ('mismatch',))

    def test_rate_counter_shared_by_workers(self):
        bucket = f'key:race-{uuid.uuid4()}'
        self.addCleanup(self._delete, 'helpdesk_lite_api_rate', 'bucket', bucket)
        threads = [self._run_in_thread(lambda env: env['helpdesk.lite.api.rate']._hit(bucket, 'key'))
                   for _i in range(4)]
        for thread, _result in threads:
            thread.join(timeout=20)
        hits = sorted(result['value'][1] for _thread, result in threads)
        # a window boundary between the hits would split them over two rows: compare the total
        with self.registry.cursor() as cr:
            cr.execute(SQL("SELECT sum(hits) FROM helpdesk_lite_api_rate WHERE bucket = %s", bucket))
            self.assertEqual(cr.fetchone()[0], 4)
        self.assertEqual(len(set(hits)), len(hits), 'every request got its own count')

    def _delete(self, table, column, value):
        with self.registry.cursor() as cr:
            cr.execute(SQL("DELETE FROM %s WHERE %s = %s", SQL.identifier(table), SQL.identifier(column), value))
