from datetime import timedelta

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import is_html_empty, plaintext2html

from .helpdesk_lite_stage import LIFECYCLE_SELECTION
from .helpdesk_lite_ticket import PRIORITY_SELECTION


class HelpdeskLiteMacro(models.Model):
    """A named set of changes agents apply to one or many tickets in one click (ticket Action menu).

    Each macro keeps its own bound ``ir.actions.server`` (code: one call to ``_helpdesk_lite_apply_macro``),
    created and updated in sudo: helpdesk managers maintain macros without the system rights that server
    actions need, and agents run them as themselves (every step checks their rights).
    """
    _name = 'helpdesk.lite.macro'
    _description = 'Helpdesk Lite Macro'
    _order = 'sequence, id'

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    lifecycle = fields.Selection(LIFECYCLE_SELECTION, string='Set Status',
                                 help="Moves the ticket to its team's first stage of this status.")
    assign_mode = fields.Selection(
        [('me', 'To me'), ('user', 'To a user'), ('unassign', 'Unassign')], string='Assign')
    user_id = fields.Many2one('res.users', string='Assignee', domain=[('share', '=', False)])
    team_id = fields.Many2one('helpdesk.lite.team', string='Set Team')
    priority = fields.Selection(PRIORITY_SELECTION, string='Set Priority')
    tag_add_ids = fields.Many2many('helpdesk.lite.tag', 'helpdesk_lite_macro_tag_add_rel', string='Add Subjects')
    tag_remove_ids = fields.Many2many(
        'helpdesk.lite.tag', 'helpdesk_lite_macro_tag_remove_rel', string='Remove Subjects')
    reply_mode = fields.Selection([('reply', 'Reply to the customer'), ('note', 'Internal note')], string='Post')
    canned_response_id = fields.Many2one(
        'mail.canned.response', string='Canned Response', help='Its variables are filled in per ticket.')
    body = fields.Html(string='Text', help='Used when no canned response is set; variables are filled in too.')
    activity_type_id = fields.Many2one('mail.activity.type', string='Schedule Activity')
    activity_summary = fields.Char()
    activity_days = fields.Integer(string='Due In (days)', default=0)
    use_count = fields.Integer(string='Uses', readonly=True, copy=False)
    action_id = fields.Many2one('ir.actions.server', readonly=True, copy=False, ondelete='set null')

    @api.constrains('assign_mode', 'user_id', 'reply_mode', 'canned_response_id', 'body')
    def _check_macro(self):
        for macro in self:
            if macro.assign_mode == 'user' and not macro.user_id:
                raise ValidationError(self.env._('Macro "%s": choose the assignee.', macro.name))
            if macro.reply_mode and not macro.canned_response_id and is_html_empty(macro.body):
                raise ValidationError(self.env._('Macro "%s": choose a canned response or write the text.', macro.name))

    @api.model_create_multi
    def create(self, vals_list):
        macros = super().create(vals_list)
        macros._sync_action()
        return macros

    def write(self, vals):
        result = super().write(vals)
        if {'name', 'active', 'sequence'} & set(vals):
            self._sync_action()
        return result

    def unlink(self):
        actions = self.sudo().action_id
        result = super().unlink()
        actions.unlink()
        return result

    def _sync_action(self):
        """Create or update each macro's bound server action (sudo: server actions are system records)."""
        model = self.env['ir.model']._get('helpdesk.lite.ticket')
        group = self.env.ref('helpdesk_lite.group_helpdesk_lite_user')
        for macro in self.sudo():
            vals = {
                'name': macro.name,
                'model_id': model.id,
                'state': 'code',
                'code': f'action = records._helpdesk_lite_apply_macro({macro.id})',
                'binding_model_id': model.id if macro.active else False,
                'binding_view_types': 'list,form',
                'sequence': macro.sequence,
                'groups_id': [Command.set(group.ids)],
            }
            if macro.action_id:
                macro.action_id.write(vals)
            else:
                macro.action_id = macro.env['ir.actions.server'].create(vals)

    def _apply(self, tickets):
        """Apply the macro to ``tickets`` as the current user: all steps or none (a failing step rolls
        back the others and raises one UserError naming the macro)."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                self._apply_steps(tickets)
        except (UserError, AccessError, ValidationError) as error:
            raise UserError(self.env._('The macro "%(macro)s" was not applied: %(reason)s',
                                       macro=self.name, reason=error.args[0])) from error
        self.sudo().use_count += 1

    def _apply_steps(self, tickets):
        vals = {}
        if self.team_id:
            vals['team_id'] = self.team_id.id
        if self.priority:
            vals['priority'] = self.priority
        tags = [Command.link(tag.id) for tag in self.tag_add_ids] + \
               [Command.unlink(tag.id) for tag in self.tag_remove_ids]
        if tags:
            vals['tag_ids'] = tags
        if vals:
            tickets.write(vals)
        if self.assign_mode == 'me':
            tickets.action_assign(self.env.user)
        elif self.assign_mode == 'user':
            tickets.action_assign(self.user_id)
        elif self.assign_mode == 'unassign':
            tickets.filtered('user_id').write({'user_id': False})
        if self.lifecycle == 'resolved':
            tickets.action_resolve()  # refuses closed tickets, as the button does
        elif self.lifecycle == 'closed':
            tickets.filtered(lambda t: t.lifecycle != 'closed').action_close()
        elif self.lifecycle:
            fallback = {'new': ('new', 'open'), 'open': ('open', 'new')}.get(self.lifecycle, (self.lifecycle,))
            tickets.filtered(lambda t: t.lifecycle != self.lifecycle)._move_to_lifecycle(fallback)
        if self.reply_mode:
            text = plaintext2html(self.canned_response_id.substitution) if self.canned_response_id else self.body
            subtype = 'mail.mt_comment' if self.reply_mode == 'reply' else 'mail.mt_note'
            for ticket in tickets:
                body, _unknown = ticket._helpdesk_lite_fill_canned(Markup(text))
                ticket.message_post(body=body, message_type='comment', subtype_xmlid=subtype)
            self.canned_response_id.sudo()._helpdesk_lite_register_use()
        if self.activity_type_id:
            deadline = fields.Date.context_today(self) + timedelta(days=self.activity_days)
            for ticket in tickets:
                ticket.activity_schedule(
                    activity_type_id=self.activity_type_id.id, summary=self.activity_summary or self.name,
                    date_deadline=deadline, user_id=(ticket.user_id or self.env.user).id)


class HelpdeskLiteTicket(models.Model):
    _inherit = 'helpdesk.lite.ticket'

    def _helpdesk_lite_apply_macro(self, macro_id):
        """Entry point of the macros' server actions (also usable from code): apply macro ``macro_id``."""
        if not self:
            return False
        macro = self.env['helpdesk.lite.macro'].browse(macro_id).exists()
        if not macro or not macro.active:
            raise UserError(self.env._('This macro no longer exists or is archived.'))
        # the server action runs in sudo: the macro's steps run with the agent's own rights
        tickets = self.with_user(self.env.user.id) if self.env.su and not self.env.user._is_superuser() else self
        tickets.check_access('write')
        macro.with_env(tickets.env)._apply(tickets)
        return {'type': 'ir.actions.client', 'tag': 'soft_reload'}
