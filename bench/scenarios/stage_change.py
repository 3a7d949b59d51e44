"""Move tickets to another stage in one write: tracking and the status mail to customer and assignee."""
from odoo.addons.helpdesk_lite.bench import datagen, peer

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


def peer_prepare(env, size):
    """The peer mails on a stage change through the stage's template: its stage-change template goes
    on "In Progress", the stage the tickets move to."""
    fx = peer.make_fixtures(env)
    fx.stages['open'].mail_template_id = env.ref('helpdesk_mgmt.changed_stage_template')
    tickets = env[peer.TICKET].with_user(fx.agent).create(peer.ticket_vals_list(fx, size, stage=fx.stages['new']))
    return {'tickets': tickets, 'stage': fx.stages['open']}


peer_run = run
