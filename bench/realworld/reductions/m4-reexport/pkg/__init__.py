from ._impl import compute
from ._threads import compute_threads
