"""REST API ticket list: GET /tickets?status=new,open,pending&sort=-updated_at&limit=20 as an agent, JSON encoded.

What the route does (query-string filters to a domain, the page with its columns in one query, the count,
the related names, serialisation); the HTTP layer around it is a constant and is covered by the HttpCase
tests. Compare with ``backend_list`` (80 rows of the web client's list) at the same sizes.
"""
import json

from odoo.addons.helpdesk_lite.bench import datagen, harness

RUNS = harness.QUICK_RUNS
SIZES = [10_000, 100_000]
LARGE_SIZES = [10_000, 100_000, 1_000_000]
SMOKE_SIZE = 200
PARAMS = {'status': 'new,open,pending', 'sort': '-updated_at', 'limit': '20', 'page': '1'}


def prepare(env, size):
    fx = datagen.make_fixtures(env)
    datagen.insert_tickets(env, fx, size)
    return {'uid': fx.agent.id}


def run(env, state):
    Ticket = env['helpdesk.lite.ticket'].with_user(state['uid'])
    body = json.dumps(Ticket._api_list(dict(PARAMS)))
    assert '"tickets"' in body
    return len(body)
