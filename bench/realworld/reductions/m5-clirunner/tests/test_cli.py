from click.testing import CliRunner
from pkg.cli import main

def test_two():
    assert CliRunner().invoke(main, ["a", "b"]).exit_code == 0

def test_direct():
    main.callback(["a", "b"])


def test_one():
    assert CliRunner().invoke(main, ["a"]).exit_code == 0
