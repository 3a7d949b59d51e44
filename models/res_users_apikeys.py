from odoo import api, fields, models

from .ir_http import API_KEY_SCOPE


class ResUsersApikeys(models.Model):
    _inherit = 'res.users.apikeys'

    @api.model
    def _generate(self, scope, name, expiration_date):
        # the key wizard passes no scope: "Helpdesk Lite API only" gives the key this API's scope
        if scope is None and self.env.context.get('helpdesk_lite_api_only'):
            scope = API_KEY_SCOPE
        return super()._generate(scope, name, expiration_date)


class ResUsersApikeysDescription(models.TransientModel):
    _inherit = 'res.users.apikeys.description'

    helpdesk_lite_api_only = fields.Boolean(
        string='Helpdesk Lite API only',
        help='The key then opens the Helpdesk Lite REST API only: XML-RPC, JSON-RPC and the web login refuse it.')

    def make_key(self):
        return super(ResUsersApikeysDescription, self.with_context(
            helpdesk_lite_api_only=self.helpdesk_lite_api_only)).make_key()
