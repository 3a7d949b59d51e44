"""The webhook sender (``_cron_deliver``) draining SIZE queued events to a local receiver on 127.0.0.1.

One delivery per transaction as in production (claim with SKIP LOCKED, sign, POST, record the outcome),
except that the measured run does not commit (runs are rolled back). Per item: queries and milliseconds
per delivered event, so events per second = 1000 / ms per item. The receiver answers 200 at once and runs
in this process: on a loaded machine it competes for the same CPU.
"""
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from odoo import Command, fields

SIZES = [500]
LARGE_SIZES = [500]
SMOKE_SIZE = 5
PER_ITEM = True
RUNS = 3


class _Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    # Like real web servers: without TCP_NODELAY the body written after the headers waits for the
    # client's delayed ACK (~40 ms per request on loopback), which would measure the receiver.
    disable_nagle_algorithm = True

    def do_POST(self):
        self.rfile.read(int(self.headers.get('Content-Length') or 0))
        self.send_response(200)
        self.send_header('Content-Length', '2')
        self.end_headers()
        self.wfile.write(b'ok')

    def log_message(self, *args):
        pass


def prepare(env, size):
    server = ThreadingHTTPServer(('127.0.0.1', 0), _Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True).start()
    env['ir.config_parameter'].set_param('helpdesk_lite.webhook_allowed_networks', '127.0.0.1/32')
    events = env['helpdesk.lite.webhook.event'].search([('builtin', '=', True)])
    webhook = env['helpdesk.lite.webhook'].create({
        'name': 'Bench receiver', 'url': f'http://127.0.0.1:{server.server_address[1]}/hook',
        'event_ids': [Command.set(events.ids)]})
    now = fields.Datetime.now()
    data = {'ticket_id': 1, 'ticket_number': 'HD00001', 'subject': 'Bench', 'priority': 'medium', 'status': 'open'}
    webhook._enqueue([(webhook, 'ticket.updated', 'helpdesk.lite.ticket', i, dict(data, ticket_id=i))
                      for i in range(size)], now)
    return {'server': server, 'size': size}


def run(env, state):
    sent = env['helpdesk.lite.webhook.delivery']._cron_deliver(limit=state['size'], auto_commit=False)
    assert sent == state['size'], (sent, state['size'])
