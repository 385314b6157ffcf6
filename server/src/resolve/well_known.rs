//! Well-known actions (the repositories of the tag table and of the permissions table) and
//! near misses of their names, for `typosquat-action`.
//!
//! A name is a near miss of a well-known `owner/repo` when, compared without case (GitHub
//! ignores case), it is one edit away (insert, delete, substitute, swap two neighbours), or
//! when both read the same once look-alike characters are folded (`0`→`o`; `1`, `i`, `l`→`l`;
//! `rn`→`m`; `vv`→`w`; Cyrillic and Greek letters that look Latin). A name under the same owner
//! is never a squat: only that owner can create repositories there.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

static PERMISSIONS_TOML: &str = include_str!("../../../data/action-permissions.toml");

/// Lower-case `owner/repo` → the name as a table spells it.
static KNOWN: LazyLock<HashMap<String, String>> = LazyLock::new(|| {
    let mut out = HashMap::new();
    for name in super::tags::repo_names() {
        out.entry(name.to_ascii_lowercase())
            .or_insert_with(|| name.clone());
    }
    // `[actions."owner/repo[/path]"]` headers of the permissions table.
    for line in PERMISSIONS_TOML.lines() {
        let Some(rest) = line.trim().strip_prefix("[actions.\"") else {
            continue;
        };
        let Some(action) = rest.split('"').next() else {
            continue;
        };
        let slug = super::advisories::repo_key(action);
        if slug.len() > 2 {
            out.entry(slug.clone()).or_insert(slug);
        }
    }
    out
});

/// A well-known action, prepared for comparisons.
struct Entry {
    /// Lower case.
    key: String,
    chars: Vec<char>,
    folded: String,
    /// As the table spells it.
    name: &'static str,
}

/// Every well-known action, sorted by lower-case name.
static ENTRIES: LazyLock<Vec<Entry>> = LazyLock::new(|| {
    let mut out: Vec<Entry> = KNOWN
        .iter()
        .map(|(key, name)| Entry {
            key: key.clone(),
            chars: key.chars().collect(),
            folded: fold(key),
            name: name.as_str(),
        })
        .collect();
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
});

/// Answers already computed: a workflow is analysed again on every keystroke with the same
/// names in it. Cleared when it grows large.
static MEMO: LazyLock<Mutex<HashMap<String, NearMiss>>> = LazyLock::new(Default::default);

/// The well-known name a name imitates, and how.
pub type NearMiss = Option<(&'static str, Closeness)>;

/// Whether `owner/repo` (any case, any path after it) is a well-known action.
pub fn is_known(action: &str) -> bool {
    KNOWN.contains_key(&super::advisories::repo_key(action))
}

/// How a name is close to a well-known one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Closeness {
    /// One insert, delete, substitution or swap of neighbours.
    OneEdit,
    /// The same once look-alike characters are folded.
    LookAlike,
}

/// The well-known action `slug` (`owner/repo`) imitates, with how; `None` when `slug` is
/// itself well-known or close to nothing.
pub fn near_miss(slug: &str) -> NearMiss {
    if let Some(hit) = MEMO.lock().ok().and_then(|m| m.get(slug).copied()) {
        return hit;
    }
    let answer = compute_near_miss(slug);
    if let Ok(mut memo) = MEMO.lock() {
        if memo.len() > 4096 {
            memo.clear();
        }
        memo.insert(slug.to_string(), answer);
    }
    answer
}

