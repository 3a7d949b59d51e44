from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL, is_html_empty

from .helpdesk_lite_ticket import PRIORITY_SELECTION

# Each action is one method ``_escalate_<name>(tickets)`` returning {ticket id: chatter line}; they run
# in this order. A new action type is one entry here, its fields and its method.
ESCALATION_ACTIONS = ('priority', 'reassign', 'followers', 'activity', 'mail', 'webhook')


class HelpdeskLiteEscalationRule(models.Model):
    """Escalation rules, checked by a scheduled action (see ``helpdesk.lite.ticket._cron_escalate``).

    A rule fires once per ticket and episode: when its condition starts to hold it acts and logs it;
    while it keeps holding nothing more happens; once it stops holding (an agent answered, the SLA was
    met...) the episode ends and the rule may fire again if the condition comes back. Conditions are
    structured fields turned into a search domain: nothing typed by a user is evaluated.
    """
    _name = 'helpdesk.lite.escalation.rule'
    _description = 'Helpdesk Lite Escalation Rule'
    _order = 'sequence, id'

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one('res.company', index=True, default=lambda self: self.env.company)
    # --- condition ---
    condition = fields.Selection([
        ('no_response', 'No agent response'),
        ('customer_replies', 'Customer replies without an agent answer'),
        ('sla_at_risk', 'SLA at risk'),
        ('sla_breached', 'SLA breached'),
    ], required=True, default='no_response')
    hours = fields.Float(string='Within (hours)', default=4, help='No agent response within this many hours.')
    since = fields.Selection(
        [('creation', 'since creation'), ('customer_message', 'since the last customer message')],
        default='customer_message', required=True)
    business_hours = fields.Boolean(
        default=True, help='Count only working hours of the calendar (else every hour counts).')
    calendar_id = fields.Many2one(
        'resource.calendar', string='Working Hours', help="Empty: the company's working hours.")
    reply_count = fields.Integer(
        string='Customer Replies', default=2,
        help='Fires when the customer has written this many times since the last agent answer.')
    # --- filters ---
    team_ids = fields.Many2many('helpdesk.lite.team', 'helpdesk_lite_escalation_rule_team_rel', string='Teams')
    category_ids = fields.Many2many(
        'helpdesk.lite.category', 'helpdesk_lite_escalation_rule_category_rel', string='Categories',
        help='Tickets in these categories or their sub-categories.')
    priority_min = fields.Selection(PRIORITY_SELECTION, string='Priority at Least')
    # --- actions ---
    raise_priority = fields.Boolean(help='One step up, up to Urgent.')
    reassign = fields.Selection(
        [('user', 'To a user'), ('leader', 'To the team leader'), ('team', 'To another team')],
        string='Reassign')
    reassign_user_id = fields.Many2one('res.users', string='Reassign To', domain=[('share', '=', False)])
    reassign_team_id = fields.Many2one(
        'helpdesk.lite.team', string='Move To Team', help="The ticket gets that team's assignment method.")
    follower_ids = fields.Many2many(
        'res.partner', 'helpdesk_lite_escalation_rule_partner_rel', string='Add Followers')
    activity_type_id = fields.Many2one('mail.activity.type', string='Schedule Activity')
    activity_summary = fields.Char()
    activity_days = fields.Integer(string='Due In (days)', default=0)
    note = fields.Html(string='Note', help='Added to the chatter message that logs the escalation.')
    mail_template_id = fields.Many2one(
        'mail.template', string='Send Email', domain=[('model', '=', 'helpdesk.lite.ticket')])
    webhook_event_id = fields.Many2one(
        'helpdesk.lite.webhook.event', string='Fire Webhook Event', ondelete='set null',
        domain="['|', ('model_id', '=', False), ('model_id.model', '=', 'helpdesk.lite.ticket')]",
        help='Signed, queued and retried like every webhook; "data" carries the rule and its condition.')
    log_ids = fields.One2many('helpdesk.lite.escalation.log', 'rule_id', string='Firings')

    _sql_constraints = [
        ('hours_positive', 'CHECK (hours >= 0)', 'The number of hours cannot be negative.'),
        ('reply_count_positive', 'CHECK (reply_count >= 1)', 'At least one customer reply is needed.'),
    ]

    @api.constrains('reassign', 'reassign_user_id', 'reassign_team_id')
    def _check_reassign(self):
        for rule in self:
            if rule.reassign == 'user' and not rule.reassign_user_id:
                raise ValidationError(self.env._('Rule "%s": choose the user to reassign to.', rule.name))
            if rule.reassign == 'team' and not rule.reassign_team_id:
                raise ValidationError(self.env._('Rule "%s": choose the team to move tickets to.', rule.name))

    # ------------------------------------------------------------------------
    # Condition
    # ------------------------------------------------------------------------
    def _hours_before(self, now):
        """The latest moment from which ``hours`` (business) hours have elapsed by ``now``."""
        self.ensure_one()
        if not self.business_hours:
            return now - timedelta(hours=self.hours)
        calendar = self.calendar_id or self.company_id.resource_calendar_id or self.env.company.resource_calendar_id
        span = timedelta(hours=max(self.hours, 1) * 3)
        clock = calendar._helpdesk_lite_clock(now - span, now)
        while clock.duration(now - span, now) < self.hours:
            if span > timedelta(days=366):
                return now - span  # a calendar with (almost) no working time
            span *= 2
        low, high = now - span, now  # duration(low) >= hours > duration(high)
        while high - low > timedelta(seconds=1):
            middle = low + (high - low) / 2
            if clock.duration(middle, now) >= self.hours:
                low = middle
            else:
                high = middle
        return low

    def _ticket_domain(self, now):
        """Open tickets for which the rule's condition holds at ``now``."""
        self.ensure_one()
        domain = [('is_closed', '=', False)]
        if self.company_id:
            domain.append(('company_id', '=', self.company_id.id))
        if self.team_ids:
            domain.append(('team_id', 'in', self.team_ids.ids))
        if self.category_ids:
            domain.append(('category_id', 'child_of', self.category_ids.ids))
        if self.priority_min:
            domain.append(('priority', '>=', self.priority_min))
        if self.condition == 'no_response':
            threshold = self._hours_before(now)
            if self.since == 'creation':
                domain += [('first_response_date', '=', False), ('create_date', '<=', threshold)]
            else:
                domain += [('last_reply_by', '=', 'customer'), ('last_customer_message_date', '<=', threshold)]
        elif self.condition == 'customer_replies':
            domain.append(('customer_reply_count', '>=', self.reply_count))
        else:
            domain.append(('sla_status', '=', 'at_risk' if self.condition == 'sla_at_risk' else 'breached'))
        return domain

    def _condition_label(self):
        self.ensure_one()
        if self.condition == 'no_response':
            since = dict(self._fields['since']._description_selection(self.env))[self.since]
            return self.env._('no agent response within %(hours)s %(kind)s hours %(since)s', hours=self.hours,
                              kind=self.env._('business') if self.business_hours else self.env._('elapsed'),
                              since=since)
        if self.condition == 'customer_replies':
            return self.env._('%(count)s customer replies without an agent answer', count=self.reply_count)
        return dict(self._fields['condition']._description_selection(self.env))[self.condition]

    # ------------------------------------------------------------------------
    # Firing
    # ------------------------------------------------------------------------
    def _fire(self, tickets):
        """Run the rule's actions on ``tickets`` (just escalated) and log one chatter message per ticket,
        with the changes of tracked fields the actions made."""
        self.ensure_one()
        # The actions write without Odoo's tracking, which would log one more message per ticket, each
        # created on its own at commit: their field changes are tracked on the escalation message instead.
        tracked = tickets._track_get_fields()
        initial_values = {ticket.id: {fname: ticket[fname] for fname in tracked} for ticket in tickets}
        untracked = tickets.with_context(mail_notrack=True)
        lines = defaultdict(list)
        for action in ESCALATION_ACTIONS:
            for ticket_id, line in getattr(self, f'_escalate_{action}')(untracked).items():
                lines[ticket_id].append(line)
        untracked.flush_recordset()  # the fields recomputed from the changes (SLA policy...) untracked too
        title = self.env._('Escalation "%(rule)s": %(condition)s.', rule=self.name, condition=self._condition_label())
        note = self.note if self.note and not is_html_empty(self.note) else Markup()
        bodies = {
            ticket.id: Markup('<p><strong>%s</strong></p>%s%s') % (
                title, note, Markup('<ul>%s</ul>') % Markup().join(Markup('<li>%s</li>') % line for line in
                                                                  lines[ticket.id]) if lines[ticket.id] else '')
            for ticket in tickets}
        tickets._message_log_batch_tracked(bodies, initial_values)

    def _escalate_priority(self, tickets):
        if not self.raise_priority:
            return {}
        labels = dict(tickets._fields['priority']._description_selection(self.env))
        done = {}
        for priority, group in tickets.filtered(lambda t: t.priority < '3').grouped('priority').items():
            new_priority = str(int(priority) + 1)
            group.write({'priority': new_priority})
            done.update(dict.fromkeys(group.ids, self.env._('Priority raised to %s.', labels[new_priority])))
        return done

    def _escalate_reassign(self, tickets):
        if self.reassign == 'user':
            todo = tickets.filtered(lambda t: t.user_id != self.reassign_user_id)
            todo.write({'user_id': self.reassign_user_id.id})
            return dict.fromkeys(todo.ids, self.env._('Reassigned to %s.', self.reassign_user_id.name))
        if self.reassign == 'leader':
            done = {}
            todo = tickets.filtered(lambda t: t.team_id.leader_id and t.user_id != t.team_id.leader_id)
            for leader, group in todo.grouped(lambda t: t.team_id.leader_id).items():
                group.write({'user_id': leader.id})
                done.update(dict.fromkeys(group.ids, self.env._('Reassigned to the team leader, %s.', leader.name)))
            return done
        if self.reassign == 'team':
            todo = tickets.filtered(lambda t: t.team_id != self.reassign_team_id)
            # unassigned in the new team: its assignment method picks the new assignee
            todo.write({'team_id': self.reassign_team_id.id, 'user_id': False})
            # (the suffix is built outside the translated call: the term extractor evaluates its strings)
            suffixes = {ticket.id: ' (%s)' % ticket.user_id.name if ticket.user_id else '' for ticket in todo}
            return {ticket.id: self.env._('Moved to %(team)s%(user)s.', team=self.reassign_team_id.name,
                                          user=suffixes[ticket.id])
                    for ticket in todo}
        return {}

    def _escalate_followers(self, tickets):
        if not self.follower_ids:
            return {}
        tickets.message_subscribe(partner_ids=self.follower_ids.ids)
        return dict.fromkeys(tickets.ids, self.env._('Followers added: %s.', ', '.join(self.follower_ids.mapped('name'))))

    def _escalate_activity(self, tickets):
        """One activity per assignee (additional assignees included); the team leader's when unassigned."""
        if not self.activity_type_id:
            return {}
        deadline = fields.Date.context_today(self) + timedelta(days=self.activity_days)
        summary = self.activity_summary or self.name
        vals_list, done = [], {}
        model_id = self.env['ir.model']._get_id(tickets._name)
        for ticket in tickets:
            users = (ticket.user_id | ticket.user_ids) or ticket.team_id.leader_id
            for user in users:
                vals_list.append({
                    'res_model_id': model_id, 'res_id': ticket.id, 'activity_type_id': self.activity_type_id.id,
                    'summary': summary, 'date_deadline': deadline, 'user_id': user.id, 'automated': True})
            if users:
                done[ticket.id] = self.env._('Activity "%(summary)s" for %(users)s.', summary=summary,
                                             users=', '.join(users.mapped('name')))
        # Odoo mails every activity to its user on its own: a cron run escalating hundreds of tickets
        # sends each user one digest of their new activities instead.
        batch = len(tickets) > 1
        activities = self.env['mail.activity'].with_context(mail_activity_quick_update=batch).create(vals_list)
        if batch:
            for user, user_activities in activities.grouped('user_id').items():
                if user != self.env.user and user.active:
                    escalated = tickets.browse(user_activities.mapped('res_id'))
                    escalated._notify_digest(
                        user, self.env._('%(rule)s: %(count)s tickets need you', rule=self.name, count=len(escalated)),
                        self.env._('The escalation rule "%(rule)s" planned "%(summary)s" for you on these tickets:',
                                   rule=self.name, summary=summary))
        return done

    def _escalate_mail(self, tickets):
        if not self.mail_template_id:
            return {}
        tickets.message_post_with_source(self.mail_template_id, subtype_xmlid='mail.mt_comment')
        return dict.fromkeys(tickets.ids, self.env._('Email "%s" sent.', self.mail_template_id.name))


    def _escalate_webhook(self, tickets):
        if not self.webhook_event_id:
            return {}
        tickets._webhook_emit(self.webhook_event_id.name, escalation_rule_id=self.id, escalation_rule=self.name,
                              condition=self.condition)
        return dict.fromkeys(tickets.ids, self.env._('Webhook event "%s" queued.', self.webhook_event_id.name))


class HelpdeskLiteEscalationLog(models.Model):
    """One row per firing of a rule on a ticket; ``cleared_at`` closes the episode. A partial unique index
    allows a single open episode per rule and ticket, so concurrent checks cannot fire twice."""
    _name = 'helpdesk.lite.escalation.log'
    _description = 'Helpdesk Lite Escalation Firing'
    _order = 'fired_at desc, id desc'
    _log_access = False

    rule_id = fields.Many2one('helpdesk.lite.escalation.rule', required=True, ondelete='cascade', index=True)
    ticket_id = fields.Many2one('helpdesk.lite.ticket', required=True, ondelete='cascade', index=True)
    fired_at = fields.Datetime(required=True, readonly=True)
    cleared_at = fields.Datetime(readonly=True, help='When the condition stopped holding: the episode ended.')

    def init(self):
        self.env.cr.execute(SQL(
            "CREATE UNIQUE INDEX IF NOT EXISTS helpdesk_lite_escalation_log_open_uniq ON %s (rule_id, ticket_id) "
            "WHERE cleared_at IS NULL", SQL.identifier(self._table)))
