"""Synthetic data for the benchmarks: a few ORM-made fixtures and SQL bulk tickets.

Fixtures (users, team, customers, tags) go through the ORM so that they are exactly what the
application would create. Background tickets are inserted with one ``INSERT ... SELECT
generate_series`` statement whose stored computed/related columns (number, company, customer
company, requester name/email/phone, lifecycle, is_closed, closed date...) are filled the way the ORM
would fill them, so that the queries the scenarios measure run on realistic tables. Stored columns
added by other modules are completed generically (default value, or an ORM recompute in batches).
"""
from dataclasses import dataclass, field as dc_field

from odoo import Command
from odoo.tools import SQL, split_every

TICKET = 'helpdesk.lite.ticket'

SUBJECTS = [
    'Cannot log in to my account', 'Printer on fire', 'Invoice shows the wrong amount', 'Password reset link expired',
    'VPN disconnects every hour', 'Refund request', 'Delivery is late', 'App crashes on start',
    'How do I export my data?', 'Two-factor code not received', 'Wrong VAT on invoice', 'Feature request: dark mode',
    'Order arrived damaged', 'Cannot upload attachments', 'Subscription renewal failed', 'Slow dashboard',
]
PRODUCTS = ['Web', 'Mobile', 'Billing', 'Shop', 'API', 'Desktop', 'Printer', 'Network']

# Columns the bulk insert fills itself; any other stored column is completed by _complete_columns().
FILLED_COLUMNS = {
    'id', 'name', 'number', 'description', 'active', 'color', 'company_id', 'partner_id', 'commercial_partner_id',
    'partner_name', 'partner_email', 'partner_phone', 'team_id', 'user_id', 'priority', 'channel', 'category_id',
    'stage_id', 'lifecycle', 'is_closed', 'closed_date', 'reopen_count', 'sla_deadline', 'last_reply_by',
    'first_response_date', 'last_customer_message_date', 'last_agent_message_date', 'merged_into_id',
    'merged_numbers', 'email_cc', 'access_token', 'rating_last_value',
    'create_uid', 'create_date', 'write_uid', 'write_date',
}


@dataclass
class Fixtures:
    company: object
    team: object
    agents: object            # res.users, helpdesk users, members of the team
    stages: dict              # lifecycle -> first stage of that lifecycle
    categories: object
    tags: object
    customer_companies: object
    customers: object         # res.partner contacts that open tickets (persons, some under a company)
    extra: dict = dc_field(default_factory=dict)

    @property
    def agent(self):
        return self.agents[0]


def make_fixtures(env, n_agents=5, n_companies=20, n_customers=200, n_tags=8):
    """Users, a team, customers and tags, created through the ORM in batches (about a second)."""
    env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True, no_reset_password=True,
                           mail_notrack=True))
    company = env.company
    agents = make_agents(env, n_agents, env.ref('helpdesk_lite.group_helpdesk_lite_user'))
    team = env['helpdesk.lite.team'].create({
        'name': 'Bench Support', 'leader_id': agents[0].id, 'member_ids': [Command.set(agents.ids)],
        'company_id': company.id,
    })
    Stage = env['helpdesk.lite.stage']
    stages = {}
    for lifecycle in ('new', 'open', 'pending', 'resolved', 'closed'):
        stages[lifecycle] = Stage.search([('lifecycle', '=', lifecycle)], limit=1)
    for lifecycle, name, sequence in (('new', 'New', 1), ('open', 'In Progress', 10),
                                      ('pending', 'Waiting', 20), ('closed', 'Done', 30)):
        if not stages[lifecycle]:
            stages[lifecycle] = Stage.create({'name': name, 'lifecycle': lifecycle, 'sequence': sequence,
                                              'fold': lifecycle == 'closed'})
    categories = env['helpdesk.lite.category'].search([], limit=10)
    if len(categories) < 4:
        categories |= env['helpdesk.lite.category'].create(
            [{'name': f'Bench Category {i}'} for i in range(4 - len(categories))])
    tags = env['helpdesk.lite.tag'].create([{'name': f'bench-tag-{i}', 'color': i % 11} for i in range(n_tags)])
    customer_companies, customers = make_customers(env, n_companies, n_customers)
    return Fixtures(company=company, team=team, agents=agents, stages=stages, categories=categories, tags=tags,
                    customer_companies=customer_companies, customers=customers)


