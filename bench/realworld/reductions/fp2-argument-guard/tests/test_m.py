from pkg.mapper import solve

def test_default():
    assert solve([-1]) == [1]

def test_callable():
    assert solve([-1], workers=map) == [1]

def test_two():
    assert solve([-1], workers=2) == [1]
