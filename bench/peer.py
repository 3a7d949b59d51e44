"""The peer's side of the shared scenarios: OCA ``helpdesk_mgmt`` (18.0), installed in its own database.

Only bench/run.sh installs it (never a dependency of this addon). The data mirrors bench/datagen.py:
the same number of agents in one team, customers, companies, tags and categories, and the same
ticket shape (creation dates over two years, the newest 5 % mostly open, one ticket in six
unassigned, tags on one ticket in three, customer and assignee following each ticket), inserted
with one ``INSERT ... SELECT generate_series``. Helpers used by the scenarios' ``peer_prepare`` /
``peer_run``.
"""
from odoo import Command
from odoo.tools import SQL

from .datagen import PRODUCTS, SUBJECTS, Fixtures, insert_followers, make_agents, make_customers

TICKET = 'helpdesk.ticket'


def make_fixtures(env, n_agents=5, n_companies=20, n_customers=200, n_tags=8):
    """datagen.make_fixtures for the peer: stages are its New, In Progress, Awaiting and Done."""
    env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True, no_reset_password=True,
                           mail_notrack=True))
    company = env.company
    agents = make_agents(env, n_agents, env.ref('helpdesk_mgmt.group_helpdesk_user'))
    team = env['helpdesk.ticket.team'].create({
        'name': 'Bench Support', 'user_id': agents[0].id, 'user_ids': [Command.set(agents.ids)],
        'company_id': company.id,
    })
    stages = {
        'new': env.ref('helpdesk_mgmt.helpdesk_ticket_stage_new'),
        'open': env.ref('helpdesk_mgmt.helpdesk_ticket_stage_in_progress'),
        'pending': env.ref('helpdesk_mgmt.helpdesk_ticket_stage_awaiting'),
        'closed': env.ref('helpdesk_mgmt.helpdesk_ticket_stage_done'),
    }
    categories = env['helpdesk.ticket.category'].create([{'name': f'Bench Category {i}'} for i in range(4)])
    tags = env['helpdesk.ticket.tag'].create([{'name': f'bench-tag-{i}', 'color': i % 11} for i in range(n_tags)])
    customer_companies, customers = make_customers(env, n_companies, n_customers)
    return Fixtures(company=company, team=team, agents=agents, stages=stages, categories=categories, tags=tags,
                    customer_companies=customer_companies, customers=customers)


def ticket_vals_list(fx, count, *, stage=None):
    """What datagen.ticket_vals_list gives our side, in the peer's fields (customer name and email
    filled as the peer's form onchange does)."""
    vals_list = []
    for i in range(count):
        partner = fx.customers[(i * 7919) % len(fx.customers)]
        vals = {
            'name': f'{SUBJECTS[i % len(SUBJECTS)]} ({PRODUCTS[(i // 7) % len(PRODUCTS)]})',
            'description': f'<p>{SUBJECTS[i % len(SUBJECTS)]}: details of request {i}.</p>',
            'partner_id': partner.id, 'partner_name': partner.name, 'partner_email': partner.email,
            'team_id': fx.team.id,
            'user_id': fx.agents[i % len(fx.agents)].id,
            'priority': str((i * 13) % 4),
            'category_id': fx.categories[i % len(fx.categories)].id,
            'tag_ids': [Command.set([fx.tags[i % len(fx.tags)].id])],
        }
        if stage:
            vals['stage_id'] = stage.id
        vals_list.append(vals)
    return vals_list