def make_agents(env, count, helpdesk_group):
    """``count`` internal users in ``helpdesk_group`` (ours or the peer's), in the current company."""
    company = env.company
    return env['res.users'].create([{
        'name': f'Bench Agent {i}', 'login': f'bench_agent_{i}', 'email': f'bench.agent{i}@example.com',
        'company_id': company.id, 'company_ids': [Command.set(company.ids)],
        'groups_id': [Command.set([env.ref('base.group_user').id, helpdesk_group.id])],
    } for i in range(count)])


def make_customers(env, n_companies, n_customers):
    """Customer companies, and contacts of which every other one works for a company."""
    customer_companies = env['res.partner'].create([{
        'name': f'Customer Company {i}', 'is_company': True, 'email': f'contact@customer{i}.example.com',
    } for i in range(n_companies)])
    customers = env['res.partner'].create([{
        'name': f'Customer {i}', 'email': f'customer{i}@example.com', 'phone': f'+32 470 {i:06d}',
        'parent_id': customer_companies[i % n_companies].id if i % 2 == 0 else False,
    } for i in range(n_customers)])
    return customer_companies, customers


@dataclass
class BulkTickets:
    first_id: int
    last_id: int
    count: int

    def records(self, env):
        return env[TICKET].browse(range(self.first_id, self.last_id + 1))


