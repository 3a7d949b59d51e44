"""Customer-facing side of the ticket: portal list domain, portal and public submissions,
the customer's own actions (close, reopen, rate).

Kept apart from ``helpdesk_lite_ticket.py`` (same model) so that the portal code can be read, and
merged, on its own. Every method here is private: none can be called over RPC. The controllers call
them on a record obtained with ``_document_check_access`` (sudo only after the access or token check).
"""
import logging
import os

import pytz

from markupsafe import Markup

from odoo import api, models, tools
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools.mimetypes import guess_mimetype
from odoo.tools.misc import get_lang

from .helpdesk_lite_ticket import TITLE_MAX_LENGTH

_logger = logging.getLogger(__name__)

# Length limits of the portal and public forms (server side; the inputs carry the same maxlength).
PORTAL_DESCRIPTION_MAX = 20_000
PORTAL_NAME_MAX = 128
PORTAL_EMAIL_MAX = 254
PORTAL_FEEDBACK_MAX = 2_000
PORTAL_REASON_MAX = 2_000

# Bots fill every input; people never see this one (hidden by CSS, not by type="hidden").
HONEYPOT_FIELD = 'company_website'

# Accepted attachment types: file extension -> MIME types the *content* may be sniffed as. The browser's
# Content-Type and the name alone are not trusted; SVG, HTML and executables are never accepted.
_OOXML = 'application/vnd.openxmlformats-officedocument.'
PORTAL_ATTACHMENT_TYPES = {
    'png': {'image/png'},
    'jpg': {'image/jpeg'},
    'jpeg': {'image/jpeg'},
    'gif': {'image/gif'},
    'webp': {'image/webp'},
    'pdf': {'application/pdf'},
    'txt': {'text/plain'},
    'log': {'text/plain'},
    'csv': {'text/plain', 'text/csv'},
    'docx': {_OOXML + 'wordprocessingml.document', 'application/zip'},
    'xlsx': {_OOXML + 'spreadsheetml.sheet', 'application/zip'},
    'pptx': {_OOXML + 'presentationml.presentation', 'application/zip'},
    'odt': {'application/vnd.oasis.opendocument.text', 'application/zip'},
    'ods': {'application/vnd.oasis.opendocument.spreadsheet', 'application/zip'},
    'zip': {'application/zip'},
}
DEFAULT_ATTACHMENT_MAX_MB = 10
DEFAULT_ATTACHMENT_MAX_COUNT = 5

# Columns the portal list shows: fetched by the search query itself.
PORTAL_LIST_FIELDS = ['number', 'name', 'stage_id', 'lifecycle', 'priority', 'category_id', 'user_id',
                      'create_date', 'write_date', 'is_closed']

# Status badge colour by lifecycle step (never by stage name)
PORTAL_STATUS_BADGES = {
    'new': 'text-bg-info', 'open': 'text-bg-primary', 'pending': 'text-bg-warning',
    'resolved': 'text-bg-success', 'closed': 'text-bg-secondary',
}

PORTAL_FILTER_DOMAINS = {
    'all': [],
    'open': [('is_closed', '=', False)],
    # "waiting on me": the stage says it is the customer's turn
    'waiting': [('is_closed', '=', False), ('stage_id.is_waiting', '=', True)],
    'closed': [('is_closed', '=', True)],
}


