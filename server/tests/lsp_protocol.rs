//! The language server over real stdio, driven the way an editor drives it: a small JSON-RPC
//! client starts the built binary (`chainwarden lsp --stdio`), answers the server's requests
//! (progress tokens, registrations, configuration, applyEdit) and checks what it publishes.
//!
//! No timing assumptions beyond generous timeouts; no network.

use serde_json::{json, Value};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(20);

struct Options {
    utf8: bool,
    /// Advertise `window.workDoneProgress` and the other workspace capabilities.
    rich_client: bool,
    root: Option<String>,
    env: Vec<(&'static str, String)>,
    /// The `chainwarden` section answered to `workspace/configuration`.
    settings: Value,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            utf8: false,
            rich_client: true,
            root: None,
            env: Vec::new(),
            settings: json!({}),
        }
    }
}

fn write_frame(stdin: &Mutex<ChildStdin>, msg: &Value) {
    let body = msg.to_string();
    let mut w = stdin.lock().unwrap();
    write!(w, "Content-Length: {}\r\n\r\n{}", body.len(), body).unwrap();
    w.flush().unwrap();
}

fn read_frame(r: &mut impl BufRead) -> Option<Value> {
    let mut len = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length:") {
            len = v.trim().parse::<usize>().ok();
        }
    }
    let mut buf = vec![0; len?];
    r.read_exact(&mut buf).ok()?;
    serde_json::from_slice(&buf).ok()
}

struct Lsp {
    child: Child,
    stdin: Arc<Mutex<ChildStdin>>,
    rx: Receiver<Value>,
    backlog: VecDeque<Value>,
    next_id: i64,
    init_result: Value,
    /// Every message from the server, in arrival order.
    log: Arc<Mutex<Vec<Value>>>,
    /// What the server wrote to stderr: shown when a test fails, kept out of passing logs.
    stderr: Arc<Mutex<String>>,
}

impl Lsp {
    fn start(opts: Options) -> Lsp {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_chainwarden"));
        cmd.args(["lsp", "--stdio"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // No user settings of the machine running the tests (a test may set its own).
            .env("XDG_CONFIG_HOME", "/nonexistent/chainwarden-test-config")
            .env_remove("CHAINWARDEN_ONLINE")
            .env_remove("CHAINWARDEN_GITHUB_API")
            // Online advisories (OSV) go to a closed local port, never to the internet.
            .env("CHAINWARDEN_OSV_API", "http://127.0.0.1:9");
        for (k, v) in &opts.env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start chainwarden lsp");
        let stderr = Arc::new(Mutex::new(String::new()));
        let (server_stderr, stderr_writer) = (child.stderr.take().unwrap(), stderr.clone());
        std::thread::spawn(move || {
            for line in BufReader::new(server_stderr).lines() {
                let Ok(line) = line else { break };
                let mut all = stderr_writer.lock().unwrap();
                all.push_str(&line);
                all.push('\n');
            }
        });
        let stdin = Arc::new(Mutex::new(child.stdin.take().unwrap()));
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let answer = stdin.clone();
        let settings = opts.settings.clone();
        let log = Arc::new(Mutex::new(Vec::new()));
        let log_writer = log.clone();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            while let Some(msg) = read_frame(&mut r) {
                // Answer the server's requests as an editor would.
                if let (Some(id), Some(method)) = (msg.get("id"), msg["method"].as_str()) {
                    let result = match method {
                        "workspace/configuration" => json!([settings]),
                        "workspace/applyEdit" => json!({ "applied": true }),
                        _ => Value::Null,
                    };
                    write_frame(
                        &answer,
                        &json!({ "jsonrpc": "2.0", "id": id, "result": result }),
                    );
                }
                log_writer.lock().unwrap().push(msg.clone());
                if tx.send(msg).is_err() {
                    break;
                }
            }
        });
        let mut lsp = Lsp {
            child,
            stdin,
            rx,
            backlog: VecDeque::new(),
            next_id: 0,
            init_result: Value::Null,
            log,
            stderr,
        };
        let mut caps = json!({
            "textDocument": { "publishDiagnostics": { "versionSupport": true, "relatedInformation": true } },
        });
        if opts.rich_client {
            caps["window"] = json!({ "workDoneProgress": true });
            caps["workspace"] = json!({
                "applyEdit": true,
                "configuration": true,
                "workspaceEdit": { "documentChanges": true },
                "didChangeWatchedFiles": { "dynamicRegistration": true },
            });
        }
        if opts.utf8 {
            caps["general"] = json!({ "positionEncodings": ["utf-8", "utf-16"] });
        } else {
            caps["general"] = json!({ "positionEncodings": ["utf-16"] });
        }
        let root_uri = opts.root.as_ref().map(|r| format!("file://{r}"));
        let folders = root_uri
            .as_ref()
            .map(|u| json!([{ "uri": u, "name": "root" }]));
        lsp.init_result = lsp.request(
            "initialize",
            json!({ "processId": null, "rootUri": root_uri, "workspaceFolders": folders, "capabilities": caps }),
        );
        lsp.notify("initialized", json!({}));
        lsp
    }

    fn send(&self, msg: Value) {
        write_frame(&self.stdin, &msg);
    }

    fn notify(&self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Send a request and wait for its response (the whole response object).
    fn request_raw(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        self.wait_for(&format!("response to {method}"), |m| {
            m["id"] == id && m.get("method").is_none()
        })
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let resp = self.request_raw(method, params);
        assert!(resp.get("error").is_none(), "{method} failed: {resp}");
        resp["result"].clone()
    }

    /// The next message (in arrival order) matching `pred`; earlier non-matching ones are kept.
    fn wait_for(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.backlog.iter().position(&pred) {
            return self.backlog.remove(i).unwrap();
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(m) if pred(&m) => return m,
                Ok(m) => self.backlog.push_back(m),
                Err(RecvTimeoutError::Timeout) => {
                    panic!("timed out waiting for {what}; got {:#?}", self.backlog)
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("server exited while waiting for {what}")
                }
            }
        }
    }

    /// Diagnostics published for `uri` at exactly `version`.
    fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let m = self.wait_for(&format!("diagnostics for {uri} v{version}"), |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == uri
                && m["params"]["version"] == version
        });
        m["params"]["diagnostics"].as_array().unwrap().clone()
    }

    /// Versions of every `publishDiagnostics` for `uri` so far, in arrival order.
    fn published_versions(&self, uri: &str) -> Vec<i64> {
        let log = self.log.lock().unwrap();
        log.iter()
            .filter(|m| {
                m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
            })
            .map(|m| m["params"]["version"].as_i64().unwrap_or(-1))
            .collect()
    }

    /// Every message received so far and not yet consumed.
    fn drain(&mut self) -> Vec<Value> {
        while let Ok(m) = self.rx.try_recv() {
            self.backlog.push_back(m);
        }
        self.backlog.drain(..).collect()
    }

    fn open(&self, uri: &str, version: i64, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "yaml", "version": version, "text": text } }),
        );
    }

    fn change(&self, uri: &str, version: i64, changes: Value) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": changes }),
        );
    }

    fn shutdown(mut self) {
        self.request("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "server exit status {status}");
                return;
            }
            assert!(
                Instant::now() < deadline,
                "server did not exit after `exit`"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Lsp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let stderr = self.stderr.lock().map(|s| s.clone()).unwrap_or_default();
            eprintln!("--- chainwarden lsp stderr ---\n{stderr}--- end of stderr ---");
        }
    }
}

fn range(sl: u64, sc: u64, el: u64, ec: u64) -> Value {
    json!({ "start": { "line": sl, "character": sc }, "end": { "line": el, "character": ec } })
}

const WF_URI: &str = "file:///tmp/chainwarden-lsp-test/.github/workflows/ci.yml";

#[test]
fn negotiates_position_encoding() {
    let lsp = Lsp::start(Options {
        utf8: true,
        ..Options::default()
    });
    assert_eq!(lsp.init_result["capabilities"]["positionEncoding"], "utf-8");
    assert_eq!(
        lsp.init_result["capabilities"]["textDocumentSync"]["change"],
        2
    );
    lsp.shutdown();

    let lsp = Lsp::start(Options::default());
    assert_eq!(
        lsp.init_result["capabilities"]["positionEncoding"],
        "utf-16"
    );
    let caps = &lsp.init_result["capabilities"];
    assert_eq!(caps["hoverProvider"], true);
    assert!(caps["codeActionProvider"]["codeActionKinds"]
        .as_array()
        .unwrap()
        .contains(&json!("source.fixAll.chainwarden")));
    assert_eq!(
        caps["executeCommandProvider"]["commands"],
        json!(["chainwarden.pinAll"])
    );
    lsp.shutdown();

    // A client that offers no encodings at all gets UTF-16.
    let lsp = Lsp::start(Options {
        rich_client: false,
        ..Options::default()
    });
    assert_eq!(
        lsp.init_result["capabilities"]["positionEncoding"],
        "utf-16"
    );
    lsp.shutdown();
}

