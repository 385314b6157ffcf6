//! Building and applying text edits. Fix builders for each family live beside this module.

pub mod job_env;
pub mod permissions;
pub mod pin;
pub mod safety;
pub mod step_map;
pub mod yaml_edit;

use crate::finding::Edit;

/// Apply non-overlapping edits (in any order) to `text`.
pub fn apply_edits(text: &str, edits: &[Edit]) -> Result<String, String> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.span.start, e.span.end));
    for pair in sorted.windows(2) {
        if pair[0].span.end > pair[1].span.start {
            return Err(format!(
                "overlapping edits at bytes {:?} and {:?}",
                pair[0].span, pair[1].span
            ));
        }
    }
    let mut out = String::with_capacity(text.len() + 64);
    let mut pos = 0;
    for e in sorted {
        if e.span.end > text.len()
            || !text.is_char_boundary(e.span.start)
            || !text.is_char_boundary(e.span.end)
        {
            return Err(format!(
                "edit {:?} is outside the text or splits a character",
                e.span
            ));
        }
        out.push_str(&text[pos..e.span.start]);
        out.push_str(&e.new_text);
        pos = e.span.end;
    }
    out.push_str(&text[pos..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_in_any_order_and_rejects_overlap() {
        let t = "hello world";
        let edits = [Edit::replace(6..11, "there"), Edit::insert(0, ">> ")];
        assert_eq!(apply_edits(t, &edits).unwrap(), ">> hello there");
        assert!(apply_edits(t, &[Edit::replace(0..5, "a"), Edit::replace(3..6, "b")]).is_err());
    }
}
