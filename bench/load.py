"""Load test against a running Odoo (started by bench/load.sh): portal customers, public-form
submissions and backend list/kanban loads at once, then a check that nothing acknowledged was lost.

Only 127.0.0.1 is ever contacted. Every loop is bounded by the duration; the run stops by itself.

- ``--users`` portal customers (closed loop, ``--think`` seconds between steps): log in once, then
  repeat: list their tickets (/my/helpdesk), open one (/my/helpdesk/<id>), reply in its conversation
  (/mail/message/post, with the ticket's token as the portal chatter does).
- ``--forms`` public-form submissions per second (open loop, /helpdesk/submit then the thank-you page).
- ``--agents`` backend users loading the ticket list (web_search_read) and kanban (web_read_group +
  web_search_read), with the same think time.

Each request records its latency and outcome; a request "fails" on a network error, an HTTP status
other than the expected one or an error in a JSON-RPC answer. Afterwards, as the administrator: every
reply that was answered with success must exist as a message on its ticket (matched by a unique
marker), and every ticket number shown on a thank-you page must exist. Prints one JSON document (and
writes it to --out): throughput, error rate, p50/p95/max per kind, lost replies/tickets.
"""
import argparse
import json
import random
import re
import statistics
import sys
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import requests

CSRF_RE = re.compile(r'name="csrf_token"\s+value="([^"]+)"')
NUMBER_RE = re.compile(r'HD\d{5,}')
PORTAL_PASSWORD = 'load-test-portal'
TICKETS_PER_USER = 3


class Recorder:
    def __init__(self):
        self.lock = threading.Lock()
        self.samples = defaultdict(list)   # kind -> [seconds]
        self.errors = defaultdict(list)    # kind -> [message]

    def record(self, kind, started, error=None):
        elapsed = time.monotonic() - started
        with self.lock:
            self.samples[kind].append(elapsed)
            if error:
                self.errors[kind].append(str(error)[:200])

    def summary(self, duration):
        kinds = {}
        total = failed = 0
        for kind, values in sorted(self.samples.items()):
            values = sorted(values)
            errors = len(self.errors[kind])
            total += len(values)
            failed += errors
            kinds[kind] = {
                'requests': len(values), 'errors': errors,
                'p50_ms': round(1000 * percentile(values, 50)), 'p95_ms': round(1000 * percentile(values, 95)),
                'max_ms': round(1000 * values[-1]),
                'first_errors': self.errors[kind][:3],
            }
        every = sorted(v for values in self.samples.values() for v in values)
        return {
            'requests': total, 'errors': failed,
            'error_rate': round(failed / total, 4) if total else None,
            'throughput_rps': round(total / duration, 1),
            'p50_ms': round(1000 * percentile(every, 50)) if every else None,
            'p95_ms': round(1000 * percentile(every, 95)) if every else None,
            'by_kind': kinds,
        }


def percentile(values, pct):
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method='inclusive')[pct - 1]


class Client:
    """One browser: a requests session (cookies) on the server's loopback address."""

    def __init__(self, base, recorder, timeout):
        self.base = base
        self.http = requests.Session()
        self.recorder = recorder
        self.timeout = timeout

    def call(self, kind, method, path, expect=200, **kwargs):
        started = time.monotonic()
        try:
            response = self.http.request(method, self.base + path, timeout=self.timeout,
                                         allow_redirects=False, **kwargs)
        except requests.RequestException as exc:
            self.recorder.record(kind, started, exc)
            return None
        error = None
        if response.status_code != expect:
            error = f'HTTP {response.status_code} on {path}'
        elif kwargs.get('json') is not None and 'error' in response.json():
            error = f"JSON-RPC error on {path}: {response.json()['error'].get('data', {}).get('message')}"
        self.recorder.record(kind, started, error)
        return None if error else response

    def rpc(self, kind, path, params):
        response = self.call(kind, 'POST', path, json={'jsonrpc': '2.0', 'method': 'call', 'params': params})
        return response.json()['result'] if response is not None else None

    def login(self, login, password):
        page = self.call('login', 'GET', '/web/login')
        if page is None:
            return False
        token = CSRF_RE.search(page.text).group(1)
        done = self.call('login', 'POST', '/web/login', expect=303,
                         data={'login': login, 'password': password, 'csrf_token': token, 'redirect': '/my'})
        return done is not None and '/web/login' not in done.headers.get('Location', '')


def admin_client(base, args):
    """JSON-RPC as the administrator, outside the measurement (own recorder)."""
    client = Client(base, Recorder(), 120)
    result = client.rpc('admin', '/web/session/authenticate',
                        {'db': args.db, 'login': args.admin_login, 'password': args.admin_password})
    if not result:
        sys.exit(f'cannot log in as {args.admin_login} on {base} (database {args.db})')
    return client


def kw(client, model, method, *args, **kwargs):
    return client.rpc('admin', f'/web/dataset/call_kw/{model}/{method}',
                      {'model': model, 'method': method, 'args': list(args), 'kwargs': kwargs})