/// Deterministic pseudo-random numbers (no dependency, reproducible failures).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// UTF-16 line/column of a byte offset (the test's own independent conversion).
fn utf16_pos(text: &str, offset: usize) -> (u64, u64) {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        line as u64,
        text[line_start..offset].encode_utf16().count() as u64,
    )
}

const BURST_START: &str = "name: ci\n# Überprüfung 😀 der Abläufe\non: [push, pull_request]\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - run: npm install\n      - uses: actions/setup-node@v4\n        with:\n          node-version: 20\n";

#[test]
fn a_burst_of_incremental_edits_ends_like_a_fresh_open() {
    burst(WF_URI, BURST_START, "      - uses: actions/cache@v3\n", 7);
}

#[test]
fn a_burst_of_incremental_edits_to_typescript_ends_like_a_fresh_open() {
    let text = format!("{TS_TEXT}const url = \"http://169.254.169.254/latest/meta-data/\";\nexport const r = fetch(url);\n");
    burst(
        TS_URI,
        &text,
        "\nexport const späť = process.env.VAULT_TOKEN; // 😀\n",
        11,
    );
}

/// Many small edits to `uri`, then the diagnostics must equal those of a fresh open of the
/// final text under another name of the same kind.
fn burst(uri: &str, start: &str, typed: &str, seed: u64) {
    let mut lsp = Lsp::start(Options::default());
    lsp.open(uri, 1, start);
    lsp.diagnostics(uri, 1);

    // Phase 1: one- or two-character edits (inserts, deletes, replacements, line breaks) at
    // random places, mirrored on a local copy of the text.
    let mut text = start.to_string();
    let mut rng = Lcg(seed);
    let alphabet = ["a", "é", "😀", "\n", " ", "v5", "#", "ß"];
    let mut version = 1;
    for _ in 0..40 {
        version += 1;
        let boundaries: Vec<usize> = (0..=text.len())
            .filter(|i| text.is_char_boundary(*i))
            .collect();
        let at = boundaries[rng.next(boundaries.len())];
        let after: Vec<usize> = boundaries
            .iter()
            .copied()
            .filter(|b| *b >= at)
            .take(3)
            .collect();
        let end = if rng.next(3) == 0 {
            after[rng.next(after.len())]
        } else {
            at
        };
        let insert = if end > at && rng.next(2) == 0 {
            ""
        } else {
            alphabet[rng.next(alphabet.len())]
        };
        let (sl, sc) = utf16_pos(&text, at);
        let (el, ec) = utf16_pos(&text, end);
        lsp.change(
            uri,
            version,
            json!([{ "range": range(sl, sc, el, ec), "text": insert }]),
        );
        text.replace_range(at..end, insert);
    }

    // Phase 2: type `typed` at the end one character at a time while also editing inside the
    // first comment line; every third notification carries both changes, in order.
    let comment_line = text
        .lines()
        .position(|l| l.starts_with('#') || l.starts_with("//"))
        .unwrap_or(0);
    let mut pending = Vec::new();
    for (i, ch) in typed.chars().enumerate() {
        // An edit inside the comment line (never its first two bytes, never a line break).
        let line_start: usize = text
            .split_inclusive('\n')
            .take(comment_line)
            .map(str::len)
            .sum();
        let line_len = text[line_start..]
            .find('\n')
            .unwrap_or(text.len() - line_start);
        let inside: Vec<usize> = (line_start + 2..=line_start + line_len)
            .filter(|b| text.is_char_boundary(*b))
            .collect();
        if !inside.is_empty() {
            let at = inside[rng.next(inside.len())];
            let next = inside.iter().copied().find(|b| *b > at);
            let (end, insert) = match next {
                Some(n) if rng.next(2) == 0 => (n, ""),
                _ => (at, ["ü", "😀", "x", " "][rng.next(4)]),
            };
            let (sl, sc) = utf16_pos(&text, at);
            let (el, ec) = utf16_pos(&text, end);
            pending.push(json!({ "range": range(sl, sc, el, ec), "text": insert }));
            text.replace_range(at..end, insert);
        }
        let (l, c) = utf16_pos(&text, text.len());
        let typed_char = ch.to_string();
        pending.push(json!({ "range": range(l, c, l, c), "text": typed_char }));
        text.push(ch);
        if i % 3 == 0 {
            version += 1;
            lsp.change(uri, version, json!(pending));
        } else {
            for change in &pending {
                version += 1;
                lsp.change(uri, version, json!([change]));
            }
        }
        pending.clear();
    }
    let burst = lsp.diagnostics(uri, version);

    let fresh_uri = |n: &str| {
        let (dir, name) = uri.rsplit_once('/').unwrap();
        format!("{dir}/{n}-{name}")
    };
    lsp.open(&fresh_uri("fresh"), 1, &text);
    let fresh = lsp.diagnostics(&fresh_uri("fresh"), 1);
    let strip = |ds: Vec<Value>| -> Vec<Value> {
        ds.into_iter()
            .map(|mut d| {
                d.as_object_mut().unwrap().remove("data");
                d.as_object_mut().unwrap().remove("relatedInformation");
                d
            })
            .collect()
    };
    assert!(
        !burst.is_empty() || uri == WF_URI,
        "the typed text has findings: {text}"
    );
    assert_eq!(strip(burst.clone()), strip(fresh));

    // The server's text is the same as ours: a full replacement with it changes nothing.
    version += 1;
    lsp.change(uri, version, json!([{ "text": text }]));
    let again = lsp.diagnostics(uri, version);
    assert_eq!(strip(again), strip(burst));
    lsp.shutdown();
}

#[test]
fn never_publishes_a_stale_version() {
    let mut lsp = Lsp::start(Options::default());
    lsp.open(WF_URI, 1, BURST_START);
    let mut last = 1;
    for v in 2..=60 {
        lsp.change(
            WF_URI,
            v,
            json!([{ "range": range(0, 0, 0, 0), "text": "#" }]),
        );
        last = v;
    }
    // An out-of-order (older) version is ignored, and so is a change to a never-opened document.
    lsp.change(
        WF_URI,
        5,
        json!([{ "range": range(0, 0, 0, 0), "text": "BROKEN" }]),
    );
    lsp.change(
        "file:///nowhere/.github/workflows/x.yml",
        3,
        json!([{ "text": "x" }]),
    );
    lsp.diagnostics(WF_URI, last);
    // Hover is a request: once it is answered, every earlier publication has been sent.
    lsp.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": WF_URI }, "position": { "line": 0, "character": 0 } }),
    );
    let versions = lsp.published_versions(WF_URI);
    assert!(
        versions.windows(2).all(|w| w[0] < w[1]),
        "published versions not monotonic: {versions:?}"
    );
    assert_eq!(versions.last(), Some(&last), "{versions:?}");
    lsp.shutdown();
}

