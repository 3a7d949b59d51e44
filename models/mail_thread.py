import codecs
import hashlib
import logging
import mimetypes
import re

from odoo import api, models

_logger = logging.getLogger(__name__)

TNEF_TYPES = ('application/ms-tnef', 'application/vnd.ms-tnef')
SURROGATES_RE = re.compile('[\udc80-\udcff]')
FOLDING_RE = re.compile(r'\r?\n(?=[ \t])')


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
        return msg_dict

    @api.model
    def message_route(self, message, message_dict, model=None, thread_id=None, custom_values=None):
        routes = super().message_route(message, message_dict, model=model, thread_id=thread_id,
                                       custom_values=custom_values)
        Ticket = self.env['helpdesk.lite.ticket']
        if any(route[0] == Ticket._name for route in routes):
            routes = Ticket._mail_route_adjust(message, message_dict, routes)
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
            if not self._message_parse_known_charset(part.get_param('charset')):
                payload = part.get_payload(decode=True) or b''
                try:
                    payload.decode('utf-8')
                    part.set_param('charset', 'utf-8')
                except UnicodeDecodeError:
                    part.set_param('charset', 'windows-1252')
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
        try:
            return raw.decode('utf-8')
        except UnicodeDecodeError:
            return raw.decode('windows-1252', errors='replace')

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
