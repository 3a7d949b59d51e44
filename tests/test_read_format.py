from unittest.mock import patch

from odoo import models
from odoo.tests import tagged

from .common import HelpdeskLiteCommon


@tagged('post_install', '-at_install')
class TestReadFormat(HelpdeskLiteCommon):
    """Tickets read a batch's plain columns from the cache in one pass: the values must be the ORM's, for
    every field, both read formats, pending computations and records deleted in between."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        tag = cls.env['helpdesk.lite.tag'].create({'name': 'Printer'})
        cls.tickets = (
            cls._create_ticket(name='Plain', priority='2', user_id=cls.agent.id, tag_ids=[(6, 0, tag.ids)],
                               description='<p>Paper <b>jam</b></p>')
            | cls._create_ticket(name='No customer', partner_id=False, partner_email='walk.in@example.com')
            | cls._create_ticket(name='Closed', stage_id=cls.stage_done.id, color=4)
        )
        cls.tickets[0].message_post(body='Any news?', message_type='comment', author_id=cls.customer.id)

    def _fields_read(self):
        return [name for name, field in self.Ticket._fields.items() if field.type != 'binary']

    def _both(self, records, fnames, load):
        """Our result and the ORM's, each from an empty cache."""
        records.invalidate_model()
        ours = records._read_format(fnames, load)
        records.invalidate_model()
        theirs = models.BaseModel._read_format(records, fnames, load)
        return ours, theirs

    def test_same_values_as_the_orm(self):
        tickets = self.tickets.with_user(self.agent)
        fnames = self._fields_read()
        for load in ('_classic_read', None):
            ours, theirs = self._both(tickets, fnames, load)
            self.assertEqual(len(ours), 3)
            self.assertEqual(ours, theirs, load)
        # the values themselves, in the format read() gives (a many2one as its id without display names)
        row = self._both(tickets, ['name', 'priority', 'user_id', 'color', 'description', 'closed_date'], None)[0][0]
        self.assertEqual((row['name'], row['priority'], row['user_id'], row['color']),
                         ('Plain', '2', self.agent.id, 0))
        self.assertIn('<b>jam</b>', row['description'])
        self.assertIs(row['closed_date'], False)

    def test_pending_computations_and_web_read(self):
        tickets = self.tickets.with_user(self.agent)
        tickets[1].stage_id = self.stage_done  # is_closed and the SLA schedule now wait for a recompute
        spec = {name: {} for name in ('is_closed', 'lifecycle', 'sla_next_deadline', 'age_days', 'number')}
        spec['stage_id'] = {'fields': {'display_name': {}}}
        rows = tickets.web_read(spec)
        self.assertEqual([row['is_closed'] for row in rows], [False, True, True])
        self.assertEqual(rows[1]['stage_id'], {'id': self.stage_done.id, 'display_name': self.stage_done.name})
        ours, theirs = self._both(tickets, list(spec), None)
        self.assertEqual(ours, theirs)

    def test_a_deleted_record_is_left_out_as_the_orm_does(self):
        tickets = self.tickets
        gone = self._create_ticket(name='Gone')
        batch = tickets | gone
        batch.invalidate_model()
        gone.unlink()
        self.env.invalidate_all()
        rows = batch._read_format(['name', 'priority', 'user_id'], None)
        self.assertEqual([row['id'] for row in rows], tickets.ids)
        self.assertEqual(rows, models.BaseModel._read_format(batch, ['name', 'priority', 'user_id'], None))

    def test_a_computed_column_is_computed_once_per_batch(self):
        tickets = self.tickets
        compute = type(self.Ticket)._compute_age_days
        with patch.object(type(self.Ticket), '_compute_age_days', autospec=True, side_effect=compute) as spy:
            tickets.invalidate_model()
            rows = tickets._read_format(['age_days', 'name'], None)
        self.assertEqual(spy.call_count, 1)
        self.assertEqual(len(spy.call_args.args[0]), 3)
        self.assertTrue(all(row['age_days'] >= 0 for row in rows))