#[test]
fn a_panic_in_one_analysis_does_not_kill_the_server() {
    let mut lsp = Lsp::start(Options {
        env: vec![
            ("CHAINWARDEN_TEST_PANIC_ON", "PANIC_HERE".to_string()),
            // Even when asked for backtraces, a deliberate panic is one short line.
            ("RUST_BACKTRACE", "1".to_string()),
        ],
        ..Options::default()
    });
    let stderr = lsp.stderr.clone();
    lsp.open(WF_URI, 1, "on: push\n# PANIC_HERE\n");
    let log = lsp.wait_for("a log message about the panic", |m| {
        m["method"] == "window/logMessage"
            && m["params"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("panicked")
    });
    assert_eq!(log["params"]["type"], 1);
    // A panic inside a request handler becomes an error response.
    let failed = lsp.request_raw(
        "textDocument/hover",
        json!({ "textDocument": { "uri": WF_URI }, "position": { "line": 1, "character": 3 } }),
    );
    assert!(
        failed["error"]["message"]
            .as_str()
            .unwrap()
            .contains("hover failed"),
        "{failed}"
    );
    // The server carries on: the next version is analysed and published.
    lsp.change(
        WF_URI,
        2,
        json!([{ "range": range(1, 2, 1, 12), "text": "fine" }]),
    );
    lsp.diagnostics(WF_URI, 2);
    // Malformed requests and unknown methods get errors, not a crash.
    let bad = lsp.request_raw("textDocument/hover", json!({ "nonsense": true }));
    assert!(bad.get("error").is_some());
    let unknown = lsp.request_raw("chainwarden/unknown", json!({}));
    assert!(unknown.get("error").is_some());
    lsp.notify("chainwarden/unknownNotification", json!({}));
    lsp.shutdown();
    // The deliberate panics (analysis, hover) left one line each and no backtrace.
    let deadline = Instant::now() + TIMEOUT;
    let text = loop {
        let text = stderr.lock().unwrap().clone();
        let seen = ["(analysis) (deliberate", "(hover) (deliberate"]
            .iter()
            .all(|line| text.contains(line));
        if seen || Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    for place in ["analysis", "hover"] {
        let line = format!("trigger found in the document ({place}) (deliberate, for the tests)");
        assert!(text.contains(&line), "{line}:\n{text}");
    }
    for noise in ["panicked at", "stack backtrace", "RUST_BACKTRACE"] {
        assert!(
            !text.contains(noise),
            "`{noise}` in the server's stderr:\n{text}"
        );
    }
}

#[test]
fn a_file_too_large_to_reanalyse_while_typing_gets_file_not_analysed() {
    let mut lsp = Lsp::start(Options::default());
    let mut text = String::from("on: push\n");
    while text.len() <= chainwarden::engine::MAX_ANALYSED_BYTES {
        text.push_str("# padding padding padding padding padding padding padding padding\n");
    }
    lsp.open(WF_URI, 1, &text);
    let diags = lsp.diagnostics(WF_URI, 1);
    assert_eq!(rules_of(&diags), ["file-not-analysed"], "{diags:?}");
    assert_eq!(diags[0]["severity"], 2);
    assert_eq!(diags[0]["range"], range(0, 0, 0, 0));
    let message = diags[0]["message"].as_str().unwrap();
    assert!(
        message.contains("too large") && message.contains("the limit here is 4096 KiB"),
        "{message}"
    );
    // Hover explains the rule like any other.
    let hover = lsp.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": WF_URI }, "position": { "line": 0, "character": 0 } }),
    );
    assert!(hover.to_string().contains("file-not-analysed"), "{hover}");
    // No "Ignore … on this line": a comment in a file that is not read cannot silence anything.
    let actions = code_actions(&mut lsp, WF_URI, range(0, 0, 0, 0), None);
    assert!(actions.is_empty(), "{actions:?}");
    lsp.shutdown();
}

/// `(rule, line, column)` of each finding `chainwarden check` reports for `text` as a workflow
/// (0-based line, UTF-16 column: columns here are ASCII or tabs).
fn cli_findings(text: &str) -> Vec<(String, u64, u64)> {
    let dir = tempfile::tempdir().unwrap();
    let wf = dir.path().join(".github/workflows");
    std::fs::create_dir_all(&wf).unwrap();
    std::fs::write(wf.join("ci.yml"), text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_chainwarden"))
        .current_dir(dir.path())
        .args(["check", ".", "--format", "json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut v: Vec<_> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap() - 1,
                f["column"].as_u64().unwrap() - 1,
            )
        })
        .collect();
    v.sort();
    v
}

fn lsp_findings(diags: &[Value]) -> Vec<(String, u64, u64)> {
    let mut v: Vec<_> = diags
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["range"]["start"]["line"].as_u64().unwrap(),
                d["range"]["start"]["character"].as_u64().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

const TAB_INDENTED: &str = "on: push\npermissions: {}\njobs:\n\tbuild:\n\t\truns-on: ubuntu-latest\n\t\tsteps:\n\t\t\t- uses: actions/checkout@v4\n\t\t\t  with:\n\t\t\t    persist-credentials: false\n";
const UNCLOSED_QUOTE_LAST: &str = "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          persist-credentials: false\n      - run: \"npm test\n";
const UNCLOSED_FLOW: &str = "on: push\npermissions: {}\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/cache@v4\n        with: {path: x\n      - uses: actions/setup-node@v4\n";
const HALF_TYPED_KEY: &str = "on: push\npermissions: {}\njobs:\n  build:\n    runs-on: ubuntu-latest\n    permis\n    steps:\n      - uses: actions/setup-node@v4\n";

/// The bad inputs of issue 12 give, in the language server, exactly the findings
/// `chainwarden check` gives: the syntax error at the tab / quote / bracket / line, and the
/// findings of the valid parts at their lines.
#[test]
fn broken_workflows_get_the_same_findings_as_check() {
    let mut lsp = Lsp::start(Options::default());
    let cases = [
        (TAB_INDENTED, (3, 0), vec![6]),
        (UNCLOSED_QUOTE_LAST, (8, 13), vec![0, 5]),
        (UNCLOSED_FLOW, (7, 14), vec![6, 8]),
        (HALF_TYPED_KEY, (5, 4), vec![7]),
    ];
    for (n, (text, syntax_at, other_lines)) in cases.into_iter().enumerate() {
        let uri = format!("file:///tmp/chainwarden-lsp-test/.github/workflows/broken{n}.yml");
        lsp.open(&uri, 1, text);
        let diags = lsp.diagnostics(&uri, 1);
        let got = lsp_findings(&diags);
        assert_eq!(got, cli_findings(text), "{text}");
        let syntax: Vec<_> = got.iter().filter(|f| f.0 == "syntax-error").collect();
        assert_eq!(syntax.len(), 1, "{got:?}");
        assert_eq!((syntax[0].1, syntax[0].2), syntax_at, "{text}");
        let mut lines: Vec<u64> = got
            .iter()
            .filter(|f| f.0 != "syntax-error")
            .map(|f| f.1)
            .collect();
        lines.dedup();
        assert_eq!(lines, other_lines, "{got:?}");
        let d = diags.iter().find(|d| d["code"] == "syntax-error").unwrap();
        assert_eq!(d["severity"], 2);
    }
    // The permissions finding names the job, not a key of it.
    let uri = "file:///tmp/chainwarden-lsp-test/.github/workflows/broken1.yml";
    lsp.open(uri, 2, UNCLOSED_QUOTE_LAST);
    let diags = lsp.diagnostics(uri, 2);
    let perms = diags
        .iter()
        .find(|d| d["code"] == "overpermissioned-workflow-token")
        .unwrap();
    assert!(
        perms["message"].as_str().unwrap().contains("job `build`"),
        "{perms}"
    );
    lsp.shutdown();
}

/// Typing a quote breaks the document and closing it mends it: the syntax error comes and goes
/// with incremental edits, and the findings around it stay.
#[test]
fn a_syntax_error_comes_and_goes_while_typing() {
    let mut lsp = Lsp::start(Options::default());
    let text = "on: push\npermissions: {}\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/setup-node@v4\n      - run: npm test\n  b:\n    runs-on: x\n    steps:\n      - uses: actions/cache@v4\n";
    lsp.open(WF_URI, 1, text);
    let before = lsp_findings(&lsp.diagnostics(WF_URI, 1));
    assert!(before.iter().all(|f| f.0 != "syntax-error"), "{before:?}");
    // `run: "npm test` (line 7, after `run: `).
    lsp.change(
        WF_URI,
        2,
        json!([{ "range": range(7, 13, 7, 13), "text": "\"" }]),
    );
    let broken = lsp_findings(&lsp.diagnostics(WF_URI, 2));
    let mut want = before.clone();
    want.push(("syntax-error".to_string(), 7, 13));
    want.sort();
    assert_eq!(broken, want);
    lsp.change(
        WF_URI,
        3,
        json!([{ "range": range(7, 22, 7, 22), "text": "\"" }]),
    );
    assert_eq!(lsp_findings(&lsp.diagnostics(WF_URI, 3)), before);
    lsp.shutdown();
}

/// Files on disk the workspace scan cannot analyse (binary, not UTF-8) are published with the
/// finding `check` gives them, and so is an open document holding NUL bytes.
#[test]
fn binary_and_non_utf8_files_are_findings_in_the_workspace() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let wf = root.join(".github/workflows");
    std::fs::create_dir_all(&wf).unwrap();
    std::fs::write(wf.join("x.yml"), b"on: push\x00\x01\n").unwrap();
    std::fs::write(wf.join("latin1.yml"), b"on: push\nname: caf\xe9\n").unwrap();
    let root_str = root.to_str().unwrap().to_string();
    let mut lsp = Lsp::start(Options {
        root: Some(root_str.clone()),
        ..Options::default()
    });
    for (name, why) in [("x.yml", "binary"), ("latin1.yml", "not valid UTF-8")] {
        let uri = format!("file://{root_str}/.github/workflows/{name}");
        let m = lsp.wait_for(&format!("diagnostics for {name}"), |m| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri.as_str()
        });
        let diags = m["params"]["diagnostics"].as_array().unwrap();
        assert_eq!(rules_of(diags), ["file-not-analysed"], "{name}: {diags:?}");
        assert!(
            diags[0]["message"].as_str().unwrap().contains(why),
            "{diags:?}"
        );
        assert_eq!(diags[0]["range"], range(0, 0, 0, 0));
    }
    lsp.open(WF_URI, 1, "on: push\n\u{0}jobs: {}\n");
    let diags = lsp.diagnostics(WF_URI, 1);
    assert_eq!(rules_of(&diags), ["file-not-analysed"], "{diags:?}");
    lsp.shutdown();
}

