//! `known-vulnerable-action`: a `uses:` whose version is inside an advisory's affected range.
//!
//! The version in use is read from the ref: an exact tag (`v4.1.2`) is that version; a SHA is
//! the most specific version tag on that commit (tag table, or the online resolver's cache),
//! else the version its comment names (`# v4.1.2`); a moving tag (`v4`, `v4.1`) fires when
//! every release of that series is affected, else it is the version the tag table says it
//! points to (a commit known only by a moving tag — its comment says `# v4` — is "some v4
//! release": it fires only when all of them are affected). Branches and unknown commits are not judged. A pin to a commit an advisory
//! names as malicious (tag compromises) always fires.
//!
//! Advisories: the built-in snapshot, plus OSV's answers when online is on
//! ([`resolve::advisories_for`]). One finding per `uses:`, at the severity of the worst
//! advisory; the fix re-pins to the first version no known advisory affects, in the same
//! major when there is one, else the next.

use crate::engine::Ctx;
use crate::finding::{Finding, Fix};
use crate::fix::pin::{comment_version, pin_edits};
use crate::model::workflow::{RepoRef, Uses, UsesTarget, Workflow};
use crate::resolve::advisories::{Advisory, Range, Version};
use crate::resolve::{self, tags, Pin};

const ID: &str = "known-vulnerable-action";

pub fn check(ctx: &Ctx, wf: &Workflow, out: &mut Vec<Finding>) {
    for uses in wf.all_uses() {
        if let UsesTarget::Repo(r) = &uses.target {
            check_one(ctx, uses, r, out);
        }
    }
}

/// What the ref tells about the version in use.
enum InUse {
    /// An exact version, with how it was learnt (`v4.1.2`, `v4.1.2 (the pinned commit)`).
    Exact(Version, String),
    /// A moving tag: `v4` = every `4.*` release; with the version the tag table resolves it
    /// to, when it does, and how to show it (`v4`, `0123456789ab… (v4)`).
    Series(Version, Option<(Version, String)>, String),
}

/// Why an advisory matched.
struct Hit<'a> {
    advisory: &'a Advisory,
    /// `None`: the pinned commit is the malicious one.
    range: Option<&'a Range>,
}

fn in_use(ctx: &Ctx, uses: &Uses, r: &RepoRef, git_ref: &str) -> Option<InUse> {
    let slug = r.slug();
    if r.is_sha_pinned() {
        let sha = git_ref.to_ascii_lowercase();
        let short = sha.get(..12).unwrap_or(&sha);
        // The commit's own tag, else the version its comment names. Only a moving tag (`v4`)
        // known for the commit is judged as "some 4.* release".
        let (word, how) = match resolve::version_for_sha(ctx.facts, &slug, &sha) {
            Some(tag) => {
                let how = format!("{short}… ({tag})");
                (tag, how)
            }
            None => {
                let comment = uses.comment.as_ref()?;
                let word = comment_version(comment.text.split_whitespace().next()?)?;
                let how = format!("{short}… ({word}, as its comment says)");
                (word.to_string(), how)
            }
        };
        let v = Version::parse(&word)?;
        return Some(if tags::is_exact_version(&word) {
            InUse::Exact(v, how)
        } else {
            InUse::Series(v, None, how)
        });
    }
    let v = Version::parse(git_ref)?;
    if tags::is_exact_version(git_ref) {
        return Some(InUse::Exact(v, git_ref.to_string()));
    }
    let resolved = resolve::resolve(ctx.facts, &slug, git_ref)
        .and_then(|pin| Some((Version::parse(&pin.version)?, pin.version)))
        .filter(|(rv, _)| rv.components() > v.components());
    Some(InUse::Series(v, resolved, git_ref.to_string()))
}

fn hits<'a>(
    advisories: &'a [Advisory],
    action: &str,
    sha: Option<&str>,
    used: &InUse,
) -> Vec<Hit<'a>> {
    let mut out: Vec<Hit> = Vec::new();
    for a in advisories.iter().filter(|a| a.applies_to(action)) {
        if out.iter().any(|h| h.advisory.id == a.id) {
            continue;
        }
        if sha.is_some_and(|s| a.commits.iter().any(|c| c == s)) {
            out.push(Hit {
                advisory: a,
                range: None,
            });
            continue;
        }
        let range = match used {
            InUse::Exact(v, _) => a.range_for(v),
            InUse::Series(partial, resolved, _) => a
                .ranges
                .iter()
                .find(|r| r.contains_series(partial))
                .or_else(|| resolved.as_ref().and_then(|(v, _)| a.range_for(v))),
        };
        if let Some(range) = range {
            out.push(Hit {
                advisory: a,
                range: Some(range),
            });
        }
    }
    out
}

