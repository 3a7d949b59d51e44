"""Appointment reminder cron (``_cron_send_reminders``) over SIZE upcoming confirmed visits, 5 % due.

At the default size: 10,000 confirmed visits over the next weeks, 500 of them starting within the next
24 hours (due for their reminder). The run queues 500 reminder mails, each with its .ics attachment,
and flags the visits; the 9,500 others must cost nothing (the due ones are found through a partial
index). Target: under 5 s for the default size.

Visits are inserted with SQL (25 technicians, slots that never overlap, 200 customers with
an email). The harness rolls every run back, so each repetition sends the same 500 reminders.
Knob (environment): APPOINTMENT_BENCH_DUE_SHARE (default 0.05).
"""
import os

from odoo import Command, fields
from odoo.tools import SQL

SIZES = [10_000]
SMOKE_SIZE = 40
RUNS = 3

DUE_SHARE = float(os.environ.get('APPOINTMENT_BENCH_DUE_SHARE', 0.05))
TECHNICIANS = 25
CUSTOMERS = 200


def due_count(size):
    return max(int(size * DUE_SHARE), 1)


PER_ITEM = due_count


def prepare(env, size):
    group = env.ref('helpdesk_lite.group_helpdesk_lite_user')
    technicians = env['res.users'].with_context(no_reset_password=True, mail_create_nolog=True).create([{
        'name': f'Reminder Bench Technician {i}', 'login': f'apt_bench_tech_{i}_{size}',
        'email': f'apt_bench_tech_{i}@example.com', 'groups_id': [Command.link(group.id)]}
        for i in range(TECHNICIANS)])
    customers = env['res.partner'].create([{
        'name': f'Reminder Bench Customer {i}', 'email': f'apt_bench_customer_{i}@example.com', 'lang': 'en_US',
        'tz': 'Europe/Brussels'} for i in range(CUSTOMERS)])
    tickets = env['helpdesk.lite.ticket'].create([{
        'name': f'Reminder bench ticket {i}', 'partner_id': customer.id} for i, customer in enumerate(customers)])
    env.flush_all()
    now = fields.Datetime.now().replace(microsecond=0)
    due = due_count(size)
    # due visits: half-hour slots from 1 h ahead (500 visits: until 11 h ahead); the others from 25 h on
    env.cr.execute(SQL("""
        INSERT INTO helpdesk_lite_appointment (
            name, active, color, ticket_id, company_id, partner_id, user_id, start, stop, duration,
            location_partner_id, location, priority, state, allow_outside_hours, send_confirmation_email,
            confirmation_sent, send_reminder_email, reminder_sent, ics_sequence,
            create_date, write_date, create_uid, write_uid)
        SELECT 'APTBENCH' || i, true, 0, (%(tickets)s::int[])[1 + mod(i, %(ticket_count)s)], %(company)s,
               (%(customers)s::int[])[1 + mod(i, %(ticket_count)s)],
               (%(technicians)s::int[])[1 + mod(i, %(tech_count)s)],
               slot_start, slot_start + interval '30 minutes', 0.5,
               (%(customers)s::int[])[1 + mod(i, %(ticket_count)s)], 'Bench street ' || i, '1', 'confirmed',
               true, true, true, true, false, 0, %(now)s, %(now)s, %(uid)s, %(uid)s
          FROM (
            SELECT i, CASE WHEN i < %(due)s
                           THEN %(now)s + interval '1 hour' + interval '30 minutes' * (i / %(tech_count)s)
                           ELSE %(now)s + interval '25 hours' + interval '1 hour' * ((i - %(due)s) / %(tech_count)s)
                      END AS slot_start
              FROM generate_series(0, %(size)s - 1) AS i
          ) AS slots
    """, size=size, due=due, now=now, company=env.company.id, tickets=tickets.ids, customers=customers.ids,
        ticket_count=len(tickets), technicians=technicians.ids, tech_count=TECHNICIANS, uid=env.uid))
    env.cr.execute("ANALYZE helpdesk_lite_appointment")
    env.invalidate_all()
    return {'due': due, 'size': size}


def run(env, state):
    sent = env['helpdesk.lite.appointment']._cron_send_reminders()
    env.flush_all()
    assert sent == state['due'], f"{sent} reminders queued, {state['due']} expected"
    return {'reminders': sent, 'upcoming_visits': state['size']}
