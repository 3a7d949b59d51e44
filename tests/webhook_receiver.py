"""A real HTTP receiver on 127.0.0.1 for the webhook tests, and an independent signature check (written
from the Standard Webhooks description, not with the addon's own code)."""
import base64
import hashlib
import hmac
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def verify_signature(secret, headers, body, tolerance=300, now=None):
    """What a receiver does: recompute the HMAC over "<webhook-id>.<webhook-timestamp>.<raw body>" and accept
    any "v1," signature of the header that matches, within the timestamp tolerance."""
    msg_id, timestamp = headers['webhook-id'], headers['webhook-timestamp']
    if abs((now or time.time()) - int(timestamp)) > tolerance:
        return False
    key = base64.b64decode(secret.removeprefix('whsec_'))
    expected = base64.b64encode(
        hmac.new(key, f'{msg_id}.{timestamp}.'.encode() + body, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(expected, signature.split(',', 1)[1])
               for signature in headers['webhook-signature'].split() if signature.startswith('v1,'))


class _QuietServer(ThreadingHTTPServer):
    """Senders read a bounded part of the answer and hang up: that is their job, not an error to print."""

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


class Receiver:
    """Records every POST (path, headers, body) and answers ``status`` (an int, or a callable taking the
    request number) with ``body``; ``barrier`` makes the first requests wait for each other."""

    def __init__(self, status=200, body=b'ok', headers=None, delay=0.0, drip=0.0):
        self.status, self.body, self.headers, self.delay = status, body, headers or {}, delay
        self.drip = drip  # seconds between the answer's bytes: an endpoint that never quite times out
        self.requests = []
        self.barrier = None
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'
            disable_nagle_algorithm = True  # as real servers: no delayed-ACK wait per answer

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get('Content-Length') or 0))
                with receiver._lock:
                    receiver.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                    number = len(receiver.requests)
                if receiver.barrier is not None and number <= receiver.barrier.parties:
                    receiver.barrier.wait()
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.status(number) if callable(receiver.status) else receiver.status
                if receiver.drip:
                    for byte in f'HTTP/1.1 {status} OK\r\nX-Slow: {"." * 200}\r\n'.encode():
                        self.wfile.write(bytes([byte]))
                        time.sleep(receiver.drip)
                    return
                self.send_response(status)
                for name, value in receiver.headers.items():
                    self.send_header(name, value)
                self.send_header('Content-Length', str(len(receiver.body)))
                self.end_headers()
                self.wfile.write(receiver.body)

            def log_message(self, *args):
                pass

        self.server = _QuietServer(('127.0.0.1', 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True)

    @property
    def url(self):
        return f'http://127.0.0.1:{self.server.server_address[1]}/hook'

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)
