"""Check that Odoo's gevent process (websockets of prefork mode) starts and accepts a websocket.

Usage: python scripts/check_gevent.py ODOO_BIN ODOO_CONF DB PORT. Starts ``odoo-bin gevent`` on
127.0.0.1:PORT for DB, opens ``/websocket`` with a real handshake (websocket-client), sends a
subscribe message, then stops the process. Fails when the process dies (e.g. pkg_resources'
``DistributionNotFound`` for gevent's requirements), logs a traceback, or no handshake succeeds within
60 s. Prefork mode (``--workers``) needs this process for live chatter and notifications.
"""
import json
import subprocess
import sys
import tempfile
import time

import websocket

TIMEOUT = 60


def handshake(port):
    url = f'ws://127.0.0.1:{port}/websocket'
    ws = websocket.create_connection(url, timeout=5, origin=f'http://127.0.0.1:{port}')
    try:
        ws.send(json.dumps({'event_name': 'subscribe', 'data': {'channels': [], 'last': 0}}))
        return ws.connected
    finally:
        ws.close()


def wait_handshake(port, timeout=TIMEOUT):
    """Handshake with a gevent process that may still be starting (prefork spawns it after the workers)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return handshake(port)
        except (OSError, websocket.WebSocketException):
            if time.monotonic() >= deadline:
                return False
            time.sleep(1)


def main(odoo_bin, conf, db, port):
    with tempfile.NamedTemporaryFile('w+', prefix='hdl_gevent_', suffix='.log') as log:
        proc = subprocess.Popen(
            [sys.executable, odoo_bin, 'gevent', '-c', conf, '-d', db, f'--db-filter=^{db}$',
             f'--gevent-port={port}', '--max-cron-threads=0'],
            stdout=log, stderr=subprocess.STDOUT)
        ok, error = False, None
        deadline = time.monotonic() + TIMEOUT
        try:
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    ok = handshake(port)
                    break
                except (OSError, websocket.WebSocketException) as exc:
                    error = exc
                    time.sleep(1)
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        log.seek(0)
        output = log.read()
    tracebacks = 'Traceback (most recent call last)' in output
    if ok and not tracebacks:
        print(f'gevent ok: websocket handshake on 127.0.0.1:{port}')
        return 0
    print(output[-3000:])
    reason = 'tracebacks in its log' if ok else f'no websocket handshake ({error!r}, exit code {proc.returncode})'
    print(f'FAILED: odoo-bin gevent does not work: {reason}')
    return 1


if __name__ == '__main__':
    sys.exit(main(*sys.argv[1:4], int(sys.argv[4])))
