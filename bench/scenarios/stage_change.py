"""Move tickets to another stage in one write: tracking and the status mail to customer and assignee."""
from odoo.addons.helpdesk_lite.bench import datagen

SIZES = [500]
LARGE_SIZES = [500]
SMOKE_SIZE = 5
PER_ITEM = True


def prepare(env, size):
    fx = datagen.make_fixtures(env)
    tickets = env['helpdesk.lite.ticket'].with_user(fx.agent).create(
        datagen.ticket_vals_list(fx, size, stage=fx.stages['new']))
    return {'tickets': tickets, 'stage': fx.stages['open']}


def run(env, state):
    state['tickets'].write({'stage_id': state['stage'].id})
