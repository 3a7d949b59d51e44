from unittest.mock import patch

from odoo.tests import tagged

from .api_common import PUBLIC, ApiCase


@tagged('post_install', '-at_install')
class TestApiPublic(ApiCase):

    def _submit(self, **overrides):
        body = {'subject': 'Question about billing', 'description': 'I have a question...',
                'requester_email': 'jo.public@example.com', 'requester_name': 'Jo Public'}
        body.update(overrides)
        return self.api('POST', f'{PUBLIC}/tickets', body)

    def test_submit_view_reply_rate(self):
        response = self._submit()
        self.assertEqual(response.status_code, 201, response.text)
        data = response.json()
        ticket = self.Ticket.browse(data['ticket']['id'])
        self.assertEqual(data['accessToken'], ticket.access_token)
        self.assertRecordValues(ticket, [{'channel': 'web', 'partner_email': 'jo.public@example.com'}])
        self.assertNotIn('assignee', data['ticket'])
        token = data['accessToken']

        view = self.api('GET', f'{PUBLIC}/tickets/{ticket.id}?token={token}').json()['ticket']
        self.assertEqual(view['description'], 'I have a question...')
        ticket.message_post(body='Internal only', message_type='comment', subtype_xmlid='mail.mt_note')
        ticket.with_user(self.agent).message_post(body='We are on it', message_type='comment',
                                                  subtype_xmlid='mail.mt_comment')
        response = self.api('POST', f'{PUBLIC}/tickets/{ticket.id}/reply', {'access_token': token, 'body': 'Thanks!'})
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(response.json()['author_type'], 'customer')
        view = self.api('GET', f'{PUBLIC}/tickets/{ticket.id}?token={token}').json()['ticket']
        self.assertEqual([c['body'] for c in view['comments']], ['We are on it', 'Thanks!'])
        self.assertEqual(ticket.last_reply_by, 'customer')

        # rating: only once resolved, once per resolution
        rate = {'access_token': token, 'rating': 5, 'feedback': 'Great support!'}
        self.assertProblem(self.api('POST', f'{PUBLIC}/tickets/{ticket.id}/satisfaction', rate), 409)
        ticket.action_resolve()
        self.assertProblem(self.api('POST', f'{PUBLIC}/tickets/{ticket.id}/satisfaction', dict(rate, rating=6)), 400,
                           field='rating')
        response = self.api('POST', f'{PUBLIC}/tickets/{ticket.id}/satisfaction', rate)
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(ticket.rating_last_value, 5)
        self.assertProblem(self.api('POST', f'{PUBLIC}/tickets/{ticket.id}/satisfaction', rate), 409,
                           detail='already rated')
        self.assertProblem(self.api('POST', f'{PUBLIC}/tickets/{ticket.id}/reply', {'access_token': token, 'body': 'x'}), 409)

    def test_tokens_are_required_and_not_guessable(self):
        ticket = self.Ticket.browse(self._submit().json()['ticket']['id'])
        answers = []
        for ticket_id, token in ((ticket.id, 'guess'), (ticket.id, ''), (ticket.id + 1000, ticket.access_token),
                                 (ticket.id, ticket.access_token[:-1] + 'x')):
            response = self.api('GET', f'{PUBLIC}/tickets/{ticket_id}?token={token}')
            problem = self.assertProblem(response, 404)
            answers.append((problem['title'], problem['detail']))
            self.assertProblem(self.api('POST', f'{PUBLIC}/tickets/{ticket_id}/reply',
                                        {'access_token': token, 'body': 'guessed-token reply'}), 404)
        self.assertEqual(len(set(answers)), 1, 'a wrong token and a missing ticket answer alike')
        self.assertFalse(ticket.message_ids.filtered(lambda m: 'guessed-token' in (m.body or '')))

    def test_submit_validation_and_rate_limit(self):
        problem = self.assertProblem(self._submit(subject='', requester_email='nope'), 400)
        self.assertEqual({e['field'] for e in problem['errors']}, {'subject', 'requester_email'})
        self.assertProblem(self._submit(subject=['x']), 400, field='subject')
        self.assertProblem(self._submit(team_id=1), 400, field='team_id')
        self.env['ir.config_parameter'].sudo().set_param('helpdesk_lite.public_submit_limit_per_email', 2)
        self.assertEqual(self._submit(requester_email='flood@example.com').status_code, 201)
        self.assertEqual(self._submit(requester_email='flood@example.com').status_code, 201)
        response = self._submit(requester_email='flood@example.com')
        self.assertProblem(response, 429)
        self.assertTrue(response.headers['Retry-After'])

    def test_lookup_discloses_nothing(self):
        self._submit(requester_email='known@example.com')
        with patch.object(type(self.env['mail.mail']), 'create', autospec=True,
                          side_effect=type(self.env['mail.mail']).create) as create:
            known = self.api('POST', f'{PUBLIC}/tickets/lookup', {'email': 'Known@Example.com'})
            unknown = self.api('POST', f'{PUBLIC}/tickets/lookup', {'email': 'stranger@example.com'})
        self.assertEqual((known.status_code, known.json()), (unknown.status_code, unknown.json()))
        self.assertEqual(known.status_code, 202)
        mails = [call.args[1] for call in create.call_args_list]
        self.assertEqual([mail['email_to'] for mail in mails], ['known@example.com'])
        self.assertIn('access_token=', str(mails[0]['body_html']))
        self.assertProblem(self.api('POST', f'{PUBLIC}/tickets/lookup', {'email': 'nope'}), 400, field='email')