class HelpdeskLiteTicket(models.Model):
    _inherit = 'helpdesk.lite.ticket'

    # ------------------------------------------------------------------------
    # Portal list
    # ------------------------------------------------------------------------
    @api.model
    def _portal_my_tickets_domain(self):
        """Tickets the current user requested: their own, plus their company's when the customer
        company shares tickets between its contacts. Same scope as the portal record rule, so an
        agent visiting /my/helpdesk sees their own requests, not the whole helpdesk."""
        partner = self.env.user.partner_id
        commercial = partner.commercial_partner_id
        domain = [('partner_id', '=', partner.id)]
        if commercial.sudo().helpdesk_lite_share_with_company:
            domain = expression.OR([domain, [('commercial_partner_id', '=', commercial.id)]])
        return domain

    @api.model
    def _portal_list_domain(self, filterby='all', search=None):
        domain = [self._portal_my_tickets_domain(), PORTAL_FILTER_DOMAINS.get(filterby) or []]
        search = (search or '').strip()
        if search:
            domain.append(['|', ('number', 'ilike', search), ('name', 'ilike', search)])
        return expression.AND(domain)

    @api.model
    def _portal_fetch_page(self, domain, order, limit, offset=0, group_field=None):
        """One page of the portal list: ``[(group label, rows)]`` (one group labelled False when not
        grouped), rows from ``_portal_list_rows``. A constant number of queries whatever the page size
        or the number of tickets: the search fetches the shown columns; stages and categories are read
        once for the page. The search runs with the user's rights; display reads are sudo."""
        tickets = self.search_fetch(domain, PORTAL_LIST_FIELDS, order=order, limit=limit, offset=offset).sudo()
        rows = tickets._portal_list_rows()
        if not group_field:
            return [(False, rows)] if rows else []
        # labels from the iterated records: their prefetching reads every group's stage or category
        # at once (records[0] would not)
        return [(key.display_name if key else False, [row for _ticket, row in group])
                for key, group in tools.groupby(zip(tickets, rows), lambda pair: pair[0][group_field])]

    def _portal_list_rows(self):
        """Display values of the portal list, for all rows at once. Plain strings: QWeb's t-field
        widgets look the language, time zone and selection labels up again for every cell, which was
        most of the page's time (see bench/scenarios/portal_list.py)."""
        date_format = get_lang(self.env).date_format
        priorities = dict(self._fields['priority']._description_selection(self.env))
        tz = pytz.timezone(self.env.context.get('tz') or self.env.user.tz or 'UTC')

        def local_date(value):
            return pytz.utc.localize(value).astimezone(tz).strftime(date_format) if value else ''

        return [{
            'id': ticket.id,
            'url': ticket.access_url,
            'number': ticket.number,
            'name': ticket.name,
            'category': ticket.category_id.complete_name or '',
            'priority': priorities.get(ticket.priority, ''),
            'created': local_date(ticket.create_date),
            'updated': local_date(ticket.write_date),
            'stage': ticket.stage_id.name or '',
            'badge_class': PORTAL_STATUS_BADGES.get(ticket.lifecycle, 'text-bg-light'),
        } for ticket in self]

    # ------------------------------------------------------------------------
    # Submission (portal form and public form)
    # ------------------------------------------------------------------------
    @api.model
    def _portal_category_domain(self, company=None):
        """Categories a customer may choose: published, of the company or shared by all companies."""
        company = company or self.env.company
        return [('portal_published', '=', True), ('company_id', 'in', [company.id, False])]

    @api.model
    def _portal_available_categories(self, company=None):
        # sudo: public visitors cannot read categories; the domain is ours, never the visitor's
        return self.env['helpdesk.lite.category'].sudo().search(self._portal_category_domain(company))

    @api.model
    def _portal_validate_submission(self, post, company=None, with_contact=False):
        """Check a submitted form. Returns ``(vals, errors)``: ticket values ready for create, and
        ``{field: message}`` for the form. Only title, description and category are ever read from
        the post: a posted team, assignee, customer, stage or priority is ignored."""
        errors = {}
        title = (post.get('name') or '').strip()
        description = (post.get('description') or '').strip()
        if not title:
            errors['name'] = self.env._('Please give your request a title.')
        elif len(title) > TITLE_MAX_LENGTH:
            errors['name'] = self.env._('The title is too long (%(max)s characters at most).', max=TITLE_MAX_LENGTH)
        if not description:
            errors['description'] = self.env._('Please describe your request.')
        elif len(description) > PORTAL_DESCRIPTION_MAX:
            errors['description'] = self.env._(
                'The description is too long (%(max)s characters at most).', max=PORTAL_DESCRIPTION_MAX)
        vals = {'name': title, 'description': tools.plaintext2html(description)}

        category_id = post.get('category_id')
        if category_id:
            category = self.env['helpdesk.lite.category']
            if str(category_id).isdigit() and int(category_id) < 2 ** 31:
                category = category.sudo().search(expression.AND([
                    [('id', '=', int(category_id))], self._portal_category_domain(company)]), limit=1)
            if category:
                vals['category_id'] = category.id
            else:
                # same answer for a missing, unpublished or other company's category
                errors['category_id'] = self.env._('Please choose a category from the list.')

        if with_contact:
            contact_name = (post.get('partner_name') or '').strip()
            email = (post.get('partner_email') or '').strip()
            if not contact_name:
                errors['partner_name'] = self.env._('Please tell us your name.')
            elif len(contact_name) > PORTAL_NAME_MAX:
                errors['partner_name'] = self.env._('The name is too long (%(max)s characters at most).',
                                                    max=PORTAL_NAME_MAX)
            normalized = tools.email_normalize(email) if len(email) <= PORTAL_EMAIL_MAX else False
            if not normalized or len(tools.email_split(email)) != 1:
                errors['partner_email'] = self.env._('Please enter a valid email address.')
            vals.update(partner_name=contact_name, partner_email=normalized or email)
        return vals, errors

    @api.model
    def _portal_validate_attachments(self, files):
        """Server-side limits on uploaded files: count, size and type (sniffed from the content).
        ``files`` are werkzeug FileStorage objects. Returns ``([(name, bytes)], error or None)``."""
        files = [f for f in files if f and f.filename]
        if not files:
            return [], None
        ICP = self.env['ir.config_parameter'].sudo()
        max_count = int(ICP.get_param('helpdesk_lite.portal_attachment_max_count', DEFAULT_ATTACHMENT_MAX_COUNT))
        max_mb = int(ICP.get_param('helpdesk_lite.portal_attachment_max_size_mb', DEFAULT_ATTACHMENT_MAX_MB))
        if len(files) > max_count:
            return [], self.env._('You can attach %(count)s files at most.', count=max_count)
        attachments = []
        for file in files:
            name = os.path.basename(file.filename.replace('\\', '/'))[:255]
            # read one byte more than allowed: enough to know it is too big, never the whole upload
            data = file.read(max_mb * 1024 * 1024 + 1)
            if len(data) > max_mb * 1024 * 1024:
                return [], self.env._('"%(name)s" is too large (%(max)s MB at most).', name=name, max=max_mb)
            if not data:
                return [], self.env._('"%(name)s" is empty.', name=name)
            extension = name.rpartition('.')[2].lower() if '.' in name else ''
            allowed = PORTAL_ATTACHMENT_TYPES.get(extension)
            if not allowed or guess_mimetype(data) not in allowed:
                return [], self.env._(
                    '"%(name)s" is not an accepted file type (accepted: %(types)s).',
                    name=name, types=', '.join(sorted(PORTAL_ATTACHMENT_TYPES)))
            attachments.append((name, data))
        return attachments, None

    @api.model
    def _portal_create_ticket(self, vals, attachments=()):
        """Create a ticket for the logged-in user (portal form): their partner, channel portal.
        ``vals`` come from ``_portal_validate_submission``."""
        partner = self.env.user.partner_id
        # sudo: portal users have no create right; the values are validated and the customer is
        # the user themself. The user stays the author (and becomes a follower).
        ticket = self.sudo().create(dict(vals, partner_id=partner.id, channel='portal'))
        if attachments:
            ticket._portal_post_as_requester(
                partner, Markup('<p>%s</p>') % self.env._('Files sent with the request.'), attachments=attachments)
        return ticket.sudo(False)

    @api.model
    def _public_submit(self, post, remote_addr):
        """Public web form (no login). Returns ``{'status': ..., 'ticket': ..., 'errors': ...}`` with
        status ``created``, ``invalid``, ``rate_limited`` or ``spam``.

        The answer never depends on whether the email belongs to a known contact: the ticket is linked
        to a contact with exactly that email when there is one, silently.
        """
        if post.get(HONEYPOT_FIELD):
            _logger.info('Helpdesk Lite: public submission from %s dropped (honeypot filled)', remote_addr)
            return {'status': 'spam', 'ticket': self.browse(), 'errors': {}}
        user = self.env.user
        logged_in = not user._is_public()
        vals, errors = self._portal_validate_submission(post, with_contact=not logged_in)
        if errors:
            return {'status': 'invalid', 'ticket': self.browse(), 'errors': errors}
        if logged_in:
            partner = user.partner_id
            email = partner.email_normalized or partner.email or f'uid-{user.id}'
        else:
            email = vals['partner_email']
            partner = self._public_submit_find_partner(email)
        if not self.env['helpdesk.lite.submit.log'].sudo()._register_submission(remote_addr or '', email):
            return {'status': 'rate_limited', 'ticket': self.browse(), 'errors': {}}
        vals['channel'] = 'web'
        if partner:
            vals['partner_id'] = partner.id
        # sudo: visitors cannot create tickets; values are validated above. No follower for the
        # visitor's session user (the public user); the matched contact follows instead.
        ticket = self.sudo().with_context(mail_create_nosubscribe=True).create(vals)
        if partner:
            ticket.message_subscribe(partner_ids=partner.ids)
        return {'status': 'created', 'ticket': ticket, 'errors': {}}

    @api.model
    def _public_submit_find_partner(self, email):
        """The contact whose email is exactly ``email`` (normalized), preferring one with a user
        account, else the oldest; none when there is no such contact."""
        partners = self.env['res.partner'].sudo().search(
            [('email_normalized', '=', email), ('company_id', 'in', [self.env.company.id, False])],
            order='id', limit=20)
        return partners.filtered('user_ids')[:1] or partners[:1]

    # ------------------------------------------------------------------------
    # The customer's actions on one ticket, called on a checked, sudo'ed record. ``requester`` is
    # who acts (the controller knows: the logged-in user's contact, or the ticket's customer for a
    # visitor with the token); empty for a requester known only by email.
    # ------------------------------------------------------------------------
    def _portal_requester_email_from(self):
        self.ensure_one()
        return tools.formataddr((self.partner_name or '', self.partner_email or '')) if self.partner_email else False

    def _portal_post_as_requester(self, requester, body, attachments=None):
        """Post a public message in the name of the requester: ``requester`` (a contact), else the
        ticket's bare requester email."""
        self.ensure_one()
        if requester:
            author = {'author_id': requester.id}
        else:
            author = {'author_id': False, 'email_from': self._portal_requester_email_from()}
        return self.message_post(
            body=body, attachments=attachments or [], message_type='comment', subtype_xmlid='mail.mt_comment',
            **author)

    def _portal_available_actions(self):
        self.ensure_one()
        merged = bool(self.merged_into_id)
        return {
            'close': not merged and self.lifecycle != 'closed',
            'reopen': not merged and self.is_closed,
            'rate': self.is_closed,
        }

    def _portal_action_close(self, requester):
        """The customer confirms the request is solved."""
        self.ensure_one()
        if not self._portal_available_actions()['close']:
            raise UserError(self.env._('This ticket is already closed.'))
        self.action_close()
        # after the stage change: posted first, it would count as a reply and reopen a waiting ticket
        self._portal_post_as_requester(
            requester, Markup('<p>%s</p>') % self.env._('Closed by the customer: the request is solved.'))
        return True

    def _portal_action_reopen(self, requester, reason=None):
        self.ensure_one()
        if not self._portal_available_actions()['reopen']:
            raise UserError(self.env._('Only a resolved or closed ticket can be reopened.'))
        self.action_reopen()
        body = Markup('<p>%s</p>') % self.env._('Reopened by the customer.')
        reason = (reason or '').strip()[:PORTAL_REASON_MAX]
        if reason:
            body += tools.plaintext2html(reason)
        self._portal_post_as_requester(requester, body)
        return True

    def _portal_rating(self):
        """The latest rating given on the ticket (shown on the portal page)."""
        self.ensure_one()
        return self.env['rating.rating'].sudo().search(
            [('res_model', '=', self._name), ('res_id', '=', self.id), ('consumed', '=', True)],
            order='write_date desc, id desc', limit=1)

    def _portal_rate(self, requester, rate, feedback=None, rating=None):
        """Rate a resolved or closed ticket 1-5 with an optional comment, through rating.mixin:
        the rating of the mail link when given, else the requester's latest rating on the ticket
        (rating again updates it), else a new one."""
        self.ensure_one()
        if not self.is_closed:
            raise UserError(self.env._('You can rate a ticket once it is resolved or closed.'))
        try:
            rate = int(rate)
        except (TypeError, ValueError):
            rate = 0
        if not 1 <= rate <= 5:
            raise UserError(self.env._('Please choose a rating from 1 to 5.'))
        feedback = (feedback or '').strip()[:PORTAL_FEEDBACK_MAX] or False
        if not rating:
            rating = self.env['rating.rating'].sudo().search([
                ('res_model', '=', self._name), ('res_id', '=', self.id), ('partner_id', '=', requester.id)],
                order='write_date desc, id desc', limit=1)
            if not rating:
                token = self._rating_get_access_token(partner=requester)
                rating = self.env['rating.rating'].sudo().search([('access_token', '=', token)], limit=1)
        if rating.partner_id:
            return self.rating_apply(rate, rating=rating, feedback=feedback)
        # A requester known by email only: the rating message must not come from the superuser (it
        # would count as an agent reply), so it is posted as the public user and signed with the email.
        public_self = self.with_user(self.env.ref('base.public_user')).sudo()
        rating = public_self.rating_apply(rate, rating=rating, feedback=feedback)
        if rating.message_id and self.partner_email:
            rating.message_id.write({'author_id': False, 'email_from': self._portal_requester_email_from()})
        return rating

    @api.model
    def _portal_rating_from_token(self, token):
        """``(rating, ticket)`` for a rating link's token, both sudo; empty when the token is unknown
        or belongs to another model."""
        Rating = self.env['rating.rating'].sudo()
        if not token or not isinstance(token, str) or len(token) > 64:
            return Rating, self.browse()
        rating = Rating.search([('access_token', '=', token), ('res_model', '=', self._name)], limit=1)
        ticket = self.sudo().browse(rating.res_id).exists() if rating else self.browse()
        return (rating, ticket) if ticket else (Rating, ticket)

    # ------------------------------------------------------------------------
    # Backend
    # ------------------------------------------------------------------------
    def action_open_ratings(self):
        """The customer ratings of the ticket (smart button)."""
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('helpdesk_lite.helpdesk_lite_rating_action')
        action['domain'] = [('res_model', '=', self._name), ('res_id', '=', self.id), ('consumed', '=', True)]
        action['context'] = {'create': False}
        return action
