import nox


@nox.session(python=["3.12"])
def tests(session):
    session.install("pytest", "pytest-xdist")
    session.run("pytest", *session.posargs)
