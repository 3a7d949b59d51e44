"""Outgoing webhook transport: Standard Webhooks signatures and an HTTP session that refuses
non-public addresses at connect time.

No database here. The address check runs when the socket is opened, on the addresses the name
resolves to at that moment, and the socket connects to the address that was checked: a name that
resolves to a public address when the subscription is saved and to 127.0.0.1 later (DNS rebinding)
is still refused, and so is every redirect (redirects are never followed).
"""
import base64
import hashlib
import hmac
import ipaddress
import secrets
import socket
import threading
import time
from contextlib import contextmanager
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.util import connection as urllib3_connection

SECRET_PREFIX = 'whsec_'
USER_AGENT = 'HelpdeskLite-Webhooks/1.0'


class AddressRefused(Exception):
    """The target resolves to an address outside the public internet that is not explicitly allowed."""


def new_secret():
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(secret, msg_id, timestamp, body):
    """``v1,<base64 HMAC-SHA256>`` of ``<msg_id>.<timestamp>.<body>`` (Standard Webhooks)."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    content = f'{msg_id}.{timestamp}.'.encode() + body
    return 'v1,' + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()


def parse_networks(text):
    """Networks from a comma/space separated list of CIDRs ("127.0.0.1/32, 10.0.0.0/8"); invalid ones are
    ignored."""
    networks = []
    for item in (text or '').replace(',', ' ').split():
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            continue
    return networks


def address_allowed(address, allowed_networks):
    ip = ipaddress.ip_address(address.split('%', 1)[0])
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if any(ip.version == net.version and ip in net for net in allowed_networks):
        return True
    return ip.is_global and not ip.is_multicast


def check_url(url, allowed_networks):
    """Static checks of a target URL; returns an error code or None. Literal addresses and "localhost"
    are checked here; names are checked on every connection. Plain http only to an allowed private
    network (an intranet the administrator trusts): payloads carry customer data."""
    try:
        parts = urlsplit(url or '')
        _port = parts.port  # raises ValueError on a bad port
    except ValueError:
        return 'invalid'
    if parts.scheme not in ('http', 'https') or not parts.hostname:
        return 'invalid'
    if parts.username or parts.password:
        return 'credentials'
    host = parts.hostname
    address = '127.0.0.1' if host == 'localhost' or host.endswith('.localhost') else host
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        ip = None
    if ip is not None and not address_allowed(address, allowed_networks):
        return 'private'
    if parts.scheme == 'http' and (ip is None or ip.is_global):
        return 'http'
    return None


def _resolve_checked(host, port, allowed_networks):
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if not infos:
        raise AddressRefused(f'{host} does not resolve')
    refused = [info[4][0] for info in infos if not address_allowed(info[4][0], allowed_networks)]
    if refused:
        # one non-public answer is enough to refuse: round-robin tricks must not get through
        raise AddressRefused(f'{host} resolves to {refused[0]}, which is not a public address')
    return infos[0][4][:2]


_request_watch = threading.local()


class _GuardedConnection:
    allowed_networks = ()

    def request(self, *args, **kwargs):
        watch = getattr(_request_watch, 'watch', None)
        if watch is not None:
            watch(self)
        return super().request(*args, **kwargs)

    def _new_conn(self):
        address = _resolve_checked(self._dns_host, self.port, self.allowed_networks)
        extra_kw = {}
        if self.source_address:
            extra_kw['source_address'] = self.source_address
        if self.socket_options:
            extra_kw['socket_options'] = self.socket_options
        try:
            return urllib3_connection.create_connection(address, self.timeout, **extra_kw)
        except socket.timeout as e:
            raise ConnectTimeoutError(self, f'Connection to {self.host} timed out') from e
        except OSError as e:
            raise NewConnectionError(self, f'Failed to establish a new connection: {e}') from e


class _GuardedAdapter(HTTPAdapter):
    def __init__(self, allowed_networks):
        networks = tuple(allowed_networks)
        http_conn = type('GuardedHTTPConnection', (_GuardedConnection, HTTPConnection),
                         {'allowed_networks': networks})
        https_conn = type('GuardedHTTPSConnection', (_GuardedConnection, HTTPSConnection),
                          {'allowed_networks': networks})
        self._pool_classes = {
            'http': type('GuardedHTTPConnectionPool', (HTTPConnectionPool,), {'ConnectionCls': http_conn}),
            'https': type('GuardedHTTPSConnectionPool', (HTTPSConnectionPool,), {'ConnectionCls': https_conn}),
        }
        super().__init__(pool_connections=4, pool_maxsize=4, max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = self._pool_classes


@contextmanager
def time_limit(seconds):
    """Bound every request made in the block to ``seconds`` in total (connect, send, headers, body).

    requests' timeouts apply to each socket operation: an endpoint that drips one byte at a time
    under them could hold a sender for ever. A watchdog shuts the connection's socket down at the
    deadline, which ends the blocked read with an error; ``expired()`` then says why.
    """
    deadline = time.monotonic() + seconds
    timers, fired = [], []

    def watch(connection):
        def abort():
            fired.append(True)
            if connection.sock is not None:
                try:
                    connection.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        timer = threading.Timer(max(deadline - time.monotonic(), 0.0), abort)
        timer.daemon = True
        timer.start()
        timers.append(timer)

    _request_watch.watch = watch
    try:
        yield lambda: bool(fired)
    finally:
        _request_watch.watch = None
        for timer in timers:
            timer.cancel()


def session(allowed_networks):
    """A requests session for webhook deliveries: guarded connections (keep-alive between deliveries),
    no retries of its own, no proxies or .netrc from the environment."""
    http = requests.Session()
    http.trust_env = False
    http.headers['User-Agent'] = USER_AGENT
    adapter = _GuardedAdapter(allowed_networks)
    http.mount('http://', adapter)
    http.mount('https://', adapter)
    return http
