"""Tracking messages of many tickets in batch: a write on hundreds of tickets (stage change, mass edit,
macro, escalation) logs each ticket's tracking message, and Odoo's mail module creates those one by one."""
from odoo import models
from odoo.exceptions import MissingError

TRACKED_FIELD_ATTRIBUTES = ('string', 'type', 'selection', 'currency_field')


class HelpdeskLiteTicket(models.Model):
    _inherit = 'helpdesk.lite.ticket'

    def _message_track(self, fields_iter, initial_values_dict):
        """Odoo's tracking, with the plain tracking messages of a batch created together.

        ``mail.thread._message_track`` logs each changed record with its own ``_message_log``: one
        message create (and its tracking values) per ticket, half of a 500-ticket stage change. Here the
        tickets whose changes need no subtype (no notification) get their messages in one create and
        their tracking values in another, with the same values, author and order as Odoo's. A log
        message or an author set for the tracking (``_track_set_log_message``, ``_track_set_author``),
        a single ticket, or changes with a subtype keep Odoo's own path.
        """
        data = self.env.cr.precommit.data
        if (len(self) < 2 or not fields_iter or data.get(f'mail.tracking.message.{self._name}')
                or data.get(f'mail.tracking.author.{self._name}')):
            return super()._message_track(fields_iter, initial_values_dict)
        tracked_fields = self.fields_get(fields_iter, attributes=TRACKED_FIELD_ATTRIBUTES)
        tracking = {}
        for ticket in self:
            try:
                tracking[ticket.id] = ticket._mail_track(tracked_fields, initial_values_dict[ticket.id])
            except MissingError:
                continue
        changed = self.browse([ticket_id for ticket_id, (changes, _values) in tracking.items() if changes])
        notified = changed.filtered(lambda ticket: ticket._track_subtype(
            {fname: initial_values_dict[ticket.id][fname] for fname in tracking[ticket.id][0]}))
        if notified:
            super(HelpdeskLiteTicket, notified)._message_track(
                fields_iter, {ticket_id: initial_values_dict[ticket_id] for ticket_id in notified.ids})
        logged = (changed - notified).filtered(lambda ticket: tracking[ticket.id][1])
        logged._message_log_batch_with_tracking(
            {ticket.id: ticket._track_get_default_log_message(tracking[ticket.id][0]) for ticket in logged},
            {ticket.id: tracking[ticket.id][1] for ticket in logged})
        return tracking

    def _message_log_batch_tracked(self, bodies, initial_values):
        """``_message_log_batch`` with tracking: one log message per ticket carrying its body and the
        changes of the fields in ``initial_values`` ({ticket id: {field name: value before}})."""
        fnames = {fname for values in initial_values.values() for fname in values}
        tracked_fields = self.fields_get(fnames, attributes=TRACKED_FIELD_ATTRIBUTES)
        commands = {ticket.id: ticket._mail_track(tracked_fields, initial_values[ticket.id])[1] for ticket in self}
        return self._message_log_batch_with_tracking(bodies, commands)

    def _message_log_batch_with_tracking(self, bodies, tracking_commands):
        """One log message per ticket with its body ({ticket id: body}) and its tracking values
        ({ticket id: [(0, 0, values)]} as ``_mail_track`` gives them). Odoo's ``_message_log_batch``
        refuses tracking values for more than one record: the values are created here, in one batch."""
        if not self:
            return self.env['mail.message']
        messages = self._message_log_batch(bodies=bodies)
        message_of = {message.res_id: message.id for message in messages}
        self.env['mail.tracking.value'].sudo().create([
            dict(values, mail_message_id=message_of[ticket_id])
            for ticket_id, commands in tracking_commands.items() for _0, _0, values in commands])
        return messages
