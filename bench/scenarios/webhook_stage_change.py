"""Stage change of SIZE tickets in one write with an active webhook subscription to every ticket event.

Compare with ``stage_change`` (the same write without a subscription): the difference is what webhooks
add to the write. Their work at commit is one INSERT of all deliveries (ticket.updated per ticket and,
for closing stages, ticket.closed) and one cron trigger, whatever SIZE.
"""
from odoo import Command

from odoo.addons.helpdesk_lite.bench import datagen

SIZES = [500]
LARGE_SIZES = [500]
SMOKE_SIZE = 5
PER_ITEM = True


def prepare(env, size):
    fx = datagen.make_fixtures(env)
    tickets = env['helpdesk.lite.ticket'].with_user(fx.agent).create(
        datagen.ticket_vals_list(fx, size, stage=fx.stages['new']))
    events = env['helpdesk.lite.webhook.event'].search([('builtin', '=', True)])
    env['helpdesk.lite.webhook'].create({
        'name': 'Bench subscription', 'url': 'https://hooks.example.com/helpdesk',
        'event_ids': [Command.set(events.ids)]})
    return {'tickets': tickets, 'stage': fx.stages['open']}


def run(env, state):
    state['tickets'].write({'stage_id': state['stage'].id})
