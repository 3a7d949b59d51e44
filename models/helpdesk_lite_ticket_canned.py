import re

from markupsafe import Markup, escape

from odoo import api, models
from odoo.tools import plaintext2html

# {{ name }} placeholders in canned responses; the known ones are CANNED_VARIABLES.
CANNED_VARIABLE_RE = re.compile(r'\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}')
CANNED_VARIABLES = ('customer_name', 'ticket_number', 'agent_name', 'ticket_title', 'team_name', 'portal_link')


class HelpdeskLiteTicket(models.Model):
    """Canned responses on tickets: variables filled in on the server when an agent posts with one."""
    _inherit = 'helpdesk.lite.ticket'

    def _helpdesk_lite_canned_values(self):
        """Values of the canned-response variables for this ticket, as the current user posts."""
        self.ensure_one()
        return {
            'customer_name': self.partner_id.name or self.partner_name or '',
            'ticket_number': self.number or '',
            'agent_name': self.env.user.name,
            'ticket_title': self.name or '',
            'team_name': self.team_id.name or '',
            'portal_link': self.get_base_url() + self.get_portal_url(),
        }

    def _helpdesk_lite_fill_canned(self, text):
        """Fill the whitelisted ``{{variables}}`` of ``text`` (HTML: Markup or a trusted str). Values are
        escaped; unknown variables stay as written. Returns (filled Markup, sorted unknown names)."""
        values = self._helpdesk_lite_canned_values()
        unknown = set()

        def fill(match):
            name = match.group(1)
            if name in values:
                return str(escape(values[name]))
            unknown.add(name)
            return match.group(0)
        return Markup(CANNED_VARIABLE_RE.sub(fill, str(text))), sorted(unknown)

    @api.returns('mail.message', lambda value: value.id)
    def message_post(self, **kwargs):
        canned_ids = self.env.context.get('helpdesk_lite_canned_ids')
        if not canned_ids or len(self) != 1 or self.env.user.share:
            return super().message_post(**kwargs)
        # only the responses the agent may read count (the ids come from the client)
        canned = self.env['mail.canned.response'].with_user(self.env.user).browse(
            [cid for cid in canned_ids if isinstance(cid, int)]).exists()._filtered_access('read')
        unknown = []
        body = kwargs.get('body')
        if body and '{{' in body:
            kwargs['body'], unknown = self._helpdesk_lite_fill_canned(body)
        message = super(HelpdeskLiteTicket, self.with_context(helpdesk_lite_canned_ids=False)).message_post(**kwargs)
        canned.sudo()._helpdesk_lite_register_use()
        if unknown:
            self.env.user._bus_send('simple_notification', {
                'type': 'warning', 'sticky': True,
                'title': self.env._('Unknown variables left in your reply'),
                'message': self.env._('%(variables)s (known: %(known)s)',
                                      variables=', '.join('{{%s}}' % name for name in unknown),
                                      known=', '.join('{{%s}}' % name for name in CANNED_VARIABLES)),
            })
        return message

    def action_helpdesk_lite_canned_responses(self):
        """The "Canned Responses" button: the responses the agent can use, to pick one and reply."""
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('helpdesk_lite.mail_canned_response_action_pick')
        action['context'] = {'helpdesk_lite_ticket_id': self.id}
        if self.category_id:
            action['context']['search_default_helpdesk_lite_category_id'] = self.category_id.id
        return action

    def _helpdesk_lite_canned_composer(self, canned):
        """The full composer on this ticket with ``canned`` filled in, for review before sending."""
        self.ensure_one()
        body, _unknown = self._helpdesk_lite_fill_canned(plaintext2html(canned.substitution))
        return {
            'type': 'ir.actions.act_window',
            'name': self.env._('Reply'),
            'res_model': 'mail.compose.message',
            'view_mode': 'form',
            'views': [(False, 'form')],
            'target': 'new',
            'context': {
                'default_model': self._name,
                'default_res_ids': self.ids,
                'default_composition_mode': 'comment',
                'default_subtype_xmlid': 'mail.mt_comment',
                'default_body': body,
                'helpdesk_lite_canned_ids': canned.ids,
            },
        }
