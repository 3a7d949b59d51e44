import werkzeug.exceptions

from odoo import models
from odoo.exceptions import UserError
from odoo.http import request

from ..tools.input_validation import find_nul

OWN_CONTROLLERS = 'odoo.addons.helpdesk_lite.'
# Odoo's rating pages (/rate/<token>/...) carry the submit buttons of the rating mails.
FRAMED_CONTROLLERS = (OWN_CONTROLLERS, 'odoo.addons.rating.')


class IrHttp(models.AbstractModel):
    """What every route of the addon (and the rating pages) gets before it runs:

    * a 400 naming the parameter when a query or form value holds a NUL character (PostgreSQL cannot
      store one: it would end in a 500 deep inside the ORM);
    * anti-framing headers, so that no other site can frame a page with state-changing buttons
      (clickjacking).
    """
    _inherit = 'ir.http'

    @classmethod
    def _pre_dispatch(cls, rule, args):
        super()._pre_dispatch(rule, args)
        module = getattr(getattr(rule.endpoint, 'original_endpoint', rule.endpoint), '__module__', '') or ''
        if not module.startswith(FRAMED_CONTROLLERS):
            return
        headers = request.future_response.headers
        headers.set('X-Frame-Options', 'SAMEORIGIN')
        headers.set('Content-Security-Policy', "frame-ancestors 'self'")
        if module.startswith(OWN_CONTROLLERS) and rule.endpoint.routing.get('type') == 'http':
            httprequest = request.httprequest
            field = find_nul({**args, **httprequest.args.to_dict(), **httprequest.form.to_dict()}) or next(
                (name for name, upload in httprequest.files.items(multi=True) if find_nul(upload.filename)), None)
            if field:
                message = request.env._('"%(field)s" contains a NUL character, which is not allowed.', field=field)
                if rule.endpoint.routing.get('helpdesk_lite_api'):
                    raise werkzeug.exceptions.BadRequest(message)  # the API answers it as problem+json
                # a UserError: Odoo answers 400 with the message (on a page for the frontend routes)
                raise UserError(message)
