from . import test_ticket_core
from . import test_lifecycle
from . import test_notifications
from . import test_merge
from . import test_ui_tour
from . import test_portal
from . import test_portal_public
from . import test_portal_tour
