import unittest
from pkg.extract import extract

class ExtractTest(unittest.TestCase):
    def setUp(self):
        self.n_jobs = 1

    def test_serial_attr(self):
        extract([-1], n_jobs=self.n_jobs)

    def test_zero(self):
        extract([-1], n_jobs=0)

    def test_distributor(self):
        extract([-1], distributor=list)

    def test_default(self):
        extract([-1])
