import unittest

class ServerBase(unittest.TestCase):
    pass
