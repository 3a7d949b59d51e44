from odoo import http
from odoo.http import request

from odoo.addons.mail.controllers.thread import ThreadController


class HelpdeskLiteThreadController(ThreadController):

    @http.route()
    def mail_message_post(self, thread_model, thread_id, post_data, context=None, **kwargs):
        """A post on a ticket that used canned responses: flag it so that the ticket fills the responses'
        variables on the server (``message_post``) and counts their use."""
        if thread_model == 'helpdesk.lite.ticket':
            canned_ids = [cid for cid in kwargs.get('canned_response_ids') or [] if isinstance(cid, int)]
            if canned_ids:
                request.update_context(helpdesk_lite_canned_ids=canned_ids)
        return super().mail_message_post(thread_model, thread_id, post_data, context=context, **kwargs)
