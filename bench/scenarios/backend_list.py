"""Backend list of tickets: web_search_read of 80 rows, default order and filter, list view fields."""
from odoo.addons.helpdesk_lite.bench import datagen, harness, peer, webclient

RUNS = harness.QUICK_RUNS
SIZES = [10_000, 100_000]
LARGE_SIZES = [10_000, 100_000, 1_000_000]
SMOKE_SIZE = 1000


def prepare(env, size):
    fx = datagen.make_fixtures(env)
    datagen.insert_tickets(env, fx, size)
    return webclient.action_load(env, fx.agent, 'helpdesk_lite.helpdesk_lite_ticket_action', 'list')


def run(env, state):
    return webclient.list_load(state)


def peer_prepare(env, size):
    """The peer's "open tickets" action (the same rows as our default filter), its own list view."""
    fx = peer.make_fixtures(env)
    peer.insert_tickets(env, fx, size)
    return webclient.action_load(env, fx.agent, 'helpdesk_mgmt.helpdesk_ticket_action_opened', 'list')


peer_run = run
