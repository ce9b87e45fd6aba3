#!/bin/bash
set -e
PYTEST_ARGS="-v --durations=10"
if [[ "$RUNNER_OS" == "Linux" ]]; then
    PYTEST_ARGS="$PYTEST_ARGS -n 4"
fi
pytest $PYTEST_ARGS tests
