from pkg.worker import Worker

def test_worker():
    assert Worker()._shared is None