def prepare(admin, users):
    """Portal customers load_portal_NN, each with TICKETS_PER_USER tickets; reused when present.
    The public form's rate limits are switched off: every submission comes from 127.0.0.1."""
    for key in ('helpdesk_lite.public_submit_limit_per_ip', 'helpdesk_lite.public_submit_limit_per_email'):
        kw(admin, 'ir.config_parameter', 'set_param', key, '0')
    portal_group = kw(admin, 'ir.model.data', 'check_object_reference', 'base', 'group_portal')[1]
    logins = [f'load_portal_{n:02d}' for n in range(1, users + 1)]
    existing = {u['login']: u for u in kw(admin, 'res.users', 'search_read', [('login', 'in', logins)],
                                          fields=['login', 'partner_id'])}
    missing = [login for login in logins if login not in existing]
    if missing:
        kw(admin, 'res.users', 'create', [{
            'name': f'Load Customer {login[-2:]}', 'login': login, 'email': f'{login}@example.com',
            'password': PORTAL_PASSWORD, 'groups_id': [(6, 0, [portal_group])]} for login in missing])
        existing = {u['login']: u for u in kw(admin, 'res.users', 'search_read', [('login', 'in', logins)],
                                              fields=['login', 'partner_id'])}
    customers = []
    for login in logins:
        partner_id = existing[login]['partner_id'][0]
        tickets = kw(admin, 'helpdesk.lite.ticket', 'search_read', [('partner_id', '=', partner_id)],
                     fields=['access_token'], limit=TICKETS_PER_USER)
        if len(tickets) < TICKETS_PER_USER:
            kw(admin, 'helpdesk.lite.ticket', 'create', [
                {'name': f'Load test ticket {n} of {login}', 'partner_id': partner_id,
                 'description': 'Created by bench/load.py'} for n in range(TICKETS_PER_USER - len(tickets))],
               context={'helpdesk_lite_no_acknowledgement': True})
            tickets = kw(admin, 'helpdesk.lite.ticket', 'search_read', [('partner_id', '=', partner_id)],
                         fields=['access_token'], limit=TICKETS_PER_USER)
        customers.append((login, tickets))
    return customers


def portal_customer(base, recorder, args, login, tickets, stop_at, acknowledged):
    client = Client(base, recorder, args.timeout)
    if not client.login(login, PORTAL_PASSWORD):
        return
    rng = random.Random(login)
    while time.monotonic() < stop_at:
        client.call('portal_list', 'GET', '/my/helpdesk')
        ticket = rng.choice(tickets)
        client.call('portal_open', 'GET', f"/my/helpdesk/{ticket['id']}")
        marker = f'load-{uuid.uuid4().hex}'
        result = client.rpc('portal_reply', '/mail/message/post', {
            'thread_model': 'helpdesk.lite.ticket', 'thread_id': ticket['id'], 'token': ticket['access_token'],
            'post_data': {'body': f'Reply {marker}', 'message_type': 'comment', 'subtype_xmlid': 'mail.mt_comment'}})
        if result is not None:
            acknowledged['replies'].append((ticket['id'], marker))
        time.sleep(args.think)


def public_form(base, recorder, args, acknowledged):
    client = Client(base, recorder, args.timeout)
    page = client.call('form_submit', 'GET', '/helpdesk/submit')
    if page is None:
        return
    token = CSRF_RE.search(page.text).group(1)
    marker = uuid.uuid4().hex[:12]
    done = client.call('form_submit', 'POST', '/helpdesk/submit', expect=303, data={
        'csrf_token': token, 'partner_name': f'Visitor {marker}', 'partner_email': f'visitor-{marker}@example.com',
        'name': f'Form ticket {marker}', 'description': 'Submitted by bench/load.py', 'company_website': ''})
    if done is None:
        return
    thanks = client.call('form_submit', 'GET', '/helpdesk/submit/thanks')
    number = thanks is not None and NUMBER_RE.search(thanks.text)
    if number:
        acknowledged['tickets'].append((number.group(0), marker))
    elif thanks is not None:
        recorder.record('form_submit', time.monotonic(), 'thank-you page without a ticket number')


def agent(base, recorder, args, login, password, stop_at):
    client = Client(base, recorder, args.timeout)
    if not client.rpc('backend_login', '/web/session/authenticate',
                      {'db': args.db, 'login': login, 'password': password}):
        return
    spec = {'number': {}, 'name': {}, 'priority': {}, 'sla_status': {},
            'stage_id': {'fields': {'display_name': {}}}, 'user_id': {'fields': {'display_name': {}}},
            'partner_id': {'fields': {'display_name': {}}}}
    model = 'helpdesk.lite.ticket'
    while time.monotonic() < stop_at:
        client.rpc('backend_list', f'/web/dataset/call_kw/{model}/web_search_read', {
            'model': model, 'method': 'web_search_read', 'args': [],
            'kwargs': {'domain': [], 'specification': spec, 'limit': 80, 'count_limit': 10001}})
        client.rpc('backend_kanban', f'/web/dataset/call_kw/{model}/web_read_group', {
            'model': model, 'method': 'web_read_group', 'args': [],
            'kwargs': {'domain': [], 'groupby': ['stage_id'], 'fields': ['stage_id'], 'lazy': True}})
        client.rpc('backend_kanban', f'/web/dataset/call_kw/{model}/web_search_read', {
            'model': model, 'method': 'web_search_read', 'args': [],
            'kwargs': {'domain': [], 'specification': spec, 'limit': 40}})
        time.sleep(args.think)


