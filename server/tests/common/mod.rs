//! Helpers shared by integration tests (each test crate uses some of them).
#![allow(dead_code)]

use chainwarden::finding::Finding;
use chainwarden::kind::FileKind;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// A fake GitHub API on 127.0.0.1 that counts connections and answers every request with
/// `body` (a commit SHA). Returns its base URL and the connection counter.
pub fn counting_api(body: &'static str) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            seen.fetch_add(1, Ordering::SeqCst);
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
            }
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    (base, count)
}

/// How many findings of each rule.
pub fn rule_counts<'a>(
    findings: impl IntoIterator<Item = &'a Finding>,
) -> BTreeMap<&'static str, usize> {
    let mut m = BTreeMap::new();
    for f in findings {
        *m.entry(f.rule).or_insert(0) += 1;
    }
    m
}

/// A YAML kind whose text no longer parses cleanly.
pub fn yaml_breaks(kind: FileKind, text: &str) -> bool {
    kind.is_yaml()
        && chainwarden::syntax::yaml::parse(text, None)
            .root_node()
            .has_error()
}

/// The real-world corpus (`CHAINWARDEN_CORPUS`, default `/work/shared/corpus/dev`), if present.
pub fn corpus_root() -> Option<std::path::PathBuf> {
    let root = std::env::var_os("CHAINWARDEN_CORPUS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from("/work/shared/corpus/dev"));
    root.is_dir().then_some(root)
}

/// Every file under `dir` whose kind chainwarden knows.
pub fn collect_supported(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect_supported(&p, out);
        } else if chainwarden::kind::detect(&p).is_some() {
            out.push(p);
        }
    }
}

/// A deterministic random source for generated edits: `next(n)` is in `0..n`. The stream is
/// fixed by `base`, shifted by `CHAINWARDEN_SEED` (default 0) to explore other cases.
pub fn seeded_random(base: u64) -> impl FnMut(usize) -> usize {
    let shift: u64 = std::env::var("CHAINWARDEN_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut seed = (base ^ shift.wrapping_mul(0x9e37_79b9_7f4a_7c15)) | 1;
    move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n.max(1) as u64) as usize
    }
}

/// A fake HTTP server on 127.0.0.1 that records every request head (lower-cased) and answers
/// with `reply(path)`, a whole HTTP response. Returns its base URL and the recorded heads.
pub fn recording_server(
    reply: impl Fn(&str) -> String + Send + 'static,
) -> (String, Arc<std::sync::Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let heads = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                    break;
                }
                head.push_str(&line.to_ascii_lowercase());
            }
            let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
            heads.lock().unwrap().push(head);
            let _ = stream.write_all(reply(&path).as_bytes());
        }
    });
    (base, seen)
}

/// An HTTP 200 response with `body`.
pub fn http_ok(body: &str) -> String {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// An HTTP 302 response to `location`.
pub fn http_redirect(location: &str) -> String {
    format!("HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
}
