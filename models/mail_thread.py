import codecs
import hashlib
import logging
import mimetypes
import re

from odoo import api, models
from odoo.tools import SQL

from ..tools.input_validation import strip_nul

_logger = logging.getLogger(__name__)
# tickets (threading, Cc, loops) and appointment requests (invalid ones create nothing)
ROUTE_ADJUSTING_MODELS = ('helpdesk.lite.ticket', 'helpdesk.lite.appointment')

TNEF_TYPES = ('application/ms-tnef', 'application/vnd.ms-tnef')
SURROGATES_RE = re.compile('[\udc80-\udcff]')
FOLDING_RE = re.compile(r'\r?\n(?=[ \t])')
# First key of the advisory locks on Message-IDs (the second is the id's hash): "HDLM".
MESSAGE_ID_LOCK = 0x48444C4D
ASCII_CHARSETS = {'us-ascii', 'ascii', 'ansi_x3.4-1968'}


def _decode_fallback(error):
    """Codec error handler: bytes that are not UTF-8 are read as Windows-1252 (else Latin-1, which reads
    anything), so that one Latin-1 word does not turn the rest of a UTF-8 text into mojibake."""
    bad = error.object[error.start:error.end]
    try:
        return bad.decode('windows-1252'), error.end
    except UnicodeDecodeError:
        return bad.decode('latin-1'), error.end


codecs.register_error('helpdesk_lite.mixed_8bit', _decode_fallback)


