import pytest


@pytest.mark.integration
def test_roundtrip():
    assert True
