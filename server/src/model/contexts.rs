//! Which contexts a `${{ … }}` expression reads, which of them an outsider controls, and
//! whether its result can only be a boolean. (`model::expr` evaluates `if:` conditions.)

/// One context path read by an expression (`github.event.issue.title`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContextRef {
    /// Lower case, indices and `['key']` turned into dotted segments, `[0]` and `[*]` as `*`:
    /// `github.event.commits[0].message` → `github.event.commits.*.message`.
    pub path: String,
    /// Byte range of the reference inside the expression text.
    pub range: std::ops::Range<usize>,
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// End of a `'…'` string literal starting at `i` (`''` is an escaped quote).
fn skip_string(s: &[u8], mut i: usize) -> usize {
    i += 1;
    while i < s.len() {
        if s[i] == b'\'' {
            if s.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    s.len()
}

/// Every context path the expression reads. Function names and literals are skipped.
pub fn context_refs(inner: &str) -> Vec<ContextRef> {
    let s = inner.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if b == b'\'' {
            i = skip_string(s, i);
            continue;
        }
        // A number like `1.5e3` or a name glued to a previous token is not a context.
        if b.is_ascii_digit() {
            while i < s.len() && (s[i].is_ascii_alphanumeric() || s[i] == b'.') {
                i += 1;
            }
            continue;
        }
        if !is_ident_start(b) {
            i += 1;
            continue;
        }
        let start = i;
        while i < s.len() && is_ident_char(s[i]) {
            i += 1;
        }
        // Lower-cased once, when the path is complete.
        let mut path = inner[start..i].to_string();
        loop {
            if s.get(i) == Some(&b'.') {
                if s.get(i + 1) == Some(&b'*') {
                    path.push_str(".*");
                    i += 2;
                    continue;
                }
                let seg = i + 1;
                let mut j = seg;
                while j < s.len() && is_ident_char(s[j]) {
                    j += 1;
                }
                if j == seg {
                    break;
                }
                path.push('.');
                path.push_str(&inner[seg..j]);
                i = j;
            } else if s.get(i) == Some(&b'[') {
                let Some(close) = inner[i..].find(']').map(|c| i + c) else {
                    break;
                };
                let key = inner[i + 1..close].trim();
                let key = key.trim_matches('\'');
                if key == "*" || key.bytes().all(|b| b.is_ascii_digit()) {
                    path.push_str(".*");
                } else if key.bytes().all(is_ident_char) && !key.is_empty() {
                    path.push('.');
                    path.push_str(key);
                } else {
                    // A computed index: what it reads is unknown, keep the prefix.
                    path.push_str(".*");
                }
                i = close + 1;
            } else {
                break;
            }
        }
        path.make_ascii_lowercase();
        // `name(` is a function call; `true`/`false`/`null` are literals.
        let next = inner[i..].trim_start().as_bytes().first().copied();
        if next == Some(b'(') || matches!(path.as_str(), "true" | "false" | "null") {
            continue;
        }
        out.push(ContextRef {
            path,
            range: start..i,
        });
    }
    out
}

/// The expression with its string literals blanked out (same length), for operator searches.
fn without_strings(inner: &str) -> String {
    let s = inner.as_bytes();
    let mut out = String::with_capacity(inner.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'\'' {
            let end = skip_string(s, i);
            out.extend(std::iter::repeat_n(' ', end - i));
            i = end;
        } else {
            let ch = inner[i..].chars().next().unwrap_or(' ');
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// True when the expression can only produce a boolean (or a number), so no text from the
/// contexts it reads reaches the place it is expanded into: comparisons, `!x`, `contains(…)`,
/// `startsWith(…)`, `endsWith(…)`, as long as no `&&` / `||` could return an operand.
pub fn yields_boolean(inner: &str) -> bool {
    let bare = without_strings(inner);
    let bare = bare.trim();
    if bare.contains("&&") || bare.contains("||") {
        return false;
    }
    if bare.starts_with('!') {
        return true;
    }
    if ["==", "!=", "<", ">"].iter().any(|op| bare.contains(op)) {
        return true;
    }
    let lower = bare.to_ascii_lowercase();
    ["contains(", "startswith(", "endswith(", "hashfiles("]
        .iter()
        .any(|f| lower.starts_with(f) && lower.ends_with(')'))
        && outer_call_spans_all(bare)
}

/// `f(a, b)` where the first `(` closes at the very end (not `f(a) + g(b)`).
fn outer_call_spans_all(bare: &str) -> bool {
    let Some(open) = bare.find('(') else {
        return false;
    };
    let mut depth = 0i32;
    for (i, c) in bare.char_indices().skip_while(|(i, _)| *i < open) {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return i == bare.len() - 1;
                }
            }
            _ => {}
        }
    }
    false
}

/// Whole event objects whose JSON (`toJSON(github.event.issue)`) carries attacker text.
const ATTACKER_OBJECTS: &[&str] = &[
    "github",
    "github.event",
    "github.event.issue",
    "github.event.pull_request",
    "github.event.pull_request.head",
    "github.event.comment",
    "github.event.review",
    "github.event.review_comment",
    "github.event.discussion",
    "github.event.head_commit",
    "github.event.head_commit.author",
    "github.event.head_commit.committer",
    "github.event.commits",
    "github.event.commits.*",
    "github.event.pages",
    "github.event.pages.*",
    "github.event.workflow_run",
    "github.event.workflow_run.head_commit",
];

/// True when a context path holds text that whoever opens an issue, a pull request or a
/// comment, pushes a branch or writes a commit can choose freely (not `inputs.*`: see
/// [`dispatch_input_name`]).
pub fn is_attacker_controlled(path: &str) -> bool {
    if path == "github.head_ref" || ATTACKER_OBJECTS.contains(&path) {
        return true;
    }
    let Some(rest) = path.strip_prefix("github.event.") else {
        return false;
    };
    // Releases and dispatch inputs come from people with write access.
    if rest.starts_with("release.") || rest.starts_with("inputs.") {
        return false;
    }
    let segs: Vec<&str> = rest.split('.').collect();
    let last = *segs.last().unwrap_or(&"");
    let parent = if segs.len() >= 2 {
        segs[segs.len() - 2]
    } else {
        ""
    };
    match last {
        "title" | "body" | "message" | "page_name" | "head_branch" | "display_title"
        | "head_ref" => true,
        "ref" | "label" => parent == "head",
        "default_branch" => rest.contains("head.repo."),
        "name" | "email" => matches!(parent, "author" | "committer"),
        _ => false,
    }
}

/// A whole event object (its JSON carries attacker text), not one field of it.
pub fn is_event_object(path: &str) -> bool {
    ATTACKER_OBJECTS.contains(&path)
}

/// `inputs.<name>` / `github.event.inputs.<name>`: the input name.
pub fn dispatch_input_name(path: &str) -> Option<&str> {
    let name = path
        .strip_prefix("inputs.")
        .or_else(|| path.strip_prefix("github.event.inputs."))?;
    (!name.is_empty() && !name.contains('.') && name != "*").then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(s: &str) -> Vec<String> {
        context_refs(s).into_iter().map(|r| r.path).collect()
    }

    #[test]
    fn reads_paths_indices_and_skips_functions_and_strings() {
        assert_eq!(
            paths("github.event.commits[0].message"),
            ["github.event.commits.*.message"]
        );
        assert_eq!(
            paths("toJSON(github.event['pull_request'].title)"),
            ["github.event.pull_request.title"]
        );
        assert_eq!(
            paths("format('{0} github.head_ref', inputs.Name)"),
            ["inputs.name"]
        );
        assert_eq!(
            paths("join(github.event.commits.*.message, ' ')"),
            ["github.event.commits.*.message"]
        );
        assert_eq!(paths("1.5 == true"), Vec::<String>::new());
        assert_eq!(
            paths("steps.my-step.outputs.x"),
            ["steps.my-step.outputs.x"]
        );
    }

    #[test]
    fn attacker_controlled_contexts() {
        for p in [
            "github.event.issue.title",
            "github.event.pull_request.body",
            "github.event.pull_request.head.ref",
            "github.event.pull_request.head.label",
            "github.head_ref",
            "github.event.comment.body",
            "github.event.review.body",
            "github.event.head_commit.message",
            "github.event.head_commit.author.email",
            "github.event.commits.*.author.name",
            "github.event.workflow_run.head_branch",
            "github.event.pages.*.page_name",
            "github.event",
        ] {
            assert!(is_attacker_controlled(p), "{p}");
        }
        for p in [
            "github.sha",
            "github.event.pull_request.number",
            "github.event.pull_request.head.sha",
            "github.event.pull_request.head.repo.full_name",
            "github.event.release.body",
            "github.event.pusher.name",
            "github.ref",
            "secrets.token",
            "env.title",
            "steps.x.outputs.title",
            "github.event.inputs.title",
        ] {
            assert!(!is_attacker_controlled(p), "{p}");
        }
        assert_eq!(dispatch_input_name("inputs.tag"), Some("tag"));
        assert_eq!(dispatch_input_name("github.event.inputs.tag"), Some("tag"));
        assert_eq!(dispatch_input_name("inputs"), None);
    }

    #[test]
    fn boolean_results() {
        assert!(yields_boolean("github.event.issue.title == 'x'"));
        assert!(yields_boolean("contains(github.event.issue.body, 'ok')"));
        assert!(yields_boolean("!github.event.pull_request.draft"));
        assert!(!yields_boolean("github.event.issue.title || 'none'"));
        assert!(!yields_boolean("github.event.issue.title"));
        assert!(!yields_boolean("contains(a, 'b') && github.head_ref"));
        assert!(!yields_boolean("format('{0}', github.head_ref)"));
        assert!(!yields_boolean(
            "github.event.issue.title != '' && github.event.issue.title"
        ));
    }
}
