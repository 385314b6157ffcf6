//! The `if:` conditions of a workflow or action, and where a part of one sits in the document:
//! shared by the rules that read conditions (`unsound-condition`, `unsound-contains`,
//! `spoofable-bot-condition`).

use crate::finding::Span;
use crate::model::workflow::{Job, Step, Workflow};
use crate::syntax::yaml::Scalar;

/// One `if:` value, with the job and step it belongs to (a job's own `if:` has no step).
pub struct Cond<'w> {
    pub scalar: &'w Scalar,
    pub job: Option<&'w Job<'w>>,
    pub step: Option<&'w Step<'w>>,
    /// Index of the job in `wf.jobs` (the pseudo-job of an action file is `wf.jobs.len()`).
    pub job_index: usize,
    /// Index of the step in its job.
    pub step_index: Option<usize>,
}

impl Cond<'_> {
    /// "job `x`" or "step `y` of job `x`", for messages.
    pub fn owner(&self) -> String {
        match (self.job, self.step) {
            (Some(j), Some(s)) => format!("step `{}` of job `{}`", s.label(), j.id),
            (None, Some(s)) => format!("step `{}`", s.label()),
            (Some(j), None) => format!("job `{}`", j.id),
            (None, None) => "this condition".into(),
        }
    }
}

/// Every `if:` of jobs and steps (and of an action's composite steps), in document order.
pub fn all<'w>(wf: &'w Workflow<'w>) -> Vec<Cond<'w>> {
    let mut out = Vec::new();
    for (ji, job) in wf.jobs.iter().enumerate() {
        if let Some(c) = &job.if_cond {
            out.push(Cond {
                scalar: c,
                job: Some(job),
                step: None,
                job_index: ji,
                step_index: None,
            });
        }
        for (si, step) in job.steps.iter().enumerate() {
            if let Some(c) = step.if_cond {
                out.push(Cond {
                    scalar: c,
                    job: Some(job),
                    step: Some(step),
                    job_index: ji,
                    step_index: Some(si),
                });
            }
        }
    }
    if let Some(runs) = &wf.runs {
        for (si, step) in runs.steps.iter().enumerate() {
            if let Some(c) = step.if_cond {
                out.push(Cond {
                    scalar: c,
                    job: None,
                    step: Some(step),
                    job_index: wf.jobs.len(),
                    step_index: Some(si),
                });
            }
        }
    }
    out
}

/// Where `part` (a slice of `scalar.text`) is in the document: found verbatim inside the
/// scalar's content, so escapes or folded lines give `None`.
pub fn locate(text: &str, scalar: &Scalar, part: &str) -> Option<Span> {
    let offset = (part.as_ptr() as usize).checked_sub(scalar.text.as_ptr() as usize)?;
    if offset + part.len() > scalar.text.len() {
        return None;
    }
    if scalar.is_verbatim(text) {
        let start = scalar.content.start + offset;
        return Some(start..start + part.len());
    }
    // A block scalar's content is indented in the document: find the part on its line.
    let content = text.get(scalar.content.clone())?;
    if part.contains('\n') {
        return None;
    }
    let mut hits = content.match_indices(part);
    let (at, _) = hits.next()?;
    if hits.next().is_some() {
        return None;
    }
    let start = scalar.content.start + at;
    Some(start..start + part.len())
}

/// `needle` (ASCII, lower case) occurs in `hay`, ignoring ASCII case, without allocating.
pub fn contains_ignore_case(hay: &str, needle: &str) -> bool {
    hay.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}
