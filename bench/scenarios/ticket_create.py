"""Create tickets in one batch through the ORM: numbers, tracking, followers, assignment notices."""
from odoo.addons.helpdesk_lite.bench import datagen, peer

SIZES = [1000]
LARGE_SIZES = [1000]
SMOKE_SIZE = 5
PER_ITEM = True


def prepare(env, size):
    fx = datagen.make_fixtures(env)
    # An agent creates the tickets for customers and assigns them round-robin to the team: the
    # creator and the assignee follow each ticket, the assignee (when not the creator) is notified.
    return {
        'model': env['helpdesk.lite.ticket'].with_user(fx.agent),
        'vals_list': datagen.ticket_vals_list(fx, size),
    }


def run(env, state):
    state['model'].create([dict(vals) for vals in state['vals_list']])


def peer_prepare(env, size):
    fx = peer.make_fixtures(env)
    return {'model': env[peer.TICKET].with_user(fx.agent), 'vals_list': peer.ticket_vals_list(fx, size)}


peer_run = run