#[test]
fn workspace_scan_publishes_unopened_files_with_progress() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let wf = root.join(".github/workflows");
    std::fs::create_dir_all(&wf).unwrap();
    std::fs::write(wf.join("release.yml"), BURST_START).unwrap();
    std::fs::write(root.join("Dockerfile"), "FROM alpine:3.20\nRUN echo hi\n").unwrap();
    std::fs::write(root.join("README.md"), "not analysed\n").unwrap();
    // Test data (SPEC §7.9) is neither scanned nor reported when opened.
    std::fs::create_dir_all(root.join("e2e/fixtures")).unwrap();
    std::fs::write(root.join("e2e/fixtures/Dockerfile"), "FROM alpine\n").unwrap();
    let root_str = root.to_str().unwrap().to_string();
    let mut lsp = Lsp::start(Options {
        root: Some(root_str.clone()),
        ..Options::default()
    });

    let create = lsp.wait_for("window/workDoneProgress/create", |m| {
        m["method"] == "window/workDoneProgress/create"
    });
    let token = create["params"]["token"].clone();
    let begin = lsp.wait_for("progress begin", |m| {
        m["method"] == "$/progress"
            && m["params"]["token"] == token
            && m["params"]["value"]["kind"] == "begin"
    });
    assert!(begin["params"]["value"]["title"]
        .as_str()
        .unwrap()
        .contains("chainwarden"));
    let release_uri = format!("file://{root_str}/.github/workflows/release.yml");
    let published = lsp.wait_for("diagnostics for the unopened workflow", |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == release_uri.as_str()
    });
    assert!(published["params"]
        .get("version")
        .is_none_or(Value::is_null));
    let docker_uri = format!("file://{root_str}/Dockerfile");
    lsp.wait_for("diagnostics for the Dockerfile", |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == docker_uri.as_str()
    });
    let end = lsp.wait_for("progress end", |m| {
        m["method"] == "$/progress"
            && m["params"]["token"] == token
            && m["params"]["value"]["kind"] == "end"
    });
    assert!(end["params"]["value"]["message"]
        .as_str()
        .unwrap()
        .starts_with("2 files"));
    let registration = lsp.wait_for("file watcher registration", |m| {
        m["method"] == "client/registerCapability"
    });
    assert_eq!(
        registration["params"]["registrations"][0]["method"],
        "workspace/didChangeWatchedFiles"
    );
    assert!(lsp.drain().iter().all(|m| !m["params"]["uri"]
        .as_str()
        .unwrap_or("")
        .ends_with("README.md")));

    // A deleted file's diagnostics are cleared.
    std::fs::remove_file(wf.join("release.yml")).unwrap();
    lsp.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": release_uri, "type": 3 }] }),
    );
    let cleared = lsp.wait_for("cleared diagnostics", |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == release_uri.as_str()
            && m["params"]["diagnostics"] == json!([])
    });
    assert!(cleared["params"].get("version").is_none_or(Value::is_null));

    // A created file is analysed.
    std::fs::write(root.join("Dockerfile.dev"), "FROM alpine\n").unwrap();
    let created_uri = format!("file://{root_str}/Dockerfile.dev");
    lsp.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": created_uri, "type": 1 }] }),
    );
    lsp.wait_for("diagnostics for the created file", |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == created_uri.as_str()
    });

    let fixture_uri = format!("file://{root_str}/e2e/fixtures/Dockerfile");
    lsp.open(&fixture_uri, 1, "FROM alpine\n");
    assert!(lsp.diagnostics(&fixture_uri, 1).is_empty());

    // Opening a workspace file publishes for its version; closing it goes back to the disk.
    lsp.open(&docker_uri, 4, "FROM alpine\nRUN true\n");
    lsp.diagnostics(&docker_uri, 4);
    lsp.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": docker_uri } }),
    );
    lsp.wait_for("on-disk diagnostics after close", |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == docker_uri.as_str()
            && m["params"].get("version").is_none_or(Value::is_null)
    });
    lsp.shutdown();
}

#[test]
fn a_broken_config_is_a_diagnostic_on_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(
        root.join("chainwarden.toml"),
        "[rules]\nno-such-rule = \"off\"\n",
    )
    .unwrap();
    std::fs::write(root.join("Dockerfile"), "FROM alpine\n").unwrap();
    let root_str = root.to_str().unwrap().to_string();
    let mut lsp = Lsp::start(Options {
        root: Some(root_str.clone()),
        ..Options::default()
    });
    let config_uri = format!("file://{root_str}/chainwarden.toml");
    let m = lsp.wait_for("config diagnostic", |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == config_uri.as_str()
    });
    let d = &m["params"]["diagnostics"][0];
    assert!(
        d["message"].as_str().unwrap().contains("no-such-rule"),
        "{d}"
    );
    assert_eq!(d["range"]["start"]["line"], 1);
    // The server still analyses files with the defaults.
    let docker_uri = format!("file://{root_str}/Dockerfile");
    lsp.wait_for("Dockerfile diagnostics", |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == docker_uri.as_str()
    });
    // Fixing the config clears its diagnostic.
    std::fs::write(root.join("chainwarden.toml"), "[resolve]\nonline = false\n").unwrap();
    lsp.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": config_uri, "type": 2 }] }),
    );
    lsp.wait_for("config diagnostic cleared", |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == config_uri.as_str()
            && m["params"]["diagnostics"] == json!([])
    });
    lsp.shutdown();
}

/// Byte offset of an LSP position (in UTF-8 or UTF-16 columns) in `text`.
fn offset_of(text: &str, pos: &Value, utf8: bool) -> usize {
    let line = pos["line"].as_u64().unwrap() as usize;
    let mut col = pos["character"].as_u64().unwrap() as usize;
    let line_start = text
        .split_inclusive('\n')
        .take(line)
        .map(str::len)
        .sum::<usize>();
    let line_text = text[line_start..].split('\n').next().unwrap_or("");
    for (i, ch) in line_text.char_indices() {
        let w = if utf8 { ch.len_utf8() } else { ch.len_utf16() };
        if col < w {
            return line_start + i;
        }
        col -= w;
    }
    line_start + line_text.len()
}

/// Apply LSP text edits (all against the same original text) to `text`.
fn apply_text_edits(text: &str, edits: &[Value], utf8: bool) -> String {
    let mut spans: Vec<(usize, usize, String)> = edits
        .iter()
        .map(|e| {
            let start = offset_of(text, &e["range"]["start"], utf8);
            let end = offset_of(text, &e["range"]["end"], utf8);
            (start, end, e["newText"].as_str().unwrap().to_string())
        })
        .collect();
    spans.sort_by_key(|s| std::cmp::Reverse((s.0, s.1)));
    let mut out = text.to_string();
    for (start, end, new) in spans {
        out.replace_range(start..end, &new);
    }
    out
}

