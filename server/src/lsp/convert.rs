//! Engine values (byte spans, findings, fixes) ⇄ LSP values (positions in the negotiated encoding).

use crate::finding::{Edit, Finding, Severity, Span};
use crate::text::{Encoding, LineCol, LineIndex};
use serde::{Deserialize, Serialize};
use tower_lsp_server::ls_types::{
    Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    Position, Range, TextEdit, Uri,
};

pub const SOURCE: &str = "chainwarden";

/// A text with its line index, for converting many spans of the same version.
pub struct Lines<'a> {
    pub text: &'a str,
    pub index: LineIndex,
    pub enc: Encoding,
}

impl<'a> Lines<'a> {
    pub fn new(text: &'a str, enc: Encoding) -> Lines<'a> {
        Lines {
            text,
            index: LineIndex::new(text),
            enc,
        }
    }

    pub fn position(&self, offset: usize) -> Position {
        let lc = self.index.line_col(self.text, offset, self.enc);
        Position {
            line: lc.line,
            character: lc.col,
        }
    }

    pub fn range(&self, span: &Span) -> Range {
        Range {
            start: self.position(span.start),
            end: self.position(span.end.max(span.start)),
        }
    }

    pub fn offset(&self, pos: Position) -> usize {
        self.index.offset(
            self.text,
            LineCol {
                line: pos.line,
                col: pos.character,
            },
            self.enc,
        )
    }

    pub fn span(&self, range: Range) -> Span {
        let (a, b) = (self.offset(range.start), self.offset(range.end));
        a.min(b)..a.max(b)
    }

    pub fn text_edit(&self, edit: &Edit) -> TextEdit {
        TextEdit {
            range: self.range(&edit.span),
            new_text: edit.new_text.clone(),
        }
    }
}

/// What a diagnostic carries for code actions: the rule and the document version it was made for.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct DiagnosticData {
    pub rule: String,
    pub version: Option<i32>,
}

pub fn severity(s: Severity) -> DiagnosticSeverity {
    match s {
        Severity::Critical | Severity::High => DiagnosticSeverity::ERROR,
        Severity::Medium => DiagnosticSeverity::WARNING,
        Severity::Low => DiagnosticSeverity::INFORMATION,
    }
}

pub fn diagnostic(lines: &Lines, uri: &Uri, version: Option<i32>, f: &Finding) -> Diagnostic {
    let related: Vec<DiagnosticRelatedInformation> = f
        .related
        .iter()
        .map(|r| DiagnosticRelatedInformation {
            location: Location {
                uri: uri.clone(),
                range: lines.range(&r.span),
            },
            message: r.message.clone(),
        })
        .collect();
    let data = DiagnosticData {
        rule: f.rule.to_string(),
        version,
    };
    Diagnostic {
        range: lines.range(&f.span),
        severity: Some(severity(f.severity)),
        code: Some(NumberOrString::String(f.rule.to_string())),
        code_description: None,
        source: Some(SOURCE.to_string()),
        message: f.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: serde_json::to_value(data).ok(),
    }
}

/// The smallest single edit turning `old` into `new` (common prefix and suffix kept).
pub fn minimal_edit(old: &str, new: &str) -> Edit {
    let prefix = old
        .char_indices()
        .zip(new.chars())
        .find(|((_, a), b)| a != b)
        .map_or(old.len().min(new.len()), |((i, _), _)| i);
    let prefix = crate::text::floor_char_boundary(new, prefix);
    let max_suffix = old.len().min(new.len()) - prefix;
    let mut suffix = old
        .bytes()
        .rev()
        .zip(new.bytes().rev())
        .take(max_suffix)
        .take_while(|(a, b)| a == b)
        .count();
    while suffix > 0
        && (!old.is_char_boundary(old.len() - suffix) || !new.is_char_boundary(new.len() - suffix))
    {
        suffix -= 1;
    }
    Edit::replace(prefix..old.len() - suffix, &new[prefix..new.len() - suffix])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::apply_edits;

    #[test]
    fn minimal_edit_round_trips() {
        let cases = [
            ("abc", "abc"),
            ("abc", "abXc"),
            ("uses: a@v4\n", "uses: a@0123 # v4.1.1\n"),
            ("é😀é", "é😁é"),
            ("aaa", "aa"),
            ("", "x"),
            ("x", ""),
            ("aXbXc", "aXc"),
        ];
        for (old, new) in cases {
            let e = minimal_edit(old, new);
            assert_eq!(
                apply_edits(old, std::slice::from_ref(&e)).unwrap(),
                new,
                "{old:?} -> {new:?}"
            );
            assert!(e.span.len() <= old.len());
        }
        assert_eq!(minimal_edit("uses: a@v4 # x", "uses: a@v5 # x").span, 9..10);
    }

    #[test]
    fn positions_use_the_negotiated_encoding() {
        let text = "# 😀\nuses: a@v4";
        let at = text.find("v4").unwrap();
        let u16 = Lines::new(text, Encoding::Utf16);
        let u8 = Lines::new(text, Encoding::Utf8);
        assert_eq!(
            u16.position(at),
            Position {
                line: 1,
                character: 8
            }
        );
        assert_eq!(
            u8.position(at),
            Position {
                line: 1,
                character: 8
            }
        );
        let end = text.find('\n').unwrap();
        assert_eq!(
            u16.position(end),
            Position {
                line: 0,
                character: 4
            }
        );
        assert_eq!(
            u8.position(end),
            Position {
                line: 0,
                character: 6
            }
        );
        assert_eq!(
            u16.offset(Position {
                line: 0,
                character: 4
            }),
            end
        );
        assert_eq!(
            u16.offset(Position {
                line: 7,
                character: 4
            }),
            text.len()
        );
    }
}
