from concurrent.futures import ProcessPoolExecutor


def square(x):
    return x * x


def test_pool_squares():
    with ProcessPoolExecutor(max_workers=2) as ex:
        assert list(ex.map(square, [1, 2])) == [1, 4]
