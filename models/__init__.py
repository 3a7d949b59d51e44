from . import helpdesk_lite_stage
from . import helpdesk_lite_category
from . import helpdesk_lite_tag
from . import helpdesk_lite_team
from . import helpdesk_lite_ticket
from . import res_partner
from . import helpdesk_lite_ticket_api
from . import mail_thread
