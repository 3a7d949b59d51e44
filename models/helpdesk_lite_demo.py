"""Demo data that tells a true story: six weeks of tickets built through the ticket's own logic.

XML records cannot do it: every ticket would be created at the same instant, with no reply, no SLA
outcome and no breach. Here each ticket is created, answered, paused, resolved, closed, reopened,
merged and rated by the same methods agents and customers use, one event at a time; after each event
the dates the engine took from the clock ("now") are moved back to the event's time, so the SLA engine
computes real outcomes (met, at risk, breached, paused) and the SLA check records real breaches.
"""
from datetime import timedelta

from markupsafe import Markup

from odoo import api, models, tools
from odoo.tools import SQL

# (created: days ago, UTC hour), xmlid or (name, email) of the requester, title, team, assignee, priority,
# channel, category, subjects, events [(hours after creation, action, argument)].
# Actions: customer / agent (public message), customer_file ((text, image of the Odoo source)), note, stage (lifecycle step), customer_close,
# customer_reopen, rate ((value, feedback)), merge_into (index of the ticket that is kept).
STORY = [
    ((41, 8.5), 'base.res_partner_2', 'Invoice INV/2025/0042 charged twice', 'billing', 'lena', '2', 'email',
     'category_billing_issues', ['tag_complaint'], [
         (0.2, 'customer', 'We were charged twice for invoice INV/2025/0042. Please refund one payment.'),
         (1.5, 'agent', 'Sorry about that: I see both payments and asked our bank to refund the second one.'),
         (5.0, 'stage', 'resolved'), (30.0, 'customer_close', None), (30.1, 'rate', (5, 'Quick and friendly.'))]),
    ((39, 9.0), 'base.res_partner_3', 'Please send a copy of our contract', 'support', 'admin', '0', 'phone',
     False, ['tag_document_request'], [
         (3.0, 'agent', 'Here is the signed contract of last year, as a PDF.'),
         (4.0, 'stage', 'resolved'), (80.0, 'stage', 'closed')]),
    ((37, 13.0), 'base.res_partner_4', 'Printer driver crashes after update', 'technical', 'demo', '1', 'walk_in',
     'category_technical_support', ['tag_technical_support'], [
         (2.0, 'agent', 'Which version of the driver did the update install? You find it under Settings > About.'),
         (2.1, 'stage', 'pending'), (20.0, 'customer', 'It says version 4.2.1.'),
         (22.0, 'note', 'Known regression of 4.2.1; the vendor has a hotfix.'),
         (23.0, 'agent', 'Please install the 4.2.2 hotfix from the vendor site: it fixes the crash.'),
         (24.0, 'stage', 'resolved'), (48.0, 'customer_close', None), (48.2, 'rate', (4, False))]),
    ((34, 10.0), ('Ana Ivanova', 'ana.ivanova@example.com'), 'Question about opening hours', 'support', 'agent', '0',
     'web', False, ['tag_general_inquiry'], [
         (1.0, 'agent', 'We are open Monday to Friday, 9:00 to 18:00.'), (1.2, 'stage', 'resolved'),
         (100.0, 'stage', 'closed')]),
    ((33, 15.5), 'base.partner_demo_portal', 'Cannot log in to my account', 'support', 'agent', '3', 'portal',
     'category_technical_support', ['tag_account_issue'], [
         (0.3, 'customer', 'I also tried to reset my password, but the reset link says it has expired.'),
         (0.5, 'note', 'The account was locked by the brute-force protection.'),
         (0.7, 'agent', 'Hello, your account is unlocked now. Could you try to log in again?'),
         (1.0, 'stage', 'resolved'), (3.0, 'customer_close', None),
         (3.1, 'rate', (5, 'Solved in less than an hour, thank you!'))]),
    ((30, 9.5), 'partner_ivan_demo', 'Не приходит письмо для сброса пароля', 'support', 'agent', '2', 'email',
     'category_technical_support', ['tag_account_issue'], [
         (0.1, 'customer', 'Я запросил сброс пароля три раза, но письмо так и не пришло.'),
         (9.0, 'agent', 'Your mail server rejected our messages; we sent the link from another address.'),
         (30.0, 'stage', 'resolved'), (31.0, 'customer_reopen', 'The new link does not work either.'),
         (33.0, 'agent', 'Sorry: the link had expired. Here is a fresh one, valid 24 hours.'),
         (34.0, 'stage', 'resolved'), (60.0, 'customer_close', None), (60.5, 'rate', (3, 'It took two tries.'))]),
    ((28, 11.0), 'partner_eleni_demo', 'Πρόβλημα με την τιμολόγηση του Μαρτίου', 'billing', 'lena', '1', 'portal',
     'category_billing_issues', [], [
         (4.0, 'agent', 'The March invoice was corrected and sent again.'), (5.0, 'stage', 'resolved'),
         (120.0, 'stage', 'closed')]),
    ((26, 14.0), 'partner_yamada_demo', '請求書の再発行をお願いします（三月分）', 'billing', 'lena', '1', 'email',
     'category_billing_issues', ['tag_document_request'], [
         (0.5, 'agent', 'We are issuing the invoice again and will send it today.'),
         (3.0, 'agent', 'Here is the reissued invoice.'), (3.5, 'stage', 'resolved'),
         (40.0, 'customer_close', None), (40.5, 'rate', (5, False))]),
    ((23, 8.0), 'base.res_partner_12', 'Delivery note missing from last shipment', 'support', 'demo', '1', 'email',
     False, ['tag_document_request', 'tag_complaint'], [
         (0.1, 'customer', 'The pallet arrived without its delivery note.'),
         (30.0, 'agent', 'Sorry for the delay: the delivery note is attached to this message.'),
         (31.0, 'stage', 'resolved'), (130.0, 'stage', 'closed')]),
    ((21, 12.0), 'base.res_partner_12', 'No delivery note in the shipment', 'support', False, '1', 'portal',
     False, [], [(0.5, 'merge_into', 8)]),
    ((20, 9.0), 'partner_carlos_demo', 'App crashes when I upload a photo', 'technical', 'demo', '2', 'whatsapp',
     'category_technical_support', ['tag_technical_support'], [
         (0.5, 'customer', 'Every time I upload a photo larger than 5 MB the app closes.'),
         (6.0, 'agent', 'Thank you; we reproduced it and a fix is on its way in the next release.'),
         (7.0, 'stage', 'pending'), (55.0, 'agent', 'The update is out: version 3.1 fixes the upload.'),
         (56.0, 'stage', 'resolved'), (80.0, 'customer_close', None), (80.1, 'rate', (2, 'Too slow.'))]),
    ((18, 10.0), 'base.res_partner_1', 'Change of billing address', 'billing', 'admin', '0', 'email',
     'category_billing_issues', ['tag_account_issue'], [
         (0.1, 'customer', 'Our company moved: please use our new address from next month.'),
         (5.0, 'agent', 'Done: the next invoices will carry the new address.'),
         (5.5, 'stage', 'resolved'), (150.0, 'stage', 'closed')]),
    ((16, 13.0), 'base.res_partner_10', 'Export "quarterly" report, then e-mail it to finance, legal and the '
     'auditors: fails with a timeout on large accounts', 'technical', 'demo', '1', 'api',
     'category_technical_support', ['tag_technical_support'], [
         (3.0, 'agent', 'We can reproduce the timeout. Could you tell us how many lines the report has?'),
         (3.2, 'stage', 'pending'), (50.0, 'customer', 'About 120 000 lines.'),
         (52.0, 'note', 'Needs the batched export; planned for the next sprint.'),
         (53.0, 'agent', 'Thanks. The batched export ships next week; until then please split by quarter.')]),
    ((14, 9.5), 'base.res_partner_4', 'Refund for the cancelled order', 'billing', 'lena', '2', 'phone',
     'category_billing_issues', ['tag_complaint'], [
         (26.0, 'agent', 'The refund was sent today; it takes 3 to 5 days to reach your account.'),
         (27.0, 'stage', 'resolved'), (170.0, 'stage', 'closed')]),
    ((11, 8.5), 'base.res_partner_3', 'Wrong VAT number on invoices', 'billing', 'lena', '1', 'email',
     'category_billing_issues', [], [
         (0.1, 'customer', 'All invoices since January show our old VAT number.'),
         (4.0, 'agent', 'Could you confirm the new VAT number in writing?'), (4.2, 'stage', 'pending')]),
    ((9, 14.0), 'base.res_partner_2', 'Two-factor codes are rejected', 'support', 'agent', '2', 'portal',
     'category_technical_support', ['tag_account_issue'], [
         (0.2, 'customer', 'The authenticator codes are always refused.'),
         (2.0, 'agent', 'Please check that the clock of your phone is set automatically.'),
         (3.0, 'customer', 'That was it, thank you!'), (3.2, 'stage', 'resolved'),
         (26.0, 'customer_close', None), (26.1, 'rate', (5, 'Perfect.'))]),
    ((7, 10.0), 'base.partner_demo_portal', 'Invoice PDF is blank', 'billing', False, '1', 'portal',
     'category_billing_issues', ['tag_document_request'], [
         (0.2, 'customer', 'When I download the invoice the PDF has no pages.'),
         (0.5, 'customer_file', ('Here is what I see after the download.', 'web/static/img/placeholder.png'))]),
    ((6, 9.0), 'base.res_partner_1', 'Server room printer offline', 'technical', 'demo', '3', 'phone',
     'category_technical_support', ['tag_technical_support'], [
         (0.4, 'note', 'Customer called twice; the technician is on site tomorrow.')]),
    ((5, 11.0), 'partner_ivan_demo', 'Счёт не совпадает с заказом', 'billing', 'lena', '1', 'email',
     'category_billing_issues', ['tag_complaint'], [
         (0.1, 'customer', 'В счёте на две позиции больше, чем в заказе.'),
         (3.0, 'agent', 'Thank you, we are checking the order with the warehouse.')]),
    ((4, 15.0), 'base.res_partner_10', 'How do I add a user to our account?', 'support', 'agent', '0', 'email',
     False, ['tag_general_inquiry'], [
         (0.1, 'customer', 'We hired someone: how can they get access?'),
         (2.0, 'agent', 'Open Settings > Users and click "Invite"; the new user receives an email.'),
         (2.1, 'stage', 'pending')]),
    ((1, 9.0), ('Peter Novak', 'peter.novak@example.com'), 'Damaged parcel', 'support', 'agent', '1', 'web',
     False, ['tag_complaint'], [
         (0.5, 'agent', 'We are sorry. Could you send a photo of the parcel and its label?'),
         (0.6, 'stage', 'pending'), (5.0, 'customer', 'Here is the photo.')]),
    ((0.3, 0), 'base.res_partner_12', 'Cannot open the shared calendar', 'technical', False, '0', 'email',
     'category_technical_support', ['tag_technical_support'], [
         (0.1, 'customer', 'Since yesterday the shared calendar shows "access denied".')]),
    ((1, 9.0), 'partner_carlos_demo', 'Change my delivery address', 'support', 'agent', '0', 'whatsapp',
     False, ['tag_account_issue'], [(1.0, 'agent', 'Which address should we use from now on?')]),
    ((0.14, 0), 'partner_yamada_demo', 'Order portal returns error 500', 'technical', 'demo', '2', 'email',
     'category_technical_support', ['tag_technical_support'], [
         (0.05, 'customer', 'Our buyers cannot place orders: the portal answers "error 500".'),
         (0.4, 'agent', 'We are on it: a database node failed and is being replaced.')]),
    ((0.05, 0), ('Sofia Rossi', 'sofia.rossi@example.com'), 'Where can I download the user manual?', 'support',
     False, '0', 'web', False, ['tag_general_inquiry'], []),
]
TEAMS = {'support': 'helpdesk_lite.team_support', 'billing': 'helpdesk_lite.team_billing_demo',
         'technical': 'helpdesk_lite.team_technical_demo'}
