"""Stage change of SIZE tickets in one write with an active webhook subscription to every ticket event.

The ``stage_change`` scenario plus a subscription: the difference between the two is what webhooks add
to the write. Their work at commit is one INSERT of all deliveries (ticket.updated per ticket) and one
cron trigger, whatever SIZE.
"""
from odoo import Command

from . import stage_change

SIZES = [500]
LARGE_SIZES = [500]
SMOKE_SIZE = 5
PER_ITEM = True
run = stage_change.run


def prepare(env, size):
    state = stage_change.prepare(env, size)
    events = env['helpdesk.lite.webhook.event'].search([('builtin', '=', True)])
    env['helpdesk.lite.webhook'].create({
        'name': 'Bench subscription', 'url': 'https://hooks.example.com/helpdesk',
        'event_ids': [Command.set(events.ids)]})
    return state
