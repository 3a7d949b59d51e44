"""Inbound email: 500 emails through the mail gateway (message_process): new tickets and replies.

The mix of one run (500 emails to a team alias):
  * 300 new tickets from known customers (60 %), 75 from unknown senders (15 %),
  * 100 replies threaded by In-Reply-To (20 %), 25 replies found by the "[number]" in the subject (5 %),
  * every email is multipart/alternative (text + HTML), every 5th has a Cc, every 10th a 20 KB PDF.
Each email is posted in the chatter and notifies the followers; each new ticket queues its
acknowledgement, which the acknowledgement cron then makes (one run at the end, as the cron woken by the
emails' commits would, measured with them): the whole gateway path, end to end. ``size`` tickets exist
beforehand.
"""
import base64

from odoo import Command
from odoo.tools import SQL

from odoo.addons.helpdesk_lite.bench import peer

SIZES = [10_000]
SMOKE_SIZE = 200             # smoke runs (tests) process 40 emails only
N_EMAILS = 500


def emails_for(size):
    return N_EMAILS if size >= 1000 else 40


PER_ITEM = emails_for        # report time and queries per email
TICKET = 'helpdesk.lite.ticket'
N_CUSTOMERS = 400
N_REPLY_TARGETS = 150
PDF = base64.encodebytes(b'%PDF-1.4\n' + bytes(range(256)) * 80 + b'\n%%EOF\n').decode()

EMAIL = """Return-Path: <{sender}>
From: {email_from}
To: {to}
{cc}Subject: {subject}
Date: Mon, 03 Mar 2025 09:12:40 +0100
Message-ID: <bench-inbound-{index}@customer.example>
{extra}MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="mixed"

--mixed
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/plain; charset=utf-8

Hello,

{body}

Regards
--alt
Content-Type: text/html; charset=utf-8

<div>Hello,</div><div>{body}</div><div>Regards</div>
--alt--
{attachment}--mixed--
"""
ATTACHMENT = """--mixed
Content-Type: application/pdf; name="report-{index}.pdf"
Content-Disposition: attachment; filename="report-{index}.pdf"
Content-Transfer-Encoding: base64

{pdf}
"""


def prepare(env, size, kind=None):
    env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True, mail_notrack=True,
                           helpdesk_lite_no_acknowledgement=True))
    company = env.company
    alias_domain = _alias_domain(env)
    team = env['helpdesk.lite.team'].create({
        'name': 'Bench Email', 'company_id': company.id, 'alias_name': 'bench-inbound',
        'alias_domain_id': alias_domain.id, 'email_cc_policy': 'partners'})
    customers = env['res.partner'].create([
        {'name': f'Mail Customer {i}', 'email': f'mail.customer{i}@customer.example'} for i in range(N_CUSTOMERS)])
    stage = env['helpdesk.lite.stage'].search([('lifecycle', '=', 'open')], limit=1)
    ticket_ids = _insert_tickets(env, size, team, customers, stage)
    tickets = env[TICKET].browse(ticket_ids[-min(N_REPLY_TARGETS, size):])
    _conversations(env, TICKET, tickets)
    return {'emails': _emails(size, customers, tickets, f'{team.alias_name}@{alias_domain.name}', kind)}


def _conversations(env, model, tickets):
    """What replies thread on: one outgoing message per ticket, the customer follows it."""
    env['mail.message'].create([{
        'model': model, 'res_id': ticket.id, 'message_type': 'email_outgoing', 'body': '<p>We are on it.</p>',
        'message_id': f'<bench-outgoing-{ticket.id}@odoo.bench>', 'subject': f'[{ticket.number}] {ticket.name}',
    } for ticket in tickets])
    env['mail.followers'].create([{
        'res_model': model, 'res_id': ticket.id, 'partner_id': ticket.partner_id.id} for ticket in tickets])


def email_kind(index):
    """'new' or 'reply': what the ``index``-th email of the mix is."""
    return 'new' if index % 20 < 15 else 'reply'


def count_of(kind, size):
    return sum(1 for index in range(emails_for(size)) if email_kind(index) == kind)


def hooks_of(kind):
    """``PER_ITEM``, ``prepare`` and ``peer_prepare`` of a scenario measuring the ``kind`` emails apart."""
    return (lambda size: count_of(kind, size),
            lambda env, size: prepare(env, size, kind=kind),
            lambda env, size: peer_prepare(env, size, kind=kind))