/// The version to move to: the lowest release above `current` that no advisory of this action
/// affects, in the same major when there is one, else in the lowest later major. Only tags the
/// table knows (the fix needs their commit).
fn fix_target(slug: &str, action: &str, current: &Version, advisories: &[Advisory]) -> Option<Pin> {
    let applicable: Vec<&Advisory> = advisories.iter().filter(|a| a.applies_to(action)).collect();
    let mut candidates: Vec<(Version, &str, &str)> = tags::tags_of(slug)
        .into_iter()
        .filter(|(tag, _)| tags::is_exact_version(tag))
        .filter_map(|(tag, sha)| Some((Version::parse(tag)?, tag, sha)))
        .filter(|(v, _, _)| !v.is_prerelease() && v > current)
        .filter(|(v, _, sha)| {
            !applicable
                .iter()
                .any(|a| a.range_for(v).is_some() || a.commits.iter().any(|c| c == sha))
        })
        .collect();
    // Lowest version first; `v1.2.3` before `1.2.3` for the same version.
    candidates.sort_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| b.1.starts_with('v').cmp(&a.1.starts_with('v')))
    });
    let same_major = candidates
        .iter()
        .find(|(v, _, _)| v.major() == current.major());
    let (_, tag, sha) = same_major.or_else(|| candidates.first())?;
    Some(Pin {
        sha: sha.to_string(),
        version: tag.to_string(),
    })
}

fn check_one(ctx: &Ctx, uses: &Uses, r: &RepoRef, out: &mut Vec<Finding>) {
    let Some(git_ref) = r.git_ref.as_deref() else {
        return;
    };
    let action = r.action_lower();
    if !resolve::advisories::has_built_in(&action) && ctx.facts.advisories.is_none() {
        return; // the common case: nothing known about this repository
    }
    let advisories = resolve::advisories_for(ctx.facts, &action);
    if advisories.is_empty() {
        return;
    }
    let sha = r.is_sha_pinned().then(|| git_ref.to_ascii_lowercase());
    let used = in_use(ctx, uses, r, git_ref);
    let hits = match &used {
        Some(u) => hits(&advisories, &action, sha.as_deref(), u),
        // A commit no table knows can still be a published malicious one.
        None => match &sha {
            Some(s) => advisories
                .iter()
                .filter(|a| a.applies_to(&action) && a.commits.iter().any(|c| c == s))
                .map(|a| Hit {
                    advisory: a,
                    range: None,
                })
                .collect(),
            None => Vec::new(),
        },
    };
    if hits.is_empty() {
        return;
    }
    // The most severe advisory, a confirmed range before a third-party one, else the first.
    let rank = |h: &Hit| (h.advisory.severity, !h.advisory.secondary);
    let worst = hits.iter().fold(
        &hits[0],
        |best, h| if rank(h) > rank(best) { h } else { best },
    );
    let described = |h: &Hit| match h.range {
        Some(range) => {
            let fixed = range
                .fixed_text()
                .map(|f| format!("fixed in {f}"))
                .unwrap_or_else(|| "no fixed version".into());
            format!(
                "{} (affected {}; {fixed})",
                h.advisory.name(),
                range.describe()
            )
        }
        None => format!(
            "{} (the pinned commit is the malicious one the advisory names)",
            h.advisory.name()
        ),
    };
    let what = match &used {
        Some(InUse::Exact(_, how)) => how.clone(),
        Some(InUse::Series(v, Some((_, resolved)), how))
            if worst.range.is_some_and(|r| !r.contains_series(v)) =>
        {
            format!("{how} (now {resolved})")
        }
        Some(InUse::Series(_, _, how)) => how.clone(),
        None => format!("{}…", git_ref.get(..12).unwrap_or(git_ref)),
    };
    let more = match hits.len() {
        1 => String::new(),
        n => format!(
            " and {} more advisor{}",
            n - 1,
            if n == 2 { "y" } else { "ies" }
        ),
    };
    let message = format!(
        "{}@{what} is affected by {}{more}",
        r.action(),
        described(worst),
    );
    let span = r
        .ref_span
        .clone()
        .or_else(|| r.action_span.clone())
        .unwrap_or_else(|| uses.raw.span.clone());
    let mut note = String::new();
    for h in &hits {
        note.push_str(&format!("- {}: {}", described(h), h.advisory.summary));
        if h.advisory.secondary {
            note.push_str(" (range from third-party sources, not the advisory record)");
        }
        note.push('\n');
    }
    let mut finding = Finding::new(ID, span, message).severity(worst.advisory.severity);
    let current = match &used {
        Some(InUse::Exact(v, _)) => Some(v.clone()),
        Some(InUse::Series(v, resolved, _)) => Some(
            resolved
                .as_ref()
                .map_or_else(|| v.clone(), |(rv, _)| rv.clone()),
        ),
        None => None,
    };
    let target = current.and_then(|c| fix_target(&r.slug(), &action, &c, &advisories));
    match target {
        Some(pin) => {
            note.push_str(&format!("Fix: re-pin to {} ({}).", pin.version, pin.sha));
            if let Some(edits) = pin_edits(ctx.doc.text, uses, r, &pin) {
                finding = finding.fix(Fix {
                    title: format!("Re-pin {} to {} ({})", r.action(), pin.version, pin.sha),
                    edits,
                });
            }
        }
        None => note.push_str(
            "No fix is offered: no unaffected release is in the tag table (check the advisory).",
        ),
    }
    out.push(finding.note(note));
}
