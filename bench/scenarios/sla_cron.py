"""SLA overdue check (``_cron_check_sla_overdue``) over a large backlog of open tickets.

A busy day's run: of SIZE open tickets, BREACH_SHARE (2 %) have a target that passed since the last run
(each gets a breach record, a chatter message and a warning activity), AT_RISK_SHARE (5 %) crossed their
"at risk" point (status update only: the default policy has no escalation), the rest is on track and
must cost (almost) nothing. The cost is linear in the tickets that are due and flat in the others; set
the shares to 0.05 / 0.10 for a bad day, or 0 / 0 for an idle run.

Tickets are inserted with SQL (SLA columns filled as the ORM would, assignees following their tickets as
the ORM makes them). The harness rolls every measured run back, so every repetition does the same work (repetitions in
one transaction slow down a little: dead row versions pile up).

Knobs (environment): SLA_BENCH_BREACH_SHARE (default 0.02), SLA_BENCH_AT_RISK_SHARE (0.05),
SLA_BENCH_AGENTS (20), SLA_BENCH_BATCH (the cron's default batch size).
"""
import os

from odoo import Command
from odoo.tools import SQL

SIZES = [100_000]

BREACH_SHARE = float(os.environ.get('SLA_BENCH_BREACH_SHARE', 0.02))
AT_RISK_SHARE = float(os.environ.get('SLA_BENCH_AT_RISK_SHARE', 0.05))
AGENTS = int(os.environ.get('SLA_BENCH_AGENTS', 20))


def prepare(env, size):
    Ticket = env['helpdesk.lite.ticket']
    company = env.company
    team = env['helpdesk.lite.team'].create({'name': 'SLA bench team', 'company_id': company.id})
    group = env.ref('helpdesk_lite.group_helpdesk_lite_user')
    agents = env['res.users'].with_context(no_reset_password=True, mail_create_nolog=True).create([{
        'name': f'SLA Bench Agent {i}', 'login': f'sla_bench_agent_{i}_{team.id}',
        'email': f'sla_bench_agent_{i}@example.com', 'groups_id': [Command.link(group.id)]}
        for i in range(AGENTS)])
    team.member_ids = agents
    stage = Ticket._first_stage_of(('open',), team.id)
    policy = env.ref('helpdesk_lite.sla_policy_default')
    env.flush_all()
    now = Ticket._sla_now()
    breach_every = max(int(round(1 / BREACH_SHARE)), 1) if BREACH_SHARE else 0
    risk_every = max(int(round(1 / AT_RISK_SHARE)), 1) if AT_RISK_SHARE else 0
    # Medium tickets on the default policy, as the ORM stores them: first response due 8 h after the
    # start, "at risk" 2 h before; status on track, next check at the at-risk point. Per i: "breach"
    # (response deadline passed in the last 10 h), "risk" (at-risk point passed, deadline ahead),
    # otherwise everything ahead.
    env.cr.execute(SQL("""
        WITH src AS (
            SELECT i,
                   CASE WHEN %(breach_every)s > 0 AND mod(i, %(breach_every)s) = 0 THEN 'breach'
                        WHEN %(risk_every)s > 0 AND mod(i, %(risk_every)s) = 1 THEN 'risk'
                        ELSE 'ok' END AS kind,
                   mod(i, 600) * interval '1 minute' AS jitter
              FROM generate_series(1, %(size)s) AS i
        ), planned AS (
            SELECT i, kind,
                   CASE kind WHEN 'breach' THEN %(now)s - interval '1 minute' - jitter - interval '2 hours'
                             WHEN 'risk' THEN %(now)s - interval '1 minute' - mod(i, 110) * interval '1 minute'
                             ELSE %(now)s + interval '9 hours' + jitter END AS at_risk
              FROM src
        )
        INSERT INTO helpdesk_lite_ticket (
            name, number, company_id, team_id, user_id, stage_id, lifecycle, is_closed, priority, channel,
            active, sla_policy_id, sla_start_date, sla_paused_hours, sla_response_deadline, sla_resolve_deadline,
            sla_at_risk_date, sla_status, sla_next_deadline, sla_check_date, create_date, write_date,
            create_uid, write_uid)
        SELECT 'SLA bench ticket ' || i, 'BENCH-SLA-' || i, %(company)s, %(team)s,
               (%(agents)s::int[])[1 + mod(i, %(agent_count)s)], %(stage)s, 'open', false, '1', 'backend',
               true, %(policy)s, at_risk - interval '6 hours', 0, at_risk + interval '2 hours',
               at_risk + interval '2 days', at_risk, 'on_track',
               at_risk + interval '2 hours', at_risk,
               at_risk - interval '6 hours', at_risk - interval '6 hours', %(uid)s, %(uid)s
          FROM planned
    """, size=size, breach_every=breach_every, risk_every=risk_every, now=now, company=company.id, team=team.id,
        agents=agents.ids, agent_count=len(agents), stage=stage.id, policy=policy.id, uid=env.uid))
    # Assignees follow their tickets (the ORM subscribes them on assignment): do the same here.
    subtypes = env['mail.message.subtype'].default_subtypes(Ticket._name)[0]
    env.cr.execute(SQL("""
        WITH followers AS (
            INSERT INTO mail_followers (res_model, res_id, partner_id)
            SELECT %(model)s, t.id, u.partner_id
              FROM helpdesk_lite_ticket t JOIN res_users u ON u.id = t.user_id
             WHERE t.team_id = %(team)s
            RETURNING id
        )
        INSERT INTO mail_followers_mail_message_subtype_rel (mail_followers_id, mail_message_subtype_id)
        SELECT f.id, s FROM followers f, unnest(%(subtypes)s::int[]) AS s
    """, model=Ticket._name, team=team.id, subtypes=subtypes.ids))
    env.cr.execute("ANALYZE helpdesk_lite_ticket")
    env.cr.execute("ANALYZE mail_followers")
    env.invalidate_all()
    due = Ticket.search_count([('sla_check_date', '<=', now)])
    return {'now': now, 'team_id': team.id, 'due': due,
            'expected_breaches': size // breach_every if breach_every else 0}


def run(env, state):
    # (the harness rolls the run back, after its flush has run the commit-time hooks)
    batch = int(os.environ.get('SLA_BENCH_BATCH', 0)) or None
    done = env['helpdesk.lite.ticket']._cron_check_sla_overdue(batch_size=batch)
    return {'processed': done, 'due_at_prepare': state['due'], 'breaches': state['expected_breaches']}
