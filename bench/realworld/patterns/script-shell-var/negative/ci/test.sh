#!/bin/bash
set -e
PYTEST_ARGS="-v --durations=10"
pytest $PYTEST_ARGS tests
