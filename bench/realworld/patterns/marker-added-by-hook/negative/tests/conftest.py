import pytest


@pytest.fixture
def tmp_data(tmp_path):
    return tmp_path
