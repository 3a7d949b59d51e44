"""What every REST API route shares: the route decorator (authentication, errors, idempotency), JSON in
and out, and looking a record up with the "not yours = does not exist" rule."""
import functools
import hashlib
import json

from psycopg2 import IntegrityError

from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY, _as_validation_error

from odoo.addons.helpdesk_lite.models.helpdesk_lite_api_idempotency import MAX_KEY
from odoo.addons.helpdesk_lite.models.helpdesk_lite_api_payload import MAX_ID, ApiBadRequest
from odoo.addons.helpdesk_lite.models.ir_http import MAX_BODY, ApiProblem, problem_from_exception
from odoo.addons.helpdesk_lite.tools.input_validation import find_nul

PREFIX = '/helpdesk_lite/api/v1'
PUBLIC_PREFIX = '/helpdesk_lite/api/public'


def api_route(paths, methods, *, auth='helpdesk_lite_key', idempotent=False):
    """An API route: JSON, no CSRF token nor session (programs send a key), ``readonly`` for GETs,
    body size limited. Any error becomes a problem+json answer and rolls the transaction back.
    ``idempotent``: honour the ``Idempotency-Key`` header (creating POSTs)."""
    def decorator(func):
        @functools.wraps(func)
        def wrapper(self, *args, **kwargs):
            try:
                if idempotent and request.httprequest.headers.get('Idempotency-Key'):
                    response = _idempotent(func, self, *args, **kwargs)
                else:
                    response = func(self, *args, **kwargs)
                request.env.flush_all()  # constraint errors surface here, as 409/422, not after the answer
                return response
            except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
                raise  # Odoo runs the request again
            except IntegrityError as error:
                raise ApiProblem(409, str(_as_validation_error(request.env, error).args[0])) from None
            except Exception as error:  # noqa: BLE001 - every error is answered as a problem
                raise problem_from_exception(error) from None
        return http.route(
            paths, type='http', auth=auth, methods=methods, csrf=False, save_session=False,
            readonly=methods == ['GET'], max_content_length=MAX_BODY, helpdesk_lite_api=True)(wrapper)
    return decorator


def _idempotent(func, controller, *args, **kwargs):
    key = request.httprequest.headers['Idempotency-Key'].strip()
    if not key or len(key) > MAX_KEY:
        raise ApiBadRequest('Idempotency-Key', f'must be 1 to {MAX_KEY} characters')
    httprequest = request.httprequest
    digest = hashlib.sha256(httprequest.get_data(cache=True)).hexdigest()
    route = f'{httprequest.method} {httprequest.path}'
    Idempotency = request.env['helpdesk.lite.api.idempotency'].sudo()
    outcome = Idempotency._begin(key, route, digest)
    if outcome is None:
        response = func(controller, *args, **kwargs)
        Idempotency._finish(response.status_code, json.loads(response.get_data() or 'null'))
        return response
    if outcome[0] == 'replay':
        return json_response(outcome[2], status=outcome[1], headers={'Idempotent-Replayed': 'true'})
    if outcome[0] == 'mismatch':
        raise ApiProblem(422, 'This Idempotency-Key was used for another request.')
    raise ApiProblem(409, 'A request with this Idempotency-Key is still in progress; retry later.')


def json_body(required=True):
    """The request's JSON body (already checked: JSON content type, at most MAX_BODY bytes)."""
    data = request.httprequest.get_data(cache=True)
    if not data.strip():
        if required:
            raise ApiBadRequest('body', 'is required (a JSON object)')
        return {}
    try:
        body = json.loads(data)
    except (ValueError, RecursionError):
        raise ApiBadRequest('body', 'is not valid JSON') from None
    field = find_nul(body)
    if field:  # PostgreSQL cannot store it: a 400 naming the field, before anything is written
        raise ApiBadRequest(field, 'contains a NUL character, which is not allowed')
    return body


def json_response(data, status=200, headers=None):
    if status == 204:
        return request.make_response('', status=204, headers=list((headers or {}).items()))
    return request.make_json_response(data, headers=list((headers or {}).items()), status=status)


def find(model, record_id):
    """The record, if the user can read it; the same 404 whether it does not exist or is not theirs."""
    record = request.env[model].browse(record_id)
    try:
        if not 0 < record_id <= MAX_ID or not record.exists():
            raise MissingError(record_id)
        record.check_access('read')
    except (AccessError, MissingError):
        raise ApiProblem(404, 'Not found.') from None
    return record


def check_model_access(model, operation):
    """403 when the user may not ``operation`` this model at all (before any id is looked at)."""
    if not request.env[model].has_access(operation):
        raise ApiProblem(403, f'This API key may not {operation} {request.env[model]._description} records.')