@tagged('post_install', '-at_install')
class TestApiChat(ApiCase):

    def test_from_chat_is_idempotent(self):
        body = {
            'workspace_id': 'ws-1', 'conversation_id': 'conv-123', 'subject': 'Escalated from chat',
            'description': 'Customer needs human support', 'customer_email': 'chat.customer@example.com',
            'customer_name': 'John Doe',
            'chat_history': [{'role': 'user', 'content': 'I need help <script>'}, {'role': 'bot', 'content': 'How can I assist?'}],
        }
        response = self.api('POST', 'chat/tickets', body, key=self.agent_key)
        self.assertEqual(response.status_code, 201, response.text)
        data = response.json()
        ticket = self.Ticket.browse(data['ticket']['id'])
        self.assertEqual(data['accessToken'], ticket.access_token)
        self.assertRecordValues(ticket, [{'channel': 'chat', 'conversation_ref': 'conv-123',
                                          'partner_email': 'chat.customer@example.com'}])
        transcript = ticket.message_ids.filtered(lambda m: 'Chat transcript' in (m.body or ''))
        self.assertEqual(len(transcript), 1)
        self.assertIn('I need help &lt;script&gt;', transcript.body)
        again = self.api('POST', '/helpdesk_lite/api/public/tickets/from-chat', body, key=self.agent_key)
        self.assertEqual((again.status_code, again.json()['ticket']['id'], again.json()['created']), (200, ticket.id, False))

    def test_escalation_and_validation(self):
        response = self.api('POST', 'chat/escalations', {
            'bot_id': 'bot-1', 'conversation_id': 'conv-9', 'reason': 'urgent', 'context': {'order': 'SO042'}},
            key=self.agent_key)
        self.assertEqual(response.status_code, 201, response.text)
        ticket = self.Ticket.browse(response.json()['ticket']['id'])
        self.assertEqual(ticket.priority, '3')
        self.assertTrue(ticket.message_ids.filtered(lambda m: 'SO042' in (m.body or '')))
        for body, field in (({'conversation_id': 'c'}, 'reason'),
                            ({'conversation_id': 'c', 'reason': 'x', 'context': 'text'}, 'context'),
                            ({'conversation_id': 'c', 'reason': 'x', 'chat_history': [{'role': 'pirate', 'content': 'x'}]},
                             'chat_history[0].role'),
                            ({'conversation_id': 'c', 'reason': 'x', 'chat_history': [{'role': 'user', 'content': 1}]},
                             'chat_history[0].content')):
            with self.subTest(body=body):
                self.assertProblem(self.api('POST', 'chat/escalations', body, key=self.agent_key), 400, field=field)
        self.assertProblem(self.api('POST', 'chat/tickets', {'conversation_id': 'p'}, key=self.portal_key), 403)
        self.assertProblem(self.api('POST', 'chat/tickets', {'conversation_id': 'p'}), 401)
        self.assertProblem(self.api('POST', 'chat/tickets', raw='x' * (1024 * 1024 + 1), key=self.agent_key), 413)

    def test_discuss_command(self):
        customer = self.env['res.partner'].create({'name': 'Guest Customer', 'email': 'guest@example.com'})
        channel = self.env['discuss.channel'].with_user(self.agent).create_group(
            partners_to=(customer | self.agent.partner_id).ids)
        channel.with_user(self.agent).message_post(body='Hello, my printer is broken', message_type='comment')
        sent = []
        with patch.object(type(self.env['res.users']), '_bus_send_transient_message', autospec=True,
                          side_effect=lambda user, chan, content: sent.append(str(content))):
            channel.with_user(self.agent).execute_command_hd_ticket(body='/hd_ticket Broken printer')
            channel.with_user(self.agent).execute_command_hd_ticket(body='/hd_ticket Again')
            channel.with_user(self.agent).execute_command_hd_ticket(body='/hd_ticket')
        ticket = self.Ticket.search([('discuss_channel_id', '=', channel.id)])
        self.assertEqual(len(ticket), 1)
        self.assertRecordValues(ticket, [{'name': 'Broken printer', 'partner_id': customer.id, 'channel': 'chat'}])
        self.assertTrue(ticket.message_ids.filtered(lambda m: 'my printer is broken' in (m.body or '')))
        self.assertIn('Ticket created', sent[0])
        self.assertIn('already is', sent[1])
        self.assertIn('followed by the ticket title', sent[2])
        # a portal member of the conversation cannot use it
        portal_channel = self.env['discuss.channel'].sudo().create_group(
            partners_to=(self.portal.partner_id | self.agent.partner_id).ids)
        sent.clear()
        with patch.object(type(self.env['res.users']), '_bus_send_transient_message', autospec=True,
                          side_effect=lambda user, chan, content: sent.append(str(content))):
            portal_channel.with_user(self.portal).execute_command_hd_ticket(body='/hd_ticket Mine')
        self.assertIn('Only helpdesk agents', sent[0])
        self.assertFalse(self.Ticket.search([('discuss_channel_id', '=', portal_channel.id)]))
