from multiprocessing import Process
from base import ServerBase

class FetcherTest(ServerBase):
    def test_fork(self):
        p = Process(target=print)
        p.start()
        p.join()


class FetcherHelper(object):
    def test_fork(self):
        Process(target=print).start()
