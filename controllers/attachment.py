from odoo import http
from odoo.http import request

from odoo.addons.mail.controllers.attachment import AttachmentController

TICKET = 'helpdesk.lite.ticket'


class HelpdeskLiteAttachmentController(AttachmentController):

    @http.route()
    def mail_attachment_upload(self, ufile, thread_id, thread_model, is_pending=False, **kwargs):
        """A customer's file for a ticket reply is refused at upload already (the post checks it again),
        with the same policy as the New Ticket form."""
        if thread_model == TICKET and request.env.user.share:
            Ticket = request.env[TICKET]
            max_mb = Ticket._portal_attachment_limits()[1]
            data = ufile.read(max_mb * 1024 * 1024 + 1)
            error = Ticket._portal_check_file(ufile.filename or '', data, max_mb)
            if error:
                return request.make_json_response({'error': error}, status=400)
            ufile.stream.seek(0)
        return super().mail_attachment_upload(ufile, thread_id, thread_model, is_pending=is_pending, **kwargs)
