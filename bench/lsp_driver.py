#!/usr/bin/env python3
"""LSP client driver for the benchmarks: start-up, typing latency and memory.

Speaks JSON-RPC over the server's stdio like an editor does. Used by bench/run.py; can be run
alone:  lsp_driver.py typing|startup|memory -- SERVER-COMMAND...
"""
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

def find_corpus():
    """$CHAINWARDEN_CORPUS, else the first `shared/corpus/dev` beside a parent of this folder."""
    if os.environ.get("CHAINWARDEN_CORPUS"):
        return Path(os.environ["CHAINWARDEN_CORPUS"])
    for parent in Path(__file__).resolve().parents:
        if (parent / "shared/corpus/dev").is_dir():
            return parent / "shared/corpus/dev"
    sys.exit("cannot find the dev corpus: set CHAINWARDEN_CORPUS")


CORPUS = find_corpus()
BIG_WORKFLOW = "tj-actions__changed-files/.github/workflows/test.yml"


class Client:
    def __init__(self, cmd, cwd):
        self.proc = subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        self.messages = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        out = self.proc.stdout
        while True:
            headers = {}
            while True:
                line = out.readline()
                if not line:
                    self.messages.put(None)
                    return
                line = line.strip()
                if not line:
                    break
                k, _, v = line.decode().partition(":")
                headers[k.strip().lower()] = v.strip()
            body = out.read(int(headers["content-length"]))
            self.messages.put((time.perf_counter(), json.loads(body)))

    def send(self, msg):
        data = json.dumps(msg).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(data) + data)
        self.proc.stdin.flush()

    def request(self, method, params):
        self.next_id += 1
        rid = self.next_id
        msg = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)
        return rid

    def notify(self, method, params):
        msg = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self.send(msg)

    def wait(self, pred, timeout=60):
        """Next message matching pred; answers server requests (configuration, progress) meanwhile."""
        deadline = time.time() + timeout
        while True:
            left = deadline - time.time()
            if left <= 0:
                raise TimeoutError("no matching message")
            item = self.messages.get(timeout=left)
            if item is None:
                raise RuntimeError("server exited")
            t, msg = item
            if "method" in msg and "id" in msg:  # a request from the server
                result = [{}] * len(msg.get("params", {}).get("items", [])) if msg["method"] == "workspace/configuration" else None
                self.send({"jsonrpc": "2.0", "id": msg["id"], "result": result})
                continue
            if pred(msg):
                return t, msg

    def initialize(self, root):
        rid = self.request("initialize", {
            "processId": os.getpid(), "rootUri": Path(root).as_uri(),
            "workspaceFolders": [{"uri": Path(root).as_uri(), "name": "bench"}],
            "capabilities": {"general": {"positionEncodings": ["utf-16"]},
                             "textDocument": {"publishDiagnostics": {"versionSupport": True}},
                             "workspace": {"configuration": True, "workspaceFolders": True}},
        })
        _, msg = self.wait(lambda m: m.get("id") == rid)
        self.notify("initialized", {})
        return msg["result"]

    def close(self):
        try:
            rid = self.request("shutdown", None)
            self.wait(lambda m: m.get("id") == rid, timeout=10)
            self.notify("exit", None)
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()

    def rss_kib(self):
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        fields = dict(l.split(":", 1) for l in status.splitlines() if ":" in l)
        return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def workspace_with(files):
    """A temp workspace holding copies of corpus files at their relative paths."""
    root = Path(tempfile.mkdtemp(prefix="cw-bench-"))
    for rel in files:
        dst = root / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(CORPUS / rel, dst)
    return root


def diag_for(uri, version):
    def pred(m):
        if m.get("method") != "textDocument/publishDiagnostics":
            return False
        p = m["params"]
        return p["uri"] == uri and (p.get("version") is None or p.get("version") == version)
    return pred


