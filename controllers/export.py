import logging

from odoo import api, http
from odoo.http import content_disposition, request

_logger = logging.getLogger(__name__)


class HelpdeskLiteExport(http.Controller):

    @http.route('/helpdesk_lite/export/tickets.csv', type='http', auth='user', methods=['GET'], readonly=True)
    def export_tickets_csv(self, export_id=None, ids=None, bom='1', header='labels', **kwargs):
        """Stream the tickets as CSV (managers only).

        ``export_id``: an export prepared by the "Export Tickets CSV" action (only its creator can use it);
        ``ids``: comma-separated ticket ids; neither: every ticket the manager can read. ``header=technical``
        titles the columns with field names instead of labels. A GET without side
        effects, so no CSRF token is needed; the download is bound to the session's user and rights.
        """
        Export = request.env['helpdesk.lite.ticket.export']
        Export._check_export_access()
        try:
            export_id = int(export_id) if export_id else None
            ticket_ids = [int(i) for i in ids.split(',') if i.strip()] if ids else None
        except ValueError as e:
            raise request.not_found() from e
        if export_id:
            # Record rule: one's own exports only. Expired, foreign and unknown ones all answer 404.
            export = Export.search([('id', '=', export_id)])
            if not export:
                raise request.not_found()
            domain = export._get_domain()
        elif ticket_ids is not None:
            domain = [('id', 'in', ticket_ids)]
        else:
            domain = []
        ticket_ids = Export._search_ticket_ids(domain)
        return csv_response(ticket_ids, with_bom=bom not in ('0', 'false', 'False'), technical=header == 'technical')


def csv_response(ticket_ids, with_bom=True, technical=False):
    """Stream ``ticket_ids`` as a CSV download (``helpdesk.lite.ticket.export`` format; column titles are
    labels, or field names with ``technical``)."""
    filename = request.env['helpdesk.lite.ticket.export']._get_filename()
    # The response body is produced after this request's transaction has ended: read with a cursor
    # of its own, as the same user with the same context (language for the labels).
    registry, uid, context = request.env.registry, request.env.uid, dict(request.env.context)

    def stream():
        with registry.cursor(readonly=True) as cr:
            env = api.Environment(cr, uid, context)
            try:
                yield from env['helpdesk.lite.ticket.export']._csv_chunks(
                    ticket_ids, bom=with_bom, technical=technical)
            except Exception:
                # Headers are already sent: the client sees a truncated file; say why in the log.
                _logger.exception('Helpdesk Lite CSV export of %s tickets failed', len(ticket_ids))
                raise

    return request.make_response(stream(), headers=[
        ('Content-Type', 'text/csv; charset=utf-8'),
        ('Content-Disposition', content_disposition(filename)),
        ('Cache-Control', 'no-store'),
        ('X-Content-Type-Options', 'nosniff'),
    ])
