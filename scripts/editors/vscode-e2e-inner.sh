#!/usr/bin/env bash
# Runs inside the loopback-only namespace made by scripts/test-parts/editors-vscode.sh:
# installs the .vsix into a fresh code-server profile, starts code-server on 127.0.0.1 in its
# own process group, runs editors/vscode/tests/e2e.mjs, and stops code-server again.
set -euo pipefail
ip link set lo up 2>/dev/null || true

port=8123
profile="$E2E_TMP/code-server"
mkdir -p "$profile/user-data/User" "$profile/extensions"
cat >"$profile/config.yaml" <<YAML
bind-addr: 127.0.0.1:$port
auth: none
cert: false
disable-telemetry: true
disable-update-check: true
disable-workspace-trust: true
disable-getting-started-override: true
user-data-dir: $profile/user-data
extensions-dir: $profile/extensions
YAML
cat >"$profile/user-data/User/settings.json" <<'JSON'
{
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "workbench.enableExperiments": false,
  "extensions.ignoreRecommendations": true,
  "json.schemaDownload.enable": false,
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "chat.disableAIFeatures": true,
  "window.restoreWindows": "none",
  "workbench.secondarySideBar.defaultVisibility": "hidden"
}
JSON

export PATH="$NODE24_HOME/bin:$PATH" EXTENSIONS_GALLERY='{}'
echo "[vscode] installing $(basename "$VSIX") into code-server"
"$CODE_SERVER" --config "$profile/config.yaml" --install-extension "$VSIX" >"$ARTIFACTS/install-extension.log" 2>&1 || {
  cat "$ARTIFACTS/install-extension.log"
  exit 1
}

setsid "$CODE_SERVER" --config "$profile/config.yaml" "$CHAINWARDEN_WORKSPACE" >"$ARTIFACTS/code-server.log" 2>&1 &
server_pid=$!
stop_server() {
  kill -- "-$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  cp -r "$profile/user-data/logs" "$ARTIFACTS/logs" 2>/dev/null || true
}
trap stop_server EXIT

for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { echo "[vscode] code-server exited:"; cat "$ARTIFACTS/code-server.log"; exit 1; }
  sleep 0.5
done
curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null || { echo "[vscode] code-server did not answer /healthz"; exit 1; }
echo "[vscode] code-server is up on 127.0.0.1:$port"

CODE_SERVER_URL="http://127.0.0.1:$port" node "$(dirname "$0")/../../editors/vscode/tests/e2e.mjs"
