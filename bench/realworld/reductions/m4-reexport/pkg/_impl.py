from concurrent.futures import ProcessPoolExecutor

def compute(xs):
    with ProcessPoolExecutor(2) as ex:
        return list(ex.map(abs, xs))
