#!/usr/bin/python3
"""Compare a run_tests_model.py result with the labels: per project the tests
flagged (in the labels' scope), true positives, false positives, misses,
precision and recall, and the totals, as a markdown table.

    score.py [--results DIR] [--details] [NAME...]

Precision = TP / flagged, recall = TP / labelled pool tests (a project with
nothing flagged has precision "-", one with no pool test recall "-"; the totals
add the counts up first). --details lists every FP and miss with the label's
reason. Exit 0; 2 when a result or label file is missing."""
import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from labels import in_scope, load_labels  # noqa: E402


def ratio(a, b):
    return "%.2f" % (a / b) if b else "-"


def score(name, results):
    labels = load_labels(name)
    res_path = results / (name + ".json")
    if labels is None or not res_path.exists():
        return None
    findings = json.loads(res_path.read_text())["findings"]
    flagged = {t for t, fs in findings.items()
               if in_scope(labels, t) and any(f["code"] == "FG101" for f in fs)}
    outside = {t for t in findings if not in_scope(labels, t)}
    pool = {t for t in labels["pool_tests"] if in_scope(labels, t)}
    tp, fp, miss = flagged & pool, flagged - pool, pool - flagged
    return {"name": name, "flagged": len(flagged), "pool": len(pool), "tp": len(tp),
            "fp": sorted(fp), "miss": sorted(miss), "outside": len(outside),
            "unexplained_fp": sorted(t for t in fp if t not in labels.get("not_pool", {})),
            "labels": labels}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--results", default="/tmp/fg-realworld")
    ap.add_argument("--details", action="store_true")
    ap.add_argument("names", nargs="*")
    args = ap.parse_args()
    manifest = json.loads((HERE / "tests.json").read_text())["projects"]
    rows, missing = [], []
    for project in manifest:
        if args.names and project["name"] not in args.names:
            continue
        row = score(project["name"], Path(args.results))
        if row is None:
            missing.append(project["name"])
        else:
            rows.append(row)
    print("| project | truth | tests flagged | labelled pool tests | TP | FP | misses "
          "| precision | recall |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    tot = {"flagged": 0, "pool": 0, "tp": 0, "fp": 0, "miss": 0}
    truth = {p["name"]: p["truth"]["how"] for p in manifest}
    for r in rows:
        nfp, nmiss = len(r["fp"]), len(r["miss"])
        print("| %s | %s | %d | %d | %d | %d | %d | %s | %s |" % (
            r["name"], truth[r["name"]], r["flagged"], r["pool"], r["tp"], nfp, nmiss,
            ratio(r["tp"], r["flagged"]), ratio(r["tp"], r["pool"])))
        for k, v in (("flagged", r["flagged"]), ("pool", r["pool"]), ("tp", r["tp"]),
                     ("fp", nfp), ("miss", nmiss)):
            tot[k] += v
    print("| **total** | | %d | %d | %d | %d | %d | %s | %s |" % (
        tot["flagged"], tot["pool"], tot["tp"], tot["fp"], tot["miss"],
        ratio(tot["tp"], tot["flagged"]), ratio(tot["tp"], tot["pool"])))
    if args.details:
        for r in rows:
            reasons = r["labels"].get("not_pool", {})
            pools = r["labels"]["pool_tests"]
            for t in r["fp"]:
                why = reasons.get(t, {}).get("reason", "NOT EXAMINED")
                print("FP   %s  %s  -- %s" % (r["name"], t, why))
            for t in r["miss"]:
                print("MISS %s  %s  -- %s" % (r["name"], t, pools[t].get("how", "")))
    for name in missing:
        print("missing result or labels: %s" % name, file=sys.stderr)
    return 2 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
