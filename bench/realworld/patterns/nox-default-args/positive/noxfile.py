import nox


@nox.session
def tests(session):
    session.install("pytest", "pytest-xdist")
    args = session.posargs or ["-n", "auto"]
    session.run("pytest", *args)
