from multiprocessing import Pool

def select(x):
    assert isinstance(x, list), "want a list"
    with Pool(2) as p:
        return p.map(abs, x)
