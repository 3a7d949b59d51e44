"""Bulk tickets for the reporting benchmarks (csv_export, pivot_month_team), inserted with one
``INSERT ... SELECT generate_series`` so that a million rows take seconds, not hours.

A few fixtures go through the ORM (teams, customers); the tickets' stored computed/related columns
(number, customer company, requester name/email, lifecycle, is_closed, closed date, working hours)
are filled the way the ORM would. Dates spread over the last two years so that a month grouping has
~24 groups. Stored columns added by other modules are left to their SQL default (usually NULL).
"""
from odoo.tools import SQL

CHANNELS = ['backend', 'email', 'portal', 'web', 'phone', 'whatsapp', 'walk_in', 'app', 'chat', 'api']


def insert_tickets(env, size, n_teams=8, n_customers=200):
    """Create ``size`` tickets (and their fixtures); return their company, teams and the id range."""
    env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True, mail_notrack=True))
    company = env.company
    teams = env['helpdesk.lite.team'].create(
        [{'name': f'Bench Team {i}', 'company_id': company.id} for i in range(n_teams)])
    customers = env['res.partner'].create([
        {'name': name, 'email': f'customer{i}@example.com'}
        for i, name in enumerate(f'Customer {i}' if i % 4 else f'Клиент «{i}», Ltd' for i in range(n_customers))])
    users = env['res.users'].search([('share', '=', False)], limit=10, order='id')
    stages = env['helpdesk.lite.stage'].search([], order='sequence, id')
    categories = env['helpdesk.lite.category'].search([], order='id')
    env.flush_all()
    env.cr.execute(SQL("SELECT COALESCE(MAX(id), 0) FROM helpdesk_lite_ticket"))
    first_id = env.cr.fetchone()[0] + 1
    env.cr.execute(SQL(
        """
        INSERT INTO helpdesk_lite_ticket (
            name, number, description, active, company_id, partner_id, commercial_partner_id,
            partner_name, partner_email, team_id, user_id, priority, channel, category_id,
            stage_id, lifecycle, is_closed, closed_date, reopen_count, sla_deadline,
            first_response_date, last_reply_by, rating_last_value,
            first_response_work_hours, resolution_work_hours,
            create_uid, create_date, write_uid, write_date)
        SELECT
            CASE WHEN mod(g, 10) = 0 THEN 'Bench ticket ' || g || ', "quoted" and' || E'\\n' || 'two lines'
                 ELSE 'Bench ticket ' || g END,
            'BENCH' || lpad(g::text, 8, '0'),
            '<p>Customer wrote: ticket ' || g || ', please help.</p>',
            TRUE, %(company)s,
            (%(customers)s::int[])[1 + mod(g, %(n_customers)s)],
            (%(customers)s::int[])[1 + mod(g, %(n_customers)s)],
            (%(customer_names)s::varchar[])[1 + mod(g, %(n_customers)s)],
            (%(customer_emails)s::varchar[])[1 + mod(g, %(n_customers)s)],
            (%(teams)s::int[])[1 + mod(g * 7, %(n_teams)s)],
            CASE WHEN mod(g, 5) = 0 THEN NULL ELSE (%(users)s::int[])[1 + mod(g, %(n_users)s)] END,
            mod(g, 4)::varchar,
            (%(channels)s::varchar[])[1 + mod(g, 10)],
            CASE WHEN %(n_categories)s = 0 OR mod(g, 6) = 0 THEN NULL
                 ELSE (%(categories)s::int[])[1 + mod(g, GREATEST(%(n_categories)s, 1))] END,
            (%(stages)s::int[])[s.idx],
            (%(lifecycles)s::varchar[])[s.idx],
            (%(closing)s::bool[])[s.idx],
            CASE WHEN (%(closing)s::bool[])[s.idx] THEN c.created + (1 + mod(g, 200)) * interval '1 hour' END,
            CASE WHEN mod(g, 23) = 0 THEN 1 ELSE 0 END,
            CASE WHEN mod(g, 3) = 0 THEN c.created + (8 + mod(g, 120)) * interval '1 hour' END,
            CASE WHEN mod(g, 4) <> 0 THEN c.created + mod(g, 30) * interval '1 hour' END,
            CASE WHEN mod(g, 4) <> 0 THEN 'agent' END,
            CASE WHEN (%(closing)s::bool[])[s.idx] AND mod(g, 7) = 0 THEN 1 + mod(g, 5) ELSE 0 END,
            CASE WHEN mod(g, 4) <> 0 THEN mod(g, 30) * 0.3 ELSE 0 END,
            CASE WHEN (%(closing)s::bool[])[s.idx] THEN (1 + mod(g, 200)) * 0.3 ELSE 0 END,
            %(uid)s, c.created, %(uid)s, c.created
        FROM generate_series(1, %(size)s) g
        CROSS JOIN LATERAL (
            SELECT (NOW() AT TIME ZONE 'UTC') - (mod(g::bigint * 7919, 730 * 24 * 60)) * interval '1 minute'
                AS created) c
        CROSS JOIN LATERAL (SELECT 1 + mod(g * 13, %(n_stages)s) AS idx) s
        """,
        company=company.id, size=size,
        customers=customers.ids, customer_names=customers.mapped('name'),
        customer_emails=customers.mapped('email'), n_customers=len(customers),
        teams=teams.ids, n_teams=len(teams), users=users.ids, n_users=len(users),
        channels=CHANNELS, categories=categories.ids or [0], n_categories=len(categories),
        stages=stages.ids, lifecycles=stages.mapped('lifecycle'), closing=stages.mapped('is_closing'),
        n_stages=len(stages), uid=env.uid,
    ))
    env.cr.execute(SQL("ANALYZE helpdesk_lite_ticket"))
    env.invalidate_all()
    return {'company': company, 'teams': teams, 'first_id': first_id, 'size': size}
