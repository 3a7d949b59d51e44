import logging

from markupsafe import Markup

from odoo import api, models, tools
from odoo.exceptions import MissingError, UserError

from . import helpdesk_lite_api_payload as payload_
from .helpdesk_lite_ticket_portal import PORTAL_DESCRIPTION_MAX, PORTAL_FEEDBACK_MAX

_logger = logging.getLogger(__name__)

# form field of the public form -> API member, for the error messages
FORM_TO_API = {'name': 'subject', 'description': 'description', 'partner_name': 'requester_name',
               'partner_email': 'requester_email', 'category_id': 'category_id'}
MAX_LOOKUP_TICKETS = 50
# what a customer sees of their ticket (no assignee, team, SLA internals)
PUBLIC_MEMBERS = {'id', 'ticket_number', 'subject', 'status', 'stage', 'priority', 'created_at', 'updated_at',
                  'closed_at'}


class HelpdeskLiteTicketApiPublic(models.Model):
    """Public API of a ticket (no account): the customer holds the ticket's access token. Every method is
    called on a ticket already checked against its token (sudo), or, for ``_api_public_submit`` and
    ``_api_public_lookup``, with rate limits of their own."""
    _inherit = 'helpdesk.lite.ticket'

    @api.model
    def _api_public_ticket(self, ticket_id, token):
        """The ticket (sudo) whose id and access token match; MissingError otherwise (same error for a
        wrong token and a missing ticket)."""
        ticket = self.sudo().browse(ticket_id).exists() if 0 < ticket_id <= payload_.MAX_ID else self.browse()
        if not ticket or not token or not isinstance(token, str) or not ticket.access_token \
                or not tools.consteq(ticket.access_token, token):
            raise MissingError(self.env._('Ticket not found.'))
        return ticket

    def _api_public_serialize(self, with_conversation=False):
        self.ensure_one()
        data = {key: value for key, value in self._api_serialize(detail=False).items() if key in PUBLIC_MEMBERS}
        data.update(portal_url=f'{self.get_base_url()}{self.access_url}?access_token={self.access_token}',
                    can_rate=self._api_public_can_rate())
        if with_conversation:
            messages = self.env['mail.message'].sudo().search([
                ('model', '=', self._name), ('res_id', '=', self.id), ('message_type', 'in', ('comment', 'email')),
                ('subtype_id', '=', self.env.ref('mail.mt_comment').id)], order='id', limit=200)
            data['description'] = tools.html2plaintext(self.description) if self.description else ''
            data['comments'] = [
                {key: value for key, value in comment.items() if key not in ('is_internal', 'body_html')}
                for comment in self._api_serialize_comments(messages)]
        return data

    @api.model
    def _api_public_submit(self, payload, remote_addr):
        """The public form's submission through the API: same validation, same limits per address and per
        email (``helpdesk.lite.submit.log``). Returns the ticket; ValidationError / 429 otherwise."""
        payload_.require_object(payload)
        payload_.reject_unknown(payload, set(FORM_TO_API.values()) | {'workspace_id'})
        post = {}
        for form_field, member in FORM_TO_API.items():
            value = payload_.read_id(payload, member) if member == 'category_id' \
                else payload_.read_str(payload, member, max_length=PORTAL_DESCRIPTION_MAX)
            if value is not None:
                post[form_field] = str(value)
        result = self._public_submit(post, remote_addr)
        if result['status'] == 'rate_limited':
            return None
        if result['status'] != 'created':
            errors = [{'field': FORM_TO_API.get(name, name), 'message': message}
                      for name, message in result['errors'].items()]
            raise payload_.ApiBadRequest(errors[0]['field'], errors[0]['message'], errors=errors)
        return result['ticket'].sudo()

    def _api_public_reply(self, payload):
        self.ensure_one()
        payload_.reject_unknown(payload, {'access_token', 'body'})
        body = payload_.read_str(payload, 'body', required=True, max_length=PORTAL_DESCRIPTION_MAX)
        if self.merged_into_id or self.is_closed:
            raise UserError(self.env._('This ticket is closed; reopen it from its page or submit a new request.'))
        return self._portal_post_as_requester(self.partner_id, tools.plaintext2html(body))

    def _api_public_can_rate(self):
        """Rated at most once per resolution: after a reopen and a new resolution, it can be rated again."""
        self.ensure_one()
        if not self.is_closed:
            return False
        rating = self._portal_rating()
        return not (rating and self.closed_date and rating.write_date >= self.closed_date)

    def _api_public_rate(self, payload):
        self.ensure_one()
        payload_.reject_unknown(payload, {'access_token', 'rating', 'feedback'})
        rate = payload_.read_number(payload, 'rating', minimum=1, maximum=5)
        if rate is None or rate != int(rate):
            raise payload_.ApiBadRequest('rating', 'must be an integer from 1 to 5')
        feedback = payload_.read_str(payload, 'feedback', max_length=PORTAL_FEEDBACK_MAX)
        if not self.is_closed:
            raise UserError(self.env._('You can rate a ticket once it is resolved or closed.'))
        if not self._api_public_can_rate():
            raise UserError(self.env._('This resolution was already rated.'))
        return self._portal_rate(self.partner_id, int(rate), feedback)

    @api.model
    def _api_public_lookup(self, payload, remote_addr):
        """Mail the requester the links to their tickets. The caller always answers the same (202), found
        or not, so that knowing an address discloses nothing; mails are limited like public submissions.

        One ``mail.mail`` listing all the tickets, sent to the address as given by its owner: a
        ``mail.template`` renders one mail per record, and the address may belong to no contact."""
        payload_.require_object(payload)
        payload_.reject_unknown(payload, {'email'})
        email = tools.email_normalize(payload_.read_str(payload, 'email', required=True, max_length=254) or '')
        if not email:
            raise payload_.ApiBadRequest('email', 'is not a valid email address')
        if not self.env['helpdesk.lite.submit.log'].sudo()._register_submission(remote_addr or '', f'lookup:{email}'):
            _logger.info('Helpdesk Lite: ticket lookup for an address rate limited (%s)', remote_addr)
            return False
        tickets = self.sudo().search(
            ['|', ('partner_email', '=ilike', email), ('partner_id.email_normalized', '=', email),
             ('merged_into_id', '=', False)], order='id desc', limit=MAX_LOOKUP_TICKETS)
        if not tickets:
            return False
        for ticket in tickets.filtered(lambda t: not t.access_token):
            ticket._portal_ensure_token()
        items = Markup().join(
            Markup('<li><a href="%s">%s</a> (%s)</li>') % (
                ticket._api_public_serialize()['portal_url'], ticket.display_name, ticket.stage_id.name or '')
            for ticket in tickets)
        body = Markup('<p>%s</p><ul>%s</ul><p>%s</p>') % (
            self.env._('Here are the links to your support requests:'), items,
            self.env._('If you did not ask for this email, you can ignore it.'))
        self.env['mail.mail'].sudo().create({
            'email_to': email,
            'email_from': self.env.company.email_formatted or self.env.user.email_formatted,
            'subject': self.env._('Your support requests'),
            'body_html': body,
            'auto_delete': True,
        })
        self.env.ref('mail.ir_cron_mail_scheduler_action')._trigger()
        return True

