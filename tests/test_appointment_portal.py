from datetime import timedelta

from requests import HTTPError

from odoo.tests import tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .appointment_common import AppointmentCommon
from .test_portal import HelpdeskLitePortalCase


@tagged('post_install', '-at_install')
class TestAppointmentPortal(AppointmentCommon, HelpdeskLitePortalCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # HelpdeskLitePortalCase's ticket (the portal user's) gets a confirmed visit
        cls.visit = cls.Appointment.create({
            'ticket_id': cls.ticket.id, 'user_id': cls.technician.id, 'start': cls._monday(),
            'stop': cls._monday() + timedelta(hours=1), 'location': 'Rue de la Loi 12'})
        cls.visit.action_confirm()
        cls.other_visit = cls.Appointment.create({
            'ticket_id': cls.other_ticket.id, 'user_id': cls.agent2.id, 'start': cls._monday(),
            'stop': cls._monday() + timedelta(hours=1), 'location': 'Otto secret address'})
        cls.token = cls.ticket._portal_ensure_token()

    def _ics_url(self, visit=None, ticket=None, token=None):
        url = f'/my/helpdesk/{(ticket or self.ticket).id}/visit/{(visit or self.visit).id}/ics'
        return f'{url}?access_token={token}' if token else url

    def _request_url(self, visit=None, ticket=None):
        return f'/my/helpdesk/{(ticket or self.ticket).id}/visit/{(visit or self.visit).id}/request'

    def test_customer_sees_visits_and_downloads_the_ics(self):
        self._login(self.portal_user)
        page = self.url_open(f'/my/helpdesk/{self.ticket.id}')
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.visit.name, page.text)
        self.assertIn(self.technician.name, page.text)
        self.assertIn('Rue de la Loi 12', page.text)
        self.assertIn('09:00', page.text)
        self.assertIn(self._ics_url(), page.text)
        self.assertNotIn('Otto secret address', page.text)
        response = self.url_open(self._ics_url())
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.headers['Content-Type'].startswith('text/calendar'))
        self.assertIn(f'{self.visit.name}.ics', response.headers['Content-Disposition'])
        self.assertIn('BEGIN:VEVENT', response.text)
        self.assertIn('LOCATION:Rue de la Loi 12', response.text)

    def test_ics_from_the_attacker_side(self):
        # another customer, their own ticket id with someone else's visit, anonymous, wrong token
        self._login(self.portal_user)
        reference = self._not_found_page()
        self.assertSameNotFound(self.url_open(self._ics_url(visit=self.other_visit, ticket=self.other_ticket)), reference)
        self.assertSameNotFound(self.url_open(self._ics_url(visit=self.other_visit)), reference)
        self._login(None)
        reference = self._not_found_page()
        self.assertSameNotFound(self.url_open(self._ics_url()), reference)
        self.assertSameNotFound(self.url_open(self._ics_url(token='forged')), reference)
        self.assertSameNotFound(self.url_open(self._ics_url(visit=self.other_visit, token=self.token)), reference)
        # the ticket's token opens its own visit only
        response = self.url_open(self._ics_url(token=self.token))
        self.assertEqual(response.status_code, 200)
        self.assertIn('BEGIN:VCALENDAR', response.text)

    def test_request_reschedule_notifies_staff(self):
        self._login(self.portal_user)
        response = self._post(self._request_url(), {'kind': 'reschedule', 'message': 'Only afternoons please'})
        self.assertEqual(response.status_code, 303)
        self.assertIn('success=visit_request', response.headers['Location'])
        self.visit.invalidate_recordset()
        self.assertEqual(self.visit.portal_request, 'reschedule')
        activity = self.visit.activity_ids
        self.assertEqual(activity.user_id, self.technician)
        self.assertIn('reschedule', activity.summary)
        note = self.visit.message_ids.filtered(lambda m: 'Only afternoons please' in (m.body or ''))
        self.assertEqual(note.author_id, self.customer)
        # one pending request at a time: a second one is refused with a message, nothing added
        again = self._post(self._request_url(), {'kind': 'cancel', 'message': 'spam'})
        self.assertEqual(again.status_code, 400)
        self.assertIn('already asked', again.text)
        self.assertEqual(len(self.visit.activity_ids), 1)
        # staff answer by moving the visit: the request is settled, the customer may ask again
        self.visit.write({'start': self.visit.start + timedelta(hours=4), 'stop': self.visit.stop + timedelta(hours=4)})
        self.assertFalse(self.visit.portal_request)

    def test_request_with_token_and_bad_kind(self):
        self._login(None)
        bad = self._post(self._request_url(), {'kind': 'delete', 'access_token': self.token})
        self.assertEqual(bad.status_code, 400)
        self.assertIn('reschedule or to cancel', bad.text)
        ok = self._post(self._request_url(), {'kind': 'cancel', 'access_token': self.token})
        self.assertEqual(ok.status_code, 303)
        self.visit.invalidate_recordset()
        self.assertEqual(self.visit.portal_request, 'cancel')
        self.assertEqual(self.visit.state, 'confirmed', 'the customer asks; the staff cancel')

    def test_request_from_the_attacker_side(self):
        self._login(self.portal_user)
        cases = [
            self._request_url(visit=self.other_visit, ticket=self.other_ticket),
            self._request_url(visit=self.other_visit),
        ]
        for url in cases:
            response = self._post(url, {'kind': 'cancel'})
            self.assertEqual(response.status_code, 404, url)
        self._login(None)
        for data in ({'kind': 'cancel'}, {'kind': 'cancel', 'access_token': 'forged'}):
            self.assertEqual(self._post(self._request_url(), data).status_code, 404)
        # GET and missing CSRF are refused before anything happens
        self._login(self.portal_user)
        self.assertEqual(self.url_open(self._request_url()).status_code, 405)
        with mute_logger('odoo.http'):
            self.assertEqual(self._post(self._request_url(), {'kind': 'cancel'}, csrf=False).status_code, 400)
        self.visit.invalidate_recordset()
        self.other_visit.invalidate_recordset()
        self.assertFalse(self.visit.portal_request)
        self.assertFalse(self.other_visit.portal_request)
        self.assertFalse(self.other_visit.activity_ids)

    def test_generic_routes_refuse_portal_users(self):
        self._login(self.portal_user)
        for method, args in (('read', [[self.visit.id], ['name', 'location']]),
                             ('search_read', [[]]),
                             ('write', [[self.visit.id], {'state': 'cancelled'}])):
            with self.subTest(method=method), mute_logger('odoo.http'), self.assertRaises(JsonRpcException):
                self._call_kw('helpdesk.lite.appointment', method, args)
        with mute_logger('odoo.http'), self.assertRaises(Exception) as caught:
            self._rpc('/mail/message/post', {
                'thread_model': 'helpdesk.lite.appointment', 'thread_id': self.visit.id,
                'post_data': {'body': 'hello', 'message_type': 'comment'}})
        self.assertIsInstance(caught.exception, (JsonRpcException, HTTPError))
        self.visit.invalidate_recordset()
        self.assertEqual(self.visit.state, 'confirmed')
        self.assertFalse(self.visit.message_ids.filtered(lambda m: m.body and 'hello' in m.body))
