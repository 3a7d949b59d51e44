"""Reading many tickets at once: the values of a plain column are taken from the cache in one pass.

The ORM's ``_read_format`` reads every value through ``record[name]`` (a singleton, a field descriptor,
a cache lookup and a conversion per value); a list of 80 tickets with 30 columns, or a kanban load of
120 cards, pays most of its Python time there. Here the columns of scalar fields, and many2one ids
when no display name is asked (``web_read``), are read as ``Field.mapped`` reads a column: the cache
for the whole batch, fetched or computed on the first miss exactly as ``record[name]`` would do it,
then the field's own conversions. The result is the ORM's, key for key: relational and other columns
go through the ORM's method, and a batch with a record that vanished is handed to it whole.

The columns only the form, the portal page or a job reads (the description above all) are fetched in a
prefetch group of their own: a list or a kanban load no longer carries them for every row, and a form
still reads them with the others in one query.
"""
from odoo import fields, models
from odoo.exceptions import MissingError

# field types whose read value is convert_to_read(convert_to_record(cache value))
SCALAR_TYPES = frozenset({'boolean', 'char', 'date', 'datetime', 'float', 'html', 'integer', 'monetary',
                          'selection', 'text'})
# ... and of those, the ones for which both conversions only turn None into False (no callable translate)
PLAIN_TYPES = frozenset({'boolean', 'char', 'date', 'datetime', 'selection', 'text'})


class _CacheMiss(Exception):
    """A value the field's own getter did not leave in the cache: the batch goes the ORM's way."""


# the prefetch group of the columns lists and kanban cards never read
DETAIL = 'helpdesk_lite_detail'


class HelpdeskLiteTicket(models.Model):
    _inherit = 'helpdesk.lite.ticket'

    description = fields.Html(prefetch=DETAIL)
    merged_numbers = fields.Char(prefetch=DETAIL)
    parent_ticket_id = fields.Many2one(prefetch=DETAIL)
    resolution_work_hours = fields.Float(prefetch=DETAIL)
    auto_close_warned_date = fields.Datetime(prefetch=DETAIL)
    partner_mobile = fields.Char(prefetch=DETAIL)
    resolution_rating_id = fields.Many2one(prefetch=DETAIL)
    unverified_partner_id = fields.Many2one(prefetch=DETAIL)
    discuss_channel_id = fields.Many2one(prefetch=DETAIL)
    create_uid = fields.Many2one(prefetch=DETAIL)
    write_uid = fields.Many2one(prefetch=DETAIL)

    def _read_format(self, fnames, load='_classic_read'):
        use_display_name = load == '_classic_read'
        columns = [name for name in fnames if name != 'id'
                   and self._read_format_in_bulk(self._fields[name], use_display_name)]
        if len(self) < 2 or not columns or not all(isinstance(id_, int) for id_ in self._ids):
            return super()._read_format(fnames, load)
        try:
            records = list(self)
            values = {name: self._read_format_column(self._fields[name], records) for name in columns}
        except (MissingError, _CacheMiss):
            return super()._read_format(fnames, load)
        result = super()._read_format([name for name in fnames if name not in values], load)
        if len(result) != len(self):
            # a record vanished: the ORM leaves it out, field by field
            return super()._read_format(fnames, load)
        for name, column in values.items():
            for vals, value in zip(result, column):
                vals[name] = value
        return result

    def _read_format_in_bulk(self, field, use_display_name):
        if field.type == 'many2one':
            return not use_display_name
        return field.type in SCALAR_TYPES and not callable(field.translate)

    def _read_format_column(self, field, records):
        """The read values of ``field`` for ``records`` (the singletons of ``self``, in order)."""
        raw = self._read_format_cache_values(field)
        if field.type == 'many2one' or field.type in PLAIN_TYPES:
            # their record value is the cached one (None as False), read as it is; a many2one's is its id
            return [False if value is None else value for value in raw]
        to_record, to_read = field.convert_to_record, field.convert_to_read
        return [to_read(to_record(value, record), record, False) for value, record in zip(raw, records)]

    def _read_format_cache_values(self, field):
        """``Field.mapped`` without its conversion: the cached values of ``field`` for ``self``, the
        missing ones fetched (or computed) for the whole prefetch set by the field's own getter."""
        if field.compute and field.store:
            field.recompute(self)
        cache = self.env.cache
        values = cache.get_until_miss(self, field)
        while len(values) < len(self):
            remaining = self.__class__(self.env, self._ids[len(values):], self._prefetch_ids)
            field.__get__(next(iter(remaining)))  # a singleton that keeps the prefetch set (a slice would not)
            more = cache.get_until_miss(remaining, field)
            if not more:
                raise _CacheMiss(field.name)
            values += more
        return values