/// The edits a workspace edit makes to `uri`, checking the version it was made for.
fn edits_for(edit: &Value, uri: &str, version: Option<i64>) -> Vec<Value> {
    if let Some(changes) = edit["documentChanges"].as_array() {
        let doc = changes
            .iter()
            .find(|c| c["textDocument"]["uri"] == uri)
            .expect("edit for the document");
        assert_eq!(
            doc["textDocument"]["version"].as_i64(),
            version,
            "edit for another version"
        );
        return doc["edits"].as_array().unwrap().clone();
    }
    edit["changes"][uri].as_array().cloned().unwrap_or_default()
}

fn code_actions(lsp: &mut Lsp, uri: &str, range: Value, only: Option<Value>) -> Vec<Value> {
    let mut context = json!({ "diagnostics": [] });
    if let Some(only) = only {
        context["only"] = only;
    }
    let result = lsp.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": range, "context": context }),
    );
    result.as_array().cloned().unwrap_or_default()
}

fn rules_of(diags: &[Value]) -> Vec<String> {
    diags
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn package_json_hover_quick_fix_and_fix_all() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let text = "{\n  \"name\": \"web\",\n  \"dependencies\": {\n    \"zod\": \"^3.23.0\",\n    \"express\": \"~4.18.0\"\n  }\n}\n";
    let lock = r#"{"name":"web","lockfileVersion":3,"packages":{"":{},"node_modules/zod":{"version":"3.23.8"},"node_modules/express":{"version":"4.18.2"}}}"#;
    std::fs::write(root.join("package.json"), text).unwrap();
    std::fs::write(root.join("package-lock.json"), lock).unwrap();
    let root_str = root.to_str().unwrap().to_string();
    let uri = format!("file://{root_str}/package.json");
    let mut lsp = Lsp::start(Options {
        root: Some(root_str),
        ..Options::default()
    });
    lsp.open(&uri, 1, text);
    let diags = lsp.diagnostics(&uri, 1);
    assert_eq!(
        rules_of(&diags),
        ["unpinned-dependency", "unpinned-dependency"]
    );
    let zod = &diags[0];
    assert_eq!(zod["range"], range(3, 12, 3, 19));
    assert_eq!(zod["source"], "chainwarden");
    assert_eq!(zod["severity"], 3); // low → Information
    assert_eq!(zod["data"]["rule"], "unpinned-dependency");
    assert_eq!(zod["data"]["version"], 1);

    let hover = lsp.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 3, "character": 13 } }),
    );
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(
        shown.contains("unpinned-dependency") && shown.contains("(low)"),
        "{shown}"
    );
    assert!(
        shown.contains("3.23.8"),
        "the hover previews the fix: {shown}"
    );
    assert_eq!(hover["range"], zod["range"]);

    // The quick fix pins zod; applying it removes that finding only.
    let actions = code_actions(
        &mut lsp,
        &uri,
        range(3, 12, 3, 12),
        Some(json!(["quickfix"])),
    );
    let pin = actions
        .iter()
        .find(|a| a["title"].as_str().unwrap().contains("3.23.8"))
        .expect("pin action");
    assert_eq!(pin["kind"], "quickfix");
    assert_eq!(pin["isPreferred"], true);
    assert!(actions.iter().all(|a| a["kind"] == "quickfix"));
    let edits = edits_for(&pin["edit"], &uri, Some(1));
    let pinned = apply_text_edits(text, &edits, false);
    assert!(pinned.contains("\"zod\": \"3.23.8\""), "{pinned}");
    lsp.change(
        &uri,
        2,
        json!([{ "range": edits[0]["range"], "text": edits[0]["newText"] }]),
    );
    assert_eq!(rules_of(&lsp.diagnostics(&uri, 2)), ["unpinned-dependency"]);

    // Fix all: one minimal edit for everything that is left.
    let actions = code_actions(
        &mut lsp,
        &uri,
        range(0, 0, 0, 0),
        Some(json!(["source.fixAll"])),
    );
    assert_eq!(actions.len(), 1, "{actions:?}");
    assert_eq!(actions[0]["kind"], "source.fixAll.chainwarden");
    let edits = edits_for(&actions[0]["edit"], &uri, Some(2));
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0]["range"], range(4, 16, 4, 23), "a minimal edit");
    let fixed = apply_text_edits(&pinned, &edits, false);
    assert!(fixed.contains("\"express\": \"4.18.2\""), "{fixed}");
    lsp.change(&uri, 3, json!([{ "text": fixed }]));
    assert_eq!(lsp.diagnostics(&uri, 3), Vec::<Value>::new());
    // Nothing left to fix: no fix-all action.
    assert!(code_actions(&mut lsp, &uri, range(0, 0, 9, 0), None).is_empty());
    lsp.shutdown();
}

/// Line and column of a byte offset, columns in UTF-8 or UTF-16 units.
fn pos_in(text: &str, offset: usize, utf8: bool) -> (u64, u64) {
    let (line, col16) = utf16_pos(text, offset);
    if !utf8 {
        return (line, col16);
    }
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    (line, (offset - line_start) as u64)
}

const TS_URI: &str = "file:///tmp/chainwarden-lsp-test/src/vault.ts";
const TS_TEXT: &str = "// Überprüfung 😀\nconst gruß = \"😀\"; const token = process.env.VAULT_TOKEN;\nexport { gruß, token };\n";

fn source_columns_and_ignore(utf8: bool) {
    let mut lsp = Lsp::start(Options {
        utf8,
        ..Options::default()
    });
    lsp.open(TS_URI, 1, TS_TEXT);
    let diags = lsp.diagnostics(TS_URI, 1);
    assert_eq!(rules_of(&diags), ["vault-token-from-env"]);
    let (l, c) = pos_in(TS_TEXT, TS_TEXT.find("process.env").unwrap(), utf8);
    assert_eq!(
        diags[0]["range"]["start"],
        json!({ "line": l, "character": c })
    );
    let expected_col = if utf8 { 36 } else { 33 };
    assert_eq!(
        c,
        expected_col,
        "columns count {} units",
        if utf8 { "UTF-8" } else { "UTF-16" }
    );

    let hover = lsp.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": TS_URI }, "position": { "line": l, "character": c + 3 } }),
    );
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("vault-token-from-env"),
        "{hover}"
    );

    let actions = code_actions(&mut lsp, TS_URI, diags[0]["range"].clone(), None);
    let ignore = actions
        .iter()
        .find(|a| a["title"] == "Ignore vault-token-from-env on this line")
        .unwrap_or_else(|| panic!("{actions:?}"));
    assert_eq!(ignore["kind"], "quickfix");
    let edits = edits_for(&ignore["edit"], TS_URI, Some(1));
    let ignored = apply_text_edits(TS_TEXT, &edits, utf8);
    assert!(
        ignored.contains("😀\n// chainwarden: ignore[vault-token-from-env]\nconst gruß"),
        "{ignored}"
    );
    let changes: Vec<Value> = edits
        .iter()
        .map(|e| json!({ "range": e["range"], "text": e["newText"] }))
        .collect();
    lsp.change(TS_URI, 2, json!(changes));
    assert_eq!(lsp.diagnostics(TS_URI, 2), Vec::<Value>::new());
    lsp.shutdown();
}

#[test]
fn source_columns_hover_and_ignore_utf16() {
    source_columns_and_ignore(false);
}

#[test]
fn source_columns_hover_and_ignore_utf8() {
    source_columns_and_ignore(true);
}

#[test]
fn related_locations_and_the_fix_preview_in_hover() {
    let mut lsp = Lsp::start(Options::default());
    let uri = "file:///tmp/chainwarden-lsp-test/Dockerfile";
    let text = "FROM alpine:3.20@sha256:0000000000000000000000000000000000000000000000000000000000000000\nARG NPM_TOKEN\nRUN echo \"token=${NPM_TOKEN}\" > /tmp/x && rm /tmp/x\n";
    lsp.open(uri, 1, text);
    let diags = lsp.diagnostics(uri, 1);
    let d = diags
        .iter()
        .find(|d| d["code"] == "dockerfile-secret-build-arg")
        .unwrap_or_else(|| panic!("{diags:?}"));
    assert_eq!(d["range"], range(1, 4, 1, 13));
    assert_eq!(d["severity"], 1);
    let related = d["relatedInformation"]
        .as_array()
        .expect("related locations");
    assert_eq!(related[0]["location"]["uri"], uri);
    assert_eq!(related[0]["location"]["range"]["start"]["line"], 2);
    assert!(related[0]["message"].as_str().unwrap().contains("RUN"));

    let hover = lsp.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 1, "character": 6 } }),
    );
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(shown.contains("(critical)"), "{shown}");
    assert!(
        shown.contains("docker build --secret id="),
        "the finding's own note: {shown}"
    );
    lsp.shutdown();
}

