"""Customer form counter: helpdesk_lite_ticket_count of a company whose contacts have `size` tickets."""
from odoo.addons.helpdesk_lite.bench import datagen, webclient

SIZES = [10_000, 100_000]
LARGE_SIZES = [10_000, 1_000_000]
SMOKE_SIZE = 100


def prepare(env, size):
    fx = datagen.make_fixtures(env)
    company = fx.customer_companies[0]
    contacts = fx.customers.filtered(lambda p: p.parent_id == company)
    # `size` tickets for the company and its contacts, as many for everybody else
    datagen.insert_tickets(env, fx, size, partners=company | contacts)
    datagen.insert_tickets(env, fx, size, partners=fx.customers - contacts)
    ctx = webclient.web_context(env, fx.agent)
    return {'partner': company.with_user(fx.agent).with_context(ctx)}


def run(env, state):
    # what the partner form's smart button reads
    return state['partner'].web_read({'display_name': {}, 'helpdesk_lite_ticket_count': {}})
