from odoo import api, fields, models
from odoo.exceptions import UserError


class HelpdeskLiteTicketMerge(models.TransientModel):
    _name = 'helpdesk.lite.ticket.merge'
    _description = 'Merge Helpdesk Lite Tickets'

    ticket_ids = fields.Many2many('helpdesk.lite.ticket', string='Tickets to Merge')
    target_ticket_id = fields.Many2one(
        'helpdesk.lite.ticket', string='Merge Into', required=True,
        help='This ticket stays open and receives the conversation, attachments, followers, '
             'activities and subjects of the others, which are closed.')

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get('active_model') == 'helpdesk.lite.ticket':
            tickets = self.env['helpdesk.lite.ticket'].browse(self.env.context.get('active_ids', []))
            values['ticket_ids'] = [fields.Command.set(tickets.ids)]
            # The oldest ticket is usually the one the conversation started in.
            values['target_ticket_id'] = tickets.sorted('id')[:1].id
        return values

    def action_merge(self):
        self.ensure_one()
        target = self.target_ticket_id
        sources = self.ticket_ids - target
        if not sources:
            raise UserError(self.env._('Select at least one other ticket to merge into %s.', target.display_name))
        if target.merged_into_id:
            raise UserError(self.env._('%s was itself merged; pick an active ticket.', target.display_name))
        target._merge_from(sources)
        return {
            'type': 'ir.actions.act_window',
            'res_model': 'helpdesk.lite.ticket',
            'res_id': target.id,
            'view_mode': 'form',
        }
