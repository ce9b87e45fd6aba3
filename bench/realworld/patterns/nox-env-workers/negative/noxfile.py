import os

import nox


@nox.session
def tests(session):
    session.install("pytest", "pytest-xdist")
    cmd = ["pytest"]
    cmd.extend(os.environ.get("WORKERS", "-n0").split())
    session.run(*cmd, "tests")
