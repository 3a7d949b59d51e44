"""Inbound email, new tickets only: the new-ticket emails of ``email_inbound``'s mix (known customers and
unknown senders, a Cc on every 5th, a PDF on every 10th), each processed as its own transaction would be:
flushed, then the cache emptied. Acknowledgements included: their cron runs once after the emails and is
measured with them (the peer sends none). Per item: per email; target at most 25 queries."""
from . import email_inbound as mix

SIZES = mix.SIZES
SMOKE_SIZE = mix.SMOKE_SIZE
PER_ITEM, prepare, peer_prepare = mix.hooks_of('new')
peer_run = mix.process_each


def run(env, state):
    mix.process_each(env, state)
    env[mix.TICKET]._cron_send_acknowledgements()
