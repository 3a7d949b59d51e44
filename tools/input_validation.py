"""Checks on untrusted input, shared by the HTTP routes, the API and the mail gateway."""

NUL = '\x00'


def find_nul(value, name=''):
    """Name of the first string in ``value`` holding a NUL character (PostgreSQL refuses them), or None.

    Dicts and lists are walked; the name is dotted for nested values (``"requester.name"``, ``"tags.2"``).
    """
    if isinstance(value, str):
        return (name or 'value') if NUL in value else None
    if isinstance(value, dict):
        items = ((str(key), item) for key, item in value.items())
    elif isinstance(value, (list, tuple)):
        items = ((str(index), item) for index, item in enumerate(value))
    else:
        return None
    for key, item in items:
        if NUL in key:
            return f'{name}.{key!r}' if name else repr(key)
        found = find_nul(item, f'{name}.{key}' if name else key)
        if found:
            return found
    return None


def one_line(value):
    """``value`` on one line: CR, LF, tabs and the Unicode line separators become single spaces.

    Titles and names end up in mail headers (Subject, From), where a line break is an error."""
    return ' '.join(value.split()) if isinstance(value, str) else value


def strip_nul(value):
    return value.replace(NUL, '') if isinstance(value, str) else value
