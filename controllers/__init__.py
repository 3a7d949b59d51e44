from . import api
from . import help_center
from . import export
from . import portal
from . import attachment
from . import requester
from . import thread
from . import portal_appointment
