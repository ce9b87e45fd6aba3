from concurrent.futures import ProcessPoolExecutor

def _processes(fn, xs):
    with ProcessPoolExecutor(2) as ex:
        return list(ex.map(fn, xs))

SCHEDULERS = {"processes": _processes, "sync": lambda fn, xs: list(map(fn, xs))}

class Bag:
    __scheduler__ = staticmethod(SCHEDULERS["processes"])

    def compute(self, scheduler=None):
        get = SCHEDULERS[scheduler] if scheduler else self.__scheduler__
        return get(abs, [1])
