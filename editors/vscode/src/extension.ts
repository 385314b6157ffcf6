// The chainwarden VS Code extension: starts `chainwarden lsp` over stdio and wires the
// language client, a status bar item and a few commands to it.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as vscode from "vscode";
import {
  DocumentSelector,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
  State,
} from "vscode-languageclient/node";

// The files the server understands (SPEC §1), selected by path, not by language: a workflow
// and a compose file are both `yaml`, but only some YAML files are ours.
export const FILE_PATTERNS: readonly string[] = [
  "**/.github/workflows/**/*.{yml,yaml}",
  "**/.github/dependabot.{yml,yaml}",
  "**/action.{yml,yaml}",
  "**/{Dockerfile,Containerfile}",
  "**/*.Dockerfile",
  "**/Dockerfile.*",
  "**/Dockerfile-*",
  "**/docker-compose*.{yml,yaml}",
  "**/compose*.{yml,yaml}",
  "**/package.json",
  "**/*.{js,mjs,cjs,jsx,ts,mts,cts,tsx}",
];

const SERVER_PIN_ALL = "chainwarden.pinAll";

type ServerState = "starting" | "running" | "stopped" | "error";

let client: LanguageClient | undefined;
// True while we stop the client ourselves, so an unexpected stop shows as an error.
let stopping = false;
let output: vscode.OutputChannel;
let statusItem: vscode.StatusBarItem;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("chainwarden");
  statusItem = vscode.window.createStatusBarItem("chainwarden.status", vscode.StatusBarAlignment.Left, 0);
  statusItem.name = "chainwarden";
  statusItem.command = "chainwarden.showLog";
  statusItem.show();
  context.subscriptions.push(output, statusItem);

  context.subscriptions.push(
    vscode.commands.registerCommand("chainwarden.restartServer", () => restart(context)),
    vscode.commands.registerCommand("chainwarden.showLog", () => output.show(true)),
    vscode.commands.registerCommand("chainwarden.pinAllInFile", (uri?: vscode.Uri) => {
      const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
      if (!target) {
        void vscode.window.showWarningMessage("chainwarden: open a workflow file first.");
        return;
      }
      return pinAll([target.toString()]);
    }),
    vscode.commands.registerCommand("chainwarden.pinAllInWorkspace", () => pinAll([])),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration("chainwarden.path")) {
        void restart(context);
      }
    }),
  );

  await start(context);
}

export async function deactivate(): Promise<void> {
  const running = client;
  if (running) {
    stopping = true;
    await running.stop();
  }
  client = undefined;
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  setStatus("starting");
  const command = await findServer(context);
  output.appendLine(`chainwarden: starting ${command} lsp`);

  const serverOptions: ServerOptions = {
    run: { command, args: ["lsp"] },
    debug: { command, args: ["lsp"], options: { env: { ...process.env, RUST_BACKTRACE: "1" } } },
  };
  const documentSelector: DocumentSelector = FILE_PATTERNS.map((pattern) => ({ scheme: "file", pattern }));
  const clientOptions: LanguageClientOptions = {
    documentSelector,
    outputChannel: output,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    initializationOptions: {
      online: vscode.workspace.getConfiguration("chainwarden").get<boolean>("online", false),
      pedantic: vscode.workspace.getConfiguration("chainwarden").get<boolean>("pedantic", false),
    },
    // The server pulls the `chainwarden` section with workspace/configuration; this makes the
    // client also tell it when that section changes.
    synchronize: { configurationSection: "chainwarden" },
  };

  const created = new LanguageClient("chainwarden", "chainwarden", serverOptions, clientOptions);
  client = created;
  created.onDidChangeState((event) => {
    if (client !== created) {
      return;
    }
    if (event.newState === State.Running) {
      setStatus("running");
    } else if (event.newState === State.Starting) {
      setStatus("starting");
    } else if (event.newState === State.Stopped) {
      if (stopping) {
        setStatus("stopped");
      } else {
        setStatus("error", "the server exited; see the log");
      }
    }
  });
  try {
    await created.start();
    setStatus("running");
  } catch (err) {
    setStatus("error", String(err));
    output.appendLine(`chainwarden: the server failed to start: ${String(err)}`);
  }
}

async function restart(context: vscode.ExtensionContext): Promise<void> {
  const old = client;
  if (old) {
    stopping = true;
    try {
      await old.stop();
    } catch (err) {
      output.appendLine(`chainwarden: stopping the old server failed: ${String(err)}`);
    } finally {
      stopping = false;
    }
  }
  client = undefined;
  await start(context);
}

async function pinAll(args: string[]): Promise<void> {
  if (!client || !client.isRunning()) {
    void vscode.window.showErrorMessage("chainwarden: the server is not running (see the log).");
    return;
  }
  try {
    const result = await client.sendRequest(ExecuteCommandRequest.type, { command: SERVER_PIN_ALL, arguments: args });
    const pinned = (result as { pinned?: number } | null)?.pinned;
    if (typeof pinned === "number") {
      void vscode.window.showInformationMessage(
        pinned === 0 ? "chainwarden: nothing to pin." : `chainwarden: pinned ${pinned} action reference(s).`,
      );
    }
  } catch (err) {
    output.appendLine(`chainwarden: ${SERVER_PIN_ALL} failed: ${String(err)}`);
    void vscode.window.showErrorMessage(`chainwarden: pinning failed: ${String(err)}`);
  }
}

function setStatus(state: ServerState, detail?: string): void {
  const icons: Record<ServerState, string> = {
    starting: "$(sync~spin)",
    running: "$(shield)",
    stopped: "$(circle-slash)",
    error: "$(error)",
  };
  statusItem.text = `${icons[state]} chainwarden`;
  statusItem.tooltip = `chainwarden server: ${state}${detail ? ` (${detail})` : ""}. Click to show the log.`;
  statusItem.backgroundColor =
    state === "error" ? new vscode.ThemeColor("statusBarItem.errorBackground") : undefined;
  statusItem.accessibilityInformation = { label: `chainwarden server ${state}` };
}

// The server binary: the `chainwarden.path` setting, else the binary bundled in the extension's
// `server/` folder, else `chainwarden` from PATH.
async function findServer(context: vscode.ExtensionContext): Promise<string> {
  const configured = vscode.workspace.getConfiguration("chainwarden").get<string>("path", "").trim();
  if (configured) {
    return expandPath(configured);
  }
  const exe = process.platform === "win32" ? "chainwarden.exe" : "chainwarden";
  const bundled = context.asAbsolutePath(path.join("server", exe));
  if (fs.existsSync(bundled)) {
    await ensureExecutable(bundled);
    return bundled;
  }
  return exe;
}

function expandPath(configured: string): string {
  let expanded = configured;
  if (expanded === "~" || expanded.startsWith("~/")) {
    expanded = path.join(os.homedir(), expanded.slice(1));
  }
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (folder) {
    expanded = expanded.replace(/\$\{workspaceFolder\}/g, folder);
  }
  return expanded;
}

// A .vsix is a zip: some installers drop the executable bit of the bundled binary.
async function ensureExecutable(file: string): Promise<void> {
  if (process.platform === "win32") {
    return;
  }
  try {
    await fs.promises.access(file, fs.constants.X_OK);
  } catch {
    try {
      await fs.promises.chmod(file, 0o755);
    } catch (err) {
      output.appendLine(`chainwarden: cannot make ${file} executable: ${String(err)}`);
    }
  }
}
