"""CSV export of 100,000 tickets (manager "Export Tickets CSV", streamed in chunks).

Measures what the download route does: search the ids once, then produce the CSV chunk by chunk
(``helpdesk.lite.ticket.export._csv_chunks``: read 1,000 tickets, format, yield, empty the cache).
The bytes are counted and dropped, as a socket would take them. ``run`` returns the size and the
process's RSS high-water mark; the harness adds time, SQL queries and the tracemalloc peak.
"""
import resource

from ._report_data import insert_tickets

SIZES = [100_000]
SMOKE_SIZE = 300
RUNS = 3
PER_ITEM = True


def prepare(env, size):
    return insert_tickets(env, size)


def run(env, state):
    Export = env['helpdesk.lite.ticket.export']
    ids = Export._search_ticket_ids([('id', '>=', state['first_id'])])
    size = rows = 0
    for chunk in Export._csv_chunks(ids):
        size += len(chunk)
        rows += chunk.count(b'\r\n')  # approximate: quoted newlines in titles are \n, not \r\n
    return {'tickets': len(ids), 'bytes': size, 'lines': rows,
            'max_rss_mb': round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}