def edit_places(lines):
    """Where to type: inside run: blocks, on uses: lines, a name: value and a comment."""
    places = []
    run_lines = [i for i, l in enumerate(lines) if l.strip().startswith("run: |")]
    uses_lines = [i for i, l in enumerate(lines) if l.strip().startswith("- uses:") or l.strip().startswith("uses:")]
    name_lines = [i for i, l in enumerate(lines) if l.strip().startswith("name:")]
    for i in run_lines[:2]:
        places.append((i + 1, len(lines[i + 1])))           # end of the first script line
    places.append((uses_lines[len(uses_lines) // 2], len(lines[uses_lines[len(uses_lines) // 2]])))
    places.append((name_lines[0], len(lines[name_lines[0]])))
    places.append((run_lines[len(run_lines) // 2] + 1, len(lines[run_lines[len(run_lines) // 2] + 1])))
    return places


def typing(cmd, chars=500):
    root = workspace_with([BIG_WORKFLOW])
    path = root / BIG_WORKFLOW
    text = path.read_text()
    c = Client(cmd, root)
    caps = c.initialize(root)["capabilities"]
    sync = caps.get("textDocumentSync", 1)
    sync = sync.get("change", 1) if isinstance(sync, dict) else sync
    uri = path.as_uri()
    c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}})
    c.wait(diag_for(uri, 1), timeout=120)
    lines = text.split("\n")
    places = edit_places(lines)
    typed = " # typing a comment, one key at a time ...." * 20
    latencies = []
    version = 1
    per_place = chars // len(places)
    for (line, col) in places:
        for k in range(per_place):
            ch = typed[k]
            version += 1
            lines[line] = lines[line][:col + k] + ch + lines[line][col + k:]
            if sync == 2:
                change = {"range": {"start": {"line": line, "character": col + k},
                                    "end": {"line": line, "character": col + k}}, "text": ch}
            else:
                change = {"text": "\n".join(lines)}
            sent = time.perf_counter()
            c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]})
            t, _ = c.wait(diag_for(uri, version), timeout=120)
            latencies.append((t - sent) * 1000)
    c.close()
    shutil.rmtree(root)
    return {"sync": "incremental" if sync == 2 else "full", "edits": len(latencies), **summary(latencies)}


def summary(xs):
    xs = sorted(xs)
    q = lambda p: xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]
    return {"p50_ms": round(q(50), 3), "p95_ms": round(q(95), 3), "p99_ms": round(q(99), 3), "max_ms": round(xs[-1], 3)}


def startup(cmd, runs=20):
    root = Path(tempfile.mkdtemp(prefix="cw-bench-"))
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        c = Client(cmd, root)
        c.initialize(root)
        times.append((time.perf_counter() - start) * 1000)
        c.close()
    shutil.rmtree(root)
    return summary(times)


def memory(cmd, kinds):
    """RSS with every corpus file of the given kinds open."""
    files = sorted(str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*") if p.is_file() and kinds(p))
    root = workspace_with([])
    c = Client(cmd, root)
    c.initialize(root)
    before = c.rss_kib()[0]
    for i, rel in enumerate(files):
        uri = (CORPUS / rel).as_uri()
        c.notify("textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1,
                                                           "text": (CORPUS / rel).read_text(errors="replace")}})
    # Wait until the last opened document has been analysed.
    c.wait(diag_for((CORPUS / files[-1]).as_uri(), 1), timeout=300)
    time.sleep(1.0)
    rss, hwm = c.rss_kib()
    c.close()
    shutil.rmtree(root)
    return {"files_open": len(files), "rss_before_mib": round(before / 1024, 1),
            "rss_mib": round(rss / 1024, 1), "peak_rss_mib": round(hwm / 1024, 1)}


if __name__ == "__main__":
    mode, cmd = sys.argv[1], sys.argv[sys.argv.index("--") + 1:]
    if mode == "typing":
        print(json.dumps(typing(cmd)))
    elif mode == "startup":
        print(json.dumps(startup(cmd)))
    elif mode == "memory":
        print(json.dumps(memory(cmd, lambda p: True)))
