from concurrent.futures import ProcessPoolExecutor

def run_many(paths):
    with ProcessPoolExecutor() as ex:
        list(ex.map(len, paths))
