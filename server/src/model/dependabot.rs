//! A typed view of `.github/dependabot.yml`: the `updates:` entries and the keys the Dependabot
//! rules read, with spans. Everything is optional: a half-typed file yields what could be read.

use crate::finding::Span;
use crate::model::workflow::indent_unit;
use crate::syntax::yaml::{Pair, Scalar, YNode, YamlDoc};

pub struct Dependabot<'d> {
    /// The `updates:` pair, when present.
    pub updates_pair: Option<&'d Pair>,
    pub updates: Vec<Update<'d>>,
    /// Indentation unit of the file in spaces (2 when it cannot be told).
    pub indent_unit: usize,
    /// `"\r\n"` when the file uses CRLF line ends, else `"\n"`.
    pub line_ending: &'static str,
}

/// One entry of `updates:`.
pub struct Update<'d> {
    /// The entry's mapping.
    pub node: &'d YNode,
    pub ecosystem: Option<&'d Scalar>,
    pub directory: Option<&'d Scalar>,
    /// `insecure-external-code-execution:`.
    pub insecure_execution: Option<&'d Pair>,
    /// `cooldown:`.
    pub cooldown: Option<&'d Pair>,
    /// `cooldown.default-days:`.
    pub default_days: Option<&'d Scalar>,
}

impl Update<'_> {
    /// Where to report something about the whole entry: its ecosystem value, else the entry.
    pub fn anchor_span(&self) -> Span {
        self.ecosystem
            .map(|e| e.span.clone())
            .unwrap_or_else(|| self.node.span.clone())
    }

    /// `package-ecosystem` as written, or `?`.
    pub fn ecosystem_name(&self) -> &str {
        self.ecosystem.map(|e| e.text.as_str()).unwrap_or("?")
    }
}

impl<'d> Dependabot<'d> {
    pub fn from_yaml(doc: &'d YamlDoc, text: &str) -> Dependabot<'d> {
        let updates_pair = doc.root.as_ref().and_then(|r| r.pair("updates"));
        let updates = updates_pair
            .and_then(|p| p.value.as_ref())
            .map(|v| doc.resolve(v))
            .and_then(YNode::as_seq)
            .unwrap_or_default()
            .iter()
            .map(|n| doc.resolve(n))
            .filter(|n| n.as_map().is_some())
            .map(|node| {
                let scalar = |k: &str| {
                    node.get(k)
                        .map(|v| doc.resolve(v))
                        .and_then(YNode::as_scalar)
                };
                let cooldown = node.pair("cooldown");
                Update {
                    node,
                    ecosystem: scalar("package-ecosystem"),
                    directory: scalar("directory").or_else(|| scalar("directories")),
                    insecure_execution: node.pair("insecure-external-code-execution"),
                    cooldown,
                    default_days: cooldown
                        .and_then(|c| c.value.as_ref())
                        .map(|v| doc.resolve(v))
                        .and_then(|v| v.get("default-days"))
                        .and_then(YNode::as_scalar),
                }
            })
            .collect();
        Dependabot {
            updates_pair,
            updates,
            indent_unit: indent_unit(text),
            line_ending: if text.contains("\r\n") { "\r\n" } else { "\n" },
        }
    }
}
