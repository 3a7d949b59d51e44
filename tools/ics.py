"""iCalendar (RFC 5545) text for one event, without a third-party library.

Only what a calendar invitation needs: text escaping (section 3.3.11), line folding at 75 octets
(3.1, never inside a UTF-8 sequence), CRLF line ends and UTC date-times (3.3.5 form 2).
"""
import re
from datetime import datetime, timezone

PRODID = '-//Helpdesk Lite//On-site Appointments//EN'
# Parameter values (CN, mailto) are not TEXT: quotes, separators and control characters are removed.
UNSAFE_PARAM_RE = re.compile(r'[\x00-\x1f\x7f";:,<>\\]')


def escape_text(value):
    """TEXT value: backslash, semicolon and comma are escaped, line breaks become ``\\n``."""
    value = str(value or '')
    value = value.replace('\\', '\\\\').replace(';', '\\;').replace(',', '\\,')
    return value.replace('\r\n', '\\n').replace('\r', '\\n').replace('\n', '\\n')


def fold_line(line):
    """Split a content line into chunks of at most 75 octets, continuation lines starting with a space."""
    data = line.encode('utf-8')
    if len(data) <= 75:
        return line
    parts, start, limit = [], 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # do not cut a multi-byte character
            end -= 1
        parts.append(data[start:end].decode('utf-8'))
        start, limit = end, 74  # continuation lines lose one octet to the leading space
    return '\r\n '.join(parts)


def format_utc(value):
    """Naive UTC datetime (ORM value) -> ``YYYYMMDDTHHMMSSZ``."""
    return value.strftime('%Y%m%dT%H%M%SZ')


def build_event(uid, start, stop, summary, description='', location='', organizer=None, attendee=None,
                status='CONFIRMED', sequence=0, method='REQUEST', stamp=None):
    """One VEVENT in a VCALENDAR, as bytes. ``organizer``/``attendee`` are (name, email) or None;
    ``method`` CANCEL with ``status`` CANCELLED withdraws an event sent before with the same uid."""
    lines = [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        f'PRODID:{PRODID}',
        'CALSCALE:GREGORIAN',
        f'METHOD:{method}',
        'BEGIN:VEVENT',
        f'UID:{escape_text(uid)}',
        f'SEQUENCE:{int(sequence)}',
        f'DTSTAMP:{format_utc(stamp or datetime.now(timezone.utc).replace(tzinfo=None))}',
        f'DTSTART:{format_utc(start)}',
        f'DTEND:{format_utc(stop)}',
        f'SUMMARY:{escape_text(summary)}',
    ]
    if description:
        lines.append(f'DESCRIPTION:{escape_text(description)}')
    if location:
        lines.append(f'LOCATION:{escape_text(location)}')
    for prop, person in (('ORGANIZER', organizer), ('ATTENDEE', attendee)):
        if person and person[1]:
            name = UNSAFE_PARAM_RE.sub(' ', str(person[0] or '')).strip()
            email = UNSAFE_PARAM_RE.sub('', str(person[1])).replace(' ', '')
            lines.append(f'{prop};CN="{name}":mailto:{email}')
    lines += [f'STATUS:{status}', 'TRANSP:OPAQUE', 'END:VEVENT', 'END:VCALENDAR']
    return ('\r\n'.join(fold_line(line) for line in lines) + '\r\n').encode('utf-8')
