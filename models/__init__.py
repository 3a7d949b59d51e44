from . import helpdesk_lite_stage
from . import helpdesk_lite_category
from . import helpdesk_lite_tag
from . import helpdesk_lite_team
from . import helpdesk_lite_ticket
from . import res_partner
from . import helpdesk_lite_ticket_portal
from . import helpdesk_lite_submit_log
