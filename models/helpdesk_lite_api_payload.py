"""Shape checks of REST API input, shared by the ``*_api`` model files and the controllers.

JSON types are checked before any value reaches the ORM: a wrong type is the client's mistake and answers
400 naming the field (``ApiBadRequest``), never a 500 from deep inside a write. Business rules (a
category that does not exist, a transition that is not allowed) stay ``ValidationError`` / ``UserError``
of the models and answer 422 / 409.
"""
from datetime import datetime, timezone

from odoo.exceptions import ValidationError

MAX_ID = 2 ** 31 - 1


class ApiBadRequest(ValidationError):
    """Malformed input: wrong JSON type, unknown enum value in a query string, bad date. ``field`` names
    the offending member or parameter."""

    def __init__(self, field, message, errors=None):
        super().__init__(f'"{field}": {message}')
        self.field = field
        self.message = message
        self.errors = errors or [{'field': field, 'message': message}]


def require_object(payload):
    if not isinstance(payload, dict):
        raise ApiBadRequest('body', 'must be a JSON object')
    return payload


def read_str(payload, name, *, required=False, max_length=None, strip=True):
    """A string member (None when absent or null and not required)."""
    value = payload.get(name)
    if value is None:
        if required:
            raise ApiBadRequest(name, 'is required')
        return None
    if not isinstance(value, str):
        raise ApiBadRequest(name, 'must be a string')
    if strip:
        value = value.strip()
    if required and not value:
        raise ApiBadRequest(name, 'must not be empty')
    if max_length and len(value) > max_length:
        raise ApiBadRequest(name, f'is longer than {max_length} characters')
    return value


def read_id(payload, name, *, required=False):
    value = payload.get(name)
    if value is None:
        if required:
            raise ApiBadRequest(name, 'is required')
        return None
    # bool is an int in Python: true/false are not ids
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise ApiBadRequest(name, 'must be a positive integer id')
    return value


def read_ids(payload, name, *, required=False, max_items=100):
    value = payload.get(name)
    if value is None:
        if required:
            raise ApiBadRequest(name, 'is required')
        return None
    if not isinstance(value, list) or len(value) > max_items:
        raise ApiBadRequest(name, f'must be a list of at most {max_items} ids')
    return [read_id({name: item}, name, required=True) for item in value]


def read_bool(payload, name):
    value = payload.get(name)
    if value is not None and not isinstance(value, bool):
        raise ApiBadRequest(name, 'must be true or false')
    return value


def read_number(payload, name, *, minimum=0, maximum=None):
    value = payload.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ApiBadRequest(name, 'must be a number')
    if value < minimum or (maximum is not None and value > maximum):
        raise ApiBadRequest(name, f'must be between {minimum} and {maximum}' if maximum is not None
                            else f'must be at least {minimum}')
    return value


def read_choice(payload, name, choices):
    """An enum member: its mapped value from ``choices`` ({word: stored value})."""
    value = payload.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or value not in choices:
        raise ApiBadRequest(name, f'must be one of {", ".join(choices)}')
    return choices[value]


def reject_unknown(payload, allowed):
    unknown = sorted(set(payload) - set(allowed))
    if unknown:
        raise ApiBadRequest(unknown[0], 'is not a known member (known: %s)' % ', '.join(sorted(allowed)))


def parse_datetime(name, value):
    """An ISO 8601 date or date-time of a query string, as a naive UTC datetime."""
    try:
        parsed = datetime.fromisoformat(value.replace('Z', '+00:00'))
    except (ValueError, AttributeError, TypeError):
        raise ApiBadRequest(name, 'must be an ISO 8601 date or date-time, e.g. 2024-01-15T10:30:00Z') from None
    if parsed.tzinfo:
        parsed = parsed.astimezone(timezone.utc).replace(tzinfo=None)
    return parsed


def parse_int(name, value, *, minimum=1, maximum=None):
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ApiBadRequest(name, 'must be an integer') from None
    if number < minimum or (maximum is not None and number > maximum):
        raise ApiBadRequest(name, f'must be between {minimum} and {maximum}' if maximum is not None
                            else f'must be at least {minimum}')
    return number


def parse_id_list(name, value):
    ids = [parse_int(name, item, maximum=MAX_ID) for item in str(value).split(',') if item.strip()]
    if not ids:
        raise ApiBadRequest(name, 'must list one or more ids')
    return ids


def parse_words(name, value, choices):
    """``a,b`` of a query string, each a key of ``choices``: their mapped values."""
    words = [word.strip() for word in str(value).split(',') if word.strip()]
    bad = [word for word in words if word not in choices]
    if bad or not words:
        raise ApiBadRequest(name, f'must be one or more of {", ".join(choices)}')
    return [choices[word] for word in words]


def iso(value):
    """Datetimes as ISO 8601 UTC with a Z, or None."""
    return value.isoformat(timespec='seconds') + 'Z' if value else None
