"""HTTP glue of the REST API: authentication by API key, rate limiting, request checks done before
the body is parsed, and RFC 9457 problem+json for every error of an API path."""
import hashlib
import json
import logging
import re
import uuid

import werkzeug.exceptions

from odoo import models
from odoo.exceptions import AccessDenied, AccessError, MissingError, UserError, ValidationError
from odoo.http import request, Response

from .helpdesk_lite_api_payload import ApiBadRequest

_logger = logging.getLogger(__name__)

API_PREFIXES = ('/helpdesk_lite/api/',)
API_KEY_SCOPE = 'helpdesk_lite'
JSON_TYPES = ('application/json',)
MAX_BODY = 1024 * 1024
PROBLEM_BASE = 'https://helpdesk-lite.invalid/problems/'
TITLES = {
    400: 'Bad request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not found', 405: 'Method not allowed',
    409: 'Conflict', 413: 'Payload too large', 415: 'Unsupported media type', 422: 'Validation failed',
    429: 'Too many requests', 500: 'Internal error',
}
TYPES = {
    400: 'bad-request', 401: 'unauthorized', 403: 'forbidden', 404: 'not-found', 405: 'method-not-allowed',
    409: 'conflict', 413: 'payload-too-large', 415: 'unsupported-media-type', 422: 'validation',
    429: 'rate-limited', 500: 'internal',
}


class ApiProblem(werkzeug.exceptions.HTTPException):
    """An API error answered as ``application/problem+json`` (RFC 9457). Being an HTTPException, Odoo
    rolls the transaction back and answers it as is, without logging a traceback."""

    def __init__(self, status, detail=None, errors=None, headers=None):
        super().__init__(description=detail)
        self.code = status
        self.detail = detail
        self.errors = errors
        self.extra_headers = dict(headers or {})

    def get_response(self, environ=None, scope=None):
        return problem_response(self.code, self.detail, self.errors, self.extra_headers)


def problem_response(status, detail=None, errors=None, headers=None):
    body = {
        'type': PROBLEM_BASE + TYPES.get(status, 'error'),
        'title': TITLES.get(status, 'Error'),
        'status': status,
        'detail': detail or TITLES.get(status, 'Error'),
        'request_id': uuid.uuid4().hex,
    }
    if errors:
        body['errors'] = errors
    response = Response(json.dumps(body, ensure_ascii=False), status=status, content_type='application/problem+json')
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if status == 401:
        response.headers['WWW-Authenticate'] = 'Bearer realm="helpdesk_lite"'
    add_rate_headers(response)
    return response


def problem_from_exception(exc):
    """The ApiProblem answering any exception raised while serving an API request."""
    if isinstance(exc, ApiProblem):
        return exc
    if isinstance(exc, ApiBadRequest):
        return ApiProblem(400, str(exc), exc.errors)
    if isinstance(exc, MissingError):
        return ApiProblem(404, 'Not found.')
    if isinstance(exc, (AccessError, AccessDenied)):
        return ApiProblem(403, str(exc.args[0]) if exc.args else None)
    if isinstance(exc, ValidationError):
        return ApiProblem(422, str(exc.args[0]))
    if isinstance(exc, UserError):
        return ApiProblem(409, str(exc.args[0]))
    if isinstance(exc, werkzeug.exceptions.RequestEntityTooLarge):
        return ApiProblem(413, f'The request body is larger than {MAX_BODY} bytes.')
    if isinstance(exc, werkzeug.exceptions.HTTPException) and exc.code and exc.code < 500:
        return ApiProblem(exc.code, exc.description)
    # never a traceback nor an internal message to the client: the request id ties the log to it
    problem = ApiProblem(500, 'The request could not be processed.')
    _logger.error('Helpdesk Lite API: unexpected error on %s %s', request.httprequest.method,
                  request.httprequest.path, exc_info=exc)
    return problem


def add_rate_headers(response):
    rate = request and getattr(request, 'helpdesk_lite_rate', None)
    if rate and rate[0]:
        limit, hits, reset = rate
        response.headers['X-RateLimit-Limit'] = str(limit)
        response.headers['X-RateLimit-Remaining'] = str(max(limit - hits, 0))
        response.headers['X-RateLimit-Reset'] = str(reset)


def is_api_path(path):
    return path.startswith(API_PREFIXES)


def bearer_token():
    header = request.httprequest.headers.get('Authorization') or ''
    match = re.match(r'^bearer\s+(\S+)\s*$', header, re.IGNORECASE)
    return match and match[1]


class IrHttp(models.AbstractModel):
    _inherit = 'ir.http'

    @classmethod
    def _helpdesk_lite_rate_limit(cls, bucket, kind):
        """Count this request (first thing of the request, see ``helpdesk.lite.api.rate``); 429 past the limit."""
        limit, hits, reset = request.env['helpdesk.lite.api.rate'].sudo()._hit(bucket, kind)
        request.helpdesk_lite_rate = (limit, hits, reset)
        if limit and hits > limit:
            raise ApiProblem(429, f'Rate limit of {limit} requests per minute reached; retry in {reset} s.',
                             headers={'Retry-After': str(reset)})

    @classmethod
    def _auth_method_helpdesk_lite_key(cls):
        """``Authorization: Bearer <Odoo API key>``: a global key, or one limited to this API (scope
        "helpdesk_lite", which XML-RPC, JSON-RPC and the web client never accept). Browser sessions are not
        accepted: the API is for programs, and a session cookie would make it open to CSRF."""
        token = bearer_token()
        if not token:
            raise ApiProblem(401, 'Send an API key: "Authorization: Bearer <key>".')
        cls._helpdesk_lite_rate_limit('key:' + hashlib.sha256(token.encode()).hexdigest()[:40], 'key')
        uid = request.env['res.users.apikeys']._check_credentials(scope=API_KEY_SCOPE, key=token)
        if not uid:
            raise ApiProblem(401, 'Invalid or expired API key.')
        request.update_env(user=uid)

    @classmethod
    def _auth_method_helpdesk_lite_public(cls):
        """Public API endpoints (ticket tokens only): rate limited per client address."""
        address = request.httprequest.remote_addr or ''
        cls._helpdesk_lite_rate_limit('ip:' + hashlib.sha256(address.encode()).hexdigest()[:40], 'ip')
        cls._auth_method_public()

    @classmethod
    def _pre_dispatch(cls, rule, args):
        super()._pre_dispatch(rule, args)
        if rule.endpoint.routing.get('helpdesk_lite_api'):
            cls._helpdesk_lite_check_body()

    @classmethod
    def _helpdesk_lite_check_body(cls):
        """Refuse oversized bodies and other content types than JSON before anything reads the body."""
        httprequest = request.httprequest
        if httprequest.method not in ('POST', 'PUT', 'PATCH'):
            return
        length = httprequest.content_length
        if length and length > MAX_BODY:
            raise ApiProblem(413, f'The request body is larger than {MAX_BODY} bytes.')
        if (length or httprequest.headers.get('Transfer-Encoding')) and httprequest.mimetype not in JSON_TYPES:
            raise ApiProblem(415, 'Send the body as application/json.')

    @classmethod
    def _post_dispatch(cls, response):
        super()._post_dispatch(response)
        if is_api_path(request.httprequest.path):
            add_rate_headers(response)

    @classmethod
    def _handle_error(cls, exception):
        if request and is_api_path(request.httprequest.path):
            return problem_from_exception(exception).get_response()
        return super()._handle_error(exception)
