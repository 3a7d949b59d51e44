"""An Html field that sanitizes each distinct value once per transaction.

The ORM sanitizes an Html value when it creates a record twice, once for the column and once for the
cache, and a batch often holds the same body many times: 500 escalation messages of one rule, the
acknowledgement sent and then logged. ``html_sanitize`` depends only on the value and the field's
options, so its result is kept on the cursor (gone with it) and reused.
"""
from odoo import fields
from odoo.tools import html_sanitize

MEMO_KEY = 'helpdesk_lite.html_sanitized'
MAX_VALUE_LENGTH = 50_000  # long bodies (forwarded threads) are rarely repeated: not worth their memory
MAX_ENTRIES = 500


class HtmlSanitizedOnce(fields.Html):
    """Html whose sanitizer runs once per distinct value and set of options in a transaction.

    Everything else, including the values ``sanitize_overridable`` lets some users keep unsanitized, is
    Odoo's ``fields.Html``.
    """

    def _convert(self, value, record, validate):
        if (not validate or not self.sanitize or self.sanitize_overridable or not value
                or not isinstance(value, str) or len(value) > MAX_VALUE_LENGTH):
            return super()._convert(value, record, validate)
        options = (self.sanitize_tags, self.sanitize_attributes, self.sanitize_style, self.sanitize_form,
                   self.sanitize_conditional_comments, self.sanitize_output_method, self.strip_style,
                   self.strip_classes)
        memo = record.env.cr.cache.setdefault(MEMO_KEY, {})
        key = (str(value), options)
        sanitized = memo.get(key)
        if sanitized is None:
            sanitized = html_sanitize(
                value, silent=True, sanitize_tags=self.sanitize_tags, sanitize_attributes=self.sanitize_attributes,
                sanitize_style=self.sanitize_style, sanitize_form=self.sanitize_form,
                sanitize_conditional_comments=self.sanitize_conditional_comments,
                output_method=self.sanitize_output_method, strip_style=self.strip_style,
                strip_classes=self.strip_classes)
            if len(memo) >= MAX_ENTRIES:
                memo.clear()
            memo[key] = sanitized
        return sanitized
