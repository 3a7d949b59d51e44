import base64
import io

from markupsafe import Markup
from PIL import Image

from odoo.tests import HttpCase, new_test_user, tagged


@tagged('post_install', '-at_install')
class TestPortalTour(HttpCase):

    def test_portal_customer_tour(self):
        portal_user = new_test_user(self.env, login='hdl_portal', name='Paula Portal',
                                    email='paula.portal@example.com', groups='base.group_portal')
        self.env['helpdesk.lite.category'].create({'name': 'Tour Hardware', 'portal_published': True})
        self.start_tour('/my/helpdesk', 'helpdesk_lite_portal_tour', login='hdl_portal')

        ticket = self.env['helpdesk.lite.ticket'].search([('name', '=', 'Tour: laptop will not boot')])
        self.assertEqual(len(ticket), 1)
        self.assertEqual(ticket.partner_id, portal_user.partner_id)
        self.assertEqual(ticket.channel, 'portal')
        self.assertEqual(ticket.category_id.name, 'Tour Hardware')
        self.assertEqual(ticket.lifecycle, 'closed')
        self.assertEqual(ticket.message_ids.attachment_ids.mapped('name'), ['boot.log'])
        reply = ticket.message_ids.filtered(lambda m: 'Any news about my laptop?' in (m.body or ''))
        self.assertEqual(reply.author_id, portal_user.partner_id)
        self.assertEqual(ticket.rating_last_value, 4)
        self.assertEqual(ticket.rating_ids.filtered('consumed').feedback, 'Fixed quickly, thanks')


def _png(width, height, color=(32, 110, 160)):
    buffer = io.BytesIO()
    Image.new('RGB', (width, height), color).save(buffer, 'PNG')
    return buffer.getvalue()


INLINE_IMAGE_EMAIL = """From: Ines Inline <ines.inline@customer.example>
To: support@example.com
Subject: Screenshot of the error
Message-ID: <portal-images-tour@customer.example>
MIME-Version: 1.0
Content-Type: multipart/related; boundary="rel"

--rel
Content-Type: text/html; charset=utf-8

<div><p>See the screenshot:</p><p><img src="cid:error@customer.example" width="1600" height="1000" alt="error"></p></div>

--rel
Content-Type: image/png; name="error.png"
Content-Disposition: inline; filename="error.png"
Content-ID: <error@customer.example>
Content-Transfer-Encoding: base64

{image}

--rel--
"""


@tagged('post_install', '-at_install')
class TestPortalImagesTour(HttpCase):
    """Pictures in the portal conversation, measured in Chromium at 1440 x 900."""

    def test_pictures_in_the_conversation(self):
        customer = new_test_user(self.env, login='hdl_ines', name='Ines Inline', email='ines.inline@customer.example',
                                 groups='base.group_portal')
        raw = INLINE_IMAGE_EMAIL.format(image=base64.b64encode(_png(1600, 1000)).decode())
        ticket = self.env['helpdesk.lite.ticket'].browse(
            self.env['mail.thread'].sudo().message_process('helpdesk.lite.ticket', raw))
        self.assertEqual(ticket.partner_id, customer.partner_id)
        for text, files in [
            ('A screenshot', [('screenshot.png', _png(1600, 1200))]),
            ('A phone screenshot', [('phone.png', _png(1080, 2340))]),
            ('A small picture', [('small.png', _png(120, 40))]),
            ('Two pictures', [('one.png', _png(800, 600)), ('two.png', _png(600, 800))]),
        ]:
            ticket._portal_post_as_requester(customer.partner_id, Markup('<p>%s</p>') % text, attachments=files)
        agent = new_test_user(self.env, login='hdl_images_agent', name='Alma Agent',
                              groups='base.group_user,helpdesk_lite.group_helpdesk_lite_user')
        picture = self.env['ir.attachment'].create({
            'name': 'where-to-click.png', 'raw': _png(1600, 1000), 'res_model': ticket._name, 'res_id': ticket.id})
        picture.generate_access_token()
        ticket.with_user(agent).message_post(
            body=Markup('<p>Click here:</p><p><img src="/web/image/%s?access_token=%s" width="1600" height="1000"></p>')
            % (picture.id, picture.access_token),
            message_type='comment', subtype_xmlid='mail.mt_comment')
        self.browser_size = '1440x900'
        self.start_tour(f'/my/helpdesk/{ticket.id}', 'helpdesk_lite_portal_images_tour', login='hdl_ines')
