from odoo import api, fields, models


class HelpdeskLiteTicketAssign(models.TransientModel):
    _name = 'helpdesk.lite.ticket.assign'
    _description = 'Assign Helpdesk Lite Tickets'

    ticket_ids = fields.Many2many('helpdesk.lite.ticket', string='Tickets')
    user_id = fields.Many2one('res.users', string='Assignee', required=True, domain=[('share', '=', False)])

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get('active_model') == 'helpdesk.lite.ticket':
            values['ticket_ids'] = [fields.Command.set(self.env.context.get('active_ids', []))]
        return values

    def action_assign(self):
        self.ensure_one()
        result = self.ticket_ids.action_assign(self.user_id)
        close = {'type': 'ir.actions.act_window_close'}
        if isinstance(result, dict) and result.get('tag') == 'display_notification':
            # some tickets were skipped: say which, then close the dialog
            result['params']['next'] = close
            return result
        return close
