from multiprocessing import Pool

def extract(data, n_jobs=2, distributor=None):
    if distributor is None:
        if n_jobs in (0, 1):
            return [abs(x) for x in data]
        with Pool(n_jobs) as pool:
            return pool.map(abs, data)
    return distributor(data)
