import multiprocessing

class Tasks:
    def __init__(self, n):
        self.n = n
        self._procs = {}

    def add(self, fn):
        ctx = multiprocessing.get_context("fork")
        proc = ctx.Process(target=fn)
        self._procs[len(self._procs)] = proc
        proc.start()
