//! Where the time of one keystroke goes on a large workflow: incremental re-parse, value tree,
//! model, rules. `cargo run --release --example edit_cost -- FILE`

use chainwarden::config::Config;
use chainwarden::engine::{self, Document};
use chainwarden::kind::FileKind;
use chainwarden::workspace::Facts;
use std::path::Path;
use std::time::Instant;

fn main() {
    let path = std::env::args().nth(1).expect("FILE");
    let text = std::fs::read_to_string(&path).unwrap();
    let p = Path::new(".github/workflows/test.yml");
    let n = 200;
    let t = Instant::now();
    let mut tree = chainwarden::syntax::yaml::parse(&text, None);
    for _ in 0..n {
        tree = chainwarden::syntax::yaml::parse(&text, None);
    }
    println!(
        "full parse      {:8.3} ms",
        t.elapsed().as_secs_f64() * 1000.0 / n as f64
    );

    // One-character insertion in the middle, re-parsed incrementally.
    let at = text.len() / 2;
    let at = text[at..].find('\n').map(|i| at + i).unwrap();
    let mut edited = text.clone();
    edited.insert(at, ' ');
    let t = Instant::now();
    for _ in 0..n {
        let mut old = tree.clone();
        let pos = |o: usize| {
            let line = text[..o].matches('\n').count();
            let col = o - text[..o].rfind('\n').map_or(0, |i| i + 1);
            tree_sitter::Point {
                row: line,
                column: col,
            }
        };
        old.edit(&tree_sitter::InputEdit {
            start_byte: at,
            old_end_byte: at,
            new_end_byte: at + 1,
            start_position: pos(at),
            old_end_position: pos(at),
            new_end_position: tree_sitter::Point {
                row: pos(at).row,
                column: pos(at).column + 1,
            },
        });
        std::hint::black_box(chainwarden::syntax::yaml::parse(&edited, Some(&old)));
    }
    println!(
        "incr. parse     {:8.3} ms",
        t.elapsed().as_secs_f64() * 1000.0 / n as f64
    );

    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(chainwarden::syntax::yaml::to_doc(&tree, &text));
    }
    println!(
        "value tree      {:8.3} ms",
        t.elapsed().as_secs_f64() * 1000.0 / n as f64
    );

    let t = Instant::now();
    for _ in 0..n {
        std::hint::black_box(chainwarden::model::workflow::Workflow::build(
            chainwarden::model::workflow::WorkflowKind::Workflow,
            &tree,
            &text,
        ));
    }
    println!(
        "tree+model      {:8.3} ms",
        t.elapsed().as_secs_f64() * 1000.0 / n as f64
    );

    let syntax = chainwarden::syntax::Syntax::Yaml(tree.clone());
    let doc = Document {
        path: p,
        kind: FileKind::Workflow,
        text: &text,
    };
    let (facts, config) = (Facts::default(), Config::default());
    let t = Instant::now();
    let mut count = 0;
    for _ in 0..n {
        count = engine::analyze(&doc, &syntax, &facts, &config).len();
    }
    println!(
        "analyze (all)   {:8.3} ms  ({count} findings)",
        t.elapsed().as_secs_f64() * 1000.0 / n as f64
    );
}