fn compute_near_miss(slug: &str) -> NearMiss {
    let lower = slug.to_lowercase();
    if KNOWN.contains_key(&lower) {
        return None;
    }
    let owner = lower.split('/').next().unwrap_or("");
    let chars: Vec<char> = lower.chars().collect();
    let skeleton = fold(&lower);
    let mut best: Option<(&'static str, Closeness)> = None;
    for Entry {
        key,
        chars: known_chars,
        folded,
        name,
    } in ENTRIES.iter()
    {
        if key.split('/').next() == Some(owner) {
            continue;
        }
        let closeness = if skeleton == *folded {
            Closeness::LookAlike
        } else if known_chars.len().abs_diff(chars.len()) <= 1 && one_edit(&chars, known_chars) {
            Closeness::OneEdit
        } else {
            continue;
        };
        // Deterministic: look-alikes first, then the alphabetically first name.
        let better = match best {
            None => true,
            Some((b, c)) => {
                (closeness == Closeness::LookAlike && c != Closeness::LookAlike)
                    || (closeness == c && *name < b)
            }
        };
        if better {
            best = Some((*name, closeness));
        }
    }
    best
}

/// Whether `a` and `b` are exactly one Damerau edit apart.
fn one_edit(a: &[char], b: &[char]) -> bool {
    match a.len() as isize - b.len() as isize {
        0 => {
            let diffs: Vec<usize> = (0..a.len()).filter(|&i| a[i] != b[i]).collect();
            match diffs[..] {
                [_] => true,
                [i, j] => j == i + 1 && a[i] == b[j] && a[j] == b[i],
                _ => false,
            }
        }
        1 => deletes_to(a, b),
        -1 => deletes_to(b, a),
        _ => false,
    }
}

/// Whether removing one character of `long` gives `short`.
fn deletes_to(long: &[char], short: &[char]) -> bool {
    let i = long.iter().zip(short).take_while(|(x, y)| x == y).count();
    long[i + 1..] == short[i..]
}

/// Fold look-alike characters to one Latin spelling.
fn fold(s: &str) -> String {
    let mapped: String = s
        .chars()
        .map(|c| match c {
            '0' | 'о' | 'ο' | 'օ' => 'o',
            '1' | 'i' | 'l' | '|' | 'і' | 'ӏ' | 'ι' => 'l',
            'а' | 'α' => 'a',
            'е' | 'ё' => 'e',
            'р' | 'ρ' => 'p',
            'с' | 'ϲ' => 'c',
            'х' | 'χ' => 'x',
            'у' | 'γ' => 'y',
            'ѕ' => 's',
            'ј' => 'j',
            'ԁ' => 'd',
            'ɡ' => 'g',
            'һ' => 'h',
            'к' | 'κ' => 'k',
            'м' => 'm',
            'т' | 'τ' => 't',
            'ν' => 'v',
            'ո' => 'n',
            '‐' | '‑' | '–' => '-',
            c => c,
        })
        .collect();
    mapped.replace("rn", "m").replace("vv", "w")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_are_well_known() {
        assert!(is_known("actions/checkout") && is_known("Actions/Setup-Go"));
        assert!(is_known("github/codeql-action/upload-sarif"));
        assert!(!is_known("actlons/checkout"));
    }

    #[test]
    fn near_misses() {
        assert_eq!(near_miss("actions/setup-go"), None);
        // `l` for `i` is both one edit and a look-alike: reported as the latter.
        assert_eq!(
            near_miss("actlons/checkout"),
            Some(("actions/checkout", Closeness::LookAlike))
        );
        assert_eq!(
            near_miss("action/checkout"),
            Some(("actions/checkout", Closeness::OneEdit))
        );
        assert_eq!(
            near_miss("acitons/checkout"),
            Some(("actions/checkout", Closeness::OneEdit))
        );
        assert_eq!(
            near_miss("act1ons/checkout"),
            Some(("actions/checkout", Closeness::LookAlike))
        );
        assert_eq!(
            near_miss("actions/checkоut"),
            None,
            "same owner: only `actions` can create it"
        );
        assert_eq!(
            near_miss("аctions/checkout"),
            Some(("actions/checkout", Closeness::LookAlike))
        );
        assert_eq!(near_miss("docker/bulld-push-action"), None, "same owner");
        assert_eq!(
            near_miss("dcoker/build-push-action"),
            Some(("docker/build-push-action", Closeness::OneEdit))
        );
        assert_eq!(near_miss("someone/something-else"), None);
    }

    #[test]
    fn edits() {
        let e = |a: &str, b: &str| {
            one_edit(
                &a.chars().collect::<Vec<_>>(),
                &b.chars().collect::<Vec<_>>(),
            )
        };
        assert!(e("abc", "abd") && e("abc", "acb") && e("abc", "ab") && e("ab", "abc"));
        assert!(e("abc", "xabc") && !e("abc", "abc") && !e("abc", "cba") && !e("abcd", "ab"));
    }
}