USERS = {'admin': 'base.user_admin', 'agent': 'helpdesk_lite.user_agent_demo', 'lena': 'helpdesk_lite.user_billing_demo',
         'demo': 'base.user_demo'}


class HelpdeskLiteTicket(models.Model):
    _inherit = 'helpdesk.lite.ticket'

    @api.model
    def _demo_tell_story(self):
        now = self._sla_now()
        # no acknowledgement, assignment or status mail for demo tickets: nobody would receive them
        Ticket = self.sudo().with_context(
            helpdesk_lite_no_acknowledgement=True, mail_auto_subscribe_no_notify=True, mail_notify_force_send=False)
        ref = lambda xmlid: self.env.ref(xmlid if '.' in xmlid else f'helpdesk_lite.{xmlid}')  # noqa: E731
        created = []
        for (days, hour), requester, title, team, user, priority, channel, category, tags, events in STORY:
            start = self._demo_created_at(now, days, hour)
            vals = {
                'name': title, 'team_id': ref(TEAMS[team]).id, 'priority': priority, 'channel': channel,
                'user_id': user and ref(USERS[user]).id, 'category_id': category and ref(category).id,
                'tag_ids': [(6, 0, [ref(tag).id for tag in tags])], 'sla_start_date': start,
            }
            # the first customer message is the request itself (a form's text, an email's body)
            first = next((event for event in events if event[1] == 'customer'), None)
            if first and first[0] <= 1:
                vals['description'] = Markup('<p>%s</p>') % first[2]
                if channel != 'email':  # the gateway also posts an email as the first message
                    events = [event for event in events if event is not first]
            if isinstance(requester, tuple):
                vals.update(partner_name=requester[0], partner_email=requester[1])
            else:
                vals['partner_id'] = ref(requester).id
            ticket = Ticket.create(vals)
            ticket._demo_move_messages(0, start)
            self.env.execute_query(SQL("UPDATE helpdesk_lite_ticket SET create_date = %s WHERE id = %s",
                                       start, ticket.id))
            ticket.invalidate_recordset(['create_date'])
            ticket.modified(['create_date'])
            created.append((ticket, start, events))
        tickets = Ticket.browse([ticket.id for ticket, _start, _events in created])
        # events in time order across tickets, as they happened
        timeline = sorted(
            ((min(start + timedelta(hours=offset), now - timedelta(minutes=1)), ticket, action, arg)
             for ticket, start, events in created for offset, action, arg in events),
            key=lambda event: event[0])
        for when, ticket, action, arg in timeline:
            ticket._demo_play(when, action, arg, tickets)
        last_dates = {ticket.id: max([start] + [when for when, t, _a, _x in timeline if t == ticket])
                      for ticket, start, _events in created}
        # the SLA check records the breaches of the story, as the daily scheduled action would have
        Ticket._cron_check_sla_overdue()
        self.env.flush_all()
        for ticket_id, when in last_dates.items():
            self.env.execute_query(SQL("UPDATE helpdesk_lite_ticket SET write_date = %s WHERE id = %s", when, ticket_id))
        self.env.execute_query(SQL("""
            UPDATE helpdesk_lite_sla_breach SET breached_at = LEAST(%s, deadline + interval '1 hour')
             WHERE ticket_id = ANY(%s)""", now, tickets.ids))
        self.env['mail.mail'].sudo().search([('model', '=', self._name), ('res_id', 'in', tickets.ids)]).unlink()
        self.env.cr.precommit.data.get('helpdesk_lite.status_mail', {}).clear()
        self.env.invalidate_all()
        return True

    @api.model
    def _demo_created_at(self, now, days, hour):
        """``days`` ago at ``hour`` UTC (a recent ticket keeps its exact age), moved off weekends."""
        if days < 1:
            return now - timedelta(days=days)
        moment = (now - timedelta(days=days)).replace(hour=int(hour), minute=int(hour % 1 * 60), second=0)
        while moment.weekday() >= 5:
            moment -= timedelta(days=1)
        return moment

    def _demo_play(self, when, action, arg, tickets):
        """One event of the story at ``when``; then the clock dates it set are moved back to ``when``."""
        self.ensure_one()
        before = {'closed': self.is_closed, 'waiting': self.stage_id.is_waiting,
                  'paused_since': self.sla_paused_since, 'paused_hours': self.sla_paused_hours}
        last_message = max(self.message_ids.ids or [0])
        requester = self.partner_id
        if action in ('customer', 'agent', 'note'):
            agent = self.user_id or self.team_id.leader_id
            author = {'author_id': requester.id} if requester else {
                'author_id': False, 'email_from': self._portal_requester_email_from()}
            if action != 'customer':
                author = {'author_id': agent.partner_id.id}
            self.message_post(
                body=Markup('<p>%s</p>') % arg, date=when,
                message_type='email' if action == 'customer' and self.channel == 'email' else 'comment',
                subtype_xmlid='mail.mt_note' if action == 'note' else 'mail.mt_comment', **author)
        elif action == 'customer_file':
            with tools.file_open(arg[1], 'rb') as image:
                self._portal_post_as_requester(
                    requester, Markup('<p>%s</p>') % arg[0], attachments=[('screenshot.png', image.read())])
        elif action == 'stage':
            self._move_to_lifecycle(('resolved', 'closed') if arg == 'resolved' else (arg,))
        elif action == 'customer_close':
            if self.lifecycle != 'closed':
                self.with_context(helpdesk_lite_closed_by='customer')._portal_action_close(requester)
        elif action == 'customer_reopen':
            self._portal_action_reopen(requester, arg)
        elif action == 'rate':
            self._portal_rate(requester, arg[0], arg[1])
        elif action == 'merge_into':
            target = tickets[arg]
            target_last = max(target.message_ids.ids or [0])
            target._merge_from(self)
            target._demo_move_messages(target_last, when)
        self._demo_fix_clock(before, when)
        self._demo_move_messages(last_message, when)

    def _demo_fix_clock(self, before, when):
        vals = {}
        if self.is_closed and not before['closed']:
            vals.update(closed_date=when, resolved_date=when)
        elif self.lifecycle == 'closed' and self.closed_date and self.closed_date > when:
            vals['closed_date'] = when  # resolved earlier, closed now
        if not self.is_closed and before['closed']:
            vals.update(sla_start_date=when, sla_paused_hours=0.0, sla_paused_since=False)
        if self.stage_id.is_waiting and not self.is_closed and not before['waiting']:
            vals['sla_paused_since'] = when
        if before['waiting'] and not self.stage_id.is_waiting and before['paused_since']:
            policy = self.sla_policy_id
            calendar = policy._get_clock_calendar() if policy else self.env['resource.calendar']
            clock = calendar._helpdesk_lite_clock(before['paused_since'], when)
            vals['sla_paused_hours'] = before['paused_hours'] + clock.duration(before['paused_since'], when)
        if vals:
            self.write(vals)
        self.flush_recordset()

    def _demo_move_messages(self, after_id, when):
        """Date the ticket's messages (and ratings) newer than ``after_id`` at ``when``."""
        self.ensure_one()
        self.env.flush_all()
        self.env.execute_query(SQL(
            "UPDATE mail_message SET date = %s, create_date = %s WHERE model = %s AND res_id = %s AND id > %s",
            when, when, self._name, self.id, after_id))
        self.env.execute_query(SQL(
            "UPDATE rating_rating SET create_date = LEAST(create_date, %s), write_date = %s "
            "WHERE res_model = %s AND res_id = %s AND write_date > %s",
            when, when, self._name, self.id, when))
        self.env.invalidate_all()
