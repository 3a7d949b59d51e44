"""Create tickets in one batch with auto-assignment (least busy, assignment rules), to compare with ticket_create.

The same tickets as ``ticket_create`` (same values, same agent creating them), but without an assignee:
the team assigns them by least busy, after two assignment rules (a keyword rule and a category rule
that match no ticket here) have been tried on each. Every ticket's creation message also explains the
choice. Compare the per-ticket queries with ``ticket_create`` (explicit assignees): the difference is
the cost of routing.
"""
from odoo import Command

from odoo.addons.helpdesk_lite.bench import datagen

SIZES = [1000]
LARGE_SIZES = [1000]
SMOKE_SIZE = 5
PER_ITEM = True


def prepare(env, size):
    fx = datagen.make_fixtures(env)
    fx.team.write({'assign_method': 'least_busy', 'assign_only_available': True})
    spare_category = env['helpdesk.lite.category'].create({'name': 'Bench routing: unused'})
    env['helpdesk.lite.assignment.rule'].create([
        {'name': 'Bench: legal keywords', 'keywords': 'lawyer, subpoena', 'action': 'user', 'user_id': fx.agent.id},
        {'name': 'Bench: unused category', 'category_ids': [Command.link(spare_category.id)], 'action': 'team',
         'target_team_id': fx.team.id},
    ])
    vals_list = datagen.ticket_vals_list(fx, size)
    for vals in vals_list:
        del vals['user_id']
    return {'model': env['helpdesk.lite.ticket'].with_user(fx.agent), 'vals_list': vals_list}


def run(env, state):
    tickets = state['model'].create([dict(vals) for vals in state['vals_list']])
    return {'agents': len(tickets.user_id), 'unassigned': len(tickets.filtered(lambda t: not t.user_id))}
