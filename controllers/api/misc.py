from odoo import http
from odoo.http import request
from odoo.tools import file_open

from .common import PREFIX, api_route, json_response

OPENAPI_PATH = 'helpdesk_lite/static/openapi/helpdesk_lite_v1.json'


class HelpdeskLiteApiMisc(http.Controller):

    @api_route(f'{PREFIX}/openapi.json', ['GET'], auth='helpdesk_lite_public')
    def api_openapi(self, **_params):
        """The OpenAPI 3.1 description of this API (also shipped as static/openapi/helpdesk_lite_v1.json)."""
        with file_open(OPENAPI_PATH, 'rb') as file:
            return request.make_response(file.read(), headers=[('Content-Type', 'application/json')])

    @api_route(f'{PREFIX}/me', ['GET'])
    def api_me(self, **_params):
        """Who the key belongs to, and what it may do here."""
        user = request.env.user
        return json_response({
            'id': user.id, 'name': user.name, 'email': user.email or None, 'is_agent': not user.share,
            'is_manager': user.has_group('helpdesk_lite.group_helpdesk_lite_manager'),
            'company_id': user.company_id.id,
        })
