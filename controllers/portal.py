"""Customer portal (/my/helpdesk), public submit form (/helpdesk/submit) and rating links.

Thin by design: parameters in, checks and changes on the model, template out. Every record a customer
reaches goes through ``_document_check_access`` (read access, or the ticket's access token); a
failure of any kind answers the same 404 as a ticket that does not exist. State changes are POST
routes (CSRF checked by Odoo).
"""
from collections import OrderedDict

from werkzeug.urls import url_encode

from odoo import http
from odoo.exceptions import AccessError, MissingError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal, pager as portal_pager
from odoo.addons.portal.controllers.thread import ThreadController

from ..models.helpdesk_lite_ticket import TITLE_MAX_LENGTH
from ..models.helpdesk_lite_ticket_portal import (
    HONEYPOT_FIELD, PORTAL_DESCRIPTION_MAX, PORTAL_EMAIL_MAX, PORTAL_FEEDBACK_MAX, PORTAL_NAME_MAX,
    PORTAL_REASON_MAX, PORTAL_STATUS_BADGES,
)

TICKET = 'helpdesk.lite.ticket'
SESSION_HISTORY = 'my_helpdesk_lite_tickets_history'
SESSION_SUBMITTED = 'helpdesk_lite_submitted_number'

FORM_LIMITS = {
    'title': TITLE_MAX_LENGTH, 'description': PORTAL_DESCRIPTION_MAX, 'name': PORTAL_NAME_MAX,
    'email': PORTAL_EMAIL_MAX, 'feedback': PORTAL_FEEDBACK_MAX, 'reason': PORTAL_REASON_MAX,
}


