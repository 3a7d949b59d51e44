from odoo import api, fields, models, tools
from odoo.exceptions import UserError, ValidationError
from odoo.osv import expression
from odoo.tools import SQL, email_normalize

from . import helpdesk_lite_api_payload as payload_
from .helpdesk_lite_ticket import CHANNEL_SELECTION, PRIORITY_SELECTION, TITLE_MAX_LENGTH
from .helpdesk_lite_ticket_sla import SLA_STATUS_SELECTION
from .helpdesk_lite_stage import LIFECYCLE_SELECTION
from .helpdesk_lite_ticket_portal import PORTAL_NAME_MAX

# The API speaks words for priorities; the model stores '0'..'3'.
API_PRIORITIES = {label.lower(): key for key, label in PRIORITY_SELECTION}
PRIORITY_WORDS = {key: word for word, key in API_PRIORITIES.items()}
API_STATUSES = {key: key for key, _label in LIFECYCLE_SELECTION}
API_CHANNELS = {key: key for key, _label in CHANNEL_SELECTION}
API_SLA_STATUSES = {key: key for key, _label in SLA_STATUS_SELECTION}
MAX_DESCRIPTION = 100_000
MAX_QUERY = 200
# Columns of a serialized ticket, fetched by the list's search query itself.
LIST_FIELDS = ['number', 'name', 'lifecycle', 'stage_id', 'priority', 'partner_id', 'partner_email', 'partner_name',
               'user_id', 'category_id', 'team_id', 'channel', 'sla_status', 'sla_next_deadline',
               'create_date', 'write_date', 'closed_date', 'first_response_date', 'merged_into_id', 'company_id']
# sort parameter -> order clause; every order ends with id for a stable paging
SORTS = {
    'created_at': 'create_date', 'updated_at': 'write_date', 'priority': 'priority',
    'sla_deadline': 'sla_next_deadline', 'ticket_number': 'number', 'id': 'id',
}
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
CREATE_MEMBERS = {'subject', 'description', 'requester_email', 'requester_name', 'requester_phone', 'priority',
                  'category_id', 'team_id', 'assignee_id', 'tag_ids', 'channel', 'workspace_id'}
UPDATE_MEMBERS = CREATE_MEMBERS - {'channel', 'workspace_id'} | {'status'}


