// End-to-end test of the chainwarden VS Code extension in code-server, driven through headless
// Chromium with playwright-core. Run by scripts/editors/vscode-e2e-inner.sh (inside a
// loopback-only network namespace) once code-server is up with the .vsix installed.
//
// Environment: CODE_SERVER_URL (http://127.0.0.1:PORT), CHAINWARDEN_WORKSPACE (folder to open),
// E2E_NODE_MODULES (where playwright-core is), ARTIFACTS (screenshot folder),
// CHROMIUM (browser binary, default /usr/bin/chromium).
// Prints one line per step; exits 0 when every step passed, 1 otherwise.
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";

const require = createRequire(path.join(process.env.E2E_NODE_MODULES, "noop.js"));
const { chromium } = require("playwright-core");

const url = process.env.CODE_SERVER_URL;
const workspace = process.env.CHAINWARDEN_WORKSPACE;
const artifacts = process.env.ARTIFACTS;
fs.mkdirSync(artifacts, { recursive: true });

const started = Date.now();
let failures = 0;
let shot = 0;

const guard = setTimeout(() => {
  console.log("FAIL  timeout: the browser test did not finish in 300 s");
  process.exit(2);
}, 300_000);

// Playwright's own --disable-features list (playwright-core 1.65.1, pinned in
// scripts/editors/install.sh), repeated because a later --disable-features replaces it, plus the
// autofill server: Chromium otherwise looks up a host at start even with background networking off.
const PLAYWRIGHT_DISABLED_FEATURES = [
  "AvoidUnnecessaryBeforeUnloadCheckSync", "DestroyProfileOnBrowserClose", "HttpsUpgrades",
  "HttpsFirstBalancedModeAutoEnable", "LensOverlay", "MediaRouter", "PaintHolding",
  "ThirdPartyStoragePartitioning", "AvoidCorsURLLoaderRestartOnRedirect", "TcpPortRandomizationWin",
  "OptimizationHints", "NetworkTimeServiceQuerying", "AimEnabled", "PreconnectToSearch",
  "msForceBrowserSignIn", "msEdgeUpdateLaunchServicesPreferredVersion",
  "AutofillServerCommunication",
];

