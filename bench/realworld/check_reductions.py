#!/usr/bin/python3
"""The reductions of FINDINGS-tests.md against a forkguard binary.

    check_reductions.py FORKGUARD

Each reductions/<case>/ is a tiny project with a want.json: the test ids that
must be FG101 (and FG105, once that rule exists); every other test of the case
must be quiet. Prints, per case, what the binary flags and whether it is what
the case wants, and a count. Exit 0 always: this is a progress meter for the
test model, not a test (the baseline fails most cases on purpose)."""
import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run_tests_model import known_codes  # noqa: E402

HERE = Path(__file__).resolve().parent / "reductions"


def main():
    fg = sys.argv[1]
    codes = ",".join(known_codes(fg))
    good = 0
    cases = sorted(p for p in HERE.iterdir() if (p / "want.json").exists())
    for case in cases:
        want = json.loads((case / "want.json").read_text())
        # Run from inside the case: test ids are relative to the project root,
        # and the case must not be seen as part of the forkguard repository.
        out = subprocess.run([str(Path(fg).resolve()), "check", "--no-config", "--select",
                              codes, "--exit-zero", "--format", "json", "."],
                             cwd=case, capture_output=True, text=True, timeout=60)
        got = {}
        for d in json.loads(out.stdout)["diagnostics"]:
            if d.get("test"):
                got.setdefault(d["code"], set()).add(d["test"])
        ok = sorted(got.get("FG101", set())) == sorted(want.get("FG101", []))
        if "FG105" in want and fg_has_fg105(got):
            ok = ok and sorted(got.get("FG105", set())) == sorted(want["FG105"])
        good += ok
        print("%-40s %s  FG101=%s" % (case.name, "ok  " if ok else "DIFF",
                                      sorted(got.get("FG101", set()))))
    print("%d of %d cases as wanted" % (good, len(cases)))


def fg_has_fg105(got):
    return "FG105" in got


if __name__ == "__main__":
    main()
