"""Backend kanban of tickets: web_read_group by stage, progress bars, 40 cards per open column."""
from odoo.addons.helpdesk_lite.bench import datagen, harness, peer, webclient

RUNS = harness.QUICK_RUNS
SIZES = [10_000, 100_000]
LARGE_SIZES = [10_000, 100_000, 1_000_000]
SMOKE_SIZE = 1000


def prepare(env, size):
    fx = datagen.make_fixtures(env)
    datagen.insert_tickets(env, fx, size)
    return webclient.action_load(env, fx.agent, 'helpdesk_lite.helpdesk_lite_ticket_action', 'kanban')


def run(env, state):
    return webclient.kanban_load(state)


def peer_prepare(env, size):
    """The peer's "open tickets" action (the same rows as our default filter), its own kanban view."""
    fx = peer.make_fixtures(env)
    peer.insert_tickets(env, fx, size)
    return webclient.action_load(env, fx.agent, 'helpdesk_mgmt.helpdesk_ticket_action_opened', 'kanban')


peer_run = run