/// The commit the built-in table gives for `repo@tag`, and the most specific tag on that commit.
fn table_pin(repo: &str, tag: &str) -> (String, String) {
    let table = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/action-tags.tsv"
    ))
    .unwrap();
    let rows: Vec<Vec<&str>> = table.lines().map(|l| l.split('\t').collect()).collect();
    let sha = rows
        .iter()
        .find(|r| r[0] == repo && r[1] == tag)
        .expect("tag in the table")[2];
    let best = rows
        .iter()
        .filter(|r| r[0] == repo && r[2] == sha)
        .map(|r| r[1])
        .max_by_key(|t| t.matches('.').count())
        .unwrap();
    (sha.to_string(), best.to_string())
}

const PIN_WORKFLOW: &str = "name: ci\non: push\npermissions:\n  contents: read\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      # Überprüfung 😀 der Quelle\n      - uses: actions/checkout@v4 # Schritt ü\n        with:\n          persist-credentials: false\n";

fn pin_flow(utf8: bool) {
    let mut lsp = Lsp::start(Options {
        utf8,
        ..Options::default()
    });
    let text = PIN_WORKFLOW;
    lsp.open(WF_URI, 1, text);
    let diags = lsp.diagnostics(WF_URI, 1);
    let pin: Vec<&Value> = diags
        .iter()
        .filter(|d| d["code"] == "unpinned-ci-actions")
        .collect();
    assert_eq!(pin.len(), 1, "{diags:?}");
    let at = text.find("@v4").unwrap() + 1;
    let (l, c) = pos_in(text, at, utf8);
    assert_eq!(
        pin[0]["range"],
        range(l, c, l, c + 2),
        "exactly the ref `v4`"
    );
    assert_eq!(pin[0]["severity"], 1); // high → Error

    let (sha, tag) = table_pin("actions/checkout", "v4");
    let hover = lsp.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": WF_URI }, "position": { "line": l, "character": c + 1 } }),
    );
    let shown = hover["contents"]["value"].as_str().unwrap();
    assert!(shown.contains("unpinned-ci-actions"), "{shown}");
    assert!(
        shown.contains(&sha),
        "the hover names the SHA it would pin to: {shown}"
    );

    let actions = code_actions(&mut lsp, WF_URI, range(l, c, l, c), None);
    let fix = actions
        .iter()
        .find(|a| a["kind"] == "quickfix" && a["isPreferred"] == true)
        .unwrap_or_else(|| panic!("a preferred quick fix in {actions:?}"));
    let edits = edits_for(&fix["edit"], WF_URI, Some(1));
    let pinned = apply_text_edits(text, &edits, utf8);
    let want = format!("- uses: actions/checkout@{sha} # {tag} Schritt ü\n");
    assert!(
        pinned.contains(&want),
        "the version leads the kept comment: {pinned}"
    );
    let changes: Vec<Value> = edits
        .iter()
        .rev()
        .map(|e| json!({ "range": e["range"], "text": e["newText"] }))
        .collect();
    lsp.change(WF_URI, 2, json!(changes));
    let after = lsp.diagnostics(WF_URI, 2);
    assert!(
        after.iter().all(|d| d["code"] != "unpinned-ci-actions"),
        "{after:?}"
    );

    // Hover over the pinned SHA names the version it is.
    let at = pinned.find(&sha).unwrap() + 5;
    let (l, c) = pos_in(&pinned, at, utf8);
    let hover = lsp.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": WF_URI }, "position": { "line": l, "character": c } }),
    );
    let shown = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(shown.contains(&tag), "{hover}");
    let start = pos_in(&pinned, pinned.find(&sha).unwrap(), utf8);
    assert_eq!(
        hover["range"]["start"],
        json!({ "line": start.0, "character": start.1 })
    );
    lsp.shutdown();
}

#[test]
fn workflow_pin_flow_utf16() {
    pin_flow(false);
}

#[test]
fn workflow_pin_flow_utf8() {
    pin_flow(true);
}

#[test]
fn ignore_comment_and_pin_all() {
    let mut lsp = Lsp::start(Options::default());
    let text = "on: push\npermissions:\n  contents: read\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/setup-node@v4\n      - uses: actions/cache@v4\n";
    lsp.open(WF_URI, 1, text);
    let diags = lsp.diagnostics(WF_URI, 1);
    let pins: Vec<&Value> = diags
        .iter()
        .filter(|d| d["code"] == "unpinned-ci-actions")
        .collect();
    assert_eq!(pins.len(), 2, "{diags:?}");

    // "Ignore … on this line" inserts the comment and the finding disappears.
    let r = pins[0]["range"].clone();
    let actions = code_actions(&mut lsp, WF_URI, r, Some(json!(["quickfix"])));
    let ignore = actions
        .iter()
        .find(|a| a["title"] == "Ignore unpinned-ci-actions on this line")
        .unwrap_or_else(|| panic!("{actions:?}"));
    let edits = edits_for(&ignore["edit"], WF_URI, Some(1));
    let ignored = apply_text_edits(text, &edits, false);
    assert!(
        ignored.contains(
            "      # chainwarden: ignore[unpinned-ci-actions]\n      - uses: actions/setup-node@v4"
        ),
        "{ignored}"
    );
    lsp.change(WF_URI, 2, json!([{ "text": ignored }]));
    let diags = lsp.diagnostics(WF_URI, 2);
    assert_eq!(
        diags
            .iter()
            .filter(|d| d["code"] == "unpinned-ci-actions")
            .count(),
        1,
        "{diags:?}"
    );

    // chainwarden.pinAll pins what is left through workspace/applyEdit.
    let result = lsp.request(
        "workspace/executeCommand",
        json!({ "command": "chainwarden.pinAll", "arguments": [WF_URI] }),
    );
    assert_eq!(result["pinned"], 1);
    let apply = lsp.wait_for("workspace/applyEdit", |m| {
        m["method"] == "workspace/applyEdit"
    });
    let edits = edits_for(&apply["params"]["edit"], WF_URI, Some(2));
    let (sha, _) = table_pin("actions/cache", "v4");
    let pinned = apply_text_edits(&ignored, &edits, false);
    assert!(
        pinned.contains(&format!("actions/cache@{sha} # v4")),
        "{pinned}"
    );
    lsp.change(WF_URI, 3, json!([{ "text": pinned }]));
    let diags = lsp.diagnostics(WF_URI, 3);
    assert!(
        diags.iter().all(|d| d["code"] != "unpinned-ci-actions"),
        "{diags:?}"
    );
    lsp.shutdown();
}

#[test]
fn pin_all_without_a_uri_pins_open_and_unopened_workflows() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let wf = root.join(".github/workflows");
    std::fs::create_dir_all(&wf).unwrap();
    let text = "on: push\npermissions:\n  contents: read\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/setup-node@v4\n";
    std::fs::write(wf.join("open.yml"), text).unwrap();
    std::fs::write(wf.join("closed.yml"), text).unwrap();
    let root_str = root.to_str().unwrap().to_string();
    let mut lsp = Lsp::start(Options {
        root: Some(root_str.clone()),
        ..Options::default()
    });
    let open_uri = format!("file://{root_str}/.github/workflows/open.yml");
    let closed_uri = format!("file://{root_str}/.github/workflows/closed.yml");
    // Wait for the scan to know the unopened file, then open the other one.
    lsp.wait_for("progress end", |m| {
        m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end"
    });
    lsp.open(&open_uri, 3, text);
    lsp.diagnostics(&open_uri, 3);

    let result = lsp.request(
        "workspace/executeCommand",
        json!({ "command": "chainwarden.pinAll", "arguments": [] }),
    );
    assert_eq!(result["pinned"], 2);
    let apply = lsp.wait_for("workspace/applyEdit", |m| {
        m["method"] == "workspace/applyEdit"
    });
    let (sha, _) = table_pin("actions/setup-node", "v4");
    for (uri, version) in [(&open_uri, Some(3)), (&closed_uri, None)] {
        let edits = edits_for(&apply["params"]["edit"], uri, version);
        let pinned = apply_text_edits(text, &edits, false);
        assert!(
            pinned.contains(&format!("actions/setup-node@{sha} # v4")),
            "{uri}: {pinned}"
        );
    }
    lsp.shutdown();
}