def warm_up(base, args, customers):
    """Each prefork worker loads the registry and renders the assets on its first requests: a few rounds of
    every page, unrecorded, so that the measurement starts on warm workers."""
    scratch = Recorder()
    login, tickets = customers[0]
    for _ in range(4):
        client = Client(base, scratch, 120)
        client.call('warm', 'GET', '/helpdesk/submit')
        if client.login(login, PORTAL_PASSWORD):
            client.call('warm', 'GET', '/my/helpdesk')
            client.call('warm', 'GET', f"/my/helpdesk/{tickets[0]['id']}")
        kw(admin_client(base, args), 'helpdesk.lite.ticket', 'web_search_read', [],
           specification={'number': {}}, limit=80)


def verify(admin, acknowledged):
    lost_replies = []
    replies = acknowledged['replies']
    for chunk in range(0, len(replies), 200):
        batch = replies[chunk:chunk + 200]
        domain = ['|'] * (len(batch) - 1) + [('body', 'ilike', marker) for _, marker in batch]
        found = kw(admin, 'mail.message', 'search_read', [('model', '=', 'helpdesk.lite.ticket')] + domain,
                   fields=['res_id', 'body'])
        stored = {(m['res_id'], marker) for m in found for _, marker in batch if marker in m['body']}
        lost_replies += [pair for pair in batch if pair not in stored]
    numbers = [number for number, _ in acknowledged['tickets']]
    found = {t['number'] for t in kw(admin, 'helpdesk.lite.ticket', 'search_read', [('number', 'in', numbers)],
                                     fields=['number'])} if numbers else set()
    lost_tickets = [number for number in numbers if number not in found]
    return {'replies_acknowledged': len(replies), 'replies_lost': len(lost_replies),
            'tickets_acknowledged': len(numbers), 'tickets_lost': len(lost_tickets),
            'lost_examples': (lost_replies[:3], lost_tickets[:3])}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--port', type=int, required=True)
    parser.add_argument('--db', required=True)
    parser.add_argument('--users', type=int, default=20)
    parser.add_argument('--forms', type=float, default=5.0, help='public-form submissions per second')
    parser.add_argument('--agents', type=int, default=2)
    parser.add_argument('--duration', type=float, default=60.0)
    parser.add_argument('--think', type=float, default=1.0, help='seconds between a customer or agent step')
    parser.add_argument('--timeout', type=float, default=30.0)
    parser.add_argument('--admin-login', default='admin')
    parser.add_argument('--admin-password', default='admin')
    parser.add_argument('--label', default='')
    parser.add_argument('--out')
    parser.add_argument('--saturating', action='store_true',
                        help='a throughput measurement: failed requests are reported, only lost work fails the run')
    args = parser.parse_args()
    base = f'http://127.0.0.1:{args.port}'   # loopback only, whatever the options say

    admin = admin_client(base, args)
    customers = prepare(admin, args.users)
    warm_up(base, args, customers)
    recorder = Recorder()
    acknowledged = {'replies': [], 'tickets': []}
    started = time.monotonic()
    stop_at = started + args.duration
    threads = [threading.Thread(target=portal_customer, args=(base, recorder, args, login, tickets, stop_at,
                                                              acknowledged)) for login, tickets in customers]
    threads += [threading.Thread(target=agent, args=(base, recorder, args, args.admin_login, args.admin_password,
                                                     stop_at)) for _ in range(args.agents)]
    for thread in threads:
        thread.start()
    # open loop: one submission every 1/forms seconds, each in its own pooled thread
    with ThreadPoolExecutor(max_workers=max(4, int(args.forms * 4))) as pool:
        interval = 1.0 / args.forms if args.forms else None
        next_at = started
        while interval and next_at < stop_at:
            pool.submit(public_form, base, recorder, args, acknowledged)
            next_at += interval
            time.sleep(max(0.0, next_at - time.monotonic()))
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    result = {'label': args.label, 'users': args.users, 'forms_per_s': args.forms, 'agents': args.agents,
              'think_s': args.think, 'duration_s': round(elapsed, 1), **recorder.summary(elapsed)}
    result['verification'] = verify(admin, acknowledged)
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        with open(args.out, 'w', encoding='utf-8') as out:
            out.write(text)
    lost = result['verification']['replies_lost'] or result['verification']['tickets_lost']
    ok = not lost and (args.saturating or not result['errors'])
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
