from odoo import fields, models

# Integer settings where 0 is a real value ("no limit", "never"): Odoo's settings delete a parameter
# whose value is 0, and the code would then fall back to its default instead.
ZERO_MEANS_OFF = {
    'helpdesk_lite_public_submit_limit_per_ip',
    'helpdesk_lite_public_submit_limit_per_email',
    'helpdesk_lite_reply_reopen_days',
    'helpdesk_lite_auto_close_warning_days',
}


class ResConfigSettings(models.TransientModel):
    """Settings > Helpdesk: the company's default team and SLA check hour, and the system parameters
    (``helpdesk_lite.*``) of the reopen window, the auto-close of waiting tickets and the limits of the
    portal and the public form."""
    _inherit = 'res.config.settings'

    helpdesk_lite_default_team_id = fields.Many2one(
        related='company_id.helpdesk_lite_default_team_id', readonly=False)
    helpdesk_lite_sla_check_hour = fields.Integer(
        related='company_id.helpdesk_lite_sla_check_hour', readonly=False)
    helpdesk_lite_company_tz = fields.Selection(related='company_id.partner_id.tz', string='Company Time Zone')
    helpdesk_lite_portal_attachment_max_count = fields.Integer(
        string='Files per Portal Message', config_parameter='helpdesk_lite.portal_attachment_max_count',
        default=5)
    helpdesk_lite_portal_attachment_max_size_mb = fields.Integer(
        string='Maximum File Size (MB)', config_parameter='helpdesk_lite.portal_attachment_max_size_mb',
        default=10)
    helpdesk_lite_public_submit_limit_per_ip = fields.Integer(
        string='Public Form: Tickets per IP Address', config_parameter='helpdesk_lite.public_submit_limit_per_ip',
        default=5)
    helpdesk_lite_public_submit_limit_per_email = fields.Integer(
        string='Public Form: Tickets per Email', config_parameter='helpdesk_lite.public_submit_limit_per_email',
        default=3)
    helpdesk_lite_public_submit_window_minutes = fields.Integer(
        string='Rate Limit Window (minutes)', config_parameter='helpdesk_lite.public_submit_window_minutes',
        default=60)
    helpdesk_lite_submit_log_retention_days = fields.Integer(
        string='Keep Rate-Limit Records (days)', config_parameter='helpdesk_lite.submit_log_retention_days',
        default=2)
    helpdesk_lite_reply_reopen_days = fields.Integer(
        string='Default Reopen Window (days)', config_parameter='helpdesk_lite.reply_reopen_days', default=7)
    helpdesk_lite_auto_close_days = fields.Integer(
        string='Close After (days)', config_parameter='helpdesk_lite.auto_close_days', default=0)
    helpdesk_lite_auto_close_warning_days = fields.Integer(
        string='Warning Mail (days before)', config_parameter='helpdesk_lite.auto_close_warning_days', default=2)

    def set_values(self):
        super().set_values()
        ICP = self.env['ir.config_parameter'].sudo()
        for name in ZERO_MEANS_OFF:
            if not self[name]:
                ICP.set_param(self._fields[name].config_parameter, '0')
