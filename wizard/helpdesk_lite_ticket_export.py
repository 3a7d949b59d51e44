import ast
import csv
import io

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_repr, html2plaintext, split_every

# Field types left out of the CSV (no x2many; binaries and json blobs are no data for a sheet).
SKIPPED_TYPES = {'one2many', 'many2many', 'binary', 'json', 'properties', 'properties_definition',
                 'reference', 'many2one_reference'}
# Technical noise inherited from the mail/portal/rating mixins.
SKIPPED_PREFIXES = ('message_', 'activity_', 'access_', 'rating_', 'website_')
SKIPPED_FIELDS = {'color', 'display_name', 'duration_tracking', 'my_activity_date_deadline', 'has_message'}
# Non-stored values that still belong in an export.
EXTRA_FIELDS = ('is_overdue', 'age_days', 'rating_last_value')
LEADING_FIELDS = ('id', 'number', 'name')
TRAILING_FIELDS = ('rating_last_value',)
# Text cells starting with these are read as formulas by spreadsheets (CSV injection): such cells get a
# leading apostrophe, as OWASP recommends. Ticket titles and descriptions come from customers.
FORMULA_PREFIXES = ('=', '+', '-', '@', '\t', '\r')


class HelpdeskLiteTicketExport(models.TransientModel):
    """One CSV export of tickets: remembers which tickets (as a domain) between the "Export Tickets CSV"
    server action and the download route, which streams the file in chunks
    (``/helpdesk_lite/export/tickets.csv?export_id=<id>``). Only its creator can read it (transient model
    rule) and only managers can create one.

    CSV format: UTF-8 with a byte-order mark (so that Excel reads non-Latin text right; Python reads it
    with ``encoding='utf-8-sig'``), RFC 4180 quoting and CRLF line ends, one header row of technical field
    names. Selections and many2one fields give their human-readable label in the ``<field>`` column and
    their stored key / database id in ``<field>.value`` / ``<field>.id``. Datetimes are ISO 8601 in UTC
    (``2025-01-31T14:05:00Z``), dates ISO 8601, booleans ``true``/``false``, HTML as plain text.
    """
    _name = 'helpdesk.lite.ticket.export'
    _description = 'Helpdesk Lite Ticket CSV Export'

    domain = fields.Text(required=True, default='[]', help='Ticket domain to export, evaluated with the '
                                                            "downloading user's access rights.")

    _chunk_size = 1000

    # ------------------------------------------------------------------------
    # Access
    # ------------------------------------------------------------------------
    @api.model
    def _check_export_access(self):
        # One rule, the model's access rights (managers only, ir.model.access.csv), checked by every
        # entry point: the server action, the download route and the row producer.
        self.browse().check_access('create')

    # ------------------------------------------------------------------------
    # Server action entry point
    # ------------------------------------------------------------------------
    @api.model
    def _action_export(self, tickets, active_domain=None):
        """Action of "Export Tickets CSV": download the selected tickets. When the selection was cut
        at the web client's limit (the user selected the whole domain), export the domain instead."""
        self._check_export_access()
        limit = int(self.env['ir.config_parameter'].sudo().get_param('web.active_ids_limit', 20000))
        if active_domain is not None and len(tickets) >= limit:
            domain = list(active_domain)
        else:
            domain = [('id', 'in', tickets.ids)]
        export = self.create({'domain': repr(domain)})
        return {
            'type': 'ir.actions.act_url',
            'url': f'/helpdesk_lite/export/tickets.csv?export_id={export.id}',
            'target': 'download',
        }

    def _get_domain(self):
        self.ensure_one()
        try:
            domain = ast.literal_eval(self.domain or '[]')
        except (ValueError, SyntaxError) as e:
            raise UserError(self.env._('Invalid export domain.')) from e
        if not isinstance(domain, list):
            raise UserError(self.env._('Invalid export domain.'))
        return domain

    @api.model
    def _search_ticket_ids(self, domain):
        """Ids to export, searched once with the user's record rules (ids only: 100,000 ids are ~4 MB)."""
        self._check_export_access()
        return self.env['helpdesk.lite.ticket'].search(domain, order='id').ids

    # ------------------------------------------------------------------------
    # CSV
    # ------------------------------------------------------------------------
    @api.model
    def _get_export_fields(self):
        Ticket = self.env['helpdesk.lite.ticket']
        names = []
        for name, field in Ticket._fields.items():
            if field.type in SKIPPED_TYPES:
                continue
            if name not in EXTRA_FIELDS and (
                    not field.store or name in SKIPPED_FIELDS or name.startswith(SKIPPED_PREFIXES)):
                continue
            if field.groups and not self.env.user.has_groups(field.groups):
                continue
            names.append(name)
        middle = [name for name in names if name not in LEADING_FIELDS + TRAILING_FIELDS]
        return [name for name in LEADING_FIELDS if name in names] + middle + \
            [name for name in TRAILING_FIELDS if name in names]

    @api.model
    def _get_header(self, field_names):
        fields_ = self.env['helpdesk.lite.ticket']._fields
        header = []
        for name in field_names:
            header.append(name)
            if fields_[name].type == 'many2one':
                header.append(f'{name}.id')
            elif fields_[name].type == 'selection':
                header.append(f'{name}.value')
        return header

    @api.model
    def _format_row(self, values, field_names, selection_labels, float_digits):
        fields_ = self.env['helpdesk.lite.ticket']._fields
        row = []
        for name in field_names:
            field, value = fields_[name], values[name]
            if field.type == 'many2one':
                row += [value[1], value[0]] if value else ['', '']
            elif field.type == 'selection':
                row += [selection_labels[name].get(value, value), value] if value else ['', '']
            elif field.type == 'boolean':
                row.append('true' if value else 'false')
            elif field.type == 'datetime':
                row.append(value.isoformat(timespec='seconds') + 'Z' if value else '')
            elif field.type == 'date':
                row.append(value.isoformat() if value else '')
            elif field.type == 'float' and float_digits.get(name) is not None:
                row.append(float_repr(value or 0.0, float_digits[name]))
            elif field.type in ('integer', 'float', 'monetary'):
                row.append(value or 0)
            else:
                text = html2plaintext(value) if field.type == 'html' and value else (value or '')
                row.append("'" + text if text.startswith(FORMULA_PREFIXES) else text)
        return row

    @api.model
    def _csv_chunks(self, ticket_ids, bom=True):
        """Yield the CSV as UTF-8 byte chunks, reading ``ticket_ids`` in batches of ``_chunk_size``
        and emptying the ORM cache after each batch, so memory stays flat whatever the count."""
        self._check_export_access()
        Ticket = self.env['helpdesk.lite.ticket']
        field_names = self._get_export_fields()
        selection_labels = {
            name: dict(Ticket._fields[name]._description_selection(self.env))
            for name in field_names if Ticket._fields[name].type == 'selection'
        }
        float_digits = {
            name: (Ticket._fields[name].get_digits(self.env) or (None, None))[1]
            for name in field_names if Ticket._fields[name].type == 'float'
        }
        buffer = io.StringIO()
        writer = csv.writer(buffer, dialect='excel')  # RFC 4180: CRLF, quotes doubled, minimal quoting

        def flush():
            data = buffer.getvalue().encode('utf-8')
            buffer.seek(0)
            buffer.truncate()
            return data

        writer.writerow(self._get_header(field_names))
        yield (b'\xef\xbb\xbf' if bom else b'') + flush()
        for ids in split_every(self._chunk_size, ticket_ids):
            # read() checks access and record rules again, and fetches the batch in a few queries.
            for values in Ticket.browse(ids).read(field_names):
                writer.writerow(self._format_row(values, field_names, selection_labels, float_digits))
            yield flush()
            self.env.invalidate_all()

    @api.model
    def _get_filename(self):
        now = fields.Datetime.context_timestamp(self, fields.Datetime.now())
        return f"tickets-{now.strftime('%Y%m%d-%H%M')}.csv"