class MailThread(models.AbstractModel):
    """Mail gateway hardening used by the Helpdesk Lite email channel.

    Parsing repairs apply to every incoming email (they only touch what the email package cannot read
    anyway); the routing rules only touch routes that lead to Helpdesk Lite tickets.
    """
    _inherit = 'mail.thread'

    @api.model
    def message_parse(self, message, save_original=False):
        self._message_parse_repair(message)
        msg_dict = super().message_parse(message, save_original=save_original)
        if not message.get('Message-Id'):
            # mail.thread invents a random id: the same id-less mail fetched twice would then be two
            # tickets. A digest of its content makes the duplicate check work for it too.
            msg_dict['message_id'] = self._message_parse_stable_message_id(message)
        self._message_parse_strip_nul(msg_dict)
        if self._message_claim_message_id(msg_dict['message_id']):
            msg_dict['helpdesk_lite_duplicate'] = True
        return msg_dict

    @api.model
    def _message_parse_strip_nul(self, msg_dict):
        """NUL characters (in a subject, a name, a body or an attachment's filename) cannot be stored:
        the whole mail would fail, at every fetch. They carry nothing: drop them."""
        for key, value in msg_dict.items():
            if isinstance(value, str) and '\x00' in value:
                msg_dict[key] = strip_nul(value)
        attachments = msg_dict.get('attachments')
        if attachments:
            msg_dict['attachments'] = [
                attachment._replace(fname=strip_nul(attachment.fname))
                if hasattr(attachment, '_replace') and isinstance(attachment.fname, str) else attachment
                for attachment in attachments]

    @api.model
    def _message_claim_message_id(self, message_id):
        """Make mail.thread's "Message-ID already processed?" check atomic across workers: two deliveries
        of the same mail at the same moment would both pass it and create two tickets.

        A transaction-level advisory lock on the Message-ID serializes them; once it holds the lock, the
        second worker looks for the id with a cursor of its own: its transaction's snapshot may predate
        the first worker's commit. Returns True when the mail was processed already (it is then routed
        nowhere, see ``message_route``)."""
        if not message_id:
            return False
        self.env.cr.execute(SQL("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", MESSAGE_ID_LOCK, message_id))
        with self.env.registry.cursor() as cr:
            cr.execute(SQL("SELECT 1 FROM mail_message WHERE message_id = %s LIMIT 1", message_id))
            return bool(cr.fetchone())

    @api.model
    def message_route(self, message, message_dict, model=None, thread_id=None, custom_values=None):
        if message_dict.get('helpdesk_lite_duplicate'):
            _logger.info('Ignored mail from %s with Message-Id %s: delivered and processed already by another worker',
                         message_dict.get('email_from'), message_dict.get('message_id'))
            return []
        routes = super().message_route(message, message_dict, model=model, thread_id=thread_id,
                                       custom_values=custom_values)
        # each of our models that receives mail adjusts the routes that reach it (``_mail_route_adjust``)
        for model_name in ROUTE_ADJUSTING_MODELS:
            if any(route[0] == model_name for route in routes):
                routes = self.env[model_name]._mail_route_adjust(message, message_dict, routes)
        return routes

    # ------------------------------------------------------------------------
    # Parsing repairs
    # ------------------------------------------------------------------------
    @api.model
    def _message_parse_repair(self, message):
        """Fix, in place, what makes real-world mail unreadable or lossy for the parser:

        * raw 8-bit header values (no RFC 2047 encoding) are decoded as UTF-8, else Windows-1252,
          instead of becoming replacement characters;
        * text parts with an unknown or missing charset get one their bytes decode with (unknown
          charsets made ``get_content()`` raise ``LookupError``, i.e. the mail was lost);
        * a multipart whose boundary never occurs (the parser keeps it as one string) is read as text
          instead of being dropped silently;
        * nameless attachments get a name with an extension (``winmail.dat`` for TNEF), so that
          inline images still match their ``cid:`` reference.
        Each repair is best effort: when it fails, the standard parser runs on the part as it is.
        """
        for part in message.walk():
            try:
                self._message_parse_repair_part(part)
            except Exception:  # noqa: BLE001 - a failed repair must not lose the mail
                _logger.info('Mail gateway: could not repair a MIME part of the mail with Message-Id %s',
                             message.get('Message-Id'), exc_info=True)

    @api.model
    def _message_parse_repair_part(self, part):
        for index, (name, value) in enumerate(part._headers):
            if isinstance(value, str) and SURROGATES_RE.search(value):
                part._headers[index] = (name, FOLDING_RE.sub('', self._message_parse_decode(
                    value.encode('utf-8', 'surrogateescape'))))
        maintype = part.get_content_maintype()
        if maintype == 'multipart':
            if not part.is_multipart():
                del part['Content-Type']
                part['Content-Type'] = 'text/plain'
                maintype = 'text'
            else:
                return
        ctype = part.get_content_type()
        if maintype == 'text':
            payload = part.get_payload(decode=True) or b''
            if not self._message_parse_decodes(payload, part.get_param('charset')):
                # unknown charset, or bytes the declared one cannot read (Latin-1 declared as us-ascii):
                # re-encode the best-effort text as UTF-8, so the parser loses nothing
                text = self._message_parse_decode(payload)
                del part['Content-Transfer-Encoding']
                part.set_payload(text, 'utf-8')
            if ctype in ('text/plain', 'text/html'):
                return  # a body, not an attachment
        elif maintype == 'message':
            return
        if part.get_filename():
            return
        if ctype in TNEF_TYPES:
            filename = 'winmail.dat'
        else:
            filename = 'attachment' + (mimetypes.guess_extension(ctype) or '.bin')
        if 'Content-Disposition' not in part:
            part['Content-Disposition'] = 'inline' if part.get('Content-ID') else 'attachment'
        part.set_param('filename', filename, header='Content-Disposition')

    @api.model
    def _message_parse_known_charset(self, charset):
        if not charset:
            return False
        try:
            codecs.lookup(str(charset))
        except LookupError:
            return False
        return True

    @api.model
    def _message_parse_decode(self, raw):
        """Best-effort text of 8-bit bytes of unknown charset: UTF-8 where the bytes are UTF-8, Windows-1252
        (else Latin-1) for each run that is not; nothing is replaced by "?"."""
        return raw.decode('utf-8', errors='helpdesk_lite.mixed_8bit')

    @api.model
    def _message_parse_decodes(self, payload, charset):
        """Whether ``payload`` reads without error in the ``charset`` it declares."""
        if not self._message_parse_known_charset(charset):
            return False
        try:
            payload.decode(str(charset))
        except UnicodeDecodeError:
            return False
        return True

    @api.model
    def _message_parse_stable_message_id(self, message):
        digest = hashlib.sha256()
        for name in ('From', 'To', 'Cc', 'Date', 'Subject'):
            digest.update(str(message.get(name) or '').encode('utf-8', 'replace') + b'\0')
        for part in message.walk():
            if not part.is_multipart():
                payload = part.get_payload(decode=True)
                digest.update(payload if isinstance(payload, bytes) else b'')
        return f'<{digest.hexdigest()[:40]}.no-message-id@mail.gateway>'
