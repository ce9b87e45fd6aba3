"""The command line a newcomer meets first: help for check, rule codes that
do not exist, config mistakes, suppression comments, --statistics,
--show-files, -q, FORCE_COLOR, and what --fix says it wrote."""
import json
import shutil

import pytest

from conftest import FIXTURES, write


def pool_project(root, extra_test=""):
    write(root, "pyproject.toml", "[project]\nname = 'x'\n")
    write(root, "tests/test_pool.py",
          "from concurrent.futures import ProcessPoolExecutor\n\n\n"
          "def test_pool():\n"
          "    with ProcessPoolExecutor(2) as ex:\n"
          "        assert list(ex.map(abs, [-1])) == [1]\n" + extra_test)
    return root


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_check_help_prints_check_options(run_fg, flag):
    r = run_fg("check", flag)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("Usage: forkguard check")
    for opt in ("--fix", "--extend-select", "--statistics", "--show-files", "--quiet"):
        assert opt in r.stdout


@pytest.mark.parametrize("opt", ["--select", "--ignore", "--extend-select"])
def test_unknown_code_on_command_line_is_an_error(run_fg, example, opt):
    r = run_fg("check", opt, "FG1O1", example)
    assert r.returncode == 2
    assert r.stderr.strip() == f"forkguard: {opt}: unknown rule FG1O1; did you mean FG101?"
    assert r.stdout == ""


def test_codes_are_case_insensitive_and_names_count(run_fg, example):
    by_code = run_fg("check", "--select", "fg101", "-q", example)
    by_name = run_fg("check", "--select", "unmarked-pool-test", "-q", example)
    assert by_code.returncode == by_name.returncode == 1
    assert by_code.stdout == by_name.stdout
    assert by_code.stdout.count("FG101") == 1 and "FG201" not in by_code.stdout


def test_unknown_prefix_without_suggestion(run_fg, example):
    r = run_fg("check", "--select", "XYZ9", example)
    assert r.returncode == 2
    assert "unknown rule XYZ9 (see `forkguard rules`)" in r.stderr


@pytest.mark.parametrize("key,value,col", [
    ("select", '["FG1O1"]', 11),
    ("ignore", '["FG201", "unmarked-pool-tst"]', 20),
])
def test_unknown_code_in_config_names_file_line_column(run_fg, tmp_path, key, value, col):
    pool_project(tmp_path)
    write(tmp_path, "pyproject.toml",
          f"[project]\nname = 'x'\n\n[tool.forkguard]\n{key} = {value}\n")
    r = run_fg("check", tmp_path)
    assert r.returncode == 2, r.stdout
    msg = r.stderr.strip()
    assert msg.startswith(f"forkguard: pyproject.toml:5:{col}: [tool.forkguard] {key}:"), msg
    assert "did you mean" in msg


def test_unknown_code_in_per_file_ignores(run_fg, tmp_path):
    pool_project(tmp_path)
    write(tmp_path, "forkguard.toml", '[per-file-ignores]\n"tests/*" = ["FG10"]\n'
          '"src/*" = ["FG1O4"]\n')
    r = run_fg("check", tmp_path)
    assert r.returncode == 2
    assert "forkguard.toml:3:" in r.stderr and "FG1O4" in r.stderr
    assert "did you mean FG104?" in r.stderr


def test_unknown_config_key_suggests(run_fg, tmp_path):
    pool_project(tmp_path)
    write(tmp_path, "forkguard.toml", 'extend-selekt = ["FG105"]\n')
    r = run_fg("check", tmp_path)
    assert r.returncode == 2
    assert "extend-selekt: unknown key; did you mean `extend-select`?" in r.stderr


def test_removed_split_setting_is_an_error(run_fg, tmp_path):
    pool_project(tmp_path)
    write(tmp_path, "forkguard.toml", 'split = "path"\n')
    r = run_fg("check", tmp_path)
    assert r.returncode == 2 and "split" in r.stderr and "remove it" in r.stderr


def test_config_syntax_error_is_exit_2_with_position(run_fg, tmp_path):
    pool_project(tmp_path)
    write(tmp_path, "pyproject.toml",
          "[project]\nname = 'x'\nversion = \n\n[tool.forkguard]\nselect = ['FG1']\n")
    r = run_fg("check", tmp_path)
    assert r.returncode == 2, r.stdout
    assert r.stderr.startswith("forkguard: pyproject.toml:3:"), r.stderr
    assert "invalid TOML" in r.stderr
    assert r.stdout == ""  # no findings with defaults behind the user's back