#[test]
fn an_open_file_is_matched_by_path_whatever_its_uri_spelling() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap().join("a+b");
    let wf = root.join(".github/workflows");
    std::fs::create_dir_all(&wf).unwrap();
    std::fs::write(wf.join("ci.yml"), BURST_START).unwrap();
    let root_str = root.to_str().unwrap().to_string();
    let mut lsp = Lsp::start(Options {
        root: Some(root_str.clone()),
        ..Options::default()
    });
    lsp.wait_for("progress end", |m| {
        m["method"] == "$/progress" && m["params"]["value"]["kind"] == "end"
    });
    let scanned = lsp.published_versions(&format!(
        "file://{}/.github/workflows/ci.yml",
        root_str.replace('+', "%2B")
    ));
    assert_eq!(
        scanned,
        [-1],
        "the scan published the file once, without a version"
    );

    // The client spells the URI with a plain `+`; the file on disk then changes.
    let uri = format!("file://{root_str}/.github/workflows/ci.yml");
    lsp.open(&uri, 1, BURST_START);
    lsp.diagnostics(&uri, 1);
    let encoded = format!(
        "file://{}/.github/workflows/ci.yml",
        root_str.replace('+', "%2B")
    );
    // Events are handled in order: once the Dockerfile created after it is published, the
    // change to the open workflow has been handled.
    std::fs::write(root.join("Dockerfile"), "FROM alpine\n").unwrap();
    let docker = format!("file://{}/Dockerfile", root_str.replace('+', "%2B"));
    lsp.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": encoded, "type": 2 }, { "uri": docker, "type": 1 }] }),
    );
    lsp.wait_for("the Dockerfile's diagnostics", |m| {
        m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == docker.as_str()
    });
    assert_eq!(
        lsp.published_versions(&encoded),
        [-1],
        "no on-disk diagnostics while the file is open"
    );
    lsp.shutdown();
}

mod common;

/// Counts connections to a 127.0.0.1 listener that answers every request with one SHA.
fn counting_api() -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    common::counting_api("fedcba9876543210fedcba9876543210fedcba98")
}

const UNKNOWN_ACTION_WF: &str = "on: push\npermissions: {}\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: acme-not-in-table/deploy-thing@v3\n";

#[test]
fn the_server_is_offline_unless_online_is_set() {
    use std::sync::atomic::Ordering;
    for online in [false, true] {
        let cache = tempfile::tempdir().unwrap();
        let (base, count) = counting_api();
        let mut lsp = Lsp::start(Options {
            env: vec![
                ("CHAINWARDEN_GITHUB_API", base),
                ("XDG_CACHE_HOME", cache.path().display().to_string()),
                ("GITHUB_TOKEN", String::new()),
                ("GH_TOKEN", String::new()),
                ("HTTP_PROXY", String::new()),
                ("HTTPS_PROXY", String::new()),
                ("ALL_PROXY", String::new()),
            ],
            settings: json!({ "online": online }),
            ..Options::default()
        });
        lsp.open(WF_URI, 1, UNKNOWN_ACTION_WF);
        lsp.diagnostics(WF_URI, 1);
        // Analysed again after the configuration answer has surely arrived.
        lsp.change(WF_URI, 2, json!([{ "text": UNKNOWN_ACTION_WF }]));
        let diags = lsp.diagnostics(WF_URI, 2);
        assert!(rules_of(&diags).contains(&"unpinned-ci-actions".to_string()));
        lsp.shutdown();
        assert_eq!(
            count.load(Ordering::SeqCst),
            usize::from(online),
            "online = {online}"
        );
    }
}

/// SPEC §7.10 in the language server: a workspace's chainwarden.toml cannot turn the network
/// on or choose where the user's token goes; it gets a warning on the ignored keys. With the
/// user's editor setting on, only the user's endpoint is asked.
#[test]
fn a_workspace_config_cannot_turn_online_on_or_redirect_the_token() {
    let token = "ghs_usertokenthatmustnotleak";
    let (attacker, attacker_heads) =
        common::recording_server(|_| common::http_ok("fedcba9876543210fedcba9876543210fedcba98"));
    let (real, real_heads) =
        common::recording_server(|_| common::http_ok("fedcba9876543210fedcba9876543210fedcba98"));
    for editor_online in [false, true] {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let wf_dir = root.join(".github/workflows");
        std::fs::create_dir_all(&wf_dir).unwrap();
        std::fs::write(wf_dir.join("ci.yml"), UNKNOWN_ACTION_WF).unwrap();
        let config = format!("[resolve]\nonline = true\napi-url = \"{attacker}\"\n");
        std::fs::write(root.join("chainwarden.toml"), &config).unwrap();
        let root_str = root.display().to_string();
        let mut lsp = Lsp::start(Options {
            root: Some(root_str.clone()),
            env: vec![
                ("CHAINWARDEN_GITHUB_API", real.clone()),
                ("GITHUB_API_URL", real.clone()),
                ("GITHUB_TOKEN", token.to_string()),
                ("GH_TOKEN", token.to_string()),
                ("XDG_CACHE_HOME", root.join("cache").display().to_string()),
                ("HTTP_PROXY", String::new()),
                ("HTTPS_PROXY", String::new()),
                ("ALL_PROXY", String::new()),
            ],
            settings: json!({ "online": editor_online }),
            ..Options::default()
        });
        // The ignored keys are warnings on the config file, at their lines.
        let config_uri = format!("file://{root_str}/chainwarden.toml");
        let m = lsp.wait_for("config warnings", |m| {
            m["method"] == "textDocument/publishDiagnostics"
                && m["params"]["uri"] == config_uri.as_str()
        });
        let diags = m["params"]["diagnostics"].as_array().unwrap();
        assert_eq!(diags.len(), 2, "{diags:?}");
        assert!(diags.iter().all(|d| d["severity"] == 2), "{diags:?}");
        assert_eq!(diags[0]["range"]["start"]["line"], 1);
        assert_eq!(diags[1]["range"]["start"]["line"], 2);
        let uri = format!("file://{root_str}/.github/workflows/ci.yml");
        lsp.open(&uri, 1, UNKNOWN_ACTION_WF);
        lsp.diagnostics(&uri, 1);
        lsp.change(&uri, 2, json!([{ "text": UNKNOWN_ACTION_WF }]));
        let diags = lsp.diagnostics(&uri, 2);
        assert!(rules_of(&diags).contains(&"unpinned-ci-actions".to_string()));
        lsp.shutdown();
        assert_eq!(
            attacker_heads.lock().unwrap().len(),
            0,
            "editor online = {editor_online}"
        );
        let real_asked = real_heads.lock().unwrap().clone();
        if editor_online {
            assert!(!real_asked.is_empty());
            assert!(real_asked
                .iter()
                .all(|h| h.contains(&format!("authorization: bearer {token}"))));
        } else {
            assert!(real_asked.is_empty(), "{real_asked:?}");
        }
    }
}

fn write_raw(lsp: &Lsp, bytes: &[u8]) {
    let mut w = lsp.stdin.lock().unwrap();
    w.write_all(bytes).unwrap();
    w.flush().unwrap();
}

