"""Inbound email, replies only: the replies of ``email_inbound``'s mix (threaded by In-Reply-To, or found
by the ticket number in the subject only, which the peer does not do: it opens new tickets for those),
each processed as its own transaction would be: flushed, then the cache emptied. Per item: per email;
target at most 20 queries."""
from . import email_inbound as mix

SIZES = mix.SIZES
SMOKE_SIZE = mix.SMOKE_SIZE
PER_ITEM, prepare, peer_prepare = mix.hooks_of('reply')
run = peer_run = mix.process_each
