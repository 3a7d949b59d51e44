from odoo import api, models


class MailThread(models.AbstractModel):
    """Route filter of the appointment request alias: invalid requests create nothing."""
    _inherit = 'mail.thread'

    @api.model
    def message_route(self, message, message_dict, model=None, thread_id=None, custom_values=None):
        routes = super().message_route(message, message_dict, model=model, thread_id=thread_id,
                                       custom_values=custom_values)
        Appointment = self.env['helpdesk.lite.appointment']
        if any(route[0] == Appointment._name for route in routes):
            routes = Appointment._mail_route_request(message, message_dict, routes)
        return routes
