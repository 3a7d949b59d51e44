from odoo import http
from odoo.http import request

from ..export import csv_response
from .common import PREFIX, api_route, check_model_access, json_response

REPORT = 'helpdesk.lite.ticket.report'
FIGURES = {
    'overview': '_api_overview', 'volume': '_api_volume', 'distribution': '_api_distribution',
    'agents': '_api_agents', 'sla/detailed': '_api_sla_detailed', 'csat': '_api_csat',
    'peak-hours': '_api_peak_hours',
}


def _paths(name):
    return [f'{PREFIX}/analytics/{name}', f'{PREFIX}/tickets/analytics/{name}']


class HelpdeskLiteApiAnalytics(http.Controller):
    """Analytics (agents and managers, through the ticket analysis and its record rules) and the CSV
    export (managers, the same file as the backend's "Export Tickets CSV")."""

    @api_route([path for name in FIGURES for path in _paths(name)], ['GET'])
    def api_analytics(self, **params):
        check_model_access(REPORT, 'read')
        path = request.httprequest.path
        name = path.split('/analytics/', 1)[1].rstrip('/')
        return json_response(getattr(request.env[REPORT], FIGURES[name])(params))

    @api_route(_paths('export'), ['GET'])
    def api_analytics_export(self, **params):
        """Stream the tickets matching the list filters (``status``, ``priority``, ``team_id``, ``q``,
        ``updated_since``, ...) as CSV."""
        Export = request.env['helpdesk.lite.ticket.export']
        Export._check_export_access()
        domain = request.env['helpdesk.lite.ticket']._api_list_domain(params)
        # integrations read columns by field name; header=labels gives the human titles of the backend export
        return csv_response(Export._search_ticket_ids(domain), with_bom=params.get('bom') not in ('0', 'false'),
                            technical=params.get('header') != 'labels')