def insert_tickets(env, fx, count, *, partners=None, agents=None, open_ratio=0.05, followers=True,
                   messages=False, days=730, complete='open'):
    """Insert ``count`` tickets with one SQL statement and return their id range.

    Realistic shape: ids grow with the creation date over ``days`` days; the newest ``open_ratio`` of
    the tickets are mostly open (new / in progress / waiting), older ones are mostly closed; about one
    ticket in six is unassigned; priorities, channels, categories and tags are spread. ``partners``
    (default: the fixture customers; a recordset or a list of ids, repeat an id to weight it) are the
    customers, spread evenly over time (not in blocks). With ``followers`` the
    customer and the assignee follow each ticket with their default subtypes, as after a real email
    or assignment; with ``messages`` each ticket gets its "Ticket created" log message.

    Stored computed columns that other modules add (SLA deadlines and status, working hours...) are
    computed by the ORM, which costs 1-2 ms per ticket: ``complete='open'`` (default) does it for
    the open tickets only (what the default views show), ``'all'`` for every ticket, ``'none'``
    leaves them empty.
    """
    if count <= 0:
        return BulkTickets(0, -1, 0)
    env.flush_all()
    cr = env.cr
    partners = fx.customers if partners is None else partners
    agents = fx.agents if agents is None else agents
    seq = env['ir.sequence'].sudo().search([('code', '=', TICKET)], limit=1)
    prefix, suffix = seq._get_prefix_suffix() if seq else ('HD', '')
    padding = seq.padding if seq else 5
    if seq and seq.implementation == 'standard':
        number_sql = SQL("nextval(%s)", f'ir_sequence_{seq.id:03d}')
    else:
        # no_gap sequence (or none): reserve a block of numbers in one update
        start = 1
        if seq:
            cr.execute(SQL("UPDATE ir_sequence SET number_next = number_next + %s WHERE id = %s "
                           "RETURNING number_next - %s", count * seq.number_increment, seq.id,
                           count * seq.number_increment))
            start = cr.fetchone()[0]
        number_sql = SQL("%s + (g.n - 1) * %s", start, seq.number_increment if seq else 1)
    stages = fx.stages
    closed_stage = stages.get('closed') or stages.get('resolved')
    n_agents = len(agents)
    params = {
        'count': count,
        'partner_ids': partners.ids if hasattr(partners, 'ids') else list(partners),
        'agent_ids': agents.ids,
        'category_ids': fx.categories.ids or [None],
        'subjects': SUBJECTS,
        'products': PRODUCTS,
    }
    # stage index 1..4 = new, open, pending, closed
    stage_ids = [stages['new'].id, stages['open'].id, stages['pending'].id, closed_stage.id]
    stage_lc = [stages['new'].lifecycle, stages['open'].lifecycle, stages['pending'].lifecycle,
                closed_stage.lifecycle]
    stage_closing = [stages['new'].is_closing, stages['open'].is_closing, stages['pending'].is_closing,
                     closed_stage.is_closing]
    open_from = int(count * (1 - open_ratio))
    query = SQL("""
        WITH p AS (
            SELECT u.ord - 1 AS idx, rp.id, rp.commercial_partner_id,
                   rp.name, rp.email, COALESCE(rp.phone, rp.mobile) AS phone
              FROM unnest(%(partner_ids)s::int[]) WITH ORDINALITY AS u(pid, ord)
              JOIN res_partner rp ON rp.id = u.pid
        ), pc AS (SELECT count(*) AS n FROM p),
        g AS (
            SELECT n, %(number)s AS num,
                   (mod((n * 7919), (SELECT n FROM pc)))::int AS pidx,
                   -- newest tickets mostly open, older ones mostly closed
                   CASE WHEN n > %(open_from)s THEN
                            CASE WHEN mod((n * 37), 100) < 25 THEN 1 WHEN mod((n * 37), 100) < 60 THEN 2
                                 WHEN mod((n * 37), 100) < 80 THEN 3 ELSE 4 END
                        ELSE CASE WHEN mod((n * 37), 100) < 1 THEN 2 ELSE 4 END
                   END AS si,
                   (now() at time zone 'UTC') - make_interval(secs => (%(count)s - n) * %(step)s + mod((n * 7), 3600))
                       AS created,
                   CASE WHEN mod((n * 13), 10) < 2 THEN '0' WHEN mod((n * 13), 10) < 7 THEN '1'
                        WHEN mod((n * 13), 10) < 9 THEN '2' ELSE '3' END AS prio,
                   CASE WHEN mod((n * 11), 10) < 5 THEN 'email' WHEN mod((n * 11), 10) < 7 THEN 'portal'
                        WHEN mod((n * 11), 10) < 8 THEN 'web' WHEN mod((n * 11), 10) < 9 THEN 'phone' ELSE 'backend' END
                       AS chan,
                   CASE WHEN %(n_agents)s = 0 OR mod(n, 6) = 0 THEN NULL
                        ELSE (%(agent_ids)s::int[])[(1 + mod((n * 5), GREATEST(%(n_agents)s, 1)))::int] END AS uid,
                   (1 + mod(n, %(n_subjects)s))::int AS subj,
                   (1 + mod((n / 7), %(n_products)s))::int AS prod,
                   (1 + mod((n * 3), %(n_categories)s))::int AS cat
              FROM generate_series(1, %(count)s::bigint) AS g(n)
        ), ins AS (
            INSERT INTO helpdesk_lite_ticket (
                name, number, description, active, color, company_id, partner_id, commercial_partner_id,
                partner_name, partner_email, partner_phone, team_id, user_id, priority, channel, category_id,
                stage_id, lifecycle, is_closed, closed_date, reopen_count, sla_deadline, last_reply_by,
                first_response_date, last_customer_message_date, last_agent_message_date, rating_last_value,
                create_uid, create_date, write_uid, write_date %(extra_columns)s)
            SELECT
                (%(subjects)s::varchar[])[g.subj] || ' (' || (%(products)s::varchar[])[g.prod] || ')',
                %(prefix)s || lpad(g.num::text, GREATEST(%(padding)s, length(g.num::text)), '0') || %(suffix)s,
                '<p>' || (%(subjects)s::varchar[])[g.subj] || ': details of request ' || g.n || '.</p>',
                TRUE, 0, %(company_id)s, p.id, p.commercial_partner_id, p.name, p.email, p.phone,
                %(team_id)s, g.uid, g.prio, g.chan,
                (%(category_ids)s::int[])[g.cat],
                (%(stage_ids)s::int[])[g.si], (%(stage_lc)s::varchar[])[g.si], (%(stage_closing)s::bool[])[g.si],
                CASE WHEN (%(stage_closing)s::bool[])[g.si]
                     THEN LEAST(g.created + make_interval(hours => (1 + mod((g.n * 7), 72))::int),
                                now() at time zone 'UTC') END,
                0,
                g.created + CASE g.prio WHEN '3' THEN interval '4 hours' WHEN '2' THEN interval '1 day'
                                        WHEN '1' THEN interval '3 days' ELSE interval '7 days' END,
                CASE WHEN g.si = 1 THEN NULL WHEN g.si = 2 AND mod(g.n, 2) = 0 THEN 'customer' ELSE 'agent' END,
                CASE WHEN g.si > 1 THEN LEAST(g.created + make_interval(hours => (1 + mod((g.n * 3), 24))::int),
                                             now() at time zone 'UTC') END,
                CASE WHEN g.chan IN ('email', 'portal', 'web') THEN g.created END,
                CASE WHEN g.si > 1 THEN LEAST(g.created + make_interval(hours => (1 + mod((g.n * 3), 24))::int),
                                             now() at time zone 'UTC') END,
                0,
                %(create_uid)s, g.created, %(create_uid)s, g.created %(extra_values)s
              FROM g JOIN p ON p.idx = g.pidx
             ORDER BY g.n
            RETURNING id
        )
        SELECT min(id), max(id), count(*) FROM ins
    """, **{
        **params,
        'open_from': open_from,
        'step': max(days * 86400.0 / count, 0.001),
        'n_agents': n_agents,
        'n_subjects': len(SUBJECTS),
        'n_products': len(PRODUCTS),
        'n_categories': len(params['category_ids']),
        'prefix': prefix or '',
        'suffix': suffix or '',
        'padding': padding,
        'number': number_sql,
        'company_id': fx.team.company_id.id or fx.company.id,
        'team_id': fx.team.id,
        'stage_ids': stage_ids,
        'stage_lc': stage_lc,
        'stage_closing': stage_closing,
        'create_uid': env.uid,
        **_extra_columns(env),
    })
    cr.execute(query)
    first_id, last_id, inserted = cr.fetchone()
    bulk = BulkTickets(first_id, last_id, inserted)
    assert last_id - first_id + 1 == inserted, 'bulk ticket ids are not contiguous'
    _insert_tags(env, fx, bulk)
    if followers:
        insert_followers(env, TICKET, bulk.first_id, bulk.last_id)
    if messages:
        _insert_creation_messages(env, bulk)
    env.invalidate_all()
    if complete != 'none':
        _complete_columns(env, bulk, open_only=complete == 'open')
    return bulk