class HelpdeskLiteCustomerPortal(CustomerPortal):

    # ------------------------------------------------------------------------
    # /my home counter
    # ------------------------------------------------------------------------
    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if 'helpdesk_lite_ticket_count' in counters:
            Ticket = request.env[TICKET]
            values['helpdesk_lite_ticket_count'] = Ticket.search_count(Ticket._portal_my_tickets_domain()) \
                if Ticket.has_access('read') else 0
        return values

    # ------------------------------------------------------------------------
    # /my/helpdesk: list
    # ------------------------------------------------------------------------
    def _helpdesk_lite_searchbar_sortings(self):
        env = request.env
        return OrderedDict([
            ('newest', {'label': env._('Newest'), 'order': 'id desc'}),
            ('priority', {'label': env._('Priority'), 'order': 'priority desc, id desc'}),
            ('status', {'label': env._('Status'), 'order': 'stage_id, id desc'}),
        ])

    def _helpdesk_lite_searchbar_filters(self):
        env = request.env
        return OrderedDict([
            ('all', {'label': env._('All')}),
            ('open', {'label': env._('Open')}),
            ('waiting', {'label': env._('Waiting on me')}),
            ('closed', {'label': env._('Closed')}),
        ])

    def _helpdesk_lite_searchbar_groupby(self):
        env = request.env
        return OrderedDict([
            ('none', {'label': env._('None')}),
            ('status', {'label': env._('Status'), 'field': 'stage_id'}),
            ('category', {'label': env._('Category'), 'field': 'category_id'}),
        ])

    def _helpdesk_lite_list_values(self, page=1, sortby=None, filterby=None, search=None, groupby=None):
        Ticket = request.env[TICKET]
        sortings = self._helpdesk_lite_searchbar_sortings()
        filters = self._helpdesk_lite_searchbar_filters()
        groupbys = self._helpdesk_lite_searchbar_groupby()
        sortby = sortby if sortby in sortings else 'newest'
        filterby = filterby if filterby in filters else 'all'
        groupby = groupby if groupby in groupbys else 'none'
        search = (search or '').strip()[:TITLE_MAX_LENGTH]

        group_field = groupbys[groupby].get('field')
        order = sortings[sortby]['order']
        if group_field:
            order = f'{group_field}, {order}'
        domain = Ticket._portal_list_domain(filterby, search)
        count = Ticket.search_count(domain) if Ticket.has_access('read') else 0
        pager = portal_pager(
            url='/my/helpdesk',
            url_args={'sortby': sortby, 'filterby': filterby, 'groupby': groupby, 'search': search},
            total=count, page=page, step=self._items_per_page)
        grouped_tickets = Ticket._portal_fetch_page(
            domain, order, self._items_per_page, pager['offset'], group_field) if count else []
        request.session[SESSION_HISTORY] = [row['id'] for _label, rows in grouped_tickets for row in rows][:100]

        values = self._prepare_portal_layout_values()
        values.update({
            'page_name': 'helpdesk_lite_tickets',
            'default_url': '/my/helpdesk',
            'tickets_count': count,
            'grouped_tickets': grouped_tickets,
            'group_field': group_field,
            'pager': pager,
            'searchbar_sortings': sortings,
            'sortby': sortby,
            'searchbar_filters': filters,
            'filterby': filterby,
            'searchbar_groupby': groupbys,
            'groupby': groupby,
            'searchbar_inputs': {'all': {'input': 'all', 'label': request.env._('Search in number and title')}},
            'search_in': 'all',
            'search': search,
        })
        return values

    @http.route(['/my/helpdesk', '/my/helpdesk/page/<int:page>'], type='http', auth='user', website=True)
    def portal_my_helpdesk_tickets(self, page=1, sortby=None, filterby=None, search=None, groupby=None, **kw):
        values = self._helpdesk_lite_list_values(page, sortby, filterby, search, groupby)
        return request.render('helpdesk_lite.portal_my_tickets', values)

    # ------------------------------------------------------------------------
    # /my/helpdesk/new: portal form
    # ------------------------------------------------------------------------
    @http.route('/my/helpdesk/new', type='http', auth='user', methods=['GET', 'POST'], website=True)
    def portal_helpdesk_ticket_new(self, **post):
        Ticket = request.env[TICKET]
        errors = {}
        if request.httprequest.method == 'POST':
            vals, errors = Ticket._portal_validate_submission(post)
            attachments, attachment_error = Ticket._portal_validate_attachments(
                request.httprequest.files.getlist('attachments'))
            if attachment_error:
                errors['attachments'] = attachment_error
            if not errors:
                ticket = Ticket._portal_create_ticket(vals, attachments)
                return request.redirect(f'{ticket.access_url}?{url_encode({"success": "created"})}')
        values = self._prepare_portal_layout_values()
        values.update({
            'page_name': 'helpdesk_lite_ticket_new',
            'categories': Ticket._portal_available_categories(),
            'form': post,
            'errors': errors,
            'limits': FORM_LIMITS,
        })
        return request.render('helpdesk_lite.portal_ticket_new', values, status=400 if errors else 200)

    # ------------------------------------------------------------------------
    # /my/helpdesk/<id>: ticket page and the customer's actions
    # ------------------------------------------------------------------------
    def _helpdesk_lite_ticket_sudo(self, ticket_id, access_token=None):
        """The ticket (sudo) if the visitor may read it or holds its token; otherwise None, whether
        the ticket exists or not."""
        try:
            return self._document_check_access(TICKET, ticket_id, access_token=access_token or None)
        except (AccessError, MissingError):
            return None

    def _helpdesk_lite_ticket_url(self, ticket_sudo, access_token=None, **params):
        if access_token:
            params['access_token'] = access_token
        query = f'?{url_encode(params)}' if params else ''
        return f'{ticket_sudo.access_url}{query}'

    def _helpdesk_lite_success_messages(self):
        env = request.env
        return {
            'created': env._('Thank you: your request is registered. We will get back to you soon.'),
            'closed': env._('The ticket is closed. Thank you for confirming!'),
            'reopened': env._('The ticket is reopened; our team will look at it again.'),
            'rated': env._('Thank you for your feedback!'),
        }

    def _helpdesk_lite_render_ticket(self, ticket_sudo, access_token=None, error_message=None, **kw):
        values = {
            'page_name': 'helpdesk_lite_ticket',
            'ticket': ticket_sudo,
            'actions': ticket_sudo._portal_available_actions(),
            'rating': ticket_sudo._portal_rating(),
            'badge_classes': PORTAL_STATUS_BADGES,
            'limits': FORM_LIMITS,
            # only known codes are shown: a message taken from the URL could be used for phishing
            'helpdesk_success': self._helpdesk_lite_success_messages().get(kw.get('success')),
            'helpdesk_error': error_message,
        }
        if not request.env.user._is_public():
            values.update(self._prepare_portal_layout_values(), page_name='helpdesk_lite_ticket')
        values = self._get_page_view_values(ticket_sudo, access_token, values, SESSION_HISTORY, False, **kw)
        # the portal chatter reads and posts with the ticket's token, as Odoo's own portal pages do
        values['token'] = ticket_sudo._portal_ensure_token()
        return request.render('helpdesk_lite.portal_my_ticket', values, status=400 if error_message else 200)

    @http.route('/my/helpdesk/<int:ticket_id>', type='http', auth='public', website=True, sitemap=False)
    def portal_my_helpdesk_ticket(self, ticket_id, access_token=None, report_type=None, download=False, **kw):
        ticket_sudo = self._helpdesk_lite_ticket_sudo(ticket_id, access_token)
        if not ticket_sudo:
            raise request.not_found()
        if report_type in ('html', 'pdf'):
            # The ticket PDF shows the public conversation only: safe to hand to the customer.
            return self._show_report(model=ticket_sudo, report_type=report_type,
                                     report_ref='helpdesk_lite.action_report_ticket', download=download)
        return self._helpdesk_lite_render_ticket(ticket_sudo, access_token, **kw)

    def _helpdesk_lite_requester(self, ticket_sudo):
        """Who acts on the ticket page: the logged-in user's contact, or for a visitor with the token the
        ticket's customer (empty when the requester is known by email only)."""
        user = request.env.user
        return ticket_sudo.partner_id if user._is_public() else user.partner_id

    def _helpdesk_lite_portal_action(self, ticket_id, access_token, action, success=None):
        """Run ``action(ticket_sudo, requester)`` on the ticket the visitor may act on; a refusal
        (UserError) shows the ticket page with the reason."""
        ticket_sudo = self._helpdesk_lite_ticket_sudo(ticket_id, access_token)
        if not ticket_sudo:
            raise request.not_found()
        try:
            action(ticket_sudo, self._helpdesk_lite_requester(ticket_sudo))
        except UserError as error:
            return self._helpdesk_lite_render_ticket(ticket_sudo, access_token, error_message=error.args[0])
        return request.redirect(self._helpdesk_lite_ticket_url(ticket_sudo, access_token, success=success))

    @http.route('/my/helpdesk/<int:ticket_id>/close', type='http', auth='public', methods=['POST'], website=True,
                sitemap=False)
    def portal_helpdesk_ticket_close(self, ticket_id, access_token=None, **kw):
        return self._helpdesk_lite_portal_action(
            ticket_id, access_token, lambda ticket, requester: ticket._portal_action_close(requester), success='closed')

    @http.route('/my/helpdesk/<int:ticket_id>/reopen', type='http', auth='public', methods=['POST'], website=True,
                sitemap=False)
    def portal_helpdesk_ticket_reopen(self, ticket_id, access_token=None, reason=None, **kw):
        return self._helpdesk_lite_portal_action(
            ticket_id, access_token, lambda ticket, requester: ticket._portal_action_reopen(requester, reason),
            success='reopened')

    @http.route('/my/helpdesk/<int:ticket_id>/rate', type='http', auth='public', methods=['POST'], website=True,
                sitemap=False)
    def portal_helpdesk_ticket_rate(self, ticket_id, access_token=None, rate=None, feedback=None, **kw):
        return self._helpdesk_lite_portal_action(
            ticket_id, access_token, lambda ticket, requester: ticket._portal_rate(requester, rate, feedback),
            success='rated')


