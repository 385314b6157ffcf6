//! The parse floor for the whole-corpus benchmark: read every supported file under the given
//! folders and parse it, on every core, doing nothing else. By default it parses as
//! `chainwarden check` does (YAML in regions, mostly by the fast reader); with `--tree-sitter`,
//! YAML files are parsed whole by tree-sitter (JS/TS always are; Dockerfiles and JSON by their
//! own parsers). `cargo run --release --example parse_floor -- [--tree-sitter] DIR...`

use chainwarden::kind;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let tree_sitter = args.first().is_some_and(|a| a == "--tree-sitter");
    if tree_sitter {
        args.remove(0);
    }
    let roots: Vec<PathBuf> = args.into_iter().map(PathBuf::from).collect();
    let mut files = Vec::new();
    for root in &roots {
        for e in ignore::WalkBuilder::new(root)
            .hidden(false)
            .build()
            .flatten()
        {
            if e.file_type().is_some_and(|t| t.is_file()) && kind::detect(e.path()).is_some() {
                files.push(e.into_path());
            }
        }
    }
    let start = std::time::Instant::now();
    let next = AtomicUsize::new(0);
    let bytes = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = files.get(i) else { break };
                let Ok(text) = std::fs::read_to_string(path) else {
                    continue;
                };
                let kind = kind::detect(path).unwrap();
                if tree_sitter && kind.is_yaml() {
                    std::hint::black_box(chainwarden::syntax::yaml::parse(&text, None));
                } else {
                    std::hint::black_box(chainwarden::syntax::parse(kind, path, &text, None));
                }
                bytes.fetch_add(text.len(), Ordering::Relaxed);
            });
        }
    });
    let elapsed = start.elapsed();
    println!(
        "{} files, {} bytes, {:.1} ms",
        files.len(),
        bytes.load(Ordering::Relaxed),
        elapsed.as_secs_f64() * 1000.0
    );
}
