"""Bulk actions that skip instead of failing: closing 50 tickets of which one is already closed closes
the 49 and says which one was skipped. A selection where nothing applies keeps the clear error of the
action itself (one ticket from its form, too)."""
from odoo import models


class HelpdeskLiteTicket(models.Model):
    _inherit = 'helpdesk.lite.ticket'

    def _bulk_run(self, skip, run, label):
        """Run ``run(tickets)`` on the tickets ``skip`` does not reject; report the skipped ones."""
        skipped = self.filtered(skip)
        todo = self - skipped
        if not todo or not skipped:
            return run(self)
        result = run(todo)
        return self._bulk_notification(todo, skipped, label) if result is True or result is None else result

    def _bulk_notification(self, done, skipped, label):
        max_listed = 10
        names = ', '.join(skipped[:max_listed].mapped('display_name'))
        if len(skipped) > max_listed:
            names += self.env._(' and %(count)s more', count=len(skipped) - max_listed)
        return {
            'type': 'ir.actions.client',
            'tag': 'display_notification',
            'params': {
                'type': 'warning',
                'title': self.env._('%(action)s: %(done)s done, %(skipped)s skipped',
                                    action=label, done=len(done), skipped=len(skipped)),
                'message': self.env._('Skipped (already in that state): %(tickets)s', tickets=names),
                'sticky': False,
                'next': {'type': 'ir.actions.client', 'tag': 'soft_reload'},
            },
        }

    def action_resolve(self):
        return self._bulk_run(lambda t: t.is_closed, lambda tickets: super(HelpdeskLiteTicket, tickets).action_resolve(),
                              self.env._('Resolve'))

    def action_close(self):
        return self._bulk_run(lambda t: t.lifecycle == 'closed',
                              lambda tickets: super(HelpdeskLiteTicket, tickets).action_close(), self.env._('Close'))

    def action_reopen(self):
        return self._bulk_run(lambda t: not t.is_closed,
                              lambda tickets: super(HelpdeskLiteTicket, tickets).action_reopen(), self.env._('Reopen'))

    def action_assign(self, user):
        user_record = self.env['res.users'].browse(user) if isinstance(user, int) else user
        return self._bulk_run(lambda t: t.is_closed or t.user_id == user_record,
                              lambda tickets: super(HelpdeskLiteTicket, tickets).action_assign(user),
                              self.env._('Assign'))

    def action_unassign(self):
        return self._bulk_run(lambda t: not t.user_id,
                              lambda tickets: super(HelpdeskLiteTicket, tickets).action_unassign(),
                              self.env._('Unassign'))