/// After each kind of abuse the server still answers and publishes correct diagnostics.
#[test]
fn protocol_abuse_does_not_break_the_server() {
    let mut lsp = Lsp::start(Options::default());
    let fresh_check = |lsp: &mut Lsp, n: u32| {
        let uri = format!("file:///tmp/chainwarden-lsp-test/.github/workflows/fresh{n}.yml");
        lsp.open(&uri, 1, UNKNOWN_ACTION_WF);
        let diags = lsp.diagnostics(&uri, 1);
        let unpinned = diags
            .iter()
            .find(|d| d["code"] == "unpinned-ci-actions")
            .unwrap_or_else(|| panic!("after abuse {n}: {diags:?}"));
        let hover = lsp.request(
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri }, "position": unpinned["range"]["start"] }),
        );
        assert!(
            hover.to_string().contains("unpinned"),
            "after abuse {n}: {hover}"
        );
    };

    // Malformed JSON with a correct length.
    let junk = b"{\"jsonrpc\": \"2.0\", \"id\": 9";
    write_raw(
        &lsp,
        format!("Content-Length: {}\r\n\r\n", junk.len()).as_bytes(),
    );
    write_raw(&lsp, junk);
    fresh_check(&mut lsp, 1);
    // A Content-Length shorter than the body, then garbage without any header.
    let body = json!({ "jsonrpc": "2.0", "method": "initialized", "params": {} }).to_string();
    write_raw(&lsp, format!("Content-Length: 3\r\n\r\n{body}").as_bytes());
    write_raw(&lsp, b"\x00\x01 not a header at all\r\n\r\n");
    fresh_check(&mut lsp, 4);
    // Wrong lengths on requests the client then waits for: too long (nothing follows) and
    // counted in characters instead of bytes (too short). Both are answered.
    for (id, extra) in [(9001, "x"), (9002, "é😀 ✓")] {
        let req = json!({ "jsonrpc": "2.0", "id": id, "method": "chainwarden/noSuchThing",
            "params": { "text": extra } })
        .to_string();
        let declared = if id == 9001 {
            req.len() + 30
        } else {
            req.chars().count()
        };
        write_raw(
            &lsp,
            format!("Content-Length: {declared}\r\n\r\n{req}").as_bytes(),
        );
        let resp = lsp.wait_for("answer to a request with a wrong length", |m| m["id"] == id);
        assert!(resp.get("error").is_some(), "{resp}");
    }
    fresh_check(&mut lsp, 5);

    // Unknown methods: a request gets an error, a notification is ignored.
    let resp = lsp.request_raw("chainwarden/noSuchThing", json!({}));
    assert!(resp.get("error").is_some(), "{resp}");
    lsp.notify("chainwarden/noSuchNotification", json!({ "x": 1 }));
    fresh_check(&mut lsp, 2);

    // didChange for a document never opened; ranges past the end; an older version.
    let ghost = "file:///tmp/chainwarden-lsp-test/.github/workflows/ghost.yml";
    lsp.change(
        ghost,
        5,
        json!([{ "range": range(3, 0, 3, 4), "text": "x" }]),
    );
    lsp.open(WF_URI, 3, "on: push\n");
    lsp.change(
        WF_URI,
        4,
        json!([{ "range": range(40, 2, 90, 7), "text": "jobs: {}\n" }]),
    );
    lsp.change(
        WF_URI,
        2,
        json!([{ "range": range(0, 0, 0, 0), "text": "# old\n" }]),
    );
    fresh_check(&mut lsp, 3);

    // Hostile documents: binary, deep flow nesting, deep indentation, an alias bomb, a
    // dispatch with only a comment under inputs.
    let deep_flow = format!("on: push\njobs: {}\n", "[".repeat(10_000));
    let mut deep_block = String::from("on: push\njobs:\n");
    for i in 0..1_000 {
        deep_block.push_str(&format!("{}k{i}:\n", " ".repeat(i + 2)));
    }
    let mut bomb = String::from("on: push\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..40 {
        let p = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    bomb.push_str(
        "jobs:\n  j:\n    runs-on: ubuntu-latest\n    env: *a39\n    steps:\n      - run: echo\n",
    );
    let dispatch = "on:\n  workflow_dispatch:\n    inputs:\n      # none yet\njobs:\n  j:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n";
    let binary: String = (0u8..=127).map(char::from).collect::<String>().repeat(20);
    for (n, text) in [deep_flow, deep_block, bomb, dispatch.to_string(), binary]
        .iter()
        .enumerate()
    {
        let uri = format!("file:///tmp/chainwarden-lsp-test/.github/workflows/hostile{n}.yml");
        lsp.open(&uri, 1, text);
        lsp.diagnostics(&uri, 1);
        fresh_check(&mut lsp, 10 + n as u32);
    }
    lsp.shutdown();
}

/// Diagnostics, hovers and code action titles never carry a hard-coded credential.
#[test]
fn the_server_never_shows_a_secret() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures/hardcoded-credential");
    let mut lsp = Lsp::start(Options::default());
    let mut secrets = Vec::new();
    for (name, uri) in [
        ("workflow.yml", WF_URI),
        (
            "docker-compose.yml",
            "file:///tmp/chainwarden-lsp-test/docker-compose.yml",
        ),
    ] {
        let text = std::fs::read_to_string(fixtures.join(name)).unwrap();
        lsp.open(uri, 1, &text);
        let diags = lsp.diagnostics(uri, 1);
        for d in diags.iter().filter(|d| d["code"] == "hardcoded-credential") {
            let start = offset_of(&text, &d["range"]["start"], false);
            let end = offset_of(&text, &d["range"]["end"], false);
            secrets.push(text[start..end].to_string());
            lsp.request(
                "textDocument/hover",
                json!({ "textDocument": { "uri": uri }, "position": d["range"]["start"] }),
            );
            code_actions(&mut lsp, uri, d["range"].clone(), None);
        }
    }
    assert!(secrets.len() >= 6, "{secrets:?}");
    let log = serde_json::to_string(&*lsp.log.lock().unwrap()).unwrap();
    for s in &secrets {
        assert!(s.len() >= 16, "{s}");
        assert!(!log.contains(&s[s.len() - 12..]), "the server showed {s}");
    }
    lsp.shutdown();
}

/// SPEC §7.4 and §7.3 in the language server: `chainwarden.pedantic` turns the pedantic tier on
/// (answered to `workspace/configuration`); a repository's dependabot.yml is analysed by the
/// workspace scan and checked again when a workflow on disk starts pinning by SHA.
#[test]
fn pedantic_setting_and_dependabot_files() {
    const ANONYMOUS: &str = "on: push\npermissions:\n  contents: read\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n";
    for pedantic in [false, true] {
        let mut lsp = Lsp::start(Options {
            settings: json!({ "pedantic": pedantic }),
            ..Options::default()
        });
        lsp.open(WF_URI, 1, ANONYMOUS);
        lsp.diagnostics(WF_URI, 1);
        // Analysed again after the configuration answer has surely arrived.
        lsp.change(WF_URI, 2, json!([{ "text": ANONYMOUS }]));
        let rules = rules_of(&lsp.diagnostics(WF_URI, 2));
        assert_eq!(
            rules.contains(&"anonymous-definition".to_string()),
            pedantic,
            "pedantic = {pedantic}: {rules:?}"
        );
        lsp.shutdown();
    }

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let wf = root.join(".github/workflows");
    std::fs::create_dir_all(&wf).unwrap();
    let tagged = "on: push\npermissions:\n  contents: read\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make\n";
    std::fs::write(wf.join("ci.yml"), tagged).unwrap();
    std::fs::write(
        root.join(".github/dependabot.yml"),
        "version: 2\nupdates:\n  - package-ecosystem: npm\n    directory: /\n    schedule:\n      interval: weekly\n",
    )
    .unwrap();
    let root_str = root.to_str().unwrap().to_string();
    let mut lsp = Lsp::start(Options {
        root: Some(root_str.clone()),
        ..Options::default()
    });
    let dependabot_uri = format!("file://{root_str}/.github/dependabot.yml");
    let first = lsp.wait_for("diagnostics for dependabot.yml", |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == dependabot_uri.as_str()
    });
    let rules = rules_of(first["params"]["diagnostics"].as_array().unwrap());
    assert_eq!(rules, vec!["dependabot-cooldown".to_string()]);

    let pinned = tagged.replace(
        "      - run: make\n",
        "      - uses: actions/cache@0123456789abcdef0123456789abcdef01234567 # v4\n",
    );
    std::fs::write(wf.join("ci.yml"), pinned).unwrap();
    let wf_uri = format!("file://{root_str}/.github/workflows/ci.yml");
    lsp.notify(
        "workspace/didChangeWatchedFiles",
        json!({ "changes": [{ "uri": wf_uri, "type": 2 }] }),
    );
    lsp.wait_for("dependabot.yml checked again", |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == dependabot_uri.as_str()
            && rules_of(m["params"]["diagnostics"].as_array().unwrap())
                .contains(&"dependabot-no-actions-updates".to_string())
    });

    // Turning the setting on re-checks the files on disk too.
    lsp.notify(
        "workspace/didChangeConfiguration",
        json!({ "settings": { "chainwarden": { "pedantic": true } } }),
    );
    lsp.wait_for("pedantic findings for the workflow on disk", |m| {
        m["method"] == "textDocument/publishDiagnostics"
            && m["params"]["uri"] == wf_uri.as_str()
            && rules_of(m["params"]["diagnostics"].as_array().unwrap())
                .contains(&"anonymous-definition".to_string())
    });
    lsp.shutdown();
}