async function screenshot(page, name) {
  shot += 1;
  const file = path.join(artifacts, `${String(shot).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

let page;
async function step(name, fn) {
  const t0 = Date.now();
  try {
    const result = await fn();
    console.log(`ok    ${name} (${Date.now() - t0} ms)`);
    return result;
  } catch (err) {
    failures += 1;
    await screenshot(page, `FAILED-${name.replace(/[^a-z0-9]+/gi, "-").slice(0, 40)}`).catch(() => {});
    console.log(`FAIL  ${name} (${Date.now() - t0} ms): ${String(err && err.message ? err.message : err).split("\n")[0]}`);
    return undefined;
  }
}

// Visible editor lines, with Monaco's non-breaking spaces turned back into spaces.
async function editorLines(page) {
  return page.$$eval(".editor-instance .monaco-editor .view-line", (nodes) =>
    nodes.map((n) => (n.textContent || "").replace(/\u00a0/g, " ")),
  );
}

async function waitForLine(page, regex, timeout = 30_000) {
  const deadline = Date.now() + timeout;
  let lines = [];
  while (Date.now() < deadline) {
    lines = await editorLines(page);
    const hit = lines.find((l) => regex.test(l));
    if (hit !== undefined) {
      return hit;
    }
    await page.waitForTimeout(200);
  }
  throw new Error(`no editor line matches ${regex}; visible lines:\n${lines.join("\n")}`);
}

// Rows of the Problems panel (text includes the message and `chainwarden(rule-id)`).
async function problemRows(page) {
  return page.$$eval(".markers-panel .monaco-list-row", (nodes) =>
    nodes.map((n) => (n.textContent || "").replace(/\u00a0/g, " ")),
  );
}

// Shows the Problems panel (Control+Shift+M toggles it, so only press it when hidden) and
// narrows it with its filter box: the list is virtualised, rows scrolled out of view are absent.
async function showProblems(page, filter) {
  if (!(await page.locator(".markers-panel").isVisible().catch(() => false))) {
    await page.keyboard.press("Control+Shift+M");
  }
  await page.waitForSelector(".markers-panel", { state: "visible", timeout: 10_000 });
  const box = page.locator('.part.panel input[placeholder^="Filter"]').first();
  await box.fill(filter); // fill() focuses it; a click can land on the "Showing n of m" badge
  await page.waitForTimeout(500);
}

async function waitForProblems(page, ids, timeout = 20_000) {
  const deadline = Date.now() + timeout;
  let rows = [];
  while (Date.now() < deadline) {
    rows = await problemRows(page);
    if (ids.every((id) => rows.some((r) => r.includes(id)))) {
      return rows;
    }
    await page.waitForTimeout(200);
  }
  throw new Error(`Problems panel lacks ${ids.join(", ")}; rows: ${rows.join(" || ")}`);
}

// Puts the cursor just before the last character of the first visible line that ends with
// `text` (for `uses: actions/checkout@v4`: inside `v4`, the range the finding underlines).
async function cursorNearEndOf(page, text) {
  const line = page.locator(".editor-instance .monaco-editor .view-line", { hasText: text }).first();
  await line.waitFor({ timeout: 20_000 });
  await line.click();
  await page.keyboard.press("End");
  await page.keyboard.press("ArrowLeft");
}

// Opens the quick-fix menu at the cursor and picks the first entry whose text matches `regex`.
async function applyQuickFix(page, name, regex) {
  await page.keyboard.press("Control+.");
  const rows = page.locator(".action-widget .monaco-list-row");
  try {
    await rows.first().waitFor({ timeout: 8_000 });
  } catch {
    // A key press that arrived while the editor was still busy: ask once more.
    await page.keyboard.press("Control+.");
    await rows.first().waitFor({ timeout: 15_000 });
  }
  await page.waitForTimeout(300);
  const texts = await rows.allTextContents();
  await screenshot(page, `${name}-menu`);
  const index = texts.findIndex((t) => regex.test(t));
  if (index < 0) {
    await page.keyboard.press("Escape");
    throw new Error(`no quick fix matches ${regex}; offered: ${texts.join(" | ")}`);
  }
  await rows.nth(index).click();
  return texts[index];
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
    `--disable-features=${PLAYWRIGHT_DISABLED_FEATURES.join(",")}`,
  ],
});
const context = await browser.newContext({ viewport: { width: 1400, height: 860 } });
let blocked = 0;
await context.route("**/*", (route) => {
  const host = new URL(route.request().url()).hostname;
  if (host === "127.0.0.1" || host === "localhost") {
    return route.continue();
  }
  blocked += 1;
  console.log(`      blocked a request to ${host}`);
  return route.abort();
});
page = await context.newPage();

const ready = await step("code-server workbench loads the workspace", async () => {
  await page.goto(`${url}/?folder=${encodeURIComponent(workspace)}`);
  await page.waitForSelector(".monaco-workbench .explorer-folders-view", { timeout: 60_000 });
  await screenshot(page, "workbench");
  return true;
});

// Quick Open (Control+P) on a file name.
async function openFile(page, name) {
  await page.keyboard.press("Control+P");
  await page.waitForSelector(".quick-input-widget input", { timeout: 10_000 });
  await page.keyboard.type(name);
  await page.locator(".quick-input-list .monaco-list-row", { hasText: name }).first().waitFor({ timeout: 30_000 });
  await page.keyboard.press("Enter");
}

// Runs a command from the Command Palette by its full title.
async function runCommand(page, title) {
  await page.keyboard.press("F1");
  await page.waitForSelector(".quick-input-widget input", { timeout: 10_000 });
  await page.keyboard.type(title);
  await page.locator(".quick-input-list .monaco-list-row", { hasText: title }).first().waitFor({ timeout: 15_000 });
  await page.keyboard.press("Enter");
}

const opened = ready && (await step("open .github/workflows/ci.yml", async () => {
  await page.locator(".monaco-workbench").click({ position: { x: 700, y: 400 } });
  await openFile(page, "ci.yml");
  await waitForLine(page, /uses: actions\/checkout@v4/);
  return true;
}));

const squiggle = opened && (await step("error squiggle appears on the workflow", async () => {
  await page.waitForSelector(".editor-instance .monaco-editor .squiggly-error", { timeout: 30_000 });
  await screenshot(page, "squiggle");
  return true;
}));

if (squiggle) {
  await step("status bar item shows the server running", async () => {
    await page.waitForSelector('.statusbar-item[aria-label="chainwarden server running"]', { timeout: 10_000 });
  });

  await step("Problems panel lists unpinned-ci-actions and overpermissioned-workflow-token", async () => {
    await showProblems(page, "**/ci.yml");
    const rows = await waitForProblems(page, ["unpinned-ci-actions", "overpermissioned-workflow-token"]);
    const ours = rows.filter((r) => r.includes("chainwarden"));
    if (ours.length === 0) {
      throw new Error(`no row names the source chainwarden: ${rows.join(" || ")}`);
    }
    console.log(`      ${ours.length} chainwarden problem row(s)`);
    await screenshot(page, "problems");
  });

  await step("hover over actions/checkout@v4 names the rule", async () => {
    await cursorNearEndOf(page, "actions/checkout@v4");
    await page.keyboard.press("Control+K");
    await page.keyboard.press("Control+I");
    // The server's own hover (markdown), not VS Code's echo of the diagnostic above it.
    const hover = page.locator(".monaco-hover .markdown-hover", { hasText: /unpinned-ci-actions|not pinned/i }).first();
    await hover.waitFor({ state: "visible", timeout: 15_000 });
    const text = (await hover.textContent()) || "";
    console.log(`      hover: ${text.replace(/\s+/g, " ").slice(0, 100)}`);
    await screenshot(page, "hover");
    await page.keyboard.press("Escape");
  });

  await step("Pin quick fix turns the line into @<40-hex> # v4.x.y", async () => {
    await cursorNearEndOf(page, "actions/checkout@v4");
    const title = await applyQuickFix(page, "pin", /^\s*Pin\b/i);
    const line = await waitForLine(page, /uses: actions\/checkout@[0-9a-f]{40} # v4\.\d+\.\d+/);
    console.log(`      "${title.trim()}" -> ${line.trim()}`);
    await page.waitForTimeout(500);
    await screenshot(page, "pinned");
  });

  await step("permissions quick fix inserts a permissions: block", async () => {
    // Go to the finding through the Problems panel, then ask for its quick fixes there.
    await showProblems(page, "**/ci.yml");
    const row = page.locator(".markers-panel .monaco-list-row", { hasText: "overpermissioned-workflow-token" }).first();
    await row.waitFor({ timeout: 10_000 });
    await row.dblclick();
    await page.waitForTimeout(300);
    // The double-click selects the finding's range in the editor but may leave the focus in the
    // panel: move it to the editor (Control+1) so Control+. asks the editor for quick fixes.
    await page.keyboard.press("Control+1");
    await page.waitForTimeout(200);
    const title = await applyQuickFix(page, "permissions", /^(?!\s*ignore\b).*permission/i);
    await waitForLine(page, /^permissions:\s*$/);
    await waitForLine(page, /^\s+contents: read/);
    console.log(`      "${title.trim()}" applied`);
    await page.waitForTimeout(500);
    await screenshot(page, "permissions");
  });
}

if (opened) {
  await step("command 'chainwarden: Pin All Actions in This File' pins release.yml", async () => {
    await openFile(page, "release.yml");
    await waitForLine(page, /uses: actions\/setup-node@v4/);
    await runCommand(page, "chainwarden: Pin All Actions in This File");
    await waitForLine(page, /uses: actions\/checkout@[0-9a-f]{40} # v4\./);
    await waitForLine(page, /uses: actions\/setup-node@[0-9a-f]{40} # v4\./);
    await page.waitForTimeout(500);
    await screenshot(page, "pin-all");
  });
}

if (opened) {
  await step("commands 'Restart Server' and 'Show Server Log': a second start in the log, running again", async () => {
    await runCommand(page, "chainwarden: Restart Server");
    await runCommand(page, "chainwarden: Show Server Log");
    const deadline = Date.now() + 30_000;
    let lines = [];
    while (Date.now() < deadline) {
      lines = await page.$$eval(".part.panel .monaco-editor .view-line", (nodes) =>
        nodes.map((n) => (n.textContent || "").replace(/\u00a0/g, " ")),
      );
      if (lines.filter((l) => /chainwarden: starting .* lsp/.test(l)).length >= 2) {
        break;
      }
      await page.waitForTimeout(250);
    }
    if (lines.filter((l) => /chainwarden: starting .* lsp/.test(l)).length < 2) {
      throw new Error(`the log does not show a restart: ${lines.slice(0, 8).join(" / ")}`);
    }
    await page.waitForSelector('.statusbar-item[aria-label="chainwarden server running"]', { timeout: 15_000 });
    await screenshot(page, "log");
  });
}

if (blocked > 0) {
  failures += 1;
  console.log(`FAIL  ${blocked} request(s) tried to leave 127.0.0.1`);
}
await browser.close();
clearTimeout(guard);
console.log(`vscode e2e: ${failures === 0 ? "all steps passed" : `${failures} step(s) FAILED`} (${Date.now() - started} ms)`);
process.exit(failures === 0 ? 0 : 1);
