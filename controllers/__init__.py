
from . import api
