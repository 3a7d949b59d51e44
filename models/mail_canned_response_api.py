from markupsafe import escape

from odoo import api, fields, models

from . import helpdesk_lite_api_payload as payload_

MEMBERS = {'title', 'shortcut', 'content', 'group_ids', 'category_id'}


class MailCannedResponseApi(models.Model):
    """Canned responses in the JSON API: Odoo's own ``mail.canned.response`` (the ``:shortcut`` of the
    chatter), with its record rules: everyone reads their own and those shared with their groups,
    edits their own; canned-response admins edit all."""
    _inherit = 'mail.canned.response'

    def _api_serialize_many(self):
        return [{
            'id': canned.id,
            'title': canned.description or canned.source,
            'shortcut': canned.source,
            'content': canned.substitution,
            'group_ids': canned.group_ids.ids,
            'is_shared': canned.is_shared,
            'last_used': payload_.iso(canned.last_used),
            'created_by': canned.create_uid.id or None,
            'category_id': canned.helpdesk_lite_category_id.id or None,
            'usage_count': canned.helpdesk_lite_use_count,
        } for canned in self]

    @api.model
    def _api_values(self, payload, creating=False):
        payload_.require_object(payload)
        payload_.reject_unknown(payload, MEMBERS)
        vals = {}
        for member, field, max_length in (('shortcut', 'source', 64), ('content', 'substitution', 20_000),
                                          ('title', 'description', 128)):
            value = payload_.read_str(payload, member, required=creating and member != 'title', max_length=max_length)
            if value is not None:
                vals[field] = value
        if 'source' in vals and not vals['source'].replace('_', '').replace('-', '').isalnum():
            raise payload_.ApiBadRequest('shortcut', 'may contain letters, digits, "-" and "_" only')
        if 'group_ids' in payload:
            Ticket = self.env['helpdesk.lite.ticket']
            ids = [Ticket._api_ref('res.groups', group_id, 'group_ids').id
                   for group_id in payload_.read_ids(payload, 'group_ids') or []]
            vals['group_ids'] = [fields.Command.set(ids)]
        if 'category_id' in payload:
            category_id = payload_.read_id(payload, 'category_id')
            vals['helpdesk_lite_category_id'] = category_id and self.env['helpdesk.lite.ticket']._api_ref(
                'helpdesk.lite.category', category_id, 'category_id').id
        return vals

    def _api_use(self, ticket=None):
        """Count a use (what posting with the response does) and return the response; with ``ticket``, its
        ``content`` has the variables filled in for that ticket and ``unknown_variables`` lists those left."""
        self.ensure_one()
        self.sudo()._helpdesk_lite_register_use()
        data = self._api_serialize_many()[0]
        if ticket:
            content, unknown = ticket._helpdesk_lite_fill_canned(escape(self.substitution or ''))
            data.update(content=content.unescape(), unknown_variables=unknown)  # plain text, as stored
        return data
