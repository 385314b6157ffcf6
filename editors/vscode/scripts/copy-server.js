// Copies the release `chainwarden` binary into server/ so `vsce package` bundles it.
// CHAINWARDEN_BIN overrides the source (default: the workspace's target/release build).
const fs = require("fs");
const path = require("path");

const root = path.resolve(__dirname, "..", "..", "..");
const source = process.env.CHAINWARDEN_BIN || path.join(root, "target", "release", "chainwarden");
if (!fs.existsSync(source)) {
  console.error(`copy-server: ${source} does not exist; run \`cargo build --release\` first`);
  process.exit(1);
}
const dest = path.join(__dirname, "..", "server", "chainwarden");
fs.mkdirSync(path.dirname(dest), { recursive: true });
fs.copyFileSync(source, dest);
fs.chmodSync(dest, 0o755);
console.log(`copy-server: ${source} -> ${path.relative(process.cwd(), dest)}`);
