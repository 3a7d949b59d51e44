from . import api
from . import help_center
from . import export
from . import portal
from . import portal_appointment
