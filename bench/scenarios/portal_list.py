"""Customer portal /my/helpdesk: first page for a customer with 1,000 tickets among SIZE tickets.

Measures what the controller does for the page (record-rule-filtered count, the page's search, stages and
categories of the page) and the rendering of the ticket table (``helpdesk_lite.portal_tickets_table``),
as the portal user. The layout around it (menu, header) costs the same on every portal page and needs an
HTTP request; the HttpCase ``test_list_query_count_does_not_grow`` checks the whole page.
"""
from odoo import Command
from odoo.osv.expression import AND
from odoo.tools import SQL

from odoo.addons.helpdesk_lite.bench import harness, peer

RUNS = harness.QUICK_RUNS
SIZES = [100_000]
LARGE_SIZES = [10_000, 100_000, 1_000_000]
SMOKE_SIZE = 2_000
CUSTOMER_TICKETS = 1_000
N_OTHER_CUSTOMERS = 300
PAGE = 80

# columns the INSERT below fills; other stored columns with a default get it (modules add some)
FILLED = {
    'id', 'name', 'number', 'description', 'active', 'color', 'company_id', 'partner_id', 'commercial_partner_id',
    'partner_name', 'partner_email', 'priority', 'channel', 'category_id', 'stage_id', 'lifecycle', 'is_closed',
    'closed_date', 'reopen_count', 'user_id', 'create_uid', 'create_date', 'write_uid', 'write_date',
}


