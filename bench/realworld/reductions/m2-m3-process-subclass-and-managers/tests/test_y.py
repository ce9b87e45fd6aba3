import multiprocessing
from multiprocessing.managers import SyncManager

class TaskProcess(multiprocessing.Process):
    pass

class SharedManager(SyncManager):
    pass

def test_subclass_start():
    p = TaskProcess(target=print)
    p.start()
    p.join()

def test_manager_subclass():
    m = SharedManager()
    m.start()
    m.shutdown()

def test_syncmanager():
    m = SyncManager()
    m.start()
    m.shutdown()

def test_manager_cm():
    with multiprocessing.Manager() as m:
        m.dict()


def test_subclass_run_inline():
    TaskProcess(target=print).run()


def test_manager_unstarted():
    SharedManager()
