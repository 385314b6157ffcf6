#!/bin/sh
# Fill fuzz/corpus/<target>/ from tests/fixtures and the shared real-world corpus
# (CHAINWARDEN_CORPUS, default ../shared/corpus/dev next to the repository).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
corpus=${CHAINWARDEN_CORPUS:-$(dirname "$repo")/shared/corpus/dev}
[ -d "$corpus" ] || corpus=/work/shared/corpus/dev
seed() { # target, find-expression...
    target=$1; shift
    mkdir -p "$here/corpus/$target"
    for dir in "$repo/tests/fixtures" "$corpus"; do
        [ -d "$dir" ] || continue
        find "$dir" -type f "$@" -size -200k | while read -r f; do
            cp "$f" "$here/corpus/$target/$(printf '%s' "$f" | cksum | cut -d' ' -f1)"
        done
    done
}
seed fix_workflow -path '*workflows*' \( -name '*.yml' -o -name '*.yaml' \)
seed parse_yaml \( -name '*.yml' -o -name '*.yaml' \)
seed fix_action \( -name 'action.yml' -o -name 'action.yaml' \)
seed fix_compose -name '*compose*.y*ml'
seed fix_dockerfile \( -name 'Dockerfile*' -o -name '*.Dockerfile' -o -name 'Containerfile*' \)
mkdir -p "$here/corpus/parse_dockerfile"
cp -r "$here/corpus/fix_dockerfile/." "$here/corpus/parse_dockerfile/"
seed fix_package -name 'package.json'
seed parse_json -name '*.json'
seed fix_source \( -name '*.ts' -o -name '*.js' -o -name '*.mjs' -o -name '*.cjs' -o -name '*.tsx' \)
seed parse_js \( -name '*.ts' -o -name '*.js' -o -name '*.mjs' -o -name '*.cjs' -o -name '*.tsx' \)
for d in "$here"/corpus/*; do echo "$(ls "$d" | wc -l) $(basename "$d")"; done
