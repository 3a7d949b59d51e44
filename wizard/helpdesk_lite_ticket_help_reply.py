from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError


class HelpdeskLiteTicketHelpReply(models.TransientModel):
    """Reply to the customer with links to help center pages."""
    _name = 'helpdesk.lite.ticket.help.reply'
    _description = 'Reply with Help Pages'

    ticket_id = fields.Many2one('helpdesk.lite.ticket', string='Ticket', required=True, readonly=True)
    page_ids = fields.Many2many(
        'helpdesk.lite.help.page', string='Help Pages', required=True,
        domain=[('published', '=', True), ('group_id.published', '=', True)],
        help='Only published pages: the customer must be able to open the link.')
    body = fields.Html(
        string='Reply', compute='_compute_body', store=True, readonly=False, sanitize=True,
        help='Sent to the customer as a public reply on the ticket.')

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get('active_model') == 'helpdesk.lite.ticket' and self.env.context.get('active_id'):
            values['ticket_id'] = self.env.context['active_id']
        return values

    @api.depends('page_ids', 'ticket_id')
    def _compute_body(self):
        for wizard in self:
            if not wizard.page_ids:
                wizard.body = False
                continue
            lang = wizard.ticket_id.partner_id.lang or self.env.lang
            pages = wizard.page_ids.with_context(lang=lang)
            base_url = wizard.ticket_id.get_base_url()
            links = Markup('').join(
                Markup('<li><a href="%s">%s</a></li>') % (f'{base_url}{page.url}', page.title) for page in pages)
            intro = self.env._('These help pages should answer your question:')
            wizard.body = Markup('<p>%s</p><ul>%s</ul>') % (intro, links)

    def action_send(self):
        self.ensure_one()
        unpublished = self.page_ids.filtered(lambda page: not page.is_public)
        if unpublished:
            raise UserError(self.env._(
                'Publish these help pages before sending them: %(pages)s',
                pages=', '.join(unpublished.mapped('title'))))
        self.ticket_id.message_post(
            body=self.body, message_type='comment', subtype_xmlid='mail.mt_comment')
        return {'type': 'ir.actions.act_window_close'}
