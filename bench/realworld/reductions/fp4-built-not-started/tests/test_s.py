from pkg.sub import get_subprocess

def test_built_only():
    assert get_subprocess(print).pid is None


def test_started():
    p = get_subprocess(print)
    p.start()
    p.join()
