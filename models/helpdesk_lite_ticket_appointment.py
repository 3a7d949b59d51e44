from odoo import api, fields, models


class HelpdeskLiteTicket(models.Model):
    """On-site visits of a ticket: smart button, "Schedule visit", and the portal list."""
    _inherit = 'helpdesk.lite.ticket'

    appointment_ids = fields.One2many('helpdesk.lite.appointment', 'ticket_id', string='On-site Visits')
    appointment_count = fields.Integer(compute='_compute_appointment_count', string='Visits')

    @api.depends('appointment_ids')
    def _compute_appointment_count(self):
        counts = dict(self.env['helpdesk.lite.appointment']._read_group(
            [('ticket_id', 'in', self.ids)], ['ticket_id'], ['__count']))
        for ticket in self:
            ticket.appointment_count = counts.get(ticket, 0)

    def _appointment_action(self, view_mode):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('helpdesk_lite.helpdesk_lite_appointment_action')
        action.update(
            domain=[('ticket_id', '=', self.id)],
            view_mode=view_mode,
            views=[(False, mode) for mode in view_mode.split(',')],
            context={'default_ticket_id': self.id, 'default_user_id': self.user_id.id or self.env.uid,
                     'default_priority': self.priority, 'search_default_filter_planned': 0},
        )
        return action

    def action_open_appointments(self):
        return self._appointment_action('list,calendar,form')

    def action_schedule_visit(self):
        """The calendar of visits, ready to book one for this ticket (click a slot)."""
        action = self._appointment_action('calendar,list,form')
        action['domain'] = [('state', 'in', ('confirmed', 'in_progress', 'draft'))]
        return action

    def _portal_appointments(self):
        """Visits the customer sees on the ticket page (called in sudo after the portal access check)."""
        return self.appointment_ids.sorted(lambda a: (a.start, a.id))
