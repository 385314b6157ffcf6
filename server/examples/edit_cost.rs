//! Cost of one keystroke on a large workflow, as the language server pays it: edit the tree,
//! re-parse incrementally, analyse. One-time work (tag table, regex sets) is warmed first.
//! `cargo run --release --example edit_cost -- FILE [KEYSTROKES]`; under
//! `valgrind --tool=callgrind` it gives repeatable instruction counts.

use chainwarden::config::Config;
use chainwarden::engine::{self, Document};
use chainwarden::kind::FileKind;
use chainwarden::syntax::{yaml, Syntax};
use chainwarden::workspace::Facts;
use std::path::Path;
use std::time::Instant;
use tree_sitter::{InputEdit, Point};

fn point(text: &str, offset: usize) -> Point {
    let before = &text[..offset];
    let row = before.matches('\n').count();
    Point {
        row,
        column: offset - before.rfind('\n').map_or(0, |i| i + 1),
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let file = args.next().expect("FILE");
    let keystrokes: usize = args.next().map_or(200, |n| n.parse().unwrap());
    let mut text = std::fs::read_to_string(&file).unwrap();
    let path = Path::new(".github/workflows/test.yml");
    let (facts, config) = (Facts::default(), Config::default());

    let analyse = |text: &str, tree: &tree_sitter::Tree| {
        let syntax = Syntax::Yaml(tree.clone());
        let doc = Document {
            path,
            kind: FileKind::Workflow,
            text,
        };
        engine::analyze(&doc, &syntax, &facts, &config).len()
    };
    let t = Instant::now();
    let mut tree = yaml::parse(&text, None);
    let findings = analyse(&text, &tree);
    println!(
        "first open      {:8.3} ms ({findings} findings)",
        t.elapsed().as_secs_f64() * 1e3
    );

    // Type at the end of a line in the middle of the file (inside a job).
    let first = text[text.len() / 2..].find('\n').unwrap() + text.len() / 2;
    let (mut parse_time, mut analyse_time) = (0.0, 0.0);
    for (i, at) in (first..first + keystrokes).enumerate() {
        let ch = if i % 7 == 0 { " " } else { "x" };
        let start = point(&text, at);
        text.insert_str(at, ch);
        tree.edit(&InputEdit {
            start_byte: at,
            old_end_byte: at,
            new_end_byte: at + 1,
            start_position: start,
            old_end_position: start,
            new_end_position: Point {
                row: start.row,
                column: start.column + 1,
            },
        });
        let t = Instant::now();
        tree = yaml::parse(&text, Some(&tree));
        parse_time += t.elapsed().as_secs_f64();
        let t = Instant::now();
        std::hint::black_box(analyse(&text, &tree));
        analyse_time += t.elapsed().as_secs_f64();
    }
    let n = keystrokes as f64;
    println!(
        "incremental parse {:8.3} ms / keystroke",
        parse_time * 1e3 / n
    );
    println!(
        "analyse           {:8.3} ms / keystroke",
        analyse_time * 1e3 / n
    );
}
