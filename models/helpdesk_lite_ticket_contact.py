"""Reaching the customer: mobile number, search by phone in any format, the customer required where the
ticket is opened for a person we talk to (phone, WhatsApp, walk-in), and their other tickets.

The phone search is ours rather than ``phone_validation``'s ``mail.thread.phone`` (which customers get, as
"Phone/Mobile" in the contact search): that addon is no dependency of ours, and its search rewrites every
row's numbers with a regular expression, where ours reads a trigram index on the digits."""
import re

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL

# Channels where an agent opens the ticket for someone on the line or at the desk: who it is must be known.
CUSTOMER_REQUIRED_CHANNELS = ('phone', 'whatsapp', 'walk_in')
# Fewer digits than this would match half the table.
PHONE_SEARCH_MIN_DIGITS = 4


def phone_digits_sql(*columns):
    """The digits of the given phone columns, each number's apart ("|"): the trigram index's expression."""
    joined = SQL(" || '|' || ").join(SQL("COALESCE(%s, '')", column) for column in columns)
    return SQL("regexp_replace(%s, '[^0-9|]', '', 'g')", joined)


def phone_search_domain(model, operator, value, columns):
    """Domain of the records whose phone ``columns`` contain the digits of ``value`` in any format."""
    if operator not in ('ilike', '=', 'like', '=ilike') or not isinstance(value, str):
        raise UserError(model.env._('Operation not supported'))
    digits = re.sub(r'\D', '', value)
    if len(digits) < PHONE_SEARCH_MIN_DIGITS:
        # too short to be a number: plain text search
        return expression.OR([[(column, 'ilike', value)] for column in columns])
    # a national number finds its international form: "0470 12 34 56" ~ "+32 470 12 34 56"
    pattern = f'%{digits.lstrip("0") or digits}%'
    model.flush_model(columns)
    return [('id', 'in', SQL(
        "(SELECT id FROM %s WHERE %s LIKE %s)", SQL.identifier(model._table),
        phone_digits_sql(*(SQL.identifier(column) for column in columns)), pattern))]


class HelpdeskLiteTicket(models.Model):
    _inherit = 'helpdesk.lite.ticket'

    partner_mobile = fields.Char(
        string='Requester Mobile', compute='_compute_partner_mobile', store=True, readonly=False, precompute=True)
    phone_search = fields.Char(
        string='Phone / Mobile', compute='_compute_phone_search', search='_search_phone',
        help='Finds the tickets whose requester phone or mobile contains these digits, whatever the spaces, '
             'dashes, dots or brackets ("0470 12 34 56" finds "+32 470/12.34.56").')
    partner_ticket_count = fields.Integer(
        string='Other Tickets of the Customer', compute='_compute_partner_ticket_count')

    @api.depends('partner_id')
    def _compute_partner_mobile(self):
        for ticket in self.filtered('partner_id'):
            ticket.partner_mobile = ticket.partner_id.mobile

    @api.depends('partner_phone', 'partner_mobile')
    def _compute_phone_search(self):
        for ticket in self:
            ticket.phone_search = ' / '.join(filter(None, [ticket.partner_phone, ticket.partner_mobile]))

    def _search_phone(self, operator, value):
        return phone_search_domain(self, operator, value, ['partner_phone', 'partner_mobile'])

    def init(self):
        super().init()
        # Trigram index on the digits of both numbers: a phone search reads a few index pages, not the table.
        if self.env.registry.has_trigram:
            self.env.cr.execute(SQL(
                "CREATE INDEX IF NOT EXISTS helpdesk_lite_ticket_phone_digits_index ON %s USING gin ((%s) gin_trgm_ops)",
                SQL.identifier(self._table),
                phone_digits_sql(SQL.identifier('partner_phone'), SQL.identifier('partner_mobile'))))

    @api.constrains('channel', 'partner_id')
    def _check_customer_for_personal_channels(self):
        labels = dict(self._fields['channel']._description_selection(self.env))
        missing = self.filtered(lambda t: t.channel in CUSTOMER_REQUIRED_CHANNELS and not t.partner_id)
        if missing:
            raise ValidationError(self.env._(
                'A ticket opened by %(channel)s needs its customer: choose the contact (or create it from the '
                'Customer field) for %(tickets)s.',
                channel=labels[missing[0].channel], tickets=', '.join(missing.mapped('display_name'))))

    def _partner_ticket_domain(self):
        self.ensure_one()
        partner = self.commercial_partner_id or self.partner_id
        return [('commercial_partner_id', '=', partner.id), ('id', '!=', self.id)]

    @api.depends('commercial_partner_id')
    def _compute_partner_ticket_count(self):
        partners = self.commercial_partner_id
        counts = dict(self._read_group(
            [('commercial_partner_id', 'in', partners.ids)], ['commercial_partner_id'], ['__count'])) \
            if partners else {}
        for ticket in self:
            count = counts.get(ticket.commercial_partner_id, 0)
            # the ticket itself is not one of the "other" tickets
            ticket.partner_ticket_count = max(count - 1, 0) if ticket.id and count else count

    def action_open_partner_tickets(self):
        """The customer's (company's) other tickets, open and closed."""
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('helpdesk_lite.helpdesk_lite_ticket_action')
        action.update(
            name=self.env._('Tickets of %(customer)s', customer=(self.commercial_partner_id or self.partner_id).name),
            domain=self._partner_ticket_domain(), context={'active_test': True},
            view_mode='list,kanban,form', views=[(False, 'list'), (False, 'kanban'), (False, 'form')])
        return action

