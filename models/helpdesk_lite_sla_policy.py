from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.safe_eval import safe_eval

from .helpdesk_lite_ticket import PRIORITY_SELECTION

# Applicability criteria, most specific first, with their weight in the tie-break (see _specificity).
SPECIFICITY = (
    ('partner_ids', 32),
    ('category_ids', 16),
    ('tag_ids', 8),
    ('team_ids', 4),
    ('priority', 2),
    ('domain', 1),
)
# Policy fields that change the deadlines of the tickets already using the policy.
TARGET_FIELDS = {
    'response_hours', 'resolution_hours', 'line_ids', 'business_hours_only', 'calendar_id', 'at_risk_percent',
}


class HelpdeskLiteSlaPolicy(models.Model):
    """First-response and resolution targets for the tickets a policy applies to.

    Choice of policy for a ticket (``_match_tickets``): among the active, non-default policies of
    the ticket's company (or shared) whose every set criterion matches, the one restricting the most
    criteria wins; equal counts are broken by the most specific criterion (customer, then category,
    subject, team, priority, extra condition), then by sequence. When none matches, the company's
    default policy applies, else the shared default policy.
    """
    _name = 'helpdesk.lite.sla.policy'
    _description = 'Helpdesk Lite SLA Policy'
    _order = 'sequence, id'

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10, help='Breaks ties between equally specific policies: lower wins.')
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
    company_id = fields.Many2one(
        'res.company', index=True, default=lambda self: self.env.company,
        help='Empty: the policy is shared by all companies.')
    is_default = fields.Boolean(
        string='Default Policy',
        help='Applies to every ticket no other policy matches. One per company (or one shared).')

    # --- applicability (empty = any) -----------------------------------------
    team_ids = fields.Many2many(
        'helpdesk.lite.team', 'helpdesk_lite_sla_policy_team_rel', 'policy_id', 'team_id', string='Teams')
    category_ids = fields.Many2many(
        'helpdesk.lite.category', 'helpdesk_lite_sla_policy_category_rel', 'policy_id', 'category_id',
        string='Categories', help='Subcategories are included.')
    tag_ids = fields.Many2many(
        'helpdesk.lite.tag', 'helpdesk_lite_sla_policy_tag_rel', 'policy_id', 'tag_id', string='Subjects',
        help='Tickets with at least one of these subjects.')
    partner_ids = fields.Many2many(
        'res.partner', 'helpdesk_lite_sla_policy_partner_rel', 'policy_id', 'partner_id', string='Customers',
        help='A company includes all its contacts.')
    priority = fields.Selection(PRIORITY_SELECTION, string='Only for Priority')
    domain = fields.Char(
        string='Extra Condition',
        help='Optional ticket domain (plain values only; uid, company_id and company_ids may be used), '
             'evaluated whenever the ticket\'s priority, team, category, subjects or '
             'customer change.')

    # --- targets ---------------------------------------------------------------
    response_hours = fields.Float(
        string='First Response Target', help='Hours (HH:MM) until the first public reply. 0: no target.')
    resolution_hours = fields.Float(
        string='Resolution Target', help='Hours (HH:MM) until the ticket is resolved. 0: no target.')
    line_ids = fields.One2many(
        'helpdesk.lite.sla.policy.line', 'policy_id', string='Targets per Priority', copy=True,
        help='Override the targets above for some priorities.')
    business_hours_only = fields.Boolean(
        string='Business Hours Only', default=True,
        help='Count only the working time of the calendar (work days, hours, holidays as time off); '
             'otherwise every hour counts.')
    calendar_id = fields.Many2one(
        'resource.calendar', string='Business Hours',
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]",
        help='Timezone, work days and hours; its time off (holidays) is not counted.')
    at_risk_percent = fields.Float(
        string='At Risk After (%)', default=75.0,
        help='A ticket is "At Risk" once this share of a target\'s time is used.')

    # --- escalation --------------------------------------------------------------
    at_risk_notify_leader = fields.Boolean(string='Notify Team Leader (At Risk)')
    at_risk_raise_priority = fields.Boolean(string='Raise Priority (At Risk)')
    at_risk_assign_leader = fields.Boolean(string='Reassign to Team Leader (At Risk)')
    breach_notify_leader = fields.Boolean(string='Notify Team Leader (Breach)')
    breach_raise_priority = fields.Boolean(string='Raise Priority (Breach)')
    breach_assign_leader = fields.Boolean(string='Reassign to Team Leader (Breach)')

    ticket_count = fields.Integer(compute='_compute_ticket_count', string='Open Tickets')

    def _compute_ticket_count(self):
        groups = self.env['helpdesk.lite.ticket']._read_group(
            [('sla_policy_id', 'in', self.ids), ('is_closed', '=', False)], ['sla_policy_id'], ['__count'])
        counts = {policy.id: count for policy, count in groups}
        for policy in self:
            policy.ticket_count = counts.get(policy.id, 0)

    # ------------------------------------------------------------------------
    # Constraints
    # ------------------------------------------------------------------------
    @api.constrains('response_hours', 'resolution_hours', 'at_risk_percent')
    def _check_targets(self):
        for policy in self:
            if policy.response_hours < 0 or policy.resolution_hours < 0:
                raise ValidationError(self.env._('SLA targets cannot be negative (%(policy)s).', policy=policy.name))
            if not 0 < policy.at_risk_percent <= 100:
                raise ValidationError(self.env._(
                    'The "At Risk" share must be between 1 and 100 %% (%(policy)s).', policy=policy.name))

    @api.constrains('business_hours_only', 'calendar_id')
    def _check_calendar(self):
        for policy in self:
            if policy.business_hours_only and not policy.calendar_id:
                raise ValidationError(self.env._(
                    'Policy "%(policy)s" counts business hours only: choose its business hours calendar.',
                    policy=policy.name))

    @api.constrains('is_default', 'active', 'company_id', 'team_ids', 'category_ids', 'tag_ids', 'partner_ids',
                    'priority', 'domain')
    def _check_default(self):
        for policy in self.filtered('is_default'):
            if any(policy[fname] for fname, _weight in SPECIFICITY):
                raise ValidationError(self.env._(
                    'The default policy "%(policy)s" applies to all tickets: clear its conditions or make '
                    'another policy the default.', policy=policy.name))
            if policy.active and self.search_count([
                    ('id', '!=', policy.id), ('is_default', '=', True), ('company_id', '=', policy.company_id.id)],
                    limit=1):
                raise ValidationError(self.env._(
                    'There is already a default SLA policy for %(company)s.',
                    company=policy.company_id.name or self.env._('all companies')))

    @api.constrains('domain')
    def _check_domain(self):
        Ticket = self.env['helpdesk.lite.ticket']
        for policy in self.filtered('domain'):
            try:
                Ticket._search(policy._get_ticket_domain())
            except Exception as error:  # noqa: BLE001 - any parse error means an invalid condition
                raise ValidationError(self.env._(
                    'Invalid extra condition on "%(policy)s": %(error)s', policy=policy.name, error=error)) from error

    # ------------------------------------------------------------------------
    # CRUD: keep the open tickets of a policy in step with its targets
    # ------------------------------------------------------------------------
    def write(self, vals):
        result = super().write(vals)
        if TARGET_FIELDS & set(vals):
            self._recompute_open_tickets()
        return result

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        return [dict(vals, name=self.env._('%s (copy)', policy.name), is_default=False)
                for policy, vals in zip(self, vals_list)]

    # ------------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------------
    def action_open_tickets(self):
        self.ensure_one()
        action = self.env['ir.actions.act_window']._for_xml_id('helpdesk_lite.helpdesk_lite_ticket_action')
        action.update(name=self.name, domain=[('sla_policy_id', '=', self.id)])
        return action

    def action_apply_to_open_tickets(self):
        """Choose the policy of every open ticket again (after adding or changing policies)."""
        self.browse().check_access('write')  # managers only: it rewrites every open ticket
        tickets = self.env['helpdesk.lite.ticket'].search([('is_closed', '=', False)])
        tickets._sla_recompute(rematch=True)
        return {
            'type': 'ir.actions.client',
            'tag': 'display_notification',
            'params': {
                'type': 'success',
                'message': self.env._('SLA policies re-applied to %(count)s open tickets.', count=len(tickets)),
                'next': {'type': 'ir.actions.act_window_close'},
            },
        }

    # ------------------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------------------
    def _recompute_open_tickets(self):
        tickets = self.env['helpdesk.lite.ticket'].sudo().search(
            [('sla_policy_id', 'in', self.ids), ('is_closed', '=', False)])
        tickets._sla_recompute()

    def _get_ticket_domain(self):
        """The extra condition as a domain. Managers type it, and it is evaluated whenever a ticket
        changes, as whoever changes it: only plain values are in reach (no record, hence no method
        to call), so the expression can compute nothing but a domain."""
        self.ensure_one()
        return safe_eval(self.domain or '[]', {
            'uid': self.env.uid, 'company_id': self.env.company.id, 'company_ids': self.env.companies.ids})

    def _specificity(self):
        """Sort key: more criteria first, then the heavier criteria, then sequence."""
        self.ensure_one()
        used = [weight for fname, weight in SPECIFICITY if self[fname]]
        return (-len(used), -sum(used), self.sequence, self.id)

    def _matches(self, ticket, domain_matches):
        self.ensure_one()
        if self.company_id and self.company_id != ticket.company_id:
            return False
        if self.team_ids and ticket.team_id not in self.team_ids:
            return False
        if self.category_ids:
            # parent_path "1/4/7/": the category and its ancestors
            ancestors = {int(cid) for cid in (ticket.category_id.parent_path or '').split('/') if cid}
            if not ancestors & set(self.category_ids.ids):
                return False
        if self.tag_ids and not ticket.tag_ids & self.tag_ids:
            return False
        if self.partner_ids and not (ticket.partner_id | ticket.partner_id.commercial_partner_id) & self.partner_ids:
            return False
        if self.priority and ticket.priority != self.priority:
            return False
        if self.domain and ticket not in domain_matches[self]:
            return False
        return True

    @api.model
    def _match_tickets(self, tickets):
        """{ticket: policy} for the given tickets (new records included), reading the policies once."""
        policies = self.sudo().search([('company_id', 'in', tickets.company_id.ids + [False])])
        regular = policies.filtered(lambda p: not p.is_default).sorted(lambda p: p._specificity())
        defaults = {policy.company_id: policy for policy in policies if policy.is_default}
        domain_matches = {policy: tickets.filtered_domain(policy._get_ticket_domain())
                          for policy in regular if policy.domain}
        result = {}
        for ticket in tickets:
            result[ticket] = next(
                (policy for policy in regular if policy._matches(ticket, domain_matches)),
                defaults.get(ticket.company_id) or defaults.get(self.env['res.company']) or policies.browse())
        return result

    def _get_targets(self, priority):
        """(first response hours, resolution hours) for a priority; 0 means no target."""
        self.ensure_one()
        line = self.line_ids.filtered(lambda l: l.priority == priority)[:1]
        if line:
            return line.response_hours, line.resolution_hours
        return self.response_hours, self.resolution_hours

    def _get_clock_calendar(self):
        self.ensure_one()
        return self.calendar_id if self.business_hours_only else self.env['resource.calendar']
