//! `pin-comment-mismatch`: a SHA-pinned `uses:` whose version comment names a tag that points
//! to a different commit.

use crate::engine::Ctx;
use crate::finding::{Edit, Finding, Fix};
use crate::fix::pin::comment_version;
use crate::model::workflow::{RepoRef, Uses, UsesTarget, Workflow};
use crate::resolve::{self, tags};

const ID: &str = "pin-comment-mismatch";

pub fn check(ctx: &Ctx, wf: &Workflow, out: &mut Vec<Finding>) {
    for uses in wf.all_uses() {
        if let UsesTarget::Repo(r) = &uses.target {
            check_one(ctx, uses, r, out);
        }
    }
}

/// The tag named in the comment as the table spells it (`4.1.7` may be `v4.1.7`).
fn table_tag(ctx: &Ctx, repo: &str, named: &str) -> Option<(String, String)> {
    let alt = match named.strip_prefix('v') {
        Some(bare) => bare.to_string(),
        None => format!("v{named}"),
    };
    [named.to_string(), alt]
        .into_iter()
        .find_map(|t| resolve::tag_commit(ctx.facts, repo, &t).map(|c| (t, c.to_ascii_lowercase())))
}

fn check_one(ctx: &Ctx, uses: &Uses, r: &RepoRef, out: &mut Vec<Finding>) {
    let (Some(sha), Some(comment)) = (r.git_ref.as_deref(), uses.comment.as_ref()) else {
        return;
    };
    if !r.is_sha_pinned() {
        return;
    }
    let sha = sha.to_ascii_lowercase();
    let first = comment.text.split_whitespace().next().unwrap_or("");
    let Some(named) = comment_version(first) else {
        return;
    };
    let repo = r.slug();
    let Some((tag, tag_sha)) = table_tag(ctx, &repo, named) else {
        return;
    };
    if tag_sha == sha {
        return;
    }
    let sha_tags = tags::tags_for_sha(&repo, &sha);
    // An unknown SHA under an annotated tag may be the tag object's own SHA (some pinning tools
    // record that one): not judged.
    if sha_tags.is_empty() && tags::is_annotated(&repo, &tag) {
        return;
    }
    if !tags::is_exact_version(&tag) {
        // A moving tag (`v4`) in the comment: fine when the commit is one of its releases, and
        // not judged when the commit is unknown (it may be newer than the table).
        let series = format!("{tag}.");
        if sha_tags.is_empty() || sha_tags.iter().any(|t| t.starts_with(&series)) {
            return;
        }
    }
    // Span: the version word inside the comment.
    let word_offset =
        comment.span.start + ctx.doc.text[comment.span.clone()].find(named).unwrap_or(0);
    let span = word_offset..word_offset + named.len();
    let short = &sha[..12];
    let really = match sha_tags.first() {
        Some(t) => format!("{short}… is {t}"),
        // The table may simply not know the commit's tag (a release newer than the table):
        // only the comment's own tag is known to be elsewhere.
        None => format!("{short}… is not {tag} ({}…)", &tag_sha[..12]),
    };
    let mut f = Finding::new(
        ID,
        span.clone(),
        format!("comment says {} {named} but {really}", r.action()),
    )
    .related(
        r.ref_span.clone().unwrap_or_else(|| uses.raw.span.clone()),
        "the pinned commit",
    );
    if let Some(actual) = sha_tags.first() {
        f = f.fix(Fix {
            title: format!("Correct the comment to {actual}"),
            edits: vec![Edit::replace(span, actual.clone())],
        });
    }
    if let Some(ref_span) = r.ref_span.clone() {
        f = f.fix(Fix {
            title: format!("Re-pin {} to {tag} ({tag_sha})", r.action()),
            edits: vec![Edit::replace(ref_span, tag_sha.clone())],
        });
    }
    out.push(f.note(format!("{tag} points to `{tag_sha}`.")));
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::engine::{analyze_text, Document};
    use crate::kind::FileKind;
    use crate::workspace::Facts;
    use std::path::Path;

    #[test]
    fn an_unknown_commit_is_not_called_untagged() {
        let text = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/stale@4391f3da665fdf50b6810c1a66712fb9ba21aa93 # v3.0.18\n";
        let doc = Document {
            path: Path::new(".github/workflows/ci.yml"),
            kind: FileKind::Workflow,
            text,
        };
        let f: Vec<_> = analyze_text(&doc, &Facts::default(), &Config::default())
            .into_iter()
            .filter(|f| f.rule == super::ID)
            .collect();
        assert_eq!(
            f[0].message,
            "comment says actions/stale v3.0.18 but 4391f3da665f… is not v3.0.18 (3b3c3f03cd4d…)"
        );
    }
}