def test_extend_select_adds_opt_in_rule(run_fg, tmp_path):
    pool_project(tmp_path, "\n\ndef test_other():  # forkguard: ignore[FG101]\n"
                           "    assert True\n")
    plain = run_fg("check", "-q", tmp_path)
    assert "FG002" not in plain.stdout
    ext = run_fg("check", "-q", "--extend-select", "FG002", tmp_path)
    assert "FG002" in ext.stdout and "FG101" in ext.stdout
    # a code is judged only when its rule is enabled: alone, FG002 judges nothing
    only = run_fg("check", "-q", "--select", "FG002", tmp_path)
    assert only.returncode == 0 and only.stdout == ""
    both = run_fg("check", "-q", "--select", "FG002,FG101", tmp_path)
    assert "FG002" in both.stdout and "FG101" in both.stdout
    write(tmp_path, "forkguard.toml", 'extend-select = ["unused-suppression"]\n')
    cfg = run_fg("check", "-q", tmp_path)
    assert cfg.stdout == ext.stdout


def test_bracketless_ignore_silences_only_its_code(run_fg, tmp_path):
    pool_project(tmp_path)
    path = tmp_path / "tests/test_pool.py"
    src = path.read_text()
    path.write_text(src.replace("def test_pool():", "def test_pool():  # forkguard: ignore FG201"))
    r = run_fg("check", "-q", "--select", "FG101", tmp_path)
    assert "FG101" in r.stdout, "a bracketless list must not silence every rule"
    path.write_text(src.replace("def test_pool():", "def test_pool():  # forkguard: ignore FG101"))
    assert "FG101" not in run_fg("check", "-q", "--select", "FG101", tmp_path).stdout
    path.write_text(src.replace("def test_pool():",
                                "def test_pool():  # forkguard: ignore -- flaky on CI"))
    assert "FG101" not in run_fg("check", "-q", "--select", "FG101", tmp_path).stdout


def test_unused_suppression_fix_and_unknown_code_warning(run_fg, tmp_path):
    pool_project(tmp_path, "\n\ndef test_other():  # forkguard: ignore[FG101]\n"
                           "    assert True\n\n\n"
                           "# noqa: FG101\n"
                           "def test_third():  # noqa: FG1O1\n"
                           "    assert True\n")
    r = run_fg("check", "-q", "--select", "FG002,FG101", tmp_path)
    assert "unknown rule FG1O1 in a suppression comment; did you mean FG101?" in r.stderr
    assert r.stdout.count("FG002") == 2, r.stdout
    fixed = run_fg("check", "--fix", "--select", "FG002", "--extend-select", "FG101",
                   tmp_path)
    text = (tmp_path / "tests/test_pool.py").read_text()
    assert "def test_other():\n" in text, text
    assert "# noqa: FG101\n" not in text
    assert "def test_third():  # noqa: FG1O1\n" in text  # unknown codes are not judged
    assert "Fixed 3 findings in 1 file:\n  tests/test_pool.py\n" in fixed.stdout, fixed.stdout


def test_statistics_counts_per_rule(run_fg, example):
    r = run_fg("check", "--statistics", example)
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert lines[-1] == "Found 4 findings (2 fixable)."
    rows = [l.split() for l in lines[:-1]]
    assert [row[1] for row in rows] == ["FG101", "FG201", "FG203", "FG301"]
    assert all(row[0] == "1" for row in rows)
    assert rows[0][2] == "[*]" and rows[2][2] == "pool-job-without-timeout"
    j = json.loads(run_fg("check", "--statistics", "--format", "json", example).stdout)
    assert {e["code"]: e["count"] for e in j} == {"FG101": 1, "FG201": 1, "FG203": 1,
                                                  "FG301": 1}


