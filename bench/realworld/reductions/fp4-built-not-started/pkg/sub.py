import multiprocessing
spawn = multiprocessing.get_context("spawn")

def get_subprocess(target):
    return spawn.Process(target=target)
