import multiprocessing

class Config:
    cache = False

class Worker:
    def __init__(self, config=None):
        self._config = config or Config()
        self._shared = None
        if self._config.cache:
            self._shared = multiprocessing.Manager().dict()
