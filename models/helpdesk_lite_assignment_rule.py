import re

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError
from odoo.tools import html2plaintext

from .helpdesk_lite_ticket import CHANNEL_SELECTION, PRIORITY_SELECTION


class HelpdeskLiteAssignmentRule(models.Model):
    """Routing rules applied to new tickets, first match wins (by sequence).

    Conditions are structured fields (no expression typed by a user is ever evaluated); every condition
    left empty matches everything. They are matched in Python against the creation values, so routing a
    batch costs one query for the rules whatever its size.
    """
    _name = 'helpdesk.lite.assignment.rule'
    _description = 'Helpdesk Lite Assignment Rule'
    _inherit = ['helpdesk.lite.cache.mixin']  # _active_rule_ids
    _order = 'sequence, id'

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one('res.company', index=True, default=lambda self: self.env.company)
    # --- conditions (all that are set must match) ---
    team_ids = fields.Many2many(
        'helpdesk.lite.team', 'helpdesk_lite_assignment_rule_team_rel', string='Teams',
        help='Tickets of these teams only; empty: a global rule, for tickets of any team or none.')
    category_ids = fields.Many2many(
        'helpdesk.lite.category', 'helpdesk_lite_assignment_rule_category_rel', string='Categories',
        help='Tickets in these categories or their sub-categories.')
    priority_min = fields.Selection(PRIORITY_SELECTION, string='Priority at Least')
    keywords = fields.Char(
        help='Comma-separated words or phrases; one of them must appear in the title or the description '
             '(case-insensitive, whole words).')
    partner_ids = fields.Many2many(
        'res.partner', 'helpdesk_lite_assignment_rule_partner_rel', string='Customers',
        help='Tickets of these customers; a company here also matches its contacts.')
    channel = fields.Selection(CHANNEL_SELECTION, help='Tickets arriving through this channel only.')
    tag_ids = fields.Many2many(
        'helpdesk.lite.tag', 'helpdesk_lite_assignment_rule_tag_rel', string='Subjects',
        help='Tickets with at least one of these subjects.')
    # --- action ---
    action = fields.Selection(
        [('user', 'Assign to a user'), ('team', "Route to a team (its assignment method)")],
        required=True, default='team')
    user_id = fields.Many2one('res.users', string='Assignee', domain=[('share', '=', False)])
    target_team_id = fields.Many2one('helpdesk.lite.team', string='Target Team')

    @api.model
    def _active_rules(self):
        """The active rules of the user's companies and the global ones, in order (sudo)."""
        rules = self.sudo().browse(self._active_rule_ids(tuple(self.env.companies.ids)))
        # a rule deleted by another worker since this one cached the ids is left out
        return rules.exists() if rules else rules

    @api.model
    @tools.ormcache('company_ids')
    def _active_rule_ids(self, company_ids):
        # every new ticket asks: one query each otherwise (none at all without rules); cleared when rules change
        return tuple(self.sudo().search([('company_id', 'in', list(company_ids) + [False])]).ids)

    @api.constrains('action', 'user_id', 'target_team_id')
    def _check_action(self):
        for rule in self:
            if rule.action == 'user' and not rule.user_id:
                raise ValidationError(self.env._('Rule "%s": choose the user to assign.', rule.name))
            if rule.action == 'team' and not rule.target_team_id:
                raise ValidationError(self.env._('Rule "%s": choose the team to route to.', rule.name))

    def _keyword_pattern(self):
        self.ensure_one()
        words = [word.strip() for word in (self.keywords or '').split(',') if word.strip()]
        return re.compile(r'\b(?:%s)\b' % '|'.join(map(re.escape, words)), re.IGNORECASE) if words else None

    def _prepared(self):
        """What matching needs, read once per batch: {rule: (category ids incl. children, partner ids,
        tag ids, team ids, keyword pattern)}."""
        prepared = {}
        categories = self.category_ids
        for rule in self:
            category_ids = set(categories.search([('id', 'child_of', rule.category_ids.ids)]).ids) \
                if rule.category_ids else None
            prepared[rule] = (category_ids, set(rule.partner_ids.ids), set(rule.tag_ids.ids),
                              set(rule.team_ids.ids), rule._keyword_pattern())
        return prepared

    @api.model
    def _match(self, facts, prepared):
        """The first rule of ``prepared`` (ordered) whose conditions hold for ``facts`` (see
        ``helpdesk.lite.ticket._assign_facts``), or an empty recordset."""
        for rule, (category_ids, partner_ids, tag_ids, team_ids, pattern) in prepared.items():
            if team_ids and facts['team_id'] not in team_ids:
                continue
            if category_ids is not None and facts['category_id'] not in category_ids:
                continue
            if rule.priority_min and facts['priority'] < rule.priority_min:
                continue
            if rule.channel and facts['channel'] != rule.channel:
                continue
            if partner_ids and not partner_ids & {facts['partner_id'], facts['commercial_partner_id']}:
                continue
            if tag_ids and not tag_ids & facts['tag_ids']:
                continue
            if pattern and not pattern.search(facts['name'] or '') \
                    and not pattern.search(html2plaintext(facts['description'] or '')):
                continue
            return rule
        return self.browse()
