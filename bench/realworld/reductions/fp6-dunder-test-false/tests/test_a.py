import multiprocessing
import unittest

class _Base(unittest.TestCase):
    __test__ = False
    def setUp(self):
        self.p = multiprocessing.Process(target=print)
        self.p.start()
    def tearDown(self):
        self.p.join()
    def test_ping(self):
        pass

class RealTest(_Base):
    __test__ = True