class HelpdeskLitePublic(http.Controller):
    """Pages without login: the public submit form and the rating links of the mails."""

    # ------------------------------------------------------------------------
    # /helpdesk/submit
    # ------------------------------------------------------------------------
    @http.route('/helpdesk/submit', type='http', auth='public', methods=['GET', 'POST'], website=True)
    def helpdesk_public_submit(self, **post):
        Ticket = request.env[TICKET]
        errors, status = {}, 200
        if request.httprequest.method == 'POST':
            result = Ticket._public_submit(post, request.httprequest.remote_addr)
            if result['status'] in ('created', 'spam'):
                request.session[SESSION_SUBMITTED] = result['ticket'].number or ''
                return request.redirect('/helpdesk/submit/thanks')
            if result['status'] == 'rate_limited':
                errors, status = {'form': request.env._(
                    'We received too many requests from you in a short time. Please try again later.')}, 429
            else:
                errors, status = result['errors'], 400
        values = {
            'categories': Ticket._portal_available_categories(),
            'form': post,
            'errors': errors,
            'limits': FORM_LIMITS,
            'honeypot_field': HONEYPOT_FIELD,
            'logged_in': not request.env.user._is_public(),
        }
        return request.render('helpdesk_lite.public_submit', values, status=status)

    @http.route('/helpdesk/submit/thanks', type='http', auth='public', website=True, sitemap=False)
    def helpdesk_public_submit_thanks(self, **kw):
        number = request.session.pop(SESSION_SUBMITTED, None)
        if number is None:
            return request.redirect('/helpdesk/submit')
        return request.render('helpdesk_lite.public_submit_thanks', {'number': number})

    # ------------------------------------------------------------------------
    # /helpdesk/rate: links in the closing mail. GET only shows a form; the POST rates.
    # ------------------------------------------------------------------------
    @http.route('/helpdesk/rate/<string:token>/<int:rate>', type='http', auth='public', methods=['GET'],
                website=True, sitemap=False)
    def helpdesk_rate_confirm(self, token, rate, **kw):
        rating, ticket = request.env[TICKET]._portal_rating_from_token(token)
        if not ticket:
            raise request.not_found()
        return request.render('helpdesk_lite.rating_confirm', {
            'rating': rating, 'ticket': ticket, 'token': token, 'rate': rate if 1 <= rate <= 5 else 0,
            'limits': FORM_LIMITS})

    @http.route('/helpdesk/rate/<string:token>/submit', type='http', auth='public', methods=['POST'],
                website=True, sitemap=False)
    def helpdesk_rate_submit(self, token, rate=None, feedback=None, **kw):
        rating, ticket = request.env[TICKET]._portal_rating_from_token(token)
        if not ticket:
            raise request.not_found()
        try:
            ticket._portal_rate(rating.partner_id, rate, feedback, rating=rating)
        except UserError as error:
            return request.render('helpdesk_lite.rating_confirm', {
                'rating': rating, 'ticket': ticket, 'token': token, 'rate': 0, 'error': error.args[0],
                'feedback': feedback, 'limits': FORM_LIMITS}, status=400)
        return request.render('helpdesk_lite.rating_done', {'rating': rating, 'ticket': ticket})


class HelpdeskLiteThreadController(ThreadController):

    def _prepare_post_data(self, post_data, thread, **kwargs):
        post_data = super()._prepare_post_data(post_data, thread, **kwargs)
        # A visitor replying with the token of a ticket that has no contact (public form, email):
        # sign the message with the requester's name and email rather than as "Public user".
        if thread._name == TICKET and request.env.user._is_public() and not post_data.get('author_id'):
            thread_sudo = thread.sudo()
            if not thread_sudo.partner_id and thread_sudo.partner_email:
                post_data.update(author_id=False, email_from=thread_sudo._portal_requester_email_from())
        return post_data
