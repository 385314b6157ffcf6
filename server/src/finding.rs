//! What a rule reports: a finding with a byte span, a severity, related places and fixes.

use serde::{Deserialize, Serialize};
use std::ops::Range;
use std::path::PathBuf;

/// Byte offsets into a document's text (UTF-8). Converted to lines and columns only at the edges
/// (LSP positions, CLI output) by [`crate::text::LineIndex`].
pub type Span = Range<usize>;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One replacement of a byte span of the document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub new_text: String,
}

impl Edit {
    pub fn replace(span: Span, new_text: impl Into<String>) -> Edit {
        Edit {
            span,
            new_text: new_text.into(),
        }
    }

    pub fn insert(at: usize, new_text: impl Into<String>) -> Edit {
        Edit {
            span: at..at,
            new_text: new_text.into(),
        }
    }
}

/// A quick fix: a title and edits to one document. Edits must not overlap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<Edit>,
}

/// Another place that explains a finding (the ARG a RUN uses, the job that lacks permissions).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub span: Span,
    /// One line naming the concrete thing. Never contains a secret value.
    pub message: String,
    pub related: Vec<Related>,
    /// Offered fixes, preferred first. `--fix` and fix-all apply only the first.
    pub fixes: Vec<Fix>,
    /// Extra hover text specific to this finding (the SHA it would pin to, the registry set-up).
    pub note: Option<String>,
    /// `related` is a data flow: source first, each hop after it, to the finding's span (the
    /// sink). SARIF output shows it as a code flow too.
    pub flow: bool,
}

impl Finding {
    /// A finding at the rule's default severity (from `rules/<id>.md`).
    pub fn new(rule: &'static str, span: Span, message: impl Into<String>) -> Finding {
        let severity = crate::rules::doc(rule)
            .map(|d| d.severity)
            .unwrap_or_else(|| panic!("rule {rule} has no rules/{rule}.md"));
        Finding {
            rule,
            severity,
            span,
            message: message.into(),
            related: Vec::new(),
            fixes: Vec::new(),
            note: None,
            flow: false,
        }
    }

    pub fn severity(mut self, severity: Severity) -> Finding {
        self.severity = severity;
        self
    }

    pub fn related(mut self, span: Span, message: impl Into<String>) -> Finding {
        self.related.push(Related {
            span,
            message: message.into(),
        });
        self
    }

    pub fn fix(mut self, fix: Fix) -> Finding {
        self.fixes.push(fix);
        self
    }

    /// Mark `related` as the hops of a data flow (source → … → this finding).
    pub fn flow(mut self) -> Finding {
        self.flow = true;
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Finding {
        self.note = Some(note.into());
        self
    }
}

/// A finding located in a file, as the CLI reports it.
#[derive(Clone, Debug)]
pub struct FileFinding {
    pub path: PathBuf,
    pub finding: Finding,
}
