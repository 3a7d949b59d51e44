from datetime import datetime, time, timedelta

import pytz

from odoo import models


class ResUsers(models.Model):
    _inherit = 'res.users'

    def _helpdesk_lite_absent_today(self):
        """The users who do not work today (in their own timezone): their resource's working schedule has
        no hours left today, leaves included (time off becomes resource leaves). Users without a resource
        (no working schedule recorded) are never absent. One calendar read per schedule and timezone."""
        absent = self.browse()
        resources = self.sudo().resource_ids.filtered(lambda r: r.active and r.calendar_id)
        now = datetime.now(pytz.utc)
        for (calendar, tz_name), group in resources.grouped(lambda r: (r.calendar_id, r.tz or 'UTC')).items():
            tz = pytz.timezone(tz_name)
            local_now = now.astimezone(tz)
            day_end = tz.localize(datetime.combine(local_now.date() + timedelta(days=1), time.min))
            intervals = calendar._work_intervals_batch(now, day_end, resources=group, tz=tz)
            absent |= group.filtered(lambda r: not intervals[r.id]).user_id
        return absent & self
