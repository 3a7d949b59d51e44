from . import common
from . import tickets
from . import comments
from . import config
from . import analytics
from . import public
from . import chat
from . import misc
