"""Ticket analysis pivot: month × team over the SQL view helpdesk.lite.ticket.report.

What the Reporting > Ticket Analysis pivot asks: ``_read_group`` grouped by ``create_date:month`` and
``team_id`` with the count and two average measures, on the view (one row per ticket, record
rules applied). Tickets are inserted with one INSERT ... SELECT generate_series (1M in well under a
minute); SMOKE_SIZE and ``--sizes`` allow smaller runs.
"""
from ._report_data import insert_tickets

SIZES = [1_000_000]
LARGE_SIZES = [1_000_000]
SMOKE_SIZE = 1_000
RUNS = 5


def prepare(env, size):
    return insert_tickets(env, size)


def run(env, state):
    groups = env['helpdesk.lite.ticket.report']._read_group(
        [], ['create_date:month', 'team_id'],
        ['ticket_count:sum', 'resolution_hours:avg', 'sla_compliance:avg'])
    return {'groups': len(groups), 'tickets': sum(count for _month, _team, count, *_ in groups)}