def _emails(size, customers, tickets, to, kind=None):
    """The run's emails (the mix of the module docstring, or only its ``kind`` ones), replies to ``tickets``."""
    emails = []
    for index in range(emails_for(size)):
        if kind and email_kind(index) != kind:
            continue
        slot = index % 20
        extra, cc = '', ''
        if slot < 12:      # 60 %: new ticket from a known customer
            customer = customers[index % N_CUSTOMERS]
            sender, name, subject = customer.email, customer.name, f'Problem number {index} with my account'
        elif slot < 15:    # 15 %: new ticket from an unknown sender
            sender, name, subject = f'visitor{index}@unknown.example', f'Visitor {index}', f'Question {index}'
        else:              # 25 %: reply to an existing ticket
            ticket = tickets[index % len(tickets)]
            sender, name = ticket.partner_id.email, ticket.partner_id.name
            subject = f'Re: [{ticket.number}] {ticket.name}'
            if slot < 19:  # 20 %: threaded by headers; 5 %: by the number in the subject only
                extra = f'In-Reply-To: <bench-outgoing-{ticket.id}@odoo.bench>\n'
        if index % 5 == 0:
            cc = f'Cc: {customers[(index + 7) % N_CUSTOMERS].email}\n'
        emails.append(EMAIL.format(
            sender=sender, email_from=f'"{name}" <{sender}>', to=to, cc=cc, subject=subject, index=index,
            extra=extra, body=f'Something is wrong with item {index}. ' * 5,
            attachment=ATTACHMENT.format(index=index, pdf=PDF) if index % 10 == 0 else '',
        ).encode())
    return emails


def _process(env, state):
    gateway = env['mail.thread'].sudo()
    for raw in state['emails']:
        gateway.message_process(None, raw)


def process_each(env, state):
    """The emails one by one, each as its own transaction would see it: flushed, then the cache emptied
    (nothing committed: the harness rolls the run back)."""
    gateway = env['mail.thread'].sudo()
    for raw in state['emails']:
        gateway.message_process(None, raw)
        env.flush_all()
        env.invalidate_all()


def run(env, state):
    _process(env, state)
    env[TICKET]._cron_send_acknowledgements()


def _alias_domain(env):
    company = env.company
    company.alias_domain_id = company.alias_domain_id or env['mail.alias.domain'].search([], limit=1) \
        or env['mail.alias.domain'].create({'name': 'bench.example.com'})
    return company.alias_domain_id


def peer_prepare(env, size, kind=None):
    """The same emails to a team alias of the peer. The peer threads replies by their headers only:
    its 5 % of replies known by the number in the subject alone open new tickets."""
    env = env(context=dict(env.context, tracking_disable=True, mail_create_nolog=True, mail_notrack=True))
    alias_domain = _alias_domain(env)
    fx = peer.make_fixtures(env, n_customers=0, n_companies=0)
    team = env['helpdesk.ticket.team'].create({
        'name': 'Bench Email', 'company_id': env.company.id, 'alias_name': 'bench-inbound',
        'alias_domain_id': alias_domain.id, 'user_ids': [Command.set(fx.agents.ids)]})
    fx.customers = env['res.partner'].create([
        {'name': f'Mail Customer {i}', 'email': f'mail.customer{i}@customer.example'} for i in range(N_CUSTOMERS)])
    ids = peer.insert_tickets(env, fx, size, team=team, stage=fx.stages['open'], followers=False)
    tickets = env[peer.TICKET].browse(ids[-min(N_REPLY_TARGETS, size):])
    _conversations(env, peer.TICKET, tickets)
    return {'emails': _emails(size, fx.customers, tickets, f'{team.alias_name}@{alias_domain.name}', kind)}


peer_run = _process  # the peer sends no acknowledgement


def _insert_tickets(env, size, team, customers, stage):
    """``size`` open tickets of the team with one INSERT ... SELECT generate_series (numbers HD9xxxxxxx,
    clear of the sequence), spread over the customers, with the stored columns the ORM would fill."""
    env.flush_all()
    partner_ids = customers.ids
    rows = env.execute_query(SQL("""
        INSERT INTO helpdesk_lite_ticket (
            name, number, company_id, team_id, stage_id, lifecycle, is_closed, priority, channel, active,
            partner_id, commercial_partner_id, partner_name, partner_email, reopen_count, last_reply_by,
            create_uid, write_uid, create_date, write_date)
        SELECT 'Bench ticket ' || g.n, 'HD9' || lpad(g.n::text, 7, '0'), %(company)s, %(team)s, %(stage)s,
               %(lifecycle)s, FALSE, mod(g.n, 4)::text, 'email', TRUE,
               p.id, p.id, p.name, p.email, 0, 'agent',
               %(uid)s, %(uid)s, now() at time zone 'UTC' - interval '3 days', now() at time zone 'UTC' - interval '3 days'
          FROM generate_series(1, %(size)s) AS g(n)
          JOIN res_partner p ON p.id = (%(partner_ids)s::int[])[1 + mod(g.n, %(n_partners)s)]
        RETURNING id
    """, company=team.company_id.id, team=team.id, stage=stage.id, lifecycle=stage.lifecycle, uid=env.uid,
        size=size, partner_ids=partner_ids, n_partners=len(partner_ids)))
    env.registry.clear_cache()
    env.invalidate_all()
    return sorted(row[0] for row in rows)
