from . import helpdesk_lite_ticket_merge
from . import helpdesk_lite_ticket_assign
from . import helpdesk_lite_ticket_help_reply
from . import helpdesk_lite_ticket_export
from . import helpdesk_lite_webhook_secret
