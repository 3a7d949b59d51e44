import re

from odoo import api, fields, models
from odoo.http import request

from .helpdesk_lite_help_page import DEFLECTION_GRACE

VISIT_RE = re.compile(r'^[0-9a-f]{32}$')
# Name of the hidden field the suggestion script adds to ticket forms.
VISIT_PARAM = 'helpdesk_lite_visit'


class HelpdeskLiteHelpDeflection(models.Model):
    """A help page suggestion a visitor followed while filling in a ticket form.

    The suggestion script gives each form visit (one browser tab) a random id, records a
    row here when a suggestion is clicked, and posts the id with the form. When a ticket is
    created from that form, the visit's rows get the ticket. Rows that never get a ticket are
    deflections: the visitor read the page and did not need to submit.
    """
    _name = 'helpdesk.lite.help.deflection'
    _description = 'Help Page Suggestion Followed'
    _order = 'id desc'
    _rec_name = 'page_id'

    page_id = fields.Many2one('helpdesk.lite.help.page', string='Help Page', required=True, ondelete='cascade',
                              index=True, readonly=True)
    group_id = fields.Many2one(related='page_id.group_id', store=True, string='Help Group')
    visit_uid = fields.Char(string='Form Visit', required=True, index=True, readonly=True)
    form_path = fields.Char(string='Form', readonly=True, help='Page of the ticket form the suggestion was shown on.')
    ticket_id = fields.Many2one('helpdesk.lite.ticket', string='Ticket Submitted', index='btree_not_null',
                                ondelete='set null', readonly=True)
    submitted = fields.Boolean(
        string='Submitted Anyway', readonly=True, index=True,
        help='The visitor submitted the ticket form after following the suggestion.')
    is_deflection = fields.Boolean(
        string='Deflected', compute='_compute_is_deflection', search='_search_is_deflection',
        help='Not followed by a ticket within an hour: the help page answered the question.')

    _sql_constraints = [
        ('visit_page_uniq', 'unique (visit_uid, page_id)', 'A suggestion is counted once per form visit.'),
    ]

    @api.model
    def _deflected_domain(self):
        return [('submitted', '=', False), ('create_date', '<', fields.Datetime.now() - DEFLECTION_GRACE)]

    @api.depends('submitted', 'create_date')
    def _compute_is_deflection(self):
        limit = fields.Datetime.now() - DEFLECTION_GRACE
        for record in self:
            record.is_deflection = not record.submitted and bool(record.create_date) and record.create_date < limit

    def _search_is_deflection(self, operator, value):
        if operator not in ('=', '!=') or not isinstance(value, bool):
            raise NotImplementedError(self.env._('Operation not supported'))
        domain = self._deflected_domain()
        return domain if (operator == '=') == value else ['!', '&', *domain]

    @api.model
    def _valid_visit(self, visit_uid):
        return isinstance(visit_uid, str) and bool(VISIT_RE.match(visit_uid))

    @api.model
    def _record_click(self, page, visit_uid, form_path=None):
        """Remember that ``page`` was followed from the form visit ``visit_uid`` (once)."""
        if not self._valid_visit(visit_uid) or not page.is_public:
            return self.browse()
        existing = self.search([('visit_uid', '=', visit_uid), ('page_id', '=', page.id)], limit=1)
        if existing:
            return existing
        return self.create({'page_id': page.id, 'visit_uid': visit_uid, 'form_path': (form_path or '')[:200]})

    @api.model
    def _mark_visit_submitted(self, visit_uid, ticket):
        """The form visit ``visit_uid`` produced ``ticket``: its followed suggestions were not deflections."""
        if not self._valid_visit(visit_uid) or not ticket:
            return self.browse()
        pending = self.search([('visit_uid', '=', visit_uid), ('submitted', '=', False)])
        pending.write({'submitted': True, 'ticket_id': ticket[:1].id})
        return pending

    @api.model
    def _mark_submitted_from_request(self, tickets):
        """Called when tickets are created: if the current HTTP request is a ticket form posted with
        a visit id, link that visit's suggestions to the ticket.

        Reading the request here (as utm.mixin does for its cookies) keeps every form that creates
        tickets covered, whichever controller handles it."""
        visit_uid = (getattr(request, 'params', None) or {}).get(VISIT_PARAM) if request else None
        if visit_uid and tickets:
            return self.sudo()._mark_visit_submitted(visit_uid, tickets)
        return self.browse()
