from multiprocessing import Manager

def locked():
    return Manager().Lock()
