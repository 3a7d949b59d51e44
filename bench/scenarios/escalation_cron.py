"""Escalation check (``_cron_escalate``) over a large backlog of open tickets, a few of them matching.

Of SIZE open tickets, MATCH_SHARE (5 %) have had 2 customer replies without an agent answer: the rule
"2 customer replies" fires on each (priority raised, a to-do activity for the assignee, a chatter
message logging the escalation). A second rule ("no agent response within 4 business hours since the
last customer message") matches none of them and shows the cost of a rule with nothing to do. A run
that follows (all escalated tickets still matching) does nothing: run with ESCALATION_BENCH_REPEAT=1
to measure that idle run instead.

Tickets are inserted with SQL; the harness rolls every measured run back.
Knobs (environment): ESCALATION_BENCH_MATCH_SHARE (0.05), ESCALATION_BENCH_REPEAT (0).
"""
import os

from odoo import Command
from odoo.tools import SQL

SIZES = [100_000]
SMOKE_SIZE = 200

MATCH_SHARE = float(os.environ.get('ESCALATION_BENCH_MATCH_SHARE', 0.05))
REPEAT = os.environ.get('ESCALATION_BENCH_REPEAT') == '1'
AGENTS = 20


def prepare(env, size):
    Ticket = env['helpdesk.lite.ticket']
    company = env.company
    team = env['helpdesk.lite.team'].create({'name': 'Escalation bench team', 'company_id': company.id})
    group = env.ref('helpdesk_lite.group_helpdesk_lite_user')
    agents = env['res.users'].with_context(no_reset_password=True, mail_create_nolog=True).create([{
        'name': f'Escalation Bench Agent {i}', 'login': f'esc_bench_agent_{i}_{team.id}',
        'email': f'esc_bench_agent_{i}@example.com', 'groups_id': [Command.link(group.id)]}
        for i in range(AGENTS)])
    team.member_ids = agents
    stage = Ticket._first_stage_of(('open',), team.id)
    # the SLA policy the ORM gives such a ticket, so that raising the priority changes what it would change
    policy = Ticket.new({'team_id': team.id, 'company_id': company.id, 'priority': '1'}).sla_policy_id
    env.flush_all()
    now = Ticket._sla_now()
    every = max(int(round(1 / MATCH_SHARE)), 1)
    env.cr.execute(SQL("""
        INSERT INTO helpdesk_lite_ticket (
            name, number, company_id, team_id, user_id, stage_id, sla_policy_id, lifecycle, is_closed, priority,
            channel, active,
            last_reply_by, last_customer_message_date, customer_reply_count, create_date, write_date,
            create_uid, write_uid)
        SELECT 'Escalation bench ticket ' || i, 'BENCH-ESC-' || i, %(company)s, %(team)s,
               (%(agents)s::int[])[1 + mod(i, %(agent_count)s)], %(stage)s, %(policy)s, 'open', false, '1',
               'backend', true,
               CASE WHEN mod(i, %(every)s) = 0 THEN 'customer' ELSE 'agent' END,
               %(now)s - interval '30 minutes',
               CASE WHEN mod(i, %(every)s) = 0 THEN 2 ELSE 0 END,
               %(now)s - interval '1 day', %(now)s - interval '1 day', %(uid)s, %(uid)s
          FROM generate_series(1, %(size)s) AS i
    """, size=size, every=every, now=now, company=company.id, team=team.id, agents=agents.ids,
        agent_count=len(agents), stage=stage.id, policy=policy.id or None, uid=env.uid))
    env.cr.execute("ANALYZE helpdesk_lite_ticket")
    Rule = env['helpdesk.lite.escalation.rule']
    Rule.search([]).active = False
    Rule.create([{
        'name': 'Bench: customer waiting', 'condition': 'customer_replies', 'reply_count': 2,
        'team_ids': [Command.link(team.id)], 'raise_priority': True,
        'activity_type_id': env.ref('mail.mail_activity_data_todo').id, 'activity_summary': 'Answer the customer',
    }, {
        'name': 'Bench: unanswered', 'condition': 'no_response', 'since': 'customer_message', 'hours': 4,
        'team_ids': [Command.link(team.id)], 'reassign': 'leader',
    }])
    env.invalidate_all()
    if REPEAT:
        Ticket._cron_escalate()
        env.flush_all()
    return {'matching': Ticket.search_count([('team_id', '=', team.id), ('customer_reply_count', '>=', 2)])}


def run(env, state):
    # (the harness rolls the run back; no savepoint here, or the commit-time tracking messages would
    # be rolled back before the harness's flush could measure them)
    fired = env['helpdesk.lite.ticket']._cron_escalate()
    return {'fired': fired, 'matching': state['matching']}
