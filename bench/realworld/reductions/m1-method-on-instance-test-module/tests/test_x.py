import multiprocessing

def test_ctx_var():
    ctx = multiprocessing.get_context("fork")
    ctx.Process(target=print).start()

def test_local_import():
    import multiprocessing as mp
    mp.Process(target=print).start()

def test_plain():
    multiprocessing.Process(target=print).start()

class Pools:
    def go(self):
        p = multiprocessing.Process(target=print)
        p.start()

def test_instance_var():
    pools = Pools()
    pools.go()

def test_ctor_chain():
    Pools().go()