class HelpdeskLiteTicketApi(models.Model):
    """JSON API of tickets: validation and serialisation live here, the controllers only speak HTTP.
    Everything runs as the API key's user: access rights and record rules apply; ids of records that
    user cannot read are treated exactly like ids that do not exist."""
    _inherit = 'helpdesk.lite.ticket'

    def init(self):
        super().init()
        # Incremental sync (``updated_since``) and ``sort=-updated_at`` read tickets by last change.
        self.env.cr.execute(SQL(
            "CREATE INDEX IF NOT EXISTS helpdesk_lite_ticket_write_date_index ON %s (write_date, id)",
            SQL.identifier(self._table)))

    # ------------------------------------------------------------------------
    # Serialisation
    # ------------------------------------------------------------------------
    def _api_serialize(self, detail=True):
        """The API JSON of one ticket (with its description when ``detail``)."""
        self.ensure_one()
        return self._api_serialize_many(detail=detail)[0]

    def _api_serialize_many(self, detail=False):
        """The API JSON of all these tickets, in a constant number of queries (the ORM prefetches
        each related model once for the whole recordset). The caller has checked that the user may read
        these tickets; names of stages, assignees and tags are read as superuser, as the portal shows them."""
        rows = []
        for ticket in self.sudo():
            row = {
                'id': ticket.id,
                'ticket_number': ticket.number,
                'subject': ticket.name,
                'status': ticket.lifecycle or None,
                'stage': ticket.stage_id.name or None,
                'priority': PRIORITY_WORDS.get(ticket.priority),
                'channel': ticket.channel,
                'requester_email': ticket.partner_email or None,
                'requester_name': ticket.partner_name or None,
                'customer_id': ticket.partner_id.id or None,
                'assignee_id': ticket.user_id.id or None,
                'assignee': ticket.user_id.name or None,
                'category_id': ticket.category_id.id or None,
                'team_id': ticket.team_id.id or None,
                'tag_ids': ticket.tag_ids.ids,
                'sla_status': ticket.sla_status or None,
                'sla_deadline': payload_.iso(ticket.sla_next_deadline),
                'merged_into_id': ticket.merged_into_id.id or None,
                'created_at': payload_.iso(ticket.create_date),
                'updated_at': payload_.iso(ticket.write_date),
                'closed_at': payload_.iso(ticket.closed_date),
                'first_response_at': payload_.iso(ticket.first_response_date),
            }
            if detail:
                row['description'] = tools.html2plaintext(ticket.description) if ticket.description else ''
                row['description_html'] = ticket.description or ''
            rows.append(row)
        return rows

    # ------------------------------------------------------------------------
    # List
    # ------------------------------------------------------------------------
    @api.model
    def _api_list_domain(self, params):
        """Domain of the list's query-string filters (all optional, combined with AND)."""
        domain = []
        if params.get('status'):
            domain.append([('lifecycle', 'in', payload_.parse_words('status', params['status'], API_STATUSES))])
        if params.get('priority'):
            domain.append([('priority', 'in', payload_.parse_words('priority', params['priority'], API_PRIORITIES))])
        assignee = params.get('assignee_id')
        if assignee:
            if assignee == 'me':
                domain.append([('user_id', '=', self.env.uid)])
            elif assignee == 'none':
                domain.append([('user_id', '=', False)])
            else:
                domain.append([('user_id', 'in', payload_.parse_id_list('assignee_id', assignee))])
        for name, field, operator in (('team_id', 'team_id', 'in'), ('category_id', 'category_id', 'child_of'),
                                      ('tag_id', 'tag_ids', 'in'), ('customer_id', 'partner_id', 'in')):
            if params.get(name):
                domain.append([(field, operator, payload_.parse_id_list(name, params[name]))])
        if params.get('channel'):
            domain.append([('channel', 'in', payload_.parse_words('channel', params['channel'], API_CHANNELS))])
        if params.get('sla_status'):
            domain.append([('sla_status', 'in', payload_.parse_words(
                'sla_status', params['sla_status'], API_SLA_STATUSES))])
        if params.get('requester_email'):
            email = email_normalize(params['requester_email'])
            if not email:
                raise payload_.ApiBadRequest('requester_email', 'is not a valid email address')
            domain.append([('partner_email', '=ilike', email)])
        for name, field, operator in (('created_from', 'create_date', '>='), ('created_to', 'create_date', '<='),
                                      ('updated_since', 'write_date', '>=')):
            if params.get(name):
                domain.append([(field, operator, payload_.parse_datetime(name, params[name]))])
        query = (params.get('q') or '').strip()
        if query:
            if len(query) > MAX_QUERY:
                raise payload_.ApiBadRequest('q', f'is longer than {MAX_QUERY} characters')
            domain.append(['|', ('number', '=ilike', query), ('name', 'ilike', query)])
        return expression.AND(domain) if domain else []

    @api.model
    def _api_list_order(self, sort):
        if not sort:
            return 'id desc'
        parts = []
        for key in sort.split(','):
            key = key.strip()
            descending = key.startswith('-')
            column = SORTS.get(key.lstrip('-'))
            if not column:
                raise payload_.ApiBadRequest('sort', 'must be one of %s, each optionally prefixed with "-"'
                                             % ', '.join(SORTS))
            parts.append(f'{column} {"desc" if descending else "asc"}')
        if not any(part.startswith('id ') for part in parts):
            parts.append('id desc')
        return ', '.join(parts)

    @api.model
    def _api_list(self, params):
        """``{"tickets": [...], "pagination": {...}}`` for the query-string ``params``.

        Queries: the count, the page (one query fetching the listed columns) and one per related model
        shown (stages, users' names, tags): the same whatever the number of tickets. ``include_total=false``
        skips the count."""
        domain = self._api_list_domain(params)
        order = self._api_list_order(params.get('sort'))
        page = payload_.parse_int('page', params.get('page') or 1, maximum=1_000_000)
        limit = payload_.parse_int('limit', params.get('limit') or DEFAULT_LIMIT, maximum=MAX_LIMIT)
        with_total = str(params.get('include_total', 'true')).lower() not in ('0', 'false')
        tickets = self.search_fetch(domain, LIST_FIELDS, offset=(page - 1) * limit, limit=limit, order=order)
        pagination = {'page': page, 'limit': limit}
        if with_total:
            total = self.search_count(domain)
            pagination.update(total=total, totalPages=-(-total // limit))
        pagination['has_more'] = len(tickets) == limit and (not with_total or page * limit < pagination['total'])
        return {'tickets': tickets._api_serialize_many(), 'pagination': pagination}

    # ------------------------------------------------------------------------
    # Create and update
    # ------------------------------------------------------------------------
    @api.model
    def _api_ref(self, model, record_id, field):
        """The record ``record_id`` of ``model`` if the user can read it; a missing and an unreadable id
        give the same error."""
        record = self.env[model].browse(record_id)
        if not record.exists() or not record.has_access('read'):
            raise ValidationError(self.env._('"%(field)s": %(id)s does not name an existing record.',
                                             field=field, id=record_id))
        return record

    @api.model
    def _api_assignee(self, user_id):
        user = self._api_ref('res.users', user_id, 'assignee_id')
        if user.share or not user.active:
            raise ValidationError(self.env._('"assignee_id": tickets can only be assigned to internal users.'))
        return user

    @api.model
    def _api_values(self, payload, members):
        """Ticket values of a create or update payload (only the members present)."""
        payload_.require_object(payload)
        payload_.reject_unknown(payload, members)
        vals = {}
        subject = payload_.read_str(payload, 'subject', required='subject' in payload, max_length=TITLE_MAX_LENGTH)
        if subject:
            vals['name'] = subject
        description = payload_.read_str(payload, 'description', max_length=MAX_DESCRIPTION, strip=False)
        if description is not None:
            # plain text from the API: line breaks kept, never interpreted as HTML
            vals['description'] = tools.plaintext2html(description) if description else False
        if 'requester_email' in payload:
            email = payload_.read_str(payload, 'requester_email', max_length=254)
            normalized = email_normalize(email) if email else False
            if email and not normalized:
                raise payload_.ApiBadRequest('requester_email', 'is not a valid email address')
            partner = self.env['res.partner'].search([('email_normalized', '=', normalized)], limit=1) \
                if normalized else self.env['res.partner']
            vals['partner_id'] = partner.id
            if not partner:
                vals['partner_email'] = normalized or False
        for member, field in (('requester_name', 'partner_name'), ('requester_phone', 'partner_phone')):
            value = payload_.read_str(payload, member, max_length=PORTAL_NAME_MAX)
            if value is not None and not vals.get('partner_id'):
                vals[field] = value
        priority = payload_.read_choice(payload, 'priority', API_PRIORITIES)
        if priority is not None:
            vals['priority'] = priority
        channel = payload_.read_choice(payload, 'channel', API_CHANNELS)
        if channel is not None:
            vals['channel'] = channel
        for member, model, field in (('category_id', 'helpdesk.lite.category', 'category_id'),
                                     ('team_id', 'helpdesk.lite.team', 'team_id')):
            if member in payload:
                record_id = payload_.read_id(payload, member)
                vals[field] = record_id and self._api_ref(model, record_id, member).id
        if 'assignee_id' in payload:
            user_id = payload_.read_id(payload, 'assignee_id')
            vals['user_id'] = user_id and self._api_assignee(user_id).id
        if 'tag_ids' in payload:
            tags = [self._api_ref('helpdesk.lite.tag', tag_id, 'tag_ids').id
                    for tag_id in payload_.read_ids(payload, 'tag_ids') or []]
            vals['tag_ids'] = [fields.Command.set(tags)]
        payload_.read_str(payload, 'workspace_id', max_length=PORTAL_NAME_MAX)  # accepted, the team decides
        return vals

    @api.model
    def _api_create(self, payload):
        """Create a ticket from an API payload; returns the new ticket."""
        vals = self._api_values(payload, CREATE_MEMBERS)
        if 'name' not in vals:
            raise payload_.ApiBadRequest('subject', 'is required')
        vals.setdefault('channel', 'api')
        return self.create(vals)

    def _api_update(self, payload):
        """PATCH (and PUT, with the same partial semantics): only the members sent change. ``status``
        moves the ticket to the first stage of that lifecycle step."""
        self.ensure_one()
        status = payload_.read_choice(payload_.require_object(payload), 'status', API_STATUSES)
        vals = self._api_values(payload, UPDATE_MEMBERS)
        if vals:
            self.write(vals)
        if status and status != self.lifecycle:
            if self.merged_into_id:
                raise UserError(self.env._('A merged ticket cannot change status.'))
            self._move_to_lifecycle((status,))
        return self

    # ------------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------------
    def _api_action(self, action, payload):
        """resolve, close, reopen, assign (``assignee_id``, default: the key's user), unassign, merge
        (``ticket_ids``: merged into this ticket)."""
        self.ensure_one()
        payload = payload_.require_object(payload if payload is not None else {})
        if action == 'assign':
            payload_.reject_unknown(payload, {'assignee_id'})
            user_id = payload_.read_id(payload, 'assignee_id')
            self.action_assign(self._api_assignee(user_id) if user_id else self.env.user)
        elif action == 'merge':
            payload_.reject_unknown(payload, {'ticket_ids'})
            ids = payload_.read_ids(payload, 'ticket_ids', required=True)
            sources = self.browse([self._api_ref(self._name, ticket_id, 'ticket_ids').id for ticket_id in ids])
            if not sources - self:
                raise ValidationError(self.env._('"ticket_ids": name at least one other ticket.'))
            sources.check_access('write')
            self._merge_from(sources)
        else:
            payload_.reject_unknown(payload, set())
            getattr(self, f'action_{action}')()
        return self

    # ------------------------------------------------------------------------
    # Compatibility: the first API (``POST /helpdesk_lite/api/tickets``) called this over RPC too
    # ------------------------------------------------------------------------
    @api.model
    def api_create_ticket(self, payload):
        """Create a ticket from an API payload and return it serialised (ValidationError on bad input)."""
        return self._api_create(payload)._api_serialize()