def _extra_columns(env):
    """Values for the stored columns that other modules add and that have a default: the default
    itself, except for dates, whose default is "now" at creation: the ticket's creation date."""
    Ticket = env[TICKET]
    columns, values = [], []
    missing = [f for f in Ticket._fields.values()
               if f.store and f.column_type and f.name not in FILLED_COLUMNS and not f.compute]
    defaults = Ticket.default_get([f.name for f in missing]) if missing else {}
    for f in missing:
        if f.name in defaults and defaults[f.name] not in (None, False):
            columns.append(SQL.identifier(f.name))
            if f.type == 'datetime':
                values.append(SQL("g.created"))
            elif f.type == 'date':
                values.append(SQL("g.created::date"))
            else:
                values.append(SQL("%s", f.convert_to_column_insert(defaults[f.name], Ticket)))
    if not columns:
        return {'extra_columns': SQL(), 'extra_values': SQL()}
    return {'extra_columns': SQL(", %s", SQL(", ").join(columns)),
            'extra_values': SQL(", %s", SQL(", ").join(values))}


def _complete_columns(env, bulk, open_only=True, batch=10000):
    """Compute, with the ORM, the stored computed fields that the SQL insert does not know about."""
    Ticket = env[TICKET]
    to_compute = [f for f in Ticket._fields.values()
                  if f.store and f.column_type and f.compute and f.name not in FILLED_COLUMNS]
    if not to_compute:
        return
    if open_only:
        env.cr.execute(SQL("SELECT id FROM helpdesk_lite_ticket WHERE id BETWEEN %s AND %s AND NOT is_closed "
                           "ORDER BY id", bulk.first_id, bulk.last_id))
        all_ids = [row[0] for row in env.cr.fetchall()]
    else:
        all_ids = range(bulk.first_id, bulk.last_id + 1)
    for ids in split_every(batch, all_ids, list):
        records = Ticket.browse(ids)
        for f in to_compute:
            env.add_to_compute(f, records)
        env.flush_all()
        env.invalidate_all()


