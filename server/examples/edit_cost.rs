//! Cost of one keystroke on a large workflow, as the language server pays it: apply the change
//! to the open document (which re-parses incrementally), then analyse. Types the same text at the same places as the typing
//! benchmark (`bench/lsp_driver.py`): the first script line of two `run:` blocks, a `uses:` line,
//! the first `name:` and a later `run:` block. One-time work (tag table, regex sets) is warmed
//! first. `cargo run --release --example edit_cost -- FILE [KEYSTROKES]`; under
//! `valgrind --tool=callgrind` it gives repeatable instruction counts.

use chainwarden::config::Config;
use chainwarden::engine::{self, Document};
use chainwarden::kind::FileKind;
use chainwarden::lsp::document::{self as open, Change};
use chainwarden::text::{Encoding, LineCol};
use chainwarden::workspace::Facts;
use std::path::Path;
use std::time::Instant;

fn line_col(text: &str, offset: usize) -> LineCol {
    let before = &text[..offset];
    LineCol {
        line: before.matches('\n').count() as u32,
        col: (offset - before.rfind('\n').map_or(0, |i| i + 1)) as u32,
    }
}

/// Byte offsets (end of line) where the benchmark types, in the benchmark's order.
fn edit_places(text: &str) -> Vec<usize> {
    let lines: Vec<&str> = text.split('\n').collect();
    let starts: Vec<usize> = lines
        .iter()
        .scan(0, |at, l| {
            let s = *at;
            *at += l.len() + 1;
            Some(s)
        })
        .collect();
    let find = |pred: &dyn Fn(&str) -> bool| -> Vec<usize> {
        (0..lines.len())
            .filter(|&i| pred(lines[i].trim()))
            .collect()
    };
    let runs = find(&|l| l.starts_with("run: |"));
    let uses = find(&|l| l.starts_with("- uses:") || l.starts_with("uses:"));
    let names = find(&|l| l.starts_with("name:"));
    let end = |i: usize| starts[i] + lines[i].len();
    let mut places: Vec<usize> = runs.iter().take(2).map(|&i| end(i + 1)).collect();
    places.push(end(uses[uses.len() / 2]));
    places.push(end(names[0]));
    places.push(end(runs[runs.len() / 2] + 1));
    places
}

fn main() {
    // As the language server does: unchanged scripts and conditions are not parsed again.
    chainwarden::memo::enable();
    let mut args = std::env::args().skip(1);
    let file = args.next().expect("FILE");
    let keystrokes: usize = args.next().map_or(500, |n| n.parse().unwrap());
    let mut text = std::fs::read_to_string(&file).unwrap();
    let path = Path::new(".github/workflows/test.yml");
    let (facts, config) = (Facts::default(), Config::default());

    let analyse = |doc: &open::Document| {
        let syntax = doc.kept().expect("a kept parse").clone().into_syntax();
        let text = doc.text();
        let d = Document {
            path,
            kind: FileKind::Workflow,
            text,
        };
        engine::analyze(&d, &syntax, &facts, &config).len()
    };
    let t = Instant::now();
    let mut doc = open::Document::new(path.into(), Some(FileKind::Workflow), 1, &text);
    let findings = analyse(&doc);
    println!(
        "first open      {:8.3} ms ({findings} findings)",
        t.elapsed().as_secs_f64() * 1e3
    );

    let typed: Vec<char> = " # typing a comment, one key at a time ...."
        .repeat(20)
        .chars()
        .collect();
    let mut places = edit_places(&text);
    let per_place = keystrokes / places.len();
    let (mut parse_ms, mut analyse_ms) = (Vec::new(), Vec::new());
    for p in 0..places.len() {
        for (k, ch) in typed.iter().take(per_place).enumerate() {
            let at = places[p] + k;
            let pos = line_col(&text, at);
            text.insert(at, *ch);
            let t = Instant::now();
            let typed = ch.to_string();
            let change = Change {
                range: Some((pos, pos)),
                text: &typed,
            };
            doc.apply_changes(doc.version + 1, &[change], Encoding::Utf8);
            parse_ms.push(t.elapsed().as_secs_f64() * 1e3);
            let t = Instant::now();
            std::hint::black_box(analyse(&doc));
            analyse_ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
        let recent = &parse_ms[parse_ms.len() - per_place..];
        eprintln!(
            "place {p}: re-parse mean {:.3} max {:.3} ms",
            recent.iter().sum::<f64>() / per_place as f64,
            recent.iter().copied().fold(0.0, f64::max)
        );
        let done = places[p];
        for q in places.iter_mut().skip(p + 1) {
            if *q > done {
                *q += per_place;
            }
        }
    }
    assert_eq!(&**doc.text(), text, "the replay went out of step");
    report("edit + re-parse", parse_ms);
    report("analyse", analyse_ms);
}
fn report(what: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    let q = |p: f64| ms[((p / 100.0) * (ms.len() - 1) as f64).round() as usize];
    let mean = ms.iter().sum::<f64>() / ms.len() as f64;
    println!(
        "{what:<18} mean {mean:6.3}  p50 {:6.3}  p99 {:6.3}  max {:6.3} ms / keystroke",
        q(50.0),
        q(99.0),
        ms[ms.len() - 1]
    );
}
