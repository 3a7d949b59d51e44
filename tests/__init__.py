from . import test_ticket_core
from . import test_reporting
