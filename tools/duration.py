"""The one duration format of the addon (SLA time left, overdue times, ticket ages in reports)."""


def format_hours(env, hours):
    """``hours`` as "2d 3h", "3h 05m" or "12m", in the language of ``env``."""
    minutes = int(round(abs(hours or 0.0) * 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return env._('%(days)sd %(hours)sh', days=days, hours=hours)
    if hours:
        return env._('%(hours)sh %(minutes)02dm', hours=hours, minutes=minutes)
    return env._('%(minutes)sm', minutes=minutes)
