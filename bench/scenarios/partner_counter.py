"""Customer form counter: helpdesk_lite_ticket_count of a company whose contacts have `size` tickets."""
from odoo.addons.helpdesk_lite.bench import datagen, harness, peer, webclient

RUNS = harness.QUICK_RUNS
SIZES = [10_000, 100_000]
LARGE_SIZES = [10_000, 1_000_000]
SMOKE_SIZE = 100


def prepare(env, size):
    fx = datagen.make_fixtures(env)
    company = fx.customer_companies[0]
    contacts = fx.customers.filtered(lambda p: p.parent_id == company)
    # 2 x `size` tickets over two years, half of them for the company and its contacts: as in real
    # life the customer's tickets are spread over the whole table, between other customers' tickets.
    others = (fx.customers - contacts)[:len(contacts)]
    datagen.insert_tickets(env, fx, 2 * size, partners=contacts.ids + others.ids, complete='none')
    ctx = webclient.web_context(env, fx.agent)
    return {'partner': company.with_user(fx.agent).with_context(ctx)}


def run(env, state):
    # what the partner form's smart button reads
    return state['partner'].web_read({'display_name': {}, 'helpdesk_lite_ticket_count': {}})


def peer_prepare(env, size):
    fx = peer.make_fixtures(env)
    company = fx.customer_companies[0]
    contacts = fx.customers.filtered(lambda p: p.parent_id == company)
    others = (fx.customers - contacts)[:len(contacts)]
    peer.insert_tickets(env, fx, 2 * size, partners=contacts.ids + others.ids)
    ctx = webclient.web_context(env, fx.agent)
    return {'partner': company.with_user(fx.agent).with_context(ctx)}


def peer_run(env, state):
    # the peer's smart button shows "open / all" (helpdesk_ticket_count_string)
    return state['partner'].web_read({'display_name': {}, 'helpdesk_ticket_count': {},
                                      'helpdesk_ticket_count_string': {}})
