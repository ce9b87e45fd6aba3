import threading
from unittest import mock

import pytest

import pkg.conc as conc
from pkg.bag import Bag, _processes
from pkg.sel import select


class FakeManager:
    def Lock(self):
        return object()


def test_rejects_tuple():
    with pytest.raises(AssertionError):
        select((1, 2))


def test_patched(monkeypatch):
    monkeypatch.setattr(conc, "Manager", FakeManager)
    conc.locked()


def test_patch_misses():
    with mock.patch("multiprocessing.Manager", FakeManager):
        conc.locked()


def test_bag_default():
    Bag().compute()


def test_thread():
    t = threading.Thread(target=_processes, args=(abs, [1]))
    t.start()
    t.join()