def insert_tickets(env, fx, count, *, partners=None, open_ratio=0.05, team=None, stage=None, followers=True):
    """``count`` tickets with one SQL statement (see the module docstring); returns their ids.
    ``stage`` puts them all in that stage; without ``followers`` nobody follows them."""
    env.flush_all()
    partners = fx.customers.ids if partners is None else list(partners)
    team = team or fx.team
    seq = env['ir.sequence'].sudo().search([('code', '=', 'helpdesk.ticket.sequence')], limit=1)
    stage_ids = [fx.stages[k].id for k in ('new', 'open', 'pending', 'closed')]
    stage_closed = [fx.stages[k].closed for k in ('new', 'open', 'pending', 'closed')]
    stage_unattended = [fx.stages[k].unattended for k in ('new', 'open', 'pending', 'closed')]
    rows = env.execute_query(SQL("""
        WITH p AS (
            SELECT u.ord - 1 AS idx, rp.id, rp.commercial_partner_id, rp.name, rp.email
              FROM unnest(%(partner_ids)s::int[]) WITH ORDINALITY AS u(pid, ord)
              JOIN res_partner rp ON rp.id = u.pid
        ), pc AS (SELECT count(*) AS n FROM p),
        g AS (
            SELECT n, nextval(%(seq)s) AS num,
                   (mod((n * 7919), (SELECT n FROM pc)))::int AS pidx,
                   CASE WHEN %(fixed_stage)s::int IS NOT NULL THEN 0
                        WHEN n > %(open_from)s THEN
                            CASE WHEN mod((n * 37), 100) < 25 THEN 1 WHEN mod((n * 37), 100) < 60 THEN 2
                                 WHEN mod((n * 37), 100) < 80 THEN 3 ELSE 4 END
                        ELSE CASE WHEN mod((n * 37), 100) < 1 THEN 2 ELSE 4 END
                   END AS si,
                   (now() at time zone 'UTC') - make_interval(secs => (%(count)s - n) * %(step)s + mod((n * 7), 3600))
                       AS created,
                   CASE WHEN mod((n * 13), 10) < 2 THEN '0' WHEN mod((n * 13), 10) < 7 THEN '1'
                        WHEN mod((n * 13), 10) < 9 THEN '2' ELSE '3' END AS prio,
                   CASE WHEN mod(n, 6) = 0 THEN NULL
                        ELSE (%(agent_ids)s::int[])[(1 + mod((n * 5), %(n_agents)s))::int] END AS uid,
                   (1 + mod(n, %(n_subjects)s))::int AS subj,
                   (1 + mod((n / 7), %(n_products)s))::int AS prod,
                   (1 + mod((n * 3), %(n_categories)s))::int AS cat
              FROM generate_series(1, %(count)s::bigint) AS g(n)
        )
        INSERT INTO helpdesk_ticket (
            number, name, description, user_id, stage_id, partner_id, commercial_partner_id, partner_name,
            partner_email, last_stage_update, assigned_date, closed_date, unattended, company_id, category_id,
            team_id, priority, color, kanban_state, sequence, active, create_uid, create_date, write_uid, write_date)
        SELECT %(prefix)s || lpad(g.num::text, %(padding)s, '0'),
               (%(subjects)s::varchar[])[g.subj] || ' (' || (%(products)s::varchar[])[g.prod] || ')',
               '<p>' || (%(subjects)s::varchar[])[g.subj] || ': details of request ' || g.n || '.</p>',
               g.uid, COALESCE(%(fixed_stage)s::int, (%(stage_ids)s::int[])[g.si]), p.id, p.commercial_partner_id,
               p.name, p.email, g.created + interval '1 hour', CASE WHEN g.uid IS NOT NULL THEN g.created END,
               CASE WHEN g.si = 4 THEN LEAST(g.created + make_interval(hours => (1 + mod((g.n * 7), 72))::int),
                                             now() at time zone 'UTC') END,
               COALESCE(%(fixed_unattended)s::bool, (%(stage_unattended)s::bool[])[g.si]),
               %(company)s, (%(category_ids)s::int[])[g.cat], %(team)s, g.prio, 0, 'normal', 10, TRUE,
               %(create_uid)s, g.created, %(create_uid)s, g.created
          FROM g JOIN p ON p.idx = g.pidx
         ORDER BY g.n
        RETURNING id
    """, partner_ids=partners, seq=f'ir_sequence_{seq.id:03d}', count=count,
        open_from=int(count * (1 - open_ratio)), step=max(730 * 86400.0 / count, 0.001),
        agent_ids=fx.agents.ids, n_agents=len(fx.agents), n_subjects=len(SUBJECTS), n_products=len(PRODUCTS),
        n_categories=len(fx.categories), subjects=SUBJECTS, products=PRODUCTS, prefix=seq.prefix or '',
        padding=seq.padding, stage_ids=stage_ids, stage_closed=stage_closed, stage_unattended=stage_unattended,
        fixed_stage=stage.id if stage else None, fixed_unattended=stage.unattended if stage else None,
        company=team.company_id.id or env.company.id, category_ids=fx.categories.ids, team=team.id,
        create_uid=env.uid))
    ids = sorted(row[0] for row in rows)
    first, last = ids[0], ids[-1]
    env.cr.execute(SQL("""
        INSERT INTO helpdesk_ticket_helpdesk_ticket_tag_rel (helpdesk_ticket_id, helpdesk_ticket_tag_id)
        SELECT id, (%(tags)s::int[])[1 + mod(id, %(n)s)] FROM helpdesk_ticket
         WHERE id BETWEEN %(first)s AND %(last)s AND mod(id, 3) = 0
        UNION ALL
        SELECT id, (%(tags)s::int[])[1 + mod((id + 1), %(n)s)] FROM helpdesk_ticket
         WHERE id BETWEEN %(first)s AND %(last)s AND mod(id, 7) = 0
        ON CONFLICT DO NOTHING
    """, tags=fx.tags.ids, n=len(fx.tags), first=first, last=last))
    if followers:
        insert_followers(env, TICKET, first, last)
    env.cr.execute("ANALYZE helpdesk_ticket")
    env.invalidate_all()
    return ids

