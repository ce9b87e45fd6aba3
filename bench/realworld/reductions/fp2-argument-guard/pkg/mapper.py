import multiprocessing

class MapWrapper:
    def __init__(self, pool=1):
        self.pool = None
        if callable(pool):
            self.map = pool
        elif int(pool) == 1:
            self.map = map
        else:
            self.pool = multiprocessing.Pool(int(pool))
            self.map = self.pool.map

def solve(xs, workers=1):
    return list(MapWrapper(workers).map(abs, xs))
