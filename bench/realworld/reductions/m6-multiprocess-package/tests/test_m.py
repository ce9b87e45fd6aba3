from multiprocess.pool import Pool
import multiprocess

def test_pool():
    with Pool(2) as pool:
        pool.map(abs, [1])

def test_mod():
    with multiprocess.Pool(2) as pool:
        pool.map(abs, [1])


def test_threads():
    with multiprocess.pool.ThreadPool(2) as pool:
        pool.map(abs, [1])
