import pytest


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "integration" not in item.keywords:
            item.add_marker(pytest.mark.unit)
