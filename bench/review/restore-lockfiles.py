#!/usr/bin/env python3
"""Copy the dev corpus and put back (empty) the root lockfiles its MANIFEST.tsv records.

The corpus keeps only each repository's root package.json, not its lockfiles, so every
rule that asks "is there a lockfile?" answers no on the plain copy (missing-lockfile fired
on 48 repositories that do commit one). Empty files are enough for the existence checks;
fixes that read a lockfile's contents are then not offered, as for any unreadable lockfile.

Usage: python3 bench/review/restore-lockfiles.py /work/shared/corpus/dev /tmp/review/corpus/dev
"""
import csv
import os
import shutil
import sys

src, dst = sys.argv[1], sys.argv[2]
if os.path.exists(dst):
    shutil.rmtree(dst)
shutil.copytree(src, dst)
n = 0
with open(os.path.join(src, "MANIFEST.tsv")) as f:
    for row in csv.DictReader(f, delimiter="\t"):
        folder = os.path.join(dst, row["repo"].replace("/", "__"))
        for name in row["root_lockfiles"].split(","):
            name = name.strip()
            if name and name != "-":
                open(os.path.join(folder, name), "a").close()
                n += 1
print(f"restored {n} lockfiles under {dst}", file=sys.stderr)