def prepare(env, size, customer_tickets=CUSTOMER_TICKETS):
    env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True, no_reset_password=True))
    company = env.company
    portal_user = env['res.users'].create({
        'name': 'Bench Portal Customer', 'login': 'bench_portal_customer', 'email': 'bench.portal@example.com',
        'company_id': company.id, 'company_ids': [Command.set(company.ids)],
        'groups_id': [Command.set([env.ref('base.group_portal').id])],
    })
    others = env['res.partner'].create([
        {'name': f'Bench Customer {i}', 'email': f'bench.customer{i}@example.com'} for i in range(N_OTHER_CUSTOMERS)])
    agents = env['res.users'].create([{
        'name': f'Bench Portal Agent {i}', 'login': f'bench_portal_agent_{i}', 'company_id': company.id,
        'company_ids': [Command.set(company.ids)],
        'groups_id': [Command.set([env.ref('helpdesk_lite.group_helpdesk_lite_user').id])],
    } for i in range(4)])
    categories = env['helpdesk.lite.category'].create([{'name': f'Bench Portal Category {i}'} for i in range(6)])
    Stage = env['helpdesk.lite.stage']
    stages = [Stage.search([('lifecycle', '=', lc)], limit=1) for lc in ('new', 'open', 'pending', 'closed')]
    stages = [s for s in stages if s] or [Stage.create({'name': 'New', 'lifecycle': 'new'})]
    env.flush_all()

    Ticket = env['helpdesk.lite.ticket']
    extra_columns, extra_values = [], []
    missing = [f for f in Ticket._fields.values()
               if f.store and f.column_type and f.name not in FILLED and not f.compute]
    defaults = Ticket.default_get([f.name for f in missing])
    for field in missing:
        if defaults.get(field.name) not in (None, False):
            extra_columns.append(SQL(", %s", SQL.identifier(field.name)))
            extra_values.append(SQL(", %s", field.convert_to_column_insert(defaults[field.name], Ticket)))

    # every (size // customer_tickets)-th ticket is the portal customer's: exactly customer_tickets of them,
    # spread over the whole id range like a long-standing customer's
    step = max(size // customer_tickets, 1)
    customer = portal_user.partner_id
    env.cr.execute(SQL("""
        WITH p AS (SELECT array_agg(id ORDER BY id) AS ids FROM res_partner WHERE id = ANY(%(others)s))
        INSERT INTO helpdesk_lite_ticket (
            name, number, description, active, color, company_id, partner_id, commercial_partner_id,
            partner_name, partner_email, priority, channel, category_id, stage_id, lifecycle, is_closed,
            closed_date, reopen_count, user_id, create_uid, create_date, write_uid, write_date %(extra_columns)s)
        SELECT 'Bench request ' || n, 'BP' || lpad(n::text, 7, '0'), '<p>Details of request ' || n || '</p>',
               TRUE, 0, %(company)s,
               CASE WHEN mod(n, %(step)s) = 0 AND n / %(step)s <= %(customer_tickets)s
                    THEN %(customer)s ELSE p.ids[1 + mod(n, %(n_others)s)] END,
               CASE WHEN mod(n, %(step)s) = 0 AND n / %(step)s <= %(customer_tickets)s
                    THEN %(customer)s ELSE p.ids[1 + mod(n, %(n_others)s)] END,
               'Customer', 'customer@example.com', (mod(n, 4))::varchar, 'portal',
               (%(categories)s::int[])[1 + mod(n, %(n_categories)s)],
               (%(stages)s::int[])[1 + mod(n, %(n_stages)s)],
               (%(lifecycles)s::varchar[])[1 + mod(n, %(n_stages)s)],
               (%(closing)s::bool[])[1 + mod(n, %(n_stages)s)],
               NULL, 0, (%(agents)s::int[])[1 + mod(n, 4)],
               %(uid)s, now() at time zone 'UTC' - make_interval(mins => %(size)s - n),
               %(uid)s, now() at time zone 'UTC' - make_interval(mins => %(size)s - n) %(extra_values)s
          FROM generate_series(1, %(size)s) AS n, p
    """, others=others.ids, company=company.id, step=step, customer_tickets=customer_tickets,
        customer=customer.id, n_others=len(others), categories=categories.ids, n_categories=len(categories),
        stages=[s.id for s in stages], n_stages=len(stages), lifecycles=[s.lifecycle for s in stages],
        closing=[s.is_closing for s in stages], agents=agents.ids, uid=env.uid, size=size,
        extra_columns=SQL().join(extra_columns), extra_values=SQL().join(extra_values)))
    env.cr.execute("ANALYZE helpdesk_lite_ticket")
    env.invalidate_all()
    return {'uid': portal_user.id, 'customer_tickets': customer_tickets}


def run(env, state):
    """/my/helpdesk, page 1, newest first: the count, the page and its table, as the portal user."""
    Ticket = env['helpdesk.lite.ticket'].with_user(state['uid'])
    domain = Ticket._portal_list_domain('all', '')
    count = Ticket.search_count(domain)
    grouped_tickets = Ticket._portal_fetch_page(domain, 'id desc', PAGE, 0, None)
    html = env['ir.qweb'].with_user(state['uid'])._render('helpdesk_lite.portal_tickets_table', {
        'grouped_tickets': grouped_tickets, 'groupby': 'none', 'group_field': None, 'pager': None})
    assert count == state['customer_tickets'], count
    assert str(html).count('o_helpdesk_lite_portal_row') == min(PAGE, count)
    return count


def peer_prepare(env, size, customer_tickets=CUSTOMER_TICKETS):
    """The same customer with ``customer_tickets`` tickets spread over ``size`` on the peer."""
    env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True, no_reset_password=True))
    portal_user = env['res.users'].create({
        'name': 'Bench Portal Customer', 'login': 'bench_portal_customer', 'email': 'bench.portal@example.com',
        'company_id': env.company.id, 'company_ids': [Command.set(env.company.ids)],
        'groups_id': [Command.set([env.ref('base.group_portal').id])],
    })
    fx = peer.make_fixtures(env, n_customers=0, n_companies=0)
    fx.customers = env['res.partner'].create([
        {'name': f'Bench Customer {i}', 'email': f'bench.customer{i}@example.com'} for i in range(N_OTHER_CUSTOMERS)])
    ids = peer.insert_tickets(env, fx, size)
    step = max(size // customer_tickets, 1)
    customer = portal_user.partner_id
    env.cr.execute(SQL("""
        UPDATE helpdesk_ticket SET partner_id = %(customer)s, commercial_partner_id = %(customer)s,
               partner_name = %(name)s, partner_email = %(email)s
         WHERE id = ANY(%(ids)s)
    """, customer=customer.id, name=customer.name, email=customer.email,
        ids=ids[step - 1::step][:customer_tickets]))
    env.cr.execute("ANALYZE helpdesk_ticket")
    env.invalidate_all()
    return {'uid': portal_user.id, 'customer_tickets': customer_tickets}


def peer_run(env, state):
    """What the peer's /my/tickets controller does for page 1 (count, stage filters, the page) and its
    ticket table (``helpdesk_mgmt.portal_ticket_list``), as the portal user."""
    env = env(user=state['uid'])
    Ticket = env['helpdesk.ticket']
    env['helpdesk.ticket.stage'].search([])
    domain = AND([[], env['ir.rule']._compute_domain(Ticket._name, 'read')])
    count = Ticket.search_count(domain)
    tickets = Ticket.search(domain, order='create_date desc', limit=PAGE)
    html = env['ir.qweb']._render('helpdesk_mgmt.portal_ticket_list', {
        'grouped_tickets': [tickets] if tickets else [], 'groupby': 'none', 'keep_query': lambda *a, **kw: ''})
    assert count == state['customer_tickets'], count
    assert str(html).count('/my/ticket/') == min(PAGE, count)
    return count
