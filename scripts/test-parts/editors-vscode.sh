#!/usr/bin/env bash
# End-to-end test of the VS Code extension (editors/vscode): builds the .vsix with the release
# binary inside, installs it into code-server, and drives the workbench in headless Chromium
# (playwright-core) inside a loopback-only network namespace: squiggle, Problems panel, hover,
# the Pin and permissions quick fixes, the Pin All command. Screenshots go to
# tests/artifacts/vscode/ (CHAINWARDEN_UPDATE_IMAGES=1 also copies the best into
# editors/vscode/images/ for the README).
# Installs what it needs (cached under .cache/editors/). Exits non-zero when any step fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=../editors/install.sh
source scripts/editors/install.sh

t_install=$SECONDS
ensure_apt curl util-linux iproute2
ensure_code_server
ensure_browser
log "code-server, Node 24, Chromium and playwright-core ready in $((SECONDS - t_install)) s"
t_build=$SECONDS
ensure_release_binary
log "release binary ready in $((SECONDS - t_build)) s"

t_vsix=$SECONDS
ext=editors/vscode
stamp="$ext/node_modules/.chainwarden-lock.json"
if ! cmp -s "$ext/package-lock.json" "$stamp"; then
  log "npm ci in $ext"
  (cd "$ext" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$ext/package-lock.json" "$stamp"
fi
log "packaging the .vsix"
(cd "$ext" && CHAINWARDEN_BIN="$CHAINWARDEN_BIN" npm run --silent package >/dev/null)
VSIX="$PWD/$ext/chainwarden-linux-x64.vsix"
log "$(basename "$VSIX"): $(du -h "$VSIX" | cut -f1), built in $((SECONDS - t_vsix)) s"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cp -a editors/tests/workspace "$tmp/workspace"
mkdir "$tmp/workspace/.git"
ARTIFACTS="$PWD/tests/artifacts/vscode"
rm -rf "$ARTIFACTS"
mkdir -p "$ARTIFACTS"

# Loopback only: code-server and Chromium both run in a network namespace with nothing but `lo`.
netns=(unshare -n)
if ! unshare -n true 2>/dev/null; then
  netns=(unshare -rn)
  unshare -rn true || { log "cannot create a network namespace (unshare -n)"; exit 1; }
fi
export VSIX CODE_SERVER NODE24_HOME E2E_NODE_MODULES ARTIFACTS
export CHAINWARDEN_WORKSPACE="$tmp/workspace" E2E_TMP="$tmp"
t_run=$SECONDS
status=0
"${netns[@]}" bash scripts/editors/vscode-e2e-inner.sh || status=$?
log "browser run took $((SECONDS - t_run)) s; screenshots and logs in tests/artifacts/vscode/"
if [ "$status" -eq 0 ] && [ "${CHAINWARDEN_UPDATE_IMAGES:-}" = 1 ]; then
  # The marketplace README's pictures: refresh them from this run's screenshots on request.
  for pair in problems:problems hover:hover pin-menu:pin-menu pinned:pinned permissions:permissions; do
    cp "$ARTIFACTS"/[0-9][0-9]-"${pair%%:*}".png "$ext/images/${pair#*:}.png"
  done
  log "refreshed $ext/images/ from the screenshots"
fi
if [ "$status" -eq 0 ]; then
  log "vscode end-to-end: passed"
else
  log "vscode end-to-end: FAILED"
fi
exit "$status"
