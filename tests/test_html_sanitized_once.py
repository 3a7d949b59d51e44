from unittest.mock import patch

from markupsafe import Markup

from odoo import fields
from odoo.tests import tagged

from ..models import html_sanitized_once
from .common import HelpdeskLiteCommon

UNSAFE_BODY = Markup('<p style="color: red; position: fixed">Hello <b>team</b><script>alert(1)</script>'
               '<img src="x" onerror="alert(2)"></p><form><input name="q"></form>')


@tagged('post_install', '-at_install')
class TestHtmlSanitizedOnce(HelpdeskLiteCommon):
    """Html values sanitized once per distinct value in a transaction, with Odoo's result."""

    def _count_sanitize(self):
        calls = []
        original = html_sanitized_once.html_sanitize

        def counting(value, **options):
            calls.append(value)
            return original(value, **options)
        return calls, patch.object(html_sanitized_once, 'html_sanitize', counting)

    def _odoo_sanitized(self, record, fname, value):
        """What Odoo's own Html field gives for ``value`` with the same options."""
        return fields.Html._convert(record._fields[fname], value, record, True)

    def _log(self, tickets, bodies):
        # (Markup bodies, as the escalation's: plain text would be escaped, leaving nothing to sanitize)
        return tickets._message_log_batch(bodies=dict(zip(tickets.ids, bodies)))

    def test_same_body_of_a_batch_sanitized_once_as_odoo_would(self):
        tickets = self.Ticket.create([{'name': f'Escalated {i}', 'team_id': self.team.id} for i in range(5)])
        self.env.cr.cache.pop(html_sanitized_once.MEMO_KEY, None)
        calls, patcher = self._count_sanitize()
        with patcher:
            messages = self._log(tickets, [UNSAFE_BODY] * 5)
            messages.invalidate_recordset(['body'])
            stored = set(messages.mapped('body'))
        self.assertEqual(calls, [UNSAFE_BODY], 'one sanitization for five identical bodies (column and cache)')
        expected = self._odoo_sanitized(messages[0], 'body', UNSAFE_BODY)
        self.assertEqual(stored, {expected})
        self.assertNotIn('script', expected)
        self.assertNotIn('onerror', expected)
        self.assertNotIn('position', expected)

    def test_distinct_bodies_each_sanitized_with_their_own_result(self):
        tickets = self.Ticket.create([{'name': f'Distinct {i}', 'team_id': self.team.id} for i in range(4)])
        bodies = [Markup(f'<p>Ticket {i}<script>x()</script></p>') for i in range(4)]
        self.env.cr.cache.pop(html_sanitized_once.MEMO_KEY, None)
        calls, patcher = self._count_sanitize()
        with patcher, patch.object(html_sanitized_once, 'MAX_ENTRIES', 2):
            messages = self._log(tickets, bodies)
            messages.invalidate_recordset(['body'])
            self.assertLessEqual(len(self.env.cr.cache[html_sanitized_once.MEMO_KEY]), 2, 'the memo stays bounded')
        by_ticket = {message.res_id: message.body for message in messages}
        for ticket, body in zip(tickets, bodies):
            self.assertEqual(by_ticket[ticket.id], self._odoo_sanitized(messages[0], 'body', body))
            self.assertNotIn('script', by_ticket[ticket.id])
        self.assertEqual(sorted(set(calls)), sorted(bodies))

    def test_long_values_take_odoos_path(self):
        long_body = '<p>%s<script>x()</script></p>' % ('long text ' * 10)
        calls, patcher = self._count_sanitize()
        with patcher, patch.object(html_sanitized_once, 'MAX_VALUE_LENGTH', 50):
            ticket = self.Ticket.create({'name': 'Long', 'team_id': self.team.id, 'description': long_body})
        self.assertNotIn(long_body, calls, 'not memoized')
        ticket.invalidate_recordset(['description'])
        self.assertEqual(ticket.description, self._odoo_sanitized(ticket, 'description', long_body))
        self.assertNotIn('script', ticket.description)

    def test_ticket_description_written_by_a_user_is_sanitized(self):
        ticket = self.Ticket.with_user(self.agent).create({
            'name': 'From the form', 'team_id': self.team.id, 'description': UNSAFE_BODY})
        ticket.write({'description': UNSAFE_BODY + '<p>more</p>'})
        ticket.invalidate_recordset(['description'])
        self.assertEqual(ticket.description, self._odoo_sanitized(ticket, 'description', UNSAFE_BODY + '<p>more</p>'))
        self.assertNotIn('onerror', ticket.description)
