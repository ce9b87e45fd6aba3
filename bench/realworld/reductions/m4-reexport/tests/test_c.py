import pkg
from pkg import compute

def test_attr():
    assert pkg.compute([-1]) == [1]

def test_name():
    assert compute([-1]) == [1]


def test_threads():
    assert pkg.compute_threads([-1]) == [1]
