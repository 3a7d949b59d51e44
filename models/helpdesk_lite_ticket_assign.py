from markupsafe import Markup

from odoo import Command, api, fields, models, tools

from ..tools.cron import commits_batches


def _x2many_ids(commands):
    """Ids a create/write x2many value ends up linking (SET, LINK and plain ids; others ignored)."""
    ids = set()
    for command in commands or ():
        if isinstance(command, int):
            ids.add(command)
        elif command[0] == Command.SET:
            ids = set(command[2])
        elif command[0] == Command.LINK:
            ids.add(command[1])
    return ids


class HelpdeskLiteTicket(models.Model):
    """Routing: a team on every new ticket, auto-assignment (rules, least busy, round robin), the
    assignment check for tickets left unassigned, new-ticket notices and additional assignees.

    Assignment runs in ``create()`` on the values, before the records exist, so a ticket is born
    assigned: one tracking message, the usual "assigned to you" notice (or the batch digest), and a
    constant number of queries per batch (rules, one count per team, one lock per team).
    """
    _inherit = 'helpdesk.lite.ticket'

    user_ids = fields.Many2many(tracking=True)
    # a form without a team yet evaluates this domain too: "in False" would log a warning per search
    stage_id = fields.Many2one(domain="['|', ('team_ids', '=', False), ('team_ids', 'in', team_id or [])]")

    @api.model_create_multi
    def create(self, vals_list):
        self._route_default_team(vals_list)
        notes = self._auto_assign_vals(vals_list)
        log_creation = bool(notes) and not self.env.context.get('mail_create_nolog')
        # the choice is explained on the creation message itself: one message per new ticket, not two
        creating = self.with_context(mail_create_nolog=True) if log_creation else self
        tickets = super(HelpdeskLiteTicket, creating).create(vals_list).with_env(self.env)
        if log_creation:
            tickets._message_log_batch(bodies={
                ticket.id: Markup('<p>%s</p><p>%s</p>') % (ticket._creation_message(), notes[index])
                if index in notes else ticket._creation_message()
                for index, ticket in enumerate(tickets)})
        elif notes:  # the caller turned creation messages off: the explanations alone
            noted = self.browse([tickets[index].id for index in notes])
            noted._message_log_batch(bodies={
                tickets[index].id: Markup('<p>%s</p>') % note for index, note in notes.items()})
        if not self.env.context.get('install_mode'):
            for team, group in tickets.filtered('team_id').grouped('team_id').items():
                team.sudo()._notify_new_tickets(group.sudo())
        return tickets

    def write(self, vals):
        moved = self.browse()
        if vals.get('team_id') and not vals.get('user_id') and not self.env.context.get('helpdesk_lite_no_auto_assign'):
            # tickets moved to another team that end up without an assignee get the new team's method
            moved = self.filtered(lambda t: not t.is_closed and t.team_id.id != vals['team_id']
                                  and ('user_id' in vals or not t.user_id))
        result = super().write(vals)
        if moved:
            moved._auto_assign_records()
        return result

    # ------------------------------------------------------------------------
    # Team on every ticket
    # ------------------------------------------------------------------------
    @api.model
    def _route_default_team(self, vals_list):
        """Team of values without one: the context's default, else the category's team, else the company's
        default team. Email tickets already carry their alias's team."""
        todo = [vals for vals in vals_list if not vals.get('team_id')]
        if not todo or self.env.context.get('default_team_id'):
            return
        categories = self.env['helpdesk.lite.category'].sudo().browse(
            {vals['category_id'] for vals in todo if vals.get('category_id')})
        team_of_category = {category.id: category.team_id for category in categories}
        default_company = self.env['res.company'].browse(self.env.context.get('default_company_id')) or self.env.company
        for vals in todo:
            company = self.env['res.company'].browse(vals['company_id']) if vals.get('company_id') else default_company
            team = team_of_category.get(vals.get('category_id')) or company.sudo().helpdesk_lite_default_team_id
            if team and team.company_id == company:
                vals['team_id'] = team.id

    # ------------------------------------------------------------------------
    # Auto-assignment
    # ------------------------------------------------------------------------
    @api.model
    def _assign_facts(self, vals_list):
        """What the assignment rules look at, from creation values (field defaults applied)."""
        defaults = self.default_get(['priority', 'channel', 'category_id', 'partner_id', 'tag_ids'])
        merged = [dict(defaults, **vals) for vals in vals_list]
        partners = self.env['res.partner'].sudo().browse({vals['partner_id'] for vals in merged if vals.get('partner_id')})
        commercial = {partner.id: partner.commercial_partner_id.id for partner in partners}
        return [{
            'team_id': vals.get('team_id') or False,
            'category_id': vals.get('category_id') or False,
            'priority': vals.get('priority') or '1',
            'channel': vals.get('channel') or 'backend',
            'partner_id': vals.get('partner_id') or False,
            'commercial_partner_id': commercial.get(vals.get('partner_id'), False),
            'tag_ids': _x2many_ids(vals.get('tag_ids')),
            'name': vals.get('name'),
            'description': vals.get('description'),
        } for vals in merged]

    def _assign_facts_of_records(self):
        return [{
            'team_id': ticket.team_id.id, 'category_id': ticket.category_id.id, 'priority': ticket.priority,
            'channel': ticket.channel, 'partner_id': ticket.partner_id.id,
            'commercial_partner_id': ticket.commercial_partner_id.id, 'tag_ids': set(ticket.tag_ids.ids),
            'name': ticket.name, 'description': ticket.description,
        } for ticket in self]

    @api.model
    def _auto_assign_vals(self, vals_list):
        """Fill ``user_id`` (and, for routing rules, ``team_id``) of the values that have no assignee.
        Returns {index in vals_list: chatter note explaining the choice}. An explicit assignee is kept."""
        if self.env.context.get('helpdesk_lite_no_auto_assign') or self.env.context.get('install_mode'):
            return {}
        todo = [index for index, vals in enumerate(vals_list) if not vals.get('user_id')]
        if not todo or self.env.context.get('default_user_id'):
            return {}
        facts = self._assign_facts([vals_list[index] for index in todo])
        decisions = self._assign_decide(facts)
        notes = {}
        for index, fact, (user, note) in zip(todo, facts, decisions):
            vals_list[index]['team_id'] = fact['team_id']
            if user:
                vals_list[index]['user_id'] = user.id
            if note:
                notes[index] = note
        self._assign_backend_creator(vals_list, todo, facts)
        return notes

    @api.model
    def _assign_backend_creator(self, vals_list, todo, facts):
        """A ticket an agent creates in the backend for a Manual team is theirs."""
        user = self.env.user
        if self.env.su or user.share or not user.has_group('helpdesk_lite.group_helpdesk_lite_user'):
            return
        teams = self.env['helpdesk.lite.team'].browse({fact['team_id'] for fact in facts if fact['team_id']})
        manual = set(teams.filtered(lambda t: t.assign_method == 'manual').ids) | {False}
        for index, fact in zip(todo, facts):
            if not vals_list[index].get('user_id') and fact['channel'] == 'backend' and fact['team_id'] in manual:
                vals_list[index]['user_id'] = user.id

    @api.model
    def _assign_decide(self, facts):
        """For each ticket's facts: (user or None, note). Rules first (first match wins); a rule may route
        the ticket to another team (``facts['team_id']`` is updated); then the team's method, per ticket so
        that a batch is spread, under the team's assignment lock."""
        Rule = self.env['helpdesk.lite.assignment.rule'].sudo()
        prepared = Rule._active_rules()._prepared()
        decisions = [None] * len(facts)
        by_team = {}
        for index, fact in enumerate(facts):
            rule = Rule._match(fact, prepared) if prepared else Rule
            if rule and rule.action == 'user' and rule.user_id.active:
                decisions[index] = (rule.user_id, self.env._(
                    'Assigned to %(user)s by the assignment rule "%(rule)s".', user=rule.user_id.name, rule=rule.name))
                continue
            reason = None
            if rule and rule.action == 'team':
                fact['team_id'] = rule.target_team_id.id
                reason = self.env._('Routed to %(team)s by the assignment rule "%(rule)s".',
                                    team=rule.target_team_id.name, rule=rule.name)
            decisions[index] = (None, reason)
            if fact['team_id']:
                by_team.setdefault(fact['team_id'], []).append(index)
        teams = self.env['helpdesk.lite.team'].sudo().browse(list(by_team))
        for team in teams.filtered(lambda t: t.assign_method != 'manual'):
            indexes = by_team[team.id]
            for index, user in zip(indexes, team._assign_pick(len(indexes))):
                if user:
                    reason = decisions[index][1]
                    note = self.env._('Assigned to %(user)s (%(method)s in %(team)s).', user=user.name,
                                      method=dict(team._fields['assign_method']._description_selection(self.env))[
                                          team.assign_method], team=team.name)
                    decisions[index] = (user, f'{reason} {note}' if reason else note)
        return decisions

    # ------------------------------------------------------------------------
    # Assignment check (cron) and team changes
    # ------------------------------------------------------------------------
    def _auto_assign_records(self):
        """Assign existing unassigned tickets with the same engine (rules, then the team's method)."""
        tickets = self.filtered(lambda t: not t.user_id and not t.is_closed)
        if not tickets:
            return self.browse()
        facts = tickets._assign_facts_of_records()
        decisions = self._assign_decide(facts)
        bodies, assigned = {}, self.browse()
        groups = {}
        for ticket, fact, (user, note) in zip(tickets, facts, decisions):
            if user:
                groups.setdefault((user, fact['team_id']), []).append(ticket.id)
                bodies[ticket.id] = Markup('<p>%s</p>') % note
        for (user, team_id), ids in groups.items():
            group = self.browse(ids)
            group.with_context(helpdesk_lite_no_auto_assign=True).write({'user_id': user.id, 'team_id': team_id})
            assigned |= group
        if bodies:
            assigned._message_log_batch(bodies=bodies)
        return assigned

    @api.model
    def _cron_auto_assign(self, batch_size=500):
        """Assign open, unassigned tickets of auto-assigning teams (created while nobody was available).
        Batches are locked with SKIP LOCKED so two workers never handle the same tickets; in a real cron
        run each batch is committed."""
        tickets = self.sudo()
        candidate_ids = tickets.search([
            ('user_id', '=', False), ('is_closed', '=', False),
            ('team_id.assign_method', 'in', ('least_busy', 'round_robin'))], order='id').ids
        auto_commit = commits_batches(self.env)
        done = 0
        for batch_ids in tools.split_every(batch_size, candidate_ids, list):
            rows = self.env.execute_query(tools.SQL(
                "SELECT id FROM helpdesk_lite_ticket WHERE id = ANY(%s) AND user_id IS NULL "
                "FOR NO KEY UPDATE SKIP LOCKED", batch_ids))
            tickets.browse([row[0] for row in rows])._auto_assign_records()
            done += len(batch_ids)
            self.env['ir.cron']._notify_progress(done=done, remaining=len(candidate_ids) - done)
            if auto_commit:
                self.env.cr.commit()  # pylint: disable=invalid-commit
                self.env.invalidate_all()
        return done

    # ------------------------------------------------------------------------
    # Additional assignees: followers, told when assigned
    # ------------------------------------------------------------------------
    def _message_auto_subscribe_followers(self, updated_values, default_subtype_ids):
        result = super()._message_auto_subscribe_followers(updated_values, default_subtype_ids)
        user_ids = _x2many_ids(updated_values.get('user_ids'))
        if user_ids:
            users = self.env['res.users'].sudo().browse(user_ids).filtered('active')
            result += [(user.partner_id.id, default_subtype_ids,
                        'mail.message_user_assigned' if user != self.env.user else False) for user in users]
        return result
