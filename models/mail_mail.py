from datetime import timedelta

from odoo import fields, models

TICKET = 'helpdesk.lite.ticket'
# Retries of a ticket mail that failed because the outgoing mail server could not be reached:
# 5 min, 10 min, 20 min, ... doubling, for at most RETRY_MAX_ATTEMPTS attempts (about 5 hours in all).
RETRY_FIRST_DELAY_MINUTES = 5
RETRY_MAX_ATTEMPTS = 6


class MailMail(models.Model):
    """Odoo's mail queue sends only mails never tried: one that failed while the SMTP server was down
    stays failed for good. The ticket mails (acknowledgements, status mails, replies) that failed that
    way go back to the queue, scheduled later and later, until they are sent or the attempts run out;
    then they stay failed, their reason saying how many attempts were made."""
    _inherit = 'mail.mail'

    helpdesk_lite_attempts = fields.Integer(
        string='Delivery Attempts (Helpdesk)', readonly=True, copy=False,
        help='Failed deliveries to the outgoing mail server so far.')

    def _postprocess_sent_message(self, success_pids, failure_reason=False, failure_type=None):
        result = super()._postprocess_sent_message(
            success_pids, failure_reason=failure_reason, failure_type=failure_type)
        if failure_type == 'mail_smtp':
            self.exists().filtered(lambda mail: mail.model == TICKET and mail.state == 'exception')._helpdesk_lite_retry()
        return result

    def _helpdesk_lite_retry(self):
        now = fields.Datetime.now()
        retry_dates = []
        for attempts, mails in self.grouped('helpdesk_lite_attempts').items():
            attempts += 1
            if attempts >= RETRY_MAX_ATTEMPTS:
                for mail in mails:
                    mail.write({'helpdesk_lite_attempts': attempts, 'failure_reason': self.env._(
                        'Gave up after %(count)s attempts: %(reason)s', count=attempts, reason=mail.failure_reason or '')})
                continue
            retry_at = now + timedelta(minutes=RETRY_FIRST_DELAY_MINUTES * 2 ** (attempts - 1))
            mails.write({'state': 'outgoing', 'scheduled_date': retry_at, 'helpdesk_lite_attempts': attempts})
            retry_dates.append(retry_at)
        if retry_dates:
            self.env.ref('mail.ir_cron_mail_scheduler_action')._trigger(retry_dates)
