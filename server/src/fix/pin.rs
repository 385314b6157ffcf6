//! The pin fix: `owner/repo@v4` → `owner/repo@<sha> # v4.2.2`, keeping an existing comment.

use crate::finding::{Edit, Fix};
use crate::model::workflow::{RepoRef, Uses};
use crate::resolve::{tags, Pin};
use crate::syntax::yaml::ScalarStyle;

/// The edits that pin `uses` to `pin`. `None` when the ref cannot be located in the text.
///
/// The version goes into a trailing comment: it replaces a version-looking first word of an
/// existing comment and keeps the rest (`# v4 keep me` → `# v4.2.2 keep me`). No comment is
/// added where it would change the value (block scalars) or the line has more after the value
/// than closing brackets (flow mappings).
pub fn pin_edits(text: &str, uses: &Uses, repo: &RepoRef, pin: &Pin) -> Option<Vec<Edit>> {
    let ref_span = repo.ref_span.clone()?;
    let mut edits = vec![Edit::replace(ref_span, pin.sha.clone())];
    match &uses.comment {
        Some(c) => {
            let rest = strip_version_word(&c.text);
            let new = if rest.is_empty() {
                format!("# {}", pin.version)
            } else {
                format!("# {} {rest}", pin.version)
            };
            edits.push(Edit::replace(c.span.clone(), new));
        }
        None if !matches!(uses.raw.style, ScalarStyle::Literal | ScalarStyle::Folded) => {
            let end = uses.raw.span.end;
            let line_rest_len = text[end..].find('\n').unwrap_or(text.len() - end);
            let line_rest = text[end..end + line_rest_len].trim_end_matches('\r');
            if line_rest
                .chars()
                .all(|c| matches!(c, ' ' | '\t' | '}' | ']' | ','))
            {
                let at = end + line_rest.trim_end().len();
                edits.push(Edit::insert(at, format!(" # {}", pin.version)));
            }
        }
        None => {}
    }
    Some(edits)
}

/// The pin fix with its title.
pub fn pin_fix(text: &str, uses: &Uses, repo: &RepoRef, pin: &Pin) -> Option<Fix> {
    Some(Fix {
        title: format!("Pin {} to {} ({})", repo.action(), pin.sha, pin.version),
        edits: pin_edits(text, uses, repo, pin)?,
    })
}

/// A comment's text without a leading version word (`v4`, `tag=v4.1.0`, `pin@v2`).
pub fn strip_version_word(comment: &str) -> &str {
    let comment = comment.trim();
    let (first, rest) = comment
        .split_once(char::is_whitespace)
        .unwrap_or((comment, ""));
    if comment_version(first).is_some() {
        rest.trim_start()
    } else {
        comment
    }
}

/// The version named by the first word of a `uses:` comment: `v4.2.2`, `4.2.2`, `tag=v4.2.2`,
/// `pin@v4`, `ratchet:actions/checkout@v4`.
pub fn comment_version(first_word: &str) -> Option<&str> {
    let w = first_word.trim_end_matches([',', ';', ')']);
    let w = w.strip_prefix("tag=").unwrap_or(w);
    let w = match w.rsplit_once('@') {
        Some((_, v)) => v,
        None => w,
    };
    tags::is_version_like(w).then_some(w)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fix::apply_edits;
    use crate::model::workflow::{UsesTarget, Workflow, WorkflowKind};

    fn pin_text(line: &str) -> String {
        let text = format!("jobs:\n  a:\n    steps:\n{line}\n");
        let wf = Workflow::parse(WorkflowKind::Workflow, &text);
        let uses = wf.jobs[0].steps[0].uses.clone().unwrap();
        let UsesTarget::Repo(r) = &uses.target else {
            panic!()
        };
        let pin = Pin {
            sha: "a".repeat(40),
            version: "v4.2.2".into(),
        };
        let edits = pin_edits(&text, &uses, r, &pin).unwrap();
        let out = apply_edits(&text, &edits).unwrap();
        out.lines().nth(3).unwrap().to_string()
    }

    #[test]
    fn pins_and_writes_the_version_comment() {
        let sha = "a".repeat(40);
        assert_eq!(
            pin_text("      - uses: actions/checkout@v4"),
            format!("      - uses: actions/checkout@{sha} # v4.2.2")
        );
        assert_eq!(
            pin_text("      - uses: \"actions/checkout@v4\"  "),
            format!("      - uses: \"actions/checkout@{sha}\" # v4.2.2  ")
        );
        assert_eq!(
            pin_text("      - uses: actions/checkout@v4 # v4 keep me"),
            format!("      - uses: actions/checkout@{sha} # v4.2.2 keep me")
        );
        assert_eq!(
            pin_text("      - uses: actions/checkout@v4   # needed for tags"),
            format!("      - uses: actions/checkout@{sha}   # v4.2.2 needed for tags")
        );
        assert_eq!(
            pin_text("      - {uses: actions/checkout@v4, with: {a: 1}}"),
            format!("      - {{uses: actions/checkout@{sha}, with: {{a: 1}}}}")
        );
        assert_eq!(
            pin_text("      - {uses: actions/checkout@v4}"),
            format!("      - {{uses: actions/checkout@{sha}}} # v4.2.2")
        );
    }

    #[test]
    fn version_words() {
        assert_eq!(comment_version("v4.1.7"), Some("v4.1.7"));
        assert_eq!(comment_version("tag=v4.1.7"), Some("v4.1.7"));
        assert_eq!(comment_version("ratchet:actions/checkout@v4"), Some("v4"));
        assert_eq!(comment_version("4.1.7,"), Some("4.1.7"));
        assert_eq!(comment_version("pinned"), None);
        assert_eq!(strip_version_word("v4 keep"), "keep");
        assert_eq!(strip_version_word("keep v4"), "keep v4");
    }
}