def _insert_tags(env, fx, bulk):
    tag_ids = fx.tags.ids
    if not tag_ids:
        return
    env.cr.execute(SQL("""
        INSERT INTO helpdesk_lite_ticket_tag_rel (ticket_id, tag_id)
        SELECT id, (%(tags)s::int[])[1 + mod(id, %(n)s)] FROM helpdesk_lite_ticket
         WHERE id BETWEEN %(first)s AND %(last)s AND mod(id, 3) = 0
        UNION ALL
        SELECT id, (%(tags)s::int[])[1 + mod((id + 1), %(n)s)] FROM helpdesk_lite_ticket
         WHERE id BETWEEN %(first)s AND %(last)s AND mod(id, 7) = 0 AND %(n)s > 1
        ON CONFLICT DO NOTHING
    """, tags=tag_ids, n=len(tag_ids), first=bulk.first_id, last=bulk.last_id))


def insert_followers(env, model, first_id, last_id):
    """Customer and assignee follow the tickets ``first_id`` to ``last_id`` of ``model`` (ours or the
    peer's) with the default subtypes (external ones for customers)."""
    all_ids, _internal_ids, external_ids = env['mail.message.subtype']._default_subtypes(model)
    for partner_column, subtype_ids in (
            (SQL("t.partner_id"), external_ids),
            (SQL("u.partner_id"), all_ids)):
        env.cr.execute(SQL("""
            WITH ins AS (
                INSERT INTO mail_followers (res_model, res_id, partner_id)
                SELECT %(model)s, t.id, %(partner)s
                  FROM %(table)s t LEFT JOIN res_users u ON u.id = t.user_id
                 WHERE t.id BETWEEN %(first)s AND %(last)s AND %(partner)s IS NOT NULL
                ON CONFLICT DO NOTHING
                RETURNING id
            )
            INSERT INTO mail_followers_mail_message_subtype_rel (mail_followers_id, mail_message_subtype_id)
            SELECT ins.id, s FROM ins CROSS JOIN unnest(%(subtypes)s::int[]) AS s
        """, model=model, table=SQL.identifier(env[model]._table), partner=partner_column, first=first_id,
            last=last_id, subtypes=list(subtype_ids)))


def _insert_creation_messages(env, bulk):
    subtype_id = env['ir.model.data']._xmlid_to_res_id('mail.mt_note')
    env.cr.execute(SQL("""
        INSERT INTO mail_message (model, res_id, record_company_id, message_type, subtype_id, author_id, body,
                                  is_internal, date, create_uid, create_date, write_uid, write_date)
        SELECT %(model)s, t.id, t.company_id, 'notification', %(subtype)s, %(author)s,
               '<p>Ticket created</p>', TRUE, t.create_date, t.create_uid, t.create_date, t.create_uid,
               t.create_date
          FROM helpdesk_lite_ticket t WHERE t.id BETWEEN %(first)s AND %(last)s
    """, model=TICKET, subtype=subtype_id, author=env.user.partner_id.id, first=bulk.first_id,
        last=bulk.last_id))


def ticket_vals_list(fx, count, *, stage=None, offset=0):
    """Values for ``count`` realistic tickets created through the ORM: customer, team, assignee,
    priority, category, subjects."""
    customers, agents, tags, categories = fx.customers, fx.agents, fx.tags, fx.categories
    vals_list = []
    for i in range(offset, offset + count):
        vals = {
            'name': f'{SUBJECTS[i % len(SUBJECTS)]} ({PRODUCTS[(i // 7) % len(PRODUCTS)]})',
            'description': f'<p>{SUBJECTS[i % len(SUBJECTS)]}: details of request {i}.</p>',
            'partner_id': customers[(i * 7919) % len(customers)].id,
            'team_id': fx.team.id,
            'user_id': agents[i % len(agents)].id,
            'priority': str((i * 13) % 4),
            'channel': 'backend',
        }
        if categories:
            vals['category_id'] = categories[i % len(categories)].id
        if tags:
            vals['tag_ids'] = [Command.set([tags[i % len(tags)].id])]
        if stage:
            vals['stage_id'] = stage.id
        vals_list.append(vals)
    return vals_list
