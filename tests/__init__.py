from . import test_ticket_core