def test_show_files_explains_what_is_read_and_skipped(run_fg, tmp_path):
    pool_project(tmp_path)
    write(tmp_path, "tests/test_plain.py", "def test_a():\n    assert 1\n")
    write(tmp_path, "build/test_old.py", "def test_b():\n    assert 1\n")
    write(tmp_path, "gen/test_gen.py", "def test_c():\n    assert 1\n")
    write(tmp_path, ".gitignore", "gen/\n")
    r = run_fg("check", "--show-files", tmp_path)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "python     tests/test_pool.py  parsed" in out
    assert "python     tests/test_plain.py  scanned" in out
    assert "skipped    build/: a VCS, cache, build or virtualenv folder" in out
    assert "skipped    gen/: .gitignore `gen/`" in out
    assert "test_gen.py" not in out.replace("gen/: ", "")
    assert out.splitlines()[-1].startswith("2 Python files (1 parsed)")


def test_quiet_prints_findings_only(run_fg, example, tmp_path):
    r = run_fg("check", "-q", "--color", "never", example)
    assert r.returncode == 1
    assert all(line.split(":")[0] for line in r.stdout.splitlines())
    assert "Found" not in r.stdout and "|" not in r.stdout and "= " not in r.stdout
    assert len(r.stdout.splitlines()) == 4
    write(tmp_path / "clean", "pyproject.toml", "[project]\nname = 'x'\n")
    clean = run_fg("check", "-q", tmp_path / "clean")
    assert clean.returncode == 0 and clean.stdout == ""


def test_force_color_and_no_color(run_fg, example):
    forced = run_fg("check", example, env={"FORCE_COLOR": "1"})
    assert "\x1b[" in forced.stdout
    assert "\x1b[" not in run_fg("check", example, env={"FORCE_COLOR": "0"}).stdout
    both = run_fg("check", example, env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    assert "\x1b[" not in both.stdout
    never = run_fg("check", "--color", "never", example, env={"FORCE_COLOR": "1"})
    assert "\x1b[" not in never.stdout


def test_fix_lists_the_files_it_wrote(run_fg, example, tmp_path):
    r = run_fg("check", "--fix", "--color", "never", example)
    assert ("Fixed 3 findings in 3 files:\n  .github/workflows/ci.yml\n"
            "  tests/conftest.py\n  tests/performance/test_bulk.py\n") in r.stdout, r.stdout
    other = tmp_path / "other"
    shutil.copytree(FIXTURES / "example", other)
    j = json.loads(run_fg("check", "--fix", "--unsafe-fixes", "--format", "json",
                          other).stdout)
    assert j["summary"]["written"] == [".github/workflows/ci.yml", "tests/conftest.py",
                                       "tests/performance/test_bulk.py"]
    again = json.loads(run_fg("check", "--fix", "--format", "json", example).stdout)
    assert again["summary"]["written"] == [] and again["summary"]["fixed"] == 0


def test_sarif_rule_metadata_and_invocation(run_fg, example):
    r = run_fg("check", "--format", "sarif", example)
    run = json.loads(r.stdout)["runs"][0]
    assert run["invocations"] == [{"executionSuccessful": True, "exitCode": 1}]
    assert run["automationDetails"]["id"] == "forkguard/"
    rules = {x["id"]: x for x in run["tool"]["driver"]["rules"]}
    fg101 = rules["FG101"]
    assert fg101["fullDescription"]["text"].startswith("Flags a test")
    assert "## Why is this bad?" in fg101["help"]["markdown"]
    assert rules["FG002"]["defaultConfiguration"]["enabled"] is False
    assert rules["FG203"]["defaultConfiguration"]["level"] == "warning"
    levels = {x["ruleId"]: x["level"] for x in run["results"]}
    assert levels["FG101"] == "error" and levels["FG203"] == "warning"
    prints = [x["partialFingerprints"]["forkguardFinding/v1"] for x in run["results"]]
    assert len(set(prints)) == len(prints) and all(len(p) == 32 for p in prints)


def test_gitlab_severity_per_rule(run_fg, example):
    r = run_fg("check", "--format", "gitlab", example)
    sev = {x["check_name"]: x["severity"] for x in json.loads(r.stdout)}
    assert sev["FG101"] == "critical" and sev["FG203"] == "major"


def test_rules_json_says_which_are_opt_in(run_fg):
    rules = {r["code"]: r for r in json.loads(run_fg("rules", "--format", "json").stdout)}
    assert rules["FG002"]["default"] is False and rules["FG101"]["default"] is True
