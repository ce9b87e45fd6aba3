from concurrent.futures import ThreadPoolExecutor


def compute_threads(xs):
    with ThreadPoolExecutor(2) as ex:
        return list(ex.map(abs, xs))
