from . import helpdesk_lite_ticket_merge
from . import helpdesk_lite_ticket_assign
from . import helpdesk_lite_ticket_export
