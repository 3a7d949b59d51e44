from . import helpdesk_lite_ticket_report
from . import report_helpdesk_lite_ticket_list
from . import report_helpdesk_lite_ticket
from . import helpdesk_lite_ticket_report_api
