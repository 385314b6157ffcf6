#!/usr/bin/env python3
"""Stratified random sample of chainwarden findings for the precision review (issue 13).

Usage: python3 bench/review/sample.py FINDINGS.json [N] [SEED] [--verdicts bench/review/verdicts.tsv]

With --verdicts, each sampled finding gets the hand verdict recorded for its location and rule
(right / noise / wrong, one line of reasoning); a finding without one is marked `TO JUDGE`.

Method (fixed, so anyone can reproduce the list from the same JSON):
  * findings are read from `chainwarden check <corpus> --format json`, and sorted by
    (rule, path relative to the corpus, line, column, message) so the order does not
    depend on the walk;
  * every rule with findings gets one slot; the remaining N - (number of rules) slots are
    shared in proportion to each rule's count (largest-remainder method, ties by rule id),
    never more slots than a rule has findings;
  * within a rule, `random.Random(f"{SEED}:{rule}").sample(findings, k)`: one generator
    per rule, seeded by the seed and the rule id, so a change in one rule's findings does
    not reshuffle the others' picks.
Default N = 40, SEED = 20261204.
"""
import json
import random
import re
import sys
from collections import defaultdict


def rel(path):
    return re.sub(r"^.*?corpus/dev/", "", path)


def allocate(counts, n):
    rules = sorted(counts)
    if len(rules) >= n:
        # more rules than slots: the n biggest rules, one each
        top = sorted(rules, key=lambda r: (-counts[r], r))[:n]
        return {r: (1 if r in top else 0) for r in rules}
    alloc = {r: 1 for r in rules}
    rest = n - len(rules)
    total = sum(counts[r] - 1 for r in rules)
    quotas = {r: rest * (counts[r] - 1) / total for r in rules} if total else {r: 0 for r in rules}
    for r in rules:
        alloc[r] += int(quotas[r])
    left = n - sum(alloc.values())
    for r in sorted(rules, key=lambda r: (-(quotas[r] - int(quotas[r])), r)):
        if left == 0:
            break
        if alloc[r] < counts[r]:
            alloc[r] += 1
            left -= 1
    return alloc


def load_verdicts(path):
    out = {}
    with open(path) as f:
        next(f)
        for line in f:
            loc, rule, verdict, reason = line.rstrip("\n").split("\t")
            out[(loc, rule)] = (verdict, reason)
    return out


def main():
    argv = sys.argv[1:]
    verdicts = None
    if "--verdicts" in argv:
        i = argv.index("--verdicts")
        verdicts = load_verdicts(argv[i + 1])
        del argv[i : i + 2]
    path = argv[0]
    n = int(argv[1]) if len(argv) > 1 else 40
    seed = argv[2] if len(argv) > 2 else "20261204"
    findings = json.load(open(path))["findings"]
    by_rule = defaultdict(list)
    for f in findings:
        by_rule[f["rule"]].append(f)
    for r in by_rule:
        by_rule[r].sort(key=lambda f: (rel(f["path"]), f["line"], f["column"], f["message"]))
    counts = {r: len(v) for r, v in by_rule.items()}
    alloc = allocate(counts, n)
    print(f"Sample of {n} from {len(findings)} findings in {path} (seed {seed}).\n")
    print("| rule | findings | sampled |\n| --- | ---: | ---: |")
    for r in sorted(counts, key=lambda r: (-counts[r], r)):
        print(f"| {r} | {counts[r]} | {alloc[r]} |")
    print()
    if verdicts is None:
        print("| # | rule | sev | location | message |\n| ---: | --- | --- | --- | --- |")
    else:
        print("| # | rule | sev | location | message | verdict | why |")
        print("| ---: | --- | --- | --- | --- | --- | --- |")
    tally = defaultdict(int)
    i = 0
    for r in sorted(counts, key=lambda r: (-counts[r], r)):
        picks = random.Random(f"{seed}:{r}").sample(by_rule[r], alloc[r])
        picks.sort(key=lambda f: (rel(f["path"]), f["line"], f["column"]))
        for f in picks:
            i += 1
            msg = f["message"].replace("|", "\\|")
            loc = f"{rel(f['path'])}:{f['line']}:{f['column']}"
            row = f"| {i} | {r} | {f['severity']} | `{loc}` | {msg} |"
            if verdicts is not None:
                verdict, reason = verdicts.get((loc, r), ("TO JUDGE", ""))
                tally[verdict] += 1
                row += f" {verdict} | {reason} |"
            print(row)
    if verdicts is not None:
        print()
        print("Verdicts: " + ", ".join(f"{v} {tally[v]}" for v in sorted(tally)) + f" (of {i}).")


if __name__ == "__main__":
    main()
